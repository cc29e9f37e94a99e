//! `leakscan baseline create|update`.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use scanner_core::filter::baseline::Baseline;

use super::scan::scan;
use crate::args::{BaselineCommand, FormatArg, ScanArgs};
use crate::exit;

/// The default baseline file name: the one a scan picks up by itself at the repository root.
pub const DEFAULT_FILE: &str = scanner_core::filter::baseline::AUTO_BASELINE_FILE;

/// Writes or refreshes a baseline and returns the exit code.
pub fn run(cmd: &BaselineCommand) -> Result<u8> {
    let (args, update) = match cmd {
        BaselineCommand::Create(a) => (a, false),
        BaselineCommand::Update(a) => (a, true),
    };
    let target = target_file(args)?;
    let previous = if update {
        let from = args.common.baseline.clone().unwrap_or_else(|| target.clone());
        Some(Baseline::load(&from)?)
    } else {
        None
    };
    // Scan without the baseline: every current finding must be seen.
    let (report, prepared) = scan(args, false)?;
    let baseline = Baseline::from_findings(
        report.findings.iter().filter(|f| prepared.gate.fails(f)),
        previous.as_ref(),
    );
    let added = previous.as_ref().map_or(baseline.entries.len(), |p| {
        baseline
            .entries
            .iter()
            .filter(|e| !p.entries.iter().any(|o| o.fingerprint == e.fingerprint))
            .count()
    });
    let removed = previous.as_ref().map_or(0, |p| {
        p.entries
            .iter()
            .filter(|o| !baseline.entries.iter().any(|e| e.fingerprint == o.fingerprint))
            .count()
    });
    fs::write(&target, baseline.to_json()).with_context(|| format!("cannot write {}", target.display()))?;
    eprintln!(
        "{}: {} entries ({added} added, {removed} removed){}",
        target.display(),
        baseline.entries.len(),
        if report.is_complete() {
            ""
        } else {
            "; the scan was incomplete, see the errors above"
        }
    );
    for e in &report.errors {
        eprintln!("  {}: {}", e.path, e.message);
    }
    eprintln!("{}", usage_hint(args, &target));
    Ok(if report.is_complete() || args.common.allow_incomplete {
        exit::CLEAN
    } else {
        exit::INCOMPLETE
    })
}

/// How the written baseline will be used: picked up by itself at the repository root, or
/// named with `--baseline` or the configuration's `baseline`.
fn usage_hint(args: &ScanArgs, target: &std::path::Path) -> String {
    let root = args.paths.first().map_or_else(|| PathBuf::from("."), PathBuf::clone);
    let written = fs::canonicalize(target).ok();
    let picked_up = scanner_core::filter::baseline::discover(&root).and_then(|p| fs::canonicalize(p).ok());
    if written.is_some() && written == picked_up {
        format!(
            "the next `leakscan scan` or `leakscan git` of this repository uses it by itself ({} at the repository root; commit it; --no-repo-config ignores it)",
            DEFAULT_FILE
        )
    } else {
        format!(
            "use it with `--baseline {}`, or `baseline = \"…\"` in leakscan.toml (only {} at the repository root is picked up by itself)",
            target.display(),
            DEFAULT_FILE
        )
    }
}

/// `-o FILE` names the baseline file (default [`DEFAULT_FILE`]); a baseline is always JSON, so
/// a report format (`-f sarif`, `-o sarif=FILE`) is refused rather than ignored.
fn target_file(args: &ScanArgs) -> Result<PathBuf> {
    if let Some(format) = args.common.format.filter(|f| *f != FormatArg::Json) {
        bail!(
            "a baseline file is always JSON (-f {}); for a report in another format run `leakscan scan -f …`",
            format
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
    }
    let file = match args.common.output.as_slice() {
        [] => return Ok(PathBuf::from(DEFAULT_FILE)),
        [file] => file,
        [..] => bail!("give one baseline file with -o (got {})", args.common.output.len()),
    };
    Ok(match file.split_once('=') {
        Some(("json", path)) => PathBuf::from(path),
        Some((format, _)) if <FormatArg as ValueEnum>::from_str(format, true).is_ok() => bail!(
            "-o {file}: a baseline file is always JSON; give its name (`-o FILE`), or run \
             `leakscan scan -o {file}` for a {format} report"
        ),
        _ => PathBuf::from(file),
    })
}
