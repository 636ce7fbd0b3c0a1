//! The recent incidents' matching keys in memory, so that matching a story
//! reads no SQL (issue 21).
//!
//! [`MatchKeys`] is what [`crate::dedup`] compares of an incident (country,
//! regions, place and its name keys, coordinates, event day, toll, victims,
//! actors, attack type, SimHashes, places named), worked out once when the
//! incident is written instead of once per story that meets it.
//! [`MatchIndex`] holds them by country, then in buckets of one admin1 and
//! one 1° cell of latitude and longitude ([`BucketKey`]), each bucket in
//! (event day, write number) order, for the days from its floor on
//! ([`HORIZON_DAYS`] before the latest event day). A query reads, of its
//! country, the buckets of its admin1 and of none, and of the other admin1s
//! only the cells its box reaches (entry by entry there): the same incidents
//! as the SQL's `WHERE`, fewer read to find them. A query reaching
//! below the floor (a story about an old event) is not served and the store
//! reads the candidates through SQL as before ([`Shared::candidates`] returns
//! `None`).
//!
//! Nothing here knows SQL: a store keeps one [`Shared`], gives each of its
//! transactions a [`Pending`] that [`Pending::put`] fills as incidents are
//! written, asks [`Shared::candidates`] (the committed index overlaid with
//! the transaction's own writes), and calls [`Shared::commit`] once its
//! transaction committed. A transaction rolled back drops its `Pending`: the
//! index never holds what the database does not. [`Shared::rebuild`] loads it
//! from the incidents a store reads for [`Shared::floor_for`]; until then (or
//! after [`Shared::invalidate`]) no query is served.
//!
//! Candidates come in the order the SQL query gives them ([`Shared::candidates`];
//! [`Shared::candidates_ranked`] gives them bucket after bucket, each with
//! its rank in that order, for the matcher, which needs the order only to
//! break ties and would spend more sorting them than scoring them) (`ORDER BY
//! event_day, write_seq`): by event day, then by when the incident was last
//! written (`write_seq`: the next number at each insert or update, on SQLite
//! and on PostgreSQL alike), so that ties between equal scores fall the same
//! way on both paths. Each write takes the next number of a counter that a
//! rebuild starts above the write numbers it read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

use chrono::{Datelike, NaiveDate};
use sahel_nlp::text::name_key;

use crate::store::Incident;

/// Days before the latest event day that the index keeps: a year and the
/// matcher's window, with margin. Older events are matched through SQL.
pub const HORIZON_DAYS: i64 = 400;

/// Days after today that an event day may move the floor by: a date
/// misread far in the future must not empty the index.
const FUTURE_SLACK_DAYS: i64 = 2;

/// Where a story happened, to narrow incident candidates.
#[derive(Debug, Clone, Copy)]
pub struct Near<'a> {
    pub admin1: Option<&'a str>,
    pub point: Option<(f64, f64)>,
    /// Half-width of the box around `point`, in degrees.
    pub degrees: f64,
}

/// Which incidents may match a story: event day in `[from, to]`, in
/// `country` when given, and — with `near` — in `near.admin1`, without an
/// admin1 or coordinates, or within `near.degrees` of `near.point`.
/// The same rule as the SQL of `Tx::incident_candidates`.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub country: Option<&'a str>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub near: Option<Near<'a>>,
}

/// A name (a country, region, place, name key, actor...) as a number: the
/// matcher compares numbers, not strings. The same string has the same
/// number everywhere in the process, and a number never changes meaning.
/// Numbered from 1, so that an `Option<Sym>` takes four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sym(NonZeroU32);

#[derive(Default)]
struct Names {
    ids: HashMap<Arc<str>, Sym>,
    strs: Vec<Arc<str>>,
    /// [`Sym::key_of`]: a string's name key, by the string.
    keys: HashMap<Arc<str>, Sym>,
}

fn names() -> &'static RwLock<Names> {
    static NAMES: OnceLock<RwLock<Names>> = OnceLock::new();
    NAMES.get_or_init(Default::default)
}

