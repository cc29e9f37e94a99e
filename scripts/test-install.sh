#!/usr/bin/env bash
# Tests the download-and-verify install path against a fake release served on 127.0.0.1:
# scripts/install-leakscan.sh directly, then the install and scan steps of action.yml and of
# ci/gitlab/leakscan.gitlab-ci.yml as the CI systems would run them (their shell text is
# taken from the YAML files, so what is tested is what ships).
#
# Usage: scripts/test-install.sh PATH/TO/leakscan   (a binary for this machine; python3 with
# PyYAML on PATH). The fake release (scripts/package-release.sh, as the release workflow
# builds it) holds that binary under this machine's target triple.
set -euo pipefail
if [ $# != 1 ] || [ ! -x "$1" ]; then echo "usage: $0 PATH/TO/leakscan" >&2; exit 2; fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
install="$here/scripts/install-leakscan.sh"
work=$(mktemp -d)
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }

version=$("$bin" --version | cut -d' ' -f2)
target=$(sh "$install" --print-target)
case "$target" in
  *linux* | *darwin*) ;;
  *) fail "unexpected target $target" ;;
esac

# The fake release, laid out as GitHub serves one (acme/leakscan stands for OWNER/REPO):
# srv/acme/leakscan/releases/download/v$version/{archive,SHA256SUMS,install-leakscan.sh}.
rel="$work/srv/acme/leakscan/releases/download/v$version"
archive=$("$here/scripts/package-release.sh" archive "$bin" "$target" "$version" "$rel")
"$here/scripts/package-release.sh" sums "$rel" > /dev/null
cp "$install" "$rel/"
grep -q "  $(basename "$archive")\$" "$rel/SHA256SUMS" || fail "SHA256SUMS does not list $(basename "$archive")"
tar -tzf "$archive" | grep -qx "leakscan-v$version-$target/leakscan" || fail "the archive layout changed"

# A static file server on a free loopback port (stopped by the trap).
python3 - "$work/srv" "$work/port" > "$work/server.log" 2>&1 <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(str(httpd.server_address[1]))
    import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    httpd.serve_forever()
PY
server=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/server.log"; fail "the file server did not start"; }
server_url="http://127.0.0.1:$(cat "$work/port")"
url="$server_url/acme/leakscan/releases/download"

run_install() { # EXPECTED-EXIT DIR ARGS…
  local want=$1 dir=$2 code=0
  shift 2
  sh "$install" --base-url "$url" --dir "$dir" "$@" > "$work/out" 2> "$work/err" || code=$?
  [ "$code" = "$want" ] || { cat "$work/err"; fail "install $* exited $code, expected $want"; }
}

# 1. Good checksum: installed, runs, prints its path.
run_install 0 "$work/good" --version "$version"
[ "$(cat "$work/out")" = "$work/good/leakscan" ] || fail "stdout is not the installed path: $(cat "$work/out")"
[ "$("$work/good/leakscan" --version)" = "leakscan $version" ] || fail "the installed binary does not run"
cmp -s "$bin" "$work/good/leakscan" || fail "the installed binary differs from the released one"
ok "good checksum installs (v$version, $target)"
run_install 0 "$work/good-v" --version "v$version"
ok "a v-prefixed version works"

# 2. A pinned checksum: the right one installs, a wrong one refuses.
sum=$(awk -v f="$(basename "$archive")" '$2 == f { print $1 }' "$rel/SHA256SUMS")
run_install 0 "$work/pinned" --version "$version" --sha256 "$(echo "$sum" | tr a-f A-F)"
ok "a pinned (upper-case) sha256 installs"
run_install 4 "$work/pinned-bad" --version "$version" --sha256 "$(printf '%064d' 0)"
[ ! -e "$work/pinned-bad/leakscan" ] || fail "installed despite a wrong pinned checksum"
grep -q "checksum mismatch" "$work/err" || fail "no mismatch message: $(cat "$work/err")"
ok "a wrong pinned sha256 refuses (exit 4)"

