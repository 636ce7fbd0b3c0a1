#!/usr/bin/env bash
# Fuzz the parsers that read strangers' bytes, with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each target (default: feed_bytes classify) for SECONDS (default 60)
# with -max_len=65536 and a 1 s per-input timeout. Seeds come from
# fuzz/corpus/<target>/ (kept small, in the repository); what the fuzzer
# learns goes to fuzz/work/corpus/<target>/ (ignored by git), crashes and
# slow inputs to fuzz/artifacts/<target>/. Exits non-zero on the first
# finding; reproduce it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
#
# cargo-fuzz needs nightly compiler flags. On a stable toolchain they are
# unlocked with RUSTC_BOOTSTRAP=1 (what this script does); AddressSanitizer
# works there on x86_64 Linux. If the sanitizer runtime is missing, run with
# FUZZ_SANITIZER=none. FUZZ_TOOLCHAIN=+nightly uses a nightly toolchain
# instead. FUZZ_ARGS adds libFuzzer options (e.g. FUZZ_ARGS=-len_control=0
# tries long inputs from the start). Not part of `cargo test`.
set -euo pipefail

secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(feed_bytes classify)
fi
sanitizer="${FUZZ_SANITIZER:-address}"
toolchain="${FUZZ_TOOLCHAIN:-}"

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
# a separate target directory: sanitizer builds never mix with the normal ones
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$root/fuzz/target}"

for t in "${targets[@]}"; do
    work="fuzz/work/corpus/$t"
    mkdir -p "$work" "fuzz/artifacts/$t"
    echo "fuzz.sh: $t for ${secs}s (sanitizer: $sanitizer)" >&2
    # shellcheck disable=SC2086
    cargo $toolchain fuzz run --sanitizer "$sanitizer" "$t" "$work" "fuzz/corpus/$t" -- \
        -max_len=65536 -timeout=1 -rss_limit_mb=2048 -max_total_time="$secs" \
        -print_final_stats=1 ${FUZZ_ARGS:-}
done
echo "fuzz.sh: no crash, panic or slow input found" >&2
