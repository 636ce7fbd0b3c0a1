//! Incident-fact extraction from the main incident's sentences: the title,
//! the lead and the body sentences that are not about older incidents.

use chrono::NaiveDate;

use crate::dates::{DKind, LexHit};
use crate::doc::{clause_start, Doc, Zone};
use crate::lexicon::{
    actors, is_state, state_forces_of, AType, ActorKind, Cat, Noun, ACTOR_AQ, ACTOR_GUNMEN,
    ACTOR_IS, ACTOR_ISSP, ACTOR_ISWAP, ACTOR_JNIM,
};
use crate::text::span_after;
use crate::{Facts, PlaceKind, PlaceSource, Precision, Victims};

/// What a number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Killed,
    Wounded,
    Abducted,
    Attackers,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Toll {
    pub sent: usize,
    pub start: usize,
    pub end: usize,
    pub value: u32,
    pub role: Role,
    pub vague: bool,
    pub noun: Option<Noun>,
}

impl Toll {
    /// The toll a number of sentence `sent` gives.
    fn of(sent: usize, n: &crate::numbers::Num, role: Role, noun: Option<Noun>) -> Toll {
        Toll {
            sent,
            start: n.start,
            end: n.end,
            value: n.value,
            role,
            vague: n.vague,
            noun,
        }
    }
}

/// Words that may sit between a verb and its number ("killed at least 40").
const QUALIFIERS: &[&str] = &[
    "at",
    "least",
    "more",
    "than",
    "over",
    "nearly",
    "almost",
    "about",
    "around",
    "some",
    "up",
    "to",
    "as",
    "many",
    "much",
    "approximately",
    "roughly",
    "an",
    "estimated",
    "a",
    "total",
    "of",
    "au",
    "moins",
    "plus",
    "de",
    "d'",
    "pres",
    "environ",
    "quelque",
    "quelques",
    "pas",
    "moins",
    "rose",
    "risen",
    "stands",
    "stood",
    "hits",
    "hit",
    "reached",
    "passe",
    "a",
    "s'eleve",
    "eleve",
    "est",
    "the",
    "people",
    "were",
    "was",
    "have",
    "been",
    "has",
    "had",
    "on",
    "and",
    "et",
    "en",
    "tout",
    "in",
    "all",
    "officially",
    "now",
    "s'est",
    "alourdi",
    "alourdit",
    "climbed",
    "jumped",
    "another",
    "autres",
    "other",
    "further",
    "new",
    "nouveau",
    "nouveaux",
    "nos",
    "our",
    "their",
    "leurs",
    "its",
    "ses",
    "his",
    "revised",
    "upwards",
    "passed",
    "exceeded",
    "depasse",
    "atteint",
    "reach",
    "reaches",
    "rises",
    "rising",
    "stand",
    "s'elevait",
    "put",
    "the",
    "number",
    "nombre",
    "figure",
    "chiffre",
    "counted",
    "compte",
    "fait",
    "etat",
    "faisait",
    "with",
    "avec",
];

fn only_qualifiers(s: &str) -> bool {
    s.split(|c: char| {
        c == ' '
            || c == ','
            || c == '\''
            || c == '"'
            || c == '('
            || c == ')'
            || c == '-'
            || c == ':'
    })
    .filter(|w| !w.is_empty())
    .all(|w| QUALIFIERS.contains(&w) || w == "d" || w == "l" || w == "s")
}

const UNIT_WORDS: &[&str] = &[
    "year",
    "years",
    "ans",
    "an",
    "day",
    "days",
    "jours",
    "jour",
    "hours",
    "heures",
    "hour",
    "heure",
    "minutes",
    "km",
    "kilometres",
    "kilometers",
    "miles",
    "metres",
    "meters",
    "months",
    "mois",
    "weeks",
    "semaines",
    "percent",
    "pourcent",
    "tonnes",
    "tons",
    "francs",
    "cfa",
    "dollars",
    "euros",
    "vehicles",
    "vehicules",
    "motorbikes",
    "motos",
    "films",
    "goals",
    "buts",
    "times",
    "fois",
    "year-old",
    "seats",
    "sieges",
    "edition",
    "editions",
    "provinces",
    "regions",
    "countries",
    "pays",
    "communes",
    "villages",
    "hectares",
    "heads",
    "tetes",
    "cattle",
    "cows",
    "goats",
    "sheep",
    "camels",
    "donkeys",
    "animals",
    "boeufs",
    "bovins",
    "animaux",
    "chameaux",
    "moutons",
    "chevres",
    "anes",
    "o'clock",
    "gmt",
    "am",
    "pm",
    "h",
    "kilometre",
    "kilometer",
    "mile",
    "metre",
    "week",
    "month",
    "semaine",
    "millimetres",
    "mm",
    "candidates",
    "parties",
    "partis",
    "rounds",
    "projects",
    "mines",
];

/// Casualty figures of the whole document (background clauses excluded).
pub(crate) fn tolls(d: &Doc<'_>) -> Vec<Toll> {
    let text = &d.f.text;
    let mut out = Vec::new();
    let mut split: Vec<(u32, u32)> = Vec::new();
    for si in 0..d.sents.len() {
        let s = &d.sents[si];
        let nums = d.nums_of(si);
        let lex = d.lex_of(si);
        let dates = d.dates_of(si);
        for (ni, n) in nums.iter().enumerate() {
            if n.not_count || n.year_like || n.value == 0 || n.start >= s.bg_from {
                continue;
            }
            if d.in_dateline(n.start) {
                continue;
            }
            if dates.iter().any(|c| c.start <= n.start && n.end <= c.end) {
                continue;
            }
            // "Pier Luigi Maccalli, 57, was kidnapped": an age in apposition
            if n.value < 110
                && text[s.start..n.start].ends_with(", ")
                && text[n.end..s.end].starts_with([',', ')'])
            {
                continue;
            }
            // Unit after the number ("three days", "40 km").
            let after = text[n.end..s.end].trim_start_matches([' ', '-']);
            let next_word: &str = after
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '\''))
                .next()
                .unwrap_or("");
            if UNIT_WORDS.contains(&next_word) {
                continue;
            }
            let next_num = nums.get(ni + 1).map(|x| x.start).unwrap_or(s.end);
            let prev_num_end = if ni > 0 { nums[ni - 1].end } else { s.start };
            if let Some((role, noun)) =
                classify_number(text, lex, n.start, n.end, next_num, prev_num_end, s.end)
            {
                out.push(Toll::of(si, n, role, noun));
            } else if let Some(t) = listed_before(d, si, ni) {
                // "30 militaires nigeriens et deux soldats nigerians ont ete
                // tues": a figure listed with the next one shares its verb.
                out.push(t);
            } else if let Some(t) = listed_after(d, si, ni, out.last()) {
                // "ont tue deux soldats et trois civils": a figure listed
                // after one with a verb shares it.
                out.push(t);
            }
        }
        single_victims(d, si, &mut out);
        attackers_among(d, si, &mut out, &mut split);
    }
    // The same figure elsewhere ("Nara : douze morts" in the title) counted
    // the attackers too.
    for &(whole, victims) in &split {
        for t in out.iter_mut() {
            if t.role == Role::Killed && t.value == whole {
                t.value = victims;
            }
        }
    }
    sum_lists(text, &mut out);
    out.retain(|t| t.value < 5000);
    out
}

