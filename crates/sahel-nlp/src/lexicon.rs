//! English and French lexicons (attack terms, casualty words, metaphors,
//! background cues, actors, dates, foreign places) and the word trie that
//! finds them, together with every gazetteer name, in one pass over the
//! folded text.
//!
//! Every pattern is written folded (lower case ASCII, no accents, see
//! [`crate::text::fold`]); `|` separates the forms of one entry. Hyphens and
//! apostrophes in patterns also match as spaces or nothing.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use crate::gazetteer::{Gazetteer, PlaceKind, PlaceSource};
use crate::text::Fnv;
use crate::text::{fold, is_word_byte, pack, pack_at, word_end};

/// Attack types, as reported in [`crate::Facts::attack_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AType {
    None,
    Ambush,
    Raid,
    Massacre,
    Ied,
    Suicide,
    AirStrike,
    Drone,
    Abduction,
    Shelling,
    Armed,
    /// "clashes", "fighting", "affrontements": a fight of two sides.
    Clash,
}

impl AType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AType::None | AType::Armed | AType::Raid | AType::Clash => "armed attack",
            AType::Ambush => "ambush",
            AType::Massacre => "massacre",
            AType::Ied => "ied",
            AType::Suicide => "suicide attack",
            AType::AirStrike => "air strike",
            AType::Drone => "drone strike",
            AType::Abduction => "abduction",
            AType::Shelling => "shelling",
        }
    }
}

/// What kind of people a noun names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Noun {
    Mil,
    Civ,
    People,
    Attacker,
}

/// The category of a lexicon entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cat {
    /// A violent-event term with its weight and the attack type it suggests.
    Attack(f32, AType),
    /// "attack", "attaque", "assault": violent only with corroboration.
    Generic(f32),
    /// killed / tués: before or after a number.
    Kill,
    /// lost / perdu: only before a number ("we lost 92 soldiers").
    KillBefore,
    /// dead / morts / bodies: after a number.
    DeadNoun,
    Wound,
    Abduct,
    Missing,
    /// toll / bilan / losses: before a number.
    Toll,
    /// "has risen to", "s'est alourdi à": before a number, a toll when a
    /// toll or killing word comes earlier in the clause.
    TollRise,
    Neutralise,
    Noun(Noun),
    /// The kind of target attacked (army camp, village...).
    Target(Noun),
    Actor(u8),
    Claim,
    NoLoss,
    /// Story-level cue that the incident is old (anniversary, trial...).
    Background(f32),
    /// Sentence-level cue that what follows is an older incident.
    Past,
    /// "after" family (a day after, a month after): background in the body.
    After,
    /// since / depuis: aggregate when followed by a year or "the start".
    Since,
    /// Aggregate counts (this year, the war, the insurgency...).
    Aggregate,
    /// The perfect of killing ("have killed"): a running total only where
    /// its sentence tells a span or hundreds ([`crate::doc`]'s
    /// `mark_sentences`); "gunmen have killed four soldiers" is news.
    Tally,
    /// A reporting period ("monthly bulletin", "over the past week", "bilan
    /// mensuel"): a tally of many operations, not one incident.
    Period,
    Metaphor(f32),
    NonEvent(f32),
    /// Protests, riots and strikes: a non-event cue, unless the title or
    /// lead tells people killed at the crowd (`classify`'s `lethal_crowd`):
    /// forces that fire on a crowd are an incident's perpetrators.
    Crowd(f32),
    /// A vehicle or goods taken ("seized their vehicle", "robbed"): a
    /// non-event cue in a sentence that tells no killing (theft is no
    /// attack by itself; "killed twelve herdsmen and stole the cattle" is).
    Theft(f32),
    Refugee,
    /// Where people come from ("originaires de", "natives of"): the place
    /// after it is not the scene.
    Origin,
    /// Where a group operates ("active in the area"): not a perpetrator.
    Presence,
    /// Attribution of the incident ("suspected", "blamed on", "mis en
    /// cause"): the named group is the presumed perpetrator.
    Blame,
    Border,
    RegionWord,
    Weekday(u8),
    Month(u8),
    RelDay(i8),
    Announce,
    /// Mourning, funerals, visits: the day of the aftermath, not the attack.
    Aftermath,
    Foreign(&'static str),
    /// A name that must not count as a country (Lake Chad, Niger River).
    Neutral,
    /// Negation that cancels a following claim ("no group has claimed").
    Negation,
    /// A device found, defused or cleared: the explosive words of its
    /// sentence are no explosion.
    Defused,
    /// Hostages released or freed: the abduction words of its sentence are
    /// no new abduction.
    Released,
    /// A place opened again after an incident ("hotel reopens", "rouvre ses
    /// portes"): the aftermath.
    Reopened,
    /// The cause of an explosion that is no attack: an accident or a
    /// mishandled device (`accident`), or what was stored and blew up
    /// (`cause`: dynamite, chemicals, a gas cylinder), an accident only
    /// where no armed agent is named.
    Mishap {
        cause: bool,
    },
}

/// One meaning of a pattern: a lexicon entry or a gazetteer place index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entry {
    Lex(Cat),
    Place(u32),
}

