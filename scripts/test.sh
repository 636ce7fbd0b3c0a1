#!/usr/bin/env bash
# The tests: install what they need, then run every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# The delivery tests run a real SMTP server (the mailin crate) and HTTP receivers in-process,
# the daemon tests a feed server: all on 127.0.0.1, nothing to install for them. The browser
# test screenshots each view of the web page into target/web-screenshots/.
# A C compiler: the bundled SQLite and the TLS library are built from C.
if ! command -v cc >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential >/dev/null
  else
    echo "error: no C compiler (cc); install it with: sudo apt-get install build-essential" >&2
    exit 1
  fi
fi
# The labelled corpus and GeoNames dumps some tests use: skipped with a message where absent,
# an error under CI.
for d in ../shared/corpus/dev ../shared/geonames; do
  if [ ! -d "$d" ]; then
    if [ "${CI:-}" = "true" ]; then
      echo "error: $d not found (CI=true: the tests that need ../shared must run)" >&2
      exit 1
    fi
    echo "note: $d not found: the tests that need it are skipped" >&2
  fi
done
# systemd-analyze, to verify the service unit.
if ! command -v systemd-analyze >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null) \
      || echo "warning: could not install systemd; the unit check is skipped" >&2
  else
    echo "warning: systemd-analyze missing and not root; the unit check is skipped" >&2
  fi
fi

# Chromium, for the web page's test in a real browser (tests/web_browser.rs): Debian's package,
# driven headless over a pipe; skipped with a message where absent (an error under CI).
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; the browser test cannot run" >&2
  else
    echo "warning: chromium missing and not root (sudo apt-get install chromium); the browser test is skipped" >&2
  fi
fi

# xmllint and the official CAP 1.2 schema (CAP documents are validated against it), and a
# Matrix homeserver (Synapse) for the Matrix channel's test: scripts/test-tools.sh puts them in
# target/test-tools; the tests that need them skip with a message where absent (an error under CI).
if ! ./scripts/test-tools.sh; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: scripts/test-tools.sh could not install what the CAP and Matrix tests need" >&2
    exit 1
  fi
  echo "warning: some test tools are missing; the tests that need them are skipped" >&2
fi

# PostgreSQL (Debian's package, installed when missing as root), for the store's tests on
# PostgreSQL and the two-daemon fail-over test: a throw-away cluster on a free port of
# 127.0.0.1, in a temporary directory, removed on exit (scripts/pg-test.sh). Without it those
# tests skip with a message (an error under CI).
if pg_env=$(./scripts/pg-test.sh start); then
  eval "$pg_env"
  trap './scripts/pg-test.sh stop "$SAHEL_TEST_PG_DIR"' EXIT
else
  if [ "${CI:-}" = "true" ]; then
    echo "error: could not start a PostgreSQL test cluster (scripts/pg-test.sh)" >&2
    exit 1
  fi
  echo "warning: no PostgreSQL test cluster; the PostgreSQL tests are skipped" >&2
fi

cargo test --workspace --locked "$@"

if command -v systemd-analyze >/dev/null && [ -x deploy/verify-unit.sh ]; then
  cargo build --release --locked
  deploy/verify-unit.sh "$PWD/target/release/sahel-watch"
fi
