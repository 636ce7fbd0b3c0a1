//! Local stand-ins for chat APIs that cannot run here, on 127.0.0.1: they
//! check each request as the real service does and answer in its shape.
//!
//! - [`TelegramApi`]: the Bot API's `sendMessage` (`POST /bot{token}/sendMessage`,
//!   JSON): 401 `Unauthorized` for another token, 404 for another method,
//!   400 `chat not found` for another chat, 400 `can't parse entities` for
//!   HTML outside Telegram's subset (unknown tags, unclosed or misnested
//!   tags, a bare `&` or `<`, named entities other than `&lt; &gt; &amp;
//!   &quot;`), 400 `message is too long` past 4096 characters once parsed.
//! - [`SignalApi`]: signal-cli-rest-api's `POST /v2/send`: `message`,
//!   `number` (the registered one, else 400), `recipients` (a non-empty list
//!   of numbers or group ids), optional `text_mode`; 201 with a timestamp.
//!
//! Both can be told to answer with scripted errors first (429 with
//! `retry_after`, 500...), and record what they accepted.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{json, Value};

/// A scripted answer: status and JSON body.
pub type Scripted = (u16, Value);

/// A request as received, with the answer's status.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub status: u16,
}

impl Seen {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

struct Shared {
    token: String,
    chat_id: Value,
    number: String,
    script: Mutex<VecDeque<Scripted>>,
    seen: Mutex<Vec<Seen>>,
    next_id: Mutex<u64>,
}

async fn serve(app: axum::Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, task)
}

fn record(sh: &Shared, method: Method, uri: &Uri, headers: HeaderMap, body: &[u8], status: u16) {
    sh.seen.lock().unwrap().push(Seen {
        method,
        path: uri.path().to_string(),
        headers,
        body: body.to_vec(),
        status,
    });
}

// ---- Telegram ---------------------------------------------------------------

pub struct TelegramApi {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl TelegramApi {
    /// A Bot API for the bot with `token`, whose only chat is `chat_id`.
    pub async fn start(token: &str, chat_id: Value, script: Vec<Scripted>) -> TelegramApi {
        let shared = Arc::new(Shared {
            token: token.to_string(),
            chat_id,
            number: String::new(),
            script: Mutex::new(script.into()),
            seen: Mutex::new(vec![]),
            next_id: Mutex::new(1),
        });
        let app = axum::Router::new()
            .fallback(telegram)
            .with_state(shared.clone());
        let (addr, task) = serve(app).await;
        TelegramApi { addr, shared, task }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The `text` of the messages accepted, in order.
    pub fn accepted(&self) -> Vec<Value> {
        self.seen()
            .into_iter()
            .filter(|s| s.status == 200)
            .map(|s| s.json())
            .collect()
    }

    pub fn push(&self, s: Scripted) {
        self.shared.script.lock().unwrap().push_back(s);
    }
}

impl Drop for TelegramApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn tg_error(code: u16, description: &str) -> (u16, Value) {
    (
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

fn telegram_check(
    sh: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (u16, Value) {
    let path = uri.path();
    let Some(rest) = path.strip_prefix("/bot") else {
        return tg_error(404, "Not Found");
    };
    let Some((token, api_method)) = rest.split_once('/') else {
        return tg_error(404, "Not Found");
    };
    if token != sh.token {
        return tg_error(401, "Unauthorized");
    }
    if api_method != "sendMessage" {
        return tg_error(404, "Not Found");
    }
    if method != Method::POST {
        return tg_error(405, "Method Not Allowed");
    }
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/json") {
        return tg_error(400, "Bad Request: message text is empty");
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return tg_error(400, "Bad Request: can't parse JSON");
    };
    if v["chat_id"] != sh.chat_id {
        return tg_error(400, "Bad Request: chat not found");
    }
    let Some(text) = v["text"].as_str().filter(|t| !t.trim().is_empty()) else {
        return tg_error(400, "Bad Request: message text is empty");
    };
    if v["parse_mode"] != "HTML" {
        return tg_error(400, "Bad Request: this stand-in expects parse_mode HTML");
    }
    let visible = match telegram_html(text) {
        Ok(n) => n,
        Err(e) => return tg_error(400, &format!("Bad Request: can't parse entities: {e}")),
    };
    if visible > 4096 {
        return tg_error(400, "Bad Request: message is too long");
    }
    if v["disable_web_page_preview"] != true {
        return tg_error(
            400,
            "Bad Request: this stand-in expects disable_web_page_preview",
        );
    }
    let id = {
        let mut n = sh.next_id.lock().unwrap();
        *n += 1;
        *n
    };
    (
        200,
        json!({"ok": true, "result": {"message_id": id, "chat": {"id": sh.chat_id}, "date": 1700000000, "text": "…"}}),
    )
}

/// Check Telegram's HTML subset; the number of characters once parsed.
pub fn telegram_html(text: &str) -> Result<usize, String> {
    const TAGS: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    ];
    let mut stack: Vec<String> = Vec::new();
    let mut visible = 0usize;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or_else(|| "unclosed start tag".to_string())?;
                let tag = &rest[1..end];
                if let Some(name) = tag.strip_prefix('/') {
                    match stack.pop() {
                        Some(open) if open == name => {}
                        other => {
                            return Err(format!(
                                "can't find end tag corresponding to start tag {other:?} (found </{name}>)"
                            ))
                        }
                    }
                } else {
                    let name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!("unsupported start tag \"{name}\""));
                    }
                    let attrs = tag[name.len()..].trim();
                    if name == "a" {
                        let href = attrs
                            .strip_prefix("href=\"")
                            .and_then(|h| h.strip_suffix('"'))
                            .ok_or_else(|| format!("bad attributes of <a>: {attrs}"))?;
                        if href.contains(['<', '>', '"']) {
                            return Err("bad href".into());
                        }
                        if !(href.starts_with("http://") || href.starts_with("https://")) {
                            return Err(format!("unsupported URL {href:?}"));
                        }
                    } else if !attrs.is_empty() && name != "span" && name != "pre" {
                        return Err(format!("unexpected attributes of <{name}>"));
                    }
                    stack.push(name);
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest
                    .find(';')
                    .filter(|&e| e < 12)
                    .ok_or_else(|| "Character '&' is reserved and must be escaped".to_string())?;
                let entity = &rest[1..end];
                let ok = matches!(entity, "lt" | "gt" | "amp" | "quot")
                    || entity
                        .strip_prefix("#x")
                        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                    || entity
                        .strip_prefix('#')
                        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
                if !ok {
                    return Err(format!("unsupported HTML entity \"&{entity};\""));
                }
                visible += 1;
                rest = &rest[end + 1..];
            }
            '>' => return Err("Character '>' is reserved and must be escaped".into()),
            c => {
                visible += 1;
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!(
            "can't find end tag corresponding to start tag \"{open}\""
        ));
    }
    Ok(visible)
}

