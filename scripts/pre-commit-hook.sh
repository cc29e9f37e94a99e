#!/usr/bin/env bash
# The `leakscan` hook of .pre-commit-hooks.yaml: builds leakscan from this checkout (once;
# cargo rebuilds only when the sources change) and scans the staged changes of the
# repository pre-commit runs in (the current directory).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release --quiet --locked --manifest-path "$here/Cargo.toml" -p scanner-cli
exec "$here/target/release/leakscan" git --staged --no-progress "$@"