impl Sym {
    pub fn of(s: &str) -> Sym {
        if let Some(&n) = names().read().unwrap_or_else(|e| e.into_inner()).ids.get(s) {
            return n;
        }
        let mut w = names().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&n) = w.ids.get(s) {
            return n;
        }
        let n = Sym(NonZeroU32::new(w.strs.len() as u32 + 1).expect("fewer than 2^32 names"));
        let a: Arc<str> = Arc::from(s);
        w.strs.push(a.clone());
        w.ids.insert(a, n);
        n
    }

    /// The string (for explanations).
    pub fn name(self) -> Arc<str> {
        names().read().unwrap_or_else(|e| e.into_inner()).strs[self.0.get() as usize - 1].clone()
    }

    /// `Sym::of(&name_key(s))`, the name key worked out once per string
    /// in the process (folding and splitting a name costs some fifteen
    /// times looking it up).
    pub fn key_of(s: &str) -> Sym {
        if let Some(&k) = names()
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .get(s)
        {
            return k;
        }
        let k = Sym::of(&name_key(s));
        names()
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .insert(Arc::from(s), k);
        k
    }

    /// Its number, never 0 ([`BucketKey`]: 0 is no name).
    fn num(self) -> u32 {
        self.0.get()
    }
}

fn sym(s: &Option<String>) -> Option<Sym> {
    s.as_deref().map(Sym::of)
}

/// What the matcher compares of an incident, names as [`Sym`]s and name
/// keys worked out (one allocation to read per candidate, most of the time).
/// `repr(C)`, what [`crate::dedup`] reads of every candidate first (country,
/// admin1, day, SimHashes) at the start: beside the `Arc`'s counts, which a
/// candidate's clone touches anyway, in one or two cache lines.
#[derive(Debug, Clone, PartialEq)]
#[repr(C)]
pub struct MatchKeys {
    pub country: Option<Sym>,
    pub admin1_key: Option<Sym>,
    /// `event_date` as a day number (`num_days_from_ce`): days apart by a
    /// subtraction.
    pub event_day: Option<i32>,
    /// Its stories' SimHashes: up to two here, more in `more` (all of them).
    simhash: [u64; 2],
    simhashes: u8,
    /// Precision "place" or "admin2", with a location.
    pub precise: bool,
    /// Precision "place", with a location: a point where it happened.
    pub at_place: bool,
    pub admin1: Option<Sym>,
    pub admin2_key: Option<Sym>,
    pub location: Option<Sym>,
    pub location_key: Option<Sym>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `cos` of `lat` in radians, worked out once for the distances
    /// ([`crate::dedup`]); 0 without a latitude.
    pub cos_lat: f64,
    pub event_date: Option<NaiveDate>,
    pub killed: Option<u32>,
    pub victims: Option<Sym>,
    pub attack_type: Option<Sym>,
    /// Name keys of its actors (as many as actors).
    pub actor_keys: Box<[Sym]>,
    /// Name keys of the places its stories name.
    pub places: Box<[Sym]>,
    more: Box<[u64]>,
    pub id: String,
}

impl MatchKeys {
    pub fn of(inc: &Incident) -> MatchKeys {
        let key = |s: &Option<String>| s.as_deref().map(Sym::key_of);
        let h = &inc.simhashes;
        let (simhash, simhashes, more) = if h.len() <= 2 {
            let mut a = [0; 2];
            a[..h.len()].copy_from_slice(h);
            (a, h.len() as u8, Box::default())
        } else {
            ([0; 2], u8::MAX, h.clone().into_boxed_slice())
        };
        // a NaN is stored as NULL
        let lat = inc.lat.filter(|v| !v.is_nan());
        MatchKeys {
            id: inc.id.clone(),
            country: sym(&inc.country),
            admin1: sym(&inc.admin1),
            admin1_key: key(&inc.admin1),
            admin2_key: key(&inc.admin2),
            location: sym(&inc.location),
            location_key: key(&inc.location),
            precise: matches!(inc.precision.as_deref(), Some("place") | Some("admin2"))
                && inc.location.is_some(),
            at_place: inc.precision.as_deref() == Some("place") && inc.location.is_some(),
            lat,
            cos_lat: lat.map_or(0.0, |v| v.to_radians().cos()),
            lon: inc.lon.filter(|v| !v.is_nan()),
            event_date: inc.event_date,
            event_day: inc.event_date.map(|d| d.num_days_from_ce()),
            killed: inc.killed,
            victims: sym(&inc.victims),
            attack_type: sym(&inc.attack_type),
            actor_keys: inc.actors.iter().map(|a| Sym::key_of(a)).collect(),
            places: inc.places.iter().map(|p| Sym::of(p)).collect(),
            simhash,
            simhashes,
            more,
        }
    }

