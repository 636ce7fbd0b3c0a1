//! `sahel-watch gazetteer import` with the real GeoNames dumps in `../shared/geonames` (skipped
//! with a message where absent): after the import, a village the embedded gazetteer lacks
//! resolves to its region and coordinates when a story names it.

use std::path::{Path, PathBuf};
use std::process::Command;

use sahel_nlp::{Gazetteer, PlaceKind};

fn geonames() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/geonames");
    if p.join("NE.txt").is_file() {
        Some(p)
    } else {
        // CI must run these tests: there, missing data is a failure, not a skip
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "../shared/geonames not found (looked in {}) and CI=true: the tests that need ../shared must run",
            p.display()
        );
        eprintln!(
            "skipping: ../shared/geonames not found (looked in {})",
            p.display()
        );
        None
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sahel-watch"))
}

#[test]
fn imported_villages_resolve_in_stories() {
    let Some(dir) = geonames() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!("[daemon]\nstate_dir = {:?}\n", state.display().to_string()),
    )
    .unwrap();

    let out = bin()
        .args(["gazetteer", "import", "--config"])
        .arg(&config)
        .arg(dir.join("NE.txt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("imported"), "{said}");

    // a Tillaberi village of the dump that the embedded gazetteer does not know
    let embedded = Gazetteer::embedded();
    let imported = Gazetteer::load_tsv_file(
        &state.join("gazetteer-geonames.tsv"),
        sahel_nlp::PlaceSource::GeoNames,
    )
    .unwrap();
    assert!(
        imported.len() > 10_000,
        "tens of thousands of places: {}",
        imported.len()
    );
    let village = imported
        .iter()
        .filter(|p| p.kind == PlaceKind::Place && p.admin1.as_deref() == Some("Tillaberi"))
        .filter(|p| p.name.len() >= 6 && p.name.chars().all(|c| c.is_ascii_alphabetic()))
        .filter(|p| embedded.lookup(&p.name).is_empty())
        // a name only one imported place has, so the test is about resolution, not ambiguity
        .find(|p| {
            imported
                .iter()
                .filter(|q| {
                    sahel_nlp::text::name_key(&q.name) == sahel_nlp::text::name_key(&p.name)
                })
                .count()
                == 1
        })
        .expect("a village to test with")
        .clone();

    let story = format!(
        "Gunmen kill 14 villagers in western Niger\n\
         Unidentified gunmen on motorbikes killed 14 civilians on Tuesday in an attack on the village of {}, \
         in the Tillaberi region of western Niger, local officials said.",
        village.name
    );
    let run = |with_config: bool| {
        let mut c = bin();
        c.args(["classify", "-", "--published", "2024-05-16T09:00:00+01:00"]);
        if with_config {
            c.arg("--config").arg(&config);
        }
        let mut child = c
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(story.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let without = run(false);
    assert_ne!(
        without["facts"]["location"],
        village.name.as_str(),
        "the embedded list does not know {}",
        village.name
    );
    let with = run(true);
    assert_eq!(with["is_attack"], true);
    assert_eq!(with["facts"]["location"], village.name.as_str(), "{with:#}");
    assert_eq!(with["facts"]["admin1"], "Tillaberi");
    let lat = with["facts"]["lat"].as_f64().unwrap();
    assert!((lat - village.lat).abs() < 1e-6);
}
