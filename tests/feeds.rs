//! The sources stage against a real HTTP server on 127.0.0.1: conditional
//! GET, failures and backoff, Retry-After, full text, redirects, the
//! private-address guard, persistence and reload.

mod support;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sahel_watch::config::Config;
use sahel_watch::metrics::{Health, Metrics};
use sahel_watch::source::fetch::{FetchOutcome, Fetcher};
use sahel_watch::source::scheduler::Scheduler;
use sahel_watch::store::Store;
use support::http_feeds::*;
use tokio_util::sync::CancellationToken;

const ARTICLE: &str = r#"<!doctype html><html><head><title>Gunmen kill 12 near Djibo</title></head><body>
<nav class="menu"><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a> Subscribe to our newsletter today</nav>
<header><div class="site-banner">Sahel Daily News - your trusted source</div></header>
<main><article>
<h1>Gunmen kill 12 near Djibo</h1>
<p>Gunmen on motorbikes killed twelve civilians in an attack on a village near Djibo in northern Burkina Faso on Tuesday, local sources said, in the latest of a series of raids in the Soum province.</p>
<p>The attackers arrived in the early morning, set fire to the market and shot residents who tried to flee, according to a local official who asked not to be named for security reasons.</p>
<p>No group has claimed responsibility for the attack, but jihadist groups linked to al-Qaeda and the Islamic State are active in the area and have repeatedly targeted civilians.</p>
</article></main>
<footer class="footer">Copyright 2024 Sahel Daily News. All rights reserved. Privacy policy | Cookie settings</footer>
</body></html>"#;

const MAIN_PARAGRAPH: &str = "set fire to the market and shot residents who tried to flee";

fn feed_doc() -> String {
    rss(
        "Sahel Daily",
        &[
            (
                "n1",
                "Gunmen kill 12 near Djibo",
                "https://news.example/a/1",
                "Twelve killed.",
            ),
            (
                "n2",
                "Market reopens in Gao",
                "https://news.example/a/2",
                "Traders return.",
            ),
        ],
    )
}

struct Env {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    store: Arc<Store>,
    metrics: Metrics,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.sqlite");
    let store = Arc::new(Store::open(&db).unwrap());
    Env {
        _dir: dir,
        db,
        store,
        metrics: Metrics::default(),
    }
}

fn scheduler(env: &Env, config: &Config) -> Arc<Scheduler> {
    Scheduler::new(
        env.store.clone(),
        config,
        env.metrics.clone(),
        Arc::new(Health::default()),
    )
    .unwrap()
}

