//! The GeoNames importer on small inline fixtures, and on the real dumps in
//! `../shared/geonames` when they are present.

use std::path::PathBuf;
use std::time::Instant;

use sahel_nlp::gazetteer::{parse_tsv, GazetteerError};
use sahel_nlp::geonames::{import_files, parse_dump, write_tsv, AdminCodes};
use sahel_nlp::{distance_km, Gazetteer, Place, PlaceKind, PlaceSource};

const ADMIN1: &str = "\
NE.09\tTillabéri\tTillaberi\t2595293
NE.08\tNiamey\tNiamey\t2595294
BF.12\tSahel\tSahel\t6930713
ML.12070577\tMénaka\tMenaka\t12070577
";

const ADMIN2: &str = "\
BF.12.40\tProvince du Soum\tProvince du Soum\t2355248
BF.12.33\tProvince de l’Oudalan\tProvince de l'Oudalan\t2356982
NE.09.8334577\tTera Department\tTera Department\t8334577
NE.06.2443303\tDépartement d' Illéla\tDepartement d' Illela\t2443303
ML.12070577.8631539\tCercle de Ménaka\tCercle de Menaka\t8631539
";

/// Build one dump line from its 19 columns.
fn line(cols: [&str; 19]) -> String {
    cols.join("\t")
}

#[allow(clippy::too_many_arguments)]
fn gn(
    id: &str,
    name: &str,
    ascii: &str,
    alt: &str,
    lat: &str,
    lon: &str,
    class: &str,
    code: &str,
    cc: &str,
    a1: &str,
    a2: &str,
    pop: &str,
) -> String {
    line([
        id,
        name,
        ascii,
        alt,
        lat,
        lon,
        class,
        code,
        cc,
        "",
        a1,
        a2,
        "",
        "",
        pop,
        "",
        "250",
        "Africa/Niamey",
        "2012-01-18",
    ])
}

fn codes() -> AdminCodes {
    AdminCodes::parse(ADMIN1, Some(ADMIN2), "admin1.txt", "admin2.txt").unwrap()
}

fn fixture() -> String {
    [
        gn(
            "2438915",
            "Téguèy",
            "Teguey",
            "Tegey,تيغي,Téguey,TGY,BP 123,https://example.org/teguey",
            "14.65285",
            "0.53683",
            "P",
            "PPL",
            "NE",
            "09",
            "",
            "0",
        ),
        gn(
            "2438678",
            "Tillabéri",
            "Tillaberi",
            "Tilabery,Tillabery,Тиллабери",
            "14.20711",
            "1.45418",
            "P",
            "PPLA",
            "NE",
            "09",
            "",
            "19262",
        ),
        gn(
            "2595293",
            "Tillaberi Region",
            "Tillaberi Region",
            "Region de Tillaberi",
            "14.33333",
            "2.08333",
            "A",
            "ADM1",
            "NE",
            "09",
            "",
            "0",
        ),
        gn(
            "2355248",
            "Province du Soum",
            "Province du Soum",
            "Soum",
            "14.33333",
            "-1.25",
            "A",
            "ADM2",
            "BF",
            "12",
            "40",
            "0",
        ),
        gn(
            "2358646",
            "Koutougou",
            "Koutougou",
            "",
            "14.51248",
            "-0.99094",
            "S",
            "CMP",
            "BF",
            "12",
            "40",
            "0",
        ),
        gn(
            "9999001",
            "Mare de Oursi",
            "Mare de Oursi",
            "",
            "14.6",
            "-0.45",
            "H",
            "LK",
            "BF",
            "12",
            "33",
            "0",
        ),
        gn(
            "9999002", "In-Atès", "In-Ates", "", "15.2275", "1.3135", "H", "WLL", "NE", "09", "",
            "0",
        ),
        gn(
            "9999003",
            "Old village",
            "Old village",
            "",
            "15.0",
            "1.0",
            "P",
            "PPLQ",
            "NE",
            "09",
            "",
            "0",
        ),
        gn(
            "9999004", "Ménaka", "Menaka", "Menaka", "15.9182", "2.4022", "P", "PPLA2", "ML",
            "12070577", "8631539", "9110",
        ),
        gn(
            "9999005",
            "Somewhere",
            "Somewhere",
            "",
            "13.0",
            "2.0",
            "P",
            "PPL",
            "NE",
            "77",
            "",
            "",
        ),
    ]
    .join("\n")
}

