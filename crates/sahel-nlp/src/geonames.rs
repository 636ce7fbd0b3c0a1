//! Importer for GeoNames country dumps and admin code tables.
//!
//! GeoNames (<https://www.geonames.org/>) publishes one dump per country
//! (`XX.txt`, 19 tab-separated columns) and two code tables
//! (`admin1CodesASCII.txt`, `admin2Codes.txt`). A user downloads them to widen
//! the embedded gazetteer with tens of thousands of villages; this module turns
//! them into [`Place`]s whose `admin1`/`admin2` are the ASCII names the
//! embedded gazetteer uses (`Tillaberi`, `Soum`), so that both agree.
//!
//! GeoNames data is licensed CC BY 4.0: "Contains data from GeoNames".

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::gazetteer::{GazetteerError, Place, PlaceKind, PlaceSource};

/// The GeoNames admin code tables: `CC.ADMIN1` → ASCII name and
/// `CC.ADMIN1.ADMIN2` → ASCII name (with "Province du", "Cercle de",
/// "Département de" ... prefixes and " Province"/" Cercle"/" Department"
/// suffixes stripped, as in the embedded gazetteer).
#[derive(Debug, Clone, Default)]
pub struct AdminCodes {
    admin1: HashMap<String, String>,
    admin2: HashMap<String, String>,
}

impl AdminCodes {
    /// Parse `admin1CodesASCII.txt` and, optionally, `admin2Codes.txt`
    /// (`code<TAB>name<TAB>ascii name<TAB>geonameid`). `origin1`/`origin2`
    /// name the texts in errors. Blank lines and `#` comments are skipped.
    pub fn parse(
        admin1_text: &str,
        admin2_text: Option<&str>,
        origin1: &str,
        origin2: &str,
    ) -> Result<AdminCodes, GazetteerError> {
        let mut codes = AdminCodes {
            admin1: parse_code_table(admin1_text, origin1, 2, |_, ascii| ascii.to_string())?,
            admin2: HashMap::new(),
        };
        if let Some(text) = admin2_text {
            codes.admin2 =
                parse_code_table(text, origin2, 3, |_, ascii| strip_admin2_affixes(ascii))?;
        }
        Ok(codes)
    }

    /// The ASCII name of admin1 `code` of `country` (`"NE"`, `"09"` → `Tillaberi`).
    pub fn admin1_name(&self, country: &str, code: &str) -> Option<&str> {
        if code.is_empty() {
            return None;
        }
        self.admin1
            .get(&format!("{}.{}", country.to_ascii_uppercase(), code))
            .map(String::as_str)
    }

    /// The ASCII name of admin2 `admin2` in admin1 `admin1` of `country`.
    pub fn admin2_name(&self, country: &str, admin1: &str, admin2: &str) -> Option<&str> {
        if admin1.is_empty() || admin2.is_empty() {
            return None;
        }
        self.admin2
            .get(&format!(
                "{}.{}.{}",
                country.to_ascii_uppercase(),
                admin1,
                admin2
            ))
            .map(String::as_str)
    }

    /// Number of admin1 and admin2 codes known.
    pub fn counts(&self) -> (usize, usize) {
        (self.admin1.len(), self.admin2.len())
    }
}

fn parse_code_table(
    text: &str,
    origin: &str,
    parts: usize,
    name_of: impl Fn(&str, &str) -> String,
) -> Result<HashMap<String, String>, GazetteerError> {
    let mut out = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: String| GazetteerError::Line {
            origin: origin.to_string(),
            line: i + 1,
            message,
        };
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            return Err(err(format!(
                "expected at least 3 tab-separated columns (code, name, ascii name), found {}",
                cols.len()
            )));
        }
        let code = cols[0].trim();
        let segments: Vec<&str> = code.split('.').collect();
        if segments.len() != parts
            || segments.iter().any(|s| s.is_empty())
            || segments[0].len() != 2
        {
            return Err(err(format!(
                "code {code:?} is not of the form {}",
                if parts == 2 {
                    "CC.ADMIN1"
                } else {
                    "CC.ADMIN1.ADMIN2"
                }
            )));
        }
        let ascii = cols[2].trim();
        let ascii = if ascii.is_empty() {
            cols[1].trim()
        } else {
            ascii
        };
        if ascii.is_empty() {
            return Err(err(format!("code {code:?} has no name")));
        }
        let key = format!(
            "{}.{}",
            segments[0].to_ascii_uppercase(),
            segments[1..].join(".")
        );
        out.insert(key, name_of(cols[1].trim(), ascii));
    }
    Ok(out)
}

