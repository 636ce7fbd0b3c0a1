//! The recent incidents' matching keys in memory, so that matching a story
//! reads no SQL (issue 21).
//!
//! [`MatchKeys`] is what [`crate::dedup`] compares of an incident (country,
//! regions, place and its name keys, coordinates, event day, toll, victims,
//! actors, attack type, SimHashes, places named), worked out once when the
//! incident is written instead of once per story that meets it.
//! [`MatchIndex`] holds them by country and event day for the days from its
//! floor on ([`HORIZON_DAYS`] before the latest event day); a query reaching
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
//! Candidates come in the order the SQL query gives them (`ORDER BY
//! event_day, write_seq`): by event day, then by when the incident was last
//! written (`write_seq`: the next number at each insert or update, on SQLite
//! and on PostgreSQL alike), so that ties between equal scores fall the same
//! way on both paths. Each write takes the next number of a counter that a
//! rebuild starts above the write numbers it read.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
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
#[derive(Debug, Clone, PartialEq)]
pub struct MatchKeys {
    pub id: String,
    pub country: Option<Sym>,
    pub admin1: Option<Sym>,
    pub admin1_key: Option<Sym>,
    pub admin2_key: Option<Sym>,
    pub location: Option<Sym>,
    pub location_key: Option<Sym>,
    /// Precision "place" or "admin2", with a location.
    pub precise: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `cos` of `lat` in radians, worked out once for the distances
    /// ([`crate::dedup`]); 0 without a latitude.
    pub cos_lat: f64,
    pub event_date: Option<NaiveDate>,
    /// `event_date` as a day number (`num_days_from_ce`): days apart by a
    /// subtraction.
    pub event_day: Option<i32>,
    pub killed: Option<u32>,
    pub victims: Option<Sym>,
    pub attack_type: Option<Sym>,
    /// Name keys of its actors (as many as actors).
    pub actor_keys: Box<[Sym]>,
    /// Name keys of the places its stories name.
    pub places: Box<[Sym]>,
    /// Its stories' SimHashes: up to two here, more in `more` (all of them).
    simhash: [u64; 2],
    simhashes: u8,
    more: Box<[u64]>,
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
    /// NaN without one (a NaN is stored as NULL, so never a real value).
    lat: f64,
    lon: f64,
    /// [`NO_SYM`] without one.
    admin1: u32,
    keys: Arc<MatchKeys>,
}

/// No name (no [`Sym`] has this number).
const NO_SYM: u32 = u32::MAX;

/// A query's `near` worked out once per scan: its admin1 as a number and
/// its box's bounds (empty without a point).
struct NearScan {
    admin1: u32,
    lat: (f64, f64),
    lon: (f64, f64),
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
        }
    }
}

impl Slot {
    fn of(keys: Arc<MatchKeys>) -> Slot {
        Slot {
            lat: keys.lat.unwrap_or(f64::NAN),
            lon: keys.lon.unwrap_or(f64::NAN),
            admin1: keys.admin1.map_or(NO_SYM, |a| a.0),
            keys,
        }
    }

    /// [`MatchKeys::fits`] for an incident of the tree scanned (country and
    /// day already right): no admin1 or no latitude, the query's admin1, or
    /// in its box (a NaN is in no box).
    fn near(&self, n: &NearScan) -> bool {
        let within = |v: f64, (lo, hi): (f64, f64)| v >= lo && v <= hi;
        self.admin1 == NO_SYM
            || self.lat.is_nan()
            || self.admin1 == n.admin1
            || (within(self.lat, n.lat) && within(self.lon, n.lon))
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

/// The committed index.
#[derive(Debug, Default)]
pub struct MatchIndex {
    /// Built and in step with the database.
    ready: bool,
    /// The first event day held (day number); `None`: every day.
    floor: Option<i64>,
    /// By country, then (event day, write number).
    trees: HashMap<Country, BTreeMap<(i64, u64), Slot>>,
    /// Where each incident held is.
    at: HashMap<String, (Country, i64, u64)>,
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
        if let Some((c, day, seq)) = self.at.remove(id) {
            if let Some(t) = self.trees.get_mut(&c) {
                t.remove(&(day, seq));
                if t.is_empty() {
                    self.trees.remove(&c);
                }
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
        self.at.insert(keys.id.clone(), (c, d, seq));
        self.trees
            .entry(c)
            .or_default()
            .insert((d, seq), Slot::of(keys));
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
        for t in self.trees.values_mut() {
            let keep = t.split_off(&(f, 0));
            for (_, k) in std::mem::replace(t, keep) {
                self.at.remove(&k.keys.id);
            }
        }
        self.trees.retain(|_, t| !t.is_empty());
    }

    fn covers(&self, q: &Query<'_>) -> bool {
        self.ready && self.floor.is_none_or(|f| day_num(q.from) >= f)
    }

    /// Committed incidents that fit, not shadowed by `pending`, with their write numbers.
    fn fitting<'s>(
        &'s self,
        q: &Query<'_>,
        pending: &'s Pending,
        out: &mut Vec<(i64, u64, &'s Arc<MatchKeys>)>,
    ) {
        let (a, b) = (day_num(q.from), day_num(q.to));
        if a > b {
            return;
        }
        let range = (Bound::Included((a, 0)), Bound::Included((b, u64::MAX)));
        let near = q.near.map(NearScan::of);
        let shadowed = |k: &MatchKeys| !pending.puts.is_empty() && pending.puts.contains_key(&k.id);
        let mut scan = |t: &'s BTreeMap<(i64, u64), Slot>| {
            for (&(d, s), slot) in t.range(range) {
                if near.as_ref().is_none_or(|n| slot.near(n)) && !shadowed(&slot.keys) {
                    out.push((d, s, &slot.keys));
                }
            }
        };
        match q.country {
            Some(c) => {
                if let Some(t) = self.trees.get(&Some(Sym::of(c))) {
                    scan(t);
                }
            }
            None => self.trees.values().for_each(scan),
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
        let mut ix = self.lock();
        if !ix.covers(q) {
            ix.stats.missed += 1;
            return None;
        }
        ix.stats.served += 1;
        // room for the candidates of a busy month, without growing
        let mut found = Vec::with_capacity(512);
        ix.fitting(q, pending, &mut found);
        let committed = found.len();
        let country = q.country.map(Sym::of);
        let admin1 = q.near.and_then(|n| n.admin1).map(Sym::of);
        for (seq, k) in pending.puts.values() {
            if k.fits_at(q, country, admin1) {
                found.push((k.event_date.map(day_num).unwrap_or_default(), *seq, k));
            }
        }
        if found.len() > committed || q.country.is_none() {
            found.sort_unstable_by_key(|&(d, s, _)| (d, s));
        }
        Some(found.into_iter().map(|(_, _, k)| k.clone()).collect())
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
