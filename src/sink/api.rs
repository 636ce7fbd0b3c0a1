//! What the chat API sinks (Telegram, Matrix, Signal) share: an HTTP client
//! that follows no redirect, and the reading of errors and refusals into a
//! [`SendError`] that never holds the URL (the Bot API's carries the token)
//! nor the token itself.
//!
//! Answers: 2xx is delivered; 408, 429 and 5xx are retried (honouring
//! `Retry-After`, Telegram's `parameters.retry_after` and Matrix's
//! `retry_after_ms`); 401 and 403 (a wrong token, a bot not in the chat) are
//! retried too, as SMTP authentication refusals are: a fixed configuration
//! and a reload cure them, so the alerts stay queued until `give_up_after`;
//! any other status is permanent.

use std::time::Duration;

use super::render;
use super::webhook::parse_retry_after;
use super::{error_chain, SendError};

/// An HTTP client for an API: the channel's timeout, no redirect followed
/// (a redirect would carry a token elsewhere).
pub(crate) fn client(channel: &str, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(crate::USER_AGENT)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| anyhow::anyhow!("channel {channel:?}: cannot build the HTTP client: {e}"))
}

/// `message` with every occurrence of `secret` replaced.
pub(crate) fn redact(message: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() => message.replace(s, "[redacted]"),
        _ => message.to_string(),
    }
}

/// A request that got no answer (connection, timeout, TLS): retried.
pub(crate) fn request_failed(service: &str, e: reqwest::Error, secret: Option<&str>) -> SendError {
    let permanent = e.is_builder();
    let msg = redact(
        &format!(
            "{service} request failed: {}",
            error_chain(&e.without_url())
        ),
        secret,
    );
    if permanent {
        SendError::permanent(msg)
    } else {
        SendError::retryable(msg)
    }
}

/// An answer other than 2xx, read into a [`SendError`] (the service's own
/// description of the error, at most 200 characters, is kept).
pub(crate) async fn refused(
    service: &str,
    resp: reqwest::Response,
    secret: Option<&str>,
) -> SendError {
    let status = resp.status();
    let mut retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let body = read_bounded(resp, 8192).await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if retry_after.is_none() {
        retry_after = json["parameters"]["retry_after"]
            .as_u64()
            .map(Duration::from_secs)
            .or_else(|| json["retry_after_ms"].as_u64().map(Duration::from_millis));
    }
    let said = [
        json["description"].as_str().map(str::to_string),
        match (json["errcode"].as_str(), json["error"].as_str()) {
            (Some(c), Some(e)) => Some(format!("{c}: {e}")),
            (Some(c), None) => Some(c.to_string()),
            (None, Some(e)) => Some(e.to_string()),
            (None, None) => None,
        },
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or_else(|| String::from_utf8_lossy(&body).to_string());
    let said = render::truncate(&render::one_line(&said), 200);
    let mut msg = format!("{service} answered {status}");
    if !said.is_empty() {
        msg.push_str(": ");
        msg.push_str(&said);
    }
    let auth = matches!(status.as_u16(), 401 | 403);
    if auth {
        msg.push_str(" (access refused: check the token and that the account is in the chat or room; the alerts stay queued)");
    }
    let retryable = auth
        || status.is_server_error()
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT;
    SendError {
        message: redact(&msg, secret),
        retryable,
        retry_after,
    }
}

/// At most `max` bytes of an answer's body, each chunk waited for 2 s at most.
pub(crate) async fn read_bounded(mut resp: reqwest::Response, max: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    while buf.len() < max {
        match tokio::time::timeout(Duration::from_secs(2), resp.chunk()).await {
            Ok(Ok(Some(c))) => buf.extend_from_slice(&c),
            _ => break,
        }
    }
    buf.truncate(max);
    buf
}