/// What an actor is: its name is violence evidence only for armed groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActorKind {
    /// A non-state armed group or militia.
    Armed,
    /// A state's forces, their auxiliaries and contractors.
    State,
    /// A peacekeeping or foreign mission: neither perpetrator nor violence.
    Mission,
}

/// One actor of `data/lexicon/actors.tsv`, indexed by `Cat::Actor`.
#[derive(Debug)]
pub(crate) struct Actor {
    /// The name reported in [`crate::Facts::actors`].
    pub name: String,
    pub kind: ActorKind,
    /// The one watched country the actor exists in ("MNJ" is Niger's).
    pub home: Option<String>,
    forms: String,
}

/// Whether actor `a` is a state's forces.
pub(crate) fn is_state(a: u8) -> bool {
    actors()[a as usize].kind == ActorKind::State
}

/// The national forces of country `cc` (the first state actor at home there).
pub(crate) fn state_forces_of(cc: &str) -> Option<u8> {
    actors()
        .iter()
        .position(|a| a.kind == ActorKind::State && a.home.as_deref() == Some(cc))
        .map(|i| i as u8)
}

pub(crate) const ACTOR_JNIM: u8 = 0;
pub(crate) const ACTOR_ISSP: u8 = 1;
pub(crate) const ACTOR_ISWAP: u8 = 2;
pub(crate) const ACTOR_GUNMEN: u8 = 16;
pub(crate) const ACTOR_IS: u8 = 17;
pub(crate) const ACTOR_AQ: u8 = 18;

use AType as T;
use Cat::*;

/// The words the engine knows, as data: `data/lexicon/terms.tsv` (one entry a
/// line: its category, a tab, its forms) and `data/lexicon/actors.tsv`.
const TERMS_TSV: &str = include_str!("../data/lexicon/terms.tsv");
const ACTORS_TSV: &str = include_str!("../data/lexicon/actors.tsv");

struct Tables {
    terms: Vec<(String, Cat)>,
    actors: Vec<Actor>,
}

/// The parsed data files, once per process. The files are part of the
/// build: an error in them is a bug, reported with its file and line.
fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let actors = data_lines(ACTORS_TSV)
            .map(|(line, l)| parse_actor(l).unwrap_or_else(|e| bad("actors.tsv", line, &e)))
            .collect::<Vec<_>>();
        let mut terms: Vec<(String, Cat)> = data_lines(TERMS_TSV)
            .map(|(line, l)| {
                let (cat, forms) = l
                    .split_once('\t')
                    .unwrap_or_else(|| bad("terms.tsv", line, "no tab"));
                let cat = parse_cat(cat).unwrap_or_else(|e| bad("terms.tsv", line, &e));
                (forms.to_string(), cat)
            })
            .collect();
        for (i, a) in actors.iter().enumerate() {
            terms.push((a.forms.clone(), Cat::Actor(i as u8)));
        }
        Tables { terms, actors }
    })
}

/// The lexicon: `(forms, category)`, actors included.
fn terms() -> &'static [(String, Cat)] {
    &tables().terms
}

/// The actors, by `Cat::Actor` index.
pub(crate) fn actors() -> &'static [Actor] {
    &tables().actors
}

fn bad(file: &str, line: usize, why: &str) -> ! {
    panic!("data/lexicon/{file}:{line}: {why}")
}

