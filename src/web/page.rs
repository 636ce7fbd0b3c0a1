//! The HTML of the pages (maud: every text and attribute escaped at compile-checked
//! places). The list item and the map marker are also built by `static/app.js` when the
//! page refreshes itself: keep the two in step.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::basemap::{self, BaseMap, Rect};
use super::{
    age_class, assets, marker_radius, path_segment, Filters, WebSettings, LIST_LIMIT, PERIODS,
};
use crate::sink::render::safe_url;
use crate::store::{Facets, Incident, IncidentRow, Revision, SentAlert, StoryDetail};

pub struct IndexData<'a> {
    pub filters: &'a Filters,
    pub rows: &'a [IncidentRow],
    pub facets: &'a Facets,
    pub now: DateTime<Utc>,
    pub web: &'a WebSettings,
}

pub struct IncidentData<'a> {
    pub incident: &'a Incident,
    pub stories: &'a [StoryDetail],
    pub revisions: &'a [Revision],
    pub alerts: &'a [SentAlert],
    pub now: DateTime<Utc>,
    pub web: &'a WebSettings,
}

pub fn country_name(code: &str) -> &str {
    match code {
        "ML" => "Mali",
        "BF" => "Burkina Faso",
        "NE" => "Niger",
        "TD" => "Chad",
        "MR" => "Mauritania",
        c => c,
    }
}

/// The incident's day: its event date, else the day it was first seen.
fn day_of(i: &Incident) -> NaiveDate {
    i.event_date.unwrap_or_else(|| i.first_seen.date_naive())
}

fn date_text(i: &Incident) -> String {
    match i.event_date {
        Some(d) => d.to_string(),
        None => format!("{} (first seen)", i.first_seen.date_naive()),
    }
}

/// "Teguey, Tillaberi, Niger" (a place named like its region once).
fn place_text(i: &Incident) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in [i.location.as_deref(), i.admin1.as_deref()]
        .into_iter()
        .flatten()
    {
        if !parts.iter().any(|q| q.eq_ignore_ascii_case(p)) {
            parts.push(p);
        }
    }
    if let Some(c) = i.country.as_deref() {
        parts.push(country_name(c));
    }
    if parts.is_empty() {
        "unknown place".to_string()
    } else {
        parts.join(", ")
    }
}

fn toll_text(i: &Incident) -> String {
    let mut parts = Vec::new();
    if let Some(k) = i.killed {
        parts.push(format!("{k} killed"));
    }
    if let Some(w) = i.wounded {
        parts.push(format!("{w} wounded"));
    }
    if parts.is_empty() {
        "toll unknown".to_string()
    } else {
        parts.join(" · ")
    }
}

fn meta_text(i: &Incident) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &i.victims {
        parts.push(format!("Victims: {v}"));
    }
    if let Some(t) = &i.attack_type {
        parts.push(format!("Type: {t}"));
    }
    if !i.actors.is_empty() {
        parts.push(format!("Actors: {}", i.actors.join(", ")));
    }
    parts.join(" · ")
}

fn more_text(r: &IncidentRow) -> String {
    let mut parts = vec![format!(
        "{} {}",
        r.stories,
        if r.stories == 1 { "story" } else { "stories" }
    )];
    if !r.watchlists.is_empty() {
        parts.push(format!("Lists: {}", r.watchlists.join(", ")));
    }
    if r.incident.lat.is_none() || r.incident.lon.is_none() {
        parts.push("not on the map".to_string());
    }
    parts.join(" · ")
}

fn incident_url(id: &str) -> String {
    format!("/incidents/{}", path_segment(id))
}

fn headline(i: &Incident) -> String {
    let what = i.attack_type.as_deref().unwrap_or("attack");
    let mut w = what.chars();
    let what = match w.next() {
        Some(c) => c.to_uppercase().chain(w).collect::<String>(),
        None => String::new(),
    };
    format!("{what} in {}", place_text(i))
}

