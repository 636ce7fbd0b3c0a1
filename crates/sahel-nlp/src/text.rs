//! Text normalisation shared by the gazetteer and the classifier.

use unicode_normalization::UnicodeNormalization;

/// Fold a string for matching: Unicode NFKD, combining marks removed, ASCII
/// lower case, typographic apostrophes and dashes made plain, runs of
/// white space collapsed to one space. "N’Djaména" → "n'djamena",
/// "Tillabéri" → "tillaberi".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '`' => '\'',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            'œ' | 'Œ' => {
                out.push_str("oe");
                space = false;
                continue;
            }
            'æ' | 'Æ' => {
                out.push_str("ae");
                space = false;
                continue;
            }
            c => c,
        };
        if c.is_whitespace() {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A key for looking names up: folded, with hyphens, apostrophes, dots and
/// spaces removed ("N'Djamena", "Ndjamena" and "N Djamena" share a key).
pub fn name_key(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Whether `a` and `b` have the same [`name_key`]; for ASCII names (where
/// the key is the letters and digits, lower-cased) without building the keys.
pub fn same_name_key(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        fn key(s: &str) -> impl Iterator<Item = u8> + '_ {
            s.bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
        }
        return key(a).eq(key(b));
    }
    name_key(a) == name_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alnum_end_and_plain_block_are_the_byte_loops() {
        let slow = |b: &[u8], mut i: usize| {
            while i < b.len() && ALNUM[b[i] as usize] {
                i += 1;
            }
            i
        };
        // the byte loop of push_folded's plain runs, from a plain byte
        let plain_run = |b: &[u8]| {
            let mut j = 0;
            loop {
                while j < b.len() && PLAIN[b[j] as usize] {
                    j += 1;
                }
                if j + 1 < b.len() && b[j] == b' ' && PLAIN[b[j + 1] as usize] {
                    j += 2;
                } else {
                    break;
                }
            }
            j
        };
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for round in 0..60_000 {
            let b: Vec<u8> = (0..8)
                .map(|_| {
                    let r = next();
                    if round % 2 == 0 {
                        (r >> 8) as u8
                    } else {
                        [
                            b' ', b'a', b'Z', b'5', b'-', 0xc3, b'`', b'\t', b'\n', 0x01, b'z',
                            b'0',
                        ][(r % 12) as usize]
                    }
                })
                .collect();
            for i in 0..b.len() {
                assert_eq!(alnum_end(&b, i), slow(&b, i), "{b:?} {i}");
            }
            let x = u64::from_le_bytes(b[..8].try_into().unwrap());
            if plain_block(x) {
                // after a plain byte, the byte loop takes all eight
                let mut with = vec![b'a'];
                with.extend_from_slice(&b);
                assert!(plain_run(&with) >= 9, "{b:?}");
            }
        }
        for c in 0..=255u8 {
            let mut b = vec![b'a'; 7];
            b.push(c);
            let x = u64::from_le_bytes(b[..8].try_into().unwrap());
            assert_eq!(plain_block(x), PLAIN[c as usize] && c >= 0x21, "{c:#x}");
            assert_eq!(alnum_end(&b, 0), slow(&b, 0));
        }
    }

    #[test]
    fn a_phrase_is_found_as_whole_words() {
        assert!(has_phrase(
            "aqmi a revendique cette attaque.",
            "cette attaque"
        ));
        assert!(has_phrase("this attack", "this attack"));
        assert!(!has_phrase("this attacker was killed", "this attack"));
        assert!(!has_phrase("of this attack", "f this attack"));
    }

    #[test]
    fn word_end_is_the_byte_loop() {
        let slow = |b: &[u8], mut i: usize| {
            while i < b.len() && is_word_byte(b[i]) {
                i += 1;
            }
            i
        };
        // every byte value, alone and between word bytes
        for c in 0..=255u8 {
            for n in 0..20 {
                let mut b = vec![b'a'; n];
                b.push(c);
                b.extend_from_slice(b"bcdefghijk");
                for i in 0..b.len() {
                    assert_eq!(word_end(&b, i), slow(&b, i), "{c:#x} {n} {i}");
                }
            }
        }
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let b: Vec<u8> = (0..(rng % 40) as usize)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    [
                        b' ', b'a', b'Z', b'5', b'-', 0xc3, 0xa9, b'`', b'@', b'[', b'{', b'/',
                        b':',
                    ][(rng % 13) as usize]
                })
                .collect();
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            for i in 0..b.len() {
                assert_eq!(word_end(&b, i), slow(&b, i), "{b:?} {i}");
            }
        }
    }

    #[test]
    fn folds_accents_case_and_apostrophes() {
        assert_eq!(fold("N’Djaména"), "n'djamena");
        assert_eq!(fold("Tillabéri  Région"), "tillaberi region");
        assert_eq!(fold("Ségou–Mopti"), "segou-mopti");
        assert_eq!(fold("cœur"), "coeur");
    }

    #[test]
    fn name_keys_ignore_punctuation() {
        assert_eq!(name_key("N'Djamena"), name_key("Ndjamena"));
        assert_eq!(name_key("Centre-Nord"), name_key("Centre Nord"));
        assert_ne!(name_key("Gao"), name_key("Goa"));
    }

    #[test]
    fn pack_at_is_pack() {
        let b = b"abcdefghij k";
        for s in 0..b.len() {
            for n in 1..=8.min(b.len() - s) {
                assert_eq!(pack_at(b, s, n), pack(&b[s..s + n]), "{s} {n}");
            }
        }
    }

    #[test]
    fn same_name_key_is_name_key_equality() {
        let names = [
            "Gao",
            "Goa",
            "N'Djamena",
            "Ndjamena",
            "N Djamena",
            "Centre-Nord",
            "Centre Nord",
            "Tillabéri",
            "Tillaberi",
            "Ségou",
            "Segou",
            "cœur",
            "coeur",
            "a`b",
            "ab",
            "",
            " ",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_name_key(a, b), name_key(a) == name_key(b), "{a} / {b}");
            }
        }
    }
}

