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
    lists(&format!(
        "[[watchlist]]\nname = \"w\"\nchannels = [\"a\"]\n{toml_criteria}\n"
    ))
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
        "[[watchlist]]\nname = \"w\"\nchannels = [\"a\"]\n[[site]]\nname = \"Kandadji camp\"\nlat = 14.62\nlon = 0.98\nradius_km = 80\n{CHANNELS}"
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

/// The README's watch-lists with log channels of the names they use.
fn readme_lists() -> Watchlists {
    let readme = include_str!("../README.md");
    let blocks: String = readme
        .split("```toml")
        .skip(1)
        .map(|part| part.split("```").next().unwrap())
        // The watch-list blocks: the channel examples name files and
        // secrets of the reader's own.
        .filter(|block| block.contains("[[watchlist]]"))
        .collect();
    let channels = "[[channel]]\nname = \"niamey-email\"\ntype = \"log\"\n[[channel]]\nname = \"hq-slack\"\ntype = \"log\"\n[[channel]]\nname = \"security-api\"\ntype = \"log\"\n";
    let c = Config::parse(
        &format!("{blocks}\n{channels}"),
        "README.md",
        &Gazetteer::embedded(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.watchlists.len(), 4);
    Watchlists::compile(&c, &Gazetteer::embedded())
}

#[allow(clippy::too_many_arguments)]
fn at(
    country: &str,
    admin1: &str,
    location: &str,
    lat: f64,
    lon: f64,
    killed: u32,
    attack_type: &str,
) -> Incident {
    Incident {
        id: format!("I-{location}"),
        country: Some(country.into()),
        admin1: Some(admin1.into()),
        admin2: Some(location.into()),
        location: Some(location.into()),
        precision: Some("place".into()),
        lat: Some(lat),
        lon: Some(lon),
        event_date: NaiveDate::from_ymd_opt(2024, 3, 20),
        killed: Some(killed),
        victims: Some("military".into()),
        attack_type: Some(attack_type.into()),
        ..Default::default()
    }
}

fn lists_for(w: &Watchlists, i: &Incident, text: &str) -> Vec<String> {
    names(w, i, text, &["en"])
}

/// "An NGO's Niamey office wants Tillaberi and Dosso and anything within 100 km of the
/// capital, at night as a morning digest."
#[test]
fn readme_niamey_office_gets_tillaberi_or_dosso_or_near_niamey() {
    let w = readme_lists();
    let has = |i: &Incident| lists_for(&w, i, "").contains(&"niamey-office".to_string());
    // an ambush at Teguey, Tillaberi: 142 km from Niamey, in a watched region
    assert!(has(&teguey()), "an ambush in Tillaberi");
    // Dogondoutchi, Dosso: 210 km from Niamey, in a watched region
    assert!(has(&at(
        "NE",
        "Dosso",
        "Dogondoutchi",
        13.64,
        4.03,
        3,
        "raid"
    )));
    // Niamey itself (its own capital district): within the radius
    assert!(has(&at(
        "NE",
        "Niamey",
        "Niamey",
        13.51,
        2.11,
        2,
        "armed attack"
    )));
    // Tahoua: neither region nor within 100 km
    assert!(!has(&at("NE", "Tahoua", "Tahoua", 14.89, 5.27, 8, "raid")));
    // Gao, Mali
    assert!(!has(&at("ML", "Gao", "Gao", 16.27, -0.04, 8, "raid")));
    // at night (23:30 in Niamey, UTC+1) held until 06:30 local
    let i = teguey();
    let m = w.matching(&MatchInput {
        incident: &i,
        text: "",
        languages: &[],
    });
    let m: Vec<_> = m
        .into_iter()
        .filter(|l| l.name == "niamey-office")
        .collect();
    let r = w.route(&m, t("2024-03-20T22:30:00Z"), |_| 0);
    assert_eq!(r[0].channel, "niamey-email");
    assert_eq!(r[0].held_until, Some(t("2024-03-21T05:30:00Z")));
    assert_eq!(
        w.route(&m, t("2024-03-21T09:00:00Z"), |_| 0)[0].held_until,
        None
    );
}

/// "Its head office wants every mass-casualty attack in the five countries, with updates as
/// tolls rise, at most 10 messages an hour in their Slack."
#[test]
fn readme_hq_gets_mass_casualty_attacks_with_updates_capped() {
    let w = readme_lists();
    let has = |i: &Incident| lists_for(&w, i, "").contains(&"hq-mass-casualty".to_string());
    assert!(has(&teguey()), "23 killed in Niger");
    assert!(has(&at("TD", "Lac", "Ngouboua", 13.35, 14.12, 10, "raid")));
    assert!(
        !has(&at("ML", "Mopti", "Boni", 15.08, -2.22, 9, "ambush")),
        "9 killed"
    );
    assert!(
        !has(&at("NG", "Borno", "Maiduguri", 11.85, 13.16, 40, "raid")),
        "Nigeria"
    );
    let hq = w
        .lists()
        .iter()
        .find(|l| l.name == "hq-mass-casualty")
        .unwrap();
    assert!(hq.updates);
    assert_eq!(hq.channels, ["hq-slack"]);
    let now = t("2024-03-20T10:20:00Z");
    assert_eq!(w.route(&[hq], now, |_| 9)[0].held_until, None, "the 10th");
    assert_eq!(
        w.route(&[hq], now, |_| 10)[0].held_until,
        Some(t("2024-03-20T11:00:00Z")),
        "the 11th waits for the next hour's digest"
    );
}

/// "A mining company wants anything within 50 km of its two sites, and attacks on convoys or
/// with explosives anywhere in western Mali, to its own system."
#[test]
fn readme_mining_company_gets_its_sites_and_western_mali_convoys() {
    let w = readme_lists();
    let of = |i: &Incident, text: &str| lists_for(&w, i, text);
    // within 50 km of the first site, any kind of attack
    let near_site = at("ML", "Kayes", "Dabia", 13.40, -11.50, 1, "abduction");
    assert_eq!(of(&near_site, ""), ["mine-sites"]);
    // at Kenieba
    assert!(
        of(&at("ML", "Kayes", "Kenieba", 14.15, -10.29, 0, "raid"), "")
            .contains(&"mine-sites".to_string())
    );
    // an IED or an ambush in Kayes or Koulikoro
    assert_eq!(
        of(&at("ML", "Kayes", "Kayes", 14.45, -11.44, 2, "ied"), ""),
        ["western-mali-convoys"]
    );
    assert_eq!(
        of(
            &at("ML", "Koulikoro", "Koulikoro", 12.86, -7.56, 0, "ambush"),
            ""
        ),
        ["western-mali-convoys"]
    );
    // a raid in Kayes far from the sites: neither
    assert!(of(&at("ML", "Kayes", "Kayes", 14.45, -11.44, 2, "raid"), "").is_empty());
    // an ambush in Mopti: not western Mali
    assert!(of(&at("ML", "Mopti", "Boni", 15.08, -2.22, 9, "ambush"), "").is_empty());
    // an exercise is not an attack the company wants
    assert!(of(
        &at("ML", "Kayes", "Kayes", 14.45, -11.44, 0, "ambush"),
        "Soldiers trained against an ambush during a military exercise near Kayes"
    )
    .is_empty());
    // the alert says how far the mine is
    assert_eq!(
        w.near_sites(13.60, -11.60),
        ["34 km south of site Sadiola mine".to_string()]
    );
}

#[test]
fn where_is_or_and_what_is_and() {
    // in either region or within the radius, and with at least 10 killed
    let w = one(
        "regions = [\"Dosso\"]\ncountries = [\"ML\"]\nplaces = [{ name = \"Niamey\", radius_km = 160 }]\nmin_killed = 10",
    );
    let is = |i: &Incident| !names(&w, i, "", &[]).is_empty();
    assert!(is(&teguey()), "within 160 km of Niamey");
    assert!(
        is(&at("ML", "Gao", "Gao", 16.27, -0.04, 12, "raid")),
        "in Mali"
    );
    assert!(
        is(&at("NE", "Dosso", "Dogondoutchi", 13.64, 4.03, 10, "raid")),
        "in Dosso"
    );
    assert!(
        !is(&at("NE", "Dosso", "Dogondoutchi", 13.64, 4.03, 9, "raid")),
        "9 killed"
    );
    assert!(
        !is(&at("NE", "Tahoua", "Tahoua", 14.89, 5.27, 30, "raid")),
        "elsewhere"
    );
    // a list without a where-criterion covers the watched countries only
    let w = one("min_killed = 1");
    assert!(!names(&w, &teguey(), "", &[]).is_empty());
    assert!(names(
        &w,
        &at("SN", "Tambacounda", "Bakel", 14.9, -12.46, 3, "raid"),
        "",
        &[]
    )
    .is_empty());
}

#[test]
fn readme_watchlists_are_valid() {
    readme_lists();
}

#[test]
fn no_silent_catch_all_a_list_names_its_channels_once_channels_exist() {
    let g = Gazetteer::embedded();
    let e = Config::parse(
        &format!("[[watchlist]]\nname = \"quiet\"\ncountries = [\"NE\"]\n{CHANNELS}"),
        "w.toml",
        &g,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("w.toml:2:") && e.contains("\"quiet\": no channels") && e.contains("\"a\""),
        "{e}"
    );
    // "log" is always there, beside the configured channels
    let c = Config::parse(
        &format!("[[watchlist]]\nname = \"l\"\nchannels = [\"log\"]\n{CHANNELS}"),
        "w.toml",
        &g,
    )
    .unwrap();
    let w = Watchlists::compile(&c, &g);
    assert_eq!(w.lists()[0].channels, ["log"]);
    // without any channel, a list sends to the log
    let c = Config::parse("[[watchlist]]\nname = \"l\"\n", "w.toml", &g).unwrap();
    assert_eq!(Watchlists::compile(&c, &g).lists()[0].channels, ["log"]);
    // the bundled default list sends to the log only, even once a channel is added
    let bundled = include_str!("../config/sahel-watch.toml");
    let c = Config::parse(
        &format!("{bundled}\n[[channel]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/h\"\n"),
        "sahel-watch.toml",
        &g,
    )
    .unwrap();
    assert_eq!(Watchlists::compile(&c, &g).lists()[0].channels, ["log"]);
}

#[test]
fn places_of_places_file_gazetteer_import_and_sites_can_be_named() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let places = dir.path().join("places.tsv");
    std::fs::write(
        &places,
        "place\tCamp Zulu\t\tNE\tTillaberi\tTillaberi\t14.3000\t1.5000\t\n",
    )
    .unwrap();
    std::fs::write(
        state.join("gazetteer-geonames.tsv"),
        "place\tWanzerbe Nord\t\tNE\tTillaberi\tTillaberi\t14.1000\t0.8000\t\n",
    )
    .unwrap();
    let lists = "[[watchlist]]\nname = \"w\"\nplaces = [{ name = \"Camp Zulu\", radius_km = 20 }, { name = \"Wanzerbe Nord\", radius_km = 20 }, { name = \"Depot\", radius_km = 20 }]\n[[site]]\nname = \"Depot\"\nlat = 16.0\nlon = -3.0\n";
    let g = Gazetteer::embedded();
    // without the files, the names are unknown
    let e = Config::parse(lists, "w.toml", &g).unwrap_err().to_string();
    assert!(e.contains("unknown place \"Camp Zulu\""), "{e}");
    let text = format!(
        "[daemon]\nstate_dir = {:?}\nplaces_file = {:?}\n{lists}",
        state.display().to_string(),
        places.display().to_string()
    );
    let c = Config::parse(&text, "w.toml", &g).unwrap_or_else(|e| panic!("{e}"));
    let full = sahel_watch::pipeline::load_gazetteer(&c).unwrap();
    let w = Watchlists::compile(&c, &full);
    let near = |lat: f64, lon: f64| {
        let mut i = teguey();
        i.admin1 = Some("Elsewhere".into());
        i.lat = Some(lat);
        i.lon = Some(lon);
        !names(&w, &i, "", &[]).is_empty()
    };
    assert!(near(14.31, 1.51), "near Camp Zulu (places_file)");
    assert!(near(14.11, 0.81), "near Wanzerbe Nord (gazetteer import)");
    assert!(near(16.01, -3.01), "at the site Depot");
    assert!(!near(15.0, 3.0));
    // the daemon's --state-dir is where the imported places are looked for
    let moved = dir.path().join("elsewhere");
    let text = format!(
        "[daemon]\nstate_dir = {:?}\nplaces_file = {:?}\n{lists}",
        moved.display().to_string(),
        places.display().to_string()
    );
    assert!(Config::parse(&text, "w.toml", &g).is_err());
    Config::parse_for(&text, "w.toml", &g, Some(&state)).unwrap_or_else(|e| panic!("{e}"));
}

