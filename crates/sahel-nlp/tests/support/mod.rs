//! The harness of the rule-family tests: one engine over the embedded
//! gazetteer, stories published on Friday 7 June 2024.
#![allow(dead_code)]

use std::sync::OnceLock;

use sahel_nlp::{Analysis, Document, Engine, Facts, Gazetteer};

pub fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(Gazetteer::embedded()))
}

/// Published on Friday 7 June 2024.
pub const PUB: &str = "2024-06-07T10:00:00+00:00";

pub fn run(title: &str, body: &str) -> Analysis {
    engine().analyze(&Document {
        title,
        body,
        published: chrono::DateTime::parse_from_rfc3339(PUB).ok(),
        language: None,
    })
}

/// The facts of a story that must be an attack.
pub fn attack(title: &str, body: &str) -> Facts {
    let a = run(title, body);
    assert!(a.is_attack, "{title}: {:#?}", a.reasons);
    a.facts.expect("facts")
}

pub fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
