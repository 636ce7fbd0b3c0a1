#!/usr/bin/env bash
# Scores the engine on the real-text sets (see QUALITY.md).
#
#   quality/run.sh news [SET...]   rebuild each news set from its raw excerpts and labels,
#                                  replay it, score it (score.py's summary line per set)
#   quality/run.sh acled           the ACLED-notes check on events of 2018 and before
#
# The article excerpts and ACLED's notes are never in this repository: a news set's raw
# excerpts live in $REALSETS/<set>/raw (the search tool's `pages` corpus, one block per URL
# of quality/<set>/labels.json; see quality/README.md), ACLED's data in a local copy of the
# public repository alegalli/conflictSahel ($ACLED_MIRROR, its git directory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$root/../shared}
realsets=${REALSETS:-/work/realsets}
bin=${SW_BIN:-$root/target/release/sahel-watch}
[ -x "$bin" ] || (cd "$root" && cargo build --release --locked -q)

what=${1:-news}; shift || true
case "$what" in
news)
  sets=("$@")
  [ ${#sets[@]} -gt 0 ] || sets=($(cd "$root/quality" && ls -d news-* | sort))
  for s in "${sets[@]}"; do
    raw=$realsets/$s/raw out=$realsets/$s/corpus
    if [ ! -d "$raw" ]; then echo "$s: no raw excerpts in $raw (see quality/README.md)"; continue; fi
    rm -rf "$out"
    python3 "$shared/tools/build_real_corpus.py" "$raw" "$out" --labels "$root/quality/$s/labels.json" >/dev/null
    "$bin" replay "$out"/feeds/*.xml > "$realsets/$s/alerts.jsonl" 2>"$realsets/$s/replay.log"
    # score.py breaks ties between a system incident's gold incidents in set order, which
    # moves with Python's string hashing: one seed, the same line for the same alerts
    PYTHONHASHSEED=0 python3 "$shared/tools/score.py" "$out" "$realsets/$s/alerts.jsonl" > "$realsets/$s/score.txt"
    echo "$s: $(tail -n 1 "$realsets/$s/score.txt")"
  done ;;
acled)
  : "${ACLED_MIRROR:?set ACLED_MIRROR to the git directory of a copy of alegalli/conflictSahel}"
  export ACLED_MIRROR SW_BIN=$bin SW_GAZ=$root/crates/sahel-nlp/data/gazetteer.tsv
  export ACLED_OUT=${ACLED_OUT:-$realsets/acled}
  bash "$shared/tools/acled/run.sh" >/dev/null
  sed -n '1,40p' "$ACLED_OUT/report.md" ;;
*) echo "usage: quality/run.sh news [SET...] | acled" >&2; exit 2 ;;
esac
