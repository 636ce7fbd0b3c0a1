//! The prepared document shared by the classifier and the extractor: the
//! text folded with offsets, its segments and sentences weighted by
//! position, one lexicon pass (terms and places), numbers and dates per
//! sentence, the context of every place mention (datelines, captions,
//! where a statement was made, where people came from, routes), and the
//! background clauses (older incidents).
//!
//! ## Positions
//! The title and the first body paragraph (the lead; for a long single
//! paragraph, its first two sentences) weigh 1.0 (later lead sentences 0.8);
//! the second paragraph 0.5, the third 0.4, the fourth 0.3, later ones 0.25.

use crate::context::{context_flags, CTX_ANCHOR, CTX_AWAY, CTX_LOCATIVE, CTX_TAKEN, CTX_TARGET};
use chrono::NaiveDate;

use crate::dates::{self, DateCue, LexHit};
use crate::lexicon::{is_state, AType, Cat, Entry, Hit, COMMON_WORD_NAMES, REGION_ONLY_NAMES};
use crate::numbers::{self, Num};
use crate::text::{detect_language, span_before, FoldedText};
use crate::{Document, Engine, PlaceKind, PlaceSource};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    Title,
    Lead,
    Body,
}

impl Zone {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Zone::Title => "title",
            Zone::Lead => "lead",
            Zone::Body => "body",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub start: usize,
    pub end: usize,
    pub zone: Zone,
    pub weight: f32,
    /// Range into `Doc::lex`.
    pub l0: usize,
    pub l1: usize,
    /// Range into `Doc::places`.
    pub p0: usize,
    pub p1: usize,
    /// Range into `Doc::nums`.
    pub n0: usize,
    pub n1: usize,
    /// Range into `Doc::dates`.
    pub d0: usize,
    pub d1: usize,
    /// Folded offset from which the sentence is about an older incident
    /// (`usize::MAX`: none; `start`: the whole sentence).
    pub bg_from: usize,
    /// Violence evidence of the sentence (before weighting).
    pub violence: f32,
    pub has_kill: bool,
    pub refugee: bool,
    /// A photo caption or credit ("A soldier stands guard ... | REUTERS"):
    /// its dates, places and figures are not the incident's.
    pub caption: bool,
    /// The first sentence of its paragraph.
    pub para_first: bool,
    /// Names as one a village or town the gazetteer does not know ("dans le
    /// village de Tin Abao, a une quarantaine de km de Tin Akoff").
    pub unknown_place: bool,
}

/// A place mention with its candidate gazetteer places.
#[derive(Debug, Clone)]
pub(crate) struct PlaceHit {
    pub start: usize,
    pub end: usize,
    pub sent: usize,
    /// Candidates (indices into the gazetteer), validated for this mention.
    pub cands: Vec<u32>,
    /// Country code of a lexicon foreign name (no gazetteer candidate).
    pub foreign: Option<&'static str>,
    /// Multiplier from the context (border, refugees, dateline, movement).
    pub ctx: f32,
    /// Preceded by an attack word or a locative ("attack on X", "in X").
    pub target: bool,
    pub locative: bool,
    pub anchor: bool,
    /// Second member of "between X and Y".
    pub second: bool,
    /// Member of a route pair ("between X and Y", "the road from X to Y",
    /// "l'axe X-Y"): both ends are places of the incident.
    pub route: bool,
    /// Where a statement was made or a source is ("said in Bamako", "a
    /// source in Niamey"), or where the wounded were taken ("evacuated to
    /// Gao"): evidence of the country, never the scene.
    pub reported: bool,
}

impl PlaceHit {
    /// A mention before its context is read ([`validate_places`]).
    fn new(
        start: usize,
        end: usize,
        sent: usize,
        cands: Vec<u32>,
        foreign: Option<&'static str>,
    ) -> Self {
        PlaceHit {
            start,
            end,
            sent,
            cands,
            foreign,
            ctx: 1.0,
            target: false,
            locative: false,
            anchor: false,
            second: false,
            route: false,
            reported: false,
        }
    }
}

/// The prepared document shared by the classifier and the extractor.
pub(crate) struct Doc<'e> {
    pub engine: &'e Engine,
    pub orig: String,
    pub f: FoldedText,
    pub sents: Vec<Sent>,
    pub lex: Vec<LexHit>,
    pub places: Vec<PlaceHit>,
    pub nums: Vec<Num>,
    pub dates: Vec<DateCue>,
    pub pub_date: Option<NaiveDate>,
    pub lang: &'static str,
    /// Folded spans of datelines ("BAMAKO, Sept 17 —") at the start of the
    /// lead and of the next paragraph (a feed's summary followed by the
    /// article, whose first paragraph carries the dateline).
    pub datelines: [(usize, usize); 3],
}

/// The buffers of a finished [`Doc`], kept for the next document analysed on
/// the same thread: allocating and freeing them for every story cost more
/// than a tenth of an analysis.
#[derive(Default)]
struct Scratch {
    orig: String,
    f: FoldedText,
    sents: Vec<Sent>,
    lex: Vec<LexHit>,
    places: Vec<PlaceHit>,
    nums: Vec<Num>,
    dates: Vec<DateCue>,
    /// Working buffers of [`prepare`]: segments, sentence spans, lexicon hits,
    /// words.
    segs: Vec<(usize, usize)>,
    spans: Vec<(usize, usize)>,
    raw: Vec<Hit>,
    /// Every word of the folded text (start, end).
    words: Vec<(u32, u32)>,
}

/// Buffers larger than this (in bytes of text) are not kept.
const SCRATCH_MAX: usize = 1 << 20;

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Scratch>> = const { std::cell::Cell::new(None) };
}

impl Scratch {
    /// The buffers left by the last document of this thread, emptied.
    fn take() -> Scratch {
        let mut s = SCRATCH
            .try_with(std::cell::Cell::take)
            .ok()
            .flatten()
            .unwrap_or_default();
        s.orig.clear();
        s.f.clear();
        s.sents.clear();
        s.lex.clear();
        s.places.clear();
        s.nums.clear();
        s.dates.clear();
        s.segs.clear();
        s.spans.clear();
        s.raw.clear();
        s.words.clear();
        s
    }

    /// Keep them for the next document of this thread (during the thread's
    /// teardown there is nowhere to keep them).
    fn keep(self) {
        let _ = SCRATCH.try_with(|c| c.set(Some(self)));
    }
}

impl Drop for Doc<'_> {
    fn drop(&mut self) {
        if self.orig.capacity() > SCRATCH_MAX {
            return;
        }
        // Along with the working buffers that `prepare` left there.
        let mut s = SCRATCH
            .try_with(std::cell::Cell::take)
            .ok()
            .flatten()
            .unwrap_or_default();
        s.orig = std::mem::take(&mut self.orig);
        s.f = std::mem::take(&mut self.f);
        s.sents = std::mem::take(&mut self.sents);
        s.lex = std::mem::take(&mut self.lex);
        s.places = std::mem::take(&mut self.places);
        s.nums = std::mem::take(&mut self.nums);
        s.dates = std::mem::take(&mut self.dates);
        s.keep();
    }
}

impl Doc<'_> {
    /// Whether folded offset `pos` lies in a dateline.
    pub(crate) fn in_dateline(&self, pos: usize) -> bool {
        self.datelines.iter().any(|&(a, b)| a <= pos && pos < b)
    }

    pub(crate) fn text(&self, s: usize, e: usize) -> &str {
        let (a, b) = (self.f.orig(s), self.f.orig(e));
        // A match that ends a segment maps its end to the start of the next
        // one: drop the blank lines in between.
        self.orig
            .get(a..b)
            .unwrap_or("")
            .trim_end_matches(|c: char| c.is_whitespace())
    }

    pub(crate) fn lex_of(&self, s: usize) -> &[LexHit] {
        &self.lex[self.sents[s].l0..self.sents[s].l1]
    }

    pub(crate) fn nums_of(&self, s: usize) -> &[Num] {
        &self.nums[self.sents[s].n0..self.sents[s].n1]
    }

    pub(crate) fn dates_of(&self, s: usize) -> &[DateCue] {
        &self.dates[self.sents[s].d0..self.sents[s].d1]
    }
}

const ABBREVIATIONS: &[&str] = &[
    "gen", "lt", "col", "capt", "cpt", "maj", "sgt", "cpl", "mr", "mrs", "ms", "dr", "st", "no",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "m",
    "mme", "mgr", "cf", "etc", "vs", "gov", "sen", "rep", "pres", "prof", "insp", "cdt", "adj",
    "brig", "lieut", "cmdt", "u.s", "u.n", "a.m", "p.m", "al", "approx", "est", "incl", "esp",
    "resp",
];

/// Split folded `[s, e)` into sentences.
fn split_sentences(f: &FoldedText, orig: &str, s: usize, e: usize, out: &mut Vec<(usize, usize)>) {
    let b = f.text.as_bytes();
    let ob = orig.as_bytes();
    let mut start = s;
    let mut i = s;
    while i < e {
        // Jump to the next sentence mark.
        match memchr::memchr3(b'.', b'!', b'?', &b[i..e]) {
            Some(k) => i += k,
            None => break,
        }
        let c = b[i];
        {
            // Move past closing quotes/brackets.
            let mut j = i + 1;
            while j < e && matches!(b[j], b'"' | b'\'' | b')') {
                j += 1;
            }
            let split = if j >= e {
                false
            } else if b[j] == b' ' {
                let k = j + 1;
                if k >= e {
                    false
                } else {
                    let oc = ob.get(f.orig(k)).copied().unwrap_or(b' ');
                    let next_ok = oc.is_ascii_uppercase()
                        || oc.is_ascii_digit()
                        || matches!(b[k], b'"' | b'(' | b'-')
                        || oc >= 0x80;
                    if !next_ok || c != b'.' {
                        next_ok
                    } else {
                        // Abbreviation or initial before the dot?
                        let mut w = i;
                        while w > start && (b[w - 1].is_ascii_alphanumeric() || b[w - 1] == b'.') {
                            w -= 1;
                        }
                        let word = &f.text[w..i];
                        !(word.len() == 1 && b[w].is_ascii_alphabetic()
                            || listed(ABBREVIATIONS, word))
                    }
                }
            } else if c == b'.' && i > start + 2 {
                // "in 2015.The attack": a dot glued to a capitalised word.
                let oc = ob.get(f.orig(j)).copied().unwrap_or(b' ');
                oc.is_ascii_uppercase()
                    && b[i - 1].is_ascii_lowercase()
                    && b[i - 2].is_ascii_lowercase()
                    && !f.text[start..i].ends_with("u.s")
                    || (oc.is_ascii_uppercase()
                        && b[i - 1].is_ascii_digit()
                        && b[i - 2].is_ascii_digit())
            } else {
                false
            };
            if split {
                out.push((start, j));
                start = if j < e && b[j] == b' ' { j + 1 } else { j };
                i = start;
                continue;
            }
        }
        i += 1;
    }
    if start < e {
        out.push((start, e));
    }
}

