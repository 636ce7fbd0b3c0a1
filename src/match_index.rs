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

use std::collections::HashMap;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sym(u32);

#[derive(Default)]
struct Names {
    ids: HashMap<Arc<str>, u32>,
    strs: Vec<Arc<str>>,
}

fn names() -> &'static RwLock<Names> {
    static NAMES: OnceLock<RwLock<Names>> = OnceLock::new();
    NAMES.get_or_init(Default::default)
}

impl Sym {
    pub fn of(s: &str) -> Sym {
        if let Some(&n) = names().read().unwrap_or_else(|e| e.into_inner()).ids.get(s) {
            return Sym(n);
        }
        let mut w = names().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&n) = w.ids.get(s) {
            return Sym(n);
        }
        let n = w.strs.len() as u32;
        let a: Arc<str> = Arc::from(s);
        w.strs.push(a.clone());
        w.ids.insert(a, n);
        Sym(n)
    }

    /// The string (for explanations).
    pub fn name(self) -> Arc<str> {
        names().read().unwrap_or_else(|e| e.into_inner()).strs[self.0 as usize].clone()
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
        let key = |s: &Option<String>| s.as_deref().map(|v| Sym::of(&name_key(v)));
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
            lat,
            cos_lat: lat.map_or(0.0, |v| v.to_radians().cos()),
            lon: inc.lon.filter(|v| !v.is_nan()),
            event_date: inc.event_date,
            event_day: inc.event_date.map(|d| d.num_days_from_ce()),
            killed: inc.killed,
            victims: sym(&inc.victims),
            attack_type: sym(&inc.attack_type),
            actor_keys: inc.actors.iter().map(|a| Sym::of(&name_key(a))).collect(),
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

/// An incident held, with what the query's `near` looks at kept beside
/// its key as plain numbers: a scan reads them without following a pointer
/// or unpacking an `Option` per incident.
#[derive(Debug)]
struct Slot {
    /// Event day (day number) and write number: the order of a bucket.
    day: i64,
    seq: u64,
    /// NaN without one (a NaN is stored as NULL, so never a real value).
    lat: f64,
    lon: f64,
    keys: Arc<MatchKeys>,
}

/// No name (no [`Sym`] has this number).
const NO_SYM: u32 = u32::MAX;

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
            admin1: keys.admin1.map_or(NO_SYM, |a| a.0),
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
            admin1: n.admin1.map_or(NO_SYM, |a| Sym::of(a).0),
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

/// A candidate and its rank in the SQL order: (event day, write number).
pub type Ranked = ((i64, u64), Arc<MatchKeys>);

/// A country's buckets, in a vector (a scan reads them one after the
/// other), found by key through a map. A bucket emptied stays (there are
/// as many as admin1s times the cells they cover).
#[derive(Debug, Default)]
struct Buckets {
    keys: Vec<BucketKey>,
    slots: Vec<Vec<Slot>>,
    at: HashMap<BucketKey, usize>,
}

impl Buckets {
    fn get_mut(&mut self, k: BucketKey) -> Option<&mut Vec<Slot>> {
        let i = *self.at.get(&k)?;
        Some(&mut self.slots[i])
    }

    fn entry(&mut self, k: BucketKey) -> &mut Vec<Slot> {
        let i = *self.at.entry(k).or_insert_with(|| {
            self.keys.push(k);
            self.slots.push(Vec::new());
            self.keys.len() - 1
        });
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
    fn fitting<'s>(&'s self, q: &Query<'_>, pending: &'s Pending, out: &mut Vec<Ranked>) {
        let (a, b) = (day_num(q.from), day_num(q.to));
        if a > b {
            return;
        }
        let near = q.near.map(NearScan::of);
        let shadowed = |k: &MatchKeys| !pending.puts.is_empty() && pending.puts.contains_key(&k.id);
        let mut scan = |v: &'s [Slot], take: Take| {
            let from = v.partition_point(|s| s.day < a);
            for s in &v[from..] {
                if s.day > b {
                    break;
                }
                let fits = match (&near, take) {
                    (Some(n), Take::Each) => s.near(n),
                    _ => true,
                };
                if fits && !shadowed(&s.keys) {
                    out.push(((s.day, s.seq), s.keys.clone()));
                }
            }
        };
        let mut country = |buckets: &'s Buckets| match &near {
            None => buckets.slots.iter().for_each(|v| scan(v, Take::All)),
            Some(n) => {
                let own = |k: &BucketKey| k.admin1 == n.admin1 && n.admin1 != NO_SYM;
                for (k, v) in buckets.keys.iter().zip(&buckets.slots) {
                    if own(k) {
                        scan(v, Take::All);
                    }
                }
                for (k, v) in buckets.keys.iter().zip(&buckets.slots) {
                    if !own(k) {
                        match n.bucket(*k) {
                            Take::None => {}
                            take => scan(v, take),
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
}

impl Pending {
    /// An incident written (inserted or replaced) in the transaction.
    pub fn put(&mut self, shared: &Shared, inc: &Incident) {
        let seq = {
            let mut ix = shared.lock();
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
        let mut found = self.candidates_ranked(q, pending)?;
        found.sort_unstable_by_key(|&(r, _)| r);
        Some(found.into_iter().map(|(_, k)| k).collect())
    }

    /// [`Shared::candidates`] in no particular order, each with its rank in
    /// the SQL order (event day and write number: no two alike), for a
    /// caller that needs the order only to break ties (sorting them cost
    /// more than scoring them).
    pub fn candidates_ranked(&self, q: &Query<'_>, pending: &Pending) -> Option<Vec<Ranked>> {
        let mut ix = self.lock();
        if !ix.covers(q) {
            ix.stats.missed += 1;
            return None;
        }
        ix.stats.served += 1;
        // room for the candidates of a busy month, without growing
        let mut found = Vec::with_capacity(512);
        ix.fitting(q, pending, &mut found);
        let country = q.country.map(Sym::of);
        let admin1 = q.near.and_then(|n| n.admin1).map(Sym::of);
        for (seq, k) in pending.puts.values() {
            if k.fits_at(q, country, admin1) {
                let day = k.event_date.map(day_num).unwrap_or_default();
                found.push(((day, *seq), k.clone()));
            }
        }
        Some(found)
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
