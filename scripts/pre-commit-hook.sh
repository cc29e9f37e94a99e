#!/usr/bin/env bash
# The `-source` hooks of .pre-commit-hooks.yaml: builds leakscan from this checkout (once;
# cargo rebuilds only when the sources change) and runs it with the given arguments in the
# repository pre-commit runs in (the current directory), e.g. `scan --no-progress FILE…` or
# `git --staged --no-progress`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release --quiet --locked --manifest-path "$here/Cargo.toml" -p leakscan
exec "$here/target/release/leakscan" "$@"
