#!/usr/bin/env bash
# Builds the static (musl) release binary that the container image and the Linux release
# archives ship, and checks it: statically linked, runs, under the size limit. The Dockerfile
# runs this script; .ci/run runs it too when no docker daemon answers, so the image's build
# steps are exercised either way.
#
# Usage: scripts/build-static.sh [OUT]   (default OUT: target/static/leakscan)
# Needs: rustup (adds the musl target) and musl-gcc (Debian: musl-tools) for the C
# dependencies (SQLite, zstd). Honours CARGO_BUILD_JOBS and CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
target="$(uname -m)-unknown-linux-musl"
out=${1:-target/static/leakscan}
max_mb=${LEAKSCAN_MAX_BINARY_MB:-30}
rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"
command -v musl-gcc >/dev/null || { echo "musl-gcc is missing (apt-get install musl-tools)" >&2; exit 2; }
start=$(date +%s)
cargo build --release --locked --target "$target" --bin leakscan
echo "static build: $(( $(date +%s) - start )) s"
built="${CARGO_TARGET_DIR:-target}/$target/release/leakscan"
mkdir -p "$(dirname "$out")"
[ "$built" -ef "$out" ] || cp "$built" "$out"
file "$out"
file "$out" | grep -Eq 'static(ally|-pie) linked' || { echo "FAIL: $out is not statically linked" >&2; exit 1; }
if ldd "$out" >/dev/null 2>&1 && ! ldd "$out" 2>&1 | grep -q 'statically linked'; then
  ldd "$out"; echo "FAIL: $out has dynamic dependencies" >&2; exit 1
fi
"$out" --version
bytes=$(wc -c < "$out")
echo "static binary: $bytes bytes ($(( bytes / 1024 / 1024 )) MiB)"
[ "$bytes" -lt $(( max_mb * 1024 * 1024 )) ] || { echo "FAIL: over $max_mb MiB" >&2; exit 1; }
