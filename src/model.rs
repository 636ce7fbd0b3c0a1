//! The types that flow between the stages: [`Story`] (sources → pipeline),
//! [`Incident`] (dedup/store) and [`Alert`] (pipeline → sinks), whose JSON is
//! the public `sahel-watch.alert/1` contract.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const ALERT_SCHEMA: &str = "sahel-watch.alert/1";

/// One news item, as a source hands it to the pipeline: plain text, no markup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Stable identity: the feed's guid, else the normalised link, else a
    /// hash of title and date (see `source::identity`).
    pub key: String,
    /// Name of the feed (configuration) it came from.
    pub feed: String,
    /// The outlet's name (the feed's title, else the feed name).
    pub source: String,
    pub guid: Option<String>,
    /// The article's link as published.
    pub url: Option<String>,
    pub title: String,
    /// Summary and/or full text, paragraphs separated by blank lines.
    pub text: String,
    pub published: Option<DateTime<Utc>>,
    /// Publication time with the outlet's own UTC offset when the feed gave
    /// one (weekday names resolve in the outlet's local time).
    pub published_offset_secs: Option<i32>,
    /// Language from the feed (`en`, `fr`), if declared.
    pub language: Option<String>,
    /// A hash of the item's text as the feed gave it (title, summary and
    /// content, before any article page is fetched; see
    /// `source::identity::text_fingerprint`): an item whose text changes
    /// under the same key is read again. `None`: unknown, never read again.
    #[serde(default)]
    pub fingerprint: Option<u64>,
}

impl Story {
    pub fn published_local(&self) -> Option<DateTime<chrono::FixedOffset>> {
        let p = self.published?;
        let off = chrono::FixedOffset::east_opt(self.published_offset_secs.unwrap_or(0))
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).unwrap());
        Some(p.with_timezone(&off))
    }
}

/// What kind of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AlertEvent {
    #[serde(rename = "incident.new")]
    New,
    #[serde(rename = "incident.updated")]
    Updated,
    #[serde(rename = "digest")]
    Digest,
    /// A sample sent by `test-alert`: not an incident.
    #[serde(rename = "test")]
    Test,
}

impl AlertEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertEvent::New => "incident.new",
            AlertEvent::Updated => "incident.updated",
            AlertEvent::Digest => "digest",
            AlertEvent::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "incident.new" => AlertEvent::New,
            "incident.updated" => AlertEvent::Updated,
            "digest" => AlertEvent::Digest,
            "test" => AlertEvent::Test,
            _ => return None,
        })
    }
}

/// An incident as alerts describe it (the `incident` object of alert/1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    pub id: String,
    pub country: Option<String>,
    pub admin1: Option<String>,
    pub location: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub event_date: Option<NaiveDate>,
    pub killed: Option<u32>,
    pub wounded: Option<u32>,
    pub victims: Option<String>,
    pub actors: Vec<String>,
    pub attack_type: Option<String>,
    pub confidence: f32,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Sites of the configuration within their radius ("38 km south-east of Site X").
    #[serde(default)]
    pub near_sites: Vec<String>,
}

/// One story attached to an incident, as alerts list them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryRef {
    pub title: String,
    pub url: Option<String>,
    pub source: String,
    pub published: Option<DateTime<Utc>>,
}

/// The `sahel-watch.alert/1` object: printed by `replay`, posted by the
/// JSON webhook, appended by the jsonl channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub schema: String,
    pub event: AlertEvent,
    pub incident: IncidentView,
    pub stories: Vec<StoryRef>,
    pub watchlists: Vec<String>,
    /// Revision of the incident this alert describes (1 for incident.new).
    #[serde(default)]
    pub revision: u32,
    /// What changed, for incident.updated ("killed 12 → 23", "claimed by JNIM").
    #[serde(default)]
    pub changes: Vec<String>,
}

impl Alert {
    /// Receivers drop repeats by this key: incident id + event + revision.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.incident.id,
            self.event.as_str(),
            self.revision
        )
    }

    /// One-line human summary, e.g. for email subjects and chat messages.
    pub fn headline(&self) -> String {
        let i = &self.incident;
        let what = i.attack_type.as_deref().unwrap_or("attack");
        let mut place = i.location.clone().unwrap_or_default();
        if let Some(a1) = &i.admin1 {
            if !place.is_empty() && !place.eq_ignore_ascii_case(a1) {
                place.push_str(", ");
                place.push_str(a1);
            } else if place.is_empty() {
                place = a1.clone();
            }
        }
        if let Some(c) = &i.country {
            if place.is_empty() {
                place = c.clone();
            } else {
                place.push_str(&format!(" ({c})"));
            }
        }
        let toll = match (i.killed, i.wounded) {
            (Some(k), Some(w)) => format!(": {k} killed, {w} wounded"),
            (Some(k), None) => format!(": {k} killed"),
            (None, Some(w)) => format!(": {w} wounded"),
            (None, None) => String::new(),
        };
        let prefix = match self.event {
            AlertEvent::New => "",
            AlertEvent::Updated => "Update: ",
            AlertEvent::Digest => "Digest: ",
            AlertEvent::Test => "[TEST] ",
        };
        let date = i.event_date.map(|d| format!(" on {d}")).unwrap_or_default();
        format!("{prefix}{what} in {place}{date}{toll}")
    }
}