# 3. A tampered archive (same name, other bytes): the release's SHA256SUMS refuses it.
cp "$archive" "$work/archive.orig"
printf 'tampered' >> "$archive"
run_install 4 "$work/tampered" --version "$version"
[ ! -e "$work/tampered/leakscan" ] || fail "installed a tampered archive"
grep -q "checksum mismatch" "$work/err" || fail "no mismatch message: $(cat "$work/err")"
ok "a tampered archive refuses (exit 4), nothing installed"
cp "$work/archive.orig" "$archive"

# 4. SHA256SUMS without an entry for the archive: refuses.
cp "$rel/SHA256SUMS" "$work/sums.orig"
grep -v "$(basename "$archive")" "$work/sums.orig" > "$rel/SHA256SUMS" || true
run_install 4 "$work/noentry" --version "$version"
grep -q "no entry" "$work/err" || fail "no missing-entry message: $(cat "$work/err")"
ok "no SHA256SUMS entry refuses (exit 4)"
cp "$work/sums.orig" "$rel/SHA256SUMS"

# 5. A version that was never released, and bad usage.
run_install 3 "$work/missing" --version 9.9.9
ok "an unknown version fails the download (exit 3)"
run_install 2 "$work/usage" --version "$version" --frobnicate
ok "an unknown option is a usage error (exit 2)"
code=0; sh "$install" --version "$version" > /dev/null 2>&1 || code=$?
[ "$code" = 2 ] || fail "no --base-url should exit 2, got $code"
ok "no release URL is a usage error (exit 2)"

# A repository with a fake token (assembled at run time) for the CI templates to scan.
proj="$work/project"
mkdir -p "$proj"
printf 'TOKEN=%s%s\n' ghp_ UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb > "$proj/app.env"

