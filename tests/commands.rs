//! The command line as a user runs it: check-config's explanations, warnings and errors;
//! read-only commands that never create state; test alerts; classify's languages.

use std::path::Path;
use std::process::{Command, Output};

/// Run `sahel-watch ARGS` to its end: its output, standard output and error as text.
fn sahel_watch(args: &[&str]) -> (Output, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_sahel-watch"))
        .args(args)
        .env_remove("SAHEL_WATCH_TEST_UNSET_SECRET")
        .output()
        .expect("run sahel-watch");
    let (out, err) = text(&o);
    (o, out, err)
}

/// The sample feed files.
fn sample_feed_files() -> Vec<String> {
    let feeds = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/feeds");
    std::fs::read_dir(feeds)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn check_config_reports_every_error_of_a_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[[watchlist]]\nname = \"a\"\nregions = [\"Tilaberi\"]\n[[watchlist]]\nname = \"b\"\nactors = [\"Boko Harm\"]\n",
    );
    let (o, _, err) = sahel_watch(&["check-config", &f]);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{f}:3:")) && err.contains("Tilaberi"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{f}:6:")) && err.contains("Boko Harm"),
        "{err}"
    );
}

#[test]
fn check_config_explains_every_criterion_of_every_list() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        r#"[alerts]
update_min_killed_increase = 5
[[watchlist]]
name = "niamey-office"
regions = ["Tillabéri", "Dosso"]
places = [{ name = "Niamey", radius_km = 100 }]
min_killed = 3
attack_types = ["ambush"]
exclude_keywords = ["exercise"]
updates = true
quiet_hours = { start = "22:00", end = "06:30", utc_offset = "+01:00" }
max_per_hour = 4
channels = ["hook", "log"]
[[channel]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:9/h"
"#,
    );
    let (o, out, err) = sahel_watch(&["check-config", &f]);
    assert!(o.status.success(), "{err}");
    for want in [
        "niamey-office → hook, log (the daemon's log)",
        "where (any of): in the region(s) Tillabéri, Dosso; within 100 km of Niamey",
        "what (all of): at least 3 killed; attack type ambush; no story says \"exercise\"",
        "updates: incident.updated when the toll rises by 5",
        "quiet hours: 22:00–06:30 (UTC+01:00)",
        "rate: at most 4 alert(s) an hour",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn check_config_warns_about_risky_values_and_strict_refuses_missing_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("hook.secret");
    std::fs::write(&secret, "s3cret\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let body = format!(
        r#"[daemon]
listen = "0.0.0.0:9464"
[[feed]]
name = "fast"
url = "https://news.example/rss"
interval = "20s"
[[channel]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:9/h"
secret_env = "SAHEL_WATCH_TEST_UNSET_SECRET"
[[channel]]
name = "hook2"
type = "webhook"
url = "http://127.0.0.1:9/h"
secret_file = {:?}
"#,
        secret.display().to_string()
    );
    let f = write(dir.path(), "risky.toml", &body);
    let (o, out, err) = sahel_watch(&["check-config", &f]);
    assert!(o.status.success(), "warnings only: {err}");
    for want in [
        "no [[watchlist]]",
        "daemon.listen 0.0.0.0:9464 is not a loopback address",
        "feed \"fast\": polled every 20s",
        "SAHEL_WATCH_TEST_UNSET_SECRET (the secret) is not set",
        "is readable by others (mode 644)",
    ] {
        assert!(err.contains(want), "missing warning {want:?} in:\n{err}");
        assert!(out.contains(want), "missing warning {want:?} in:\n{out}");
    }
    let (o, _, err) = sahel_watch(&["check-config", "--strict", &f]);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: channel \"hook\": environment variable SAHEL_WATCH_TEST_UNSET_SECRET"),
        "{err}"
    );

    // a country outside the watched ones
    let f = write(
        dir.path(),
        "sn.toml",
        "[[watchlist]]\nname = \"senegal\"\ncountries = [\"SN\"]\n",
    );
    let (_, _, err) = sahel_watch(&["check-config", &f]);
    assert!(
        err.contains("country SN is outside the watched Sahel countries"),
        "{err}"
    );

    // a missing secret file is an error
    let f = write(
        dir.path(),
        "nofile.toml",
        "[[channel]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/h\"\nsecret_file = \"/nonexistent/hook.secret\"\n",
    );
    let (o, _, err) = sahel_watch(&["check-config", &f]);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: channel \"hook\": secret file /nonexistent/hook.secret"),
        "{err}"
    );
}

