//! The words before a place mention that say what it is to the incident:
//! a locative ("in", "near", "a"), a target ("attack on", "l'attaque de"),
//! a movement away ("fled from", "venant de") or a distance anchor ("30 km
//! north of"). Looked up by the last one to three words before the name.

use crate::text::Fnv;

const LOCATIVES: &[&str] = &[
    "in",
    "at",
    "near",
    "of",
    "outside",
    "around",
    "a",
    "au",
    "aux",
    "pres de",
    "de",
    "du",
    "d'",
    "dans",
    "vers",
    "between",
    "entre",
    "and",
    "et",
    "on",
    "from",
    "to",
    "toward",
    "towards",
    "close to",
    "non loin de",
    "sur",
    "par",
    "la",
    "le",
];
const TARGET_WORDS: &[&str] = &[
    "attack on",
    "attack in",
    "attack at",
    "attacks on",
    "attacks in",
    "attacked",
    "raid on",
    "assault on",
    "ambush near",
    "ambush in",
    "attaque de",
    "attaque d'",
    "attaque contre",
    "attaque a",
    "attaques contre",
    "attaque du",
    "attaque terroriste de",
    "massacre of",
    "massacre in",
    "massacre at",
    "massacre de",
    "massacre d'",
    "tuerie de",
    "attaquee",
    "attaque",
    "stormed",
    "overran",
    "town of",
    "village of",
    "camp at",
    "base at",
    "camp of",
    "commune de",
    "village de",
    "village frontalier de",
    "localite frontaliere de",
    "ville frontaliere de",
    "localite de",
    "ville de",
    "detachement de",
    "post at",
    "detachment at",
    "killed in",
    "tues a",
    "tues dans",
    "died in",
    "attaque de la",
    "commune of",
    "locality of",
];
const AWAY_WORDS: &[&str] = &[
    "de retour de",
    "en provenance de",
    "returning from",
    "on its way back from",
    "coming from",
    "venant de",
    "fled to",
    "fled towards",
    "fled into",
    "refuge in",
    "refuge a",
    "fui vers",
    "walking to",
    "returned to",
    "visited",
    "se sont rendus a",
    "sheltering in",
    "displaced to",
    "refugies a",
    "refugie a",
    "from",
    "capital",
    "regional capital",
    "chef-lieu",
    "the capital",
    "capital city",
    "the capital city",
    "la capitale",
];
/// Where the wounded or the dead were taken: never the scene.
const TAKEN_WORDS: &[&str] = &[
    "taken to",
    "evacuated to",
    "brought to",
    "transferred to",
    "hospital in",
    "hopital de",
    "chr de",
    "evacues vers",
    "evacues a",
    "transferes a",
    "transfere a",
    "transferee a",
    "transferes vers",
    "transfere vers",
    "transfert a",
    "transfert vers",
    "evacue a",
    "evacue vers",
    "evacuee a",
    "evacuees a",
    "evacuees vers",
    "evacuation vers",
    "admis a",
    "admitted to",
    "rushed to",
    "flown to",
    "airlifted to",
    "achemines vers",
    "achemine vers",
    "attendus a",
    "attendu a",
    "rapatries a",
    "rapatries vers",
    "rapatrie a",
    "rapatrie vers",
    "ramenes a",
    "conduits a",
    "repatriated to",
    "flown back to",
];
const ANCHOR_WORDS: &[&str] = &[
    "north of",
    "south of",
    "east of",
    "west of",
    "north-east of",
    "north-west of",
    "south-east of",
    "south-west of",
    "northeast of",
    "northwest of",
    "southeast of",
    "southwest of",
    "au nord de",
    "au sud de",
    "a l'est de",
    "a l'ouest de",
    "au nord-est de",
    "au nord-ouest de",
    "au sud-est de",
    "au sud-ouest de",
    "au nord d'",
    "au sud d'",
    "a l'est d'",
    "a l'ouest d'",
    "au nord-est d'",
    "au nord-ouest d'",
    "au sud-est d'",
    "au sud-ouest d'",
    "from",
    "de",
];

/// Phrases that put an incident in a part of the country away from its
/// capital ("in the desert north", "dans l'est du pays", "near the border"),
/// folded, with their leading space.
pub(crate) const AWAY_FROM_CAPITAL: &[&str] = &[
    " in the north",
    " in the south",
    " in the east",
    " in the west",
    " in northern ",
    " in southern ",
    " in eastern ",
    " in western ",
    " desert north",
    " country's north",
    " country's east",
    " country's west",
    " country's south",
    " near the border",
    " dans le nord",
    " dans le sud",
    " dans l'est",
    " dans l'ouest",
    " dans le centre",
    " du nord du pays",
    " du sud du pays",
    " de l'est du pays",
    " de l'ouest du pays",
    " au nord du pays",
    " au sud du pays",
    " pres de la frontiere",
    " a la frontiere",
    " southeastern ",
    " northeastern ",
    " southwestern ",
    " northwestern ",
    " border region",
    " du sud-est",
    " du nord-est",
    " du sud-ouest",
    " du nord-ouest",
    " region frontaliere",
];

