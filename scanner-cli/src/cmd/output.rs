//! What every scanning command shares: configuration, rules and settings from flags, the fail
//! gate, writing the report(s), exit codes.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use scanner_core::config::Config;
use scanner_core::filter::baseline::Baseline;
use scanner_core::{
    Confidence, Format, Gate, ReportOptions, RuleSet, ScanReport, ScanSettings, Scanner, Severity, write_report,
};

use crate::args::{ColorArg, CommonArgs, ConfidenceArg, FormatArg, SeverityArg};
use crate::exit;

/// A scanner ready to run, with the gate and the warnings gathered while preparing it.
pub struct Prepared {
    /// The scanner (rules, settings, config allowlists, baseline).
    pub scanner: Scanner,
    /// Which findings fail the scan.
    pub gate: Gate,
    warnings: Vec<String>,
}

/// Loads the configuration (searched from `root` unless `--config`/`--isolated`), the rules
/// (built-in, `--rules`, the config's extras; then its disable/only/overrides), the baseline
/// (unless `use_baseline` is false) and the settings. `adjust` sets command-specific settings.
pub fn prepare(
    args: &CommonArgs,
    root: &Path,
    use_baseline: bool,
    adjust: impl FnOnce(&mut ScanSettings),
) -> Result<Prepared> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let config = load_config(args.config.as_deref(), args.isolated, root)?;
    let mut dirs: Vec<PathBuf> = args.rules_dirs.clone();
    if let Some(c) = &config {
        dirs.extend(c.rules.extra.iter().map(|p| c.resolve(p)));
    }
    let mut rules = if args.no_builtin_rules {
        if dirs.is_empty() {
            bail!("--no-builtin-rules needs rule files: add --rules DIR");
        }
        super::load_rule_files(&dirs)?
    } else {
        super::load_rules(&dirs)?
    };
    if let Some(c) = &config {
        rules = c.apply_rules(&rules)?;
    }
    let limits = config.as_ref().map(|c| c.limits.clone()).unwrap_or_default();
    let size_text = args
        .max_file_size
        .clone()
        .or(limits.max_file_size)
        .unwrap_or_else(|| "256M".into());
    let mut settings = ScanSettings {
        threads: args.threads.or(limits.threads).unwrap_or(0),
        max_file_size: parse_size(&size_text).with_context(|| {
            format!("invalid max file size `{size_text}` (--max-file-size or [limits] max_file_size)")
        })?,
        ..ScanSettings::default()
    };
    if let Some(text) = args.max_memory.clone().or(limits.max_memory) {
        settings.max_in_flight = parse_size(&text)
            .with_context(|| format!("invalid memory budget `{text}` (--max-memory or [limits] max_memory)"))?;
    }
    if let Some(seconds) = args.file_timeout.or(limits.file_timeout) {
        if !seconds.is_finite() || seconds < 0.0 {
            bail!("invalid file timeout `{seconds}` (--file-timeout or [limits] file_timeout): seconds, 0 for none");
        }
        settings.file_timeout = (seconds > 0.0).then(|| std::time::Duration::from_secs_f64(seconds));
    }
    settings.report_unused_allows = args.report_unused_allows;
    settings.secrets = args.checks.contains(&crate::args::CheckKind::Secrets);
    settings.config_checks = args.checks.contains(&crate::args::CheckKind::Config);
    if let Some(depth) = args.archive_depth {
        settings.archives.max_depth = depth;
    }
    if let Some(size) = &args.archive_max_size {
        settings.archives.max_total_bytes =
            parse_size(size).with_context(|| format!("invalid --archive-max-size `{size}`"))?;
    }
    adjust(&mut settings);
    let defaults = Gate::default();
    let gate = Gate {
        min_confidence: args
            .min_confidence
            .map(confidence)
            .or(config.as_ref().and_then(|c| c.min_confidence))
            .unwrap_or(defaults.min_confidence),
        fail_on: args
            .fail_on
            .map(severity)
            .or(config.as_ref().and_then(|c| c.fail_on))
            .unwrap_or(defaults.fail_on),
    };
    let mut builder = Scanner::builder().settings(settings);
    let mut warnings = Vec::new();
    if let Some(c) = &config {
        builder = builder.config_filter(c.filter()?);
    }
    let baseline_path = args
        .baseline
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.baseline.as_ref().map(|b| c.resolve(b))));
    if use_baseline && let Some(path) = baseline_path {
        let baseline = Baseline::load(&path)?;
        warnings.extend(unknown_rule_warnings(&baseline, &rules, &path));
        builder = builder.baseline(baseline.matcher(&scanner_core::date::today()));
    }
    let scanner = builder.rules(rules).build()?;
    Ok(Prepared {
        scanner,
        gate,
        warnings,
    })
}

