//! Rule-family tests on invented stories (English and French, with and
//! without accents). They use their own small gazetteer so that they do not
//! depend on the embedded one.

use sahel_nlp::gazetteer::parse_tsv;
use sahel_nlp::{Analysis, Document, Engine, Gazetteer, PlaceSource, Precision, Victims};

const PLACES: &str = "\
country\tNiger\t\tNE\t\t\t17.6\t8.08\n\
country\tMali\t\tML\t\t\t17.57\t-3.99\n\
country\tBurkina Faso\tBurkina\tBF\t\t\t12.24\t-1.56\n\
country\tChad\tTchad\tTD\t\t\t15.45\t18.73\n\
country\tNigeria\t\tNG\t\t\t9.08\t8.68\n\
demonym\tNigerien\tNigérien|Nigériens|Nigeriens|nigériens\tNE\t\t\t17.6\t8.08\n\
demonym\tMalian\tMalien|Maliens|Malians\tML\t\t\t17.57\t-3.99\n\
demonym\tBurkinabe\tBurkinabè\tBF\t\t\t12.24\t-1.56\n\
demonym\tNigerian\tNigerians\tNG\t\t\t9.08\t8.68\n\
admin1\tTillaberi\tTillabéri|Tillabery\tNE\tTillaberi\t\t14.21\t1.45\n\
admin1\tMopti\t\tML\tMopti\t\t14.49\t-4.19\n\
admin1\tCentre-Nord\tCentre Nord\tBF\tCentre-Nord\t\t13.1\t-1.08\n\
admin1\tSahel\t\tBF\tSahel\t\t14.0\t-0.5\n\
admin1\tBorno\t\tNG\tBorno\t\t11.5\t13.0\n\
admin2\tSanmatenga\t\tBF\tCentre-Nord\tSanmatenga\t13.3\t-1.1\n\
place\tKoro\t\tML\tMopti\tKoro\t14.07\t-3.08\n\
place\tMacina\t\tML\tSegou\tMacina\t13.96\t-5.36\n\
place\tKaya\t\tBF\tCentre-Nord\tSanmatenga\t13.09\t-1.08\n\
place\tPissila\t\tBF\tCentre-Nord\tSanmatenga\t13.17\t-0.82\n\
place\tDori\t\tBF\tSahel\tSeno\t14.03\t-0.03\n\
place\tAyorou\t\tNE\tTillaberi\tAyerou\t14.73\t0.92\n\
place\tTera\tTéra\tNE\tTillaberi\tTera\t14.01\t0.75\n\
place\tFantio\t\tNE\tTillaberi\tTera\t13.9\t0.8\n\
place\tMaiduguri\t\tNG\tBorno\t\t11.85\t13.16\n\
place\tNiamey\t\tNE\tNiamey\t\t13.51\t2.11\n";

fn engine() -> Engine {
    let mut g = Gazetteer::default();
    g.extend(parse_tsv(PLACES, "test", PlaceSource::User).unwrap());
    Engine::new(g)
}