/// The lines of a data file that are not blank or comments, numbered from 1.
fn data_lines(tsv: &str) -> impl Iterator<Item = (usize, &str)> {
    tsv.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn parse_actor(l: &str) -> Result<Actor, String> {
    let f: Vec<&str> = l.split('\t').collect();
    let [name, kind, home, forms] = f[..] else {
        return Err(format!("{} fields, 4 expected", f.len()));
    };
    let kind = match kind {
        "armed" => ActorKind::Armed,
        "state" => ActorKind::State,
        "mission" => ActorKind::Mission,
        k => return Err(format!("unknown kind {k:?}")),
    };
    Ok(Actor {
        name: name.to_string(),
        kind,
        home: (home != "-").then(|| home.to_string()),
        forms: forms.to_string(),
    })
}

/// `attack 2.0 ambush`, `noun mil`, `weekday 3`, `foreign NG`...
fn parse_cat(s: &str) -> Result<Cat, String> {
    let mut w = s.split(' ');
    let name = w.next().unwrap_or("");
    let args: Vec<&str> = w.collect();
    let num = |i: usize| -> Result<f32, String> {
        args.get(i)
            .and_then(|x| x.parse().ok())
            .ok_or_else(|| format!("{name}: argument {} is not a number", i + 1))
    };
    let int = |i: usize| num(i).map(|x| x as i8);
    let noun = || match args.first().copied() {
        Some("mil") => Ok(Noun::Mil),
        Some("civ") => Ok(Noun::Civ),
        Some("people") => Ok(Noun::People),
        Some("attacker") => Ok(Noun::Attacker),
        x => Err(format!("{name}: unknown noun {x:?}")),
    };
    Ok(match name {
        "attack" => Attack(num(0)?, atype(args.get(1).copied().unwrap_or(""))?),
        "generic" => Generic(num(0)?),
        "kill" => Kill,
        "kill_before" => KillBefore,
        "dead_noun" => DeadNoun,
        "wound" => Wound,
        "abduct" => Abduct,
        "missing" => Missing,
        "toll" => Toll,
        "toll_rise" => TollRise,
        "neutralise" => Neutralise,
        "noun" => Noun(noun()?),
        "target" => Target(noun()?),
        "claim" => Claim,
        "no_loss" => NoLoss,
        "background" => Background(num(0)?),
        "past" => Past,
        "after" => After,
        "since" => Since,
        "aggregate" => Aggregate,
        "tally" => Tally,
        "period" => Period,
        "metaphor" => Metaphor(num(0)?),
        "non_event" => NonEvent(num(0)?),
        "crowd" => Crowd(num(0)?),
        "theft" => Theft(num(0)?),
        "refugee" => Refugee,
        "origin" => Origin,
        "presence" => Presence,
        "blame" => Blame,
        "border" => Border,
        "region_word" => RegionWord,
        "weekday" => Weekday(int(0)? as u8),
        "month" => Month(int(0)? as u8),
        "rel_day" => RelDay(int(0)?),
        "announce" => Announce,
        "aftermath" => Aftermath,
        "foreign" => Foreign(country_code(args.first().copied().unwrap_or(""))?),
        "neutral" => Neutral,
        "negation" => Negation,
        "defused" => Defused,
        "released" => Released,
        "reopened" => Reopened,
        "mishap" => match args.first().copied() {
            Some("accident") => Mishap { cause: false },
            Some("cause") => Mishap { cause: true },
            x => return Err(format!("mishap: unknown kind {x:?}")),
        },
        _ => return Err(format!("unknown category {s:?}")),
    })
}

fn atype(s: &str) -> Result<AType, String> {
    Ok(match s {
        "none" => T::None,
        "clash" => T::Clash,
        "ambush" => T::Ambush,
        "raid" => T::Raid,
        "massacre" => T::Massacre,
        "ied" => T::Ied,
        "suicide" => T::Suicide,
        "airstrike" => T::AirStrike,
        "drone" => T::Drone,
        "abduction" => T::Abduction,
        "shelling" => T::Shelling,
        "armed" => T::Armed,
        _ => return Err(format!("unknown attack type {s:?}")),
    })
}

/// The codes a foreign name may carry (`Cat::Foreign` keeps a `&'static str`).
fn country_code(s: &str) -> Result<&'static str, String> {
    const CODES: &[&str] = &[
        "NG", "BJ", "TG", "GH", "DZ", "LY", "SD", "CM", "SN", "GN", "CI", "CF", "SO", "MZ", "KE",
        "CD", "MA", "EU", "XX",
    ];
    CODES
        .iter()
        .find(|c| **c == s)
        .copied()
        .ok_or_else(|| format!("unknown foreign code {s:?} (add it to CODES)"))
}

/// Names that are also common words: they count as places only when
/// capitalised and next to a region word ("Sahel region", "région du Nord").
pub(crate) const REGION_ONLY_NAMES: &[&str] = &[
    "sahel",
    "est",
    "nord",
    "sud",
    "ouest",
    "centre",
    "lac",
    "plateau",
    "centre-est",
    "centre-ouest",
    "centre-sud",
    "north",
    "east",
    "west",
    "south",
    "centre-nord",
    "central",
    "centrale",
    "eastern",
    "western",
    "northern",
    "southern",
    "north-west",
    "north-east",
    "south-west",
    "south-east",
    "nord-ouest",
    "nord-est",
    "sud-ouest",
    "sud-est",
    "littoral",
    "maritime",
    "plateaux",
    "savanes",
    "northern state",
    "far north",
    "extreme-nord",
    "extreme nord",
    "upper east",
    "upper west",
    "centre-north",
    "north-central",
    "capital",
    "kara",
    "logone",
    "cascades",
    "sud-ouest",
];

/// Names that collide with common English/French words and count only in a
/// locative context, capitalised.
pub(crate) const COMMON_WORD_NAMES: &[&str] = &[
    "say", "bani", "mine", "tin", "an", "gay", "bam", "sole", "po", "leo", "mani", "dia", "bara",
    "kara", "mao", "ati", "bol", "am", "ali", "salam", "oum", "bir", "sama", "boni", "bare",
    "nara", "douna", "gorom", "tabou", "bis", "ko", "to", "man", "gold", "camp", "base", "post",
    "poste", "point", "mont", "mare", "port", "sale", "dire", "san", "bla", "lai", "ber", "biu",
    "tuy", "usa", "bbm", "fct", "oyo", "imo", "edo", "zou", "oti", "reo", "yao", "gay",
];

