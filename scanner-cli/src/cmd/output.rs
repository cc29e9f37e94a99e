//! What every scanning command shares: settings from flags, writing the report, exit codes.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use scanner_core::{Format, ReportOptions, ScanReport, ScanSettings, Scanner, write_report};

use crate::args::{ColorArg, CommonArgs, FormatArg};
use crate::exit;

/// A scanner with the built-in (plus `--rules`) rules and settings from the flags;
/// `adjust` sets command-specific settings.
pub fn build_scanner(args: &CommonArgs, adjust: impl FnOnce(&mut ScanSettings)) -> Result<Scanner> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let mut settings = ScanSettings {
        threads: args.threads.unwrap_or(0),
        max_file_size: parse_size(&args.max_file_size)
            .with_context(|| format!("invalid --max-file-size `{}`", args.max_file_size))?,
        ..ScanSettings::default()
    };
    adjust(&mut settings);
    let rules = super::load_rules(&args.rules_dirs)?;
    Ok(Scanner::builder().rules(rules).settings(settings).build()?)
}

/// Writes the report and returns the exit code (a closed stdout pipe is not an error).
pub fn finish(args: &CommonArgs, report: &ScanReport, scanner: &Scanner) -> Result<u8> {
    let code = exit_code(report, args.allow_incomplete);
    match write_output(args, report, scanner) {
        Err(e) if super::is_broken_pipe(&e) => {}
        other => other?,
    }
    Ok(code)
}

/// Fail closed: findings → 1, otherwise an incomplete scan → 3, otherwise 0.
fn exit_code(report: &ScanReport, allow_incomplete: bool) -> u8 {
    if report.has_findings() {
        exit::FINDINGS
    } else if !report.is_complete() && !allow_incomplete {
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

fn write_output(args: &CommonArgs, report: &ScanReport, scanner: &Scanner) -> Result<()> {
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
    };
    let mut options = ReportOptions {
        show_secrets: args.show_secrets,
        show_suppressed: args.show_suppressed,
        color: false,
    };
    match &args.output {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write_report(format, report, scanner.rules(), options, &mut out).with_context(|| write_ctx(path))?;
            out.flush().with_context(|| write_ctx(path))?;
        }
        None => {
            let stdout = io::stdout();
            options.color = match args.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut out = BufWriter::new(stdout.lock());
            write_report(format, report, scanner.rules(), options, &mut out).context("cannot write the report")?;
            out.flush().context("cannot write the report")?;
        }
    }
    Ok(())
}

fn write_ctx(path: &Path) -> String {
    format!("cannot write {}", path.display())
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
