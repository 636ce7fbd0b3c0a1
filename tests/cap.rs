//! CAP 1.2: an incident built by the pipeline from three stories (opened, toll
//! up, claimed) is posted by a `format = "cap"` webhook at each revision and
//! served at `/incidents/{id}.cap` and in `/incidents.cap.atom`; every
//! document is validated against the official OASIS schema (CAP-v1.2.xsd,
//! from scripts/test-tools.sh) with xmllint, and the pushed and the served
//! alert of a revision agree on identifier, time and references.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sahel_nlp::Gazetteer;
use sahel_watch::cap::{cap_time, CapSettings};
use sahel_watch::config::Config;
use sahel_watch::http::{serve, AppState};
use sahel_watch::metrics::{Health, Metrics};
use sahel_watch::model::{AlertEvent, Story};
use sahel_watch::pipeline::{Pipeline, Settings};
use sahel_watch::sink::worker::Delivery;
use sahel_watch::store::{OutboxStatus, Store};
use sahel_watch::web::WebSettings;
use support::cap_schema::assert_valid;
use support::daemon::http_get;
use support::http_receiver::Receiver;

const TIMEOUT: Duration = Duration::from_secs(10);

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-21T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn story(key: &str, hours: i64, title: &str, text: &str) -> Story {
    Story {
        key: key.into(),
        feed: "wire".into(),
        source: format!("Outlet <{key}> & co"),
        guid: Some(key.into()),
        url: Some(format!("https://news.example/{key}?a=1&b=2")),
        title: title.into(),
        text: text.into(),
        published: Some(t0() + chrono::Duration::hours(hours)),
        published_offset_secs: None,
        language: Some("en".into()),
        fingerprint: None,
    }
}

/// The text of the first `<name>` element.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(&xml[start..end])
}