fn run(e: &Engine, title: &str, body: &str, published: &str) -> Analysis {
    e.analyze(&Document {
        title,
        body,
        published: chrono::DateTime::parse_from_rfc3339(published).ok(),
        language: None,
    })
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn english_first_report_with_facts() {
    let e = engine();
    let a = run(
        &e,
        "Niger: fourteen soldiers killed in ambush near Tera",
        "Gunmen on motorbikes ambushed an army patrol near Tera, in the Tillaberi region, on Tuesday, killing fourteen soldiers and wounding nine others, the defence ministry said.\n\nThe ministry said around forty assailants were neutralised. No group has claimed the attack.",
        "2024-05-02T09:00:00+00:00",
    );
    assert!(a.is_attack, "{:#?}", a.reasons);
    assert!(a.confidence > 0.6);
    let f = a.facts.unwrap();
    assert_eq!(f.country.as_deref(), Some("NE"));
    assert_eq!(f.admin1.as_deref(), Some("Tillaberi"));
    assert_eq!(f.location.as_deref(), Some("Tera"));
    assert_eq!(f.precision, Some(Precision::Place));
    // Published Thursday 2 May: Tuesday is 30 April (across the month boundary).
    assert_eq!(f.event_date, Some(date("2024-04-30")));
    assert_eq!(f.killed, Some(14));
    assert_eq!(f.wounded, Some(9));
    assert_eq!(f.attackers_killed, Some(40));
    assert_eq!(f.victims, Some(Victims::Military));
    assert_eq!(f.attack_type.as_deref(), Some("ambush"));
    assert!(!f.claimed);
    assert!(a.reasons.iter().any(|r| r.kind == "attack_term"));
}

#[test]
fn french_with_and_without_accents() {
    let e = engine();
    for (title, body) in [
        (
            "Burkina : vingt-trois civils tués dans l'attaque de Pissila",
            "Des hommes armés ont attaqué samedi le marché de Pissila, dans la province du Sanmatenga (région du Centre-Nord), tuant vingt-trois civils, selon des sources locales. Une dizaine de personnes ont été blessées.",
        ),
        (
            "Burkina : vingt-trois civils tues dans l'attaque de Pissila",
            "Des hommes armes ont attaque samedi le marche de Pissila, dans la province du Sanmatenga (region du Centre-Nord), tuant vingt-trois civils, selon des sources locales. Une dizaine de personnes ont ete blessees.",
        ),
    ] {
        let a = run(&e, title, body, "2023-07-03T08:00:00+00:00");
        assert!(a.is_attack, "{title}: {:#?}", a.reasons);
        assert_eq!(a.language, "fr");
        let f = a.facts.unwrap();
        assert_eq!(f.country.as_deref(), Some("BF"));
        assert_eq!(f.admin1.as_deref(), Some("Centre-Nord"));
        assert_eq!(f.location.as_deref(), Some("Pissila"));
        assert_eq!(f.event_date, Some(date("2023-07-01")));
        assert_eq!(f.killed, Some(23));
        assert_eq!(f.wounded, Some(10));
        assert_eq!(f.victims, Some(Victims::Civilian));
    }
}

#[test]
fn tolls_keep_attackers_apart_and_take_the_highest() {
    let e = engine();
    let a = run(
        &e,
        "Mali: toll from attack on Koro rises to 41",
        "At least 41 villagers were killed when jihadists raided Koro in the Mopti region on Friday, up from an earlier toll of 30, local officials said. The army said 63 assailants were killed in its counter-attack.",
        "2024-02-11T10:00:00+00:00",
    );
    let f = a.facts.unwrap();
    assert_eq!(f.killed, Some(41));
    assert_eq!(f.attackers_killed, Some(63));
    let a = run(
        &e,
        "Mali : une quarantaine d'assaillants neutralisés après l'attaque d'un camp à Koro",
        "L'armée malienne a repoussé jeudi une attaque contre son camp de Koro et affirme avoir neutralisé une quarantaine d'assaillants. Aucune perte n'a été enregistrée dans ses rangs.",
        "2024-02-09T10:00:00+00:00",
    );
    let f = a.facts.unwrap();
    assert_eq!(f.attackers_killed, Some(40));
    assert_eq!(f.killed, Some(0), "no losses reported means 0");
}

#[test]
fn dates_never_after_publication() {
    let e = engine();
    // "Friday" in a story published on a Monday is three days earlier.
    let a = run(
        &e,
        "Gunmen kill 12 in Niger village",
        "Gunmen killed 12 villagers in Fantio, in the Tillaberi region, on Friday, officials said.",
        "2024-01-01T07:00:00+00:00",
    );
    assert_eq!(a.facts.unwrap().event_date, Some(date("2023-12-29")));
    // "le 30 décembre" read in early January is last year.
    let a = run(
        &e,
        "Niger : 12 villageois tués à Fantio",
        "Des hommes armés ont tué 12 villageois le 30 décembre à Fantio, dans la région de Tillabéri.",
        "2024-01-02T07:00:00+00:00",
    );
    assert_eq!(a.facts.unwrap().event_date, Some(date("2023-12-30")));
    // Night spanning two days: the first day.
    let a = run(
        &e,
        "Burkina : attaque meurtrière près de Dori",
        "Des individus armés ont attaqué dans la nuit de samedi à dimanche un poste de gendarmerie près de Dori, dans la région du Sahel, tuant six gendarmes.",
        "2022-03-08T07:00:00+00:00",
    );
    assert_eq!(a.facts.unwrap().event_date, Some(date("2022-03-05")));
}

#[test]
fn places_near_between_region_and_distance() {
    let e = engine();
    let a = run(
        &e,
        "Burkina Faso: soldiers killed in attack 30 km north of Kaya",
        "Eight soldiers were killed on Monday when militants attacked an army convoy between Pissila and Kaya, about 30 km north of Kaya, security sources said.",
        "2024-06-04T10:00:00+00:00",
    );
    assert!(a.is_attack);
    let f = a.facts.unwrap();
    assert_eq!(f.location.as_deref(), Some("Pissila"));
    assert_eq!(f.admin1.as_deref(), Some("Centre-Nord"));
    // "in the X region" gives admin1 precision.
    let a = run(
        &e,
        "Niger: nine soldiers killed in the Tillaberi region",
        "Nine Nigerien soldiers were killed in an ambush in the Tillaberi region on Sunday, the army said.",
        "2024-06-04T10:00:00+00:00",
    );
    let f = a.facts.unwrap();
    assert_eq!(f.admin1.as_deref(), Some("Tillaberi"));
    assert_eq!(f.precision, Some(Precision::Admin1));
}

#[test]
fn group_names_are_not_places() {
    let e = engine();
    let a = run(
        &e,
        "Mali: Katiba Macina fighters kill 9 in Koro area",
        "Fighters of the Katiba Macina killed nine civilians near Koro in central Mali on Wednesday, residents said.",
        "2024-06-06T10:00:00+00:00",
    );
    assert!(a.is_attack);
    let f = a.facts.unwrap();
    assert_eq!(f.location.as_deref(), Some("Koro"));
    assert_eq!(f.admin1.as_deref(), Some("Mopti"));
    assert!(
        f.actors.iter().any(|x| x == "Katiba Macina"),
        "{:?}",
        f.actors
    );
}

#[test]
fn metaphors_are_not_attacks() {
    let e = engine();
    for (t, b) in [
        (
            "Mali's attack too sharp for Niger in World Cup qualifier",
            "Mali's attacking midfielder scored twice as the Eagles beat Niger 3-1 on Saturday; the coach praised his attack.",
        ),
        (
            "Cyber attack hits Niger ministry websites",
            "Hackers knocked the websites of three ministries offline in Niamey on Monday in what officials called a large-scale cyber attack.",
        ),
        (
            "Burkina: doctors warn of heart attacks",
            "Heart attack and stroke patients are increasingly young, cardiologists in Ouagadougou said.",
        ),
        (
            "Mali : le Premier ministre attaque la France dans un discours",
            "Le Premier ministre malien a lancé une attaque virulente contre la France lors de son discours à l'Assemblée générale de l'ONU.",
        ),
    ] {
        let a = run(&e, t, b, "2024-06-04T10:00:00+00:00");
        assert!(!a.is_attack, "{t}: {:#?}", a.reasons);
    }
}

#[test]
fn foreign_incidents_are_not_watched() {
    let e = engine();
    let a = run(
        &e,
        "Nigeria: suicide bombers kill 20 in Maiduguri",
        "MAIDUGURI, Nigeria — Suicide bombers killed at least 20 people at a market in Maiduguri, the capital of Borno state, on Sunday, police said. Boko Haram also operates across the border in Niger and Chad.",
        "2024-06-04T10:00:00+00:00",
    );
    assert!(!a.is_attack, "{:#?}", a.reasons);
    let f = a.facts.expect("facts are kept for explanation");
    assert_eq!(f.country.as_deref(), Some("NG"));
    assert!(a.reasons.iter().any(|r| r.kind == "foreign_place"));
    // The same story watched for Nigeria is an attack story.
    let e2 = Engine::with_countries(
        {
            let mut g = Gazetteer::default();
            g.extend(parse_tsv(PLACES, "test", PlaceSource::User).unwrap());
            g
        },
        &["NG"],
    );
    let a = run(
        &e2,
        "Nigeria: suicide bombers kill 20 in Maiduguri",
        "Suicide bombers killed at least 20 people at a market in Maiduguri, the capital of Borno state, on Sunday, police said.",
        "2024-06-04T10:00:00+00:00",
    );
    assert!(a.is_attack);
}

#[test]
fn old_incidents_anniversaries_and_trials_are_background() {
    let e = engine();
    for (t, b, p) in [
        (
            "Pissila, one year on: survivors remember the massacre",
            "One year after gunmen killed 40 villagers in Pissila on 12 May 2023, survivors gathered for a commemoration on Sunday.",
            "2024-05-13T10:00:00+00:00",
        ),
        (
            "Niger : un an après le massacre de Fantio, les rescapés attendent justice",
            "Il y a un an, le 2 mars 2023, des hommes armés tuaient 30 personnes à Fantio, dans la région de Tillabéri. Une cérémonie de recueillement a eu lieu dimanche.",
            "2024-03-04T10:00:00+00:00",
        ),
        (
            "Jihadist on trial in Paris over 2019 Mali attack",
            "A man accused of taking part in the 2019 attack on a Mopti army post that killed 24 soldiers went on trial in Paris on Monday.",
            "2024-06-03T10:00:00+00:00",
        ),
    ] {
        let a = run(&e, t, b, p);
        assert!(!a.is_attack, "{t}: {:#?}", a.reasons);
    }
}

#[test]
fn new_incident_with_old_background_keeps_its_own_facts() {
    let e = engine();
    let a = run(
        &e,
        "Niger: 7 soldiers killed in attack near Ayorou",
        "Seven soldiers were killed on Wednesday when gunmen attacked their post near Ayorou, in the Tillaberi region, the ministry said.\n\nIn March 2021, more than 130 civilians were killed in attacks on villages near Fantio. The same area had been hit in 2019, when 71 soldiers died.",
        "2024-06-07T10:00:00+00:00",
    );
    assert!(a.is_attack);
    let f = a.facts.unwrap();
    assert_eq!(f.killed, Some(7));
    assert_eq!(f.location.as_deref(), Some("Ayorou"));
    assert_eq!(f.event_date, Some(date("2024-06-05")));
}

#[test]
fn teasers_work() {
    let e = engine();
    let a = run(
        &e,
        "Burkina: 12 VDP killed near Dori",
        "Twelve volunteer fighters were killed in an ambush near Dori on Thursday, security sources said.",
        "2024-06-07T10:00:00+00:00",
    );
    assert!(a.is_attack, "{:#?}", a.reasons);
    let f = a.facts.unwrap();
    assert_eq!(f.killed, Some(12));
    assert_eq!(f.country.as_deref(), Some("BF"));
    // A one-line teaser without body.
    let a = run(
        &e,
        "Mali : au moins 30 civils tués dans une attaque près de Koro",
        "",
        "2024-06-07T10:00:00+00:00",
    );
    assert!(a.is_attack, "{:#?}", a.reasons);
    assert_eq!(a.facts.unwrap().killed, Some(30));
}

#[test]
fn non_events_are_negative() {
    let e = engine();
    for (t, b) in [
        (
            "Niger: floods kill 50 and displace thousands",
            "Torrential rains and floods have killed 50 people across the Tillaberi region since June, the civil protection agency said.",
        ),
        (
            "Mali's junta postpones elections",
            "Mali's military government said on Monday that the presidential election would be postponed for technical reasons.",
        ),
        (
            "Mali army says operations 'neutralised' militants",
            "The army said air and ground operations over the past week had neutralised a number of terrorists in the centre of the country, without giving details.",
        ),
    ] {
        let a = run(&e, t, b, "2024-06-07T10:00:00+00:00");
        assert!(!a.is_attack, "{t}: {:#?}", a.reasons);
    }
}

#[test]
fn claims_and_actors() {
    let e = engine();
    let a = run(
        &e,
        "JNIM claims attack that killed 20 soldiers near Koro",
        "The al-Qaeda-linked Group for the Support of Islam and Muslims (JNIM) claimed responsibility for an attack on an army camp near Koro, in the Mopti region, on Saturday that killed 20 soldiers.",
        "2024-06-10T10:00:00+00:00",
    );
    assert!(a.is_attack);
    let f = a.facts.unwrap();
    assert!(f.claimed);
    assert_eq!(f.actors.first().map(String::as_str), Some("JNIM"));
    assert_eq!(f.attack_type.as_deref(), Some("armed attack"));
    let a = run(
        &e,
        "Niger : l'EIGS revendique l'embuscade de Tera",
        "L'État islamique au Grand Sahara a revendiqué l'embuscade qui a coûté la vie à 11 militaires nigériens mardi près de Tera.",
        "2024-06-13T10:00:00+00:00",
    );
    let f = a.facts.unwrap();
    assert!(f.claimed);
    assert_eq!(
        f.actors.first().map(String::as_str),
        Some("Islamic State Sahel Province")
    );
}
