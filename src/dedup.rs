//! Deduplication: does an attack story report an incident we already know?
//!
//! Candidates are the incidents of the story's country whose event date is
//! within `dedup.window_days`: their matching keys from the in-memory
//! [`crate::match_index`] (an indexed range query for old events, never a
//! full scan).
//! Each candidate gets an explainable score (see ARCHITECTURE.md, "Matching
//! rule"); the best candidate at or above `dedup.match_threshold` wins, else
//! the story starts a new incident.

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sahel_nlp::text::{fold, name_key};
use sahel_nlp::{Facts, Precision};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::match_index::{Head, MatchKeys, Sym};
use crate::store::{Incident, Tx};

/// Two stories whose SimHashes differ in at most this many bits are copies
/// of one text (wire copy, republication).
pub const NEAR_DUPLICATE_BITS: u32 = 3;
/// Looser bound for "same wire story, lightly edited" when matching incidents.
pub const SIMILAR_TEXT_BITS: u32 = 8;

/// Lower-case, accent-free, single-spaced title for hashing.
pub fn normalize_title(t: &str) -> String {
    fold(t)
}

/// 64-bit SimHash over word 3-shingles of the folded text.
pub fn simhash(text: &str) -> u64 {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return 0;
    }
    let mut acc = [0i32; 64];
    let n = words.len().saturating_sub(2).max(1);
    for i in 0..n {
        let shingle = &words[i..(i + 3).min(words.len())];
        let h = fnv1a(shingle);
        for (bit, a) in acc.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *a += 1;
            } else {
                *a -= 1;
            }
        }
    }
    acc.iter()
        .enumerate()
        .fold(0u64, |h, (bit, a)| if *a > 0 { h | 1 << bit } else { h })
}

