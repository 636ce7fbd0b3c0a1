//! The gazetteer: countries, regions, admin2 units, towns and villages with
//! their spelling variants and coordinates.
//!
//! The embedded list (`data/gazetteer.tsv`) is compiled into the binary.
//! Users widen it with a TSV file of their own in the same format
//! ([`Gazetteer::load_tsv_file`]) and with GeoNames dumps
//! ([`crate::geonames`]).
//!
//! ## TSV format
//! One place a line, tab-separated, `#` starts a comment line:
//!
//! ```text
//! kind  name  variants  country  admin1  admin2  lat  lon  admin1_new
//! ```
//! - `kind`: `country`, `demonym`, `admin1`, `admin1_new` (a region created by
//!   the 2023 Mali or 2025 Burkina Faso reforms), `admin2`, `place`.
//! - `name`: canonical name (for `admin1`, the ASCII GeoNames name used in
//!   alerts: `Tillaberi`, `Centre-Nord`, `Tombouctou`).
//! - `variants`: other spellings, `|`-separated (may be empty).
//! - `country`: ISO 3166-1 alpha-2.
//! - `admin1`: canonical pre-reform first-level region containing the place
//!   (for an `admin1` row, its own name).
//! - `admin2`: canonical second-level unit (may be empty).
//! - `lat`, `lon`: decimal degrees (WGS84).
//! - `admin1_new`: post-reform region name, where known (may be empty).
//! - `population` (optional 10th column, written by the GeoNames importer).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::text::name_key;

const EMBEDDED_TSV: &str = include_str!("../data/gazetteer.tsv");
/// The GeoNames layer: populated places of ML, BF, NE and MR whose name
/// tells their region (`examples/geonames_table.rs`, policy in
/// [`crate::geonames::default_selection`]).
const GEONAMES_TSV: &str = include_str!("../data/geonames-places.tsv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Country,
    Demonym,
    Admin1,
    Admin1New,
    Admin2,
    Place,
}

impl PlaceKind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "country" => PlaceKind::Country,
            "demonym" => PlaceKind::Demonym,
            "admin1" => PlaceKind::Admin1,
            "admin1_new" => PlaceKind::Admin1New,
            "admin2" => PlaceKind::Admin2,
            "place" => PlaceKind::Place,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Country => "country",
            PlaceKind::Demonym => "demonym",
            PlaceKind::Admin1 => "admin1",
            PlaceKind::Admin1New => "admin1_new",
            PlaceKind::Admin2 => "admin2",
            PlaceKind::Place => "place",
        }
    }
}

/// Where a place comes from; the classifier trusts embedded and user places
/// more than the tens of thousands of GeoNames villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceSource {
    Embedded,
    User,
    GeoNames,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub kind: PlaceKind,
    pub name: String,
    pub variants: Vec<String>,
    pub country: String,
    pub admin1: Option<String>,
    pub admin2: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub admin1_new: Option<String>,
    pub source: PlaceSource,
    /// Population where the source gives it (GeoNames), for ranking.
    pub population: Option<u64>,
}

impl Place {
    /// The canonical name and every variant.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.variants.iter().map(String::as_str))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("{origin}:{line}: {message}")]
    Line {
        origin: String,
        line: usize,
        message: String,
    },
    #[error("{origin}: {source}")]
    Io {
        origin: String,
        #[source]
        source: std::io::Error,
    },
}

/// All known places, indexed by [`name_key`] of every name and variant.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    places: Vec<Place>,
    by_key: HashMap<String, Vec<usize>>,
    /// The keys of towns and villages by first letter, for
    /// [`Gazetteer::near_spelling`] (built on first use).
    spellings: std::sync::OnceLock<Vec<Vec<String>>>,
}

