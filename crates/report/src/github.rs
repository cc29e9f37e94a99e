//! GitHub Actions workflow commands: `::error file=…,line=…::…` annotations on the changed
//! lines of a pull request, with a `::notice` summary. Secrets are redacted as everywhere.

use std::io::{self, Write};

use super::{ReportOptions, Reporter, shown};
use leakscan_model::report::ScanReport;
use leakscan_model::{RuleCatalog, Severity};

/// Writes GitHub Actions annotations.
#[derive(Debug, Clone, Copy)]
pub struct GithubReporter {
    /// Display options.
    pub options: ReportOptions,
}

/// Escapes a workflow-command message: `%` and every C0 control (CR, LF, ESC, …) and DEL
/// percent-encoded (the runner decodes them; the raw log shows no terminal escape), C1 and
/// bidirectional controls shown escaped.
fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("%{:02X}", c as u32)),
            c if leakscan_model::mask::needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow-command property (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl Reporter for GithubReporter {
    fn write(&self, report: &ScanReport, _rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
        let gate = self.options.gate;
        for f in shown(report, &self.options).filter(|f| !f.is_suppressed()) {
            let command = if !gate.fails(f) {
                "notice"
            } else if f.severity >= Severity::High {
                "error"
            } else {
                "warning"
            };
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&f.origin.logical),
                f.start.line,
                f.start.column,
                f.end.line,
                f.end.column,
                escape_property(&format!("leakscan: {}", f.rule_id)),
                escape_data(&format!(
                    "{} ({} severity, {} confidence{}): {}",
                    f.rule_name,
                    f.severity.as_str(),
                    f.confidence.as_str(),
                    super::verification_note(f),
                    f.snippet(self.options.show_secrets)
                ))
            )?;
        }
        for e in &report.errors {
            writeln!(
                out,
                "::warning title=leakscan: not scanned::{}",
                escape_data(&format!("{}: {}", e.path, e.message))
            )?;
        }
        for n in &report.notifications {
            let command = match n.level {
                leakscan_model::notification::NotificationLevel::Warning => "warning",
                leakscan_model::notification::NotificationLevel::Note => "notice",
            };
            writeln!(
                out,
                "::{command} title=leakscan: configuration::{}",
                escape_data(&n.line())
            )?;
        }
        let failing = report.findings.iter().filter(|f| gate.fails(f)).count();
        writeln!(
            out,
            "::notice title=leakscan::{}",
            escape_data(&format!(
                "{failing} failing finding(s), {} suppressed, {} files scanned, {} error(s)",
                report.stats.suppressed, report.stats.blobs, report.stats.errors
            ))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_data("a\u{1b}[31m\u{9b}\u{202e}"), "a%1B[31m\\u{9b}\\u{202e}");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
