//! Watch-lists: each criterion alone and combined, the radius on the sphere, routing with
//! quiet hours and rate caps, and validation messages.

use chrono::{DateTime, NaiveDate, Utc};
use sahel_nlp::Gazetteer;
use sahel_watch::config::Config;
use sahel_watch::store::Incident;
use sahel_watch::watchlist::{MatchInput, Watchlists};

const CHANNELS: &str = r#"
[[channel]]
name = "a"
type = "log"
[[channel]]
name = "b"
type = "log"
"#;

fn lists(toml: &str) -> Watchlists {
    let text = format!("{toml}\n{CHANNELS}");
    let c =
        Config::parse(&text, "w.toml", &Gazetteer::embedded()).unwrap_or_else(|e| panic!("{e}"));
    Watchlists::compile(&c, &Gazetteer::embedded())
}

/// An ambush on soldiers at Teguey (Tillaberi, Niger), 23 killed, claimed by IS Sahel.
fn teguey() -> Incident {
    Incident {
        id: "I-1".into(),
        country: Some("NE".into()),
        admin1: Some("Tillaberi".into()),
        admin2: Some("Bankilare".into()),
        location: Some("Teguey".into()),
        precision: Some("place".into()),
        lat: Some(14.13),
        lon: Some(0.95),
        event_date: NaiveDate::from_ymd_opt(2024, 3, 20),
        killed: Some(23),
        victims: Some("military".into()),
        actors: vec!["Islamic State Sahel Province".into()],
        attack_type: Some("ambush".into()),
        ..Default::default()
    }
}

fn names(w: &Watchlists, i: &Incident, text: &str, langs: &[&str]) -> Vec<String> {
    let langs: Vec<String> = langs.iter().map(|s| s.to_string()).collect();
    w.matching(&MatchInput {
        incident: i,
        text,
        languages: &langs,
    })
    .iter()
    .map(|w| w.name.clone())
    .collect()
}

fn one(toml_criteria: &str) -> Watchlists {
    lists(&format!("[[watchlist]]\nname = \"w\"\n{toml_criteria}\n"))
}

fn matches(criteria: &str, i: &Incident) -> bool {
    !names(
        &one(criteria),
        i,
        "Soldiers killed in an ambush near Teguey",
        &["en"],
    )
    .is_empty()
}

#[test]
fn each_criterion_alone() {
    let i = teguey();
    assert!(matches("countries = [\"NE\"]", &i));
    assert!(!matches("countries = [\"ML\", \"BF\"]", &i));
    // regions by any spelling the gazetteer knows
    assert!(matches("regions = [\"Tillabéri\"]", &i));
    assert!(matches("regions = [\"tillabery\"]", &i));
    assert!(!matches("regions = [\"Dosso\"]", &i));
    assert!(
        matches("actors = [\"ISGS\"]", &i),
        "alias of Islamic State Sahel Province"
    );
    assert!(!matches("actors = [\"JNIM\"]", &i));
    assert!(matches("victims = [\"military\"]", &i));
    assert!(!matches("victims = [\"civilian\"]", &i));
    assert!(matches("attack_types = [\"ambush\", \"ied\"]", &i));
    assert!(!matches("attack_types = [\"massacre\"]", &i));
    assert!(matches("min_killed = 23", &i));
    assert!(!matches("min_killed = 24", &i));
    assert!(matches("keywords = [\"ambush\"]", &i));
    assert!(!matches("keywords = [\"bomb\"]", &i));
    assert!(!matches("exclude_keywords = [\"soldiers\"]", &i));
    assert!(matches("exclude_keywords = [\"exercise\"]", &i));
    assert!(matches("languages = [\"en\"]", &i));
    assert!(!matches("languages = [\"fr\"]", &i));
}

#[test]
fn radius_is_a_distance_on_the_sphere() {
    let i = teguey();
    // Teguey (14.13, 0.95) to Niamey (13.51, 2.11): about 142 km
    assert!(matches(
        "places = [{ lat = 13.51, lon = 2.11, radius_km = 150 }]",
        &i
    ));
    assert!(!matches(
        "places = [{ lat = 13.51, lon = 2.11, radius_km = 130 }]",
        &i
    ));
    assert!(matches(
        "places = [{ name = \"Niamey\", radius_km = 150 }]",
        &i
    ));
    assert!(!matches(
        "places = [{ name = \"Niamey\", radius_km = 100 }]",
        &i
    ));
    // any of several places
    assert!(matches(
        "places = [{ name = \"Gao\", radius_km = 10 }, { lat = 14.2, lon = 1.0, radius_km = 20 }]",
        &i
    ));
    // an incident without coordinates is not within any radius
    let mut vague = i.clone();
    vague.lat = None;
    vague.lon = None;
    assert!(!matches(
        "places = [{ name = \"Niamey\", radius_km = 1000 }]",
        &vague
    ));
}

#[test]
fn criteria_combine_with_and() {
    let i = teguey();
    assert!(matches(
        "countries = [\"NE\"]\nmin_killed = 10\nvictims = [\"military\"]",
        &i
    ));
    assert!(!matches(
        "countries = [\"NE\"]\nmin_killed = 10\nvictims = [\"civilian\"]",
        &i
    ));
    assert!(!matches(
        "regions = [\"Tillaberi\"]\nactors = [\"JNIM\"]",
        &i
    ));
}

