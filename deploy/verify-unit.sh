#!/usr/bin/env bash
# Check deploy/sahel-watch.service the way CI does, without installing anything.
#
# usage: deploy/verify-unit.sh PATH/TO/sahel-watch [UNIT_FILE]
#
# `systemd-analyze verify` insists that ExecStart's binary exists, so this
# copies the unit into a temporary directory with ExecStart pointing at the
# given (already built) binary, then runs:
#   systemd-analyze verify <copy>            (fails the script on any error)
#   systemd-analyze security --offline=yes <copy>   (prints the exposure score)
# Builds nothing. Exit status: 0 when verify passes, 1 otherwise.
set -euo pipefail

die() { echo "verify-unit: $*" >&2; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 PATH/TO/sahel-watch [UNIT_FILE]"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
unit_src=${2:-$here/sahel-watch.service}
bin=$1

command -v systemd-analyze >/dev/null || die "systemd-analyze not found (apt-get install systemd)"
[[ -f $unit_src ]] || die "no unit file at $unit_src"
[[ -x $bin ]] || die "$bin is not an executable file (build it first: cargo build --release)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
case $bin in
    *[[:space:]]*) die "the binary path must not contain spaces: $bin" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy=$tmp/sahel-watch.service

# Rewrite the binary of ExecStart only; the arguments stay as installed.
sed -E "s|^ExecStart=[^ ]+|ExecStart=$bin|" "$unit_src" >"$copy"
grep -q "^ExecStart=$bin " "$copy" || die "no ExecStart= line to rewrite in $unit_src"

echo "== systemd-analyze verify ($(systemd-analyze --version | head -n1))"
# verify prints problems on stderr but may exit 0 for some of them: fail on both.
if ! out=$(systemd-analyze verify "$copy" 2>&1); then
    printf '%s\n' "$out" >&2
    die "systemd-analyze verify failed"
fi
# Lines about other units (the host's own, seen through Wants=/After=) are not ours.
ours=$(printf '%s\n' "$out" | grep -F "sahel-watch" || true)
if [[ -n $ours ]]; then
    printf '%s\n' "$ours" >&2
    die "systemd-analyze verify reported problems"
fi
[[ -z $out ]] || printf '(about other units, ignored)\n%s\n' "$out"
echo "verify: OK"

echo "== systemd-analyze security --offline=yes"
# security exits non-zero only with --threshold; the score is information.
sec=$(systemd-analyze security --offline=yes "$copy" 2>&1) || true
printf '%s\n' "$sec"
score=$(printf '%s\n' "$sec" | grep -E 'Overall exposure level' | tail -n1 || true)
[[ -n $score ]] || die "systemd-analyze security printed no exposure score"
echo "exposure: ${score#*: }"
