//! First start and failures: a feed's backlog is stored but not alerted (real daemon),
//! /healthz says why it fails, every feed and channel metric exists from start.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use sahel_watch::model::AlertEvent;
use support::daemon::toml_str;
use support::faults::{attack_item, hours_ago, read_alerts, rss_doc, Item, Launch, Proc};
use support::http_feeds::{wait_until, FeedServer, Reply};

fn config(dir: &Path, feed_url: &str, jsonl: &Path) -> String {
    format!(
        "[daemon]\nstate_dir = {}\nlisten = \"\"\nlog_format = \"text\"\nmax_story_age = \"30d\"\nfirst_poll_max_age = \"24h\"\n\
         [[feed]]\nname = \"wire\"\nurl = {}\ninterval = \"1s\"\n\
         [[watchlist]]\nname = \"all\"\nchannels = [\"file\"]\n\
         [[channel]]\nname = \"file\"\ntype = \"jsonl\"\npath = {}\n",
        toml_str(&dir.join("state").display().to_string()),
        toml_str(feed_url),
        toml_str(&jsonl.display().to_string()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_poll_stores_the_backlog_alerts_only_recent_stories_and_later_stories_join() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start().await;
    // Djibo three days ago (the backlog), Gao two hours ago (news)
    let old = attack_item(0, &hours_ago(72));
    let fresh = attack_item(1, &hours_ago(2));
    server.route(
        "/wire",
        Reply::rss(rss_doc("Wire", "en", &[old.clone(), fresh.clone()])),
    );
    let jsonl = dir.path().join("alerts.jsonl");
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, config(dir.path(), &server.url("/wire"), &jsonl)).unwrap();
    let mut d = Proc::start(Launch {
        config: &cfg,
        log_path: dir.path().join("daemon.log"),
        env: vec![],
        umask: None,
        rust_log: "info,sahel_watch::pipeline=debug",
    });
    let gao = wait_until(Duration::from_secs(20), || !read_alerts(&jsonl).is_empty()).await;
    assert!(gao, "no alert; log:\n{}", d.log());
    let ok = wait_until(Duration::from_secs(10), || {
        d.log()
            .contains("first poll of the feed: 1 older attack story stored without alerts")
    })
    .await;
    assert!(ok, "the log says how many were held back:\n{}", d.log());
    tokio::time::sleep(Duration::from_millis(2500)).await; // more polls: nothing more
    let alerts = read_alerts(&jsonl);
    assert_eq!(alerts.len(), 1, "{alerts:?}\nlog:\n{}", d.log());
    assert_eq!(alerts[0].incident.location.as_deref(), Some("Gao"));
    let log = d.log();
    assert!(
        log.contains("fate: held back on the feed's first poll"),
        "the held-back story's fate at DEBUG:\n{log}"
    );

    // a fresh story about the Djibo raid joins the stored incident
    let follow_up = Item::new(
        "djibo-toll",
        "Toll of raid near Djibo rises to 20 civilians",
        "https://outlet.example/news/djibo-toll",
        "The toll of the raid by gunmen on motorbikes on a village near Djibo in northern Burkina Faso has risen to twenty civilians killed, residents said.",
        &hours_ago(1),
    );
    server.route(
        "/wire",
        Reply::rss(rss_doc("Wire", "en", &[old, fresh, follow_up])),
    );
    let ok = wait_until(Duration::from_secs(20), || read_alerts(&jsonl).len() >= 2).await;
    assert!(ok, "no alert for the follow-up; log:\n{}", d.log());
    let alerts = read_alerts(&jsonl);
    let djibo = &alerts[1];
    assert_eq!(djibo.event, AlertEvent::New, "{djibo:?}");
    assert_eq!(djibo.incident.location.as_deref(), Some("Djibo"));
    assert_eq!(
        djibo.stories.len(),
        2,
        "the stored backlog story and the follow-up are one incident: {djibo:?}"
    );
    d.assert_alive("at the end");
}

async fn get(addr: String, path: &'static str) -> support::daemon::HttpResponse {
    tokio::task::spawn_blocking(move || {
        support::daemon::http_get(&addr, path, Duration::from_secs(5)).expect("GET")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_503_with_the_reason_when_every_feed_fails_or_the_outbox_is_stuck() {
    use sahel_watch::http::{serve, AppState};
    use sahel_watch::metrics::{Health, Metrics};
    use sahel_watch::store::{FeedState, NewOutbox, Store};
    use std::sync::Arc;

    let store = Arc::new(Store::open_in_memory().unwrap());
    let health = Arc::new(Health::default());
    health.started.beat();
    health.set_feeds(vec!["a".into(), "b".into()]);
    let ago = |m: i64| Some(Utc::now() - chrono::Duration::minutes(m));
    let feed = |name: &str, failures: u32, last_success| FeedState {
        name: name.into(),
        url: format!("https://{name}.example/rss"),
        failures,
        last_success,
        last_error: (failures > 0).then(|| "HTTP 500".to_string()),
        ..Default::default()
    };
    store.save_feed_state(&feed("a", 5, ago(31))).unwrap();
    store.save_feed_state(&feed("b", 4, ago(45))).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = tokio_util::sync::CancellationToken::new();
    let state = AppState {
        store: store.clone(),
        metrics: Metrics::default(),
        health: health.clone(),
        web: Default::default(),
    };
    let server = tokio::spawn(serve(listener, state, stop.clone()));
    let beat = || {
        health.poller.beat();
        health.pipeline.beat();
        health.delivery.beat();
    };
    beat();
    let r = get(addr.clone(), "/healthz").await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(
        r.body.contains("every feed (2) has failed for 30 minutes"),
        "{}",
        r.body
    );
    // one feed failing for only 20 minutes: not every feed has failed for 30
    store.save_feed_state(&feed("b", 2, ago(20))).unwrap();
    let r = get(addr.clone(), "/healthz").await;
    assert_eq!(r.status, 200, "{}", r.body);
    // a healthy feed
    store.save_feed_state(&feed("b", 0, ago(1))).unwrap();
    assert_eq!(get(addr.clone(), "/healthz").await.status, 200);

    // an alert waiting for 31 minutes, nothing delivered since
    let old = Utc::now() - chrono::Duration::minutes(31);
    let row = |key: &'static str| NewOutbox {
        idem_key: key,
        channel: "hook",
        event: "incident.new",
        incident_id: "I-1",
        payload: "{}",
        held_until: None,
        digest_group: None,
    };
    store.transaction(|tx| tx.enqueue(&row("k1"), old)).unwrap();
    let r = get(addr.clone(), "/healthz").await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(
        r.body
            .contains("the outbox has not moved for 30 minutes: 1 alert(s) wait"),
        "{}",
        r.body
    );
    // a row delivered a minute ago: the outbox moves
    store.transaction(|tx| tx.enqueue(&row("k2"), old)).unwrap();
    let k2 = store
        .outbox_rows()
        .unwrap()
        .into_iter()
        .find(|r| r.idem_key == "k2")
        .unwrap();
    store
        .mark_delivered(&[k2.id], Utc::now() - chrono::Duration::minutes(1))
        .unwrap();
    assert_eq!(get(addr.clone(), "/healthz").await.status, 200);
    stop.cancel();
    let _ = server.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_feed_and_channel_metric_exists_from_start_at_0() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start().await;
    server.route("/wire", Reply::Hang);
    let jsonl = dir.path().join("alerts.jsonl");
    let port = support::daemon::free_port();
    let cfg = dir.path().join("c.toml");
    let text = config(dir.path(), &server.url("/wire"), &jsonl)
        .replace("listen = \"\"", &format!("listen = \"127.0.0.1:{port}\""))
        .replace("interval = \"1s\"", "interval = \"1h\"");
    std::fs::write(&cfg, text).unwrap();
    let d = Proc::start(Launch {
        config: &cfg,
        log_path: dir.path().join("daemon.log"),
        env: vec![],
        umask: None,
        rust_log: "info",
    });
    let m = get(format!("127.0.0.1:{port}"), "/metrics").await;
    assert_eq!(m.status, 200);
    for series in [
        "sahel_watch_feed_poll_errors_total{feed=\"wire\"} 0",
        "sahel_watch_feed_not_modified_total{feed=\"wire\"} 0",
        "sahel_watch_feed_items_total{feed=\"wire\"} 0",
        "sahel_watch_alerts_sent_total{channel=\"file\"} 0",
        "sahel_watch_alerts_failed_total{channel=\"file\"} 0",
        "sahel_watch_delivery_errors_total{channel=\"file\"} 0",
        "sahel_watch_alerts_sent_total{channel=\"log\"} 0",
    ] {
        assert!(
            m.body.contains(series),
            "missing {series}:\n{}\nlog:\n{}",
            m.body,
            d.log()
        );
    }
}

/// Offline, `scripts/main.sh` runs the real daemon on the bundled sample feeds: the endpoint
/// answers, alerts are in the log, it says "N alerts for M incidents" and where to look.
#[test]
fn main_sh_offline_runs_the_daemon_on_the_sample_feeds() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = support::daemon::free_port();
    let mut child = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/main.sh"))
        .env("SAHEL_WATCH_BIN", env!("CARGO_BIN_EXE_sahel-watch"))
        .env("SAHEL_WATCH_OFFLINE", "1")
        .env("SAHEL_WATCH_DEMO_SECONDS", "5")
        .env("SAHEL_WATCH_STATE", dir.path())
        .env("SAHEL_WATCH_DEMO_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut out = String::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut summary = None;
    while Instant::now() < deadline && summary.is_none() {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            if l.contains("sahel-watch is running on the") {
                summary = Some(l.clone());
            }
            out.push_str(&l);
            out.push('\n');
        }
    }
    let summary = summary.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("no summary:\n{out}")
    });
    // "3 alerts for 3 incidents"
    let words: Vec<&str> = summary.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "for")
        .expect("N alerts for M incidents");
    let alerts: usize = words[at - 2].parse().unwrap();
    let incidents: usize = words[at + 1].parse().unwrap();
    assert!(alerts >= 3 && incidents >= 3, "{summary}");
    assert_eq!(words[at - 1], "alerts");
    // the endpoint is up while it runs
    let addr = format!("127.0.0.1:{port}");
    let r = support::daemon::http_get(&addr, "/incidents", Duration::from_secs(5)).unwrap();
    assert_eq!(r.status, 200);
    let list: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), incidents);
    for l in rx.iter() {
        out.push_str(&l);
        out.push('\n');
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{out}");
    assert!(out.contains(&format!("http://{addr}/incidents")), "{out}");
    assert_eq!(
        out.matches("sahel_watch::alert: ALERT ").count(),
        alerts,
        "{out}"
    );
}
