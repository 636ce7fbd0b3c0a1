//! SIGHUP with the real daemon: a new watch-list takes effect for the stories that follow,
//! queued alerts and feed state are kept; a broken file is refused and the old one kept
//! (the latter with systemd's notifications is in tests/systemd.rs).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::daemon::{free_port, sample_feeds, toml_str, Daemon, FeedServer, NotifySocket};

fn config(state: &Path, jsonl: &Path, feeds: &[(String, String)], watchlists: &str) -> String {
    let mut s = format!(
        "[daemon]\nstate_dir = {}\nlisten = \"127.0.0.1:{}\"\nlog_format = \"text\"\nmax_story_age = \"36500d\"\nfirst_poll_max_age = \"36500d\"\n\n\
         {watchlists}\n[[channel]]\nname = \"file\"\ntype = \"jsonl\"\npath = {}\n",
        toml_str(&state.display().to_string()),
        free_port(),
        toml_str(&jsonl.display().to_string())
    );
    for (name, url) in feeds {
        s.push_str(&format!(
            "\n[[feed]]\nname = {}\nurl = {}\ninterval = \"1s\"\n",
            toml_str(name),
            toml_str(url)
        ));
    }
    s
}

fn alerts(jsonl: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(jsonl)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn sighup_applies_a_new_watchlist_to_the_stories_that_follow() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start(sample_feeds());
    let all: Vec<(String, String)> = sample_feeds()
        .into_iter()
        .map(|(n, _, _)| (n.clone(), server.url(&n)))
        .collect();
    let first = &all[..1];
    let state = dir.path().join("state");
    let jsonl = dir.path().join("alerts.jsonl");
    let path = dir.path().join("c.toml");
    // before: one feed, a watch-list for Mali only
    std::fs::write(
        &path,
        config(
            &state,
            &jsonl,
            first,
            "[[watchlist]]\nname = \"mali\"\ncountries = [\"ML\"]\nchannels = [\"file\"]\n",
        ),
    )
    .unwrap();
    let sock = tempfile::tempdir_in(dir.path()).unwrap();
    let mut notify = NotifySocket::bind(sock.path());
    let mut d = Daemon::start(dir.path(), &path, &notify.path, None);
    if notify
        .wait_for(Duration::from_secs(20), |n| n.has("READY=1"))
        .is_none()
    {
        d.fail("no READY=1", &notify);
    }
    assert!(
        wait_until(Duration::from_secs(20), || server.requests().len() >= 2),
        "first feed polled"
    );
    std::thread::sleep(Duration::from_secs(1));
    let before = alerts(&jsonl);
    assert!(
        before
            .iter()
            .all(|a| a["incident"]["country"] == "ML"
                && a["watchlists"] == serde_json::json!(["mali"])),
        "{before:?}"
    );

    // after: every feed, and a second watch-list for the whole Sahel
    std::fs::write(
        &path,
        config(&state, &jsonl, &all, "[[watchlist]]\nname = \"mali\"\ncountries = [\"ML\"]\nchannels = [\"file\"]\n[[watchlist]]\nname = \"sahel\"\nchannels = [\"file\"]\n"),
    )
    .unwrap();
    d.signal(libc::SIGHUP);
    if notify
        .wait_for(Duration::from_secs(10), |n| n.has("RELOADING=1"))
        .is_none()
    {
        d.fail("no RELOADING=1", &notify);
    }
    let ok = wait_until(Duration::from_secs(30), || {
        alerts(&jsonl).iter().any(|a| {
            a["incident"]["country"] != "ML" && a["watchlists"] == serde_json::json!(["sahel"])
        })
    });
    assert!(
        ok,
        "the new watch-list and feeds took effect; log:\n{}",
        d.log()
    );
    // nothing alerted before the reload was alerted again to the list that had it (the new
    // list may get its own incident.new for an incident it had never been told about)
    let after = alerts(&jsonl);
    for b in &before {
        let n = after
            .iter()
            .filter(|a| {
                a["incident"]["id"] == b["incident"]["id"]
                    && a["event"] == "incident.new"
                    && a["watchlists"]
                        .as_array()
                        .is_some_and(|w| w.iter().any(|n| n == "mali"))
            })
            .count();
        assert_eq!(
            n, 1,
            "incident {} alerted again after reload",
            b["incident"]["id"]
        );
    }
    d.signal(libc::SIGTERM);
    assert!(d
        .wait_exit(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
}
