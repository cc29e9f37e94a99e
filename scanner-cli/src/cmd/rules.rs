//! `leakscan rules list | check | explain`.

use std::io::{self, Write};

use anyhow::{Result, bail};
use scanner_core::{CheckLevel, RuleSet, check_rules};

use crate::args::{FormatArg, RulesCommand};
use crate::exit;

/// Runs a rules subcommand and returns the exit code.
pub fn run(cmd: &RulesCommand) -> Result<u8> {
    let result = match cmd {
        RulesCommand::List { format, rules_dirs } => list(&super::load_rules(rules_dirs)?, *format),
        RulesCommand::Check {
            rules_dirs,
            warnings_as_errors,
        } => check(rules_dirs, *warnings_as_errors),
        RulesCommand::Explain { id, rules_dirs } => explain(&super::load_rules(rules_dirs)?, id),
    };
    match result {
        Err(e) if super::is_broken_pipe(&e) => Ok(exit::CLEAN),
        other => other,
    }
}

fn list(rules: &RuleSet, format: FormatArg) -> Result<u8> {
    match format {
        FormatArg::Json => {
            let items: Vec<_> = rules
                .rules()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "name": r.name, "severity": r.severity, "confidence": r.confidence,
                        "tags": r.tags, "keywords": r.keywords, "source": r.source,
                    })
                })
                .collect();
            super::to_stdout(|out| {
                serde_json::to_writer_pretty(&mut *out, &items)?;
                writeln!(out)
            })?;
        }
        // The parser offers and accepts only text and json (args::RULES_LIST_FORMATS).
        _ => super::to_stdout(|out| {
            let width = rules.rules().iter().map(|r| r.id.len()).max().unwrap_or(2);
            for r in rules.rules() {
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {:<6}  {}",
                    r.id,
                    r.severity.as_str(),
                    r.confidence.as_str(),
                    r.name
                )?;
            }
            writeln!(out, "{} rules", rules.len())
        })?,
    }
    Ok(exit::CLEAN)
}

fn check(dirs: &[std::path::PathBuf], warnings_as_errors: bool) -> Result<u8> {
    let files = if dirs.is_empty() {
        super::builtin_files()
    } else {
        scanner_core::config::trust::read_rule_paths(dirs, &scanner_core::config::Trust::Trusted)?
    };
    let (count, issues) = check_rules(&files);
    let mut err = io::stderr().lock();
    for issue in &issues {
        writeln!(err, "{issue}")?;
    }
    let invalid = issues.iter().filter(|i| i.level == CheckLevel::Invalid).count();
    let errors = issues.iter().filter(|i| i.level == CheckLevel::Error).count();
    let warnings = issues.iter().filter(|i| i.level == CheckLevel::Warning).count();
    let examples: usize = files.len();
    writeln!(
        err,
        "checked {count} rules in {examples} files: {} errors, {warnings} warnings",
        invalid + errors
    )?;
    Ok(if invalid > 0 {
        exit::FATAL
    } else if errors > 0 || (warnings_as_errors && warnings > 0) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}

fn explain(rules: &RuleSet, id: &str) -> Result<u8> {
    let Some(r) = rules.get(id) else {
        bail!("no rule with id `{id}` (see `leakscan rules list`)");
    };
    super::to_stdout(|out| {
        writeln!(out, "{} ({})", r.name, r.id)?;
        writeln!(
            out,
            "severity: {}   confidence: {}   tags: {}",
            r.severity.as_str(),
            r.confidence.as_str(),
            r.tags.join(", ")
        )?;
        writeln!(out, "\n{}\n", r.description)?;
        writeln!(out, "Remediation: {}\n", r.remediation)?;
        if let Some(check) = &r.check {
            writeln!(
                out,
                "Check:    structural configuration check `{check}` (`--checks config`)"
            )?;
        } else {
            writeln!(out, "Pattern:  {}", r.pattern)?;
            writeln!(out, "Keywords: {}", r.keywords.join(", "))?;
            writeln!(out, "Search:   {}", r.search_plan())?;
        }
        if let Some(e) = r.entropy {
            writeln!(out, "Entropy:  at least {e} bits per byte")?;
        }
        let validators: Vec<&str> = r.validator_names().collect();
        if !validators.is_empty() {
            writeln!(out, "Checked:  {} (offline)", validators.join(", "))?;
        }
        for reference in &r.references {
            writeln!(out, "See:      {reference}")?;
        }
        writeln!(out, "Defined in {}", r.source)?;
        Ok(())
    })?;
    Ok(exit::CLEAN)
}
