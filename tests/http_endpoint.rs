//! The daemon's HTTP endpoint against the bundled sample feeds (samples/feeds),
//! served over HTTP on 127.0.0.1: /healthz, /metrics, /incidents,
//! /incidents.atom (read back with feed-rs) and /incidents.geojson.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use support::daemon::{
    free_port, http_get, poll_until, sample_feeds, Daemon, FeedServer, HttpResponse, NotifySocket,
    TestConfig,
};

const TIMEOUT: Duration = Duration::from_secs(10);

/// The links of the sample stories (every incident's stories must be among them).
fn sample_links() -> BTreeSet<String> {
    let gold = support::daemon::samples_dir().join("gold-samples.json");
    let gold: Value =
        serde_json::from_slice(&std::fs::read(&gold).expect("read gold-samples.json"))
            .expect("gold-samples.json is JSON");
    gold["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["link"].as_str().expect("link").to_string())
        .collect()
}

/// The value of a metric line `name{labels} value` (labels matched as given).
fn metric(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name_and_labels)?.trim().parse().ok())
}

#[test]
fn endpoint_serves_health_metrics_and_incidents() {
    let dir = tempfile::Builder::new()
        .prefix("sw-http")
        .tempdir()
        .expect("tempdir");
    let feeds = sample_feeds();
    let names: Vec<String> = feeds.iter().map(|(n, _, _)| n.clone()).collect();
    let server = FeedServer::start(feeds);
    let mut notify = NotifySocket::bind(dir.path());
    let state = dir.path().join("state");
    let jsonl = dir.path().join("alerts.jsonl");
    let listen = format!("127.0.0.1:{}", free_port());
    let config = TestConfig {
        state_dir: &state,
        listen: listen.clone(),
        feeds: names
            .iter()
            .map(|n| {
                let stem = n.split('.').next().unwrap_or(n).to_string();
                (stem, server.url(n), None)
            })
            .collect(),
        jsonl: &jsonl,
        feed_interval: "20s",
    };
    let config_path = dir.path().join("sahel-watch.toml");
    std::fs::write(&config_path, config.render()).expect("write config");

    let mut d = Daemon::start(dir.path(), &config_path, &notify.path, None);
    d.expect_notify(&mut notify, Duration::from_secs(30), "READY=1", |n| {
        n.has("READY=1")
    });

    let get = |path: &str| -> HttpResponse {
        http_get(&listen, path, TIMEOUT).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    };

    // Wait until every feed was fetched and the number of incidents held
    // still for three reads a second apart.
    let mut counts: Vec<usize> = Vec::new();
    let settled = poll_until(Duration::from_secs(90), Duration::from_secs(1), || {
        if d.try_exit().is_some() {
            return Some(Err("the daemon exited"));
        }
        let fetched = server.requests();
        if !names.iter().all(|n| fetched.contains(&format!("/{n}"))) {
            return None;
        }
        let r = http_get(&listen, "/incidents", TIMEOUT).ok()?;
        let n = serde_json::from_str::<Value>(&r.body)
            .ok()?
            .as_array()?
            .len();
        counts.push(n);
        let last3 = &counts[counts.len().saturating_sub(3)..];
        (n > 0 && last3.len() == 3 && last3.iter().all(|&c| c == n)).then_some(Ok(n))
    });
    let n_incidents = match settled {
        Some(Ok(n)) => n,
        Some(Err(e)) => d.fail(e, &notify),
        None => d.fail(
            &format!(
                "no settled incidents after 90 s (feeds fetched: {:?}, counts {counts:?})",
                server.requests()
            ),
            &notify,
        ),
    };
    eprintln!("{n_incidents} incident(s) from the sample feeds");

    // /healthz
    let r = get("/healthz");
    assert_eq!(r.status, 200, "/healthz: {}", r.body);
    let health: Value = serde_json::from_str(&r.body).expect("/healthz is JSON");
    assert_eq!(health["status"], "ok", "/healthz: {health}");

    // /metrics (Prometheus text)
    let r = get("/metrics");
    assert_eq!(r.status, 200);
    let ct = r.header("content-type").unwrap_or("");
    assert!(
        ct.starts_with("text/plain") || ct.starts_with("application/openmetrics-text"),
        "/metrics content type {ct:?}"
    );
    for needle in ["sahel_watch_feed_polls", "sahel_watch_incidents"] {
        assert!(
            r.body.contains(needle),
            "/metrics lacks {needle}:\n{}",
            r.body
        );
    }
    for n in &names {
        let stem = n.split('.').next().unwrap();
        let polls = metric(
            &r.body,
            &format!("sahel_watch_feed_polls_total{{feed=\"{stem}\"}}"),
        )
        .unwrap_or_else(|| panic!("no poll counter for feed {stem}:\n{}", r.body));
        assert!(polls >= 1.0, "feed {stem} polled {polls} times");
    }
    let created = metric(&r.body, "sahel_watch_incidents_total")
        .unwrap_or_else(|| panic!("no sahel_watch_incidents_total:\n{}", r.body));
    assert_eq!(
        created as usize, n_incidents,
        "incidents created (fresh state) vs listed"
    );

    // /incidents (JSON)
    let r = get("/incidents");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("application/json"),
        "/incidents content type {:?}",
        r.header("content-type")
    );
    let list: Value = serde_json::from_str(&r.body).expect("/incidents is JSON");
    let list = list.as_array().expect("/incidents is an array");
    assert_eq!(list.len(), n_incidents);
    let links = sample_links();
    let mut ids = BTreeSet::new();
    for entry in list {
        let inc = &entry["incident"];
        let id = inc["id"].as_str().expect("incident.id").to_string();
        let country = inc["country"].as_str().unwrap_or("");
        assert!(
            ["ML", "BF", "NE", "TD", "MR"].contains(&country),
            "incident {id} in {country:?}"
        );
        let stories = entry["stories"].as_array().expect("stories");
        assert!(!stories.is_empty(), "incident {id} has no story");
        for s in stories {
            let url = s["url"].as_str().unwrap_or("");
            assert!(
                links.contains(url),
                "incident {id}: story {url:?} is not a sample"
            );
        }
        ids.insert(id);
    }
    assert_eq!(ids.len(), list.len(), "incident ids are not unique");

    // /incidents.atom, read back with feed-rs
    let r = get("/incidents.atom");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type").unwrap_or("").contains("atom"),
        "/incidents.atom content type {:?}",
        r.header("content-type")
    );
    let feed = feed_rs::parser::parse(r.body.as_bytes()).expect("/incidents.atom parses");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.entries.len(), n_incidents, "one entry per incident");
    let entry_ids: BTreeSet<String> = feed
        .entries
        .iter()
        .map(|e| {
            e.id.strip_prefix("urn:sahel-watch:incident:")
                .unwrap_or_else(|| panic!("entry id {:?}", e.id))
                .to_string()
        })
        .collect();
    assert_eq!(entry_ids, ids, "Atom entries vs /incidents");
    for e in &feed.entries {
        let title = e.title.as_ref().map(|t| t.content.as_str()).unwrap_or("");
        assert!(!title.trim().is_empty(), "entry {} has no title", e.id);
        assert!(
            e.links.iter().any(|l| links.contains(&l.href)),
            "entry {} links to no sample story: {:?}",
            e.id,
            e.links
        );
        assert!(e.content.is_some(), "entry {} has no content", e.id);
    }

    // /incidents.geojson: Points with [lon, lat]
    let r = get("/incidents.geojson");
    assert_eq!(r.status, 200);
    let geo: Value = serde_json::from_str(&r.body).expect("/incidents.geojson is JSON");
    assert_eq!(geo["type"], "FeatureCollection");
    let features = geo["features"].as_array().expect("features");
    let located: Vec<&Value> = list
        .iter()
        .map(|e| &e["incident"])
        .filter(|i| i["lat"].is_number() && i["lon"].is_number())
        .collect();
    assert!(
        !located.is_empty(),
        "no sample incident was located (all sample places are in the gazetteer)"
    );
    assert_eq!(
        features.len(),
        located.len(),
        "one feature per located incident"
    );
    for inc in located {
        let id = inc["id"].as_str().unwrap();
        let f = features
            .iter()
            .find(|f| f["id"] == id || f["properties"]["id"] == id)
            .unwrap_or_else(|| panic!("no feature for incident {id}"));
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = f["geometry"]["coordinates"]
            .as_array()
            .expect("coordinates");
        assert_eq!(c.len(), 2);
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert_eq!(
            lon,
            inc["lon"].as_f64().unwrap(),
            "{id}: coordinates[0] is lon"
        );
        assert_eq!(
            lat,
            inc["lat"].as_f64().unwrap(),
            "{id}: coordinates[1] is lat"
        );
        // the sample incidents are in the Sahel: latitude 9..28 N, longitude 18 W..25 E
        assert!(
            (9.0..=28.0).contains(&lat) && (-18.0..=25.0).contains(&lon),
            "{id}: [{lon}, {lat}] is not in the Sahel"
        );
    }

    // the jsonl channel received the incident.new alerts
    let delivered = poll_until(Duration::from_secs(30), Duration::from_millis(500), || {
        let text = std::fs::read_to_string(&jsonl).ok()?;
        let alerts: Vec<Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let new = alerts
            .iter()
            .filter(|a| a["schema"] == "sahel-watch.alert/1" && a["event"] == "incident.new")
            .count();
        (new >= n_incidents).then_some(new)
    });
    if delivered.is_none() {
        let text = std::fs::read_to_string(&jsonl).unwrap_or_default();
        d.fail(
            &format!("the jsonl channel did not get {n_incidents} incident.new alerts:\n{text}"),
            &notify,
        );
    }

    d.signal(libc::SIGTERM);
    match d.wait_exit(Duration::from_secs(10)) {
        Some(s) if s.success() => {}
        Some(s) => d.fail(&format!("exited with {s} after SIGTERM"), &notify),
        None => d.fail("still running 10 s after SIGTERM", &notify),
    }
}