#[test]
fn several_watchlists_route_once_per_channel() {
    let w = lists(
        "[[watchlist]]\nname = \"niger\"\ncountries = [\"NE\"]\nchannels = [\"a\"]\n\
         [[watchlist]]\nname = \"big\"\nmin_killed = 10\nchannels = [\"a\", \"b\"]\n\
         [[watchlist]]\nname = \"mali\"\ncountries = [\"ML\"]\nchannels = [\"b\"]\n",
    );
    let i = teguey();
    let m = w.matching(&MatchInput {
        incident: &i,
        text: "",
        languages: &[],
    });
    assert_eq!(
        m.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(),
        ["niger", "big"]
    );
    let routes = w.route(&m, Utc::now(), |_| 0);
    assert_eq!(routes.len(), 2);
    let a = routes.iter().find(|r| r.channel == "a").unwrap();
    assert_eq!(a.watchlists, ["niger", "big"]);
    assert_eq!(a.held_until, None);
    let b = routes.iter().find(|r| r.channel == "b").unwrap();
    assert_eq!(b.watchlists, ["big"]);
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn quiet_hours_hold_until_they_end_unless_another_list_wants_it_now() {
    let w = lists(
        "[[watchlist]]\nname = \"night\"\nchannels = [\"a\"]\nquiet_hours = { start = \"22:00\", end = \"06:00\", utc_offset = \"+01:00\" }\n\
         [[watchlist]]\nname = \"always\"\nchannels = [\"b\"]\n",
    );
    let i = teguey();
    let m = w.matching(&MatchInput {
        incident: &i,
        text: "",
        languages: &[],
    });
    let routes = w.route(&m, t("2024-03-20T23:30:00Z"), |_| 0);
    let a = routes.iter().find(|r| r.channel == "a").unwrap();
    assert_eq!(a.held_until, Some(t("2024-03-21T05:00:00Z")));
    assert_eq!(a.digest_group.as_deref(), Some("night"));
    assert_eq!(
        routes.iter().find(|r| r.channel == "b").unwrap().held_until,
        None
    );
    // by day, nothing is held
    let routes = w.route(&m, t("2024-03-21T12:00:00Z"), |_| 0);
    assert!(routes.iter().all(|r| r.held_until.is_none()));

    // the same channel shared with a list that is not quiet: sent now
    let w = lists(
        "[[watchlist]]\nname = \"night\"\nchannels = [\"a\"]\nquiet_hours = { start = \"22:00\", end = \"06:00\" }\n\
         [[watchlist]]\nname = \"always\"\nchannels = [\"a\"]\n",
    );
    let m = w.matching(&MatchInput {
        incident: &i,
        text: "",
        languages: &[],
    });
    let routes = w.route(&m, t("2024-03-20T23:30:00Z"), |_| 0);
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].held_until, None);
}

#[test]
fn rate_cap_turns_the_excess_into_a_held_digest() {
    let w = lists("[[watchlist]]\nname = \"capped\"\nchannels = [\"a\"]\nmax_per_hour = 3\n");
    let i = teguey();
    let m = w.matching(&MatchInput {
        incident: &i,
        text: "",
        languages: &[],
    });
    let now = t("2024-03-20T10:20:00Z");
    assert_eq!(
        w.route(&m, now, |_| 2)[0].held_until,
        None,
        "under the cap: now"
    );
    let r = &w.route(&m, now, |g| if g == "capped" { 3 } else { 0 })[0];
    assert_eq!(
        r.held_until,
        Some(t("2024-03-20T11:00:00Z")),
        "over the cap: held to the next hour"
    );
    assert_eq!(r.digest_group.as_deref(), Some("capped"));
}

#[test]
fn sites_are_described_with_distance_and_bearing() {
    let text = format!(
        "[[watchlist]]\nname = \"w\"\n[[site]]\nname = \"Kandadji camp\"\nlat = 14.62\nlon = 0.98\nradius_km = 80\n{CHANNELS}"
    );
    let c = Config::parse(&text, "w.toml", &Gazetteer::embedded()).unwrap();
    let w = Watchlists::compile(&c, &Gazetteer::embedded());
    let near = w.near_sites(14.13, 0.95);
    assert_eq!(near, vec!["55 km south of site Kandadji camp".to_string()]);
    assert!(w.near_sites(16.0, 0.0).is_empty());
}

#[test]
fn unknown_names_are_errors_with_suggestions() {
    let g = Gazetteer::embedded();
    let e = Config::parse(
        "[[watchlist]]\nname = \"x\"\nregions = [\"Tilaberi\"]\n",
        "w.toml",
        &g,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("w.toml:3") && e.contains("\"x\"") && e.contains("did you mean \"Tillaberi\""),
        "{e}"
    );
    let e = Config::parse(
        "[[watchlist]]\nname = \"x\"\nactors = [\"Boko Harm\"]\n",
        "w.toml",
        &g,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("did you mean \"Boko Haram\""), "{e}");
    let e = Config::parse(
        "[[watchlist]]\nname = \"x\"\nplaces = [{ name = \"Niamy\" }]\n",
        "w.toml",
        &g,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("unknown place \"Niamy\"") && e.contains("Niamey"),
        "{e}"
    );
    let e = Config::parse(
        "[[watchlist]]\nname = \"x\"\nattack_types = [\"bombing\"]\n",
        "w.toml",
        &g,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("attack type \"bombing\""), "{e}");
}

#[test]
fn readme_watchlists_are_valid() {
    let readme = include_str!("../README.md");
    let blocks: String = readme
        .split("```toml")
        .skip(1)
        .map(|part| part.split("```").next().unwrap())
        .collect();
    let channels = "[[channel]]\nname = \"niamey-email\"\ntype = \"log\"\n[[channel]]\nname = \"hq-slack\"\ntype = \"log\"\n[[channel]]\nname = \"security-api\"\ntype = \"log\"\n";
    let c = Config::parse(
        &format!("{blocks}\n{channels}"),
        "README.md",
        &Gazetteer::embedded(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.watchlists.len(), 4);
}
