//! The attack-story classifier: weighs the evidence of the prepared
//! document ([`crate::doc`]) by position and decides, with reasons. Fact
//! extraction lives in [`crate::extract`]; the dependencies go one way:
//! `classify` → `extract` → `doc` → `context`, `lexicon`, `dates`, `numbers`,
//! `text`.
//!
//! ## Decision
//! `score = violence - 1.2 metaphor - 0.6 non_event - 1.5 background`, where
//! every term sums sentence evidence times the sentence weight; background
//! clauses (older incidents: pluperfect, "last year", explicit dates before
//! the main one, "a month after...", "since 2015") do not count as violence.
//! A story is an attack story when the score reaches [`THRESHOLD`], its title
//! or lead carries violent evidence, the incident's country (a position- and
//! context-weighted vote of places, demonyms and country names) is watched,
//! and the incident is not older than [`MAX_AGE_DAYS`] days.

use chrono::{Datelike, NaiveDate};

use crate::dates::DKind;
use crate::doc::{clause_start, mark_sentences, prepare, Doc, Zone};
use crate::extract;
use crate::lexicon::{actors, AType, ActorKind, Cat, Noun};
use crate::{Analysis, Document, Engine, PlaceKind, Reason};

/// Minimum score of an attack story.
pub(crate) const THRESHOLD: f32 = 2.2;
pub(crate) use crate::extract::MAX_AGE_DAYS;

/// What a periodic tally costs the score.
const TALLY_PENALTY: f32 = 4.0;

/// Score penalty for a title that labels the piece as analysis or opinion:
/// such pieces are full of attack words, but their news is not one incident.
const GENRE_PENALTY: f32 = 5.0;

/// What an explosion told as an accident costs the score: enough to outweigh
/// the toll of a deadly blast.
const MISHAP_PENALTY: f32 = 6.0;

/// What a hostages' release costs the score: its story retells the abduction.
const RELEASE_PENALTY: f32 = 4.0;
/// A title that tells a place reopened ("Mali hotel reopens after deadly
/// siege"): the incident's aftermath.
const REOPEN_PENALTY: f32 = 5.0;

/// Labels that open the title of a piece that is not breaking news:
/// "Analyse : dans le Centre-Nord, la guerre des axes", "Opinion | …".
/// Such a piece discusses incidents; the news of one is reported elsewhere.
const GENRE_LABELS: &[&str] = &[
    "analysis",
    "analyse",
    "news analysis",
    "opinion",
    "op-ed",
    "editorial",
    "edito",
    "tribune",
    "commentary",
    "comment",
    "explainer",
    "decryptage",
    "eclairage",
    "point de vue",
    "chronique",
    "interview",
    "entretien",
    "portrait",
    "in depth",
    "long read",
    "perspective",
];

/// The folded span of a genre label that opens the title, followed by a
/// colon, a bar or a dash.
fn genre_label(d: &Doc<'_>) -> Option<(usize, usize)> {
    let s = d.sents.iter().find(|s| s.zone == Zone::Title)?;
    let title = d.f.text.get(s.start..s.end)?;
    let lead = title.len() - title.trim_start().len();
    let t = &title[lead..];
    GENRE_LABELS.iter().find_map(|l| {
        // the label's word must end where the separator (or the space
        // before it) begins: "Analyses:" is no label
        let sep = t
            .strip_prefix(l)?
            .trim_start()
            .starts_with([':', '|', '-', '\u{2013}', '\u{2014}']);
        sep.then_some((s.start + lead, s.start + lead + l.len()))
    })
}

/// "Freed Australian hostage vows to carry on", "Al Qaeda hostages
/// released after six years in captivity": the title tells the release of
/// hostages and no killing. The story retells the abduction, which is old
/// news. Returns the span of the release word.
fn hostages_freed(d: &Doc<'_>) -> Option<(usize, usize)> {
    let lex = title_without_killing(d)?;
    // the hostages named, not an abduction told ("Gunmen abduct three
    // workers, one later freed" is news of the abduction)
    let strongest = lex
        .iter()
        .filter_map(|h| match h.cat {
            Cat::Attack(w, AType::Abduction) => Some(w),
            _ => None,
        })
        .reduce(f32::max);
    if !strongest.is_some_and(|w| w < 1.0) {
        return None;
    }
    lex.iter()
        .find(|h| h.cat == Cat::Released)
        .map(|h| (h.start, h.end))
}