/// "Douze morts dont neuf assaillants", "12 dead, including nine attackers",
/// "twelve killed, six of them attackers": the attackers among a toll are
/// not its victims. The toll before them loses them (recorded in `split` as
/// whole and victims); they become the attackers' toll.
fn attackers_among(d: &Doc<'_>, si: usize, out: &mut Vec<Toll>, split: &mut Vec<(u32, u32)>) {
    const AMONG: &[&str] = &[
        "dont ",
        "dont au moins ",
        "including ",
        "including at least ",
        "among them ",
        "parmi lesquels ",
        "parmi eux ",
    ];
    const OF_THEM: &[&str] = &["of them ", "d'entre eux ", "parmi eux "];
    let text = &d.f.text;
    let lex = d.lex_of(si);
    for n in d.nums_of(si) {
        if n.not_count || n.year_like || n.value == 0 {
            continue;
        }
        let mut a = n.start.saturating_sub(24);
        while !text.is_char_boundary(a) {
            a += 1;
        }
        let before = &text[a..n.start];
        let rest = text[n.end..d.sents[si].end].trim_start();
        let (of_them, after) = match OF_THEM.iter().find_map(|o| rest.strip_prefix(o)) {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if !(of_them || AMONG.iter().any(|c| before.ends_with(c))) {
            continue;
        }
        let noun_at = text.len() - after.len();
        let attackers = lex.iter().any(|h| {
            h.start == noun_at
                && matches!(h.cat, Cat::Noun(Noun::Attacker) | Cat::Attack(..))
                && !matches!(h.cat, Cat::Attack(_, AType::Abduction))
        });
        if !attackers {
            continue;
        }
        // The victims' toll it belongs to: the nearest killed figure before.
        let Some(t) = out
            .iter_mut()
            .filter(|t| t.sent == si && t.role == Role::Killed && t.end <= n.start)
            .max_by_key(|t| t.end)
        else {
            continue;
        };
        if t.value <= n.value {
            continue;
        }
        split.push((t.value, t.value - n.value));
        t.value -= n.value;
        out.retain(|x| x.start != n.start);
        out.push(Toll::of(si, n, Role::Attackers, Some(Noun::Attacker)));
    }
}

/// Words of a list of victims between two figures: nouns, nationalities,
/// "and", commas.
fn list_link(between: &str) -> bool {
    let b = between.trim();
    let joined =
        b.ends_with(" and") || b.ends_with(" et") || b.ends_with(',') || b == "and" || b == "et";
    joined
        && b.len() <= 60
        && ![
            "including",
            "among",
            "dont",
            "parmi",
            "of whom",
            "of them",
            "with",
            "avec",
            "while",
            "alors",
            "tandis",
            "soit",
            "namely",
            "(",
            "i.e",
        ]
        .iter()
        .any(|w| b.contains(w))
}

/// Two figures listed together: a list's link between `from` and `to`
/// ("and", a comma) and no verb or toll word of their own between them.
fn bare_list_link(text: &str, lex: &[LexHit], from: usize, to: usize) -> bool {
    list_link(&text[from..to])
        && !lex
            .iter()
            .any(|h| h.start >= from && h.end <= to && toll_word(h.cat))
}

/// A figure without a verb of its own, listed before a figure that has one:
/// it takes that figure's role ("30 soldiers from Niger and two from
/// Nigeria were killed").
fn listed_before(d: &Doc<'_>, si: usize, ni: usize) -> Option<Toll> {
    let text = &d.f.text;
    let nums = d.nums_of(si);
    let n = nums[ni];
    let next = nums.get(ni + 1)?;
    let lex = d.lex_of(si);
    if !bare_list_link(text, lex, n.end, next.start) {
        return None;
    }
    let s = &d.sents[si];
    let after = nums.get(ni + 2).map(|x| x.start).unwrap_or(s.end);
    let (role, noun2) = classify_number(text, lex, next.start, next.end, after, n.end, s.end)?;
    let noun = lex
        .iter()
        .find(|h| h.start >= n.end && h.end <= next.start)
        .and_then(|h| match h.cat {
            Cat::Noun(x) => Some(x),
            _ => None,
        })
        .or(noun2);
    Some(Toll::of(si, &n, role, noun))
}

/// A figure without a verb of its own, listed after the figure just counted
/// (`last`): it takes that figure's role ("killed two soldiers and three
/// civilians", "a abattu un enseignant et un habitant"), when a victim noun
/// follows it.
fn listed_after(d: &Doc<'_>, si: usize, ni: usize, last: Option<&Toll>) -> Option<Toll> {
    let text = &d.f.text;
    let nums = d.nums_of(si);
    let (n, prev) = (nums[ni], nums.get(ni.checked_sub(1)?)?);
    let last = last.filter(|t| t.sent == si && t.start == prev.start && !t.vague)?;
    let lex = d.lex_of(si);
    // a bare link between them, and the figure's own victims right after it
    if !bare_list_link(text, lex, prev.end, n.start) {
        return None;
    }
    let noun = lex
        .iter()
        .find(|h| h.start >= n.end)
        .and_then(|h| match h.cat {
            Cat::Noun(x) if x != Noun::Attacker && h.start <= n.end + 24 => Some(x),
            _ => None,
        })?;
    Some(Toll::of(si, &n, last.role, Some(noun)))
}

/// Figures of one role listed together in one sentence ("two gendarmes and
/// four civilians were killed") also count as their sum.
fn sum_lists(text: &str, out: &mut Vec<Toll>) {
    let mut sums = Vec::new();
    let mut i = 0;
    while i < out.len() {
        let mut j = i;
        let mut total = out[i].value;
        // Named victims only ("two gendarmes and four civilians"): "15
        // morts, un kamikaze" is no list of victims.
        let named = |t: &Toll| matches!(t.noun, Some(Noun::Mil | Noun::Civ | Noun::People));
        while named(&out[i])
            && j + 1 < out.len()
            && named(&out[j + 1])
            && out[j + 1].sent == out[i].sent
            && out[j + 1].role == out[i].role
            && !out[j + 1].vague
            && out[j + 1].start > out[j].end
            && list_link(&text[out[j].end..out[j + 1].start])
        {
            j += 1;
            total += out[j].value;
        }
        if j > i && !out[i].vague {
            sums.push(Toll {
                end: out[j].end,
                value: total,
                ..out[i]
            });
        }
        i = j + 1;
    }
    out.extend(sums);
}

/// Passive auxiliaries between a victim and its verb ("a soldier was killed").
const PASSIVE: &[&str] = &[
    "was",
    "has been",
    "had been",
    "was reportedly",
    "was also",
    "a ete",
    "avait ete",
    "a egalement ete",
];

/// What may link a singular victim to its verb: a passive auxiliary, also
/// after the victim's place or name ("le maire de Koutougou Hamidou Koundaba
/// a ete abattu", "the mayor of Ouahigouya was shot dead"); nothing in a
/// headline ("un maire abattu"); "est", "a" ("un soldat est mort").
fn passive_link(link: &str) -> bool {
    if link.is_empty() || matches!(link, "est" | "a") || PASSIVE.contains(&link) {
        return true;
    }
    PASSIVE.iter().any(|p| {
        link.strip_suffix(p)
            .and_then(|pre| pre.strip_suffix(' '))
            .is_some_and(|pre| {
                pre.len() <= 48
                    && ["de ", "du ", "d'", "of ", "from "]
                        .iter()
                        .any(|q| pre.starts_with(q))
                    && !pre.contains([',', ';', ':', '.', '(', ')'])
            })
    })
}

/// One victim named with an article: "killed a farmer", "a soldier was
/// killed", "un enseignant a ete assassine", "the driver was shot dead".
fn single_victims(d: &Doc<'_>, si: usize, out: &mut Vec<Toll>) {
    let text = &d.f.text;
    let s = &d.sents[si];
    let lex = d.lex_of(si);
    let role_of = |c: Cat| match c {
        Cat::Kill => Some(Role::Killed),
        Cat::Wound => Some(Role::Wounded),
        Cat::Abduct => Some(Role::Abducted),
        _ => None,
    };
    for (k, h) in lex.iter().enumerate() {
        let Some(role) = role_of(h.cat) else { continue };
        if h.start >= s.bg_from || d.in_dateline(h.start) {
            continue;
        }
        // Verb, article, noun: "killed a farmer", "a tue un enseignant",
        // "killed the village chief" (the definite article with a noun of one).
        let after = span_after(text, h.end, s.end, 8);
        let indefinite_after = [" a ", " an ", " un ", " une "]
            .iter()
            .any(|a| after.starts_with(a));
        let definite_after = [" the ", " le ", " la ", " l'"]
            .iter()
            .any(|a| after.starts_with(a));
        // "the lives of a number of soldiers" is no one victim
        let quantity = span_after(text, h.end, s.end, 24)
            .split(' ')
            .take(3)
            .any(|w| QUANTITY_NOUNS.contains(&w));
        let victim_after = if (indefinite_after || definite_after) && !quantity {
            lex[k + 1..].iter().take(3).find_map(|x| match x.cat {
                Cat::Noun(n)
                    if x.start <= h.end + 28
                        && n != Noun::Attacker
                        && (indefinite_after || one_of(&text[x.start..x.end])) =>
                {
                    Some((n, x))
                }
                _ => None,
            })
        } else {
            None
        };
        // "opened fire on two youths, killing one of them", "tuant l'un
        // d'eux": one of the people just named.
        let one_of_them = victim_after.is_none()
            && role == Role::Killed
            && [
                " one of them",
                " one of the ",
                " l'un d'eux",
                " l'un d'entre eux",
                " l'une d'elles",
            ]
            .iter()
            .any(|p| span_after(text, h.end, s.end, 24).starts_with(p));
        // "Militiamen killed a Dozo", "killed a presumed cattle thief": a
        // killing's object after an indefinite article is one victim, named
        // by a noun the lexicon lacks.
        let unnamed_after = if one_of_them {
            Some((h.end + 12).min(s.end))
        } else {
            (victim_after.is_none() && indefinite_after && !quantity && role == Role::Killed)
                .then(|| unnamed_victim(text, h.end, s.end))
                .flatten()
                // "shot dead a would-be suicide bomber", "killed a JNIM leader":
                // an attacker is no victim
                .filter(|&end| {
                    !lex[k + 1..]
                        .iter()
                        .any(|x| x.start < end && armed_word(x.cat))
                })
        };
        // Article, noun, singular passive: "a soldier was killed".
        // (the hit before the verb's words: a form of two categories,
        // "shot dead", has a hit of each on the same words)
        let victim_before = lex[..k]
            .iter()
            .rev()
            .find(|x| x.end <= h.start)
            .and_then(|x| match x.cat {
                Cat::Noun(n) if n != Noun::Attacker => Some((n, x)),
                _ => None,
            })
            .filter(|(_, x)| {
                let link = text.get(x.end..h.start).unwrap_or("").trim();
                passive_link(link) && {
                    // the article, maybe one or two words before the noun:
                    // "an Italian tourist was killed", "a young farmer"
                    let pre = text[s.start..x.start].trim_end();
                    let mut words = pre.rsplit([' ', '\'']);
                    let article = |w: &str| {
                        matches!(w, "a" | "an" | "un" | "une" | "the" | "le" | "la" | "l")
                    };
                    let qualifier = |w: &str| {
                        !w.is_empty()
                            && w.chars().all(|c| c.is_alphabetic() || c == '-')
                            && !QUANTITY_NOUNS.contains(&w)
                            && !matches!(
                                w,
                                "of" | "and" | "et" | "de" | "des" | "du" | "other" | "autre"
                            )
                            && !ARMED_QUALIFIERS.contains(&w)
                    };
                    // "a rebel leader was killed": an armed side's word
                    // between them makes the noun an attacker
                    let armed_between = lex[..k]
                        .iter()
                        .any(|y| y.end <= x.start && y.start + 24 >= x.start && armed_word(y.cat));
                    let w1 = words.next().unwrap_or("");
                    article(w1)
                        || !armed_between && {
                            let w2 = words.next().unwrap_or("");
                            qualifier(w1)
                                && (article(w2)
                                    || (qualifier(w2) && article(words.next().unwrap_or(""))))
                        }
                }
            });
        // The plural passive after a list of singular victims: "un
        // directeur d'ecole et un villageois ... ont ete abattus".
        let list_before = listed_victims_before(text, lex, k, s.start);
        let (noun, b, value, a) = if let Some((noun, x)) = victim_after {
            let n = 1 + more_listed_after(text, &lex[k + 1..], x.end, s.end);
            (Some(noun), x.end.max(h.end), n, x.start.min(h.start))
        } else if let Some(end) = unnamed_after {
            // no noun hit: the toll runs from the verb to the unnamed noun
            (None, end, 1, h.start)
        } else if let Some((noun, first, n)) = list_before {
            (Some(noun), h.end, n, first)
        } else if let Some((noun, x)) = victim_before {
            (Some(noun), x.end.max(h.end), 1, x.start)
        } else {
            continue;
        };
        // A figure already counted for this role in the clause wins; a
        // list of several ("un enseignant et un habitant": its articles read
        // as figures of one) outweighs the figures of one inside it.
        let overlaps = |t: &Toll| t.sent == si && t.role == role && t.start.abs_diff(a) < 60;
        if value > 1 {
            let ones = |n: &crate::numbers::Num| n.start >= a && n.end <= b && n.value != 1;
            if d.nums_of(si).iter().any(ones) || out.iter().any(|t| overlaps(t) && t.value >= value)
            {
                continue;
            }
            out.retain(|t| !(overlaps(t) && t.start >= a && t.end <= b));
        } else if out.iter().any(overlaps)
            // a figure of its own counts it ("killed a further three"),
            // but the "one" of "one of them" is this victim
            || !one_of_them && d.nums_of(si).iter().any(|n| n.start >= a && n.end <= b)
        {
            continue;
        }
        out.push(Toll {
            sent: si,
            start: a,
            end: b,
            value,
            role,
            vague: false,
            noun,
        });
    }
}

/// A word of an armed side: an attacker, an attack's word, a group's name.
fn armed_word(c: Cat) -> bool {
    matches!(
        c,
        Cat::Noun(Noun::Attacker) | Cat::Attack(..) | Cat::Actor(_)
    )
}

/// A noun of one: "the village chief", "le maire", not "the soldiers",
/// "the police" or "the army".
fn one_of(noun: &str) -> bool {
    const MANY: &[&str] = &[
        "police",
        "army",
        "personnel",
        "staff",
        "militia",
        "military",
        "fama",
        "vdp",
        "fds",
        "faithful",
        "population",
        "displaced",
        "people",
        "armee",
        "gendarmerie",
    ];
    let last = noun.rsplit(' ').next().unwrap_or(noun);
    !last.ends_with(['s', 'x']) && !MANY.contains(&last)
}

/// The end of an unnamed victim after a killing's indefinite article: one
/// to three words up to a preposition, a conjunction or a stop ("killed a
/// Dozo in", "a presumed cattle thief."), when none is a quantity, a unit
/// of time or a number ("killed a total of", "a day after", "a further
/// three").
fn unnamed_victim(text: &str, verb_end: usize, sent_end: usize) -> Option<usize> {
    const STOP: &[&str] = &[
        "in", "at", "on", "near", "from", "of", "with", "and", "who", "while", "after", "before",
        "during", "as", "when", "whom", "outside", "inside", "by", "dans", "a", "au", "aux", "de",
        "du", "des", "pres", "et", "qui", "lors", "pendant", "apres", "avant", "sur", "entre",
        "par",
    ];
    const NOT_ONE: &[&str] = &[
        "total", "further", "day", "week", "month", "year", "time", "lot", "record", "majority",
        "third", "half", "quarter", "jour", "semaine", "mois", "fois", "moyenne", "bit", "dozen",
        "hundred", "thousand", "second", "first", "large", "small", "minimum", "maximum",
    ];
    let span = span_after(text, verb_end, sent_end, 60);
    let art = [" a ", " an ", " un ", " une "]
        .into_iter()
        .find(|a| span.starts_with(a))?;
    let mut end = verb_end + art.len();
    let mut words = 0;
    for token in span[art.len()..].split(' ') {
        let word = token.trim_end_matches([',', '.', ';', ':', ')', '"']);
        if word.is_empty() || STOP.contains(&word) {
            break;
        }
        if NOT_ONE.contains(&word) || word.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        words += 1;
        end += usize::from(words > 1) + word.len();
        if words == 3 || word.len() != token.len() {
            break;
        }
    }
    (words > 0).then_some(end)
}

/// Words that make the noun after them an armed side's: "a rebel leader",
/// "un chef jihadiste".
const ARMED_QUALIFIERS: &[&str] = &[
    "rebel",
    "jihadist",
    "islamist",
    "militant",
    "terrorist",
    "insurgent",
    "armed",
    "enemy",
    "separatist",
    "extremist",
    "rebelle",
    "jihadiste",
    "djihadiste",
    "terroriste",
    "islamiste",
];

/// Nouns of quantity after an article: "a number of", "a few", "une dizaine de".
const QUANTITY_NOUNS: &[&str] = &[
    "number",
    "few",
    "couple",
    "handful",
    "group",
    "series",
    "dozen",
    "score",
    "nombre",
    "dizaine",
    "vingtaine",
    "trentaine",
    "centaine",
    "quinzaine",
    "serie",
    "groupe",
];

/// Is `w` an indefinite article ("a", "an", "un", "une")?
fn indefinite(w: &str) -> bool {
    matches!(w, "a" | "an" | "un" | "une")
}

/// The last word of `pre` (after a space or an apostrophe).
fn last_word(pre: &str) -> &str {
    pre.trim_end().rsplit([' ', '\'']).next().unwrap_or("")
}

/// How many more singular victims follow the first one ("killed a
/// teacher and a villager", "a tue un enseignant, un eleve et un
/// habitant"): each an indefinite article and a victim noun, joined by a
/// comma or "and"/"et" to the one before, within a short qualifier.
fn more_listed_after(text: &str, rest: &[LexHit], mut end: usize, sent_end: usize) -> u32 {
    let mut n = 0;
    for x in rest {
        if x.start < end {
            continue;
        }
        if x.start > sent_end || x.start - end > 48 {
            break;
        }
        let gap = &text[end..x.start];
        if !matches!(x.cat, Cat::Noun(v) if v != Noun::Attacker) {
            // a verb or another toll word ends the list
            if ends_list(x.cat) {
                break;
            }
            continue;
        }
        let joined = gap.contains(" et ") || gap.contains(" and ") || gap.contains(", ");
        if !joined || !indefinite(last_word(gap)) || gap.contains(['.', ';', ':', '(']) {
            break;
        }
        n += 1;
        end = x.end;
    }
    n
}

/// A verb or noun of a toll ("killed", "wounded", "dead").
fn toll_word(c: Cat) -> bool {
    matches!(
        c,
        Cat::Kill | Cat::Wound | Cat::Abduct | Cat::Neutralise | Cat::Missing | Cat::DeadNoun
    )
}

/// A toll word or another noun: what ends a list of victims.
fn ends_list(c: Cat) -> bool {
    toll_word(c) || matches!(c, Cat::Noun(_))
}

/// Plural passive auxiliaries after a list of victims.
const PLURAL_PASSIVE: &[&str] = &[
    "ont ete",
    "ont tous ete",
    "ont tous deux ete",
    "were",
    "were both",
    "have been",
    "had been",
    "have both been",
];

/// A list of singular victims before a plural passive verb (the verb at
/// `lex[k]`): "a soldier and a civilian were killed", "un directeur
/// d'ecole et un villageois de la province du Soum, pres de la frontiere
/// avec le Mali, ont ete abattus". The first victim's noun, the list's
/// start and its length.
fn listed_victims_before(
    text: &str,
    lex: &[LexHit],
    k: usize,
    sent_start: usize,
) -> Option<(Noun, usize, u32)> {
    let h = &lex[k];
    let pre = text.get(sent_start..h.start)?.trim_end();
    let verb = &text[h.start..h.end];
    // the auxiliary before the verb, or in the lexicon's form ("ont ete abattus")
    if !PLURAL_PASSIVE.iter().any(|p| {
        pre.strip_suffix(p)
            .is_some_and(|b| b.is_empty() || b.ends_with([' ', ',']))
            || verb.strip_prefix(p).is_some_and(|v| v.starts_with(' '))
    }) {
        return None;
    }
    // the victims, last first: each an article and a noun, joined to the next
    let nouns: Vec<&LexHit> = lex[..k]
        .iter()
        .filter(|x| x.start >= sent_start && matches!(x.cat, Cat::Noun(v) if v != Noun::Attacker))
        .collect();
    let last = *nouns.last()?;
    // between the last victim and the verb: a qualifier, no other hit
    if h.start - last.end > 90
        || lex[..k]
            .iter()
            .any(|x| x.start >= last.end && x.end <= h.start && ends_list(x.cat))
    {
        return None;
    }
    let art = |x: &LexHit| indefinite(last_word(&text[sent_start..x.start]));
    if !art(last) {
        return None;
    }
    let mut n = 1u32;
    let mut first = last;
    for x in nouns.iter().rev().skip(1) {
        let gap = &text[x.end..first.start];
        let joined = gap.len() <= 48
            && (gap.contains(" et ") || gap.contains(" and ") || gap.contains(", "))
            && !gap.contains(['.', ';', ':', '(']);
        if !joined || !art(x) {
            break;
        }
        n += 1;
        first = x;
    }
    let Cat::Noun(noun) = first.cat else {
        return None;
    };
    (n >= 2).then_some((noun, first.start, n))
}

fn classify_number(
    text: &str,
    lex: &[LexHit],
    ns: usize,
    ne: usize,
    next_num: usize,
    prev_num_end: usize,
    send: usize,
) -> Option<(Role, Option<Noun>)> {
    // "three of the wounded", "deux d'entre eux": a part of a figure given
    // elsewhere, not a figure of its own.
    let rest = span_after(text, ne, send, 16);
    if [
        " of the ",
        " of them",
        " of those",
        " d'entre ",
        " parmi les ",
    ]
    .iter()
    .any(|p| rest.starts_with(p))
    {
        return None;
    }
    let mut noun: Option<Noun> = None;
    let mut prev_end = ne;
    let mut fwd: Option<Role> = None;
    let limit = next_num.min(send);
    let verb_of_next = |h: &LexHit| {
        // "killed 77 people and wounded 255": the verb after a conjunction
        // that is directly followed by a number belongs to that number.
        let pre = &text[ne..h.start];
        let conj = pre.ends_with(" and ") || pre.ends_with(" et ") || pre.ends_with(", ");
        let post = span_after(text, h.end, send, 16).trim_start();
        let post = post
            .strip_prefix("at least ")
            .or_else(|| post.strip_prefix("more than "))
            .or_else(|| post.strip_prefix("au moins "))
            .or_else(|| post.strip_prefix("plus de "))
            .unwrap_or(post);
        conj && (post.as_bytes().first().is_some_and(u8::is_ascii_digit)
            || (next_num >= h.end && next_num - h.end <= 16))
    };
    // "abducted at least nine people, most of them women, and killed a man":
    // a verb right before the number is its verb; one in a later clause
    // belongs to that clause.
    let verb_before = lex.iter().rev().any(|h| {
        h.end <= ns
            && h.start >= prev_num_end
            && matches!(
                h.cat,
                Cat::Kill | Cat::Wound | Cat::Abduct | Cat::Neutralise
            )
            && ns - h.end <= 32
            && only_qualifiers(&text[h.end..ns])
    });
    for h in lex.iter().filter(|h| h.start >= ne && h.start < limit) {
        let gap = h.start.saturating_sub(prev_end);
        let dist = h.start - ne;
        if matches!(
            h.cat,
            Cat::Kill | Cat::Wound | Cat::Abduct | Cat::Neutralise
        ) && (verb_of_next(h)
            || (verb_before && {
                let between = &text[ne..h.start];
                between.contains(" and ") || between.contains(" et ") || between.contains(", ")
            }))
        {
            break;
        }
        if noun.is_none() && gap > 30 {
            break;
        }
        if dist > 80 {
            break;
        }
        match h.cat {
            Cat::DeadNoun if dist <= 30 => {
                fwd = Some(if noun == Some(Noun::Attacker) {
                    Role::Attackers
                } else {
                    Role::Killed
                });
                break;
            }
            Cat::Kill if dist <= 60 => {
                fwd = Some(if noun == Some(Noun::Attacker) {
                    Role::Attackers
                } else {
                    Role::Killed
                });
                break;
            }
            Cat::Wound if dist <= 50 => {
                if noun != Some(Noun::Attacker) {
                    fwd = Some(Role::Wounded);
                }
                break;
            }
            Cat::Abduct if dist <= 50 => {
                fwd = Some(Role::Abducted);
                break;
            }
            Cat::Neutralise if dist <= 60 => {
                fwd = Some(Role::Attackers);
                break;
            }
            Cat::Missing if dist <= 40 => return None,
            Cat::Missing => break,
            Cat::Noun(x) if noun.is_none() || noun == Some(Noun::People) => {
                noun = Some(x);
            }
            // "84 fighters of the Wagner group": the victims' side.
            Cat::Actor(a) if is_state(a) && noun == Some(Noun::Attacker) && gap <= 25 => {
                noun = Some(Noun::Mil);
            }
            Cat::Attack(..) | Cat::Generic(_) if noun == Some(Noun::Attacker) => break,
            Cat::Announce if noun.is_none() => break,
            _ => {}
        }
        prev_end = prev_end.max(h.end);
    }
    if let Some(r) = fwd {
        return Some((r, noun));
    }
    // Backwards: "killed 77", "toll rose to 86", "wounded 255".
    for (hi, h) in lex
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, h)| h.end <= ns && h.start >= prev_num_end)
    {
        let between = &text[h.end..ns];
        // "the number of people killed in the strike has risen to 11", "le
        // bilan de l'attaque s'est alourdi à 30": a toll or killing word
        // earlier in the clause, then the rise.
        if h.cat == Cat::TollRise {
            if !only_qualifiers(between) {
                continue;
            }
            let toll_before = lex[..hi].iter().rev().any(|t| {
                t.start >= prev_num_end
                    && h.start - t.end <= 120
                    && matches!(t.cat, Cat::Toll | Cat::Kill | Cat::DeadNoun)
            });
            if toll_before {
                let role = if noun == Some(Noun::Attacker) {
                    Role::Attackers
                } else {
                    Role::Killed
                };
                return Some((role, noun));
            }
            continue;
        }
        if between.len() > 32 || !only_qualifiers(between) {
            // Allow one noun between verb and number for tolls only.
            if !(matches!(h.cat, Cat::Toll) && between.len() <= 40) {
                continue;
            }
        }
        let role = match h.cat {
            Cat::Kill | Cat::KillBefore | Cat::Toll | Cat::DeadNoun => {
                if noun == Some(Noun::Attacker) {
                    Role::Attackers
                } else {
                    Role::Killed
                }
            }
            Cat::Neutralise => Role::Attackers,
            Cat::Wound => Role::Wounded,
            Cat::Abduct => Role::Abducted,
            _ => continue,
        };
        if matches!(h.cat, Cat::Toll | Cat::DeadNoun | Cat::KillBefore)
            && noun.is_none()
            && between.len() > 24
        {
            continue;
        }
        return Some((role, noun));
    }
    None
}

