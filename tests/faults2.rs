//! The fault suite, round 2 (issue #18): two daemons on one state, an
//! emptied or damaged database, failed deliveries queued again, hostile
//! markup, feeds that redirect to private addresses and text that breaks
//! outputs. Real daemon, real HTTP and SMTP servers on 127.0.0.1; every
//! wait is bounded. See RELIABILITY.md.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;

use support::faults::*;
use support::http_feeds::{wait_until, FeedServer, Reply};
use support::smtp::{SmtpOptions, SmtpServer};

// ---------------------------------------------------------------------------
// State

/// A second daemon on the state directory of a running one refuses to start,
/// naming the directory and the holder's pid, and sends nothing; read-only
/// commands still read. Once the first is gone, a daemon starts again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_daemon_on_one_state_directory_refuses_to_start() {
    let server = FeedServer::start().await;
    server.route(
        "/feed",
        Reply::rss(rss_doc("Outlet", "en", &[attack_item(0, &hours_ago(1))])),
    );
    let DaemonDir {
        dir,
        state,
        jsonl,
        cfg,
        ..
    } = DaemonDir::with_jsonl("", &[("feed", server.url("/feed"), "1s")], |c| c);
    let mut first = Proc::start(launch(dir.path(), &cfg, "first"));
    assert!(
        wait_until(Duration::from_secs(20), || lines(&jsonl) == 1).await,
        "the first daemon alerts; log:\n{}",
        first.log()
    );

    let cfg_s = cfg.display().to_string();
    let (status, _, stderr) = run_cli(&["run", "--config", &cfg_s], Duration::from_secs(20));
    let status = status.unwrap_or_else(|| panic!("the second daemon kept running; log:\n{stderr}"));
    assert!(!status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains(&state.display().to_string())
            && stderr.contains(&format!("process {}", first.pid())),
        "names the state directory and the holder: {stderr}"
    );
    // read-only commands still read
    let (status, stdout, stderr) =
        run_cli(&["incidents", "--config", &cfg_s], Duration::from_secs(20));
    assert!(status.is_some_and(|s| s.success()), "{stdout}{stderr}");
    assert!(stdout.contains("SW-"), "{stdout}");
    first.assert_alive("after the second daemon was refused");
    assert_eq!(lines(&jsonl), 1, "nothing sent twice");
    assert!(first
        .stop(Duration::from_secs(10))
        .is_some_and(|s| s.success()));

    // the lock goes with its holder
    let mut again = Proc::start(launch(dir.path(), &cfg, "again"));
    again.assert_alive("after the first stopped");
    assert!(again
        .stop(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
    assert_eq!(lines(&jsonl), 1, "a restart sends nothing again");
}

/// A database file emptied to 0 bytes is refused (it used to be re-created
/// and every recent incident alerted again); so is one with damaged pages.
/// Neither file is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emptied_or_damaged_database_is_refused_not_recreated() {
    let server = FeedServer::start().await;
    let items: Vec<Item> = (0..4).map(|i| attack_item(i, &hours_ago(1))).collect();
    server.route("/feed", Reply::rss(rss_doc("Outlet", "en", &items)));
    let DaemonDir {
        dir,
        db,
        jsonl,
        cfg,
        ..
    } = DaemonDir::with_jsonl("", &[("feed", server.url("/feed"), "1s")], |c| c);
    let cfg_s = cfg.display().to_string();
    let mut d = Proc::start(launch(dir.path(), &cfg, "first"));
    assert!(
        wait_until(Duration::from_secs(30), || lines(&jsonl) == 4).await,
        "log:\n{}",
        d.log()
    );
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
    let good = std::fs::read(&db).unwrap();
    assert!(good.len() > 8 * 4096, "{} bytes", good.len());

    // emptied
    std::fs::write(&db, b"").unwrap();
    let (status, _, stderr) = run_cli(&["run", "--config", &cfg_s], Duration::from_secs(20));
    let status = status.unwrap_or_else(|| panic!("the daemon ran on an empty database: {stderr}"));
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("empty (0 bytes)") && stderr.contains(&db.display().to_string()),
        "{stderr}"
    );
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left as it was");
    assert_eq!(lines(&jsonl), 4, "nothing alerted again");

    // damaged pages: everything after the first page overwritten
    let mut bad = good.clone();
    for b in &mut bad[4096..] {
        *b = 0x5A;
    }
    std::fs::write(&db, &bad).unwrap();
    let (status, _, stderr) = run_cli(&["run", "--config", &cfg_s], Duration::from_secs(20));
    let status = status.unwrap_or_else(|| panic!("the daemon ran on a damaged database: {stderr}"));
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains(&db.display().to_string()) && stderr.contains("restore it from a backup"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), bad, "left as it was");
    assert_eq!(lines(&jsonl), 4, "nothing alerted again");
}