/// The lexicon hits of the title, unless it tells a killing.
fn title_without_killing<'a>(d: &'a Doc<'_>) -> Option<&'a [crate::dates::LexHit]> {
    let si = d.sents.iter().position(|s| s.zone == Zone::Title)?;
    let lex = d.lex_of(si);
    let killing = lex.iter().any(|h| matches!(h.cat, Cat::Kill)) || d.sents[si].has_kill;
    (!killing).then_some(lex)
}

/// A title that tells a place opened again after an incident ("Mali hotel
/// reopens after deadly Islamist siege", "le marché de Djibo rouvre ses
/// portes"), and no killing: the news is the aftermath. Returns the span
/// of the cue.
fn reopened(d: &Doc<'_>) -> Option<(usize, usize)> {
    title_without_killing(d)?
        .iter()
        .find(|h| h.cat == Cat::Reopened)
        .map(|h| (h.start, h.end))
}

/// Reasons of kind `reference` for the towns the story measures the scene
/// from ("30 km north of Djibo"), outside background clauses, at most three.
fn reference_towns(d: &Doc<'_>, reasons: &mut Vec<Reason>) {
    for ph in &d.places {
        let s = &d.sents[ph.sent];
        if !ph.anchor || ph.reported || ph.cands.is_empty() || ph.start >= s.bg_from {
            continue;
        }
        if reasons.iter().filter(|r| r.kind == "reference").count() == 3 {
            break;
        }
        // push_reason keeps one reason a town
        push_reason(reasons, "reference", d.text(ph.start, ph.end), 0.0, || {
            "the scene is measured from it".into()
        });
    }
}

/// A tally of many operations ("more than 140 terrorists neutralised in
/// October in the Tillaberi, Tahoua and Diffa regions", "bilan mensuel des
/// opérations"): the title or lead names a reporting period, or a month
/// together with several regions, and gives no day of an incident of its
/// own. Returns the span of the cue.
fn periodic_tally(d: &Doc<'_>, engine: &Engine) -> Option<(usize, usize)> {
    let head: Vec<usize> = (0..d.sents.len())
        .filter(|&i| d.sents[i].zone != Zone::Body)
        .collect();
    // A day of its own: the story is about one incident.
    let dated = head.iter().any(|&si| {
        d.dates_of(si).iter().any(|c| {
            !c.announce
                && !d.in_dateline(c.start)
                && matches!(c.kind, DKind::Explicit | DKind::Weekday | DKind::Relative)
        })
    });
    if dated {
        return None;
    }
    for &si in &head {
        if let Some(h) = d.lex_of(si).iter().find(|h| h.cat == Cat::Period) {
            return Some((h.start, h.end));
        }
    }
    // "Ten Tuareg rebels killed in March", "50 morts en mars": a month's
    // toll in the title.
    if let Some(t) = d.sents.first().filter(|s| s.zone == Zone::Title) {
        let in_month = d.dates_of(0).iter().find(|c| {
            c.kind == DKind::MonthOnly && c.start < t.end && {
                let before = d.f.text[t.start..c.start].trim_end();
                let word = before.rsplit(' ').next().unwrap_or("");
                word.len() < before.len() && ["in", "en", "during", "durant", "de"].contains(&word)
            }
        });
        if let Some(c) = in_month {
            return Some((c.start, c.end));
        }
    }
    // A month and several regions.
    let month = head.iter().find_map(|&si| {
        d.dates_of(si)
            .iter()
            .find(|c| c.kind == DKind::MonthOnly && !c.announce)
            .map(|c| (c.start, c.end))
    })?;
    let gaz = engine.gazetteer();
    let mut regions: Vec<&str> = Vec::new();
    for &si in &head {
        let s = &d.sents[si];
        for ph in &d.places[s.p0..s.p1] {
            let region = ph.cands.iter().find_map(|&c| {
                let p = &gaz.places()[c as usize];
                matches!(p.kind, PlaceKind::Admin1 | PlaceKind::Admin1New)
                    .then_some(p.name.as_str())
            });
            if let Some(r) = region {
                if !regions.contains(&r) {
                    regions.push(r);
                }
            }
        }
    }
    (regions.len() >= 2).then_some(month)
}

