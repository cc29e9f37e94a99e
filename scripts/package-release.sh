#!/usr/bin/env bash
# Release archives, as .github/workflows/release.yml publishes them and
# scripts/install-leakscan.sh expects them.
#
#   scripts/package-release.sh archive BINARY TARGET VERSION OUTDIR
#       OUTDIR/leakscan-vVERSION-TARGET.tar.gz (.zip for Windows targets) holding
#       leakscan-vVERSION-TARGET/{leakscan[.exe],README.md}; prints the archive's path.
#   scripts/package-release.sh sums DIR
#       DIR/SHA256SUMS: `<sha256>  <file>` for every archive and wheel in DIR, sorted.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

case "${1:-}" in
  archive)
    [ $# = 5 ] || { echo "usage: $0 archive BINARY TARGET VERSION OUTDIR" >&2; exit 2; }
    binary=$2 target=$3 version=${4#v} out=$5
    [ -f "$binary" ] || { echo "$binary: no such file" >&2; exit 2; }
    name="leakscan-v$version-$target"
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    mkdir "$stage/$name"
    case "$target" in
      *windows*) exe=leakscan.exe ;;
      *) exe=leakscan ;;
    esac
    cp "$binary" "$stage/$name/$exe"
    chmod 755 "$stage/$name/$exe"
    cp "$here/README.md" "$stage/$name/"
    case "$target" in
      *windows*)
        archive="$out/$name.zip"
        rm -f "$archive"
        if command -v 7z >/dev/null; then
          (cd "$stage" && 7z a -tzip -bd "$archive" "$name" >/dev/null)
        else
          (cd "$stage" && zip -qr "$archive" "$name")
        fi
        ;;
      *)
        archive="$out/$name.tar.gz"
        tar -C "$stage" -czf "$archive" "$name"
        ;;
    esac
    echo "$archive"
    ;;
  sums)
    [ $# = 2 ] || { echo "usage: $0 sums DIR" >&2; exit 2; }
    cd "$2"
    shopt -s nullglob
    files=(leakscan-v*.tar.gz leakscan-v*.zip leakscan_bin-*.whl leakscan_bin-*.tar.gz)
    [ ${#files[@]} -gt 0 ] || { echo "$2: no archives" >&2; exit 2; }
    sha256 "${files[@]}" | LC_ALL=C sort -k2 > SHA256SUMS
    cat SHA256SUMS
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