#[test]
fn check_config_names_the_key_of_a_type_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "t.toml", "[daemon]\nstate_dir = 42\n");
    let (_, _, err) = sahel_watch(&["check-config", &f]);
    assert!(
        err.contains(&format!(
            "{f}:2: daemon.state_dir: expected a path, found the integer 42"
        )),
        "{err}"
    );
}

/// The README's alert example has exactly the fields of the JSON `replay` prints.
#[test]
fn readme_alert_fields_match_the_json() {
    let readme = include_str!("../README.md");
    let block = readme
        .split("```json")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("an alert example in the README");
    let documented: serde_json::Value = serde_json::from_str(block).expect("valid JSON");
    let files = sample_feed_files();
    let mut args = vec!["replay"];
    args.extend(files.iter().map(String::as_str));
    let (o, first, err) = sahel_watch(&args);
    assert!(o.status.success(), "{err}");
    let actual: serde_json::Value =
        serde_json::from_str(first.lines().next().expect("an alert")).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&documented), keys(&actual));
    assert_eq!(keys(&documented["incident"]), keys(&actual["incident"]));
    assert_eq!(keys(&documented["stories"][0]), keys(&actual["stories"][0]));
    for field in [
        "event",
        "incident.near_sites",
        "watchlists",
        "revision",
        "changes",
    ] {
        assert!(
            readme.contains(&format!("| `{field}` |")),
            "{field} documented"
        );
    }
}

#[test]
fn replay_says_how_many_alerts_for_how_many_incidents() {
    let files = sample_feed_files();
    let mut args = vec!["replay"];
    args.extend(files.iter().map(String::as_str));
    let (o, out, err) = sahel_watch(&args);
    assert!(o.status.success(), "{err}");
    let alerts: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut ids: Vec<&str> = alerts
        .iter()
        .map(|a| a["incident"]["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert!(alerts.len() > ids.len(), "the samples have updates");
    let want = format!(
        "replay: {} alerts for {} incidents",
        alerts.len(),
        ids.len()
    );
    assert!(err.contains(&want), "missing {want:?} in:\n{err}");
}

#[test]
fn read_only_commands_never_create_state_and_say_where_they_looked() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let f = write(
        dir.path(),
        "c.toml",
        &format!(
            "[daemon]\nstate_dir = {:?}\n[[feed]]\nname = \"wire\"\nurl = \"https://news.example/rss\"\n[[watchlist]]\nname = \"all\"\n",
            state.display().to_string()
        ),
    );
    for args in [
        vec!["feeds", "--config", &f],
        vec!["incidents", "--config", &f],
        vec!["incidents", "--config", &f, "show", "X"],
    ] {
        let (o, _, err) = sahel_watch(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "no state database at {}",
                state.join("sahel-watch.sqlite").display()
            )),
            "{args:?}: {err}"
        );
        assert!(!state.exists(), "{args:?} created {}", state.display());
    }
    let other = dir.path().join("other");
    let (_, _, err) = sahel_watch(&[
        "feeds",
        "--config",
        &f,
        "--state-dir",
        other.to_str().unwrap(),
    ]);
    assert!(
        err.contains("(from --state-dir)") && err.contains(other.to_str().unwrap()),
        "{err}"
    );
    assert!(!other.exists());
}