    /// The SimHashes of its stories.
    pub fn simhashes(&self) -> &[u64] {
        match self.simhashes {
            n @ 0..=2 => &self.simhash[..n as usize],
            _ => &self.more,
        }
    }

    /// Does the query take this incident? (The SQL's `WHERE`, term by term.)
    pub fn fits(&self, q: &Query<'_>) -> bool {
        self.fits_at(
            q,
            q.country.map(Sym::of),
            q.near.and_then(|n| n.admin1).map(Sym::of),
        )
    }

    /// [`MatchKeys::fits`], the query's country and admin1 as numbers.
    fn fits_at(&self, q: &Query<'_>, country: Option<Sym>, admin1: Option<Sym>) -> bool {
        let Some(d) = self.event_date else {
            return false;
        };
        if d < q.from || d > q.to {
            return false;
        }
        if country.is_some() && self.country != country {
            return false;
        }
        let Some(n) = q.near else {
            return true;
        };
        self.admin1.is_none()
            || self.lat.is_none()
            || (admin1.is_some() && self.admin1 == admin1)
            || in_box(n, self.lat, self.lon)
    }
}

/// Within `near.degrees` of `near.point` (the SQL's `BETWEEN`s).
fn in_box(n: Near<'_>, lat: Option<f64>, lon: Option<f64>) -> bool {
    n.point.is_some_and(|(plat, plon)| {
        let deg = n.degrees;
        let within = |v: f64, lo: f64, hi: f64| v >= lo && v <= hi;
        lat.is_some_and(|v| within(v, plat - deg, plat + deg))
            && lon.is_some_and(|v| within(v, plon - deg, plon + deg))
    })
}

/// What [`crate::dedup`]'s bound of a candidate's score reads of it, as
/// plain numbers: kept in the index's slots beside the incident's key, so
/// that bounding the ~250 candidates of a story reads them one after the
/// other instead of following a pointer per candidate; only those whose
/// bound passes have their [`MatchKeys`] read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    /// NaN without one (a NaN is stored as NULL, so never a real value);
    /// `lat` NaN also without a longitude.
    pub lat: f64,
    pub lon: f64,
    /// [`MatchKeys::cos_lat`].
    pub cos_lat: f64,
    /// Its first two SimHashes (as many as `simhashes`; more: all of them
    /// in [`MatchKeys::simhashes`]).
    simhash: [u64; 2],
    pub event_day: Option<i32>,
    pub killed: Option<u32>,
    pub country: Option<Sym>,
    pub admin1_key: Option<Sym>,
    pub admin2_key: Option<Sym>,
    pub location_key: Option<Sym>,
    pub victims: Option<Sym>,
    pub attack_type: Option<Sym>,
    simhashes: u8,
    pub precise: bool,
    pub at_place: bool,
    /// Has it actors, places named?
    pub actors: bool,
    pub places: bool,
}

impl Head {
    pub fn of(k: &MatchKeys) -> Head {
        let (lat, lon) = match (k.lat, k.lon) {
            (Some(a), Some(b)) => (a, b),
            _ => (f64::NAN, f64::NAN),
        };
        Head {
            lat,
            lon,
            cos_lat: k.cos_lat,
            simhash: k.simhash,
            event_day: k.event_day,
            killed: k.killed,
            country: k.country,
            admin1_key: k.admin1_key,
            admin2_key: k.admin2_key,
            location_key: k.location_key,
            victims: k.victims,
            attack_type: k.attack_type,
            simhashes: k.simhashes,
            precise: k.precise,
            at_place: k.at_place,
            actors: !k.actor_keys.is_empty(),
            places: !k.places.is_empty(),
        }
    }