impl Gazetteer {
    /// The gazetteer compiled into the binary: the curated list and the
    /// GeoNames villages (which count only in a locative context).
    ///
    /// Parsed once per process (26,000 rows to fold); later calls clone it.
    pub fn embedded() -> Self {
        static EMBEDDED: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                let mut g = Self::curated();
                let villages = parse_tsv(
                    GEONAMES_TSV,
                    "embedded GeoNames layer",
                    PlaceSource::GeoNames,
                )
                .expect("the embedded GeoNames layer is valid (checked by tests)");
                g.extend(villages);
                g
            })
            .clone()
    }

    /// The curated list alone (`data/gazetteer.tsv`): countries, regions,
    /// admin2 units and the towns conflict news names.
    pub fn curated() -> Self {
        let places = parse_tsv(EMBEDDED_TSV, "embedded gazetteer", PlaceSource::Embedded)
            .expect("the embedded gazetteer is valid (checked by tests)");
        let mut g = Gazetteer::default();
        g.extend(places);
        g
    }

    /// Parse a TSV file of places (the format above); errors name the line.
    pub fn load_tsv_file(path: &Path, source: PlaceSource) -> Result<Vec<Place>, GazetteerError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| GazetteerError::Io {
            origin: origin.clone(),
            source,
        })?;
        parse_tsv(&text, &origin, source)
    }

    /// Add places. A place whose admin1 is a known region under another
    /// spelling ("Tillabery", "Hodh Ech Chargui" in a user's file) takes the
    /// region's canonical name, so that places from every source agree on it.
    pub fn extend(&mut self, places: impl IntoIterator<Item = Place>) {
        self.spellings = std::sync::OnceLock::new();
        for mut p in places {
            for a1 in [&mut p.admin1, &mut p.admin1_new].into_iter().flatten() {
                let canon = self.by_key.get(&name_key(a1)).and_then(|v| {
                    v.iter().map(|&i| &self.places[i]).find(|r| {
                        matches!(r.kind, PlaceKind::Admin1 | PlaceKind::Admin1New)
                            && r.country == p.country
                    })
                });
                if let Some(r) = canon.filter(|r| r.name != *a1) {
                    *a1 = r.name.clone();
                }
            }
            let idx = self.places.len();
            let mut keys: Vec<String> = p.names().map(name_key).filter(|k| !k.is_empty()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                self.by_key.entry(k).or_default().push(idx);
            }
            self.places.push(p);
        }
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Every place one of whose names has the same [`name_key`] as `name`.
    pub fn lookup(&self, name: &str) -> Vec<&Place> {
        self.by_key
            .get(&name_key(name))
            .map(|v| v.iter().map(|&i| &self.places[i]).collect())
            .unwrap_or_default()
    }

    /// Indices into [`Gazetteer::places`] for `name`.
    pub fn lookup_indices(&self, name: &str) -> &[usize] {
        self.by_key
            .get(&name_key(name))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The places of the one town or village name written one letter
    /// apart from `name` (a letter added, left out or changed: "Boulekessi"
    /// and Boulkessi, "Bamoanga" and Bomoanga), when `name` is unknown and
    /// long enough that one letter is a spelling, not another name.
    pub fn near_spelling(&self, name: &str) -> &[usize] {
        let key = name_key(name);
        // six letters only as seven with one left out ("Ansogo")
        if key.len() < 6 || !key.is_ascii() || self.by_key.contains_key(&key) {
            return &[];
        }
        let buckets = self.spellings.get_or_init(|| {
            let mut b: Vec<Vec<String>> = vec![Vec::new(); 36];
            for (k, idx) in &self.by_key {
                let town = idx
                    .iter()
                    .all(|&i| matches!(self.places[i].kind, PlaceKind::Place | PlaceKind::Admin2));
                if let (true, true, Some(slot)) =
                    (town, k.is_ascii(), k.bytes().next().and_then(bucket))
                {
                    b[slot].push(k.clone());
                }
            }
            b
        });
        let Some(slot) = key.bytes().next().and_then(bucket) else {
            return &[];
        };
        // one place (two of its spellings may both be one letter apart)
        let mut found = buckets[slot]
            .iter()
            .filter(|k| {
                k.len().abs_diff(key.len()) <= 1
                    && (key.len() >= 7 || k.len() >= 7)
                    && one_edit(k.as_bytes(), key.as_bytes())
            })
            .map(|k| self.lookup_indices(k));
        let first = found.next().unwrap_or(&[]);
        if found.all(|other| other == first) {
            first
        } else {
            &[]
        }
    }

    /// A first-level region by any spelling, current or pre-reform.
    pub fn region(&self, name: &str) -> Option<&Place> {
        self.lookup(name)
            .into_iter()
            .find(|p| matches!(p.kind, PlaceKind::Admin1 | PlaceKind::Admin1New))
    }

    /// The country row for an ISO code.
    pub fn country(&self, code: &str) -> Option<&Place> {
        self.places
            .iter()
            .find(|p| p.kind == PlaceKind::Country && p.country.eq_ignore_ascii_case(code))
    }

    /// The known name nearest to `name` among places of the given kinds, for
    /// "did you mean" messages.
    pub fn suggest(&self, name: &str, kinds: &[PlaceKind]) -> Option<&str> {
        let key = name_key(name);
        let mut best: Option<(usize, &str)> = None;
        for p in &self.places {
            if !kinds.contains(&p.kind) {
                continue;
            }
            for n in p.names() {
                let d = levenshtein(&key, &name_key(n));
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, p.name.as_str()));
                }
            }
        }
        best.filter(|(d, _)| *d <= 1 + key.len() / 3)
            .map(|(_, n)| n)
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Parse gazetteer TSV text; `origin` names the file in errors.
pub fn parse_tsv(
    text: &str,
    origin: &str,
    source: PlaceSource,
) -> Result<Vec<Place>, GazetteerError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |message: String| GazetteerError::Line {
            origin: origin.to_string(),
            line,
            message,
        };
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = raw.split('\t').collect();
        if cols.len() < 8 {
            return Err(err(format!(
                "expected at least 8 tab-separated columns (kind, name, variants, country, admin1, admin2, lat, lon), found {}",
                cols.len()
            )));
        }
        let kind = PlaceKind::parse(cols[0].trim())
            .ok_or_else(|| err(format!("unknown kind {:?}", cols[0])))?;
        let name = cols[1].trim();
        if name.is_empty() {
            return Err(err("empty name".into()));
        }
        let country = cols[3].trim().to_ascii_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(err(format!(
                "country must be an ISO alpha-2 code, found {:?}",
                cols[3]
            )));
        }
        let lat: f64 = cols[6]
            .trim()
            .parse()
            .map_err(|_| err(format!("latitude {:?} is not a number", cols[6])))?;
        let lon: f64 = cols[7]
            .trim()
            .parse()
            .map_err(|_| err(format!("longitude {:?} is not a number", cols[7])))?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(err(format!("coordinates {lat},{lon} are out of range")));
        }
        out.push(Place {
            kind,
            name: name.to_string(),
            variants: cols[2]
                .split('|')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
                .collect(),
            country,
            admin1: opt(cols[4]),
            admin2: opt(cols[5]),
            lat,
            lon,
            admin1_new: cols.get(8).and_then(|s| opt(s)),
            source,
            population: cols.get(9).and_then(|s| s.trim().parse().ok()),
        });
    }
    Ok(out)
}

