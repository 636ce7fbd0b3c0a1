//! The daemon: wires the stages together and talks to systemd.
//!
//! ```text
//!  Scheduler ──FeedBatch──▶ pipeline task ──(SQLite tx: story, incident, outbox)──▶ Delivery
//!  (source)    mpsc          (spawn_blocking)                        wake()         (sink)
//! ```
//! The main loop owns the signals (SIGHUP reload, SIGTERM/SIGINT stop) and
//! the systemd watchdog: it pings only while every stage's heartbeat is fresh,
//! so a stuck stage gets the service restarted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use sd_notify::NotifyState;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::{ChannelConfig, Config};
use crate::metrics::{Health, Metrics};
use crate::pipeline::{load_gazetteer, Pipeline, Settings};
use crate::sink::worker::Delivery;
use crate::source::scheduler::Scheduler;
use crate::source::FeedBatch;
use crate::store::{Location, PgSettings, Store};

/// The state database of a configuration.
pub fn db_path(config: &Config) -> PathBuf {
    config.daemon.state_dir.join("sahel-watch.sqlite")
}

/// Stories stored per transaction by the pipeline task: at most this many...
const BATCH_STORIES: usize = 256;
/// ...and no more than fit in this time (the delivery worker waits for the
/// database meanwhile).
const BATCH_TIME: Duration = Duration::from_millis(20);

/// A heartbeat older than this means the stage is stuck.
const STALE_SECS: i64 = 120;

fn notify(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        warn!("cannot notify systemd: {e}");
    }
}

/// Where the state of a configuration is kept: `[store] url` (a PostgreSQL
/// server, with the password read now from `password_env` or
/// `password_file`), else the SQLite database in the state directory.
pub fn store_location(config: &Config) -> Result<Location> {
    let s = &config.store;
    let Some(url) = &s.url else {
        return Ok(Location::Sqlite(db_path(config)));
    };
    let password = match (&s.password_env, &s.password_file) {
        (Some(var), _) => Some(std::env::var(var).map_err(|_| {
            anyhow::anyhow!("store.password_env: environment variable {var} is not set")
        })?),
        (None, Some(p)) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("store.password_file: cannot read {}", p.display()))?
                .trim_end_matches(['\n', '\r'])
                .to_string(),
        ),
        (None, None) => None,
    };
    Ok(Location::Postgres(PgSettings {
        url: url.clone(),
        password,
        ca_file: s.ca_file.clone(),
    }))
}

