#!/usr/bin/env bash
# Scans a directory tree (or a git history) with the release binary; prints MB/s and peak RSS.
#
# Usage: benches/throughput.sh [DIR] [RUNS]
#        benches/throughput.sh --git REPO [RUNS]
#   DIR   the tree to scan (default: a fixed copy of the crate sources under
#         ~/.cargo/registry/src, made once at /tmp/leakscan-corpus/crates)
#   REPO  a repository to scan as full history (`leakscan git`); MB/s counts the bytes of
#         unique blobs scanned (e.g. one made by benches/gen_git_history.py)
#   RUNS  how many timed runs after one warm-up run (default 3); the median is reported
#
# The input is read once first so that every timed run measures a warm page cache.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=scan
if [ "${1:-}" = "--git" ]; then
  mode=git
  shift
fi
target=${1:-}
runs=${2:-3}
if [ -z "$target" ]; then
  [ "$mode" = scan ] || { echo "usage: $0 --git REPO [RUNS]" >&2; exit 2; }
  target=/tmp/leakscan-corpus/crates
  if [ ! -d "$target" ]; then
    src=$(ls -d "$HOME"/.cargo/registry/src/*/ | head -n 1)
    mkdir -p "$target"
    cp -r "$src". "$target"/
  fi
fi

cargo build --release --quiet -p leakscan
bin=target/release/leakscan
out=$(mktemp --suffix=.json)
trap 'rm -f "$out"' EXIT
if [ "$mode" = scan ]; then
  args=(scan --no-progress --no-ignore -f json -o "$out" "$target")
else
  args=(git --no-progress -f json -o "$out" "$target")
fi

"$bin" "${args[@]}" || true   # warm-up
bytes=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"]["bytes"])' "$out")
echo "corpus: $target ($mode, $((bytes / 1000000)) MB scanned per run)"
results=()
for i in $(seq "$runs"); do
  log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$bin" "${args[@]}" || true
  read -r secs rss_kb < <(tail -n 1 "$log")
  rm -f "$log"
  mbps=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }')
  echo "run $i: ${secs}s  ${mbps} MB/s  peak RSS $((rss_kb / 1024)) MiB"
  results+=("$mbps")
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
summary=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["stats"]; print(s["blobs"], "blobs,", s["findings"], "findings,", s["suppressed"], "suppressed,", s["errors"], "errors")' "$out")
echo "median: ${median} MB/s over $runs runs (start-up included); $summary"
