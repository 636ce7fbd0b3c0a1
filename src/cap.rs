//! OASIS Common Alerting Protocol 1.2: one `alert` per incident revision,
//! served at `/incidents/{id}.cap`, listed in `/incidents.cap.atom` and posted
//! by `format = "cap"` webhooks.
//!
//! - `identifier`: `{incident id}.r{revision}` (characters CAP forbids, the
//!   whitespace, `,`, `<` and `&`, become `_`); `sender`: `[cap] sender`.
//! - `sent`: the time the revision was made (the store's revision record), so
//!   the endpoint and a webhook give one revision the same identifier and
//!   time; `-00:00` for UTC as CAP 1.2 asks.
//! - `status`: `Test` for test alerts, else `Actual`; `msgType`: `Alert` for
//!   revision 1, `Update` after, with `references` naming every earlier
//!   revision (`sender,identifier,sent`); `scope`: `Public`; `incidents`: the
//!   incident id.
//! - `info`: `category` Security; `event` the attack type; `urgency`
//!   Immediate when the attack is at most two days older than `sent`, Past
//!   when older, Unknown without a date; `severity` from the toll (Extreme
//!   ≥ 20 killed, Severe ≥ 5, Moderate ≥ 1 killed or any wounded, Minor none,
//!   Unknown when no toll is known); `certainty` from the classifier's
//!   confidence (Observed ≥ 0.8, Likely ≥ 0.5, else Possible); `expires`
//!   seven days after `sent`; `headline`, `description` (title, summary,
//!   facts, stories), `web` (the incident's page under `[web] public_url`,
//!   else the first story), `parameter`s for the facts, and an `area` with
//!   `areaDesc`, a `circle` around the place (10 km for a place, 50 km for a
//!   district, 150 km for a region, 400 km for a country) and the country's
//!   ISO 3166-1 code.
//!
//! Every text is XML-escaped and stripped of the characters XML 1.0 cannot
//! carry. The documents are checked against the official CAP 1.2 schema in
//! `tests/cap.rs`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Alert, AlertEvent, StoryRef};
use crate::sink::render::{self, safe_url};

pub const CAP_NS: &str = "urn:oasis:names:tc:emergency:cap:1.2";
pub const CONTENT_TYPE: &str = "application/cap+xml";
/// `[cap] sender` when the configuration names none.
pub const DEFAULT_SENDER: &str = "sahel-watch";

/// What CAP documents need of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CapSettings {
    /// `[cap] sender`.
    pub sender: String,
    /// `[web] public_url`: where readers reach the web page (no trailing slash).
    pub public_url: Option<String>,
}

impl Default for CapSettings {
    fn default() -> Self {
        CapSettings {
            sender: DEFAULT_SENDER.to_string(),
            public_url: None,
        }
    }
}

impl CapSettings {
    pub fn from_config(c: &crate::config::Config) -> CapSettings {
        CapSettings {
            sender: c.cap.sender.clone(),
            public_url: c
                .web
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_string()),
        }
    }

    /// The incident's page, when the public address is known.
    pub fn incident_page(&self, id: &str) -> Option<String> {
        self.public_url
            .as_ref()
            .map(|b| format!("{b}/incidents/{}", crate::web::path_segment(id)))
    }

    /// The address of the incident's CAP document (relative without a public address).
    pub fn cap_url(&self, id: &str) -> String {
        format!(
            "{}/incidents/{}.cap",
            self.public_url.as_deref().unwrap_or(""),
            crate::web::path_segment(id)
        )
    }
}

/// When each revision of an incident was made (for `sent` and `references`).
pub trait RevisionHistory: Send + Sync {
    fn revision_times(&self, incident_id: &str) -> anyhow::Result<Vec<(u32, DateTime<Utc>)>>;
}

impl RevisionHistory for crate::store::Store {
    fn revision_times(&self, incident_id: &str) -> anyhow::Result<Vec<(u32, DateTime<Utc>)>> {
        Ok(self
            .revisions(incident_id)?
            .into_iter()
            .map(|r| (r.revision, r.at))
            .collect())
    }
}

/// One incident revision, as a CAP alert describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CapIncident {
    pub id: String,
    pub revision: u32,
    pub test: bool,
    /// A digest of several incidents (no place of its own).
    pub digest: bool,
    pub country: Option<String>,
    pub admin1: Option<String>,
    pub location: Option<String>,
    /// place | admin2 | admin1 | country (as the store keeps it); inferred for alerts.
    pub precision: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub event_date: Option<NaiveDate>,
    pub killed: Option<u32>,
    pub wounded: Option<u32>,
    pub victims: Option<String>,
    pub actors: Vec<String>,
    pub attack_type: Option<String>,
    pub confidence: f32,
    pub headline: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub stories: Vec<StoryRef>,
    /// The time of this revision.
    pub sent: DateTime<Utc>,
    /// Earlier revisions and their times, oldest first.
    pub earlier: Vec<(u32, DateTime<Utc>)>,
}

