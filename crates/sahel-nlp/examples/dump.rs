//! Print the full analysis (decision, facts, reasons) of every item of one
//! or more corpora, one JSON line per analysis, so that a speed change can be
//! checked to leave every output byte-for-byte as it was:
//!
//! ```text
//! cargo run --release -q -p sahel-nlp --example dump -- CORPUS_DIR... > before.jsonl
//! # change the code
//! cargo run --release -q -p sahel-nlp --example dump -- CORPUS_DIR... | cmp before.jsonl -
//! ```
//! Besides each story as published, it analyses variants that reach other
//! paths of the engine: feed language given or not, title alone, body alone,
//! each paragraph alone, a cut body, and upper/lower-cased text.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;

use sahel_nlp::{Document, Engine, Gazetteer};

fn main() {
    let engine = Engine::new(Gazetteer::embedded());
    for dir in std::env::args().skip(1) {
        for item in corpus::load_items(Path::new(&dir)) {
            let lower = (item.title.to_lowercase(), item.body.to_lowercase());
            let upper = (item.title.to_uppercase(), item.body.to_uppercase());
            let cut = match item.body.char_indices().nth(item.body.chars().count() / 2) {
                Some((i, _)) => &item.body[..i],
                None => "",
            };
            let mut variants: Vec<(&str, &str, &str, Option<&str>)> = vec![
                ("as-is", &item.title, &item.body, None),
                (
                    "feed-lang",
                    &item.title,
                    &item.body,
                    item.language.as_deref(),
                ),
                ("title", &item.title, "", None),
                ("body", "", &item.body, None),
                ("cut", &item.title, cut, None),
                ("lower", &lower.0, &lower.1, None),
                ("upper", &upper.0, &upper.1, None),
            ];
            for para in item.body.split("\n\n") {
                variants.push(("para", "", para, None));
            }
            for (what, title, body, language) in variants {
                for published in [item.published, None] {
                    let a = engine.analyze(&Document {
                        title,
                        body,
                        published,
                        language,
                    });
                    println!(
                        "{} {} {what} {}",
                        item.feed,
                        item.guid,
                        serde_json::to_string(&a).unwrap()
                    );
                }
            }
        }
    }
}
