//! The chat and SMS channels against servers on 127.0.0.1 that check each
//! request as the real service does: a real Matrix homeserver (Synapse, from
//! scripts/test-tools.sh), and stand-ins for the Telegram Bot API,
//! signal-cli-rest-api and an SMS gateway (tests/support/chat_apis.rs,
//! http_receiver.rs). Alerts go through the outbox and the delivery worker,
//! with its retries. Every wait is bounded.

mod support;

use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};
use tokio::time::Instant;

use sahel_watch::config::{ChannelConfig, Config};
use sahel_watch::metrics::{Health, Metrics};
use sahel_watch::model::{Alert, StoryRef};
use sahel_watch::sink::render::{short_text, SHORT_TEXT_MAX};
use sahel_watch::sink::worker::Delivery;
use sahel_watch::sink::{build_sinks, sample_alert};
use sahel_watch::store::{NewOutbox, OutboxRow, OutboxStatus, Store};

use support::chat_apis::{telegram_html, SignalApi, TelegramApi};
use support::http_receiver::{Receiver, Reply};
use support::logs::{capture, LogBuf};
use support::synapse::Synapse;

const FAST: &str = "[alerts]\nretry_delay = \"50ms\"\nmax_retry_delay = \"200ms\"\n";
const TOKEN: &str = "7012345678:AAE-sahelwatchTEST_token-q9Zx";
const CHAT: i64 = -1001234567890;

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

/// Outsiders' markup, mentions and an unsafe link in the alert's text.
fn hostile(id: &str) -> Alert {
    let mut a = alert(id);
    a.incident.title = Some("<script>alert(1)</script> @channel attack & <b>raid</b>".into());
    a.incident.summary = Some(
        "Gunmen & <b>raiders</b> struck. <!here> @everyone @room **now** [x](javascript:alert(1)) &amp; &nbsp;".into(),
    );
    a.stories[0].title = "<i>Ambush</i> @here".into();
    a.stories.push(StoryRef {
        title: "unsafe link".into(),
        url: Some("javascript:alert(1)".into()),
        source: "Evil <Outlet>".into(),
        published: None,
    });
    a
}

