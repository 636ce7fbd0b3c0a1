//! Classify + extract throughput over the dev corpus items (or, when the
//! corpus is absent, over a few synthetic articles). Target: >= 20,000 full
//! articles per second on one core.

#[path = "../examples/support/corpus.rs"]
mod corpus;

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sahel_nlp::{Document, Engine, Gazetteer};

const SYNTHETIC: &[(&str, &str)] = &[
    (
        "Niger: 14 soldiers killed in ambush near Tillaberi",
        "Gunmen on motorbikes ambushed an army patrol near the village of Tera in the Tillaberi region on Tuesday, killing 14 soldiers and wounding 9, the defence ministry said.\n\nThe ministry said about 40 assailants were neutralised in the fighting. No group has claimed the attack, but fighters linked to the Islamic State are active in the area.\n\nIn 2021, more than 100 civilians were killed in attacks on villages in the same region.",
    ),
    (
        "Burkina : une vingtaine de civils tués dans l'attaque d'un village du Centre-Nord",
        "Des hommes armés ont attaqué dans la nuit de samedi à dimanche le village de Kaya, dans la province du Sanmatenga, tuant une vingtaine de civils, selon des sources locales.\n\nLes assaillants, arrivés à moto, ont incendié des greniers et emporté du bétail. Aucun groupe n'a revendiqué l'attaque.",
    ),
    (
        "Mali's attack runs riot as Eagles beat rivals",
        "Mali's attacking midfielder scored twice as the Eagles won 3-1 in the Cup of Nations qualifier on Saturday.",
    ),
];

fn load_docs() -> Vec<(
    String,
    String,
    Option<chrono::DateTime<chrono::FixedOffset>>,
)> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/dev"
    ));
    if dir.join("feeds").is_dir() {
        corpus::load_items(dir)
            .into_iter()
            .map(|i| (i.title, i.body, i.published))
            .collect()
    } else {
        let p = chrono::DateTime::parse_from_rfc3339("2024-03-22T10:00:00+00:00").ok();
        SYNTHETIC
            .iter()
            .map(|(t, b)| (t.to_string(), b.to_string(), p))
            .collect()
    }
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(Gazetteer::embedded());
    let docs = load_docs();
    let mut g = c.benchmark_group("analyze");
    g.throughput(Throughput::Elements(docs.len() as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (t, body, p) in &docs {
                let a = engine.analyze(&Document {
                    title: t,
                    body,
                    published: *p,
                    language: None,
                });
                n += usize::from(a.is_attack);
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
