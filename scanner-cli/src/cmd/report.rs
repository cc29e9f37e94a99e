//! `leakscan report`: the findings of a datastore in any audit format.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::{Context, Result};
use scanner_core::RuleCatalog;
use scanner_core::audit::Datastore;
use scanner_core::audit::model::{FindingState, ReportFilter};
use scanner_core::audit::report::{AuditFormat, write_audit_report};

use crate::args::{AuditFormatArg, ReportArgs, StateArg};
use crate::exit;

/// The format of `-f`, else the one the extension of `-o FILE` names, else `default`.
pub fn audit_format(
    format: Option<AuditFormatArg>,
    output: Option<&std::path::Path>,
    default: AuditFormatArg,
) -> AuditFormatArg {
    format
        .or_else(|| {
            let ext = output?.extension()?.to_str()?.to_ascii_lowercase();
            Some(match ext.as_str() {
                "json" => AuditFormatArg::Json,
                "sarif" => AuditFormatArg::Sarif,
                "csv" => AuditFormatArg::Csv,
                "html" | "htm" => AuditFormatArg::Html,
                "txt" | "text" => AuditFormatArg::Text,
                _ => return None,
            })
        })
        .unwrap_or(default)
}

/// The core format of a CLI format.
pub fn to_format(f: AuditFormatArg) -> AuditFormat {
    match f {
        AuditFormatArg::Text => AuditFormat::Text,
        AuditFormatArg::Json => AuditFormat::Json,
        AuditFormatArg::Sarif => AuditFormat::Sarif,
        AuditFormatArg::Csv => AuditFormat::Csv,
        AuditFormatArg::Html => AuditFormat::Html,
    }
}

fn state(s: StateArg) -> FindingState {
    match s {
        StateArg::Open => FindingState::Open,
        StateArg::AcceptedRisk => FindingState::AcceptedRisk,
        StateArg::FalsePositive => FindingState::FalsePositive,
        StateArg::Revoked => FindingState::Revoked,
        StateArg::Fixed => FindingState::Fixed,
    }
}

/// Writes the report; exit 0 (a report never fails on findings).
pub fn run(args: &ReportArgs) -> Result<u8> {
    let store = Datastore::open(&args.datastore, false)?;
    let filter = ReportFilter {
        states: args.state.iter().map(|s| state(*s)).collect(),
        repository: args.repo.clone(),
        rule: args.rule.clone(),
    };
    let findings: Vec<_> = store.findings()?.into_iter().filter(|f| filter.keeps(f)).collect();
    let repositories = store.repositories()?;
    let format = audit_format(args.format, args.output.as_deref(), AuditFormatArg::Text);
    let rules = rule_catalog()?;
    write_to(args.output.as_deref(), |out| {
        write_audit_report(to_format(format), &repositories, &findings, &rules, out)
    })?;
    Ok(exit::CLEAN)
}

/// The built-in rules' metadata: SARIF rule descriptors and the HTML page's remediation text.
pub fn rule_catalog() -> Result<RuleCatalog> {
    Ok(super::load_rules(&[])?.catalog())
}

/// Runs `write` on FILE (or stdout); a closed stdout pipe is not an error.
pub fn write_to(
    path: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
            out.flush().with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let result = write(&mut out)
                .and_then(|_| out.flush())
                .context("cannot write the report");
            match result {
                Err(e) if super::is_broken_pipe(&e) => Ok(()),
                other => other,
            }
        }
    }
}
