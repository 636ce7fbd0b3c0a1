//! Email over SMTP (lettre): one multipart/alternative message (text and
//! HTML) to all the channel's recipients.
//!
//! - Subject: `[sahel-watch] ` + the alert's headline; `[TEST] [sahel-watch] ...`
//!   for a test alert.
//! - `Message-ID: <KEY@sahel-watch>` with the idempotency key made safe for
//!   a message id (characters outside `A-Za-z0-9-_+=` become `.`), so mail
//!   clients and archives fold a resent alert into the first; the raw key is
//!   in `X-Sahel-Watch-Idempotency-Key`.
//! - `tls`: `starttls` (STARTTLS required, port 587 by default), `tls`
//!   (implicit TLS, e.g. port 465), `none` (plain; configuration allows it
//!   only to a loopback host).
//! - Password from `password_env` or `password_file` (trailing newline
//!   trimmed), read when the channel is built; never logged.
//!
//! Errors: SMTP 4xx answers, connection, TLS and timeout errors are retried.
//! 5xx answers are permanent, except authentication refusals (530, 534,
//! 535, 538): those are a configuration problem that a fixed password and
//! a reload cure, so the alerts stay queued (until `give_up_after`).

use std::time::Duration;

use futures::future::BoxFuture;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::render;
use super::{error_chain, read_secret, SendError, Sink};
use crate::config::{EmailChannel, TlsMode};
use crate::model::Alert;

pub const IDEMPOTENCY_HEADER: &str = "X-Sahel-Watch-Idempotency-Key";

pub struct EmailSink {
    name: String,
    from: Mailbox,
    to: Vec<Mailbox>,
    timeout: Duration,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl EmailSink {
    pub fn new(c: &EmailChannel) -> anyhow::Result<EmailSink> {
        let name = c.name.clone();
        let password = read_secret(
            &name,
            "SMTP password",
            c.password_env.as_deref(),
            c.password_file.as_deref(),
        )?;
        let credentials = match (&c.username, password) {
            (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p)),
            (None, None) => None,
            (Some(_), None) => anyhow::bail!(
                "channel {name:?}: username is set but neither password_env nor password_file"
            ),
            (None, Some(_)) => anyhow::bail!("channel {name:?}: a password is set but no username"),
        };
        let from: Mailbox = c.from.parse().map_err(|e| {
            anyhow::anyhow!(
                "channel {name:?}: from {:?} is not an email address: {e}",
                c.from
            )
        })?;
        let to =
            c.to.iter()
                .map(|t| {
                    t.parse::<Mailbox>().map_err(|e| {
                        anyhow::anyhow!(
                            "channel {name:?}: recipient {t:?} is not an email address: {e}"
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
        if to.is_empty() {
            anyhow::bail!("channel {name:?}: to lists no recipient");
        }
        let host = c.smtp_host.trim_matches(|ch| ch == '[' || ch == ']');
        let builder = match c.tls {
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| anyhow::anyhow!("channel {name:?}: TLS setup for {host}: {e}"))?,
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| anyhow::anyhow!("channel {name:?}: TLS setup for {host}: {e}"))?,
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder.port(c.smtp_port).timeout(Some(c.timeout));
        if let Some(cr) = credentials {
            builder = builder.credentials(cr);
        }
        Ok(EmailSink {
            name,
            from,
            to,
            timeout: c.timeout,
            transport: builder.build(),
        })
    }

    async fn deliver(&self, alert: &Alert, key: &str) -> Result<(), SendError> {
        let message = build_message(&self.from, &self.to, alert, key)?;
        // lettre's timeout bounds each read and write; this bounds the whole
        // conversation (connect, TLS, auth, data).
        let limit = self.timeout * 3;
        match tokio::time::timeout(limit, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(&e)),
            Err(_) => Err(SendError::retryable(format!(
                "SMTP: no answer within {limit:?}"
            ))),
        }
    }
}

impl Sink for EmailSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        alert: &'a Alert,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(self.deliver(alert, idempotency_key))
    }
}

fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let msg = format!("SMTP: {}", error_chain(e));
    if e.is_permanent() {
        let code = e.status().map(|c| c.to_string()).unwrap_or_default();
        if ["530", "534", "535", "538"].contains(&code.as_str()) {
            return SendError::retryable(format!(
                "{msg} (authentication refused: check the username and password)"
            ));
        }
        return SendError::permanent(msg);
    }
    SendError::retryable(msg)
}

/// `<KEY@sahel-watch>` with KEY made of `A-Za-z0-9-_+=` and single dots.
pub fn message_id(key: &str) -> String {
    let mut local = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '=') {
            local.push(c);
        } else if !local.is_empty() && !local.ends_with('.') {
            local.push('.');
        }
    }
    let local = local.trim_end_matches('.');
    let local = if local.is_empty() { "alert" } else { local };
    format!("<{local}@sahel-watch>")
}

/// The email for `alert`.
pub fn build_message(
    from: &Mailbox,
    to: &[Mailbox],
    alert: &Alert,
    key: &str,
) -> Result<Message, SendError> {
    let subject = render::subject(alert);
    let subject = match subject.strip_prefix(render::TEST_MARK) {
        Some(rest) => format!("{} [sahel-watch]{rest}", render::TEST_MARK),
        None => format!("[sahel-watch] {subject}"),
    };
    let mut b = Message::builder()
        .from(from.clone())
        .subject(subject)
        .message_id(Some(message_id(key)))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(IDEMPOTENCY_HEADER),
            render::one_line(key),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_string(),
        ));
    for t in to {
        b = b.to(t.clone());
    }
    b.multipart(
        MultiPart::alternative()
            .singlepart(SinglePart::plain(render::text_body(alert)))
            .singlepart(SinglePart::html(render::html_body(alert))),
    )
    .map_err(|e| SendError::permanent(format!("cannot build the email: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_safe() {
        assert_eq!(
            message_id("I-20240320-NE-1:incident.new:1"),
            "<I-20240320-NE-1.incident.new.1@sahel-watch>"
        );
        assert_eq!(
            message_id("digest:night watch:12:digest:1"),
            "<digest.night.watch.12.digest.1@sahel-watch>"
        );
        assert_eq!(message_id("::"), "<alert@sahel-watch>");
    }
}
