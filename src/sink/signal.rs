//! Signal, through a signal-cli REST API server (bbernhard/signal-cli-rest-api,
//! usually on the same host: it holds the registered number's keys):
//! `POST {url}/v2/send` with JSON `message`, `number` (the sender),
//! `recipients` (numbers or group ids) and `text_mode = "normal"` (no
//! styling is read from story text). The message is plain text
//! ([`render::chat_plain`]): the headline, the title, the summary, the first
//! story's link and the map, at most 2000 characters.
//!
//! signal-cli-rest-api has no idempotency key: a repeat after a crash
//! between the send and its record shows twice. Answers: see [`super::api`].

use futures::future::BoxFuture;
use serde_json::json;

use super::{api, render, SendError, Sink};
use crate::config::SignalChannel;
use crate::model::Alert;

/// Longest message sent (Signal shows longer ones as an attachment).
pub const MAX_MESSAGE: usize = 2000;

#[derive(Debug)]
pub struct SignalSink {
    name: String,
    endpoint: reqwest::Url,
    number: String,
    recipients: Vec<String>,
    client: reqwest::Client,
}

impl SignalSink {
    pub fn new(c: &SignalChannel) -> anyhow::Result<SignalSink> {
        let name = c.name.clone();
        let endpoint = reqwest::Url::parse(&format!("{}/v2/send", c.url.trim_end_matches('/')))
            .map_err(|e| anyhow::anyhow!("channel {name:?}: url is not valid: {e}"))?;
        Ok(SignalSink {
            client: api::client(&name, c.timeout)?,
            name,
            endpoint,
            number: c.number.clone(),
            recipients: c.recipients.clone(),
        })
    }

    async fn post(&self, alert: &Alert) -> Result<(), SendError> {
        let resp = self
            .client
            .post(self.endpoint.clone())
            .json(&request_body(&self.number, &self.recipients, alert))
            .send()
            .await
            .map_err(|e| api::request_failed("signal-cli REST API", e, None))?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(api::refused("signal-cli REST API", resp, None).await)
    }
}

/// The `/v2/send` body for `alert`.
pub fn request_body(number: &str, recipients: &[String], alert: &Alert) -> serde_json::Value {
    json!({
        "message": render::chat_plain(alert, MAX_MESSAGE),
        "number": number,
        "recipients": recipients,
        "text_mode": "normal",
    })
}

impl Sink for SignalSink {
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
