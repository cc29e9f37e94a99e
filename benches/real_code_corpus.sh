#!/usr/bin/env bash
# The independent real-code corpus (issue 22): downloads the pinned packages of
# benches/real-code-packages.txt through the package registries (pip, npm), unpacks them,
# scans them with the release binary at the default gate and prints the failing findings per
# 100 MB, by rule, with a rough class per finding (see benches/real_code_report.py).
#
# Usage: benches/real_code_corpus.sh [DIR] [LEAKSCAN]
#   DIR       where the corpus goes (default /tmp/leakscan-corpus/real-code); downloads are kept
#   LEAKSCAN  the binary to measure (default: target/release/leakscan, built if missing)
# Needs: python3, pip, npm, tar, unzip. Not run by CI (network, ~1 GB, minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/leakscan-corpus/real-code}
bin=${2:-target/release/leakscan}
[ -x "$bin" ] || cargo build --release --quiet -p leakscan
mkdir -p "$dir/dl" "$dir/src"
while read -r registry name version; do
  case "$registry" in ''|'#'*) continue ;; esac
  stamp="$dir/dl/.$registry-${name//\//_}-$version"
  [ -e "$stamp" ] && continue
  case "$registry" in
    pypi) (cd "$dir/dl" && pip download --quiet --no-deps --no-binary :all: "$name==$version") ;;
    npm) (cd "$dir/dl" && npm pack --silent "$name@$version" >/dev/null) ;;
    *) echo "unknown registry $registry" >&2; exit 2 ;;
  esac
  touch "$stamp"
done < benches/real-code-packages.txt
for archive in "$dir"/dl/*; do
  out="$dir/src/$(basename "$archive")"
  [ -d "$out" ] && continue
  mkdir -p "$out"
  case "$archive" in
    *.zip) unzip -q -o "$archive" -d "$out" ;;
    *) tar -xf "$archive" -C "$out" ;;
  esac
done
report=$(mktemp --suffix=.json)
trap 'rm -f "$report"' EXIT
"$bin" scan --isolated --no-progress -f json -o "$report" "$dir/src" || true
python3 benches/real_code_report.py "$report"