/// Fold one character the way [`fold`] does, calling `push` for every output
/// character (none for combining marks). White space is reported as `' '`
/// (runs are collapsed by the caller).
#[inline]
fn fold_char(c: char, mut push: impl FnMut(char)) {
    if c.is_ascii() {
        push(if c.is_ascii_whitespace() {
            ' '
        } else if c == '`' {
            '\''
        } else {
            c.to_ascii_lowercase()
        });
        return;
    }
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' => push('\''),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => push('-'),
        '\u{00AB}' | '\u{00BB}' | '\u{201C}' | '\u{201D}' | '\u{201E}' => push('"'),
        '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{2007}' => push(' '),
        'œ' | 'Œ' => {
            push('o');
            push('e');
        }
        'æ' | 'Æ' => {
            push('a');
            push('e');
        }
        'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => push('a'),
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => push('e'),
        'î' | 'ï' | 'í' | 'Î' | 'Ï' => push('i'),
        'ô' | 'ö' | 'ó' | 'Ô' | 'Ö' => push('o'),
        'û' | 'ü' | 'ù' | 'ú' | 'Û' | 'Ü' | 'Ù' => push('u'),
        'ç' | 'Ç' => push('c'),
        c if c.is_whitespace() => push(' '),
        c => {
            for d in std::iter::once(c).nfkd() {
                if unicode_normalization::char::is_combining_mark(d) {
                    continue;
                }
                for l in d.to_lowercase() {
                    push(l);
                }
            }
        }
    }
}

/// Text folded like [`fold`] (but keeping segment breaks as `'\n'`), with a
/// map from every byte of the folded text back to a byte offset of the
/// original text, so that matches can be reported (and their case checked)
/// as written.
///
/// The map is kept as runs: within a run, folded and original offsets move
/// in step (plain ASCII text, single spaces); a new run starts where they
/// part (an accented letter, collapsed white space, a break).
#[derive(Debug, Default, Clone)]
pub struct FoldedText {
    /// The folded text: lower case, no accents, single spaces, segments
    /// separated by `'\n'`.
    pub text: String,
    /// (folded offset, original offset) at the start of each run.
    runs: Vec<(u32, u32)>,
    /// Length of the original text (the offset of the folded end).
    orig_len: u32,
}

