//! Story text from a stranger → `Engine::analyze`: never a panic, never a
//! hang, a confidence in 0..=1 and an event date never after publication.
#![no_main]

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset};
use libfuzzer_sys::fuzz_target;
use sahel_nlp::{Document, Engine, Gazetteer};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(Gazetteer::embedded()))
}

fn published() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-10T09:40:00+01:00").expect("a valid date")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // first line: the title; the rest: the body
    let (title, body) = text.split_once('\n').unwrap_or((text, ""));
    let language = [None, Some("en"), Some("fr")][data.len() % 3];
    let p = published();
    let a = engine().analyze(&Document {
        title,
        body,
        published: Some(p),
        language,
    });
    assert!(
        a.confidence.is_finite() && (0.0..=1.0).contains(&a.confidence),
        "confidence {}",
        a.confidence
    );
    assert!(
        a.language == "en" || a.language == "fr",
        "language {}",
        a.language
    );
    if let Some(d) = a.facts.as_ref().and_then(|f| f.event_date) {
        assert!(d <= p.date_naive(), "event date {d} after publication");
    }
});