/// What the refresh compares: the incidents listed, their revisions, stories and lists.
pub fn signature(rows: &[IncidentRow]) -> String {
    rows.iter()
        .map(|r| {
            format!(
                "{}:{}:{}:{}",
                r.incident.id,
                r.incident.revision,
                r.stories,
                r.watchlists.join("|")
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn time_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn layout(title: &str, page: &str, main: Markup, web: &WebSettings) -> String {
    let a = assets();
    let doc = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                link rel="icon" href="/static/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href={ "/static/app.css?v=" (a.css) };
                script src={ "/static/app.js?v=" (a.js) } defer {}
            }
            body data-page=(page) {
                header.top {
                    a.brand href="/" { "sahel-watch" }
                    nav {
                        a href="/" { "Incidents" }
                        a href="/incidents.atom" { "Atom" }
                        a href="/incidents.geojson" { "GeoJSON" }
                        a href="/incidents" { "JSON" }
                    }
                }
                (main)
                footer.foot {
                    "Base map: "
                    a href="https://www.naturalearthdata.com/" rel="noreferrer" { "Natural Earth" }
                    " (public domain), drawn by the daemon."
                    @if web.tiles.is_some() {
                        " Tiles: " (web.tiles_attribution.as_deref().unwrap_or("the configured tile server")) "."
                    }
                }
            }
        }
    };
    doc.into_string()
}

fn select_opt(value: &str, label: &str, selected: bool) -> Markup {
    html! { option value=(value) selected[selected] { (label) } }
}

fn filters_form(f: &Filters, facets: &Facets) -> Markup {
    let mut countries: Vec<String> = basemap::WATCHED.iter().map(|c| c.to_string()).collect();
    for c in &facets.countries {
        if !countries.contains(c) {
            countries.push(c.clone());
        }
    }
    if let Some(c) = &f.country {
        if !countries.contains(c) {
            countries.push(c.clone());
        }
    }
    let mut regions = facets.regions.clone();
    if let Some(r) = &f.region {
        if !regions.iter().any(|(_, a)| a == r) {
            regions.push((f.country.clone().unwrap_or_default(), r.clone()));
        }
    }
    let mut lists = facets.watchlists.clone();
    if let Some(w) = &f.watchlist {
        if !lists.contains(w) {
            lists.push(w.clone());
        }
    }
    html! {
        form #filters .filters method="get" action="/" {
            label { "Country "
                select name="country" {
                    (select_opt("", "all", f.country.is_none()))
                    @for c in &countries {
                        (select_opt(c, country_name(c), f.country.as_deref() == Some(c.as_str())))
                    }
                }
            }
            label { "Region "
                select name="region" {
                    (select_opt("", "all", f.region.is_none()))
                    @for (c, r) in &regions {
                        option value=(r) data-country=(c) selected[f.region.as_deref() == Some(r.as_str())] {
                            (r) " (" (country_name(c)) ")"
                        }
                    }
                }
            }
            label { "Period "
                select name="days" {
                    @for (d, label) in PERIODS {
                        (select_opt(&d.map(|d| d.to_string()).unwrap_or_default(), label, f.days == d))
                    }
                }
            }
            label { "Watch-list "
                select name="watchlist" {
                    (select_opt("", "any", f.watchlist.is_none()))
                    @for w in &lists {
                        (select_opt(w, w, f.watchlist.as_deref() == Some(w.as_str())))
                    }
                }
            }
            label { "Killed at least "
                input type="number" name="min_killed" min="0" step="1" inputmode="numeric"
                    value=(f.min_killed.map(|k| k.to_string()).unwrap_or_default());
            }
            button type="submit" { "Apply" }
            a.clear href="/" { "Clear" }
        }
    }
}

fn list_item(r: &IncidentRow, now: DateTime<Utc>) -> Markup {
    let i = &r.incident;
    let meta = meta_text(i);
    html! {
        li.inc id={ "i-" (i.id) } data-id=(i.id) {
            a.inc-link href=(incident_url(&i.id)) {
                span class={ "dot " (age_class(day_of(i), now)) } {}
                span.when { (date_text(i)) }
                " "
                span.where { (place_text(i)) }
            }
            div.toll { (toll_text(i)) }
            @if !meta.is_empty() {
                div.meta { (meta) }
            }
            div.more { (more_text(r)) }
        }
    }
}

fn marker(view: &basemap::View, r: &IncidentRow, now: DateTime<Utc>, scale: f64) -> Option<Markup> {
    let i = &r.incident;
    let (lat, lon) = i.lat.zip(i.lon)?;
    let (x, y) = view.project(lon, lat);
    let title = format!("{} · {} · {}", date_text(i), place_text(i), toll_text(i));
    Some(html! {
        a.mk href=(incident_url(&i.id)) data-id=(i.id) {
            circle class=(age_class(day_of(i), now)) cx=(format!("{x:.1}")) cy=(format!("{y:.1}"))
                r=(format!("{:.2}", marker_radius(i.killed) * scale)) {
                title { (title) }
            }
        }
    })
}

