//! The whole pipeline over the labelled development corpus (`../shared/corpus/dev`), when it is
//! present: one alert per incident, no story in two incidents, and known incidents silenced.
//! Skips with a message where the corpus is absent.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use sahel_watch::config::Config;
use sahel_watch::model::{Alert, AlertEvent};
use sahel_watch::pipeline::UpdatePolicy;
use sahel_watch::replay::{self, ReplayOptions};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/dev");
    if p.join("feeds").is_dir() {
        Some(p)
    } else {
        // CI must run these tests: there, missing data is a failure, not a skip
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "../shared/corpus/dev not found (looked in {}) and CI=true: the tests that need ../shared must run",
            p.display()
        );
        eprintln!(
            "skipping: ../shared/corpus/dev not found (looked in {})",
            p.display()
        );
        None
    }
}

struct Gold {
    /// link (no trailing slash) → gold incident id, for attack stories
    attack: HashMap<String, String>,
    negative: HashSet<String>,
    incidents: Vec<Value>,
}

fn gold(dir: &Path) -> Gold {
    let mut g = Gold {
        attack: HashMap::new(),
        negative: HashSet::new(),
        incidents: vec![],
    };
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("gold-") && name.ends_with(".json")) {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        for it in v["items"].as_array().unwrap() {
            let link = it["link"]
                .as_str()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
            if it["attack"].as_bool().unwrap() {
                g.attack
                    .insert(link, it["incident"].as_str().unwrap().to_string());
            } else {
                g.negative.insert(link);
            }
        }
        g.incidents
            .extend(v["incidents"].as_array().unwrap().iter().cloned());
    }
    g
}

fn feeds(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn run(dir: &Path, known: Vec<PathBuf>) -> Vec<Alert> {
    let opts = ReplayOptions {
        config: Config::builtin(),
        known_incidents: known,
        feeds: feeds(dir),
        updates: UpdatePolicy::EveryStory,
    };
    let mut out = Vec::new();
    let summary = replay::run(&opts, &mut out).unwrap();
    assert_eq!(summary.files_failed, 0);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("alert/1 line"))
        .collect()
}

#[test]
fn one_alert_per_incident_and_no_story_in_two_incidents() {
    let Some(dir) = corpus() else { return };
    let g = gold(&dir);
    let alerts = run(&dir, vec![]);
    // which system incident each story ended in
    let mut owner: HashMap<String, String> = HashMap::new();
    for a in &alerts {
        assert_eq!(a.schema, "sahel-watch.alert/1");
        for s in &a.stories {
            let u = s
                .url
                .clone()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string();
            let prev = owner.insert(u.clone(), a.incident.id.clone());
            assert!(
                prev.is_none_or(|p| p == a.incident.id),
                "story {u} in two incidents"
            );
        }
    }
    // no duplicate incident.new for one gold incident, none for a negative story
    let mut alerted_gold: HashMap<String, String> = HashMap::new();
    for a in alerts.iter().filter(|a| a.event == AlertEvent::New) {
        let golds: HashSet<&String> = a
            .stories
            .iter()
            .filter_map(|s| {
                g.attack
                    .get(s.url.as_deref().unwrap_or("").trim_end_matches('/'))
            })
            .collect();
        assert_eq!(
            golds.len(),
            1,
            "incident.new {} maps to gold {golds:?}",
            a.incident.id
        );
        let gid = golds.into_iter().next().unwrap().clone();
        if let Some(first) = alerted_gold.insert(gid.clone(), a.incident.id.clone()) {
            panic!(
                "gold incident {gid} alerted twice: {first} and {}",
                a.incident.id
            );
        }
    }
    // story precision and recall
    let detected: HashSet<&String> = owner.keys().collect();
    let tp = detected
        .iter()
        .filter(|u| g.attack.contains_key(**u))
        .count();
    let fp = detected.iter().filter(|u| g.negative.contains(**u)).count();
    let recall = tp as f64 / g.attack.len() as f64;
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    assert!(
        precision >= 0.97 && recall >= 0.97,
        "precision {precision:.3} recall {recall:.3}"
    );
    assert!(alerted_gold.len() as f64 >= 0.97 * g.incidents.len() as f64);
}

#[test]
fn gold_incidents_given_as_known_raise_no_new_alert() {
    let Some(dir) = corpus() else { return };
    let g = gold(&dir);
    // a CSV in the alert's incident columns, written from the gold labels
    let tmp = tempfile::tempdir().unwrap();
    let csv_path = tmp.path().join("known.csv");
    let mut w = csv::Writer::from_path(&csv_path).unwrap();
    w.write_record([
        "id",
        "country",
        "admin1",
        "location",
        "lat",
        "lon",
        "event_date",
        "killed",
        "wounded",
        "victims",
        "actors",
        "attack_type",
    ])
    .unwrap();
    for i in &g.incidents {
        let s = |k: &str| i[k].as_str().unwrap_or("").to_string();
        let n = |k: &str| i[k].as_u64().map(|v| v.to_string()).unwrap_or_default();
        let actors: Vec<&str> = i["actors"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        w.write_record([
            s("id"),
            s("country"),
            s("admin1"),
            s("place"),
            String::new(),
            String::new(),
            s("event_date"),
            n("killed"),
            n("wounded"),
            s("victims"),
            actors.join(";"),
            s("attack_type"),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let alerts = run(&dir, vec![csv_path]);
    let new: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.event == AlertEvent::New)
        .collect();
    assert!(
        new.is_empty(),
        "known incidents alerted as new: {:?}",
        new.iter().map(|a| &a.incident.id).collect::<Vec<_>>()
    );
}