impl CapIncident {
    /// From an alert; `times` are the incident's revision times (empty when
    /// unknown: then `sent` is `now` and no reference is given).
    pub fn from_alert(alert: &Alert, times: &[(u32, DateTime<Utc>)], now: DateTime<Utc>) -> Self {
        let i = &alert.incident;
        let sent = times
            .iter()
            .find(|(r, _)| *r == alert.revision)
            .map(|(_, t)| *t)
            .unwrap_or(now);
        let precision = match (&i.location, &i.admin1, i.lat.zip(i.lon)) {
            (_, _, None) => None,
            (Some(l), Some(a), Some(_)) if l.eq_ignore_ascii_case(a) => Some("admin1"),
            (Some(_), _, Some(_)) => Some("place"),
            (None, Some(_), Some(_)) => Some("admin1"),
            (None, None, Some(_)) => Some("country"),
        };
        CapIncident {
            id: i.id.clone(),
            revision: alert.revision.max(1),
            test: alert.event == AlertEvent::Test,
            digest: alert.event == AlertEvent::Digest,
            country: i.country.clone(),
            admin1: i.admin1.clone(),
            location: i.location.clone(),
            precision: precision.map(str::to_string),
            lat: i.lat,
            lon: i.lon,
            event_date: i.event_date,
            killed: i.killed,
            wounded: i.wounded,
            victims: i.victims.clone(),
            actors: i.actors.clone(),
            attack_type: i.attack_type.clone(),
            confidence: i.confidence,
            // the incident's headline: msgType says "Update"
            headline: match alert.event {
                AlertEvent::Updated => render::subject(&Alert {
                    event: AlertEvent::New,
                    ..alert.clone()
                }),
                _ => render::subject(alert),
            },
            title: i.title.clone(),
            summary: i.summary.clone(),
            stories: alert.stories.clone(),
            sent,
            earlier: times
                .iter()
                .filter(|(r, _)| *r < alert.revision)
                .copied()
                .collect(),
        }
    }

    /// From the store: the incident as it is now (its latest revision).
    pub fn from_store(
        i: &crate::store::Incident,
        stories: &[crate::store::StoredStory],
        revisions: &[crate::store::Revision],
    ) -> Self {
        let alert = Alert {
            schema: crate::model::ALERT_SCHEMA.to_string(),
            event: if i.revision > 1 {
                AlertEvent::Updated
            } else {
                AlertEvent::New
            },
            incident: crate::model::IncidentView {
                id: i.id.clone(),
                country: i.country.clone(),
                admin1: i.admin1.clone(),
                location: i.location.clone(),
                lat: i.lat,
                lon: i.lon,
                event_date: i.event_date,
                killed: i.killed,
                wounded: i.wounded,
                victims: i.victims.clone(),
                actors: i.actors.clone(),
                attack_type: i.attack_type.clone(),
                confidence: i.confidence,
                title: i.title.clone(),
                summary: i.summary.clone(),
                near_sites: vec![],
            },
            stories: stories
                .iter()
                .map(|s| StoryRef {
                    title: s.title.clone(),
                    url: s.url.clone(),
                    source: s.source.clone(),
                    published: s.published,
                })
                .collect(),
            watchlists: vec![],
            revision: i.revision,
            changes: vec![],
        };
        let times: Vec<(u32, DateTime<Utc>)> =
            revisions.iter().map(|r| (r.revision, r.at)).collect();
        let mut c = CapIncident::from_alert(&alert, &times, i.last_seen);
        if i.precision.is_some() {
            c.precision = i.precision.clone();
        }
        c
    }

    /// `{id}.r{revision}`, with the characters CAP forbids in identifiers replaced.
    pub fn identifier(&self) -> String {
        revision_identifier(&self.id, self.revision)
    }
}

fn revision_identifier(id: &str, revision: u32) -> String {
    format!("{}.r{revision}", cap_token(id))
}

/// A CAP identifier-safe token: no whitespace, `,`, `<`, `&` (nor XML-invalid characters).
fn cap_token(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() || matches!(c, ',' | '<' | '&' | '>' | '"') {
                '_'
            } else {
                c
            }
        })
        .collect();
    if t.is_empty() {
        "_".to_string()
    } else {
        t
    }
}

