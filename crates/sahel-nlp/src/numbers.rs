//! Numbers in folded English and French text: digits with thousands
//! separators ("1,000", "1.000", "1 000"), decimals with multipliers
//! ("1.5 million"), number words ("twenty-three", "vingt-trois",
//! "soixante-dix", "quatre-vingt-douze", "one hundred and twenty") and
//! approximate quantities ("a dozen", "une dizaine", "une quarantaine",
//! "dozens", "des dizaines", "hundreds").

/// One number found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Num {
    /// Folded byte range of the whole expression.
    pub start: usize,
    pub end: usize,
    pub value: u32,
    /// An indefinite quantity ("dozens", "des centaines"): used only when
    /// no precise figure is given.
    pub vague: bool,
    /// Four digits between 1900 and 2100 with no separator: probably a year.
    pub year_like: bool,
    /// Ordinal, time, percentage or part of a date: never a count.
    pub not_count: bool,
}

#[derive(Clone, Copy)]
enum W {
    Unit(u32),
    Hundred,
    Thousand,
    Million,
    /// Approximate noun: value, multiplies a preceding unit ("two dozen").
    Approx(u32, bool),
    /// Indefinite plural ("dozens", "hundreds").
    Vague(u32),
}

/// Number words and their meanings, sorted.
const WORDS: &[(&[u8], W)] = {
    use W::*;
    &[
        (b"cent", Hundred),
        (b"centaine", Approx(100, false)),
        (b"centaines", Vague(200)),
        (b"cents", Hundred),
        (b"cinq", Unit(5)),
        (b"cinquantaine", Approx(50, false)),
        (b"cinquante", Unit(50)),
        (b"deux", Unit(2)),
        (b"dix", Unit(10)),
        (b"dizaine", Approx(10, false)),
        (b"dizaines", Vague(24)),
        (b"douzaine", Approx(12, true)),
        (b"douzaines", Vague(24)),
        (b"douze", Unit(12)),
        (b"dozen", Approx(12, true)),
        (b"dozens", Vague(24)),
        (b"eight", Unit(8)),
        (b"eighteen", Unit(18)),
        (b"eighty", Unit(80)),
        (b"eleven", Unit(11)),
        (b"fifteen", Unit(15)),
        (b"fifty", Unit(50)),
        (b"five", Unit(5)),
        (b"forty", Unit(40)),
        (b"four", Unit(4)),
        (b"fourteen", Unit(14)),
        (b"huit", Unit(8)),
        (b"hundred", Hundred),
        (b"hundreds", Vague(200)),
        (b"mille", Thousand),
        (b"millier", Approx(1000, false)),
        (b"milliers", Vague(2000)),
        (b"million", Million),
        (b"millions", Million),
        (b"neuf", Unit(9)),
        (b"nine", Unit(9)),
        (b"nineteen", Unit(19)),
        (b"ninety", Unit(90)),
        (b"one", Unit(1)),
        (b"onze", Unit(11)),
        (b"quarantaine", Approx(40, false)),
        (b"quarante", Unit(40)),
        (b"quatorze", Unit(14)),
        (b"quatre", Unit(4)),
        (b"quinzaine", Approx(15, false)),
        (b"quinze", Unit(15)),
        (b"scores", Vague(40)),
        (b"seize", Unit(16)),
        (b"sept", Unit(7)),
        (b"seven", Unit(7)),
        (b"seventeen", Unit(17)),
        (b"seventy", Unit(70)),
        (b"six", Unit(6)),
        (b"sixteen", Unit(16)),
        (b"sixty", Unit(60)),
        (b"soixantaine", Approx(60, false)),
        (b"soixante", Unit(60)),
        (b"ten", Unit(10)),
        (b"thirteen", Unit(13)),
        (b"thirty", Unit(30)),
        (b"thousand", Thousand),
        (b"thousands", Vague(2000)),
        (b"three", Unit(3)),
        (b"treize", Unit(13)),
        (b"trentaine", Approx(30, false)),
        (b"trente", Unit(30)),
        (b"trois", Unit(3)),
        (b"twelve", Unit(12)),
        (b"twenty", Unit(20)),
        (b"two", Unit(2)),
        (b"un", Unit(1)),
        (b"une", Unit(1)),
        (b"vingt", Unit(20)),
        (b"vingtaine", Approx(20, false)),
        (b"vingts", Unit(20)),
        (b"zero", Unit(0)),
    ]
};