/// Record in `runs` that folded byte `pos` comes from original offset `o`,
/// starting a run unless the last one already projects there.
#[inline]
fn map_at(runs: &mut Vec<(u32, u32)>, pos: usize, o: usize) {
    let (pos, o) = (pos as u32, o as u32);
    if let Some(&(fs, os)) = runs.last() {
        if os + (pos - fs) == o {
            return;
        }
    }
    runs.push((pos, o));
}

/// Bytes that fold to themselves but for case: ASCII other than white
/// space and the backquote (as a table: one load a byte of the text).
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x80 {
        let b = c as u8;
        t[c] = !b.is_ascii_whitespace() && b != b'`';
        c += 1;
    }
    t
};

impl FoldedText {
    pub fn with_capacity(n: usize) -> Self {
        FoldedText {
            text: String::with_capacity(n + 8),
            runs: Vec::with_capacity(n / 16 + 8),
            orig_len: 0,
        }
    }

    /// Empty it for another text, keeping its buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.runs.clear();
        self.orig_len = 0;
    }

    /// Record that the folded byte at the current end comes from original
    /// offset `o`.
    #[inline]
    fn map_here(&mut self, o: usize) {
        map_at(&mut self.runs, self.text.len(), o);
    }

    /// Append `s` (which starts at offset `base` of the original text),
    /// folded; white space runs become one space, leading/trailing space of
    /// the piece is dropped.
    pub fn push_folded(&mut self, s: &str, base: usize) {
        let mut pending_space: Option<usize> = None;
        let seg_start = self.text.len();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c0 = b[i];
            // Fast path: a run of plain ASCII words separated by single
            // spaces, copied and lower-cased at once (folded and original
            // offsets move in step: one run of the map).
            let plain = |c: u8| PLAIN[c as usize];
            if plain(c0) {
                let mut j = i + 1;
                loop {
                    while let Some(w) = b.get(j..j + 8) {
                        if !plain_block(u64::from_le_bytes(w.try_into().expect("eight bytes"))) {
                            break;
                        }
                        j += 8;
                    }
                    while j < b.len() && plain(b[j]) {
                        j += 1;
                    }
                    if j + 1 < b.len() && b[j] == b' ' && plain(b[j + 1]) {
                        j += 2;
                    } else {
                        break;
                    }
                }
                if let Some(sp) = pending_space.take() {
                    if self.text.len() > seg_start {
                        self.map_here(sp);
                        self.text.push(' ');
                    }
                }
                self.map_here(base + i);
                let at = self.text.len();
                self.text.push_str(&s[i..j]);
                self.text[at..].make_ascii_lowercase();
                i = j;
                continue;
            }
            if c0.is_ascii_whitespace() {
                if pending_space.is_none() {
                    pending_space = Some(base + i);
                }
                i += 1;
                continue;
            }
            let c = s[i..].chars().next().unwrap_or(' ');
            let off = base + i;
            i += c.len_utf8();
            let mut space = false;
            let (text, runs) = (&mut self.text, &mut self.runs);
            fold_char(c, |o| {
                if o == ' ' {
                    space = true;
                    return;
                }
                if let Some(sp) = pending_space.take() {
                    if text.len() > seg_start {
                        map_at(runs, text.len(), sp);
                        text.push(' ');
                    }
                }
                // Every byte of the folding maps to the character's start.
                map_at(runs, text.len(), off);
                text.push(o);
                let len = text.len();
                for k in (len + 1 - o.len_utf8())..len {
                    runs.push((k as u32, off as u32));
                }
            });
            if space && pending_space.is_none() {
                pending_space = Some(off);
            }
        }
    }

    /// Append a hard break (between title and paragraphs).
    pub fn push_break(&mut self, orig_off: usize) {
        self.map_here(orig_off);
        self.text.push('\n');
    }

    /// Close the map (call once after the last piece).
    pub fn finish(&mut self, orig_len: usize) {
        self.orig_len = orig_len as u32;
    }

    /// Offset in the original text of folded byte `i` (the end of the
    /// original for `i` at or past the folded end).
    #[inline]
    pub fn orig(&self, i: usize) -> usize {
        if i >= self.text.len() {
            return self.orig_len as usize;
        }
        let k = self.runs.partition_point(|r| r.0 as usize <= i);
        match k.checked_sub(1).map(|k| self.runs[k]) {
            Some((fs, os)) => (os as usize) + (i - fs as usize),
            None => i,
        }
    }
}