#[test]
fn admin_codes_map_to_ascii_names_without_prefixes() {
    let c = codes();
    assert_eq!(c.admin1_name("NE", "09"), Some("Tillaberi"));
    assert_eq!(c.admin1_name("ne", "09"), Some("Tillaberi"));
    assert_eq!(c.admin1_name("NE", "01"), None);
    assert_eq!(c.admin1_name("NE", ""), None);
    assert_eq!(c.admin1_name("ML", "12070577"), Some("Menaka"));
    assert_eq!(c.admin2_name("BF", "12", "40"), Some("Soum"));
    assert_eq!(c.admin2_name("BF", "12", "33"), Some("Oudalan"));
    assert_eq!(c.admin2_name("NE", "09", "8334577"), Some("Tera"));
    assert_eq!(c.admin2_name("NE", "06", "2443303"), Some("Illela"));
    assert_eq!(c.admin2_name("ML", "12070577", "8631539"), Some("Menaka"));
    assert_eq!(c.admin2_name("BF", "13", "40"), None);
    assert_eq!(c.counts(), (4, 5));

    let only1 = AdminCodes::parse(ADMIN1, None, "a1", "").unwrap();
    assert_eq!(only1.admin2_name("BF", "12", "40"), None);
    assert_eq!(only1.admin1_name("BF", "12"), Some("Sahel"));
}

#[test]
fn admin_code_errors_name_the_line() {
    let bad = "NE.09\tTillabéri\tTillaberi\t1\n\nNE09\tNiamey\tNiamey\t2\n";
    let e = AdminCodes::parse(bad, None, "admin1CodesASCII.txt", "").unwrap_err();
    assert!(matches!(e, GazetteerError::Line { line: 3, .. }), "{e:?}");
    assert!(e.to_string().starts_with("admin1CodesASCII.txt:3: "), "{e}");

    let e = AdminCodes::parse(
        ADMIN1,
        Some("BF.12.40 Province du Soum"),
        "a1",
        "admin2Codes.txt",
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("admin2Codes.txt:1: "), "{e}");
}

#[test]
fn dump_rows_become_places_with_admin_names_and_latin_variants() {
    let places = parse_dump(&fixture(), "NE.txt", &codes()).unwrap();
    let by_name = |n: &str| -> &Place {
        places
            .iter()
            .find(|p| p.name == n)
            .unwrap_or_else(|| panic!("{n} not imported: {places:?}"))
    };

    let t = by_name("Teguey");
    assert_eq!(t.kind, PlaceKind::Place);
    assert_eq!(t.country, "NE");
    assert_eq!(t.admin1.as_deref(), Some("Tillaberi"));
    assert_eq!(t.admin2, None);
    assert_eq!((t.lat, t.lon), (14.65285, 0.53683));
    assert_eq!(t.source, PlaceSource::GeoNames);
    assert_eq!(t.population, None);
    // name first, then Latin alternates; Arabic script, codes and links dropped
    assert_eq!(t.variants, ["Téguèy", "Tegey", "Téguey"]);

    let town = by_name("Tillaberi");
    assert_eq!(town.kind, PlaceKind::Place);
    assert_eq!(town.population, Some(19262));
    assert!(
        town.variants.iter().all(|v| !v.contains('Т')),
        "{:?}",
        town.variants
    );

    // ADM1 rows take the code-table name; the dump name becomes a variant.
    let region = places.iter().find(|p| p.kind == PlaceKind::Admin1).unwrap();
    assert_eq!(region.name, "Tillaberi");
    assert!(region.variants.contains(&"Tillaberi Region".to_string()));
    assert_eq!(region.admin1.as_deref(), Some("Tillaberi"));

    let soum = places.iter().find(|p| p.kind == PlaceKind::Admin2).unwrap();
    assert_eq!(soum.name, "Soum");
    assert_eq!(
        (soum.admin1.as_deref(), soum.admin2.as_deref()),
        (Some("Sahel"), Some("Soum"))
    );

    // Camps and wells are kept, lakes and abandoned places are not.
    assert_eq!(by_name("Koutougou").admin2.as_deref(), Some("Soum"));
    assert_eq!(by_name("In-Ates").kind, PlaceKind::Place);
    assert!(places
        .iter()
        .all(|p| p.name != "Mare de Oursi" && p.name != "Old village"));

    let m = by_name("Menaka");
    assert_eq!(
        (m.admin1.as_deref(), m.admin2.as_deref()),
        (Some("Menaka"), Some("Menaka"))
    );
    assert_eq!(m.variants, ["Ménaka"]);

    // Unknown admin1 code: the place is kept without a region.
    assert_eq!(by_name("Somewhere").admin1, None);
    assert_eq!(places.len(), 8);
}

#[test]
fn bad_dump_lines_are_errors_naming_origin_and_line() {
    let mut text = fixture();
    text.push_str("\n2438916\tShort\tShort\t\t14.0\t1.0\tP\tPPL\tNE\n");
    let e = parse_dump(&text, "NE.txt", &codes()).unwrap_err();
    match &e {
        GazetteerError::Line {
            origin,
            line,
            message,
        } => {
            assert_eq!((origin.as_str(), *line), ("NE.txt", 11));
            assert!(message.contains("19"), "{message}");
        }
        other => panic!("unexpected error {other:?}"),
    }

    let bad_lat = gn(
        "1", "X", "X", "", "north", "1.0", "P", "PPL", "NE", "09", "", "0",
    );
    let e = parse_dump(&format!("{}\n{bad_lat}\n", fixture()), "NE.txt", &codes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "NE.txt:11: latitude \"north\" is not a number"
    );

    let out_of_range = gn(
        "1", "X", "X", "", "14.0", "190.5", "P", "PPL", "NE", "09", "", "0",
    );
    let e = parse_dump(&out_of_range, "x.txt", &codes()).unwrap_err();
    assert!(e.to_string().starts_with("x.txt:1: coordinates"), "{e}");
}

