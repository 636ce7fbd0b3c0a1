//! Analyse the dev corpus N times (for instruction counts under callgrind,
//! which are stable where wall-clock benchmarks on a shared machine are not).
//!
//! ```text
//! cargo build --release -p sahel-nlp --example passes
//! valgrind --tool=callgrind target/release/examples/passes 1
//! valgrind --tool=callgrind target/release/examples/passes 3
//! ```
//! The difference of the two totals, halved, is the cost of one pass.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;

use sahel_nlp::{Document, Engine, Gazetteer};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/dev"
    ));
    if !dir.join("feeds").is_dir() {
        eprintln!("passes: no dev corpus at {}, nothing to do", dir.display());
        return;
    }
    let items = corpus::load_items(dir);
    let engine = Engine::new(Gazetteer::embedded());
    let mut attacks = 0usize;
    for _ in 0..n {
        for i in &items {
            let a = engine.analyze(&Document {
                title: &i.title,
                body: &i.body,
                published: i.published,
                language: None,
            });
            attacks += usize::from(a.is_attack);
        }
    }
    println!(
        "{} stories x {n} passes, {attacks} attack decisions",
        items.len()
    );
}
