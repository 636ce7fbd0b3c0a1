//! The delivery worker: takes due outbox rows and settles them.
//!
//! # Outbox semantics
//! The pipeline writes one row per alert and channel (payload = the alert
//! JSON, `idem_key` = [`Alert::idempotency_key`]) in the same transaction as
//! the incident, so an alert is never lost between the stages; the rows live
//! in the state database, so a restart resumes where delivery stopped.
//!
//! - One task per channel: a slow or broken channel never delays another.
//! - Rows are taken oldest first. A row is marked delivered only after its
//!   sink said so. An answer lost after the receiver got the alert means a
//!   resend: receivers drop repeats by the idempotency key.
//! - A retryable error (network, timeout, HTTP 5xx/408/429, SMTP 4xx) marks
//!   the row for a retry after `alerts.retry_delay`, doubling with each
//!   attempt up to `alerts.max_retry_delay`, ±10 % jitter, and never before
//!   the receiver's `Retry-After` (capped at a day). The store keeps whole
//!   seconds, so retry times are rounded up to the next second. While a
//!   channel waits for a retry, its other rows wait too (oldest first; the
//!   channel is failing).
//! - A permanent error (HTTP 4xx, SMTP 5xx), or a retryable one when the row
//!   is older than `alerts.give_up_after`, marks the row failed and logs an
//!   ERROR naming the channel, the incident and the reason. Every row gets
//!   at least one attempt, however old.
//! - A channel's state changes (working → failing → recovered) are logged
//!   once each, not at every attempt.
//! - On shutdown no new send starts; sends under way may finish within
//!   `daemon.shutdown_grace`, and are otherwise abandoned with their rows
//!   left queued (sent again after the restart).
//!
//! # Digests
//! Rows with status `held` and a `digest_group` (a watch-list held them for
//! quiet hours or a rate cap) wait until their `next_attempt`. When due, all
//! the due held rows of the same channel and group become ONE message: a
//! [`digest_alert`] with event `digest`, incident id
//! `digest:<group>:<first row id>`, title "N incidents during quiet hours",
//! a summary listing each alert's headline (one `- ` line each) and the union
//! of their stories. On success all those rows are marked delivered; on
//! failure they are retried together. A group of one due row is sent as
//! that row's own alert (it says more than a digest of one).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{build_sinks_with, render, SendError, Sink};
use crate::config::Config;
use crate::metrics::{Health, Metrics};
use crate::model::{Alert, AlertEvent, IncidentView, StoryRef, ALERT_SCHEMA};
use crate::store::{OutboxRow, OutboxStatus, Store};

/// Longest a single send may take, whatever the sink's own timeouts.
pub const SEND_LIMIT: Duration = Duration::from_secs(300);
/// Longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);
/// Rows read from the store at once.
const BATCH: usize = 100;
/// Due rows scanned to gather one digest group.
const GROUP_LIMIT: usize = 10_000;
/// Longest sleep of an idle channel task (the heartbeat's period).
const IDLE: Duration = Duration::from_secs(15);

struct Settings {
    sinks: HashMap<String, Arc<dyn Sink>>,
    retry_delay: Duration,
    max_retry_delay: Duration,
    give_up_after: Duration,
    shutdown_grace: Duration,
}

impl Settings {
    fn from_config(config: &Config, store: &Arc<Store>) -> anyhow::Result<Settings> {
        let history: Arc<dyn crate::cap::RevisionHistory> = store.clone();
        Ok(Settings {
            sinks: build_sinks_with(config, Some(history))?,
            retry_delay: config.alerts.retry_delay,
            max_retry_delay: config.alerts.max_retry_delay,
            give_up_after: config.alerts.give_up_after,
            shutdown_grace: config.daemon.shutdown_grace,
        })
    }
}

/// One channel's task state.
struct Channel {
    name: String,
    wake: Notify,
    state: tokio::sync::Mutex<ChannelState>,
}

#[derive(Default)]
struct ChannelState {
    /// A retry is pending: no row of this channel is tried before then.
    blocked_until: Option<DateTime<Utc>>,
    failing: Option<Failing>,
    /// Rows the channel accepted whose delivery the store could not record
    /// (disk full): recorded before anything else is tried, never sent again.
    unrecorded: Vec<i64>,
}

struct Failing {
    since: DateTime<Utc>,
    errors: u64,
}

