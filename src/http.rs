//! The HTTP endpoint at `daemon.listen`: `/healthz`, `/metrics`,
//! `/incidents` (JSON), `/incidents.atom` (a feed for analysts' readers),
//! `/incidents.cap.atom` (the CAP 1.2 alerts, for alert hubs),
//! `/incidents.geojson` (for a map), and the web page (`/`, `/incidents/{id}`,
//! `/incidents/{id}.cap`, `/static/...`: [`crate::web`]). The incident lists take the page's filters
//! (`?country=NE&region=...&days=7&watchlist=...&min_killed=10`).

use std::sync::Arc;

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::metrics::{Health, Metrics};
use crate::sink::render::safe_url;
use crate::store::{Incident, Store};
use crate::web::{FilterQuery, Filters, WebSettings};

/// Heartbeats older than this make `/healthz` fail.
const STALE_SECS: i64 = 120;
/// Every feed failing, or the outbox stuck, this long makes `/healthz` fail.
const STUCK_SECS: i64 = 30 * 60;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub metrics: Metrics,
    pub health: Arc<Health>,
    /// The web page's settings (`[web]`).
    pub web: Arc<WebSettings>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/incidents", get(incidents_json))
        .route("/incidents.atom", get(incidents_atom))
        .route("/incidents.cap.atom", get(incidents_cap_atom))
        .route("/incidents.geojson", get(incidents_geojson))
        .merge(crate::web::routes())
        .with_state(state)
}

/// A connection must send its request headers within this.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// A connection (keep-alive idle time included) is closed after this.
pub const CONNECTION_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30);
/// Connections open at once; more are closed as soon as accepted.
pub const MAX_CONNECTIONS: usize = 64;

/// Serve until `shutdown` is cancelled. Idle, half-sent and surplus
/// connections are closed ([`HEADER_TIMEOUT`], [`CONNECTION_LIFETIME`],
/// [`MAX_CONNECTIONS`]): a client that opens connections and never finishes
/// a request cannot exhaust the daemon's file descriptors.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) {
    let app = router(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let tracker = tokio_util::task::TaskTracker::new();
    let mut full_logged = false;
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // out of descriptors and the like: do not spin
                    tracing::warn!("HTTP endpoint: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if !full_logged {
                tracing::warn!(
                    max = MAX_CONNECTIONS,
                    "HTTP endpoint: too many connections open; closing new ones until some end"
                );
                full_logged = true;
            }
            drop(stream);
            continue;
        };
        full_logged = false;
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let stop = shutdown.clone();
        tracker.spawn(async move {
            let _slot = slot;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = tokio::time::sleep(CONNECTION_LIFETIME) => {}
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), conn).await;
                }
            }
        });
    }
    tracker.close();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), tracker.wait()).await;
}

fn internal(e: anyhow::Error) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("error: {e:#}\n")).into_response()
}