fn tiles_layer(web: &WebSettings, area: &Rect, px_wide: f64) -> Markup {
    let Some(t) = &web.tiles else {
        return html! {};
    };
    let view = &BaseMap::get().view;
    let z = basemap::tile_zoom(view, area, px_wide);
    html! {
        g.tiles {
            @for tile in basemap::tiles(view, area, z, &t.template) {
                image href=(tile.url) x=(format!("{:.2}", tile.rect.x)) y=(format!("{:.2}", tile.rect.y))
                    width=(format!("{:.2}", tile.rect.w)) height=(format!("{:.2}", tile.rect.h))
                    preserveAspectRatio="none" {}
            }
        }
    }
}

/// Width of the main map in screen pixels (on a desktop), as the style sheet lays it out.
const MAP_PX: f64 = 740.0;

/// The part of the frame to show for `units`: their bounds with a margin, widened to the
/// frame's shape, kept inside it.
fn zoom_to(units: &[&basemap::Unit], frame: &Rect) -> Option<Rect> {
    let b = units.iter().map(|u| u.bounds).reduce(|a, b| {
        let x = a.x.min(b.x);
        let y = a.y.min(b.y);
        Rect {
            x,
            y,
            w: (a.x + a.w).max(b.x + b.w) - x,
            h: (a.y + a.h).max(b.y + b.h) - y,
        }
    })?;
    let aspect = frame.w / frame.h;
    let (mut w, mut h) = (b.w * 1.15, b.h * 1.15);
    if w / h < aspect {
        w = h * aspect;
    } else {
        h = w / aspect;
    }
    // no closer than a fifth of the frame (a capital district is a dot)
    if w < frame.w / 5.0 {
        w = frame.w / 5.0;
        h = w / aspect;
    }
    if w >= frame.w || h >= frame.h {
        return None;
    }
    let cx = b.x + b.w / 2.0;
    let cy = b.y + b.h / 2.0;
    Some(Rect {
        x: (cx - w / 2.0).clamp(frame.x, frame.x + frame.w - w),
        y: (cy - h / 2.0).clamp(frame.y, frame.y + frame.h - h),
        w,
        h,
    })
}

