//! CSV (RFC 4180), one row per shown finding, for spreadsheets and ad-hoc tooling. Cells that
//! a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) are prefixed
//! with `'`.

use std::io::{self, Write};

use super::{ReportOptions, Reporter, shown};
use crate::rules::RuleSet;
use crate::scan::ScanReport;

/// Writes CSV.
#[derive(Debug, Clone, Copy)]
pub struct CsvReporter {
    /// Display options.
    pub options: ReportOptions,
}

/// One CSV cell: quoted when needed, formula-neutralised.
pub(crate) fn cell(text: &str) -> String {
    // OWASP's list: a leading tab or carriage return also starts a formula in some programs.
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

const HEADER: &str =
    "rule,severity,confidence,path,line,column,end_line,end_column,secret,fingerprint,fails,suppression";

impl Reporter for CsvReporter {
    fn write(&self, report: &ScanReport, _rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
        write!(out, "{HEADER}\r\n")?;
        for f in shown(report, &self.options) {
            let row = [
                cell(&f.rule_id),
                cell(f.severity.as_str()),
                cell(f.confidence.as_str()),
                cell(&f.origin.display),
                f.start.line.to_string(),
                f.start.column.to_string(),
                f.end.line.to_string(),
                f.end.column.to_string(),
                cell(&f.shown_secret(self.options.show_secrets)),
                cell(&f.fingerprint),
                self.options.gate.fails(f).to_string(),
                cell(&f.suppression.as_ref().map(|s| s.to_string()).unwrap_or_default()),
            ];
            write!(out, "{}\r\n", row.join(","))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