/// An explosion told as an accident ("the accidental explosion of his own
/// device", "a blast caused by dynamite stored at the site"): the head
/// tells an explosion, and a sentence that tells one gives its cause. What
/// was stored is a cause only where the head names no armed agent ("the
/// militants blew up the bridge with dynamite"). Returns the cue's span.
fn explosion_mishap(d: &Doc<'_>) -> Option<(usize, usize)> {
    let live = |si: usize| {
        let s = &d.sents[si];
        d.lex_of(si).iter().filter(move |h| h.start < s.bg_from)
    };
    let blast =
        |si: usize| live(si).any(|h| matches!(h.cat, Cat::Attack(_, AType::Ied | AType::Suicide)));
    let head = || (0..d.sents.len()).filter(|&si| d.sents[si].zone != Zone::Body);
    if !head().any(blast) {
        return None;
    }
    let armed = head().any(|si| {
        live(si).any(|h| match h.cat {
            Cat::Noun(Noun::Attacker) => true,
            Cat::Actor(x) => actors()[x as usize].kind == ActorKind::Armed,
            _ => false,
        })
    });
    (0..d.sents.len()).filter(|&si| blast(si)).find_map(|si| {
        live(si)
            .find(|h| matches!(h.cat, Cat::Mishap { cause } if !cause || !armed))
            .map(|h| (h.start, h.end))
    })
}

/// Words of dying that tell no killer ("12 soldiers died", "were killed"):
/// an armed side named before them is not their agent.
const INTRANSITIVE_DEATH: &[&str] = &[
    "were ",
    "was ",
    "been ",
    "ont ete",
    "a ete",
    "died",
    "die",
    "dying",
    "perish",
    "slain",
    "lost their lives",
    "lost his life",
    "ont peri",
    "peri",
    "decede",
    "succombe",
    "a succombe",
    "ont succombe",
    "trouve la mort",
    "perdu la vie",
    "ont perdu la vie",
    "tombes",
    "morts au combat",
];

/// Words after a killing's verb that tell it has no object: a place, a
/// time, an agent ("killed in", "tues lors de", "killed by").
const NO_OBJECT: &[&str] = &[
    "in",
    "at",
    "on",
    "near",
    "by",
    "during",
    "when",
    "after",
    "as",
    "while",
    "overnight",
    "yesterday",
    "today",
    "last",
    "dans",
    "au",
    "aux",
    "pres",
    "par",
    "lors",
    "pendant",
    "apres",
    "hier",
    "-",
    "and",
    "et",
    "",
];

