//! Delivery stage against real receivers on 127.0.0.1: an SMTP server (the
//! `mailin` state machine behind a tokio loop) and an HTTP receiver (axum).
//! Retry delays are tiny (`[alerts] retry_delay = "50ms"`); the store keeps
//! whole seconds, so a retry comes at most about a second later. Every wait
//! is bounded.

mod support;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use sahel_watch::config::Config;
use sahel_watch::metrics::{Health, Metrics};
use sahel_watch::model::{Alert, AlertEvent};
use sahel_watch::sink::worker::Delivery;
use sahel_watch::sink::{build_sinks, sample_alert};
use sahel_watch::store::{NewOutbox, OutboxRow, OutboxStatus, Store};

use support::http_receiver::{Receiver, Reply};
use support::smtp::{free_port, SmtpOptions, SmtpServer};

const FAST: &str = "[alerts]\nretry_delay = \"50ms\"\nmax_retry_delay = \"200ms\"\n";

fn gaz() -> &'static sahel_nlp::Gazetteer {
    static G: OnceLock<sahel_nlp::Gazetteer> = OnceLock::new();
    G.get_or_init(sahel_nlp::Gazetteer::embedded)
}

fn config(text: &str) -> Config {
    Config::parse(text, "test.toml", gaz()).unwrap_or_else(|e| panic!("test config: {e}\n{text}"))
}

fn alert(id: &str) -> Alert {
    let mut a = sample_alert();
    a.incident.id = id.to_string();
    a
}

/// The sample alert with outsiders' markup and mentions in its text.
fn hostile(id: &str) -> Alert {
    let mut a = alert(id);
    a.incident.title = Some("<script>alert(1)</script> @channel attack".into());
    a.incident.summary = Some(
        "Gunmen & <b>raiders</b> struck. <!here> @everyone **now** [x](javascript:alert(1))".into(),
    );
    a.stories[0].title = "<script>alert(1)</script> @channel".into();
    a
}

fn enqueue_at(store: &Store, channel: &str, a: &Alert, held: Option<(DateTime<Utc>, &str)>) -> i64 {
    let payload = serde_json::to_string(a).unwrap();
    let key = a.idempotency_key();
    let row = NewOutbox {
        idem_key: &key,
        channel,
        event: a.event.as_str(),
        incident_id: &a.incident.id,
        payload: &payload,
        held_until: held.map(|h| h.0),
        digest_group: held.map(|h| h.1),
    };
    assert!(store
        .transaction(|tx| tx.enqueue(&row, Utc::now()))
        .unwrap());
    store
        .outbox_rows()
        .unwrap()
        .into_iter()
        .find(|r| r.channel == channel && r.idem_key == key)
        .unwrap()
        .id
}

fn enqueue(store: &Store, channel: &str, a: &Alert) -> i64 {
    enqueue_at(store, channel, a, None)
}

fn row(store: &Store, id: i64) -> OutboxRow {
    store
        .outbox_rows()
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .expect("outbox row")
}

fn delivery(store: &Arc<Store>, cfg: &Config) -> (Arc<Delivery>, Metrics) {
    let metrics = Metrics::default();
    let d = Delivery::new(
        store.clone(),
        cfg,
        metrics.clone(),
        Arc::new(Health::default()),
    )
    .unwrap();
    (d, metrics)
}

fn count(
    f: &prometheus_client::metrics::family::Family<
        sahel_watch::metrics::ChannelLabel,
        prometheus_client::metrics::counter::Counter,
    >,
    channel: &str,
) -> u64 {
    f.get_or_create(&Metrics::channel(channel)).get()
}

