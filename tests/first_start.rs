//! First start with the real daemon: a feed's backlog is stored but not alerted, and the
//! story fates at DEBUG.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use sahel_watch::model::{Alert, AlertEvent};
use support::daemon::toml_str;
use support::faults::{attack_item, rss_doc, Item, Launch, Proc};
use support::http_feeds::{FeedServer, Reply};

fn hours_ago(hours: i64) -> String {
    (Utc::now() - chrono::Duration::hours(hours)).to_rfc2822()
}

fn read_alerts(path: &Path) -> Vec<Alert> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an alert/1 line"))
        .collect()
}

/// Poll `f` every 100 ms (without blocking the runtime) for at most `limit`.
async fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    f()
}

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
    let gao = eventually(Duration::from_secs(20), || !read_alerts(&jsonl).is_empty()).await;
    assert!(gao, "no alert; log:\n{}", d.log());
    let ok = eventually(Duration::from_secs(10), || {
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
    let ok = eventually(Duration::from_secs(20), || read_alerts(&jsonl).len() >= 2).await;
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
