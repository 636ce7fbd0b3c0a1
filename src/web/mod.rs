//! The web page: `GET /` (the incidents on a map and in a list, with filters kept in the
//! URL), `GET /incidents/{id}` (one incident: facts, revisions, stories, alerts, a small
//! map), `GET /incidents/{id}.cap` (its latest revision as a CAP 1.2 alert, [`crate::cap`])
//! and their script, style sheet and base map under `/static/`.
//!
//! Server-rendered HTML (maud escapes every text), one same-origin script (filters,
//! refresh from `/incidents` JSON, map/list highlighting) and one style sheet, both
//! embedded; no inline script, style or event handler, and a strict
//! Content-Security-Policy. The base map is drawn from embedded Natural Earth data
//! ([`basemap`]); raster tiles from a configured server may be layered under it.

pub mod basemap;
mod page;

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::cap::{CapIncident, CapSettings};
use crate::config::{Config, WebConfig};
use crate::http::AppState;
use crate::store::IncidentFilter;

pub use page::{incident_page, index_page, IncidentData, IndexData};

/// Incidents listed at most (the page, and `/incidents` which its refresh reads).
pub const LIST_LIMIT: usize = 100;

const APP_JS: &str = include_str!("static/app.js");
const APP_CSS: &str = include_str!("static/app.css");
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#2f2a24\"/>\
<circle cx=\"8\" cy=\"8\" r=\"4\" fill=\"#d7301f\"/></svg>\n";

/// What the page needs of the configuration (`[web]`), read at start.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub refresh: Duration,
    pub tiles: Option<TileSource>,
    pub tiles_attribution: Option<String>,
    /// CAP documents' sender and the page's public address.
    pub cap: CapSettings,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings::from_config(&WebConfig::default())
    }
}

impl WebSettings {
    pub fn from_config(c: &WebConfig) -> WebSettings {
        WebSettings {
            refresh: c.refresh,
            // validated with the configuration; a bad template (not reachable) means no tiles
            tiles: c.tiles.as_deref().and_then(|t| TileSource::parse(t).ok()),
            tiles_attribution: c.tiles_attribution.clone(),
            cap: CapSettings {
                public_url: c
                    .public_url
                    .as_deref()
                    .map(|u| u.trim_end_matches('/').to_string()),
                ..CapSettings::default()
            },
        }
    }

    /// The settings of `[web]` and `[cap]`.
    pub fn new(c: &Config) -> WebSettings {
        WebSettings {
            cap: CapSettings::from_config(c),
            ..WebSettings::from_config(&c.web)
        }
    }
}

/// A raster tile server: a URL template with `{z}`, `{x}` and `{y}`.
#[derive(Debug, Clone, PartialEq)]
pub struct TileSource {
    pub template: String,
    /// `scheme://host[:port]`, for the Content-Security-Policy.
    pub origin: String,
}

impl TileSource {
    pub fn parse(template: &str) -> Result<TileSource, String> {
        for p in ["{z}", "{x}", "{y}"] {
            if !template.contains(p) {
                return Err(format!("{template:?} lacks {p}"));
            }
        }
        let probe = template
            .replace("{z}", "0")
            .replace("{x}", "0")
            .replace("{y}", "0");
        let u = url::Url::parse(&probe).map_err(|e| format!("{template:?}: {e}"))?;
        if u.scheme() != "http" && u.scheme() != "https" {
            return Err(format!("{template:?} is not an http(s) URL"));
        }
        let host = u
            .host_str()
            .ok_or_else(|| format!("{template:?} has no host"))?;
        // the origin goes into a header: nothing but what a host may hold
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
            || template.chars().any(|c| c.is_whitespace() || c == '"')
        {
            return Err(format!("{template:?}: unexpected characters"));
        }
        let origin = match u.port() {
            Some(p) => format!("{}://{host}:{p}", u.scheme()),
            None => format!("{}://{host}", u.scheme()),
        };
        Ok(TileSource {
            template: template.to_string(),
            origin,
        })
    }
}

