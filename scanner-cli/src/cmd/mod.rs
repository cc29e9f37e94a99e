//! One module per subcommand.

pub mod baseline;
pub mod config;
pub mod docs;
pub mod explain;
pub mod git;
pub mod hook;
pub mod image;
pub mod output;
pub mod redact;
pub mod rules;
pub mod scan;

use std::path::PathBuf;

use anyhow::{Context, Result};
use scanner_core::RuleSet;

/// The built-in rules plus the rule files in `paths` (`*.toml` files, or directories of them).
pub fn load_rules(paths: &[PathBuf]) -> Result<RuleSet> {
    let mut extra = Vec::new();
    for path in paths {
        if path.is_file() {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            extra.push((path.display().to_string(), text));
        } else {
            extra.extend(RuleSet::load_dir_files(path)?);
        }
    }
    Ok(RuleSet::builtin_with(extra)?)
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
