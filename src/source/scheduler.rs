//! Polls every feed on its own interval.
//!
//! The run loop only decides *when*: each due feed is polled in its own task,
//! so a feed that hangs until the fetch timeout delays nobody else. Fetches
//! are bounded by a per-host semaphore (taken first, so feeds queued behind a
//! busy host hold no global slot) and a global one. A poll fetches
//! conditionally, parses, fetches article pages for teaser items when the
//! feed asks for it, hands the items to the pipeline as one [`FeedBatch`]
//! and, only once the pipeline acknowledged it, records the feed's new
//! ETag/Last-Modified, so a crash in between re-fetches rather than loses.
//! Failures back the feed off exponentially (honouring Retry-After).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{anyhow, Result};
use chrono::Utc;
use futures::StreamExt;
use rand::Rng;
use tokio::sync::{mpsc, oneshot, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use url::Url;

use super::fetch::{host_is_private, FetchOutcome, Fetcher, Hops};
use super::fulltext::{extract_main_text, merge_text};
use super::parse::{parse_feed, story_url_norm};
use super::FeedBatch;
use crate::config::{Config, FeedConfig, FullText};
use crate::metrics::{Health, Metrics};
use crate::model::Story;
use crate::store::{FeedState, Known, Store};

/// Items with less text than this (characters) are teasers for `fetch_full_text = "auto"`.
pub const TEASER_CHARS: usize = 400;
/// Most article pages fetched in one poll of one feed (the first poll of a
/// big feed would otherwise fetch every page at once).
const MAX_PAGES_PER_POLL: usize = 30;
/// Article pages of one poll fetched at once (also bounded by the semaphores).
const PAGE_CONCURRENCY: usize = 4;
/// First polls after start are spread over at most this long.
const MAX_FIRST_POLL_SPREAD: Duration = Duration::from_secs(3);
/// ... at this much per feed.
const FIRST_POLL_SPREAD_PER_FEED: Duration = Duration::from_millis(2);
/// The run loop goes round (and beats the heartbeat) at least this often.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// Where a feed stands, for `/healthz`, the `feeds` tool and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedStatus {
    pub name: String,
    /// The URL polled (after permanent redirects).
    pub url: String,
    pub enabled: bool,
    /// The current interval (moves with `adaptive`).
    pub interval: Duration,
    /// Time until the next scheduled poll (zero when due or polling).
    pub next_in: Duration,
    pub polling: bool,
    pub failures: u32,
    pub last_error: Option<String>,
}

pub struct Scheduler {
    store: Arc<Store>,
    metrics: Metrics,
    health: Arc<Health>,
    fetcher: Fetcher,
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    inner: Mutex<Inner>,
    wake: Notify,
}

struct Inner {
    feeds: BTreeMap<String, Feed>,
    max_backoff: Duration,
    next_gen: u64,
}

struct Feed {
    config: FeedConfig,
    /// The persisted state, as last saved.
    state: FeedState,
    interval: Duration,
    next: Instant,
    /// A scheduled poll is under way.
    running: bool,
    /// Changes when the feed is replaced (URL changed on reload): results of
    /// a poll of the old incarnation are dropped.
    gen: u64,
    /// A WARN was logged for the current run of failures.
    warned: bool,
    /// Serialises polls of this feed (run loop and `poll_once`).
    lock: Arc<tokio::sync::Mutex<()>>,
    /// SHA-256 of the last body whose items the pipeline acknowledged: the
    /// same bytes again (a server without ETag) are not parsed again.
    body_digest: Option<[u8; 32]>,
}

/// What a poll works from, copied out of [`Feed`] under the lock.
struct Snapshot {
    name: String,
    config: FeedConfig,
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    gen: u64,
    body_digest: Option<[u8; 32]>,
}

/// What the pipeline has of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    /// Nothing: a new item.
    No,
    /// The item, with another text: it is read again.
    Changed,
    /// The item as it is (or an earlier item of the same document has its
    /// key): nothing to do.
    Yes,
}

/// A successful fetch and parse of a changed feed.
struct Changed {
    body_digest: Option<[u8; 32]>,
    stories: Vec<Story>,
    /// Per story: what the pipeline has of it.
    stored: Vec<Stored>,
    etag: Option<String>,
    last_modified: Option<String>,
    moved_to: Option<String>,
}