/// CAP's date-time: `2024-03-21T08:00:00-00:00` (no `Z`, no fraction).
pub fn cap_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S-00:00").to_string()
}

/// Text for XML 1.0 content and attributes: markup escaped, forbidden characters dropped.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            '\r' => {}
            c if c.is_control() => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn urgency(c: &CapIncident) -> &'static str {
    match c.event_date {
        None => "Unknown",
        Some(d) if (c.sent.date_naive() - d).num_days() <= 2 => "Immediate",
        Some(_) => "Past",
    }
}

fn severity(c: &CapIncident) -> &'static str {
    match (c.killed, c.wounded) {
        (Some(k), _) if k >= 20 => "Extreme",
        (Some(k), _) if k >= 5 => "Severe",
        (Some(k), _) if k >= 1 => "Moderate",
        (_, Some(w)) if w >= 1 => "Moderate",
        (Some(_), _) | (None, Some(_)) => "Minor",
        (None, None) => "Unknown",
    }
}

fn certainty(c: &CapIncident) -> &'static str {
    if c.confidence >= 0.8 {
        "Observed"
    } else if c.confidence >= 0.5 {
        "Likely"
    } else {
        "Possible"
    }
}

fn radius_km(precision: Option<&str>) -> f64 {
    match precision {
        Some("place") => 10.0,
        Some("admin2") => 50.0,
        Some("admin1") => 150.0,
        Some("country") => 400.0,
        _ => 50.0,
    }
}

fn event_name(c: &CapIncident) -> String {
    if c.digest {
        return "Violent attacks (digest)".to_string();
    }
    let t = c.attack_type.as_deref().map(render::one_line);
    match t.filter(|t| !t.is_empty()) {
        Some(t) => {
            let mut chars = t.chars();
            let first = chars.next().map(|f| f.to_uppercase().collect::<String>());
            format!("{}{}", first.unwrap_or_default(), chars.as_str())
        }
        None => "Violent attack".to_string(),
    }
}

