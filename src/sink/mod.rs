//! Sinks: deliver alerts from the outbox.
//!
//! The pipeline queues one outbox row per alert and channel in the same
//! transaction as the incident; [`worker::Delivery`] takes the due rows of
//! each channel, hands them to that channel's [`Sink`] and settles them
//! (delivered, retried later, or failed and logged loudly). A sink only
//! sends: it never touches the store.
//!
//! Channels: [`webhook`] (JSON with an optional HMAC signature, Slack,
//! Discord, Teams, ntfy, a body [`template`] for SMS gateways and other
//! HTTP APIs, CAP 1.2), [`email`] (SMTP, text + HTML), [`telegram`] (Bot
//! API), [`matrix`] (client-server API), [`signal`] (signal-cli REST API),
//! [`jsonl`] (one alert per line in a file) and [`log`] (the alert at INFO).
//! [`render`] holds the human renderings they share, with the escaping each
//! format needs: story text is written by outsiders and is never trusted.

mod api;
pub mod email;
pub mod jsonl;
pub mod log;
pub mod matrix;
pub mod render;
pub mod signal;
pub mod telegram;
pub mod template;
pub mod webhook;
pub mod worker;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use futures::future::BoxFuture;

use crate::cap::{CapSettings, RevisionHistory};
use crate::config::{ChannelConfig, Config, IMPLICIT_LOG_CHANNEL};
use crate::model::{Alert, AlertEvent, IncidentView, StoryRef, ALERT_SCHEMA};

/// A failed send: retryable (network, 5xx, 429, SMTP 4xx) or not (4xx other than 408/429, SMTP 5xx permanent).
#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    /// What went wrong, for the log and the outbox row; never holds a secret
    /// (webhook URLs, which often embed tokens, are left out).
    pub message: String,
    /// Worth trying again later.
    pub retryable: bool,
    /// The receiver asked us to wait this long (HTTP `Retry-After`).
    pub retry_after: Option<Duration>,
}

impl SendError {
    pub fn retryable(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            retryable: true,
            retry_after: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            message: message.into(),
            retryable: false,
            retry_after: None,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.retryable {
            f.write_str(" (permanent)")?;
        }
        Ok(())
    }
}

impl std::error::Error for SendError {}

/// One delivery channel.
pub trait Sink: Send + Sync {
    /// The channel's name in the configuration.
    fn name(&self) -> &str;
    /// Deliver `alert` once. `idempotency_key` lets the receiver drop a
    /// repeat (we may send twice when an answer is lost).
    fn send<'a>(
        &'a self,
        alert: &'a Alert,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>>;
}

/// What sinks need besides their own channel's settings.
#[derive(Clone, Default)]
pub struct SinkContext {
    /// `[cap] sender` and `[web] public_url`, for CAP webhooks.
    pub cap: CapSettings,
    /// When each incident revision was made (the store), for CAP `sent` and
    /// `references`; None where there is no store (`test-alert`).
    pub history: Option<Arc<dyn RevisionHistory>>,
}

impl SinkContext {
    pub fn new(config: &Config, history: Option<Arc<dyn RevisionHistory>>) -> SinkContext {
        SinkContext {
            cap: CapSettings::from_config(config),
            history,
        }
    }
}

/// Build one channel's sink, reading its secrets now.
pub fn build_sink(channel: &ChannelConfig, ctx: &SinkContext) -> anyhow::Result<Arc<dyn Sink>> {
    Ok(match channel {
        ChannelConfig::Webhook(c) => Arc::new(webhook::WebhookSink::new(c, ctx)?),
        ChannelConfig::Email(c) => Arc::new(email::EmailSink::new(c)?),
        ChannelConfig::Jsonl(c) => Arc::new(jsonl::JsonlSink::new(c)),
        ChannelConfig::Log(c) => Arc::new(log::LogSink::new(&c.name)),
        ChannelConfig::Telegram(c) => Arc::new(telegram::TelegramSink::new(c)?),
        ChannelConfig::Matrix(c) => Arc::new(matrix::MatrixSink::new(c)?),
        ChannelConfig::Signal(c) => Arc::new(signal::SignalSink::new(c)?),
    })
}

/// Build every configured channel (plus the implicit "log" channel when none is configured: config::IMPLICIT_LOG_CHANNEL). Reads secrets (password_env/password_file, secret_env/secret_file, bot_token_env...) now: a missing variable or unreadable file is an error naming the channel and the variable/file (never the secret value).
pub fn build_sinks(config: &Config) -> anyhow::Result<HashMap<String, Arc<dyn Sink>>> {
    build_sinks_with(config, None)
}