/// For the first two letters of a word, the lengths (bit `n`) of the number
/// words that start with them: most words are rejected with one lookup.
const PREFIX_LENGTHS: [[u16; 26]; 26] = {
    let mut t = [[0u16; 26]; 26];
    let mut k = 0;
    while k < WORDS.len() {
        let w = WORDS[k].0;
        t[(w[0] - b'a') as usize][(w[1] - b'a') as usize] |= 1 << w.len();
        k += 1;
    }
    t
};

/// For each first letter, the range of `WORDS` that starts with it.
const FIRST: [(u8, u8); 26] = {
    let mut t = [(0u8, 0u8); 26];
    let mut k = 0;
    while k < WORDS.len() {
        let a = (WORDS[k].0[0] - b'a') as usize;
        if t[a].1 == 0 {
            t[a].0 = k as u8;
        }
        t[a].1 = k as u8 + 1;
        k += 1;
    }
    t
};

fn word(w: &[u8]) -> Option<W> {
    if w.len() < 2 || w.len() > 12 {
        return None;
    }
    let (a, b) = (w[0].wrapping_sub(b'a'), w[1].wrapping_sub(b'a'));
    if a >= 26 || b >= 26 || PREFIX_LENGTHS[a as usize][b as usize] & (1 << w.len()) == 0 {
        return None;
    }
    let (lo, hi) = FIRST[a as usize];
    WORDS[lo as usize..hi as usize]
        .iter()
        .find(|(x, _)| *x == w)
        .map(|&(_, v)| v)
}

/// Scan `text[start..end]` for numbers, appending them to `out`.
/// Byte classes for the scanner: 0 separates words, 1 is inside a word
/// (letters that start no number word, non-ASCII bytes), 2 a digit, 3 a
/// letter that starts a number word.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_digit() {
            2
        } else if b.is_ascii_lowercase() {
            if FIRST[(b - b'a') as usize].1 > 0 {
                3
            } else {
                1
            }
        } else if b.is_ascii_alphabetic() || b >= 0x80 {
            1
        } else {
            0
        };
        c += 1;
    }
    t
};

/// [`scan`] with the text's words given (`words`: every maximal run of
/// bytes of class other than 0 in `text`, in order, as
/// [`crate::lexicon::Lexicon::scan_words`] finds them): it visits the
/// words of `text[start..end]` rather than every byte. The same numbers.
pub(crate) fn scan_words(
    text: &str,
    start: usize,
    end: usize,
    words: &[(u32, u32)],
    out: &mut Vec<Num>,
) {
    let b = text.as_bytes();
    // `next`: where the byte scan would go on; a word that starts before it
    // (one whose rest the byte scan skips) is left out.
    let mut next = start;
    let first = words.partition_point(|&(_, e)| e as usize <= start);
    for &(ws, we) in &words[first..] {
        // A word cut by `start` starts there for the byte scan.
        let i = (ws as usize).max(start);
        if i >= end {
            break;
        }
        if i < next {
            continue;
        }
        match CLASS[b[i] as usize] {
            2 => {
                let (num, n) = digits(b, i, end);
                out.push(num);
                next = n;
            }
            // A number word's first two letters are in the prefix table
            // ([`word`] says no to any other word, without its end).
            3 if !prefix_may_start(b, i, end) => next = (we as usize).min(end),
            3 => {
                let (_, w) = word_at(b, i, end);
                if word(w).is_some() {
                    if let Some((num, n)) = words_at(b, i, end) {
                        out.push(num);
                        next = n;
                        continue;
                    }
                }
                next = (we as usize).min(end);
            }
            _ => next = (we as usize).min(end),
        }
    }
}