pub fn index_page(d: &IndexData<'_>) -> String {
    let map = BaseMap::get();
    let frame = map.frame();
    let a = assets();
    let mut located: Vec<&IncidentRow> = d
        .rows
        .iter()
        .filter(|r| r.incident.lat.is_some() && r.incident.lon.is_some())
        .collect();
    // big markers first, small ones drawn over them
    located.sort_by(|a, b| {
        marker_radius(b.incident.killed).total_cmp(&marker_radius(a.incident.killed))
    });
    // a country chosen: the map shows it, outlined (or its region, when the map knows it)
    let chosen = d.filters.country.as_deref().map(|c| {
        let region = map.units_of(c, d.filters.region.as_deref());
        let country = map.units_of(c, None);
        (
            if region.is_empty() {
                country.clone()
            } else {
                region
            },
            country,
        )
    });
    let highlight = chosen.as_ref().map(|(h, _)| BaseMap::outline(h));
    let area = chosen
        .as_ref()
        .and_then(|(_, c)| zoom_to(c, &frame))
        .unwrap_or(frame);
    let zoomed = area != frame;
    // markers keep their size on the screen
    let scale = area.w / frame.w;
    let base = if d.web.tiles.is_some() {
        format!("/static/basemap-lines.svg?v={}", a.map)
    } else {
        format!("/static/basemap.svg?v={}", a.map)
    };
    let n = d.rows.len();
    let main = html! {
        (filters_form(d.filters, d.facets))
        main.layout {
            section.map-panel aria-label="Map of the incidents" {
                svg #map xmlns="http://www.w3.org/2000/svg" viewBox=(area.view_box())
                    data-west=(map.view.west) data-east=(map.view.east)
                    data-south=(map.view.south) data-north=(map.view.north) data-width=(map.view.width)
                    data-scale=(format!("{scale:.4}"))
                    aria-label="Map of the Sahel with the incidents listed (each marker links to its incident)" {
                    rect.sea x=(format!("{:.1}", area.x)) y=(format!("{:.1}", area.y))
                        width=(format!("{:.1}", area.w)) height=(format!("{:.1}", area.h)) {}
                    (tiles_layer(d.web, &area, MAP_PX))
                    @if zoomed {
                        // drawn for this view: strokes and labels sized for the screen
                        g.base { (PreEscaped(map.draw(&area, area.w / MAP_PX, 1.3, d.web.tiles.is_none()))) }
                    } @else {
                        image.base href=(base) x="0" y="0" width=(format!("{:.0}", frame.w))
                            height=(format!("{:.0}", frame.h)) {}
                    }
                    @if let Some(p) = &highlight {
                        path.sel fill-rule="evenodd" d=(p) {}
                    }
                    g #markers {
                        @for r in &located {
                            @if let Some(m) = marker(&map.view, r, d.now, scale) { (m) }
                        }
                    }
                }
                p.legend {
                    "Markers: size by the number killed; colour by the incident's date: "
                    span.key.d1 { "24 h" } " "
                    span.key.d7 { "7 days" } " "
                    span.key.d30 { "30 days" } " "
                    span.key.old { "older" }
                }
            }
            section.list-panel aria-label="Incidents, newest first" {
                p #status .status aria-live="polite" {
                    (n) " " (if n == 1 { "incident" } else { "incidents" })
                    @if n == LIST_LIMIT { " (the " (LIST_LIMIT) " most recent)" }
                    " · as of " (d.now.format("%H:%M:%S UTC"))
                }
                ol #incidents .incidents data-sig=(signature(d.rows)) data-query=(d.filters.query_string())
                    data-refresh=(d.web.refresh.as_secs().max(1)) data-limit=(LIST_LIMIT) {
                    @for r in d.rows { (list_item(r, d.now)) }
                }
                p #empty .empty hidden[n > 0] { "No incident matches these filters." }
            }
        }
    };
    layout("sahel-watch: incidents", "index", main, d.web)
}

/// Width of the incident page's map in screen pixels, as the style sheet lays it out.
const SMALL_MAP_PX: f64 = 480.0;

fn small_map(i: &Incident, web: &WebSettings) -> Markup {
    let Some((lat, lon)) = i.lat.zip(i.lon) else {
        return html! { p.nomap { "No coordinates: not on a map." } };
    };
    let map = BaseMap::get();
    let (x, y) = map.view.project(lon, lat);
    // about 4° of longitude across (some 440 km), 3:2
    let w = map.view.width * 4.0 / (map.view.east - map.view.west);
    let area = Rect {
        x: x - w / 2.0,
        y: y - w / 3.0,
        w,
        h: w * 2.0 / 3.0,
    };
    let px = w / SMALL_MAP_PX;
    html! {
        svg #minimap xmlns="http://www.w3.org/2000/svg" viewBox=(area.view_box()) role="img"
            aria-label={ "Map around " (place_text(i)) } {
            rect.sea x=(format!("{:.2}", area.x)) y=(format!("{:.2}", area.y))
                width=(format!("{:.2}", area.w)) height=(format!("{:.2}", area.h)) {}
            (tiles_layer(web, &area, SMALL_MAP_PX))
            (PreEscaped(map.draw(&area, px, 1.7, web.tiles.is_none())))
            circle class={ "here " (age_class(day_of(i), Utc::now())) } cx=(format!("{x:.2}")) cy=(format!("{y:.2}"))
                r=(format!("{:.2}", 6.0 * px)) stroke-width=(format!("{:.2}", 1.5 * px)) {
                title { (place_text(i)) }
            }
        }
    }
}

