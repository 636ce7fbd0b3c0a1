//! Date cues in folded English and French text, resolved against the
//! publication date.
//!
//! Conventions (documented choices):
//! - a weekday ("on Tuesday", "mardi soir", "late Thursday") is the most
//!   recent such day on or before the publication date (the same day counts);
//! - a night spanning two days ("overnight Saturday to Sunday", "dans la nuit
//!   de samedi à dimanche", "nuit du 4 au 5 juin") and a range ("between 25
//!   and 27 July", "19-20 March") resolve to the FIRST day, when the attack
//!   began (ACLED often codes the second day; the two differ by one day);
//! - "yesterday"/"hier"/"last night"/"overnight" is the day before
//!   publication, "last week" seven days before;
//! - a day and month without a year take the latest year that does not put
//!   the date after publication, unless it falls within a month after
//!   publication (a date to come: never an event date);
//! - a month alone ("in July", "fin mars 2022") or a year alone ("in 2019")
//!   gives a coarse cue used to recognise old incidents, not an event date.

use chrono::{Datelike, Duration, NaiveDate};

use crate::lexicon::Cat;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DKind {
    Explicit,
    Weekday,
    Relative,
    /// "last week": a week before publication, coarse.
    Week,
    MonthOnly,
    YearOnly,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct DateCue {
    pub start: usize,
    pub end: usize,
    pub date: NaiveDate,
    pub kind: DKind,
    /// Preceded by "said", "announced", "a annoncé": the day of a statement
    /// rather than of the incident.
    pub announce: bool,
}

/// A lexicon hit as the date scanner needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LexHit {
    pub start: usize,
    pub end: usize,
    pub cat: Cat,
}

fn word_before(b: &[u8], mut i: usize, lo: usize) -> (usize, usize) {
    while i > lo && !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'\n' {
        if b[i - 1] == b'.'
            || b[i - 1] == b','
            || b[i - 1] == b' '
            || b[i - 1] == b'-'
            || b[i - 1] == b'('
        {
            i -= 1;
        } else {
            break;
        }
    }
    let e = i;
    while i > lo && b[i - 1].is_ascii_alphanumeric() {
        i -= 1;
    }
    (i, e)
}

/// The next word after spaces and one dot only ("Sept. 17", not "January, 22").
fn word_after_strict(b: &[u8], mut i: usize, hi: usize) -> (usize, usize) {
    if i < hi && b[i] == b'.' {
        i += 1;
    }
    while i < hi && b[i] == b' ' {
        i += 1;
    }
    let s = i;
    while i < hi && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    (s, i)
}

fn word_after(b: &[u8], mut i: usize, hi: usize) -> (usize, usize) {
    while i < hi && matches!(b[i], b' ' | b'.' | b',' | b'-') {
        i += 1;
    }
    let s = i;
    while i < hi && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    (s, i)
}