/// "Province du Soum" → "Soum", "Cercle de Bankass" → "Bankass",
/// "Departement d' Illela" → "Illela", "Kollo Department" → "Kollo".
fn strip_admin2_affixes(name: &str) -> String {
    const PREFIXES: [&str; 20] = [
        "Province de la ",
        "Province de l'",
        "Province des ",
        "Province du ",
        "Province de ",
        "Province d'",
        "Cercle de ",
        "Cercle d'",
        "Cercle du ",
        "Departement de la ",
        "Departement de l'",
        "Departement du ",
        "Departement des ",
        "Departement de ",
        "Departement d'",
        "Département de ",
        "Département du ",
        "Département d'",
        "Moughataa de ",
        "Prefecture de ",
    ];
    const SUFFIXES: [&str; 7] = [
        " Province",
        " Cercle",
        " Department",
        " Departement",
        " Prefecture",
        " Moughataa",
        " District",
    ];
    let mut s = name.trim().replace('\u{2019}', "'");
    for p in PREFIXES {
        if s.len() > p.len() && s[..p.len()].eq_ignore_ascii_case(p) {
            s = s[p.len()..].trim_start().to_string();
            break;
        }
    }
    for suf in SUFFIXES {
        if s.len() > suf.len() && s[s.len() - suf.len()..].eq_ignore_ascii_case(suf) {
            s.truncate(s.len() - suf.len());
            break;
        }
    }
    s.trim().to_string()
}

/// Which GeoNames features become places: populated places (class P, except
/// abandoned/historical ones), admin divisions ADM1/ADM2, and the camps,
/// bases, wells, mines and localities that conflict reporting names.
fn kind_of(class: &str, code: &str) -> Option<PlaceKind> {
    match class {
        "P" => (!matches!(code, "PPLQ" | "PPLH")).then_some(PlaceKind::Place),
        "A" => match code {
            "ADM1" => Some(PlaceKind::Admin1),
            "ADM2" => Some(PlaceKind::Admin2),
            _ => None,
        },
        "S" => matches!(
            code,
            "MILB"
                | "INSM"
                | "CMP"
                | "CMPRF"
                | "CMPMN"
                | "AIRB"
                | "AIRF"
                | "AIRP"
                | "MN"
                | "MNAU"
                | "PSTB"
                | "PP"
                | "FT"
                | "MKT"
        )
        .then_some(PlaceKind::Place),
        "H" => matches!(code, "WLL" | "WLLS" | "WLLQ").then_some(PlaceKind::Place),
        "L" => matches!(code, "LCTY" | "OAS").then_some(PlaceKind::Place),
        _ => None,
    }
}

/// True for a name written in Latin script (ASCII, Latin-1, Latin Extended,
/// Latin Extended Additional, combining accents, typographic apostrophes and
/// dashes) that contains at least one letter.
fn is_latin(s: &str) -> bool {
    let mut letter = false;
    for c in s.chars() {
        let ok = c.is_ascii()
            || ('\u{00C0}'..='\u{024F}').contains(&c)
            || ('\u{1E00}'..='\u{1EFF}').contains(&c)
            || ('\u{0300}'..='\u{036F}').contains(&c)
            || matches!(
                c,
                '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{02BB}' | '\u{00B4}'
            )
            || ('\u{2010}'..='\u{2015}').contains(&c);
        if !ok || c == '\u{00D7}' || c == '\u{00F7}' {
            return false;
        }
        letter |= c.is_alphabetic();
    }
    letter
}