#[cfg(test)]
pub(crate) fn scan(text: &str, start: usize, end: usize, out: &mut Vec<Num>) {
    let b = text.as_bytes();
    let class = |i: usize| CLASS[b[i] as usize];
    let mut i = start;
    while i < end {
        let k = class(i);
        if k == 0 {
            i += 1;
            continue;
        }
        // Only at word starts: skip the rest of a word.
        if k == 1 || (i > start && class(i - 1) != 0) {
            i += 1;
            while i < end && class(i) != 0 {
                i += 1;
            }
            continue;
        }
        if k == 2 {
            let (num, next) = digits(b, i, end);
            out.push(num);
            i = next;
            continue;
        }
        let (we, w) = word_at(b, i, end);
        if word(w).is_some() {
            if let Some((num, next)) = words_at(b, i, end) {
                out.push(num);
                i = next;
                continue;
            }
        }
        i = we;
    }
}

/// Whether the word at `i` (a letter of class 3) may be a number word: its
/// second byte is a letter and the two start one of [`WORDS`].
#[inline]
fn prefix_may_start(b: &[u8], i: usize, end: usize) -> bool {
    if i + 1 >= end {
        return false;
    }
    let (a, c) = (b[i].wrapping_sub(b'a'), b[i + 1].wrapping_sub(b'a'));
    a < 26 && c < 26 && PREFIX_LENGTHS[a as usize][c as usize] != 0
}

/// The word starting at `i`: (end, bytes).
fn word_at(b: &[u8], i: usize, end: usize) -> (usize, &[u8]) {
    let j = crate::text::alnum_end(&b[..end], i);
    (j, &b[i..j])
}

fn digits(b: &[u8], i: usize, end: usize) -> (Num, usize) {
    let mut j = i;
    let mut v: u64 = 0;
    while j < end && b[j].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add(u64::from(b[j] - b'0'));
        j += 1;
    }
    let first_len = j - i;
    let mut grouped = false;
    // Thousands groups: ",ddd" ".ddd" " ddd" followed by a non-digit.
    if first_len <= 3 {
        loop {
            // the separator and three digits, all before `end`
            if j + 4 <= end.min(b.len())
                && matches!(b[j], b',' | b'.' | b' ')
                && b[j + 1..j + 4].iter().all(u8::is_ascii_digit)
                && (j + 4 >= end || !b[j + 4].is_ascii_digit())
            {
                // "in 2019 150 people": a space group only after 1-3 digits
                // and not when the group looks like a year-free count.
                if b[j] == b' ' && (grouped || first_len > 3) {
                    break;
                }
                for d in &b[j + 1..j + 4] {
                    v = v * 10 + u64::from(d - b'0');
                }
                j += 4;
                grouped = true;
            } else {
                break;
            }
        }
    }
    let mut fval = v as f64;
    // Decimal part: ".5", ",03".
    if j + 1 < end && matches!(b[j], b'.' | b',') && b[j + 1].is_ascii_digit() {
        let mut k = j + 1;
        let mut scale = 0.1;
        let mut frac = 0.0;
        while k < end && b[k].is_ascii_digit() {
            frac += f64::from(b[k] - b'0') * scale;
            scale /= 10.0;
            k += 1;
        }
        fval += frac;
        j = k;
    }
    let mut not_count = i > 0 && matches!(b[i - 1], b':' | b'h' | b'/');
    // Suffixes: ordinals, percentages, times, units.
    if j < end {
        let (we, w) = word_at(b, j, end);
        if matches!(
            w,
            b"st"
                | b"nd"
                | b"rd"
                | b"th"
                | b"e"
                | b"er"
                | b"eme"
                | b"h"
                | b"km"
                | b"m"
                | b"am"
                | b"pm"
        ) {
            not_count = true;
            j = we;
        } else if matches!(b[j], b'%' | b':') {
            not_count = true;
        }
    }
    // Multipliers: "1.5 million", "12 000" handled above; "2 millions".
    let mut k = j;
    while k < end && b[k] == b' ' {
        k += 1;
    }
    if k < end {
        let (we, w) = word_at(b, k, end);
        match w {
            b"million" | b"millions" => {
                fval *= 1_000_000.0;
                j = we;
            }
            b"thousand" | b"mille" => {
                fval *= 1000.0;
                j = we;
            }
            b"percent" | b"pourcent" | b"per" | b"pour" => {
                if w == b"percent" || w == b"pourcent" {
                    not_count = true;
                } else {
                    let (_, w2) = word_at(b, (we + 1).min(end), end);
                    if w2 == b"cent" {
                        not_count = true;
                    }
                }
            }
            _ => {}
        }
    }
    let value = if fval > u32::MAX as f64 {
        u32::MAX
    } else {
        fval as u32
    };
    let year_like = !grouped && first_len == 4 && (1900..=2100).contains(&v);
    (
        Num {
            start: i,
            end: j,
            value,
            vague: false,
            year_like,
            not_count,
        },
        j,
    )
}

