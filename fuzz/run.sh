#!/usr/bin/env bash
# Runs every fuzz target for the given number of seconds each (default 60), starting from the
# committed seeds (seeds/<target>, from the known vectors) plus whatever earlier runs found
# (corpus/<target>, ignored by git). Needs the nightly toolchain and cargo-fuzz.
#
# Then a second pass over the readers that run before the signature, with inputs as large as
# a service accepts (1 MiB, the endpoint's default body limit), from the hostile bodies of
# tests/common/hostile.rs (written by make_seeds.py --large into large-seeds/, ignored by git),
# and a cap on any single allocation (16 MiB: no allocation sized by the sender).
#   fuzz/run.sh 30            # each target 30 s, then each reader 30 s with large inputs
#   fuzz/run.sh 3600 decrypt  # one target for an hour (no large pass)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decrypt decrypt_frame xml_decrypt json_decrypt round_trip query xml_canonical json_canonical message endpoint)
check_artifacts() {
  # cargo fuzz run exits non-zero on a crash; the pipe hides that, so check artifacts.
  if compgen -G "artifacts/$1/*" >/dev/null; then
    echo "fuzz target $1 found a failing input:" >&2
    ls "artifacts/$1" >&2
    exit 1
  fi
}
# -a: debug assertions on, so that a broken invariant (a debug_assert!) fails the run.
cargo +nightly fuzz build -a
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "=== fuzz $target for ${seconds}s"
  cargo +nightly fuzz run -a "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 2>&1 \
    | grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|panicked|thread)" || true
  check_artifacts "$target"
done
if [ $# -eq 0 ]; then
  python3 make_seeds.py --large large-seeds >/dev/null
  for target in xml_decrypt xml_canonical message endpoint json_decrypt json_canonical; do
    mkdir -p "corpus-large/$target"
    echo "=== fuzz $target for ${seconds}s with inputs up to 1 MiB"
    cargo +nightly fuzz run -a "$target" "corpus-large/$target" "large-seeds/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=16 -max_len=1048576 \
      -len_control=0 -print_final_stats=1 2>&1 \
      | grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|panicked|thread)" || true
    check_artifacts "$target"
  done
fi
echo "fuzzing: every target ran ${seconds}s without a failure"