fn fnv1a(words: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for w in words {
        for b in w.bytes().chain(std::iter::once(b' ')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    // one more mixing round (FNV alone has weak high bits for short input)
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h
}

/// What the matcher knows of a story.
#[derive(Debug, Clone)]
pub struct StoryEvidence<'a> {
    pub facts: &'a Facts,
    pub simhash: u64,
    pub published: Option<DateTime<Utc>>,
    /// Name keys of every place the story names ([`places_named`]).
    pub places: &'a [String],
}

/// Name keys of the canonical names of the places an analysis found in the
/// story's incident sentences (its `place` reasons of weight ≥ 0.5, and the
/// towns it measures the scene from: its `reference` reasons), so that
/// "Labezanga" and "Labbezanga" meet.
pub fn places_named(a: &sahel_nlp::Analysis, gaz: &sahel_nlp::Gazetteer) -> Vec<String> {
    let mut v: Vec<String> = a
        .reasons
        .iter()
        .filter(|r| (r.kind == "place" && r.weight >= 0.5) || r.kind == "reference")
        .flat_map(|r| {
            let found = gaz.lookup(r.text.trim());
            if found.is_empty() {
                vec![name_key(&r.text)]
            } else {
                found.iter().map(|p| name_key(&p.name)).collect()
            }
        })
        .filter(|k| !k.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The score of one candidate, with the reasons behind it.
#[derive(Debug, Clone, Serialize)]
pub struct MatchScore {
    pub incident_id: String,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The event day used for matching: the extracted date, else the publication day.
pub fn story_day(e: &StoryEvidence<'_>) -> Option<NaiveDate> {
    e.facts.event_date.or(e.published.map(|p| p.date_naive()))
}

/// Score how well a story fits an incident. Positive evidence adds, conflicting
/// evidence subtracts; a country conflict rules the candidate out.
pub fn score(e: &StoryEvidence<'_>, inc: &Incident) -> Option<MatchScore> {
    let keys = StoryKeys::of(e);
    let c = MatchKeys::of(inc);
    let mut why = Vec::new();
    let s = score_keys(&keys, &c, Some(&mut why))?;
    Some(MatchScore {
        incident_id: inc.id.clone(),
        score: s,
        reasons: why,
    })
}

/// What the matcher compares of a story, name keys worked out once for
/// all its candidates.
struct StoryKeys<'a> {
    e: &'a StoryEvidence<'a>,
    /// [`story_day`] as a day number (`num_days_from_ce`).
    day: Option<i32>,
    /// [`effective_precision`], from the name keys worked out here.
    precision: Option<Precision>,
    precise: bool,
    /// Precise to a place, not to a province or cercle: its point is where
    /// it happened, and a distance to it means something.
    at_place: bool,
    country: Option<Sym>,
    /// Latitude, longitude and the latitude's cosine ([`distance`]).
    point: Option<(f64, f64, f64)>,
    location_key: Option<Sym>,
    admin1_key: Option<Sym>,
    admin2_key: Option<Sym>,
    actor_keys: Vec<Sym>,
    places: Vec<Sym>,
    victims: Option<&'static str>,
    victims_sym: Option<Sym>,
    mixed: Sym,
    attack_type: Option<Sym>,
    /// [`score_bound`]'s date term by days apart (the last for 8 and more).
    day_w: [f64; 9],
    /// What the place, toll, victims, actors and attack type terms of this
    /// story can add at most (3.3 for a story that has them all), and the
    /// last four alone.
    rest_max: f64,
    after_place_max: f64,
}

impl<'a> StoryKeys<'a> {
    fn of(e: &'a StoryEvidence<'a>) -> StoryKeys<'a> {
        let f = e.facts;
        let key = |s: &Option<String>| s.as_deref().map(Sym::key_of);
        let (location_key, admin1_key) = (key(&f.location), key(&f.admin1));
        // effective_precision, the two name keys compared as numbers
        let precision = match (f.precision, location_key, admin1_key) {
            (Some(p), Some(l), Some(a)) if p > Precision::Admin1 && l == a => {
                Some(Precision::Admin1)
            }
            (p, _, _) => p,
        };
        let precise = precision.is_some_and(|p| p >= Precision::Admin2) && f.location.is_some();
        let at_place = precise && precision == Some(Precision::Place);
        let admin2_key = key(&f.admin2);
        let actor_keys: Vec<Sym> = f.actors.iter().map(|a| Sym::key_of(a)).collect();
        let explicit = f.event_date.is_some();
        let day_w = std::array::from_fn(|dd| {
            let w = day_weight(dd as i64);
            if explicit || w > 0.0 {
                w
            } else {
                w / 3.0
            }
        });
        // the best of each term (score_keys): the place's, then the toll's,
        // victims', actors' and attack type's
        let place_max = if precise {
            2.0
        } else if admin2_key.is_some() {
            0.7
        } else {
            0.0
        };
        let toll_max = match f.killed {
            Some(0) => 0.2,
            Some(_) => 0.5,
            None => 0.0,
        };
        let some = |b: bool, w: f64| if b { w } else { 0.0 };
        let after_place_max = toll_max
            + some(f.victims.is_some(), 0.2)
            + some(!actor_keys.is_empty(), 0.4)
            + some(
                f.attack_type
                    .as_deref()
                    .is_some_and(|a| a != "armed attack"),
                0.2,
            );
        StoryKeys {
            e,
            day: story_day(e).map(|d| d.num_days_from_ce()),
            precision,
            precise,
            at_place,
            country: f.country.as_deref().map(Sym::of),
            point: f.lat.zip(f.lon).map(|(a, b)| (a, b, a.to_radians().cos())),
            location_key,
            admin1_key,
            admin2_key,
            actor_keys,
            places: e.places.iter().map(|p| Sym::of(p)).collect(),
            victims: f.victims.map(victims_str),
            victims_sym: f.victims.map(|v| Sym::of(victims_str(v))),
            mixed: Sym::of("mixed"),
            attack_type: f.attack_type.as_deref().map(Sym::of),
            day_w,
            rest_max: place_max + after_place_max,
            after_place_max,
        }
    }
}

/// The score of one candidate ([`score`]); its reasons pushed to `why`
/// when given (the terms and their order as written there, so the sum is
/// the same with or without them).
fn score_keys(
    k: &StoryKeys<'_>,
    inc: &MatchKeys,
    mut why: Option<&mut Vec<String>>,
) -> Option<f64> {
    let e = k.e;
    let f = e.facts;
    // the distance's figure is only written in a reason
    let exact = why.is_some();
    let mut s = 0.0;
    let mut add = |w: f64, r: &dyn Fn(&mut String)| {
        s += w;
        if let Some(why) = why.as_mut() {
            why.push(reason(w, r));
        }
    };
    if let (Some(a), Some(b)) = (k.country, inc.country) {
        if a != b {
            return None;
        }
    }
    // near-identical text: a copy of a story already in the incident
    if let Some(d) = inc
        .simhashes()
        .iter()
        .map(|h| (h ^ e.simhash).count_ones())
        .min()
    {
        if d <= SIMILAR_TEXT_BITS {
            add(3.0, &|o| {
                o.push_str("text nearly identical to one of its stories (");
                push_num(o, d.into());
                o.push_str(" bits apart)");
            });
        }
    }

    let days_apart = k
        .day
        .zip(inc.event_day)
        .map(|(a, b)| (a as i64 - b as i64).abs());

    // place
    let story_precise = k.precise;
    let same_loc = match (k.location_key, inc.location_key) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    // worked out only where it counts
    let dist = || match (k.point, inc.lat.zip(inc.lon)) {
        (Some(a), Some((lat, lon))) => Some(distance(a, (lat, lon, inc.cos_lat), exact)),
        _ => None,
    };
    let same_admin1 = match (k.admin1_key, inc.admin1_key) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    // one outlet says "near X", another "between X and Y" or "near Y"
    let cross_named = !same_loc
        && story_precise
        && (k.location_key.is_some_and(|l| inc.places.contains(&l))
            || inc.location_key.is_some_and(|l| k.places.contains(&l)));
    if same_loc && story_precise {
        add(2.0, &|o| {
            o.push_str("same place (");
            o.push_str(f.location.as_deref().unwrap_or_default());
            o.push(')');
        });
    } else if cross_named {
        // a place another story of the incident named (a round-up's other
        // town) is its scene only about the same days
        let w = if days_apart.is_some_and(|dd| dd >= 4) {
            0.4
        } else {
            1.5
        };
        add(w, &|o| {
            o.push_str(f.location.as_deref().unwrap_or_default());
            o.push_str(" and ");
            o.push_str(inc.location.map(Sym::name).as_deref().unwrap_or_default());
            o.push_str(" are both named for the incident");
        });
    } else if let Some(d) = (k.at_place && inc.at_place).then(dist).flatten() {
        // Two different places, neither named in the other's incident: close
        // neighbours may be one attack told from the nearest town, but from
        // ~30 km on they are as likely two attacks as one. A province's or a
        // cercle's point is no place: the attack is anywhere in it.
        add(place_band(d), &|o| {
            use std::fmt::Write;
            let _ = write!(o, "places {d:.0} km apart");
        });
    } else if let (Some(a), Some(b)) = (k.admin2_key, inc.admin2_key) {
        if a == b {
            add(0.7, &|o| {
                o.push_str("same admin2 (");
                o.push_str(f.admin2.as_deref().unwrap_or_default());
                o.push(')');
            });
        }
    }
    // "sur l'axe Douentza - Bambara Maoude": two neighbours named together
    // by the stories, with a region's border between them, are one scene.
    let neighbours =
        || cross_named && k.at_place && inc.at_place && dist().is_some_and(|d| d <= NEIGHBOURS_KM);
    match same_admin1 {
        Some(true) => add(0.4, &|o| {
            o.push_str("same region (");
            o.push_str(inc.admin1.map(Sym::name).as_deref().unwrap_or_default());
            o.push(')');
        }),
        Some(false) if neighbours() => add(0.0, &|o| {
            o.push_str("different regions, but neighbours named together")
        }),
        Some(false) => add(-2.0, &|o| o.push_str("different regions")),
        None => {}
    }

    // date
    if let Some(dd) = days_apart {
        let explicit = f.event_date.is_some();
        let w = day_weight(dd);
        // a story without a date cue falls back to its publication day, which
        // follow-ups publish days later: weigh that less
        let w = if explicit || w > 0.0 { w } else { w / 3.0 };
        add(w, &|o| {
            o.push_str("event dates ");
            push_num(o, dd.unsigned_abs());
            o.push_str(" day(s) apart");
        });
    }

    // tolls
    if let (Some(k), Some(ik)) = (f.killed, inc.killed) {
        if k == ik && k > 0 {
            add(0.5, &|o| {
                o.push_str("same toll (");
                push_num(o, k.into());
                o.push_str(" killed)");
            });
        } else if k >= ik && (ik == 0 || k <= ik.saturating_mul(5)) {
            add(0.2, &|o| {
                o.push_str("toll compatible (");
                push_num(o, ik.into());
                o.push_str(" → ");
                push_num(o, k.into());
                o.push(')');
            });
        } else if k > 0 && k.saturating_mul(2) < ik && !same_loc && !cross_named {
            // a toll under half the incident's, at another place: more
            // likely a second attack than a stale first report
            add(-0.4, &|o| {
                o.push_str("toll much lower (");
                push_num(o, k.into());
                o.push_str(" against ");
                push_num(o, ik.into());
                o.push(')');
            });
        }
    }
    // victims
    if let (Some(v), Some(vs), Some(iv)) = (k.victims, k.victims_sym, inc.victims) {
        if vs == iv {
            add(0.2, &|o| {
                o.push_str("same victims (");
                o.push_str(v);
                o.push(')');
            });
        } else if vs != k.mixed && iv != k.mixed {
            add(-0.6, &|o| {
                o.push_str("victims differ (");
                o.push_str(v);
                o.push_str(" / ");
                o.push_str(&iv.name());
                o.push(')');
            });
        }
    }
    // actors
    if !k.actor_keys.is_empty() && !inc.actor_keys.is_empty() {
        let shared = k
            .actor_keys
            .iter()
            .any(|a| inc.actor_keys.iter().any(|b| a == b));
        if shared {
            add(0.4, &|o| o.push_str("an actor in common"));
        }
    }
    if let (Some(a), Some(sa), Some(b)) = (&f.attack_type, k.attack_type, inc.attack_type) {
        if sa == b && a != "armed attack" {
            add(0.2, &|o| {
                o.push_str("same attack type (");
                o.push_str(a);
                o.push(')');
            });
        }
    }
    Some(s)
}

/// `format!("{w:+.1} {text}")`, `text` written by `r`, the usual weights
/// written without formatting a float (a third of the time of explaining a
/// match), into one string.
fn reason(w: f64, r: &dyn Fn(&mut String)) -> String {
    const WEIGHTS: [(f64, &str); 17] = [
        (3.0, "+3.0"),
        (2.0, "+2.0"),
        (1.5, "+1.5"),
        (1.0, "+1.0"),
        (0.8, "+0.8"),
        (0.7, "+0.7"),
        (0.5, "+0.5"),
        (0.4, "+0.4"),
        (0.2, "+0.2"),
        (0.0, "+0.0"),
        (-0.2, "-0.2"),
        (-0.4, "-0.4"),
        (-0.5, "-0.5"),
        (-0.6, "-0.6"),
        (-1.2, "-1.2"),
        (-1.5, "-1.5"),
        (-2.0, "-2.0"),
    ];
    // room for the longest reasons
    let mut out = String::with_capacity(64);
    match WEIGHTS.iter().find(|(v, _)| v.to_bits() == w.to_bits()) {
        Some((_, t)) => out.push_str(t),
        None => {
            use std::fmt::Write;
            let _ = write!(out, "{w:+.1}");
        }
    }
    out.push(' ');
    r(&mut out);
    out
}

/// `n` in decimal, as `{n}` writes it, without the formatting machinery.
fn push_num(o: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    o.extend(buf[i..].iter().map(|&b| b as char));
}

/// Margin for the rounding of sums taken in another order: a bound above a
/// score may come out a few ulps under it.
const BOUND_SLACK: f64 = 1e-9;

/// An upper bound of [`score_keys`] (`None` exactly when it is `None`),
/// without its trigonometry, from what the index keeps of a candidate
/// beside its key ([`Head`]; `inc` is read only for the places its stories
/// name, and for its SimHashes when it has more than two): every term as
/// `score_keys` works it out but two, the distance's (the band of a lower
/// bound of the distance, [`near_band_max`]) and the actors' (0.4 when
/// both have some). Cheap enough to pass over candidates that cannot make
/// the best [`EXPLAINED`]: the terms are added in turn, the region, date
/// and text terms first, then the place's, and as soon as the sum with the
/// best the story's other terms can add (`rest_max`, `after_place_max`)
/// falls under `cut`, that is the bound (the rest is not worked out).
#[inline(always)]
fn score_bound(k: &StoryKeys<'_>, h: &Head, inc: &MatchKeys, cut: f64) -> Option<f64> {
    let e = k.e;
    let f = e.facts;
    if let (Some(a), Some(b)) = (k.country, h.country) {
        if a != b {
            return None;
        }
    }
    let mut s = 0.0;
    // Neighbours named together across a region's border lose nothing: the
    // penalty waits for the place's term where they may be.
    let mut other_region = false;
    match (k.admin1_key, h.admin1_key) {
        (Some(a), Some(b)) if a == b => s += 0.4,
        (Some(_), Some(_)) if k.at_place && h.at_place => other_region = true,
        (Some(_), Some(_)) => s -= 2.0,
        _ => {}
    }
    if let (Some(d1), Some(d2)) = (k.day, h.event_day) {
        let dd = (d1 as i64 - d2 as i64).unsigned_abs().min(8);
        s += k.day_w[dd as usize];
    }
    let near = |x: u64| (x ^ e.simhash).count_ones() <= SIMILAR_TEXT_BITS;
    if match h.simhash_head() {
        Some((n, [a, b])) => (n > 0 && near(a)) || (n > 1 && near(b)),
        None => inc.simhashes().iter().any(|&x| near(x)),
    } {
        s += 3.0;
    }
    if s + k.rest_max + BOUND_SLACK < cut {
        return Some(s + k.rest_max);
    }
    let same_loc = match (k.location_key, h.location_key) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    let cross_named = !same_loc
        && k.precise
        && (k
            .location_key
            .is_some_and(|l| h.places && inc.places.contains(&l))
            || h.location_key.is_some_and(|l| k.places.contains(&l)));
    if other_region && !cross_named {
        s -= 2.0;
    }
    s += if same_loc && k.precise {
        2.0
    } else if cross_named {
        1.5
    } else if let (true, true, Some(a), false) = (k.at_place, h.at_place, k.point, h.lat.is_nan()) {
        near_band_max(a, (h.lat, h.lon, h.cos_lat))
    } else {
        match (k.admin2_key, h.admin2_key) {
            (Some(a), Some(b)) if a == b => 0.7,
            _ => 0.0,
        }
    };
    if s + k.after_place_max + BOUND_SLACK < cut {
        return Some(s + k.after_place_max);
    }
    if let (Some(k), Some(ik)) = (f.killed, h.killed) {
        if k == ik && k > 0 {
            s += 0.5;
        } else if k >= ik && (ik == 0 || k <= ik.saturating_mul(5)) {
            s += 0.2;
        } else if k > 0 && k.saturating_mul(2) < ik && !same_loc && !cross_named {
            s -= 0.4;
        }
    }
    if let (Some(vs), Some(iv)) = (k.victims_sym, h.victims) {
        if vs == iv {
            s += 0.2;
        } else if vs != k.mixed && iv != k.mixed {
            s -= 0.6;
        }
    }
    if !k.actor_keys.is_empty() && h.actors {
        s += 0.4;
    }
    if let (Some(a), Some(sa), Some(b)) = (&f.attack_type, k.attack_type, h.attack_type) {
        if sa == b && a != "armed attack" {
            s += 0.2;
        }
    }
    Some(s)
}

/// Two places named together for an incident and at most this far apart
/// are neighbours: a region's border between them is no reason to split.
/// (No farther than [`FAR_KM`], where the quick distance stops.)
const NEIGHBOURS_KM: f64 = FAR_KM;

/// The weight [`score_keys`] gives two places `d` km apart.
fn place_band(d: f64) -> f64 {
    if d <= 15.0 {
        1.5
    } else if d <= 30.0 {
        0.8
    } else if d <= 50.0 {
        0.0
    } else if d <= FAR_KM {
        -0.5
    } else {
        -1.5
    }
}

/// At least the weight [`score_keys`] gives the distance of two
/// `(lat, lon, cos(lat in radians))` points, without trigonometry: the
/// band of a lower bound of the distance (the weight falls as the distance
/// grows). [`distance`] is `2R·asin(√h)` with
/// `h = sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2)`; `asin y ≥ y` and
/// `sin x ≥ x − x³/6` for `x ≥ 0`, so `2R·√h'` with those sines taken
/// at their lower bounds is under it, and a millionth under that again
/// covers any rounding. Latitudes alone farther apart than [`FAR_KM`]
/// (+1 km) give the farthest band, as `distance` does.
fn near_band_max(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
    let dp = (b.0 - a.0).to_radians();
    if EARTH_KM * dp.abs() > FAR_KM + 1.0 {
        return -1.5;
    }
    let c = a.2 * b.2;
    let dl = (b.1 - a.1).to_radians();
    let sin_lo = |x: f64| {
        let x = (x / 2.0).abs();
        (x - x * x * x / 6.0).max(0.0)
    };
    let h = sin_lo(dp).powi(2) + c * sin_lo(dl).powi(2);
    let d = 2.0 * EARTH_KM * h.sqrt() * (1.0 - 1e-6);
    // a cosine under 0 (a latitude beyond the poles) or a NaN: no bound but the best
    if c >= 0.0 && d >= 0.0 {
        place_band(d)
    } else {
        1.5
    }
}

/// The weight of event dates `dd` days apart (the score and its bound).
fn day_weight(dd: i64) -> f64 {
    match dd {
        0 => 1.0,
        1 => 0.7,
        2 => 0.2,
        3 => -0.2,
        4..=7 => -0.6,
        _ => -1.2,
    }
}

/// Beyond this distance two places weigh against each other the most.
const FAR_KM: f64 = 120.0;

/// The Earth's mean radius as [`sahel_nlp::distance_km`] takes it.
const EARTH_KM: f64 = 6371.0088;

/// [`sahel_nlp::distance_km`] between two `(lat, lon, cos(lat in radians))` points,
/// the cosines worked out once per story and per incident instead of once
/// per pair: the same terms in the same order, so the same bits.
/// Not `exact`: a pair whose latitudes alone are more than [`FAR_KM`]
/// apart (the great-circle distance is at least `R·|Δφ|`; 1 km of margin
/// for rounding) is `INFINITY` without trigonometry: the band is the same.
fn distance(a: (f64, f64, f64), b: (f64, f64, f64), exact: bool) -> f64 {
    let dp = (b.0 - a.0).to_radians();
    if !exact && EARTH_KM * dp.abs() > FAR_KM + 1.0 {
        return f64::INFINITY;
    }
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + a.2 * b.2 * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_KM * h.sqrt().asin()
}

pub fn victims_str(v: sahel_nlp::Victims) -> &'static str {
    match v {
        sahel_nlp::Victims::Military => "military",
        sahel_nlp::Victims::Civilian => "civilian",
        sahel_nlp::Victims::Mixed => "mixed",
    }
}

/// Candidates explained (with their reasons) by [`best_match`].
pub const EXPLAINED: usize = 3;

/// The best incident for a story, if one scores at least `threshold`.
/// The best [`EXPLAINED`] candidates come back too, best first, with their
/// reasons, for explanation (scoring the others needs no reasons).
pub fn best_match(
    tx: &Tx<'_>,
    e: &StoryEvidence<'_>,
    window_days: u32,
    threshold: f64,
) -> anyhow::Result<(Option<MatchScore>, Vec<MatchScore>)> {
    let Some(day) = story_day(e) else {
        return Ok((None, Vec::new()));
    };
    let w = Duration::days(window_days as i64);
    // a candidate in another region and more than ~150 km away cannot reach
    // the threshold (different admin1 −2.0 outweighs every other term but
    // identical text, which the story-level copy check already catches)
    let near = e.facts.admin1.as_deref().map(|a1| crate::store::Near {
        admin1: Some(a1),
        point: e.facts.lat.zip(e.facts.lon),
        degrees: 1.5,
    });
    let keys = StoryKeys::of(e);
    // a vague story (no place) with exactly one plausible candidate: that
    // one (the only score above 0 is the best)
    let vague = e.facts.location.is_none() || keys.precision.is_none_or(|p| p <= Precision::Admin1);
    let mut top = Top::default();
    // the candidates that entered the best, numbered as `top` holds them
    let mut held: Vec<Arc<MatchKeys>> = Vec::new();
    // what a candidate's bound must reach to be scored (none till three are held)
    let mut cut = f64::NEG_INFINITY;
    // in no particular order (under the index's lock: nothing cloned but
    // what enters the best), each with its rank in the SQL order, which
    // breaks ties between equal scores
    tx.match_candidates_each(e.facts.country.as_deref(), day - w, day + w, near, |c| {
        // once three are held, a candidate whose bound is under the
        // third's score cannot enter (ties need an equal score), and
        // matters no more to the count of plausible ones once that is
        // past one, or when the story is not vague, or when it cannot
        // score above 0
        match score_bound(&keys, c.head, c.keys, cut) {
            None => return,
            Some(b) if b + BOUND_SLACK < cut => return,
            Some(_) => {}
        }
        if let Some(s) = score_keys(&keys, c.keys, None) {
            if top.push(s, c.rank, held.len()) {
                held.push(c.keys.clone());
            }
            if top.len == EXPLAINED {
                let third = top.best[EXPLAINED - 1].0;
                cut = if !vague || top.plausible >= 2 {
                    third
                } else {
                    third.min(0.0)
                };
            }
        }
    })?;
    let bonus = vague && top.plausible == 1 && top.best[0].0 < threshold;
    if bonus {
        top.best[0].0 += 0.5;
    }
    let explained: Vec<MatchScore> = top.best[..top.len]
        .iter()
        .enumerate()
        .map(|(at, &(s, _, i))| {
            let bonus = bonus && at == 0;
            let c = &held[i];
            let mut reasons = Vec::with_capacity(8);
            score_keys(&keys, c, Some(&mut reasons));
            if bonus {
                reasons.push(
                    "+0.5 the only plausible incident for a story without a precise place".into(),
                );
            }
            MatchScore {
                incident_id: c.id.clone(),
                score: s,
                reasons,
            }
        })
        .collect();
    let best = explained.first().filter(|m| m.score >= threshold).cloned();
    Ok((best, explained))
}

/// The best [`EXPLAINED`] (score, rank, candidate) seen, best first, ties
/// by rank (the candidates' SQL order): the head of a stable sort by score
/// of the candidates in that order, without keeping or sorting the others,
/// whatever order they come in.
#[derive(Default)]
struct Top {
    best: [(f64, (i64, u64), usize); EXPLAINED],
    len: usize,
    /// Scores above 0 seen (plausible candidates).
    plausible: usize,
}

impl Top {
    /// Has it entered the best?
    fn push(&mut self, s: f64, rank: (i64, u64), i: usize) -> bool {
        self.plausible += usize::from(s > 0.0);
        let n = self.len;
        // after every score as good, but before an equal score of a
        // candidate ranked after it
        let at = self.best[..n]
            .iter()
            .position(|b| match s.total_cmp(&b.0) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Equal => rank < b.1,
                std::cmp::Ordering::Less => false,
            })
            .unwrap_or(n);
        if at == EXPLAINED {
            return false;
        }
        let end = (n + 1).min(EXPLAINED);
        self.best.copy_within(at..end - 1, at + 1);
        self.best[at] = (s, rank, i);
        self.len = end;
        true
    }
}

