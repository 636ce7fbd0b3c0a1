//! HTTP webhooks: the `sahel-watch.alert/1` JSON (optionally signed), a
//! message in the shape Slack, Discord, Teams or ntfy document, a body from
//! the channel's own template (`format = "template"`, [`super::template`]:
//! SMS gateways and any other HTTP API), or an OASIS CAP 1.2 alert
//! (`format = "cap"`, [`crate::cap`]).
//!
//! Headers: the channel's `headers`, and `headers_env` whose values (API
//! keys, `Authorization`) come from environment variables, marked sensitive.
//! A template that fails on an alert is a permanent error for that alert.
//!
//! Every request carries `Idempotency-Key: <incident>:<event>:<revision>`.
//! JSON bodies are the alert exactly as `serde_json` writes it; with a
//! secret they carry `X-Sahel-Watch-Signature: sha256=<hex HMAC-SHA256 of
//! the raw body>`. Redirects are followed only when they keep the method and
//! body (307/308) and stay on the same scheme, host and port; any other
//! redirect is a permanent error (update the channel's URL). The URL itself
//! never appears in errors or logs: chat webhook URLs embed their token.
//!
//! Answers: 2xx is delivered; 408, 429 and 5xx are retried (honouring
//! `Retry-After`); any other status is permanent.

use std::time::Duration;

use futures::future::BoxFuture;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use serde_json::{json, Value};
use sha2::Sha256;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::render::{self, discord_escape, slack_escape, teams_escape};
use super::template::BodyTemplate;
use super::{error_chain, read_secret, SendError, Sink, SinkContext};
use crate::cap::{CapIncident, CapSettings, RevisionHistory};
use crate::config::{WebhookChannel, WebhookFormat};
use crate::model::{Alert, AlertEvent};

pub const SIGNATURE_HEADER: &str = "X-Sahel-Watch-Signature";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

pub struct WebhookSink {
    name: String,
    url: reqwest::Url,
    format: WebhookFormat,
    secret: Option<String>,
    headers: HeaderMap,
    client: reqwest::Client,
    /// format = "template": the compiled body, its content type and the `template_env` values.
    template: Option<(BodyTemplate, HeaderValue, BTreeMap<String, String>)>,
    cap: CapSettings,
    history: Option<Arc<dyn RevisionHistory>>,
}