/// The Content-Security-Policy of the page: nothing from another host but the tiles.
pub fn csp(tiles: Option<&TileSource>) -> String {
    let img = match tiles {
        Some(t) => format!("'self' data: {}", t.origin),
        None => "'self' data:".to_string(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src {img}; connect-src 'self'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The query of `/`, `/incidents`, `/incidents.atom` and `/incidents.geojson`, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FilterQuery {
    pub country: Option<String>,
    pub region: Option<String>,
    pub days: Option<String>,
    pub watchlist: Option<String>,
    pub min_killed: Option<String>,
}

/// The filters understood (a value that makes no sense is left out, as if not given).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub country: Option<String>,
    pub region: Option<String>,
    /// 1, 7 or 30 (days); None: all.
    pub days: Option<u32>,
    pub watchlist: Option<String>,
    pub min_killed: Option<u32>,
}

/// The periods offered: (days, label).
pub const PERIODS: [(Option<u32>, &str); 4] = [
    (Some(1), "24 h"),
    (Some(7), "7 days"),
    (Some(30), "30 days"),
    (None, "all"),
];

impl Filters {
    pub fn parse(q: &FilterQuery) -> Filters {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.chars().count() <= 100)
                .filter(|s| !s.chars().any(char::is_control))
                .map(str::to_string)
        };
        Filters {
            country: text(&q.country)
                .filter(|c| c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()))
                .map(|c| c.to_ascii_uppercase()),
            region: text(&q.region),
            days: q
                .days
                .as_deref()
                .and_then(|d| d.trim().parse().ok())
                .filter(|d| [1, 7, 30].contains(d)),
            watchlist: text(&q.watchlist),
            min_killed: q
                .min_killed
                .as_deref()
                .and_then(|d| d.trim().parse().ok())
                .filter(|&k| k > 0),
        }
    }

    /// The store's filter; periods count whole days back from `now`'s (UTC) day.
    pub fn to_store(&self, now: DateTime<Utc>) -> IncidentFilter {
        IncidentFilter {
            country: self.country.clone(),
            admin1: self.region.clone(),
            since: self
                .days
                .map(|d| (now - chrono::Duration::days(d as i64)).date_naive()),
            watchlist: self.watchlist.clone(),
            min_killed: self.min_killed,
        }
    }

    /// The query string that gives these filters back ("" when none), in a fixed order.
    pub fn query_string(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(v) = &self.country {
            q.append_pair("country", v);
        }
        if let Some(v) = &self.region {
            q.append_pair("region", v);
        }
        if let Some(v) = self.days {
            q.append_pair("days", &v.to_string());
        }
        if let Some(v) = &self.watchlist {
            q.append_pair("watchlist", v);
        }
        if let Some(v) = self.min_killed {
            q.append_pair("min_killed", &v.to_string());
        }
        q.finish()
    }
}

/// How old an incident is, for its colour: its event day, else the day first seen.
pub fn age_class(day: NaiveDate, now: DateTime<Utc>) -> &'static str {
    match (now.date_naive() - day).num_days() {
        ..=1 => "d1",
        2..=7 => "d7",
        8..=30 => "d30",
        _ => "old",
    }
}

/// The radius of an incident's marker (map units of 1000 across): by its death toll.
pub fn marker_radius(killed: Option<u32>) -> f64 {
    match killed {
        Some(k) if k > 0 => (3.5 + 1.6 * (k as f64).sqrt()).min(18.0),
        _ => 3.0,
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
pub fn path_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A short version of a static file's bytes (FNV-1a), for URLs that may be cached long.
fn version_of(s: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{:08x}", h >> 32)
}

/// The versions of the static files, for their URLs.
pub struct Assets {
    pub js: String,
    pub css: String,
    pub map: String,
}

pub fn assets() -> &'static Assets {
    static A: OnceLock<Assets> = OnceLock::new();
    A.get_or_init(|| Assets {
        js: version_of(APP_JS),
        css: version_of(APP_CSS),
        map: version_of(basemap_svg(true)),
    })
}

fn basemap_svg(fills: bool) -> &'static str {
    static FILLED: OnceLock<String> = OnceLock::new();
    static LINES: OnceLock<String> = OnceLock::new();
    let cell = if fills { &FILLED } else { &LINES };
    cell.get_or_init(|| basemap::BaseMap::get().svg_document(fills))
}

