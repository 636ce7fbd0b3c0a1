//! Plays systemd (Type=notify, WatchdogSec=, ExecReload=kill -HUP, stop by
//! SIGTERM) around the real `sahel-watch run`, the way deploy/sahel-watch.service
//! runs it: READY=1 after start, WATCHDOG=1 at about half the watchdog
//! interval, RELOADING=1 + MONOTONIC_USEC then READY=1 on SIGHUP, a broken
//! configuration refused without stopping, STOPPING=1 and exit 0 on SIGTERM.

mod support;

use std::time::Duration;

use support::daemon::{
    free_port, http_get, samples_dir, Daemon, FeedServer, Notification, NotifySocket, TestConfig,
};

/// What systemd would put in WATCHDOG_USEC (WatchdogSec=2s).
const WATCHDOG_USEC: u64 = 2_000_000;

fn is_watchdog(n: &Notification) -> bool {
    n.has("WATCHDOG=1")
}

fn monotonic_usec() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

#[test]
fn notify_watchdog_reload_and_stop_like_systemd() {
    let dir = tempfile::Builder::new()
        .prefix("sw-systemd")
        .tempdir()
        .expect("tempdir");
    let feed_file = "savanna-wire.xml";
    let body = std::fs::read(samples_dir().join("feeds").join(feed_file)).expect("sample feed");
    let server = FeedServer::start(vec![(
        feed_file.to_string(),
        body,
        "application/atom+xml; charset=utf-8",
    )]);
    let mut notify = NotifySocket::bind(dir.path());
    let state = dir.path().join("state");
    let jsonl = dir.path().join("alerts.jsonl");
    let listen = format!("127.0.0.1:{}", free_port());
    let config = TestConfig {
        state_dir: &state,
        listen: listen.clone(),
        feeds: vec![("savanna-wire".into(), server.url(feed_file), Some("en"))],
        jsonl: &jsonl,
        feed_interval: "30s",
    };
    let config_path = dir.path().join("sahel-watch.toml");
    std::fs::write(&config_path, config.render()).expect("write config");

    let mut d = Daemon::start(dir.path(), &config_path, &notify.path, Some(WATCHDOG_USEC));

    // 1. READY=1 once started.
    let ready = d.expect_notify(&mut notify, Duration::from_secs(30), "READY=1", |n| {
        n.has("READY=1")
    });

    // 2. WATCHDOG=1 at about WATCHDOG_USEC/2: at least 3 within ~4 s, none
    //    much faster than WATCHDOG_USEC/4.
    let window = Duration::from_millis(4_500);
    let pings: Vec<_> = notify
        .collect(window)
        .into_iter()
        .filter(is_watchdog)
        .collect();
    if pings.len() < 3 {
        d.fail(
            &format!(
                "{} WATCHDOG=1 in {window:?} after READY=1 (want at least 3 at WATCHDOG_USEC={WATCHDOG_USEC})",
                pings.len()
            ),
            &notify,
        );
    }
    let min_gap = Duration::from_micros(WATCHDOG_USEC / 4).mul_f64(0.8);
    for w in pings.windows(2) {
        let gap = w[1].at.duration_since(w[0].at);
        if gap < min_gap {
            d.fail(
                &format!("two WATCHDOG=1 only {gap:?} apart (want at least ~{min_gap:?})"),
                &notify,
            );
        }
    }
    let first_ping = pings[0].at.duration_since(ready.at);
    assert!(
        first_ping <= Duration::from_micros(WATCHDOG_USEC),
        "first WATCHDOG=1 only {first_ping:?} after READY=1"
    );

    // 3. SIGHUP (ExecReload=/bin/kill -HUP $MAINPID): RELOADING=1 with
    //    MONOTONIC_USEC (as systemd >= 253 requires), then READY=1.
    d.signal(libc::SIGHUP);
    let reloading = d.expect_notify(
        &mut notify,
        Duration::from_secs(10),
        "RELOADING=1 after SIGHUP",
        |n| n.has("RELOADING=1"),
    );
    match reloading
        .value("MONOTONIC_USEC")
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(us) => {
            let now = monotonic_usec();
            assert!(
                us <= now && now - us < 10_000_000,
                "MONOTONIC_USEC={us} is not CLOCK_MONOTONIC now ({now})"
            );
        }
        None => d.fail("RELOADING=1 came without a MONOTONIC_USEC=", &notify),
    }
    d.expect_notify(
        &mut notify,
        Duration::from_secs(20),
        "READY=1 after the reload",
        |n| n.has("READY=1"),
    );
    let alive = notify
        .collect(Duration::from_millis(2_500))
        .into_iter()
        .filter(is_watchdog)
        .count();
    if alive == 0 {
        d.fail("no WATCHDOG=1 after a good reload", &notify);
    }

    // 4. A broken configuration: refused, the old one kept, still running and pinging.
    let mut broken = config.render();
    broken.push_str("\n[[feed]\nname = \"oops\nurl = \n");
    std::fs::write(&config_path, broken).expect("write broken config");
    d.signal(libc::SIGHUP);
    d.expect_notify(
        &mut notify,
        Duration::from_secs(10),
        "RELOADING=1 after SIGHUP with a broken configuration",
        |n| n.has("RELOADING=1"),
    );
    // systemd leaves the "reloading" state only on READY=1, failed reload or not.
    d.expect_notify(
        &mut notify,
        Duration::from_secs(20),
        "READY=1 after the refused reload",
        |n| n.has("READY=1"),
    );
    let pings = notify
        .collect(Duration::from_millis(3_500))
        .into_iter()
        .filter(is_watchdog)
        .count();
    if d.try_exit().is_some() {
        d.fail("the daemon exited after a broken configuration", &notify);
    }
    if pings < 2 {
        d.fail(
            &format!("{pings} WATCHDOG=1 in 3.5 s after the refused reload (want at least 2)"),
            &notify,
        );
    }
    // the endpoint of the old configuration still answers
    match http_get(&listen, "/healthz", Duration::from_secs(5)) {
        Ok(r) if r.status == 200 || r.status == 503 => {}
        Ok(r) => d.fail(&format!("/healthz answered {}", r.status), &notify),
        Err(e) => d.fail(
            &format!("/healthz on {listen} unreachable after the refused reload: {e}"),
            &notify,
        ),
    }
    let log = d.log();
    let file_name = config_path.file_name().unwrap().to_string_lossy();
    assert!(
        log.lines()
            .any(|l| l.contains("ERROR") && l.contains(file_name.as_ref())),
        "no ERROR line naming {file_name} in the log after the refused reload:\n{log}"
    );

    // 5. SIGTERM: STOPPING=1, then exit 0 within a few seconds (shutdown_grace = 2s).
    d.signal(libc::SIGTERM);
    d.expect_notify(
        &mut notify,
        Duration::from_secs(10),
        "STOPPING=1 after SIGTERM",
        |n| n.has("STOPPING=1"),
    );
    match d.wait_exit(Duration::from_secs(10)) {
        Some(s) if s.success() => {}
        Some(s) => d.fail(&format!("exited with {s} after SIGTERM"), &notify),
        None => d.fail("still running 10 s after SIGTERM", &notify),
    }
    drop(server);
}