impl WebhookSink {
    pub fn new(c: &WebhookChannel, ctx: &SinkContext) -> anyhow::Result<WebhookSink> {
        let name = c.name.clone();
        let url = reqwest::Url::parse(&c.url)
            .map_err(|e| anyhow::anyhow!("channel {name:?}: url is not valid: {e}"))?;
        let secret = read_secret(
            &name,
            "webhook secret",
            c.secret_env.as_deref(),
            c.secret_file.as_deref(),
        )?;
        let mut headers = HeaderMap::new();
        for (k, v) in &c.headers {
            let hn = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                anyhow::anyhow!("channel {name:?}: {k:?} is not a valid HTTP header name")
            })?;
            let mut hv = HeaderValue::from_str(v).map_err(|_| {
                anyhow::anyhow!(
                    "channel {name:?}: the value of header {k:?} is not a valid HTTP header value"
                )
            })?;
            hv.set_sensitive(true);
            headers.insert(hn, hv);
        }
        for (k, var) in &c.headers_env {
            let hn = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                anyhow::anyhow!("channel {name:?}: {k:?} is not a valid HTTP header name")
            })?;
            let value = read_secret(&name, &format!("value of header {k}"), Some(var), None)?
                .unwrap_or_default();
            let mut hv = HeaderValue::from_str(&value).map_err(|_| {
                anyhow::anyhow!(
                    "channel {name:?}: environment variable {var} (the value of header {k}) is not a valid HTTP header value"
                )
            })?;
            hv.set_sensitive(true);
            headers.insert(hn, hv);
        }
        let template = match (c.format, &c.template_text) {
            (WebhookFormat::Template, Some(text)) => {
                let t = BodyTemplate::compile(text, c.template_content_type())
                    .map_err(|e| anyhow::anyhow!("channel {name:?}: template: {e}"))?;
                let ct = HeaderValue::from_str(c.template_content_type()).map_err(|_| {
                    anyhow::anyhow!("channel {name:?}: content_type is not a valid header value")
                })?;
                let mut env = BTreeMap::new();
                for var in &c.template_env {
                    let v = read_secret(&name, "template variable", Some(var), None)?
                        .unwrap_or_default();
                    env.insert(var.clone(), v);
                }
                Some((t, ct, env))
            }
            (WebhookFormat::Template, None) => {
                anyhow::bail!("channel {name:?}: format = \"template\" has no template")
            }
            _ => None,
        };
        let client = reqwest::Client::builder()
            .user_agent(crate::USER_AGENT)
            .timeout(c.timeout)
            .connect_timeout(c.timeout.min(Duration::from_secs(10)))
            .redirect(redirect_policy())
            .build()
            .map_err(|e| anyhow::anyhow!("channel {name:?}: cannot build the HTTP client: {e}"))?;
        Ok(WebhookSink {
            name,
            url,
            format: c.format,
            secret,
            headers,
            client,
            template,
            cap: ctx.cap.clone(),
            history: ctx.history.clone(),
        })
    }

    /// The body and content headers for `alert` in this channel's format.
    async fn render(&self, alert: &Alert) -> Result<(Vec<u8>, HeaderMap), SendError> {
        match self.format {
            WebhookFormat::Template => {
                let (t, ct, env) = self
                    .template
                    .as_ref()
                    .ok_or_else(|| SendError::permanent("no template"))?;
                let body = t.render(alert, env).map_err(|e| {
                    SendError::permanent(format!(
                        "the channel's template failed on this alert: {e}"
                    ))
                })?;
                let mut h = HeaderMap::new();
                h.insert(CONTENT_TYPE, ct.clone());
                Ok((body.into_bytes(), h))
            }
            WebhookFormat::Cap => {
                let times = match &self.history {
                    Some(history) => {
                        let history = history.clone();
                        let id = alert.incident.id.clone();
                        tokio::task::spawn_blocking(move || history.revision_times(&id))
                            .await
                            .map_err(|e| SendError::retryable(format!("CAP: {e}")))?
                            .map_err(|e| {
                                SendError::retryable(format!(
                                    "CAP: cannot read the incident's revisions: {e:#}"
                                ))
                            })?
                    }
                    None => vec![],
                };
                Ok(cap_request(alert, &times, &self.cap))
            }
            f => Ok(render_request(f, alert)),
        }
    }

    async fn post(&self, alert: &Alert, key: &str) -> Result<(), SendError> {
        let (body, mut headers) = self.render(alert).await?;
        for (k, v) in &self.headers {
            headers.insert(k.clone(), v.clone());
        }
        if let Ok(v) = HeaderValue::from_str(key) {
            headers.insert(IDEMPOTENCY_HEADER, v);
        }
        if let Some(secret) = &self.secret {
            headers.insert(
                SIGNATURE_HEADER,
                HeaderValue::from_str(&sign(secret, &body)).expect("hex is ASCII"),
            );
        }
        let resp = self
            .client
            .post(self.url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                let permanent = e.is_builder();
                let msg = format!("webhook request failed: {}", error_chain(&e.without_url()));
                if permanent {
                    SendError::permanent(msg)
                } else {
                    SendError::retryable(msg)
                }
            })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let snippet = read_snippet(resp).await;
        let msg = if status.is_redirection() {
            format!("webhook answered {status} (a redirect that changes the method, scheme or host is not followed: update the channel url){snippet}")
        } else {
            format!("webhook answered {status}{snippet}")
        };
        let retryable = status.is_server_error()
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || status == reqwest::StatusCode::REQUEST_TIMEOUT;
        Err(SendError {
            message: msg,
            retryable,
            retry_after,
        })
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        alert: &'a Alert,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(self.post(alert, idempotency_key))
    }
}

fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let keeps_body = matches!(attempt.status().as_u16(), 307 | 308);
        let same_origin = attempt.previous().first().is_some_and(|first| {
            first.scheme() == attempt.url().scheme()
                && first.host_str() == attempt.url().host_str()
                && first.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if keeps_body && same_origin && attempt.previous().len() < 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// The first bytes of an error answer, for the log (bounded, one line).
async fn read_snippet(mut resp: reqwest::Response) -> String {
    let mut buf = Vec::new();
    while buf.len() < 512 {
        match tokio::time::timeout(Duration::from_secs(2), resp.chunk()).await {
            Ok(Ok(Some(c))) => buf.extend_from_slice(&c),
            _ => break,
        }
    }
    buf.truncate(512);
    let text = render::one_line(&String::from_utf8_lossy(&buf));
    if text.is_empty() {
        String::new()
    } else {
        format!(": {}", render::truncate(&text, 200))
    }
}

/// A CAP 1.2 alert for `alert`; `times` are the incident's revision times.
pub fn cap_request(
    alert: &Alert,
    times: &[(u32, chrono::DateTime<chrono::Utc>)],
    settings: &CapSettings,
) -> (Vec<u8>, HeaderMap) {
    let c = CapIncident::from_alert(alert, times, chrono::Utc::now());
    let mut h = HeaderMap::new();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/cap+xml; charset=utf-8"),
    );
    (crate::cap::document(&c, settings).into_bytes(), h)
}

/// The body and content headers of a webhook request in `format`. A
/// template webhook's body comes from its template (the sink renders it);
/// here it is the plain-text rendering. A CAP alert made here knows no
/// earlier revision.
pub fn render_request(format: WebhookFormat, alert: &Alert) -> (Vec<u8>, HeaderMap) {
    let mut h = HeaderMap::new();
    let body = match format {
        WebhookFormat::Cap => return cap_request(alert, &[], &CapSettings::default()),
        WebhookFormat::Template => {
            h.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            render::text_body(alert).into_bytes()
        }
        WebhookFormat::Json => {
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            serde_json::to_vec(alert).expect("an Alert always serialises")
        }
        WebhookFormat::Slack => json_body(&mut h, slack_body(alert)),
        WebhookFormat::Discord => json_body(&mut h, discord_body(alert)),
        WebhookFormat::Teams => json_body(&mut h, teams_body(alert)),
        WebhookFormat::Ntfy => {
            h.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            for (k, v) in ntfy_headers(alert) {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(k, v);
                }
            }
            ntfy_body(alert).into_bytes()
        }
    };
    (body, h)
}

fn json_body(h: &mut HeaderMap, v: Value) -> Vec<u8> {
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    serde_json::to_vec(&v).expect("JSON values serialise")
}