fn area_desc(c: &CapIncident) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for p in [&c.location, &c.admin1].into_iter().flatten() {
        let p = render::one_line(p);
        if !p.is_empty() && !parts.iter().any(|q| q.eq_ignore_ascii_case(&p)) {
            parts.push(p);
        }
    }
    if let Some(cc) = &c.country {
        parts.push(
            render::country_name(cc)
                .map(str::to_string)
                .unwrap_or_else(|| render::one_line(cc)),
        );
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn description(c: &CapIncident) -> String {
    let mut d = String::new();
    if let Some(t) = &c.title {
        d.push_str(&render::one_line(t));
        d.push_str("\n\n");
    }
    if let Some(s) = &c.summary {
        d.push_str(render::clean_text(s).trim());
        d.push_str("\n\n");
    }
    if !c.digest {
        let unknown = || "unknown".to_string();
        let rows = [
            (
                "Date",
                c.event_date.map(|d| d.to_string()).unwrap_or_else(unknown),
            ),
            (
                "Killed",
                c.killed.map(|n| n.to_string()).unwrap_or_else(unknown),
            ),
            (
                "Wounded",
                c.wounded.map(|n| n.to_string()).unwrap_or_else(unknown),
            ),
            ("Victims", c.victims.clone().unwrap_or_else(unknown)),
            (
                "Actors",
                if c.actors.is_empty() {
                    unknown()
                } else {
                    c.actors.join(", ")
                },
            ),
        ];
        for (k, v) in rows {
            d.push_str(&format!("{k}: {}\n", render::one_line(&v)));
        }
    }
    if !c.stories.is_empty() {
        d.push_str("\nReported by:\n");
        for s in c.stories.iter().take(20) {
            d.push_str(&format!(
                "- {} ({})",
                render::one_line(&s.title),
                render::story_meta(s)
            ));
            if let Some(u) = s.url.as_deref().and_then(safe_url) {
                d.push_str(&format!(" {u}"));
            }
            d.push('\n');
        }
    }
    d.push_str("\nExtracted automatically from news reports by sahel-watch; check the reports before acting.");
    d
}

/// The CAP 1.2 `alert` element (no XML declaration), for embedding.
pub fn alert_element(c: &CapIncident, settings: &CapSettings) -> String {
    let e = xml_escape;
    let sender = cap_token(&settings.sender);
    let mut x = String::new();
    x.push_str(&format!("<alert xmlns=\"{CAP_NS}\">\n"));
    let el = |x: &mut String, indent: &str, name: &str, value: &str| {
        x.push_str(&format!("{indent}<{name}>{}</{name}>\n", e(value)));
    };
    el(&mut x, "  ", "identifier", &c.identifier());
    el(&mut x, "  ", "sender", &sender);
    el(&mut x, "  ", "sent", &cap_time(c.sent));
    el(
        &mut x,
        "  ",
        "status",
        if c.test { "Test" } else { "Actual" },
    );
    let update = c.revision > 1;
    el(
        &mut x,
        "  ",
        "msgType",
        if update { "Update" } else { "Alert" },
    );
    el(
        &mut x,
        "  ",
        "source",
        "sahel-watch: automatic analysis of news reports",
    );
    el(&mut x, "  ", "scope", "Public");
    if update && !c.earlier.is_empty() {
        let refs: Vec<String> = c
            .earlier
            .iter()
            .map(|(r, t)| {
                format!(
                    "{sender},{},{}",
                    revision_identifier(&c.id, *r),
                    cap_time(*t)
                )
            })
            .collect();
        el(&mut x, "  ", "references", &refs.join(" "));
    }
    el(&mut x, "  ", "incidents", &cap_token(&c.id));
    x.push_str("  <info>\n");
    let i = "    ";
    el(&mut x, i, "language", "en");
    el(&mut x, i, "category", "Security");
    el(&mut x, i, "event", &event_name(c));
    el(&mut x, i, "urgency", urgency(c));
    el(&mut x, i, "severity", severity(c));
    el(&mut x, i, "certainty", certainty(c));
    el(
        &mut x,
        i,
        "expires",
        &cap_time(c.sent + chrono::Duration::days(7)),
    );
    el(&mut x, i, "senderName", "sahel-watch");
    el(
        &mut x,
        i,
        "headline",
        &render::truncate(&render::one_line(&c.headline), 160),
    );
    el(&mut x, i, "description", &description(c));
    let web = settings
        .incident_page(&c.id)
        .filter(|_| !c.digest && !c.test)
        .or_else(|| {
            c.stories
                .iter()
                .find_map(|s| s.url.as_deref().and_then(safe_url))
        });
    if let Some(w) = web {
        el(&mut x, i, "web", &w);
    }
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(k) = c.killed {
        params.push(("killed", k.to_string()));
    }
    if let Some(w) = c.wounded {
        params.push(("wounded", w.to_string()));
    }
    if let Some(v) = &c.victims {
        params.push(("victims", render::one_line(v)));
    }
    if !c.actors.is_empty() {
        params.push(("actors", render::one_line(&c.actors.join(", "))));
    }
    if let Some(t) = &c.attack_type {
        params.push(("attackType", render::one_line(t)));
    }
    if let Some(d) = c.event_date {
        params.push(("eventDate", d.to_string()));
    }
    params.push(("revision", c.revision.to_string()));
    params.push(("confidence", format!("{:.2}", c.confidence.clamp(0.0, 1.0))));
    for (k, v) in params {
        x.push_str(&format!(
            "{i}<parameter><valueName>{}</valueName><value>{}</value></parameter>\n",
            e(k),
            e(&v)
        ));
    }
    if let Some(desc) = area_desc(c) {
        x.push_str(&format!("{i}<area>\n"));
        el(&mut x, "      ", "areaDesc", &desc);
        if let Some((lat, lon)) = c.lat.zip(c.lon).filter(|(lat, lon)| {
            lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(lat)
                && (-180.0..=180.0).contains(lon)
        }) {
            el(
                &mut x,
                "      ",
                "circle",
                &format!("{lat:.4},{lon:.4} {}", radius_km(c.precision.as_deref())),
            );
        }
        if let Some(cc) = &c.country {
            let cc = render::one_line(cc).to_ascii_uppercase();
            if cc.len() == 2 && cc.chars().all(|c| c.is_ascii_alphabetic()) {
                x.push_str(&format!(
                    "      <geocode><valueName>ISO3166-1</valueName><value>{cc}</value></geocode>\n"
                ));
            }
        }
        x.push_str(&format!("{i}</area>\n"));
    }
    x.push_str("  </info>\n</alert>\n");
    x
}

/// A standalone CAP 1.2 document.
pub fn document(c: &CapIncident, settings: &CapSettings) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        alert_element(c, settings)
    )
}

