//! Sahel knowledge for sahel-watch: an embedded gazetteer of the Sahel and its
//! neighbours, English and French lexicons, an explainable attack-story
//! classifier and an incident-fact extractor.
//!
//! The crate has no I/O beyond reading files that a caller names (GeoNames
//! dumps, a user's place list); everything else is embedded at compile time.
//!
//! ```
//! use sahel_nlp::{Engine, Document};
//! let engine = Engine::new(sahel_nlp::Gazetteer::embedded());
//! let doc = Document {
//!     title: "Niger: 12 soldiers killed in attack near Kandadji",
//!     body: "Gunmen on motorbikes attacked an army unit in Kandadji on Thursday.",
//!     published: chrono::DateTime::parse_from_rfc3339("2023-09-29T10:00:00+01:00").ok(),
//!     language: None,
//! };
//! let analysis = engine.analyze(&doc);
//! assert!(analysis.is_attack);
//! ```

pub mod gazetteer;
pub mod geonames;
pub mod text;

mod classify;
mod context;
mod dates;
mod doc;
mod extract;
mod lexicon;
mod numbers;

pub use gazetteer::{Gazetteer, Place, PlaceKind, PlaceSource};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// The five countries watched by default (ISO 3166-1 alpha-2).
pub const DEFAULT_COUNTRIES: [&str; 5] = ["ML", "BF", "NE", "TD", "MR"];

/// One news story as the classifier sees it: plain text, no markup.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub title: &'a str,
    /// Description and/or full text, paragraphs separated by blank lines.
    pub body: &'a str,
    /// Publication time; relative dates ("on Tuesday") resolve against it.
    pub published: Option<DateTime<FixedOffset>>,
    /// "en" or "fr" when the feed says so; detected from the text otherwise.
    pub language: Option<&'a str>,
}

/// How precise the extracted location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Country,
    Admin1,
    Admin2,
    Place,
}

/// Who the victims were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Victims {
    Military,
    Civilian,
    Mixed,
}

/// The facts of the incident a story reports. Unknown facts are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// ISO 3166-1 alpha-2 code of the country of the incident.
    pub country: Option<String>,
    /// First-level region, canonical ASCII name (GeoNames ASCII name, pre-reform).
    pub admin1: Option<String>,
    /// Second-level unit (province, cercle, department), canonical name.
    pub admin2: Option<String>,
    /// The most precise place named for the incident (canonical gazetteer name).
    pub location: Option<String>,
    pub precision: Option<Precision>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Day of the incident, never later than the publication date.
    pub event_date: Option<NaiveDate>,
    /// Killed on the victims' side (the highest toll the story gives).
    pub killed: Option<u32>,
    /// Wounded on the victims' side.
    pub wounded: Option<u32>,
    /// Attackers killed ("30 terrorists neutralised"), kept apart from `killed`.
    pub attackers_killed: Option<u32>,
    /// People abducted/kidnapped, when the story says.
    pub abducted: Option<u32>,
    pub victims: Option<Victims>,
    /// Canonical actor names (perpetrators, claimants), most relevant first.
    pub actors: Vec<String>,
    /// ambush, raid, massacre, ied, suicide attack, air strike, drone strike,
    /// abduction, shelling, armed attack.
    pub attack_type: Option<String>,
    /// True when the story reports a claim of responsibility.
    pub claimed: bool,
}

/// One piece of evidence behind a decision: what matched, where, and how much
/// it weighed. `kind` is one of: attack_term, casualty, place, country,
/// foreign_place, actor, date, background, metaphor, non_event, crowd (a
/// protest whose crowd was fired on: its words no non-event), number, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub kind: String,
    /// The text that matched, as written in the story.
    pub text: String,
    /// Contribution to the attack score (positive or negative); 0 for facts.
    pub weight: f32,
    /// Free explanation, e.g. "in title", "resolved to Tillaberi, NE".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The decision on one story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub is_attack: bool,
    /// 0..=1: how sure the engine is that `is_attack` is right.
    pub confidence: f32,
    /// "en" or "fr".
    pub language: String,
    /// Present whenever a violent incident was found (even when it is not an
    /// attack story, e.g. outside the watched countries), for explanation.
    pub facts: Option<Facts>,
    pub reasons: Vec<Reason>,
}

/// The classifier and extractor, built once and shared (it is `Send + Sync`).
pub struct Engine {
    gazetteer: Gazetteer,
    watched: Vec<String>,
    lexicon: lexicon::Lexicon,
}

impl Engine {
    /// An engine watching the five default countries.
    pub fn new(gazetteer: Gazetteer) -> Self {
        Self::with_countries(gazetteer, &DEFAULT_COUNTRIES)
    }

    /// An engine for which only incidents in `countries` are attack stories.
    pub fn with_countries<S: AsRef<str>>(gazetteer: Gazetteer, countries: &[S]) -> Self {
        let watched = countries
            .iter()
            .map(|c| c.as_ref().to_ascii_uppercase())
            .collect();
        Engine {
            lexicon: lexicon::Lexicon::new(&gazetteer),
            gazetteer,
            watched,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    pub fn watched_countries(&self) -> &[String] {
        &self.watched
    }

    /// Classify one story and extract its incident.
    pub fn analyze(&self, doc: &Document<'_>) -> Analysis {
        classify::analyze(self, doc)
    }
}

/// The folded words of the engine's lexicons (for the gazetteer policy that
/// leaves out villages named like a word the engine reads).
#[doc(hidden)]
pub fn lexicon_words() -> Vec<String> {
    lexicon::words()
}

/// Great-circle distance in kilometres between two points (haversine).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let r = 6371.0088_f64;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * a.sqrt().asin()
}