/// Every word of every lexicon form (folded), and the names that are also
/// common words: a village of one of these names would be read in every
/// story.
pub(crate) fn words() -> Vec<String> {
    let mut out: Vec<String> = terms()
        .iter()
        .flat_map(|(forms, _)| forms.split('|'))
        .flat_map(|f| f.split(|c: char| !c.is_ascii_alphanumeric()))
        .chain(REGION_ONLY_NAMES.iter().copied())
        .chain(COMMON_WORD_NAMES.iter().copied())
        .map(crate::text::name_key)
        .filter(|w| !w.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The lexicon with a word trie built over its terms and every gazetteer
/// name.
pub(crate) struct Lexicon {
    trie: WordTrie,
    /// By actor index: the gazetteer's demonym row of the actor's home
    /// country ("Malian soldiers", "soldats maliens", "MNJ rebels" say it).
    home_demonym: Vec<Option<u32>>,
    /// Context phrases before place names ("attack on", "near", "fled to").
    pub(crate) context: crate::context::CtxTable,
    /// For pattern `i`, `entries[ranges[i].0..ranges[i].1]`.
    ranges: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    /// The patterns, for the reference scanner of the tests.
    #[cfg(test)]
    patterns: Vec<String>,
}

/// One lexicon hit (whole words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub start: u32,
    pub end: u32,
    pub pat: u32,
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
/// The ids of words longer than 8 bytes.
type LongWords = FnvMap<Box<[u8]>, u32>;
type IntMap<V> = HashMap<u64, V, BuildHasherDefault<IntHash>>;

/// No node, no pattern, no word.
const NONE: u32 = u32::MAX;

/// A hash for keys that are already integers (packed words, node/word
/// pairs): one multiplication, folded so that both the low bits (the
/// bucket) and the high bits (the tag) of the result are mixed.
#[derive(Default, Clone, Copy)]
struct IntHash(u64);

impl std::hash::Hasher for IntHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("IntHash hashes u64 keys only")
    }
    fn write_u64(&mut self, x: u64) {
        let h = x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }
}

/// Word bytes: ASCII letters and digits, and every byte of a non-ASCII
/// character (as [`crate::text::is_word_byte`]), as a table.
const WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = is_word_byte(c as u8);
        c += 1;
    }
    t
};

/// The patterns as sequences of words. A pattern (see [`anchor`]) is a
/// sequence of words separated by single spaces, and it matches where the
/// folded text has the same words, whole, separated by exactly one byte
/// that is not a word byte (a space, a hyphen, an apostrophe...).
///
/// Matching a word at a time does the work of the Aho-Corasick automaton
/// that was here before (leftmost-longest matches at word starts, kept only
/// when they end at a word end, retried shorter otherwise), with one hash
/// lookup per word of the text instead of an automaton step (and failure
/// transitions) per byte. The test `word_trie_matches_the_automaton` checks
/// that both find the same hits.
struct WordTrie {
    /// The id of every word of up to 8 bytes that occurs in a hot pattern
    /// (see [`WordTrie::new`]), by its packed bytes ([`pack`]).
    short_words: FlatMap,
    /// The id of every longer word of a hot pattern.
    long_words: LongWords,
    /// The same for the words that occur in cold patterns only (the
    /// GeoNames villages' names): tens of thousands of words that few
    /// texts have, kept apart so that the tables read for every word of
    /// every text stay small enough for the caches.
    cold_short: FlatMap,
    cold_long: LongWords,
    /// A Bloom filter of the cold words ([`word_hash`]): most words of a
    /// text are in no cold pattern, and this says so without reading the
    /// cold tables.
    cold_filter: Bloom,
    /// By word id: the node of the patterns that start with the word.
    root: Vec<u32>,
    /// (node << 32 | word id) → child node, below the root: the children
    /// of hot patterns' nodes, and apart those of cold patterns only.
    edges: FlatMap,
    cold_edges: FlatMap,
    /// By node: the pattern that ends there (or `NONE`), and whether the
    /// node has children in `edges` (bit 0) and in `cold_edges` (bit 1).
    nodes: Vec<(u32, u8)>,
}

/// A Bloom filter over `u64` hashes: two bits in one 64-bit word of the
/// table, so that a query reads one cache line.
struct Bloom {
    words: Box<[u64]>,
    shift: u32,
}

impl Bloom {
    fn new(hashes: &[u64]) -> Self {
        // About 16 bits a key: under 1 % of false positives.
        let n = (hashes.len() / 4).next_power_of_two().max(64);
        let mut b = Bloom {
            words: vec![0u64; n].into_boxed_slice(),
            shift: 64 - n.trailing_zeros(),
        };
        for &h in hashes {
            let (w, m) = b.slot(h);
            b.words[w] |= m;
        }
        b
    }

    #[inline]
    fn slot(&self, h: u64) -> (usize, u64) {
        let w = (h >> self.shift) as usize;
        let m = (1u64 << (h & 63)) | (1u64 << ((h >> 6) & 63));
        (w, m)
    }

    #[inline]
    fn may_have(&self, h: u64) -> bool {
        let (w, m) = self.slot(h);
        self.words[w] & m == m
    }
}

/// The hash of a word for [`Bloom`]: its packed bytes when it has up to 8,
/// else FNV-1a of its bytes, mixed (the finaliser of SplitMix64).
#[inline]
fn word_hash(w: &[u8], packed: Option<u64>) -> u64 {
    let mut h = match packed {
        Some(k) => k,
        None => w.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        }),
    };
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Normalise a folded pattern: every ASCII character that is not a letter
/// or digit becomes a space (the words of a pattern are what lies between
/// them), spaces collapse, and one leading space marks the word start.
fn anchor(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 1);
    out.push(' ');
    let mut space = true;
    for c in p.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push(c);
            space = false;
        }
    }
    while out.ends_with(' ') && out.len() > 1 {
        out.pop();
    }
    out
}