    /// Its SimHashes when it has at most two: how many, and the first
    /// ones (0 past them); `None`: all of them in [`MatchKeys::simhashes`].
    pub fn simhash_head(&self) -> Option<(u8, [u64; 2])> {
        (self.simhashes <= 2).then_some((self.simhashes, self.simhash))
    }
}

/// An incident held: its order in the bucket, what the query's `near`
/// looks at (as plain numbers: no pointer followed, no `Option` unpacked
/// per incident), what the matcher's bound reads ([`Head`]) and its keys.
#[derive(Debug)]
struct Slot {
    /// Event day (day number) and write number: the order of a bucket.
    day: i64,
    seq: u64,
    /// NaN without one.
    lat: f64,
    lon: f64,
    head: Head,
    keys: Arc<MatchKeys>,
}

/// A candidate, as [`Shared::each_candidate`] shows it: its rank in the
/// SQL order (event day and write number: no two alike), what the
/// matcher's bound reads, and its keys (borrowed from the index: cloned by
/// whoever keeps one).
#[derive(Debug, Clone, Copy)]
pub struct Cand<'a> {
    pub rank: (i64, u64),
    pub head: &'a Head,
    pub keys: &'a Arc<MatchKeys>,
}

/// No name (no [`Sym`] has this number).
const NO_SYM: u32 = 0;

/// Side of the grid cells that bucket an admin1's incidents, in degrees:
/// a story's box (±1.5°) meets at most 4 × 4 cells of another admin1.
const CELL_DEG: f64 = 1.0;

/// The cell of a latitude or longitude: `floor(v / CELL_DEG)`, saturated;
/// [`NO_CELL`] for a NaN (no coordinate), and for values so far below
/// every real one that they saturate to it (a bucket of [`NO_CELL`] is
/// always scanned entry by entry, so that is harmless). Monotone: `a ≤ b`
/// gives `cell(a) ≤ cell(b)`, which is what makes skipping a cell sound.
fn cell(v: f64) -> i32 {
    if v.is_nan() {
        NO_CELL
    } else {
        (v / CELL_DEG).floor() as i32
    }
}

/// The cell of no coordinate.
const NO_CELL: i32 = i32::MIN;

/// What incidents of one bucket share: their admin1 ([`NO_SYM`] without
/// one) and the grid cell of their coordinates ([`NO_CELL`] without).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct BucketKey {
    admin1: u32,
    lat: i32,
    lon: i32,
}

impl BucketKey {
    fn of(keys: &MatchKeys) -> BucketKey {
        BucketKey {
            admin1: keys.admin1.map_or(NO_SYM, Sym::num),
            lat: cell(keys.lat.unwrap_or(f64::NAN)),
            lon: cell(keys.lon.unwrap_or(f64::NAN)),
        }
    }
}

/// A query's `near` worked out once per scan: its admin1 as a number,
/// its box's bounds (empty without a point) and the cells they fall in.
struct NearScan {
    admin1: u32,
    lat: (f64, f64),
    lon: (f64, f64),
    lat_cells: (i32, i32),
    lon_cells: (i32, i32),
}

impl NearScan {
    fn of(n: Near<'_>) -> NearScan {
        let (lat, lon) = match n.point {
            Some((plat, plon)) => (
                (plat - n.degrees, plat + n.degrees),
                (plon - n.degrees, plon + n.degrees),
            ),
            None => (
                (f64::INFINITY, f64::NEG_INFINITY),
                (f64::INFINITY, f64::NEG_INFINITY),
            ),
        };
        NearScan {
            admin1: n.admin1.map_or(NO_SYM, |a| Sym::of(a).num()),
            lat,
            lon,
            lat_cells: (cell(lat.0), cell(lat.1)),
            lon_cells: (cell(lon.0), cell(lon.1)),
        }
    }

