//! `leakscan scan`: files, directories and stdin.

use std::io;
use std::path::PathBuf;

use anyhow::{Result, bail};
use scanner_core::ScanReport;
use scanner_core::source::FsSource;
use scanner_core::source::image::ImageSource;

use super::output::{finish, prepare};
use crate::args::ScanArgs;
use crate::progress::with_progress;
use scanner_core::request::PreparedScan;

/// Runs a scan and returns the exit code.
pub fn run(args: &ScanArgs) -> Result<u8> {
    let (report, prepared) = scan(args, true)?;
    let code = finish(&args.common, report, &prepared);
    // The process exits next: freeing hundreds of compiled rules first cost ~1% of a scan.
    std::mem::forget(prepared);
    code
}

/// Prepares and runs the scan `args` describe (also used by `leakscan baseline`).
pub fn scan(args: &ScanArgs, use_baseline: bool) -> Result<(ScanReport, PreparedScan)> {
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let stdin = paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && paths.len() > 1 {
        bail!("`-` (standard input) cannot be combined with other paths");
    }
    let root = if stdin { PathBuf::from(".") } else { paths[0].clone() };
    let shard = args
        .shard
        .as_deref()
        .map(scanner_core::shard::Shard::parse)
        .transpose()?;
    if shard.is_some() && stdin {
        bail!("--shard partitions files and cannot be used with `-` (standard input)");
    }
    let prepared = prepare(&args.common, &root, use_baseline, |settings| {
        settings.no_ignore = args.no_ignore;
        settings.follow_symlinks = args.follow_symlinks;
        settings.ignore_named_files = args.ignore_named_files;
        settings.shard = shard;
    })?;
    let scanner = &prepared.scanner;
    let progress = scanner_core::Progress::default();
    let report = if stdin {
        scanner.scan_reader(&args.label, io::stdin().lock())
    } else if let Some(image) = (paths.len() == 1 && shard.is_none())
        .then(|| ImageSource::open_if_image(&paths[0]))
        .flatten()
    {
        scanner.scan(&image, &progress)?
    } else {
        with_progress(!args.common.no_progress, &progress, || {
            scanner.scan(&FsSource::new(&paths)?, &progress)
        })?
    };
    Ok((report, prepared))
}