mod per_list {
    use std::sync::Arc;

    use chrono::{DateTime, Duration, Utc};
    use sahel_nlp::Gazetteer;
    use sahel_watch::config::Config;
    use sahel_watch::metrics::Metrics;
    use sahel_watch::model::{Alert, Story};
    use sahel_watch::pipeline::{Pipeline, Settings};
    use sahel_watch::store::Store;

    pub fn pipeline(lists: &str) -> Pipeline {
        let text = format!("[daemon]\nmax_story_age = \"36500d\"\n{lists}");
        let cfg = Config::parse(&text, "w.toml", &Gazetteer::embedded())
            .unwrap_or_else(|e| panic!("{e}"));
        Pipeline::new(
            Arc::new(Store::open_in_memory().unwrap()),
            Settings::new(&cfg, Gazetteer::embedded(), true),
            Metrics::default(),
        )
    }

    pub fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-03-21T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    pub fn story(key: &str, hours: i64, title: &str, text: &str) -> Story {
        Story {
            key: key.into(),
            feed: "wire".into(),
            source: format!("Outlet {key}"),
            guid: Some(key.into()),
            url: Some(format!("https://news.example/{key}")),
            title: title.into(),
            text: text.into(),
            published: Some(t0() + Duration::hours(hours)),
            published_offset_secs: None,
            language: Some("en".into()),
            fingerprint: None,
        }
    }