/// Slack incoming webhook: `text` (the notification fallback) and Block
/// Kit `blocks` in mrkdwn, every outside string through [`slack_escape`].
pub fn slack_body(alert: &Alert) -> Value {
    let i = &alert.incident;
    let subject = render::subject(alert);
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": format!("*{}*", slack_escape(&render::truncate(&subject, 2900)))}
    })];
    let mut lead = String::new();
    if alert.event == AlertEvent::Updated && !alert.changes.is_empty() {
        lead.push_str("*What changed:*\n");
        for c in &alert.changes {
            lead.push_str(&format!("• {}\n", slack_escape(&render::one_line(c))));
        }
    }
    if alert.event != AlertEvent::Digest {
        if let Some(t) = &i.title {
            lead.push_str(&format!("_{}_\n", slack_escape(&render::one_line(t))));
        }
    }
    if let Some(s) = &i.summary {
        lead.push_str(&slack_escape(&render::truncate(s.trim(), 2000)));
    }
    if !lead.trim().is_empty() {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": render::truncate(lead.trim(), 3000)}}));
    }
    let fields: Vec<Value> = render::facts(alert)
        .into_iter()
        .take(10)
        .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{}*\n{}", k, slack_escape(&render::truncate(&v, 1900)))}))
        .collect();
    blocks.push(json!({"type": "section", "fields": fields}));
    let stories = story_lines(alert, 10, |title, url, meta| match url {
        Some(u) => format!(
            "• <{}|{}> ({})",
            slack_escape(u),
            slack_escape(title),
            slack_escape(meta)
        ),
        None => format!("• {} ({})", slack_escape(title), slack_escape(meta)),
    });
    if !stories.is_empty() {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": render::truncate(&format!("*Stories*\n{stories}"), 3000)}}));
    }
    let mut context = String::new();
    if let Some(m) = render::map_link(alert) {
        context.push_str(&format!("<{}|Map> · ", slack_escape(&m)));
    }
    context.push_str(&slack_escape(&render::footer(alert)));
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}));
    json!({
        "text": slack_escape(&render::truncate(&subject, 3000)),
        "blocks": blocks,
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

/// Discord execute-webhook: `content` plus one embed; `allowed_mentions`
/// with an empty `parse` list so nothing pings, and every outside string
/// through [`discord_escape`].
pub fn discord_body(alert: &Alert) -> Value {
    let i = &alert.incident;
    let subject = render::subject(alert);
    let mut desc = String::new();
    if alert.event == AlertEvent::Updated && !alert.changes.is_empty() {
        desc.push_str("**What changed:**\n");
        for c in &alert.changes {
            desc.push_str(&format!("• {}\n", discord_escape(&render::one_line(c))));
        }
        desc.push('\n');
    }
    if let Some(s) = &i.summary {
        desc.push_str(&discord_escape(&render::truncate(s.trim(), 1500)));
        desc.push_str("\n\n");
    }
    let stories = story_lines(alert, 8, |title, url, meta| match url {
        Some(u) => format!(
            "• [{}]({}) ({})",
            discord_escape(&render::truncate(title, 200)),
            u,
            discord_escape(meta)
        ),
        None => format!(
            "• {} ({})",
            discord_escape(&render::truncate(title, 200)),
            discord_escape(meta)
        ),
    });
    if !stories.is_empty() {
        desc.push_str("**Stories**\n");
        desc.push_str(&stories);
    }
    if let Some(m) = render::map_link(alert) {
        desc.push_str(&format!("\n[Map]({m})"));
    }
    let fields: Vec<Value> = render::facts(alert)
        .into_iter()
        .take(25)
        .map(|(k, v)| json!({"name": k, "value": discord_escape(&render::truncate(&v, 900)), "inline": true}))
        .collect();
    let color = match alert.event {
        AlertEvent::New => 0xC0392B,
        AlertEvent::Updated => 0xE67E22,
        AlertEvent::Digest => 0x7F8C8D,
        AlertEvent::Test => 0x2980B9,
    };
    let mut embed = json!({
        "title": discord_escape(&render::truncate(&subject, 240)),
        "description": render::truncate(desc.trim(), 4000),
        "color": color,
        "fields": fields,
        "footer": {"text": render::truncate(&render::footer(alert), 2000)},
    });
    if let Some(u) = alert
        .stories
        .iter()
        .find_map(|s| s.url.as_deref().and_then(render::safe_url))
    {
        embed["url"] = json!(u);
    }
    json!({
        "content": discord_escape(&render::truncate(&subject, 1800)),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    })
}

/// Teams (incoming webhook or Workflows "when a webhook request is
/// received"): a `message` with one Adaptive Card attachment; every outside
/// string through [`teams_escape`].
pub fn teams_body(alert: &Alert) -> Value {
    let i = &alert.incident;
    let subject = render::subject(alert);
    let mut body = vec![json!({
        "type": "TextBlock", "text": teams_escape(&subject), "weight": "Bolder", "size": "Medium",
        "wrap": true, "style": "heading"
    })];
    if alert.event == AlertEvent::Updated && !alert.changes.is_empty() {
        let list: Vec<String> = alert
            .changes
            .iter()
            .map(|c| format!("- {}", teams_escape(&render::one_line(c))))
            .collect();
        body.push(json!({"type": "TextBlock", "text": format!("**What changed:**\n\n{}", list.join("\n")), "wrap": true}));
    }
    if alert.event != AlertEvent::Digest {
        if let Some(t) = &i.title {
            body.push(json!({"type": "TextBlock", "text": teams_escape(&render::one_line(t)), "wrap": true, "isSubtle": true}));
        }
    }
    if let Some(s) = &i.summary {
        body.push(json!({"type": "TextBlock", "text": teams_escape(&render::truncate(s.trim(), 3000)), "wrap": true}));
    }
    let facts: Vec<Value> = render::facts(alert)
        .into_iter()
        .map(|(k, v)| json!({"title": k, "value": teams_escape(&v)}))
        .collect();
    body.push(json!({"type": "FactSet", "facts": facts}));
    let stories = story_lines(alert, 10, |title, url, meta| match url {
        Some(u) => format!(
            "- [{}]({}) ({})",
            teams_escape(title),
            u,
            teams_escape(meta)
        ),
        None => format!("- {} ({})", teams_escape(title), teams_escape(meta)),
    });
    if !stories.is_empty() {
        body.push(
            json!({"type": "TextBlock", "text": format!("**Stories**\n\n{stories}"), "wrap": true}),
        );
    }
    body.push(json!({"type": "TextBlock", "text": teams_escape(&render::footer(alert)), "wrap": true, "isSubtle": true, "size": "Small"}));
    let mut actions = Vec::new();
    if let Some(m) = render::map_link(alert) {
        actions.push(json!({"type": "Action.OpenUrl", "title": "Map", "url": m}));
    }
    if let Some(u) = alert
        .stories
        .iter()
        .find_map(|s| s.url.as_deref().and_then(render::safe_url))
    {
        actions.push(json!({"type": "Action.OpenUrl", "title": "Read the story", "url": u}));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": actions,
                "msteams": {"width": "Full"},
            }
        }]
    })
}

