//! The base map: `data/basemap.topojson` (Natural Earth admin-1, see data/README.md),
//! decoded once, projected (Web Mercator, so that optional raster tiles line up) and drawn
//! as SVG: the whole Sahel as a static image (`/static/basemap.svg`), a small inline map
//! around one place, the outline of a country or region picked by the filters.

use std::collections::HashMap;
use std::f64::consts::PI;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

const TOPOJSON: &str = include_str!("../../data/basemap.topojson");

/// The countries the daemon watches (their regions are drawn; the others as a whole).
pub const WATCHED: [&str; 5] = ["ML", "BF", "NE", "TD", "MR"];

/// The capitals of the five countries: (name, lat, lon).
const CAPITALS: [(&str, f64, f64); 5] = [
    ("Bamako", 12.64, -8.00),
    ("Ouagadougou", 12.37, -1.52),
    ("Niamey", 13.51, 2.11),
    ("N'Djamena", 12.11, 15.04),
    ("Nouakchott", 18.09, -15.98),
];

/// Units named after their capital (the capital's label says it).
const CAPITAL_UNITS: [&str; 4] = ["ML-BKO", "NE-8", "TD-ND", "MR-NKC"];

/// Where the five countries' names go: (code, name, lat, lon, size).
const COUNTRY_LABELS: [(&str, &str, f64, f64, f64); 5] = [
    ("MR", "MAURITANIA", 21.6, -11.6, 13.0),
    ("ML", "MALI", 18.0, -2.6, 15.0),
    ("NE", "NIGER", 18.2, 9.0, 15.0),
    ("TD", "CHAD", 17.5, 18.6, 15.0),
    ("BF", "BURKINA FASO", 11.1, -1.5, 9.0),
];

/// A Web Mercator view of a lon/lat box, `width` user units wide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
    pub width: f64,
}

fn merc(lat: f64) -> f64 {
    let lat = lat.clamp(-85.0, 85.0).to_radians();
    (PI / 4.0 + lat / 2.0).tan().ln()
}

fn inv_merc(y: f64) -> f64 {
    (2.0 * y.exp().atan() - PI / 2.0).to_degrees()
}

impl View {
    /// The five countries and their neighbours: lon −18…25, lat 8…27.5.
    pub const SAHEL: View = View {
        west: -18.0,
        east: 25.0,
        south: 8.0,
        north: 27.5,
        width: 1000.0,
    };

    /// User units per radian of longitude.
    fn k(&self) -> f64 {
        self.width / (self.east - self.west).to_radians()
    }

    pub fn height(&self) -> f64 {
        (merc(self.north) - merc(self.south)) * self.k()
    }

    /// (x, y) of a point, y down.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let k = self.k();
        (
            (lon - self.west).to_radians() * k,
            (merc(self.north) - merc(lat)) * k,
        )
    }

    /// (lon, lat) of a point of the view.
    pub fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        let k = self.k();
        (
            self.west + (x / k).to_degrees(),
            inv_merc(merc(self.north) - y / k),
        )
    }
}

/// A rectangle of the view's user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn intersects(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }

    pub fn view_box(&self) -> String {
        format!("{:.1} {:.1} {:.1} {:.1}", self.x, self.y, self.w, self.h)
    }
}

/// One unit of the map: a first-level region of a watched country, or a neighbouring country.
#[derive(Debug)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub country: String,
    pub admin1: bool,
    /// Label point (x, y).
    pub label: (f64, f64),
    /// Rings of projected points (outer rings and holes alike: drawn even-odd).
    pub rings: Vec<Vec<(f64, f64)>>,
    pub bounds: Rect,
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum LineKind {
    Admin1,
    Border,
    Coast,
}

#[derive(Debug)]
struct Line {
    kind: LineKind,
    points: Vec<(f64, f64)>,
    bounds: Rect,
}

/// The decoded, projected map (of [`View::SAHEL`]).
#[derive(Debug)]
pub struct BaseMap {
    pub view: View,
    pub units: Vec<Unit>,
    lines: Vec<Line>,
}

#[derive(Deserialize)]
struct Topology {
    arcs: Vec<Vec<[i64; 2]>>,
    transform: Transform,
    objects: HashMap<String, Collection>,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    arcs: serde_json::Value,
    properties: Props,
}

#[derive(Deserialize)]
struct Props {
    id: String,
    name: String,
    country: String,
    level: String,
    lx: f64,
    ly: f64,
}

fn bounds(points: &[(f64, f64)]) -> Rect {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in points {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    }
}