async fn healthz(State(s): State<AppState>) -> Response {
    let age = |h: &crate::metrics::Heartbeat| h.age_secs();
    let ok = |a: Option<i64>| a.is_some_and(|a| a < STALE_SECS);
    let (p, d, q) = (
        age(&s.health.poller),
        age(&s.health.delivery),
        age(&s.health.pipeline),
    );
    // off the async threads, and never waiting long: a busy database (a big
    // batch being stored) must not make the health check hang
    let st = s.clone();
    let db = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        tokio::task::spawn_blocking(move || {
            let depth = match st.store.outbox_depth() {
                Ok(d) => Some(d),
                Err(e) => {
                    st.store.note_error(&e);
                    None
                }
            };
            (depth, stuck_reasons(&st))
        }),
    )
    .await;
    let (depth, stuck) = match db {
        Ok(Ok((depth, stuck))) => (depth, stuck),
        _ => (None, Vec::new()),
    };
    let damaged = s.store.is_damaged();
    if s.health.is_standby() {
        // another daemon polls and delivers: this one only answers reads
        let body = serde_json::json!({
            "status": "standby",
            "reasons": [],
            "outbox_depth": depth,
        });
        let code = if depth.is_some() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return (
            code,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
    }
    let mut reasons: Vec<String> = Vec::new();
    if damaged {
        reasons.push("the state database is damaged".to_string());
    }
    for (name, a) in [("poller", p), ("pipeline", q), ("delivery", d)] {
        if !ok(a) {
            reasons.push(format!(
                "the {name} loop has not gone round for {STALE_SECS} s"
            ));
        }
    }
    reasons.extend(stuck);
    let body = serde_json::json!({
        "status": if damaged { "database damaged" } else if reasons.is_empty() { "ok" } else { "failing" },
        "reasons": reasons,
        "poller_heartbeat_age_secs": p,
        "pipeline_heartbeat_age_secs": q,
        "delivery_heartbeat_age_secs": d,
        "outbox_depth": depth,
    });
    let code = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Every feed failing for 30 minutes; the outbox not moving for 30 minutes while rows wait.
fn stuck_reasons(s: &AppState) -> Vec<String> {
    let mut out = Vec::new();
    let now = Utc::now();
    let long_ago =
        |t: Option<chrono::DateTime<Utc>>| t.is_none_or(|t| (now - t).num_seconds() >= STUCK_SECS);
    let started = s
        .health
        .started
        .age_secs()
        .map(|a| now - chrono::Duration::seconds(a));
    let feeds = s.health.feeds();
    if !feeds.is_empty() {
        if let Some(states) = noted(s, s.store.feed_states()) {
            let failing = feeds.iter().all(|f| {
                states
                    .iter()
                    .find(|st| &st.name == f)
                    .is_some_and(|st| st.failures > 0 && long_ago(st.last_success.or(started)))
            });
            if failing {
                out.push(format!(
                    "every feed ({}) has failed for {} minutes",
                    feeds.len(),
                    STUCK_SECS / 60
                ));
            }
        }
    }
    if let Some(p) = noted(s, s.store.outbox_progress()) {
        if p.oldest_waiting.is_some() && long_ago(p.oldest_waiting) && long_ago(p.last_settled) {
            out.push(format!(
                "the outbox has not moved for {} minutes: {} alert(s) wait",
                STUCK_SECS / 60,
                p.waiting
            ));
        }
    }
    out
}

/// The value, or None with a damaged-database error remembered.
fn noted<T>(s: &AppState, r: anyhow::Result<T>) -> Option<T> {
    r.map_err(|e| s.store.note_error(&e)).ok()
}

async fn metrics(State(s): State<AppState>) -> Response {
    if let Ok(d) = s.store.outbox_depth() {
        s.metrics.queue_depth.set(d as i64);
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.encode(),
    )
        .into_response()
}

/// An incident listed, with its stories and the watch-lists told of it.
pub struct Listed {
    pub incident: Incident,
    pub stories: Vec<crate::store::StoredStory>,
    pub watchlists: Vec<String>,
}

/// The incidents the filters let through, most recent first, at most [`crate::web::LIST_LIMIT`].
fn recent(s: &AppState, q: &FilterQuery) -> anyhow::Result<Vec<Listed>> {
    let f = Filters::parse(q).to_store(Utc::now());
    let list = s.store.incidents_filtered(&f, crate::web::LIST_LIMIT)?;
    list.into_iter()
        .map(|r| {
            let stories = s.store.stories_of(&r.incident.id)?;
            Ok(Listed {
                incident: r.incident,
                stories,
                watchlists: r.watchlists,
            })
        })
        .collect()
}

async fn incidents_json(State(s): State<AppState>, Query(q): Query<FilterQuery>) -> Response {
    match recent(&s, &q) {
        Ok(v) => {
            let body: Vec<_> = v
                .into_iter()
                .map(|l| {
                    serde_json::json!({
                        "incident": l.incident, "stories": l.stories, "watchlists": l.watchlists
                    })
                })
                .collect();
            axum::Json(body).into_response()
        }
        Err(e) => internal(e),
    }
}

fn headline(i: &Incident) -> String {
    let place = i
        .location
        .clone()
        .or(i.admin1.clone())
        .unwrap_or_else(|| "unknown place".into());
    let toll = i
        .killed
        .map(|k| format!(", {k} killed"))
        .unwrap_or_default();
    format!(
        "{} in {} ({}){}",
        i.attack_type.as_deref().unwrap_or("attack"),
        place,
        i.country.as_deref().unwrap_or("?"),
        toll
    )
}

/// An Atom feed of recent incidents (built with atom_syndication, which escapes).
pub fn atom_feed(items: &[Listed]) -> String {
    let updated: FixedDateTime = items
        .iter()
        .map(|l| l.incident.last_seen)
        .max()
        .unwrap_or_else(Utc::now)
        .fixed_offset();
    let entries: Vec<Entry> = items
        .iter()
        .map(
            |Listed {
                 incident: i,
                 stories,
                 ..
             }| {
                let mut html = String::new();
                html.push_str(&format!(
                    "<p>{} — {} {}, {}</p>",
                    i.event_date.map(|d| d.to_string()).unwrap_or_default(),
                    escape(i.location.as_deref().unwrap_or("")),
                    escape(i.admin1.as_deref().unwrap_or("")),
                    escape(i.country.as_deref().unwrap_or(""))
                ));
                if let Some(s) = &i.summary {
                    html.push_str(&format!("<p>{}</p>", escape(s)));
                }
                html.push_str("<ul>");
                for s in stories {
                    // only http(s) links go out, as in email and chat alerts
                    match s.url.as_deref().and_then(safe_url) {
                        Some(u) => html.push_str(&format!(
                            "<li><a href=\"{}\">{}</a> ({})</li>",
                            escape(&u),
                            escape(&s.title),
                            escape(&s.source)
                        )),
                        None => html.push_str(&format!(
                            "<li>{} ({})</li>",
                            escape(&s.title),
                            escape(&s.source)
                        )),
                    }
                }
                html.push_str("</ul>");
                let mut e = Entry::default();
                e.set_id(format!("urn:sahel-watch:incident:{}", i.id));
                e.set_title(Text::plain(strip_controls(&headline(i))));
                e.set_updated(i.last_seen.fixed_offset());
                e.set_published(Some(i.first_seen.fixed_offset()));
                e.set_authors(vec![Person {
                    name: "sahel-watch".into(),
                    ..Default::default()
                }]);
                if let Some(u) = stories
                    .iter()
                    .find_map(|s| s.url.as_deref().and_then(safe_url))
                {
                    e.set_links(vec![Link {
                        href: u,
                        ..Default::default()
                    }]);
                }
                e.set_content(Some(Content {
                    value: Some(html),
                    content_type: Some("html".into()),
                    ..Default::default()
                }));
                e
            },
        )
        .collect();
    let mut f = Feed::default();
    f.set_id("urn:sahel-watch:incidents");
    f.set_title(Text::plain("sahel-watch: recent incidents"));
    f.set_updated(updated);
    f.set_entries(entries);
    f.to_string()
}

/// Text for XML: markup escaped, and the characters XML 1.0 forbids (ESC,
/// NUL and the other controls but tab and newline) dropped, whatever the
/// store holds (stories stored before their source stripped them).
fn escape(s: &str) -> String {
    strip_controls(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `s` without control characters (tab and newline kept) nor the
/// non-characters U+FFFE and U+FFFF: what XML 1.0 cannot carry.
fn strip_controls(s: &str) -> String {
    s.chars()
        .filter(|c| {
            (!c.is_control() || matches!(c, '\n' | '\t')) && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
        })
        .collect()
}

async fn incidents_atom(State(s): State<AppState>, Query(q): Query<FilterQuery>) -> Response {
    match recent(&s, &q) {
        Ok(v) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            atom_feed(&v),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

/// `/incidents.cap.atom`: an Atom feed of the listed incidents' CAP alerts
/// (their latest revisions), each inline and linked (`application/cap+xml`).
async fn incidents_cap_atom(State(s): State<AppState>, Query(q): Query<FilterQuery>) -> Response {
    let st = s.clone();
    let data = tokio::task::spawn_blocking(move || {
        let list = recent(&st, &q)?;
        list.iter()
            .map(|l| {
                let revisions = st.store.revisions(&l.incident.id)?;
                Ok(crate::cap::CapIncident::from_store(
                    &l.incident,
                    &l.stories,
                    &revisions,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })
    .await;
    match data {
        Ok(Ok(alerts)) => (
            [
                (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            crate::cap::atom_feed(&alerts, &s.web.cap, Utc::now()),
        )
            .into_response(),
        Ok(Err(e)) => internal(e),
        Err(_) => internal(anyhow::anyhow!("the feed's task failed")),
    }
}

/// A GeoJSON FeatureCollection of recent incidents with coordinates.
pub fn geojson(items: &[Listed]) -> serde_json::Value {
    let features: Vec<_> = items
        .iter()
        .filter_map(|Listed { incident: i, stories, .. }| {
            let (lat, lon) = i.lat.zip(i.lon)?;
            Some(serde_json::json!({
                "type": "Feature",
                "id": i.id,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": i.id, "country": i.country, "admin1": i.admin1, "location": i.location,
                    "event_date": i.event_date, "killed": i.killed, "wounded": i.wounded,
                    "victims": i.victims, "actors": i.actors, "attack_type": i.attack_type,
                    "title": headline(i), "stories": stories.len(),
                }
            }))
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

async fn incidents_geojson(State(s): State<AppState>, Query(q): Query<FilterQuery>) -> Response {
    match recent(&s, &q) {
        Ok(v) => (
            [(header::CONTENT_TYPE, "application/geo+json")],
            geojson(&v).to_string(),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}
