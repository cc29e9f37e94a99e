#!/usr/bin/env bash
# Runs .pre-commit-hooks.yaml under the real pre-commit framework, end to end, the way a user's
# first `pre-commit run` goes: pre-commit builds the hook environment from this repository's
# root pyproject.toml, which pulls the prebuilt `leakscan-bin` wheel. The wheel comes only from
# WHEELHOUSE (no package index; cargo is not on PATH), so nothing is compiled.
#
# Usage: scripts/test-pre-commit-framework.sh WHEELHOUSE
#   WHEELHOUSE: a directory with the leakscan_bin wheel (maturin) and a setuptools wheel (the
#   build backend of the root pyproject.toml); `pre-commit` must be on PATH.
#
# Checks:
#   - `pre-commit run --all-files` FAILS in a repository where a fake token was committed
#     before the hooks existed (no false green), and its first run (environment install
#     included) is timed: the seconds are printed (target: under 30 s);
#   - `pre-commit run --files F` scans F: a clean file passes, the committed token fails;
#   - after `pre-commit install`, a commit staging a fake token is blocked (both hooks report
#     it), a clean commit goes through, and `leakscan-staged` alone blocks a staged token;
#   - the `-system` variants work with the `leakscan` of a venv the wheel was installed into.
set -euo pipefail
if [ $# != 1 ] || [ ! -d "$1" ]; then echo "usage: $0 WHEELHOUSE" >&2; exit 2; fi
wheelhouse=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pre_commit=$(command -v pre-commit) || { echo "FAIL: pre-commit is not on PATH" >&2; exit 2; }
ls "$wheelhouse"/leakscan_bin-*.whl >/dev/null 2>&1 || { echo "FAIL: no leakscan_bin wheel in $wheelhouse" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A user's machine without Rust and without leakscan: git and python only.
PATH="$(dirname "$pre_commit"):/usr/local/bin:/usr/bin:/bin"
export PATH
! command -v cargo >/dev/null || fail "cargo is still on PATH"
! command -v leakscan >/dev/null || fail "a leakscan is already on PATH"
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1 PRE_COMMIT_HOME="$work/cache"
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheelhouse" PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$HOME"
git config --global user.name "CI" && git config --global user.email ci@example.org
git config --global init.defaultBranch main && git config --global commit.gpgsign false

# The hook repository: this checkout's hook files as they are now (committed or not).
hooks="$work/hook-repo"
mkdir -p "$hooks/scripts"
cp "$here/.pre-commit-hooks.yaml" "$here/pyproject.toml" "$hooks/"
cp "$here/scripts/pre-commit-hook.sh" "$hooks/scripts/"
git -C "$hooks" init -q && git -C "$hooks" add -A && git -C "$hooks" commit -q -m hooks
rev=$(git -C "$hooks" rev-parse HEAD)

# A fake, format-valid token assembled at run time.
token=$(printf '%s%s' ghp_ UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb)

repo="$work/repo"
git init -q "$repo" && cd "$repo"
cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: leakscan
      - id: leakscan-staged
EOF
echo "hello" > README.md
printf 'DEPLOY_TOKEN=%s\n' "$token" > old.env
git add -A && git commit -q -m "a secret committed before the hooks existed"

# 1. --all-files scans every file: the old secret fails it. First run: installs the hook env.
start=$(date +%s%N)
if "$pre_commit" run --all-files > "$work/all.log" 2>&1; then
  cat "$work/all.log"; fail "pre-commit run --all-files passed with a committed token (false green)"
fi
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q "github-pat-classic" "$work/all.log" || { cat "$work/all.log"; fail "--all-files: no finding in the output"; }
grep -q "old.env" "$work/all.log" || { cat "$work/all.log"; fail "--all-files: old.env not named"; }
printf 'first pre-commit run (hook environment from the wheel + scan): %d.%d s\n' $((ms / 1000)) $((ms % 1000 / 100))
[ "$ms" -le 30000 ] || echo "WARNING: the first run took over 30 s"
[ -n "$(find "$PRE_COMMIT_HOME" -path '*/py_env-*/bin/leakscan' -type f)" ] \
  || fail "the hook environment has no leakscan from the wheel"

# 2. --files scans exactly those files.
echo "notes" > clean.txt
"$pre_commit" run leakscan --files clean.txt > "$work/files-clean.log" 2>&1 \
  || { cat "$work/files-clean.log"; fail "pre-commit run --files clean.txt failed"; }
if "$pre_commit" run leakscan --files old.env > "$work/files-old.log" 2>&1; then
  cat "$work/files-old.log"; fail "pre-commit run --files old.env passed"
fi
grep -q "github-pat-classic" "$work/files-old.log" || { cat "$work/files-old.log"; fail "--files: no finding"; }

# 3. Commits through the installed git hook.
"$pre_commit" install >/dev/null
git add clean.txt
git commit -q -m "clean change" > "$work/commit-clean.log" 2>&1 \
  || { cat "$work/commit-clean.log"; fail "a clean commit was blocked"; }
printf 'T=%s\n' "$token" > leak.env && git add leak.env
if git commit -q -m "leak" > "$work/commit-leak.log" 2>&1; then
  cat "$work/commit-leak.log"; fail "the commit of a staged token went through"
fi
[ "$(grep -c "github-pat-classic" "$work/commit-leak.log")" -ge 2 ] \
  || { cat "$work/commit-leak.log"; fail "both hooks should report the staged token"; }
# The staged hook on its own, whatever files are given: it reads the index.
if "$pre_commit" run leakscan-staged --files README.md > "$work/staged.log" 2>&1; then
  cat "$work/staged.log"; fail "leakscan-staged let a staged token through"
fi
git rm -q --cached leak.env && rm leak.env

# 4. The `-system` variants, with the leakscan of a fresh venv the wheel was installed into.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet leakscan-bin
"$work/venv/bin/leakscan" --version | grep -q '^leakscan ' || fail "the installed wheel's leakscan does not run"
cat > "$work/system.yaml" <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: leakscan-system
      - id: leakscan-staged-system
EOF
if PATH="$work/venv/bin:$PATH" "$pre_commit" run -c "$work/system.yaml" --all-files > "$work/system.log" 2>&1; then
  cat "$work/system.log"; fail "leakscan-system passed --all-files with a committed token"
fi
grep -q "github-pat-classic" "$work/system.log" || { cat "$work/system.log"; fail "leakscan-system: no finding"; }
PATH="$work/venv/bin:$PATH" "$pre_commit" run -c "$work/system.yaml" --files clean.txt > "$work/system-clean.log" 2>&1 \
  || { cat "$work/system-clean.log"; fail "leakscan-system failed on a clean file"; }

echo "pre-commit framework hooks: ok (--all-files fails on a committed token, --files scans the files given, a staged token blocks the commit, a clean commit passes, -system variants work)"