fn union(a: Rect, b: Rect) -> Rect {
    let x = a.x.min(b.x);
    let y = a.y.min(b.y);
    Rect {
        x,
        y,
        w: (a.x + a.w).max(b.x + b.w) - x,
        h: (a.y + a.h).max(b.y + b.h) - y,
    }
}

impl BaseMap {
    /// The embedded map, decoded on first use.
    pub fn get() -> &'static BaseMap {
        static MAP: OnceLock<BaseMap> = OnceLock::new();
        MAP.get_or_init(|| {
            BaseMap::decode(TOPOJSON, View::SAHEL).expect("data/basemap.topojson decodes")
        })
    }

    fn decode(text: &str, view: View) -> anyhow::Result<BaseMap> {
        let topo: Topology = serde_json::from_str(text)?;
        let [sx, sy] = topo.transform.scale;
        let [tx, ty] = topo.transform.translate;
        // arcs: delta-encoded, quantised positions → lon/lat
        let arcs: Vec<Vec<(f64, f64)>> = topo
            .arcs
            .iter()
            .map(|arc| {
                let (mut x, mut y) = (0i64, 0i64);
                arc.iter()
                    .map(|[dx, dy]| {
                        x += dx;
                        y += dy;
                        (x as f64 * sx + tx, y as f64 * sy + ty)
                    })
                    .collect()
            })
            .collect();
        let units_obj = topo
            .objects
            .get("units")
            .ok_or_else(|| anyhow::anyhow!("no object 'units'"))?;
        // which units use each arc
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); arcs.len()];
        let mut units = Vec::new();
        for (ui, g) in units_obj.geometries.iter().enumerate() {
            let polys: Vec<Vec<Vec<i64>>> = match g.kind.as_str() {
                "Polygon" => vec![serde_json::from_value(g.arcs.clone())?],
                "MultiPolygon" => serde_json::from_value(g.arcs.clone())?,
                other => anyhow::bail!("unit {}: geometry {other}", g.properties.id),
            };
            let mut rings = Vec::new();
            for ring in polys.iter().flatten() {
                let mut pts: Vec<(f64, f64)> = Vec::new();
                for &a in ring {
                    let (idx, rev) = if a < 0 {
                        ((!a) as usize, true)
                    } else {
                        (a as usize, false)
                    };
                    let arc = arcs
                        .get(idx)
                        .ok_or_else(|| anyhow::anyhow!("arc {idx} out of range"))?;
                    if !users[idx].contains(&ui) {
                        users[idx].push(ui);
                    }
                    let seq: Box<dyn Iterator<Item = &(f64, f64)>> = if rev {
                        Box::new(arc.iter().rev())
                    } else {
                        Box::new(arc.iter())
                    };
                    for (k, &(lon, lat)) in seq.enumerate() {
                        if k == 0 && !pts.is_empty() {
                            continue;
                        }
                        pts.push(view.project(lon, lat));
                    }
                }
                rings.push(pts);
            }
            let p = &g.properties;
            let b = rings
                .iter()
                .map(|r| bounds(r))
                .reduce(union)
                .unwrap_or(Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 0.0,
                    h: 0.0,
                });
            units.push(Unit {
                id: p.id.clone(),
                name: p.name.clone(),
                country: p.country.clone(),
                admin1: p.level == "admin1",
                label: view.project(p.lx, p.ly),
                rings,
                bounds: b,
            });
        }
        // lines: an arc between two units of one country is a regional border, between two
        // countries a national border, of one unit only a coast (or the clip's edge: dropped)
        let mut lines = Vec::new();
        for (i, arc) in arcs.iter().enumerate() {
            let kind = match users[i].as_slice() {
                [] => continue,
                [_] => {
                    let on_edge = arc.iter().all(|&(lon, lat)| {
                        lon <= -18.99 || lon >= 25.99 || lat <= 6.51 || lat >= 28.49
                    });
                    if on_edge {
                        continue;
                    }
                    LineKind::Coast
                }
                [a, b, ..] if units[*a].country == units[*b].country => LineKind::Admin1,
                _ => LineKind::Border,
            };
            let points: Vec<(f64, f64)> = arc
                .iter()
                .map(|&(lon, lat)| view.project(lon, lat))
                .collect();
            lines.push(Line {
                kind,
                bounds: bounds(&points),
                points,
            });
        }
        Ok(BaseMap { view, units, lines })
    }

    /// The whole view as a rectangle.
    pub fn frame(&self) -> Rect {
        Rect {
            x: 0.0,
            y: 0.0,
            w: self.view.width,
            h: self.view.height(),
        }
    }

    /// SVG elements (fills, lines, labels) of what lies in `area`, strokes sized for `px`
    /// user units per screen pixel, text `text` times larger. `fills`: land colours (false
    /// over tiles).
    pub fn draw(&self, area: &Rect, px: f64, text: f64, fills: bool) -> String {
        let tpx = px * text;
        let mut s = String::new();
        if fills {
            s.push_str("<g class=\"bm-land\">");
            for u in self.units.iter().filter(|u| u.bounds.intersects(area)) {
                let _ = write!(
                    s,
                    "<path fill=\"{}\" fill-rule=\"evenodd\" d=\"{}\"/>",
                    if u.admin1 { "#f5f0e3" } else { "#e5e5e1" },
                    path(&u.rings, true)
                );
            }
            s.push_str("</g>");
        }
        for (kind, colour, width) in [
            (LineKind::Coast, "#7d9db1", 0.8),
            (LineKind::Admin1, "#b5aa90", 0.6),
            (LineKind::Border, "#5f5a50", 1.3),
        ] {
            let _ = write!(
                s,
                "<g fill=\"none\" stroke=\"{colour}\" stroke-width=\"{:.2}\" stroke-linejoin=\"round\">",
                width * px
            );
            for l in self
                .lines
                .iter()
                .filter(|l| l.kind == kind && l.bounds.intersects(area))
            {
                let _ = write!(
                    s,
                    "<path d=\"{}\"/>",
                    path(std::slice::from_ref(&l.points), false)
                );
            }
            s.push_str("</g>");
        }
        // labels: regions of the five countries, neighbours, the five countries, capitals
        let _ = write!(
            s,
            "<g font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#77705f\" font-size=\"{:.2}\">",
            6.5 * tpx
        );
        for u in self.units.iter().filter(|u| {
            u.admin1 && !CAPITAL_UNITS.contains(&u.id.as_str()) && inside(area, u.label, 0.0)
        }) {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                u.label.0,
                u.label.1,
                xml_escape(&u.name)
            );
        }
        s.push_str("</g>");
        let _ = write!(
            s,
            "<g font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#8d8d86\" font-size=\"{:.2}\" font-style=\"italic\">",
            8.0 * tpx
        );
        let frame = self.frame();
        for u in self.units.iter().filter(|u| {
            !u.admin1 && inside(area, u.label, 20.0 * tpx) && inside(&frame, u.label, 20.0)
        }) {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                u.label.0,
                u.label.1,
                xml_escape(&u.name)
            );
        }
        s.push_str("</g>");
        let _ = write!(
            s,
            "<g font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#a0927a\" fill-opacity=\"0.75\" font-weight=\"bold\" letter-spacing=\"{:.2}\">",
            2.0 * tpx
        );
        for (_, name, lat, lon, size) in COUNTRY_LABELS {
            let p = self.view.project(lon, lat);
            if inside(area, p, 0.0) {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{:.2}\">{name}</text>",
                    p.0,
                    p.1,
                    size * tpx
                );
            }
        }
        s.push_str("</g>");
        let _ = write!(
            s,
            "<g font-family=\"sans-serif\" fill=\"#333\" font-size=\"{:.2}\">",
            7.0 * tpx
        );
        for (name, lat, lon) in CAPITALS {
            let (x, y) = self.view.project(lon, lat);
            if inside(area, (x, y), 0.0) {
                let r = 1.8 * px;
                let _ = write!(
                    s,
                    "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    x - r,
                    y - r,
                    2.0 * r,
                    2.0 * r,
                    x + 3.0 * tpx,
                    y - 2.5 * tpx,
                    xml_escape(name)
                );
            }
        }
        s.push_str("</g>");
        s
    }

    /// `/static/basemap.svg`: the whole view as a standalone SVG document (presentation
    /// attributes only: no style sheet, no script).
    pub fn svg_document(&self, fills: bool) -> String {
        let f = self.frame();
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{}\" width=\"{:.0}\" height=\"{:.0}\">",
            f.view_box(),
            f.w,
            f.h
        );
        if fills {
            let _ = write!(
                s,
                "<rect width=\"{:.0}\" height=\"{:.0}\" fill=\"#d7e6ee\"/>",
                f.w, f.h
            );
        }
        s.push_str(&self.draw(&f, 1.0, 1.0, fills));
        s.push_str("</svg>\n");
        s
    }

    /// The units of `country` (ISO alpha-2) or, with `region`, the one region whose name
    /// folds to the same letters (accents, case and punctuation ignored).
    pub fn units_of(&self, country: &str, region: Option<&str>) -> Vec<&Unit> {
        let c = country.to_ascii_uppercase();
        self.units
            .iter()
            .filter(|u| u.country == c)
            .filter(|u| region.is_none_or(|r| fold(&u.name) == fold(r)))
            .collect()
    }

    /// An outline path of units (for the filter's highlight).
    pub fn outline(units: &[&Unit]) -> String {
        units
            .iter()
            .map(|u| path(&u.rings, true))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Is `p` inside `r`, `margin` in from its edges?
fn inside(r: &Rect, p: (f64, f64), margin: f64) -> bool {
    p.0 >= r.x + margin
        && p.0 <= r.x + r.w - margin
        && p.1 >= r.y + margin
        && p.1 <= r.y + r.h - margin
}

/// SVG path data of rings (closed) or lines: on a grid of a tenth of a unit, relative
/// moves after the first point, numbers as short as SVG allows ("-.3", "12").
fn path(rings: &[Vec<(f64, f64)>], closed: bool) -> String {
    let mut s = String::new();
    for r in rings {
        let mut last: Option<(i64, i64)> = None;
        for &(x, y) in r {
            let p = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
            match last {
                None => {
                    s.push('M');
                    push_num(&mut s, p.0);
                    push_num(&mut s, p.1);
                    s.push('l');
                }
                Some(q) if q == p => continue,
                Some(q) => {
                    push_num(&mut s, p.0 - q.0);
                    push_num(&mut s, p.1 - q.1);
                }
            }
            last = Some(p);
        }
        if s.ends_with('l') {
            s.pop();
        }
        if closed {
            s.push('z');
        }
    }
    s
}

/// Append a number of tenths, separated from what precedes when needed.
fn push_num(s: &mut String, tenths: i64) {
    let neg = tenths < 0;
    let a = tenths.unsigned_abs();
    let (int, frac) = (a / 10, a % 10);
    let text = match (int, frac) {
        (i, 0) => i.to_string(),
        (0, f) => format!(".{f}"),
        (i, f) => format!("{i}.{f}"),
    };
    let last = s.chars().last();
    if neg {
        s.push('-');
    } else if last.is_some_and(|c| c.is_ascii_digit() || c == '.') {
        // "1.5" then ".5" would read as "1.5.5": two numbers, but keep it plain
        s.push(' ');
    }
    s.push_str(&text);
}

/// Lower-case ASCII letters and digits only ("Tillabéri" → "tillaberi").
pub fn fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' | 'Ä' | 'Á' => 'a',
                'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
                'î' | 'ï' | 'í' | 'Î' | 'Ï' => 'i',
                'ô' | 'ö' | 'ó' | 'Ô' | 'Ö' => 'o',
                'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' => 'u',
                'ç' | 'Ç' => 'c',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

/// Text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A tile of a slippy-map tile set over the view: its URL and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub url: String,
    pub rect: Rect,
}