/// Per-sentence violence from the non-background hits.
/// `cas`: 0 no casualty figure, 1 a figure, 2 a victims' death toll, 3 a
/// death toll of soldiers or civilians.
fn sentence_violence(d: &Doc<'_>, si: usize, cas: u8, deaths: bool) -> (f32, bool) {
    let s = &d.sents[si];
    let mut a = 0.0f32;
    let mut g = 0.0f32;
    let mut k = false;
    let mut target = false;
    // "attacked an army post", "gunmen attacked the village": the verb with
    // its object or its armed subject is an attack, not a manner of speaking.
    let mut generic_at = None;
    let mut object = false;
    let mut armed_subject = false;
    let defused = d.lex_of(si).iter().any(|h| h.cat == Cat::Defused);
    // "Hostages released": the abduction words of the release's clause and
    // after it are no new abduction; "gunmen abducted three men, one was
    // released later" tells the abduction first.
    let text = &d.f.text;
    let released_from = d
        .lex_of(si)
        .iter()
        .filter(|h| h.cat == Cat::Released)
        .map(|h| clause_start(text, s.start, h.start))
        .min();
    let mut last_target = None;
    // An armed group's name is evidence once a sentence: a list of groups
    // ("the MNLA, HCUA and MAA signed") is no fight.
    let mut group = 0.0f32;
    // Armed men named ("unknown gunmen", "groupes armés") are violence only
    // with something they did: a shot, a killing, an attack, a victim.
    // "Unknown gunmen seized a vehicle", "armed men occupied the area
    // without violence" are theft and presence.
    let mut armed_men = 0.0f32;
    // "The army clashed with Ansar Dine fighters": a fight of the state's
    // forces and an armed group is a battle, not a brawl.
    // "A CMA patrol clashed with GATIA fighters": two armed sides fight too.
    let (mut state_side, mut armed_sides) = (false, 0u32);
    // "Abducted by suspected militants", "gunmen raided the village": an
    // event's verb with an armed agent is an attack.
    let mut event_verb = false;
    // "Students clashed with the police: five wounded" is a brawl; a clash
    // is a battle with an armed side or a killing.
    let mut clash_w = 0.0f32;
    let mut event = cas > 0;
    let mut armed_kills = false;
    let lex = d.lex_of(si);
    let is_attacker = |h: &crate::dates::LexHit| {
        lex.iter().any(|x| {
            x.start == h.start && x.end == h.end && matches!(x.cat, Cat::Noun(Noun::Attacker))
        })
    };
    for h in lex {
        if h.start >= s.bg_from {
            continue;
        }
        match h.cat {
            Cat::Attack(_, AType::Ied) if defused => {}
            Cat::Attack(_, AType::Abduction) if released_from.is_some_and(|r| h.start >= r) => {}
            Cat::Attack(w, _) if is_attacker(h) => armed_men += w,
            Cat::Attack(w, t) => {
                a += w;
                event |= w >= 0.7;
                // Not the phrases that say "armed" or "killings" themselves
                // ("attaques meurtrières des islamistes", "sentences for the
                // killings"): the agent adds nothing to them.
                event_verb |= (w >= 1.0 || t == AType::Clash)
                    && !matches!(t, AType::Armed | AType::Massacre | AType::Suicide);
                if t == AType::Clash {
                    clash_w += w;
                }
            }
            Cat::Generic(w) => {
                g = g.max(w);
                generic_at.get_or_insert(h.start);
                // "Gendarmerie station attacked overnight": the passive.
                object |= last_target.is_some_and(|t| h.start - t <= 40);
            }
            Cat::Kill => {
                k = true;
                // the armed side named before an active killing is its agent
                let before = text.get(s.start..h.start).unwrap_or("").trim_end();
                let verb = text.get(h.start..h.end).unwrap_or("");
                armed_kills |= armed_sides > 0
                    && !["were", "was", "been", "ete", "etaient", "and", "et"]
                        .iter()
                        .any(|w| before.ends_with(w))
                    && !INTRANSITIVE_DEATH.iter().any(|w| verb.starts_with(w))
                    // an object follows: "killed a presumed thief", not the
                    // headline's "80 terrorists killed in ..."
                    && text
                        .get(h.end..s.end)
                        .unwrap_or("")
                        .split_whitespace()
                        .next()
                        .is_some_and(|w| !NO_OBJECT.contains(&w.trim_end_matches([',', '.', ';', ':'])));
            }
            Cat::Noun(Noun::Attacker) => {
                armed_subject |= generic_at.is_none();
                armed_sides += 1;
            }
            Cat::Noun(Noun::Mil) => state_side = true,
            Cat::Actor(x) if actors()[x as usize].kind == ActorKind::State => state_side = true,
            Cat::Target(_) => {
                target = true;
                last_target = Some(h.end);
                object |= generic_at.is_some_and(|g0| h.start - g0 <= 60);
            }
            // Armed groups (not state forces) are violence evidence.
            Cat::Actor(x) if actors()[x as usize].kind == ActorKind::Armed => {
                group = 0.8;
                armed_sides += 1;
            }
            _ => {}
        }
    }
    let event = event || k || g > 0.0;
    let armed_side = armed_sides > 0;
    if !armed_side && !k && !deaths && cas == 1 {
        a -= 0.5 * clash_w;
    }
    let a = (a + armed_men * if event { 1.0 } else { 0.4 } + group).min(3.0);
    let corroborated = a > 0.0 || k || cas > 0 || target;
    let mut v = a + g * if corroborated { 1.0 } else { 0.4 };
    // "Rebels attacked a military convoy": the armed subject and the
    // target both say the verb's meaning.
    if g > 0.0 && object {
        v += 0.8;
    }
    if (g > 0.0 && armed_subject) || (event_verb && armed_side) {
        v += 0.5;
    }
    if clash_w > 0.0 && armed_side && (state_side || armed_sides >= 2) {
        v += 0.6;
    }
    // "An armed group killed a presumed cattle thief", "rebels have killed
    // three people": an armed side's killing with its victims counted is an
    // attack, as its attack verb would be.
    if armed_kills && cas > 0 && !event_verb {
        v += 0.5;
    }
    if k || cas > 0 {
        v += if a + g > 0.0 { 1.0 } else { 0.35 };
    }
    v += 0.5 * f32::from(cas.min(2));
    let accident = d
        .lex_of(si)
        .iter()
        .any(|h| matches!(h.cat, Cat::NonEvent(_) | Cat::Crowd(_)));
    if cas == 3 && s.zone != Zone::Body && a + g == 0.0 && !accident {
        v += 0.9;
    }
    (v.min(4.5), k)
}