pub fn incident_page(d: &IncidentData<'_>) -> String {
    let i = d.incident;
    let fact = |k: &str, v: String| html! { dt { (k) } dd { (v) } };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let num = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    let main = html! {
        main.incident {
            p.back { a href="/" { "← all incidents" } }
            h1 { (headline(i)) }
            p.sub { (date_text(i)) " · " (toll_text(i)) }
            div.facts-map {
                dl.facts {
                    (fact("Date", date_text(i)))
                    (fact("Place", format!("{}{}", opt(&i.location),
                        i.precision.as_deref().map(|p| format!(" (precision: {p})")).unwrap_or_default())))
                    (fact("District", opt(&i.admin2)))
                    (fact("Region", opt(&i.admin1)))
                    (fact("Country", i.country.as_deref().map(|c| format!("{} ({c})", country_name(c))).unwrap_or_else(|| "—".into())))
                    (fact("Coordinates", match i.lat.zip(i.lon) {
                        Some((a, b)) => format!("{a:.4}, {b:.4}"),
                        None => "—".into(),
                    }))
                    (fact("Killed", num(i.killed)))
                    (fact("Wounded", num(i.wounded)))
                    (fact("Victims", opt(&i.victims)))
                    (fact("Type", opt(&i.attack_type)))
                    (fact("Actors", if i.actors.is_empty() { "—".into() } else { i.actors.join(", ") }))
                    (fact("Claimed", if i.claimed { "yes".into() } else { "no".into() }))
                    (fact("Confidence", format!("{:.2}", i.confidence)))
                    (fact("First seen", time_text(i.first_seen)))
                    (fact("Last story", time_text(i.last_seen)))
                    (fact("Revision", i.revision.to_string()))
                    (fact("Id", i.id.clone()))
                    @if i.known { (fact("Origin", format!("imported as known ({})", i.origin))) }
                }
                div.minimap-wrap { (small_map(i, d.web)) }
            }
            @if let Some(s) = &i.summary {
                p.summary { (s) }
            }
            h2 { "Revisions" }
            @if d.revisions.is_empty() {
                p { "No revision recorded." }
            } @else {
                table #revisions {
                    thead { tr { th { "#" } th { "When" } th { "What changed" } th { "Story" } } }
                    tbody {
                        @for r in d.revisions {
                            tr {
                                td { (r.revision) }
                                td { (time_text(r.at)) }
                                td {
                                    @if r.changes.is_empty() {
                                        @if r.revision == 1 { "opened" } @else { "—" }
                                    } @else {
                                        (r.changes.join("; "))
                                    }
                                }
                                td { (r.story_title.as_deref().or(r.story_key.as_deref()).unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
            h2 { "Stories (" (d.stories.len()) ")" }
            table #stories {
                thead { tr { th { "Published" } th { "Outlet" } th { "Title" } th { "Language" } } }
                tbody {
                    @for s in d.stories {
                        tr {
                            td { (s.story.published.map(time_text).unwrap_or_else(|| format!("seen {}", time_text(s.seen_at)))) }
                            td { (s.story.source) }
                            td {
                                @match s.story.url.as_deref().and_then(safe_url) {
                                    Some(u) => a href=(u) rel="noreferrer noopener" { (s.story.title) },
                                    None => (s.story.title),
                                }
                            }
                            td { (s.language.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
            h2 { "Alerts" }
            @if d.alerts.is_empty() {
                p { "No alert was queued for this incident." }
            } @else {
                table #alerts {
                    thead { tr { th { "Queued" } th { "Event" } th { "Revision" } th { "Channel" } th { "Watch-lists" } th { "Status" } } }
                    tbody {
                        @for a in d.alerts {
                            tr {
                                td { (time_text(a.created_at)) }
                                td { (a.event) }
                                td { (a.revision.map(|r| r.to_string()).unwrap_or_default()) }
                                td { (a.channel) }
                                td { (a.watchlists.join(", ")) }
                                td {
                                    (format!("{:?}", a.status).to_lowercase())
                                    @if let Some(t) = a.settled_at { " " (time_text(t)) }
                                    @if a.attempts > 1 { " (" (a.attempts) " attempts)" }
                                }
                            }
                        }
                    }
                }
            }
            p.generated { "Page made " (time_text(d.now)) "." }
        }
    };
    layout(
        &format!("sahel-watch: {}", headline(i)),
        "incident",
        main,
        d.web,
    )
}

pub fn error_page(status: axum::http::StatusCode, message: &str) -> String {
    let main = html! {
        main.incident {
            p.back { a href="/" { "← all incidents" } }
            h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
            p { (message) }
        }
    };
    layout("sahel-watch", "error", main, &WebSettings::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile() -> IncidentRow {
        IncidentRow {
            incident: Incident {
                id: "SW-NE-1\"><script>alert(1)</script>".into(),
                country: Some("NE".into()),
                admin1: Some("<b>Tillabéri</b>".into()),
                location: Some("Teguey\" onmouseover=\"alert(1)".into()),
                lat: Some(14.13),
                lon: Some(0.95),
                event_date: NaiveDate::from_ymd_opt(2024, 3, 20),
                killed: Some(23),
                actors: vec!["<img src=x onerror=alert(1)>".into()],
                attack_type: Some("ambush".into()),
                revision: 2,
                ..Default::default()
            },
            stories: 2,
            watchlists: vec!["a&b".into()],
        }
    }

    #[test]
    fn tiles_go_under_the_lines_of_the_base_map_when_configured() {
        let row = IncidentRow {
            incident: Incident {
                id: "I".into(),
                country: Some("NE".into()),
                lat: Some(14.13),
                lon: Some(0.95),
                ..Default::default()
            },
            stories: 1,
            watchlists: vec![],
        };
        let facets = Facets::default();
        let filters = Filters::default();
        let data = |web| IndexData {
            filters: &filters,
            rows: std::slice::from_ref(&row),
            facets: &facets,
            now: Utc::now(),
            web,
        };
        let default = WebSettings::default();
        let plain = index_page(&data(&default));
        assert!(plain.contains("/static/basemap.svg?v=") && !plain.contains("<g class=\"tiles\">"));
        let web = WebSettings {
            tiles: super::super::TileSource::parse("http://127.0.0.1:8080/{z}/{x}/{y}.png").ok(),
            tiles_attribution: Some("Tiles © Example".into()),
            ..Default::default()
        };
        let tiled = index_page(&data(&web));
        assert!(
            tiled.contains("/static/basemap-lines.svg?v="),
            "lines only over the tiles"
        );
        assert!(
            tiled.contains("<image href=\"http://127.0.0.1:8080/5/14/13.png\""),
            "{tiled}"
        );
        assert!(tiled.contains("Tiles © Example"));
        let one = incident_page(&IncidentData {
            incident: &row.incident,
            stories: &[],
            revisions: &[],
            alerts: &[],
            now: Utc::now(),
            web: &web,
        });
        assert!(
            one.contains("<image href=\"http://127.0.0.1:8080/"),
            "tiles under the small map too"
        );
    }

    #[test]
    fn every_text_is_escaped_and_only_http_links_go_out() {
        let row = hostile();
        let web = WebSettings::default();
        let facets = Facets {
            countries: vec!["NE".into()],
            regions: vec![("NE".into(), "<b>Tillabéri</b>".into())],
            watchlists: vec!["a&b".into()],
        };
        let filters = Filters {
            region: Some("\"><script>x</script>".into()),
            ..Default::default()
        };
        let page = index_page(&IndexData {
            filters: &filters,
            rows: std::slice::from_ref(&row),
            facets: &facets,
            now: Utc::now(),
            web: &web,
        });
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(!page.contains("<script>x"), "{page}");
        assert!(!page.contains("<img src=x"), "{page}");
        assert!(!page.contains("<b>Tillab"), "{page}");
        assert!(!page.contains("\" onmouseover"), "{page}");
        assert!(page.contains("&lt;b&gt;Tillabéri&lt;/b&gt;"));
        assert!(page.contains("a&amp;b"));
        // the id in a link is a path segment
        assert!(page
            .contains("href=\"/incidents/SW-NE-1%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E\""));
        // the only scripts are the one file; no handler, no inline style
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(!page.contains(" onclick") && !page.contains(" style="));

        let story = |url: &str, title: &str| StoryDetail {
            story: crate::store::StoredStory {
                key: "k".into(),
                feed: "f".into(),
                source: "Outlet <i>".into(),
                url: Some(url.into()),
                title: title.into(),
                published: None,
                is_attack: true,
                confidence: 0.9,
                incident_id: None,
            },
            language: Some("fr".into()),
            seen_at: Utc::now(),
        };
        let stories = [
            story("javascript:alert(1)", "<script>alert(2)</script>"),
            story("https://news.example/a?b=1&c=\"2\"", "Real story"),
        ];
        let page = incident_page(&IncidentData {
            incident: &row.incident,
            stories: &stories,
            revisions: &[],
            alerts: &[],
            now: Utc::now(),
            web: &web,
        });
        assert!(!page.contains("javascript:"), "{page}");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
        assert!(
            page.contains("href=\"https://news.example/a?b=1&amp;c=%222%22\""),
            "{page}"
        );
        assert!(page.contains("Outlet &lt;i&gt;"));
        assert!(page.contains("<svg id=\"minimap\""));
    }
}
