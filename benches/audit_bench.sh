#!/usr/bin/env bash
# Bulk-audit benchmark: 200 synthetic repositories audited cold, then re-audited after one new
# commit in 10 of them (the re-audit must take under 10% of the cold time), and the datastore's
# size per million recorded blobs.
#
# usage: benches/audit_bench.sh [REPOS] [WORKDIR]     (needs a release build: cargo build --release)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
repos="${1:-200}"
work="${2:-$(mktemp -d)}"
bin="${LEAKSCAN:-$root/target/release/leakscan}"
[ -x "$bin" ] || { echo "build first: cargo build --release -p leakscan" >&2; exit 2; }
rm -rf "$work/org" "$work/audit.db"*
mkdir -p "$work"
echo "generating $repos repositories in $work/org …"
python3 "$here/gen_audit_repos.py" "$work/org" --repos "$repos"
db="$work/audit.db"
now() { date +%s.%N; }
run() { "$bin" audit "$work/org" --isolated --no-progress -f json --datastore "$db" > "$work/$1.json" || [ $? -le 1 ]; }
t0=$(now); run cold; t1=$(now)
names=$(ls "$work/org" | head -n 10)
python3 "$here/gen_audit_repos.py" "$work/org" --add-commit $names
t2=$(now); run warm; t3=$(now)
cold=$(echo "$t1 - $t0" | bc -l); warm=$(echo "$t3 - $t2" | bc -l)
blobs=$(python3 -c "import json;d=json.load(open('$work/cold.json'));print(sum(r['blobs_scanned'] for r in d['repositories']))")
warm_blobs=$(python3 -c "import json;d=json.load(open('$work/warm.json'));print(sum(r['blobs_scanned'] for r in d['repositories']))")
# Checkpoint the WAL so the main file holds everything, then measure.
python3 -c "import sqlite3;c=sqlite3.connect('$db');c.execute('PRAGMA wal_checkpoint(TRUNCATE)');c.close()"
size=$(stat -c %s "$db")
printf 'repositories:              %s\n' "$repos"
printf 'cold audit:                %.2f s (%s blobs scanned)\n' "$cold" "$blobs"
printf 're-audit (10 changed):     %.2f s (%s blobs scanned)\n' "$warm" "$warm_blobs"
printf 'ratio re-audit/cold:       %.1f%%\n' "$(echo "100 * $warm / $cold" | bc -l)"
printf 'datastore:                 %s bytes for %s blobs = %.1f MB per million blobs\n' \
  "$size" "$blobs" "$(echo "$size / $blobs" | bc -l)"
