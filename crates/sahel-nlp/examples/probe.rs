//! Run the engine over a file of invented cases and print one compact line
//! per case (decision, facts, place reasons).
//!
//! ```text
//! cargo run --release -p sahel-nlp --example probe -- CASES.txt
//! ```
//! Each case is a block of lines separated by a blank line: the title, the
//! body (may span lines; `\n` escapes make paragraphs) and, optionally, a
//! last line `@ RFC3339` with the publication time.

use sahel_nlp::{Document, Engine, Gazetteer};

fn main() {
    let path = std::env::args().nth(1).expect("cases file");
    let text = std::fs::read_to_string(path).expect("read cases");
    let engine = Engine::new(Gazetteer::embedded());
    for block in text.split("\n\n") {
        let mut lines: Vec<&str> = block.lines().filter(|l| !l.starts_with('#')).collect();
        if lines.is_empty() {
            continue;
        }
        let mut published = "2024-06-07T10:00:00+00:00".to_string();
        if let Some(l) = lines.last() {
            if let Some(p) = l.strip_prefix("@ ") {
                published = p.trim().to_string();
                lines.pop();
            }
        }
        let title = lines.first().copied().unwrap_or("");
        let body = lines[1..].join(" ").replace("\\n", "\n");
        let a = engine.analyze(&Document {
            title,
            body: &body,
            published: chrono::DateTime::parse_from_rfc3339(&published).ok(),
            language: None,
        });
        println!("== {title}");
        let places: Vec<String> = a
            .reasons
            .iter()
            .filter(|r| r.kind == "place")
            .map(|r| format!("{:?}:{}", r.text, r.weight))
            .collect();
        let score = a
            .reasons
            .iter()
            .find(|r| r.kind == "score")
            .map(|r| r.text.clone());
        match &a.facts {
            Some(f) => println!(
                "   attack={} conf={} score={:?} cc={:?} loc={:?} date={:?} killed={:?} wounded={:?} abd={:?} vict={:?} type={:?} actors={:?}\n   places={:?}",
                a.is_attack,
                a.confidence,
                score,
                f.country,
                f.location,
                f.event_date.map(|d| d.format("%a %F").to_string()),
                f.killed,
                f.wounded,
                f.abducted,
                f.victims,
                f.attack_type,
                f.actors,
                places
            ),
            None => println!("   attack={} conf={} score={:?} (no facts)", a.is_attack, a.confidence, score),
        }
        if std::env::var("PROBE_V").is_ok() {
            for r in &a.reasons {
                println!("     {} {:?} {} {:?}", r.kind, r.text, r.weight, r.note);
            }
        }
    }
}