/// The tiles of zoom `z` covering `area` of `view`, from a `{z}/{x}/{y}` template.
pub fn tiles(view: &View, area: &Rect, z: u8, template: &str) -> Vec<Tile> {
    let n = 1u32 << z;
    let nf = n as f64;
    let (w, n_lat) = view.unproject(area.x, area.y);
    let (e, s_lat) = view.unproject(area.x + area.w, area.y + area.h);
    let tx = |lon: f64| (((lon + 180.0) / 360.0 * nf).floor() as i64).clamp(0, n as i64 - 1);
    let ty = |lat: f64| {
        let y = (1.0 - merc(lat) / PI) / 2.0 * nf;
        (y.floor() as i64).clamp(0, n as i64 - 1)
    };
    let lon_of = |x: i64| x as f64 / nf * 360.0 - 180.0;
    let lat_of = |y: i64| inv_merc(PI * (1.0 - 2.0 * y as f64 / nf));
    let mut out = Vec::new();
    for y in ty(n_lat)..=ty(s_lat) {
        for x in tx(w)..=tx(e) {
            let (x0, y0) = view.project(lon_of(x), lat_of(y));
            let (x1, y1) = view.project(lon_of(x + 1), lat_of(y + 1));
            out.push(Tile {
                url: template
                    .replace("{z}", &z.to_string())
                    .replace("{x}", &x.to_string())
                    .replace("{y}", &y.to_string()),
                rect: Rect {
                    x: x0,
                    y: y0,
                    w: x1 - x0,
                    h: y1 - y0,
                },
            });
        }
    }
    out
}

