//! One module per subcommand.

pub mod git;
pub mod hook;
pub mod output;
pub mod rules;
pub mod scan;

use std::path::PathBuf;

use anyhow::Result;
use scanner_core::RuleSet;

/// The built-in rules plus the rule files of `dirs`.
pub fn load_rules(dirs: &[PathBuf]) -> Result<RuleSet> {
    if dirs.is_empty() {
        return Ok(RuleSet::builtin()?);
    }
    let mut files = builtin_files();
    for dir in dirs {
        files.extend(RuleSet::load_dir_files(dir)?);
    }
    Ok(RuleSet::from_files(files)?)
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