fn words_at(b: &[u8], i: usize, end: usize) -> Option<(Num, usize)> {
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut vague = false;
    let mut any = false;
    let mut j = i;
    let mut last_end = i;
    let mut last_unit: Option<u32> = None;
    loop {
        let (we, w) = word_at(b, j, end);
        let Some(x) = word(w) else { break };
        match x {
            W::Unit(u) => {
                // "vingt" after "quatre": 80.
                if u == 20 && current % 100 == 4 && last_unit == Some(4) {
                    current = current - 4 + 80;
                } else {
                    current += u64::from(u);
                }
                last_unit = Some(u);
            }
            W::Hundred => {
                current = current.max(1) * 100;
                last_unit = Some(100);
            }
            W::Thousand => {
                total += current.max(1) * 1000;
                current = 0;
                last_unit = Some(1000);
            }
            W::Million => {
                total += current.max(1) * 1_000_000;
                current = 0;
                last_unit = Some(1000);
            }
            W::Approx(v, mult) => {
                current = if mult {
                    current.max(1) * u64::from(v)
                } else {
                    u64::from(v)
                };
                last_unit = Some(1000);
            }
            W::Vague(v) => {
                if any {
                    // "two hundreds"? rare: keep what we have.
                    break;
                }
                current = u64::from(v);
                vague = true;
                last_end = we;
                any = true;
                break;
            }
        }
        any = true;
        last_end = we;
        // Separator: '-', ' ', " and ", " et ".
        let mut k = we;
        if k < end && (b[k] == b'-' || b[k] == b' ') {
            k += 1;
        } else {
            break;
        }
        let (ce, cw) = word_at(b, k, end);
        if cw == b"and" || cw == b"et" {
            let mut k2 = ce;
            if k2 < end && b[k2] == b' ' {
                k2 += 1;
            }
            let (_, nw) = word_at(b, k2, end);
            if word(nw).is_some_and(|x| matches!(x, W::Unit(_)))
                && last_unit.is_some_and(|l| l >= 20)
            {
                k = k2;
            } else {
                break;
            }
        }
        let (_, nw) = word_at(b, k, end);
        if word(nw).is_none() || matches!(word(nw), Some(W::Vague(_))) {
            break;
        }
        j = k;
    }
    if !any {
        return None;
    }
    let v = (total + current).min(u64::from(u32::MAX)) as u32;
    Some((
        Num {
            start: i,
            end: last_end,
            value: v,
            vague,
            year_like: false,
            not_count: false,
        },
        last_end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of `text` as `Lexicon::scan_words` gives them.
    fn words_of(text: &str) -> Vec<(u32, u32)> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if CLASS[b[i] as usize] == 0 {
                i += 1;
                continue;
            }
            let s = i;
            while i < b.len() && CLASS[b[i] as usize] != 0 {
                i += 1;
            }
            out.push((s as u32, i as u32));
        }
        out
    }

    #[test]
    fn scan_words_is_scan() {
        let texts = [
            "12 soldiers, 1,200 people and 3.5 million; vingt-deux morts, quatre-vingts",
            "the 3rd of 25 km at 10h30 on 12/03: 40% of one hundred and twenty",
            "x2 a1 deux3 \u{e9}douze douze\u{e9} trente-cinq 15 000 12 000 000 d'une",
            "plusieurs dizaines de civils, des centaines, two dozen, scores of",
            "cinq-cent, dix-huit, 7th, un, une, onze 11 11,5 0,03 2019 150 people",
        ];
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for t in texts {
            let t = t.to_string();
            let w = words_of(&t);
            // every cut of the text, at char boundaries
            let cuts: Vec<usize> = (0..=t.len()).filter(|&k| t.is_char_boundary(k)).collect();
            for _ in 0..400 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let a = cuts[(rng % cuts.len() as u64) as usize];
                let b = cuts[((rng >> 20) % cuts.len() as u64) as usize];
                let (a, b) = (a.min(b), a.max(b));
                let (mut x, mut y) = (Vec::new(), Vec::new());
                scan(&t, a, b, &mut x);
                scan_words(&t, a, b, &w, &mut y);
                assert_eq!(x, y, "{:?} in {a}..{b}", &t[a..b]);
            }
            let (mut x, mut y) = (Vec::new(), Vec::new());
            scan(&t, 0, t.len(), &mut x);
            scan_words(&t, 0, t.len(), &w, &mut y);
            assert_eq!(x, y);
        }
    }

    fn nums(s: &str) -> Vec<u32> {
        let mut v = Vec::new();
        scan(s, 0, s.len(), &mut v);
        v.iter().filter(|n| !n.not_count).map(|n| n.value).collect()
    }

    #[test]
    fn the_prefix_filter_keeps_every_number_word_and_drops_others() {
        for (w, _) in WORDS {
            assert!(word(w).is_some(), "{}", String::from_utf8_lossy(w));
        }
        for w in [
            "the",
            "de",
            "des",
            "soldiers",
            "tues",
            "sixth",
            "onzieme",
            "x",
            "thousandfold",
        ] {
            assert!(word(w.as_bytes()).is_none(), "{w}");
        }
    }

    #[test]
    fn digits_and_groups() {
        assert_eq!(nums("at least 1,000 people"), vec![1000]);
        assert_eq!(nums("1.000 morts et 1 200 blesses"), vec![1000, 1200]);
        assert_eq!(nums("2,062,534 displaced"), vec![2_062_534]);
        assert_eq!(nums("1.5 million people"), vec![1_500_000]);
        assert_eq!(nums("in 2019 and 71 soldiers"), vec![2019, 71]);
        assert_eq!(nums("the 29e edition at 5:00 with 56%"), Vec::<u32>::new());
    }

    #[test]
    fn groups_never_read_past_the_end() {
        // found by fuzzing (fuzz target `classify`): a group cut by the end
        // of the text indexed past it
        assert_eq!(nums("killed 7 777"), vec![7777]);
        assert_eq!(nums("killed 7 77")[0], 7);
        let mut v = Vec::new();
        scan("12 3456", 0, 5, &mut v);
        assert_eq!(v[0].value, 12, "the group is cut by the span's end");
    }

    #[test]
    fn english_words() {
        assert_eq!(nums("twenty-three soldiers"), vec![23]);
        assert_eq!(nums("seventy one dead"), vec![71]);
        assert_eq!(nums("one hundred and twenty people"), vec![120]);
        assert_eq!(nums("a dozen villagers"), vec![12]);
        assert_eq!(nums("two dozen"), vec![24]);
        let mut v = Vec::new();
        scan("dozens of", 0, 9, &mut v);
        assert!(v[0].vague);
    }

    #[test]
    fn french_words() {
        assert_eq!(nums("vingt-trois militaires"), vec![23]);
        assert_eq!(nums("soixante-dix morts"), vec![70]);
        assert_eq!(nums("soixante et onze"), vec![71]);
        assert_eq!(nums("quatre-vingts soldats"), vec![80]);
        assert_eq!(nums("quatre-vingt-douze soldats"), vec![92]);
        assert_eq!(nums("quatre vingt dix-sept"), vec![97]);
        assert_eq!(nums("deux cents civils"), vec![200]);
        assert_eq!(nums("une dizaine de blesses"), vec![10]);
        assert_eq!(nums("une quarantaine d'assaillants"), vec![40]);
        assert_eq!(nums("dix-sept autres"), vec![17]);
    }
}