/// Whether the sentence after `si`, in the same paragraph, is a toll and
/// little else ("7 killed.", "54 deaths reported.").
fn toll_follows(d: &Doc<'_>, tolls: &[extract::Toll], si: usize) -> bool {
    let Some(next) = d.sents.get(si + 1) else {
        return false;
    };
    !next.para_first
        && next.zone == d.sents[si].zone
        && next.end - next.start <= 40
        && tolls
            .iter()
            .any(|t| t.sent == si + 1 && t.role == extract::Role::Killed)
        && !d
            .lex_of(si + 1)
            .iter()
            .any(|h| matches!(h.cat, Cat::Attack(..) | Cat::Generic(_)))
}

/// The crowd word of a title or lead sentence that also tells people killed
/// ("three killed after troops fire at protest", "un manifestant a été tué
/// par balle"): the crowd was fired on, so its words are no non-event cue.
fn lethal_crowd(d: &Doc, tolls: &[extract::Toll]) -> Option<(usize, usize)> {
    (0..d.sents.len())
        .filter(|&si| d.sents[si].zone != Zone::Body)
        .filter(|&si| {
            tolls
                .iter()
                .any(|t| t.sent == si && t.role == extract::Role::Killed && t.value > 0)
        })
        .find_map(|si| {
            d.lex_of(si)
                .iter()
                .find(|h| matches!(h.cat, Cat::Crowd(_)) && h.start < d.sents[si].bg_from)
                .map(|h| (h.start, h.end))
        })
}

/// Adds a reason unless it is too weak, a repeat or over the cap; `note`
/// is only built for a reason that is kept.
fn push_reason(
    reasons: &mut Vec<Reason>,
    kind: &str,
    text: &str,
    weight: f32,
    note: impl FnOnce() -> String,
) {
    // Places and reference towns get room of their own (deduplication
    // relies on them), and every casualty figure is shown: one of them
    // decides the toll.
    let cap = if matches!(
        kind,
        "place" | "foreign_place" | "reference" | "score" | "date" | "casualty"
    ) {
        40
    } else {
        24
    };
    if reasons.len() >= cap
        || (weight.abs() < 0.2
            && !matches!(
                kind,
                "date" | "foreign_place" | "reference" | "score" | "casualty" | "crowd"
            ))
    {
        return;
    }
    if reasons
        .iter()
        .any(|r| r.kind == kind && r.text.eq_ignore_ascii_case(text))
    {
        return;
    }
    reasons.push(Reason {
        kind: kind.to_string(),
        text: text.to_string(),
        weight: (weight * 100.0).round() / 100.0,
        note: Some(note()),
    });
}

/// "Il y a 5 ans, ...", "Five years ago today": a title that counts the
/// years since its incident (the text, the number of years).
fn years_ago_in_title<'a>(d: &'a Doc<'_>) -> Option<(&'a str, u32)> {
    let title = d.sents.first().filter(|s| s.zone == Zone::Title)?;
    d.lex_of(0).iter().find_map(|h| {
        if !matches!(h.cat, Cat::Background(_)) || h.start >= title.end {
            return None;
        }
        let t = d.text(h.start, h.end);
        let f = &d.f.text[h.start..h.end];
        if !(f.contains(" ans") || f.contains("year")) {
            return None;
        }
        // The number inside the cue ("il y a 5 ans") or right before it
        // ("five years ago").
        let n = d.nums_of(0).iter().find(|n| {
            (n.start >= h.start && n.end <= h.end) || (n.end <= h.start && h.start - n.end <= 2)
        })?;
        (n.value >= 1 && n.value <= 100).then_some((t, n.value))
    })
}