/// A stable id for a new incident: country, day, place and a short hash of
/// the first story's key.
pub fn incident_id(facts: &Facts, day: Option<NaiveDate>, first_story_key: &str) -> String {
    let h = hex::encode(Sha256::digest(first_story_key.as_bytes()));
    let place: String = facts
        .location
        .as_deref()
        .or(facts.admin1.as_deref())
        .map(|l| name_key(l).chars().take(24).collect())
        .unwrap_or_else(|| "unknown".into());
    format!(
        "SW-{}-{}-{}-{}",
        facts.country.as_deref().unwrap_or("XX"),
        day.map(|d| d.format("%Y%m%d").to_string())
            .unwrap_or_else(|| "00000000".into()),
        place,
        &h[..6]
    )
}

/// The precision to trust for a story's place: a place named like its own
/// region (Tahoua, Mopti, Gao, Kidal...) may mean the town or the region,
/// so it counts as region-level.
pub fn effective_precision(f: &Facts) -> Option<Precision> {
    match (f.precision, &f.location, &f.admin1) {
        (Some(p), Some(l), Some(a)) if p > Precision::Admin1 && name_key(l) == name_key(a) => {
            Some(Precision::Admin1)
        }
        (p, _, _) => p,
    }
}

fn precision_str(p: Option<Precision>) -> Option<String> {
    p.map(|p| {
        match p {
            Precision::Place => "place",
            Precision::Admin2 => "admin2",
            Precision::Admin1 => "admin1",
            Precision::Country => "country",
        }
        .to_string()
    })
}

