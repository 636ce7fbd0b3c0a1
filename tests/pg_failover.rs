//! Daemons sharing one PostgreSQL store (a throw-away cluster on 127.0.0.1 that
//! `scripts/pg-test.sh` starts; `SAHEL_TEST_PG_URL`): one leads (polls, stores,
//! delivers), the other stands by serving the endpoint read-only, and takes over when
//! the leader is SIGKILLed while alerts are in flight. Every incident of the
//! development corpus reaches the receiver; none twice beyond the crash window (the one
//! alert the leader was sending when it died). And `store migrate` moves a SQLite
//! state into PostgreSQL: a daemon on it sends nothing again.
//!
//! Skips with a message where PostgreSQL or the corpus is absent, except under CI=true.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sahel_watch::store::{pg, PgSettings, Store};
use support::daemon::{
    free_port, http_get, sample_feeds, toml_str, Daemon, FeedServer, NotifySocket, TestConfig,
};
use support::http_receiver::{Received, Receiver, Reply};

fn corpus_feeds() -> Option<Vec<(String, Vec<u8>, &'static str)>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/dev/feeds");
    if !p.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "../shared/corpus/dev not found and CI=true: the tests that need ../shared must run"
        );
        eprintln!("skipping: ../shared/corpus/dev not found");
        return None;
    }
    let mut out: Vec<_> = std::fs::read_dir(&p)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            let ct = if name.ends_with(".json") {
                "application/feed+json"
            } else if String::from_utf8_lossy(&bytes[..bytes.len().min(400)]).contains("<feed") {
                "application/atom+xml; charset=utf-8"
            } else {
                "application/rss+xml; charset=utf-8"
            };
            (name, bytes, ct)
        })
        .collect();
    out.sort();
    Some(out)
}