/// An alternate name worth keeping as a variant.
fn keep_alternate(s: &str) -> bool {
    let len = s.chars().count();
    if s.is_empty() || len > 60 || !is_latin(s) {
        return false;
    }
    if s.chars().any(|c| c.is_ascii_digit()) || s.contains("://") || s.contains('/') {
        // postal codes, "Commune 1"-style codes, links
        return false;
    }
    // IATA/ICAO-like codes: "BKO", "GABS"
    if len <= 4 && s.chars().all(|c| c.is_ascii_uppercase()) {
        return false;
    }
    true
}

/// Remove characters that would break the gazetteer TSV format.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r' | '|'))
        .collect::<String>()
        .trim()
        .to_string()
}

/// Parse one GeoNames country dump (the XX.txt format, 19 tab-separated
/// columns) into places.
///
/// Keeps populated places (feature class P except PPLQ/PPLH), admin divisions
/// (class A: ADM1 → [`PlaceKind::Admin1`], ADM2 → [`PlaceKind::Admin2`]), and
/// military bases, camps (refugee, mining), airports, border/police posts,
/// mines, markets, wells, localities and oases (all as [`PlaceKind::Place`]).
/// Canonical name = asciiname (admin rows: the name from the code tables);
/// variants = name and the alternatenames written in Latin script (without
/// codes, links and names over 60 characters). admin1/admin2 = the ASCII
/// names from `codes`. Lines without 19 columns or with bad coordinates are
/// errors naming `origin` and the line.
pub fn parse_dump(
    text: &str,
    origin: &str,
    codes: &AdminCodes,
) -> Result<Vec<Place>, GazetteerError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| GazetteerError::Line {
            origin: origin.to_string(),
            line: i + 1,
            message,
        };
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 19 {
            return Err(err(format!(
                "expected 19 tab-separated columns (GeoNames dump format), found {}",
                cols.len()
            )));
        }
        let Some(kind) = kind_of(cols[6], cols[7]) else {
            continue;
        };
        let lat: f64 = cols[4]
            .trim()
            .parse()
            .map_err(|_| err(format!("latitude {:?} is not a number", cols[4])))?;
        let lon: f64 = cols[5]
            .trim()
            .parse()
            .map_err(|_| err(format!("longitude {:?} is not a number", cols[5])))?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(err(format!("coordinates {lat},{lon} are out of range")));
        }
        let country = cols[8].trim().to_ascii_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(err(format!(
                "country code {:?} is not ISO alpha-2",
                cols[8]
            )));
        }
        let (a1code, a2code) = (cols[10].trim(), cols[11].trim());
        let admin1 = codes.admin1_name(&country, a1code).map(String::from);
        let admin2 = codes
            .admin2_name(&country, a1code, a2code)
            .map(String::from);

        let name = clean(cols[1]);
        let ascii = clean(cols[2]);
        let mut canonical = if ascii.is_empty() {
            name.clone()
        } else {
            ascii
        };
        // Admin rows take the code-table name, so that "Tillaberi Region" in
        // the dump becomes the `Tillaberi` every alert uses.
        let table_name = match kind {
            PlaceKind::Admin1 => admin1.clone(),
            PlaceKind::Admin2 => admin2
                .clone()
                .or_else(|| Some(strip_admin2_affixes(&canonical))),
            _ => None,
        };
        let mut variants: Vec<String> = Vec::new();
        if let Some(t) = table_name.filter(|t| !t.is_empty()) {
            if t != canonical {
                variants.push(std::mem::replace(&mut canonical, t));
            }
        }
        if canonical.is_empty() {
            continue;
        }
        let push = |v: String, variants: &mut Vec<String>| {
            if !v.is_empty() && v != canonical && !variants.contains(&v) {
                variants.push(v);
            }
        };
        if is_latin(&name) {
            push(name, &mut variants);
        }
        for alt in cols[3].split(',') {
            let alt = clean(alt);
            if keep_alternate(&alt) {
                push(alt, &mut variants);
            }
        }
        let population = cols[14].trim().parse::<u64>().ok().filter(|&p| p > 0);
        out.push(Place {
            kind,
            name: canonical,
            variants,
            country,
            admin1,
            admin2,
            lat,
            lon,
            admin1_new: None,
            source: PlaceSource::GeoNames,
            population,
        });
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, GazetteerError> {
    std::fs::read_to_string(path).map_err(|source| GazetteerError::Io {
        origin: path.display().to_string(),
        source,
    })
}