/// A year in the title that ended weeks before publication ("victims of the
/// 2014 uprising", "abducted in Timbuktu in 2011", "deadly 2015 attacks"):
/// the story recalls an old incident. Not a span's start ("since 2015",
/// "de 2015 à 2019"), which is a tally's.
fn old_year_in_title<'a>(d: &'a Doc<'_>) -> Option<(&'a str, u32)> {
    let title = d.sents.first().filter(|s| s.zone == Zone::Title)?;
    let p = d.pub_date?;
    let lex = d.lex_of(0);
    d.dates_of(0).iter().find_map(|c| {
        if c.kind != DKind::YearOnly || c.start >= title.end {
            return None;
        }
        let year_end = NaiveDate::from_ymd_opt(c.date.year(), 12, 31)?;
        // "since 2015", "depuis 2015" (an aggregate cue of its own)
        let since = lex.iter().any(|h| {
            matches!(h.cat, Cat::Since | Cat::Aggregate)
                && h.start < c.start
                && c.start <= h.end + 3
        });
        let span = d
            .dates_of(0)
            .iter()
            .any(|o| o.kind == DKind::YearOnly && o.start > c.end && o.start - c.end <= 4);
        ((p - year_end).num_days() > MAX_AGE_DAYS && !since && !span)
            .then(|| (d.text(c.start, c.end), (p.year() - c.date.year()) as u32))
    })
}

