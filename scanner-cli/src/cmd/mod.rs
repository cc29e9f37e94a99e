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

use std::path::PathBuf;

use anyhow::{Context, Result};
use scanner_core::RuleSet;

/// The built-in rules plus the rule files in `paths` (`*.toml` files, or directories of them).
pub fn load_rules(paths: &[PathBuf]) -> Result<RuleSet> {
    Ok(RuleSet::builtin_with(read_rule_files(paths)?)?)
}

/// Only the rule files in `paths`, without the built-in rules (`--no-builtin-rules`).
pub fn load_rule_files(paths: &[PathBuf]) -> Result<RuleSet> {
    Ok(RuleSet::from_files(read_rule_files(paths)?)?)
}

fn read_rule_files(paths: &[PathBuf]) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            files.push((path.display().to_string(), text));
        } else {
            files.extend(RuleSet::load_dir_files(path)?);
        }
    }
    Ok(files)
}

/// The embedded rule files as owned (name, text) pairs.
pub fn builtin_files() -> Vec<(String, String)> {
    scanner_core::rules::builtin_rule_files()
        .iter()
        .map(|(n, t)| (format!("rules/{n}"), t.to_string()))
        .collect()
}

/// Whether an I/O error is a closed pipe (`leakscan … | head`): exit quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