/// Run until SIGTERM or SIGINT.
pub async fn run(config_path: &Path, state_dir: Option<&Path>) -> Result<()> {
    let config =
        load(config_path, state_dir).map_err(|e| anyhow::anyhow!("refusing to start: {e:#}"))?;
    let location =
        store_location(&config).map_err(|e| anyhow::anyhow!("refusing to start: {e:#}"))?;
    // before the database is opened: a second daemon must not even migrate it
    let lock = crate::statelock::StateLock::acquire(&config.daemon.state_dir)
        .map_err(|e| anyhow::anyhow!("refusing to start: {e:#}"))?;
    let gazetteer = load_gazetteer(&config)?;
    let store = Arc::new(
        Store::open_at(&location).map_err(|e| anyhow::anyhow!("refusing to start: {e:#}"))?,
    );

    let metrics = Metrics::default();
    let health = Arc::new(Health::default());
    health.started.beat();
    preset(&config, &metrics, &health);
    let pipeline = Arc::new(Pipeline::new(
        store.clone(),
        Settings::new(&config, gazetteer.clone(), true),
        metrics.clone(),
    ));
    let delivery = Delivery::new(store.clone(), &config, metrics.clone(), health.clone())?;
    let shutdown = CancellationToken::new();
    let (tx, rx) = mpsc::channel::<FeedBatch>(64);

    let http = if config.daemon.listen.is_empty() {
        None
    } else {
        let listener = tokio::net::TcpListener::bind(&config.daemon.listen)
            .await
            .with_context(|| format!("daemon.listen: cannot listen on {}", config.daemon.listen))?;
        info!(addr = %listener.local_addr()?, "health and metrics endpoint listening");
        let state = crate::http::AppState {
            store: store.clone(),
            metrics: metrics.clone(),
            health: health.clone(),
            web: Arc::new(crate::web::WebSettings::new(&config)),
        };
        let token = shutdown.clone();
        Some(tokio::spawn(crate::http::serve(listener, state, token)))
    };
    // handlers first: a SIGTERM right after READY=1 must stop cleanly
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let watchdog = sd_notify::watchdog_enabled();

    // sharing a PostgreSQL store: wait to be the leader (serving the
    // endpoint read-only meanwhile)
    let leader = match &location {
        Location::Postgres(pg) => {
            health.set_standby(true);
            notify(&[
                NotifyState::Ready,
                NotifyState::Status("standby: another daemon polls and delivers"),
            ]);
            let Some(l) = wait_for_leadership(pg, &mut term, &mut int, watchdog).await else {
                shutdown.cancel();
                if let Some(h) = http {
                    let _ = h.await;
                }
                info!("stopped (standby)");
                drop(lock);
                return Ok(());
            };
            // the match index is loaded fresh from the store now: the leader
            // before wrote incidents that this daemon's index (if one was
            // loaded) does not hold, and PostgreSQL has no `PRAGMA
            // data_version` to tell; only the leader writes, so it stays in
            // step from here on
            store.reset_match_index();
            let released = store.release_claims()?;
            info!(
                store = %location,
                claims_released = released,
                "leadership taken: polling and delivering"
            );
            health.set_standby(false);
            Some(l)
        }
        Location::Sqlite(_) => None,
    };
    import_known(&store, &config, &gazetteer)?;
    // the feeds' poll state as it is now (a standby's would be as old as its wait)
    let scheduler = Scheduler::new(store.clone(), &config, metrics.clone(), health.clone())?;

    let pipe_task = tokio::spawn(pipeline_task(
        pipeline.clone(),
        rx,
        delivery.clone(),
        health.clone(),
        metrics.clone(),
        shutdown.clone(),
    ));
    let delivery_task = tokio::spawn(delivery.clone().run(shutdown.clone()));
    let sched_task = tokio::spawn(scheduler.clone().run(tx, shutdown.clone()));
    // every stage counts as alive at start: /healthz right after READY=1
    // answered 503 until the delivery task had gone round once
    health.pipeline.beat();
    health.poller.beat();
    health.delivery.beat();

    info!(
        feeds = config.feeds.len(),
        watchlists = config.watchlists.len(),
        channels = config.effective_channels().len(),
        state = %location,
        "sahel-watch started"
    );
    notify(&[NotifyState::Ready, NotifyState::Status("polling")]);

    // the first check one period after start, not at once: the stages have
    // not beaten yet ("a stage has stopped beating ... delivery=None" at start)
    let period = watchdog.map(|d| d / 2).unwrap_or(Duration::from_secs(15));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut stuck_logged = false;
    let mut space_low = check_free_space(&config, false);
    let mut damage_check = tokio::time::interval(Duration::from_secs(1));
    let mut damaged = false;
    // the lock checked on a thread of its own (see `Leader::watch`)
    let (lost_tx, mut lost) = tokio::sync::mpsc::unbounded_channel::<String>();
    let leader = leader.map(|l| l.watch(lost_tx)).transpose()?;
    let mut leadership_lost = false;
    loop {
        tokio::select! {
            Some(e) = lost.recv(), if leader.is_some() => {
                error!("leadership lost ({e}): stopping at once, another daemon takes over");
                leadership_lost = true;
                break;
            }
            _ = hup.recv() => {
                let mono = NotifyState::monotonic_usec_now().unwrap_or(NotifyState::MonotonicUsec(0));
                notify(&[NotifyState::Reloading, mono]);
                match reload(config_path, state_dir, &pipeline, &scheduler, &delivery, &store) {
                    Ok(c) => {
                        preset(&c, &metrics, &health);
                        info!(config = %config_path.display(), "configuration reloaded")
                    }
                    Err(e) => error!("configuration not reloaded, keeping the old one: {e:#}"),
                }
                notify(&[NotifyState::Ready]);
            }
            _ = term.recv() => { info!("SIGTERM: stopping"); break; }
            _ = int.recv() => { info!("SIGINT: stopping"); break; }
            _ = damage_check.tick() => {
                if store.is_damaged() {
                    error!(state = %location, "the state database is damaged: stopping; restore it from a backup");
                    damaged = true;
                    break;
                }
            }
            _ = tick.tick() => {
                space_low = check_free_space(&config, space_low);
                let fresh = |h: &crate::metrics::Heartbeat| h.age_secs().is_some_and(|a| a < STALE_SECS);
                let alive = fresh(&health.poller) && fresh(&health.delivery) && fresh(&health.pipeline);
                if alive {
                    stuck_logged = false;
                    if watchdog.is_some() {
                        notify(&[NotifyState::Watchdog]);
                    }
                } else if !stuck_logged {
                    stuck_logged = true;
                    error!(
                        poller = ?health.poller.age_secs(),
                        pipeline = ?health.pipeline.age_secs(),
                        delivery = ?health.delivery.age_secs(),
                        "a stage has stopped beating; withholding the watchdog ping"
                    );
                }
            }
        }
    }
    notify(&[NotifyState::Stopping]);
    shutdown.cancel();
    // leadership lost: another daemon is about to take over, so nothing more
    // may be sent from here; stop at once rather than finish the work queued
    let grace = if leadership_lost {
        Duration::from_millis(500)
    } else {
        config.daemon.shutdown_grace + Duration::from_secs(2)
    };
    let all = async {
        let _ = sched_task.await;
        let _ = pipe_task.await;
        let _ = delivery_task.await;
        if let Some(h) = http {
            let _ = h.await;
        }
    };
    if tokio::time::timeout(grace, all).await.is_err() {
        warn!("stages did not stop within {grace:?}; exiting with work still queued");
    }
    if leadership_lost {
        // the store may be out of reach (a cut network): a query could hang
        info!("stopped");
    } else {
        info!(queued = store.outbox_depth().unwrap_or(0), "stopped");
    }
    if let Some(w) = leader {
        w.stop();
    }
    drop(lock);
    if leadership_lost {
        anyhow::bail!(
            "leadership of the PostgreSQL store lost: exiting to start again as a standby"
        );
    }
    if damaged {
        anyhow::bail!(
            "state database {} is damaged: restore it from a backup",
            db_path(&config).display()
        );
    }
    Ok(())
}