async fn telegram(
    State(sh): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let (status, answer) = match sh.script.lock().unwrap().pop_front() {
        Some(s) => s,
        None => telegram_check(&sh, &method, &uri, &headers, &body),
    };
    record(&sh, method, &uri, headers, &body, status);
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        answer.to_string(),
    )
}

// ---- signal-cli-rest-api ------------------------------------------------------

pub struct SignalApi {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl SignalApi {
    /// A signal-cli REST API whose registered number is `number`.
    pub async fn start(number: &str, script: Vec<Scripted>) -> SignalApi {
        let shared = Arc::new(Shared {
            token: String::new(),
            chat_id: Value::Null,
            number: number.to_string(),
            script: Mutex::new(script.into()),
            seen: Mutex::new(vec![]),
            next_id: Mutex::new(1_700_000_000_000),
        });
        let app = axum::Router::new()
            .fallback(signal)
            .with_state(shared.clone());
        let (addr, task) = serve(app).await;
        SignalApi { addr, shared, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub fn accepted(&self) -> Vec<Value> {
        self.seen()
            .into_iter()
            .filter(|s| s.status == 201)
            .map(|s| s.json())
            .collect()
    }
}

impl Drop for SignalApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn is_number(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (6..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

fn signal_check(
    sh: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> (u16, Value) {
    let err = |code: u16, e: &str| (code, json!({"error": e}));
    if uri.path() != "/v2/send" {
        return err(404, "404 page not found");
    }
    if method != Method::POST {
        return err(405, "method not allowed");
    }
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/json") {
        return err(400, "Couldn't process request - invalid request");
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return err(400, "Couldn't process request - invalid request");
    };
    if v["number"] != sh.number.as_str() {
        return err(400, "User is not registered");
    }
    if v["message"].as_str().is_none_or(str::is_empty) {
        return err(400, "Couldn't process request - message missing");
    }
    let Some(recipients) = v["recipients"].as_array().filter(|r| !r.is_empty()) else {
        return err(
            400,
            "Couldn't process request - please provide at least one recipient",
        );
    };
    for r in recipients {
        let ok = r
            .as_str()
            .is_some_and(|r| is_number(r) || (r.starts_with("group.") && r.len() > 6));
        if !ok {
            return err(400, &format!("Invalid recipient {r}"));
        }
    }
    if !v["text_mode"].is_null() && !matches!(v["text_mode"].as_str(), Some("normal" | "styled")) {
        return err(400, "Invalid text mode");
    }
    let ts = {
        let mut n = sh.next_id.lock().unwrap();
        *n += 1;
        *n
    };
    (201, json!({"timestamp": ts.to_string()}))
}

async fn signal(
    State(sh): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let (status, answer) = match sh.script.lock().unwrap().pop_front() {
        Some(s) => s,
        None => signal_check(&sh, &method, &uri, &headers, &body),
    };
    record(&sh, method, &uri, headers, &body, status);
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        answer.to_string(),
    )
}
