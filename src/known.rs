//! Known incidents: CSV lists of incidents a user already knows (their own
//! records, or an ACLED export). Stories about them join them and raise no
//! `incident.new`.
//!
//! Two layouts are recognised by their header:
//! - the alert's incident columns: `id, country, admin1, location, lat, lon,
//!   event_date, killed, wounded, victims, actors, attack_type` (`actors`
//!   separated by `;`);
//! - ACLED export: `event_id_cnty, event_date, country, admin1, admin2,
//!   location, latitude, longitude, fatalities, actor1, ...`.
//!
//! A bad row is an error naming the file and line.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use chrono::{NaiveDate, Utc};
use sahel_nlp::{Gazetteer, PlaceKind};

use crate::store::{Incident, Store};

/// Parse a known-incidents CSV file.
pub fn load(path: &Path, gaz: &Gazetteer) -> Result<Vec<Incident>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    parse(&text, &path.display().to_string(), gaz)
}

/// Parse known-incidents CSV text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str, gaz: &Gazetteer) -> Result<Vec<Incident>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .with_context(|| format!("{origin}:1: cannot read the header"))?
        .clone();
    let col: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim_start_matches('\u{feff}').to_ascii_lowercase(), i))
        .collect();
    let acled = col.contains_key("event_id_cnty");
    let need: &[&str] = if acled {
        &["event_id_cnty", "event_date", "country"]
    } else {
        &["id", "country", "event_date"]
    };
    for n in need {
        if !col.contains_key(*n) {
            bail!("{origin}:1: missing column {n:?} (expected the alert's incident columns or an ACLED export)");
        }
    }
    let now = Utc::now();
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{origin}:{line}: malformed CSV"))?;
        let get = |name: &str| {
            col.get(name)
                .and_then(|&c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let row = || -> Result<Incident> {
            let id = if acled {
                get("event_id_cnty")
            } else {
                get("id")
            }
            .ok_or_else(|| anyhow!("empty id"))?;
            let country_raw = get("country").ok_or_else(|| anyhow!("empty country"))?;
            let country = country_code(country_raw, gaz)
                .ok_or_else(|| anyhow!("unknown country {country_raw:?}"))?;
            let date_raw = get("event_date").ok_or_else(|| anyhow!("empty event_date"))?;
            let event_date = parse_date(date_raw).ok_or_else(|| {
                anyhow!("event_date {date_raw:?} is not a date (YYYY-MM-DD or DD Month YYYY)")
            })?;
            let num = |name: &str| -> Result<Option<f64>> {
                get(name)
                    .map(|v| {
                        v.parse::<f64>()
                            .map_err(|_| anyhow!("{name} {v:?} is not a number"))
                    })
                    .transpose()
            };
            let int = |name: &str| -> Result<Option<u32>> {
                get(name)
                    .map(|v| {
                        v.parse::<u32>()
                            .map_err(|_| anyhow!("{name} {v:?} is not a whole number"))
                    })
                    .transpose()
            };
            let (lat, lon) = if acled {
                (num("latitude")?, num("longitude")?)
            } else {
                (num("lat")?, num("lon")?)
            };
            let killed = if acled {
                int("fatalities")?
            } else {
                int("killed")?
            };
            let admin1 = get("admin1").map(|a| canonical_admin1(a, gaz));
            let location = get("location").map(String::from);
            let actors: Vec<String> = if acled {
                ["actor1", "assoc_actor_1"]
                    .iter()
                    .filter_map(|c| get(c))
                    .map(String::from)
                    .collect()
            } else {
                get("actors")
                    .map(|a| {
                        a.split(';')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let precision = if location.is_some() {
                "place"
            } else if admin1.is_some() {
                "admin1"
            } else {
                "country"
            };
            Ok(Incident {
                id: if acled {
                    format!("ACLED-{id}")
                } else {
                    id.to_string()
                },
                country: Some(country),
                admin1,
                admin2: get("admin2").map(String::from),
                location,
                precision: Some(precision.into()),
                lat,
                lon,
                event_date: Some(event_date),
                killed,
                wounded: if acled { None } else { int("wounded")? },
                victims: get("victims").map(String::from),
                actors,
                attack_type: get("attack_type")
                    .or(get("sub_event_type"))
                    .map(|s| s.to_ascii_lowercase()),
                claimed: false,
                confidence: 1.0,
                title: get("notes")
                    .or(get("title"))
                    .map(|s| s.chars().take(300).collect()),
                summary: None,
                revision: 0,
                first_seen: now,
                last_seen: now,
                known: true,
                origin: origin.to_string(),
                simhashes: vec![],
                places: vec![],
                alerted_killed: killed,
                alerted_claimed: false,
                alerted_revision: 0,
            })
        };
        out.push(row().map_err(|e| anyhow!("{origin}:{line}: {e}"))?);
    }
    Ok(out)
}

/// Store known incidents (replacing earlier imports of the same ids).
pub fn import(store: &Store, incidents: &[Incident]) -> Result<usize> {
    store.transaction(|tx| {
        for i in incidents {
            tx.put_incident(i)?;
        }
        Ok(incidents.len())
    })
}

fn country_code(s: &str, gaz: &Gazetteer) -> Option<String> {
    if s.len() == 2 {
        return gaz.country(s).map(|p| p.country.clone());
    }
    gaz.lookup(s)
        .into_iter()
        .find(|p| p.kind == PlaceKind::Country)
        .map(|p| p.country.clone())
}

/// ACLED and users may give post-reform region names; alerts use the
/// pre-reform ones.
fn canonical_admin1(a: &str, gaz: &Gazetteer) -> String {
    match gaz.region(a) {
        Some(p) if p.kind == PlaceKind::Admin1 => p.name.clone(),
        Some(p) if p.kind == PlaceKind::Admin1New => {
            p.admin1.clone().unwrap_or_else(|| a.to_string())
        }
        _ => a.to_string(),
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d %B %Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%B-%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_columns_parse() {
        let csv = "id,country,admin1,location,lat,lon,event_date,killed,wounded,victims,actors,attack_type\n\
                   K-1,NE,Tillabéri,Teguey,14.1,0.9,2024-03-20,23,17,military,Islamic State Sahel Province;JNIM,ambush\n";
        let v = parse(csv, "k.csv", &Gazetteer::embedded()).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].id, "K-1");
        assert_eq!(v[0].killed, Some(23));
        assert_eq!(v[0].actors.len(), 2);
        assert!(v[0].known);
    }

    #[test]
    fn acled_export_parses() {
        let csv = "event_id_cnty,event_date,year,country,admin1,admin2,location,latitude,longitude,fatalities,actor1,notes\n\
                   NIG1234,20 March 2024,2024,Niger,Tillaberi,Tera,Teguey,14.1,0.9,23,Islamic State Sahel Province,Ambush on army\n";
        let v = parse(csv, "acled.csv", &Gazetteer::embedded()).unwrap();
        assert_eq!(v[0].id, "ACLED-NIG1234");
        assert_eq!(v[0].country.as_deref(), Some("NE"));
        assert_eq!(v[0].event_date, NaiveDate::from_ymd_opt(2024, 3, 20));
    }

    #[test]
    fn bad_rows_name_the_line() {
        let csv = "id,country,event_date,killed\nA,NE,2024-03-20,3\nB,NE,yesterday,4\n";
        let e = parse(csv, "k.csv", &Gazetteer::embedded())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("k.csv:3:"), "{e}");
        let csv = "id,country,event_date,killed\nA,Narnia,2024-03-20,3\n";
        let e = parse(csv, "k.csv", &Gazetteer::embedded())
            .unwrap_err()
            .to_string();
        assert!(e.contains("k.csv:2:") && e.contains("Narnia"), "{e}");
        let e = parse("foo,bar\n1,2\n", "x.csv", &Gazetteer::embedded())
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.csv:1: missing column"), "{e}");
    }
}