    /// How a bucket's incidents meet [`MatchKeys::fits`] (country and day
    /// aside).
    fn bucket(&self, k: BucketKey) -> Take {
        if k.admin1 == NO_SYM || k.admin1 == self.admin1 {
            // no admin1, or the query's: every one fits
            Take::All
        } else if k.lat == NO_CELL {
            Take::Each
        } else if k.lat < self.lat_cells.0
            || k.lat > self.lat_cells.1
            || k.lon < self.lon_cells.0
            || k.lon > self.lon_cells.1
        {
            // another admin1 and a latitude, but a cell the box does not
            // reach: a coordinate in the box has its cell between the
            // cells of the box's bounds
            Take::None
        } else {
            Take::Each
        }
    }
}

/// Which incidents of a bucket fit a query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Take {
    All,
    /// Those [`Slot::near`] takes.
    Each,
    None,
}

impl Slot {
    fn of(day: i64, seq: u64, keys: Arc<MatchKeys>) -> Slot {
        Slot {
            day,
            seq,
            lat: keys.lat.unwrap_or(f64::NAN),
            lon: keys.lon.unwrap_or(f64::NAN),
            head: Head::of(&keys),
            keys,
        }
    }

    /// [`MatchKeys::fits`] for an incident of a bucket of another admin1
    /// than the query's (country and day already right): no latitude, or
    /// in the box (a NaN is in no box).
    fn near(&self, n: &NearScan) -> bool {
        let within = |v: f64, (lo, hi): (f64, f64)| v >= lo && v <= hi;
        self.lat.is_nan() || (within(self.lat, n.lat) && within(self.lon, n.lon))
    }
}

fn day_num(d: NaiveDate) -> i64 {
    d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        .num_days()
}

/// The floor for a latest event day (`None`: no incident yet, every day served).
fn floor_of(latest: Option<NaiveDate>, today: NaiveDate) -> Option<i64> {
    let cap = day_num(today) + FUTURE_SLACK_DAYS;
    latest.map(|d| day_num(d).min(cap) - HORIZON_DAYS)
}

type Country = Option<Sym>;

/// A country's buckets, in a vector, found by key through a map, and by
/// what a query reads of them: those of an admin1 (the query's are read
/// whole), those with a grid cell of another admin1 by cell (a query reads
/// those its box reaches), and the others (no admin1: read whole; no
/// coordinates: read entry by entry), so that a query looks at no bucket
/// it does not read. A bucket emptied stays (there are as many as admin1s
/// times the cells they cover).
#[derive(Debug, Default)]
struct Buckets {
    keys: Vec<BucketKey>,
    slots: Vec<Vec<Slot>>,
    at: HashMap<BucketKey, usize>,
    /// By admin1 ([`NO_SYM`] aside).
    of_admin1: HashMap<u32, Vec<usize>>,
    /// Of an admin1 and a cell, by (latitude, longitude) cell.
    by_cell: BTreeMap<(i32, i32), Vec<usize>>,
    /// Without an admin1, or without a cell.
    rest: Vec<usize>,
}

impl Buckets {
    fn get_mut(&mut self, k: BucketKey) -> Option<&mut Vec<Slot>> {
        let i = *self.at.get(&k)?;
        Some(&mut self.slots[i])
    }

    fn entry(&mut self, k: BucketKey) -> &mut Vec<Slot> {
        let i = match self.at.get(&k) {
            Some(&i) => i,
            None => {
                let i = self.keys.len();
                self.keys.push(k);
                self.slots.push(Vec::new());
                self.at.insert(k, i);
                if k.admin1 == NO_SYM || k.lat == NO_CELL {
                    self.rest.push(i);
                } else {
                    self.by_cell.entry((k.lat, k.lon)).or_default().push(i);
                }
                if k.admin1 != NO_SYM {
                    self.of_admin1.entry(k.admin1).or_default().push(i);
                }
                i
            }
        };
        &mut self.slots[i]
    }
}

