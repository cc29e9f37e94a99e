//! A Markdown summary for pull-request comments: a headline, a table of failing findings
//! (redacted), and counts.

use std::io::{self, Write};

use super::{ReportOptions, Reporter, shown};
use leakscan_model::RuleCatalog;
use leakscan_model::report::ScanReport;

/// Writes a Markdown summary.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownReporter {
    /// Display options.
    pub options: ReportOptions,
}

/// Escapes table-cell text: control characters (shown escaped), pipes, backticks, newlines,
/// HTML.
fn md(text: &str) -> String {
    leakscan_model::mask::sanitize(text)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// Rows listed before the table is cut.
const MAX_ROWS: usize = 100;

impl Reporter for MarkdownReporter {
    fn write(&self, report: &ScanReport, _rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
        let gate = self.options.gate;
        let failing: Vec<_> = shown(report, &self.options).filter(|f| gate.fails(f)).collect();
        if failing.is_empty() {
            writeln!(out, "## leakscan: no secrets found\n")?;
        } else {
            writeln!(
                out,
                "## leakscan: {} secret{} found\n",
                failing.len(),
                if failing.len() == 1 { "" } else { "s" }
            )?;
            writeln!(out, "| Severity | Rule | Location | Secret |")?;
            writeln!(out, "|---|---|---|---|")?;
            for f in failing.iter().take(MAX_ROWS) {
                writeln!(
                    out,
                    "| {}{} | `{}` | `{}:{}` | `{}` |",
                    f.severity.as_str(),
                    if f.verification.as_ref().is_some_and(|v| v.is_live()) {
                        " (**live**)"
                    } else {
                        ""
                    },
                    md(&f.rule_id),
                    md(&f.origin.display),
                    f.start.line,
                    md(&f.shown_secret(self.options.show_secrets))
                )?;
            }
            if failing.len() > MAX_ROWS {
                writeln!(out, "\n… and {} more (see the full report).", failing.len() - MAX_ROWS)?;
            }
            writeln!(
                out,
                "\nRotate each secret at its provider before removing it: it is in the history already."
            )?;
        }
        let warnings: Vec<_> = report
            .notifications
            .iter()
            .filter(|n| n.level == leakscan_model::notification::NotificationLevel::Warning)
            .collect();
        if !warnings.is_empty() {
            writeln!(out, "\n**Configuration from the repository:**\n")?;
            for n in warnings {
                writeln!(out, "- {}", md(&n.line()))?;
            }
        }
        let st = &report.stats;
        let below = report.active_findings().filter(|f| !gate.fails(f)).count();
        writeln!(
            out,
            "\n<sub>{} files scanned · {} suppressed · {below} below the fail gate · {} skipped · {} error(s)</sub>",
            st.blobs,
            st.suppressed,
            st.skipped_total(),
            st.errors
        )
    }
}