/// Run `drain_once` until `done()` (bounded by `limit`).
async fn drain_until(d: &Delivery, limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    loop {
        d.drain_once().await.unwrap();
        if done() {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn verify_signature(secret: &str, body: &[u8], header: &str) {
    let hex_sig = header
        .strip_prefix("sha256=")
        .expect("signature starts with sha256=");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&hex::decode(hex_sig).expect("hex signature"))
        .expect("valid HMAC-SHA256 signature");
}

fn json_hook(name: &str, url: &str, extra: &str) -> String {
    let timeout = if extra.contains("timeout") {
        ""
    } else {
        "timeout = \"5s\"\n"
    };
    format!(
        "[[channel]]\nname = \"{name}\"\ntype = \"webhook\"\nurl = \"{url}\"\n{timeout}{extra}\n"
    )
}

// ---- email ----------------------------------------------------------------

fn email_channel(port: u16, extra: &str) -> String {
    format!(
        r#"[[channel]]
name = "mail"
type = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
tls = "none"
from = "sahel-watch <alerts@ngo.example>"
to = ["security@ngo.example", "Country Director <cd@ngo.example>", "duty@ngo.example"]
timeout = "5s"
{extra}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_arrives_with_subject_facts_escaping_and_message_id() {
    let server = SmtpServer::start(SmtpOptions {
        credentials: Some(("alerts".into(), "s3cret pass".into())),
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("smtp-password");
    std::fs::write(&pw, "s3cret pass\n").unwrap();
    let cfg = config(&format!(
        "{FAST}{}",
        email_channel(
            server.addr.port(),
            &format!(
                "username = \"alerts\"\npassword_file = \"{}\"",
                pw.display()
            )
        )
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, metrics) = delivery(&store, &cfg);
    let a = hostile("I-mail-1");
    let id = enqueue(&store, "mail", &a);

    assert_eq!(d.drain_once().await.unwrap(), 1);
    assert_eq!(row(&store, id).status, OutboxStatus::Delivered);
    assert_eq!(count(&metrics.alerts_sent, "mail"), 1);

    let mails = server.mails();
    assert_eq!(mails.len(), 1, "one message for all recipients");
    let m = &mails[0];
    assert_eq!(
        m.auth,
        Some(("alerts".to_string(), "s3cret pass".to_string())),
        "password read from the file, newline trimmed"
    );
    assert!(m.from.contains("alerts@ngo.example"), "{}", m.from);
    let mut to = m.to.clone();
    to.sort();
    assert_eq!(to.len(), 3, "{to:?}");
    for want in ["cd@ngo.example", "duty@ngo.example", "security@ngo.example"] {
        assert!(
            to.iter().any(|t| t.contains(want)),
            "recipient {want} missing: {to:?}"
        );
    }

    let parsed = mailparse::parse_mail(&m.data).unwrap();
    let h = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|x| x.get_key().eq_ignore_ascii_case(name))
            .map(|x| x.get_value())
    };
    assert_eq!(
        h("Subject").unwrap(),
        format!("[sahel-watch] {}", a.headline())
    );
    assert_eq!(
        h("Message-ID").unwrap(),
        "<I-mail-1.incident.new.1@sahel-watch>"
    );
    assert_eq!(
        h("X-Sahel-Watch-Idempotency-Key").unwrap(),
        "I-mail-1:incident.new:1"
    );
    let to_header = h("To").unwrap();
    assert!(
        to_header.contains("security@ngo.example") && to_header.contains("cd@ngo.example"),
        "{to_header}"
    );
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    assert_eq!(parsed.subparts.len(), 2);
    assert_eq!(parsed.subparts[0].ctype.mimetype, "text/plain");
    assert_eq!(parsed.subparts[1].ctype.mimetype, "text/html");
    let text = parsed.subparts[0].get_body().unwrap();
    let html = parsed.subparts[1].get_body().unwrap();

    // Escaped story text in the HTML part, nothing executable.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; @channel"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<b>raiders"), "{html}");
    assert!(
        html.contains("Gunmen &amp; &lt;b&gt;raiders&lt;/b&gt;"),
        "{html}"
    );
    // Facts, links and map in both parts.
    for want in [
        "Niger (NE)",
        "Tillaberi",
        "Teguey",
        "14.1000, 0.9000",
        "2024-03-20",
        "23",
        "17",
        "military",
        "Islamic State Sahel Province",
        "ambush",
        "93 %",
        "default",
    ] {
        assert!(text.contains(want), "text part lacks {want}: {text}");
        assert!(html.contains(want), "html part lacks {want}: {html}");
    }
    assert!(
        text.contains("https://www.openstreetmap.org/?mlat=14.1&mlon=0.9#map=10/14.1/0.9"),
        "{text}"
    );
    assert!(
        html.contains(
            "href=\"https://www.openstreetmap.org/?mlat=14.1&amp;mlon=0.9#map=10/14.1/0.9\""
        ),
        "{html}"
    );
    assert!(
        text.contains("https://outlet.example/niger-ambush-tillaberi"),
        "{text}"
    );
    assert!(
        html.contains("href=\"https://outlet.example/niger-ambush-tillaberi\""),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_waits_for_a_server_that_is_down_then_delivers() {
    let port = free_port();
    let cfg = config(&format!("{FAST}{}", email_channel(port, "")));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, metrics) = delivery(&store, &cfg);
    let shutdown = CancellationToken::new();
    let run = tokio::spawn(d.clone().run(shutdown.clone()));
    let id = enqueue(&store, "mail", &alert("I-down-1"));
    d.wake();

    // Port closed: the alert stays queued and is retried.
    wait_until(Duration::from_secs(10), "a failed attempt", || {
        row(&store, id).attempts >= 1
    })
    .await;
    let r = row(&store, id);
    assert_eq!(r.status, OutboxStatus::Pending);
    assert!(
        r.last_error.as_deref().unwrap_or_default().contains("SMTP"),
        "{r:?}"
    );
    assert!(count(&metrics.delivery_errors, "mail") >= 1);

    // The server comes up: the alert arrives, once.
    let server = SmtpServer::start_on(port, SmtpOptions::default()).await;
    let mails = server.wait_for_mails(1, Duration::from_secs(15)).await;
    assert_eq!(mails.len(), 1);
    wait_until(Duration::from_secs(5), "row delivered", || {
        row(&store, id).status == OutboxStatus::Delivered
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.mails().len(), 1);

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .expect("run returns after shutdown")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_answers_decide_retry_or_failure() {
    // 451 (transient) is retried; 550 (permanent) fails the row.
    let server = SmtpServer::start(SmtpOptions {
        reject_data: vec![
            (451, "try again later".into()),
            (550, "no such mailbox".into()),
        ],
        ..Default::default()
    })
    .await;
    let cfg = config(&format!("{FAST}{}", email_channel(server.addr.port(), "")));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, metrics) = delivery(&store, &cfg);
    let id = enqueue(&store, "mail", &alert("I-smtp-codes"));
    d.drain_once().await.unwrap();
    let r = row(&store, id);
    assert_eq!((r.status, r.attempts), (OutboxStatus::Pending, 1), "{r:?}");
    assert!(r.last_error.unwrap().contains("451"));
    drain_until(&d, Duration::from_secs(10), "row failed", || {
        row(&store, id).status == OutboxStatus::Failed
    })
    .await;
    let r = row(&store, id);
    assert!(r.last_error.as_deref().unwrap().contains("550"), "{r:?}");
    assert_eq!(r.attempts, 2);
    assert_eq!(count(&metrics.alerts_failed, "mail"), 1);
    assert!(server.mails().is_empty());
}

// ---- webhooks -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_retries_after_500s_then_delivers_once_signed() {
    let rx = Receiver::start(vec![
        Reply::status(500),
        Reply::status(500),
        Reply::status(500),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("hook-secret");
    std::fs::write(&secret_file, "hook secret value\n").unwrap();
    let cfg = config(&format!(
        "{FAST}{}",
        json_hook(
            "hook",
            &rx.url("/alerts"),
            &format!(
                "secret_file = \"{}\"\n[channel.headers]\nX-Team = \"security\"",
                secret_file.display()
            )
        )
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, metrics) = delivery(&store, &cfg);
    let a = alert("I-hook-1");
    let id = enqueue(&store, "hook", &a);

    drain_until(&d, Duration::from_secs(20), "row delivered", || {
        row(&store, id).status == OutboxStatus::Delivered
    })
    .await;
    // More turns send nothing more.
    d.drain_once().await.unwrap();

    let got = rx.received();
    assert_eq!(got.len(), 4, "3 failures then 1 success");
    assert_eq!(rx.accepted().len(), 1, "received exactly once");
    for r in &got {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/alerts");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(
            r.header("idempotency-key").as_deref(),
            Some("I-hook-1:incident.new:1")
        );
        assert_eq!(r.header("x-team").as_deref(), Some("security"));
        verify_signature(
            "hook secret value",
            &r.body,
            &r.header("x-sahel-watch-signature").expect("signed"),
        );
        assert_eq!(
            r.body,
            serde_json::to_vec(&a).unwrap(),
            "the body is the alert JSON exactly"
        );
        let back: Alert = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(back, a);
    }
    let r = row(&store, id);
    assert_eq!(r.attempts, 4);
    assert_eq!(count(&metrics.alerts_sent, "hook"), 1);
    assert_eq!(count(&metrics.delivery_errors, "hook"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_429_retry_after_is_honoured() {
    let rx = Receiver::start(vec![Reply::status(429).header("Retry-After", "3")]).await;
    let cfg = config(&format!(
        "{FAST}{}",
        json_hook("hook", &rx.url("/hook"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &cfg);
    let id = enqueue(&store, "hook", &alert("I-429"));
    let before = Utc::now();
    d.drain_once().await.unwrap();
    let r = row(&store, id);
    assert_eq!((r.status, r.attempts), (OutboxStatus::Pending, 1));
    assert!(
        r.next_attempt >= before + chrono::Duration::seconds(3),
        "next attempt {} is before the Retry-After ({} + 3s)",
        r.next_attempt,
        before
    );
    // Nothing is sent again before then.
    tokio::time::sleep(Duration::from_millis(500)).await;
    d.drain_once().await.unwrap();
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_permanent_4xx_marks_the_row_failed() {
    let rx = Receiver::start(vec![Reply::status(404).body("no such hook")]).await;
    let cfg = config(&format!(
        "{FAST}{}",
        json_hook("hook", &rx.url("/gone"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, metrics) = delivery(&store, &cfg);
    let id = enqueue(&store, "hook", &alert("I-404"));
    assert_eq!(d.drain_once().await.unwrap(), 1);
    let r = row(&store, id);
    assert_eq!(r.status, OutboxStatus::Failed);
    let err = r.last_error.unwrap();
    assert!(err.contains("404") && err.contains("no such hook"), "{err}");
    assert!(
        !err.contains("127.0.0.1"),
        "the webhook URL stays out of errors: {err}"
    );
    assert_eq!(count(&metrics.alerts_failed, "hook"), 1);
    d.drain_once().await.unwrap();
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn give_up_after_marks_failed_once_time_has_passed() {
    let rx = Receiver::start((0..100).map(|_| Reply::status(503)).collect()).await;
    let cfg = config(&format!(
        "{FAST}give_up_after = \"2s\"\n{}",
        json_hook("hook", &rx.url("/hook"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, metrics) = delivery(&store, &cfg);
    let id = enqueue(&store, "hook", &alert("I-giveup"));
    d.drain_once().await.unwrap();
    assert_eq!(
        row(&store, id).status,
        OutboxStatus::Pending,
        "young rows are retried"
    );
    drain_until(&d, Duration::from_secs(10), "row failed", || {
        row(&store, id).status == OutboxStatus::Failed
    })
    .await;
    let r = row(&store, id);
    assert!(r.attempts >= 2, "{r:?}");
    assert!(
        r.last_error.as_deref().unwrap().contains("give_up_after"),
        "{r:?}"
    );
    assert_eq!(count(&metrics.alerts_failed, "hook"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_formats_have_documented_shapes_and_neutralised_text() {
    let rx = Receiver::start(vec![]).await;
    let mut text = FAST.to_string();
    for f in ["slack", "discord", "teams", "ntfy"] {
        text.push_str(&json_hook(
            f,
            &rx.url(&format!("/{f}")),
            &format!("format = \"{f}\""),
        ));
    }
    let cfg = config(&text);
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &cfg);
    let a = hostile("I-chat");
    for f in ["slack", "discord", "teams", "ntfy"] {
        enqueue(&store, f, &a);
    }
    assert_eq!(d.drain_once().await.unwrap(), 4);
    let got = rx.received();
    assert_eq!(got.len(), 4);
    let by = |p: &str| {
        got.iter()
            .find(|r| r.path == p)
            .unwrap_or_else(|| panic!("no request to {p}"))
            .clone()
    };
    for r in &got {
        assert_eq!(
            r.header("idempotency-key").as_deref(),
            Some("I-chat:incident.new:1")
        );
    }

    // Slack: text + Block Kit blocks; &, <, > as entities; mentions broken.
    let slack = by("/slack");
    assert_eq!(
        slack.header("content-type").as_deref(),
        Some("application/json")
    );
    let v = slack.json();
    assert!(v["text"].is_string());
    let blocks = v["blocks"].as_array().unwrap();
    assert!(!blocks.is_empty() && blocks.len() <= 50);
    for b in blocks {
        let t = b["type"].as_str().unwrap();
        assert!(
            ["section", "context", "header", "divider"].contains(&t),
            "{b}"
        );
        if let Some(fields) = b["fields"].as_array() {
            assert!(fields.len() <= 10);
            assert!(fields.iter().all(|f| f["type"] == "mrkdwn"));
        }
    }
    let body = String::from_utf8(slack.body.clone()).unwrap();
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );
    assert!(!body.contains("<script"), "{body}");
    assert!(!body.contains("<!here>"), "{body}");
    assert!(body.contains("&lt;!here&gt;"), "{body}");
    assert!(
        !body.contains("@channel") && !body.contains("@everyone"),
        "mentions must be broken: {body}"
    );
    assert!(body.contains("@\u{200B}channel"), "{body}");
    assert!(
        body.contains("<https://outlet.example/niger-ambush-tillaberi|"),
        "story link in Slack syntax: {body}"
    );
    assert!(
        !body.contains("<javascript:"),
        "no link to a javascript: URL: {body}"
    );

    // Discord: content + embeds, no mentions parsed, markdown escaped.
    let v = by("/discord").json();
    assert_eq!(v["allowed_mentions"], serde_json::json!({"parse": []}));
    assert!(v["content"].as_str().unwrap().len() <= 2000);
    let e = &v["embeds"][0];
    assert!(e["title"].as_str().unwrap().chars().count() <= 256);
    assert!(e["description"].as_str().unwrap().chars().count() <= 4096);
    assert!(e["fields"].as_array().unwrap().len() <= 25);
    assert_eq!(e["url"], "https://outlet.example/niger-ambush-tillaberi");
    let body = String::from_utf8(by("/discord").body).unwrap();
    assert!(
        !body.contains("@everyone") && !body.contains("@channel"),
        "{body}"
    );
    assert!(
        !body.contains("**now**"),
        "story markdown must be escaped: {body}"
    );
    assert!(body.contains("\\\\*\\\\*now\\\\*\\\\*"), "{body}");
    // Every `<` of story text is backslash-escaped (JSON: `\\<`).
    assert!(body.contains("\\\\<script"), "{body}");
    assert!(!body.replace("\\\\<", "").contains('<'), "{body}");

    // Teams: a message with one Adaptive Card attachment.
    let v = by("/teams").json();
    assert_eq!(v["type"], "message");
    let att = &v["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(att["content"]["type"], "AdaptiveCard");
    assert!(att["content"]["version"].is_string());
    let card_body = att["content"]["body"].as_array().unwrap();
    assert_eq!(card_body[0]["type"], "TextBlock");
    assert!(card_body.iter().any(|b| b["type"] == "FactSet"));
    let body = String::from_utf8(by("/teams").body).unwrap();
    assert!(
        !body.replace("\\\\<", "").contains('<'),
        "no unescaped < in a card: {body}"
    );
    assert!(!body.contains("**now**"), "{body}");
    assert!(!body.contains("@everyone"), "{body}");

    // ntfy: plain text body with Title, Priority, Tags and Click headers.
    let n = by("/ntfy");
    assert!(n.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(n.header("priority").as_deref(), Some("high"));
    assert_eq!(n.header("tags").as_deref(), Some("rotating_light,NE"));
    assert_eq!(
        n.header("click").as_deref(),
        Some("https://outlet.example/niger-ambush-tillaberi")
    );
    assert!(n.header("title").unwrap().contains("Teguey"));
    let t = n.text();
    assert!(t.contains("Killed:") && t.contains("23"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_restarted_mid_retry_delivers_exactly_once() {
    let rx = Receiver::start(vec![Reply::status(502), Reply::status(502)]).await;
    let cfg = config(&format!(
        "{FAST}{}",
        json_hook("hook", &rx.url("/hook"), "")
    ));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.sqlite");
    let id;
    {
        let store = Arc::new(Store::open(&db).unwrap());
        let (d, _) = delivery(&store, &cfg);
        id = enqueue(&store, "hook", &alert("I-restart"));
        d.drain_once().await.unwrap();
        let r = row(&store, id);
        assert_eq!((r.status, r.attempts), (OutboxStatus::Pending, 1));
        // The daemon stops here: Delivery and Store dropped.
    }
    let store = Arc::new(Store::open(&db).unwrap());
    let (d, _) = delivery(&store, &cfg);
    drain_until(
        &d,
        Duration::from_secs(15),
        "row delivered after restart",
        || row(&store, id).status == OutboxStatus::Delivered,
    )
    .await;
    d.drain_once().await.unwrap();
    assert_eq!(rx.accepted().len(), 1, "delivered exactly once");
    assert_eq!(rx.received().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_rows_of_a_group_become_one_digest() {
    let rx = Receiver::start(vec![]).await;
    let cfg = config(&format!(
        "{FAST}{}",
        json_hook("hook", &rx.url("/hook"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, metrics) = delivery(&store, &cfg);
    let due = Utc::now() - chrono::Duration::seconds(5);
    let later = Utc::now() + chrono::Duration::hours(6);
    let mut held = Vec::new();
    for (n, place) in ["Teguey", "Kandadji", "Ayorou"].iter().enumerate() {
        let mut a = alert(&format!("I-night-{n}"));
        a.incident.location = Some(place.to_string());
        a.stories[0].url = Some(format!("https://outlet.example/{place}"));
        a.watchlists = vec!["night".into()];
        held.push(enqueue_at(&store, "hook", &a, Some((due, "night"))));
    }
    let not_yet = enqueue_at(
        &store,
        "hook",
        &alert("I-night-later"),
        Some((later, "night")),
    );
    let single = enqueue_at(&store, "hook", &alert("I-day-only"), Some((due, "day")));
    let normal = enqueue(&store, "hook", &alert("I-normal"));

    assert_eq!(d.drain_once().await.unwrap(), 5);
    let got = rx.received();
    assert_eq!(
        got.len(),
        3,
        "one digest, one lone held alert, one normal alert"
    );
    let alerts: Vec<Alert> = got
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let digests: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.event == AlertEvent::Digest)
        .collect();
    assert_eq!(digests.len(), 1);
    let dg = digests[0];
    assert_eq!(dg.incident.id, format!("digest:night:{}", held[0]));
    assert_eq!(
        dg.incident.title.as_deref(),
        Some("3 incidents during quiet hours")
    );
    let summary = dg.incident.summary.clone().unwrap();
    assert_eq!(summary.lines().count(), 3, "{summary}");
    for place in ["Teguey", "Kandadji", "Ayorou"] {
        assert!(summary.contains(place), "{summary}");
    }
    assert_eq!(dg.stories.len(), 3);
    assert!(dg.watchlists.contains(&"night".to_string()));
    let digest_req = got
        .iter()
        .find(|r| r.body == serde_json::to_vec(dg).unwrap())
        .unwrap();
    assert_eq!(
        digest_req.header("idempotency-key"),
        Some(format!("digest:night:{}:digest:1", held[0]))
    );
    // A group of one is sent as its own alert.
    assert!(alerts
        .iter()
        .any(|a| a.incident.id == "I-day-only" && a.event == AlertEvent::New));
    assert!(alerts.iter().any(|a| a.incident.id == "I-normal"));

    for id in held.iter().chain([&single, &normal]) {
        assert_eq!(row(&store, *id).status, OutboxStatus::Delivered);
    }
    assert_eq!(
        row(&store, not_yet).status,
        OutboxStatus::Held,
        "not due yet"
    );
    assert_eq!(count(&metrics.alerts_sent, "hook"), 5);
}

// ---- files, log, building -------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_appends_lines_that_parse_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let cfg = config(&format!(
        "{FAST}[[channel]]\nname = \"file\"\ntype = \"jsonl\"\npath = \"{}\"\n",
        path.display()
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &cfg);
    let a = hostile("I-file-1");
    let b = alert("I-file-2");
    enqueue(&store, "file", &a);
    enqueue(&store, "file", &b);
    assert_eq!(d.drain_once().await.unwrap(), 2);
    enqueue(&store, "file", &alert("I-file-3"));
    assert_eq!(d.drain_once().await.unwrap(), 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(text.ends_with('\n'));
    let back: Vec<Alert> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back[0], a);
    assert_eq!(back[1], b);
    assert_eq!(back[2].incident.id, "I-file-3");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_channels_alerts_go_to_the_implicit_log_channel() {
    let cfg = config(FAST);
    let sinks = build_sinks(&cfg).unwrap();
    assert_eq!(sinks.keys().collect::<Vec<_>>(), vec!["log"]);
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &cfg);
    let id = enqueue(&store, "log", &alert("I-log"));
    assert_eq!(d.drain_once().await.unwrap(), 1);
    assert_eq!(row(&store, id).status, OutboxStatus::Delivered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_secrets_are_errors_naming_channel_and_source_and_reload_keeps_the_old() {
    let var = "SAHEL_WATCH_TEST_SURELY_UNSET_7f3a";
    let text = json_hook(
        "hook",
        "http://127.0.0.1:9/x",
        &format!("secret_env = \"{var}\""),
    );
    let err = build_sinks(&config(&text))
        .err()
        .expect("missing variable is an error")
        .to_string();
    assert!(err.contains("\"hook\"") && err.contains(var), "{err}");

    let text = format!(
        "{}\npassword_env = \"{var}\"\nusername = \"u\"\n",
        email_channel(2525, "").trim_end()
    );
    let err = build_sinks(&config(&text))
        .err()
        .expect("missing variable is an error")
        .to_string();
    assert!(err.contains("\"mail\"") && err.contains(var), "{err}");

    let text = json_hook(
        "hook",
        "http://127.0.0.1:9/x",
        "secret_file = \"/nonexistent/sahel-watch/secret\"",
    );
    let err = format!(
        "{:#}",
        build_sinks(&config(&text))
            .err()
            .expect("unreadable file is an error")
    );
    assert!(
        err.contains("\"hook\"") && err.contains("/nonexistent/sahel-watch/secret"),
        "{err}"
    );

    // A reload that fails keeps the working settings.
    let rx = Receiver::start(vec![]).await;
    let good = config(&format!(
        "{FAST}{}",
        json_hook("hook", &rx.url("/hook"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &good);
    let bad = config(&json_hook(
        "hook",
        "http://127.0.0.1:9/x",
        &format!("secret_env = \"{var}\""),
    ));
    assert!(d.reload(&bad).is_err());
    let id = enqueue(&store, "hook", &alert("I-reload"));
    d.drain_once().await.unwrap();
    assert_eq!(row(&store, id).status, OutboxStatus::Delivered);
    assert_eq!(rx.received().len(), 1);
}

// ---- the worker -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_channel_does_not_delay_another_and_shutdown_leaves_it_queued() {
    let slow = Receiver::start(vec![Reply::status(200).delay(Duration::from_secs(30))]).await;
    let fast = Receiver::start(vec![]).await;
    let cfg = config(&format!(
        "[daemon]\nshutdown_grace = \"300ms\"\n{FAST}{}{}",
        json_hook("slow", &slow.url("/slow"), "timeout = \"60s\""),
        json_hook("fast", &fast.url("/fast"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &cfg);
    let shutdown = CancellationToken::new();
    let run = tokio::spawn(d.clone().run(shutdown.clone()));
    let slow_id = enqueue(&store, "slow", &alert("I-slow"));
    let fast_id = enqueue(&store, "fast", &alert("I-fast"));
    d.wake();
    wait_until(Duration::from_secs(5), "the slow send is under way", || {
        slow.arrived() == 1
    })
    .await;
    wait_until(Duration::from_secs(5), "the fast channel delivered", || {
        row(&store, fast_id).status == OutboxStatus::Delivered
    })
    .await;
    assert_eq!(row(&store, slow_id).status, OutboxStatus::Pending);

    let t = Instant::now();
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), run)
        .await
        .expect("run returns within the grace")
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    let r = row(&store, slow_id);
    assert_eq!(
        (r.status, r.attempts),
        (OutboxStatus::Pending, 0),
        "abandoned send stays queued: {r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_another_place_are_not_followed() {
    let rx = Receiver::start(vec![
        Reply::status(302).header("Location", "http://localhost:9/elsewhere")
    ])
    .await;
    let cfg = config(&format!(
        "{FAST}{}",
        json_hook("hook", &rx.url("/hook"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &cfg);
    let id = enqueue(&store, "hook", &alert("I-redirect"));
    d.drain_once().await.unwrap();
    let r = row(&store, id);
    assert_eq!(r.status, OutboxStatus::Failed);
    assert!(r.last_error.as_deref().unwrap().contains("302"), "{r:?}");
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_alert_goes_straight_to_the_channel() {
    let rx = Receiver::start(vec![]).await;
    let cfg = config(&json_hook("hook", &rx.url("/hook"), ""));
    sahel_watch::sink::send_test_alert(&cfg, "hook")
        .await
        .unwrap();
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let a: Alert = serde_json::from_slice(&got[0].body).unwrap();
    assert!(a.incident.id.starts_with("test-"), "{}", a.incident.id);
    assert_eq!(
        got[0].json()["event"],
        "test",
        "unmistakable in the JSON body"
    );
    assert!(a.headline().starts_with("[TEST] "), "{}", a.headline());
    let err = sahel_watch::sink::send_test_alert(&cfg, "nope")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"nope\"") && err.contains("hook"), "{err}");

    let down = config(&json_hook(
        "hook",
        &format!("http://127.0.0.1:{}/x", free_port()),
        "",
    ));
    let err = sahel_watch::sink::send_test_alert(&down, "hook")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"hook\""), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_alert_is_marked_in_email_subject_and_chat_headline() {
    let server = SmtpServer::start(SmtpOptions::default()).await;
    let rx = Receiver::start(vec![]).await;
    let cfg = config(&format!(
        "{}\n{}",
        email_channel(server.addr.port(), ""),
        json_hook("chat", &rx.url("/slack"), "format = \"slack\"")
    ));
    sahel_watch::sink::send_test_alert(&cfg, "mail")
        .await
        .unwrap();
    let mails = server.wait_for_mails(1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    let parsed = mailparse::parse_mail(&mails[0].data).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|x| x.get_key().eq_ignore_ascii_case("Subject"))
        .map(|x| x.get_value())
        .unwrap();
    assert!(subject.starts_with("[TEST] [sahel-watch] "), "{subject}");

    sahel_watch::sink::send_test_alert(&cfg, "chat")
        .await
        .unwrap();
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let text = got[0].text();
    assert!(text.contains("[TEST] "), "{text}");
    let body = got[0].json();
    let headline = body["text"].as_str().unwrap_or_default();
    assert!(headline.starts_with("[TEST] "), "{body}");
}

/// Log output captured for one (single-threaded) test.
#[derive(Clone, Default)]
struct LogBuf(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuf {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}

thread_local! {
    /// The buffer of the test that captures logs on this thread, if any.
    static CAPTURE: std::cell::RefCell<Option<LogBuf>> = const { std::cell::RefCell::new(None) };
}

/// Writes to this thread's capture buffer, or nowhere.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(buf) = &*c.borrow() {
                buf.0.lock().unwrap().extend_from_slice(b);
            }
        });
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Capture this thread's log lines into `logs`. One global subscriber for the
/// whole test binary (a thread-local default subscriber loses events when
/// tests on other threads hit the same callsites first: tracing caches each
/// callsite's interest globally).
fn capture_logs(logs: &LogBuf) {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| ThreadCapture)
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
    });
    CAPTURE.with(|c| *c.borrow_mut() = Some(logs.clone()));
}

#[tokio::test(flavor = "current_thread")]
async fn channel_state_changes_are_logged_once_and_failures_loudly() {
    let logs = LogBuf::default();
    capture_logs(&logs);

    let rx = Receiver::start(vec![
        Reply::status(503),
        Reply::status(503),
        Reply::status(503),
    ])
    .await;
    let cfg = config(&format!(
        "{FAST}{}",
        json_hook("hook", &rx.url("/hook"), "")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let (d, _) = delivery(&store, &cfg);
    let id = enqueue(&store, "hook", &alert("I-states"));
    drain_until(&d, Duration::from_secs(15), "row delivered", || {
        row(&store, id).status == OutboxStatus::Delivered
    })
    .await;
    rx.push(Reply::status(422).body("bad payload"));
    let refused = enqueue(&store, "hook", &alert("I-refused"));
    d.drain_once().await.unwrap();
    assert_eq!(row(&store, refused).status, OutboxStatus::Failed);

    let text = logs.text();
    let lines = |needle: &str| text.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(
        lines("is failing"),
        1,
        "one WARN when the channel starts failing:\n{text}"
    );
    assert_eq!(lines("recovered"), 1, "one INFO when it recovers:\n{text}");
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ALERT NOT DELIVERED"))
        .collect();
    assert_eq!(failed.len(), 1, "{text}");
    assert!(failed[0].contains("ERROR"), "{}", failed[0]);
    assert!(
        failed[0].contains("hook") && failed[0].contains("I-refused") && failed[0].contains("422"),
        "{}",
        failed[0]
    );
    assert!(
        !text.contains(&rx.url("/hook")),
        "the webhook URL is never logged:\n{text}"
    );
}
