#!/usr/bin/env bash
# The main job: build, then run the daemon.
#  - Where the feeds of config/sahel-watch.toml are reachable: the daemon on it, state in
#    ./state, alerts in the log, until Ctrl-C.
#  - Offline (or SAHEL_WATCH_OFFLINE=1): the same daemon on a demo configuration whose feeds
#    are the bundled sample feeds (file:// URLs), with the HTTP endpoint up and alerts in the
#    log. It says "N alerts for M incidents" and where to look, then runs until Ctrl-C
#    (SAHEL_WATCH_DEMO_SECONDS=N: it stops by itself after N more seconds).
# Settings: SAHEL_WATCH_DEMO_LISTEN (default 127.0.0.1:9464), SAHEL_WATCH_STATE (default
# ./state), SAHEL_WATCH_BIN (a built binary: no build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${SAHEL_WATCH_BIN:-}" ]; then
  bin=$SAHEL_WATCH_BIN
else
  cargo build --release --locked
  bin=$PWD/target/release/sahel-watch
fi
config=config/sahel-watch.toml
state=${SAHEL_WATCH_STATE:-$PWD/state}
"$bin" check-config "$config" >/dev/null

# Is any feed of the default config reachable? (one HEAD request, 8 seconds at most)
first_feed=$(grep -m1 -E '^url = "https?://' "$config" | sed -E 's/^url = "(.*)"/\1/')
if [ "${SAHEL_WATCH_OFFLINE:-}" != "1" ] && command -v curl >/dev/null \
   && curl -fsS -o /dev/null --max-time 8 -I "$first_feed" 2>/dev/null; then
  echo "feeds reachable: running the daemon on $config (state in $state; Ctrl-C stops it)" >&2
  echo "look at http://127.0.0.1:9464/incidents, /metrics, /healthz; $bin feeds --config $config --state-dir $state" >&2
  exec "$bin" run --config "$config" --state-dir "$state"
fi

echo "no feed reachable ($first_feed): running the daemon on the bundled sample feeds" >&2
demo=$state/demo
rm -rf "$demo"
mkdir -p "$demo"
listen=${SAHEL_WATCH_DEMO_LISTEN:-127.0.0.1:9464}
demo_config=$demo/demo.toml
cat > "$demo_config" <<TOML
# written by scripts/main.sh: the daemon on the bundled sample feeds
[daemon]
state_dir = "$demo"
listen = "$listen"
log_format = "text"
# the sample stories are not from today: alert them all, first poll included
max_story_age = "36500d"
first_poll_max_age = "36500d"

[[watchlist]]
name = "demo"
channels = ["log"]
TOML
feeds=0
for f in samples/feeds/*; do
  name=$(basename "$f")
  printf '\n[[feed]]\nname = "%s"\nurl = "file://%s"\ninterval = "1m"\n' "${name%.*}" "$PWD/$f" >> "$demo_config"
  feeds=$((feeds + 1))
done
"$bin" check-config "$demo_config" >/dev/null

log=$demo/daemon.log
"$bin" run --config "$demo_config" 2> >(tee "$log" >&2) &
pid=$!
stop() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM

# every sample feed read once and its alerts delivered (60 s at most)
for _ in $(seq 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the daemon stopped; its log is in $log" >&2
    exit 1
  fi
  read_feeds=$("$bin" feeds --config "$demo_config" --json 2>/dev/null | grep -c '"last_success": "' || true)
  if [ "$read_feeds" -ge "$feeds" ]; then
    sleep 1
    break
  fi
  sleep 0.5
done
alerts=$(grep -c 'sahel_watch::alert: ALERT ' "$log" || true)
incidents=$(grep 'sahel_watch::alert: ALERT ' "$log" | grep -o 'incident=[^ ]*' | sort -u | wc -l)
plural() { if [ "$1" = 1 ]; then echo "$1 $2"; else echo "$1 $2s"; fi; }
cat >&2 <<TEXT

sahel-watch is running on the $feeds bundled sample feeds: $(plural "$alerts" alert) for $(plural "$incidents" incident) (the ALERT lines above; the log is in $log).
look at:  http://$listen/incidents  http://$listen/incidents.atom  http://$listen/incidents.geojson
          http://$listen/metrics  http://$listen/healthz
          $bin incidents --config $demo_config
          $bin feeds --config $demo_config
Ctrl-C stops it.
TEXT
if [ -n "${SAHEL_WATCH_DEMO_SECONDS:-}" ]; then
  sleep "$SAHEL_WATCH_DEMO_SECONDS"
  stop
  exit 0
fi
wait "$pid"
