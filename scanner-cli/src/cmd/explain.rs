//! `leakscan explain FILE:LINE`: why a line is or is not reported.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::output::prepare;
use crate::args::ExplainArgs;
use crate::exit;

/// Prints every reason that applies to the line; always exits 0 unless the input is bad.
pub fn run(args: &ExplainArgs) -> Result<u8> {
    let (file, line) = args
        .location
        .rsplit_once(':')
        .and_then(|(f, l)| {
            l.parse::<usize>()
                .ok()
                .filter(|&l| l >= 1)
                .map(|l| (PathBuf::from(f), l))
        })
        .with_context(|| format!("expected FILE:LINE with a line number from 1, got `{}`", args.location))?;
    let prepared = prepare(&args.common, &file, true, |_| {})?;
    let explanation = prepared.scanner.explain_line(&file, line)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}:{line}", file.display())?;
    if explanation.findings.is_empty() && explanation.low_entropy.is_empty() && explanation.keyword_only.is_empty() {
        writeln!(out, "  not reported: no rule's keyword occurs on this line")?;
    }
    for f in &explanation.findings {
        let verdict = match &f.suppression {
            Some(s) => format!("suppressed: {s} [filter `{}`]", s.stage()),
            None if prepared.gate.fails(f) => format!(
                "REPORTED, fails the scan ({} severity, {} confidence)",
                f.severity.as_str(),
                f.confidence.as_str()
            ),
            None => format!(
                "reported below the fail gate ({} severity, {} confidence; gate: confidence ≥ {}, severity ≥ {})",
                f.severity.as_str(),
                f.confidence.as_str(),
                prepared.gate.min_confidence.as_str(),
                prepared.gate.fail_on.as_str()
            ),
        };
        writeln!(out, "  {}: {verdict}", f.rule_id)?;
        writeln!(out, "      {}", f.snippet(args.common.show_secrets))?;
    }
    for (rule, detail) in &explanation.low_entropy {
        writeln!(
            out,
            "  {rule}: not reported: the pattern matches but the value has too little entropy ({detail}) [filter `entropy-minimum`]"
        )?;
    }
    for (rule, keyword) in &explanation.keyword_only {
        writeln!(
            out,
            "  {rule}: not reported: keyword `{keyword}` is on the line but the pattern does not match"
        )?;
    }
    writeln!(
        out,
        "  filters, in order (the first that suppresses decides): {}",
        explanation.filters.join(" → ")
    )?;
    Ok(exit::CLEAN)
}