#[test]
fn cap_alerts_pushed_and_served_are_valid_cap_1_2_and_agree() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rx = rt.block_on(Receiver::start(vec![]));
    let text = format!(
        "[daemon]\nmax_story_age = \"36500d\"\n\
         [alerts]\nupdates = true\nretry_delay = \"50ms\"\n\
         [web]\npublic_url = \"https://watch.ngo.example/\"\n\
         [cap]\nsender = \"sahel-watch@ngo.example\"\n\
         [[watchlist]]\nname = \"niger\"\ncountries = [\"NE\"]\nchannels = [\"cap-hub\"]\n\
         [[channel]]\nname = \"cap-hub\"\ntype = \"webhook\"\nformat = \"cap\"\nurl = \"{}\"\n",
        rx.url("/cap/inbox")
    );
    let cfg =
        Config::parse(&text, "c.toml", &Gazetteer::embedded()).unwrap_or_else(|e| panic!("{e}"));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let p = Pipeline::new(
        store.clone(),
        Settings::new(&cfg, Gazetteer::embedded(), true),
        Metrics::default(),
    );
    let stories = [
        story(
            "a",
            0,
            "Niger: nine soldiers killed in ambush near Teguey",
            "Nine Nigerien soldiers were killed on Wednesday when gunmen ambushed their patrol near Teguey, in the Tillaberi region, the Ministry of Defence said in a statement on Thursday.",
        ),
        story(
            "b",
            6,
            "Niger: death toll in Teguey ambush rises to 14 soldiers <update>",
            "The toll of Wednesday's ambush on an army patrol near Teguey in the Tillaberi region has risen to 14 soldiers killed, the Ministry of Defence said on Thursday evening.",
        ),
        story(
            "c",
            30,
            "Islamic State Sahel claims Teguey ambush that killed 14 Nigerien soldiers",
            "The Islamic State Sahel Province claimed responsibility on Friday for Wednesday's ambush near Teguey, in Niger's Tillaberi region, in which 14 soldiers were killed.",
        ),
    ];
    let d = Delivery::new(
        store.clone(),
        &cfg,
        Metrics::default(),
        Arc::new(Health::default()),
    )
    .unwrap();
    // each story is delivered before the next arrives, as the daemon would
    for s in &stories {
        p.process(s, s.published.unwrap() + chrono::Duration::minutes(30))
            .unwrap();
        rt.block_on(d.drain_once()).unwrap();
    }
    let inc = store.recent_incidents(10, false).unwrap().remove(0);
    assert_eq!(inc.revision, 3);
    let revisions = store.revisions(&inc.id).unwrap();
    let rows = store.outbox_rows().unwrap();
    assert_eq!(rows.len(), 3, "new, toll up, claim: {rows:?}");
    assert!(rows.iter().all(|r| r.status == OutboxStatus::Delivered));

    // pushed: one CAP alert per revision, Alert then Updates referencing the earlier ones
    let got = rx.received();
    assert_eq!(got.len(), 3);
    let sender = "sahel-watch@ngo.example";
    for (n, r) in got.iter().enumerate() {
        let rev = n as u32 + 1;
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/cap+xml; charset=utf-8")
        );
        let xml = r.text();
        assert_valid(&xml);
        assert_eq!(
            element(&xml, "identifier"),
            Some(format!("{}.r{rev}", inc.id).as_str())
        );
        assert_eq!(element(&xml, "sender"), Some(sender));
        let at = revisions.iter().find(|x| x.revision == rev).unwrap().at;
        assert_eq!(element(&xml, "sent"), Some(cap_time(at).as_str()), "{xml}");
        assert_eq!(element(&xml, "status"), Some("Actual"));
        assert_eq!(element(&xml, "scope"), Some("Public"));
        assert_eq!(element(&xml, "category"), Some("Security"));
        assert_eq!(element(&xml, "event"), Some("Ambush"));
        assert_eq!(element(&xml, "incidents"), Some(inc.id.as_str()));
        assert_eq!(
            element(&xml, "web"),
            Some(format!("https://watch.ngo.example/incidents/{}", inc.id).as_str())
        );
        assert!(
            element(&xml, "circle").is_some_and(|c| c.ends_with(" 10")),
            "a 10 km circle around the place: {xml}"
        );
        assert!(
            element(&xml, "areaDesc").unwrap().contains("Niger"),
            "{xml}"
        );
        let want_refs: Vec<String> = revisions
            .iter()
            .filter(|x| x.revision < rev)
            .map(|x| format!("{sender},{}.r{},{}", inc.id, x.revision, cap_time(x.at)))
            .collect();
        if rev == 1 {
            assert_eq!(element(&xml, "msgType"), Some("Alert"));
            assert_eq!(element(&xml, "references"), None);
            assert_eq!(element(&xml, "severity"), Some("Severe"), "9 killed");
        } else {
            assert_eq!(element(&xml, "msgType"), Some("Update"));
            assert_eq!(
                element(&xml, "references"),
                Some(want_refs.join(" ").as_str())
            );
            assert_eq!(element(&xml, "severity"), Some("Severe"), "14 killed");
        }
    }
    let last_pushed = got[2].text();
    assert!(
        last_pushed
            .contains("<valueName>actors</valueName><value>Islamic State Sahel Province</value>"),
        "the claim: {last_pushed}"
    );

    // served
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = tokio_util::sync::CancellationToken::new();
    let state = AppState {
        store: store.clone(),
        metrics: Metrics::default(),
        health: Arc::new(Health::default()),
        web: Arc::new(WebSettings::new(&cfg)),
    };
    rt.spawn(serve(listener, state, stop.clone()));
    let get = |path: &str| http_get(&addr, path, TIMEOUT).unwrap_or_else(|e| panic!("{path}: {e}"));

    let r = get(&format!("/incidents/{}.cap", inc.id));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/cap+xml; charset=utf-8")
    );
    assert_valid(&r.body);
    for name in [
        "identifier",
        "sender",
        "sent",
        "msgType",
        "references",
        "incidents",
        "web",
        "circle",
    ] {
        assert_eq!(
            element(&r.body, name),
            element(&last_pushed, name),
            "the served and the pushed alert of revision 3 differ in <{name}>"
        );
    }
    assert!(r.body.contains("Outlet &lt;c&gt; &amp; co"), "{}", r.body);
    assert_eq!(get("/incidents/nope.cap").status, 404);
    // the page is still the page
    assert!(get(&format!("/incidents/{}", inc.id))
        .body
        .contains("<!DOCTYPE html>"));

    // the CAP Atom feed: one entry per incident, linking and carrying its alert
    let r = get("/incidents.cap.atom?country=NE");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/atom+xml")));
    let feed = feed_rs::parser::parse(r.body.as_bytes()).expect("an Atom feed feed-rs reads");
    assert_eq!(feed.entries.len(), 1);
    let e = &feed.entries[0];
    assert_eq!(e.id, format!("urn:sahel-watch:cap:{sender}:{}.r3", inc.id));
    let link = e
        .links
        .iter()
        .find(|l| l.media_type.as_deref() == Some("application/cap+xml"))
        .expect("a link to the CAP document");
    assert_eq!(
        link.href,
        format!("https://watch.ngo.example/incidents/{}.cap", inc.id)
    );
    let start = r.body.find("<alert ").unwrap();
    let end = r.body.find("</alert>").unwrap() + "</alert>".len();
    let embedded: String = r.body[start..end]
        .lines()
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("\n");
    assert_valid(&embedded);
    assert_eq!(
        element(&embedded, "identifier"),
        element(&last_pushed, "identifier")
    );
    let r = get("/incidents.cap.atom?country=ML");
    assert!(!r.body.contains("<entry>"), "{}", r.body);
    stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_digest_and_hostile_alerts_are_valid_cap_too() {
    use sahel_watch::cap::{document, CapIncident};
    let mut hostile = sahel_watch::sink::sample_alert();
    hostile.incident.title = Some("<script>\u{1b}\u{0}alert(1)</script> & \u{FFFF}".into());
    hostile.incident.summary = Some("]]> <![CDATA[ x ]]> &amp;".into());
    hostile.incident.id = "id with spaces, commas & <marks>".into();
    hostile.incident.country = Some("N<E".into());
    let mut test = sahel_watch::sink::sample_alert();
    test.event = AlertEvent::Test;
    let digest =
        sahel_watch::sink::worker::digest_alert("night shift", 7, &[hostile.clone(), test.clone()]);
    let mut unknown = sahel_watch::sink::sample_alert();
    unknown.incident.lat = None;
    unknown.incident.lon = None;
    unknown.incident.killed = None;
    unknown.incident.wounded = None;
    unknown.incident.event_date = None;
    unknown.incident.attack_type = None;
    let settings = CapSettings::default();
    for (what, a) in [
        ("hostile", &hostile),
        ("test", &test),
        ("digest", &digest),
        ("unknown facts", &unknown),
    ] {
        let xml = document(&CapIncident::from_alert(a, &[], Utc::now()), &settings);
        assert_valid(&xml);
        if what == "test" {
            assert_eq!(element(&xml, "status"), Some("Test"));
        }
        if what == "hostile" {
            assert_eq!(
                element(&xml, "identifier"),
                Some("id_with_spaces__commas____marks_.r1")
            );
        }
        if what == "unknown facts" {
            assert_eq!(element(&xml, "severity"), Some("Unknown"));
            assert_eq!(element(&xml, "urgency"), Some("Unknown"));
            assert!(element(&xml, "circle").is_none());
        }
    }
}