/// Read the code tables and every dump from disk; returns all places of all
/// dumps, in order.
pub fn import_files(
    dumps: &[PathBuf],
    admin1: &Path,
    admin2: Option<&Path>,
) -> Result<Vec<Place>, GazetteerError> {
    let a1 = read(admin1)?;
    let a2 = admin2.map(read).transpose()?;
    let origin2 = admin2.map(|p| p.display().to_string()).unwrap_or_default();
    let codes = AdminCodes::parse(&a1, a2.as_deref(), &admin1.display().to_string(), &origin2)?;
    let mut out = Vec::new();
    for dump in dumps {
        let text = read(dump)?;
        out.extend(parse_dump(&text, &dump.display().to_string(), &codes)?);
    }
    Ok(out)
}

/// Why a GeoNames village is left out of the default gazetteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dropped {
    /// Under four letters: too many collide with words and initials.
    Short,
    /// Already a curated place (the embedded gazetteer wins).
    Known,
    /// An ordinary English or French word, or a word of the engine's lexicons.
    CommonWord,
    /// One name in several regions or countries, none clearly the main one.
    Ambiguous,
    /// No admin1 in the dump: the place would tell nothing of its region.
    NoRegion,
}

/// The policy for the default gazetteer's GeoNames layer: from the populated
/// places of the dumps, keep one place per name, only where the name says
/// which region it is in.
///
/// - names of under four letters, names the curated gazetteer `known` has,
///   words of the engine's lexicons and dictionary words `common_words`
///   (folded keys, see [`crate::text::name_key`]) are left out, except a
///   dictionary word naming a town of [`WORD_TOWN_POPULATION`] people;
/// - places sharing a name are one entry when they all lie in one admin1
///   (the most populous is kept, admin2 only where they all agree), else
///   the name is kept only for a place of 5,000 people or more that is ten
///   times bigger than every other of that name;
/// - a variant is kept only when it is not a common word, not a curated
///   name, and not the name of another entry.
///
/// Returns the kept places and, for each reason, how many names were left
/// out.
/// The smallest town kept under a name that is a dictionary word.
pub const WORD_TOWN_POPULATION: u64 = 5_000;

/// The name keys of every word of the engine's lexicons.
fn engine_words() -> &'static std::collections::HashSet<String> {
    static W: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    W.get_or_init(|| crate::lexicon::words().into_iter().collect())
}

