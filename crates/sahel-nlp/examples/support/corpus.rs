//! Corpus evaluation shared by `examples/eval.rs` and `tests/corpus_eval.rs`:
//! reads the feeds and gold labels of a corpus directory, runs the engine on
//! every item and compares decisions and facts with the gold.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use sahel_nlp::{Analysis, Document, Engine};

/// One feed item in plain text.
pub struct Item {
    pub feed: String,
    pub guid: String,
    pub link: String,
    pub title: String,
    pub body: String,
    pub published: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub language: Option<String>,
}

/// A quick HTML to text conversion: block ends become blank lines, tags
/// are dropped, common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[i + 1..i + j].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            name.as_str(),
            "p" | "br"
                | "li"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "div"
                | "ul"
                | "ol"
                | "blockquote"
                | "tr"
                | "table"
        ) {
            out.push_str("\n\n");
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    let out = decode_entities(&out);
    // Normalise blank lines.
    let mut res = String::with_capacity(out.len());
    let mut blank = 0;
    for line in out.lines() {
        let l = line.trim();
        if l.is_empty() {
            blank += 1;
            continue;
        }
        if !res.is_empty() {
            res.push_str(if blank > 0 { "\n\n" } else { " " });
        }
        blank = 0;
        res.push_str(l);
    }
    res
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|&e| e <= 10);
        match end {
            Some(e) => {
                let ent = &tail[1..e];
                let rep = match ent {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16)
                        .ok()
                        .and_then(char::from_u32),
                    _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
                    _ => None,
                };
                match rep {
                    Some(c) => {
                        out.push(c);
                        rest = &tail[e + 1..];
                    }
                    None => {
                        out.push('&');
                        rest = &tail[1..];
                    }
                }
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Read every feed of `dir/feeds`.
pub fn load_items(dir: &Path) -> Vec<Item> {
    let mut items = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir.join("feeds"))
        .expect("feeds directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    paths.sort();
    for p in paths {
        let feed_name = p.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&p).expect("feed file");
        let feed = feed_rs::parser::parse(&bytes[..]).expect("feed parses");
        let lang = feed.language.clone();
        for e in feed.entries {
            let title = e
                .title
                .as_ref()
                .map(|t| html_to_text(&t.content))
                .unwrap_or_default();
            let html = e
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .or_else(|| e.summary.as_ref().map(|s| s.content.clone()))
                .unwrap_or_default();
            let body = html_to_text(&html);
            let published = e.published.or(e.updated).map(|d| d.fixed_offset());
            items.push(Item {
                feed: feed_name.clone(),
                guid: e.id.clone(),
                link: e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
                title,
                body,
                published,
                language: lang.clone(),
            });
        }
    }
    items
}

#[derive(Default, Debug)]
pub struct Totals {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
    pub country_ok: usize,
    pub admin1_ok: usize,
    pub date_ok: usize,
    pub killed_ok: usize,
    pub positives_checked: usize,
}

impl Totals {
    pub fn precision(&self) -> f64 {
        self.tp as f64 / ((self.tp + self.fp) as f64).max(1.0)
    }
    pub fn recall(&self) -> f64 {
        self.tp as f64 / ((self.tp + self.fn_) as f64).max(1.0)
    }
    fn share(&self, n: usize) -> f64 {
        n as f64 / (self.positives_checked as f64).max(1.0)
    }
    pub fn summary(&self) -> String {
        format!(
            "stories: tp {} fp {} fn {} tn {} | precision {:.3} recall {:.3}\nfacts on {} true positives: country {:.3} admin1 {:.3} date±1 {:.3} killed-in-range {:.3}",
            self.tp,
            self.fp,
            self.fn_,
            self.tn,
            self.precision(),
            self.recall(),
            self.positives_checked,
            self.share(self.country_ok),
            self.share(self.admin1_ok),
            self.share(self.date_ok),
            self.share(self.killed_ok),
        )
    }
}

