//! What every scanning command shares: configuration, rules and settings from flags, the fail
//! gate, writing the report(s), exit codes.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use scanner_core::config::Config;
use scanner_core::config::resolve::{CommandLine, parse_size};
use scanner_core::request::{ConfigSource, PreparedScan, RuleSources, ScanRequest};
use scanner_core::{
    Confidence, Format, Gate, ReportOptions, RuleSet, ScanReport, ScanSettings, Severity, write_report,
};

use crate::args::{ColorArg, CommonArgs, ConfidenceArg, FailOnArg, FormatArg};
use crate::exit;

/// Where the configuration comes from, as the common flags say: `--config` (trusted), else
/// the one found from the scanned root (a repository's, limited by the trust model) unless
/// `--isolated` or `--no-repo-config`.
pub fn config_source(explicit: Option<&Path>, isolated: bool, no_repo_config: bool) -> ConfigSource {
    match (explicit, isolated, no_repo_config) {
        (_, true, _) => ConfigSource::Isolated,
        (Some(path), _, _) => ConfigSource::File(path.to_path_buf()),
        (None, _, true) => ConfigSource::IgnoreRepository,
        (None, _, false) => ConfigSource::Discover,
    }
}

/// The scan request the common flags make ([`ScanRequest::prepare`] does the work: the
/// configuration, the rules, the baseline and the settings). `adjust` sets command-specific
/// settings.
pub fn prepare(
    args: &CommonArgs,
    root: &Path,
    use_baseline: bool,
    adjust: impl FnOnce(&mut ScanSettings),
) -> Result<PreparedScan> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    if args.no_builtin_rules && args.rules_dirs.is_empty() {
        bail!("--no-builtin-rules needs rule files: add --rules DIR");
    }
    let request = ScanRequest {
        config: config_source(args.config.as_deref(), args.isolated, args.no_repo_config),
        rules: RuleSources {
            paths: args.rules_dirs.clone(),
            no_builtin: args.no_builtin_rules,
        },
        baseline: args.baseline.clone(),
        use_baseline,
        command_line: CommandLine {
            max_file_size: args.max_file_size.clone(),
            threads: args.threads,
            max_memory: args.max_memory.clone(),
            file_timeout: args.file_timeout,
            min_confidence: args.min_confidence.map(confidence),
            fail_on: args.fail_on.and_then(severity),
            live_only: args.fail_on == Some(FailOnArg::Live),
            verify: args.verify,
            verify_endpoint_overrides: test_endpoints()?,
        },
    };
    let mut settings = ScanSettings {
        report_unused_allows: args.report_unused_allows,
        repo_ignore_files: !args.no_repo_config,
        secrets: args.checks.contains(&crate::args::CheckKind::Secrets),
        config_checks: args.checks.contains(&crate::args::CheckKind::Config),
        ..ScanSettings::default()
    };
    if let Some(depth) = args.archive_depth {
        settings.archives.max_depth = depth;
    }
    if let Some(size) = &args.archive_max_size {
        settings.archives.max_total_bytes =
            parse_size(size).with_context(|| format!("invalid --archive-max-size `{size}`"))?;
    }
    adjust(&mut settings);
    Ok(request.prepare(root, settings)?)
}

/// Test only: `LEAKSCAN_VERIFY_TEST_ENDPOINTS=host=127.0.0.1:PORT,…` and
/// `LEAKSCAN_VERIFY_TEST_CA=FILE` send verification requests for those hosts to local mock
/// servers trusting only that CA; every other host is refused. Only loopback addresses are
/// accepted, so the variables cannot send a secret anywhere but this machine.
fn test_endpoints() -> Result<Option<scanner_core::verify::EndpointOverrides>> {
    let Some(list) = std::env::var_os("LEAKSCAN_VERIFY_TEST_ENDPOINTS") else {
        return Ok(None);
    };
    let list = list.to_string_lossy();
    let mut hosts = std::collections::BTreeMap::new();
    for item in list.split(',').filter(|i| !i.is_empty()) {
        let (host, addr) = item
            .split_once('=')
            .with_context(|| format!("LEAKSCAN_VERIFY_TEST_ENDPOINTS: `{item}` is not host=ADDRESS:PORT"))?;
        let addr: std::net::SocketAddr = addr
            .parse()
            .with_context(|| format!("LEAKSCAN_VERIFY_TEST_ENDPOINTS: `{addr}` is not ADDRESS:PORT"))?;
        if !addr.ip().is_loopback() {
            bail!("LEAKSCAN_VERIFY_TEST_ENDPOINTS: {addr} is not a loopback address (test endpoints are local only)");
        }
        hosts.insert(host.to_ascii_lowercase(), addr);
    }
    let ca = std::env::var_os("LEAKSCAN_VERIFY_TEST_CA")
        .context("LEAKSCAN_VERIFY_TEST_ENDPOINTS needs LEAKSCAN_VERIFY_TEST_CA")?;
    let root_ca_pem =
        std::fs::read_to_string(&ca).with_context(|| format!("cannot read {}", PathBuf::from(&ca).display()))?;
    Ok(Some(scanner_core::verify::EndpointOverrides { hosts, root_ca_pem }))
}

/// The rules: built-in, the trusted `rule_paths`, and the extras of `config` (checked against
/// its trust); then the config's disable/only/overrides.
pub fn load_rules_with(rule_paths: &[PathBuf], config: Option<&Config>) -> Result<RuleSet> {
    let sources = RuleSources {
        paths: rule_paths.to_vec(),
        no_builtin: false,
    };
    Ok(sources.load(config)?)
}

fn confidence(c: ConfidenceArg) -> Confidence {
    match c {
        ConfidenceArg::Low => Confidence::Low,
        ConfidenceArg::Medium => Confidence::Medium,
        ConfidenceArg::High => Confidence::High,
    }
}

/// The severity `--fail-on` names (`None` for `live`, which is not a severity).
fn severity(s: FailOnArg) -> Option<Severity> {
    Some(match s {
        FailOnArg::Low => Severity::Low,
        FailOnArg::Medium => Severity::Medium,
        FailOnArg::High => Severity::High,
        FailOnArg::Critical => Severity::Critical,
        FailOnArg::Live => return None,
    })
}

/// Writes the report(s) and returns the exit code (a closed stdout pipe is not an error).
pub fn finish(args: &CommonArgs, mut report: ScanReport, prepared: &PreparedScan) -> Result<u8> {
    prepared.annotate(&mut report);
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

fn write_outputs(args: &CommonArgs, report: &ScanReport, prepared: &PreparedScan) -> Result<()> {
    let catalog = prepared.scanner.catalog();
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
                write_report(to_format(format), report, catalog, options, &mut out).with_context(ctx)?;
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
                write_report(to_format(format), report, catalog, options, &mut out)
                    .context("cannot write the report")?;
                out.flush().context("cannot write the report")?;
            }
        }
    }
    Ok(())
}
