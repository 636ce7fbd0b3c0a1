//! One full poll cycle of 1,000 small feeds served on loopback, through the
//! Scheduler (fetch, parse, batch, acknowledgement, state saved to SQLite).
//! Prints the cycle time and the process's peak RSS (VmHWM).
//!
//! `cargo bench --bench poll`; `FEEDS=n` and `PER_HOST=n` change the number
//! of feeds and `max_fetches_per_host` (default 32: the feeds all share one
//! loopback host here, where real feeds are spread over hundreds of hosts).

#[path = "../tests/support/http_feeds.rs"]
mod http_feeds;

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_feeds::{config, FeedServer, Reply};
use sahel_watch::metrics::{Health, Metrics};
use sahel_watch::source::scheduler::Scheduler;
use sahel_watch::source::FeedBatch;
use sahel_watch::store::Store;
use tokio_util::sync::CancellationToken;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn feed_doc(i: usize) -> String {
    let items: Vec<(String, String, String, String)> = (0..10)
        .map(|j| {
            (
                format!("f{i}-item{j}"),
                format!("Feed {i} story {j}: gunmen attack a village in the Sahel"),
                format!("https://news{i}.example/story/{j}"),
                format!("Attackers on motorbikes struck the village of Example-{j} on Tuesday, local sources said. Story {j} of feed {i}."),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str, &str)> = items
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    http_feeds::rss(&format!("Outlet {i}"), &refs)
}

fn main() {
    let feeds = env_usize("FEEDS", 1000);
    let per_host = env_usize("PER_HOST", 32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let server = FeedServer::start().await;
        let mut toml =
            format!("[daemon]\nmax_fetches_per_host = {per_host}\nmax_concurrent_fetches = 32\n");
        for i in 0..feeds {
            let path = format!("/feed/{i}.xml");
            server.route(&path, Reply::rss_etag(feed_doc(i), &format!("\"{i}\"")));
            toml.push_str(&format!(
                "[[feed]]\nname = \"feed{i}\"\nurl = \"{}\"\ninterval = \"1h\"\n",
                server.url(&path)
            ));
        }
        let cfg = config(&toml);
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("state.sqlite")).unwrap());
        let scheduler = Scheduler::new(
            store.clone(),
            &cfg,
            Metrics::default(),
            Arc::new(Health::default()),
        )
        .unwrap();

        let (tx, mut rx) = tokio::sync::mpsc::channel::<FeedBatch>(64);
        let (all_done, done_rx) = tokio::sync::oneshot::channel::<(usize, Instant)>();
        tokio::spawn(async move {
            let mut all_done = Some(all_done);
            let (mut batches, mut stories) = (0, 0);
            while let Some(b) = rx.recv().await {
                batches += 1;
                stories += b.stories.len();
                let _ = b.done.send(());
                if batches == feeds {
                    if let Some(d) = all_done.take() {
                        let _ = d.send((stories, Instant::now()));
                    }
                }
            }
        });
        let stop = CancellationToken::new();
        let start = Instant::now();
        let run = tokio::spawn(scheduler.clone().run(tx, stop.clone()));
        let (stories, last_batch) = tokio::time::timeout(Duration::from_secs(120), done_rx)
            .await
            .expect("cycle within 2 minutes")
            .unwrap();
        // the last state is saved just after the last acknowledgement
        let saved = loop {
            let n = store
                .feed_states()
                .unwrap()
                .iter()
                .filter(|f| f.etag.is_some())
                .count();
            if n == feeds || start.elapsed() > Duration::from_secs(120) {
                break n;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let cycle = start.elapsed();
        stop.cancel();
        run.await.unwrap();
        let hits = server.hits().len();
        println!(
            "poll cycle: {feeds} feeds, {stories} stories, {hits} requests, {saved} states saved"
        );
        println!(
            "  time to last batch acknowledged: {:.2} s",
            (last_batch - start).as_secs_f64()
        );
        println!(
            "  time for one full cycle (all states saved): {:.2} s",
            cycle.as_secs_f64()
        );
        println!(
            "  (of which up to {:.1} s is the deliberate spread of first polls)",
            (feeds as f64 * 0.002).min(3.0)
        );
        match peak_rss_kib() {
            Some(k) => println!("  peak RSS (VmHWM): {:.1} MB", k as f64 / 1024.0),
            None => println!("  peak RSS: unavailable (no /proc/self/status)"),
        }
    });
}
