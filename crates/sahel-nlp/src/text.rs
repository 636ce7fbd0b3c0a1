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

#[cfg(test)]
mod tests {
    use super::*;

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
#[derive(Debug, Default, Clone)]
pub struct FoldedText {
    /// The folded text: lower case, no accents, single spaces, segments
    /// separated by `'\n'`.
    pub text: String,
    /// `map[i]` is the offset in the original of the character that produced
    /// folded byte `i`; `map[text.len()]` is the end of the original.
    pub map: Vec<u32>,
}

impl FoldedText {
    pub fn with_capacity(n: usize) -> Self {
        FoldedText {
            text: String::with_capacity(n + 8),
            map: Vec::with_capacity(n + 8),
        }
    }

    /// Append `s` (which starts at offset `base` of the original text),
    /// folded; white space runs become one space, leading/trailing space of
    /// the piece is dropped.
    pub fn push_folded(&mut self, s: &str, base: usize) {
        let mut pending_space: Option<u32> = None;
        let seg_start = self.text.len();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c0 = b[i];
            // Fast path: a run of ASCII non-space characters.
            if c0 < 0x80 && !c0.is_ascii_whitespace() && c0 != b'`' {
                let mut j = i + 1;
                while j < b.len() && b[j] < 0x80 && !b[j].is_ascii_whitespace() && b[j] != b'`' {
                    j += 1;
                }
                if let Some(sp) = pending_space.take() {
                    if self.text.len() > seg_start {
                        self.text.push(' ');
                        self.map.push(sp);
                    }
                }
                let at = self.text.len();
                self.text.push_str(&s[i..j]);
                self.text[at..].make_ascii_lowercase();
                self.map.extend((base + i..base + j).map(|o| o as u32));
                i = j;
                continue;
            }
            let c = s[i..].chars().next().unwrap_or(' ');
            let off = (base + i) as u32;
            i += c.len_utf8();
            let text = &mut self.text;
            let map = &mut self.map;
            let mut space = false;
            fold_char(c, |o| {
                if o == ' ' {
                    space = true;
                    return;
                }
                if let Some(sp) = pending_space.take() {
                    if text.len() > seg_start {
                        text.push(' ');
                        map.push(sp);
                    }
                }
                text.push(o);
                for _ in 0..o.len_utf8() {
                    map.push(off);
                }
            });
            if space && pending_space.is_none() {
                pending_space = Some(off);
            }
        }
    }

    /// Append a hard break (between title and paragraphs).
    pub fn push_break(&mut self, orig_off: usize) {
        self.text.push('\n');
        self.map.push(orig_off as u32);
    }

    /// Close the map (call once after the last piece).
    pub fn finish(&mut self, orig_len: usize) {
        self.map.push(orig_len as u32);
    }

    /// Offset in the original text of folded byte `i`.
    #[inline]
    pub fn orig(&self, i: usize) -> usize {
        self.map[i.min(self.map.len() - 1)] as usize
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
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// Guess "en" or "fr" from stop words of folded text (its first 900 bytes).
pub fn detect_language(folded: &str) -> &'static str {
    // Short function words, packed into integers so that a word is one
    // comparison against two sorted tables.
    const fn key(w: &[u8]) -> u64 {
        let mut k = 0u64;
        let mut i = 0;
        while i < w.len() {
            k = (k << 8) | w[i] as u64;
            i += 1;
        }
        k
    }
    const fn sorted<const N: usize>(words: [&[u8]; N]) -> [u64; N] {
        let mut out = [0u64; N];
        let mut i = 0;
        while i < N {
            out[i] = key(words[i]);
            i += 1;
        }
        // Insertion sort (const context).
        let mut a = 1;
        while a < N {
            let mut b = a;
            while b > 0 && out[b - 1] > out[b] {
                let t = out[b];
                out[b] = out[b - 1];
                out[b - 1] = t;
                b -= 1;
            }
            a += 1;
        }
        out
    }
    const EN: [u64; 24] = sorted([
        b"the", b"and", b"of", b"in", b"to", b"was", b"were", b"said", b"has", b"have", b"with",
        b"on", b"by", b"at", b"from", b"that", b"which", b"their", b"they", b"after", b"killed",
        b"is", b"are", b"been",
    ]);
    const FR: [u64; 25] = sorted([
        b"le", b"la", b"les", b"des", b"du", b"et", b"dans", b"une", b"un", b"au", b"aux", b"a",
        b"est", b"ont", b"sont", b"par", b"pour", b"sur", b"qui", b"selon", b"ete", b"avait",
        b"leur", b"tues", b"ces",
    ]);
    let (mut en, mut fr) = (0u32, 0u32);
    let b = folded.as_bytes();
    let n = b.len().min(900);
    let mut i = 0;
    while i < n {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i - s > 6 {
            continue;
        }
        let k = key(&b[s..i]);
        if EN.binary_search(&k).is_ok() {
            en += 1;
        } else if FR.binary_search(&k).is_ok() {
            fr += 1;
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
        assert_eq!(f.map.len(), f.text.len() + 1);
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