/// The page's routes (merged into the endpoint's router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/incidents/{id}", get(incident))
        .route(
            "/static/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/basemap.svg",
            get(|| async { asset(basemap_svg(true), "image/svg+xml") }),
        )
        .route(
            "/static/favicon.svg",
            get(|| async { asset(FAVICON, "image/svg+xml") }),
        )
        .route(
            "/static/basemap-lines.svg",
            get(|| async { asset(basemap_svg(false), "image/svg+xml") }),
        )
}

/// Headers of every page and file: the policy, no sniffing, no referrer to the outlets.
fn secured(mut r: Response, tiles: Option<&TileSource>) -> Response {
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp(tiles)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    secured(
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            body,
        )
            .into_response(),
        None,
    )
}

fn html(status: StatusCode, body: String, tiles: Option<&TileSource>) -> Response {
    secured(
        (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        tiles,
    )
}

fn error_page(status: StatusCode, message: &str, s: &AppState) -> Response {
    html(
        status,
        page::error_page(status, message),
        s.web.tiles.as_ref(),
    )
}

async fn index(State(s): State<AppState>, Query(q): Query<FilterQuery>) -> Response {
    let filters = Filters::parse(&q);
    let st = s.clone();
    let f = filters.clone();
    let data = tokio::task::spawn_blocking(move || {
        let now = Utc::now();
        let rows = st.store.incidents_filtered(&f.to_store(now), LIST_LIMIT)?;
        let facets = st.store.facets()?;
        anyhow::Ok((rows, facets, now))
    })
    .await;
    match data {
        Ok(Ok((rows, facets, now))) => {
            let body = index_page(&IndexData {
                filters: &filters,
                rows: &rows,
                facets: &facets,
                now,
                web: &s.web,
            });
            html(StatusCode::OK, body, s.web.tiles.as_ref())
        }
        Ok(Err(e)) => failed(&s, e),
        Err(_) => failed(&s, anyhow::anyhow!("the page's task failed")),
    }
}

/// The state database could not be read: said in the log, not to the browser.
fn failed(s: &AppState, e: anyhow::Error) -> Response {
    s.store.note_error(&e);
    tracing::warn!("web page: {e:#}");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The state database could not be read; the daemon's log says why.",
        s,
    )
}

async fn incident(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    if let Some(id) = id.strip_suffix(".cap") {
        return incident_cap(s, id.to_string()).await;
    }
    let st = s.clone();
    let data = tokio::task::spawn_blocking(move || {
        let Some(inc) = st.store.incident(&id)? else {
            return anyhow::Ok(None);
        };
        let stories = st.store.story_details(&inc.id)?;
        let revisions = st.store.revisions(&inc.id)?;
        let alerts = st.store.alerts_of(&inc.id)?;
        Ok(Some((inc, stories, revisions, alerts)))
    })
    .await;
    match data {
        Ok(Ok(Some((inc, stories, revisions, alerts)))) => {
            let body = incident_page(&IncidentData {
                incident: &inc,
                stories: &stories,
                revisions: &revisions,
                alerts: &alerts,
                now: Utc::now(),
                web: &s.web,
            });
            html(StatusCode::OK, body, s.web.tiles.as_ref())
        }
        Ok(Ok(None)) => error_page(StatusCode::NOT_FOUND, "No incident of that id.", &s),
        Ok(Err(e)) => failed(&s, e),
        Err(_) => failed(&s, anyhow::anyhow!("the page's task failed")),
    }
}

