//! The web page without a browser: an incident built by the pipeline from three stories
//! (opened, toll up, claimed) served by the endpoint on 127.0.0.1: its page lists the
//! revisions, stories and alerts; the list and the JSON, Atom and GeoJSON take the same
//! filters; the headers carry the Content-Security-Policy; the static files are served.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sahel_nlp::Gazetteer;
use sahel_watch::config::Config;
use sahel_watch::http::{serve, AppState};
use sahel_watch::metrics::{Health, Metrics};
use sahel_watch::model::Story;
use sahel_watch::pipeline::{Pipeline, Settings};
use sahel_watch::store::Store;
use sahel_watch::web::WebSettings;
use serde_json::Value;
use support::daemon::http_get;

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
        source: format!("Outlet {key}"),
        guid: Some(key.into()),
        url: Some(format!("https://news.example/{key}")),
        title: title.into(),
        text: text.into(),
        published: Some(t0() + chrono::Duration::hours(hours)),
        published_offset_secs: None,
        language: Some("en".into()),
        fingerprint: None,
    }
}

#[test]
fn the_incident_page_shows_revisions_stories_and_alerts_and_the_lists_take_the_filters() {
    let text = "[daemon]\nmax_story_age = \"36500d\"\n\
        [alerts]\nupdates = true\n\
        [[watchlist]]\nname = \"niger\"\ncountries = [\"NE\"]\nchannels = [\"log\"]\n\
        [[watchlist]]\nname = \"mali\"\ncountries = [\"ML\"]\nchannels = [\"log\"]\n";
    let cfg =
        Config::parse(text, "w.toml", &Gazetteer::embedded()).unwrap_or_else(|e| panic!("{e}"));
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
            "Niger: death toll in Teguey ambush rises to 14 soldiers",
            "The toll of Wednesday's ambush on an army patrol near Teguey in the Tillaberi region has risen to 14 soldiers killed, the Ministry of Defence said on Thursday evening.",
        ),
        story(
            "c",
            30,
            "Islamic State Sahel claims Teguey ambush that killed 14 Nigerien soldiers",
            "The Islamic State Sahel Province claimed responsibility on Friday for Wednesday's ambush near Teguey, in Niger's Tillaberi region, in which 14 soldiers were killed.",
        ),
    ];
    for s in &stories {
        p.process(s, s.published.unwrap() + chrono::Duration::minutes(30))
            .unwrap();
    }
    let list = store.recent_incidents(10, false).unwrap();
    assert_eq!(list.len(), 1, "one incident: {list:?}");
    let inc = &list[0];
    assert_eq!(inc.revision, 3, "opened, toll, claim");
    let revisions = store.revisions(&inc.id).unwrap();
    assert_eq!(
        revisions
            .iter()
            .map(|r| (r.revision, r.story_key.clone().unwrap_or_default()))
            .collect::<Vec<_>>(),
        [
            (1, "a".to_string()),
            (2, "b".to_string()),
            (3, "c".to_string())
        ]
    );
    assert!(revisions[0].changes.is_empty());
    assert!(
        revisions[1].changes.contains(&"killed 9 → 14".to_string()),
        "{revisions:?}"
    );
    assert!(
        revisions[2]
            .changes
            .iter()
            .any(|c| c.starts_with("claimed")),
        "{revisions:?}"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = tokio_util::sync::CancellationToken::new();
    let state = AppState {
        store: store.clone(),
        metrics: Metrics::default(),
        health: Arc::new(Health::default()),
        web: Arc::new(WebSettings::default()),
    };
    rt.spawn(serve(listener, state, stop.clone()));
    let get = |path: &str| http_get(&addr, path, TIMEOUT).unwrap_or_else(|e| panic!("{path}: {e}"));

    // the incident's page
    let r = get(&format!("/incidents/{}", inc.id));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(
        csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self'"),
        "{csp}"
    );
    let body = &r.body;
    for needle in [
        "killed 9 → 14",
        "claimed",
        "opened",
        "Niger: death toll in Teguey ambush rises to 14 soldiers",
        "href=\"https://news.example/c\"",
        "Outlet a",
        "incident.new",
        "incident.updated",
        "<svg id=\"minimap\"",
        "Teguey",
    ] {
        assert!(body.contains(needle), "the incident page lacks {needle:?}");
    }
    assert_eq!(
        body.matches("<tr>").count() - 3,
        3 + 3 + store.alerts_of(&inc.id).unwrap().len(),
        "three revisions, three stories and the alerts, each a row under a heading row"
    );
    assert_eq!(get("/incidents/nope").status, 404);

    // the list and its filters
    let page = get("/?country=NE&days=all");
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("data-id=\"{}\"", inc.id)));
    assert!(page.body.contains("<option value=\"NE\" selected>"));
    let page = get("/?country=ML");
    assert!(!page.body.contains(&format!("data-id=\"{}\"", inc.id)));
    assert!(page.body.contains("No incident matches these filters."));
    let page = get("/?watchlist=niger&min_killed=14");
    assert!(page.body.contains(&format!("data-id=\"{}\"", inc.id)));
    let page = get("/?min_killed=15");
    assert!(!page.body.contains(&format!("data-id=\"{}\"", inc.id)));

    let json = |path: &str| -> Vec<Value> {
        serde_json::from_str::<Value>(&get(path).body)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let all = json("/incidents");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["watchlists"], serde_json::json!(["niger"]));
    assert_eq!(all[0]["stories"].as_array().unwrap().len(), 3);
    assert!(json("/incidents?country=ML").is_empty());
    assert!(json("/incidents?watchlist=mali").is_empty());
    // the event day (2024-03-20) is long before "the last 7 days"
    assert!(json("/incidents?days=7").is_empty());
    let geo: Value = serde_json::from_str(&get("/incidents.geojson?country=ML").body).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 0);
    let geo: Value = serde_json::from_str(&get("/incidents.geojson?country=NE").body).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 1);
    let atom = get("/incidents.atom?country=ML").body;
    assert!(!atom.contains("<entry>"), "{atom}");

    // the static files
    for (path, ct) in [
        ("/static/app.js", "text/javascript"),
        ("/static/app.css", "text/css"),
        ("/static/basemap.svg", "image/svg+xml"),
        ("/static/favicon.svg", "image/svg+xml"),
    ] {
        let r = get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").unwrap_or("").starts_with(ct),
            "{path}"
        );
        assert!(r.body.len() > 100, "{path}");
    }
    stop.cancel();
}
