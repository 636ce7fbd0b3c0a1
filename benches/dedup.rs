//! Matching time per story against a store of 100,000 incidents
//! (five countries, regions and places of the gazetteer, three years of dates):
//! a story of the last year (its candidates from the in-memory match index)
//! and a story about an event older than the index holds (through SQL).
//! Prints the index's load time and the memory it takes (RSS), for the
//! window it holds and for all 100,000 incidents. `DEDUP_STORE=postgres`
//! runs it on a fresh database of the test cluster of `scripts/pg-test.sh`
//! (`SAHEL_TEST_PG_URL`) instead of SQLite in memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use chrono::{Duration, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use sahel_nlp::{Facts, Gazetteer, PlaceKind, Precision};
use sahel_watch::dedup::{self, StoryEvidence};
use sahel_watch::match_index;
use sahel_watch::store::{Incident, Store};

const INCIDENTS: usize = 100_000;

/// Counts the bytes allocated and not freed, to weigh the index.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Heap bytes in use, in MB.
fn heap_mb() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / 1e6
}

/// Resident memory of this process (VmRSS), in MB.
fn rss_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / 1e6
}

struct Bench {
    store: Store,
    incidents: Vec<Incident>,
    /// Stories of the last year of the store's dates.
    recent: Vec<Facts>,
    /// Stories of its first year (below the index's floor).
    old: Vec<Facts>,
}

fn build() -> Bench {
    let gaz = Gazetteer::embedded();
    let places: Vec<_> = gaz
        .places()
        .iter()
        .filter(|p| {
            p.kind == PlaceKind::Place && sahel_nlp::DEFAULT_COUNTRIES.contains(&p.country.as_str())
        })
        .cloned()
        .collect();
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    // DEDUP_STORE=postgres: a fresh database of the test cluster
    // (`eval "$(scripts/pg-test.sh start)"`); else SQLite in memory
    let store = match std::env::var("DEDUP_STORE").as_deref() {
        Ok("postgres") => {
            let pg = sahel_watch::store::pg::test_database()
                .expect("DEDUP_STORE=postgres needs SAHEL_TEST_PG_URL (scripts/pg-test.sh start)");
            eprintln!("store: PostgreSQL ({})", pg.display());
            Store::open_postgres(&pg).unwrap()
        }
        _ => {
            eprintln!("store: SQLite in memory");
            Store::open_in_memory().unwrap()
        }
    };
    let mut rng: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let facts_at = |p: &sahel_nlp::Place, day: NaiveDate, killed: u32| Facts {
        country: Some(p.country.clone()),
        admin1: p.admin1.clone(),
        admin2: p.admin2.clone(),
        location: Some(p.name.clone()),
        precision: Some(Precision::Place),
        lat: Some(p.lat),
        lon: Some(p.lon),
        event_date: Some(day),
        killed: Some(killed),
        victims: Some(sahel_nlp::Victims::Military),
        ..Default::default()
    };
    let incidents: Vec<Incident> = (0..INCIDENTS)
        .map(|i| {
            let p = &places[(next() as usize) % places.len()];
            let day = start + Duration::days((next() % 1095) as i64);
            let f = facts_at(p, day, (next() % 50) as u32);
            let first = dedup::FirstStory {
                places: &[],
                title: "t",
                summary: "s",
                simhash: next(),
                confidence: 0.9,
            };
            dedup::new_incident(format!("B-{i}"), &f, Some(day), first, Utc::now())
        })
        .collect();
    store
        .transaction(|tx| {
            for inc in &incidents {
                tx.put_incident(inc)?;
            }
            Ok(())
        })
        .unwrap();
    let mut probes = |from: i64| -> Vec<Facts> {
        (0..64)
            .map(|_| {
                let p = &places[(next() as usize) % places.len()];
                facts_at(p, start + Duration::days(from + (next() % 365) as i64), 12)
            })
            .collect()
    };
    Bench {
        store,
        incidents,
        recent: probes(730),
        old: probes(0),
    }
}

fn match_one(store: &Store, f: &Facts) {
    store
        .read(|tx| {
            let e = StoryEvidence {
                facts: f,
                simhash: 42,
                published: None,
                places: &[],
            };
            dedup::best_match(tx, &e, 14, 1.2)
        })
        .unwrap();
}