/// The bucket of a key's first byte (a letter or a digit).
fn bucket(b: u8) -> Option<usize> {
    match b {
        b'a'..=b'z' => Some((b - b'a') as usize),
        b'0'..=b'9' => Some(26 + (b - b'0') as usize),
        _ => None,
    }
}

/// Are `a` and `b` exactly one insertion, deletion or substitution apart?
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if a.len() == b.len() {
        p < a.len() && a[p + 1..] == b[p + 1..]
    } else {
        b.len() == a.len() + 1 && a[p..] == b[p + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_line() {
        let text = "# comment\nplace\tA\t\tNE\tTillaberi\t\t14.0\t1.0\nplace\tB\t\tNE\tTillaberi\t\tx\t1.0\n";
        let e = parse_tsv(text, "my.tsv", PlaceSource::User).unwrap_err();
        assert_eq!(e.to_string(), "my.tsv:3: latitude \"x\" is not a number");
    }

    #[test]
    fn lookup_by_any_variant() {
        let text = "admin1\tTillaberi\tTillabéri|Tillabery\tNE\tTillaberi\t\t14.2\t1.45\n";
        let mut g = Gazetteer::default();
        g.extend(parse_tsv(text, "t", PlaceSource::User).unwrap());
        assert_eq!(g.lookup("TILLABÉRI").len(), 1);
        assert_eq!(g.region("tillabery").unwrap().name, "Tillaberi");
        assert_eq!(
            g.suggest("Tilaberi", &[PlaceKind::Admin1]),
            Some("Tillaberi")
        );
        assert_eq!(g.suggest("Zzzzzz", &[PlaceKind::Admin1]), None);
    }

    #[test]
    fn added_places_take_the_canonical_region_name() {
        let mut g = Gazetteer::default();
        g.extend(
            parse_tsv(
                "admin1\tTillaberi\tTillabéri|Tillabery\tNE\tTillaberi\t\t14.2\t1.45\n",
                "t",
                PlaceSource::Embedded,
            )
            .unwrap(),
        );
        let user = "place\tTeguey\t\tNE\tTillabéry\t\t14.1\t1.2\n\
                    place\tOther\t\tML\tTillabery\t\t14.1\t1.2\n";
        g.extend(parse_tsv(user, "u", PlaceSource::User).unwrap());
        assert_eq!(g.lookup("Teguey")[0].admin1.as_deref(), Some("Tillaberi"));
        // another country's region is not a match
        assert_eq!(g.lookup("Other")[0].admin1.as_deref(), Some("Tillabery"));
    }
}