impl ChannelState {
    fn failed(&mut self, channel: &str, e: &SendError) {
        match &mut self.failing {
            Some(f) => f.errors += 1,
            None => {
                tracing::warn!(channel, error = %e.message, "delivery channel {channel:?} is failing; its alerts stay queued and are retried");
                self.failing = Some(Failing {
                    since: Utc::now(),
                    errors: 1,
                });
            }
        }
    }

    fn worked(&mut self, channel: &str) {
        if let Some(f) = self.failing.take() {
            let down = (Utc::now() - f.since).to_std().unwrap_or_default();
            tracing::info!(
                channel,
                failed_attempts = f.errors,
                "delivery channel {channel:?} recovered after {}",
                humantime::format_duration(Duration::from_secs(down.as_secs()))
            );
        }
    }
}

enum Outcome {
    /// Rows settled (delivered or failed); go on with the next row.
    Settled(usize),
    /// Rows settled or put back for a retry; the channel waits: stop this turn.
    Stop(usize),
    /// Shutdown overtook the send; rows left as they were.
    Abandoned,
}

/// The delivery stage. See the module documentation.
pub struct Delivery {
    store: Arc<Store>,
    metrics: Metrics,
    health: Arc<Health>,
    settings: RwLock<Arc<Settings>>,
    channels: Mutex<HashMap<String, Arc<Channel>>>,
    reloaded: Notify,
}

impl Delivery {
    pub fn new(
        store: Arc<Store>,
        config: &Config,
        metrics: Metrics,
        health: Arc<Health>,
    ) -> anyhow::Result<Arc<Delivery>> {
        let settings = Settings::from_config(config, &store)?;
        let d = Arc::new(Delivery {
            store,
            metrics,
            health,
            settings: RwLock::new(Arc::new(settings)),
            channels: Mutex::new(HashMap::new()),
            reloaded: Notify::new(),
        });
        d.warn_orphans();
        d.update_depth();
        Ok(d)
    }

