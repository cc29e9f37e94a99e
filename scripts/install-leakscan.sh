#!/bin/sh
# Downloads a released leakscan binary, verifies its SHA-256 and installs it. Used by
# action.yml, the GitLab template (ci/gitlab/leakscan.gitlab-ci.yml, which fetches this file
# from the release) and people. POSIX sh: runs in Alpine (busybox), Debian, macOS, Git Bash.
#
#   install-leakscan.sh --version 0.1.0 \
#     --base-url https://github.com/OWNER/leakscan/releases/download [--dir DIR] [--sha256 HEX]
#
# Options (or the environment variable in brackets):
#   --version V     release version, `0.1.0` or `v0.1.0` [LEAKSCAN_VERSION]
#   --base-url URL  where releases are: the archive is URL/vV/leakscan-vV-TARGET.tar.gz (.zip on
#                   Windows), its checksum the matching line of URL/vV/SHA256SUMS
#                   [LEAKSCAN_RELEASES_URL]
#   --dir DIR       install DIR/leakscan (default: ~/.local/bin) [LEAKSCAN_INSTALL_DIR]
#   --target T      target triple (default: this machine's; Linux gets the static musl build)
#                   [LEAKSCAN_TARGET]
#   --sha256 HEX    the archive's expected SHA-256, instead of trusting the release's
#                   SHA256SUMS (pin it to survive a replaced release) [LEAKSCAN_SHA256]
#   --print-target  print the target triple for this machine and exit
#
# Exit codes: 0 installed (the path is printed on stdout); 2 bad usage or unsupported
# platform; 3 a download failed (no such version, network); 4 checksum refused (mismatch, or
# no entry for the archive in SHA256SUMS): nothing is installed; 5 the installed binary does
# not run or reports another version: nothing is installed.
set -eu

version=${LEAKSCAN_VERSION:-}
base_url=${LEAKSCAN_RELEASES_URL:-}
dir=${LEAKSCAN_INSTALL_DIR:-${HOME:-/tmp}/.local/bin}
target=${LEAKSCAN_TARGET:-}
pinned=${LEAKSCAN_SHA256:-}
print_target=false

say() { printf 'install-leakscan: %s\n' "$*" >&2; }
die() { code=$1; shift; say "error: $*"; exit "$code"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die 2 "--version needs a value"; version=$2; shift 2 ;;
    --base-url) [ $# -ge 2 ] || die 2 "--base-url needs a value"; base_url=$2; shift 2 ;;
    --dir) [ $# -ge 2 ] || die 2 "--dir needs a value"; dir=$2; shift 2 ;;
    --target) [ $# -ge 2 ] || die 2 "--target needs a value"; target=$2; shift 2 ;;
    --sha256) [ $# -ge 2 ] || die 2 "--sha256 needs a value"; pinned=$2; shift 2 ;;
    --print-target) print_target=true; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die 2 "unknown argument \`$1\` (see --help)" ;;
  esac
done

detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die 2 "no leakscan release for the $arch architecture: build it with \`cargo install\`" ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    Darwin) echo "$arch-apple-darwin" ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) echo "x86_64-pc-windows-msvc" ;;
    *) die 2 "no leakscan release for $os: build it with \`cargo install\`" ;;
  esac
}

[ -n "$target" ] || target=$(detect_target)
if $print_target; then echo "$target"; exit 0; fi
[ -n "$version" ] || die 2 "no version: give --version (e.g. 0.1.0) or LEAKSCAN_VERSION"
[ -n "$base_url" ] || die 2 "no release URL: give --base-url (e.g. https://github.com/OWNER/leakscan/releases/download) or LEAKSCAN_RELEASES_URL"
version=${version#v}
case "$version" in
  *[!0-9A-Za-z.+-]* | "") die 2 "not a version: \`$version\`" ;;
esac
base_url=${base_url%/}
case "$target" in
  *windows*) ext=zip; exe=leakscan.exe ;;
  *) ext=tar.gz; exe=leakscan ;;
esac
name="leakscan-v$version-$target"
archive="$name.$ext"
url="$base_url/v$version"

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t leakscan)
trap 'rm -rf "$tmp"' EXIT INT TERM

fetch() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --connect-timeout 20 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 20 -O "$2" "$1"
  else
    die 3 "neither curl nor wget is installed"
  fi
}

sha256_of() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | sed 's/.*= *//'
  else
    die 4 "no sha256sum, shasum or openssl to verify the download"
  fi
}

lower() { tr 'ABCDEF' 'abcdef'; }

say "downloading $url/$archive"
fetch "$url/$archive" "$tmp/$archive" || die 3 "cannot download $url/$archive (no release v$version for $target?)"

if [ -n "$pinned" ]; then
  expected=$(printf '%s' "$pinned" | lower)
  source="the pinned --sha256"
else
  fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS" || die 3 "cannot download $url/SHA256SUMS"
  # Lines are `<hex>  <file>` (or `<hex> *<file>`); the file name must match exactly.
  expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS" | lower)
  [ -n "$expected" ] || die 4 "SHA256SUMS has no entry for $archive: refusing to install it"
  source="SHA256SUMS of v$version"
fi
case "$expected" in
  *[!0-9a-f]*) die 4 "the expected checksum is not a SHA-256: $expected" ;;
esac
[ ${#expected} -eq 64 ] || die 4 "the expected checksum is not a SHA-256: $expected"
actual=$(sha256_of "$tmp/$archive" | lower)
if [ "$actual" != "$expected" ]; then
  die 4 "checksum mismatch for $archive: expected $expected ($source), got $actual; refusing to install it"
fi
say "sha256 ok ($actual, $source)"

mkdir "$tmp/x"
case "$ext" in
  zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$tmp/$archive" -d "$tmp/x"
    else
      powershell.exe -NoProfile -Command "Expand-Archive -Path '$tmp/$archive' -DestinationPath '$tmp/x'"
    fi
    ;;
  *) tar -xzf "$tmp/$archive" -C "$tmp/x" ;;
esac
[ -f "$tmp/x/$name/$exe" ] || die 4 "$archive does not hold $name/$exe"

reported=$("$tmp/x/$name/$exe" --version 2>/dev/null) || die 5 "$archive: leakscan does not run on this machine"
[ "$reported" = "leakscan $version" ] || die 5 "$archive: leakscan reports \`$reported\`, expected \`leakscan $version\`"

mkdir -p "$dir"
# Copy next to the target, then rename: a running leakscan is never half overwritten.
cp "$tmp/x/$name/$exe" "$dir/.$exe.new"
chmod 755 "$dir/.$exe.new"
mv -f "$dir/.$exe.new" "$dir/$exe"
say "installed $reported at $dir/$exe"
echo "$dir/$exe"