/// The configuration file to use: `explicit`, else the one found from `root`, unless isolated.
pub fn load_config(explicit: Option<&Path>, isolated: bool, root: &Path) -> Result<Option<Config>> {
    if isolated {
        return Ok(None);
    }
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Config::discover(root),
    };
    match path {
        Some(p) => {
            log::info!("using configuration {}", p.display());
            Ok(Some(Config::load(&p)?))
        }
        None => Ok(None),
    }
}

fn unknown_rule_warnings(baseline: &Baseline, rules: &RuleSet, path: &Path) -> Vec<String> {
    let mut missing: Vec<&str> = baseline
        .entries
        .iter()
        .map(|e| e.rule.as_str())
        .filter(|r| rules.get(r).is_none())
        .collect();
    missing.sort();
    missing.dedup();
    missing
        .into_iter()
        .map(|r| {
            format!(
                "{}: entries for rule `{r}`, which is not loaded (removed or disabled)",
                path.display()
            )
        })
        .collect()
}

fn confidence(c: ConfidenceArg) -> Confidence {
    match c {
        ConfidenceArg::Low => Confidence::Low,
        ConfidenceArg::Medium => Confidence::Medium,
        ConfidenceArg::High => Confidence::High,
    }
}

fn severity(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

/// Writes the report(s) and returns the exit code (a closed stdout pipe is not an error).
pub fn finish(args: &CommonArgs, mut report: ScanReport, prepared: &Prepared) -> Result<u8> {
    report.warnings.splice(0..0, prepared.warnings.iter().cloned());
    let code = exit_code(&report, args, &prepared.gate);
    match write_outputs(args, &report, prepared) {
        Err(e) if super::is_broken_pipe(&e) => {}
        other => other?,
    }
    Ok(code)
}

/// Fail closed: failing findings → 1 (or `--exit-code-on-findings`), otherwise an incomplete
/// scan → 3, otherwise 0.
fn exit_code(report: &ScanReport, args: &CommonArgs, gate: &Gate) -> u8 {
    if report.fails(gate) {
        args.exit_code_on_findings.unwrap_or(exit::FINDINGS)
    } else if !report.is_complete() && !args.allow_incomplete {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    }
}

/// `512`, `64K`, `256M`, `2G` (binary multiples; a trailing `B`/`iB` is accepted).
pub fn parse_size(text: &str) -> Result<u64> {
    let lower = text.trim().to_ascii_lowercase();
    let t = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (digits, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mult: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => bail!("unknown unit `{c}` (use K, M, G or T)"),
            };
            (&t[..i], mult)
        }
        _ => (t, 1),
    };
    let n: u64 = digits.trim().parse().context("expected a whole number")?;
    n.checked_mul(mult).context("size too large")
}

/// A format name as used in `--output FORMAT=FILE`.
fn format_named(name: &str) -> Option<FormatArg> {
    <FormatArg as clap::ValueEnum>::from_str(name, true).ok()
}

fn to_format(f: FormatArg) -> Format {
    match f {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Junit => Format::Junit,
        FormatArg::Gitlab => Format::Gitlab,
        FormatArg::Github => Format::Github,
        FormatArg::Csv => Format::Csv,
        FormatArg::Markdown => Format::Markdown,
    }
}

/// The (format, file) pairs of `--output`; `None` as file means stdout.
fn destinations(args: &CommonArgs) -> Vec<(FormatArg, Option<PathBuf>)> {
    if args.output.is_empty() {
        return vec![(args.format, None)];
    }
    args.output
        .iter()
        .map(
            |o| match o.split_once('=').and_then(|(f, p)| format_named(f).map(|f| (f, p))) {
                Some((format, "-")) => (format, None),
                Some((format, path)) => (format, Some(PathBuf::from(path))),
                None if o == "-" => (args.format, None),
                None => (args.format, Some(PathBuf::from(o))),
            },
        )
        .collect()
}

fn write_outputs(args: &CommonArgs, report: &ScanReport, prepared: &Prepared) -> Result<()> {
    let rules = prepared.scanner.rules();
    for (format, path) in destinations(args) {
        let mut options = ReportOptions {
            show_secrets: args.show_secrets,
            show_suppressed: args.show_suppressed,
            color: false,
            gate: prepared.gate,
            verbose: crate::verbosity() > 0,
        };
        match path {
            Some(path) => {
                let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
                let mut out = BufWriter::new(file);
                let ctx = || format!("cannot write {}", path.display());
                write_report(to_format(format), report, rules, options, &mut out).with_context(ctx)?;
                out.flush().with_context(ctx)?;
            }
            None => {
                let stdout = io::stdout();
                options.color = match args.color {
                    ColorArg::Always => true,
                    ColorArg::Never => false,
                    ColorArg::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
                };
                let mut out = BufWriter::new(stdout.lock());
                write_report(to_format(format), report, rules, options, &mut out).context("cannot write the report")?;
                out.flush().context("cannot write the report")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("256M").unwrap(), 256 << 20);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("1mb").unwrap(), 1 << 20);
        assert!(parse_size("12X").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