/// `GET /incidents/{id}.cap`: the incident's latest revision as a CAP 1.2 alert.
async fn incident_cap(s: AppState, id: String) -> Response {
    let st = s.clone();
    let data = tokio::task::spawn_blocking(move || {
        let Some(inc) = st.store.incident(&id)?.filter(|i| !i.known) else {
            return anyhow::Ok(None);
        };
        let stories = st.store.stories_of(&inc.id)?;
        let revisions = st.store.revisions(&inc.id)?;
        Ok(Some(CapIncident::from_store(&inc, &stories, &revisions)))
    })
    .await;
    let text = |status: StatusCode, body: &'static str| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response()
    };
    match data {
        Ok(Ok(Some(c))) => (
            [
                (header::CONTENT_TYPE, "application/cap+xml; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            crate::cap::document(&c, &s.web.cap),
        )
            .into_response(),
        Ok(Ok(None)) => text(StatusCode::NOT_FOUND, "no incident of that id\n"),
        Ok(Err(e)) => {
            s.store.note_error(&e);
            tracing::warn!("CAP alert: {e:#}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the state database could not be read; the daemon's log says why\n",
            )
        }
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "the task failed\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> FilterQuery {
        let mut f = FilterQuery::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "country" => f.country = v,
                "region" => f.region = v,
                "days" => f.days = v,
                "watchlist" => f.watchlist = v,
                "min_killed" => f.min_killed = v,
                _ => unreachable!(),
            }
        }
        f
    }

    #[test]
    fn filters_parse_what_makes_sense_and_give_it_back() {
        let f = Filters::parse(&q(&[
            ("country", "ne"),
            ("days", "7"),
            ("region", " Tillabéri "),
            ("watchlist", "niamey office"),
            ("min_killed", "10"),
        ]));
        assert_eq!(f.country.as_deref(), Some("NE"));
        assert_eq!(f.days, Some(7));
        assert_eq!(f.region.as_deref(), Some("Tillabéri"));
        assert_eq!(
            f.query_string(),
            "country=NE&region=Tillab%C3%A9ri&days=7&watchlist=niamey+office&min_killed=10"
        );
        // nonsense is dropped, not an error: a shared URL still shows something
        let f = Filters::parse(&q(&[
            ("country", "Niger<"),
            ("days", "5"),
            ("min_killed", "-3"),
            ("region", ""),
        ]));
        assert_eq!(f, Filters::default());
        assert_eq!(f.query_string(), "");
        let now = DateTime::parse_from_rfc3339("2024-03-22T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let f = Filters::parse(&q(&[("days", "1")]));
        assert_eq!(f.to_store(now).since, NaiveDate::from_ymd_opt(2024, 3, 21));
    }

    #[test]
    fn csp_allows_only_the_tile_server_besides_the_daemon() {
        assert_eq!(
            csp(None),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        let t = TileSource::parse("https://tiles.example.org:8443/osm/{z}/{x}/{y}.png").unwrap();
        assert_eq!(t.origin, "https://tiles.example.org:8443");
        assert!(csp(Some(&t)).contains("img-src 'self' data: https://tiles.example.org:8443;"));
        assert!(TileSource::parse("https://t.example/{z}/{x}.png").is_err());
        assert!(TileSource::parse("javascript:alert(1)//{z}{x}{y}").is_err());
        assert!(TileSource::parse("https://t.example/{z}/{x}/{y}.png\"; script-src *").is_err());
    }

    #[test]
    fn ages_and_sizes() {
        let now = DateTime::parse_from_rfc3339("2024-03-22T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(age_class(d("2024-03-22"), now), "d1");
        assert_eq!(age_class(d("2024-03-21"), now), "d1");
        assert_eq!(age_class(d("2024-03-15"), now), "d7");
        assert_eq!(age_class(d("2024-02-21"), now), "d30");
        assert_eq!(age_class(d("2023-03-22"), now), "old");
        assert!(marker_radius(Some(100)) > marker_radius(Some(10)));
        assert!(marker_radius(Some(10)) > marker_radius(None));
        assert_eq!(marker_radius(Some(100_000)), 18.0);
        assert_eq!(path_segment("SW-NE-1/x y"), "SW-NE-1%2Fx%20y");
    }
}