fn precision_rank(p: Option<&str>) -> u8 {
    match p {
        Some("place") => 3,
        Some("admin2") => 2,
        Some("admin1") => 1,
        _ => 0,
    }
}

/// Actors without duplicates, and without a generic name ("Islamic State")
/// when a more specific one that extends it ("Islamic State Sahel Province") is there.
pub fn tidy_actors(actors: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    actors.retain(|a| seen.insert(name_key(a)));
    let all = actors.clone();
    actors.retain(|a| {
        let k = name_key(a);
        !all.iter().any(|b| {
            let kb = name_key(b);
            kb.len() > k.len() && kb.starts_with(&k)
        })
    });
}

/// What a new incident takes from its first story besides the facts.
#[derive(Debug, Clone, Copy)]
pub struct FirstStory<'a> {
    pub places: &'a [String],
    pub title: &'a str,
    pub summary: &'a str,
    pub simhash: u64,
    pub confidence: f32,
}

/// A new incident from its first story.
pub fn new_incident(
    id: String,
    facts: &Facts,
    day: Option<NaiveDate>,
    first: FirstStory<'_>,
    now: DateTime<Utc>,
) -> Incident {
    let FirstStory {
        places,
        title,
        summary,
        simhash,
        confidence,
    } = first;
    Incident {
        id,
        country: facts.country.clone(),
        admin1: facts.admin1.clone(),
        admin2: facts.admin2.clone(),
        location: facts.location.clone(),
        precision: precision_str(effective_precision(facts)),
        lat: facts.lat,
        lon: facts.lon,
        event_date: day,
        killed: facts.killed,
        wounded: facts.wounded,
        victims: facts.victims.map(|v| victims_str(v).to_string()),
        actors: {
            let mut a = facts.actors.clone();
            tidy_actors(&mut a);
            a
        },
        attack_type: facts.attack_type.clone(),
        claimed: facts.claimed,
        confidence,
        title: Some(title.to_string()).filter(|t| !t.is_empty()),
        summary: Some(summary.to_string()).filter(|s| !s.is_empty()),
        revision: 1,
        first_seen: now,
        last_seen: now,
        known: false,
        origin: "story".into(),
        simhashes: vec![simhash],
        places: places.to_vec(),
        alerted_killed: None,
        alerted_claimed: false,
        alerted_revision: 0,
    }
}

