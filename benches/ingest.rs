//! One feed of 100,000 new items, served on loopback, ingested by the real
//! `sahel-watch run` (fetch, parse, seen check, classify, dedup, store in
//! batched transactions). Prints the stories stored per second, counted in
//! the state database, and the `/healthz` answers seen meanwhile.
//!
//! `cargo bench --bench ingest`; `ITEMS=n` changes the number of items;
//! `WATCHLIST=none|countries|keywords` the watch-list (default `countries`:
//! one list for the five countries, alerting to the log; `keywords` also
//! asks for a keyword, so every story that joins an incident has its
//! incident's texts searched; `none`: no list, as the first runs of this
//! bench); `SW_BIN=path` runs another build of `sahel-watch` (an older one,
//! to compare two builds in the same conditions).

#[path = "../tests/support/http_feeds.rs"]
mod http_feeds;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use http_feeds::{FeedServer, Reply};

fn items_doc(n: usize) -> String {
    let date = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc2822();
    let mut s = String::with_capacity(n * 420);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Big</title><language>en</language>\n");
    for i in 0..n {
        // one story in ten is about an attack, the rest market and weather news
        let (title, text) = if i % 10 == 0 {
            (
                format!("Gunmen kill {} villagers near Djibo, report {i}", 3 + i % 40),
                format!("Armed men on motorbikes killed {} civilians in a village near Djibo in northern Burkina Faso on Tuesday, residents said in report {i}.", 3 + i % 40),
            )
        } else {
            (
                format!("Market prices report number {i}"),
                format!("Traders in Bamako said prices of millet and rice were stable this week, bulletin {i}."),
            )
        };
        s.push_str(&format!(
            "<item><guid isPermaLink=\"false\">big-{i}</guid><title>{title}</title><link>https://outlet.example/big/{i}</link><description>{text}</description><pubDate>{date}</pubDate></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

fn count(db: &std::path::Path) -> i64 {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| {
            c.busy_timeout(Duration::from_secs(2))?;
            c.query_row("SELECT COUNT(*) FROM stories", [], |r| r.get(0))
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::var("ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(FeedServer::start());
    let doc = items_doc(n);
    let size = doc.len();
    server.route("/big.xml", Reply::rss(doc));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let db = state.join("sahel-watch.sqlite");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let config = dir.path().join("sw.toml");
    let watchlist = std::env::var("WATCHLIST").unwrap_or_else(|_| "countries".into());
    let list = match watchlist.as_str() {
        "none" => "",
        "countries" => "[[watchlist]]\nname = \"all\"\ncountries = [\"ML\", \"BF\", \"NE\", \"TD\", \"MR\"]\n",
        "keywords" => "[[watchlist]]\nname = \"all\"\ncountries = [\"ML\", \"BF\", \"NE\", \"TD\", \"MR\"]\nexclude_keywords = [\"exercise\"]\n",
        other => panic!("WATCHLIST={other}: none, countries or keywords"),
    };
    std::fs::write(
        &config,
        format!(
            "[daemon]\nstate_dir = \"{}\"\nlisten = \"{listen}\"\nmax_body_size = \"128MB\"\nfetch_timeout = \"60s\"\n\n{list}\n[[feed]]\nname = \"big\"\nurl = \"{}\"\ninterval = \"1h\"\n",
            state.display(),
            server.url("/big.xml")
        ),
    )
    .unwrap();
    let bin = std::env::var("SW_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_sahel-watch").into());
    let mut child = Command::new(&bin)
        .args(["run", "--config"])
        .arg(&config)
        .env("RUST_LOG", "warn")
        .env_remove("NOTIFY_SOCKET")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn sahel-watch");
    let start = Instant::now();
    let (mut first, mut stored) = (None, 0);
    // (not answering before the first 200 is the daemon starting up)
    let (mut ok, mut not_ok, mut before_up) = (0, 0, 0);
    while start.elapsed() < Duration::from_secs(600) {
        stored = count(&db);
        if stored > 0 && first.is_none() {
            first = Some((start.elapsed(), stored));
        }
        if stored as usize >= n {
            break;
        }
        match rt.block_on(async {
            let r = tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::TcpStream::connect(&listen),
            )
            .await;
            match r {
                Ok(Ok(mut s)) => {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    s.write_all(b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n")
                        .await
                        .ok()?;
                    let mut buf = vec![0u8; 64];
                    tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
                        .await
                        .ok()?
                        .ok()?;
                    Some(String::from_utf8_lossy(&buf).contains(" 200 "))
                }
                _ => None,
            }
        }) {
            Some(true) => ok += 1,
            _ if ok == 0 => before_up += 1,
            _ => not_ok += 1,
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let total = start.elapsed();
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();
    println!(
        "ingest: one feed of {n} new items ({:.1} MB), watch-list {watchlist}, {bin}",
        size as f64 / 1e6
    );
    println!(
        "  stored: {stored} in {:.2} s from start",
        total.as_secs_f64()
    );
    if let Some((t, k)) = first {
        let rate = (stored - k) as f64 / (total - t).as_secs_f64().max(1e-3);
        println!(
            "  first stories stored after {:.2} s (fetch, parse, seen check); then {:.0} stories/s",
            t.as_secs_f64(),
            rate
        );
        println!(
            "  overall: {:.0} stories/s",
            stored as f64 / total.as_secs_f64()
        );
    }
    println!(
        "  /healthz meanwhile: {ok} answered 200, {not_ok} not (and {before_up} before the endpoint was up)"
    );
}