/// An SMTP server refusing an alert with 550 fails the row; `outbox list`
/// shows it with the error; `outbox retry` queues it again and the running
/// daemon delivers it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_listed_and_queued_again_by_outbox_retry() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(SmtpOptions {
        reject_data: vec![(550, "no such mailbox".into())],
        ..Default::default()
    })
    .await;
    let server = FeedServer::start().await;
    server.route(
        "/feed",
        Reply::rss(rss_doc("Outlet", "en", &[attack_item(1, &hours_ago(1))])),
    );
    let state = dir.path().join("state");
    let db = state.join("sahel-watch.sqlite");
    let cfg = dir.path().join("sw.toml");
    let email = format!(
        "[[channel]]\nname = \"mail\"\ntype = \"email\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\nfrom = \"sw <alerts@ngo.example>\"\nto = [\"duty@ngo.example\"]\ntimeout = \"5s\"\n",
        smtp.addr.port()
    );
    std::fs::write(
        &cfg,
        daemon_config(&state, "", &[("feed", server.url("/feed"), "1s")], &email),
    )
    .unwrap();
    let cfg_s = cfg.display().to_string();
    let mut d = Proc::start(launch(dir.path(), &cfg, "daemon"));
    assert!(
        wait_until(Duration::from_secs(30), || {
            outbox(&db, "mail").iter().any(|(_, s)| s == "failed")
        })
        .await,
        "the 550 fails the row; log:\n{}",
        d.log()
    );
    assert!(smtp.mails().is_empty());

    let (status, stdout, stderr) = run_cli(
        &["outbox", "list", "--config", &cfg_s],
        Duration::from_secs(20),
    );
    assert!(status.is_some_and(|s| s.success()), "{stdout}{stderr}");
    assert!(
        stdout.contains("failed") && stdout.contains("550") && stdout.contains("mail"),
        "{stdout}"
    );
    // a channel the configuration does not have is an error
    let (status, _, stderr) = run_cli(
        &["outbox", "retry", "--config", &cfg_s, "--channel", "nope"],
        Duration::from_secs(20),
    );
    assert!(status.is_some_and(|s| !s.success()), "{stderr}");
    assert!(stderr.contains("nope"), "{stderr}");
    // failures older than --since stay failed
    let future = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (_, stdout, _) = run_cli(
        &["outbox", "retry", "--config", &cfg_s, "--since", &future],
        Duration::from_secs(20),
    );
    assert!(stdout.starts_with("0 "), "{stdout}");
    let (status, stdout, stderr) = run_cli(
        &[
            "outbox",
            "retry",
            "--config",
            &cfg_s,
            "--channel",
            "mail",
            "--since",
            "1h",
        ],
        Duration::from_secs(20),
    );
    assert!(status.is_some_and(|s| s.success()), "{stdout}{stderr}");
    assert!(stdout.starts_with("1 "), "{stdout}");

    let mails = smtp.wait_for_mails(1, Duration::from_secs(30)).await;
    assert_eq!(
        mails.len(),
        1,
        "delivered after the retry; log:\n{}",
        d.log()
    );
    assert!(
        wait_until(Duration::from_secs(10), || {
            outbox(&db, "mail") == vec![(outbox(&db, "mail")[0].0.clone(), "delivered".into())]
        })
        .await
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.mails().len(), 1, "once");
    d.assert_alive("end");
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
}

// ---------------------------------------------------------------------------
// A feed can exhaust the server

/// One item nesting 100,000 tags (it took 50-80 s of CPU to render, and the
/// process ignored SIGTERM meanwhile) is read in bounded time: the attack
/// story next to it is alerted, and SIGTERM right after ends the process
/// within shutdown_grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_markup_is_bounded_and_sigterm_ends_the_process() {
    let server = FeedServer::start().await;
    let depth = 100_000;
    let nested = format!(
        "{}Nothing happened here.{}",
        "<div><b>".repeat(depth / 2),
        "</b></div>".repeat(depth / 2)
    );
    let mut hostile = Item::new("deep", "Deep", "https://o.example/deep", "", &hours_ago(1));
    hostile.text = nested.clone();
    server.route(
        "/deep",
        Reply::rss(rss_doc(
            "Deep",
            "en",
            &[hostile.clone(), attack_item(2, &hours_ago(1))],
        )),
    );
    let DaemonDir {
        dir, jsonl, cfg, ..
    } = DaemonDir::with_jsonl("", &[("deep", server.url("/deep"), "1s")], |c| c);
    let mut d = Proc::start(launch(dir.path(), &cfg, "deep"));
    assert!(
        wait_until(Duration::from_secs(30), || lines(&jsonl) == 1).await,
        "the attack story next to the hostile item is alerted; log:\n{}",
        d.log()
    );
    // a new hostile item arrives; SIGTERM while it is read
    let mut second = hostile;
    second.guid = "deep-2".into();
    second.link = "https://o.example/deep-2".into();
    server.route(
        "/deep",
        Reply::rss(rss_doc(
            "Deep",
            "en",
            &[second, attack_item(2, &hours_ago(1))],
        )),
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t = Instant::now();
    let status = d.stop(Duration::from_secs(10));
    assert!(
        status.is_some() && t.elapsed() < Duration::from_secs(2 + 3),
        "SIGTERM ends the process within shutdown_grace (took {:?}, {status:?}); log:\n{}",
        t.elapsed(),
        d.log()
    );
    assert_eq!(lines(&jsonl), 1);
}

