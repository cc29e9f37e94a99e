#!/usr/bin/env bash
# Checks .pre-commit-hooks.yaml with the real pre-commit framework: the `leakscan-system` hook
# must block a staged secret and let a clean change through.
# Usage: scripts/test-pre-commit-framework.sh PATH/TO/leakscan   (needs `pre-commit` on PATH)
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$(dirname "$bin"):$PATH" HOME="$work" GIT_CONFIG_NOSYSTEM=1 PRE_COMMIT_HOME="$work/cache"
git config --global user.name "CI" && git config --global user.email ci@example.org
git config --global init.defaultBranch main
git config --global --add safe.directory '*'

cd "$work" && git init -q repo && cd repo
echo "hello" > README.md && git add README.md && git commit -q -m init

echo "notes" > clean.txt && git add clean.txt
pre-commit try-repo "$here" leakscan-system > "$work/clean.log" 2>&1 || { cat "$work/clean.log"; echo "FAIL: a clean change was blocked"; exit 1; }

# A fake, format-valid token assembled at run time.
printf 'T=%s%s\n' ghp_ UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb > leak.env && git add leak.env
if pre-commit try-repo "$here" leakscan-system > "$work/leak.log" 2>&1; then
  cat "$work/leak.log"; echo "FAIL: the staged secret was not blocked"; exit 1
fi
grep -q "github-pat-classic" "$work/leak.log" || { cat "$work/leak.log"; echo "FAIL: no finding in the hook output"; exit 1; }
echo "pre-commit framework hooks: ok (clean change passes, staged secret blocked)"
