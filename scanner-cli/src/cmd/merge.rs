//! `leakscan merge`: combine the outputs of sharded jobs (JSON, SARIF or datastores).

use anyhow::Result;
use scanner_core::audit::Datastore;
use scanner_core::audit::merge::{merge_datastores, read_inputs};
use scanner_core::audit::report::write_audit_report;

use super::report::{audit_format, to_format, write_to};
use crate::args::{AuditFormatArg, MergeArgs};
use crate::exit;

/// Merges the inputs into a report (deduplicated by repository and fingerprint) or, with
/// `--datastore`, merges datastores into one.
pub fn run(args: &MergeArgs) -> Result<u8> {
    if let Some(out) = &args.datastore {
        let mut store = Datastore::open(out, true)?;
        let _lock = store.lock_audit(scanner_core::audit::LockMode::Wait)?;
        merge_datastores(&mut store, &args.inputs)?;
        let repos = store.repositories()?.len();
        let findings = store.findings()?.len();
        super::to_stdout(|o| {
            writeln!(
                o,
                "merged {} datastores into {}: {repos} repositories, {findings} findings",
                args.inputs.len(),
                out.display()
            )
        })?;
        return Ok(exit::CLEAN);
    }
    let merged = read_inputs(&args.inputs)?;
    let format = audit_format(args.format, args.output.as_deref(), AuditFormatArg::Json);
    let rules = super::report::rule_catalog()?;
    write_to(args.output.as_deref(), |out| {
        write_audit_report(to_format(format), &merged.repositories, &merged.findings, &rules, out)
    })?;
    Ok(exit::CLEAN)
}