/// The main event date and the kind of cue it came from.
/// Stories about incidents older than this are retrospectives.
pub(crate) const MAX_AGE_DAYS: i64 = 15;

pub(crate) fn event_date(d: &Doc<'_>, _x: Option<()>) -> Option<(NaiveDate, DKind)> {
    let pub_date = d.pub_date;
    let violent = |si: usize| {
        let mut v = 0.0f32;
        for h in d.lex_of(si) {
            if h.start >= d.sents[si].bg_from {
                continue;
            }
            v += match h.cat {
                // "Since Monday, the trial of the first terrorist attack...":
                // the day of a trial or an anniversary, not of the attack.
                Cat::Background(_) => return false,
                Cat::Attack(w, _) => w,
                Cat::Generic(_) | Cat::Kill | Cat::DeadNoun => 1.0,
                _ => 0.0,
            };
        }
        v >= 1.0
    };
    let ok = |c: &crate::dates::DateCue| pub_date.is_none_or(|p| c.date <= p);
    let pick = |si: usize, allow_announce: bool, kinds: &[DKind]| -> Option<(NaiveDate, DKind)> {
        let s = &d.sents[si];
        let lex = d.lex_of(si);
        let mut best: Option<(usize, &crate::dates::DateCue)> = None;
        for c in d.dates_of(si) {
            if !kinds.contains(&c.kind) || !ok(c) || c.start >= s.bg_from {
                continue;
            }
            if c.announce && !allow_announce {
                continue;
            }
            if d.in_dateline(c.start) {
                continue;
            }
            // "a councillor, who had escaped an attempt on his life in
            // November, was shot dead": a pluperfect's date is of an
            // earlier event, unless it tells the violence ("militants who
            // had attacked a village overnight").
            if let Some(had) = pluperfect(
                &d.f.text,
                clause_start(&d.f.text, s.start, c.start),
                c.start,
            ) {
                let violence = lex.iter().any(|h| {
                    h.start >= had
                        && h.end <= c.start
                        && matches!(h.cat, Cat::Attack(..) | Cat::Generic(_) | Cat::Kill)
                });
                if !violence {
                    continue;
                }
            }
            // "conducted between March 23 and 31", "entre le 23 et le 31
            // mars": a period; a day named elsewhere dates the incident better.
            if !allow_announce {
                let mut a = c.start.saturating_sub(12);
                while !d.f.text.is_char_boundary(a) {
                    a += 1;
                }
                let before = &d.f.text[a..c.start];
                if before.ends_with("between ")
                    || before.ends_with("entre le ")
                    || before.ends_with("entre ")
                {
                    continue;
                }
            }
            // Distance to the nearest violent word.
            let dist = lex
                .iter()
                .filter(|h| {
                    matches!(
                        h.cat,
                        Cat::Attack(..) | Cat::Generic(_) | Cat::Kill | Cat::DeadNoun
                    )
                })
                .map(|h| {
                    if h.start >= c.end {
                        h.start - c.end
                    } else {
                        c.start.saturating_sub(h.end)
                    }
                })
                .min()
                .unwrap_or(500);
            // "on Sunday in the second deadly attack this weekend": a day
            // named in the sentence dates it better than the weekend.
            let dist = if d.f.text[c.start..c.end].contains("week") {
                dist + 200
            } else {
                dist
            };
            if best.is_none_or(|(bd, _)| dist < bd) {
                best = Some((dist, c));
            }
        }
        best.map(|(_, c)| (c.date, c.kind))
    };
    let precise = [DKind::Explicit, DKind::Weekday, DKind::Relative];
    let n = d.sents.len();
    let head: Vec<usize> = (0..n).filter(|&i| d.sents[i].zone != Zone::Body).collect();
    for &si in &head {
        if violent(si) {
            if let Some(x) = pick(si, false, &precise) {
                return Some(x);
            }
        }
    }
    for &si in &head {
        if let Some(x) = pick(si, false, &precise) {
            return Some(x);
        }
    }
    // A head that tells violence without a date of its own is the news of
    // the day: a body date older than a retrospective's limit ("On May 28,
    // AQIM killed three peacekeepers", "since France sent troops on 11
    // January") is an older incident recalled, not this one's day.
    // Under a lead that is no sentence (the title repeated), the first body
    // paragraph is the lead ("NOUAKCHOTT — The bomber, killed on 25 August
    // at Nema, ..."), and a head with a date of its own ("Early 2012, a
    // rebellion broke out") is dated by it.
    let undated_news = head.iter().any(|&si| violent(si))
        && !head.iter().any(|&si| {
            d.dates_of(si)
                .iter()
                .any(|c| !c.announce && !d.in_dateline(c.start))
        });
    let lead_written = head.iter().any(|&si| {
        let s = &d.sents[si];
        s.zone == Zone::Lead
            && d.f.text[s.start..s.end]
                .trim_end()
                .ends_with(['.', '!', '?'])
    });
    // The lead's paragraph, and the next one under a lead that is no
    // sentence, end where this paragraph begins.
    let after_head = head.last().map_or(0, |&h| h + 1);
    let first_para_end = (after_head..n)
        .filter(|&i| d.sents[i].para_first)
        .nth(usize::from(!lead_written))
        .unwrap_or(n);
    let recent = |si: usize, x: (NaiveDate, DKind)| {
        let old = undated_news
            && si >= first_para_end
            && pub_date.is_some_and(|p| (p - x.0).num_days() > MAX_AGE_DAYS);
        (!old).then_some(x)
    };
    let mut body: Vec<usize> = (0..n)
        .filter(|&i| d.sents[i].zone == Zone::Body && violent(i))
        .collect();
    body.sort_by(|a, b| {
        d.sents[*b]
            .weight
            .total_cmp(&d.sents[*a].weight)
            .then(a.cmp(b))
    });
    for &si in body.iter().take(8) {
        if let Some(x) = pick(si, false, &precise).and_then(|x| recent(si, x)) {
            return Some(x);
        }
    }
    // Any sentence of the first paragraphs ("the troops were on a sweep on
    // Tuesday and Wednesday").
    for si in 0..n.min(head.len() + 10) {
        if d.sents[si].zone == Zone::Body {
            if let Some(x) = pick(si, false, &precise).and_then(|x| recent(si, x)) {
                return Some(x);
            }
        }
    }
    // An older month or year attached to the violence of the title or the
    // lead ("the massacre of late March 2022 ..., the UN said on Monday")
    // dates the incident better than the day of the statement.
    for &si in &head {
        if violent(si) {
            if let Some(x) = pick(si, false, &[DKind::MonthOnly, DKind::YearOnly]) {
                let old = pub_date.is_some_and(|p| (p - x.0).num_days() > 45);
                if old {
                    return Some(x);
                }
            }
        }
    }
    for &si in &head {
        if let Some(x) = pick(si, true, &precise) {
            return Some(x);
        }
    }
    for &si in &head {
        if let Some(x) = pick(si, true, &[DKind::Week]) {
            return Some(x);
        }
    }
    for &si in &head {
        if violent(si) {
            if let Some(x) = pick(si, true, &[DKind::MonthOnly, DKind::YearOnly]) {
                return Some(x);
            }
        }
    }
    None
}