    /// New rows were queued: every channel looks for due rows now.
    pub fn wake(&self) {
        for ch in self
            .channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            ch.wake.notify_one();
        }
    }

    /// SIGHUP: swap sinks and settings. Queued rows are untouched; on an
    /// error (a secret missing...) the old settings stay.
    pub fn reload(&self, config: &Config) -> anyhow::Result<()> {
        let new = Settings::from_config(config, &self.store)
            .context("delivery settings not reloaded; the previous ones stay")?;
        let count = new.sinks.len();
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(new);
        tracing::info!(channels = count, "delivery settings reloaded");
        self.warn_orphans();
        self.reloaded.notify_one();
        self.wake();
        Ok(())
    }

    /// Deliver until `shutdown` is cancelled; then let sends under way finish
    /// within `daemon.shutdown_grace` and return, leaving the rest queued.
    pub async fn run(self: Arc<Self>, shutdown: tokio_util::sync::CancellationToken) {
        let mut tasks: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
        loop {
            let names: Vec<String> = self.settings().sinks.keys().cloned().collect();
            for name in names {
                #[allow(clippy::unnecessary_map_or)] // Option::is_none_or needs Rust 1.82
                if tasks.get(&name).map_or(true, |h| h.is_finished()) {
                    let ch = self.channel(&name);
                    tasks.insert(
                        name,
                        tokio::spawn(self.clone().channel_loop(ch, shutdown.clone())),
                    );
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.reloaded.notified() => {}
            }
        }
        let deadline = tokio::time::Instant::now()
            + self.settings().shutdown_grace
            + Duration::from_millis(500);
        for (name, mut h) in tasks {
            if tokio::time::timeout_at(deadline, &mut h).await.is_err() {
                h.abort();
                tracing::warn!(channel = %name, "delivery task did not stop within the shutdown grace; aborted");
            }
        }
        self.update_depth();
        tracing::info!("delivery stopped; undelivered alerts stay queued");
    }

    /// Deliver everything due now, once, on every channel (for tests and
    /// tools). Returns the rows settled (delivered or failed).
    pub async fn drain_once(&self) -> anyhow::Result<usize> {
        let names: Vec<String> = self.settings().sinks.keys().cloned().collect();
        let turns = names.iter().map(|n| {
            let ch = self.channel(n);
            async move { self.process_channel(&ch, None).await }
        });
        let results = futures::future::join_all(turns).await;
        self.health.delivery.beat();
        self.update_depth();
        let mut total = 0;
        for r in results {
            total += r?;
        }
        Ok(total)
    }

    fn settings(&self) -> Arc<Settings> {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn channel(&self, name: &str) -> Arc<Channel> {
        self.channels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(Channel {
                    name: name.to_string(),
                    wake: Notify::new(),
                    state: Default::default(),
                })
            })
            .clone()
    }

    fn update_depth(&self) {
        if let Ok(n) = self.store.outbox_depth() {
            self.metrics.queue_depth.set(n as i64);
        }
    }

    /// Rows queued for channels that are not configured stay queued: say so.
    fn warn_orphans(&self) {
        let settings = self.settings();
        let Ok(counts) = self.store.outbox_counts() else {
            return;
        };
        let mut orphans: HashMap<String, u64> = HashMap::new();
        for (channel, status, n) in counts {
            if (status == "pending" || status == "held") && !settings.sinks.contains_key(&channel) {
                *orphans.entry(channel).or_default() += n;
            }
        }
        for (channel, n) in orphans {
            tracing::warn!(
                channel = %channel,
                queued = n,
                "{n} alerts are queued for channel {channel:?}, which is not configured: they stay queued until it is configured again"
            );
        }
    }

    async fn channel_loop(self: Arc<Self>, ch: Arc<Channel>, shutdown: CancellationToken) {
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let wait = match self.process_channel(&ch, Some(&shutdown)).await {
                Ok(_) => self.next_wait(&ch).await,
                Err(e) => {
                    self.store.note_error(&e);
                    tracing::error!(channel = %ch.name, error = %format!("{e:#}"), "delivery: state database error; trying again shortly");
                    Duration::from_secs(1)
                }
            };
            self.health.delivery.beat();
            self.update_depth();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ch.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// How long the channel task may sleep: until its next row is due (or
    /// its retry wait ends), at most [`IDLE`].
    async fn next_wait(&self, ch: &Channel) -> Duration {
        if !self.settings().sinks.contains_key(&ch.name) {
            return IDLE;
        }
        let blocked = ch.state.lock().await.blocked_until;
        let next = match self.store.next_due(&ch.name) {
            Ok(n) => n,
            Err(e) => {
                self.store.note_error(&e);
                tracing::error!(channel = %ch.name, error = %format!("{e:#}"), "delivery: state database error");
                return Duration::from_secs(1);
            }
        };
        let target = match (next, blocked) {
            (None, _) => return IDLE,
            (Some(n), Some(b)) => n.max(b),
            (Some(n), None) => n,
        };
        (target - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(Duration::from_millis(10), IDLE)
    }

    /// One turn of one channel: deliver its due rows, oldest first, until
    /// none is left or the channel has to wait for a retry.
    async fn process_channel(
        &self,
        ch: &Channel,
        shutdown: Option<&CancellationToken>,
    ) -> anyhow::Result<usize> {
        let mut st = ch.state.lock().await;
        let settings = self.settings();
        let Some(sink) = settings.sinks.get(&ch.name).cloned() else {
            return Ok(0);
        };
        let mut settled = 0;
        if !st.unrecorded.is_empty() {
            self.store.mark_delivered(&st.unrecorded, Utc::now())?;
            tracing::info!(channel = %ch.name, rows = st.unrecorded.len(), "deliveries recorded now that the state database accepts writes again");
            settled += st.unrecorded.len();
            st.unrecorded.clear();
        }
        loop {
            let now = Utc::now();
            if let Some(b) = st.blocked_until {
                if b > now {
                    break;
                }
                st.blocked_until = None;
            }
            let rows = self.store.due_outbox(&ch.name, now, BATCH)?;
            if rows.is_empty() {
                break;
            }
            let full = rows.len() == BATCH;
            let mut groups_done: HashSet<String> = HashSet::new();
            let mut stop = false;
            for row in rows {
                if shutdown.is_some_and(|s| s.is_cancelled()) {
                    stop = true;
                    break;
                }
                let outcome = match (row.status, row.digest_group.clone()) {
                    (OutboxStatus::Held, Some(group)) => {
                        if !groups_done.insert(group.clone()) {
                            continue;
                        }
                        let group_rows = self.due_held_group(&ch.name, &group, now)?;
                        let group_rows = if group_rows.is_empty() {
                            vec![row]
                        } else {
                            group_rows
                        };
                        self.deliver_group(&mut st, &settings, &sink, &group, group_rows, shutdown)
                            .await?
                    }
                    _ => {
                        self.deliver_row(&mut st, &settings, &sink, row, shutdown)
                            .await?
                    }
                };
                match outcome {
                    Outcome::Settled(n) => settled += n,
                    Outcome::Stop(n) => {
                        settled += n;
                        stop = true;
                        break;
                    }
                    Outcome::Abandoned => {
                        stop = true;
                        break;
                    }
                }
            }
            if stop || !full {
                break;
            }
        }
        Ok(settled)
    }

    async fn deliver_row(
        &self,
        st: &mut ChannelState,
        settings: &Settings,
        sink: &Arc<dyn Sink>,
        row: OutboxRow,
        shutdown: Option<&CancellationToken>,
    ) -> anyhow::Result<Outcome> {
        let alert = match parse_payload(&row) {
            Ok(a) => a,
            Err(reason) => {
                self.fail_rows(std::slice::from_ref(&row), None, &reason)?;
                return Ok(Outcome::Settled(1));
            }
        };
        self.attempt(
            st,
            settings,
            sink,
            std::slice::from_ref(&row),
            &alert,
            &row.idem_key,
            shutdown,
        )
        .await
    }

    async fn deliver_group(
        &self,
        st: &mut ChannelState,
        settings: &Settings,
        sink: &Arc<dyn Sink>,
        group: &str,
        rows: Vec<OutboxRow>,
        shutdown: Option<&CancellationToken>,
    ) -> anyhow::Result<Outcome> {
        let mut good = Vec::new();
        let mut alerts = Vec::new();
        let mut settled = 0;
        for row in rows {
            match parse_payload(&row) {
                Ok(a) => {
                    alerts.push(a);
                    good.push(row);
                }
                Err(reason) => {
                    self.fail_rows(std::slice::from_ref(&row), None, &reason)?;
                    settled += 1;
                }
            }
        }
        let outcome = match good.len() {
            0 => return Ok(Outcome::Settled(settled)),
            1 => {
                let key = good[0].idem_key.clone();
                self.attempt(st, settings, sink, &good, &alerts[0], &key, shutdown)
                    .await?
            }
            _ => {
                let digest = digest_alert(group, good[0].id, &alerts);
                let key = digest.idempotency_key();
                self.attempt(st, settings, sink, &good, &digest, &key, shutdown)
                    .await?
            }
        };
        Ok(match outcome {
            Outcome::Settled(n) => Outcome::Settled(n + settled),
            Outcome::Stop(n) => Outcome::Stop(n + settled),
            Outcome::Abandoned if settled > 0 => Outcome::Stop(settled),
            Outcome::Abandoned => Outcome::Abandoned,
        })
    }

    /// Send `alert` for `rows` (one row, or the rows of a digest) and settle them.
    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        st: &mut ChannelState,
        settings: &Settings,
        sink: &Arc<dyn Sink>,
        rows: &[OutboxRow],
        alert: &Alert,
        key: &str,
        shutdown: Option<&CancellationToken>,
    ) -> anyhow::Result<Outcome> {
        let channel = rows[0].channel.as_str();
        let send = async {
            match tokio::time::timeout(SEND_LIMIT, sink.send(alert, key)).await {
                Ok(r) => r,
                Err(_) => Err(SendError::retryable(format!(
                    "no answer within {SEND_LIMIT:?}"
                ))),
            }
        };
        let result = match shutdown {
            None => send.await,
            Some(token) => {
                let grace = settings.shutdown_grace;
                tokio::select! {
                    r = send => r,
                    _ = async { token.cancelled().await; tokio::time::sleep(grace).await } => {
                        tracing::warn!(
                            channel,
                            incident = %incident_ids(rows),
                            "shutdown: a delivery under way did not finish within the grace period; it stays queued and is sent again after the restart"
                        );
                        return Ok(Outcome::Abandoned);
                    }
                }
            }
        };
        let label = crate::metrics::Metrics::channel(channel);
        match result {
            Ok(()) => {
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                self.metrics
                    .alerts_sent
                    .get_or_create(&label)
                    .inc_by(rows.len() as u64);
                st.worked(channel);
                if let Err(e) = self.store.mark_delivered(&ids, Utc::now()) {
                    // sent but not recorded: sending again every second until
                    // the disk has room would flood the receiver
                    st.unrecorded.extend(ids);
                    tracing::error!(channel, incident = %incident_ids(rows), idempotency_key = key, "alert delivered, but the state database cannot record it ({e:#}); it is not sent again and is recorded once the database accepts writes");
                    return Err(e);
                }
                tracing::debug!(channel, incident = %incident_ids(rows), idempotency_key = key, "alert delivered");
                Ok(Outcome::Settled(rows.len()))
            }
            Err(e) => {
                self.metrics.delivery_errors.get_or_create(&label).inc();
                let now = Utc::now();
                let attempts = rows.iter().map(|r| r.attempts).max().unwrap_or(0);
                let delay = backoff(
                    settings.retry_delay,
                    settings.max_retry_delay,
                    attempts,
                    e.retry_after,
                );
                let next = ceil_to_second(
                    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
                );
                let oldest = rows.iter().map(|r| r.created_at).min().unwrap_or(now);
                let age = (now - oldest).to_std().unwrap_or_default();
                if e.retryable {
                    st.failed(channel, &e);
                    st.blocked_until = Some(next);
                }
                if !e.retryable {
                    self.fail_rows(rows, Some(alert), &e.message)?;
                    Ok(Outcome::Settled(rows.len()))
                } else if age >= settings.give_up_after {
                    let reason = format!(
                        "{} (still failing {} after the alert was queued; give_up_after = {})",
                        e.message,
                        humantime::format_duration(Duration::from_secs(age.as_secs())),
                        humantime::format_duration(settings.give_up_after)
                    );
                    self.fail_rows(rows, Some(alert), &reason)?;
                    Ok(Outcome::Stop(rows.len()))
                } else {
                    for r in rows {
                        self.store.mark_retry(r.id, next, &e.message)?;
                    }
                    tracing::debug!(channel, incident = %incident_ids(rows), error = %e.message, retry_at = %next, "delivery failed; retry scheduled");
                    Ok(Outcome::Stop(0))
                }
            }
        }
    }

    /// The held rows of `channel` in `group` due at `now`, oldest first.
    fn due_held_group(
        &self,
        channel: &str,
        group: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<OutboxRow>> {
        Ok(self
            .store
            .due_outbox(channel, now, GROUP_LIMIT)?
            .into_iter()
            .filter(|r| r.status == OutboxStatus::Held && r.digest_group.as_deref() == Some(group))
            .collect())
    }

    /// Mark rows failed and say so loudly.
    fn fail_rows(
        &self,
        rows: &[OutboxRow],
        alert: Option<&Alert>,
        reason: &str,
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        for r in rows {
            self.store.mark_failed(r.id, now, reason)?;
        }
        let channel = rows.first().map(|r| r.channel.as_str()).unwrap_or_default();
        self.metrics
            .alerts_failed
            .get_or_create(&crate::metrics::Metrics::channel(channel))
            .inc_by(rows.len() as u64);
        let what = alert
            .map(render::subject)
            .unwrap_or_else(|| "an alert".to_string());
        tracing::error!(
            channel,
            incident = %incident_ids(rows),
            idempotency_key = %rows.iter().map(|r| r.idem_key.as_str()).collect::<Vec<_>>().join(", "),
            attempts = rows.iter().map(|r| r.attempts + 1).max().unwrap_or(1),
            reason,
            "ALERT NOT DELIVERED: channel {channel:?} gave up on \"{what}\": {reason}"
        );
        Ok(())
    }
}

fn parse_payload(row: &OutboxRow) -> Result<Alert, String> {
    serde_json::from_str::<Alert>(&row.payload)
        .map_err(|e| format!("the queued payload is not a sahel-watch.alert/1 object: {e}"))
}

fn incident_ids(rows: &[OutboxRow]) -> String {
    let mut ids: Vec<&str> = rows.iter().map(|r| r.incident_id.as_str()).collect();
    ids.dedup();
    ids.join(", ")
}

/// `retry_delay × 2^attempts`, at most `max_retry_delay`, ±10 % jitter, and
/// not before `retry_after` (capped at [`MAX_RETRY_AFTER`]).
pub fn backoff(
    retry_delay: Duration,
    max_retry_delay: Duration,
    attempts: u32,
    retry_after: Option<Duration>,
) -> Duration {
    let factor = 2u32.saturating_pow(attempts.min(31));
    let d = retry_delay
        .saturating_mul(factor)
        .min(max_retry_delay.max(retry_delay));
    let d = d.mul_f64(rand::thread_rng().gen_range(0.9..=1.1));
    match retry_after {
        Some(ra) => d.max(ra.min(MAX_RETRY_AFTER)),
        None => d,
    }
}

fn ceil_to_second(t: DateTime<Utc>) -> DateTime<Utc> {
    if t.timestamp_subsec_nanos() == 0 {
        t
    } else {
        DateTime::from_timestamp(t.timestamp() + 1, 0).unwrap_or(t)
    }
}

/// The one digest message for the held `alerts` of `group` (see the module
/// documentation): event `digest`, incident id `digest:<group>:<first row
/// id>`, title "N incidents during quiet hours", a summary with one
/// `- <headline>` line per alert, the union of their stories and watch-lists;
/// the country when they all share it.
pub fn digest_alert(group: &str, first_row_id: i64, alerts: &[Alert]) -> Alert {
    let n = alerts.len();
    let mut countries: Vec<&str> = alerts
        .iter()
        .filter_map(|a| a.incident.country.as_deref())
        .collect();
    countries.sort_unstable();
    countries.dedup();
    let country = match (
        countries.as_slice(),
        alerts.iter().all(|a| a.incident.country.is_some()),
    ) {
        ([one], true) => Some(one.to_string()),
        _ => None,
    };
    let summary = alerts
        .iter()
        .map(|a| format!("- {}", render::one_line(&a.headline())))
        .collect::<Vec<_>>()
        .join("\n");
    let mut stories: Vec<StoryRef> = Vec::new();
    let mut seen = HashSet::new();
    for s in alerts.iter().flat_map(|a| a.stories.iter()) {
        let k = s
            .url
            .clone()
            .unwrap_or_else(|| format!("{}\u{0}{}", s.source, s.title));
        if seen.insert(k) {
            stories.push(s.clone());
        }
    }
    let mut watchlists: Vec<String> = vec![group.to_string()];
    for w in alerts.iter().flat_map(|a| a.watchlists.iter()) {
        if !watchlists.contains(w) {
            watchlists.push(w.clone());
        }
    }
    let confidence = alerts
        .iter()
        .map(|a| a.incident.confidence)
        .fold(f32::INFINITY, f32::min);
    Alert {
        schema: ALERT_SCHEMA.to_string(),
        event: AlertEvent::Digest,
        incident: IncidentView {
            id: format!("digest:{group}:{first_row_id}"),
            country,
            admin1: None,
            location: None,
            lat: None,
            lon: None,
            event_date: None,
            killed: None,
            wounded: None,
            victims: None,
            actors: vec![],
            attack_type: None,
            confidence: if confidence.is_finite() {
                confidence
            } else {
                0.0
            },
            title: Some(format!("{n} incidents during quiet hours")),
            summary: Some(summary),
            near_sites: vec![],
        },
        stories,
        watchlists,
        revision: 1,
        changes: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_honours_retry_after() {
        let s = Duration::from_secs;
        for (attempts, want) in [(0, 10), (1, 20), (2, 40), (3, 60), (40, 60)] {
            let d = backoff(s(10), s(60), attempts, None);
            let lo = s(want).mul_f64(0.9);
            let hi = s(want).mul_f64(1.1);
            assert!(d >= lo && d <= hi, "attempts {attempts}: {d:?}");
        }
        assert!(backoff(s(10), s(60), 0, Some(s(120))) >= s(120));
        assert!(backoff(s(10), s(60), 0, Some(s(10 * 86_400))) <= s(86_400));
    }

    #[test]
    fn ceil_rounds_up_to_whole_seconds() {
        let t = DateTime::from_timestamp(100, 1).unwrap();
        assert_eq!(ceil_to_second(t).timestamp(), 101);
        let t = DateTime::from_timestamp(100, 0).unwrap();
        assert_eq!(ceil_to_second(t).timestamp(), 100);
    }

    #[test]
    fn digest_lists_headlines_and_unites_stories() {
        let a = crate::sink::sample_alert();
        let mut b = crate::sink::sample_alert();
        b.incident.id = "other".into();
        b.incident.location = Some("Kandadji".into());
        b.stories[0].url = Some("https://outlet.example/kandadji".into());
        let d = digest_alert("night", 7, &[a.clone(), b]);
        assert_eq!(d.event, AlertEvent::Digest);
        assert_eq!(d.incident.id, "digest:night:7");
        assert_eq!(
            d.incident.title.as_deref(),
            Some("2 incidents during quiet hours")
        );
        assert_eq!(d.incident.country.as_deref(), Some("NE"));
        let s = d.incident.summary.clone().unwrap();
        assert_eq!(s.lines().count(), 2, "{s}");
        assert!(s.contains("Kandadji"), "{s}");
        assert_eq!(d.stories.len(), 2);
        assert_eq!(d.idempotency_key(), "digest:night:7:digest:1");
    }
}
