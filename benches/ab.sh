#!/usr/bin/env bash
# Compares two leakscan binaries on one corpus in one run: timed runs alternate A, B, A, B…
# (so both see the same machine load), then the median MB/s and peak RSS of each and B/A.
# Used for "no change in throughput or memory" claims (before/after a refactor).
#
# Usage: benches/ab.sh BIN_A BIN_B DIR [RUNS]          (leakscan scan --no-ignore DIR)
#        benches/ab.sh BIN_A BIN_B --git REPO [RUNS]   (leakscan git REPO)
#   RUNS  timed runs per binary after one warm-up each (default 5)
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,9p' "$0"; exit 2; }
a=$1 b=$2
shift 2
mode=scan
if [ "$1" = "--git" ]; then
  mode=git
  shift
fi
target=$1
runs=${2:-5}
out=$(mktemp --suffix=.json)
trap 'rm -f "$out"' EXIT
if [ "$mode" = scan ]; then
  args=(scan --no-progress --no-ignore -f json -o "$out" "$target")
else
  args=(git --no-progress -f json -o "$out" "$target")
fi

declare -A speeds rss findings
for bin in "$a" "$b"; do
  "$bin" "${args[@]}" || true # warm-up
  findings[$bin]=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"]["findings"])' "$out")
done
bytes=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"]["bytes"])' "$out")
echo "corpus: $target ($mode, $((bytes / 1000000)) MB per run, $runs runs each, alternating)"
for i in $(seq "$runs"); do
  for bin in "$a" "$b"; do
    log=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$log" "$bin" "${args[@]}" || true
    read -r secs rss_kb < <(tail -n 1 "$log")
    rm -f "$log"
    speeds[$bin]+="$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }') "
    rss[$bin]+="$((rss_kb / 1024)) "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ma=$(echo "${speeds[$a]}" | median) mb=$(echo "${speeds[$b]}" | median)
ra=$(echo "${rss[$a]}" | median) rb=$(echo "${rss[$b]}" | median)
echo "A $a: median ${ma} MB/s (runs: ${speeds[$a]}), peak RSS ${ra} MiB, ${findings[$a]} findings"
echo "B $b: median ${mb} MB/s (runs: ${speeds[$b]}), peak RSS ${rb} MiB, ${findings[$b]} findings"
awk -v a="$ma" -v b="$mb" -v x="$ra" -v y="$rb" 'BEGIN { printf "B/A: throughput %.3f, peak RSS %.3f\n", b / a, y / x }'
