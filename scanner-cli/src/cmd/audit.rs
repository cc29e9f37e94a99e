//! `leakscan audit`: many repositories into one datastore, in parallel, incrementally.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use scanner_core::audit::run::{Quiet, RepoTask, audit, parse_age};
use scanner_core::audit::{
    AuditObserver, AuditOptions, AuditSummary, Datastore, LockMode, Mode, RepoOutcome, RepoStatus,
    discover_repositories,
};
use scanner_core::shard::Shard;
use scanner_core::{Gate, Progress};

use super::output::prepare;
use crate::args::{AuditArgs, FormatArg};
use crate::exit;

/// Runs an audit and returns the exit code.
pub fn run(args: &AuditArgs) -> Result<u8> {
    if !args.common.output.is_empty() {
        bail!(
            "audit records findings in the datastore and prints a summary; write a report with `leakscan report -o FILE`"
        );
    }
    if args.jobs == Some(0) {
        bail!("--jobs must be at least 1");
    }
    let reverify_older_than = match &args.reverify_older_than {
        None => None,
        Some(_) if !args.common.verify => {
            bail!("--reverify-older-than needs --verify: verdicts are refreshed only when verification is on")
        }
        Some(age) => Some(parse_age(age).with_context(|| {
            format!("invalid --reverify-older-than `{age}`: a number and a unit, s, m, h, d or w (e.g. 12h, 7d)")
        })?),
    };
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from("."));
    let prepared = prepare(&args.common, &root, true, |_| {})?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let jobs = args.jobs.unwrap_or(cores);
    let threads = args.common.threads.unwrap_or_else(|| (cores / jobs).max(1));
    let tasks = discover_repositories(args.root.as_deref(), args.repos_file.as_deref(), shard)?;
    let store = Datastore::open(&args.datastore, true)?;
    let mode = if args.wait { LockMode::Wait } else { LockMode::Fail };
    let _lock = store.lock_audit(mode)?;
    let options = AuditOptions {
        mode: if args.no_history {
            Mode::WorkingTree
        } else {
            Mode::History
        },
        jobs,
        threads_per_repo: threads,
        full: args.full,
        max_blob_size: prepared.scanner.settings().max_file_size,
        shard,
        reverify_older_than,
    };
    let show = !args.common.no_progress && std::io::stderr().is_terminal();
    let summary = if show {
        let bars = Bars::new(tasks.len() as u64);
        let summary = bars.run(|| audit(store, &prepared.scanner, &tasks, &options, &bars));
        summary?
    } else {
        audit(store, &prepared.scanner, &tasks, &options, &Quiet)?
    };
    let store = Datastore::open(&args.datastore, false)?;
    let names: std::collections::HashSet<&str> = summary.repositories.iter().map(|r| r.name.as_str()).collect();
    let open_failing = store
        .findings()?
        .into_iter()
        .filter(|f| names.contains(f.repository.as_str()) && f.is_open() && fails(&prepared.gate, f))
        .count();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // The parser accepts only text and json (args::TEXT_JSON).
    let written = match args.common.format {
        Some(FormatArg::Json) => serde_json::to_writer_pretty(&mut out, &summary)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out)),
        _ => write_table(&mut out, &summary, &args.datastore, shard, open_failing),
    };
    match written.context("cannot write the audit summary") {
        Err(e) if super::is_broken_pipe(&e) => {}
        other => other?,
    }
    Ok(if open_failing > 0 {
        args.common.exit_code_on_findings.unwrap_or(exit::FINDINGS)
    } else if !summary.is_complete() && !args.common.allow_incomplete {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    })
}

/// Whether a stored finding fails the gate (as a scan's would): with `--fail-on live`, only
/// findings whose latest recorded verdict is live.
fn fails(gate: &Gate, f: &scanner_core::audit::FindingRecord) -> bool {
    if gate.live_only {
        return f.is_live();
    }
    f.confidence >= gate.min_confidence && f.severity >= gate.fail_on
}

