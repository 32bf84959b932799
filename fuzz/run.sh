#!/usr/bin/env bash
# Runs every fuzz target for the given number of seconds each (default 60), starting from the
# committed seeds (seeds/<target>, from the known vectors) plus whatever earlier runs found
# (corpus/<target>, ignored by git). Needs the nightly toolchain and cargo-fuzz.
#   fuzz/run.sh 30            # each target 30 s
#   fuzz/run.sh 3600 decrypt  # one target for an hour
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decrypt decrypt_frame xml_decrypt json_decrypt round_trip query xml_canonical json_canonical message)
# -a: debug assertions on, so that a broken invariant (a debug_assert!) fails the run.
cargo +nightly fuzz build -a
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "=== fuzz $target for ${seconds}s"
  cargo +nightly fuzz run -a "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 2>&1 \
    | grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|panicked|thread)" || true
  # cargo fuzz run exits non-zero on a crash; the pipe above hides that, so check artifacts.
  if compgen -G "artifacts/$target/*" >/dev/null; then
    echo "fuzz target $target found a failing input:" >&2
    ls "artifacts/$target" >&2
    exit 1
  fi
done
echo "fuzzing: every target ran ${seconds}s without a failure"