/// The tile zoom whose pixels are about the size of the screen's over `area` drawn `px_wide`
/// pixels wide.
pub fn tile_zoom(view: &View, area: &Rect, px_wide: f64) -> u8 {
    let deg = area.w / view.width * (view.east - view.west);
    // 256 · 2^z pixels for 360°
    let z = (px_wide * 360.0 / deg / 256.0).log2().round();
    z.clamp(1.0, 14.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_round_trips_and_keeps_north_up() {
        let v = View::SAHEL;
        let (x, y) = v.project(2.11, 13.51);
        let (lon, lat) = v.unproject(x, y);
        assert!((lon - 2.11).abs() < 1e-9 && (lat - 13.51).abs() < 1e-9);
        assert_eq!(v.project(-18.0, 27.5), (0.0, 0.0));
        let (x, y) = v.project(25.0, 8.0);
        assert!((x - 1000.0).abs() < 1e-9 && (y - v.height()).abs() < 1e-9);
        // Web Mercator: 19.5° of latitude here are about 480 units for 43° of longitude
        assert!((470.0..490.0).contains(&v.height()), "{}", v.height());
    }

    #[test]
    fn the_embedded_map_has_the_regions_of_the_five_countries_and_their_neighbours() {
        let m = BaseMap::get();
        let regions = |c: &str| m.units_of(c, None).len();
        assert_eq!(regions("BF"), 13, "Burkina Faso's 13 regions");
        assert_eq!(regions("NE"), 8);
        assert_eq!(regions("ML"), 9);
        assert_eq!(regions("MR"), 13);
        assert_eq!(regions("TD"), 22, "Natural Earth has one Ennedi");
        for c in [
            "SN", "GN", "CI", "GH", "TG", "BJ", "NG", "CM", "DZ", "LY", "SD",
        ] {
            assert_eq!(regions(c), 1, "{c} as a whole");
        }
        assert_eq!(
            m.units_of("NE", Some("Tillaberi")).len(),
            1,
            "accents folded"
        );
        let f = m.frame();
        // Niamey's region contains the capital's point, more or less
        let niamey = m.units_of("NE", Some("Niamey"))[0];
        let (x, y) = m.view.project(2.11, 13.51);
        let b = niamey.bounds;
        assert!(x > b.x && x < b.x + b.w && y > b.y && y < b.y + b.h);
        let lines = |k| m.lines.iter().filter(|l| l.kind == k).count();
        assert!(lines(LineKind::Border) > 20 && lines(LineKind::Admin1) > 50);
        assert!(lines(LineKind::Coast) > 0, "the Atlantic coast");
        let svg = m.svg_document(true);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(">Tillabéri</text>") && svg.contains(">Ouagadougou</text>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(svg.len() < 400_000, "{} bytes", svg.len());
        assert!(f.h > 0.0);
    }

    #[test]
    fn a_small_area_draws_only_what_lies_in_it() {
        let m = BaseMap::get();
        let (x, y) = m.view.project(1.0, 14.0); // near Teguey, Niger
        let area = Rect {
            x: x - 30.0,
            y: y - 20.0,
            w: 60.0,
            h: 40.0,
        };
        let near = m.draw(&area, 0.2, 1.5, true);
        let all = m.draw(&m.frame(), 1.0, 1.0, true);
        assert!(
            near.len() * 3 < all.len(),
            "{} vs {}",
            near.len(),
            all.len()
        );
        assert!(near.contains(">Tillabéri</text>"));
        assert!(!near.contains(">Kanem</text>"), "Chad's Kanem is far away");
    }

    #[test]
    fn paths_are_short_and_exact() {
        let pts = vec![
            (1.0, 2.0),
            (1.25, 1.96),
            (0.5, 2.0),
            (0.5, 2.0),
            (10.0, 20.0),
        ];
        assert_eq!(path(&[pts], true), "M1 2l.3 0-.8 0 9.5 18z");
        assert_eq!(path(&[vec![(-1.0, 0.5)]], false), "M-1 .5");
    }

    #[test]
    fn tiles_cover_the_view_where_the_projection_puts_them() {
        let v = View::SAHEL;
        let f = Rect {
            x: 0.0,
            y: 0.0,
            w: v.width,
            h: v.height(),
        };
        let z = tile_zoom(&v, &f, 1000.0);
        assert_eq!(z, 5);
        let t = tiles(&v, &f, z, "https://t.example/{z}/{x}/{y}.png");
        // lon −18…25 at zoom 5 is columns 14…18; lat 27.5…8 rows 13…15
        assert_eq!(t.len(), 5 * 3, "{t:?}");
        assert_eq!(t[0].url, "https://t.example/5/14/13.png");
        let tile = &t[0];
        // tile 14 starts at lon −22.5, tile row 13 at lat 31.95: left of and above the view
        assert!(tile.rect.x < 0.0 && tile.rect.y < 0.0);
        assert!((tile.rect.w - v.width * 11.25 / 43.0).abs() < 1e-6);
    }
}