/// The last one, two and three words of folded `text[..pos]` (each a
/// suffix slice), the same after dropping a trailing article (`None`
/// when there is none: the same words), and the words before an
/// appositive capital ("taken to hospital in the capital, Niamey": the
/// words before "the capital").
fn tails(text: &str, pos: usize) -> [Option<[&str; 3]>; 3] {
    let start = pos.saturating_sub(64);
    let mut start = start;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let before = text[start..pos].trim_end_matches([' ', '"', ',', '(']);
    let stripped = strip_article(before);
    // `stripped` is a prefix of `before`: as long, it is the same text.
    let other = (stripped.len() != before.len()).then(|| last_words(stripped));
    let appositive = strip_capital(before)
        .or_else(|| strip_kind(before))
        .map(last_words);
    [Some(last_words(before)), other, appositive]
}

/// `s` without a trailing "the town of", "la ville de", "la localite d'"
/// ("96 km east of the town of Abeche": the words before it say what the
/// place is to the incident).
fn strip_kind(s: &str) -> Option<&str> {
    const KINDS: &[&str] = &[
        "town of",
        "city of",
        "village of",
        "ville de",
        "ville d'",
        "localite de",
        "localite d'",
        "commune de",
        "commune d'",
    ];
    let w = last_words(s);
    let kind = KINDS.iter().find(|k| w[1] == **k)?;
    let head = s[..s.len() - kind.len()].trim_end();
    let bare = strip_article(head);
    (bare.len() < head.len()).then(|| bare.trim_end_matches([' ', ',']))
}

/// `s` without a trailing "the capital", "the Nigerien capital", "la
/// capitale" or "la capitale nigerienne" (and the comma before it), when
/// it ends so.
fn strip_capital(s: &str) -> Option<&str> {
    let w = last_words(s);
    let head = if w[0] == "capital" || w[0] == "capitale" {
        &s[..s.len() - w[0].len()]
    } else if w[1].starts_with("capitale ") {
        &s[..s.len() - w[1].len()]
    } else {
        return None;
    };
    let head = head.trim_end();
    let mut bare = strip_article(head);
    if bare.len() == head.len() {
        // "the Malian capital": one word between the article and the noun
        let adj = last_words(head)[0];
        let rest = head[..head.len() - adj.len()].trim_end();
        bare = strip_article(rest);
        if bare.len() == rest.len() {
            return None;
        }
    }
    Some(bare.trim_end_matches([' ', ',']))
}

fn last_words(s: &str) -> [&str; 3] {
    let mut out = [""; 3];
    let b = s.as_bytes();
    let mut i = b.len();
    for slot in out.iter_mut() {
        while i > 0 && b[i - 1] == b' ' {
            i -= 1;
        }
        if i == 0 {
            break;
        }
        while i > 0 && b[i - 1] != b' ' {
            i -= 1;
        }
        *slot = &s[i..];
    }
    out
}

pub(crate) type CtxTable =
    std::collections::HashMap<&'static str, u8, std::hash::BuildHasherDefault<Fnv>>;

/// Context flags of the words before a place mention.
pub(crate) const CTX_LOCATIVE: u8 = 1;
pub(crate) const CTX_TARGET: u8 = 2;
pub(crate) const CTX_AWAY: u8 = 4;
pub(crate) const CTX_ANCHOR: u8 = 8;
pub(crate) const CTX_TAKEN: u8 = 16;

/// Build the table of context phrases (done once per engine).
pub(crate) fn context_table() -> CtxTable {
    let mut m = CtxTable::default();
    for (list, flag) in [
        (LOCATIVES, CTX_LOCATIVE),
        (TARGET_WORDS, CTX_TARGET),
        (AWAY_WORDS, CTX_AWAY),
        (ANCHOR_WORDS, CTX_ANCHOR),
        (TAKEN_WORDS, CTX_TAKEN),
    ] {
        for w in list {
            *m.entry(*w).or_insert(0) |= flag;
        }
    }
    m
}

/// The length of the longest phrase of the lists: no longer words are
/// looked up (most three-word tails are longer).
const MAX_PHRASE: usize = {
    let lists = [
        LOCATIVES,
        TARGET_WORDS,
        AWAY_WORDS,
        ANCHOR_WORDS,
        TAKEN_WORDS,
    ];
    let mut max = 0;
    let mut i = 0;
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            if lists[i][j].len() > max {
                max = lists[i][j].len();
            }
            j += 1;
        }
        i += 1;
    }
    max
};

/// The context flags of the (up to three) words before folded `pos`,
/// with or without a trailing article ("attack on the", "l'attaque d'").
/// `table` is the engine's [`context_table`].
pub(crate) fn context_flags(table: &CtxTable, text: &str, pos: usize) -> u8 {
    let get = |x: &str| {
        if x.len() <= MAX_PHRASE {
            table.get(x)
        } else {
            None
        }
    };
    let mut f = 0;
    for tail in tails(text, pos).into_iter().flatten() {
        for x in tail {
            if x.is_empty() {
                continue;
            }
            if let Some(v) = get(x) {
                f |= v;
            }
            if let Some(y) = x.strip_prefix("l'").or_else(|| x.strip_prefix("d'")) {
                if let Some(v) = get(y) {
                    f |= v;
                }
            }
        }
    }
    f
}

fn strip_article(s: &str) -> &str {
    for a in [" the", " l'", " la", " le", " les", " a", " an"] {
        if let Some(x) = s.strip_suffix(a) {
            return x.trim_end();
        }
    }
    if let Some(x) = s.strip_suffix("l'") {
        return x.trim_end();
    }
    s
}