fn pattern_variants(p: &str, out: &mut Vec<String>) {
    let p = p.trim();
    if p.is_empty() {
        return;
    }
    out.push(anchor(p));
    if p.contains('-') || p.contains('\'') {
        out.push(anchor(&p.replace(['-', '\''], "")));
    }
    out.dedup();
}

/// Tamasheq place names open with "in" or "tin" ("the place of"), which
/// the press writes joined, hyphenated or spaced: Inatès, In-Atès, I-n-Atès;
/// Tingara, Tin Gara, Ti-n-Gara. Each such name also gets the spaced forms,
/// unless the rest is a short word or itself a known name ("in Gao" stays
/// Gao).
fn prefix_splits(folded: &str, gazetteer: &Gazetteer, out: &mut Vec<String>) {
    let joined: String = folded
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let (forms, rest): (&[&str], &str) = if let Some(r) = joined.strip_prefix("tin") {
        (&["tin", "ti n"], r)
    } else if let Some(r) = joined.strip_prefix("in") {
        (&["in", "i n"], r)
    } else {
        return;
    };
    if rest.len() < 4
        || !rest.starts_with(|c: char| c.is_ascii_alphabetic())
        || !gazetteer.lookup_indices(rest).is_empty()
        || COMMON_WORD_NAMES.contains(&rest)
    {
        return;
    }
    for f in forms {
        let v = anchor(&format!("{f} {rest}"));
        if !out.contains(&v) {
            out.push(v);
        }
    }
}

impl WordTrie {
    /// The trie of `patterns`; `hot[i]` says whether pattern `i` is one
    /// that many texts have (a lexicon term, a curated place) rather than
    /// a GeoNames village's name. Hot patterns are built first, so that
    /// their words and nodes take the low ids and sit together in `root`
    /// and `nodes`; the words and children only cold patterns have go to
    /// the cold tables.
    fn new(patterns: &[String], hot: &[bool]) -> Self {
        let mut short_words = IntMap::default();
        let mut long_words = LongWords::default();
        let mut edges = IntMap::default();
        let mut root: Vec<u32> = Vec::new();
        let mut nodes: Vec<(u32, u8)> = Vec::new();
        // by word id and by edge: first met in a hot pattern?
        let mut word_hot: Vec<bool> = Vec::new();
        let mut edge_hot: IntMap<bool> = IntMap::default();
        let order = (0..patterns.len())
            .filter(|&i| hot[i])
            .chain((0..patterns.len()).filter(|&i| !hot[i]));
        for pat in order {
            let p = &patterns[pat];
            let mut node = NONE;
            // Patterns made of punctuation only have no word: they are never
            // built (names need two letters or digits, terms are words).
            for w in p.split(' ').filter(|w| !w.is_empty()) {
                let next_id = root.len() as u32;
                let w = w.as_bytes();
                let id = if w.len() <= 8 {
                    *short_words.entry(pack(w)).or_insert(next_id)
                } else {
                    *long_words.entry(w.into()).or_insert(next_id)
                };
                if id == next_id {
                    root.push(NONE);
                    word_hot.push(hot[pat]);
                }
                let fresh = nodes.len() as u32;
                let child = if node == NONE {
                    let c = &mut root[id as usize];
                    if *c == NONE {
                        *c = fresh;
                    }
                    *c
                } else {
                    let key = u64::from(node) << 32 | u64::from(id);
                    let c = *edges.entry(key).or_insert(fresh);
                    let h = *edge_hot.entry(key).or_insert(hot[pat]);
                    nodes[node as usize].1 |= if h { 1 } else { 2 };
                    c
                };
                if child == fresh {
                    nodes.push((NONE, 0));
                }
                node = child;
            }
            if node != NONE {
                nodes[node as usize].0 = pat as u32;
            }
        }
        let split = |m: IntMap<u32>, is_hot: &dyn Fn(u64, u32) -> bool| {
            let (h, c): (IntMap<u32>, IntMap<u32>) =
                m.into_iter().partition(|&(k, v)| is_hot(k, v));
            (FlatMap::new(&h), FlatMap::new(&c))
        };
        let mut cold_hashes: Vec<u64> = Vec::new();
        for (&k, &id) in &short_words {
            if !word_hot[id as usize] {
                cold_hashes.push(word_hash(&[], Some(k)));
            }
        }
        let (hot_long, cold_long): (LongWords, LongWords) = long_words
            .into_iter()
            .partition(|(_, id)| word_hot[*id as usize]);
        for w in cold_long.keys() {
            cold_hashes.push(word_hash(w, None));
        }
        let (short_hot, short_cold) = split(short_words, &|_, id| word_hot[id as usize]);
        let (edges_hot, edges_cold) = split(edges, &|k, _| edge_hot[&k]);
        WordTrie {
            short_words: short_hot,
            long_words: hot_long,
            cold_short: short_cold,
            cold_long,
            cold_filter: Bloom::new(&cold_hashes),
            root,
            edges: edges_hot,
            cold_edges: edges_cold,
            nodes,
        }
    }