/// Is there a region word right before (" region du X", "province de X")
/// or right after ("X region") the mention?
fn region_context(doc_lex: &[LexHit], s: usize, e: usize) -> bool {
    doc_lex.iter().any(|h| {
        matches!(h.cat, Cat::RegionWord)
            && ((h.end <= s && s - h.end <= 6) || (h.start >= e && h.start - e <= 2))
    })
}

pub(crate) fn prepare<'e>(engine: &'e Engine, doc: &Document<'_>) -> Doc<'e> {
    let title = doc.title.trim();
    let mut scratch = Scratch::take();
    let mut orig = std::mem::take(&mut scratch.orig);
    orig.reserve(title.len() + doc.body.len() + 2);
    orig.push_str(title);
    orig.push_str("\n\n");
    let body_base = orig.len();
    orig.push_str(doc.body);
    let mut f = std::mem::take(&mut scratch.f);
    // Segments: title, then paragraphs separated by blank lines.
    let mut segs = std::mem::take(&mut scratch.segs);
    let mut bylines: Vec<usize> = Vec::new();
    let s0 = f.text.len();
    f.push_folded(title, 0);
    segs.push((s0, f.text.len()));
    let body = doc.body;
    let mut para_start = 0usize;
    let bb = body.as_bytes();
    let mut i = 0usize;
    let push_para = |f: &mut FoldedText, a: usize, b: usize, segs: &mut Vec<(usize, usize)>| {
        let piece = &body[a..b];
        if piece.trim().is_empty() {
            return;
        }
        f.push_break(body_base + a);
        let s = f.text.len();
        f.push_folded(piece, body_base + a);
        if f.text.len() > s {
            segs.push((s, f.text.len()));
        }
    };
    while i < bb.len() {
        match memchr::memchr(b'\n', &bb[i..]) {
            Some(k) => i += k,
            None => break,
        }
        // A byline, a date stamp or an editor's note on a line of its own
        // at a paragraph's start ("By M. B.", "World Watch Monitor | Sept.
        // 20, 2018", "(Adds details)"): a paragraph of its own, not the lead.
        if byline_line(&body[para_start..i]) {
            let n = segs.len();
            push_para(&mut f, para_start, i, &mut segs);
            if segs.len() > n {
                bylines.push(n);
            }
            para_start = i + 1;
            i += 1;
            continue;
        }
        {
            // Blank line?
            let mut j = i + 1;
            while j < bb.len() && matches!(bb[j], b' ' | b'\t' | b'\r') {
                j += 1;
            }
            if j < bb.len() && bb[j] == b'\n' {
                push_para(&mut f, para_start, i, &mut segs);
                while j < bb.len() && matches!(bb[j], b'\n' | b' ' | b'\t' | b'\r') {
                    j += 1;
                }
                para_start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if para_start < body.len() {
        push_para(&mut f, para_start, body.len(), &mut segs);
    }
    f.finish(orig.len());

    let lang: &'static str = match doc.language.map(|l| l.to_ascii_lowercase()) {
        Some(l) if l.starts_with("fr") => "fr",
        Some(l) if l.starts_with("en") => "en",
        _ => detect_language(&f.text),
    };
    let pub_date = doc.published.map(|p| p.date_naive());

    // Sentences with zones and weights.
    let mut sents = std::mem::take(&mut scratch.sents);
    let mut spans = std::mem::take(&mut scratch.spans);
    let mut body_para = 0usize;
    let title_caps = !title.chars().any(|c| c.is_lowercase());
    for (si, &(s, e)) in segs.iter().enumerate() {
        spans.clear();
        if si == 0 {
            spans.push((s, e));
        } else {
            split_sentences(&f, &orig, s, e, &mut spans);
        }
        // A short heading ("Key points", "What happened") is not the lead.
        let short = || {
            memchr::memchr_iter(b' ', &f.text.as_bytes()[s..e])
                .nth(3)
                .is_none()
        };
        // The page's copy of the headline above the article ("Niger arrests
        // 3 in attack on Saudi travellers" again), also under a breadcrumb
        // and a date line: the article starts after it, and what came
        // before it was no lead.
        let (t0, t1) = segs[0];
        if si > 0 && body_para <= 3 && same_words(&f.text[s..e], &f.text[t0..t1]) {
            for x in sents.iter_mut().filter(|x| x.zone == Zone::Lead) {
                x.zone = Zone::Body;
                x.weight = 0.3;
            }
            body_para = 0;
            for &(a, b) in spans.iter() {
                sents.push(new_sent(a, b, Zone::Body, 0.3));
            }
            continue;
        }
        // The headline's copy on a paragraph's first line, then the page's
        // byline, a photo's credit and its caption ("Publié le ... |
        // source\nCérémonie\n© abamako.com par DIA\n<the caption>"): the
        // whole paragraph is the page's, and the article starts after it.
        if si > 0
            && body_para <= 3
            && headline_and_caption(&orig[f.orig(s)..f.orig(e)], &f.text[t0..t1])
        {
            for x in sents.iter_mut().filter(|x| x.zone == Zone::Lead) {
                x.zone = Zone::Body;
                x.weight = 0.3;
            }
            body_para = 0;
            for &(a, b) in spans.iter() {
                let mut sent = new_sent(a, b, Zone::Body, 0.05);
                sent.caption = true;
                sents.push(sent);
            }
            continue;
        }
        // Nor is a dateline on a line of its own ("Bamako, Jan 28 (AFP) Jan
        // 28, 2018"); it is still read as a dateline.
        let bare_dateline = || {
            let line = &f.text[s..e];
            e - s <= 64 && !line.ends_with('.') && (credits_agency(line) || stamped(line))
        };
        if si > 0 && body_para == 0 && (bare_dateline() || bylines.contains(&si)) {
            for &(a, b) in spans.iter() {
                let mut sent = new_sent(a, b, Zone::Body, 0.3);
                sent.para_first = true;
                sents.push(sent);
            }
            continue;
        }
        // Nor is a line of the page's chrome above the article: a menu, a
        // breadcrumb or a row of tags ("::Koaci.com Bamako:: Tombouctou
        // Search Tombouctou ::") tells no sentence.
        if si > 0
            && body_para == 0
            && chrome(
                &orig[f.orig(s)..f.orig(e)],
                segs.get(si + 1).map(|&(a, _)| &orig[f.orig(a)..]),
            )
            && segs[si + 1..]
                .iter()
                .any(|&(a, b)| !no_sentence(&f.text[a..b]))
        {
            for &(a, b) in spans.iter() {
                sents.push(new_sent(a, b, Zone::Body, 0.3));
            }
            continue;
        }
        if si > 0 && !f.text[s..e].ends_with('.') && short() {
            for &(a, b) in spans.iter() {
                sents.push(new_sent(a, b, Zone::Body, 0.3));
            }
            continue;
        }
        if si > 0 && is_caption(&f.text[s..e]) {
            for (k, &(a, b)) in spans.iter().enumerate() {
                let mut sent = new_sent(a, b, Zone::Body, 0.05);
                sent.caption = true;
                // a dateline may follow on one of its lines
                sent.para_first = k == 0;
                sents.push(sent);
            }
            continue;
        }
        if si > 0 {
            body_para += 1;
        }
        for (k, &(a, b)) in spans.iter().enumerate() {
            let (zone, w) = if si == 0 {
                (Zone::Title, 1.0)
            } else if body_para == 1 {
                if k == 0 {
                    (Zone::Lead, 1.0)
                } else if k == 1 {
                    (Zone::Lead, 0.8)
                } else if spans.len() > 4 {
                    (Zone::Body, 0.5)
                } else {
                    (Zone::Lead, 0.7)
                }
            } else {
                let w = match body_para {
                    2 => 0.5,
                    3 => 0.4,
                    4 => 0.3,
                    _ => 0.25,
                };
                (Zone::Body, w)
            };
            let mut sent = new_sent(a, b, zone, w);
            sent.para_first = k == 0;
            sents.push(sent);
        }
    }
    let _ = title_caps;

    // Datelines at the start of the first body paragraphs (after a page's
    // menus and bylines): "BAMAKO, Sept 17 —", "NIAMEY, Nov 5 (Wire Desk) -".
    let mut datelines = [(0usize, 0usize); 3];
    // The headline's copy above the article ("Officials: Janjaweed militia
    // kills 65") is no dateline, whatever its colon.
    let title = sents
        .first()
        .filter(|s| s.zone == Zone::Title)
        .map(|s| f.text[s.start..s.end].trim())
        .filter(|t| t.len() >= 12);
    let headline_copy = |a: usize| title.is_some_and(|t| f.text[a..].starts_with(t));
    let found = sents
        .iter()
        .filter(|s| s.zone != Zone::Title && s.para_first)
        .take(8)
        .filter_map(|s| {
            // also after a byline's line break ("By M. B.\nOUAGADOUGOU, April 4 ...")
            let o0 = f.orig(s.start);
            let o1 = f.orig(s.end).min(o0 + 240).min(orig.len());
            let lines = orig
                .get(o0..o1)
                .unwrap_or("")
                .match_indices('\n')
                .map(|(k, _)| folded_at(&f, s.start, s.end, o0 + k + 1));
            std::iter::once(s.start)
                .chain(lines)
                .flat_map(|a| {
                    // "date 2017-04-10 NIAMEY, Niger —", "April 10, 2017
                    // BAMAKO (AP) -": the page's date before the dateline.
                    let o = f.orig(a);
                    let k = date_prefix(orig.get(o..o1.max(o)).unwrap_or(""));
                    let b = (k > 0).then(|| folded_at(&f, s.start, s.end, o + k));
                    std::iter::once(a).chain(b)
                })
                .filter(|&a| !headline_copy(a))
                .find_map(|a| dateline_of(&f, &orig, a, s.end).map(|end| (a, end)))
        });
    let found: Vec<(usize, usize)> = found.take(3).collect();
    for (slot, &span) in datelines.iter_mut().zip(&found) {
        *slot = span;
    }
    for &(a, _) in &found {
        split_above_dateline(&mut sents, a);
    }
    dateline_opens_article(&mut sents, &datelines);

    // One lexicon pass.
    let mut raw = std::mem::take(&mut scratch.raw);
    let mut words = std::mem::take(&mut scratch.words);
    engine.lexicon.scan_words(&f.text, &mut raw, &mut words);
    let mut lex = std::mem::take(&mut scratch.lex);
    let mut places = std::mem::take(&mut scratch.places);
    let mut si = 0usize;
    let nsent = sents.len();
    for h in &raw {
        let (s, e) = (h.start as usize, h.end as usize);
        while si + 1 < nsent && sents[si].end <= s {
            si += 1;
        }
        let mut cands: Vec<u32> = Vec::new();
        let mut foreign = None;
        let mut neutral = false;
        for en in engine.lexicon.entries(h.pat) {
            match *en {
                Entry::Lex(Cat::Foreign(cc)) => foreign = Some(cc),
                Entry::Lex(Cat::Neutral) => neutral = true,
                Entry::Lex(cat) => {
                    if let Cat::Actor(a) = cat {
                        // "Malian soldiers", "l'armee nigerienne", "MNJ
                        // rebels": the country. A state's forces say it only
                        // with their nationality ("forces armees nationales"
                        // are several countries').
                        if let Some(p) = engine.lexicon.home_demonym(a) {
                            if !is_state(a) || names_nationality(&f.text[s..e]) {
                                cands.push(p);
                            }
                        }
                    }
                    lex.push(LexHit {
                        start: s,
                        end: e,
                        cat,
                    })
                }
                Entry::Place(p) => cands.push(p),
            }
        }
        if neutral {
            continue;
        }
        if !cands.is_empty() || foreign.is_some() {
            places.push(PlaceHit::new(s, e, si, cands, foreign));
        }
    }
    near_spellings(engine, &f, &orig, &mut sents, &mut places);
    // Assign lexicon ranges to sentences.
    let mut li = 0;
    let mut pi = 0;
    for s in sents.iter_mut() {
        while li < lex.len() && lex[li].start < s.start {
            li += 1;
        }
        s.l0 = li;
        while li < lex.len() && lex[li].start < s.end {
            li += 1;
        }
        s.l1 = li;
        while pi < places.len() && places[pi].start < s.start {
            pi += 1;
        }
        s.p0 = pi;
        while pi < places.len() && places[pi].start < s.end {
            pi += 1;
        }
        s.p1 = pi;
    }

    // Numbers and dates per sentence.
    let mut nums = std::mem::take(&mut scratch.nums);
    let mut dates_v = std::mem::take(&mut scratch.dates);
    for s in sents.iter_mut() {
        s.n0 = nums.len();
        numbers::scan_words(&f.text, s.start, s.end, &words, &mut nums);
        s.n1 = nums.len();
        s.d0 = dates_v.len();
        dates::scan(
            &f.text,
            s.start,
            s.end,
            &lex[s.l0..s.l1],
            pub_date,
            &mut dates_v,
        );
        s.d1 = dates_v.len();
    }

    scratch.segs = segs;
    scratch.spans = spans;
    scratch.raw = raw;
    scratch.words = words;
    scratch.keep();

    let mut d = Doc {
        engine,
        orig,
        f,
        sents,
        lex,
        places,
        nums,
        dates: dates_v,
        pub_date,
        lang,
        datelines,
    };
    let tc = title_caps_of(&d);
    validate_places(&mut d, tc);
    d
}

fn title_caps_of(d: &Doc<'_>) -> bool {
    let t = d
        .sents
        .first()
        .map(|s| d.text(s.start, s.end))
        .unwrap_or("");
    !t.chars().any(|c| c.is_lowercase())
}

/// Whether a national army's name says its nationality ("malian troops",
/// "armee nigerienne", "FAMa": Forces armees maliennes), rather than naming it
/// by an acronym several armies share ("FDS", "forces armees nationales").
fn names_nationality(folded: &str) -> bool {
    [
        "mali", "burkina", "niger", "tchad", "chad", "maurit", "fama",
    ]
    .iter()
    .any(|c| folded.contains(c))
}

/// Whether the place at `start` is where a statement was made: a reporting
/// verb right before it, with only "in", "a", "from", "de" and the agency
/// between them.
fn reported_from(text: &str, slex: &[LexHit], start: usize) -> bool {
    const LINK: &[&str] = &[
        "in",
        "a",
        "from",
        "de",
        "depuis",
        "to",
        "afp",
        "reuters",
        "ap",
        "the",
        "press",
        "reporters",
        "journalists",
        "journalistes",
        "l'afp",
        "la",
        "presse",
        "on",
        "by",
        "phone",
        "telephone",
        "par",
        "au",
        "told",
        "said",
    ];
    sourced_from(text, start)
        || slex.iter().rev().any(|h| {
            h.cat == Cat::Announce && h.end <= start && start - h.end <= 30 && {
                let between = text[h.end..start].trim();
                !between.is_empty()
                    && between
                        .split([' ', ','])
                        .filter(|w| !w.is_empty())
                        .all(|w| LINK.contains(&w))
                    && between
                        .split(' ')
                        .next_back()
                        .is_some_and(|w| matches!(w, "in" | "a" | "from" | "de" | "depuis"))
            }
        })
}

/// A capital that stands for its government: "N'Djamena a affirme avoir
/// neutralise 60 vehicules", "Bamako said", "selon Ndjamena",
/// "according to Niamey".
fn capital_speaks(text: &str, slex: &[LexHit], start: usize, end: usize) -> bool {
    if !is_capital(&text[start..end]) {
        return false;
    }
    let before = text[..start].trim_end();
    if before.ends_with(" selon") || before.ends_with(" according to") {
        return true;
    }
    // "des poursuites annoncees par Bamako", "announced by Niamey"
    if let Some(verb_end) = before
        .strip_suffix(" par")
        .or_else(|| before.strip_suffix(" by"))
        .map(str::len)
    {
        if slex
            .iter()
            .any(|h| h.cat == Cat::Announce && h.end <= verb_end && verb_end - h.end <= 3)
        {
            return true;
        }
    }
    announces(text, slex, end, 60)
}

/// A place that the sentence describes ("Abeche (600 km de la capitale)
/// est une ville strategique ou...", "Gao is the largest city of the
/// north"): what the story says of a reference town, not the scene.
fn described(text: &str, end: usize) -> bool {
    const COPULAS: &[&str] = &[
        " est une ",
        " est un ",
        " est la ",
        " est le ",
        " est situe",
        " is a ",
        " is an ",
        " is the ",
        " is located",
        " is situated",
        " lies ",
    ];
    let mut rest = &text[end..];
    // over a parenthesis of its own ("Abeche (600 km de la capitale) est")
    if let Some(x) = rest.strip_prefix(" (") {
        match x.find(')') {
            Some(k) if k < 60 => rest = &x[k + 1..],
            _ => return false,
        }
    }
    COPULAS.iter().any(|c| rest.starts_with(c))
}

/// What may stand between a speaker and its verb: auxiliaries, a negation
/// and adverbs ("Niamey n'a tout de meme pas encore officiellement
/// confirme", "Bamako a cependant dementi", "Niger has not yet said").
const AUXILIARIES: &[&str] = &[
    "",
    "a",
    "has",
    "have",
    "had",
    "ont",
    "avait",
    "also",
    "aussi",
    "n'a",
    "n'ont",
    "n'avait",
    "ne",
    "pas",
    "not",
    "yet",
    "encore",
    "tout",
    "de",
    "meme",
    "officiellement",
    "officially",
    "cependant",
    "however",
    "pourtant",
    "toutefois",
    "immediately",
    "immediatement",
    "quickly",
    "rapidement",
    "deja",
    "already",
    "still",
    "toujours",
    "since",
    "depuis",
    "later",
    "plus",
    "tard",
];

/// Whether a speech verb follows `end` within `reach` bytes, with only
/// auxiliaries between: "Bamako said", "N'Djamena a affirme", "Algeria has
/// also said".
fn announces(text: &str, slex: &[LexHit], end: usize, reach: usize) -> bool {
    slex.iter().any(|h| {
        h.cat == Cat::Announce
            && h.start >= end
            && h.start - end <= reach
            && text[end..h.start]
                .split([' ', ','])
                .all(|w| AUXILIARIES.contains(&w))
    })
}

/// A country named as the owner of a diplomatic post ("le consulat
/// d'Algerie", "the embassy of France", "the Algerian consulate", "la
/// representation consulaire algerienne") or as a speaker ("l'Algerie
/// condamne", "Algeria said").
fn foreign_state_side(text: &str, slex: &[LexHit], start: usize, end: usize) -> bool {
    const POSTS: &[&str] = &[
        "consulat d'",
        "consulat de ",
        "consulat general d'",
        "consulat general de ",
        "ambassade d'",
        "ambassade de ",
        "consulate of ",
        "embassy of ",
        "consulaire ",
        "diplomatique ",
        "diplomatic ",
    ];
    const AFTER: &[&str] = &[
        " consulate",
        " embassy",
        " diplomat",
        " condamne",
        " condemn",
        " confirme",
        " denonce",
        " denounce",
    ];
    let mut a = start.saturating_sub(24);
    while !text.is_char_boundary(a) {
        a += 1;
    }
    let before = &text[a..start];
    POSTS.iter().any(|p| before.ends_with(p))
        || AFTER.iter().any(|x| text[end..].starts_with(x))
        || announces(text, slex, end, 8)
}

/// Whether the place at `start` is where a source or a reporter is: "a
/// security source in Niamey", "une source bien informee a Nouakchott", "a
/// security source from the Chadian capital N'Djamena", "de notre
/// correspondante a Nouakchott".
fn sourced_from(text: &str, start: usize) -> bool {
    const WHO: &[&str] = &[
        "source",
        "sources",
        "correspondent",
        "correspondents",
        "correspondant",
        "correspondante",
        "correspondants",
        "envoye",
        "envoyee",
        "reporter",
    ];
    const LINK: &[&str] = &[
        "in",
        "a",
        "from",
        "de",
        "du",
        "depuis",
        "the",
        "la",
        "le",
        "une",
        "un",
        "des",
        "based",
        "basee",
        "base",
        "security",
        "securitaire",
        "securitaires",
        "military",
        "militaire",
        "militaires",
        "local",
        "locale",
        "locales",
        "diplomatic",
        "diplomatique",
        "bien",
        "informee",
        "informees",
        "well-informed",
        "proche",
        "proches",
        "official",
        "officielle",
        "humanitarian",
        "humanitaire",
        "medical",
        "medicale",
        "hospital",
        "hospitaliere",
        "capital",
        "capitale",
        "chadian",
        "malian",
        "nigerien",
        "burkinabe",
        "mauritanian",
        "tchadienne",
        "malienne",
        "nigerienne",
        "mauritanienne",
        "our",
        "notre",
        "reached",
        "joint",
        "jointe",
        "contacted",
        "contactee",
        "told",
        "to",
        "afp",
        "reuters",
        "l'afp",
        "special",
        "speciale",
    ];
    const LOCATIVE: &[&str] = &[
        "in", "a", "from", "de", "depuis", "capital", "capitale", "based", "basee",
    ];
    let mut a = start.saturating_sub(70);
    while !text.is_char_boundary(a) {
        a += 1;
    }
    // Word by word back from the place: links, then the source (no
    // substring search: this runs for every place mention).
    let mut words = text[a..start].rsplit([' ', ',']).filter(|w| !w.is_empty());
    if !words.next().is_some_and(|w| LOCATIVE.contains(&w)) {
        return false;
    }
    for w in words {
        if WHO.contains(&w) {
            return true;
        }
        if !LINK.contains(&w) {
            return false;
        }
    }
    false
}

/// A paragraph that credits a photo ("| REUTERS/Luc Gnago/Files",
/// "Photo: wikipedia", "(illustration)"): folded text.
fn is_caption(p: &str) -> bool {
    const MARKS: &[&str] = &[
        "| reuters",
        "reuters/",
        "afp |",
        "| afp",
        "afp photo",
        "/afp",
        "photo:",
        "photo :",
        "photo credit",
        "credit photo",
        "photo d'archives",
        "photo d'illustration",
        "(illustration)",
        "(photo",
        "photograph:",
        "getty images",
        "file photo",
        "image:",
        "/files",
        "©",
    ];
    // Every mark has one of these bytes or words: most paragraphs are
    // ruled out by a few scans (the finders are built once).
    static WORDS: std::sync::OnceLock<[memchr::memmem::Finder<'static>; 3]> =
        std::sync::OnceLock::new();
    let words = WORDS
        .get_or_init(|| [b"afp".as_slice(), b"photo", b"getty"].map(memchr::memmem::Finder::new));
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::OnceLock::new();
    let marks = FINDERS.get_or_init(|| {
        MARKS
            .iter()
            .map(|m| memchr::memmem::Finder::new(m.as_bytes()))
            .collect()
    });
    // "FILE - In this Aug. 31, 2012 file photo, fighters ... (AP Photo/File)":
    // an agency's archive caption, however long.
    if ["file - ", "file – ", "file — ", "file photo"]
        .iter()
        .any(|x| p.starts_with(x))
    {
        return true;
    }
    let b = p.as_bytes();
    p.len() < 400
        && (memchr::memchr3(b'|', b'/', b'(', b).is_some()
            || memchr::memchr2(b':', 0xC2, b).is_some()
            || words.iter().any(|w| w.find(b).is_some()))
        && marks.iter().any(|m| m.find(b).is_some())
}

/// Country and area names that open headlines ("Mali - ...", "Niger :
/// ..."), lower case: never a dateline's place.
const COUNTRY_HEADS: &[&str] = &[
    "mali",
    "niger",
    "chad",
    "tchad",
    "burkina",
    "mauritania",
    "mauritanie",
    "nigeria",
    "algeria",
    "algerie",
    "algérie",
    "libya",
    "libye",
    "sudan",
    "soudan",
    "senegal",
    "sénégal",
    "sahel",
    "africa",
    "afrique",
];

/// News agencies' credits in datelines, lower case.
const AGENCIES: &[&str] = &[
    "(afp)",
    "(reuters)",
    "(ap)",
    "(apa)",
    "(xinhua)",
    "(anadolu)",
    "(aa)",
    "(aip)",
    "(ani)",
    "(pana)",
    "(rfi)",
    "(voa)",
    "(efe)",
    "(dpa)",
    "(ansa)",
    "(apanews)",
    "(sputnik)",
    "(ips)",
    "| afp |",
    "| reuters |",
    "| ap |",
    "| apa |",
    "| xinhua |",
];

/// The folded end of a dateline that opens the sentence `[start, end)`:
/// an upper-case place ("BAMAKO", "N'DJAMENA") and, within 80 characters,
/// the dash that ends the dateline.
fn dateline_of(f: &FoldedText, orig: &str, start: usize, end: usize) -> Option<usize> {
    let o0 = f.orig(start);
    let head: &str = orig.get(o0..(o0 + 90).min(orig.len())).unwrap_or("");
    let head = first_chars(head, 80);
    // "(NIAMEY) Fifteen soldiers...", "(Gao) Whilst the French...": the
    // place in brackets.
    if let Some(inner) = head.strip_prefix('(') {
        let word = prefix_while(inner, |c| {
            c.is_alphabetic() || c == '\'' || c == '-' || c == ' '
        });
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let after = &inner[word.len()..];
        let capitalised = word.chars().next().is_some_and(char::is_uppercase)
            && after
                .strip_prefix(") ")
                .and_then(|x| x.chars().next())
                .is_some_and(char::is_uppercase);
        if letters >= 3
            && (!word.chars().any(char::is_lowercase) || capitalised)
            && after.starts_with(')')
        {
            return Some(folded_at(f, start, end, o0 + 1 + word.len() + 1));
        }
    }
    let first_word = prefix_while(head, |c| {
        c.is_alphabetic() || c == '/' || c == '\'' || c == '-'
    });
    if first_word.chars().filter(|c| c.is_alphabetic()).count() < 3
        || !first_word.chars().next().is_some_and(char::is_uppercase)
    {
        return None;
    }
    let caps = !first_word.chars().any(|c| c.is_lowercase());
    // "Mali - Tuareg rebels overrun ...", "Burkina : une ecole incendiee":
    // a headline's country, not where the story was filed.
    if COUNTRY_HEADS.contains(&first_word.to_lowercase().as_str()) {
        return None;
    }
    // "Bamako, - Vingt-quatre civils...", "Niamey - The army said...": a
    // capitalised place and the dash right after it.
    let rest = &head[first_word.len()..];
    if let Some(sep) = [", - ", " - ", " – ", " — ", ", – ", ", — ", " -- "]
        .iter()
        .find(|s| rest.starts_with(*s))
    {
        return Some(folded_at(f, start, end, o0 + first_word.len() + sep.len()));
    }
    // "Niamey: Gunmen mounted on pick-up trucks...": a place, a colon and a
    // capitalised sentence.
    if let Some(after) = rest.strip_prefix(": ") {
        if after.chars().next().is_some_and(char::is_uppercase) {
            return Some(folded_at(f, start, end, o0 + first_word.len() + 2));
        }
    }
    // "BAMAKO, Mali: At least 12 civilians...": a place, its country, a
    // colon and a capitalised sentence.
    if let Some(x) = rest.strip_prefix(", ") {
        let country = prefix_while(x, |c| c.is_alphabetic() || c == ' ' || c == '-');
        let after = x[country.len()..].strip_prefix(": ").unwrap_or("");
        if (3..=24).contains(&country.len())
            && country.chars().next().is_some_and(char::is_uppercase)
            && after.chars().next().is_some_and(char::is_uppercase)
        {
            return Some(folded_at(
                f,
                start,
                end,
                o0 + first_word.len() + 4 + country.len(),
            ));
        }
    }
    // "Niamey, December 30, 2009" alone on its line above the story: all
    // dateline ("Tuesday, November 27, 2007" is only a date).
    const WEEKDAYS: &[&str] = &[
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
    ];
    let weekday = WEEKDAYS.contains(&first_word.to_lowercase().as_str());
    if let Some(x) = rest.strip_prefix(", ").filter(|_| !weekday) {
        let line = orig
            .get(o0..f.orig(end.saturating_sub(1)) + 1)
            .unwrap_or("");
        if line.len() <= 48
            && date_alone(
                x.get(..line.len().saturating_sub(first_word.len() + 2))
                    .unwrap_or(""),
            )
        {
            return Some(end);
        }
    }
    // "Bamako (AFP) -", "Niamey, 5 oct (Reuters) –", "Bamako, Mali | AFP |":
    // a capitalised place and a news agency's credit.
    // Agencies are credited in brackets or between bars.
    let agency = agency_end(head);
    if !caps && agency.is_none() {
        return None;
    }
    // "Bamako, Jan 28 (AFP) Jan 28, 2018" alone above the story: a short
    // sentence with an agency's credit is all dateline.
    if agency.is_some()
        && orig
            .get(o0..f.orig(end.saturating_sub(1)) + 1)
            .is_some_and(|x| x.trim().chars().count() <= 64)
    {
        return Some(end);
    }
    // "OUAGADOUGOU, April 4 Unidentified gunmen...": an upper-case place,
    // a date, and the story.
    if caps {
        if let Some(k) = rest.strip_prefix(", ").and_then(dated_head) {
            return Some(folded_at(f, start, end, o0 + first_word.len() + 2 + k));
        }
    }
    let seps: &[&str] = if caps && head[first_word.len()..].starts_with(':') {
        // "BAMAKO: At least 32 civilians..."
        &[":"]
    } else {
        &[
            " — ", " - ", " – ", " -- ", ") -", ") —", ") –", ")- ", ")– ", ")— ", " | ", ") :",
            "):",
        ]
    };
    let from = agency.unwrap_or(0).min(head.len());
    let from = (0..=from)
        .rev()
        .find(|&k| head.is_char_boundary(k))
        .unwrap_or(0);
    for sep in seps {
        let found = find_short(&head[from..], sep)
            .map(|k| k + from)
            .or_else(|| agency.and(find_short(head, sep)));
        if let Some(k) = found {
            return Some(folded_at(f, start, end, o0 + k + sep.len()));
        }
    }
    // "NIAMEY, Aug 22 (Reuters) Tuareg-led rebels said": the credit and a
    // capitalised sentence, no dash.
    // "Niamey (AFP) March 31, 2008 Ten Tuareg rebels...": the date after
    // the credit is the dateline's too.
    if let Some(k) = agency.filter(|&k| head.is_char_boundary(k)) {
        let after = &head[k..];
        if let Some(rest) = after.strip_prefix(' ') {
            let date = dated_head(rest);
            if date.is_some() || rest.chars().next().is_some_and(char::is_uppercase) {
                return Some(folded_at(f, start, end, o0 + k + 1 + date.unwrap_or(0)));
            }
        }
    }
    None
}

/// The length of a date that opens `line` before a capitalised word
/// ("date 2017-04-10 ", "April 10, 2017 ", "10/04/2017 - "): its words are
/// numbers, month names and "date", "updated" or "published", one of them
/// a number; 0 where there is none.
fn date_prefix(line: &str) -> usize {
    let mut end = 0;
    let mut number = false;
    for (k, w) in line.split_inclusive(' ').enumerate().take(6) {
        let t = w.trim_end().trim_end_matches([',', '.', ':', '-', '|']);
        let digits = !t.is_empty()
            && t.bytes().any(|b| b.is_ascii_digit())
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b"-/.:".contains(&b));
        let named = |list: &[&str]| list.iter().any(|m| m.eq_ignore_ascii_case(t));
        let word = named(MONTHS) || (k == 0 && named(&["date", "updated", "published"]));
        if w.trim().is_empty() || matches!(w.trim(), "-" | "|" | "—" | "–") {
            end += w.len();
            continue;
        }
        if !(digits || word) {
            break;
        }
        number |= digits;
        end += w.len();
    }
    let rest = &line[end..];
    if number && rest.chars().next().is_some_and(char::is_uppercase) {
        end
    } else {
        0
    }
}

/// The first `n` characters of `s` (all of it when shorter), counted by
/// their first bytes rather than decoded.
fn first_chars(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    if s.is_ascii() {
        return &s[..n];
    }
    let mut starts = s.bytes().enumerate().filter(|&(_, b)| b & 0xC0 != 0x80);
    match starts.nth(n) {
        Some((k, _)) => &s[..k],
        None => s,
    }
}

/// The longest prefix of `s` whose characters all pass `keep`.
fn prefix_while(s: &str, keep: impl Fn(char) -> bool) -> &str {
    &s[..s.find(|c: char| !keep(c)).unwrap_or(s.len())]
}

/// Whether lower-case `s` credits one of [`AGENCIES`]. Every credit opens
/// with a bracket or a bar: most lines have neither.
fn credits_agency(s: &str) -> bool {
    memchr::memchr2(b'(', b'|', s.as_bytes()).is_some() && AGENCIES.iter().any(|a| s.contains(a))
}

/// The end of the first of [`AGENCIES`] (in their order) credited in
/// `head`, in any case. Every credit opens with a bracket or a bar, so only
/// those places are tried.
fn agency_end(head: &str) -> Option<usize> {
    let b = head.as_bytes();
    let mut marks = [0usize; 16];
    let mut n = 0;
    for k in memchr::memchr2_iter(b'(', b'|', b) {
        if n == marks.len() {
            // Too many to keep: the plain way.
            let lower = head.to_ascii_lowercase();
            return AGENCIES
                .iter()
                .find_map(|a| lower.find(a).map(|k| k + a.len()));
        }
        marks[n] = k;
        n += 1;
    }
    AGENCIES.iter().find_map(|a| {
        let a = a.as_bytes();
        marks[..n]
            .iter()
            .find(|&&k| {
                b[k..]
                    .get(..a.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(a))
            })
            .map(|&k| k + a.len())
    })
}

/// `str::find` for a short pattern in a short text (a dateline's head),
/// without a searcher's set-up.
fn find_short(s: &str, pat: &str) -> Option<usize> {
    let (b, p) = (s.as_bytes(), pat.as_bytes());
    memchr::memchr_iter(p[0], b).find(|&k| b[k..].starts_with(p))
}

/// Month names and their abbreviations (English, French), lower case.
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "janvier",
    "fevrier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
    "décembre",
    "janv",
    "fevr",
    "févr",
    "avr",
    "juil",
    "déc",
];

/// What names a town or a village right before its name.
const NAMED_PLACE: &[&str] = &[
    "village of ",
    "town of ",
    "locality of ",
    "commune of ",
    "village de ",
    "village d'",
    "localite de ",
    "localite d'",
    "commune de ",
    "commune d'",
    "bourgade de ",
    "ville de ",
    "hameau de ",
    // the target's place: "l'attaque du commissariat de Koutoukou"
    "commissariat de ",
    "commissariat d'",
    "gendarmerie de ",
    "gendarmerie d'",
    "brigade de ",
    "detachement de ",
    "camp militaire de ",
    "poste militaire de ",
    "police de ",
    "douane de ",
    "douanes de ",
    "garrison of ",
    "police station of ",
];

/// A town or village named as one ("the border village of Boulekessi", "la
/// localite de Bamoanga", "le commissariat de Koutoukou") that the gazetteer knows spelled one letter
/// apart ([`Gazetteer::near_spelling`]): a mention of that place.
fn near_spellings(
    engine: &Engine,
    f: &FoldedText,
    orig: &str,
    sents: &mut [Sent],
    places: &mut Vec<PlaceHit>,
) {
    let text = &f.text;
    let gaz = engine.gazetteer();
    let n = places.len();
    for (ci, k) in named_place_phrases(text.as_bytes()) {
        let s = k + NAMED_PLACE[ci].len();
        let e = text[s..]
            .find(|c: char| !(c.is_alphanumeric() || c == '-'))
            .map_or(text.len(), |x| s + x);
        if e == s || places.iter().any(|p| p.start < e && s < p.end) {
            continue;
        }
        if !orig[f.orig(s)..]
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
        {
            continue;
        }
        let Some(si) = sents.iter().position(|x| x.start <= s && s < x.end) else {
            continue;
        };
        let cands = if e - s < 6 {
            &[]
        } else {
            gaz.near_spelling(&text[s..e])
        };
        if cands.is_empty() || elsewhere_named(gaz, &places[..n], si, cands) {
            sents[si].unknown_place = true;
            continue;
        }
        places.push(PlaceHit::new(
            s,
            e,
            si,
            cands.iter().map(|&i| i as u32).collect(),
            None,
        ));
    }
    if places.len() > n {
        places.sort_by_key(|p| p.start);
    }
}

/// Whether sentence `si` names, spelled right, a town or region of the
/// near-spelled candidates' country but none of their regions ("near the
/// village of Djamballa (20 km north of the regional capital of
/// Tillaberi)": the one-letter guess Djaballa is a thousand kilometres
/// away, in Diffa). The guess yields to the names the sentence spells.
fn elsewhere_named(gaz: &crate::Gazetteer, exact: &[PlaceHit], si: usize, cands: &[usize]) -> bool {
    fn region(p: &crate::gazetteer::Place) -> Option<&str> {
        match p.kind {
            PlaceKind::Admin1 | PlaceKind::Admin1New => Some(&p.name),
            PlaceKind::Place | PlaceKind::Admin2 => p.admin1.as_deref(),
            _ => None,
        }
    }
    let places = gaz.places();
    let mut named_other = false;
    let spelled = exact
        .iter()
        .filter(|h| h.sent == si)
        .flat_map(|h| h.cands.iter().map(|&c| &places[c as usize]));
    for p in spelled {
        let Some(r) = region(p) else { continue };
        for guess in cands.iter().map(|&c| &places[c]) {
            if guess.country == p.country {
                if region(guess) == Some(r) {
                    return false;
                }
                named_other = true;
            }
        }
    }
    named_other
}

/// Every occurrence of a [`NAMED_PLACE`] phrase in folded `b`: (phrase
/// index, offset), in the phrases' order, then the text's. One scan for
/// each way they end ("of ", "de ", "d'") rather than one for each phrase.
fn named_place_phrases(b: &[u8]) -> Vec<(usize, usize)> {
    static ENDS: std::sync::OnceLock<[memchr::memmem::Finder<'static>; 3]> =
        std::sync::OnceLock::new();
    let ends =
        ENDS.get_or_init(|| [b"of ".as_slice(), b"de ", b"d'"].map(memchr::memmem::Finder::new));
    let mut out = Vec::new();
    for end in ends {
        for k in end.find_iter(b) {
            let head = &b[..k + end.needle().len()];
            for (ci, c) in NAMED_PLACE.iter().enumerate() {
                let c = c.as_bytes();
                let Some(at) = head.len().checked_sub(c.len()) else {
                    continue;
                };
                if head[at] == c[0] && head[at..] == *c {
                    out.push((ci, at));
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// A paragraph of the page's chrome: it ends no sentence, and it is short
/// (up to six words), broken into lines, cut by separators ("|", "·",
/// "::") or in capitals. A standfirst without its stop ("Official sources
/// say three of the four attackers were killed") is prose, and so is a line
/// the next one goes on from in lower case (an excerpt's wrapped lines).
fn chrome(para: &str, next: Option<&str>) -> bool {
    let p = para.trim();
    let continued = next
        .and_then(|n| n.trim_start().chars().next())
        .is_some_and(char::is_lowercase);
    no_sentence(p)
        && !continued
        && (p.split_whitespace().nth(6).is_none()
            || p.contains(['|', '\u{b7}', '\n'])
            || p.contains("::")
            || !p.chars().any(char::is_lowercase))
}

/// A paragraph that ends no sentence: no stop at its end or inside it.
fn no_sentence(para: &str) -> bool {
    let p = para.trim_end();
    !p.ends_with(['.', '!', '?', '"', ')', '\u{bb}', '\u{201d}'])
        && !p.contains(". ")
        && !p.contains("? ")
        && !p.contains("! ")
}

/// A line that is a byline, a date stamp or an editor's note.
fn byline_line(line: &str) -> bool {
    let l = line.trim();
    if l.is_empty() || l.len() > 64 || l.ends_with(['.', ':']) {
        return false;
    }
    let lower = l.to_lowercase();
    // a page's invitations ("Click to follow The Independent Online",
    // "Lire aussi", "Share this article")
    const INVITES: &[&str] = &[
        "click to ",
        "click here",
        "share this",
        "sign up",
        "subscribe",
        "follow us",
        "read more",
        "read also",
        "lire aussi",
        "lire la suite",
        "abonnez-vous",
        "partager",
        "advertisement",
        "publicité",
    ];
    (l.starts_with('(') && l.ends_with(')'))
        || INVITES.iter().any(|x| lower.starts_with(x))
        || lower.starts_with("by ")
        || lower.starts_with("par ")
        || stamped(&lower)
        || credits_agency(&lower)
}

/// A byline's date stamp ("World Watch Monitor | Sept. 20, 2018", "18
/// September 2018 - 15:32 By AFP"): a month's name and a year.
fn stamped(line: &str) -> bool {
    let words = || line.split([' ', ',', '|']).map(|w| w.trim_end_matches('.'));
    words().any(|w| MONTHS.contains(&w))
        && words().any(|w| {
            w.len() == 4
                && w.bytes().all(|b| b.is_ascii_digit())
                && (w.starts_with("19") || w.starts_with("20"))
        })
}

/// The length of a date opening `s` ("April 4 ", "4 avril 2015 ", "Jan. 28,
/// 2018 ") when a capitalised word follows it: the end of a dateline.
fn dated_head(s: &str) -> Option<usize> {
    let words: Vec<&str> = s.splitn(5, ' ').collect();
    let n = match words.as_slice() {
        [a, b, ..] if day_and_month(a, b) => 2,
        _ => return None,
    };
    let n = if words.get(n).is_some_and(|w| year_word(w)) {
        n + 1
    } else {
        n
    };
    let next = words.get(n)?;
    if !next.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    Some(words[..n].iter().map(|w| w.len() + 1).sum())
}

/// Whether `s` is a date and nothing else: "December 30, 2009", "30 Dec
/// 2009", "le 12 janvier 2013".
fn date_alone(s: &str) -> bool {
    let s = s.trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    let s = s.strip_prefix("le ").unwrap_or(s);
    let words: Vec<&str> = s.split(' ').collect();
    match words.as_slice() {
        [a, b] => day_and_month(a, b),
        [a, b, c] => day_and_month(a, b) && year_word(c),
        _ => false,
    }
}

/// "Dec. 30," and "30 Dec": a month's name and a day's number, either way
/// round.
fn day_and_month(a: &str, b: &str) -> bool {
    let month = |w: &str| MONTHS.contains(&w.trim_end_matches(['.', ',']).to_lowercase().as_str());
    let day = |w: &str| {
        let w = w.trim_end_matches(',');
        (1..=2).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit())
    };
    (month(a) && day(b)) || (day(a) && month(b))
}

fn year_word(w: &str) -> bool {
    w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())
}

/// The first folded offset in `[start, end)` at or after original offset
/// `target` (`end` when there is none).
fn folded_at(f: &FoldedText, start: usize, end: usize, target: usize) -> usize {
    // `orig` never decreases: a binary search
    let (mut lo, mut hi) = (start, end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if f.orig(mid) >= target {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// A dateline on a later line of a sentence ("(c) Ministry\nA fire ravaged
/// the market of Koupela |\nOuagadougou, - The school of Bafina was
/// burnt"): the lines above it are a caption or a byline, a sentence of
/// their own with almost no weight; the dateline starts the sentence.
fn split_above_dateline(sents: &mut Vec<Sent>, a: usize) {
    let Some(k) = sents.iter().position(|s| s.start < a && a < s.end) else {
        return;
    };
    let was_caption = sents[k].caption;
    let mut head = sents[k].clone();
    head.end = a;
    head.zone = Zone::Body;
    head.weight = 0.05;
    head.caption = true;
    sents[k].start = a;
    sents[k].para_first = true;
    sents[k].caption = false;
    if was_caption {
        // the paragraph was read as all caption: the dateline's part is text
        sents[k].weight = 0.3;
    }
    sents.insert(k, head);
}

/// The article starts at its dateline ("Bamako (AFP) - Suspected jihadists
/// killed ..."), or right after a dateline on a line of its own: what the
/// page put above it (a photo caption, a byline, a menu) is no lead, and the
/// dateline's paragraph is.
fn dateline_opens_article(sents: &mut [Sent], datelines: &[(usize, usize); 3]) {
    let Some(&(a, b)) = datelines.iter().find(|d| d.1 > d.0) else {
        return;
    };
    let Some(mut k) = sents.iter().position(|s| s.start <= a && a < s.end) else {
        return;
    };
    if b >= sents[k].end {
        let Some(j) = sents[k + 1..].iter().position(|s| s.para_first) else {
            return;
        };
        k += 1 + j;
    }
    if sents[k].zone != Zone::Body || !sents[k].para_first {
        return;
    }
    for s in sents[..k].iter_mut().filter(|s| s.zone == Zone::Lead) {
        s.zone = Zone::Body;
        s.weight = 0.3;
    }
    let n = 1 + sents[k + 1..].iter().take_while(|s| !s.para_first).count();
    for (j, s) in sents[k..k + n].iter_mut().enumerate() {
        let w = match j {
            0 => 1.0,
            1 => 0.8,
            _ if n > 4 => break,
            _ => 0.7,
        };
        s.zone = Zone::Lead;
        s.weight = w;
    }
}

/// A paragraph whose first line is the headline's copy (`title`, folded)
/// and which carries a photo's credit ("©") on a later line.
fn headline_and_caption(para: &str, title: &str) -> bool {
    let mut lines = para.lines();
    let first = lines.next().unwrap_or("");
    lines.any(|l| l.contains('\u{a9}')) && same_words(&crate::text::fold(first), title)
}

/// The same words, whatever the punctuation and spacing (folded text).
fn same_words(a: &str, b: &str) -> bool {
    fn words(t: &str) -> impl Iterator<Item = u8> + '_ {
        t.bytes().filter(u8::is_ascii_alphanumeric)
    }
    !b.is_empty() && words(a).eq(words(b))
}

fn new_sent(a: usize, b: usize, zone: Zone, weight: f32) -> Sent {
    Sent {
        start: a,
        end: b,
        zone,
        weight,
        l0: 0,
        l1: 0,
        p0: 0,
        p1: 0,
        n0: 0,
        n1: 0,
        d0: 0,
        d1: 0,
        bg_from: usize::MAX,
        violence: 0.0,
        has_kill: false,
        refugee: false,
        caption: false,
        para_first: false,
        unknown_place: false,
    }
}

/// Whether each place mention stands next to a region word ("Sahel
/// region", "region du Nord"), or in a list with one that does: "dans les
/// regions du Centre-Nord, du Sahel et de la Boucle du Mouhoun", "the Nord
/// and Sahel regions".
fn region_contexts(d: &Doc<'_>, text: &str, places: &[PlaceHit]) -> Vec<bool> {
    let mut ctx: Vec<bool> = places
        .iter()
        .map(|ph| {
            let s = &d.sents[ph.sent];
            region_context(&d.lex[s.l0..s.l1], ph.start, ph.end)
        })
        .collect();
    let listed = |i: usize| {
        let (a, b) = (&places[i - 1], &places[i]);
        a.sent == b.sent && a.end <= b.start && b.start - a.end <= 12 && {
            let gap = &text[a.end..b.start];
            let mut words = gap.split([' ', ',']).filter(|w| !w.is_empty());
            let sep = gap.contains(',')
                || words
                    .clone()
                    .any(|w| matches!(w, "et" | "and" | "ou" | "or"));
            sep && words.all(|w| {
                matches!(
                    w,
                    "et" | "and" | "ou" | "or" | "du" | "de" | "des" | "la" | "le" | "l'" | "the"
                )
            })
        }
    };
    for i in 1..places.len() {
        if ctx[i - 1] && !ctx[i] && listed(i) {
            ctx[i] = true;
        }
    }
    for i in (1..places.len()).rev() {
        if ctx[i] && !ctx[i - 1] && listed(i) {
            ctx[i - 1] = true;
        }
    }
    ctx
}

/// Words that may stand between an origin phrase and the place:
/// "originaires du departement de Tchintabaraden", "natives of the Tahoua region".
const ORIGIN_FILLERS: &[&str] = &[
    "de",
    "du",
    "des",
    "la",
    "le",
    "les",
    "of",
    "the",
    "from",
    "region",
    "departement",
    "department",
    "province",
    "commune",
    "cercle",
    "village",
    "ville",
    "town",
    "district",
    "localite",
    "area",
    "zone",
];

/// Whether a place mention says where people come from rather than where the
/// incident happened: "originaires de la region de Tahoua", "natives of Gao",
/// "trois ressortissants nigeriens", "Nigerien nationals", "Trois Nigeriens
/// parmi les victimes" (a number before a plural demonym: people, not a place).
fn origin_context(
    text: &str,
    slex: &[LexHit],
    snums: &[Num],
    start: usize,
    end: usize,
    demonym: bool,
) -> bool {
    let fillers_only = |rest: &str| {
        rest.split([' ', ',']).filter(|w| !w.is_empty()).all(|w| {
            let w = w
                .strip_prefix("l'")
                .or_else(|| w.strip_prefix("d'"))
                .unwrap_or(w);
            w.is_empty() || ORIGIN_FILLERS.contains(&w)
        })
    };
    let phrase = slex.iter().any(|h| {
        h.cat == Cat::Origin
            && h.end <= start
            && start - h.end <= 40
            && fillers_only(&text[h.end..start])
    });
    if phrase || !demonym {
        return phrase;
    }
    let after = &text[end..];
    if after.starts_with(" nationals") || after.starts_with(" citizens") {
        return true;
    }
    // refugees' nationality is where they fled from ("Malian refugees",
    // "un camp de refugies maliens"), not the scene
    if [" refugee", " migrant", " asylum"]
        .iter()
        .any(|w| after.starts_with(w))
        || ["refugies ", "refugiees ", "refugie ", "migrants "]
            .iter()
            .any(|w| text[..start].ends_with(w))
    {
        return true;
    }
    text[..end].ends_with('s')
        && snums
            .iter()
            .any(|n| n.end <= start && text[n.end..start].trim().is_empty())
}

/// The capitals, by their folded names: "near Niamey" is outside it.
const CAPITALS: &[&str] = &[
    "bamako",
    "ouagadougou",
    "niamey",
    "n'djamena",
    "ndjamena",
    "nouakchott",
];

/// Is this folded place name a capital's?
pub(crate) fn is_capital(folded: &str) -> bool {
    listed(CAPITALS, folded)
}

/// `list.contains(&w)` for the word lists, comparing first bytes before
/// calling `memcmp` (these run for every place mention and sentence end).
fn listed(list: &[&str], w: &str) -> bool {
    let first = w.as_bytes().first();
    list.iter()
        .any(|x| x.len() == w.len() && x.as_bytes().first() == first && *x == w)
}

/// Whether folded `name` is one of the [`REGION_ONLY_NAMES`] and one of the
/// [`COMMON_WORD_NAMES`]: one lookup for every place mention rather than a
/// walk over both lists.
fn name_lists(name: &str) -> (bool, bool) {
    type Map = std::collections::HashMap<
        &'static str,
        (bool, bool),
        std::hash::BuildHasherDefault<crate::text::Fnv>,
    >;
    static MAP: std::sync::OnceLock<Map> = std::sync::OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m = Map::default();
        for n in REGION_ONLY_NAMES {
            m.entry(*n).or_default().0 = true;
        }
        for n in COMMON_WORD_NAMES {
            m.entry(*n).or_default().1 = true;
        }
        m
    });
    map.get(name).copied().unwrap_or_default()
}

/// Is the mention at `start` a reference point rather than the scene: a
/// distance from it ("40 km from X", "a 40 km de X") or a capital that
/// the incident was near ("near Niamey", "a quelques encablures de Niamey")?
fn near_reference(text: &str, start: usize, folded: &str) -> bool {
    let pre = span_before(text, start, 32);
    // "125 kilometres from the capital Niamey", "a 60 km de la capitale, Niamey"
    let pre = [
        "the capital ",
        "the capital, ",
        "la capitale ",
        "la capitale, ",
    ]
    .iter()
    .find_map(|c| pre.strip_suffix(c))
    .filter(|_| listed(CAPITALS, folded))
    .unwrap_or(pre);
    DISTANCE.iter().any(|w| pre.ends_with(w))
        || (listed(CAPITALS, folded) && NEAR.iter().any(|w| pre.ends_with(w)))
}

/// Whether the folded words before `pos` measure a distance from what
/// follows ("550 miles from the capital", "a 200 km de la capitale").
pub(crate) fn distance_before(text: &str, pos: usize) -> bool {
    let pre = span_before(text, pos, 32);
    let pre = ["the ", "la ", "l'"]
        .iter()
        .find_map(|a| pre.strip_suffix(a))
        .unwrap_or(pre);
    DISTANCE.iter().any(|w| pre.ends_with(w))
}

/// A distance before a reference place.
const DISTANCE: &[&str] = &[
    "km from ",
    "km de ",
    "km d'",
    "kms de ",
    "kms from ",
    "kilometres de ",
    "kilometres d'",
    "kilometres from ",
    "kilometers from ",
    "kilometre de ",
    "miles from ",
    "km of ",
    "kilometres of ",
    "kilometers of ",
];

/// "Near" before a reference place.
const NEAR: &[&str] = &[
    "near ",
    "pres de ",
    "non loin de ",
    "encablures de ",
    "aux portes de ",
    "outskirts of ",
    "peripherie de ",
    "not far from ",
    "close to ",
    "proche de ",
];

/// Capitalised words that stand before a place's name without being a
/// person's given name: features, units, directions, name particles.
const BEFORE_NAMES: &[&str] = &[
    "lac",
    "lake",
    "mont",
    "mount",
    "camp",
    "cercle",
    "province",
    "region",
    "commune",
    "village",
    "ville",
    "fort",
    "foret",
    "forest",
    "oued",
    "wadi",
    "route",
    "axe",
    "radio",
    "hopital",
    "hospital",
    "aeroport",
    "airport",
    "port",
    "saint",
    "sainte",
    "bir",
    "tin",
    "el",
    "al",
    "ag",
    "ould",
    "ben",
    "ibn",
    "abu",
    "abou",
    "nord",
    "sud",
    "est",
    "ouest",
    "north",
    "south",
    "east",
    "west",
    "centre",
    "center",
    "central",
    "northern",
    "southern",
    "eastern",
    "western",
    "haut",
    "haute",
    "bas",
    "basse",
    "grand",
    "grande",
    "petit",
    "upper",
    "lower",
    "greater",
    "new",
    "old",
    "republic",
    "republique",
    "etat",
    "state",
    "cite",
    "quartier",
    "secteur",
    "zone",
    "niger",
    "mali",
    "burkina",
    "faso",
    "chad",
    "tchad",
    "mauritanie",
    "mauritania",
    "campement",
    "hotel",
    "restaurant",
    "cafe",
    "marche",
    "market",
    "mosquee",
    "mosque",
    "eglise",
    "church",
    "ecole",
    "school",
    "lycee",
    "college",
    "universite",
    "university",
    "stade",
    "stadium",
    "palais",
    "palace",
    "place",
    "boulevard",
    "avenue",
    "rue",
    "street",
    "pont",
    "bridge",
    "barrage",
    "dam",
    "parc",
    "park",
    "reserve",
    "station",
    "base",
    "operation",
    "operations",
    "mission",
    "prefecture",
    "gendarmerie",
    "police",
    "poste",
    "caserne",
    "garnison",
    "aerodrome",
    "universites",
];

/// Whether the place's name at `o` (original text) follows a person's
/// given name: one capitalised word in lower case after its capital,
/// itself following a word or a comma of the same sentence ("a declare
/// Oumar Guire", "selon Moussa Dicko,"), not a feature, unit or direction.
fn after_given_name(orig: &str, o: usize) -> bool {
    let Some(before) = orig.get(..o).and_then(|b| b.strip_suffix(' ')) else {
        return false;
    };
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphabetic())
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[word_start..];
    let mut chars = word.chars();
    let given = chars.next().is_some_and(char::is_uppercase)
        && word.chars().count() >= 3
        && chars.all(char::is_lowercase);
    if !given {
        return false;
    }
    let folded = crate::text::fold(word);
    if BEFORE_NAMES.contains(&folded.as_str()) {
        return false;
    }
    // the word before it: mid-sentence, not a sentence's first word
    let prev = before[..word_start].trim_end_matches(' ');
    prev.len() + 1 == word_start
        && prev
            .chars()
            .next_back()
            .is_some_and(|c| c.is_lowercase() || c == ',')
}

/// The words that open a unit's full name in the gazetteer ("Province du
/// Soum", "Cercle de Niono", "Région de Tahoua"), written in lower case in
/// running text.
const UNIT_WORDS: &[&str] = &[
    "province ",
    "region ",
    "cercle ",
    "departement ",
    "commune ",
    "prefecture ",
    "wilaya ",
    "moughataa ",
];

/// "la province de l'Oudalan", "le cercle de Niono": a unit's full name
/// whose first word is in lower case and whose last word, the name itself,
/// is capitalised.
fn unit_name_capitalised(orig: &str, o: usize, oe: usize, folded: &str) -> bool {
    UNIT_WORDS.iter().any(|w| folded.starts_with(w))
        && orig
            .get(o..oe)
            .and_then(|m| m.rsplit([' ', '\'', '\u{2019}']).next())
            .and_then(|w| w.chars().next())
            .is_some_and(char::is_uppercase)
}

/// Drop place candidates that the context does not support, and compute the
/// context flags of every mention.
fn validate_places(d: &mut Doc<'_>, title_caps: bool) {
    let gaz = d.engine.gazetteer();
    let text = &d.f.text;
    let mut places = std::mem::take(&mut d.places);
    let routes = route_pairs(text, &places);
    let region_ctxs = region_contexts(d, text, &places);
    // "a Inhalil, pres de Tessalit", "at Ber, near Timbuktu": the place a
    // named place is near is the reference, not the scene.
    let near_named: Vec<bool> = (0..places.len())
        .map(|pi| {
            let ph = &places[pi];
            pi > 0
                && !places[pi - 1].cands.is_empty()
                && text[places[pi - 1].end..ph.start]
                    .strip_prefix(", ")
                    .is_some_and(|w| NEAR.contains(&w))
        })
        .collect();
    for (pi, ph) in places.iter_mut().enumerate() {
        let route_first = routes.iter().any(|&(x, _)| x == pi);
        let route_second = routes.iter().any(|&(_, y)| y == pi);
        ph.route = route_first || route_second;
        let folded = &text[ph.start..ph.end];
        let o = d.f.orig(ph.start);
        let first = d.orig[o..].chars().next().unwrap_or('a');
        let in_title = ph.sent == 0;
        let capital = first.is_uppercase()
            || (in_title && title_caps)
            || unit_name_capitalised(&d.orig, o, d.f.orig(ph.end), folded);
        let sent = &d.sents[ph.sent];
        let slex = &d.lex[sent.l0..sent.l1];
        let flags = context_flags(&d.engine.lexicon.context, text, ph.start);
        let locative = flags & CTX_LOCATIVE != 0 || ph.route;
        ph.locative = locative;
        ph.target = flags & CTX_TARGET != 0;
        ph.anchor = flags & CTX_ANCHOR != 0 && {
            // "30 km north of", "a 40 kilometres au nord de": a distance
            // before the direction.
            let mut a = ph.start.saturating_sub(48);
            while !text.is_char_boundary(a) {
                a += 1;
            }
            let pre = &text[a..ph.start];
            ["km", "kilomet", "mile"].iter().any(|u| pre.contains(u))
                || pre.ends_with("north of ")
                || pre.ends_with("south of ")
                || pre.ends_with("east of ")
                || pre.ends_with("west of ")
                || pre.contains(" au nord de ")
                || pre.contains(" au sud de ")
                || pre.contains(" a l'est de ")
                || pre.contains(" a l'ouest de ")
        };
        if !ph.anchor {
            ph.anchor = near_reference(text, ph.start, folded) || near_named[pi];
        }
        {
            let mut a = ph.start.saturating_sub(40);
            while !text.is_char_boundary(a) {
                a += 1;
            }
            let pre = &text[a..ph.start];
            ph.second = route_second
                || ((pre.ends_with(" and ") || pre.ends_with(" et "))
                    && (pre.contains("between ") || pre.contains("entre ")));
        }
        let region_ctx = region_ctxs[pi];
        let (region_only, common) = name_lists(folded);
        let surname = !in_title && after_given_name(&d.orig, o);
        ph.cands.retain(|&ci| {
            let p = &gaz.places()[ci as usize];
            // "Oumar Guire, a member of the union": a person's surname.
            if surname && !matches!(p.kind, PlaceKind::Country | PlaceKind::Demonym) {
                return false;
            }
            // French nationalities are written in lower case ("maliens").
            if !(capital || (p.kind == PlaceKind::Demonym && folded.len() >= 5)) {
                return false;
            }
            if region_only {
                return region_ctx
                    && matches!(
                        p.kind,
                        PlaceKind::Admin1 | PlaceKind::Admin1New | PlaceKind::Admin2
                    );
            }
            if common && !(locative || region_ctx) {
                return false;
            }
            if p.source == PlaceSource::GeoNames && !(locative || ph.target) {
                return false;
            }
            true
        });
        if ph.cands.is_empty() && ph.foreign.is_some() && !capital && folded.len() <= 3 {
            ph.foreign = None;
        }
        // Context multiplier.
        let mut ctx = 1.0f32;
        let is_countryish = ph.foreign.is_some()
            || ph.cands.iter().any(|&c| {
                matches!(
                    gaz.places()[c as usize].kind,
                    PlaceKind::Country | PlaceKind::Demonym
                )
            });
        let border = slex.iter().any(|h| {
            matches!(h.cat, Cat::Border)
                && ((h.end <= ph.start && ph.start - h.end <= 45)
                    || (is_countryish && h.start >= ph.end && h.start - ph.end <= 30))
        });
        if border && is_countryish {
            // "5 km from the border with Mali": the scene is across it,
            // not in Mali.
            ctx = 0.0;
        } else if border {
            ctx *= 0.6;
        }
        // "the road from X to Y": X is not where people came from.
        if flags & CTX_AWAY != 0 && !route_first {
            ctx *= 0.3;
        }
        // "evacuated to Gao", "son transfert a Ouagadougou": where the
        // wounded were taken, never the scene.
        if flags & CTX_TAKEN != 0 {
            ctx *= 0.3;
            ph.reported = true;
        }
        if d.in_dateline(ph.start) {
            ctx *= 0.3;
        }
        // "said in Bamako", "a annonce a Niamey le gouvernement", "told AFP
        // in Ouagadougou", "interroge de Bamako": where the news was given.
        if reported_from(text, slex, ph.start) || capital_speaks(text, slex, ph.start, ph.end) {
            ctx *= 0.2;
            ph.reported = true;
        }
        // "le consulat d'Algerie a Gao", "l'Algerie condamne": another
        // state's post or voice, not the scene.
        if is_countryish && foreign_state_side(text, slex, ph.start, ph.end) {
            let watched = d.engine.watched_countries();
            let outside = ph.foreign.is_some()
                || ph.cands.iter().all(|&c| {
                    let cc = gaz.places()[c as usize].country.as_str();
                    !watched.iter().any(|w| w == cc)
                });
            if outside {
                ctx *= 0.15;
            }
        }
        let demonym = ph
            .cands
            .iter()
            .any(|&c| matches!(gaz.places()[c as usize].kind, PlaceKind::Demonym));
        let snums = &d.nums[sent.n0..sent.n1];
        if origin_context(text, slex, snums, ph.start, ph.end, demonym) {
            ctx *= 0.3;
        }
        if described(text, ph.end) {
            ctx *= 0.5;
        }
        ph.ctx = ctx;
    }
    places.retain(|p| !p.cands.is_empty() || p.foreign.is_some());
    // Re-assign place ranges.
    let mut pi = 0;
    for s in d.sents.iter_mut() {
        while pi < places.len() && places[pi].start < s.start {
            pi += 1;
        }
        s.p0 = pi;
        while pi < places.len() && places[pi].start < s.end {
            pi += 1;
        }
        s.p1 = pi;
    }
    // "Suicide bombing near Tessalit" above "at Inhalil, near Tessalit":
    // the place is the reference wherever it is said to be near.
    for pi in 0..places.len() {
        if !near_named[pi] {
            continue;
        }
        let cands = places[pi].cands.clone();
        for o in places.iter_mut() {
            let pre = span_before(text, o.start, 16);
            if o.cands == cands && NEAR.iter().any(|w| pre.ends_with(w)) {
                o.anchor = true;
            }
        }
    }
    d.places = places;
}

/// Words that make "from X to Y" and "X-Y" a route.
const ROUTE_WORDS: &[&str] = &[
    "road",
    "route",
    "highway",
    "axis",
    "axe",
    "troncon",
    "trajet",
    "way",
    "convoy",
    "convoi",
    "journey",
    "travelling",
    "traveling",
    "voyage",
    "reliant",
    "linking",
    "links",
    "relie",
    "corridor",
    "stretch",
    "piste",
    "track",
    "between",
    "entre",
];

/// Pairs of place mentions (indices into `places`) that name the two ends
/// of a route or a stretch: "between X and Y", "entre X et Y", "the road
/// from X to Y", "de X a Y", "l'axe X-Y", "the X-Y road".
fn route_pairs(text: &str, places: &[PlaceHit]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 1..places.len() {
        let (x, y) = (&places[i - 1], &places[i]);
        if x.sent != y.sent || y.start <= x.end || y.start - x.end > 5 {
            continue;
        }
        let gap = &text[x.end..y.start];
        let mut a = x.start.saturating_sub(40);
        while !text.is_char_boundary(a) {
            a += 1;
        }
        let pre = &text[a..x.start];
        let route_before = pre
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ROUTE_WORDS.contains(&w));
        let ok = match gap {
            " and " | " et " => pre.contains("between ") || pre.contains("entre "),
            " to " | " a " => {
                let last = pre.trim_end().rsplit(' ').next().unwrap_or("");
                route_before
                    && (matches!(last, "from" | "de" | "d'" | "depuis") || pre.ends_with(" d'"))
            }
            "-" | " - " | "/" => {
                let mut b = (y.end + 12).min(text.len());
                while !text.is_char_boundary(b) {
                    b -= 1;
                }
                let post = &text[y.end..b];
                route_before
                    || post
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .take(2)
                        .any(|w| ROUTE_WORDS.contains(&w))
            }
            _ => false,
        };
        if ok {
            out.push((i - 1, i));
        }
    }
    out
}

/// The start of the clause around `pos` in the sentence starting at
/// `start`: after the last comma, semicolon or dash before it.
pub(crate) fn clause_start(text: &str, start: usize, pos: usize) -> usize {
    let head = &text[start..pos];
    [", ", "; ", " - ", " -- ", " \u{2014} ", " \u{2013} "]
        .iter()
        .filter_map(|sep| head.rfind(sep).map(|k| start + k + sep.len()))
        .max()
        .unwrap_or(start)
}

/// A verdict or a trial, not a court or its judges (a court can be the
/// target: "gunmen attacked the court of Aleg, killing two guards").
fn judicial(cue: &str) -> bool {
    [
        "senten",
        "condamn",
        "trial",
        "proces",
        "verdict",
        "convict",
        "found guilty",
        "reconnu coupable",
        "jugement",
        "judgment",
        "indict",
        "inculp",
        "acquit",
    ]
    .iter()
    .any(|p| cue.starts_with(p))
}

/// Does the text after a background cue say what it is about ("... for
/// the killing of", "... pour l'assassinat", "... des auteurs de")?
fn about_what_follows(text: &str, from: usize, end: usize) -> bool {
    let rest = crate::text::span_after(text, from, end, 32);
    let head = rest.trim_start();
    [" for ", " pour ", " over "]
        .iter()
        .any(|w| rest.contains(w))
        || ["for ", "pour ", "of ", "des ", "du ", "de "]
            .iter()
            .any(|w| head.starts_with(w))
}

pub(crate) fn mark_sentences(d: &mut Doc<'_>) {
    let text = &d.f.text;
    let b = text.as_bytes();
    for si in 0..d.sents.len() {
        let (l0, l1, zone, start) = {
            let s = &d.sents[si];
            (s.l0, s.l1, s.zone, s.start)
        };
        let mut bg_from = if d.sents[si].caption {
            start
        } else {
            usize::MAX
        };
        let mut refugee = false;
        for (hi, h) in d.lex[l0..l1].iter().enumerate() {
            match h.cat {
                // "Last year, gunmen killed 20": the sentence; "gunmen
                // abducted a civilian, who had previously informed...": the
                // clause of the cue.
                Cat::Past => {
                    let k = clause_start(text, start, h.start);
                    // Only after a clause that tells a killing, a wounding or
                    // an abduction of its own: "Le 31 mai, trois policiers
                    // avaient ete tues" is all old, and so is "des attaques
                    // contre le cafe Cappuccino, les hotels... avaient fait".
                    let told = d.lex[l0..l1].iter().any(|x| {
                        x.end <= k && matches!(x.cat, Cat::Kill | Cat::Wound | Cat::Abduct)
                    });
                    bg_from = bg_from.min(if told { k } else { start });
                }
                Cat::Background(_) if zone == Zone::Body => bg_from = bg_from.min(start),
                // "handed death sentences for killings of...", "condamnes a
                // mort pour l'assassinat de", "le proces des auteurs de
                // l'attaque": in a title or lead, what follows a trial cue is
                // what the trial is about.
                Cat::Background(_)
                    if judicial(&text[h.start..h.end])
                        && about_what_follows(text, h.end, d.sents[si].end) =>
                {
                    bg_from = bg_from.min(h.start)
                }
                // "The raid came a day after a bomb killed 15": what follows
                // is the earlier incident, wherever the clause sits.
                Cat::After
                    if zone == Zone::Body
                        || h.start > start + 20
                        || text[..h.start].ends_with("came ")
                        || text[..h.start].ends_with("comes ") =>
                {
                    bg_from = bg_from.min(h.start)
                }
                Cat::Aggregate => bg_from = bg_from.min(h.start),
                Cat::Tally if tally_span(d, si) => bg_from = bg_from.min(h.start),
                Cat::Since => {
                    // "since 2015", "since the start", "depuis le debut".
                    let rest = crate::text::span_after(text, h.end, d.sents[si].end, 24);
                    let rest = rest.trim_start();
                    let next_year =
                        rest.len() >= 4 && rest.as_bytes()[..4].iter().all(u8::is_ascii_digit);
                    let starts = [
                        "the start",
                        "the beginning",
                        "le debut",
                        "its creation",
                        "sa creation",
                        "the outbreak",
                        "l'apparition",
                        "the insurgency",
                        "l'insurrection",
                    ];
                    // "the deadliest attack since the killing of 74 people
                    // in Karamga in April 2015", "depuis l'attaque de...":
                    // an earlier incident.
                    let since_incident = ["the ", "l'", "la ", "le ", "les "]
                        .iter()
                        .any(|a| rest.starts_with(a))
                        && d.lex[l0 + hi + 1..l1].iter().take(2).any(|x| {
                            x.start <= h.end + 30
                                && matches!(
                                    x.cat,
                                    Cat::Attack(..) | Cat::Generic(_) | Cat::Kill | Cat::DeadNoun
                                )
                        });
                    // "depuis trois ans", "over the past five years": a
                    // span of years or months, what a tally counts.
                    let span = d.nums_of(si).iter().any(|n| {
                        n.start >= h.end && n.start <= h.end + 6 && {
                            let after = crate::text::span_after(text, n.end, d.sents[si].end, 24)
                                .trim_start();
                            let after = ["dernieres ", "derniers "]
                                .iter()
                                .find_map(|p| after.strip_prefix(p))
                                .unwrap_or(after);
                            ["ans", "annees", "years", "mois", "months"]
                                .iter()
                                .any(|u| after.starts_with(u))
                        }
                    });
                    if next_year
                        || since_incident
                        || span
                        || starts.iter().any(|x| rest.starts_with(x))
                    {
                        bg_from = bg_from.min(h.start);
                    }
                }
                Cat::Refugee => refugee = true,
                _ => {}
            }
        }
        let _ = b;
        // "...neuf jours apres une attaque suicide a Tombouctou. Aqmi a
        // revendique cette attaque et affirme que 16 soldats ont ete tues":
        // a sentence that takes up the earlier incident its paragraph ended
        // on is that incident's too.
        if si > 0 && !d.sents[si].para_first && zone == Zone::Body {
            let prev = &d.sents[si - 1];
            let sent = &text[start..d.sents[si].end];
            if prev.bg_from < prev.end && TAKES_UP.iter().any(|a| crate::text::has_phrase(sent, a))
            {
                bg_from = start;
            }
        }
        d.sents[si].bg_from = bg_from;
        d.sents[si].refugee = refugee;
    }
}

/// Does the sentence of a perfect of killing tell a running total? "Ethnic
/// militias have killed over 200 civilians ... during 2018", "have killed
/// 7,800 civilians ... this year", "jihadists have killed hundreds of
/// people": a span (a year after "in" or "during", or an aggregate, since or
/// period cue), thousands, or hundreds where no attack is named. "Gunmen
/// have killed four soldiers in Menaka" and "have killed at least 134 people
/// in an attack on the village" are one incident.
fn tally_span(d: &Doc<'_>, si: usize) -> bool {
    let s = &d.sents[si];
    let text = &d.f.text;
    let lex = &d.lex[s.l0..s.l1];
    let cue = lex
        .iter()
        .any(|h| matches!(h.cat, Cat::Aggregate | Cat::Since | Cat::Period));
    let year = d.nums_of(si).iter().any(|n| {
        n.year_like && {
            let pre = text[s.start..n.start].trim_end();
            ["in", "during", "throughout", "en"]
                .iter()
                .any(|w| pre.rsplit(' ').next() == Some(w))
        }
    });
    let attack = lex.iter().any(|h| {
        matches!(h.cat, Cat::Generic(_))
            || matches!(h.cat, Cat::Attack(_, t) if !matches!(t, AType::None | AType::Armed | AType::Clash))
    });
    let big = d
        .nums_of(si)
        .iter()
        .any(|n| !n.year_like && (n.value >= 1000 || (n.value >= 100 && !attack)));
    cue || year || big
}

/// Words that take up the incident named before ("this attack", "cet
/// attentat").
const TAKES_UP: &[&str] = &[
    "this attack",
    "that attack",
    "this assault",
    "that assault",
    "the latter",
    "cette attaque",
    "cet attentat",
    "cette tuerie",
    "cette embuscade",
    "ce dernier",
    "cette derniere",
];
