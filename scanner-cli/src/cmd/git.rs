//! `leakscan git`: full history, or the staged changes for a pre-commit hook.

use anyhow::Result;
use scanner_core::GitOptions;

use super::output::{build_scanner, finish};
use crate::args::GitArgs;
use crate::progress::with_progress;

/// Runs a history or staged scan and returns the exit code.
pub fn run(args: &GitArgs) -> Result<u8> {
    let scanner = build_scanner(&args.common, |_| {})?;
    let report = if args.staged {
        scanner.scan_git_staged(&args.repo)?
    } else {
        let options = GitOptions {
            branch: args.branch.clone(),
            since: args.since.clone(),
            max_commits: args.max_commits,
            ..GitOptions::default()
        };
        let progress = scanner_core::Progress::default();
        with_progress(!args.common.no_progress, &progress, || {
            scanner.scan_git_history_with_progress(&args.repo, &options, &progress)
        })?
    };
    finish(&args.common, &report, &scanner)
}
