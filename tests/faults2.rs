//! The fault suite, round 2 (issue #18): two daemons on one state, an
//! emptied or damaged database, failed deliveries queued again, hostile
//! markup, feeds that redirect to private addresses and text that breaks
//! outputs. Real daemon, real HTTP and SMTP servers on 127.0.0.1; every
//! wait is bounded. See RELIABILITY.md.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;

use support::daemon::toml_str;
use support::faults::*;
use support::http_feeds::{FeedServer, Reply};
use support::smtp::{SmtpOptions, SmtpServer};

const WATCH_ALL: &str =
    "[[watchlist]]\nname = \"all\"\ncountries = [\"ML\", \"BF\", \"NE\", \"TD\", \"MR\"]\n";

/// An RFC 2822 date `hours` before now.
fn hours_ago(hours: i64) -> String {
    (Utc::now() - chrono::Duration::hours(hours)).to_rfc2822()
}

/// A daemon configuration: feeds are (name, url, interval).
fn daemon_config(
    state: &Path,
    listen: &str,
    feeds: &[(&str, String, &str)],
    extra: &str,
) -> String {
    let mut s = format!(
        r#"[daemon]
state_dir = {state}
listen = {listen}
log_format = "text"
max_story_age = "30d"
connect_timeout = "2s"
fetch_timeout = "5s"
shutdown_grace = "2s"

[alerts]
retry_delay = "200ms"
max_retry_delay = "1s"

{WATCH_ALL}
{extra}
"#,
        state = toml_str(&state.display().to_string()),
        listen = toml_str(listen),
    );
    for (name, url, interval) in feeds {
        s.push_str(&format!(
            "\n[[feed]]\nname = {}\nurl = {}\ninterval = \"{interval}\"\n",
            toml_str(name),
            toml_str(url)
        ));
    }
    s
}

fn jsonl_channel(path: &Path) -> String {
    format!(
        "[[channel]]\nname = \"file\"\ntype = \"jsonl\"\npath = {}\n",
        toml_str(&path.display().to_string())
    )
}

fn launch<'a>(dir: &Path, config_path: &'a Path, name: &str) -> Launch<'a> {
    Launch {
        config: config_path,
        log_path: dir.join(format!("{name}.log")),
        env: vec![],
        umask: None,
        rust_log: "info",
    }
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .count()
}

/// Run `sahel-watch ARGS` to its end, at most `limit` (killed after that:
/// the test then fails on the status).
fn run_cli(args: &[&str], limit: Duration) -> (Option<std::process::ExitStatus>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sahel-watch"))
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sahel-watch");
    let deadline = Instant::now() + limit;
    let mut status = None;
    while Instant::now() < deadline {
        if let Some(s) = child.try_wait().expect("try_wait") {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if status.is_none() {
        let _ = child.kill();
    }
    let Output { stdout, stderr, .. } = child.wait_with_output().expect("wait");
    (
        status,
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

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

// ---------------------------------------------------------------------------
// State

/// A second daemon on the state directory of a running one refuses to start,
/// naming the directory and the holder's pid, and sends nothing; read-only
/// commands still read. Once the first is gone, a daemon starts again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_daemon_on_one_state_directory_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start().await;
    server.route(
        "/feed",
        Reply::rss(rss_doc("Outlet", "en", &[attack_item(0, &hours_ago(1))])),
    );
    let state = dir.path().join("state");
    let jsonl = dir.path().join("alerts.jsonl");
    let cfg = dir.path().join("sw.toml");
    std::fs::write(
        &cfg,
        daemon_config(
            &state,
            "",
            &[("feed", server.url("/feed"), "1s")],
            &jsonl_channel(&jsonl),
        ),
    )
    .unwrap();
    let mut first = Proc::start(launch(dir.path(), &cfg, "first"));
    assert!(
        eventually(Duration::from_secs(20), || lines(&jsonl) == 1).await,
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
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start().await;
    let items: Vec<Item> = (0..4).map(|i| attack_item(i, &hours_ago(1))).collect();
    server.route("/feed", Reply::rss(rss_doc("Outlet", "en", &items)));
    let state = dir.path().join("state");
    let db = state.join("sahel-watch.sqlite");
    let jsonl = dir.path().join("alerts.jsonl");
    let cfg = dir.path().join("sw.toml");
    std::fs::write(
        &cfg,
        daemon_config(
            &state,
            "",
            &[("feed", server.url("/feed"), "1s")],
            &jsonl_channel(&jsonl),
        ),
    )
    .unwrap();
    let cfg_s = cfg.display().to_string();
    let mut d = Proc::start(launch(dir.path(), &cfg, "first"));
    assert!(
        eventually(Duration::from_secs(30), || lines(&jsonl) == 4).await,
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
        eventually(Duration::from_secs(30), || {
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
        eventually(Duration::from_secs(10), || {
            outbox(&db, "mail") == vec![(outbox(&db, "mail")[0].0.clone(), "delivered".into())]
        })
        .await
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.mails().len(), 1, "once");
    d.assert_alive("end");
    assert!(d.stop(Duration::from_secs(10)).is_some_and(|s| s.success()));
}