/// `i` (at most `s.len()`) moved back to a char boundary of `s`: the end of
/// a window "up to N bytes after a match" that never cuts a character.
pub fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Up to `len` bytes of `s` before `to`, starting on a char boundary: the
/// words just before a match.
pub fn span_before(s: &str, to: usize, len: usize) -> &str {
    let mut a = to.saturating_sub(len);
    while !s.is_char_boundary(a) {
        a += 1;
    }
    &s[a..to]
}

/// Up to `len` bytes of `s` from `from`, not past `end` (a sentence's end):
/// empty where a multi-word hit already runs past that end ("were\n\nkilled").
pub fn span_after(s: &str, from: usize, end: usize, len: usize) -> &str {
    let to = floor_boundary(s, end.min(from.saturating_add(len)));
    s.get(from..to).unwrap_or("")
}

/// Is the folded byte at `i` (or the start) a word boundary on its left?
#[inline]
pub fn boundary_before(s: &[u8], i: usize) -> bool {
    i == 0 || !is_word_byte(s[i - 1])
}

/// Is position `end` (exclusive) a word boundary on its right?
#[inline]
pub fn boundary_after(s: &[u8], end: usize) -> bool {
    end >= s.len() || !is_word_byte(s[end])
}

#[inline]
pub const fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// The high bit of each byte of a `u64`.
const HI: u64 = 0x8080_8080_8080_8080;

/// By byte of `x7` (bytes below 0x80): its high bit set when the byte is
/// `n` or more (no carry crosses bytes: 0x7f + 0x80 - `n` < 0x100).
#[inline]
const fn at_least(x7: u64, n: u8) -> u64 {
    (x7 + 0x0101_0101_0101_0101 * (0x80 - n as u64)) & HI
}

/// By byte of `x`: its high bit set when the byte is a word byte
/// ([`is_word_byte`]).
#[inline]
const fn word_bytes(x: u64) -> u64 {
    let x7 = x & !HI;
    let digit = at_least(x7, b'0') & !at_least(x7, b'9' + 1);
    // with 0x20 set, upper-case letters are lower-case ones and no other
    // byte is one
    let x7l = x7 | 0x2020_2020_2020_2020;
    let letter = at_least(x7l, b'a') & !at_least(x7l, b'z' + 1);
    (x & HI) | digit | letter
}

/// By byte of `x`: its high bit set when the byte is an ASCII letter or
/// digit.
#[inline]
const fn alnum_bytes(x: u64) -> u64 {
    word_bytes(x) & !x & HI
}

/// The end of the run of ASCII letters and digits of `b` from `i` (as
/// [`word_end`] for word bytes).
#[inline]
pub(crate) fn alnum_end(b: &[u8], i: usize) -> usize {
    run_end(b, i, alnum_bytes, |c| ALNUM[c as usize])
}

