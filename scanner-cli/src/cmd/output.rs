//! What every scanning command shares: configuration, rules and settings from flags, the fail
//! gate, writing the report(s), exit codes.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use scanner_core::config::resolve::{CommandLine, parse_size, resolve, suppressed_notification};
use scanner_core::config::{Config, Trust};
use scanner_core::filter::baseline::Baseline;
use scanner_core::notification::Notification;
use scanner_core::{
    Confidence, Format, Gate, ReportOptions, RuleSet, ScanReport, ScanSettings, Scanner, Severity, write_report,
};

use crate::args::{ColorArg, CommonArgs, ConfidenceArg, FormatArg, SeverityArg};
use crate::exit;

/// A scanner ready to run, with the gate and what preparing it found to tell.
pub struct Prepared {
    /// The scanner (rules, settings, config allowlists, baseline).
    pub scanner: Scanner,
    /// Which findings fail the scan.
    pub gate: Gate,
    warnings: Vec<String>,
    /// What the configuration changed (a configuration found in the tree is reported).
    notifications: Vec<Notification>,
    /// The configuration used, for counting what it suppressed after the scan.
    config: Option<Config>,
    /// Whether the baseline came from a configuration found in the tree.
    baseline_from_repo: bool,
    /// The repository's `.leakscan-baseline.json`, when the scan picked it up by itself.
    auto_baseline: Option<PathBuf>,
}

/// Where the configuration comes from: `--config` (trusted), else the one found from the
/// scanned root (a repository's, limited by the trust model) unless `--isolated` or
/// `--no-repo-config`.
#[derive(Debug, Clone, Copy)]
pub struct ConfigChoice<'a> {
    /// `--config FILE`.
    pub explicit: Option<&'a Path>,
    /// `--isolated`: no configuration at all.
    pub isolated: bool,
    /// `--no-repo-config`: none found in the tree.
    pub no_repo_config: bool,
}

impl<'a> ConfigChoice<'a> {
    /// The choice the common scanning flags make.
    pub fn of(args: &'a CommonArgs) -> ConfigChoice<'a> {
        ConfigChoice {
            explicit: args.config.as_deref(),
            isolated: args.isolated,
            no_repo_config: args.no_repo_config,
        }
    }
}

/// Loads the configuration (see [`ConfigChoice`]), the rules (built-in, `--rules`, the
/// config's extras; then its disable/only/overrides), the baseline (unless `use_baseline` is
/// false) and the settings. `adjust` sets command-specific settings.
pub fn prepare(
    args: &CommonArgs,
    root: &Path,
    use_baseline: bool,
    adjust: impl FnOnce(&mut ScanSettings),
) -> Result<Prepared> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let config = load_config(ConfigChoice::of(args), root)?;
    let rules = load_rules_with(&args.rules_dirs, config.as_ref(), args.no_builtin_rules)?;
    let cli = CommandLine {
        max_file_size: args.max_file_size.clone(),
        threads: args.threads,
        max_memory: args.max_memory.clone(),
        file_timeout: args.file_timeout,
        min_confidence: args.min_confidence.map(confidence),
        fail_on: args.fail_on.map(severity),
    };
    let resolved = resolve(config.as_ref(), &cli, ScanSettings::default())?;
    let mut settings = resolved.settings;
    settings.report_unused_allows = args.report_unused_allows;
    settings.repo_ignore_files = !args.no_repo_config;
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
    let mut builder = Scanner::builder().settings(settings);
    let mut warnings = Vec::new();
    if let Some(c) = &config {
        builder = builder.config_filter(c.filter()?);
    }
    let mut auto_baseline = None;
    let (baseline_path, baseline_trust) = match (&args.baseline, &config) {
        (Some(path), _) => (Some(path.clone()), Trust::Trusted),
        (None, Some(c)) if c.baseline.is_some() => (c.baseline_path()?, c.trust.clone()),
        // The repository's own `.leakscan-baseline.json`: repository content, kept inside the
        // repository (a link out is refused) and read under the trust model, reported, and
        // ignored with --no-repo-config or --isolated.
        _ if !args.no_repo_config && !args.isolated => match scanner_core::filter::baseline::discover(root) {
            Some(found) => {
                let trust = Trust::repository_of(&found);
                let checked = trust.check_path(&found, "baseline")?;
                auto_baseline = use_baseline.then(|| checked.clone());
                (Some(checked), trust)
            }
            None => (None, Trust::Trusted),
        },
        _ => (None, Trust::Trusted),
    };
    // A configuration's own baseline (the repository's auto-picked one is reported apart).
    let baseline_from_repo = baseline_path.is_some() && !baseline_trust.is_trusted() && auto_baseline.is_none();
    if use_baseline && let Some(path) = baseline_path {
        let baseline = Baseline::load_with(&path, &baseline_trust)?;
        warnings.extend(unknown_rule_warnings(&baseline, &rules, &path));
        builder = builder.baseline(baseline.matcher(&scanner_core::date::today()));
    }
    let scanner = builder.rules(rules).build()?;
    Ok(Prepared {
        scanner,
        gate: resolved.gate,
        warnings,
        notifications: resolved.notifications,
        config,
        baseline_from_repo,
        auto_baseline,
    })
}