/// Where the clause `text[from..to]` (folded) puts its verb in the
/// pluperfect ("had", "avait", "avaient"), unless a "that"/"que" opens a
/// clause of its own after it.
fn pluperfect(text: &str, from: usize, to: usize) -> Option<usize> {
    let mut at = None;
    let mut k = from;
    for w in text[from..to].split(|c: char| !c.is_ascii_alphanumeric()) {
        match w {
            "had" | "avait" | "avaient" => at = Some(k),
            "that" | "que" | "qu" => at = None,
            _ => {}
        }
        k += w.len() + 1;
    }
    at
}

/// Whether folded `text` calls a place the capital other than to measure
/// a distance from it ("550 miles from the capital", "a 200 km de la
/// capitale"): "in the capital", "la capitale Niamey".
fn capital_named(text: &str) -> bool {
    text.match_indices("capital")
        .any(|(k, _)| !crate::doc::distance_before(text, k))
}

pub(crate) struct Vote {
    pub best: Option<String>,
    /// Share of the best country in all the evidence.
    pub share: f32,
    /// (country, weight, folded start, end) in decreasing weight.
    pub evidence: Vec<(&'static str, f32, usize, usize)>,
}

const AFRICA: &[&str] = &[
    "DZ", "AO", "BJ", "BW", "BF", "BI", "CV", "CM", "CF", "TD", "KM", "CG", "CD", "CI", "DJ", "EG",
    "GQ", "ER", "SZ", "ET", "GA", "GM", "GH", "GN", "GW", "KE", "LS", "LR", "LY", "MG", "MW", "ML",
    "MR", "MU", "MA", "MZ", "NA", "NE", "NG", "RW", "ST", "SN", "SC", "SL", "SO", "ZA", "SS", "SD",
    "TZ", "TG", "TN", "UG", "EH", "ZM", "ZW",
];

/// A `'static` copy of a country code (codes are few; unknown ones leak once
/// per engine call at most, which never happens for ISO codes listed here).
fn intern_cc(cc: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "ML", "BF", "NE", "TD", "MR", "NG", "BJ", "TG", "GH", "DZ", "LY", "SD", "CM", "SN", "GN",
        "CI", "CF", "SO", "MZ", "KE", "CD", "MA", "EU", "XX", "FR", "RU", "US", "DE", "GB", "SS",
        "ET", "EG", "TN", "GM", "GW", "SL", "LR", "CG", "GA", "GQ", "ER", "DJ", "UG", "TZ", "RW",
        "BI", "AO", "ZM", "ZW", "MW", "ZA", "NA", "BW", "MG", "EH", "CV", "BE", "ES", "IT", "SY",
        "IQ", "AF", "PK", "TR", "UA", "IR", "CN", "SA", "AE", "QA", "IL", "PS", "YE",
    ];
    // The codes by their two letters, looked up rather than searched: this
    // runs for every place mention.
    static BY_LETTERS: std::sync::OnceLock<Vec<Option<&'static str>>> = std::sync::OnceLock::new();
    let slot = |c: &str| match c.as_bytes() {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    };
    let table = BY_LETTERS.get_or_init(|| {
        let mut t = vec![None; 26 * 26];
        for k in AFRICA.iter().chain(KNOWN.iter()) {
            let i = slot(k).expect("two capital letters");
            t[i] = t[i].or(Some(*k));
        }
        t
    });
    slot(cc).and_then(|i| table[i]).unwrap_or("XX")
}