/// A 10 MB feed (inside a 12 MB cap) whose one description is
/// `<b>a</b><i>b</i>` x 250,000, escaped, peaked at 0.9-1.1 GB: peak memory
/// now stays under 30 x the body cap, and the feed's attack story is alerted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_flood_inside_the_size_cap_keeps_memory_bounded() {
    let server = FeedServer::start().await;
    let mut flood = Item::new(
        "flood",
        "Flood",
        "https://o.example/flood",
        "",
        &hours_ago(1),
    );
    flood.text = "<b>a</b><i>b</i>".repeat(250_000);
    let doc = rss_doc("Flood", "en", &[flood, attack_item(3, &hours_ago(1))]);
    assert!(
        doc.len() > 9_000_000 && doc.len() < 12_000_000,
        "{}",
        doc.len()
    );
    server.route("/flood", Reply::rss(doc));
    let cap: u64 = 12_000_000;
    let DaemonDir {
        dir, jsonl, cfg, ..
    } = DaemonDir::with_jsonl("", &[("flood", server.url("/flood"), "1s")], |c| {
        c.replace(
            "shutdown_grace = \"2s\"",
            "shutdown_grace = \"2s\"\nmax_body_size = \"12MB\"",
        )
    });
    let mut d = Proc::start(launch(dir.path(), &cfg, "flood"));
    assert!(
        wait_until(Duration::from_secs(60), || lines(&jsonl) == 1).await,
        "log:\n{}",
        d.log()
    );
    // a few more polls of the same bytes
    tokio::time::sleep(Duration::from_secs(3)).await;
    let peak = d.peak_rss();
    assert!(
        peak < 30 * cap,
        "peak RSS {} MB, limit {} MB",
        peak >> 20,
        (30 * cap) >> 20
    );
    eprintln!("tag flood: peak RSS {} MB", peak >> 20);
    d.assert_alive("after the flood");
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
}

/// An unchanged feed (same bytes, no ETag) is not parsed again on every poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_bytes_are_not_parsed_again() {
    use sahel_watch::metrics::{Health, Metrics};
    use sahel_watch::source::scheduler::Scheduler;
    use std::sync::Arc;
    let server = FeedServer::start().await;
    let items: Vec<Item> = (0..5).map(|i| attack_item(i, &hours_ago(1))).collect();
    server.route("/same", Reply::rss(rss_doc("Same", "en", &items)));
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(sahel_watch::store::Store::open(&dir.path().join("s.sqlite")).unwrap());
    let cfg = support::http_feeds::config(&format!(
        "[[feed]]\nname = \"same\"\nurl = \"{}\"\n",
        server.url("/same")
    ));
    let metrics = Metrics::default();
    let s = Scheduler::new(store, &cfg, metrics.clone(), Arc::new(Health::default())).unwrap();
    let (tx, batches) = support::http_feeds::consumer();
    for _ in 0..3 {
        s.poll_once("same", &tx).await.unwrap();
    }
    assert_eq!(server.hits_of("/same").len(), 3, "fetched every time");
    let parsed = metrics.items.get_or_create(&Metrics::feed("same")).get();
    assert_eq!(parsed, 5, "parsed once, not three times");
    assert_eq!(batches.of("same")[0].len(), 5);
    // a change is parsed
    let items: Vec<Item> = (0..6).map(|i| attack_item(i, &hours_ago(1))).collect();
    server.route("/same", Reply::rss(rss_doc("Same", "en", &items)));
    s.poll_once("same", &tx).await.unwrap();
    assert_eq!(
        metrics.items.get_or_create(&Metrics::feed("same")).get(),
        11
    );
}

// ---------------------------------------------------------------------------
// Feeds that lead elsewhere