    /// (event, watch-lists) of the alerts a story produced.
    pub fn run(p: &Pipeline, s: &Story) -> Vec<(String, Vec<String>)> {
        let o = p
            .process(s, s.published.unwrap() + Duration::minutes(30))
            .unwrap();
        o.alerts
            .iter()
            .map(|a: &Alert| (a.event.as_str().to_string(), a.watchlists.clone()))
            .collect()
    }
}

#[test]
fn every_watchlist_has_its_own_new_and_its_own_updates() {
    use per_list::*;
    let p = pipeline(
        "[[watchlist]]\nname = \"niger\"\ncountries = [\"NE\"]\n\
         [[watchlist]]\nname = \"big\"\nmin_killed = 10\nupdates = true\n\
         [[watchlist]]\nname = \"isgs\"\nactors = [\"ISGS\"]\n",
    );
    let first = story(
        "a",
        0,
        "Niger: nine soldiers killed in ambush near Teguey",
        "Nine Nigerien soldiers were killed on Wednesday when gunmen ambushed their patrol near Teguey, in the Tillaberi region, the Ministry of Defence said in a statement on Thursday.",
    );
    assert_eq!(
        run(&p, &first),
        [("incident.new".to_string(), vec!["niger".to_string()])]
    );
    let toll = story(
        "b",
        6,
        "Niger: death toll in Teguey ambush rises to 14 soldiers",
        "The toll of Wednesday's ambush on an army patrol near Teguey in the Tillaberi region has risen to 14 soldiers killed, the Ministry of Defence said on Thursday evening.",
    );
    // "niger" was told (and wants no updates); "big" hears of it for the first time
    assert_eq!(
        run(&p, &toll),
        [("incident.new".to_string(), vec!["big".to_string()])]
    );
    let claim = story(
        "c",
        30,
        "Islamic State Sahel claims Teguey ambush that killed 14 Nigerien soldiers",
        "The Islamic State Sahel Province claimed responsibility on Friday for Wednesday's ambush near Teguey, in Niger's Tillaberi region, in which 14 soldiers were killed.",
    );
    let alerts = run(&p, &claim);
    assert!(
        alerts.contains(&("incident.new".to_string(), vec!["isgs".to_string()])),
        "a list that matches only after the claim gets incident.new then: {alerts:?}"
    );
    assert!(
        alerts.contains(&("incident.updated".to_string(), vec!["big".to_string()])),
        "the claim is a significant update for the list that wants updates: {alerts:?}"
    );
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    // and each went to the log channel once per event
    let rows = p.store().outbox_rows().unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
}

#[test]
fn keywords_search_the_full_text_of_every_story() {
    use per_list::*;
    let p = pipeline("[[watchlist]]\nname = \"convoys\"\nkeywords = [\"convoy\"]\n");
    // "convoy" only deep in the text, far past the summary
    let text = format!(
        "Nine Nigerien soldiers were killed on Wednesday when gunmen ambushed their patrol near Teguey, in the Tillaberi region, the Ministry of Defence said in a statement on Thursday. {} The soldiers were escorting a supply convoy to Bankilare.",
        "Reinforcements were sent to the area and an air operation was launched to track the attackers, who fled towards the border, according to the statement. ".repeat(3)
    );
    let s = story(
        "a",
        0,
        "Niger: nine soldiers killed in ambush near Teguey",
        &text,
    );
    assert_eq!(
        run(&p, &s),
        [("incident.new".to_string(), vec!["convoys".to_string()])]
    );
    let p = pipeline("[[watchlist]]\nname = \"no-convoys\"\nexclude_keywords = [\"convoy\"]\n");
    assert!(run(&p, &s).is_empty());
}
