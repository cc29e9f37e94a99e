//! `leakscan explain FILE:LINE`: why a line is or is not reported.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::output::prepare;
use crate::args::{ExplainArgs, FormatArg};
use crate::exit;

/// Prints every reason that applies to the line (text, or JSON with `-f json`); exits 0
/// unless the input is bad (a line past the end of the file is an error).
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
    if !args.common.output.is_empty() {
        bail!("explain prints to standard output (-o is for scan reports)");
    }
    let prepared = prepare(&args.common, &file, true, |_| {})?;
    let lines = line_count(&file)?;
    if line > lines {
        bail!(
            "{}:{line}: the file has {lines} line{}",
            file.display(),
            if lines == 1 { "" } else { "s" }
        );
    }
    let explanation = prepared.scanner.explain_line(&file, line)?;
    let gate = &prepared.gate;
    let verdict = |f: &scanner_core::Finding| match &f.suppression {
        Some(s) => ("suppressed", format!("suppressed: {s} [filter `{}`]", s.stage())),
        None if gate.fails(f) => (
            "fails",
            format!(
                "REPORTED, fails the scan ({} severity, {} confidence)",
                f.severity.as_str(),
                f.confidence.as_str()
            ),
        ),
        None => (
            "below-gate",
            format!(
                "reported below the fail gate ({} severity, {} confidence; gate: confidence ≥ {}, severity ≥ {})",
                f.severity.as_str(),
                f.confidence.as_str(),
                gate.min_confidence.as_str(),
                gate.fail_on.as_str()
            ),
        ),
    };
    // The parser accepts only text and json (args::TEXT_JSON).
    if args.common.format == Some(FormatArg::Json) {
        let doc = serde_json::json!({
            "path": file.display().to_string(),
            "line": line,
            "findings": explanation.findings.iter().map(|f| {
                let (outcome, message) = verdict(f);
                serde_json::json!({
                    "rule": f.rule_id.to_string(),
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "outcome": outcome,
                    "suppression": f.suppression.as_ref().map(|s| s.to_string()),
                    "filter": f.suppression.as_ref().map(|s| s.stage().to_string()),
                    "message": message,
                    "snippet": f.snippet(args.common.show_secrets).to_string(),
                })
            }).collect::<Vec<_>>(),
            "low_entropy": explanation.low_entropy.iter().map(|(rule, detail)| {
                serde_json::json!({ "rule": rule.to_string(), "detail": detail.to_string() })
            }).collect::<Vec<_>>(),
            "keyword_only": explanation.keyword_only.iter().map(|(rule, keyword)| {
                serde_json::json!({ "rule": rule.to_string(), "keyword": keyword.to_string() })
            }).collect::<Vec<_>>(),
            "filters": explanation.filters.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        });
        super::to_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        })?;
        return Ok(exit::CLEAN);
    }
    super::to_stdout(|out| {
        writeln!(out, "{}:{line}", file.display())?;
        if explanation.findings.is_empty() && explanation.low_entropy.is_empty() && explanation.keyword_only.is_empty()
        {
            writeln!(out, "  not reported: no rule's keyword occurs on this line")?;
        }
        for f in &explanation.findings {
            writeln!(out, "  {}: {}", f.rule_id, verdict(f).1)?;
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
        )
    })?;
    Ok(exit::CLEAN)
}

/// Lines in `file` (a last line without a newline counts).
fn line_count(file: &Path) -> Result<usize> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    Ok(newlines + usize::from(bytes.last().is_some_and(|&b| b != b'\n')))
}