/// A feed on a public host that redirects to a private, loopback or
/// link-local address is refused on that hop (nothing reaches the private
/// address, nothing is recorded as the feed's new address); a feed the
/// configuration puts on loopback may redirect there. As for article pages
/// (feeds.rs), "public" is simulated by the guard mode: the tests cannot
/// reach a public host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_of_public_feeds_to_private_addresses_are_refused() {
    use sahel_watch::source::fetch::{Fetcher, Hops};
    let server = FeedServer::start().await;
    let port = server.addr.port();
    server.route(
        "/private-feed",
        Reply::rss(rss_doc("P", "en", &[attack_item(0, &hours_ago(1))])),
    );
    server.route(
        "/to-loopback",
        Reply::redirect(301, &format!("http://127.0.0.1:{port}/private-feed")),
    );
    server.route(
        "/to-localhost",
        Reply::redirect(308, &format!("http://localhost:{port}/private-feed")),
    );
    server.route(
        "/to-metadata",
        Reply::redirect(302, "http://169.254.169.254/latest/meta-data/"),
    );
    server.route(
        "/to-own-endpoint",
        Reply::redirect(301, &format!("http://[::1]:{port}/incidents.atom")),
    );
    let cfg = support::http_feeds::config("");
    let f = Fetcher::new(&cfg.daemon).unwrap();
    for path in [
        "/to-loopback",
        "/to-localhost",
        "/to-metadata",
        "/to-own-endpoint",
    ] {
        let t = Instant::now();
        let e = f
            .fetch_feed_from(&server.url(path), None, None, Hops::PublicOnly)
            .await
            .expect_err(path);
        assert!(format!("{e:?}").contains("non-public"), "{path}: {e:?}");
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "{path}: refused at once"
        );
    }
    assert!(
        server.hits_of("/private-feed").is_empty() && server.hits_of("/incidents.atom").is_empty(),
        "nothing reached a private address"
    );
    // a feed configured on loopback (trusted) follows and records the move
    match f
        .fetch_feed_from(&server.url("/to-loopback"), None, None, Hops::Any)
        .await
        .unwrap()
    {
        sahel_watch::source::fetch::FetchOutcome::Fetched {
            permanent_redirect, ..
        } => assert_eq!(
            permanent_redirect.as_deref(),
            Some(format!("http://127.0.0.1:{port}/private-feed").as_str())
        ),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Text that breaks outputs

/// ESC, NUL and friends in a title never reach the stored story nor
/// `/incidents.atom` (which must stay XML); `javascript:` and `data:` links
/// never go out in it, http(s) ones do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_and_unsafe_links_never_reach_the_atom_feed() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start().await;
    let (t0, x0) = STORIES[0];
    let (t1, x1) = STORIES[1];
    let (t2, x2) = STORIES[2];
    let items = vec![
        Item::new(
            "esc",
            &format!("{t0}\u{1b}[2J\u{1b}]0;owned\u{7}"),
            "javascript:alert(document.cookie)",
            &format!("{x0}\u{0}\u{1b}[31m"),
            &hours_ago(1),
        ),
        Item::new(
            "data",
            t1,
            "data:text/html,<script>alert(1)</script>",
            x1,
            &hours_ago(1),
        ),
        Item::new(
            "ok",
            t2,
            "https://outlet.example/news/ok",
            x2,
            &hours_ago(1),
        ),
    ];
    // the XML carries the controls as raw characters, as hostile feeds do
    let doc = rss_doc("Outlet", "en", &items);
    server.route("/feed", Reply::rss(doc));
    let state = dir.path().join("state");
    let port = support::daemon::free_port();
    let listen = format!("127.0.0.1:{port}");
    let cfg = dir.path().join("sw.toml");
    std::fs::write(
        &cfg,
        daemon_config(&state, &listen, &[("feed", server.url("/feed"), "1s")], ""),
    )
    .unwrap();
    let mut d = Proc::start(launch(dir.path(), &cfg, "atom"));
    let db = state.join("sahel-watch.sqlite");
    assert!(
        wait_until(Duration::from_secs(30), || {
            query_i64(
                &db,
                "SELECT COUNT(DISTINCT incident_id) FROM stories WHERE incident_id IS NOT NULL",
            ) == Some(3)
        })
        .await,
        "log:\n{}",
        d.log()
    );
    let atom = support::daemon::http_get(&listen, "/incidents.atom", Duration::from_secs(10))
        .expect("GET /incidents.atom");
    assert_eq!(atom.status, 200);
    let body = atom.body.clone();
    assert!(!body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r'));
    let feed = atom_syndication::Feed::read_from(body.as_bytes()).expect("still XML and Atom");
    assert_eq!(feed.entries().len(), 3);
    assert!(
        !body.contains("javascript:") && !body.contains("data:text"),
        "{body}"
    );
    assert!(body.contains("https://outlet.example/news/ok"), "{body}");
    let log = d.log();
    assert!(
        !log.contains('\u{1b}') && !log.contains('\u{0}'),
        "no terminal escapes in the log"
    );
    // the stored title is clean
    let titles: Vec<String> = {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let mut st = conn.prepare("SELECT title FROM stories").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .filter_map(Result::ok)
            .collect()
    };
    assert!(titles.iter().any(|t| t.starts_with(t0)), "{titles:?}");
    assert!(
        titles.iter().all(|t| !t.chars().any(char::is_control)),
        "{titles:?}"
    );
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
}

/// A feed of 100,000 new items (it took 3 minutes, `/healthz` answered 503
/// for a minute and watchdog pings stopped for 70 s): stored in batches, one
/// transaction each, while `/healthz` keeps answering 200 and WATCHDOG=1
/// keeps coming at its interval. 10,000 items by default (15-40 s in a
/// debug build on a busy machine); `SW_BIG_ITEMS=100000` for the full size.
/// Throughput is measured by `benches/ingest.rs` (BENCHMARKS.md), not here.
#[test]
fn a_big_feed_is_stored_while_healthz_and_the_watchdog_keep_going() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let n: usize = std::env::var("SW_BIG_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<Item> = (0..n)
        .map(|i| {
            let (title, text) = calm_story(i);
            Item::new(
                &format!("calm-{i}"),
                &title,
                &format!("https://outlet.example/calm/{i}"),
                &text,
                &hours_ago(2),
            )
        })
        .collect();
    let doc = rss_doc("Big", "en", &items);
    let server = support::daemon::FeedServer::start(vec![(
        "big".into(),
        doc.into_bytes(),
        "application/rss+xml; charset=utf-8",
    )]);
    let state = dir.path().join("state");
    let db = state.join("sahel-watch.sqlite");
    let listen = format!("127.0.0.1:{}", support::daemon::free_port());
    let cfg = dir.path().join("sw.toml");
    std::fs::write(
        &cfg,
        daemon_config(&state, &listen, &[("big", server.url("big"), "1s")], "")
            .replace(
                "shutdown_grace = \"2s\"",
                "shutdown_grace = \"2s\"\nmax_body_size = \"64MB\"\nfetch_timeout = \"30s\"",
            )
            .replace("fetch_timeout = \"5s\"\n", ""),
    )
    .unwrap();
    let watchdog_usec = 4_000_000u64;
    let mut launch = launch(dir.path(), &cfg, "big");
    launch.env = vec![("WATCHDOG_USEC".into(), watchdog_usec.to_string())];
    let mut d = Proc::start(launch);

    let done = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::<Result<u16, String>>::new()));
    let checker = {
        let (done, answers, listen) = (done.clone(), answers.clone(), listen.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let a = support::daemon::http_get(&listen, "/healthz", Duration::from_secs(5))
                    .map(|r| r.status)
                    .map_err(|e| e.to_string());
                answers.lock().unwrap().push(a);
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let start = Instant::now();
    let limit = Duration::from_secs(300);
    let mut pings = Vec::new();
    let mut stored = 0;
    while start.elapsed() < limit {
        if let Some(note) = d.notify.recv(Duration::from_millis(500)) {
            if note.has("WATCHDOG=1") {
                pings.push(note.at);
            }
        }
        let was = stored;
        stored = query_i64(&db, "SELECT COUNT(*) FROM stories").unwrap_or(stored);
        if stored / 10_000 != was / 10_000 {
            eprintln!("{stored} stored after {:?}", start.elapsed());
        }
        if stored == n as i64 {
            break;
        }
        d.assert_alive("while ingesting");
    }
    let took = start.elapsed();
    done.store(true, Ordering::Relaxed);
    checker.join().unwrap();
    eprintln!("{n} items stored in {took:?} (debug build)");
    assert_eq!(
        stored,
        n as i64,
        "all stored within {limit:?}; log:\n{}",
        d.log()
    );
    let answers = answers.lock().unwrap().clone();
    assert!(answers.len() >= 4, "{answers:?}");
    let bad: Vec<_> = answers.iter().filter(|a| **a != Ok(200)).collect();
    assert!(
        bad.is_empty(),
        "/healthz during the ingest: {bad:?} of {}",
        answers.len()
    );
    let max_gap = pings
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default();
    assert!(
        pings.len() as u64 >= took.as_secs() / 2 / 2
            && max_gap < Duration::from_micros(watchdog_usec),
        "{} WATCHDOG=1 in {took:?}, longest gap {max_gap:?} (WatchdogSec = {} s)",
        pings.len(),
        watchdog_usec / 1_000_000
    );
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
}

// ---------------------------------------------------------------------------
// Stories without a date

/// A story without a publication date (or with one the parser cannot read)
/// joins the dated incident it reports, by its places and the time it was
/// seen: one incident, one alert (it opened a second incident).
#[test]
fn a_story_without_a_date_joins_the_dated_incident() {
    use sahel_watch::pipeline::{Pipeline, Settings, StoryStatus};
    use std::sync::Arc;
    let gaz = sahel_nlp::Gazetteer::embedded();
    let cfg = sahel_watch::config::Config::parse(
        &format!("[daemon]\nmax_story_age = \"30d\"\n{WATCH_ALL}"),
        "faults2.toml",
        &gaz,
    )
    .unwrap();
    let store = Arc::new(sahel_watch::store::Store::open_in_memory().unwrap());
    let p = Pipeline::new(
        store,
        Settings::new(&cfg, gaz.clone(), true),
        sahel_watch::metrics::Metrics::default(),
    );
    let dated = Item::new(
        "dated",
        "Gunmen kill 12 civilians near Djibo",
        "https://a.example/dated",
        "Gunmen on motorbikes killed twelve civilians in a raid on a village near Djibo in northern Burkina Faso, residents said.",
        &hours_ago(3),
    );
    let undated = Item::new(
        "undated",
        "Twelve villagers shot dead in raid near Djibo",
        "https://b.example/undated",
        "Twelve villagers were shot dead when armed men raided a village near Djibo, in Burkina Faso's Sahel region, a local official said.",
        "",
    );
    let garbled = Item::new(
        "garbled",
        "Djibo: 12 civilians killed by gunmen",
        "https://c.example/garbled",
        "Armed men killed 12 civilians near Djibo in northern Burkina Faso, according to local sources.",
        "not a date at all",
    );
    let mut incidents = Vec::new();
    for (feed, item) in [("a", dated), ("b", undated), ("c", garbled)] {
        let doc = rss_doc(feed, "en", &[item]);
        let parsed =
            sahel_watch::source::parse::parse_feed(doc.as_bytes(), feed, None, None).unwrap();
        let out = p.process(&parsed.stories[0], Utc::now()).unwrap();
        let id = match out.status {
            StoryStatus::NewIncident { incident } => incident,
            StoryStatus::Joined { incident, .. } => incident,
            other => panic!("{feed}: {other:?}"),
        };
        incidents.push(id);
    }
    assert!(
        incidents.iter().all(|i| *i == incidents[0]),
        "one incident: {incidents:?}"
    );
    assert_eq!(p.store().outbox_rows().unwrap().len(), 1, "one alert");
    let stories = p.store().stories_of(&incidents[0]).unwrap();
    assert!(
        stories.iter().filter(|s| s.published.is_none()).count() == 2,
        "stored without a date, as they came: {stories:?}"
    );
}

// ---------------------------------------------------------------------------
// Items edited under the same guid

/// The item of `guid` reporting `killed` dead near Djibo.
fn djibo_item(guid: &str, killed: u32, date: &str) -> Item {
    Item::new(
        guid,
        &format!("Gunmen kill {killed} civilians near Djibo"),
        &format!("https://outlet.example/news/{guid}"),
        &format!(
            "Gunmen on motorbikes killed {killed} civilians in a raid on a village near Djibo in northern Burkina Faso on Tuesday, residents said."
        ),
        date,
    )
}

/// An item that keeps its guid while its text changes (a toll going from 15
/// to 65) is read again: the incident's toll becomes 65 and watch-lists that
/// want updates get one `incident.updated`; the same changed text fetched
/// again alerts nothing, and no second incident or story is made (it was
/// ignored after the first time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_text_under_a_known_guid_updates_its_incident_once() {
    let server = FeedServer::start().await;
    let date = hours_ago(1);
    server.route(
        "/feed",
        Reply::rss(rss_doc("Outlet", "en", &[djibo_item("toll", 15, &date)])),
    );
    let DaemonDir {
        dir,
        db,
        jsonl,
        cfg,
        ..
    } = DaemonDir::with_jsonl("", &[("feed", server.url("/feed"), "1s")], |c| {
        c.replace("[alerts]\n", "[alerts]\nupdates = true\n")
    });
    let mut d = Proc::start(launch(dir.path(), &cfg, "edited"));
    assert!(
        wait_until(Duration::from_secs(30), || lines(&jsonl) == 1).await,
        "log:\n{}",
        d.log()
    );
    let alerts = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(&jsonl)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(alerts()[0]["event"], "incident.new");
    assert_eq!(alerts()[0]["incident"]["killed"], 15);

    // the same guid, link and date; the toll revised
    server.route(
        "/feed",
        Reply::rss(rss_doc("Outlet", "en", &[djibo_item("toll", 65, &date)])),
    );
    assert!(
        wait_until(Duration::from_secs(30), || lines(&jsonl) == 2).await,
        "the revised text is read again and alerted as an update; log:\n{}",
        d.log()
    );
    let update = &alerts()[1];
    assert_eq!(update["event"], "incident.updated", "{update}");
    assert_eq!(update["incident"]["killed"], 65, "{update}");
    assert_eq!(update["incident"]["id"], alerts()[0]["incident"]["id"]);
    assert!(
        update["changes"].to_string().contains("killed 15 → 65"),
        "{update}"
    );
    let polls = server.hits_of("/feed").len();
    // more polls of the same (changed) text: nothing more
    assert!(
        wait_until(Duration::from_secs(20), || server.hits_of("/feed").len()
            >= polls + 3)
        .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(lines(&jsonl), 2, "nothing alerted twice: {:?}", alerts());
    assert_eq!(
        query_i64(&db, "SELECT killed FROM incidents"),
        Some(65),
        "the incident's toll"
    );
    assert_eq!(query_i64(&db, "SELECT COUNT(*) FROM incidents"), Some(1));
    assert_eq!(query_i64(&db, "SELECT COUNT(*) FROM stories"), Some(1));
    assert_eq!(
        query_i64(&db, "SELECT edits FROM stories"),
        Some(1),
        "read again once"
    );
    let text: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT text FROM stories", [], |r| r.get(0))
        .unwrap();
    assert!(
        text.contains("killed 65"),
        "the stored story is the new text: {text}"
    );
    d.assert_alive("end");
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
    // and a restart reads nothing again
    let mut again = Proc::start(launch(dir.path(), &cfg, "again"));
    let polls = server.hits_of("/feed").len();
    assert!(
        wait_until(Duration::from_secs(20), || server.hits_of("/feed").len()
            >= polls + 2)
        .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(lines(&jsonl), 2, "a restart sends nothing again");
    assert_eq!(query_i64(&db, "SELECT edits FROM stories"), Some(1));
    assert!(again
        .stop(Duration::from_secs(10))
        .is_some_and(|s| s.success()));
}

/// An item whose text flaps between two versions on every poll is read
/// again at most `MAX_STORY_EDITS` times and alerts at most once per real
/// change (the higher toll stays; going back down is no news); a toll that
/// keeps rising alerts while the rises are significant, within the same cap.
#[test]
fn an_item_whose_text_flaps_is_read_again_a_bounded_number_of_times() {
    use sahel_watch::pipeline::{Pipeline, Settings, StoryStatus};
    use std::sync::Arc;
    let gaz = sahel_nlp::Gazetteer::embedded();
    let cfg = sahel_watch::config::Config::parse(
        &format!("[daemon]\nmax_story_age = \"30d\"\n[alerts]\nupdates = true\n{WATCH_ALL}"),
        "faults2.toml",
        &gaz,
    )
    .unwrap();
    let p = Pipeline::new(
        Arc::new(sahel_watch::store::Store::open_in_memory().unwrap()),
        Settings::new(&cfg, gaz.clone(), true),
        sahel_watch::metrics::Metrics::default(),
    );
    let date = hours_ago(3);
    let version = |killed: u32| {
        let doc = rss_doc("Outlet", "en", &[djibo_item("flap", killed, &date)]);
        sahel_watch::source::parse::parse_feed(doc.as_bytes(), "feed", None, None)
            .unwrap()
            .stories
            .remove(0)
    };
    let (low, high) = (version(15), version(65));
    assert_eq!(low.key, high.key);
    let first = p.process(&low, Utc::now()).unwrap();
    assert!(
        matches!(first.status, StoryStatus::NewIncident { .. }),
        "{:?}",
        first.status
    );
    let mut statuses = Vec::new();
    let mut alerts: Vec<_> = first
        .alerts
        .iter()
        .map(|a| (a.event, a.incident.killed))
        .collect();
    for i in 0..60 {
        let s = if i % 2 == 0 { &high } else { &low };
        let o = p.process(s, Utc::now()).unwrap();
        alerts.extend(o.alerts.iter().map(|a| (a.event, a.incident.killed)));
        statuses.push(o.status);
        if i == 0 {
            // the same text twice in a row is seen, not read again
            assert_eq!(
                p.process(&high, Utc::now()).unwrap().status,
                StoryStatus::Seen
            );
        }
    }
    use sahel_watch::model::AlertEvent;
    assert_eq!(
        alerts,
        [(AlertEvent::New, Some(15)), (AlertEvent::Updated, Some(65))],
        "one new, one update: {statuses:?}"
    );
    let revised = statuses
        .iter()
        .filter(|s| matches!(s, StoryStatus::Revised { .. }))
        .count();
    assert_eq!(
        revised,
        sahel_watch::store::MAX_STORY_EDITS as usize,
        "{statuses:?}"
    );
    assert!(
        statuses[revised..].iter().all(|s| *s == StoryStatus::Seen),
        "{statuses:?}"
    );
    // the re-read that changed the incident is one of its revisions, made
    // by that story, as a joining story's would be
    let StoryStatus::NewIncident { incident } = &first.status else {
        unreachable!()
    };
    let revisions = p.store().revisions(incident).unwrap();
    assert_eq!(
        revisions
            .iter()
            .map(|r| (r.revision, r.story_key.as_deref()))
            .collect::<Vec<_>>(),
        [(1, Some(low.key.as_str())), (2, Some(high.key.as_str()))],
        "{revisions:?}"
    );
    assert!(
        revisions[1].changes.iter().any(|c| c.contains("65")),
        "{revisions:?}"
    );

    // a toll rising on every edit (another item of the same incident): an
    // update per significant rise, within the same cap
    let rising = |killed: u32| {
        let mut s = version(killed);
        s.key = "guid:feed:rising".into();
        s.url = Some("https://outlet.example/news/rising".into());
        s
    };
    p.process(&rising(100), Utc::now()).unwrap();
    let mut alerts = 0;
    for killed in (1..=40).map(|k| 100 + 10 * k) {
        alerts += p.process(&rising(killed), Utc::now()).unwrap().alerts.len();
    }
    assert_eq!(
        alerts,
        sahel_watch::store::MAX_STORY_EDITS as usize,
        "each rise of 10 is significant, until the cap"
    );
    assert_eq!(p.store().recent_incidents(10, true).unwrap().len(), 1);
}

// ---------------------------------------------------------------------------
// Smaller

/// No "a stage has stopped beating ... delivery=None" right after start, and
/// no 503 from `/healthz`: every stage counts as alive at start and the first
/// liveness check comes one watchdog period after READY=1; the pings keep
/// coming.
#[test]
fn no_spurious_stuck_stage_error_at_start() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let cfg = dir.path().join("sw.toml");
        let listen = format!("127.0.0.1:{}", support::daemon::free_port());
        std::fs::write(&cfg, daemon_config(&state, &listen, &[], "")).unwrap();
        let mut l = launch(dir.path(), &cfg, "start");
        l.env = vec![("WATCHDOG_USEC".into(), "400000".into())];
        let mut d = Proc::start(l);
        // /healthz right after READY=1 (it answered 503 until the delivery
        // task had gone round once)
        let r = support::daemon::http_get(&listen, "/healthz", Duration::from_secs(5))
            .expect("GET /healthz");
        assert_eq!(r.status, 200, "round {round}: {}", r.body);
        let pings = d
            .notify
            .collect(Duration::from_millis(1500))
            .iter()
            .filter(|n| n.has("WATCHDOG=1"))
            .count();
        assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
        let log = d.log();
        assert!(!log.contains("stopped beating"), "round {round}: {log}");
        assert!(pings >= 3, "round {round}: {pings} WATCHDOG=1 in 1.5 s");
    }
}