/// The rules: built-in (unless `no_builtin`), the trusted `--rules` paths, and the extras of
/// `config` (checked against its trust); then the config's disable/only/overrides.
pub fn load_rules_with(rule_paths: &[PathBuf], config: Option<&Config>, no_builtin: bool) -> Result<RuleSet> {
    let mut files = scanner_core::config::trust::read_rule_paths(rule_paths, &Trust::Trusted)?;
    if let Some(c) = config {
        files.extend(scanner_core::config::trust::read_rule_paths(
            &c.extra_rule_paths()?,
            &c.trust,
        )?);
    }
    let rules = if no_builtin {
        if files.is_empty() {
            bail!("--no-builtin-rules needs rule files: add --rules DIR");
        }
        RuleSet::from_files(files)?
    } else {
        RuleSet::builtin_with(files)?
    };
    Ok(match config {
        Some(c) => c.apply_rules(&rules)?,
        None => rules,
    })
}

/// The configuration to use (see [`ConfigChoice`]).
pub fn load_config(choice: ConfigChoice<'_>, root: &Path) -> Result<Option<Config>> {
    if choice.isolated {
        return Ok(None);
    }
    if let Some(path) = choice.explicit {
        log::info!("using configuration {}", path.display());
        return Ok(Some(Config::load(path)?));
    }
    let Some(found) = Config::discover(root) else {
        return Ok(None);
    };
    if choice.no_repo_config {
        log::info!("ignoring configuration {} (--no-repo-config)", found.display());
        return Ok(None);
    }
    log::info!("using configuration {} (found in the scanned tree)", found.display());
    Ok(Some(Config::load_discovered(&found)?))
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
    report
        .notifications
        .splice(0..0, prepared.notifications.iter().cloned());
    if let Some(c) = &prepared.config
        && let Some(n) = suppressed_notification(&report, c, prepared.baseline_from_repo)
    {
        report.notifications.push(n);
    }
    if let Some(file) = &prepared.auto_baseline {
        report
            .notifications
            .push(scanner_core::filter::baseline::discovered_notification(&report, file));
    }
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

/// The format a report file's extension names (`report.sarif`, `junit.xml`, `summary.md`).
pub fn format_of_extension(path: &Path) -> Option<FormatArg> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "sarif" => FormatArg::Sarif,
        "json" => FormatArg::Json,
        "csv" => FormatArg::Csv,
        "xml" => FormatArg::Junit,
        "md" | "markdown" => FormatArg::Markdown,
        "txt" | "text" => FormatArg::Text,
        _ => return None,
    })
}

/// The (format, file) pairs of `--output`; `None` as file means stdout. A plain FILE is
/// written in the `-f` format, else the one its extension names, else text.
pub fn destinations(args: &CommonArgs) -> Result<Vec<(FormatArg, Option<PathBuf>)>> {
    let stdout_format = args.format.unwrap_or(FormatArg::Text);
    if args.output.is_empty() {
        return Ok(vec![(stdout_format, None)]);
    }
    args.output
        .iter()
        .map(|o| {
            if let Some((format, path)) = o.split_once('=').and_then(|(f, p)| format_named(f).map(|f| (f, p))) {
                return Ok((format, (path != "-").then(|| PathBuf::from(path))));
            }
            if o == "-" {
                return Ok((stdout_format, None));
            }
            let path = PathBuf::from(o);
            let format = match (args.format, format_of_extension(&path)) {
                (Some(format), _) | (None, Some(format)) => format,
                (None, None) if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("html")) => bail!(
                    "-o {o}: scan reports have no HTML format (HTML is `leakscan report -f html`, from an \
                     audit datastore); choose one with -f or FORMAT=FILE"
                ),
                (None, None) => FormatArg::Text,
            };
            Ok((format, Some(path)))
        })
        .collect()
}

fn write_outputs(args: &CommonArgs, report: &ScanReport, prepared: &Prepared) -> Result<()> {
    let rules = prepared.scanner.rules();
    for (format, path) in destinations(args)? {
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