fn count(
    f: &prometheus_client::metrics::family::Family<
        sahel_watch::metrics::FeedLabel,
        prometheus_client::metrics::counter::Counter,
    >,
    feed: &str,
) -> u64 {
    f.get_or_create(&Metrics::feed(feed)).get()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etag_makes_the_second_poll_conditional_and_304_sends_nothing() {
    let server = FeedServer::start().await;
    server.route("/etag.xml", Reply::rss_etag(feed_doc(), "\"v1\""));
    let env = env();
    let cfg = config(&format!(
        "[[feed]]\nname = \"daily\"\nurl = \"{}\"\n",
        server.url("/etag.xml")
    ));
    let s = scheduler(&env, &cfg);
    let (tx, batches) = consumer();

    s.poll_once("daily", &tx).await.unwrap();
    assert!(wait_until(Duration::from_secs(2), || batches.len() == 1).await);
    assert_eq!(batches.of("daily")[0].len(), 2);
    let state = env.store.feed_state("daily").unwrap().unwrap();
    assert_eq!(state.etag.as_deref(), Some("\"v1\""));
    assert!(state.last_success.is_some());
    assert_eq!(state.items_seen, 2);

    s.poll_once("daily", &tx).await.unwrap();
    let hits = server.hits_of("/etag.xml");
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].if_none_match, None, "first poll is unconditional");
    assert_eq!(hits[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(hits[1].status, 304);
    assert!(hits[0]
        .user_agent
        .as_deref()
        .unwrap_or("")
        .starts_with("sahel-watch/"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(batches.len(), 1, "no batch on 304");
    assert_eq!(count(&env.metrics.polls, "daily"), 2);
    assert_eq!(count(&env.metrics.not_modified, "daily"), 1);
    assert_eq!(count(&env.metrics.items, "daily"), 2);
    assert!(count(&env.metrics.bytes, "daily") > 100);
    assert!(
        env.metrics
            .last_success
            .get_or_create(&Metrics::feed("daily"))
            .get()
            > 0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_modified_makes_the_second_poll_conditional() {
    let server = FeedServer::start().await;
    let lm = "Tue, 07 May 2024 08:00:00 GMT";
    server.route("/lm.xml", Reply::rss_last_modified(feed_doc(), lm));
    let env = env();
    let cfg = config(&format!(
        "[[feed]]\nname = \"lm\"\nurl = \"{}\"\n",
        server.url("/lm.xml")
    ));
    let s = scheduler(&env, &cfg);
    let (tx, batches) = consumer();
    s.poll_once("lm", &tx).await.unwrap();
    s.poll_once("lm", &tx).await.unwrap();
    let hits = server.hits_of("/lm.xml");
    assert_eq!(hits[0].if_modified_since, None);
    assert_eq!(hits[1].if_modified_since.as_deref(), Some(lm));
    assert_eq!(hits[1].status, 304);
    assert_eq!(batches.len(), 1);
    assert_eq!(count(&env.metrics.not_modified, "lm"), 1);
    assert_eq!(
        env.store
            .feed_state("lm")
            .unwrap()
            .unwrap()
            .last_modified
            .as_deref(),
        Some(lm)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_is_saved_only_after_the_pipeline_acknowledges() {
    let server = FeedServer::start().await;
    server.route("/a.xml", Reply::rss_etag(feed_doc(), "\"v1\""));
    let env = env();
    let cfg = config(&format!(
        "[[feed]]\nname = \"a\"\nurl = \"{}\"\n",
        server.url("/a.xml")
    ));
    let s = scheduler(&env, &cfg);
    // a pipeline that drops the batch without acknowledging it
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Some(b) = rx.recv().await {
            drop(b)
        }
    });
    assert!(s.poll_once("a", &tx).await.is_err());
    let etag = env.store.feed_state("a").unwrap().and_then(|st| st.etag);
    assert_eq!(etag, None, "an unacknowledged batch must be fetched again");
}

/// Hanging, failing, broken, oversized, gzip-bombing and trickling feeds are
/// cut off and backed off while a healthy feed on the same server keeps
/// its schedule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_feeds_back_off_while_a_healthy_feed_keeps_its_schedule() {
    let server = FeedServer::start().await;
    server.route("/ok.xml", Reply::rss(feed_doc()));
    server.route("/hang.xml", Reply::Hang);
    server.route("/500.xml", Reply::status(500));
    server.route(
        "/broken.xml",
        Reply::rss("<rss><channel><title>cut</title><item><title>oops"),
    );
    server.route(
        "/huge.xml",
        Reply::Huge {
            bytes: 50 * 1024 * 1024,
        },
    );
    server.route(
        "/bomb.xml",
        Reply::Gzip {
            body: gzip_zeros(8 * 1024 * 1024),
        },
    );
    server.route(
        "/trickle.xml",
        Reply::Trickle {
            bytes: 10_000,
            every: Duration::from_millis(1000),
        },
    );
    let env = env();
    let mut toml = String::from(
        "[daemon]\nfetch_timeout = \"1s\"\nconnect_timeout = \"1s\"\nmax_body_size = \"1MB\"\nmax_backoff = \"4s\"\nmax_fetches_per_host = 16\nmax_concurrent_fetches = 16\n",
    );
    for name in ["ok", "hang", "500", "broken", "huge", "bomb", "trickle"] {
        toml.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{}\"\ninterval = \"300ms\"\n",
            server.url(&format!("/{name}.xml"))
        ));
    }
    let s = scheduler(&env, &config(&toml));
    let (tx, batches) = consumer();
    let stop = CancellationToken::new();
    let run = tokio::spawn(s.clone().run(tx, stop.clone()));
    let window = Duration::from_secs(5);
    tokio::time::sleep(window).await;
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .expect("run stops on shutdown")
        .unwrap();

    for h in server.hits() {
        eprintln!(
            "{:>14} {:>3} at {:?}",
            h.path,
            h.status,
            h.at.duration_since(server.hits()[0].at)
        );
    }
    let ok_polls = server.hits_of("/ok.xml").len();
    assert!(
        ok_polls >= 10,
        "healthy feed polled {ok_polls} times in {window:?} at 300ms"
    );
    // the same bytes every time: parsed and handed over once (issue 18),
    // fetched on schedule all the same
    assert_eq!(batches.of("ok").len(), 1);
    let ok = env.store.feed_state("ok").unwrap().unwrap();
    assert_eq!(ok.failures, 0);

    for (name, reason) in [
        ("hang", "timed out"),
        ("500", "HTTP 500"),
        ("broken", "not a valid"),
        ("huge", "limit"),
        ("bomb", "limit"),
        ("trickle", "timed out"),
    ] {
        let st = env.store.feed_state(name).unwrap().unwrap();
        let hits = server.hits_of(&format!("/{name}.xml")).len();
        assert!(st.failures >= 2, "{name}: {} failures", st.failures);
        // three quick retries (one interval here), then 2, 4, 8 intervals
        assert!(hits <= 8, "{name}: polled {hits} times despite backoff");
        let err = st.last_error.clone().unwrap_or_default();
        assert!(
            err.contains(reason),
            "{name}: last error {err:?} should mention {reason:?}"
        );
        assert!(st.last_error_at.is_some() && st.next_poll.is_some());
        assert!(count(&env.metrics.poll_errors, name) >= 2);
        assert!(batches.of(name).is_empty());
    }
    // a failing feed is retried soon three times, then the gaps grow
    let at: Vec<Instant> = server.hits_of("/500.xml").iter().map(|h| h.at).collect();
    assert!(at.len() >= 6, "{at:?}");
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    for g in &gaps[..3] {
        assert!(*g < Duration::from_millis(450), "quick retry: {gaps:?}");
    }
    for g in gaps[2..].windows(2) {
        assert!(g[1] > g[0], "backoff grows: {gaps:?}");
    }
    // the scheduler's view agrees
    let status = s.status();
    let bad = status.iter().find(|f| f.name == "500").unwrap();
    assert!(bad.failures >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_cap_and_gzip_bomb_are_cut_quickly() {
    let server = FeedServer::start().await;
    server.route(
        "/huge.xml",
        Reply::Huge {
            bytes: 50 * 1024 * 1024,
        },
    );
    server.route(
        "/bomb.xml",
        Reply::Gzip {
            body: gzip_zeros(8 * 1024 * 1024),
        },
    );
    server.route(
        "/small.gz",
        Reply::Gzip {
            body: gzip_bytes(feed_doc().as_bytes()),
        },
    );
    let cfg = config("[daemon]\nmax_body_size = \"1MB\"\n");
    let f = Fetcher::new(&cfg.daemon).unwrap();
    let t = Instant::now();
    let e = f
        .fetch_feed(&server.url("/huge.xml"), None, None)
        .await
        .unwrap_err();
    assert!(e.message.contains("limit"), "{e:?}");
    let e = f
        .fetch_feed(&server.url("/bomb.xml"), None, None)
        .await
        .unwrap_err();
    assert!(e.message.contains("limit"), "{e:?}");
    assert!(t.elapsed() < Duration::from_secs(10));
    // nobody listening
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = f
        .fetch_feed(&format!("http://127.0.0.1:{port}/x.xml"), None, None)
        .await
        .unwrap_err();
    assert!(e.message.contains("connection failed"), "{e:?}");
    assert!(f
        .fetch_feed("ftp://127.0.0.1/x.xml", None, None)
        .await
        .is_err());
    // honest gzip is decompressed
    match f
        .fetch_feed(&server.url("/small.gz"), None, None)
        .await
        .unwrap()
    {
        FetchOutcome::Fetched { body, .. } => assert_eq!(body, feed_doc().into_bytes()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_on_429_and_503_is_obeyed() {
    let server = FeedServer::start().await;
    server.route(
        "/busy.xml",
        Reply::Seq(vec![
            Reply::status_with(503, "Retry-After", "2"),
            Reply::rss(feed_doc()),
        ]),
    );
    server.route(
        "/limited.xml",
        Reply::Seq(vec![
            Reply::RetryAfterDate { code: 429, secs: 3 },
            Reply::rss(feed_doc()),
        ]),
    );
    let env = env();
    let toml = format!(
        "[[feed]]\nname = \"busy\"\nurl = \"{}\"\ninterval = \"200ms\"\n[[feed]]\nname = \"limited\"\nurl = \"{}\"\ninterval = \"200ms\"\n",
        server.url("/busy.xml"),
        server.url("/limited.xml")
    );
    let s = scheduler(&env, &config(&toml));
    let (tx, batches) = consumer();
    let stop = CancellationToken::new();
    let run = tokio::spawn(s.clone().run(tx, stop.clone()));
    assert!(
        wait_until(Duration::from_secs(8), || !batches.of("busy").is_empty()
            && !batches.of("limited").is_empty())
        .await
    );
    stop.cancel();
    run.await.unwrap();
    let busy = server.hits_of("/busy.xml");
    assert_eq!(busy[0].status, 503);
    let gap = busy[1].at - busy[0].at;
    assert!(
        gap >= Duration::from_millis(1950),
        "polled again after {gap:?} despite Retry-After: 2"
    );
    let limited = server.hits_of("/limited.xml");
    assert_eq!(limited[0].status, 429);
    let gap = limited[1].at - limited[0].at;
    // an HTTP date has whole seconds: 3 s ahead is at least 2 s ahead
    assert!(
        gap >= Duration::from_millis(1950),
        "polled again after {gap:?} despite Retry-After date"
    );
    assert_eq!(
        env.store.feed_state("busy").unwrap().unwrap().failures,
        0,
        "recovered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teaser_items_get_the_article_text_without_boilerplate() {
    let server = FeedServer::start().await;
    server.route("/article/1", Reply::html(ARTICLE));
    server.route("/article/gone", Reply::status(404));
    let doc = rss(
        "Sahel Daily",
        &[
            (
                "t1",
                "Gunmen kill 12 near Djibo",
                &server.url("/article/1"),
                "Twelve civilians were killed near Djibo.",
            ),
            (
                "t2",
                "Second story",
                &server.url("/article/gone"),
                "A teaser whose page is gone.",
            ),
        ],
    );
    server.route("/teasers.xml", Reply::rss(doc));
    let env = env();
    let cfg = config(&format!(
        "[[feed]]\nname = \"teasers\"\nurl = \"{}\"\nfetch_full_text = \"auto\"\n",
        server.url("/teasers.xml")
    ));
    let s = scheduler(&env, &cfg);
    let (tx, batches) = consumer();
    s.poll_once("teasers", &tx).await.unwrap();
    let stories = batches.of("teasers").remove(0);
    let full = &stories[0].text;
    assert!(full.contains(MAIN_PARAGRAPH), "{full}");
    assert!(full.contains("Gunmen on motorbikes"), "{full}");
    assert!(!full.contains("Subscribe to our newsletter"), "{full}");
    assert!(!full.contains("All rights reserved"), "{full}");
    assert!(full.contains("\n\n"), "paragraphs: {full}");
    assert_eq!(
        stories[1].text, "A teaser whose page is gone.",
        "a failed page keeps the teaser"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_redirect_updates_the_stored_url_and_temporary_does_not() {
    let server = FeedServer::start().await;
    server.route("/old.xml", Reply::redirect(301, "/new.xml"));
    server.route("/new.xml", Reply::rss(feed_doc()));
    server.route("/tmp.xml", Reply::redirect(302, "/elsewhere.xml"));
    server.route("/elsewhere.xml", Reply::rss(feed_doc()));
    let env = env();
    let toml = format!(
        "[[feed]]\nname = \"moved\"\nurl = \"{}\"\n[[feed]]\nname = \"tmp\"\nurl = \"{}\"\n",
        server.url("/old.xml"),
        server.url("/tmp.xml")
    );
    let s = scheduler(&env, &config(&toml));
    let (tx, _batches) = consumer();
    s.poll_once("moved", &tx).await.unwrap();
    assert_eq!(
        env.store.feed_state("moved").unwrap().unwrap().url,
        server.url("/new.xml")
    );
    s.poll_once("moved", &tx).await.unwrap();
    assert_eq!(
        server.hits_of("/old.xml").len(),
        1,
        "the new address is polled directly"
    );
    assert_eq!(server.hits_of("/new.xml").len(), 2);

    s.poll_once("tmp", &tx).await.unwrap();
    s.poll_once("tmp", &tx).await.unwrap();
    assert_eq!(
        env.store.feed_state("tmp").unwrap().unwrap().url,
        server.url("/tmp.xml")
    );
    assert_eq!(server.hits_of("/tmp.xml").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_long_chains_are_errors_not_hangs() {
    let server = FeedServer::start().await;
    server.route("/loop-a", Reply::redirect(302, "/loop-b"));
    server.route("/loop-b", Reply::redirect(301, "/loop-a"));
    for i in 0..8 {
        server.route(
            &format!("/chain{i}"),
            Reply::redirect(302, &format!("/chain{}", i + 1)),
        );
    }
    server.route("/chain8", Reply::rss(feed_doc()));
    let env = env();
    let toml = format!(
        "[[feed]]\nname = \"loop\"\nurl = \"{}\"\n[[feed]]\nname = \"chain\"\nurl = \"{}\"\n",
        server.url("/loop-a"),
        server.url("/chain0")
    );
    let s = scheduler(&env, &config(&toml));
    let (tx, _batches) = consumer();
    let e = tokio::time::timeout(Duration::from_secs(5), s.poll_once("loop", &tx))
        .await
        .expect("no hang")
        .unwrap_err();
    assert!(format!("{e:#}").contains("redirect loop"), "{e:#}");
    let e = tokio::time::timeout(Duration::from_secs(5), s.poll_once("chain", &tx))
        .await
        .expect("no hang")
        .unwrap_err();
    assert!(format!("{e:#}").contains("redirects"), "{e:#}");
    assert_eq!(
        server.hits_of("/chain6").len(),
        0,
        "at most 5 redirects followed"
    );
    assert_eq!(env.store.feed_state("loop").unwrap().unwrap().failures, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_address_guard_refuses_loopback_pages_for_public_feeds() {
    let server = FeedServer::start().await;
    server.route("/article/1", Reply::html(ARTICLE));
    let cfg = config("");
    let f = Fetcher::new(&cfg.daemon).unwrap();
    // literal loopback, and a name that resolves to loopback
    let e = f
        .fetch_page(&server.url("/article/1"), false)
        .await
        .unwrap_err();
    assert!(e.message.contains("non-public"), "{e:?}");
    let by_name = format!("http://localhost:{}/article/1", server.addr.port());
    let e = f.fetch_page(&by_name, false).await.unwrap_err();
    assert!(format!("{e:?}").contains("non-public"), "{e:?}");
    assert!(f.fetch_page("file:///etc/passwd", true).await.is_err());
    assert!(
        server.hits_of("/article/1").is_empty(),
        "nothing reached the server"
    );
    // the same page for a feed that is itself on loopback
    assert!(f
        .fetch_page(&server.url("/article/1"), true)
        .await
        .unwrap()
        .contains(MAIN_PARAGRAPH));

    // end to end: a feed that is not on a private network (a local file)
    // linking to a loopback page keeps its teaser
    let env = env();
    let doc = rss(
        "Local",
        &[(
            "p1",
            "Gunmen kill 12 near Djibo",
            &server.url("/article/1"),
            "Twelve killed.",
        )],
    );
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(doc.as_bytes()).unwrap();
    let file_url = url::Url::from_file_path(file.path()).unwrap();
    let cfg = config(&format!(
        "[[feed]]\nname = \"local\"\nurl = \"{file_url}\"\nfetch_full_text = true\n"
    ));
    let s = scheduler(&env, &cfg);
    let (tx, batches) = consumer();
    s.poll_once("local", &tx).await.unwrap();
    assert_eq!(batches.of("local")[0][0].text, "Twelve killed.");
    assert_eq!(
        server.hits_of("/article/1").len(),
        1,
        "only the allowed fetch above"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_state_survives_a_restart() {
    let server = FeedServer::start().await;
    server.route("/etag.xml", Reply::rss_etag(feed_doc(), "\"v7\""));
    let env = env();
    let cfg = config(&format!(
        "[[feed]]\nname = \"daily\"\nurl = \"{}\"\n",
        server.url("/etag.xml")
    ));
    {
        let s = scheduler(&env, &cfg);
        let (tx, _b) = consumer();
        s.poll_once("daily", &tx).await.unwrap();
    }
    // a new process: a new store handle on the same file, a new scheduler
    let store = Arc::new(Store::open(&env.db).unwrap());
    let s = Scheduler::new(store, &cfg, Metrics::default(), Arc::new(Health::default())).unwrap();
    let (tx, batches) = consumer();
    s.poll_once("daily", &tx).await.unwrap();
    let hits = server.hits_of("/etag.xml");
    assert_eq!(hits[1].if_none_match.as_deref(), Some("\"v7\""));
    assert_eq!(hits[1].status, 304);
    assert_eq!(batches.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_adds_removes_and_keeps_unchanged_state() {
    let server = FeedServer::start().await;
    server.route("/a.xml", Reply::rss_etag(feed_doc(), "\"a1\""));
    server.route("/b.xml", Reply::rss(feed_doc()));
    server.route("/c.xml", Reply::rss(feed_doc()));
    server.route("/b2.xml", Reply::rss_etag(feed_doc(), "\"b2\""));
    let env = env();
    let feed = |name: &str, path: &str| {
        format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{}\"\n",
            server.url(path)
        )
    };
    let s = scheduler(&env, &config(&(feed("a", "/a.xml") + &feed("b", "/b.xml"))));
    let (tx, _b) = consumer();
    s.poll_once("a", &tx).await.unwrap();
    s.poll_once("b", &tx).await.unwrap();
    // b moves, c arrives, a unchanged
    s.reload(&config(
        &(feed("a", "/a.xml") + &feed("b", "/b2.xml") + &feed("c", "/c.xml")),
    ));
    s.poll_once("a", &tx).await.unwrap();
    assert_eq!(
        server.hits_of("/a.xml")[1].if_none_match.as_deref(),
        Some("\"a1\""),
        "unchanged feed keeps its ETag"
    );
    s.poll_once("b", &tx).await.unwrap();
    assert_eq!(server.hits_of("/b2.xml").len(), 1);
    assert_eq!(
        env.store.feed_state("b").unwrap().unwrap().url,
        server.url("/b2.xml")
    );
    s.poll_once("c", &tx).await.unwrap();
    // c removed
    s.reload(&config(&(feed("a", "/a.xml") + &feed("b", "/b2.xml"))));
    assert!(s.poll_once("c", &tx).await.is_err());
    assert_eq!(s.status().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_interval_follows_publication() {
    let server = FeedServer::start().await;
    server.route("/ad.xml", Reply::rss_etag(feed_doc(), "\"x\""));
    let env = env();
    let cfg = config(&format!(
        "[[feed]]\nname = \"ad\"\nurl = \"{}\"\nadaptive = true\ninterval = \"4m\"\nmin_interval = \"2m\"\nmax_interval = \"10m\"\n",
        server.url("/ad.xml")
    ));
    let s = scheduler(&env, &cfg);
    let (tx, _b) = consumer();
    let interval = || s.status()[0].interval;
    s.poll_once("ad", &tx).await.unwrap(); // new items: halve
    assert_eq!(interval(), Duration::from_secs(120));
    s.poll_once("ad", &tx).await.unwrap(); // 304: grow
    assert_eq!(interval(), Duration::from_secs(180));
    s.poll_once("ad", &tx).await.unwrap();
    assert_eq!(interval(), Duration::from_secs(270));
    assert_eq!(
        env.store.feed_state("ad").unwrap().unwrap().interval_secs,
        Some(270)
    );
    // a fixed interval stays as configured
    server.route("/fixed.xml", Reply::rss(feed_doc()));
    let cfg = config(&format!(
        "[[feed]]\nname = \"fixed\"\nurl = \"{}\"\ninterval = \"4m\"\n",
        server.url("/fixed.xml")
    ));
    let s = scheduler(&env, &cfg);
    s.poll_once("fixed", &tx).await.unwrap();
    assert_eq!(s.status()[0].interval, Duration::from_secs(240));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_host_limit_bounds_concurrent_fetches() {
    let server = FeedServer::start().await;
    let mut toml = String::from("[daemon]\nmax_fetches_per_host = 2\nmax_concurrent_fetches = 8\n");
    for i in 0..6 {
        server.route(
            &format!("/slow{i}.xml"),
            Reply::Slow {
                delay: Duration::from_millis(300),
                then: Box::new(Reply::rss(feed_doc())),
            },
        );
        toml.push_str(&format!(
            "[[feed]]\nname = \"slow{i}\"\nurl = \"{}\"\ninterval = \"1h\"\n",
            server.url(&format!("/slow{i}.xml"))
        ));
    }
    let env = env();
    let s = scheduler(&env, &config(&toml));
    let (tx, batches) = consumer();
    let stop = CancellationToken::new();
    let run = tokio::spawn(s.clone().run(tx, stop.clone()));
    assert!(
        wait_until(Duration::from_secs(10), || batches.len() == 6).await,
        "all six polled"
    );
    stop.cancel();
    run.await.unwrap();
    assert_eq!(server.max_in_flight(), 2);
}

fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gzip_zeros(n: usize) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 64 * 1024];
    for _ in 0..n / zeros.len() {
        e.write_all(&zeros).unwrap();
    }
    e.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovered_feed_has_no_last_error() {
    let server = FeedServer::start().await;
    server.route("/flaky.xml", Reply::status(500));
    let env = env();
    let cfg = config(&format!(
        "[[feed]]\nname = \"flaky\"\nurl = \"{}\"\n",
        server.url("/flaky.xml")
    ));
    let s = scheduler(&env, &cfg);
    let (tx, batches) = consumer();
    let _ = s.poll_once("flaky", &tx).await;
    let st = env.store.feed_state("flaky").unwrap().unwrap();
    assert!(
        st.last_error.as_deref().unwrap_or("").contains("500"),
        "{st:?}"
    );
    assert_eq!(st.failures, 1);
    server.route("/flaky.xml", Reply::rss(feed_doc()));
    s.poll_once("flaky", &tx).await.unwrap();
    assert!(wait_until(Duration::from_secs(2), || batches.len() == 1).await);
    let st = env.store.feed_state("flaky").unwrap().unwrap();
    assert_eq!(st.failures, 0);
    assert_eq!(st.last_error, None, "recovered: {st:?}");
    assert_eq!(st.last_error_at, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_feed_is_read_but_never_reached_through_a_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.xml");
    std::fs::write(&file, feed_doc()).unwrap();
    let file_url = format!("file://{}", file.display());
    let server = FeedServer::start().await;
    server.route("/to-file", Reply::redirect(302, &file_url));
    let env = env();
    let toml = format!(
        "[[feed]]\nname = \"local\"\nurl = \"{file_url}\"\n[[feed]]\nname = \"sneaky\"\nurl = \"{}\"\n",
        server.url("/to-file")
    );
    let s = scheduler(&env, &config(&toml));
    let (tx, batches) = consumer();
    s.poll_once("local", &tx).await.unwrap();
    assert!(wait_until(Duration::from_secs(2), || batches.of("local").len() == 1).await);
    let e = s.poll_once("sneaky", &tx).await.unwrap_err();
    assert!(format!("{e:#}").contains("file"), "{e:#}");
    assert!(batches.of("sneaky").is_empty());
}
