//! Explain the decision on one story.
//!
//! ```text
//! cargo run -p sahel-nlp --example explain -- "TITLE" "BODY" [PUBLISHED_RFC3339] [--places EXTRA.tsv]
//! ```
//! Prints the analysis (decision, confidence, facts and reasons) as JSON.

use sahel_nlp::{Document, Engine, Gazetteer, PlaceSource};

fn main() {
    let mut pos = Vec::new();
    let mut extra = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--places" {
            extra = args.next();
        } else {
            pos.push(a);
        }
    }
    let mut g = Gazetteer::embedded();
    if let Some(p) = extra {
        g.extend(
            Gazetteer::load_tsv_file(std::path::Path::new(&p), PlaceSource::User)
                .expect("places file"),
        );
    }
    let engine = Engine::new(g);
    let title = pos.first().cloned().unwrap_or_default();
    let body = pos.get(1).cloned().unwrap_or_default();
    let published = pos
        .get(2)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    let a = engine.analyze(&Document {
        title: &title,
        body: &body,
        published,
        language: None,
    });
    println!("{}", serde_json::to_string_pretty(&a).unwrap());
}