/// The incident's toll from its stories' votes: the upper median of the
/// other stories' tolls (or the incident's own toll where no story gave one:
/// an imported incident) and the joining story's. None when the joining
/// story gives no toll: the incident keeps its own.
fn toll_of(current: Option<u32>, story: Option<u32>, others: &[u32]) -> Option<u32> {
    let k = story?;
    let mut votes: Vec<u32> = if others.is_empty() {
        current.into_iter().collect()
    } else {
        others.to_vec()
    };
    votes.push(k);
    votes.sort_unstable();
    Some(votes[votes.len() / 2])
}

/// Fold a joining story's facts into an incident. `other_tolls` are the
/// victims' tolls its other stories gave (`Tx::story_tolls`). Returns what
/// changed ("killed 12 → 23", "claimed by JNIM", ...); the revision goes up
/// when anything did.
pub fn merge(
    inc: &mut Incident,
    facts: &Facts,
    day: Option<NaiveDate>,
    confidence: f32,
    simhash: u64,
    other_tolls: &[u32],
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut changes = Vec::new();
    if inc.country.is_none() && facts.country.is_some() {
        inc.country = facts.country.clone();
    }
    // a more precise place wins (same region, or the incident had none)
    let better = precision_rank(precision_str(effective_precision(facts)).as_deref())
        > precision_rank(inc.precision.as_deref());
    let compatible = match (&facts.admin1, &inc.admin1) {
        (Some(a), Some(b)) => name_key(a) == name_key(b),
        _ => true,
    };
    if better && compatible && facts.location.is_some() {
        changes.push(format!(
            "place {} → {}",
            inc.location.as_deref().unwrap_or("?"),
            facts.location.as_deref().unwrap_or("?")
        ));
        inc.location = facts.location.clone();
        inc.precision = precision_str(effective_precision(facts));
        inc.lat = facts.lat;
        inc.lon = facts.lon;
        inc.admin2 = facts.admin2.clone().or(inc.admin2.take());
        inc.admin1 = facts.admin1.clone().or(inc.admin1.take());
    }
    if inc.admin1.is_none() && facts.admin1.is_some() {
        inc.admin1 = facts.admin1.clone();
    }
    if inc.admin2.is_none() && facts.admin2.is_some() && compatible {
        inc.admin2 = facts.admin2.clone();
    }
    // the earliest date: later stories fall back to their publication day
    if let Some(d) = day {
        match inc.event_date {
            Some(cur) if facts.event_date.is_some() && d < cur => {
                changes.push(format!("date {cur} → {d}"));
                inc.event_date = Some(d);
            }
            None => inc.event_date = Some(d),
            _ => {}
        }
    }
    // the toll most stories agree on: one story's misread figure (the
    // hostages counted as dead, a first toll with the attackers in it) does
    // not become the incident's, and a rising toll wins once reported again
    if let Some(k) = toll_of(inc.killed, facts.killed, other_tolls) {
        if inc.killed != Some(k) {
            changes.push(format!(
                "killed {} → {k}",
                inc.killed
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "?".into())
            ));
            inc.killed = Some(k);
        }
    }
    if let Some(w) = facts.wounded {
        if inc.wounded.is_none_or(|c| w > c) {
            changes.push(format!(
                "wounded {} → {w}",
                inc.wounded
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "?".into())
            ));
            inc.wounded = Some(w);
        }
    }
    if let Some(v) = facts.victims.map(victims_str) {
        match inc.victims.as_deref() {
            None => inc.victims = Some(v.to_string()),
            Some(cur) if cur != v && cur != "mixed" && v != "mixed" => {
                changes.push(format!("victims {cur} → mixed"));
                inc.victims = Some("mixed".into());
            }
            _ => {}
        }
    }
    let mut actors = inc.actors.clone();
    actors.extend(facts.actors.iter().cloned());
    tidy_actors(&mut actors);
    for a in &actors {
        if !inc.actors.iter().any(|b| name_key(a) == name_key(b)) {
            changes.push(format!("actor {a}"));
        }
    }
    inc.actors = actors;
    if facts.claimed && !inc.claimed {
        let by = facts
            .actors
            .first()
            .map(|a| format!(" by {a}"))
            .unwrap_or_default();
        changes.push(format!("claimed{by}"));
        inc.claimed = true;
    }
    if let Some(t) = &facts.attack_type {
        if inc
            .attack_type
            .as_deref()
            .is_none_or(|c| c == "armed attack" && t != "armed attack")
        {
            if inc.attack_type.is_some() {
                changes.push(format!("type {t}"));
            }
            inc.attack_type = Some(t.clone());
        }
    }
    if confidence > inc.confidence {
        inc.confidence = confidence;
    }
    if !inc.simhashes.contains(&simhash) {
        inc.simhashes.push(simhash);
        if inc.simhashes.len() > 32 {
            inc.simhashes.remove(0);
        }
    }
    inc.last_seen = now;
    if !changes.is_empty() {
        inc.revision += 1;
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A xorshift generator: the next `u64` of `seed`'s sequence.
    fn xorshift(mut r: u64) -> impl FnMut() -> u64 {
        move || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        }
    }

    /// Uniform numbers in `lo..hi` from a xorshift sequence.
    fn uniform(seed: u64) -> impl FnMut(f64, f64) -> f64 {
        let mut r = xorshift(seed);
        move |lo, hi| lo + (r() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    #[test]
    fn distance_is_distance_km_to_the_bit() {
        let mut next = uniform(0x2545f4914f6cdd1d);
        let point = |lat: f64, lon: f64| (lat, lon, lat.to_radians().cos());
        for _ in 0..20_000 {
            let (a, b) = (next(5.0, 25.0), next(-15.0, 15.0));
            let (c, d) = (a + next(-2.0, 2.0), b + next(-2.0, 2.0));
            let want = sahel_nlp::distance_km(a, b, c, d);
            let got = distance(point(a, b), point(c, d), true);
            assert_eq!(got.to_bits(), want.to_bits(), "{a} {b} {c} {d}");
            let quick = distance(point(a, b), point(c, d), false);
            assert!(quick == want || (quick.is_infinite() && want > FAR_KM));
        }
    }

    /// The band of the bound of the distance is never under the band of
    /// the distance, on random pairs and on pairs a hair either side of
    /// each band's edge.
    #[test]
    fn the_distance_band_bound_is_never_under_the_band() {
        let mut next = uniform(0x853c49e6748fea9b);
        let point = |lat: f64, lon: f64| (lat, lon, lat.to_radians().cos());
        let band = |a, b| match distance(a, b, false) {
            d if d.is_infinite() => -1.5,
            d => place_band(d),
        };
        let mut edges = 0;
        for i in 0..60_000 {
            let (lat, lon) = (next(-30.0, 30.0), next(-20.0, 20.0));
            let a = point(lat, lon);
            let b = if i % 2 == 0 {
                point(lat + next(-2.0, 2.0), lon + next(-2.0, 2.0))
            } else {
                // a point at a band's edge: along a random bearing, the
                // distance searched for by bisection to within a metre
                let edge = [15.0, 30.0, 50.0, 120.0][i % 8 / 2];
                let (bl, bo) = (next(-1.0, 1.0), next(-1.0, 1.0));
                let at = |t: f64| point(lat + bl * t, lon + bo * t);
                let (mut lo, mut hi) = (0.0, 5.0);
                for _ in 0..60 {
                    let mid = (lo + hi) / 2.0;
                    if distance(a, at(mid), true) < edge {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                let d = distance(a, at(lo), true);
                if (d - edge).abs() < 1e-3 {
                    edges += 1;
                }
                at([lo, hi][i % 4 / 2 % 2])
            };
            assert!(
                near_band_max(a, b) >= band(a, b),
                "{a:?} {b:?}: {} km",
                distance(a, b, true)
            );
            assert!(near_band_max(b, a) >= band(b, a));
        }
        assert!(edges > 20_000, "{edges}");
        // far apart in longitude only, the other side of the world, beyond
        // the poles: never under
        for (a, b) in [
            ((14.0, 1.0), (14.0, 3.5)),
            ((14.0, 1.0), (14.2, 181.0)),
            ((0.0, -179.9), (0.0, 179.9)),
            ((89.99, 0.0), (89.99, 180.0)),
            ((95.0, 0.0), (95.0, 0.5)),
        ] {
            let (a, b) = (point(a.0, a.1), point(b.0, b.1));
            assert!(near_band_max(a, b) >= band(a, b), "{a:?} {b:?}");
        }
    }

    /// The band's bound does its work: places 60 km apart in longitude
    /// are bound to -0.5, not to the nearest band.
    #[test]
    fn the_distance_band_bound_is_tight_off_the_edges() {
        let point = |lat: f64, lon: f64| (lat, lon, lat.to_radians().cos());
        let (a, b) = (point(14.0, 1.0), point(14.0, 1.56));
        assert!((55.0..65.0).contains(&distance(a, b, true)));
        assert_eq!(near_band_max(a, b), -0.5);
        assert_eq!(near_band_max(a, point(14.05, 1.05)), 1.5);
        assert_eq!(near_band_max(a, point(14.0, 1.3)), 0.0);
    }

    #[test]
    fn numbers_are_written_as_format_writes_them() {
        let mut r: u64 = 1;
        for i in 0..5_000u64 {
            r = r.wrapping_mul(6364136223846793005).wrapping_add(1);
            for n in [i, r, r >> (i % 64), u64::MAX - i] {
                let mut o = String::from("x");
                push_num(&mut o, n);
                assert_eq!(o, format!("x{n}"));
            }
        }
    }

    #[test]
    fn reasons_are_written_as_format_writes_them() {
        for w in [
            3.0,
            2.0,
            1.5,
            1.0,
            0.8,
            0.7,
            0.5,
            0.4,
            0.2,
            0.0,
            -0.0,
            -0.2,
            -0.4,
            -0.5,
            -0.6,
            -1.2,
            -1.5,
            -2.0,
            -0.2 / 3.0,
            -0.6 / 3.0,
            -1.2 / 3.0,
            0.25,
            0.05,
            -0.05,
            1e-9,
        ] {
            assert_eq!(
                reason(w, &|o| o.push_str("why")),
                format!("{w:+.1} why"),
                "{w}"
            );
        }
    }

    /// `score_bound` is never under `score_keys` (nor `None` apart from
    /// it), whatever the cut, on random stories and incidents.
    #[test]
    fn the_bound_is_never_under_the_score() {
        let mut r = xorshift(0x9e3779b97f4a7c15);
        let mut next = |n: u64| r() % n;
        let places = ["Teguey", "Inates", "Ansongo", "Tahoua", "Djibo"];
        let regions = ["Tillaberi", "Tahoua", "Gao"];
        let mut checked = 0;
        for _ in 0..20_000 {
            let mut f = Vec::new();
            for _ in 0..2 {
                let at = |i: u64, v: &[&str]| v.get(i as usize).map(|s| s.to_string());
                let mut x = Facts {
                    country: at(next(3), &["NE", "ML"]),
                    admin1: at(next(4), &regions),
                    admin2: at(next(3), &["Tera", "Ouallam"]),
                    location: at(next(6), &places),
                    precision: [
                        Some(Precision::Place),
                        Some(Precision::Admin2),
                        Some(Precision::Admin1),
                        None,
                    ][next(4) as usize],
                    lat: (next(5) > 0).then(|| 13.0 + next(4000) as f64 / 1000.0),
                    lon: (next(5) > 0).then(|| next(3000) as f64 / 1000.0),
                    event_date: (next(4) > 0).then(|| {
                        NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
                            + Duration::days(next(12) as i64)
                    }),
                    killed: [None, Some(0), Some(3), Some(12), Some(40)][next(5) as usize],
                    victims: [
                        None,
                        Some(sahel_nlp::Victims::Military),
                        Some(sahel_nlp::Victims::Civilian),
                        Some(sahel_nlp::Victims::Mixed),
                    ][next(4) as usize],
                    actors: (0..next(3))
                        .map(|i| ["JNIM", "ISSP"][i as usize % 2].to_string())
                        .collect(),
                    attack_type: at(next(4), &["ambush", "armed attack", "raid"]),
                    ..Default::default()
                };
                if next(10) == 0 {
                    x.location = x.admin1.clone();
                }
                f.push(x);
            }
            let mut inc = incident_from(&f[1]);
            inc.places = (0..next(3))
                .map(|_| name_key(places[next(5) as usize]))
                .collect();
            if next(3) == 0 {
                inc.simhashes.push(0xF0F0 ^ (1 << next(64)));
            }
            let story_places: Vec<String> = (0..next(3))
                .map(|_| name_key(places[next(5) as usize]))
                .collect();
            let e = StoryEvidence {
                facts: &f[0],
                simhash: 0xF0F0 ^ (1 << next(64)) ^ (1 << next(64)),
                published: None,
                places: &story_places,
            };
            let keys = StoryKeys::of(&e);
            let c = MatchKeys::of(&inc);
            let score = score_keys(&keys, &c, None);
            for cut in [f64::NEG_INFINITY, -1.0, 0.0, 1.2, 2.5, 9.0] {
                let b = score_bound(&keys, &Head::of(&c), &c, cut);
                assert_eq!(b.is_some(), score.is_some());
                if let (Some(b), Some(s)) = (b, score) {
                    assert!(
                        s <= b + BOUND_SLACK,
                        "{s} > {b} (cut {cut}): {:?} / {inc:?}",
                        f[0]
                    );
                    checked += 1;
                }
            }
            assert_eq!(effective_precision(&f[0]), keys.precision);
        }
        assert!(checked > 50_000, "{checked}");
    }

    #[test]
    fn top_is_the_head_of_a_stable_sort() {
        let mut r: u64 = 7;
        for n in 0..200 {
            let scores: Vec<f64> = (0..n % 13)
                .map(|_| {
                    r = r
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((r >> 60) as f64 - 8.0) / 4.0
                })
                .collect();
            let mut sorted: Vec<(f64, (i64, u64), usize)> = Vec::new();
            for (i, &s) in scores.iter().enumerate() {
                sorted.push((s, (i as i64 / 3, i as u64), i));
            }
            // pushed in any order, ranked by their place in `sorted`
            let mut top = Top::default();
            let mut shuffled = sorted.clone();
            shuffled.reverse();
            let len = shuffled.len().max(1);
            shuffled.rotate_left(n % len);
            for &(s, rank, i) in &shuffled {
                top.push(s, rank, i);
            }
            sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
            sorted.truncate(EXPLAINED);
            assert_eq!(&top.best[..top.len], &sorted[..]);
            assert_eq!(top.plausible, scores.iter().filter(|&&s| s > 0.0).count());
        }
    }

    fn facts(loc: &str, admin1: &str, lat: f64, lon: f64, day: &str, killed: Option<u32>) -> Facts {
        Facts {
            country: Some("NE".into()),
            admin1: Some(admin1.into()),
            location: Some(loc.into()),
            precision: Some(Precision::Place),
            lat: Some(lat),
            lon: Some(lon),
            event_date: Some(day.parse().unwrap()),
            killed,
            victims: Some(sahel_nlp::Victims::Military),
            ..Default::default()
        }
    }

    /// A story's evidence: its facts alone (no text in common, no places
    /// named, no publication date).
    fn ev(f: &Facts) -> StoryEvidence<'_> {
        StoryEvidence {
            facts: f,
            simhash: u64::MAX,
            published: None,
            places: &[],
        }
    }

    fn incident_from(f: &Facts) -> Incident {
        new_incident(
            "I".into(),
            f,
            f.event_date,
            FirstStory {
                places: &[],
                title: "t",
                summary: "s",
                simhash: 0,
                confidence: 0.9,
            },
            Utc::now(),
        )
    }

    #[test]
    fn simhash_is_stable_and_similar_for_near_copies() {
        let body = "Hundreds of armed men on motorbikes attacked an army unit on Thursday morning near the village, in the south-west of the country close to the border with Mali and Burkina Faso. Seven soldiers were killed in action and five more died in a road accident while driving to reinforce the unit, bringing the toll to twelve. The statement said around a hundred assailants were killed and their motorbikes and weapons destroyed. Ground troops and helicopters were used to repel the attack, and one helicopter was hit but landed safely. No group has claimed responsibility. Local affiliates of al Qaeda and Islamic State are active in the region and frequently attack soldiers and civilians.";
        let a =
            format!("At least 12 soldiers killed near Kandadji, the defence ministry said. {body}");
        let b = format!("At least 12 soldiers killed near Kandadji, the ministry of defence said on Friday. {body}");
        let (a, b) = (a.as_str(), b.as_str());
        let c = "Floods have killed 339 people and affected more than a million since June, civil protection said on Tuesday in Niamey.";
        assert_eq!(simhash(a), simhash(a));
        let near = (simhash(a) ^ simhash(b)).count_ones();
        assert!(near <= SIMILAR_TEXT_BITS, "near copies {near} bits apart");
        assert!((simhash(a) ^ simhash(c)).count_ones() > 16);
    }

    #[test]
    fn same_place_rising_toll_matches() {
        let first = facts("Teguey", "Tillaberi", 14.13, 0.95, "2024-03-20", Some(12));
        let inc = incident_from(&first);
        let later = facts("Tegey", "Tillaberi", 14.13, 0.95, "2024-03-21", Some(23));
        let m = score(
            &StoryEvidence {
                facts: &later,
                simhash: u64::MAX,
                published: None,
                places: &[],
            },
            &inc,
        )
        .unwrap();
        assert!(m.score >= 1.2, "{m:?}");
    }

    #[test]
    fn next_day_attack_on_a_neighbouring_town_with_a_smaller_toll_is_new() {
        // Barsalogho (18 killed) and Dablo the day after (7 killed), 37 km apart
        let a = facts(
            "Barsalogho",
            "Centre-Nord",
            13.414,
            -1.056,
            "2026-10-31",
            Some(18),
        );
        let inc = incident_from(&a);
        let b = facts(
            "Dablo",
            "Centre-Nord",
            13.719,
            -1.182,
            "2026-11-01",
            Some(7),
        );
        let m = score(&ev(&b), &inc).unwrap();
        assert!(m.score < 1.2, "{m:?}");
        assert!(
            m.reasons.iter().any(|r| r.contains("toll much lower")),
            "{m:?}"
        );
        // the same neighbour with a first, lower toll of the same attack, when
        // the story names the incident's place too, still joins it
        let named = vec!["barsalogho".to_string()];
        let m = score(
            &StoryEvidence {
                places: &named,
                ..ev(&b)
            },
            &inc,
        )
        .unwrap();
        assert!(m.score >= 1.2, "{m:?}");
    }

    #[test]
    fn a_province_s_point_is_no_place_to_measure_from() {
        // "a police station in the province of Soum" (its seat's point), then
        // "the police station of Koutougou", 82 km from that seat
        let mut province = facts("Soum", "Sahel", 14.0994, -1.6255, "2016-05-17", Some(0));
        province.admin2 = Some("Soum".into());
        province.precision = Some(Precision::Admin2);
        let mut town = facts(
            "Koutougou",
            "Sahel",
            14.5125,
            -0.9909,
            "2016-05-17",
            Some(0),
        );
        town.admin2 = Some("Soum".into());
        for (a, b) in [(&province, &town), (&town, &province)] {
            let m = score(&ev(b), &incident_from(a)).unwrap();
            assert!(m.score >= 1.2, "{m:?}");
            assert!(m.reasons.iter().any(|r| r.contains("same admin2")), "{m:?}");
            assert!(!m.reasons.iter().any(|r| r.contains("km apart")), "{m:?}");
        }
    }

    #[test]
    fn neighbours_named_together_across_a_region_s_border_are_one_scene() {
        // "a mine on the Douentza - Bambara Maoude road": one outlet places
        // it at Douentza (Mopti), another at Bambara Maoude (Tombouctou), 96 km
        let mut a = facts("Douentza", "Mopti", 15.0015, -2.9498, "2016-03-28", None);
        a.country = Some("ML".into());
        let mut inc = incident_from(&a);
        inc.places = vec![name_key("Douentza"), name_key("Bambara Maoude")];
        let mut b = facts(
            "Bambara Maoude",
            "Tombouctou",
            15.8521,
            -2.786,
            "2016-03-29",
            Some(2),
        );
        b.country = Some("ML".into());
        let m = score(&ev(&b), &inc).unwrap();
        assert!(m.score >= 1.2, "{m:?}");
        // a roundup naming a town 600 km away, in another region, the next
        // day: another attack
        let mut c = facts(
            "Banamba",
            "Koulikoro",
            13.5477,
            -7.4481,
            "2016-03-29",
            Some(1),
        );
        c.country = Some("ML".into());
        inc.places.push(name_key("Banamba"));
        let m = score(&ev(&c), &inc).unwrap();
        assert!(m.score < 1.2, "{m:?}");
    }

    #[test]
    fn the_town_a_story_measures_the_scene_from_is_named_for_its_incident() {
        // one outlet: "north of the town of Douentza, near the village of
        // Bambara Maoude" (Tombouctou); another: at Douentza (Mopti)
        let engine = sahel_nlp::Engine::new(sahel_nlp::Gazetteer::embedded());
        let a = engine.analyze(&sahel_nlp::Document {
            title: "Convoi de la Minusma attaqué au Mali",
            body: "Un convoi de la Minusma a été attaqué dimanche dans le centre du Mali. Un casque bleu a été tué et sept autres blessés.\n\nLe convoi a sauté sur une mine. Les faits ont eu lieu au nord de la ville de Douentza, près du village de Bambara Maoudé.\n\nLes soldats ont riposté.",
            published: chrono::DateTime::parse_from_rfc3339("2016-11-07T10:00:00+00:00").ok(),
            language: None,
        });
        let fa = a.facts.clone().expect("facts");
        assert_eq!(fa.location.as_deref(), Some("Bambara Maoude"));
        let named = places_named(&a, engine.gazetteer());
        assert!(named.contains(&name_key("Douentza")), "{named:?}");
        let mut inc = incident_from(&fa);
        inc.places = named;
        let mut b = facts("Douentza", "Mopti", 15.0015, -2.9498, "2016-11-06", Some(1));
        b.country = Some("ML".into());
        let m = score(&ev(&b), &inc).unwrap();
        assert!(m.score >= 1.2, "{m:?}");
    }

    #[test]
    fn consecutive_days_far_apart_in_one_region_do_not_match() {
        let a = facts("Inates", "Tillaberi", 15.22, 1.63, "2024-03-20", Some(10));
        let inc = incident_from(&a);
        let b = facts("Torodi", "Tillaberi", 13.11, 1.80, "2024-03-21", Some(8));
        let m = score(
            &StoryEvidence {
                facts: &b,
                simhash: u64::MAX,
                published: None,
                places: &[],
            },
            &inc,
        )
        .unwrap();
        assert!(m.score < 1.2, "{m:?}");
    }

    #[test]
    fn different_regions_next_day_do_not_match() {
        let a = facts("Boulkessi", "Mopti", 14.98, -1.64, "2025-06-01", Some(30));
        let mut a2 = a.clone();
        a2.country = Some("ML".into());
        let inc = incident_from(&a2);
        let mut b = facts("Timbuktu", "Tombouctou", 16.77, -3.0, "2025-06-02", Some(0));
        b.country = Some("ML".into());
        let m = score(
            &StoryEvidence {
                facts: &b,
                simhash: u64::MAX,
                published: None,
                places: &[],
            },
            &inc,
        )
        .unwrap();
        assert!(m.score < 0.0, "{m:?}");
    }

    #[test]
    fn a_town_named_like_its_region_is_region_level() {
        let precise = facts("Tillia", "Tahoua", 16.14, 4.79, "2021-03-21", Some(60));
        let mut inc = incident_from(&precise);
        inc.victims = Some("civilian".into());
        let mut region = facts("Tahoua", "Tahoua", 14.89, 5.27, "2021-03-21", Some(137));
        region.victims = Some(sahel_nlp::Victims::Civilian);
        assert_eq!(effective_precision(&region), Some(Precision::Admin1));
        let m = score(
            &StoryEvidence {
                facts: &region,
                simhash: u64::MAX,
                published: None,
                places: &[],
            },
            &inc,
        )
        .unwrap();
        assert!(m.score >= 1.2, "{m:?}");
        // and it never replaces the precise place
        merge(
            &mut inc,
            &region,
            region.event_date,
            0.9,
            7,
            &[],
            Utc::now(),
        );
        assert_eq!(inc.location.as_deref(), Some("Tillia"));
        assert_eq!(inc.killed, Some(137));
    }

    #[test]
    fn between_x_and_y_meets_near_y() {
        // first report: "between Ansongo and Labbezanga" → Ansongo; later: "near Labbezanga"
        let first = facts("Ansongo", "Gao", 15.66, 0.50, "2026-11-09", Some(4));
        let mut inc = incident_from(&first);
        let later = facts("Labbezanga", "Gao", 14.95, 0.69, "2026-11-10", Some(6));
        let e = StoryEvidence {
            facts: &later,
            simhash: u64::MAX,
            published: None,
            places: &[],
        };
        let apart = score(&e, &inc).unwrap().score;
        assert!(apart < 1.2, "81 km apart alone is not enough: {apart}");
        inc.places = vec!["ansongo".into(), "labbezanga".into()];
        let m = score(&e, &inc).unwrap();
        assert!(m.score >= 1.2, "{m:?}");
        // and the other way round: the story names the incident's place
        let mut inc2 = incident_from(&later);
        inc2.places.clear();
        let named = ["ansongo".to_string(), "labbezanga".to_string()];
        let e2 = StoryEvidence {
            facts: &first,
            simhash: u64::MAX,
            published: None,
            places: &named,
        };
        assert!(score(&e2, &inc2).unwrap().score >= 1.2);
    }

    #[test]
    fn a_round_up_s_other_town_a_week_later_is_another_attack() {
        // a round-up of 17 January named Tessalit and Aguelhok; Aguelhok is
        // attacked again on the 24th
        let first = facts("Tessalit", "Kidal", 20.20, 1.01, "2026-01-17", Some(2));
        let mut inc = incident_from(&first);
        inc.places = vec!["tessalit".into(), "aguelhok".into()];
        let days = |day: &str| {
            let later = facts("Aguelhok", "Kidal", 19.46, 0.86, day, Some(2));
            score(&ev(&later), &inc).unwrap().score
        };
        assert!(days("2026-01-18") >= 1.2, "the next day: one incident");
        assert!(
            days("2026-01-24") < 1.2,
            "a week later: {}",
            days("2026-01-24")
        );
    }

    #[test]
    fn generic_actor_gives_way_to_specific() {
        let mut a = vec![
            "Islamic State".to_string(),
            "JNIM".into(),
            "Islamic State Sahel Province".into(),
            "JNIM".into(),
        ];
        tidy_actors(&mut a);
        assert_eq!(a, vec!["JNIM", "Islamic State Sahel Province"]);
    }

    #[test]
    fn country_conflict_rules_out() {
        let a = facts("Teguey", "Tillaberi", 14.13, 0.95, "2024-03-20", Some(12));
        let inc = incident_from(&a);
        let mut b = a.clone();
        b.country = Some("ML".into());
        assert!(score(
            &StoryEvidence {
                facts: &b,
                simhash: 1,
                published: None,
                places: &[],
            },
            &inc
        )
        .is_none());
    }

    #[test]
    fn merge_takes_higher_toll_claim_and_precise_place() {
        let mut vague = facts("Tillaberi", "Tillaberi", 14.2, 1.45, "2024-03-20", Some(12));
        vague.precision = Some(Precision::Admin1);
        let mut inc = incident_from(&vague);
        let mut later = facts("Teguey", "Tillaberi", 14.13, 0.95, "2024-03-22", Some(23));
        later.event_date = None;
        later.claimed = true;
        later.actors = vec!["Islamic State Sahel Province".into()];
        let ch = merge(
            &mut inc,
            &later,
            Some("2024-03-22".parse().unwrap()),
            0.8,
            5,
            &[],
            Utc::now(),
        );
        assert_eq!(inc.killed, Some(23));
        assert_eq!(inc.location.as_deref(), Some("Teguey"));
        assert_eq!(
            inc.event_date,
            Some("2024-03-20".parse().unwrap()),
            "fallback dates never move an incident later"
        );
        assert!(inc.claimed);
        assert_eq!(inc.revision, 2);
        assert!(ch.iter().any(|c| c == "killed 12 → 23"), "{ch:?}");
        assert!(ch.iter().any(|c| c.starts_with("claimed by")), "{ch:?}");
    }
}