/// ntfy publish headers: `Title` (RFC 2047 when not ASCII), `Priority`
/// (`high` for new incidents), `Tags`, `Click` (the first story, else the map).
pub fn ntfy_headers(alert: &Alert) -> Vec<(&'static str, String)> {
    let mut h = vec![(
        "Title",
        render::header_value(&render::truncate(&render::subject(alert), 250)),
    )];
    let (priority, tag) = match alert.event {
        AlertEvent::New => ("high", "rotating_light"),
        AlertEvent::Updated => ("default", "warning"),
        AlertEvent::Digest => ("default", "memo"),
        AlertEvent::Test => ("low", "test_tube"),
    };
    h.push(("Priority", priority.to_string()));
    let mut tags = vec![tag.to_string()];
    if let Some(c) = &alert.incident.country {
        let c: String = c.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if !c.is_empty() {
            tags.push(c);
        }
    }
    h.push(("Tags", tags.join(",")));
    let click = alert
        .stories
        .iter()
        .find_map(|s| s.url.as_deref().and_then(render::safe_url))
        .or_else(|| render::map_link(alert));
    if let Some(u) = click {
        h.push(("Click", u));
    }
    h
}

/// ntfy message: the plain-text rendering without its title line, kept
/// under ntfy's 4096-byte message limit.
pub fn ntfy_body(alert: &Alert) -> String {
    let text = render::text_body(alert);
    let text = text
        .split_once("\n\n")
        .map(|(_, rest)| rest)
        .unwrap_or(&text)
        .trim();
    let mut out = String::new();
    for c in text.chars() {
        if out.len() + c.len_utf8() > 4000 {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

/// Story lines made by `f(title, safe url, meta)`, at most `max` (then "and N more").
fn story_lines(
    alert: &Alert,
    max: usize,
    f: impl Fn(&str, Option<&str>, &str) -> String,
) -> String {
    let mut lines: Vec<String> = alert
        .stories
        .iter()
        .take(max)
        .map(|s| {
            let url = s.url.as_deref().and_then(render::safe_url);
            f(
                &render::one_line(&s.title),
                url.as_deref(),
                &render::story_meta(s),
            )
        })
        .collect();
    if alert.stories.len() > max {
        lines.push(format!("… and {} more", alert.stories.len() - max));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::sample_alert;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        let s = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            s,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn json_body_is_the_alert() {
        let a = sample_alert();
        let (body, h) = render_request(WebhookFormat::Json, &a);
        assert_eq!(body, serde_json::to_vec(&a).unwrap());
        assert_eq!(h[CONTENT_TYPE], "application/json");
    }

    #[test]
    fn ntfy_has_headers_and_text() {
        let a = sample_alert();
        let (body, h) = render_request(WebhookFormat::Ntfy, &a);
        assert_eq!(h["Priority"], "high");
        assert_eq!(h["Tags"], "rotating_light,NE");
        assert_eq!(h["Click"], "https://outlet.example/niger-ambush-tillaberi");
        assert!(h["Title"].to_str().unwrap().starts_with("ambush in Teguey"));
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("Killed:"), "{body}");
        assert!(!body.starts_with("ambush in Teguey"), "{body}");
    }
}