enum PollError {
    /// The feed failed: counts as a failure and backs the feed off.
    Feed {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Not the feed's fault (shutdown, pipeline gone): nothing recorded.
    Interrupted(String),
}

impl PollError {
    fn feed(message: impl Into<String>) -> PollError {
        PollError::Feed {
            message: message.into(),
            retry_after: None,
        }
    }
}

impl Scheduler {
    pub fn new(
        store: Arc<Store>,
        config: &Config,
        metrics: Metrics,
        health: Arc<Health>,
    ) -> Result<Arc<Scheduler>> {
        let d = &config.daemon;
        let fetcher = Fetcher::new(d)?;
        let stored: HashMap<String, FeedState> = store
            .feed_states()?
            .into_iter()
            .map(|f| (f.name.clone(), f))
            .collect();
        let now = Instant::now();
        let spread = first_poll_spread(config.feeds.iter().filter(|f| f.enabled).count());
        let mut inner = Inner {
            feeds: BTreeMap::new(),
            max_backoff: d.max_backoff,
            next_gen: 1,
        };
        for f in &config.feeds {
            let gen = inner.next_gen;
            inner.next_gen += 1;
            let feed = Feed::start(
                f.clone(),
                stored.get(&f.name).cloned(),
                now,
                spread,
                d.max_backoff,
                gen,
            );
            inner.feeds.insert(f.name.clone(), feed);
        }
        Ok(Arc::new(Scheduler {
            store,
            metrics,
            health,
            fetcher,
            global: Arc::new(Semaphore::new(d.max_concurrent_fetches.max(1))),
            per_host: d.max_fetches_per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
            inner: Mutex::new(inner),
            wake: Notify::new(),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Apply a reloaded configuration: new feeds are polled soon, removed
    /// ones no more; a feed whose URL changed starts afresh; the poll state
    /// (ETag, backoff, next poll) of every other feed is kept. The fetch
    /// limits and timeouts of `[daemon]` take effect on restart, except
    /// `max_backoff`.
    pub fn reload(&self, config: &Config) {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.max_backoff = config.daemon.max_backoff;
        let max_backoff = inner.max_backoff;
        let wanted: HashMap<&str, &FeedConfig> =
            config.feeds.iter().map(|f| (f.name.as_str(), f)).collect();
        let before = inner.feeds.len();
        inner
            .feeds
            .retain(|name, _| wanted.contains_key(name.as_str()));
        let removed = before - inner.feeds.len();
        let (mut added, mut changed) = (0, 0);
        let spread = first_poll_spread(config.feeds.len());
        for f in &config.feeds {
            let gen = inner.next_gen;
            match inner.feeds.get_mut(&f.name) {
                None => {
                    let stored = self.store.feed_state(&f.name).ok().flatten();
                    inner.feeds.insert(
                        f.name.clone(),
                        Feed::start(f.clone(), stored, now, spread, max_backoff, gen),
                    );
                    inner.next_gen += 1;
                    added += 1;
                }
                Some(feed) if same_feed(&feed.config, f) => {}
                Some(feed) => {
                    changed += 1;
                    if feed.config.url != f.url {
                        let mut state = FeedState {
                            name: f.name.clone(),
                            url: f.url.clone(),
                            ..Default::default()
                        };
                        state.items_seen = feed.state.items_seen;
                        *feed = Feed::start(f.clone(), Some(state), now, spread, max_backoff, gen);
                        inner.next_gen += 1;
                    } else {
                        feed.interval = initial_interval(f, feed.state.interval_secs);
                        feed.config = f.clone();
                        let soonest = now + jittered(feed.interval);
                        if feed.state.failures == 0 && feed.next > soonest {
                            feed.next = soonest;
                        }
                    }
                }
            }
        }
        drop(inner);
        info!(added, removed, changed, "feeds reloaded");
        self.wake.notify_one();
    }

    /// Poll every enabled feed on its schedule until `shutdown`.
    pub async fn run(self: Arc<Self>, tx: mpsc::Sender<FeedBatch>, shutdown: CancellationToken) {
        let mut tasks = JoinSet::new();
        info!(
            feeds = self
                .lock()
                .feeds
                .values()
                .filter(|f| f.config.enabled)
                .count(),
            "polling feeds"
        );
        loop {
            self.health.poller.beat();
            while let Some(r) = tasks.try_join_next() {
                if let Err(e) = r {
                    if e.is_panic() {
                        warn!("a feed poll panicked: {e}");
                    }
                }
            }
            let now = Instant::now();
            let mut due = Vec::new();
            let mut wake = now + HEARTBEAT;
            {
                let mut inner = self.lock();
                for (name, f) in inner.feeds.iter_mut() {
                    if !f.config.enabled || f.running {
                        continue;
                    }
                    if f.next <= now {
                        f.running = true;
                        due.push((name.clone(), f.gen));
                    } else {
                        wake = wake.min(f.next);
                    }
                }
            }
            for (name, gen) in due {
                let me = self.clone();
                let tx = tx.clone();
                let shutdown = shutdown.clone();
                tasks.spawn(async move {
                    tokio::select! {
                        _ = me.poll_feed(&name, &tx, &shutdown) => {}
                        _ = shutdown.cancelled() => {}
                    }
                    me.finish_scheduled(&name, gen);
                });
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep_until(wake) => {}
                _ = self.wake.notified() => {}
            }
        }
        // polls under way see the token at their next await; give them a moment
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        tasks.shutdown().await;
        info!("feed polling stopped");
    }

    /// Poll one feed now, whatever its schedule (its state is updated as for
    /// a scheduled poll). Errors when the feed fails or the batch is not
    /// acknowledged.
    pub async fn poll_once(&self, feed_name: &str, tx: &mpsc::Sender<FeedBatch>) -> Result<()> {
        match self
            .poll_feed(feed_name, tx, &CancellationToken::new())
            .await
        {
            Ok(()) => Ok(()),
            Err(PollError::Feed { message, .. }) => Err(anyhow!("feed {feed_name:?}: {message}")),
            Err(PollError::Interrupted(m)) => Err(anyhow!("feed {feed_name:?}: {m}")),
        }
    }

    /// Where every configured feed stands.
    pub fn status(&self) -> Vec<FeedStatus> {
        let now = Instant::now();
        self.lock()
            .feeds
            .values()
            .map(|f| FeedStatus {
                name: f.config.name.clone(),
                url: f.state.url.clone(),
                enabled: f.config.enabled,
                interval: f.interval,
                next_in: f.next.saturating_duration_since(now),
                polling: f.running,
                failures: f.state.failures,
                last_error: f.state.last_error.clone(),
            })
            .collect()
    }

    /// After a scheduled poll: not running any more, and never due at once
    /// again (a poll that recorded nothing, e.g. interrupted, waits an interval).
    fn finish_scheduled(&self, name: &str, gen: u64) {
        let mut inner = self.lock();
        if let Some(f) = inner.feeds.get_mut(name).filter(|f| f.gen == gen) {
            f.running = false;
            let now = Instant::now();
            if f.next <= now {
                f.next = now + jittered(f.interval);
            }
        }
        drop(inner);
        self.wake.notify_one();
    }

    fn snapshot(&self, name: &str) -> Option<Snapshot> {
        let inner = self.lock();
        let f = inner.feeds.get(name)?;
        Some(Snapshot {
            name: name.to_string(),
            config: f.config.clone(),
            url: f.state.url.clone(),
            etag: f.state.etag.clone(),
            last_modified: f.state.last_modified.clone(),
            gen: f.gen,
            body_digest: f.body_digest,
        })
    }

    async fn poll_feed(
        &self,
        name: &str,
        tx: &mpsc::Sender<FeedBatch>,
        shutdown: &CancellationToken,
    ) -> Result<(), PollError> {
        let lock = {
            let inner = self.lock();
            let f = inner.feeds.get(name).ok_or_else(|| {
                PollError::Interrupted(format!("no feed named {name:?} is configured"))
            })?;
            f.lock.clone()
        };
        let _one_at_a_time = lock.lock().await;
        let snap = self
            .snapshot(name)
            .ok_or_else(|| PollError::Interrupted("feed removed".into()))?;
        let label = Metrics::feed(name);
        self.metrics.polls.get_or_create(&label).inc();
        let result = self.fetch_and_parse(&snap).await;
        let result = match result {
            Ok(None) => {
                self.metrics.not_modified.get_or_create(&label).inc();
                Ok(None)
            }
            Ok(Some(mut changed)) => {
                self.metrics
                    .items
                    .get_or_create(&label)
                    .inc_by(changed.stories.len() as u64);
                self.full_text(&snap, &mut changed.stories, &changed.stored)
                    .await;
                // the pipeline skips what it already stored: hand over only
                // the rest (new items, and items whose text changed), so a
                // feed with nothing new never waits for the pipeline behind
                // another feed's big batch
                let fresh: Vec<Story> = std::mem::take(&mut changed.stories)
                    .into_iter()
                    .zip(&changed.stored)
                    .filter(|(_, stored)| **stored != Stored::Yes)
                    .map(|(story, _)| story)
                    .collect();
                self.hand_over(&snap, fresh, tx, shutdown)
                    .await
                    .map(|()| Some(changed))
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(changed) => {
                self.record_success(&snap, changed).await;
                Ok(())
            }
            Err(PollError::Feed {
                message,
                retry_after,
            }) => {
                self.metrics.poll_errors.get_or_create(&label).inc();
                self.record_failure(&snap, &message, retry_after).await;
                Err(PollError::Feed {
                    message,
                    retry_after,
                })
            }
            Err(e @ PollError::Interrupted(_)) => Err(e),
        }
    }

    /// Fetch (within the host and global limits) and parse. `None`: not modified.
    async fn fetch_and_parse(&self, snap: &Snapshot) -> Result<Option<Changed>, PollError> {
        let outcome = if snap.url.starts_with("file:") {
            self.read_file_feed(&snap.url, snap.last_modified.as_deref())
                .await?
        } else {
            let _permits = self.permits(&snap.url).await;
            // the configuration is trusted; where a public feed redirects is not
            let hops = if url_is_private(&snap.config.url).await {
                Hops::Any
            } else {
                Hops::PublicOnly
            };
            self.fetcher
                .fetch_feed_from(
                    &snap.url,
                    snap.etag.as_deref(),
                    snap.last_modified.as_deref(),
                    hops,
                )
                .await
                .map_err(|e| PollError::Feed {
                    message: e.message,
                    retry_after: e.retry_after,
                })?
        };
        let FetchOutcome::Fetched {
            body,
            etag,
            last_modified,
            charset,
            final_url: _,
            permanent_redirect,
        } = outcome
        else {
            return Ok(None);
        };
        self.metrics
            .bytes
            .get_or_create(&Metrics::feed(&snap.name))
            .inc_by(body.len() as u64);
        let (digest, body) = tokio::task::spawn_blocking(move || {
            use sha2::Digest;
            let d: [u8; 32] = sha2::Sha256::digest(&body).into();
            (d, body)
        })
        .await
        .map_err(|e| PollError::feed(format!("hashing the body: {e}")))?;
        if snap.body_digest == Some(digest) {
            // the very bytes already parsed and stored: nothing new
            return Ok(Some(Changed {
                body_digest: Some(digest),
                stories: Vec::new(),
                stored: Vec::new(),
                etag,
                last_modified,
                moved_to: permanent_redirect,
            }));
        }
        let name = snap.name.clone();
        let language = snap.config.language.clone();
        let store = self.store.clone();
        let parsed = tokio::task::spawn_blocking(move || {
            let parsed = parse_feed(&body, &name, charset.as_deref(), language.as_deref())?;
            // which items the pipeline already has, and which of those
            // changed their text (for the hand-over, full text and
            // `adaptive`); a transaction per chunk: the database is not held
            // for the whole of a 100,000-item feed
            let mut keys = std::collections::HashSet::new();
            let mut fills = Vec::new();
            let stored = parsed
                .stories
                .chunks(1024)
                .map(|chunk| {
                    store.read(|tx| {
                        chunk
                            .iter()
                            .map(|s| {
                                if !keys.insert(s.key.as_str()) {
                                    // a repeat of an item of this document
                                    return Ok(Stored::Yes);
                                }
                                let url = story_url_norm(s);
                                Ok(
                                    match tx.story_known(
                                        &s.key,
                                        url.as_deref(),
                                        &s.feed,
                                        s.fingerprint,
                                    )? {
                                        Known::New => Stored::No,
                                        Known::Changed(_) => Stored::Changed,
                                        Known::Unfingerprinted => {
                                            fills.extend(s.fingerprint.map(|f| (s.key.clone(), f)));
                                            Stored::Yes
                                        }
                                        Known::Stored => Stored::Yes,
                                    },
                                )
                            })
                            .collect::<Result<Vec<Stored>>>()
                    })
                })
                .collect::<Result<Vec<Vec<Stored>>>>()
                .map(|v| v.concat())
                .unwrap_or_else(|_| vec![Stored::No; parsed.stories.len()]);
            // stories stored before fingerprints were kept get this one: a
            // later change of their text is seen
            if !fills.is_empty() {
                if let Err(e) = store.transaction(|tx| {
                    fills
                        .iter()
                        .try_for_each(|(key, f)| tx.fill_fingerprint(key, *f))
                }) {
                    debug!(feed = %name, "keeping the fingerprints of stored stories: {e:#}");
                }
            }
            Ok::<_, anyhow::Error>((parsed, stored))
        })
        .await
        .map_err(|e| PollError::feed(format!("parser crashed: {e}")))?;
        let (parsed, stored) = parsed.map_err(|e| PollError::feed(format!("{e:#}")))?;
        Ok(Some(Changed {
            body_digest: Some(digest),
            stories: parsed.stories,
            stored,
            etag,
            last_modified,
            moved_to: permanent_redirect,
        }))
    }

    /// A `file:` feed (configuration allows them, for local mirrors): the
    /// file's modification time serves as Last-Modified.
    async fn read_file_feed(
        &self,
        url: &str,
        last_modified: Option<&str>,
    ) -> Result<FetchOutcome, PollError> {
        let path = Url::parse(url)
            .ok()
            .and_then(|u| u.to_file_path().ok())
            .ok_or_else(|| PollError::feed(format!("bad file URL {url:?}")))?;
        let meta = tokio::fs::metadata(&path)
            .await
            .map_err(|e| PollError::feed(format!("{}: {e}", path.display())))?;
        let mtime = meta
            .modified()
            .ok()
            .map(|t| chrono::DateTime::<Utc>::from(t).to_rfc2822());
        if mtime.is_some() && mtime.as_deref() == last_modified {
            return Ok(FetchOutcome::NotModified);
        }
        let max = self.max_body_size();
        if meta.len() > max {
            return Err(PollError::feed(format!(
                "body too large ({} bytes, limit {max})",
                meta.len()
            )));
        }
        let body = tokio::fs::read(&path)
            .await
            .map_err(|e| PollError::feed(format!("{}: {e}", path.display())))?;
        Ok(FetchOutcome::Fetched {
            body,
            etag: None,
            last_modified: mtime,
            charset: None,
            final_url: url.to_string(),
            permanent_redirect: None,
        })
    }

    fn max_body_size(&self) -> u64 {
        self.fetcher.max_body_size()
    }

    /// Replace teasers by the article's main text, as the feed asks. Only for
    /// items the pipeline has not stored yet (or whose text changed); a page
    /// that fails keeps the teaser.
    async fn full_text(&self, snap: &Snapshot, stories: &mut [Story], stored: &[Stored]) {
        let mode = snap.config.fetch_full_text;
        if mode == FullText::Never {
            return;
        }
        let wanted: Vec<(usize, String)> = stories
            .iter()
            .enumerate()
            .filter(|(i, s)| {
                stored.get(*i).is_none_or(|s| *s != Stored::Yes)
                    && (mode == FullText::Always || s.text.chars().count() < TEASER_CHARS)
            })
            .filter_map(|(i, s)| {
                let u = s.url.as_deref()?;
                let parsed = Url::parse(u).ok()?;
                matches!(parsed.scheme(), "http" | "https").then(|| (i, u.to_string()))
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        if wanted.len() > MAX_PAGES_PER_POLL {
            debug!(feed = %snap.name, pages = wanted.len(), max = MAX_PAGES_PER_POLL, "too many article pages for one poll; the rest keep their teasers");
        }
        // a feed that is itself on a private network may link to pages there
        let allow_private = url_is_private(&snap.url).await;
        let pages: Vec<(usize, Result<String, String>)> =
            futures::stream::iter(wanted.into_iter().take(MAX_PAGES_PER_POLL))
                .map(|(i, url)| async move { (i, self.article_text(&url, allow_private).await) })
                .buffer_unordered(PAGE_CONCURRENCY)
                .collect()
                .await;
        for (i, page) in pages {
            let s = &mut stories[i];
            match page {
                Ok(text) => s.text = merge_text(&s.text, &text),
                Err(e) => {
                    debug!(feed = %snap.name, url = s.url.as_deref().unwrap_or(""), error = %e, "no full text; keeping the feed's text")
                }
            }
        }
    }

    async fn article_text(&self, url: &str, allow_private: bool) -> Result<String, String> {
        let html = {
            let _permits = self.permits(url).await;
            self.fetcher
                .fetch_page(url, allow_private)
                .await
                .map_err(|e| e.message)?
        };
        let u = url.to_string();
        tokio::task::spawn_blocking(move || extract_main_text(&html, &u))
            .await
            .map_err(|e| format!("extractor crashed: {e}"))?
            .ok_or_else(|| "no article text found on the page".to_string())
    }

    /// Send the items to the pipeline and wait for its acknowledgement.
    async fn hand_over(
        &self,
        snap: &Snapshot,
        stories: Vec<Story>,
        tx: &mpsc::Sender<FeedBatch>,
        shutdown: &CancellationToken,
    ) -> Result<(), PollError> {
        if stories.is_empty() {
            return Ok(());
        }
        let (done, acked) = oneshot::channel();
        let batch = FeedBatch {
            feed: snap.name.clone(),
            stories,
            done,
        };
        tokio::select! {
            r = tx.send(batch) => r.map_err(|_| PollError::Interrupted("the pipeline is gone".into()))?,
            _ = shutdown.cancelled() => return Err(PollError::Interrupted("shutting down".into())),
        }
        tokio::select! {
            r = acked => r.map_err(|_| PollError::Interrupted("the pipeline dropped the batch unacknowledged".into())),
            _ = shutdown.cancelled() => Err(PollError::Interrupted("shutting down".into())),
        }
    }

    /// A permit for the URL's host, then a global one.
    async fn permits(&self, url: &str) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let key = Url::parse(url)
            .ok()
            .map(|u| {
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or(""),
                    u.port_or_known_default().unwrap_or(0)
                )
            })
            .unwrap_or_default();
        let host = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        let h = host
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let g = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        (h, g)
    }

    async fn record_success(&self, snap: &Snapshot, changed: Option<Changed>) {
        let now = Utc::now();
        let new_items = changed
            .as_ref()
            .map_or(0, |c| c.stored.iter().filter(|s| **s == Stored::No).count());
        let saved = {
            let mut inner = self.lock();
            let Some(f) = inner
                .feeds
                .get_mut(&snap.name)
                .filter(|f| f.gen == snap.gen)
            else {
                return;
            };
            if f.state.failures > 0 {
                info!(feed = %snap.name, after_failures = f.state.failures, "feed recovered");
            }
            f.state.failures = 0;
            f.state.last_error = None;
            f.state.last_error_at = None;
            f.warned = false;
            f.state.last_success = Some(now);
            if let Some(c) = changed {
                f.body_digest = c.body_digest;
                f.state.etag = c.etag;
                f.state.last_modified = c.last_modified;
                f.state.items_seen += new_items as u64;
                if let Some(to) = c.moved_to.filter(|to| *to != f.state.url) {
                    info!(feed = %snap.name, from = %f.state.url, to = %to, "feed moved permanently; polling the new address");
                    f.state.url = to;
                }
            }
            if f.config.adaptive {
                let (lo, hi) = (
                    f.config.min_interval,
                    f.config.max_interval.max(f.config.min_interval),
                );
                f.interval = if new_items > 0 {
                    f.interval / 2
                } else {
                    f.interval.mul_f64(1.5)
                }
                .clamp(lo, hi);
                f.state.interval_secs = Some(f.interval.as_secs().max(1));
            }
            let delay = jittered(f.interval);
            f.next = Instant::now() + delay;
            f.state.next_poll = Some(now + chrono::Duration::from_std(delay).unwrap_or_default());
            f.state.clone()
        };
        self.metrics
            .last_success
            .get_or_create(&Metrics::feed(&snap.name))
            .set(now.timestamp());
        self.save(saved).await;
        self.wake.notify_one();
    }

    async fn record_failure(&self, snap: &Snapshot, message: &str, retry_after: Option<Duration>) {
        let now = Utc::now();
        let (saved, first, delay) = {
            let mut inner = self.lock();
            let max_backoff = inner.max_backoff;
            let Some(f) = inner
                .feeds
                .get_mut(&snap.name)
                .filter(|f| f.gen == snap.gen)
            else {
                return;
            };
            let first = !f.warned;
            f.warned = true;
            f.state.failures = f.state.failures.saturating_add(1);
            f.state.last_error = Some(message.to_string());
            f.state.last_error_at = Some(now);
            let delay = backoff(f.interval, f.state.failures, max_backoff, retry_after);
            f.next = Instant::now() + delay;
            f.state.next_poll = Some(now + chrono::Duration::from_std(delay).unwrap_or_default());
            (f.state.clone(), first, delay)
        };
        let retry = humantime::format_duration(Duration::from_secs(delay.as_secs().max(1)));
        if first {
            warn!(feed = %snap.name, url = %snap.url, error = %message, failures = saved.failures, retry_in = %retry, "feed poll failed");
        } else {
            debug!(feed = %snap.name, error = %message, failures = saved.failures, retry_in = %retry, "feed still failing");
        }
        self.save(saved).await;
        self.wake.notify_one();
    }

    async fn save(&self, state: FeedState) {
        let store = self.store.clone();
        let name = state.name.clone();
        match tokio::task::spawn_blocking(move || store.save_feed_state(&state)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warn!(feed = %name, "saving feed state: {e:#}"),
            Err(e) => warn!(feed = %name, "saving feed state: {e}"),
        }
    }
}

impl Feed {
    /// A feed as the scheduler first sees it: its stored state when there is
    /// one for the same URL, else a fresh one; first poll soon.
    fn start(
        config: FeedConfig,
        stored: Option<FeedState>,
        now: Instant,
        spread: Duration,
        max_backoff: Duration,
        gen: u64,
    ) -> Feed {
        let fresh = || FeedState {
            name: config.name.clone(),
            url: config.url.clone(),
            ..Default::default()
        };
        let state = match stored {
            // a different stored URL: either the configuration changed or an
            // earlier permanent redirect; start afresh from the configured one
            Some(s) if s.url == config.url => s,
            Some(s) => FeedState {
                items_seen: s.items_seen,
                ..fresh()
            },
            None => fresh(),
        };
        let interval = initial_interval(&config, state.interval_secs);
        let spread = spread.min(interval / 2);
        let soon = now + spread.mul_f64(rand::thread_rng().gen_range(0.0..1.0));
        // keep a stored next poll that is still ahead (a backoff, a Retry-After)
        let next = match state.next_poll.and_then(|t| (t - Utc::now()).to_std().ok()) {
            Some(ahead) if state.failures > 0 => now + ahead.min(max_backoff.max(interval)),
            Some(ahead) => (now + ahead.min(interval)).max(soon),
            None => soon,
        };
        Feed {
            config,
            state,
            interval,
            next,
            running: false,
            gen,
            warned: false,
            lock: Arc::new(tokio::sync::Mutex::new(())),
            body_digest: None,
        }
    }
}

/// Is an http(s) URL's host on a private network, loopback or link-local
/// (after DNS resolution)? Anything else (a file, a bad URL) is not.
async fn url_is_private(url: &str) -> bool {
    match Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => match u.host_str() {
            Some(h) => host_is_private(h).await,
            None => false,
        },
        _ => false,
    }
}

fn initial_interval(config: &FeedConfig, stored_secs: Option<u64>) -> Duration {
    if !config.adaptive {
        return config.interval;
    }
    let hi = config.max_interval.max(config.min_interval);
    stored_secs
        .map(Duration::from_secs)
        .unwrap_or(config.interval)
        .clamp(config.min_interval, hi)
}

fn same_feed(a: &FeedConfig, b: &FeedConfig) -> bool {
    a.url == b.url
        && a.interval == b.interval
        && a.adaptive == b.adaptive
        && a.min_interval == b.min_interval
        && a.max_interval == b.max_interval
        && a.fetch_full_text == b.fetch_full_text
        && a.language == b.language
        && a.enabled == b.enabled
}

fn first_poll_spread(feeds: usize) -> Duration {
    FIRST_POLL_SPREAD_PER_FEED
        .saturating_mul(feeds as u32)
        .min(MAX_FIRST_POLL_SPREAD)
}

/// ±10 %.
fn jittered(d: Duration) -> Duration {
    d.mul_f64(rand::thread_rng().gen_range(0.9..1.1))
}

/// Failures in a row retried soon (a blip: a restart, a timeout) before backing off.
pub const QUICK_RETRIES: u32 = 3;
/// The longest of those quick retries.
pub const QUICK_RETRY_MAX: Duration = Duration::from_secs(120);

/// Delay after the `failures`-th failure in a row: for the first
/// [`QUICK_RETRIES`], 30 s, 1 min, 2 min (never longer than the interval);
/// then the interval doubled per further failure, up to the interval × 8
/// (and `max_backoff`, if shorter, but never under the interval); never
/// before a Retry-After (itself honoured up to `max_backoff`).
pub fn backoff(
    interval: Duration,
    failures: u32,
    max_backoff: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    let cap = interval.saturating_mul(8).min(max_backoff.max(interval));
    let delay = if failures <= QUICK_RETRIES {
        let quick = Duration::from_secs(30).saturating_mul(1u32 << failures.saturating_sub(1));
        jittered(quick.min(interval)).min(QUICK_RETRY_MAX)
    } else {
        let exp = interval.saturating_mul(1u32 << (failures - QUICK_RETRIES).min(20));
        jittered(exp.min(cap)).min(cap)
    };
    match retry_after {
        Some(ra) => delay.max(ra.min(max_backoff.max(interval))),
        None => delay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_retries_soon_three_times_then_doubles_up_to_eight_intervals() {
        let s = Duration::from_secs;
        let i = s(600);
        let six_hours = s(6 * 3600);
        // the first three failures: retried within 2 minutes
        for n in 1..=3 {
            let d = backoff(i, n, six_hours, None);
            assert!(d <= s(120), "failure {n}: {d:?}");
        }
        assert!(backoff(i, 1, six_hours, None) >= s(27));
        assert!(backoff(i, 3, six_hours, None) >= s(108));
        // never longer than the interval
        assert!(backoff(s(20), 3, six_hours, None) <= s(22));
        // then exponential: 2, 4, 8 intervals, and no more
        let d4 = backoff(i, 4, six_hours, None);
        let d5 = backoff(i, 5, six_hours, None);
        assert!(d4 >= s(1080) && d4 <= s(1320), "{d4:?}");
        assert!(d5 >= s(2160) && d5 <= s(2640), "{d5:?}");
        for n in 6..40 {
            assert!(backoff(i, n, six_hours, None) <= s(4800), "failure {n}");
        }
        assert!(backoff(i, 30, six_hours, None) >= s(4320));
        // a shorter max_backoff caps it, never under the interval
        assert!(backoff(i, 30, s(1800), None) <= s(1800));
        assert!(backoff(s(7200), 10, s(3600), None) >= s(6480));
        // Retry-After is honoured up to max_backoff
        assert!(backoff(i, 1, six_hours, Some(s(1000))) >= s(1000));
        assert_eq!(backoff(i, 1, six_hours, Some(s(86400))), six_hours);
    }

    #[test]
    fn adaptive_interval_starts_within_bounds() {
        let mut c: FeedConfig = toml::from_str("url = \"https://a.example/rss\"\nname = \"a\"\nadaptive = true\ninterval = \"10s\"\nmin_interval = \"2m\"\nmax_interval = \"1h\"").unwrap();
        assert_eq!(initial_interval(&c, None), Duration::from_secs(120));
        assert_eq!(initial_interval(&c, Some(900)), Duration::from_secs(900));
        assert_eq!(initial_interval(&c, Some(86400)), Duration::from_secs(3600));
        c.adaptive = false;
        assert_eq!(initial_interval(&c, Some(900)), Duration::from_secs(10));
    }
}