/// Free space (bytes available to this user) on the filesystem of `dir`.
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes into the zeroed struct we own; c is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| (st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// WARN once when the state filesystem gets below `daemon.min_free_space`,
/// INFO when it is back above. Returns whether it is low now.
fn check_free_space(config: &Config, was_low: bool) -> bool {
    let dir = &config.daemon.state_dir;
    let Some(free) = free_space(dir) else {
        return was_low;
    };
    let min = config.daemon.min_free_space;
    let low = free < min;
    if low && !was_low {
        warn!(
            state = %dir.display(),
            free_mb = free / 1_000_000,
            min_free_mb = min / 1_000_000,
            "the state directory's filesystem has less free space than daemon.min_free_space; \
             SQLite's write-ahead log needs headroom: when it runs out, new stories cannot be stored"
        );
    } else if !low && was_low {
        info!(state = %dir.display(), free_mb = free / 1_000_000, "free space on the state filesystem is back");
    }
    low
}

/// Try the leadership lock every [`crate::leader::CHECK_EVERY`] until it is
/// ours (Some) or SIGTERM/SIGINT comes (None); the watchdog is pinged
/// meanwhile, and a lost connection is opened again.
async fn wait_for_leadership(
    pg: &PgSettings,
    term: &mut tokio::signal::unix::Signal,
    int: &mut tokio::signal::unix::Signal,
    watchdog: Option<Duration>,
) -> Option<crate::leader::Leader> {
    let mut leader: Option<crate::leader::Leader> = None;
    let mut said = false;
    let ping = watchdog.map(|d| d / 2).unwrap_or(Duration::from_secs(15));
    let mut ping = tokio::time::interval(ping);
    let mut attempt = tokio::time::interval(crate::leader::CHECK_EVERY);
    loop {
        tokio::select! {
            _ = term.recv() => { info!("SIGTERM: stopping"); return None; }
            _ = int.recv() => { info!("SIGINT: stopping"); return None; }
            _ = ping.tick() => {
                if watchdog.is_some() {
                    notify(&[NotifyState::Watchdog]);
                }
            }
            _ = attempt.tick() => {
                if leader.is_none() {
                    match crate::leader::Leader::connect(pg).await {
                        Ok(l) => leader = Some(l),
                        Err(e) => { warn!("standby: {e:#}"); continue; }
                    }
                }
                let Some(l) = &leader else { continue };
                match l.try_acquire().await {
                    Ok(true) => return leader,
                    Ok(false) => {
                        if !said {
                            info!(store = %pg.display(), "standby: another daemon leads; serving the endpoint read-only");
                            said = true;
                        }
                    }
                    Err(e) => {
                        warn!("standby: the leadership lock cannot be tried: {e:#}");
                        leader = None;
                    }
                }
            }
        }
    }
}

fn import_known(store: &Store, config: &Config, gaz: &sahel_nlp::Gazetteer) -> Result<()> {
    for k in &config.daemon.known_incidents {
        let incidents = crate::known::load(k, gaz)?;
        let n = crate::known::import(store, &incidents)?;
        info!(file = %k.display(), incidents = n, "known incidents imported");
    }
    Ok(())
}

fn load(path: &Path, state_dir: Option<&Path>) -> Result<Config> {
    Ok(Config::load_for(
        path,
        &sahel_nlp::Gazetteer::embedded(),
        state_dir,
    )?)
}

fn reload(
    path: &Path,
    state_dir: Option<&Path>,
    pipeline: &Pipeline,
    scheduler: &Scheduler,
    delivery: &Delivery,
    store: &Store,
) -> Result<Config> {
    let config = load(path, state_dir)?;
    let gazetteer = load_gazetteer(&config)?;
    import_known(store, &config, &gazetteer)?;
    delivery.reload(&config)?;
    pipeline.reload(Settings::new(&config, gazetteer, true));
    scheduler.reload(&config);
    Ok(config)
}

/// Metrics of every feed and channel from start; the feeds `/healthz` watches.
fn preset(config: &Config, metrics: &Metrics, health: &Health) {
    let feeds: Vec<String> = config
        .feeds
        .iter()
        .filter(|f| f.enabled)
        .map(|f| f.name.clone())
        .collect();
    let mut channels = config.effective_channels();
    if !channels
        .iter()
        .any(|c| c == crate::config::IMPLICIT_LOG_CHANNEL)
    {
        channels.push(crate::config::IMPLICIT_LOG_CHANNEL.to_string());
    }
    metrics.preset(&feeds, &channels);
    health.set_feeds(feeds);
}

/// Receive feed batches and run each story through the pipeline.
async fn pipeline_task(
    pipeline: Arc<Pipeline>,
    mut rx: mpsc::Receiver<FeedBatch>,
    delivery: Arc<Delivery>,
    health: Arc<Health>,
    metrics: Metrics,
    shutdown: CancellationToken,
) {
    loop {
        health.pipeline.beat();
        let batch = tokio::select! {
            b = rx.recv() => match b { Some(b) => b, None => break },
            _ = tokio::time::sleep(Duration::from_secs(10)) => continue,
            _ = shutdown.cancelled() => break,
        };
        let p = pipeline.clone();
        let feed = batch.feed.clone();
        let stories = batch.stories;
        let beat = health.clone();
        let stop = shutdown.clone();
        let deliver = delivery.clone();
        let name = feed.clone();
        let result = tokio::task::spawn_blocking(move || {
            // the feed's first successful poll: its state is saved after this batch
            let first_poll = p
                .store()
                .feed_state(&name)
                .ok()
                .flatten()
                .is_none_or(|f| f.last_success.is_none());
            let max_age = p.settings().first_poll_max_age;
            let mut alerts = 0usize;
            let mut held = 0usize;
            // one transaction per chunk (not per story), the heartbeat
            // between chunks: a 100,000-item feed neither takes an fsync per
            // story nor looks like a stuck stage. The stories are classified
            // on a second thread, ahead of the transactions that store them.
            p.prepared_ahead(&stories, Utc::now(), |ahead| {
                let mut rest = &stories[..];
                while !rest.is_empty() {
                    if stop.is_cancelled() {
                        anyhow::bail!("stopping: the rest of the batch is left for the next poll");
                    }
                    let chunk = &rest[..rest.len().min(BATCH_STORIES)];
                    let outcomes = p.process_batch_ahead(
                        ahead,
                        chunk,
                        Utc::now(),
                        BATCH_TIME,
                        first_poll.then_some(max_age),
                    )?;
                    let chunk = &chunk[..outcomes.len()];
                    rest = &rest[outcomes.len()..];
                    let before = alerts;
                    for (s, o) in chunk.iter().zip(outcomes) {
                        alerts += o.alerts.len();
                        if matches!(o.status, crate::pipeline::StoryStatus::HeldBack { .. }) {
                            held += 1;
                        }
                        if !o.alerts.is_empty() {
                            info!(story = %s.title, feed = %s.feed, status = ?o.status, "attack story");
                        }
                    }
                    beat.pipeline.beat();
                    if alerts > before {
                        // committed: no need to wait for the rest of the batch
                        deliver.wake();
                    }
                }
                Ok(())
            })?;
            if first_poll {
                info!(
                    feed = %name,
                    stories = stories.len(),
                    held_back = held,
                    first_poll_max_age = %humantime::format_duration(max_age),
                    "first poll of the feed: {held} older attack stor{} stored without alerts",
                    if held == 1 { "y" } else { "ies" }
                );
            }
            Ok(alerts)
        })
        .await;
        match result {
            Ok(Ok(alerts)) => {
                // the batch is stored: the scheduler may now record the feed's new state
                let _ = batch.done.send(());
                if alerts > 0 {
                    delivery.wake();
                }
            }
            Ok(Err(e)) if shutdown.is_cancelled() => {
                info!(feed = %feed, "{e:#}")
            }
            Ok(Err(e)) => {
                pipeline.store().note_error(&e);
                error!(feed = %feed, "processing failed, the feed will be fetched again: {e:#}")
            }
            Err(e) => error!(feed = %feed, "processing panicked: {e}"),
        }
        metrics
            .queue_depth
            .set(pipeline.store().outbox_depth().unwrap_or(0) as i64);
    }
}

/// `check-config`: what a configuration does, secrets not shown.
pub fn explain(c: &Config) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "configuration OK");
    match &c.store.url {
        Some(u) => {
            let _ = writeln!(
                s,
                "state: PostgreSQL at {u} (shared: one daemon leads, the others stand by)"
            );
        }
        None => {
            let _ = writeln!(s, "state database: {}", db_path(c).display());
        }
    }
    let _ = writeln!(
        s,
        "endpoint: {}",
        if c.daemon.listen.is_empty() {
            "off"
        } else {
            &c.daemon.listen
        }
    );
    let _ = writeln!(
        s,
        "stories older than {} are recorded, not alerted",
        humantime::format_duration(c.daemon.max_story_age)
    );
    let _ = writeln!(s, "\nfeeds ({}):", c.feeds.len());
    for f in &c.feeds {
        let _ = writeln!(
            s,
            "  {:<28} every {}{}{}  {}",
            f.name,
            humantime::format_duration(f.interval),
            if f.adaptive { " (adaptive)" } else { "" },
            if f.enabled { "" } else { " (disabled)" },
            f.url
        );
    }
    let _ = writeln!(s, "\nwatch-lists ({}):", c.watchlists.len());
    if c.watchlists.is_empty() {
        let _ = writeln!(s, "  none: no alert will be sent");
    }
    for w in &c.watchlists {
        for line in explain_watchlist(c, w) {
            let _ = writeln!(s, "{line}");
        }
    }
    let _ = writeln!(s, "\nchannels ({}):", c.channels.len() + 1);
    if c.channel(crate::config::IMPLICIT_LOG_CHANNEL).is_none() {
        let _ = writeln!(
            s,
            "  {:<20} {:<8} writes to the daemon's log (always there)",
            crate::config::IMPLICIT_LOG_CHANNEL,
            "log"
        );
    }
    for ch in &c.channels {
        let detail = match ch {
            ChannelConfig::Webhook(w) => {
                let secret = match (&w.secret_env, &w.secret_file) {
                    (Some(v), _) => format!(
                        ", signed (secret from ${v}{})",
                        if std::env::var_os(v).is_some() {
                            ", set"
                        } else {
                            ", NOT SET"
                        }
                    ),
                    (_, Some(f)) => format!(", signed (secret from file {})", f.display()),
                    _ => String::new(),
                };
                let template = match (&w.template, &w.template_file) {
                    (_, Some(f)) => format!(
                        ", body from template {} ({})",
                        f.display(),
                        w.template_content_type()
                    ),
                    (Some(_), None) => {
                        format!(
                            ", body from an inline template ({})",
                            w.template_content_type()
                        )
                    }
                    _ => String::new(),
                };
                let headers_env = if w.headers_env.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", headers from {}",
                        w.headers_env
                            .iter()
                            .map(|(h, v)| format!("{h}: {}", env_state(v)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                format!(
                    "{:?} to {}{}{}{}",
                    w.format,
                    redact_url(&w.url),
                    secret,
                    template,
                    headers_env
                )
            }
            ChannelConfig::Telegram(t) => format!(
                "Telegram chat {} via {}, bot token from {}",
                t.chat_id,
                redact_url(&t.api_base),
                match (&t.bot_token_env, &t.bot_token_file) {
                    (Some(v), _) => env_state(v),
                    (_, Some(f)) => format!("file {}", f.display()),
                    _ => "nowhere".into(),
                }
            ),
            ChannelConfig::Matrix(m) => format!(
                "Matrix room {} on {}, access token from {}",
                m.room_id,
                redact_url(&m.homeserver),
                match (&m.access_token_env, &m.access_token_file) {
                    (Some(v), _) => env_state(v),
                    (_, Some(f)) => format!("file {}", f.display()),
                    _ => "nowhere".into(),
                }
            ),
            ChannelConfig::Signal(g) => format!(
                "Signal from {} to {} via {}",
                g.number,
                g.recipients.join(", "),
                redact_url(&g.url)
            ),
            ChannelConfig::Email(e) => {
                let pw = match (&e.password_env, &e.password_file) {
                    (Some(v), _) => format!(
                        ", password from ${v}{}",
                        if std::env::var_os(v).is_some() {
                            " (set)"
                        } else {
                            " (NOT SET)"
                        }
                    ),
                    (_, Some(f)) => format!(", password from file {}", f.display()),
                    _ => String::new(),
                };
                format!(
                    "SMTP {}:{} ({:?}) to {}{}",
                    e.smtp_host,
                    e.smtp_port,
                    e.tls,
                    e.to.join(", "),
                    pw
                )
            }
            ChannelConfig::Jsonl(j) => format!("appends to {}", j.path.display()),
            ChannelConfig::Log(_) => "writes to the log".into(),
        };
        let _ = writeln!(s, "  {:<20} {:<8} {}", ch.name(), ch.kind(), detail);
    }
    if !c.sites.is_empty() {
        let _ = writeln!(s, "\nsites ({}):", c.sites.len());
        for site in &c.sites {
            let _ = writeln!(
                s,
                "  {:<20} {:.4},{:.4} within {} km",
                site.name, site.lat, site.lon, site.radius_km
            );
        }
    }
    s
}

/// Every criterion of a watch-list in words: where, what, delivery.
fn explain_watchlist(c: &Config, w: &crate::config::WatchlistConfig) -> Vec<String> {
    let mut out = Vec::new();
    let channels = if w.channels.is_empty() {
        "log (the daemon's log only: no channels given)".to_string()
    } else {
        w.channels
            .iter()
            .map(|ch| {
                if ch == crate::config::IMPLICIT_LOG_CHANNEL && c.channel(ch).is_none() {
                    "log (the daemon's log)".to_string()
                } else {
                    ch.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push(format!("  {} → {}", w.name, channels));
    let mut place = Vec::new();
    if !w.countries.is_empty() {
        place.push(format!("in {}", w.countries.join(", ")));
    }
    if !w.regions.is_empty() {
        place.push(format!("in the region(s) {}", w.regions.join(", ")));
    }
    for p in &w.places {
        let at = match (&p.name, p.lat, p.lon) {
            (_, Some(lat), Some(lon)) => format!("{lat},{lon}"),
            (Some(n), _, _) => n.clone(),
            _ => "?".into(),
        };
        place.push(format!("within {} km of {at}", p.radius_km));
    }
    if place.is_empty() {
        out.push(format!(
            "    where: anywhere in the watched countries ({})",
            c.watched_countries().join(", ")
        ));
    } else {
        out.push(format!("    where (any of): {}", place.join("; ")));
    }
    let mut what = Vec::new();
    if let Some(m) = w.min_killed {
        what.push(format!("at least {m} killed"));
    }
    if !w.attack_types.is_empty() {
        what.push(format!("attack type {}", w.attack_types.join(" or ")));
    }
    if !w.actors.is_empty() {
        what.push(format!("by {}", w.actors.join(" or ")));
    }
    if !w.victims.is_empty() {
        what.push(format!("victims {}", w.victims.join(" or ")));
    }
    if !w.keywords.is_empty() {
        what.push(format!(
            "a story's text says {}",
            w.keywords
                .iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if !w.exclude_keywords.is_empty() {
        what.push(format!(
            "no story says {}",
            w.exclude_keywords
                .iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if !w.languages.is_empty() {
        what.push(format!("a story in {}", w.languages.join(" or ")));
    }
    if what.is_empty() {
        out.push("    what: every attack".to_string());
    } else {
        out.push(format!("    what (all of): {}", what.join("; ")));
    }
    let a = &c.alerts;
    let updates = w.updates.unwrap_or(a.updates);
    out.push(if updates {
        format!(
            "    updates: incident.updated when the toll rises by {} or by {:.0}% since this list was told{}{}",
            a.update_min_killed_increase,
            a.update_min_killed_ratio * 100.0,
            if a.update_on_claim { ", or on a first claim" } else { "" },
            if w.updates.is_some() { "" } else { " ([alerts] updates)" }
        )
    } else {
        format!(
            "    updates: off{}: incident.new only, the first time an incident matches this list",
            if w.updates.is_some() { "" } else { " ([alerts] updates)" }
        )
    });
    match &w.quiet_hours {
        Some(q) => out.push(format!(
            "    quiet hours: {}–{} (UTC{}): alerts are held and sent as one digest when they end",
            q.start,
            q.end,
            q.utc_offset.as_deref().unwrap_or("+00:00")
        )),
        None => out.push("    quiet hours: none".to_string()),
    }
    match w.max_per_hour {
        Some(n) => out.push(format!(
            "    rate: at most {n} alert(s) an hour; the excess is held and sent as one digest on the next hour"
        )),
        None => out.push("    rate: no cap".to_string()),
    }
    out
}

/// Webhook URLs often carry a token in their path (Slack, Discord): show the host only.
/// `$VAR (set)` or `$VAR (NOT SET)`.
fn env_state(var: &str) -> String {
    if std::env::var_os(var).is_some() {
        format!("${var} (set)")
    } else {
        format!("${var} (NOT SET)")
    }
}

fn redact_url(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(p) => format!("{}://{}/…", p.scheme(), p.host_str().unwrap_or("?")),
        Err(_) => "(invalid url)".into(),
    }
}
