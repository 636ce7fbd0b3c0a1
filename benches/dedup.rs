//! Matching time per story against a store of 100,000 incidents
//! (five countries, regions and places of the gazetteer, three years of dates).

use chrono::{Duration, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use sahel_nlp::{Facts, Gazetteer, PlaceKind, Precision};
use sahel_watch::dedup::{self, StoryEvidence};
use sahel_watch::store::Store;

const INCIDENTS: usize = 100_000;

fn build() -> (Store, Vec<Facts>) {
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
    let store = Store::open_in_memory().unwrap();
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
    store
        .transaction(|tx| {
            for i in 0..INCIDENTS {
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
                let inc = dedup::new_incident(format!("B-{i}"), &f, Some(day), first, Utc::now());
                tx.put_incident(&inc)?;
            }
            Ok(())
        })
        .unwrap();
    let probes = (0..64)
        .map(|_| {
            let p = &places[(next() as usize) % places.len()];
            facts_at(p, start + Duration::days((next() % 1095) as i64), 12)
        })
        .collect();
    (store, probes)
}

fn bench(c: &mut Criterion) {
    let (store, probes) = build();
    let mut i = 0;
    c.bench_function("match one story against 100k incidents", |b| {
        b.iter(|| {
            let f = &probes[i % probes.len()];
            i += 1;
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
                .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