pub(crate) fn analyze(engine: &Engine, doc: &Document<'_>) -> Analysis {
    let mut d = prepare(engine, doc);
    mark_sentences(&mut d);
    // Room for the reasons of three stories in four: twelve (960 bytes)
    // stay under glibc's large requests (1,024 bytes), each of which first
    // merges all the small freed chunks of the heap (`malloc_consolidate`).
    let mut reasons: Vec<Reason> = Vec::with_capacity(12);

    // Main event date first (needed to recognise older incidents).
    let main_date = extract::event_date(&d, None);
    // Sentences whose explicit dates lie well before the main date are about
    // older incidents.
    if let Some((md, _)) = main_date {
        for si in 0..d.sents.len() {
            let s = &d.sents[si];
            if s.zone == Zone::Title {
                continue;
            }
            let body = s.zone == Zone::Body;
            let old = d.dates_of(si).iter().find(|c| {
                let lim = match c.kind {
                    // "On Tuesday, a bomb hit a minibus" in a later paragraph
                    // of a story about Wednesday's raid: the day before is
                    // another incident.
                    DKind::Weekday | DKind::Relative if body && !c.announce => 1,
                    DKind::Explicit => 2,
                    DKind::MonthOnly => 25,
                    DKind::YearOnly => 200,
                    _ => i64::MAX,
                };
                (md - c.date).num_days() >= lim
            });
            if let Some(c) = old {
                let from = if s.zone == Zone::Lead && c.start > s.start + 30 {
                    // In the lead, only the clause from the old date on.
                    c.start
                } else {
                    s.start
                };
                let s = &mut d.sents[si];
                s.bg_from = s.bg_from.min(from);
            }
        }
    }

    // Casualty numbers per sentence (for violence) — from the extractor.
    let tolls = extract::tolls(&d);
    let fired_on = lethal_crowd(&d, &tolls);
    if let Some((s0, e0)) = fired_on {
        push_reason(&mut reasons, "crowd", d.text(s0, e0), 0.0, || {
            "people killed at the crowd: the protest is the scene, not a non-event".into()
        });
    }
    let mut violence = 0.0f32;
    let mut lead_violence = 0.0f32;
    let mut metaphor = 0.0f32;
    let mut non_event = 0.0f32;
    let mut background = 0.0f32;
    let cas_of = |si: usize| {
        tolls
            .iter()
            .filter(|t| t.sent == si)
            .map(|t| match (t.role, t.noun) {
                // "12 soldiers killed", "30 civils tués": soldiers and
                // civilians killed are an incident even without an attack
                // word (a one-line teaser); accidents and disasters are
                // non-event cues.
                (extract::Role::Killed, Some(Noun::Mil)) => 3u8,
                (extract::Role::Killed, Some(Noun::Civ)) => 3,
                (extract::Role::Killed, Some(_)) => 2,
                _ => 1,
            })
            .max()
            .unwrap_or(0)
    };
    for si in 0..d.sents.len() {
        let mut cas = cas_of(si);
        let mut deaths = tolls
            .iter()
            .any(|t| t.sent == si && t.role == extract::Role::Killed);
        // "Bissa farmers clashed with Fula herders in Zabre. 7 killed.": a
        // toll alone in the next sentence of the paragraph is this one's.
        if cas == 0 && toll_follows(&d, &tolls, si) {
            cas = cas_of(si + 1);
            deaths = true;
        }
        let (v, k) = sentence_violence(&d, si, cas, deaths);
        let w = d.sents[si].weight;
        d.sents[si].violence = v;
        d.sents[si].has_kill = k;
        violence += w * v;
        if d.sents[si].zone != Zone::Body {
            lead_violence = lead_violence.max(v);
        }
        let zone = d.sents[si].zone;
        let bg_from = d.sents[si].bg_from;
        let where_ = zone.as_str();
        for h in d.lex_of(si) {
            // The text only where a reason is pushed (most hits give none).
            let t = || d.text(h.start, h.end);
            match h.cat {
                Cat::Attack(aw, _) if h.start < bg_from => {
                    push_reason(&mut reasons, "attack_term", t(), aw * w, || where_.into())
                }
                Cat::Generic(gw) if h.start < bg_from => {
                    push_reason(&mut reasons, "attack_term", t(), gw * w, || {
                        format!("{where_} (ambiguous)")
                    })
                }
                Cat::Metaphor(mw) => {
                    metaphor += mw * w;
                    push_reason(&mut reasons, "metaphor", t(), -1.2 * mw * w, || {
                        where_.into()
                    });
                }
                // A device found, defused or cleared: only where explosives
                // are named ("bodies were found" is no such cue).
                Cat::Defused
                    if d.lex_of(si)
                        .iter()
                        .any(|x| matches!(x.cat, Cat::Attack(_, AType::Ied))) =>
                {
                    non_event += 2.0 * w;
                    push_reason(&mut reasons, "non_event", t(), -1.2 * w, || {
                        format!("{where_} (a device found or defused)")
                    });
                }
                // A crowd fired on is the scene (`lethal_crowd`); goods
                // taken where people were killed are the attack's loot.
                Cat::Crowd(_) if fired_on.is_some() => {}
                Cat::Theft(_) if k || cas > 0 => {}
                Cat::NonEvent(nw) | Cat::Crowd(nw) | Cat::Theft(nw) => {
                    non_event += nw * w;
                    push_reason(&mut reasons, "non_event", t(), -0.6 * nw * w, || {
                        if matches!(h.cat, Cat::Theft(_)) {
                            format!("{where_} (goods taken)")
                        } else {
                            where_.into()
                        }
                    });
                }
                Cat::Background(bw) => {
                    let f = if zone == Zone::Body { 0.3 } else { 1.0 };
                    background += bw * w * f;
                    push_reason(&mut reasons, "background", t(), -1.5 * bw * w * f, || {
                        where_.into()
                    });
                }
                _ => {}
            }
        }
    }
    for t in &tolls {
        let s = &d.sents[t.sent];
        push_reason(
            &mut reasons,
            "casualty",
            d.text(t.start, t.end),
            0.5 * s.weight,
            || format!("{} {:?} {}", s.zone.as_str(), t.role, t.value),
        );
    }
    let metaphor = metaphor.min(6.0);
    let non_event = non_event.min(4.0);
    let background = background.min(4.0);
    let mut score = violence.min(12.0) - 1.2 * metaphor - 0.6 * non_event - 1.5 * background;
    // Whole-story cues that the news is not one incident.
    for (cue, penalty, note) in [
        (
            periodic_tally(&d, engine),
            TALLY_PENALTY,
            "a tally over a period or several regions, not one incident",
        ),
        (
            genre_label(&d),
            GENRE_PENALTY,
            "the title labels the piece as analysis or opinion, not news",
        ),
        (
            hostages_freed(&d),
            RELEASE_PENALTY,
            "the title tells hostages freed, not a new abduction",
        ),
        (
            reopened(&d),
            REOPEN_PENALTY,
            "the title tells a place reopened: the aftermath, not a new incident",
        ),
        (
            explosion_mishap(&d),
            MISHAP_PENALTY,
            "the explosion was an accident or a mishandled device",
        ),
    ] {
        if let Some((s0, e0)) = cue {
            score -= penalty;
            push_reason(&mut reasons, "non_event", d.text(s0, e0), -penalty, || {
                note.into()
            });
        }
    }

    // Country of the incident.
    let vote = extract::country_vote(&d);
    let watched = engine.watched_countries();
    for &(cc, w, s0, e0) in vote.evidence.iter().take(10) {
        let is_w = watched.iter().any(|x| x == cc);
        push_reason(
            &mut reasons,
            if is_w { "place" } else { "foreign_place" },
            d.text(s0, e0),
            w,
            || format!("country {cc}"),
        );
    }
    // Both ends of a route named for the incident ("between X and Y", "the
    // road from X to Y"): other outlets may say "near Y".
    for ph in d.places.iter().filter(|p| p.route && !p.cands.is_empty()) {
        let s = &d.sents[ph.sent];
        let incident = ph.start < s.bg_from
            && (s.zone != Zone::Body
                || s.violence >= 1.0
                || s.has_kill
                || d.lex_of(ph.sent).iter().any(|h| {
                    h.start < s.bg_from && matches!(h.cat, Cat::Attack(..) | Cat::Generic(_))
                }));
        let countryish = ph.cands.iter().all(|&c| {
            matches!(
                engine.gazetteer().places()[c as usize].kind,
                PlaceKind::Country | PlaceKind::Demonym
            )
        });
        if !incident || countryish {
            continue;
        }
        let cc = engine.gazetteer().places()[ph.cands[0] as usize]
            .country
            .clone();
        let w = s.weight.max(0.5);
        let t = d.text(ph.start, ph.end);
        if let Some(r) = reasons
            .iter_mut()
            .find(|r| r.kind == "place" && r.text.eq_ignore_ascii_case(t))
        {
            r.weight = r.weight.max(w);
        } else {
            push_reason(&mut reasons, "place", t, w, || {
                format!("country {cc}, end of a route")
            });
        }
    }
    let country = vote.best.clone();
    let country_watched = country
        .as_deref()
        .is_some_and(|c| watched.iter().any(|x| x == c));

    let violent_incident = lead_violence >= 1.5 || (violence >= 3.0 && lead_violence >= 1.0);
    let facts = if violent_incident || score >= THRESHOLD {
        Some(extract::facts(
            &d,
            country.as_deref(),
            main_date.map(|x| x.0),
            &tolls,
        ))
    } else {
        None
    };
    // The towns the scene is measured from ("au nord de la ville de
    // Douentza, pres du village de Bambara Maoude"): another outlet may
    // place the incident at them.
    if facts.is_some() {
        reference_towns(&d, &mut reasons);
    }

    // Age of the incident.
    let mut too_old = false;
    if let (Some(p), Some((md, kind))) = (d.pub_date, main_date) {
        let age = (p - md).num_days();
        if age > MAX_AGE_DAYS && kind != DKind::YearOnly {
            too_old = true;
            push_reason(&mut reasons, "background", &md.to_string(), -3.0, || {
                format!("incident {age} days before publication")
            });
        } else if kind == DKind::YearOnly && md.year() < p.year() {
            too_old = true;
        }
    }
    if let Some((hit, years)) = years_ago_in_title(&d).or_else(|| old_year_in_title(&d)) {
        too_old = true;
        push_reason(&mut reasons, "background", hit, -3.0, || {
            format!("the title recalls an incident {years} years before publication")
        });
    }
    if let Some((md, _)) = main_date {
        push_reason(&mut reasons, "date", &md.to_string(), 0.0, || {
            "event date".into()
        });
    }

    if score >= THRESHOLD && !violent_incident {
        push_reason(&mut reasons, "non_event", "lead", -1.0, || {
            format!(
                "no violent sentence in the title or lead (lead violence {lead_violence:.2}, 1.5 needed)"
            )
        });
    }
    let mut is_attack = score >= THRESHOLD && violent_incident && !too_old;
    let mut confidence;
    if is_attack && !country_watched {
        is_attack = false;
        confidence = if country.is_some() { 0.85 } else { 0.55 };
        push_reason(
            &mut reasons,
            "foreign_place",
            country.as_deref().unwrap_or("unknown"),
            0.0,
            || "incident outside the watched countries".into(),
        );
    } else {
        let margin = score - THRESHOLD;
        let p = 1.0 / (1.0 + (-margin / 1.5).exp());
        confidence = if is_attack { p } else { 1.0 - p };
        if too_old && score >= THRESHOLD {
            confidence = 0.8;
        }
        if is_attack {
            // Country certainty.
            confidence *= (0.75 + 0.25 * vote.share).min(1.0);
        }
    }
    push_reason(&mut reasons, "score", &format!("{score:.2}"), score, || {
        format!(
            "violence {violence:.2}, metaphor {metaphor:.2}, non-event {non_event:.2}, background {background:.2}, threshold {THRESHOLD}"
        )
    });
    let confidence = confidence.clamp(0.0, 1.0);
    Analysis {
        is_attack,
        confidence: (confidence * 1000.0).round() / 1000.0,
        language: d.lang.to_string(),
        facts,
        reasons,
    }
}