/// Parse a day of month token: "20", "1er", "1st", "20th".
fn day_token(t: &[u8]) -> Option<u32> {
    let n = t.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 2 {
        return None;
    }
    let rest = &t[n..];
    if !(rest.is_empty() || matches!(rest, b"er" | b"st" | b"nd" | b"rd" | b"th" | b"e")) {
        return None;
    }
    let d: u32 = std::str::from_utf8(&t[..n]).ok()?.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn year_token(t: &[u8]) -> Option<i32> {
    if t.len() != 4 || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let y: i32 = std::str::from_utf8(t).ok()?.parse().ok()?;
    (1950..=2100).contains(&y).then_some(y)
}

/// The latest date with this month/day not after `pub_date`; but a date
/// up to a month after publication is in its year ("parliament is due to
/// vote on 9 February", published on 6 February): a date to come, not last
/// year's.
fn infer_year(month: u32, day: u32, pub_date: NaiveDate) -> Option<NaiveDate> {
    let y = pub_date.year();
    if let Some(d) = NaiveDate::from_ymd_opt(y, month, day) {
        if d > pub_date + Duration::days(1) && d <= pub_date + Duration::days(31) {
            return Some(d);
        }
    }
    for yy in [y, y - 1] {
        if let Some(d) = NaiveDate::from_ymd_opt(yy, month, day) {
            if d <= pub_date + Duration::days(1) {
                return Some(d.min(pub_date));
            }
        }
    }
    None
}

fn is_ambiguous_month(w: &[u8]) -> bool {
    matches!(
        w,
        b"may"
            | b"march"
            | b"mar"
            | b"sept"
            | b"sep"
            | b"jan"
            | b"jun"
            | b"jul"
            | b"aug"
            | b"apr"
            | b"oct"
            | b"nov"
            | b"dec"
            | b"feb"
    )
}

/// Date cues in `text[lo..hi]` (one sentence), given the sentence's lexicon
/// hits, against the publication date.
pub(crate) fn scan(
    text: &str,
    lo: usize,
    hi: usize,
    hits: &[LexHit],
    pub_date: Option<NaiveDate>,
    out: &mut Vec<DateCue>,
) {
    let b = text.as_bytes();
    let violent = |c: Cat| {
        matches!(
            c,
            Cat::Attack(..) | Cat::Generic(_) | Cat::Kill | Cat::DeadNoun
        )
    };
    // A statement, claim or aftermath word right before the cue ("said on
    // Thursday", "mourning on Wednesday"), or a claim/aftermath word right
    // after it ("on Saturday claimed"), with no violent word in between.
    let announce_before = |s: usize| {
        hits.iter().any(|h| {
            let before = matches!(h.cat, Cat::Announce | Cat::Aftermath | Cat::Claim)
                && h.end <= s
                && s - h.end <= 30
                && !hits
                    .iter()
                    .any(|v| violent(v.cat) && v.start >= h.end && v.end <= s);
            let after = matches!(h.cat, Cat::Aftermath | Cat::Claim)
                && h.start >= s
                && h.start - s <= 45
                && !hits
                    .iter()
                    .any(|v| violent(v.cat) && v.start >= s && v.end <= h.start)
                && !hits
                    .iter()
                    .any(|v| violent(v.cat) && v.end <= s && s - v.end <= 25);
            // A reporting verb right after the cue, in the same clause: "the
            // army on Wednesday said", "had on Tuesday reported", "in a
            // Thursday statement".
            let after_announce = matches!(h.cat, Cat::Announce)
                && h.start >= s
                && h.start - s <= 24
                && !b[s..h.start]
                    .iter()
                    .any(|c| matches!(c, b',' | b';' | b':'))
                && !hits
                    .iter()
                    .any(|v| violent(v.cat) && v.start >= s && v.end <= h.start)
                && !hits.iter().any(|v| {
                    violent(v.cat) && v.end <= s && s - v.end <= 25 && !b[v.end..s].contains(&b',')
                });
            before || after || after_announce
        })
    };
    // A weekday's name starts at `at`.
    let is_weekday = |at: usize| {
        hits.iter()
            .any(|x| x.start == at && matches!(x.cat, Cat::Weekday(_)))
    };
    for (hi_idx, h) in hits.iter().enumerate() {
        match h.cat {
            Cat::Month(m) => {
                let m = u32::from(m);
                let mw = &b[h.start..h.end];
                // Day before: "20 March", "le 1er janvier", "4 au 5 juin".
                let (ws, we) = word_before(b, h.start, lo);
                let mut day = day_token(&b[ws..we]);
                let mut dstart = ws;
                if day.is_some() {
                    // A range before: "du 4 au 5", "between 25 and 27",
                    // "entre le 27 et le 31", "19-20".
                    let (mut ps, mut pe) = word_before(b, ws, lo);
                    if matches!(&b[ps..pe], b"le" | b"the") || is_weekday(ps) {
                        // "du dimanche 6 au lundi 7 novembre"
                        (ps, pe) = word_before(b, ps, lo);
                    }
                    let conn = &b[ps..pe];
                    if matches!(conn, b"au" | b"and" | b"et" | b"to" | b"a") {
                        let (mut qs, mut qe) = word_before(b, ps, lo);
                        if matches!(&b[qs..qe], b"le" | b"the") {
                            (qs, qe) = word_before(b, qs, lo);
                        }
                        if let Some(d1) = day_token(&b[qs..qe]) {
                            day = Some(d1);
                            dstart = qs;
                        }
                    } else if ws > 0 && b[ws - 1] == b'-' {
                        if let Some(d1) = day_token(&b[ps..pe]) {
                            day = Some(d1);
                            dstart = ps;
                        }
                    }
                }
                let mut end = h.end;
                // Day after: "March 20", "Sept. 17".
                if day.is_none() {
                    let (as_, ae) = word_after_strict(b, h.end, hi);
                    if let Some(d) = day_token(&b[as_..ae]) {
                        // "June 2 (TSW)" is a dateline: still a date.
                        day = Some(d);
                        end = ae;
                        dstart = h.start;
                    }
                }
                // Year after.
                let (ys, ye) = word_after(b, end, hi);
                let year = year_token(&b[ys..ye]);
                if year.is_some() {
                    end = ye;
                }
                if day.is_none() && is_ambiguous_month(mw) && year.is_none() {
                    // "in May", "since March": a full month name after a
                    // preposition is not the modal or the verb.
                    let (ps, pe) = word_before(b, h.start, lo);
                    let month_prep = matches!(
                        &b[ps..pe],
                        b"in" | b"late" | b"early" | b"mid" | b"since" | b"during" | b"until"
                    );
                    if !(month_prep && matches!(mw, b"may" | b"march")) {
                        continue;
                    }
                }
                let date = match (day, year) {
                    (Some(d), Some(y)) => NaiveDate::from_ymd_opt(y, m, d),
                    (Some(d), None) => pub_date.and_then(|p| infer_year(m, d, p)),
                    (None, y) => {
                        // Month alone: needs a preposition unless a year follows.
                        let (ps, pe) = word_before(b, h.start, lo);
                        let prev = &b[ps..pe];
                        let prep = matches!(
                            prev,
                            b"in"
                                | b"en"
                                | b"late"
                                | b"early"
                                | b"mid"
                                | b"fin"
                                | b"debut"
                                | b"mi"
                                | b"since"
                                | b"depuis"
                                | b"of"
                                | b"de"
                                | b"d"
                                | b"mois"
                                | b"until"
                                | b"jusqu"
                                | b"last"
                                | b"this"
                        );
                        if y.is_none() && !prep {
                            continue;
                        }
                        let dd = match prev {
                            b"late" | b"fin" => 25,
                            b"early" | b"debut" => 5,
                            _ => 15,
                        };
                        let yy = y.or_else(|| {
                            pub_date.map(|p| {
                                if m > p.month() {
                                    p.year() - 1
                                } else {
                                    p.year()
                                }
                            })
                        });
                        let Some(yy) = yy else { continue };
                        let Some(d) = NaiveDate::from_ymd_opt(yy, m, dd) else {
                            continue;
                        };
                        out.push(DateCue {
                            start: ps.min(h.start),
                            end,
                            date: d,
                            kind: DKind::MonthOnly,
                            announce: announce_before(h.start),
                        });
                        continue;
                    }
                };
                if let Some(date) = date {
                    let date = match pub_date {
                        Some(p) if date > p && date <= p + Duration::days(1) && year.is_none() => p,
                        _ => date,
                    };
                    out.push(DateCue {
                        start: dstart.min(h.start),
                        end,
                        date,
                        kind: DKind::Explicit,
                        announce: announce_before(dstart.min(h.start)),
                    });
                }
            }
            Cat::Weekday(wd) => {
                let Some(p) = pub_date else { continue };
                // "samedi 24 août", "Sunday March 27": the month handles it;
                // so it does "dimanche 6 au lundi 7 novembre", a night.
                let (as_, ae) = word_after(b, h.end, hi);
                if day_token(&b[as_..ae]).is_some()
                    && hits.get(hi_idx + 1).is_some_and(|n| {
                        matches!(n.cat, Cat::Month(_)) && n.start <= ae + 3
                            || matches!(n.cat, Cat::Weekday(_)) && n.start <= ae + 5 && {
                                let (cs, ce) = word_after(b, ae, hi);
                                matches!(&b[cs..ce], b"au" | b"a" | b"to" | b"and" | b"et")
                            }
                    })
                {
                    continue;
                }
                if let Some(n) = hits.get(hi_idx + 1) {
                    if matches!(n.cat, Cat::Month(_)) && n.start <= h.end + 2 {
                        continue;
                    }
                }
                // Second day of a night/range: "Saturday to Sunday".
                let (ps, pe) = word_before(b, h.start, lo);
                if matches!(&b[ps..pe], b"to" | b"a" | b"au" | b"and" | b"et" | b"into")
                    && hi_idx > 0
                    && matches!(hits[hi_idx - 1].cat, Cat::Weekday(_))
                    && h.start - hits[hi_idx - 1].end < 12
                {
                    continue;
                }
                let pw = p.weekday().num_days_from_monday() as i64;
                let back = (pw - i64::from(wd)).rem_euclid(7);
                out.push(DateCue {
                    start: h.start,
                    end: h.end,
                    date: p - Duration::days(back),
                    kind: DKind::Weekday,
                    announce: announce_before(h.start),
                });
            }
            Cat::RelDay(d) => {
                let Some(p) = pub_date else { continue };
                out.push(DateCue {
                    start: h.start,
                    end: h.end,
                    date: p + Duration::days(i64::from(d)),
                    kind: if d <= -7 {
                        DKind::Week
                    } else {
                        DKind::Relative
                    },
                    announce: announce_before(h.start),
                });
            }
            _ => {}
        }
    }
    // Years alone: "in 2019", "en 2015", "since 2021", "(2012-2013)".
    let mut i = lo;
    while i + 4 <= hi {
        // A year is four digits, so when the fourth byte from here is no
        // digit, no year starts at any of the next four bytes: skip them.
        // (The jump below, over a four-digit number, skips no year either:
        // a year at the next byte would follow a digit, and one at either
        // of the two bytes after would take in the separator after the
        // number.)
        if !b[i + 3].is_ascii_digit() {
            i += 4;
            continue;
        }
        if b[i].is_ascii_digit()
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && (i + 4 == b.len() || !b[i + 4].is_ascii_alphanumeric())
        {
            if let Some(y) = year_token(&b[i..i + 4]) {
                // Skip years already part of an explicit date cue.
                if !out.iter().any(|c| c.start <= i && i < c.end) {
                    if let Some(d) = NaiveDate::from_ymd_opt(y, 7, 1) {
                        out.push(DateCue {
                            start: i,
                            end: i + 4,
                            date: d,
                            kind: DKind::YearOnly,
                            announce: false,
                        });
                    }
                }
            }
            i += 4;
            continue;
        }
        i += 1;
    }
    let _ = pub_date;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Entry;
    use crate::lexicon::Lexicon;
    use crate::Gazetteer;

    fn cues(s: &str, pubd: &str) -> Vec<(NaiveDate, DKind)> {
        let lex = Lexicon::new(&Gazetteer::default());
        let f = crate::text::fold(s);
        let mut hits = Vec::new();
        lex.scan(&f, &mut hits);
        let mut lh = Vec::new();
        for h in &hits {
            for e in lex.entries(h.pat) {
                if let Entry::Lex(c) = e {
                    lh.push(LexHit {
                        start: h.start as usize,
                        end: h.end as usize,
                        cat: *c,
                    });
                }
            }
        }
        let p = NaiveDate::parse_from_str(pubd, "%Y-%m-%d").unwrap();
        let mut out = Vec::new();
        scan(&f, 0, f.len(), &lh, Some(p), &mut out);
        out.iter().map(|c| (c.date, c.kind)).collect()
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekday_resolves_backwards_across_month_boundary() {
        // Published Friday 2 Feb 2024; "Tuesday" is 30 January.
        let c = cues("Gunmen attacked the village on Tuesday.", "2024-02-02");
        assert_eq!(c[0], (d("2024-01-30"), DKind::Weekday));
        // Same weekday as publication: that day.
        let c = cues("attaque ce vendredi; vendredi matin", "2024-02-02");
        assert!(c.iter().any(|x| x.0 == d("2024-02-02")));
    }

    #[test]
    fn night_of_two_days_takes_the_first() {
        let c = cues("dans la nuit de samedi à dimanche", "2022-06-14");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, d("2022-06-11"));
        let c = cues("dans la nuit du 4 au 5 juin 2021", "2022-06-05");
        assert_eq!(c[0].0, d("2021-06-04"));
        // the days named with their weekdays: one date, the first day's
        for t in [
            "dans la nuit du dimanche 6 à lundi 7 novembre",
            "dans la nuit du dimanche 6 au lundi 7 novembre",
            "in the night from Sunday 6 to Monday 7 November",
        ] {
            let c = cues(t, "2016-11-08");
            assert_eq!(c, [(d("2016-11-06"), DKind::Explicit)], "{t}");
        }
    }

    #[test]
    fn explicit_dates() {
        assert_eq!(cues("on 20 March 2024", "2024-03-25")[0].0, d("2024-03-20"));
        assert_eq!(
            cues("on March 20, 2024", "2024-03-25")[0].0,
            d("2024-03-20")
        );
        assert_eq!(cues("le 1er janvier", "2019-03-25")[0].0, d("2019-01-01"));
        // Without year, never after publication: December of last year.
        assert_eq!(cues("le 28 décembre", "2024-01-03")[0].0, d("2023-12-28"));
        assert_eq!(
            cues("(September 28, 2023)", "2023-10-01")[0].0,
            d("2023-09-28")
        );
        assert_eq!(
            cues("between 25 and 27 July", "2024-07-31")[0].0,
            d("2024-07-25")
        );
        assert_eq!(cues("samedi 24 août", "2024-08-26")[0].0, d("2024-08-24"));
    }

    #[test]
    fn relative_and_coarse() {
        assert_eq!(cues("hier soir", "2024-03-22")[0].0, d("2024-03-21"));
        assert_eq!(cues("yesterday", "2024-03-01")[0].0, d("2024-02-29"));
        let c = cues("in late March 2022 and in 2019", "2023-05-12");
        assert!(c.contains(&(d("2022-03-25"), DKind::MonthOnly)));
        assert!(c.contains(&(d("2019-07-01"), DKind::YearOnly)));
        // "may" as a modal verb is not a month.
        assert!(cues("the toll may rise", "2024-05-02").is_empty());
    }
}
