#!/usr/bin/env bash
# Scans a directory tree with the release binary and prints MB/s and peak RSS.
#
# Usage: benches/throughput.sh [DIR] [RUNS]
#   DIR   the tree to scan (default: a fixed copy of the crate sources under
#         ~/.cargo/registry/src, made once at /tmp/leakscan-corpus/crates)
#   RUNS  how many timed runs after one warm-up run (default 3); the median is reported
#
# The tree is read once first so that every timed run measures a warm page cache.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-}
runs=${2:-3}
if [ -z "$dir" ]; then
  dir=/tmp/leakscan-corpus/crates
  if [ ! -d "$dir" ]; then
    src=$(ls -d "$HOME"/.cargo/registry/src/*/ | head -n 1)
    mkdir -p "$dir"
    cp -r "$src". "$dir"/
  fi
fi

cargo build --release --quiet -p scanner-cli
bin=target/release/leakscan
bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
files=$(find "$dir" -type f | wc -l)
echo "corpus: $dir ($files files, $((bytes / 1000000)) MB)"

"$bin" scan --no-progress --no-ignore -f json "$dir" > /dev/null || true   # warm-up
results=()
for i in $(seq "$runs"); do
  log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$bin" scan --no-progress --no-ignore -f json -o /tmp/leakscan-bench.json "$dir" || true
  read -r secs rss_kb < "$log"
  rm -f "$log"
  mbps=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }')
  echo "run $i: ${secs}s  ${mbps} MB/s  peak RSS $((rss_kb / 1024)) MiB"
  results+=("$mbps")
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
findings=$(python3 -c 'import json; d = json.load(open("/tmp/leakscan-bench.json")); print(d["stats"]["findings"], "findings,", d["stats"]["suppressed"], "suppressed")')
echo "median: ${median} MB/s over $runs runs (start-up included); $findings"