    /// The id of the word `b[s..e]`, if a pattern has it.
    #[inline]
    fn word(&self, b: &[u8], s: usize, e: usize) -> Option<u32> {
        if e - s <= 8 {
            let k = pack_at(b, s, e - s);
            match self.short_words.get(k) {
                Some(id) => Some(id),
                None if self.cold_filter.may_have(word_hash(&[], Some(k))) => {
                    self.cold_short.get(k)
                }
                None => None,
            }
        } else {
            let w = &b[s..e];
            match self.long_words.get(w) {
                Some(&id) => Some(id),
                None if self.cold_filter.may_have(word_hash(w, None)) => {
                    self.cold_long.get(w).copied()
                }
                None => None,
            }
        }
    }

    /// The child of `node` by word `id`; `kids` is the node's bits of
    /// children ([`WordTrie::nodes`]).
    #[inline]
    fn child(&self, node: u32, kids: u8, id: u32) -> Option<u32> {
        let key = u64::from(node) << 32 | u64::from(id);
        let hot = if kids & 1 != 0 {
            self.edges.get(key)
        } else {
            None
        };
        match hot {
            Some(c) => Some(c),
            None if kids & 2 != 0 => self.cold_edges.get(key),
            None => None,
        }
    }
}

/// A read-only map from `u64` keys to `u32` values other than `NONE`, for
/// the trie's lookups (one for every word of every text): open addressing
/// with linear probing in a power-of-two table at most half full, so that
/// a lookup is a multiplication, a load and a comparison or two, where the
/// general-purpose map took several times that.
///
/// Beside the slots, one byte a slot tells whether it is taken and seven
/// bits of its key's hash: most words of a text are in no pattern, and
/// their lookups read only that byte table (an eighth of the slots' size,
/// small enough to stay in the first-level cache) rather than a slot.
struct FlatMap {
    /// (key, value); an empty slot has the value `NONE`.
    slots: Box<[(u64, u32)]>,
    /// By slot: 0 when empty, else 0x80 | seven bits of the key's hash.
    tags: Box<[u8]>,
    /// 64 minus the number of bits of a slot index.
    shift: u32,
}

impl FlatMap {
    fn new(map: &IntMap<u32>) -> Self {
        let n = (map.len() * 2).next_power_of_two().max(16);
        let shift = 64 - n.trailing_zeros();
        let mut slots = vec![(0u64, NONE); n].into_boxed_slice();
        let mut tags = vec![0u8; n].into_boxed_slice();
        for (&k, &v) in map {
            assert!(v != NONE, "NONE marks an empty slot");
            let (mut i, tag) = Self::home(k, shift);
            while slots[i].1 != NONE {
                i = (i + 1) & (n - 1);
            }
            slots[i] = (k, v);
            tags[i] = tag;
        }
        FlatMap { slots, tags, shift }
    }

    /// The home slot of `k` and its tag.
    #[inline]
    fn home(k: u64, shift: u32) -> (usize, u8) {
        let h = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        ((h >> shift) as usize, (h >> (shift - 8)) as u8 | 0x80)
    }

    #[inline]
    fn get(&self, k: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let (mut i, tag) = Self::home(k, self.shift);
        loop {
            let t = self.tags[i];
            if t == 0 {
                return None;
            }
            if t == tag {
                let (sk, v) = self.slots[i];
                if sk == k {
                    return Some(v);
                }
            }
            i = (i + 1) & mask;
        }
    }
}