/// The committed index.
#[derive(Debug, Default)]
pub struct MatchIndex {
    /// Built and in step with the database.
    ready: bool,
    /// The first event day held (day number); `None`: every day.
    floor: Option<i64>,
    /// By country, then by admin1 and grid cell ([`BucketKey`]); each
    /// bucket in (event day, write number) order.
    countries: HashMap<Country, Buckets>,
    /// Where each incident held is.
    at: HashMap<String, (Country, BucketKey, i64, u64)>,
    /// The next write number.
    next: u64,
    /// The store's mark of the database version the index is in step with
    /// (SQLite: `PRAGMA data_version`); `None` when the store keeps none.
    version: Option<i64>,
    stats: Stats,
}

/// How the index was used (tests, benchmarks, metrics).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Incidents held.
    pub entries: usize,
    /// Queries served from memory.
    pub served: u64,
    /// Queries left to SQL (below the floor, or the index not ready).
    pub missed: u64,
    /// Times it was loaded from the database.
    pub builds: u64,
}

impl MatchIndex {
    fn remove(&mut self, id: &str) {
        let Some((c, k, day, seq)) = self.at.remove(id) else {
            return;
        };
        let v = self.countries.get_mut(&c).and_then(|b| b.get_mut(k));
        if let Some(v) = v {
            if let Ok(i) = v.binary_search_by_key(&(day, seq), |s| (s.day, s.seq)) {
                v.remove(i);
            }
        }
    }

    fn insert(&mut self, seq: u64, keys: Arc<MatchKeys>) {
        self.remove(&keys.id);
        let Some(d) = keys.event_date.map(day_num) else {
            return;
        };
        if self.floor.is_some_and(|f| d < f) {
            return;
        }
        let c: Country = keys.country;
        let k = BucketKey::of(&keys);
        self.at.insert(keys.id.clone(), (c, k, d, seq));
        let v = self.countries.entry(c).or_default().entry(k);
        // writes come in write order: almost always at the end
        let i = v.partition_point(|s| (s.day, s.seq) < (d, seq));
        v.insert(i, Slot::of(d, seq, keys));
    }

    /// Raise the floor (never lowered: what fell below it is not held).
    fn raise_floor(&mut self, latest: NaiveDate, today: NaiveDate) {
        let Some(f) = floor_of(Some(latest), today) else {
            return;
        };
        if self.floor.is_some_and(|cur| cur >= f) {
            return;
        }
        self.floor = Some(f);
        for buckets in self.countries.values_mut() {
            for v in &mut buckets.slots {
                let n = v.partition_point(|s| s.day < f);
                for s in v.drain(..n) {
                    self.at.remove(&s.keys.id);
                }
            }
        }
    }

    fn covers(&self, q: &Query<'_>) -> bool {
        self.ready && self.floor.is_none_or(|f| day_num(q.from) >= f)
    }