pub fn default_selection(
    places: Vec<Place>,
    known: &crate::Gazetteer,
    common_words: &std::collections::HashSet<String>,
) -> (Vec<Place>, HashMap<Dropped, usize>) {
    use crate::text::name_key;
    let mut dropped: HashMap<Dropped, usize> = HashMap::new();
    let bad_key = |k: &str| -> Option<Dropped> {
        if k.chars().count() < 4 {
            Some(Dropped::Short)
        } else if !known.lookup_indices(k).is_empty() {
            Some(Dropped::Known)
        } else if common_words.contains(k) || engine_words().contains(k) {
            Some(Dropped::CommonWord)
        } else {
            None
        }
    };
    // Group the places by the key of their canonical name.
    let mut groups: HashMap<String, Vec<Place>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for p in places.into_iter().filter(|p| p.kind == PlaceKind::Place) {
        if p.admin1.is_none() {
            *dropped.entry(Dropped::NoRegion).or_default() += 1;
            continue;
        }
        let k = name_key(&p.name);
        if let Some(why) = bad_key(&k) {
            // A town whose name is also a dictionary word (Batié, Gouré,
            // Pama) is kept: the layer's places count only capitalised and
            // in a locative or target context ("à Batié"), and a town of
            // that size is where attacks are reported from. The engine's
            // own words stay out.
            let town = why == Dropped::CommonWord
                && p.population.unwrap_or(0) >= WORD_TOWN_POPULATION
                && !engine_words().contains(&k);
            if !town {
                *dropped.entry(why).or_default() += 1;
                continue;
            }
        }
        let g = groups.entry(k.clone()).or_default();
        if g.is_empty() {
            order.push(k);
        }
        g.push(p);
    }
    let mut kept: Vec<Place> = Vec::new();
    for k in &order {
        let mut g = groups.remove(k).unwrap_or_default();
        g.sort_by_key(|p| std::cmp::Reverse(p.population.unwrap_or(0)));
        let one_region = g
            .iter()
            .all(|p| p.country == g[0].country && p.admin1 == g[0].admin1);
        let pop = |p: &Place| p.population.unwrap_or(0);
        let dominant = pop(&g[0]) >= 5_000 && g[1..].iter().all(|p| pop(p) * 10 <= pop(&g[0]));
        if !(one_region || dominant) {
            *dropped.entry(Dropped::Ambiguous).or_default() += g.len();
            continue;
        }
        let same_admin2 = g.iter().all(|p| p.admin2 == g[0].admin2);
        let mut p = g.swap_remove(0);
        if one_region && !same_admin2 && !dominant {
            p.admin2 = None;
        }
        kept.push(p);
    }
    // Variants: drop words, curated names and other entries' names.
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, p) in kept.iter().enumerate() {
        owner.insert(name_key(&p.name), i);
    }
    let mut claimed: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in kept.iter().enumerate() {
        for v in &p.variants {
            let k = name_key(v);
            if bad_key(&k).is_none() && owner.get(&k).is_none_or(|&o| o == i) {
                let c = claimed.entry(k).or_default();
                if !c.contains(&i) {
                    c.push(i);
                }
            }
        }
    }
    for (i, p) in kept.iter_mut().enumerate() {
        // Spellings that fold alike are one pattern; "Tin Gara" and
        // "Tingara" are two.
        let mut seen = vec![crate::text::fold(&p.name)];
        p.variants.retain(|v| {
            let f = crate::text::fold(v);
            let ok = claimed.get(&name_key(v)).is_some_and(|c| c == &[i]) && !seen.contains(&f);
            if ok {
                seen.push(f);
            }
            ok
        });
    }
    (kept, dropped)
}