/// An Atom feed of CAP alerts, one entry per incident (its latest
/// revision), as alert hubs read them: each entry links to the CAP document
/// (`type="application/cap+xml"`) and carries the `alert` inline.
pub fn atom_feed(alerts: &[CapIncident], settings: &CapSettings, now: DateTime<Utc>) -> String {
    let e = xml_escape;
    let updated = alerts.iter().map(|c| c.sent).max().unwrap_or(now);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!(
        "  <id>urn:sahel-watch:cap:{}</id>\n",
        e(&cap_token(&settings.sender))
    ));
    x.push_str("  <title>sahel-watch: CAP alerts of recent incidents</title>\n");
    x.push_str(&format!("  <updated>{}</updated>\n", updated.to_rfc3339()));
    x.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        e(&settings.sender)
    ));
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}/incidents.cap.atom\"/>\n",
        e(settings.public_url.as_deref().unwrap_or(""))
    ));
    for c in alerts {
        x.push_str("  <entry>\n");
        x.push_str(&format!(
            "    <id>urn:sahel-watch:cap:{}:{}</id>\n",
            e(&cap_token(&settings.sender)),
            e(&c.identifier())
        ));
        x.push_str(&format!(
            "    <title>{}</title>\n",
            e(&render::one_line(&c.headline))
        ));
        x.push_str(&format!("    <updated>{}</updated>\n", c.sent.to_rfc3339()));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"{CONTENT_TYPE}\" href=\"{}\"/>\n",
            e(&settings.cap_url(&c.id))
        ));
        x.push_str(&format!(
            "    <summary>{}</summary>\n",
            e(&format!(
                "{} · {} · {}",
                event_name(c),
                severity(c),
                area_desc(c).unwrap_or_default()
            ))
        ));
        x.push_str(&format!("    <content type=\"{CONTENT_TYPE}\">\n"));
        for line in alert_element(c, settings).lines() {
            x.push_str("      ");
            x.push_str(line);
            x.push('\n');
        }
        x.push_str("    </content>\n  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::sample_alert;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn revision_one_is_an_alert_later_ones_updates_with_references() {
        let mut a = sample_alert();
        let times = vec![
            (1, t("2024-03-21T08:00:00Z")),
            (2, t("2024-03-21T14:00:00Z")),
            (3, t("2024-03-22T09:30:00Z")),
        ];
        let c = CapIncident::from_alert(&a, &times, Utc::now());
        let x = document(&c, &CapSettings::default());
        assert!(
            x.contains("<identifier>sample-NE-2024-03-20-teguey.r1</identifier>"),
            "{x}"
        );
        assert!(x.contains("<sent>2024-03-21T08:00:00-00:00</sent>"), "{x}");
        assert!(x.contains("<msgType>Alert</msgType>"), "{x}");
        assert!(!x.contains("<references>"), "{x}");
        assert!(x.contains("<status>Actual</status>"), "{x}");
        assert!(x.contains("<severity>Extreme</severity>"), "{x}");
        assert!(x.contains("<circle>14.1000,0.9000 10</circle>"), "{x}");
        assert!(
            x.contains("<areaDesc>Teguey, Tillaberi, Niger</areaDesc>"),
            "{x}"
        );

        a.revision = 3;
        a.event = AlertEvent::Updated;
        let c = CapIncident::from_alert(&a, &times, Utc::now());
        let x = document(&c, &CapSettings::default());
        assert!(x.contains("<msgType>Update</msgType>"), "{x}");
        assert!(x.contains("<sent>2024-03-22T09:30:00-00:00</sent>"), "{x}");
        assert!(
            x.contains(
                "<references>sahel-watch,sample-NE-2024-03-20-teguey.r1,2024-03-21T08:00:00-00:00 \
             sahel-watch,sample-NE-2024-03-20-teguey.r2,2024-03-21T14:00:00-00:00</references>"
            ),
            "{x}"
        );
    }

    #[test]
    fn severity_follows_the_toll_and_text_is_escaped() {
        let mut a = sample_alert();
        let sev = |a: &Alert| severity(&CapIncident::from_alert(a, &[], Utc::now()));
        for (k, w, want) in [
            (Some(20), None, "Extreme"),
            (Some(5), None, "Severe"),
            (Some(1), None, "Moderate"),
            (Some(0), Some(3), "Moderate"),
            (Some(0), None, "Minor"),
            (None, None, "Unknown"),
        ] {
            a.incident.killed = k;
            a.incident.wounded = w;
            assert_eq!(sev(&a), want, "{k:?} {w:?}");
        }
        a.incident.title = Some("<b>&\u{1b}</b>".into());
        a.event = AlertEvent::Test;
        let x = document(
            &CapIncident::from_alert(&a, &[], Utc::now()),
            &CapSettings::default(),
        );
        assert!(x.contains("&lt;b&gt;&amp; &lt;/b&gt;"), "{x}");
        assert!(!x.contains('\u{1b}'));
        assert!(x.contains("<status>Test</status>"), "{x}");
    }
}