    /// Committed incidents that fit, not shadowed by `pending`, with their
    /// event days and write numbers, bucket after bucket (each in its
    /// order): first the buckets of the query's admin1 (the likeliest
    /// matches, so that [`crate::dedup::best_match`] can pass over more of
    /// the others), then the rest.
    fn fitting<'s>(&'s self, q: &Query<'_>, pending: &'s Pending, f: &mut impl FnMut(Cand<'s>)) {
        let (a, b) = (day_num(q.from), day_num(q.to));
        if a > b {
            return;
        }
        let near = q.near.map(NearScan::of);
        let shadows = !pending.shadows.is_empty();
        // `each`: a bucket of another admin1, its incidents taken one by one
        let mut scan = |v: &'s [Slot], each: Option<&NearScan>| {
            let from = v.partition_point(|s| s.day < a);
            for s in &v[from..] {
                if s.day > b {
                    break;
                }
                if each.is_some_and(|n| !s.near(n)) {
                    continue;
                }
                if shadows && pending.shadows.contains(&s.seq) {
                    continue;
                }
                f(Cand {
                    rank: (s.day, s.seq),
                    head: &s.head,
                    keys: &s.keys,
                });
            }
        };
        let mut country = |buckets: &'s Buckets| match &near {
            None => buckets.slots.iter().for_each(|v| scan(v, None)),
            Some(n) => {
                // the query's admin1 first, then the others it reaches:
                // without an admin1 or a cell, and the cells of its box
                if n.admin1 != NO_SYM {
                    for &i in buckets.of_admin1.get(&n.admin1).into_iter().flatten() {
                        scan(&buckets.slots[i], None);
                    }
                }
                let mut other = |i: usize| {
                    let k = buckets.keys[i];
                    if k.admin1 == n.admin1 && n.admin1 != NO_SYM {
                        return;
                    }
                    match n.bucket(k) {
                        Take::None => {}
                        Take::All => scan(&buckets.slots[i], None),
                        Take::Each => scan(&buckets.slots[i], Some(n)),
                    }
                };
                buckets.rest.iter().for_each(|&i| other(i));
                let ((lat0, lat1), (lon0, lon1)) = (n.lat_cells, n.lon_cells);
                if lat0 <= lat1 && lon0 <= lon1 {
                    for ((_, lon), v) in buckets.by_cell.range((lat0, i32::MIN)..=(lat1, i32::MAX))
                    {
                        if (lon0..=lon1).contains(lon) {
                            v.iter().for_each(|&i| other(i));
                        }
                    }
                }
            }
        };
        match q.country {
            Some(c) => {
                if let Some(buckets) = self.countries.get(&Some(Sym::of(c))) {
                    country(buckets);
                }
            }
            None => self.countries.values().for_each(country),
        }
    }
}

/// A transaction's incident writes, not committed yet.
#[derive(Debug, Default)]
pub struct Pending {
    puts: HashMap<String, (u64, Arc<MatchKeys>)>,
    /// The write numbers of the committed entries its writes replace, found
    /// when written, so that a query passes over them by number, without
    /// reading each candidate's id. Nothing commits to the index while a
    /// transaction is open (a store runs one transaction at a time, on its
    /// one connection, and a rebuild waits for a transaction without
    /// writes), so what an id had then is what it has at the query.
    shadows: HashSet<u64>,
}

impl Pending {
    /// An incident written (inserted or replaced) in the transaction.
    pub fn put(&mut self, shared: &Shared, inc: &Incident) {
        let seq = {
            let mut ix = shared.lock();
            if let Some(&(_, _, _, old)) = ix.at.get(&inc.id) {
                self.shadows.insert(old);
            }
            ix.next += 1;
            ix.next
        };
        self.puts
            .insert(inc.id.clone(), (seq, Arc::new(MatchKeys::of(inc))));
    }

    /// Has the transaction written an incident?
    pub fn is_empty(&self) -> bool {
        self.puts.is_empty()
    }
}

/// The index as a store shares it between its transactions.
#[derive(Debug, Default)]
pub struct Shared(Mutex<MatchIndex>);

impl Shared {
    pub fn new() -> Shared {
        Shared::default()
    }

    fn lock(&self) -> MutexGuard<'_, MatchIndex> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Is the index loaded and in step with the database?
    pub fn is_ready(&self) -> bool {
        self.lock().ready
    }

    /// The store's version mark the index is in step with.
    pub fn version(&self) -> Option<i64> {
        self.lock().version
    }

    /// Forget everything: the next [`Shared::rebuild`] loads it again.
    /// (A commit whose outcome is unknown, another writer seen.)
    pub fn invalidate(&self) {
        let mut ix = self.lock();
        let (next, stats) = (ix.next, ix.stats);
        *ix = MatchIndex {
            next,
            stats,
            ..Default::default()
        };
    }