/// A daemon's configuration: the feeds, a webhook to `hook_url`, and the store.
fn write_config(
    dir: &Path,
    files: &[(String, Vec<u8>, &'static str)],
    feeds: &FeedServer,
    hook_url: &str,
    store: Option<&PgSettings>,
) -> (PathBuf, String) {
    let state = dir.join("state");
    let jsonl = dir.join("alerts.jsonl");
    let listen = format!("127.0.0.1:{}", free_port());
    let cfg = TestConfig {
        state_dir: &state,
        listen: listen.clone(),
        feeds: files
            .iter()
            .map(|(name, _, _)| (name.clone(), feeds.url(name), None))
            .collect(),
        jsonl: &jsonl,
        feed_interval: "1s",
    };
    let mut text = format!(
        "{}\n[[channel]]\nname = \"hook\"\ntype = \"webhook\"\nurl = {}\nformat = \"json\"\ntimeout = \"5s\"\n",
        cfg.render()
            .replace("channels = [\"file\"]", "channels = [\"file\", \"hook\"]"),
        toml_str(hook_url)
    );
    if let Some(pg) = store {
        text.push_str(&format!(
            "\n[store]\nurl = {}\npassword_env = \"SAHEL_TEST_PG_PASSWORD\"\n",
            toml_str(&pg.url)
        ));
    }
    let path = dir.join("sahel-watch.toml");
    std::fs::write(&path, text).unwrap();
    (path, listen)
}

fn start(dir: &Path, config: &Path) -> (Daemon, NotifySocket) {
    let sock_dir = tempfile::tempdir_in(dir).unwrap().keep();
    let mut notify = NotifySocket::bind(&sock_dir);
    let mut d = Daemon::start(dir, config, &notify.path, None);
    if notify
        .wait_for(Duration::from_secs(30), |n| n.has("READY=1"))
        .is_none()
    {
        d.fail("no READY=1", &notify);
    }
    (d, notify)
}

fn wait_log(d: &Daemon, what: &str, timeout: Duration) -> Option<Duration> {
    let t0 = Instant::now();
    while t0.elapsed() < timeout {
        if d.log().contains(what) {
            return Some(t0.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
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
async fn the_leader_killed_while_alerting_the_standby_takes_over_and_nothing_is_lost_or_repeated() {
    let Some(files) = corpus_feeds() else { return };
    let Some(pg) = pg::test_database() else {
        return;
    };
    let feeds = FeedServer::start(files.clone());
    // every answer takes a while: alerts are in flight when the leader dies
    let rx = Receiver::start(
        (0..400)
            .map(|_| Reply::status(200).delay(Duration::from_millis(250)))
            .collect(),
    )
    .await;
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a_cfg, _) = write_config(a_dir.path(), &files, &feeds, &rx.url("/hook"), Some(&pg));
    let (b_cfg, b_listen) = write_config(b_dir.path(), &files, &feeds, &rx.url("/hook"), Some(&pg));

    let (mut a, _na) = start(a_dir.path(), &a_cfg);
    assert!(
        wait_log(&a, "leadership taken", Duration::from_secs(20)).is_some(),
        "the first daemon leads; log:\n{}",
        a.log()
    );
    let (mut b, _nb) = start(b_dir.path(), &b_cfg);
    assert!(
        wait_log(&b, "standby: another daemon leads", Duration::from_secs(20)).is_some(),
        "the second daemon stands by; log:\n{}",
        b.log()
    );
    // the standby answers reads, and says it stands by
    let h = http_get(&b_listen, "/healthz", Duration::from_secs(5)).unwrap();
    assert_eq!(h.status, 200, "{}", h.body);
    assert!(h.body.contains("\"standby\""), "{}", h.body);

    // kill the leader with alerts in flight
    let t0 = Instant::now();
    while rx.arrived() < 4 && t0.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(rx.arrived() >= 4, "no alert arrived; log:\n{}", a.log());
    a.signal(libc::SIGKILL);
    let killed = Instant::now();
    assert!(a.wait_exit(Duration::from_secs(5)).is_some());
    let sent_by_a = rx.arrived();

    let took = wait_log(&b, "leadership taken", Duration::from_secs(30));
    assert!(
        took.is_some(),
        "the standby did not take over within 30 s; log:\n{}",
        b.log()
    );
    assert!(killed.elapsed() < Duration::from_secs(30));

    // the new leader delivers the rest: wait until no hook row waits
    let store = Store::open_postgres(&pg).unwrap();
    let t0 = Instant::now();
    loop {
        let waiting = store.undelivered_outbox(Some("hook")).unwrap();
        let settled = !store.outbox_rows().unwrap().is_empty() && waiting.is_empty();
        if settled || t0.elapsed() > Duration::from_secs(120) {
            assert!(
                waiting.is_empty(),
                "alerts left undelivered: {waiting:?}; log:\n{}",
                b.log()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // a few poll cycles more: nothing more may come
    tokio::time::sleep(Duration::from_secs(3)).await;

    let rows: Vec<_> = store
        .outbox_rows()
        .unwrap()
        .into_iter()
        .filter(|r| r.channel == "hook")
        .collect();
    let queued: HashSet<String> = rows.iter().map(|r| r.idem_key.clone()).collect();
    let got = per_key(&rx.accepted());
    let got_keys: HashSet<String> = got.keys().cloned().collect();
    assert!(queued.len() > 10, "the corpus gave {} alerts", queued.len());
    assert!(
        sent_by_a < queued.len(),
        "the leader was killed before it had sent everything ({sent_by_a} of {})",
        queued.len()
    );
    assert_eq!(
        got_keys,
        queued,
        "every queued alert arrives, and nothing else; log B:\n{}",
        b.log()
    );
    // each incident of the corpus that was alerted as new reached the receiver
    let new_incidents: HashSet<String> = rows
        .iter()
        .filter(|r| r.event == "incident.new")
        .map(|r| r.incident_id.clone())
        .collect();
    let received_new: HashSet<String> = rx
        .accepted()
        .iter()
        .map(|r| r.json())
        .filter(|b| b["event"] == "incident.new")
        .map(|b| b["incident"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(received_new, new_incidents);
    // as many incidents as the same pipeline finds in the corpus offline (replay)
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/dev/feeds");
    let mut out = Vec::new();
    sahel_watch::replay::run(
        &sahel_watch::replay::ReplayOptions {
            config: sahel_watch::config::Config::builtin(),
            known_incidents: vec![],
            feeds: files.iter().map(|(name, _, _)| dev.join(name)).collect(),
            updates: sahel_watch::pipeline::UpdatePolicy::Off,
        },
        &mut out,
    )
    .unwrap();
    let replayed = String::from_utf8(out).unwrap().lines().count();
    assert_eq!(
        new_incidents.len(),
        replayed,
        "every incident of the corpus reaches the receiver"
    );
    assert_eq!(
        new_incidents.len(),
        store.counts().unwrap().incidents as usize,
        "every incident stored was alerted"
    );
    // the crash window: at most the one alert in flight when the leader died, twice
    let repeated: Vec<_> = got.iter().filter(|(_, &n)| n > 1).collect();
    eprintln!(
        "{} alerts queued ({} incidents), {sent_by_a} sent by the killed leader, takeover after {:?}, repeated: {repeated:?}",
        queued.len(),
        new_incidents.len(),
        took.unwrap()
    );
    assert!(
        repeated.len() <= 1 && repeated.iter().all(|(_, &n)| n == 2),
        "alerts repeated beyond the crash window: {repeated:?}"
    );
    // only one daemon ever led at a time: the killed one, then the standby
    assert_eq!(b.log().matches("leadership taken").count(), 1);

    b.signal(libc::SIGTERM);
    assert!(b
        .wait_exit(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_migrate_moves_a_sqlite_state_and_a_daemon_on_it_repeats_nothing() {
    let Some(pg) = pg::test_database() else {
        return;
    };
    let files = sample_feeds();
    let feeds = FeedServer::start(files.clone());
    let rx = Receiver::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let (cfg, _) = write_config(dir.path(), &files, &feeds, &rx.url("/hook"), None);
    let (mut d, _n) = start(dir.path(), &cfg);
    let t0 = Instant::now();
    let db = dir.path().join("state/sahel-watch.sqlite");
    loop {
        let done = Store::open(&db)
            .ok()
            .and_then(|s| s.undelivered_outbox(None).ok().map(|u| (s, u)))
            .is_some_and(|(s, u)| u.is_empty() && !s.outbox_rows().unwrap().is_empty());
        if done && !rx.accepted().is_empty() {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "{}", d.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(Duration::from_secs(10)).is_some());
    let sent = rx.accepted().len();
    let before = Store::open(&db).unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sahel-watch"))
        .args(["store", "migrate", "--from"])
        .arg(format!("sqlite:{}", db.display()))
        .args(["--to", &pg.url, "--password-env", "SAHEL_TEST_PG_PASSWORD"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("outbox"), "{stdout}");
    let after = Store::open_postgres(&pg).unwrap();
    assert_eq!(after.outbox_rows().unwrap(), before.outbox_rows().unwrap());
    assert_eq!(after.feed_states().unwrap(), before.feed_states().unwrap());
    assert_eq!(
        after.recent_incidents(1000, true).unwrap(),
        before.recent_incidents(1000, true).unwrap()
    );
    // a second migration into the same store is refused
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_sahel-watch"))
        .args(["store", "migrate", "--from"])
        .arg(format!("sqlite:{}", db.display()))
        .args(["--to", &pg.url, "--password-env", "SAHEL_TEST_PG_PASSWORD"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // the daemon on the PostgreSQL store: polls the same feeds, sends nothing again
    let dir2 = tempfile::tempdir().unwrap();
    let (cfg2, _) = write_config(dir2.path(), &files, &feeds, &rx.url("/hook"), Some(&pg));
    let polls = feeds.requests().len();
    let (mut d2, _n2) = start(dir2.path(), &cfg2);
    let t0 = Instant::now();
    while feeds.requests().len() < polls + 2 * files.len() && t0.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        feeds.requests().len() >= polls + files.len(),
        "the daemon on PostgreSQL polls; log:\n{}",
        d2.log()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rx.accepted().len(), sent, "log:\n{}", d2.log());
    // a story read again joins its stored incident: the near-duplicate bands moved too
    assert_eq!(
        after.counts().unwrap().incidents,
        before.counts().unwrap().incidents
    );
    d2.signal(libc::SIGTERM);
    assert!(d2
        .wait_exit(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
}

/// The leader's lock session ended by the server (what a network cut comes to once the
/// server gives up on the session): the leader finds its lock gone, stops and exits
/// non-zero (for systemd to restart it as a standby); the standby takes over and sends
/// nothing already sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_leader_that_loses_its_lock_stops_and_the_standby_takes_over() {
    let Some(pg) = pg::test_database() else {
        return;
    };
    let files = sample_feeds();
    let feeds = FeedServer::start(files.clone());
    let rx = Receiver::start(vec![]).await;
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a_cfg, _) = write_config(a_dir.path(), &files, &feeds, &rx.url("/hook"), Some(&pg));
    let (b_cfg, _) = write_config(b_dir.path(), &files, &feeds, &rx.url("/hook"), Some(&pg));
    let (mut a, _na) = start(a_dir.path(), &a_cfg);
    assert!(wait_log(&a, "leadership taken", Duration::from_secs(20)).is_some());
    let (mut b, _nb) = start(b_dir.path(), &b_cfg);
    assert!(wait_log(&b, "standby: another daemon leads", Duration::from_secs(20)).is_some());
    // the leader delivers everything
    let store = Store::open_postgres(&pg).unwrap();
    let t0 = Instant::now();
    while store.outbox_rows().unwrap().is_empty()
        || !store.undelivered_outbox(Some("hook")).unwrap().is_empty()
    {
        assert!(t0.elapsed() < Duration::from_secs(60), "{}", a.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sent = rx.accepted().len();
    assert!(sent > 0);

    // the server ends the leader's lock session
    let admin = pg::PgConn::connect(&pg).unwrap();
    let ended = admin
        .query(
            "SELECT pg_terminate_backend(a.pid)::int AS ok FROM pg_stat_activity a
             WHERE a.application_name = 'sahel-watch leader' AND a.datname = current_database()
               AND a.pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
            &[],
        )
        .unwrap();
    assert_eq!(ended.len(), 1, "one leader session");
    let t0 = Instant::now();
    let exit = a.wait_exit(Duration::from_secs(10));
    assert!(
        exit.is_some_and(|s| !s.success()),
        "the old leader exits non-zero: {exit:?}; log:\n{}",
        a.log()
    );
    assert!(a.log().contains("leadership lost"), "{}", a.log());
    assert!(
        wait_log(&b, "leadership taken", Duration::from_secs(30)).is_some(),
        "{}",
        b.log()
    );
    assert!(t0.elapsed() < Duration::from_secs(30));
    // the new leader polls the same feeds and sends nothing again
    let polls = feeds.requests().len();
    let t1 = Instant::now();
    while feeds.requests().len() < polls + 2 * files.len() && t1.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(feeds.requests().len() >= polls + files.len(), "{}", b.log());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rx.accepted().len(), sent, "log B:\n{}", b.log());
    b.signal(libc::SIGTERM);
    assert!(b
        .wait_exit(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
}

/// A TCP proxy on 127.0.0.1 between a daemon and PostgreSQL that can cut the network:
/// [`CutProxy::cut`] stops forwarding in both directions without closing the daemon's
/// side (a blackhole: its queries get no answer, not an error, as when a cable is pulled
/// or a firewall drops the packets); [`CutProxy::close_upstream`] then closes the server's
/// side, which is what the server's own TCP keepalives come to on a real cut: it ends the
/// sessions, and so frees their advisory locks.
struct CutProxy {
    addr: std::net::SocketAddr,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Every connection: the daemon's side and the server's.
    conns: std::sync::Arc<std::sync::Mutex<Vec<(std::net::TcpStream, std::net::TcpStream)>>>,
}

impl CutProxy {
    fn start(upstream: std::net::SocketAddr) -> CutProxy {
        use std::io::{Read, Write};
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (cut2, conns2) = (cut.clone(), conns.clone());
        // a forwarder stops at the cut, leaving both sockets open (they are in `conns`)
        fn forward(
            mut from: TcpStream,
            mut to: TcpStream,
            cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
        ) {
            from.set_read_timeout(Some(Duration::from_millis(50)))
                .unwrap();
            let mut buf = vec![0u8; 64 * 1024];
            while !cut.load(Ordering::SeqCst) {
                match from.read(&mut buf) {
                    Ok(0) => {
                        let _ = to.shutdown(Shutdown::Write);
                        return;
                    }
                    Ok(n) => {
                        if cut.load(Ordering::SeqCst) || to.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => return,
                }
            }
        }
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if cut2.load(Ordering::SeqCst) {
                    // after the cut, a new connection reaches nothing
                    conns2
                        .lock()
                        .unwrap()
                        .push((client.try_clone().unwrap(), client));
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                conns2
                    .lock()
                    .unwrap()
                    .push((client.try_clone().unwrap(), server.try_clone().unwrap()));
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (k1, k2) = (cut2.clone(), cut2.clone());
                std::thread::spawn(move || forward(client, server, k1));
                std::thread::spawn(move || forward(s2, c2, k2));
            }
        });
        CutProxy { addr, cut, conns }
    }

    /// Stop forwarding; the daemon's side stays open and silent.
    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Close the server's side of every connection (the daemon's stays open).
    fn close_upstream(&self) {
        for (_, server) in self.conns.lock().unwrap().iter() {
            let _ = server.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The network between the leader and PostgreSQL cut while alerts are in flight: the
/// leader's lock check gets no answer (its queries hang: no error, no closed socket), so
/// it must give up on its own within [`sahel_watch::leader::CHECK_TIMEOUT`], stop
/// polling and delivering, and exit non-zero. The server notices the dead peer later
/// (here 10 s after the cut, standing for its TCP keepalives and `idle_session_timeout`)
/// and ends the session, which frees the lock: the standby takes over, well within 30 s,
/// and delivers the rest. Every incident of the development corpus reaches the receiver,
/// none twice beyond the one alert the cut leader may have sent without recording it (the
/// crash window the `Idempotency-Key` covers), and no daemon polls or delivers between
/// the old leader's stop and the new one's start.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_network_to_the_leader_cut_while_alerting_it_stops_and_the_standby_takes_over() {
    let Some(files) = corpus_feeds() else { return };
    let Some(pg) = pg::test_database() else {
        return;
    };
    // the leader reaches the server through the proxy, the standby directly
    let mut url = url::Url::parse(&pg.url).unwrap();
    let upstream: std::net::SocketAddr =
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap())
            .parse()
            .unwrap();
    let proxy = CutProxy::start(upstream);
    url.set_port(Some(proxy.addr.port())).unwrap();
    let via_proxy = PgSettings {
        url: url.to_string(),
        ..pg.clone()
    };
    let feeds = FeedServer::start(files.clone());
    let rx = Receiver::start(
        (0..400)
            .map(|_| Reply::status(200).delay(Duration::from_millis(250)))
            .collect(),
    )
    .await;
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a_cfg, _) = write_config(
        a_dir.path(),
        &files,
        &feeds,
        &rx.url("/a"),
        Some(&via_proxy),
    );
    let (b_cfg, _) = write_config(b_dir.path(), &files, &feeds, &rx.url("/b"), Some(&pg));

    let (mut a, _na) = start(a_dir.path(), &a_cfg);
    assert!(
        wait_log(&a, "leadership taken", Duration::from_secs(20)).is_some(),
        "the first daemon leads; log:\n{}",
        a.log()
    );
    let (mut b, _nb) = start(b_dir.path(), &b_cfg);
    assert!(
        wait_log(&b, "standby: another daemon leads", Duration::from_secs(20)).is_some(),
        "the second daemon stands by; log:\n{}",
        b.log()
    );

    // cut the leader's network with alerts in flight
    let t0 = Instant::now();
    while rx.arrived() < 4 && t0.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(rx.arrived() >= 4, "no alert arrived; log:\n{}", a.log());
    proxy.cut();
    let cut = Instant::now();

    // the leader cannot confirm its lock: it stops and exits non-zero, on its own
    let exit = a.wait_exit(Duration::from_secs(9));
    let stopped = cut.elapsed();
    assert!(
        exit.is_some_and(|s| !s.success()),
        "the cut leader exits non-zero within 9 s of the cut: {exit:?}; log:\n{}",
        a.log()
    );
    assert!(a.log().contains("leadership lost"), "{}", a.log());
    for l in a
        .log()
        .lines()
        .filter(|l| l.contains("leadership lost") || l.contains("stopped"))
    {
        eprintln!("cut leader: {l}");
    }
    // nobody polls or delivers until the server lets go of the old session and the
    // standby takes over: the server ends the lock session when it has been idle for
    // `idle_session_timeout` (set by the leader), and the store's session when its TCP
    // keepalives find the peer gone (here: the proxy closes the server's side
    // `SERVER_GIVES_UP` after the cut; the proxy's own kernel would answer them)
    let (polls, hooks) = (feeds.requests().len(), rx.arrived());
    let sent_by_a = rx.received().iter().filter(|r| r.path == "/a").count();
    let mut closed = false;
    let took = loop {
        // counts first, then the log: a change seen before the takeover is logged is
        // a daemon polling or delivering without the lock
        let (p, h) = (feeds.requests().len(), rx.arrived());
        if b.log().contains("leadership taken") {
            break cut.elapsed();
        }
        assert_eq!(
            (p, h),
            (polls, hooks),
            "no daemon polls or delivers between the old leader's stop and the takeover ({:?} after the cut)",
            cut.elapsed()
        );
        if !closed && cut.elapsed() >= sahel_watch::leader::SERVER_GIVES_UP {
            proxy.close_upstream();
            closed = true;
        }
        assert!(
            cut.elapsed() < Duration::from_secs(30),
            "the standby did not take over within 30 s of the cut; log:\n{}",
            b.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(took > stopped);

    // the new leader delivers the rest: wait until no hook row waits
    let store = Store::open_postgres(&pg).unwrap();
    let t0 = Instant::now();
    loop {
        let waiting = store.undelivered_outbox(Some("hook")).unwrap();
        let settled = !store.outbox_rows().unwrap().is_empty() && waiting.is_empty();
        if settled || t0.elapsed() > Duration::from_secs(120) {
            assert!(
                waiting.is_empty(),
                "alerts left undelivered: {waiting:?}; log:\n{}",
                b.log()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    let rows: Vec<_> = store
        .outbox_rows()
        .unwrap()
        .into_iter()
        .filter(|r| r.channel == "hook")
        .collect();
    let queued: HashSet<String> = rows.iter().map(|r| r.idem_key.clone()).collect();
    let got = per_key(&rx.accepted());
    let got_keys: HashSet<String> = got.keys().cloned().collect();
    assert!(
        sent_by_a < queued.len(),
        "the leader was cut off before it had sent everything ({sent_by_a} of {})",
        queued.len()
    );
    assert_eq!(
        got_keys,
        queued,
        "every queued alert arrives, and nothing else; log B:\n{}",
        b.log()
    );
    let new_incidents: HashSet<String> = rows
        .iter()
        .filter(|r| r.event == "incident.new")
        .map(|r| r.incident_id.clone())
        .collect();
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/dev/feeds");
    let mut out = Vec::new();
    sahel_watch::replay::run(
        &sahel_watch::replay::ReplayOptions {
            config: sahel_watch::config::Config::builtin(),
            known_incidents: vec![],
            feeds: files.iter().map(|(name, _, _)| dev.join(name)).collect(),
            updates: sahel_watch::pipeline::UpdatePolicy::Off,
        },
        &mut out,
    )
    .unwrap();
    let replayed = String::from_utf8(out).unwrap().lines().count();
    assert_eq!(
        new_incidents.len(),
        replayed,
        "every incident of the corpus reaches the receiver"
    );
    let repeated: Vec<_> = got.iter().filter(|(_, &n)| n > 1).collect();
    eprintln!(
        "{} alerts queued, {sent_by_a} sent by the cut leader, which stopped {stopped:?} after the cut; \
         takeover {took:?} after the cut; repeated: {repeated:?}",
        queued.len()
    );
    assert!(
        repeated.len() <= 1 && repeated.iter().all(|(_, &n)| n == 2),
        "alerts repeated beyond the crash window: {repeated:?}"
    );
    assert_eq!(b.log().matches("leadership taken").count(), 1);
    b.signal(libc::SIGTERM);
    assert!(b
        .wait_exit(Duration::from_secs(15))
        .is_some_and(|s| s.success()));
}
