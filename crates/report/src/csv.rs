//! CSV (RFC 4180), one row per shown finding, for spreadsheets and ad-hoc tooling. Control
//! characters in a cell (from file names, archive member names, secrets) are escaped as in the
//! text format (`\n`, `\r`, `\u{1b}`; a tab becomes a space), so a row is one line and no raw
//! terminal escape reaches a `cat` of the file. Cells that a spreadsheet would run as a formula
//! (`=`, `+`, `-`, `@`, tab or CR first) are prefixed with `'`.

use std::io::{self, Write};

use super::{ReportOptions, Reporter, shown};
use leakscan_model::RuleCatalog;
use leakscan_model::report::ScanReport;

/// Writes CSV.
#[derive(Debug, Clone, Copy)]
pub struct CsvReporter {
    /// Display options.
    pub options: ReportOptions,
}

/// One CSV cell: control characters escaped (see [`leakscan_model::mask::sanitize`]),
/// formula-neutralised, quoted when needed.
pub fn cell(raw: &str) -> String {
    // OWASP's list: a leading tab or carriage return also starts a formula in some programs.
    const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    let text = leakscan_model::mask::sanitize(raw);
    // Judged on the raw text too: an escaped leading tab is a space, and " =1+1" may still
    // be evaluated by some programs.
    let text = if raw.starts_with(FORMULA) || text.starts_with(FORMULA) {
        format!("'{text}")
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

const HEADER: &str =
    "rule,severity,confidence,path,line,column,end_line,end_column,secret,fingerprint,fails,suppression,verification";

impl Reporter for CsvReporter {
    fn write(&self, report: &ScanReport, _rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
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
                cell(f.verification.as_ref().map_or("", |v| v.status.as_str())),
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

    #[test]
    fn control_characters_are_escaped_and_formulas_still_neutralised() {
        // ESC (a terminal escape), CR and LF, C1 controls (CSI U+009B, NEL U+0085), DEL, BEL
        // and a bidirectional override never reach the output raw.
        let hostile = "dir/esc\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nnext\u{9b}31m\u{85}\u{7f}\u{202e}.env";
        let out = cell(hostile);
        assert!(!out.chars().any(|c| c.is_control() || c == '\u{202e}'), "{out:?}");
        assert_eq!(
            out,
            "dir/esc\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\r\\nnext\\u{9b}31m\\u{85}\\u{7f}\\u{202e}.env"
        );
        // Formulas are still neutralised, a leading tab or CR included (judged before the
        // escaping turns them into a space and `\r`).
        assert_eq!(cell("=cmd|' /C calc'!A0\u{1b}"), "'=cmd|' /C calc'!A0\\u{1b}");
        assert_eq!(cell("\t=1+1"), "' =1+1");
        assert_eq!(cell("\r=1+1"), "'\\r=1+1");
        assert_eq!(cell("\u{1b}=1+1"), "\\u{1b}=1+1");
        assert_eq!(cell("-2+3,\u{1b}"), "\"'-2+3,\\u{1b}\"");
    }
}
