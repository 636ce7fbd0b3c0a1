//! The web page in a real browser: headless Chromium (Debian's `chromium`, installed by
//! scripts/test.sh) loads the page of a daemon that ingested the development corpus
//! (`../shared/corpus/dev`): the incidents are in the list and on the map, the filters
//! change what is shown (from the URL and from the form), a new incident appears without
//! a reload, an incident's page opens from the list, and the page fits a phone. No page
//! requests anything from another host (every request is recorded), no Content-Security-
//! Policy violation happens, and the policy does block an inline script.
//!
//! Screenshots of each view go to `target/web-screenshots/` for a person to look at.
//! Skips with a message where the corpus or Chromium is absent, except under CI=true.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use support::cdp::{find_chromium, Chromium};
use support::daemon::{
    free_port, http_get, poll_until, toml_str, Daemon, FeedServer, NotifySocket,
};

const TIMEOUT: Duration = Duration::from_secs(10);

fn required(what: &str, looked: &str) {
    // CI must run these tests: there, a missing piece is a failure, not a skip
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} not found ({looked}) and CI=true: the browser test must run"
    );
    eprintln!("skipping: {what} not found ({looked})");
}

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/dev");
    if p.join("feeds").is_dir() {
        Some(p)
    } else {
        required(
            "../shared/corpus/dev",
            &format!("looked in {}", p.display()),
        );
        None
    }
}

fn chromium() -> Option<PathBuf> {
    let c = find_chromium();
    if c.is_none() {
        required(
            "chromium",
            "not on the PATH; scripts/test.sh installs Debian's chromium",
        );
    }
    c
}

fn screenshots() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-screenshots");
    std::fs::create_dir_all(&d).expect("create target/web-screenshots");
    d
}