/// The daemon warns when the state filesystem has less free space than
/// `daemon.min_free_space` (64 MiB by default; the write-ahead log needs
/// headroom), naming the directory. The threshold is set above any real
/// disk here so that the test does not depend on mounting a small one.
#[test]
fn low_free_space_on_the_state_filesystem_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let cfg = dir.path().join("sw.toml");
    let text = daemon_config(&state, "", &[], "");
    std::fs::write(
        &cfg,
        text.replace(
            "shutdown_grace = \"2s\"",
            "shutdown_grace = \"2s\"\nmin_free_space = \"1000000GB\"",
        ),
    )
    .unwrap();
    let mut d = Proc::start(launch(dir.path(), &cfg, "low"));
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
    let log = d.log();
    assert!(
        log.contains("WARN")
            && log.contains("less free space")
            && log.contains(&state.display().to_string()),
        "{log}"
    );
    // the default threshold on a roomy disk: no warning
    let free_ok = {
        let out = Command::new("df")
            .arg("-Pk")
            .arg(dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().nth(3))
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|kb| kb > 1024 * 1024)
    };
    if free_ok {
        std::fs::write(&cfg, &text).unwrap();
        let mut d = Proc::start(launch(dir.path(), &cfg, "roomy"));
        assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
        assert!(!d.log().contains("less free space"), "{}", d.log());
    }
}