    /// The first event day a rebuild must load, for the latest event day
    /// stored (`None`: all of them).
    pub fn floor_for(latest: Option<NaiveDate>, today: NaiveDate) -> Option<NaiveDate> {
        floor_of(latest, today).and_then(|f| {
            NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(f))
        })
    }

    /// Load the index from committed incidents: `rows` are those with an
    /// event day from [`Shared::floor_for`]`(latest, today)` on, each with
    /// its write order (the `write_seq` column), `latest` the latest event
    /// day stored, `version` the store's version mark (SQLite's
    /// `PRAGMA data_version`; `None` on PostgreSQL). Must be called where no
    /// uncommitted incident write is visible.
    pub fn rebuild(
        &self,
        latest: Option<NaiveDate>,
        today: NaiveDate,
        version: Option<i64>,
        rows: impl IntoIterator<Item = (u64, Incident)>,
    ) {
        let mut ix = self.lock();
        let (next, mut stats) = (ix.next, ix.stats);
        stats.builds += 1;
        *ix = MatchIndex {
            floor: floor_of(latest, today),
            stats,
            version,
            ..Default::default()
        };
        let mut top = next;
        for (seq, inc) in rows {
            top = top.max(seq);
            ix.insert(seq, Arc::new(MatchKeys::of(&inc)));
        }
        ix.next = top;
        ix.ready = true;
        ix.stats.entries = ix.at.len();
    }

    /// The candidates for `q` as the transaction of `pending` sees them,
    /// in the SQL order (event day, then last written); `None` when the
    /// index does not serve the query (not ready, or below the floor).
    pub fn candidates(&self, q: &Query<'_>, pending: &Pending) -> Option<Vec<Arc<MatchKeys>>> {
        let mut found = Vec::new();
        if !self.each_candidate(q, pending, |c| found.push((c.rank, c.keys.clone()))) {
            return None;
        }
        found.sort_unstable_by_key(|&(r, _)| r);
        Some(found.into_iter().map(|(_, k)| k).collect())
    }

    /// [`Shared::candidates`] shown to `f` one by one under the index's
    /// lock (nothing cloned: the matcher clones the few it keeps), in no
    /// particular order, each with its rank in the SQL order, for a caller
    /// that needs the order only to break ties (sorting them cost more than
    /// scoring them): bucket after bucket, those of the query's admin1
    /// first (the likeliest matches, so that [`crate::dedup::best_match`]
    /// can pass over more of the others), the transaction's own writes
    /// last. `false` (and `f` not called) when the index does not serve
    /// the query. `f` must not use the store (the lock is held).
    pub fn each_candidate(
        &self,
        q: &Query<'_>,
        pending: &Pending,
        mut f: impl FnMut(Cand<'_>),
    ) -> bool {
        let mut ix = self.lock();
        if !ix.covers(q) {
            ix.stats.missed += 1;
            return false;
        }
        ix.stats.served += 1;
        ix.fitting(q, pending, &mut f);
        if !pending.puts.is_empty() {
            let country = q.country.map(Sym::of);
            let admin1 = q.near.and_then(|n| n.admin1).map(Sym::of);
            for (seq, k) in pending.puts.values() {
                if k.fits_at(q, country, admin1) {
                    let day = k.event_date.map(day_num).unwrap_or_default();
                    f(Cand {
                        rank: (day, *seq),
                        head: &Head::of(k),
                        keys: k,
                    });
                }
            }
        }
        true
    }

    /// The transaction of `pending` committed: its writes join the index.
    /// `today` bounds how far a date in the future may raise the floor.
    pub fn commit(&self, pending: Pending, today: NaiveDate) {
        if pending.puts.is_empty() {
            return;
        }
        let mut ix = self.lock();
        if !ix.ready {
            return;
        }
        let mut puts: Vec<(u64, Arc<MatchKeys>)> = pending.puts.into_values().collect();
        puts.sort_unstable_by_key(|(s, _)| *s);
        if let Some(latest) = puts.iter().filter_map(|(_, k)| k.event_date).max() {
            ix.raise_floor(latest, today);
        }
        for (seq, k) in puts {
            ix.insert(seq, k);
        }
        ix.stats.entries = ix.at.len();
    }

    pub fn stats(&self) -> Stats {
        self.lock().stats
    }
}