yaml_get() { # FILE PYTHON-EXPRESSION-ON-d
  python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# 6. The GitLab template: before_script + script, as one sh script (as the runner does).
gitlab="$here/ci/gitlab/leakscan.gitlab-ci.yml"
yaml_get "$gitlab" '"\n".join(d["leakscan"]["before_script"] + d["leakscan"]["script"])' > "$work/gitlab.sh"
gitlab_job() { # EXPECTED-EXIT EXTRA-ENV…
  local want=$1 code=0
  shift
  (cd "$proj" && env LEAKSCAN_RELEASES_URL="$url" LEAKSCAN_VERSION="$version" \
    LEAKSCAN_INSTALL_DIR="$work/gitlab-bin" "$@" sh -e "$work/gitlab.sh") > "$work/gl.log" 2>&1 || code=$?
  [ "$code" = "$want" ] || { cat "$work/gl.log"; fail "GitLab job exited $code, expected $want"; }
}
gitlab_job 1
grep -q "github-pat-classic" "$work/gl.log" || { cat "$work/gl.log"; fail "GitLab job: no finding"; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["vulnerabilities"], d' \
  "$proj/gl-secret-detection-report.json" || fail "GitLab job: empty secret-detection report"
grep -q "<testsuite" "$proj/leakscan-junit.xml" || fail "GitLab job: no JUnit report"
ok "GitLab template: downloads, verifies, scans, writes its reports, fails on the token (exit 1)"
rm -rf "$work/gitlab-bin" "$proj"/gl-secret-detection-report.json "$proj"/leakscan-junit.xml
gitlab_job 4 LEAKSCAN_SHA256="$(printf '%064d' 0)"
[ ! -e "$work/gitlab-bin/leakscan" ] || fail "GitLab job installed despite a wrong checksum"
[ ! -e "$proj/gl-secret-detection-report.json" ] || fail "GitLab job scanned with an unverified binary"
ok "GitLab template: a wrong checksum stops the job before the scan (exit 4)"
gitlab_job 2 LEAKSCAN_RELEASES_URL=
grep -q "set LEAKSCAN_RELEASES_URL" "$work/gl.log" || fail "GitLab job: no message for a missing URL"
ok "GitLab template: no release URL stops the job with a message (exit 2)"

# 7. action.yml: the install and scan steps' `run` text with the environment GitHub gives.
action="$here/action.yml"
yaml_get "$action" '[s for s in d["runs"]["steps"] if s.get("id") == "install"][0]["run"]' > "$work/install-step.sh"
yaml_get "$action" '[s for s in d["runs"]["steps"] if s.get("id") == "scan"][0]["run"]' > "$work/scan-step.sh"
runner="$work/runner"
mkdir -p "$runner/_actions/acme/leakscan"
ln -s "$here" "$runner/_actions/acme/leakscan/v$version"
action_step() { # EXPECTED-EXIT SCRIPT EXTRA-ENV…
  local want=$1 script=$2 code=0
  shift 2
  : > "$work/gh-output"
  (cd "$proj" && env GITHUB_OUTPUT="$work/gh-output" GITHUB_STEP_SUMMARY="$work/gh-summary" \
    RUNNER_TEMP="$work/runner-temp" GITHUB_SERVER_URL="$server_url" GITHUB_REPOSITORY=someone/else \
    LEAKSCAN_ACTION_PATH="$runner/_actions/acme/leakscan/v$version" "$@" \
    bash -e "$script") > "$work/gh.log" 2>&1 || code=$?
  [ "$code" = "$want" ] || { cat "$work/gh.log"; fail "action step $(basename "$script") exited $code, expected $want"; }
}
mkdir -p "$work/runner-temp"
# Defaults: the version from the action's Cargo.toml, the release URL from its checkout path
# (.../_actions/OWNER/REPO/REF, as github.action_repository is empty in composite actions).
action_step 0 "$work/install-step.sh" LEAKSCAN_INSTALL=download LEAKSCAN_VERSION= LEAKSCAN_RELEASES_URL= LEAKSCAN_SHA256=
grep -q "$url/v$version/" "$work/gh.log" || { cat "$work/gh.log"; fail "action: not the action repository's release URL"; }
gh_bin=$(sed -n 's/^path=//p' "$work/gh-output")
[ "$gh_bin" = "$work/runner-temp/leakscan-bin/leakscan" ] || fail "action: unexpected path output: $gh_bin"
ok "action.yml install step: by default the action's own version from its repository's releases, verified"
action_step 0 "$work/scan-step.sh" LEAKSCAN_BIN="$gh_bin" LEAKSCAN_ARGS="scan ." LEAKSCAN_FAIL_ON=low \
  LEAKSCAN_MIN_CONFIDENCE=medium LEAKSCAN_SARIF="$work/out.sarif" LEAKSCAN_REPO_CONFIG=auto LEAKSCAN_FORK_PR=false
grep -qx "exit-code=1" "$work/gh-output" || { cat "$work/gh.log"; fail "action scan step: exit-code is not 1"; }
grep -q '"version": *"2.1.0"' "$work/out.sarif" || fail "action scan step: no SARIF"
grep -q "^::error " "$work/gh.log" || fail "action scan step: no annotation"
ok "action.yml scan step: finds the token, writes SARIF and annotations, exit-code=1"
rm -rf "$work/runner-temp/leakscan-bin"
action_step 4 "$work/install-step.sh" LEAKSCAN_INSTALL=download LEAKSCAN_VERSION="$version" LEAKSCAN_RELEASES_URL="$url" \
  LEAKSCAN_SHA256="$(printf '%064d' 0)"
[ ! -e "$work/runner-temp/leakscan-bin/leakscan" ] || fail "action installed despite a wrong checksum"
grep -q "^::error::" "$work/gh.log" || fail "action: no error annotation for a refused checksum"
ok "action.yml install step: a wrong checksum fails the step (exit 4), nothing installed"
action_step 2 "$work/install-step.sh" LEAKSCAN_INSTALL=maybe LEAKSCAN_VERSION= LEAKSCAN_RELEASES_URL= LEAKSCAN_SHA256=
ok "action.yml install step: an unknown install mode is refused (exit 2)"
action_step 3 "$work/install-step.sh" LEAKSCAN_INSTALL=download LEAKSCAN_VERSION=9.9.9 LEAKSCAN_RELEASES_URL="$url" LEAKSCAN_SHA256=
grep -q "^::error::leakscan v9.9.9 could not be installed" "$work/gh.log" || { cat "$work/gh.log"; fail "action: no error annotation for a missing release"; }
ok "action.yml install step: a version never released fails the step (exit 3) and says what to set"

echo "$passed passed, 0 failed"
