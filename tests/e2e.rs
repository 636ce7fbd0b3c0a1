//! The whole daemon end to end, with real components on loopback: a feed server serving the
//! bundled sample corpus, `sahel-watch run` (the real binary), and a real HTTP receiver for the
//! webhook. Each incident must arrive once; restarts and SIGKILLs must neither lose an alert
//! nor repeat one.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use support::daemon::{
    free_port, sample_feeds, samples_dir, toml_str, Daemon, FeedServer, NotifySocket, TestConfig,
};
use support::http_receiver::{Received, Receiver};

/// Incidents of the sample corpus (its gold file).
fn sample_incidents() -> usize {
    let gold: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(samples_dir().join("gold-samples.json")).unwrap(),
    )
    .unwrap();
    gold["incidents"].as_array().unwrap().len()
}

fn write_config(dir: &Path, feeds: &FeedServer, hook_url: &str) -> std::path::PathBuf {
    let state = dir.join("state");
    let jsonl = dir.join("alerts.jsonl");
    let cfg = TestConfig {
        state_dir: &state,
        listen: format!("127.0.0.1:{}", free_port()),
        feeds: sample_feeds()
            .into_iter()
            .map(|(name, _, _)| (name.clone(), feeds.url(&name), None))
            .collect(),
        jsonl: &jsonl,
        feed_interval: "1s",
    };
    let text = format!(
        "{}\n[[channel]]\nname = \"hook\"\ntype = \"webhook\"\nurl = {}\nformat = \"json\"\ntimeout = \"3s\"\n",
        cfg.render()
            .replace("channels = [\"file\"]", "channels = [\"file\", \"hook\"]"),
        toml_str(hook_url)
    );
    let path = dir.join("sahel-watch.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn start(dir: &Path, config: &Path) -> (Daemon, NotifySocket) {
    let sock_dir = tempfile::tempdir_in(dir).unwrap().keep();
    let mut notify = NotifySocket::bind(&sock_dir);
    let mut d = Daemon::start(dir, config, &notify.path, None);
    if notify
        .wait_for(Duration::from_secs(20), |n| n.has("READY=1"))
        .is_none()
    {
        d.fail("no READY=1", &notify);
    }
    (d, notify)
}

async fn wait_accepted(rx: &Receiver, n: usize, timeout: Duration) -> Vec<Received> {
    let t0 = Instant::now();
    loop {
        let got = distinct_keys(&rx.accepted());
        if got.len() >= n || t0.elapsed() > timeout {
            return rx.accepted();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn distinct_keys(r: &[Received]) -> HashSet<String> {
    r.iter()
        .filter_map(|r| r.header("idempotency-key"))
        .collect()
}

fn per_key(r: &[Received]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for x in r {
        *m.entry(x.header("idempotency-key").expect("Idempotency-Key header"))
            .or_insert(0) += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_incident_arrives_once_and_a_restart_sends_nothing_again() {
    let dir = tempfile::tempdir().unwrap();
    let feeds = FeedServer::start(sample_feeds());
    let rx = Receiver::start(vec![]).await;
    let config = write_config(dir.path(), &feeds, &rx.url("/hook"));
    let expected = sample_incidents();

    let (mut d, _n) = start(dir.path(), &config);
    let got = wait_accepted(&rx, expected, Duration::from_secs(60)).await;
    // a few more poll cycles: nothing more may come
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got_after = rx.accepted();
    assert_eq!(
        got.len(),
        got_after.len(),
        "alerts kept coming: {}",
        d.log()
    );
    let bodies: Vec<serde_json::Value> = got_after.iter().map(|r| r.json()).collect();
    assert_eq!(
        bodies.len(),
        expected,
        "one alert per sample incident; log:\n{}",
        d.log()
    );
    let ids: HashSet<&str> = bodies
        .iter()
        .map(|b| b["incident"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), expected, "one alert per incident");
    for b in &bodies {
        assert_eq!(b["schema"], "sahel-watch.alert/1");
        assert_eq!(b["event"], "incident.new");
        assert_eq!(b["watchlists"][0], "default");
    }
    // the jsonl channel got the same alerts
    let lines = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), expected);

    d.signal(libc::SIGTERM);
    assert!(
        d.wait_exit(Duration::from_secs(10))
            .is_some_and(|s| s.success()),
        "clean exit"
    );
    let polls_before = feeds.requests().len();

    // a restart on the same state: polls again, sends nothing
    let (mut d2, _n2) = start(dir.path(), &config);
    let t0 = Instant::now();
    while feeds.requests().len() < polls_before + 2 * sample_feeds().len()
        && t0.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        feeds.requests().len() >= polls_before + sample_feeds().len(),
        "the restarted daemon polls"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        rx.accepted().len(),
        expected,
        "a restart repeated alerts; log:\n{}",
        d2.log()
    );
    d2.signal(libc::SIGTERM);
    d2.wait_exit(Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_between_storing_and_sending_then_delivered_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let feeds = FeedServer::start(sample_feeds());
    // the receiver is down at first: the alerts are stored but cannot be sent
    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/hook");
    let config = write_config(dir.path(), &feeds, &hook);
    let expected = sample_incidents();

    let (mut d, _n) = start(dir.path(), &config);
    let db = dir.path().join("state/sahel-watch.sqlite");
    let t0 = Instant::now();
    let pending = loop {
        let n = pending_hook_rows(&db);
        if n >= expected || t0.elapsed() > Duration::from_secs(60) {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        pending,
        expected,
        "alerts queued for the hook; log:\n{}",
        d.log()
    );
    d.signal(libc::SIGKILL);
    d.wait_exit(Duration::from_secs(5));

    let rx = Receiver::start_on(port, vec![]).await;
    let (mut d2, _n2) = start(dir.path(), &config);
    let got = wait_accepted(&rx, expected, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = per_key(&rx.accepted());
    assert_eq!(
        counts.len(),
        expected,
        "every alert delivered after the crash; log:\n{}",
        d2.log()
    );
    assert!(
        counts.values().all(|&c| c == 1),
        "an alert was delivered twice: {counts:?}"
    );
    assert_eq!(got.len(), expected);
    d2.signal(libc::SIGTERM);
    d2.wait_exit(Duration::from_secs(10));
}

fn pending_hook_rows(db: &Path) -> usize {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE channel = 'hook' AND status = 'pending'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as usize)
    .unwrap_or(0)
}

/// SIGKILL at random moments, 20 times, while the daemon polls, classifies and delivers;
/// after the last restart every alert has arrived exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_random_sigkills_lose_nothing_and_repeat_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let feeds = FeedServer::start(sample_feeds());
    let rx = Receiver::start(vec![]).await;
    let config = write_config(dir.path(), &feeds, &rx.url("/hook"));
    let expected = sample_incidents();
    // a deterministic spread of kill moments between 50 ms and 1.5 s after READY
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    for run in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(50 + seed % 1450);
        let (mut d, _n) = start(dir.path(), &config);
        tokio::time::sleep(after).await;
        d.signal(libc::SIGKILL);
        assert!(
            d.wait_exit(Duration::from_secs(5)).is_some(),
            "run {run}: killed"
        );
    }
    let (mut d, _n) = start(dir.path(), &config);
    wait_accepted(&rx, expected, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = per_key(&rx.accepted());
    assert_eq!(counts.len(), expected, "alerts lost; log:\n{}", d.log());
    let repeated: Vec<_> = counts.iter().filter(|(_, &c)| c > 1).collect();
    assert!(repeated.is_empty(), "alerts delivered twice: {repeated:?}");
    d.signal(libc::SIGTERM);
    d.wait_exit(Duration::from_secs(10));
}