impl Lexicon {
    /// Build the trie over the lexicon and all the gazetteer's names.
    pub(crate) fn new(gazetteer: &Gazetteer) -> Self {
        let mut map: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut vars = Vec::new();
        for (forms, cat) in terms() {
            for f in forms.split('|') {
                vars.clear();
                pattern_variants(f, &mut vars);
                for v in &vars {
                    let e = map.entry(v.clone()).or_default();
                    if !e.iter().any(|x| matches!(x, Entry::Lex(c) if c == cat)) {
                        e.push(Entry::Lex(*cat));
                    }
                }
            }
        }
        for (i, p) in gazetteer.places().iter().enumerate() {
            let mut names: Vec<String> = p.names().map(fold).collect();
            if p.kind == PlaceKind::Country {
                // "Burkina" alone for Burkina Faso is common.
                names.retain(|n| !n.is_empty());
            }
            names.sort();
            names.dedup();
            for n in names {
                if n.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
                    continue;
                }
                vars.clear();
                pattern_variants(&n, &mut vars);
                prefix_splits(&n, gazetteer, &mut vars);
                for v in &vars {
                    let e = map.entry(v.clone()).or_default();
                    if !e
                        .iter()
                        .any(|x| matches!(x, Entry::Place(j) if *j == i as u32))
                    {
                        e.push(Entry::Place(i as u32));
                    }
                }
            }
        }
        let mut patterns: Vec<String> = Vec::with_capacity(map.len());
        let mut ranges = Vec::with_capacity(map.len());
        let mut entries = Vec::new();
        let mut hot = Vec::with_capacity(map.len());
        let mut keys: Vec<_> = map.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, es) in keys {
            // A GeoNames village's name alone is cold: few texts have it.
            hot.push(es.iter().any(|e| match *e {
                Entry::Lex(_) => true,
                Entry::Place(i) => gazetteer.places()[i as usize].source != PlaceSource::GeoNames,
            }));
            let s = entries.len() as u32;
            entries.extend(es);
            ranges.push((s, entries.len() as u32));
            patterns.push(k);
        }
        // An actor's home country counts as its nationality would.
        let home_demonym = actors()
            .iter()
            .map(|a| {
                let cc = a.home.as_deref()?;
                gazetteer
                    .places()
                    .iter()
                    .position(|p| p.kind == PlaceKind::Demonym && p.country == cc)
                    .map(|i| i as u32)
            })
            .collect();
        Lexicon {
            home_demonym,
            trie: WordTrie::new(&patterns, &hot),
            context: crate::context::context_table(),
            ranges,
            entries,
            #[cfg(test)]
            patterns,
        }
    }

    /// The demonym row of `actor`'s home country, if it has one.
    pub(crate) fn home_demonym(&self, actor: u8) -> Option<u32> {
        self.home_demonym.get(actor as usize).copied().flatten()
    }

    /// All hits in folded `text`, left to right, whole words only: at each
    /// word, the longest pattern that starts there; after a hit, the next
    /// word after it.
    #[cfg(test)]
    pub(crate) fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        self.scan_words(text, out, &mut Vec::new());
    }

    /// [`Lexicon::scan`], also appending to `words` every word of the text
    /// (`start`, `end`: a maximal run of [`is_word_byte`] bytes), for the
    /// scanners that look at every word ([`crate::numbers::scan_words`]).
    pub(crate) fn scan_words(&self, text: &str, out: &mut Vec<Hit>, words: &mut Vec<(u32, u32)>) {
        let t = &self.trie;
        let b = text.as_bytes();
        // The words of the text that occur in patterns: (start, end, id),
        // in a buffer kept from one call to the next on this thread.
        thread_local! {
            static TOKS: std::cell::Cell<Vec<(u32, u32, u32)>> =
                const { std::cell::Cell::new(Vec::new()) };
        }
        let mut toks = TOKS.try_with(std::cell::Cell::take).unwrap_or_default();
        toks.clear();
        let mut i = 0;
        while i < b.len() {
            if !WORD_BYTE[b[i] as usize] {
                i += 1;
                continue;
            }
            let s = i;
            i = word_end(b, i + 1);
            words.push((s as u32, i as u32));
            let id = t.word(b, s, i);
            // A word of no pattern is left out: no pattern goes through it,
            // and the words on either side of it are not one byte apart,
            // so they are not taken for neighbours below.
            if let Some(id) = id {
                toks.push((s as u32, i as u32, id));
            }
        }
        let mut k = 0;
        while k < toks.len() {
            let (start, _, w) = toks[k];
            let mut node = t.root[w as usize];
            if node == NONE {
                k += 1;
                continue;
            }
            // Follow the words after it while they continue a pattern,
            // remembering the longest complete one.
            let mut best = None;
            let mut j = k;
            loop {
                let (pat, kids) = t.nodes[node as usize];
                if pat != NONE {
                    best = Some((j, pat));
                }
                if kids == 0 || j + 1 >= toks.len() {
                    break;
                }
                let next = toks[j + 1];
                if next.0 != toks[j].1 + 1 {
                    break;
                }
                match t.child(node, kids, next.2) {
                    Some(c) => {
                        node = c;
                        j += 1;
                    }
                    None => break,
                }
            }
            match best {
                Some((j, pat)) => {
                    out.push(Hit {
                        start,
                        end: toks[j].1,
                        pat,
                    });
                    k = j + 1;
                }
                None => k += 1,
            }
        }
        let _ = TOKS.try_with(|c| c.set(toks));
    }

    #[inline]
    pub(crate) fn entries(&self, pat: u32) -> &[Entry] {
        let (s, e) = self.ranges[pat as usize];
        &self.entries[s as usize..e as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(lex: &Lexicon, text: &str) -> Vec<(String, Vec<Cat>)> {
        let mut hits = Vec::new();
        lex.scan(text, &mut hits);
        hits.iter()
            .map(|h| {
                (
                    text[h.start as usize..h.end as usize].to_string(),
                    lex.entries(h.pat)
                        .iter()
                        .filter_map(|e| match e {
                            Entry::Lex(c) => Some(*c),
                            _ => None,
                        })
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn longest_match_and_word_boundaries() {
        let lex = Lexicon::new(&Gazetteer::default());
        let c = cats(&lex, "a heart attack, not an attack; attackers x");
        assert!(c
            .iter()
            .any(|(t, k)| t == "heart attack" && matches!(k[0], Metaphor(_))));
        assert!(c
            .iter()
            .any(|(t, k)| t == "attack" && matches!(k[0], Generic(_))));
        assert!(c.iter().any(|(t, _)| t == "attackers"));
        // "kill" inside "skill" is not a word.
        let c = cats(&lex, "his skill");
        assert!(c.iter().all(|(t, _)| t != "kill"));
    }

    #[test]
    fn hyphen_and_apostrophe_variants() {
        let lex = Lexicon::new(&Gazetteer::default());
        let c = cats(
            &lex,
            "al qaida and al-qaeda and jamaat nusrat al-islam wal muslimin",
        );
        let actors: Vec<_> = c
            .iter()
            .filter(|(_, k)| k.iter().any(|x| matches!(x, Actor(_))))
            .collect();
        assert_eq!(actors.len(), 3);
    }
}

/// The word trie against the scanner it replaced (one Aho-Corasick
/// automaton over the patterns, leftmost-longest, with word-end retries):
/// both must find the same hits in any folded text.
#[cfg(test)]
mod trie_tests {
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

    use super::*;
    use crate::text::{boundary_after, floor_boundary, FoldedText};

    fn automaton(patterns: &[String]) -> AhoCorasick {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            .build(patterns)
            .expect("automaton builds")
    }

    /// The former `Lexicon::scan`, verbatim but for the automaton argument.
    fn automaton_scan(ac: &AhoCorasick, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        // A leading space, then the folded text with every ASCII
        // non-alphanumeric byte replaced by a space (same offsets + 1).
        let mut mt = vec![b' '];
        mt.extend(text.bytes().map(|b| {
            if b < 0x80 && !b.is_ascii_alphanumeric() {
                b' '
            } else {
                b
            }
        }));
        let bytes = text.as_bytes();
        let mut pos = 0usize;
        while pos < mt.len() {
            let Some(m) = ac.find(Input::new(&mt).range(pos..)) else {
                break;
            };
            let (s, e) = (m.start(), m.end() - 1);
            if boundary_after(bytes, e) {
                out.push(Hit {
                    start: s as u32,
                    end: e as u32,
                    pat: m.pattern().as_u32(),
                });
                pos = m.end();
                continue;
            }
            let mut lim = m.end() - 1;
            let mut found = false;
            while lim > m.start() + 1 {
                while lim > m.start() + 1 && mt[lim] != b' ' {
                    lim -= 1;
                }
                if lim <= m.start() + 1 {
                    break;
                }
                let inp = Input::new(&mt)
                    .range(m.start()..lim)
                    .anchored(Anchored::Yes);
                if let Some(m2) = ac.find(inp) {
                    let e2 = m2.end() - 1;
                    if boundary_after(bytes, e2) {
                        out.push(Hit {
                            start: s as u32,
                            end: e2 as u32,
                            pat: m2.pattern().as_u32(),
                        });
                        found = true;
                        pos = m2.end();
                        break;
                    }
                }
                lim -= 1;
            }
            if !found {
                let mut p = m.start() + 1;
                while p < mt.len() && mt[p] != b' ' {
                    p += 1;
                }
                pos = p;
            }
        }
        out
    }

    fn trie_scan(lex: &Lexicon, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        lex.scan(text, &mut out);
        out
    }

    #[test]
    fn word_trie_matches_the_automaton() {
        let lex = Lexicon::new(&Gazetteer::embedded());
        assert!(
            lex.patterns.iter().all(|p| p.trim() != ""),
            "a pattern without a word"
        );
        let ac = automaton(&lex.patterns);
        let mut texts: Vec<String> = [
            "",
            "a",
            " niger",
            "niger nigerien niger-nigeria, al qaida al-qaida alqaida",
            "l'attaque d'inata. tillaberi,niamey--gao  bamako \u{e9}gao gao\u{e9}",
            "jnim jama'at nusrat al-islam wal-muslimin, boko haram's",
            "heart attack, not an attack; attackers x his skill",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Word soup: words of the patterns, whole, cut, extended, or not
        // words of any pattern, joined by every kind of separator.
        let words: Vec<&str> = lex
            .patterns
            .iter()
            .flat_map(|p| p.split(' '))
            .filter(|w| !w.is_empty())
            .collect();
        let seps = [
            " ", " ", " ", "-", "'", ", ", "  ", ".", "\n", " (", "\u{e9} ",
        ];
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut t = String::new();
            // Start from a pattern so that long patterns get exercised.
            t.push_str(lex.patterns[next(lex.patterns.len())].trim_start());
            for _ in 0..next(12) {
                t.push_str(seps[next(seps.len())]);
                let w = words[next(words.len())];
                match next(8) {
                    0 => t.push_str(&w[..floor_boundary(w, w.len() - 1)]),
                    1 => {
                        t.push_str(w);
                        t.push('s');
                    }
                    2 => t.push_str("zz"),
                    3 => t.push_str(lex.patterns[next(lex.patterns.len())].trim_start()),
                    _ => t.push_str(w),
                }
            }
            texts.push(t);
        }
        // The stories of the dev corpus, folded as the classifier does.
        let dev = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/dev/feeds"
        ));
        if let Ok(dir) = std::fs::read_dir(dev) {
            for e in dir.flatten() {
                let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
                let mut f = FoldedText::with_capacity(raw.len());
                f.push_folded(&raw, 0);
                texts.push(f.text);
            }
        }
        for t in &texts {
            assert_eq!(trie_scan(&lex, t), automaton_scan(&ac, t), "in {t:?}");
        }
    }
}
