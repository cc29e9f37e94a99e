//! One module per subcommand.

pub mod audit;
pub mod baseline;
pub mod config;
pub mod datastore;
pub mod docs;
pub mod explain;
pub mod git;
pub mod hook;
pub mod image;
pub mod merge;
pub mod output;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod triage;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use scanner_core::RuleSet;

/// The built-in rules plus the rule files in `paths` (`*.toml` files, or directories of them).
pub fn load_rules(paths: &[PathBuf]) -> Result<RuleSet> {
    output::load_rules_with(paths, None)
}

/// The embedded rule files as owned (name, text) pairs.
pub fn builtin_files() -> Vec<(String, String)> {
    scanner_core::rules::builtin_rule_files()
        .iter()
        .map(|(n, t)| (format!("rules/{n}"), t.to_string()))
        .collect()
}

/// Runs `write` on a buffered, locked standard output and flushes it. A closed pipe
/// (`leakscan … | head`) ends the output quietly: the command keeps its own exit code.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// Whether an I/O error is a closed pipe (`leakscan … | head`): exit quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