/// A secret in a file of its own (mode 600), as a channel reads it.
fn secret_file(dir: &std::path::Path, name: &str, value: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("{value}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p.display().to_string()
}

fn enqueue(store: &Store, channel: &str, a: &Alert) -> i64 {
    let payload = serde_json::to_string(a).unwrap();
    let key = a.idempotency_key();
    let row = NewOutbox {
        idem_key: &key,
        channel,
        event: a.event.as_str(),
        incident_id: &a.incident.id,
        payload: &payload,
        held_until: None,
        digest_group: None,
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

fn row(store: &Store, id: i64) -> OutboxRow {
    store
        .outbox_rows()
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .expect("outbox row")
}

fn delivery(store: &Arc<Store>, cfg: &Config) -> Arc<Delivery> {
    Delivery::new(
        store.clone(),
        cfg,
        Metrics::default(),
        Arc::new(Health::default()),
    )
    .unwrap()
}

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

fn telegram_channel(name: &str, api_base: &str, chat: &str, token_file: &str) -> String {
    format!(
        "[[channel]]\nname = \"{name}\"\ntype = \"telegram\"\nbot_token_file = \"{token_file}\"\nchat_id = {chat}\napi_base = \"{api_base}\"\ntimeout = \"5s\"\n"
    )
}

// ---- Telegram ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_gets_its_html_subset_escaped_and_waits_when_told_to() {
    let api = TelegramApi::start(
        TOKEN,
        json!(CHAT),
        vec![(
            429,
            json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}),
        )],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let tf = secret_file(dir.path(), "bot-token", TOKEN);
    let cfg = config(&format!(
        "{FAST}{}",
        telegram_channel("tg", &api.base(), &CHAT.to_string(), &tf)
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let d = delivery(&store, &cfg);
    let id = enqueue(&store, "tg", &hostile("I-tg-1"));

    let before = Utc::now();
    d.drain_once().await.unwrap();
    let r = row(&store, id);
    assert_eq!((r.status, r.attempts), (OutboxStatus::Pending, 1), "{r:?}");
    assert!(
        r.last_error.as_deref().unwrap_or("").contains("429"),
        "{r:?}"
    );
    assert!(
        r.next_attempt >= before + chrono::Duration::milliseconds(900),
        "parameters.retry_after = 1 is honoured: {r:?}"
    );
    drain_until(
        &d,
        Duration::from_secs(15),
        "delivered after the wait",
        || row(&store, id).status == OutboxStatus::Delivered,
    )
    .await;

    let seen = api.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].method, "POST");
    assert_eq!(seen[1].path, format!("/bot{TOKEN}/sendMessage"));
    let m = &api.accepted()[0];
    assert_eq!(
        m["chat_id"],
        json!(CHAT),
        "a numeric chat id stays a number"
    );
    assert_eq!(m["parse_mode"], "HTML");
    assert_eq!(m["disable_web_page_preview"], true);
    let text = m["text"].as_str().unwrap();
    telegram_html(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(text.starts_with("<b>ambush in Teguey"), "{text}");
    for want in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "@\u{200B}channel",
        "@\u{200B}everyone",
        "&amp;amp;",
        "<a href=\"https://outlet.example/niger-ambush-tillaberi\">&lt;i&gt;Ambush&lt;/i&gt; @\u{200B}here</a>",
        "<b>Killed:</b> 23",
        "Evil &lt;Outlet&gt;",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
    assert!(!text.contains("href=\"javascript"), "{text}");
    assert_eq!(
        text.matches("<a href=").count(),
        2,
        "the story and the map: {text}"
    );
    assert!(!text.contains("<script"), "{text}");

    // a long alert is cut to Telegram's 4096 characters, and still accepted
    let mut long = alert("I-tg-long");
    long.incident.summary = Some("Lorem ipsum & <dolor> sit amet. ".repeat(400));
    for n in 0..40 {
        long.stories.push(StoryRef {
            title: format!("Story {n} with a rather long title about the attack & its toll"),
            url: Some(format!("https://outlet.example/story-{n}")),
            source: "Outlet".into(),
            published: None,
        });
    }
    let id = enqueue(&store, "tg", &long);
    d.drain_once().await.unwrap();
    assert_eq!(row(&store, id).status, OutboxStatus::Delivered);
    let text = api.accepted()[1]["text"].as_str().unwrap().to_string();
    assert!(telegram_html(&text).unwrap() <= 4096);
}

#[tokio::test(flavor = "current_thread")]
async fn the_telegram_token_is_in_no_error_log_line_or_debug_output() {
    let logs = LogBuf::default();
    capture(&logs);
    let wrong = "7012345678:AAE-wrongTOKEN-for-the-test";
    // the server echoes the token in its error, as a proxy might: redacted all the same
    let flaky = TelegramApi::start(
        TOKEN,
        json!(CHAT),
        vec![(
            500,
            json!({"ok": false, "error_code": 500, "description": format!("Internal Server Error at /bot{TOKEN}/sendMessage")}),
        )],
    )
    .await;
    let api = TelegramApi::start(TOKEN, json!(CHAT), vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let good = secret_file(dir.path(), "good", TOKEN);
    let bad = secret_file(dir.path(), "bad", wrong);
    let down = format!("http://127.0.0.1:{}", support::daemon::free_port());
    let cfg = config(&format!(
        "{FAST}{}{}{}{}",
        telegram_channel("tg-500", &flaky.base(), &CHAT.to_string(), &good),
        telegram_channel("tg-wrong-token", &api.base(), &CHAT.to_string(), &bad),
        telegram_channel("tg-down", &down, &CHAT.to_string(), &good),
        // a chat the bot is not in: a permanent refusal
        telegram_channel("tg-no-chat", &api.base(), "-100999", &good),
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let d = delivery(&store, &cfg);
    let ids: Vec<i64> = ["tg-500", "tg-wrong-token", "tg-down", "tg-no-chat"]
        .iter()
        .map(|c| enqueue(&store, c, &alert(&format!("I-{c}"))))
        .collect();
    d.drain_once().await.unwrap();
    let errors: Vec<String> = ids
        .iter()
        .map(|id| row(&store, *id).last_error.unwrap_or_default())
        .collect();
    assert!(
        errors[0].contains("500") && errors[0].contains("[redacted]"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("401") && errors[1].contains("Unauthorized"),
        "{errors:?}"
    );
    assert_eq!(
        row(&store, ids[1]).status,
        OutboxStatus::Pending,
        "a wrong token is retried: a fixed file and a reload cure it"
    );
    assert!(errors[2].contains("Telegram request failed"), "{errors:?}");
    assert!(errors[3].contains("chat not found"), "{errors:?}");
    assert_eq!(row(&store, ids[3]).status, OutboxStatus::Failed);
    // the one that succeeds after its 500 is delivered
    drain_until(&d, Duration::from_secs(15), "tg-500 delivered", || {
        row(&store, ids[0]).status == OutboxStatus::Delivered
    })
    .await;

    let err = sahel_watch::sink::send_test_alert(&cfg, "tg-down")
        .await
        .unwrap_err()
        .to_string();
    let err_wrong = sahel_watch::sink::send_test_alert(&cfg, "tg-wrong-token")
        .await
        .unwrap_err()
        .to_string();
    let debug = match cfg.channel("tg-500").unwrap() {
        ChannelConfig::Telegram(t) => format!(
            "{:?}",
            sahel_watch::sink::telegram::TelegramSink::new(t).unwrap()
        ),
        _ => unreachable!(),
    };
    let text = logs.text();
    assert!(text.contains("ALERT NOT DELIVERED"), "{text}");
    assert!(text.contains("is failing"), "{text}");
    for (what, s) in [
        ("row errors", errors.join("\n")),
        ("test-alert error", err.clone()),
        ("test-alert error", err_wrong.clone()),
        ("Debug", debug.clone()),
        ("logs", text.clone()),
    ] {
        for secret in [TOKEN, wrong, "AAE-sahelwatchTEST", "AAE-wrongTOKEN"] {
            assert!(!s.contains(secret), "the token is in the {what}:\n{s}");
        }
    }
    assert!(debug.contains("[redacted]"), "{debug}");
    assert!(err.contains("tg-down"), "{err}");
}

// ---- Matrix (a real Synapse) ------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_messages_reach_a_synapse_room_once_per_idempotency_key() {
    let Some(hs) = Synapse::start().await else {
        return;
    };
    let bot = hs.register("sahelbot").await;
    let room = hs.create_room(&bot).await;
    let dir = tempfile::tempdir().unwrap();
    let tf = secret_file(dir.path(), "matrix-token", &bot);
    let channel = |name: &str, room: &str, token_file: &str| {
        format!(
            "[[channel]]\nname = \"{name}\"\ntype = \"matrix\"\nhomeserver = \"{}\"\nroom_id = \"{room}\"\naccess_token_file = \"{token_file}\"\ntimeout = \"10s\"\n",
            hs.base
        )
    };
    let other = hs.register("someoneelse").await;
    let foreign_room = hs.create_room(&other).await;
    let bad = secret_file(dir.path(), "bad-token", "syt_not_a_token_of_this_server");
    let cfg = config(&format!(
        "{FAST}{}{}{}",
        channel("mx", &room, &tf),
        channel("mx-bad-token", &room, &bad),
        channel("mx-foreign", &foreign_room, &tf),
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let d = delivery(&store, &cfg);
    let a = hostile("I-mx-1");
    let id = enqueue(&store, "mx", &a);
    drain_until(&d, Duration::from_secs(30), "delivered to Synapse", || {
        row(&store, id).status == OutboxStatus::Delivered
    })
    .await;

    let events = hs.messages(&bot, &room).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let c = &events[0]["content"];
    assert_eq!(c["msgtype"], "m.text");
    assert_eq!(c["format"], "org.matrix.custom.html");
    assert_eq!(c["m.mentions"], json!({}), "pings nobody");
    let body = c["body"].as_str().unwrap();
    let html = c["formatted_body"].as_str().unwrap();
    assert!(
        body.starts_with("ambush in Teguey, Tillaberi (NE)"),
        "{body}"
    );
    assert!(
        body.contains("<script>alert(1)</script>"),
        "plain text as it is: {body}"
    );
    assert!(
        !body.contains("@room") && body.contains("@\u{200B}room"),
        "{body}"
    );
    for want in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<a href=\"https://outlet.example/niger-ambush-tillaberi\">",
        "@\u{200B}everyone",
        "<br>",
    ] {
        assert!(html.contains(want), "missing {want:?} in {html}");
    }
    assert!(
        !html.contains("<script") && !html.contains("href=\"javascript"),
        "{html}"
    );
    assert_eq!(
        events[0]["unsigned"]["transaction_id"],
        sahel_watch::sink::matrix::txn_id(&a.idempotency_key()),
        "the transaction id comes from the idempotency key"
    );

    // the repeat after a crash (same key) is dropped by the homeserver; another key is a new message
    let sinks = build_sinks(&cfg).unwrap();
    let mx = &sinks["mx"];
    mx.send(&a, &a.idempotency_key()).await.unwrap();
    mx.send(&a, &a.idempotency_key()).await.unwrap();
    assert_eq!(
        hs.messages(&bot, &room).await.len(),
        1,
        "same txn id, same event"
    );
    let mut b = a.clone();
    b.revision = 2;
    mx.send(&b, &b.idempotency_key()).await.unwrap();
    assert_eq!(hs.messages(&bot, &room).await.len(), 2);

    // a token the server does not know, a room the bot is not in: kept for a retry, no token in the error
    let e = sinks["mx-bad-token"]
        .send(&a, &a.idempotency_key())
        .await
        .unwrap_err();
    assert!(
        e.retryable && e.message.contains("M_UNKNOWN_TOKEN"),
        "{e:?}"
    );
    assert!(!e.message.contains("syt_not_a_token"), "{e:?}");
    let e = sinks["mx-foreign"]
        .send(&a, &a.idempotency_key())
        .await
        .unwrap_err();
    assert!(e.retryable && e.message.contains("403"), "{e:?}");
    assert!(!e.message.contains(&bot), "{e:?}");
}

// ---- Signal --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_messages_have_the_rest_api_shape() {
    let api = SignalApi::start(
        "+22790000001",
        vec![(500, json!({"error": "signal-cli: timeout"}))],
    )
    .await;
    let channel = |name: &str, number: &str| {
        format!(
            "[[channel]]\nname = \"{name}\"\ntype = \"signal\"\nurl = \"{}\"\nnumber = \"{number}\"\nrecipients = [\"+22790000002\", \"group.c2FoZWwtd2F0Y2g=\"]\ntimeout = \"5s\"\n",
            api.url()
        )
    };
    let cfg = config(&format!(
        "{FAST}{}{}",
        channel("sig", "+22790000001"),
        channel("sig-unregistered", "+22790000009")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let d = delivery(&store, &cfg);
    let id = enqueue(&store, "sig", &hostile("I-sig-1"));
    drain_until(
        &d,
        Duration::from_secs(15),
        "delivered after the 500",
        || row(&store, id).status == OutboxStatus::Delivered,
    )
    .await;
    let got = api.accepted();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m["number"], "+22790000001");
    assert_eq!(
        m["recipients"],
        json!(["+22790000002", "group.c2FoZWwtd2F0Y2g="])
    );
    assert_eq!(m["text_mode"], "normal");
    let text = m["message"].as_str().unwrap();
    assert!(
        text.starts_with("ambush in Teguey, Tillaberi (NE) on 2024-03-20: 23 killed, 17 wounded\n"),
        "{text}"
    );
    assert!(
        text.contains("\nhttps://outlet.example/niger-ambush-tillaberi"),
        "{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("javascript:")),
        "no unsafe link on a line of its own: {text}"
    );
    assert!(text.chars().count() <= 2000);

    let id = enqueue(&store, "sig-unregistered", &alert("I-sig-2"));
    d.drain_once().await.unwrap();
    let r = row(&store, id);
    assert_eq!(r.status, OutboxStatus::Failed, "{r:?}");
    assert!(
        r.last_error
            .unwrap_or_default()
            .contains("User is not registered"),
        "the server's reason is kept"
    );
}

// ---- template webhooks: SMS gateways and any HTTP API ------------------------------

fn sahel_watch(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sahel-watch"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run sahel-watch")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_gateway_gets_a_form_with_the_short_text_and_its_secrets_from_the_environment() {
    let rx = Receiver::start(vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/sms.j2"),
        "To=%2B22790000002&From={{ env.SW_TEST_SMS_FROM }}&Body={{ short_text }}\n",
    )
    .unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"[[channel]]
name = "sms"
type = "webhook"
url = "{}"
format = "template"
template_file = "templates/sms.j2"
content_type = "application/x-www-form-urlencoded"
headers_env = {{ "Authorization" = "SW_TEST_SMS_AUTH" }}
template_env = ["SW_TEST_SMS_FROM"]
"#,
            rx.url("/2010-04-01/Accounts/AC0123/Messages.json")
        ),
    )
    .unwrap();
    let cfg = cfg.display().to_string();
    let auth = "Basic QUMwMTIzOnMzY3JldA==";
    let o = sahel_watch(
        &["test-alert", "--config", &cfg, "--channel", "sms"],
        &[
            ("SW_TEST_SMS_AUTH", auth),
            ("SW_TEST_SMS_FROM", "+22790000001"),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/2010-04-01/Accounts/AC0123/Messages.json");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.header("authorization").as_deref(), Some(auth));
    let form: std::collections::BTreeMap<String, String> =
        url::form_urlencoded::parse(&r.body).into_owned().collect();
    assert_eq!(form["To"], "+22790000002");
    assert_eq!(form["From"], "+22790000001");
    let body = &form["Body"];
    assert!(
        body.starts_with(
            "TEST: NE Tillaberi, Teguey 20 Mar: ambush, 23 killed, 17 wounded. sahel-watch test-"
        ),
        "{body}"
    );
    assert!(
        body.chars().count() <= SHORT_TEXT_MAX && body.is_ascii(),
        "{body}"
    );

    // without the secret in the environment the channel is not built, and says why
    let o = sahel_watch(
        &["test-alert", "--config", &cfg, "--channel", "sms"],
        &[("SW_TEST_SMS_FROM", "+22790000001")],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("SW_TEST_SMS_AUTH"), "{err}");
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_template_escapes_outsiders_text_and_is_retried_like_any_webhook() {
    let rx = Receiver::start(vec![Reply::status(503)]).await;
    let cfg = config(&format!(
        r#"{FAST}[[channel]]
name = "api"
type = "webhook"
url = "{}"
format = "template"
content_type = "application/json"
headers = {{ "X-Api-Version" = "2" }}
template = """
{{"messages": [{{"to": "+22790000002", "text": {{{{ short_text }}}}}}],
 "title": {{{{ incident.title }}}}, "killed": {{{{ incident.killed }}}},
 "sources": [{{% for s in stories %}}{{{{ s.url }}}}{{% if not loop.last %}}, {{% endif %}}{{% endfor %}}],
 "key": {{{{ idempotency_key }}}}}}
"""
timeout = "5s"
"#,
        rx.url("/sms/v1/send")
    ));
    let store = Arc::new(Store::open_in_memory().unwrap());
    let d = delivery(&store, &cfg);
    let a = hostile("I-api-1");
    let id = enqueue(&store, "api", &a);
    drain_until(
        &d,
        Duration::from_secs(15),
        "delivered after the 503",
        || row(&store, id).status == OutboxStatus::Delivered,
    )
    .await;
    let got = rx.received();
    assert_eq!(got.len(), 2, "a 503, then the retry");
    assert_eq!(got[0].body, got[1].body, "the same body each time");
    let r = &got[1];
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(r.header("x-api-version").as_deref(), Some("2"));
    assert_eq!(
        r.header("idempotency-key").as_deref(),
        Some("I-api-1:incident.new:1")
    );
    let v: Value = r.json();
    assert_eq!(v["messages"][0]["text"], short_text(&a));
    assert_eq!(
        v["title"],
        a.incident.title.clone().unwrap(),
        "markup kept as text, JSON intact"
    );
    assert_eq!(v["killed"], 23);
    assert_eq!(
        v["sources"],
        json!([
            "https://outlet.example/niger-ambush-tillaberi",
            "javascript:alert(1)"
        ])
    );
    assert_eq!(v["key"], "I-api-1:incident.new:1");
}

#[test]
fn check_config_names_the_line_of_a_template_error_in_the_file_it_is_in() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.j2"),
        "To=+22790000002\n&Body={{ short_text }}\n&Place={{ incident.place }}\n",
    )
    .unwrap();
    let f = dir.path().join("c.toml");
    let text = r##"[[channel]]
name = "inline"
type = "webhook"
url = "https://sms.example/send"
format = "template"
template = """
{"text": {{ short_text }},
 "n": {{ incident.killed + }}}
"""

[[channel]]
name = "file"
type = "webhook"
url = "https://sms.example/send"
format = "template"
template_file = "bad.j2"

[[channel]]
name = "quoted"
type = "webhook"
url = "https://sms.example/send"
format = "template"
content_type = "application/json"
template = '{"text": "{{ short_text }}"}'

[[channel]]
name = "mx"
type = "matrix"
homeserver = "https://matrix.example.org"
room_id = "#alerts:example.org"
access_token_env = "SW_TEST_MATRIX_TOKEN"

[[channel]]
name = "tg"
type = "telegram"
chat_id = "my group"
"##;
    std::fs::write(&f, text).unwrap();
    let f = f.display().to_string();
    let o = sahel_watch(&["check-config", &f], &[]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{err}");
    let line_of = |needle: &str| {
        err.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{err}"))
            .to_string()
    };
    // the inline template starts on line 7; its second line has the syntax error
    let l = line_of("\"inline\"");
    assert!(
        l.contains(&format!("{f}:8:")) && l.contains("syntax error"),
        "{l}"
    );
    // a template file's errors name the template file and its line
    let bad = dir.path().join("bad.j2").display().to_string();
    let l = line_of("\"file\"");
    assert!(
        l.contains(&format!("{bad}:3:")) && l.contains("undefined"),
        "{l}"
    );
    let l = line_of("\"quoted\"");
    assert!(
        l.contains(&format!("{f}:24:")) && l.contains("quotes included"),
        "{l}"
    );
    let l = line_of("room_id");
    assert!(
        l.contains(&format!("{f}:30:")) && l.contains("alias"),
        "{l}"
    );
    let l = line_of("chat_id");
    assert!(l.contains(&format!("{f}:36:")), "{l}");
    let l = line_of("bot_token_env");
    assert!(
        l.contains("\"tg\"") && l.contains("secrets never go in the configuration"),
        "{l}"
    );

    // fixed, the file passes, and check-config says where each channel sends
    let good = text
        .replace("{{ incident.killed + }}}", "{{ incident.killed }}}")
        .replace("\"{{ short_text }}\"", "{{ short_text }}")
        .replace("#alerts:example.org", "!AbCdEf:example.org")
        .replace(
            "chat_id = \"my group\"",
            &format!(
                "chat_id = -1001234567890\nbot_token_file = \"{}\"",
                dir.path().join("token").display()
            ),
        );
    std::fs::write(dir.path().join("c.toml"), good).unwrap();
    std::fs::write(dir.path().join("token"), "1:a\n").unwrap();
    std::fs::write(dir.path().join("bad.j2"), "Body={{ short_text }}").unwrap();
    let o = sahel_watch(&["check-config", &f], &[("SW_TEST_MATRIX_TOKEN", "x")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{}\n{out}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("Matrix room !AbCdEf:example.org"), "{out}");
    assert!(out.contains("Telegram chat -1001234567890"), "{out}");
    assert!(out.contains("body from template"), "{out}");
}

// ---- the short text ----------------------------------------------------------

#[test]
fn the_short_text_is_one_sms() {
    let mut a = alert("SW-NE-20240320-bankilare-8f1475");
    a.incident.location = Some("Bankilaré".into());
    a.incident.event_date = chrono::NaiveDate::from_ymd_opt(2024, 3, 19);
    assert_eq!(
        short_text(&a),
        "NE Tillaberi, Bankilare 19 Mar: ambush, 23 killed, 17 wounded. sahel-watch SW-NE-20240320-bankilare-8f1475"
    );
    a.incident.location = Some("Kéla‑Tchinbardène «\u{1F600}» {x}".repeat(8));
    let s = short_text(&a);
    assert!(s.chars().count() <= SHORT_TEXT_MAX, "{s}");
    assert!(s.is_ascii() && !s.contains(['{', '}']), "GSM 7-bit: {s}");
    assert!(s.contains("sahel-watch SW-"), "{s}");
    assert!(!s.contains('\n'));
}