fn write_table(
    out: &mut dyn Write,
    summary: &AuditSummary,
    datastore: &std::path::Path,
    shard: Option<Shard>,
    open_failing: usize,
) -> std::io::Result<()> {
    let width = summary
        .repositories
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 60);
    writeln!(
        out,
        "{:<width$}  {:<10}  {:>8}  {:>8}  {:>5}  {:>5}  {:>8}  {:>7}",
        "REPOSITORY", "STATUS", "SCANNED", "SKIPPED", "NEW", "FIXED", "FINDINGS", "TIME"
    )?;
    for r in &summary.repositories {
        let status = if r.unchanged { "unchanged" } else { r.status.as_str() };
        writeln!(
            out,
            "{:<width$}  {:<10}  {:>8}  {:>8}  {:>5}  {:>5}  {:>8}  {:>6.2}s",
            r.name,
            status,
            r.blobs_scanned,
            r.blobs_skipped,
            r.new_findings,
            r.fixed_findings,
            r.findings,
            r.elapsed.as_secs_f64()
        )?;
    }
    let problems: Vec<&RepoOutcome> = summary
        .repositories
        .iter()
        .filter(|r| r.status != RepoStatus::Ok)
        .collect();
    for r in &problems {
        writeln!(
            out,
            "{} {}: {}",
            r.status.as_str(),
            r.name,
            r.reason.as_deref().unwrap_or("")
        )?;
    }
    let unchanged = summary.repositories.iter().filter(|r| r.unchanged).count();
    let new: u64 = summary.repositories.iter().map(|r| r.new_findings).sum();
    let fixed: u64 = summary.repositories.iter().map(|r| r.fixed_findings).sum();
    let skipped: u64 = summary.repositories.iter().map(|r| r.blobs_skipped).sum();
    writeln!(
        out,
        "audited {} repositories{} in {:.2}s: {} unchanged, {} failed or incomplete; {} blobs scanned, {} already scanned; {} new findings, {} fixed, {} open at or above the gate",
        summary.repositories.len(),
        shard.map(|s| format!(" (shard {s})")).unwrap_or_default(),
        summary.elapsed.as_secs_f64(),
        unchanged,
        problems.len(),
        summary.blobs_scanned(),
        skipped,
        new,
        fixed,
        open_failing
    )?;
    let verified: u64 = summary.repositories.iter().map(|r| r.verified).sum();
    let reverify: u64 = summary.repositories.iter().map(|r| r.reverify).sum();
    if verified > 0 || reverify > 0 {
        writeln!(
            out,
            "verification: {verified} verdict(s) recorded; {reverify} finding(s) were due for re-verification"
        )?;
    }
    writeln!(
        out,
        "datastore: {} (audit #{}); see `leakscan report --datastore {}`",
        datastore.display(),
        summary.scan_id,
        datastore.display()
    )
}

/// An overall bar and one spinner per repository being audited (stderr, terminals only).
struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    running: Mutex<HashMap<String, (ProgressBar, Arc<Progress>)>>,
}

impl Bars {
    fn new(total: u64) -> Bars {
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new(total));
        overall.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} repositories {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bars {
            multi,
            overall,
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `work` while a thread refreshes the bars.
    fn run<T>(&self, work: impl FnOnce() -> T) -> T {
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    for (bar, progress) in self.running.lock().unwrap_or_else(|p| p.into_inner()).values() {
                        bar.set_message(format!(
                            "{} blobs, {} findings",
                            progress.blobs.load(Ordering::Relaxed),
                            progress.findings.load(Ordering::Relaxed)
                        ));
                        bar.tick();
                    }
                    std::thread::sleep(Duration::from_millis(120));
                }
            });
            let out = work();
            done.store(true, Ordering::Relaxed);
            self.overall.finish_and_clear();
            out
        })
    }
}

impl AuditObserver for Bars {
    fn started(&self, task: &RepoTask, progress: &Arc<Progress>) {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("  {spinner} {prefix}: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(task.name.clone());
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(task.name.clone(), (bar, progress.clone()));
    }

    fn finished(&self, task: &RepoTask, outcome: &RepoOutcome) {
        if let Some((bar, _)) = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&task.name)
        {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.overall.inc(1);
        if outcome.status != RepoStatus::Ok {
            self.overall
                .set_message(format!("(last problem: {} {})", outcome.status.as_str(), outcome.name));
        }
    }
}