/// Connections to the HTTP endpoint that send nothing, or half a request,
/// are closed after the header timeout; past the connection cap new ones are
/// closed at once, so the daemon's descriptors stay bounded; a complete
/// request still gets its answer once the idle ones are gone.
#[test]
fn idle_and_half_sent_connections_to_the_endpoint_are_closed() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let listen = format!("127.0.0.1:{}", support::daemon::free_port());
    let cfg = dir.path().join("sw.toml");
    std::fs::write(&cfg, daemon_config(&state, &listen, &[], "")).unwrap();
    let mut d = Proc::start(launch(dir.path(), &cfg, "conns"));
    let fds = |pid: i32| std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |r| r.count());
    let baseline = fds(d.pid());
    let t = Instant::now();
    let mut idle: Vec<TcpStream> = (0..100)
        .map(|i| {
            let mut s = TcpStream::connect(&listen).expect("connect");
            if i % 2 == 1 {
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                    .unwrap();
            }
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let open = fds(d.pid());
    assert!(
        open <= baseline + 64 + 8,
        "descriptors bounded by the cap: {baseline} before, {open} with 100 idle clients"
    );
    // every one of them is closed by the daemon (EOF or reset), within the
    // header timeout and some slack
    for (i, s) in idle.iter_mut().enumerate() {
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut buf = [0u8; 512];
        match s.read(&mut buf) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("connection {i} still open after {:?}: {e}", t.elapsed()),
        }
    }
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    let r =
        support::daemon::http_get(&listen, "/healthz", Duration::from_secs(5)).expect("healthz");
    assert_eq!(r.status, 200);
    drop(idle);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        fds(d.pid()) <= baseline + 2,
        "{} vs {baseline}",
        fds(d.pid())
    );
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
}