#[test]
fn feeds_and_incidents_take_state_dir_and_feeds_prints_times_with_their_zone() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("elsewhere");
    let f = write(
        dir.path(),
        "c.toml",
        "[daemon]\nstate_dir = \"/nonexistent/sahel-watch\"\n[[feed]]\nname = \"wire\"\nurl = \"https://news.example/rss\"\n[[watchlist]]\nname = \"all\"\n",
    );
    {
        let store = sahel_watch::store::Store::open(&state.join("sahel-watch.sqlite")).unwrap();
        store
            .save_feed_state(&sahel_watch::store::FeedState {
                name: "wire".into(),
                url: "https://news.example/rss".into(),
                last_success: chrono::DateTime::from_timestamp(1_700_000_000, 0),
                items_seen: 7,
                ..Default::default()
            })
            .unwrap();
    }
    let (o, out, err) = sahel_watch(&[
        "feeds",
        "--config",
        &f,
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{err}");
    let row = out
        .lines()
        .find(|l| l.starts_with("wire"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains("2023-11-14 22:13:20 UTC"), "{row}");
    let (o, _, err) = sahel_watch(&[
        "incidents",
        "--config",
        &f,
        "--state-dir",
        state.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{err}");
}

#[test]
fn classify_refuses_languages_it_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let story = write(
        dir.path(),
        "s.txt",
        "Gunmen kill 12 near Djibo\nGunmen killed twelve civilians near Djibo on Tuesday.\n",
    );
    let (o, _, err) = sahel_watch(&["classify", &story, "--lang", "de"]);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'de'") && err.contains("en") && err.contains("fr"),
        "{err}"
    );
    let (o, _, err) = sahel_watch(&["classify", &story, "--lang", "en"]);
    assert!(o.status.success(), "{err}");
}

#[test]
fn at_debug_each_story_s_fate_is_logged_once() {
    let files = sample_feed_files();
    let mut args = vec!["replay", "--updates", "configured"];
    args.extend(files.iter().map(String::as_str));
    let o = Command::new(env!("CARGO_BIN_EXE_sahel-watch"))
        .args(&args)
        .env("RUST_LOG", "sahel_watch::pipeline=debug")
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let fates: Vec<&str> = err.lines().filter(|l| l.contains("fate: ")).collect();
    let stories: usize = err
        .lines()
        .find_map(|l| l.split(" (").nth(1)?.split(" stories").next()?.parse().ok())
        .expect("the replay summary");
    assert_eq!(fates.len(), stories, "one fate per story:\n{err}");
    let not_attack = fates
        .iter()
        .find(|l| l.contains("fate: not an attack"))
        .expect("a story that is not an attack");
    assert!(
        not_attack.contains("score=") && not_attack.contains("threshold"),
        "{not_attack}"
    );
    assert!(
        fates
            .iter()
            .any(|l| l.contains("fate: joined the incident without a significant change")),
        "{err}"
    );
    assert!(
        fates
            .iter()
            .any(|l| l.contains("fate: opened a new incident")),
        "{err}"
    );
}

/// The README states the toolchain the locked dependencies need, and Cargo.toml says the same.
#[test]
fn readme_states_the_real_toolchain_minimum() {
    let o = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let used: std::collections::HashSet<&str> = m["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let version = |s: &str| -> Vec<u32> { s.split('.').map(|p| p.parse().unwrap()).collect() };
    let needed = m["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| used.contains(p["id"].as_str().unwrap()))
        .filter_map(|p| p["rust_version"].as_str())
        .map(version)
        .max()
        .unwrap();
    let needed = format!("{}.{}", needed[0], needed[1]);
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(&format!("Rust toolchain of **{needed} or later**")),
        "the README should state {needed}"
    );
    assert!(readme.contains("build-essential"));
    let cargo_toml = include_str!("../Cargo.toml");
    assert!(
        cargo_toml.contains(&format!("rust-version = \"{needed}\"")),
        "Cargo.toml should say {needed}"
    );
}

#[test]
fn check_config_says_loudly_where_a_list_without_channels_sends() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        "[[watchlist]]\nname = \"everything\"\n",
    );
    let (o, out, err) = sahel_watch(&["check-config", &f]);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("everything → log (the daemon's log only: no channels given)"),
        "{out}"
    );
    assert!(
        out.contains("where: anywhere in the watched countries (BF, ML, MR, NE, TD)"),
        "{out}"
    );
}

#[test]
fn incidents_show_says_which_watch_lists_were_told() {
    use sahel_watch::store::{Incident, Store};
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let f = write(
        dir.path(),
        "c.toml",
        &format!(
            "[daemon]\nstate_dir = {:?}\n[[watchlist]]\nname = \"niger\"\n",
            state.display().to_string()
        ),
    );
    {
        let store = Store::open(&state.join("sahel-watch.sqlite")).unwrap();
        let inc = Incident {
            id: "I-1".into(),
            killed: Some(9),
            revision: 2,
            origin: "story".into(),
            ..Default::default()
        };
        store
            .transaction(|tx| {
                tx.put_incident(&inc)?;
                tx.mark_told(&inc, "niger", chrono::Utc::now())
            })
            .unwrap();
    }
    let (o, out, err) = sahel_watch(&["incidents", "--config", &f, "show", "I-1"]);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["watchlists_told"][0]["watchlist"], "niger");
    assert_eq!(v["watchlists_told"][0]["killed"], 9);
    assert_eq!(v["watchlists_told"][0]["revision"], 2);
}
