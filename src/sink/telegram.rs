//! Telegram: a bot posts each alert to one chat with the Bot API's
//! `sendMessage` (`POST {api_base}/bot{token}/sendMessage`, JSON): `chat_id`,
//! `text` in Telegram's HTML subset ([`render::chat_html`]: every outside
//! string escaped, mentions broken, links only from `http(s)` URLs, at most
//! 4096 characters), `parse_mode = "HTML"` and `disable_web_page_preview`.
//!
//! The token comes from `bot_token_env` or `bot_token_file` and is part of
//! the request's path: it never appears in an error, a log line or the
//! sink's `Debug` (errors are built without the URL, and anything the server
//! echoes is redacted). Redirects are not followed.
//!
//! The Bot API has no idempotency key: a repeat after a crash between the
//! send and its record (the only repeat the outbox allows) shows twice.
//! Answers: see [`super::api`] (429 waits `parameters.retry_after`).

use futures::future::BoxFuture;
use serde_json::json;

use super::render::{self, ChatHtml};
use super::{api, read_secret, SendError, Sink};
use crate::config::TelegramChannel;
use crate::model::Alert;

/// Telegram's limit on a message's text (after entities are parsed).
pub const MAX_TEXT: usize = 4096;

pub struct TelegramSink {
    name: String,
    /// `{api_base}/bot{token}/sendMessage`: holds the token.
    endpoint: reqwest::Url,
    token: String,
    chat_id: serde_json::Value,
    client: reqwest::Client,
}

impl std::fmt::Debug for TelegramSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramSink")
            .field("name", &self.name)
            .field("chat_id", &self.chat_id)
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl TelegramSink {
    pub fn new(c: &TelegramChannel) -> anyhow::Result<TelegramSink> {
        let name = c.name.clone();
        let token = read_secret(
            &name,
            "bot token",
            c.bot_token_env.as_deref(),
            c.bot_token_file.as_deref(),
        )?
        .ok_or_else(|| {
            anyhow::anyhow!("channel {name:?}: needs bot_token_env or bot_token_file")
        })?;
        // "123456789:AA...": nothing that could change the request's path
        if !token
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, ':' | '_' | '-'))
        {
            anyhow::bail!(
                "channel {name:?}: the bot token has characters a Telegram bot token never has (it looks like 123456789:AAE...)"
            );
        }
        let base = c.api_base.trim_end_matches('/');
        let endpoint = reqwest::Url::parse(&format!("{base}/bot{token}/sendMessage"))
            .map_err(|_| anyhow::anyhow!("channel {name:?}: api_base is not a valid URL"))?;
        let chat_id = match c.chat_id.trim().parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => json!(c.chat_id.trim()),
        };
        Ok(TelegramSink {
            client: api::client(&name, c.timeout)?,
            name,
            endpoint,
            token,
            chat_id,
        })
    }

    async fn post(&self, alert: &Alert) -> Result<(), SendError> {
        let body = request_body(&self.chat_id, alert);
        let secret = Some(self.token.as_str());
        let resp = self
            .client
            .post(self.endpoint.clone())
            .json(&body)
            .send()
            .await
            .map_err(|e| api::request_failed("Telegram", e, secret))?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(api::refused("Telegram", resp, secret).await)
    }
}

/// The `sendMessage` parameters for `alert`.
pub fn request_body(chat_id: &serde_json::Value, alert: &Alert) -> serde_json::Value {
    json!({
        "chat_id": chat_id,
        "text": render::chat_html(alert, ChatHtml::Telegram, MAX_TEXT - 96),
        "parse_mode": "HTML",
        "disable_web_page_preview": true,
    })
}

impl Sink for TelegramSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        alert: &'a Alert,
        _idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(self.post(alert))
    }
}
