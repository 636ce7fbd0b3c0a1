//! Evaluate the classifier and extractor on a labelled corpus.
//!
//! ```text
//! cargo run --release -p sahel-nlp --example eval -- [CORPUS_DIR] [--places EXTRA.tsv] [-v]
//! ```
//! CORPUS_DIR defaults to the shared dev corpus (`../../shared/corpus/dev`
//! from the crate). `--places` adds a user gazetteer file; `-v` prints the
//! reasons of wrong decisions.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::PathBuf;

use sahel_nlp::{Engine, Gazetteer, PlaceSource};

fn main() {
    let mut dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/dev"
    ));
    let mut extra: Option<PathBuf> = None;
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--places" => extra = args.next().map(PathBuf::from),
            "-v" | "--verbose" => verbose = true,
            _ => dir = PathBuf::from(a),
        }
    }
    let mut g = Gazetteer::embedded();
    if let Some(p) = extra {
        match Gazetteer::load_tsv_file(&p, PlaceSource::User) {
            Ok(pl) => g.extend(pl),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        }
    }
    eprintln!("gazetteer: {} places", g.len());
    let engine = Engine::new(g);
    let t = corpus::evaluate(&dir, &engine, verbose, |l| println!("{l}"));
    println!("\n{}", t.summary());
}