#[test]
fn write_tsv_round_trips_through_parse_tsv() {
    let mut places = parse_dump(&fixture(), "NE.txt", &codes()).unwrap();
    places[0].variants.push("Bad\tname|with\nseparators".into());
    places[0].admin1_new = Some("Liptako".into());
    let mut buf = Vec::new();
    write_tsv(&places, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let back = parse_tsv(&text, "state/geonames.tsv", PlaceSource::GeoNames).unwrap();
    assert_eq!(back.len(), places.len());
    for (a, b) in places.iter().zip(&back) {
        assert_eq!((a.kind, &a.name, &a.country), (b.kind, &b.name, &b.country));
        assert_eq!(
            (&a.admin1, &a.admin2, &a.admin1_new),
            (&b.admin1, &b.admin2, &b.admin1_new)
        );
        assert_eq!(
            (a.lat, a.lon),
            (b.lat, b.lon),
            "coordinates of {} survive",
            a.name
        );
        assert_eq!(b.source, PlaceSource::GeoNames);
    }
    assert!(
        back[0]
            .variants
            .contains(&"Badnamewithseparators".to_string()),
        "{:?}",
        back[0].variants
    );
    assert_eq!(back[0].variants.len(), places[0].variants.len());
}

fn geonames_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/geonames")
}

#[test]
fn imports_the_real_niger_dump_when_present() {
    let dir = geonames_dir();
    if !dir.join("NE.txt").exists() || !dir.join("admin1CodesASCII.txt").exists() {
        eprintln!(
            "skipping: ../shared/geonames not found (looked in {})",
            dir.display()
        );
        return;
    }
    let start = Instant::now();
    let places = import_files(
        &[dir.join("NE.txt")],
        &dir.join("admin1CodesASCII.txt"),
        Some(&dir.join("admin2Codes.txt")),
    )
    .unwrap();
    eprintln!(
        "imported {} places from NE.txt in {:?}",
        places.len(),
        start.elapsed()
    );
    assert!(
        (5_000..100_000).contains(&places.len()),
        "{} places",
        places.len()
    );
    assert!(places
        .iter()
        .all(|p| p.country == "NE" && p.source == PlaceSource::GeoNames));
    // Every admin1 the importer assigns is an admin1 the embedded gazetteer knows.
    let embedded = Gazetteer::embedded();
    for p in &places {
        if let Some(a1) = &p.admin1 {
            assert!(
                embedded
                    .lookup(a1)
                    .iter()
                    .any(|r| r.kind == PlaceKind::Admin1 && r.country == "NE"),
                "{}: unknown admin1 {a1}",
                p.name
            );
        }
    }

    let mut g = Gazetteer::embedded();
    let before = g.len();
    g.extend(places);
    assert!(g.len() > before);
    let geonames_hit = |name: &str| -> Place {
        g.lookup(name)
            .into_iter()
            .find(|p| p.source == PlaceSource::GeoNames && p.kind == PlaceKind::Place)
            .unwrap_or_else(|| panic!("{name} not imported"))
            .clone()
    };
    let t = geonames_hit("Teguey");
    assert_eq!(t.admin1.as_deref(), Some("Tillaberi"));
    assert!(
        distance_km(t.lat, t.lon, 14.653, 0.537) < 5.0,
        "Teguey at {},{}",
        t.lat,
        t.lon
    );
    assert!(t.variants.iter().any(|v| v == "Téguèy"), "{:?}", t.variants);
    let k = geonames_hit("Kandadji");
    assert_eq!(k.admin1.as_deref(), Some("Tillaberi"));
    assert!(
        distance_km(k.lat, k.lon, 14.627, 0.971) < 5.0,
        "Kandadji at {},{}",
        k.lat,
        k.lon
    );
    // Both sources agree on the region of the embedded spelling too.
    let embedded_teguey = g
        .lookup("Téguey")
        .into_iter()
        .find(|p| p.source == PlaceSource::Embedded)
        .unwrap()
        .clone();
    assert_eq!(embedded_teguey.admin1, t.admin1);
    // The region itself comes through with its alert name.
    assert!(g
        .lookup("Tillaberi Region")
        .iter()
        .any(|p| p.kind == PlaceKind::Admin1
            && p.name == "Tillaberi"
            && p.source == PlaceSource::GeoNames));
}