/// The end of the run of bytes of `b` from `i` that `byte` accepts, eight
/// at a time: `mask` sets the high bit of each accepted byte of a block,
/// the end is found in the first eight without a branch a byte.
#[inline(always)]
fn run_end(b: &[u8], mut i: usize, mask: fn(u64) -> u64, byte: fn(u8) -> bool) -> usize {
    while let Some(w) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let m = mask(x);
        if m != HI {
            return i + (!m & HI).trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while i < b.len() && byte(b[i]) {
        i += 1;
    }
    i
}

/// By byte of `y`: its high bit set when the byte is 0.
#[inline]
const fn zero_bytes(y: u64) -> u64 {
    !(((y & !HI) + !HI) | y) & HI
}

/// Whether the eight bytes `x` (little-endian) go on with a run of plain
/// words of [`FoldedText::push_folded`], after a plain byte: [`PLAIN`]
/// bytes and single spaces, the last byte plain. (Control bytes other than
/// white space are plain too, but a block with one is left to the byte
/// loop.)
#[inline]
const fn plain_block(x: u64) -> bool {
    let low = !at_least(x & !HI, 0x21) & HI;
    let space = zero_bytes(x ^ 0x2020_2020_2020_2020);
    let backquote = zero_bytes(x ^ 0x6060_6060_6060_6060);
    x & HI == 0
        && backquote == 0
        && low & !space == 0
        && space & (space << 8) == 0
        && space >> 56 == 0
}

/// Whether `phrase` occurs in `hay` as whole words: "this attack" is in
/// "claimed this attack", not in "this attacker".
pub(crate) fn has_phrase(hay: &str, phrase: &str) -> bool {
    let (h, p) = (hay.as_bytes(), phrase.as_bytes());
    memchr::memmem::find_iter(h, p).any(|k| {
        (k == 0 || !is_word_byte(h[k - 1])) && h.get(k + p.len()).is_none_or(|&c| !is_word_byte(c))
    })
}

/// The end of the run of word bytes ([`is_word_byte`]) of `b` from `i`
/// ([`run_end`]).
#[inline]
pub(crate) fn word_end(b: &[u8], i: usize) -> usize {
    run_end(b, i, word_bytes, is_word_byte)
}

/// ASCII letters and digits (`u8::is_ascii_alphanumeric`) as a table: one
/// load a byte in the scanning loops.
pub(crate) const ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    t
};

/// Guess "en" or "fr" from stop words of folded text (its first 900 bytes).
pub fn detect_language(folded: &str) -> &'static str {
    // Short function words, packed into integers so that a word is one
    // comparison.
    const fn key(w: &[u8]) -> u64 {
        let mut k = 0u64;
        let mut i = 0;
        while i < w.len() {
            k = (k << 8) | w[i] as u64;
            i += 1;
        }
        k
    }
    const EN: [&[u8]; 24] = [
        b"the", b"and", b"of", b"in", b"to", b"was", b"were", b"said", b"has", b"have", b"with",
        b"on", b"by", b"at", b"from", b"that", b"which", b"their", b"they", b"after", b"killed",
        b"is", b"are", b"been",
    ];
    const FR: [&[u8]; 25] = [
        b"le", b"la", b"les", b"des", b"du", b"et", b"dans", b"une", b"un", b"au", b"aux", b"a",
        b"est", b"ont", b"sont", b"par", b"pour", b"sur", b"qui", b"selon", b"ete", b"avait",
        b"leur", b"tues", b"ces",
    ];
    // A perfect hash of the packed words: the top 7 bits of the key times
    // this multiplier (found by trial) differ for all 49 words, so a word is
    // one multiplication and one comparison. The table is built at compile
    // time, and the build fails if two words ever share a slot.
    const MUL: u64 = 0x9299_d1cb_008b_6321;
    const fn slot(k: u64) -> usize {
        (k.wrapping_mul(MUL) >> 57) as usize
    }
    /// (packed word, 1 for English or 2 for French); key 0 is no word.
    const TABLE: [(u64, u8); 128] = {
        let mut t = [(0u64, 0u8); 128];
        let mut i = 0;
        while i < EN.len() + FR.len() {
            let (w, lang) = if i < EN.len() {
                (EN[i], 1)
            } else {
                (FR[i - EN.len()], 2)
            };
            let k = key(w);
            assert!(t[slot(k)].0 == 0, "two stop words share a slot");
            t[slot(k)] = (k, lang);
            i += 1;
        }
        t
    };
    let (mut en, mut fr) = (0u32, 0u32);
    let b = folded.as_bytes();
    let b = &b[..b.len().min(900)];
    let mut i = 0;
    while i < b.len() {
        if !ALNUM[b[i] as usize] {
            i += 1;
            continue;
        }
        // A word of up to 6 bytes, packed (longer words are no stop word).
        let s = i;
        i = alnum_end(b, i + 1);
        if i - s > 6 {
            continue;
        }
        let k = pack_at(b, s, i - s);
        let (w, lang) = TABLE[slot(k)];
        if w == k {
            if lang == 1 {
                en += 1;
            } else {
                fr += 1;
            }
        }
    }
    if fr > en {
        "fr"
    } else {
        "en"
    }
}