/// Run the engine over the corpus; `report` receives one line per item.
pub fn evaluate(
    dir: &Path,
    engine: &Engine,
    verbose: bool,
    mut report: impl FnMut(&str),
) -> Totals {
    let mut gold_items: HashMap<(String, String), serde_json::Value> = HashMap::new();
    let mut incidents: HashMap<String, serde_json::Value> = HashMap::new();
    let mut golds: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("gold-"))
        })
        .collect();
    golds.sort();
    for g in golds {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&g).unwrap()).expect("gold json");
        for inc in v["incidents"].as_array().into_iter().flatten() {
            incidents.insert(inc["id"].as_str().unwrap_or("").to_string(), inc.clone());
        }
        for it in v["items"].as_array().into_iter().flatten() {
            let feed = it["feed"].as_str().unwrap_or("").to_string();
            for k in ["guid", "link"] {
                if let Some(x) = it[k].as_str() {
                    gold_items.insert((feed.clone(), x.to_string()), it.clone());
                }
            }
        }
    }
    let mut t = Totals::default();
    for item in load_items(dir) {
        let gold = gold_items
            .get(&(item.feed.clone(), item.guid.clone()))
            .or_else(|| gold_items.get(&(item.feed.clone(), item.link.clone())));
        let Some(gold) = gold else {
            report(&format!("?? no gold for {} {}", item.feed, item.guid));
            continue;
        };
        let doc = Document {
            title: &item.title,
            body: &item.body,
            published: item.published,
            language: item.language.as_deref(),
        };
        let a: Analysis = engine.analyze(&doc);
        let g_attack = gold["attack"].as_bool().unwrap_or(false);
        let status = match (g_attack, a.is_attack) {
            (true, true) => {
                t.tp += 1;
                "TP"
            }
            (false, true) => {
                t.fp += 1;
                "FP"
            }
            (true, false) => {
                t.fn_ += 1;
                "FN"
            }
            (false, false) => {
                t.tn += 1;
                "TN"
            }
        };
        let mut line = format!(
            "{status} {:.2} [{}] {} | {}",
            a.confidence,
            item.feed,
            item.title.chars().take(90).collect::<String>(),
            gold["why"].as_str().unwrap_or("")
        );
        if g_attack && a.is_attack {
            t.positives_checked += 1;
            let inc = &incidents[gold["incident"].as_str().unwrap_or("")];
            let f = a.facts.clone().unwrap_or_default();
            let c_ok = f.country.as_deref() == inc["country"].as_str();
            let a_ok = f.admin1.as_deref() == inc["admin1"].as_str();
            let gd = inc["event_date"]
                .as_str()
                .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
            let d_ok = match (f.event_date, gd) {
                (Some(x), Some(y)) => (x - y).num_days().abs() <= 1,
                _ => false,
            };
            let range = inc["killed_range"].as_array();
            let k_ok = match (f.killed, range) {
                (Some(k), Some(r)) => {
                    let lo = r[0].as_u64().unwrap_or(0) as u32;
                    let hi = r[1].as_u64().unwrap_or(0) as u32;
                    lo <= k && k <= hi
                }
                (None, _) => inc["killed"].is_null(),
                _ => false,
            };
            t.country_ok += usize::from(c_ok);
            t.admin1_ok += usize::from(a_ok);
            t.date_ok += usize::from(d_ok);
            t.killed_ok += usize::from(k_ok);
            let mark = |ok: bool| if ok { "" } else { "!!" };
            line.push_str(&format!(
                "\n     country {}{} admin1 {:?}{} (gold {}) place {:?} date {:?}{} (gold {}) killed {:?}{} (gold {}) wounded {:?} att {:?} victims {:?} type {:?} actors {:?} claimed {}",
                f.country.as_deref().unwrap_or("-"),
                mark(c_ok),
                f.admin1,
                mark(a_ok),
                inc["admin1"],
                f.location,
                f.event_date,
                mark(d_ok),
                inc["event_date"],
                f.killed,
                mark(k_ok),
                inc["killed_range"],
                f.wounded,
                f.attackers_killed,
                f.victims,
                f.attack_type,
                f.actors,
                f.claimed,
            ));
        }
        if verbose && (status == "FP" || status == "FN") {
            for r in &a.reasons {
                line.push_str(&format!(
                    "\n       {} {:?} {:+.2} {}",
                    r.kind,
                    r.text,
                    r.weight,
                    r.note.as_deref().unwrap_or("")
                ));
            }
        }
        report(&line);
    }
    t
}
