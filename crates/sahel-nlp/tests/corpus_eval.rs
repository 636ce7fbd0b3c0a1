//! The dev-corpus evaluation as a test: skipped (with a message) when the
//! shared corpus is absent; when present, story precision and recall must
//! reach 0.95.

#[path = "../examples/support/corpus.rs"]
mod corpus;

use std::path::Path;

use sahel_nlp::{Engine, Gazetteer};

#[test]
fn dev_corpus_precision_and_recall() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/dev"
    ));
    if !dir.join("feeds").is_dir() {
        println!("SKIPPED: corpus not found at {}", dir.display());
        return;
    }
    let engine = Engine::new(Gazetteer::embedded());
    let mut errors = Vec::new();
    let t = corpus::evaluate(dir, &engine, false, |l| {
        if l.starts_with("FP") || l.starts_with("FN") {
            errors.push(l.to_string());
        }
    });
    println!("{}", t.summary());
    for e in &errors {
        println!("{e}");
    }
    assert!(t.precision() >= 0.95, "precision {:.3}", t.precision());
    assert!(t.recall() >= 0.95, "recall {:.3}", t.recall());
}