/// Pages damaged under a running daemon: the first read that meets them
/// makes `/healthz` answer 503 (or the daemon is already gone) and the
/// daemon exit non-zero within seconds, naming the database, instead of
/// logging an error every second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_damaged_under_a_running_daemon_stop_it_non_zero() {
    let server = FeedServer::start().await;
    let items: Vec<Item> = (0..6).map(|i| attack_item(i, &hours_ago(1))).collect();
    server.route("/feed", Reply::rss(rss_doc("Outlet", "en", &items)));
    let listen = format!("127.0.0.1:{}", support::daemon::free_port());
    let DaemonDir {
        dir,
        db,
        jsonl,
        cfg,
        ..
    } = DaemonDir::with_jsonl(&listen, &[("feed", server.url("/feed"), "1s")], |c| c);
    let mut d = Proc::start(launch(dir.path(), &cfg, "damaged"));
    assert!(
        wait_until(Duration::from_secs(30), || lines(&jsonl) == 6).await,
        "log:\n{}",
        d.log()
    );
    // another connection writes (the daemon's page cache is dropped at its
    // next read), the write-ahead log is folded in, then every page after
    // the first is overwritten
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.busy_timeout(Duration::from_secs(5)).unwrap();
        c.execute_batch("CREATE TABLE scratch(a); PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    for b in &mut bytes[4096..] {
        *b = 0x5A;
    }
    std::fs::write(&db, &bytes).unwrap();
    {
        // and once more, so that the daemon's next read starts afresh
        let c = rusqlite::Connection::open(&db).unwrap();
        let _ = c.execute_batch("PRAGMA user_version = 1;");
    }
    let t = Instant::now();
    let mut saw_503 = false;
    let mut exit = None;
    while t.elapsed() < Duration::from_secs(20) {
        if let Ok(r) = support::daemon::http_get(&listen, "/healthz", Duration::from_secs(2)) {
            if r.status == 503 {
                saw_503 = true;
            }
        }
        if let Some(s) = d.try_exit() {
            exit = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = d.log();
    let exit = exit.unwrap_or_else(|| panic!("still running after damage; log:\n{log}"));
    assert!(!exit.success(), "{exit}; log:\n{log}");
    assert!(
        log.contains("damaged") && log.contains(&db.display().to_string()),
        "{log}"
    );
    assert!(
        log.matches("state database error").count() <= 3,
        "no error every second: {log}"
    );
    assert!(
        saw_503,
        "/healthz answered 503 before the exit; log:\n{log}"
    );
}