/// An RSS feed of the given items: (guid, title, text, RFC 2822 date).
fn rss(items: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Late Wire</title><link>https://late-wire.example/</link>\
         <description>test feed</description><language>en</language>\n",
    );
    for (guid, title, text, date) in items {
        s.push_str(&format!(
            "<item><title>{title}</title><link>https://late-wire.example/{guid}</link>\
             <guid>https://late-wire.example/{guid}</guid><pubDate>{date}</pubDate>\
             <description>{text}</description></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

/// Records `securitypolicyviolation` events from the start of every document (a script
/// the browser injects itself: the page's policy does not apply to it).
const CSP_PROBE: &str = "window.__csp = []; document.addEventListener('securitypolicyviolation', \
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));";

/// (id, data-id of list items in order, marker ids) of the page shown.
const LIST_AND_MARKERS: &str = "({ \
    list: [...document.querySelectorAll('#incidents li.inc')].map(li => li.dataset.id), \
    markers: [...document.querySelectorAll('#markers a.mk')].map(a => a.dataset.id), \
    texts: [...document.querySelectorAll('#incidents li.inc')].map(li => li.textContent), \
    radius: Object.fromEntries([...document.querySelectorAll('#markers a.mk')] \
        .map(a => [a.dataset.id, +a.querySelector('circle').getAttribute('r')])), \
    empty: !document.getElementById('empty').hidden, \
    csp: window.__csp })";

/// No Content-Security-Policy violation in the document shown.
fn no_violation(v: &Value, what: &str) {
    assert_eq!(v["csp"], json!([]), "{what}: policy violations");
}

fn ids(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| e["incident"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn located(entries: &[Value]) -> BTreeSet<String> {
    entries
        .iter()
        .filter(|e| e["incident"]["lat"].is_number() && e["incident"]["lon"].is_number())
        .map(|e| e["incident"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_page_shows_the_corpus_incidents_on_a_map_and_in_a_list_in_chromium() {
    let Some(corpus) = corpus() else { return };
    let Some(exe) = chromium() else { return };
    let started = std::time::Instant::now();
    let shots = screenshots();
    let dir = tempfile::Builder::new()
        .prefix("sw-web")
        .tempdir()
        .expect("tempdir");

    // the corpus feeds, and a feed with nothing yet that gets a fresh story later
    let mut files: Vec<(String, Vec<u8>, &'static str)> = std::fs::read_dir(corpus.join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
                "application/rss+xml; charset=utf-8",
            )
        })
        .collect();
    files.sort();
    let corpus_names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    files.push((
        "late.xml".into(),
        rss(&[]),
        "application/rss+xml; charset=utf-8",
    ));
    let server = FeedServer::start(files);

    let state = dir.path().join("state");
    let listen = format!("127.0.0.1:{}", free_port());
    let mut config = format!(
        r#"[daemon]
state_dir = {state}
listen = "{listen}"
log_format = "text"
max_story_age = "36500d"
first_poll_max_age = "36500d"
connect_timeout = "2s"
fetch_timeout = "5s"
shutdown_grace = "2s"

[web]
refresh = "1s"

[[watchlist]]
name = "all"
countries = ["ML", "BF", "NE", "TD", "MR"]
channels = ["file"]

[[watchlist]]
name = "niger"
countries = ["NE"]
channels = ["file"]

[[channel]]
name = "file"
type = "jsonl"
path = {jsonl}
"#,
        state = toml_str(&state.display().to_string()),
        jsonl = toml_str(&dir.path().join("alerts.jsonl").display().to_string()),
    );
    for n in &corpus_names {
        config.push_str(&format!(
            "\n[[feed]]\nname = {}\nurl = {}\ninterval = \"1h\"\n",
            toml_str(n.trim_end_matches(".xml")),
            toml_str(&server.url(n))
        ));
    }
    config.push_str(&format!(
        "\n[[feed]]\nname = \"late\"\nurl = {}\ninterval = \"2s\"\n",
        toml_str(&server.url("late.xml"))
    ));
    let config_path = dir.path().join("sahel-watch.toml");
    std::fs::write(&config_path, config).unwrap();

    let mut notify = NotifySocket::bind(dir.path());
    let mut d = Daemon::start(dir.path(), &config_path, &notify.path, None);
    d.expect_notify(&mut notify, Duration::from_secs(30), "READY=1", |n| {
        n.has("READY=1")
    });
    let base = format!("http://{listen}");
    let get_json = |path: &str| -> Vec<Value> {
        let r = http_get(&listen, path, TIMEOUT).unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        serde_json::from_str::<Value>(&r.body)
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("GET {path}: not an array"))
    };

    // every corpus feed fetched, and the number of incidents still for three reads
    let mut counts = Vec::new();
    let settled = poll_until(Duration::from_secs(90), Duration::from_secs(1), || {
        let fetched = server.requests();
        if !corpus_names
            .iter()
            .all(|n| fetched.contains(&format!("/{n}")))
        {
            return None;
        }
        let r = http_get(&listen, "/incidents", TIMEOUT).ok()?;
        let n = serde_json::from_str::<Value>(&r.body)
            .ok()?
            .as_array()?
            .len();
        counts.push(n);
        let last3 = &counts[counts.len().saturating_sub(3)..];
        (n > 0 && last3.len() == 3 && last3.iter().all(|&c| c == n)).then_some(n)
    });
    if settled.is_none() {
        d.fail(&format!("incidents never settled: {counts:?}"), &notify);
    }
    let all = get_json("/incidents");
    let niger = get_json("/incidents?country=NE");
    let burkina = get_json("/incidents?country=BF");
    let big = get_json("/incidents?min_killed=100");
    let listed_niger = get_json("/incidents?watchlist=niger");
    eprintln!(
        "{} incidents ({} in Niger, {} in Burkina Faso, {} with 100 killed or more)",
        all.len(),
        niger.len(),
        burkina.len(),
        big.len()
    );
    assert!(
        all.len() >= 8,
        "the corpus has a dozen incidents: {}",
        all.len()
    );
    assert!(!niger.is_empty() && niger.len() < all.len());
    assert!(!burkina.is_empty() && burkina.len() < all.len());
    assert!(!big.is_empty() && big.len() < all.len());
    assert_eq!(
        ids(&listed_niger),
        ids(&niger),
        "the list 'niger' (countries = NE) was told of every incident in Niger"
    );

    // the page's headers, without a browser
    let r = http_get(&listen, "/", TIMEOUT).unwrap();
    assert_eq!(r.status, 200);
    let policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                  connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    assert_eq!(r.header("content-security-policy"), Some(policy));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    for inline in [
        "onclick=",
        "onload=",
        "onerror=",
        "onchange=",
        " style=",
        "<style",
        "<script>",
    ] {
        assert!(!r.body.contains(inline), "the page has {inline}");
    }
    let r = http_get(&listen, "/incidents/no-such-incident", TIMEOUT).unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-security-policy"), Some(policy));

    let mut b = Chromium::launch(&exe, dir.path()).expect("start chromium");
    let page = b.new_page();
    b.call(
        Some(&page),
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": CSP_PROBE}),
    );
    b.call(
        Some(&page),
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );

    // ---- all incidents: in the list, newest first, and on the map
    b.navigate(&page, &format!("{base}/"));
    let v = b.eval(&page, LIST_AND_MARKERS);
    no_violation(&v, "list and map");
    assert_eq!(strings(&v["list"]), ids(&all), "the list: {v}");
    assert_eq!(
        strings(&v["markers"]).into_iter().collect::<BTreeSet<_>>(),
        located(&all),
        "one marker per located incident"
    );
    assert!(!located(&all).is_empty());
    let texts = strings(&v["texts"]);
    let mut last_day = String::from("9999");
    for (e, text) in all.iter().zip(&texts) {
        let i = &e["incident"];
        let day = i["event_date"].as_str().unwrap_or("0000").to_string();
        assert!(day <= last_day, "newest first: {day} after {last_day}");
        last_day = day.clone();
        assert!(text.contains(&day), "{text:?} lacks its date {day}");
        if let Some(k) = i["killed"].as_u64() {
            assert!(text.contains(&format!("{k} killed")), "{text:?}");
        }
        if let Some(p) = i["location"].as_str() {
            assert!(text.contains(p), "{text:?} lacks its place {p}");
        }
        let n = e["stories"].as_array().unwrap().len();
        assert!(
            text.contains(&format!("{n} stor")),
            "{text:?} lacks its {n} stories"
        );
        for w in strings(&e["watchlists"]) {
            assert!(text.contains(&w), "{text:?} lacks the list {w}");
        }
    }
    // markers sized by toll
    let radius = &v["radius"];
    let tolls: Vec<(u64, f64)> = all
        .iter()
        .filter(|e| e["incident"]["lat"].is_number())
        .map(|e| {
            (
                e["incident"]["killed"].as_u64().unwrap_or(0),
                radius[e["incident"]["id"].as_str().unwrap()]
                    .as_f64()
                    .unwrap(),
            )
        })
        .collect();
    for a in &tolls {
        for c in &tolls {
            if a.0 > c.0 {
                assert!(a.1 >= c.1, "{a:?} vs {c:?}: a higher toll, a bigger marker");
            }
        }
    }
    // the base map is an image the browser could load and draw
    let size = b.eval(
        &page,
        "new Promise(done => { const i = new Image(); \
         i.onload = () => done([i.naturalWidth, i.naturalHeight]); i.onerror = () => done(null); \
         i.src = document.querySelector('#map image.base').getAttribute('href'); })",
    );
    assert_eq!(size[0], json!(1000), "the base map did not load: {size}");
    b.screenshot(&page, &shots.join("index.png"), false);

    // ---- filters from the URL
    for (query, expected, what) in [
        ("country=NE", &niger, "country=NE"),
        ("min_killed=100", &big, "min_killed=100"),
        ("watchlist=niger", &listed_niger, "watchlist=niger"),
    ] {
        b.navigate(&page, &format!("{base}/?{query}"));
        let v = b.eval(&page, LIST_AND_MARKERS);
        no_violation(&v, "list and map");
        assert_eq!(strings(&v["list"]), ids(expected), "{what}: {v}");
        assert_eq!(
            strings(&v["markers"]).into_iter().collect::<BTreeSet<_>>(),
            located(expected),
            "{what}: markers"
        );
        if query == "country=NE" {
            assert_eq!(
                b.eval(
                    &page,
                    "document.querySelector('select[name=country]').value"
                ),
                json!("NE")
            );
            assert_eq!(
                b.eval(&page, "!!document.querySelector('#map path.sel')"),
                json!(true),
                "Niger outlined on the map"
            );
            b.screenshot(&page, &shots.join("filter-country-NE.png"), false);
        }
    }
    for e in &big {
        assert!(e["incident"]["killed"].as_u64().unwrap() >= 100);
    }

    // ---- filters from the form: applied at once, kept in the URL
    b.navigate(&page, &format!("{base}/"));
    b.forget(&page, "Page.loadEventFired");
    b.eval(
        &page,
        "(() => { const s = document.querySelector('select[name=country]'); s.value = 'BF'; \
         s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()",
    );
    b.wait_load(&page);
    assert_eq!(b.eval(&page, "location.search"), json!("?country=BF"));
    let v = b.eval(&page, LIST_AND_MARKERS);
    no_violation(&v, "list and map");
    assert_eq!(
        strings(&v["list"]),
        ids(&burkina),
        "country=BF from the form"
    );
    let regions = b.eval(
        &page,
        "[...document.querySelectorAll('select[name=region] option')] \
         .filter(o => o.value && !o.hidden).map(o => o.dataset.country)",
    );
    let regions = strings(&regions);
    assert!(
        !regions.is_empty() && regions.iter().all(|c| c == "BF"),
        "only Burkina Faso's regions offered: {regions:?}"
    );
    // a region of Burkina Faso, chosen in the form
    let region = burkina
        .iter()
        .find_map(|e| e["incident"]["admin1"].as_str())
        .expect("an incident in Burkina Faso with a region")
        .to_string();
    b.forget(&page, "Page.loadEventFired");
    b.eval(
        &page,
        &format!(
            "(() => {{ const s = document.querySelector('select[name=region]'); s.value = {}; \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
            json!(region)
        ),
    );
    b.wait_load(&page);
    let in_region: Vec<Value> = burkina
        .iter()
        .filter(|e| e["incident"]["admin1"] == json!(region))
        .cloned()
        .collect();
    let v = b.eval(&page, LIST_AND_MARKERS);
    no_violation(&v, "list and map");
    assert_eq!(strings(&v["list"]), ids(&in_region), "region {region}");
    b.screenshot(&page, &shots.join("filter-form-BF-region.png"), false);

    // ---- a new incident appears without a reload (the page on the last 24 hours)
    b.navigate(&page, &format!("{base}/?days=1"));
    let before = b.eval(&page, LIST_AND_MARKERS);
    no_violation(&before, "list and map");
    let shown_before = strings(&before["list"]);
    let loaded_at = b.eval(&page, "performance.timeOrigin");
    let now = chrono::Utc::now().to_rfc2822();
    server.set(
        "late.xml",
        rss(&[(
            "ayorou-attack",
            "Niger: gunmen kill 14 villagers near Ayorou",
            "Gunmen on motorcycles killed 14 civilians and wounded 6 in an attack on a village \
             near Ayorou, in Niger's Tillaberi region, local officials said. The attackers also \
             burned granaries and stole cattle before fleeing towards the border with Mali.",
            &now,
        )]),
        "application/rss+xml; charset=utf-8",
    );
    let appeared = b.wait_true(
        &page,
        "[...document.querySelectorAll('#incidents li.inc')].some(li => li.textContent.includes('Ayorou'))",
        Duration::from_secs(40),
    );
    if !appeared {
        d.fail("the new incident never appeared in the page", &notify);
    }
    assert_eq!(
        b.eval(&page, "performance.timeOrigin"),
        loaded_at,
        "the page was not reloaded"
    );
    let after = b.eval(&page, LIST_AND_MARKERS);
    no_violation(&after, "list and map");
    let fresh = get_json("/incidents?days=1");
    assert_eq!(strings(&after["list"]), ids(&fresh));
    let new_id = ids(&fresh)
        .into_iter()
        .find(|id| !shown_before.contains(id))
        .expect("a new incident");
    assert!(
        strings(&after["markers"]).contains(&new_id),
        "the new incident is on the map"
    );
    assert_eq!(after["empty"], json!(false));
    assert_eq!(
        b.eval(
            &page,
            &format!(
                "document.querySelector('#markers a.mk[data-id=\"{new_id}\"] circle').getAttribute('class')"
            )
        ),
        json!("d1"),
        "coloured as of the last 24 hours"
    );
    b.screenshot(&page, &shots.join("refreshed-24h.png"), false);

    // ---- an incident's page, opened from the list: the one with the most stories
    let target = all
        .iter()
        .max_by_key(|e| e["stories"].as_array().unwrap().len())
        .unwrap();
    let tid = target["incident"]["id"].as_str().unwrap().to_string();
    b.navigate(&page, &format!("{base}/"));
    b.forget(&page, "Page.loadEventFired");
    b.eval(
        &page,
        &format!("document.querySelector('li.inc[data-id=\"{tid}\"] a.inc-link').click(), true"),
    );
    b.wait_load(&page);
    assert_eq!(
        b.eval(&page, "decodeURIComponent(location.pathname)"),
        json!(format!("/incidents/{tid}"))
    );
    let v = b.eval(
        &page,
        "({ h1: document.querySelector('h1').textContent, \
            stories: [...document.querySelectorAll('#stories tbody tr')].map(tr => tr.textContent), \
            links: [...document.querySelectorAll('#stories tbody a')].map(a => a.href), \
            revisions: [...document.querySelectorAll('#revisions tbody tr')].map(tr => tr.textContent), \
            alerts: [...document.querySelectorAll('#alerts tbody tr')].map(tr => tr.textContent), \
            here: !!document.querySelector('#minimap circle.here'), \
            csp: window.__csp })",
    );
    no_violation(&v, "incident page");
    let inc = &target["incident"];
    if let Some(p) = inc["location"].as_str() {
        assert!(v["h1"].as_str().unwrap().contains(p), "{v}");
    }
    let stories = target["stories"].as_array().unwrap();
    assert_eq!(strings(&v["stories"]).len(), stories.len(), "{v}");
    let links: BTreeSet<String> = strings(&v["links"]).into_iter().collect();
    for s in stories {
        let url = s["url"].as_str().unwrap();
        assert!(links.contains(url), "{url} not linked: {links:?}");
        let row = strings(&v["stories"])
            .into_iter()
            .find(|r| r.contains(s["title"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("no row for {s}"));
        assert!(row.contains(s["source"].as_str().unwrap()), "{row}");
        assert!(row.contains("en") || row.contains("fr"), "language: {row}");
    }
    let revisions = strings(&v["revisions"]);
    assert!(
        revisions.first().is_some_and(|r| r.contains("opened")),
        "{revisions:?}"
    );
    assert_eq!(
        revisions.len() as u64,
        inc["revision"].as_u64().unwrap(),
        "one row per revision: {revisions:?}"
    );
    let alerts = strings(&v["alerts"]);
    assert!(
        alerts
            .iter()
            .any(|a| a.contains("incident.new") && a.contains("file") && a.contains("all")),
        "{alerts:?}"
    );
    assert_eq!(v["here"], json!(true), "the small map marks the place");
    b.screenshot(&page, &shots.join("incident.png"), true);

    // ---- on a phone
    b.call(
        Some(&page),
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}),
    );
    for (path, shot) in [
        ("/", "phone-index.png"),
        (&format!("/incidents/{tid}")[..], "phone-incident.png"),
    ] {
        b.navigate(&page, &format!("{base}{path}"));
        let fit = b.eval(
            &page,
            "({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth, \
               map: (document.querySelector('#map, #minimap') || {}).clientWidth })",
        );
        assert!(
            fit["scroll"].as_u64().unwrap() <= fit["inner"].as_u64().unwrap(),
            "{path} is wider than a phone: {fit}"
        );
        assert!(fit["map"].as_u64().unwrap() <= 390, "{fit}");
        b.screenshot(&page, &shots.join(shot), true);
    }

    // ---- nothing blocked by the policy so far, and the policy does block
    let csp = b.eval(&page, "window.__csp");
    assert_eq!(csp, json!([]), "policy violations: {csp}");
    let blocked = b.eval(
        &page,
        "new Promise(done => { const s = document.createElement('script'); \
         s.textContent = 'window.__inline = 1'; document.body.append(s); \
         setTimeout(() => done({ ran: window.__inline === 1, csp: window.__csp }), 300); })",
    );
    assert_eq!(
        blocked["ran"],
        json!(false),
        "an inline script ran: {blocked}"
    );
    assert!(
        blocked["csp"].to_string().contains("script-src"),
        "no violation reported: {blocked}"
    );
    let errors = b.events_of(&page, "Runtime.exceptionThrown");
    assert!(errors.is_empty(), "script errors: {errors:?}");
    // nothing failed to load, nothing else went wrong that the browser logs as an error
    // (but the inline script blocked on purpose just above)
    let logged: Vec<Value> = b
        .events_of(&page, "Log.entryAdded")
        .into_iter()
        .filter(|e| e["params"]["entry"]["level"] == "error")
        .collect();
    let (blocked_here, others): (Vec<&Value>, Vec<&Value>) = logged.iter().partition(|e| {
        let text = e["params"]["entry"]["text"].as_str().unwrap_or("");
        text.contains("inline script") && text.contains("Content Security Policy")
    });
    assert!(others.is_empty(), "errors logged: {others:?}");
    assert_eq!(
        blocked_here.len(),
        1,
        "the blocked inline script is logged once"
    );

    // ---- no request left for another host; and the recorder does see one that would
    let foreign: Vec<&(String, String)> = b
        .requests
        .iter()
        .filter(|(s, _)| s == &page)
        .filter(|(_, u)| !(u.starts_with(&format!("{base}/")) || u.starts_with("data:")))
        .collect();
    assert!(foreign.is_empty(), "requests to other hosts: {foreign:?}");
    assert!(
        b.requests
            .iter()
            .any(|(_, u)| u.contains("/static/basemap.svg")),
        "the requests were recorded: {:?}",
        b.requests
    );
    let probe = b.new_page();
    b.navigate(
        &probe,
        "data:text/html,<img src=\"http://tiles.invalid/0/0/0.png\">",
    );
    std::thread::sleep(Duration::from_millis(300));
    let _ = b.events_of(&probe, "Network.requestWillBeSent");
    assert!(
        b.requests
            .iter()
            .any(|(s, u)| s == &probe && u == "http://tiles.invalid/0/0/0.png"),
        "the recorder missed a foreign request: {:?}",
        b.requests
    );
    drop(b);

    eprintln!(
        "browser test done in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        shots.display()
    );
    d.signal(libc::SIGTERM);
    match d.wait_exit(Duration::from_secs(10)) {
        Some(s) if s.success() => {}
        Some(s) => d.fail(&format!("exited with {s} after SIGTERM"), &notify),
        None => d.fail("still running 10 s after SIGTERM", &notify),
    }
}