#[cfg(test)]
mod folded_tests {
    use super::*;

    #[test]
    fn folded_text_keeps_offsets() {
        let s = "Téguey  et Bankilaré";
        let mut f = FoldedText::with_capacity(s.len());
        f.push_folded(s, 0);
        f.finish(s.len());
        assert_eq!(f.text, "teguey et bankilare");
        let i = f.text.find("bankilare").unwrap();
        assert_eq!(&s[f.orig(i)..], "Bankilaré");
        assert_eq!(f.orig(f.text.len()), s.len());
    }

    #[test]
    fn every_folded_byte_maps_to_the_character_that_made_it() {
        // Accents, a ligature that folds to two letters, collapsed white
        // space, a break, and a character that NFKD expands.
        let pieces = ["Œuvre  à Téra,\t\tnear  Ménaka", "Ça va: ﬁn ½ «Djibo»"];
        let mut orig = String::new();
        let mut f = FoldedText::with_capacity(64);
        for (k, p) in pieces.iter().enumerate() {
            if k > 0 {
                orig.push_str("\n\n");
                f.push_break(orig.len());
            }
            let base = orig.len();
            orig.push_str(p);
            f.push_folded(p, base);
        }
        f.finish(orig.len());
        assert_eq!(
            f.text,
            "oeuvre a tera, near menaka\nca va: fin 1⁄2 \"djibo\""
        );
        // Reference: fold each original character alone and check that its
        // folded bytes map back to it.
        let mut prev = 0;
        for (i, _) in f.text.bytes().enumerate() {
            let o = f.orig(i);
            assert!(orig.is_char_boundary(o), "byte {i} maps inside a character");
            assert!(o >= prev, "offsets go back at byte {i}");
            prev = o;
            let ch = orig[o..].chars().next().unwrap();
            let fb = f.text.as_bytes()[i];
            if fb == b'\n' {
                // A break maps to the start of the next piece.
                assert!(orig[o..].starts_with("Ça"), "break at {i}");
            } else if fb == b' ' {
                assert!(ch.is_whitespace(), "space at {i} maps to {ch:?}");
            } else if ch.is_ascii() {
                assert_eq!(fb, ch.to_ascii_lowercase() as u8, "byte {i}");
            } else {
                let mut one = String::new();
                fold_char(ch, |c| one.push(c));
                assert!(
                    one.as_bytes().contains(&fb),
                    "byte {i} {fb} not from {ch:?}"
                );
            }
        }
        let t = f.text.find("menaka").unwrap();
        assert_eq!(&orig[f.orig(t)..], "Ménaka\n\nÇa va: ﬁn ½ «Djibo»");
        let d = f.text.find("djibo").unwrap();
        assert_eq!(&orig[f.orig(d)..f.orig(d + 5)], "Djibo");
    }

    #[test]
    fn detects_language() {
        assert_eq!(
            detect_language("les soldats ont ete tues dans la region"),
            "fr"
        );
        assert_eq!(
            detect_language("the soldiers were killed in the region"),
            "en"
        );
    }
}

/// A word of up to 8 bytes packed into an integer, one byte after the
/// other (no word byte is 0, so different words give different keys).
#[inline]
pub(crate) fn pack(w: &[u8]) -> u64 {
    w.iter().fold(0u64, |k, &b| (k << 8) | u64::from(b))
}

/// [`pack`] of the `n` (1 to 8) bytes of `b` from `s`, with one load where
/// eight bytes are there to read.
#[inline]
pub(crate) fn pack_at(b: &[u8], s: usize, n: usize) -> u64 {
    match b.get(s..s + 8) {
        Some(w) => u64::from_be_bytes(w.try_into().expect("eight bytes")) >> (64 - 8 * n),
        None => pack(&b[s..s + n]),
    }
}

/// FNV-1a: a fast hash for the short context phrases.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}
