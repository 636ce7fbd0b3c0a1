//! Matrix: each alert is an `m.room.message` sent to one room through the
//! bot account's homeserver (client-server API):
//! `PUT {homeserver}/_matrix/client/v3/rooms/{room_id}/send/m.room.message/{txn_id}`
//! with `Authorization: Bearer {access token}` and `msgtype = "m.text"`,
//! `body` (plain text), `format = "org.matrix.custom.html"`,
//! `formatted_body` ([`render::chat_html`]: escaped, mentions broken, links
//! only from `http(s)` URLs) and an empty `m.mentions` (the message pings
//! nobody, `@room` included).
//!
//! `txn_id` is derived from the idempotency key ([`txn_id`]): a repeat after
//! a crash between the send and its record carries the same transaction id,
//! and the homeserver answers with the first event instead of posting again.
//! The token (`access_token_env` or `access_token_file`) never appears in an
//! error, a log line or the sink's `Debug`. Answers: see [`super::api`]
//! (429 waits `retry_after_ms`).

use futures::future::BoxFuture;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::render::{self, ChatHtml};
use super::{api, read_secret, SendError, Sink};
use crate::config::MatrixChannel;
use crate::model::Alert;

pub struct MatrixSink {
    name: String,
    homeserver: String,
    room_id: String,
    token: String,
    auth: HeaderValue,
    client: reqwest::Client,
}

impl std::fmt::Debug for MatrixSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixSink")
            .field("name", &self.name)
            .field("homeserver", &self.homeserver)
            .field("room_id", &self.room_id)
            .field("token", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// The transaction id of an alert: `sw1-` and 32 hex digits of the SHA-256
/// of its idempotency key (the same key, the same id).
pub fn txn_id(idempotency_key: &str) -> String {
    let h = Sha256::digest(idempotency_key.as_bytes());
    format!("sw1-{}", &hex::encode(h)[..32])
}

impl MatrixSink {
    pub fn new(c: &MatrixChannel) -> anyhow::Result<MatrixSink> {
        let name = c.name.clone();
        let token = read_secret(
            &name,
            "access token",
            c.access_token_env.as_deref(),
            c.access_token_file.as_deref(),
        )?
        .ok_or_else(|| {
            anyhow::anyhow!("channel {name:?}: needs access_token_env or access_token_file")
        })?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            anyhow::anyhow!("channel {name:?}: the access token is not valid in an HTTP header")
        })?;
        auth.set_sensitive(true);
        Ok(MatrixSink {
            client: api::client(&name, c.timeout)?,
            name,
            homeserver: c.homeserver.trim_end_matches('/').to_string(),
            room_id: c.room_id.trim().to_string(),
            token,
            auth,
        })
    }

    /// The send URL for one transaction.
    pub fn send_url(&self, txn: &str) -> String {
        format!(
            "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
            self.homeserver,
            crate::web::path_segment(&self.room_id),
            crate::web::path_segment(txn)
        )
    }

    async fn put(&self, alert: &Alert, key: &str) -> Result<(), SendError> {
        let secret = Some(self.token.as_str());
        let resp = self
            .client
            .put(self.send_url(&txn_id(key)))
            .header(AUTHORIZATION, self.auth.clone())
            .json(&event_content(alert))
            .send()
            .await
            .map_err(|e| api::request_failed("Matrix homeserver", e, secret))?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(api::refused("Matrix homeserver", resp, secret).await)
    }
}

/// The `m.room.message` content for `alert`.
pub fn event_content(alert: &Alert) -> serde_json::Value {
    let body = render::break_mentions(&render::truncate(&render::text_body(alert), 20_000));
    json!({
        "msgtype": "m.text",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": render::chat_html(alert, ChatHtml::Matrix, 20_000),
        "m.mentions": {},
    })
}

impl Sink for MatrixSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        alert: &'a Alert,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(self.put(alert, idempotency_key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txn_ids_are_stable_and_path_safe() {
        let a = txn_id("SW-NE-1:incident.new:1");
        assert_eq!(a, txn_id("SW-NE-1:incident.new:1"));
        assert_ne!(a, txn_id("SW-NE-1:incident.new:2"));
        assert_eq!(a.len(), 36);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