/// [`build_sinks`] with the store's revision history (CAP webhooks' `sent` and `references`).
pub fn build_sinks_with(
    config: &Config,
    history: Option<Arc<dyn RevisionHistory>>,
) -> anyhow::Result<HashMap<String, Arc<dyn Sink>>> {
    let ctx = SinkContext::new(config, history);
    let mut out: HashMap<String, Arc<dyn Sink>> = HashMap::new();
    if config.channel(IMPLICIT_LOG_CHANNEL).is_none() {
        out.insert(
            IMPLICIT_LOG_CHANNEL.to_string(),
            Arc::new(log::LogSink::new(IMPLICIT_LOG_CHANNEL)),
        );
    }
    for c in &config.channels {
        out.insert(c.name().to_string(), build_sink(c, &ctx)?);
    }
    Ok(out)
}

/// Read a secret from an environment variable or a file (trailing newline
/// trimmed). Errors name the channel and the variable or file, never the value.
pub(crate) fn read_secret(
    channel: &str,
    what: &str,
    env: Option<&str>,
    file: Option<&Path>,
) -> anyhow::Result<Option<String>> {
    let value = match (env, file) {
        (Some(var), _) => match std::env::var(var) {
            Ok(v) => v,
            Err(std::env::VarError::NotPresent) => {
                bail!("channel {channel:?}: environment variable {var} (the {what}) is not set")
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                bail!("channel {channel:?}: environment variable {var} (the {what}) is not valid UTF-8")
            }
        },
        (None, Some(path)) => std::fs::read_to_string(path).with_context(|| {
            format!(
                "channel {channel:?}: cannot read the {what} file {}",
                path.display()
            )
        })?,
        (None, None) => return Ok(None),
    };
    let value = value.trim_end_matches(['\n', '\r']).to_string();
    if value.is_empty() {
        let source = env
            .map(|v| format!("environment variable {v}"))
            .or_else(|| file.map(|p| format!("file {}", p.display())))
            .unwrap_or_default();
        bail!("channel {channel:?}: the {what} ({source}) is empty");
    }
    Ok(Some(value))
}

/// A realistic alert (the Teguey ambush of March 2024) for `test-alert`.
pub fn sample_alert() -> Alert {
    use chrono::{NaiveDate, TimeZone, Utc};
    Alert {
        schema: ALERT_SCHEMA.to_string(),
        event: AlertEvent::New,
        incident: IncidentView {
            id: "sample-NE-2024-03-20-teguey".to_string(),
            country: Some("NE".to_string()),
            admin1: Some("Tillaberi".to_string()),
            location: Some("Teguey".to_string()),
            lat: Some(14.1),
            lon: Some(0.9),
            event_date: NaiveDate::from_ymd_opt(2024, 3, 20),
            killed: Some(23),
            wounded: Some(17),
            victims: Some("military".to_string()),
            actors: vec!["Islamic State Sahel Province".to_string()],
            attack_type: Some("ambush".to_string()),
            confidence: 0.93,
            title: Some("23 soldiers killed in ambush near Teguey, Tillaberi region".to_string()),
            summary: Some(
                "Niger's army said 23 soldiers were killed and 17 wounded when their unit was ambushed \
                 near Teguey in the Tillaberi region. Islamic State Sahel Province claimed the attack."
                    .to_string(),
            ),
            near_sites: vec![],
        },
        stories: vec![StoryRef {
            title: "Niger: 23 soldiers killed in ambush in Tillaberi region".to_string(),
            url: Some("https://outlet.example/niger-ambush-tillaberi".to_string()),
            source: "Outlet".to_string(),
            published: Utc.with_ymd_and_hms(2024, 3, 21, 9, 30, 0).single(),
        }],
        watchlists: vec!["default".to_string()],
        revision: 1,
        changes: vec![],
    }
}

/// Send a sample alert to one channel now (not through the outbox), to check
/// a channel's settings. The sample is marked as a test and gets a fresh
/// incident id, so receivers that drop repeats still show it.
pub async fn send_test_alert(config: &Config, channel: &str) -> anyhow::Result<()> {
    let sink: Arc<dyn Sink> = match config.channel(channel) {
        Some(c) => build_sink(c, &SinkContext::new(config, None))?,
        None if channel == IMPLICIT_LOG_CHANNEL => {
            Arc::new(log::LogSink::new(IMPLICIT_LOG_CHANNEL))
        }
        None => {
            let known = config.effective_channels().join(", ");
            bail!("no channel named {channel:?} is configured (channels: {known})");
        }
    };
    let mut alert = sample_alert();
    alert.event = AlertEvent::Test;
    alert.incident.id = format!("test-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    alert.incident.title = alert.incident.title.map(|t| format!("sample data: {t}"));
    alert.incident.summary = alert
        .incident
        .summary
        .map(|s| format!("This is a test of the sahel-watch channel {channel:?}; the incident below is sample data. {s}"));
    let key = alert.idempotency_key();
    match tokio::time::timeout(worker::SEND_LIMIT, sink.send(&alert, &key)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(anyhow!("channel {channel:?}: {e}")),
        Err(_) => Err(anyhow!(
            "channel {channel:?}: no answer within {:?}",
            worker::SEND_LIMIT
        )),
    }
}

/// The error and its causes on one line (reqwest and lettre put the useful
/// part in the sources).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}
