//! An incident's toll across its stories (issue #16): the figure most of
//! its stories give, not the highest one story gave. Real pipeline, real
//! (in-memory) store; the stories are written for the project.

mod support;

use std::sync::Arc;

use chrono::Utc;
use sahel_watch::pipeline::{Pipeline, Settings, StoryStatus};

use support::faults::*;

fn pipeline() -> Pipeline {
    let gaz = sahel_nlp::Gazetteer::embedded();
    let cfg = sahel_watch::config::Config::parse(
        &format!("[daemon]\nmax_story_age = \"30d\"\n{WATCH_ALL}"),
        "tolls.toml",
        &gaz,
    )
    .unwrap();
    let store = Arc::new(sahel_watch::store::Store::open_in_memory().unwrap());
    Pipeline::new(
        store,
        Settings::new(&cfg, gaz.clone(), true),
        sahel_watch::metrics::Metrics::default(),
    )
}

/// Feeds each (title, text) as a story of its own outlet; returns the
/// incident they made and its toll after each story.
fn tolls_after_each(p: &Pipeline, stories: &[(&str, &str)]) -> (String, Vec<Option<u32>>) {
    let mut ids = Vec::new();
    let mut tolls = Vec::new();
    for (i, (title, text)) in stories.iter().enumerate() {
        let feed = format!("outlet{i}");
        let item = Item::new(
            &format!("s{i}"),
            title,
            &format!("https://{feed}.example/s{i}"),
            text,
            &hours_ago(6 - i as i64),
        );
        let doc = rss_doc(&feed, "en", &[item]);
        let parsed =
            sahel_watch::source::parse::parse_feed(doc.as_bytes(), &feed, None, None).unwrap();
        let out = p.process(&parsed.stories[0], Utc::now()).unwrap();
        let id = match out.status {
            StoryStatus::NewIncident { incident } => incident,
            StoryStatus::Joined { incident, .. } => incident,
            other => panic!("story {i}: {other:?}"),
        };
        tolls.push(p.store().incident(&id).unwrap().unwrap().killed);
        ids.push(id);
    }
    assert!(ids.iter().all(|i| *i == ids[0]), "one incident: {ids:?}");
    (ids.remove(0), tolls)
}

/// One outlet counting the hostages among the dead (130) does not make the
/// incident's toll: two stories say 21 and 27, and the incident says 27.
#[test]
fn one_story_misreading_the_toll_does_not_become_the_incidents() {
    let p = pipeline();
    let (_, tolls) = tolls_after_each(
        &p,
        &[
            (
                "Gunmen kill 21 in attack on hotel in Bamako",
                "Gunmen stormed a hotel in Bamako, the capital of Mali, on Friday and killed 21 people, officials said.",
            ),
            (
                "Mali hotel siege: 130 killed as gunmen storm Bamako hotel",
                "Armed men attacked a hotel in Bamako on Friday; 130 people were killed, a witness said, as special forces stormed the building.",
            ),
            (
                "Death toll in Bamako hotel attack rises to 27",
                "The toll of Friday's attack by gunmen on a hotel in Bamako, Mali, rose to 27 killed, the government said on Saturday.",
            ),
        ],
    );
    assert_eq!(tolls, vec![Some(21), Some(130), Some(27)], "{tolls:?}");
}

/// A toll that rises and is reported again is the incident's toll, and a
/// later story that gives none leaves it as it is.
#[test]
fn a_rising_toll_reported_again_wins() {
    let p = pipeline();
    let (id, tolls) = tolls_after_each(
        &p,
        &[
            (
                "Three soldiers killed in ambush near Djibo",
                "Gunmen killed three soldiers in an ambush near Djibo in northern Burkina Faso on Tuesday, security sources said.",
            ),
            (
                "Djibo ambush: toll rises to 20 soldiers killed",
                "The toll of Tuesday's ambush on an army convoy near Djibo in Burkina Faso rose to 20 soldiers killed, the army said.",
            ),
            (
                "Burkina Faso: twenty soldiers killed near Djibo",
                "Twenty soldiers were killed when gunmen ambushed an army convoy near Djibo in northern Burkina Faso on Tuesday.",
            ),
            (
                "Army reinforces Djibo after Tuesday's ambush",
                "The army sent reinforcements to Djibo in northern Burkina Faso after gunmen ambushed a convoy there on Tuesday.",
            ),
        ],
    );
    assert_eq!(
        tolls,
        vec![Some(3), Some(20), Some(20), Some(20)],
        "{tolls:?}"
    );
    let inc = p.store().incident(&id).unwrap().unwrap();
    assert_eq!(inc.killed, Some(20));
}