/// Two-letter codes compared byte by byte (no `memcmp` call per code: this
/// runs for every place mention).
#[inline]
fn same_code(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn is_african(cc: &str) -> bool {
    AFRICA.iter().any(|k| same_code(k, cc))
}

fn kind_weight(k: PlaceKind) -> f32 {
    match k {
        PlaceKind::Country => 1.0,
        PlaceKind::Demonym => 0.9,
        PlaceKind::Admin1 | PlaceKind::Admin1New => 1.0,
        PlaceKind::Admin2 => 1.0,
        PlaceKind::Place => 1.0,
    }
}

/// Weight of one place mention as evidence of the incident's country.
fn mention_weight(d: &Doc<'_>, pi: usize) -> f32 {
    let ph = &d.places[pi];
    let s = &d.sents[ph.sent];
    let mut w = s.weight * ph.ctx;
    if ph.start >= s.bg_from {
        w *= 0.1;
    }
    if s.zone == Zone::Body && !s.has_kill && s.violence < 1.0 {
        w *= 0.5;
    }
    // "11 soldiers were killed in an attack on a base, as rival factions
    // surrounded the city of Timbuktu": a clause of something else.
    let before = &d.f.text.as_bytes()[s.start..ph.start];
    if memchr::memchr_iter(b',', before).any(|k| {
        let rest = &before[k + 1..];
        CONCURRENT.iter().any(|c| rest.starts_with(c.as_bytes()))
    }) {
        w *= 0.4;
    }
    w
}

/// What opens a clause about something going on at the same time (after a comma).
const CONCURRENT: &[&str] = &[" as ", " while ", " alors que ", " tandis que "];

/// A folded word that reads as a nationality ("nigerian", "nigerians",
/// "americain", "soudanaise", "senegalese"), not as a country or a place.
fn demonym_like(folded: &str) -> bool {
    const ENDS: [&str; 16] = [
        "ian", "ians", "ien", "iens", "ienne", "iennes", "ais", "aise", "aises", "ese", "ois",
        "oise", "oises", "ain", "ains", "aines",
    ];
    folded.len() >= 5 && !folded.contains(' ') && ENDS.iter().any(|e| folded.ends_with(e))
}

/// "Fighting kills 247" and further down "247 lives, including 225 rebel
/// combatants": a sentence that splits the headline's toll `k` into the
/// victims and the attackers; the victims' and the attackers' figures.
fn split_of(ts: &[Toll], k: u32) -> Option<(u32, u32)> {
    ts.iter()
        .filter(|t| t.role == Role::Attackers)
        .find_map(|a| {
            ts.iter()
                .find(|v| {
                    v.sent == a.sent
                        && v.role == Role::Killed
                        && v.value.checked_add(a.value) == Some(k)
                })
                .map(|v| (v.value, a.value))
        })
}

/// Whether the story gives the incident's wounded, abducted or attackers
/// killed: figures of an incident whose victims' toll, untold, is none
/// ("two gendarmes wounded", "a priest kidnapped", "the bomber died").
fn other_figures(f: &Facts) -> bool {
    f.wounded.is_some_and(|w| w > 0)
        || f.abducted.is_some_and(|a| a > 0)
        || f.attackers_killed.is_some_and(|a| a > 0)
}

/// Whether any sentence has a lexicon hit of `kind` outside its background
/// clauses.
fn told(d: &Doc<'_>, kind: impl Fn(Cat) -> bool) -> bool {
    (0..d.sents.len()).any(|si| {
        d.lex_of(si)
            .iter()
            .any(|h| h.start < d.sents[si].bg_from && kind(h.cat))
    })
}

/// Whether the story tells of deaths ("killed", "morts", "a massacre"),
/// counted or not.
fn tells_deaths(d: &Doc<'_>) -> bool {
    told(d, |c| {
        matches!(
            c,
            Cat::Kill | Cat::DeadNoun | Cat::Attack(_, AType::Massacre)
        )
    })
}

/// Whether the nationality at `start..end` (folded text) is an armed group's
/// origin: "le groupe djihadiste nigerian Boko Haram", "the Nigerian jihadist
/// group", "Nigerian Islamists". The group crosses borders; the scene is
/// where it struck.
fn names_a_group(text: &str, start: usize, end: usize) -> bool {
    const BEFORE: &[&str] = &[
        "groupe ",
        "groupe djihadiste ",
        "groupe jihadiste ",
        "groupe islamiste ",
        "groupe terroriste ",
        "groupe arme ",
        "secte ",
        "secte islamiste ",
        "mouvement islamiste ",
        "mouvement djihadiste ",
    ];
    const AFTER: &[&str] = &[
        " jihadist group",
        " islamist group",
        " islamic group",
        " militant group",
        " terror group",
        " terrorist group",
        " armed group",
        " islamist sect",
        " jihadist movement",
        " islamist movement",
        " jihadists",
        " islamists",
        " islamist militants",
        " insurgents",
    ];
    let before = text.get(start.saturating_sub(24)..start).unwrap_or("");
    let after = text.get(end..(end + 24).min(text.len())).unwrap_or("");
    BEFORE.iter().any(|b| before.ends_with(b)) || AFTER.iter().any(|a| after.starts_with(a))
}

/// Weighted vote over the countries named for the incident.
pub(crate) fn country_vote(d: &Doc<'_>) -> Vote {
    let gaz = d.engine.gazetteer();
    let watched = d.engine.watched_countries();
    let mut scores: Vec<(&'static str, f32)> = Vec::with_capacity(8);
    let mut evidence: Vec<(&'static str, f32, usize, usize)> = Vec::new();
    let add = |scores: &mut Vec<(&'static str, f32)>, cc: &'static str, w: f32| {
        if let Some(x) = scores.iter_mut().find(|x| same_code(x.0, cc)) {
            x.1 += w;
        } else {
            scores.push((cc, w));
        }
    };
    let mut ambiguous: Vec<(usize, f32)> = Vec::new();
    // Nationalities ("Nigerian soldiers", "l'humanitaire américain") say who
    // was there, not where: they count fully only where no place resolves.
    let mut demonyms: Vec<(&'static str, f32, usize, usize)> = Vec::new();
    let mut precise = 0.0f32;
    for pi in 0..d.places.len() {
        let ph = &d.places[pi];
        let s = &d.sents[ph.sent];
        let mut w = mention_weight(d, pi);
        if let Some(cc) = ph.foreign.filter(|_| ph.cands.is_empty()) {
            if matches!(cc, "EU" | "XX") {
                w *= 0.3;
            }
            if demonym_like(d.f.text.get(ph.start..ph.end).unwrap_or("")) {
                demonyms.push((cc, w, ph.start, ph.end));
                continue;
            }
            add(&mut scores, cc, w);
            evidence.push((cc, w, ph.start, ph.end));
            continue;
        }
        // A country named by its name is that country, not a foreign
        // region of the same name ("Niger", not Niger State).
        let country_cand = ph
            .cands
            .iter()
            .find(|&&c| gaz.places()[c as usize].kind == PlaceKind::Country);
        let p0 = &gaz.places()[*country_cand.unwrap_or(&ph.cands[0]) as usize];
        w *= kind_weight(p0.kind);
        if p0.kind == PlaceKind::Demonym {
            let cc = intern_cc(p0.country.as_str());
            // "French hostages killed in Niger", "the French embassy in
            // Ouagadougou": outsiders' nationality is the victims' or the
            // partners', as with their places below.
            let w = if is_african(cc) { w } else { w * 0.3 };
            demonyms.push((cc, w, ph.start, ph.end));
            continue;
        }
        if p0.source == PlaceSource::GeoNames {
            w *= 0.6;
        }
        let same = country_cand.is_some()
            || ph
                .cands
                .iter()
                .all(|&c| gaz.places()[c as usize].country == p0.country);
        if !same {
            ambiguous.push((pi, w));
            continue;
        }
        let cc = intern_cc(p0.country.as_str());
        if p0.kind != PlaceKind::Country && ph.start < s.bg_from {
            precise += w;
        }
        if !is_african(cc) {
            // French, Russian, American...: usually partners, not the scene.
            w *= 0.3;
        }
        if s.refugee && watched.iter().any(|x| x == cc) {
            w *= 0.25;
        }
        add(&mut scores, cc, w);
        evidence.push((cc, w, ph.start, ph.end));
    }
    let demonym_factor = if precise >= 0.5 { 0.35 } else { 1.0 };
    // Where a watched country is named ("French embassy attacked in Burkina
    // Faso"), outsiders' nationalities, however often repeated, are the
    // victims' or the partners'.
    let watched_named = scores
        .iter()
        .any(|&(cc, w)| w >= 0.5 && watched.iter().any(|x| x == cc));
    for (cc, w, s0, e0) in demonyms {
        let outsider = if watched_named && !is_african(cc) {
            0.2
        } else {
            1.0
        };
        let origin = if names_a_group(&d.f.text, s0, e0) {
            0.2
        } else {
            1.0
        };
        let w = w * demonym_factor * outsider * origin;
        add(&mut scores, cc, w);
        evidence.push((cc, w, s0, e0));
    }
    for (pi, w) in ambiguous {
        let ph = &d.places[pi];
        let mut best: Option<(&str, f32)> = None;
        for &c in &ph.cands {
            let cc = gaz.places()[c as usize].country.as_str();
            let sc = scores
                .iter()
                .find(|x| x.0 == cc)
                .map(|x| x.1)
                .unwrap_or(0.0)
                + if watched.iter().any(|x| x == cc) {
                    0.01
                } else {
                    0.0
                };
            if best.is_none_or(|(_, b)| sc > b) {
                best = Some((cc, sc));
            }
        }
        if let Some((cc, _)) = best {
            let cc = intern_cc(cc);
            add(&mut scores, cc, w * 0.7);
            evidence.push((cc, w * 0.7, ph.start, ph.end));
        }
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    evidence.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f32 = scores.iter().map(|x| x.1).sum();
    let best = scores
        .first()
        .filter(|x| x.1 > 0.05)
        .map(|x| x.0.to_string());
    let share = scores.first().map(|x| x.1 / total.max(1e-6)).unwrap_or(0.0);
    Vote {
        best,
        share,
        evidence,
    }
}

/// Extract the facts of the main incident.
pub(crate) fn facts(
    d: &Doc<'_>,
    country: Option<&str>,
    date: Option<NaiveDate>,
    ts: &[Toll],
) -> Facts {
    let gaz = d.engine.gazetteer();
    let mut f = Facts {
        country: country.map(str::to_string),
        ..Facts::default()
    };
    // ---- place ----
    let mut cand_scores: Vec<(u32, f32, usize)> = Vec::new();
    // The agencies write from the capitals ("N'Djamena - Dix-huit personnes
    // ont ete tuees... au sud de Daboua"): a capital's dateline is the
    // scene only where no other place is named.
    let capital_dateline = |pi: usize| {
        let ph = &d.places[pi];
        d.in_dateline(ph.start) && crate::doc::is_capital(&d.f.text[ph.start..ph.end])
    };
    // "NIAMEY, Aug 22 (Reuters) - Rebels said they had killed 17 soldiers
    // in the desert north": a capital the story never names again, nor
    // calls the capital, while it puts the incident in another part of the
    // country, is where it was filed.
    // Mentions of one place: they share a candidate.
    let same_place = |a: &crate::doc::PlaceHit, b: &crate::doc::PlaceHit| {
        a.cands.iter().any(|c| b.cands.contains(c))
    };
    let capital_again = |pi: usize| {
        let ph = &d.places[pi];
        let elsewhere = crate::context::AWAY_FROM_CAPITAL
            .iter()
            .any(|x| d.f.text.contains(x));
        !elsewhere
            || capital_named(&d.f.text)
            || d.places
                .iter()
                .any(|o| !d.in_dateline(o.start) && !o.anchor && !o.reported && same_place(o, ph))
    };
    let others_named = (0..d.places.len()).any(|pi| {
        let ph = &d.places[pi];
        !ph.cands.is_empty() && !ph.reported && !capital_dateline(pi)
    });
    // "Niamey, December 30 - ... transferred to hospital in Niamey ...
    // Tags: Niamey": the story says what the capital is to it (where the
    // wounded were taken, where the news was given) and never puts the
    // attack in it; none of its mentions is the scene.
    let capital_aside = |pi: usize| {
        let ph = &d.places[pi];
        let mentions = || d.places.iter().filter(|o| same_place(o, ph));
        crate::doc::is_capital(&d.f.text[ph.start..ph.end])
            && mentions().any(|o| o.reported)
            && !mentions()
                .any(|o| (o.target || o.locative) && !o.reported && !d.in_dateline(o.start))
    };
    for pi in 0..d.places.len() {
        let ph = &d.places[pi];
        let s = &d.sents[ph.sent];
        if ph.cands.is_empty()
            || ph.reported
            || (capital_dateline(pi) && (others_named || !capital_again(pi)))
            || capital_aside(pi)
        {
            continue;
        }
        let mut w = mention_weight(d, pi);
        if ph.target {
            w *= 1.6;
        } else if ph.locative {
            w *= 1.2;
        }
        if ph.anchor {
            // "30 km north of X": the incident is not in X; nor in the
            // capital's small district ("125 km from the capital Niamey").
            if crate::doc::is_capital(&d.f.text[ph.start..ph.end]) {
                continue;
            }
            // Unless the village it locates is one the gazetteer does not
            // know ("le village de Tin Abao, a 40 km de Tin Akoff"): then
            // X is the nearest known place.
            w *= if s.unknown_place { 0.6 } else { 0.15 };
        }
        if ph.second {
            // "between X and Y": X is the reference.
            w *= 0.35;
        }
        if s.refugee {
            w *= 0.3;
        }
        // Pick the mention's candidate in the incident's country.
        let mut chosen: Option<u32> = None;
        for &c in &ph.cands {
            let p = &gaz.places()[c as usize];
            if country.is_some_and(|cc| cc != p.country) {
                continue;
            }
            if matches!(p.kind, PlaceKind::Country | PlaceKind::Demonym) {
                continue;
            }
            let better = match chosen {
                None => true,
                Some(o) => {
                    let q = &gaz.places()[o as usize];
                    rank(p) > rank(q)
                }
            };
            if better {
                chosen = Some(c);
            }
        }
        let Some(c) = chosen else { continue };
        let p = &gaz.places()[c as usize];
        w *= match p.kind {
            PlaceKind::Place => 1.0,
            PlaceKind::Admin2 => 0.85,
            _ => 0.7,
        };
        if let Some(x) = cand_scores.iter_mut().find(|x| x.0 == c) {
            x.1 += w;
        } else {
            cand_scores.push((c, w, ph.start));
        }
    }
    // Regions named for the incident support places inside them.
    let region_support: Vec<(String, f32)> = cand_scores
        .iter()
        .filter_map(|&(c, w, _)| {
            let p = &gaz.places()[c as usize];
            matches!(p.kind, PlaceKind::Admin1 | PlaceKind::Admin1New)
                .then(|| (p.admin1.clone().unwrap_or_else(|| p.name.clone()), w))
        })
        .collect();
    for x in cand_scores.iter_mut() {
        let p = &gaz.places()[x.0 as usize];
        if p.kind == PlaceKind::Place || p.kind == PlaceKind::Admin2 {
            if let Some(a1) = &p.admin1 {
                if let Some((_, w)) = region_support.iter().find(|(r, _)| r == a1) {
                    x.1 += 0.3 * w;
                }
            }
        }
    }
    // A town named like its own region ("Tillaberi market attack", then "the
    // market of Tera"): when another place of that region is named for the
    // incident too, the shared name more likely means the region, so it
    // supports that place instead of competing with it.
    let places = gaz.places();
    // So does a province, cercle or department ("six killed in the province
    // of Soum", then "the village of Taouremba"): the village says where.
    let named_like_region: Vec<bool> = cand_scores
        .iter()
        .map(|&(c, _, _)| {
            let p = &places[c as usize];
            // "Tombouctou" is Timbuktu's other name
            matches!(p.kind, PlaceKind::Place | PlaceKind::Admin2)
                && p.admin1
                    .as_deref()
                    .is_some_and(|a1| p.names().any(|n| crate::text::same_name_key(a1, n)))
        })
        .collect();
    for i in 0..cand_scores.len() {
        let (c, w, _) = cand_scores[i];
        let unit = &places[c as usize];
        let admin2 = unit.kind == PlaceKind::Admin2;
        if !named_like_region[i] && !admin2 {
            continue;
        }
        let a1 = unit.admin1.as_deref();
        let inside = |q: &crate::Place| {
            if named_like_region[i] {
                q.admin1.as_deref() == a1
            } else {
                q.admin1.as_deref() == a1 && q.admin2.as_deref() == unit.admin2.as_deref()
            }
        };
        // the strongest other place of the unit takes over most of its weight
        let other = (0..cand_scores.len())
            .filter(|&j| {
                let (oc, ow, _) = cand_scores[j];
                let q = &places[oc as usize];
                j != i
                    && q.kind == PlaceKind::Place
                    && inside(q)
                    && !named_like_region[j]
                    && ow >= 0.3 * w
            })
            .max_by(|&a, &b| cand_scores[a].1.total_cmp(&cand_scores[b].1));
        if let Some(j) = other {
            cand_scores[j].1 += 0.6 * w;
            cand_scores[i].1 *= 0.5;
        }
    }
    cand_scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    if let Some(&(c, _, _)) = cand_scores.first() {
        let p = &gaz.places()[c as usize];
        f.country = Some(p.country.clone());
        f.lat = Some(p.lat);
        f.lon = Some(p.lon);
        match p.kind {
            PlaceKind::Admin1 | PlaceKind::Admin1New => {
                f.admin1 = Some(p.admin1.clone().unwrap_or_else(|| p.name.clone()));
                f.precision = Some(Precision::Admin1);
                f.location = Some(p.name.clone());
            }
            PlaceKind::Admin2 => {
                f.admin1 = p.admin1.clone();
                f.admin2 = Some(p.admin2.clone().unwrap_or_else(|| p.name.clone()));
                f.precision = Some(Precision::Admin2);
                f.location = Some(p.name.clone());
            }
            _ => {
                f.admin1 = p.admin1.clone();
                f.admin2 = p.admin2.clone();
                f.precision = Some(Precision::Place);
                f.location = Some(p.name.clone());
            }
        }
        if f.admin1.is_none() {
            f.admin1 = region_support.first().map(|x| x.0.clone());
        }
    } else if let Some(cc) = country {
        if let Some(p) = gaz.country(cc) {
            f.lat = Some(p.lat);
            f.lon = Some(p.lon);
        }
        f.precision = Some(Precision::Country);
    }

    // ---- date ----
    f.event_date = match (date, d.pub_date) {
        (Some(x), Some(p)) => Some(x.min(p)),
        (Some(x), None) => Some(x),
        (None, p) => p,
    };

    // ---- tolls ----
    // The headline figure: the title's and the lead's tolls decide; the
    // body's count only where they give none (the body recalls other
    // incidents, sums, earlier tolls).
    let pick = |role: Role, head: bool| -> Option<u32> {
        let of = |t: &&Toll| t.role == role && (!head || d.sents[t.sent].zone != Zone::Body);
        let exact = ts
            .iter()
            .filter(of)
            .filter(|t| !t.vague)
            .map(|t| t.value)
            .filter(|&v| v < 5000)
            .max();
        exact.or_else(|| ts.iter().filter(of).map(|t| t.value).max())
    };
    let best = |role: Role| pick(role, true).or_else(|| pick(role, false));
    f.killed = best(Role::Killed);
    f.wounded = best(Role::Wounded);
    f.attackers_killed = best(Role::Attackers);
    if let Some((victims, attackers)) = f.killed.and_then(|k| split_of(ts, k)) {
        f.killed = Some(victims);
        f.attackers_killed = f.attackers_killed.or(Some(attackers));
    }
    f.abducted = best(Role::Abducted);
    if f.killed.is_none() {
        let no_loss = told(d, |c| matches!(c, Cat::NoLoss));
        if no_loss || (other_figures(&f) && !tells_deaths(d)) {
            f.killed = Some(0);
        }
    }

    // ---- victims ----
    let (mut mil, mut civ) = (0.0f32, 0.0f32);
    for t in ts {
        if matches!(t.role, Role::Killed | Role::Wounded | Role::Abducted) {
            let w = d.sents[t.sent].weight * 2.0;
            match t.noun {
                Some(Noun::Mil) => mil += w,
                Some(Noun::Civ) => civ += w,
                _ => {}
            }
        }
    }
    let mut type_scores: Vec<(AType, f32)> = Vec::new();
    let mut mil_target = 0.0f32;
    let mut ied_strong = 0.0f32;
    for si in 0..d.sents.len() {
        let s = &d.sents[si];
        let lex = d.lex_of(si);
        let violent = s.violence >= 1.0 || s.zone != Zone::Body;
        for h in lex.iter().filter(|h| h.start < s.bg_from) {
            match h.cat {
                Cat::Noun(Noun::Mil) if violent => mil += 0.5 * s.weight,
                Cat::Noun(Noun::Civ) if violent => civ += 0.5 * s.weight,
                Cat::Target(Noun::Mil) if violent => {
                    mil += 0.3 * s.weight;
                    mil_target += s.weight;
                }
                Cat::Target(Noun::Civ) if violent => civ += 0.3 * s.weight,
                Cat::Attack(w, t) if !matches!(t, AType::None | AType::Clash) => {
                    let x = w * s.weight;
                    if t == AType::Ied && w >= 1.5 {
                        ied_strong += x;
                    }
                    if let Some(e) = type_scores.iter_mut().find(|e| e.0 == t) {
                        e.1 += x;
                    } else {
                        type_scores.push((t, x));
                    }
                }
                _ => {}
            }
        }
    }
    f.victims = if mil <= 0.0 && civ <= 0.0 {
        None
    } else if mil > 0.0 && civ > 0.0 && mil.min(civ) / mil.max(civ) >= 0.45 {
        Some(Victims::Mixed)
    } else if mil >= civ {
        Some(Victims::Military)
    } else {
        Some(Victims::Civilian)
    };

    // ---- attack type ----
    let ts_of = |t: AType| {
        type_scores
            .iter()
            .find(|e| e.0 == t)
            .map(|e| e.1)
            .unwrap_or(0.0)
    };
    let not_mil = f.victims != Some(Victims::Military);
    let killed = f.killed.unwrap_or(0);
    // The means of the attack (suicide bomber, drone, aircraft, IED,
    // shelling) name it better than its victims or target: a convoy hit by
    // an IED is an IED attack, a drone strike on a wedding a drone strike.
    // An ambush (which often opens with IEDs) stays an ambush.
    let means = {
        let mut best = (AType::None, 1.5f32);
        for t in [
            AType::Suicide,
            AType::Drone,
            AType::AirStrike,
            AType::Ied,
            AType::Shelling,
        ] {
            let x = ts_of(t);
            if x > best.1 {
                best = (t, x);
            }
        }
        // Generic blast words ("explosion", "bomb") alone are not enough.
        if best.0 == AType::Ied && ied_strong < 1.0 {
            best.0 = AType::None;
        }
        // Against the attack's own words ("gunmen stormed the village").
        if best.0 != AType::None && best.1 < 0.6 * ts_of(AType::Armed).max(ts_of(AType::Massacre)) {
            best.0 = AType::None;
        }
        // An assault on a camp or post that opens with a car bomb or
        // mortar fire is an armed attack; IEDs hit convoys and patrols, and
        // aircraft and drones strike whatever they strike.
        if matches!(best.0, AType::Suicide | AType::Shelling) && mil_target >= 1.0 {
            best.0 = AType::None;
        }
        best.0
    };
    let at = if ts_of(AType::Ambush) >= 1.5 && ts_of(AType::Ambush) >= 0.5 * ts_of(means) {
        AType::Ambush
    } else if means != AType::None {
        means
    } else if not_mil
        && f.victims.is_some()
        && (ts_of(AType::Massacre) >= 1.0 || killed >= 20)
        && mil_target < 1.5
    {
        AType::Massacre
    } else if ts_of(AType::Abduction) >= 1.5 && killed == 0 && f.abducted.is_some() {
        AType::Abduction
    } else if mil_target >= 1.0 {
        AType::Armed
    } else {
        let mut best = (AType::Armed, 1.5f32);
        for t in [
            AType::Suicide,
            AType::Drone,
            AType::AirStrike,
            AType::Ied,
            AType::Shelling,
            AType::Abduction,
        ] {
            let x = ts_of(t);
            if x > best.1 {
                best = (t, x);
            }
        }
        best.0
    };
    f.attack_type = Some(at.as_str().to_string());

    // ---- actors and claim ----
    let mut actor_scores: Vec<(u8, f32, usize)> = Vec::new();
    let mut state_actor: Option<(f32, usize)> = None;
    let text = &d.f.text;
    for si in 0..d.sents.len() {
        let s = &d.sents[si];
        let lex = d.lex_of(si);
        let presence = lex.iter().any(|h| matches!(h.cat, Cat::Presence));
        let claim = lex.iter().any(|h| {
            matches!(h.cat, Cat::Claim)
                && !lex.iter().any(|n| {
                    matches!(n.cat, Cat::Negation) && n.end <= h.start && h.start - n.end < 40
                })
        });
        // "suspected JNIM fighters", "blamed on the Islamic State": the
        // presumed perpetrators of the incident.
        let blame = lex
            .iter()
            .any(|h| matches!(h.cat, Cat::Blame) && h.start < s.bg_from);
        let violent = s.violence >= 1.0 || claim || blame;
        if s.start < s.bg_from
            && (violent || s.zone != Zone::Body)
            && state_actor.is_none()
            && state_perpetrator(d, si, f.victims, blame)
        {
            state_actor = Some((s.weight, s.start));
        }
        if !violent && s.zone == Zone::Body {
            continue;
        }
        for h in lex.iter().filter(|h| h.start < s.bg_from) {
            let Cat::Actor(a) = h.cat else { continue };
            // A mission (MINUSMA) is where it happened, not who did it.
            if actors()[a as usize].kind == ActorKind::Mission {
                continue;
            }
            if presence && !claim && !blame {
                continue;
            }
            // "killed a JNIM commander", "neutralised ISSP fighters": the
            // group is the target, not the perpetrator.
            let object = lex.iter().any(|k| {
                matches!(k.cat, Cat::Kill | Cat::Neutralise)
                    && k.end <= h.start
                    && h.start - k.end <= 16
                    && {
                        let between = &text[k.end..h.start];
                        !between.contains(" by ") && !between.contains(" par ")
                    }
            });
            if object && !matches!(a, 8..=13 | 22) {
                continue;
            }
            // State forces and Russian fighters are actors only when they
            // do the killing, not when they are its victims.
            if matches!(a, 8..=13 | 22) {
                let before = &text[s.start..h.start];
                let victim_num = before
                    .trim_end()
                    .rsplit(' ')
                    .next()
                    .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty());
                let after = span_after(text, h.end, s.end, 60);
                let passive = [
                    "were",
                    "was",
                    "have been",
                    "had been",
                    "ont ete",
                    "a ete",
                    "sont",
                    "dead",
                    "morts",
                    "lost",
                    "losses",
                    "pertes",
                    "suffered",
                ]
                .iter()
                .any(|p| after.contains(p));
                let active = lex.iter().any(|k| {
                    k.start >= h.end
                        && k.start - h.end < 60
                        && matches!(k.cat, Cat::Kill | Cat::Attack(_, AType::Massacre))
                });
                if victim_num || passive || !active {
                    continue;
                }
            }
            let mut w = s.weight
                * if claim {
                    2.0
                } else if blame {
                    1.5
                } else {
                    1.0
                };
            if s.zone != Zone::Body {
                w *= 1.5;
            }
            if let Some(x) = actor_scores.iter_mut().find(|x| x.0 == a) {
                x.1 += w;
            } else {
                actor_scores.push((a, w, h.start));
            }
        }
        if claim && s.start < s.bg_from {
            f.claimed = true;
        }
    }
    let has = |a: u8, v: &[(u8, f32, usize)]| v.iter().any(|x| x.0 == a);
    if has(ACTOR_ISSP, &actor_scores) || has(ACTOR_ISWAP, &actor_scores) {
        actor_scores.retain(|x| x.0 != ACTOR_IS);
    }
    if has(ACTOR_JNIM, &actor_scores) {
        actor_scores.retain(|x| x.0 != ACTOR_AQ);
    } else if let Some(x) = actor_scores.iter_mut().find(|x| x.0 == ACTOR_AQ) {
        // In the Sahel, al-Qaeda's affiliate is JNIM.
        if f.country
            .as_deref()
            .is_some_and(|c| d.engine.watched_countries().iter().any(|w| w == c))
        {
            x.0 = ACTOR_JNIM;
        }
    }
    // The Islamic State's Sahel affiliate: its West Africa province until
    // March 2022 (and around Lake Chad), its Sahel province since.
    if let Some(x) = actor_scores.iter_mut().find(|x| x.0 == ACTOR_IS) {
        let cc = f.country.as_deref().unwrap_or("");
        let lake_chad = cc == "TD" || f.admin1.as_deref() == Some("Diffa");
        let before = date.is_some_and(|t| t < NaiveDate::from_ymd_opt(2022, 3, 1).unwrap_or(t));
        if matches!(cc, "ML" | "BF" | "NE") && !lake_chad {
            x.0 = if before { ACTOR_ISWAP } else { ACTOR_ISSP };
        } else if lake_chad {
            x.0 = ACTOR_ISWAP;
        }
    }
    // State forces named only generically ("the army", "troops") when they
    // are the perpetrators (drone strikes, killings of civilians).
    let armed_groups = actor_scores
        .iter()
        .any(|x| actors()[x.0 as usize].kind == ActorKind::Armed && x.0 != ACTOR_GUNMEN);
    let from_the_air = matches!(at, AType::Drone | AType::AirStrike);
    if let Some(cc) = f.country.as_deref() {
        if let Some(n) = state_forces_of(cc) {
            let named = state_actor
                .map(|(w, p)| (n, w, p))
                .or((from_the_air && !armed_groups).then_some((n, 0.5, usize::MAX)));
            if let Some(x) = named {
                if !actor_scores.iter().any(|y| y.0 == n) {
                    actor_scores.push(x);
                }
            }
        }
    }
    if actor_scores.len() > 1 {
        actor_scores.retain(|x| x.0 != ACTOR_GUNMEN);
    }
    actor_scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    let mut seen = Vec::new();
    for (a, _, _) in actor_scores {
        if !seen.contains(&a) {
            seen.push(a);
            f.actors.push(actors()[a as usize].name.clone());
        }
    }
    f
}

/// Words for state forces named generically.
const GENERIC_FORCES: &[&str] = &[
    "army",
    "military",
    "troops",
    "soldiers",
    "armee",
    "militaires",
    "soldats",
    "security forces",
    "defence forces",
    "defense forces",
    "forces de defense et de securite",
    "forces de securite",
    "fds",
    "fama",
];

/// The state forces as perpetrators in sentence `si`: a generic army noun
/// that is blamed ("witnesses blamed the army") or is the subject of an
/// active killing of civilians ("soldiers executed 20 villagers").
fn state_perpetrator(d: &Doc<'_>, si: usize, victims: Option<Victims>, blame: bool) -> bool {
    let s = &d.sents[si];
    let text = &d.f.text;
    let lex = d.lex_of(si);
    for h in lex.iter().filter(|h| h.start < s.bg_from) {
        if !matches!(h.cat, Cat::Noun(Noun::Mil))
            || !GENERIC_FORCES.contains(&&text[h.start..h.end])
        {
            continue;
        }
        // "the army said", "soldiers were killed": not perpetrators.
        let blamed = blame
            && lex.iter().any(|b| {
                matches!(b.cat, Cat::Blame)
                    && ((b.end <= h.start && h.start - b.end <= 25)
                        || (b.start >= h.end && b.start - h.end <= 25))
            });
        // "an army drone strike", "military air strikes", "frappe de drone de
        // l'armee".
        let from_the_air = lex.iter().any(|k| {
            matches!(k.cat, Cat::Attack(_, AType::Drone | AType::AirStrike))
                && ((k.start >= h.end && k.start - h.end <= 12)
                    || (k.end <= h.start && h.start - k.end <= 12))
        });
        let active = matches!(victims, Some(Victims::Civilian) | Some(Victims::Mixed))
            && lex.iter().any(|k| {
                k.start >= h.end
                    && k.start - h.end <= 30
                    && matches!(k.cat, Cat::Kill | Cat::Attack(_, AType::Massacre))
                    && {
                        let between = &text[h.end..k.start];
                        ![
                            " were", " was", " been", " ete", " sont", " had", " have", " has",
                        ]
                        .iter()
                        .any(|p| between.contains(p))
                            && !between.contains(',')
                    }
            });
        if blamed || active || from_the_air {
            return true;
        }
    }
    false
}

fn rank(p: &crate::Place) -> (u8, u8, u64) {
    let src = match p.source {
        PlaceSource::Embedded => 2,
        PlaceSource::User => 2,
        PlaceSource::GeoNames => 0,
    };
    let kind = match p.kind {
        PlaceKind::Place => 3,
        PlaceKind::Admin2 => 2,
        PlaceKind::Admin1 | PlaceKind::Admin1New => 1,
        _ => 0,
    };
    (src, kind, p.population.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, Engine, Gazetteer};

    fn tolls_of(title: &str, body: &str) -> Vec<(u32, Role)> {
        let e = Engine::new(Gazetteer::default());
        let doc = Document {
            title,
            body,
            published: chrono::DateTime::parse_from_rfc3339("2024-03-22T10:00:00+00:00").ok(),
            language: None,
        };
        let mut d = crate::doc::prepare(&e, &doc);
        crate::doc::mark_sentences(&mut d);
        tolls(&d).iter().map(|t| (t.value, t.role)).collect()
    }

    #[test]
    fn debug_tolls() {
        let t = tolls_of(
            "x",
            "Six soldiers were wounded and 63 \"terrorists\" were killed in fighting.",
        );
        assert_eq!(t, vec![(6, Role::Wounded), (63, Role::Attackers)]);
    }
}
