//! # leakscan-report
//!
//! Reporters: text for people, JSON for tools, SARIF 2.1.0 for code scanning and IDEs, and
//! JUnit, GitLab, GitHub annotations, CSV and Markdown. Each turns a [`ScanReport`] (and the
//! rules' metadata) into bytes; none scans anything.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod csv;
mod github;
mod gitlab;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

pub use csv::CsvReporter;
pub use github::GithubReporter;
pub use gitlab::{GITLAB_SCHEMA_VERSION, GitlabReporter};
pub use json::{JSON_FORMAT_VERSION, JsonReporter};
pub use junit::JunitReporter;
pub use markdown::MarkdownReporter;
pub use sarif::{SarifReporter, level as sarif_level, rule_descriptor as sarif_rule_descriptor};
pub use text::TextReporter;

use std::io::{self, Write};

use leakscan_model::RuleCatalog;
use leakscan_model::report::{Gate, ScanReport};

/// How findings are shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Show secrets in full instead of redacted.
    pub show_secrets: bool,
    /// Include suppressed findings (with the reason).
    pub show_suppressed: bool,
    /// Use ANSI colours (text only; the CLI enables it on a terminal).
    pub color: bool,
    /// Which findings fail the scan; the others are shown as notes.
    pub gate: Gate,
    /// Text: also list findings below the gate.
    pub verbose: bool,
}

/// Writes a [`ScanReport`] in one format.
pub trait Reporter {
    /// Writes the whole report to `out`.
    fn write(&self, report: &ScanReport, rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()>;
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, grouped by file.
    Text,
    /// leakscan's documented JSON (see [`JSON_FORMAT_VERSION`]).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML, one test case per finding.
    Junit,
    /// GitLab's secret-detection report.
    Gitlab,
    /// GitHub Actions annotations (`::error file=…`).
    Github,
    /// CSV, one row per finding.
    Csv,
    /// A Markdown summary for pull-request comments.
    Markdown,
}

/// Writes `report` in `format` to `out`.
pub fn write_report(
    format: Format,
    report: &ScanReport,
    rules: &RuleCatalog,
    options: ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => TextReporter { options }.write(report, rules, out),
        Format::Json => JsonReporter { options }.write(report, rules, out),
        Format::Sarif => SarifReporter { options }.write(report, rules, out),
        Format::Junit => JunitReporter { options }.write(report, rules, out),
        Format::Gitlab => GitlabReporter { options }.write(report, rules, out),
        Format::Github => GithubReporter { options }.write(report, rules, out),
        Format::Csv => CsvReporter { options }.write(report, rules, out),
        Format::Markdown => MarkdownReporter { options }.write(report, rules, out),
    }
}

/// `, verified live` (and the other verdicts) for a finding its provider was asked about;
/// empty otherwise. Used in the one-line messages of the CI formats.
fn verification_note(f: &leakscan_model::Finding) -> String {
    f.verification
        .as_ref()
        .map(|v| format!(", verified {}", v.status.as_str()))
        .unwrap_or_default()
}

/// The findings a reporter shows under `options`.
fn shown<'a>(report: &'a ScanReport, options: &ReportOptions) -> impl Iterator<Item = &'a leakscan_model::Finding> {
    let all = options.show_suppressed;
    report.findings.iter().filter(move |f| all || !f.is_suppressed())
}
