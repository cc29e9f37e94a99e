//! `leakscan git`: full history, the staged changes (pre-commit) or the commits being pushed
//! (pre-push).

use std::io::{self, BufRead};

use anyhow::{Context, Result, bail};
use scanner_core::GitOptions;
use scanner_core::source::{GitHistory, GitStaged};

use super::output::{finish, prepare};
use crate::args::GitArgs;
use crate::exit;
use crate::progress::with_progress;
use scanner_core::request::PreparedScan;

/// Runs a history, staged or pre-push scan and returns the exit code.
pub fn run(args: &GitArgs) -> Result<u8> {
    let prepared = prepare(&args.common, &args.repo, true, |_| {})?;
    let code = run_prepared(args, &prepared);
    // The process exits next: freeing hundreds of compiled rules first cost ~1% of a scan.
    std::mem::forget(prepared);
    code
}

fn run_prepared(args: &GitArgs, prepared: &PreparedScan) -> Result<u8> {
    let scanner = &prepared.scanner;
    if args.staged {
        let report = scanner.scan(
            &GitStaged {
                path: args.repo.clone(),
            },
            &scanner_core::Progress::default(),
        )?;
        return finish(&args.common, report, prepared);
    }
    let mut options = GitOptions {
        tips: args.branch.clone(),
        exclude: args.since.clone(),
        max_commits: args.max_commits,
        all_occurrences: args.all_occurrences,
        recurse_submodules: args.recurse_submodules,
        ..GitOptions::default()
    };
    if args.pre_push {
        let updates = read_push_updates(io::stdin().lock())?;
        if updates.is_empty() {
            log::info!("nothing to push: nothing to scan");
            return Ok(exit::CLEAN);
        }
        for update in updates {
            options.tips.push(update.local);
            options.exclude_if_present.extend(update.remote);
        }
        options.exclude_remote_tracking = true;
    }
    let progress = scanner_core::Progress::default();
    let report = with_progress(!args.common.no_progress, &progress, || {
        scanner.scan(
            &GitHistory {
                path: args.repo.clone(),
                options,
            },
            &progress,
        )
    })?;
    finish(&args.common, report, prepared)
}

/// One line of git's pre-push input: what is pushed, and the remote's current tip.
#[derive(Debug, PartialEq, Eq)]
struct PushUpdate {
    local: String,
    remote: Option<String>,
}

/// Parses `<local ref> <local sha> <remote ref> <remote sha>` lines; deletions (an all-zero
/// local sha) push nothing and are dropped; an all-zero remote sha is a new branch.
fn read_push_updates(input: impl BufRead) -> Result<Vec<PushUpdate>> {
    let is_zero = |s: &str| s.bytes().all(|b| b == b'0');
    let mut updates = Vec::new();
    for line in input.lines() {
        let line = line.context("cannot read the pre-push input")?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let [_, local, _, remote] = fields[..] else {
            bail!(
                "unexpected pre-push input line `{line}` (expected: <local ref> <local sha> <remote ref> <remote sha>)"
            );
        };
        if is_zero(local) {
            continue;
        }
        updates.push(PushUpdate {
            local: local.to_string(),
            remote: (!is_zero(remote)).then(|| remote.to_string()),
        });
    }
    Ok(updates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_lines() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let input = format!(
            "refs/heads/x {a} refs/heads/x {b}\nrefs/heads/new {a} refs/heads/new {z}\n(delete) {z} refs/heads/old {b}\n\n"
        );
        let updates = read_push_updates(input.as_bytes()).unwrap();
        assert_eq!(
            updates,
            [
                PushUpdate {
                    local: a.clone(),
                    remote: Some(b)
                },
                PushUpdate { local: a, remote: None },
            ]
        );
        assert!(read_push_updates("garbage\n".as_bytes()).is_err());
    }
}