/// `n` stories of the last year, one after another: what callgrind counts
/// (`--toggle-collect=*dedup*measured*`), the index already loaded.
#[inline(never)]
fn measured(b: &Bench, n: usize) {
    for i in 0..n {
        match_one(&b.store, &b.recent[i % b.recent.len()]);
    }
}

fn bench(c: &mut Criterion) {
    let b = build();
    // DEDUP_STORIES=n: match n stories and stop (for instruction counts
    // under callgrind, which the loaded machine does not disturb)
    if let Some(n) = std::env::var("DEDUP_STORIES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        match_one(&b.store, &b.recent[0]);
        measured(&b, n);
        return;
    }
    let heap = heap_mb();
    let t = std::time::Instant::now();
    match_one(&b.store, &b.recent[0]);
    let st = b.store.match_index_stats();
    eprintln!(
        "match index: {} of {INCIDENTS} incidents (the last {} days) loaded in {:.0} ms, {:.1} MB of heap; process RSS {:.0} MB",
        st.entries,
        match_index::HORIZON_DAYS,
        t.elapsed().as_secs_f64() * 1e3,
        heap_mb() - heap,
        rss_mb()
    );
    // all of them in memory: what indexing the whole history would take
    let (heap, rss) = (heap_mb(), rss_mb());
    let all = match_index::Shared::new();
    all.rebuild(
        None,
        Utc::now().date_naive(),
        None,
        b.incidents
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, x)| (i as u64, x)),
    );
    eprintln!(
        "all {} incidents in an index: {:.1} MB of heap (RSS +{:.1} MB)",
        all.stats().entries,
        heap_mb() - heap,
        rss_mb() - rss
    );
    drop(all);
    for (name, probes) in [
        ("match one story against 100k incidents (index)", &b.recent),
        (
            "match one story about an old event against 100k incidents (SQL)",
            &b.old,
        ),
    ] {
        let mut i = 0;
        c.bench_function(name, |bch| {
            bch.iter(|| {
                match_one(&b.store, &probes[i % probes.len()]);
                i += 1;
            })
        });
    }
    let st = b.store.match_index_stats();
    eprintln!(
        "match index: {} queries served, {} through SQL",
        st.served, st.missed
    );
    // how many candidates a story of the last year meets
    let n: usize = b
        .recent
        .iter()
        .map(|f| {
            let d = f.event_date.unwrap();
            let near = sahel_watch::store::Near {
                admin1: f.admin1.as_deref(),
                point: f.lat.zip(f.lon),
                degrees: 1.5,
            };
            b.store
                .read(|tx| {
                    tx.match_candidates(
                        f.country.as_deref(),
                        d - Duration::days(14),
                        d + Duration::days(14),
                        Some(near),
                    )
                })
                .unwrap()
                .len()
        })
        .sum();
    eprintln!(
        "candidates per story of the last year: {:.0} on average",
        n as f64 / b.recent.len() as f64
    );
    // on a loaded machine the wall time counts the waits for a core too:
    // the CPU time of this thread per story, over many
    let cpu = || {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or_default();
        let f: Vec<f64> = after
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse().ok())
            .collect();
        f.iter().sum::<f64>() / 100.0
    };
    // matching alone: many stories in one read transaction (as the
    // pipeline matches up to 256 stories in one), without a transaction's
    // own cost per story (on PostgreSQL, BEGIN and COMMIT are round trips)
    let n = 20_000;
    let (c0, t0) = (cpu(), std::time::Instant::now());
    b.store
        .read(|tx| {
            for i in 0..n {
                let e = StoryEvidence {
                    facts: &b.recent[i % b.recent.len()],
                    simhash: 42,
                    published: None,
                    places: &[],
                };
                dedup::best_match(tx, &e, 14, 1.2)?;
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "matching alone, {n} stories of the last year in one transaction: {:.1} µs of CPU, {:.1} µs of wall time each",
        (cpu() - c0) * 1e6 / n as f64,
        t0.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    for (name, probes, n) in [
        ("the last year (index)", &b.recent, 20_000),
        ("an old event (SQL)", &b.old, 500),
    ] {
        let (c0, t0) = (cpu(), std::time::Instant::now());
        for i in 0..n {
            match_one(&b.store, &probes[i % probes.len()]);
        }
        eprintln!(
            "a story of {name}: {:.1} µs of CPU, {:.1} µs of wall time each, over {n}",
            (cpu() - c0) * 1e6 / n as f64,
            t0.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
