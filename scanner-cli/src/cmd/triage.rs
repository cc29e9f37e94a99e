//! `leakscan triage`: set a finding's status (appended to the audit log), or export/import
//! every triage decision as JSON.

use anyhow::{Context, Result, bail};
use scanner_core::audit::datastore::{TriageDecision, TriageExport, TriageStatus};
use scanner_core::audit::{Datastore, now};

use super::report::write_to;
use crate::args::{TriageArgs, TriageStatusArg};
use crate::exit;

fn status(s: TriageStatusArg) -> TriageStatus {
    match s {
        TriageStatusArg::Open => TriageStatus::Open,
        TriageStatusArg::AcceptedRisk => TriageStatus::AcceptedRisk,
        TriageStatusArg::FalsePositive => TriageStatus::FalsePositive,
        TriageStatusArg::Revoked => TriageStatus::Revoked,
    }
}

/// Who is triaging: `--who`, else `$LEAKSCAN_USER`, else `$USER`.
fn who(args: &TriageArgs) -> String {
    args.who
        .clone()
        .or_else(|| std::env::var("LEAKSCAN_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|w| !w.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Runs the triage command.
pub fn run(args: &TriageArgs) -> Result<u8> {
    if let Some(path) = &args.export {
        let store = Datastore::open(&args.datastore, false)?;
        let export = store.export_triage()?;
        let target = (path.as_os_str() != "-").then_some(path.as_path());
        write_to(target, |out| {
            serde_json::to_writer_pretty(&mut *out, &export)?;
            writeln!(out)
        })?;
        if target.is_some() {
            eprintln!(
                "exported {} triage decisions to {}",
                export.decisions.len(),
                path.display()
            );
        }
        return Ok(exit::CLEAN);
    }
    if let Some(path) = &args.import {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let export: TriageExport =
            serde_json::from_str(&text).with_context(|| format!("{}: not a leakscan triage export", path.display()))?;
        if export.version != 1 {
            bail!(
                "{}: triage export version {} is not supported (expected 1)",
                path.display(),
                export.version
            );
        }
        let mut store = Datastore::open(&args.datastore, true)?;
        let changed = store.import_triage(&export)?;
        super::to_stdout(|o| {
            writeln!(
                o,
                "imported {} triage decisions ({changed} changed, logged)",
                export.decisions.len()
            )
        })?;
        return Ok(exit::CLEAN);
    }
    let (Some(text), Some(new), Some(reason)) = (&args.fingerprint, args.status, &args.reason) else {
        bail!("give FINGERPRINT with --status and --reason, or --export / --import");
    };
    if reason.trim().is_empty() {
        bail!("--reason must not be empty: the audit log records why");
    }
    let mut store = Datastore::open(&args.datastore, false)?;
    let fingerprint = store.resolve_fingerprint(text)?;
    let decision = TriageDecision {
        fingerprint: fingerprint.clone(),
        status: status(new),
        who: who(args),
        at: now(),
        why: reason.clone(),
    };
    let old = store.set_triage(&decision)?;
    super::to_stdout(|o| {
        writeln!(
            o,
            "{fingerprint}: {} -> {} by {} ({})",
            old.as_str(),
            decision.status.as_str(),
            decision.who,
            decision.why
        )
    })?;
    Ok(exit::CLEAN)
}
