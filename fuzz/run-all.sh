#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), one after another, at the lowest CPU
# priority, and prints a summary: executions, corpus size and crashes per target.
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]
#
# Needs `cargo install cargo-fuzz`. Works on the stable toolchain (RUSTC_BOOTSTRAP=1 unlocks
# the sanitizer flags). Seeds come from fuzz/make-seeds.py; the growing corpus stays in
# fuzz/corpus/<target>/ and crashes in fuzz/artifacts/<target>/ (neither is committed).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(rules_toml archive_expand image_layout git_object detector config_checks keyword_filter)
fi
export RUSTC_BOOTSTRAP=1
python3 make-seeds.py >/dev/null
nice -n 19 cargo fuzz build
mkdir -p logs
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  start=$(date +%s)
  extra=()
  asan="${ASAN_OPTIONS:-}"
  # Each history scan builds a rayon pool whose threads exit asynchronously after it is
  # dropped: LeakSanitizer reports their thread handles and glibc thread-exit lists (96-144
  # bytes, not reproducible by replaying the input; memory stays flat), so leak checks are
  # off for this target only.
  if [ "$t" = git_object ]; then extra=(-detect_leaks=0); asan="detect_leaks=0${asan:+:$asan}"; fi
  # One process: a crash stops the target (its input is kept in artifacts/).
  ASAN_OPTIONS="$asan" nice -n 19 cargo fuzz run "$t" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=30 -print_final_stats=1 "${extra[@]}" >"logs/$t.log" 2>&1 || true
  took=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  corpus=$(find "corpus/$t" -type f | wc -l)
  after=$(find "artifacts/$t" -type f | wc -l)
  summary+=("$(printf '%-15s %6ss %12s execs %6s corpus files %3s new artifacts' "$t" "$took" "$execs" "$corpus" "$((after - before))")")
done
echo
printf '%s\n' "${summary[@]}"
echo "(logs in fuzz/logs/; a new artifact is a crash, timeout or OOM: see its log)"