/// Write places in the gazetteer TSV format (readable with
/// [`crate::gazetteer::parse_tsv`]). Tabs, newlines and `|` inside names are
/// dropped; places whose name is empty after that are skipped. A tenth column
/// carries the population where known (ignored by `parse_tsv`).
pub fn write_tsv(places: &[Place], out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "# kind\tname\tvariants\tcountry\tadmin1\tadmin2\tlat\tlon\tadmin1_new\tpopulation"
    )?;
    for p in places {
        let name = clean(&p.name);
        if name.is_empty() {
            continue;
        }
        let variants: Vec<String> = p
            .variants
            .iter()
            .map(|v| clean(v))
            .filter(|v| !v.is_empty())
            .collect();
        let opt = |o: &Option<String>| o.as_deref().map(clean).unwrap_or_default();
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            p.kind.as_str(),
            name,
            variants.join("|"),
            clean(&p.country),
            opt(&p.admin1),
            opt(&p.admin2),
            p.lat,
            p.lon,
            opt(&p.admin1_new),
            p.population.map(|n| n.to_string()).unwrap_or_default(),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_admin2_affixes() {
        assert_eq!(strip_admin2_affixes("Province du Soum"), "Soum");
        assert_eq!(strip_admin2_affixes("Province de l'Oudalan"), "Oudalan");
        assert_eq!(strip_admin2_affixes("Province de la Tapoa"), "Tapoa");
        assert_eq!(strip_admin2_affixes("Cercle de Yelimane"), "Yelimane");
        assert_eq!(strip_admin2_affixes("Cercle d'Abeibara"), "Abeibara");
        assert_eq!(strip_admin2_affixes("Departement d' Illela"), "Illela");
        assert_eq!(strip_admin2_affixes("Kollo Department"), "Kollo");
        assert_eq!(strip_admin2_affixes("Bankass Cercle"), "Bankass");
        assert_eq!(strip_admin2_affixes("Zoundweogo Province"), "Zoundweogo");
        assert_eq!(strip_admin2_affixes("Dioila"), "Dioila");
    }

    fn village(name: &str, variants: &[&str], admin1: &str, pop: u64) -> Place {
        Place {
            kind: PlaceKind::Place,
            name: name.into(),
            variants: variants.iter().map(|v| v.to_string()).collect(),
            country: "ML".into(),
            admin1: Some(admin1.into()),
            admin2: None,
            lat: 14.0,
            lon: -4.0,
            admin1_new: None,
            source: PlaceSource::GeoNames,
            population: (pop > 0).then_some(pop),
        }
    }

    #[test]
    fn default_selection_keeps_villages_whose_name_tells_their_region() {
        let known = crate::Gazetteer::curated();
        let words: std::collections::HashSet<String> = ["ville", "point", "gouffre", "camp"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let (kept, dropped) = default_selection(
            vec![
                village("Koumaga", &["Koumaga-Peul"], "Mopti", 0),
                // one name, two villages of one region: one row
                village("Zienakoro", &[], "Segou", 0),
                village("Zienakoro", &[], "Segou", 0),
                // one name in two regions, none dominant: left out
                village("Kouara", &[], "Mopti", 0),
                village("Kouara", &[], "Kayes", 0),
                // one name in two regions, one a town: the town
                village("Fanabougou", &[], "Segou", 12_000),
                village("Fanabougou", &[], "Kayes", 300),
                village("Ville", &[], "Kayes", 0),
                // a dictionary word, but a town of 6,000: kept; not so
                // a word of the engine's own lexicons
                village("Gouffre", &[], "Mopti", 6_000),
                village("Camp", &[], "Mopti", 9_000),
                village("Gao", &[], "Gao", 0),
                village("Djibo", &[], "Segou", 0),
                village("Dialla", &["Point", "Koumaga"], "Kayes", 0),
            ],
            &known,
            &words,
        );
        let names: Vec<&str> = kept.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["Koumaga", "Zienakoro", "Fanabougou", "Gouffre", "Dialla"]
        );
        assert_eq!(kept[2].admin1.as_deref(), Some("Segou"));
        // a word and another row's name are not variants
        assert!(kept[4].variants.is_empty(), "{:?}", kept[4].variants);
        assert_eq!(kept[0].variants, ["Koumaga-Peul"]);
        assert_eq!(dropped.get(&Dropped::Ambiguous), Some(&2));
        assert_eq!(dropped.get(&Dropped::CommonWord), Some(&2));
        assert_eq!(dropped.get(&Dropped::Known), Some(&1));
        assert_eq!(dropped.get(&Dropped::Short), Some(&1));
    }

    #[test]
    fn latin_script_filter() {
        assert!(keep_alternate("Téguèy"));
        assert!(keep_alternate("N’Djaména"));
        assert!(!keep_alternate("تيلابيري"));
        assert!(!keep_alternate("Тиллабери"));
        assert!(!keep_alternate("BKO"));
        assert!(!keep_alternate("12345"));
        assert!(!keep_alternate("https://en.wikipedia.org/wiki/Teguey"));
        assert!(!keep_alternate(&"a".repeat(61)));
        assert!(keep_alternate("Gao"));
    }
}
