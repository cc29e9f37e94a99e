//! JUnit XML: one test case per shown finding, so any CI that renders test reports shows
//! leaks. Failing findings are `<failure>`s, the others (below the gate, suppressed) are
//! `<skipped>`; a clean scan is one passing test case.

use std::io::{self, Write};

use super::{ReportOptions, Reporter, shown};
use leakscan_model::RuleCatalog;
use leakscan_model::report::ScanReport;

/// Writes JUnit XML.
#[derive(Debug, Clone, Copy)]
pub struct JunitReporter {
    /// Display options.
    pub options: ReportOptions,
}

/// Escapes text for XML attributes and content.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

impl Reporter for JunitReporter {
    fn write(&self, report: &ScanReport, _rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
        let gate = self.options.gate;
        let findings: Vec<_> = shown(report, &self.options).collect();
        let failures = findings.iter().filter(|f| gate.fails(f)).count();
        let skipped = findings.len() - failures;
        let tests = findings.len().max(1);
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="leakscan" tests="{tests}" failures="{failures}" errors="{}" time="{:.3}">"#,
            report.errors.len(),
            report.stats.elapsed.as_secs_f64()
        )?;
        writeln!(
            out,
            r#"  <testsuite name="leakscan" tests="{tests}" failures="{failures}" skipped="{skipped}" errors="{}">"#,
            report.errors.len()
        )?;
        if findings.is_empty() {
            writeln!(out, r#"    <testcase classname="leakscan" name="no secrets found"/>"#)?;
        }
        for f in &findings {
            let name = format!("{}:{}:{}", f.origin.display, f.start.line, f.start.column);
            writeln!(
                out,
                r#"    <testcase classname="{}" name="{}">"#,
                xml_escape(&f.rule_id),
                xml_escape(&name)
            )?;
            let body = xml_escape(&f.snippet(self.options.show_secrets));
            if let Some(s) = &f.suppression {
                writeln!(
                    out,
                    r#"      <skipped message="{}"/>"#,
                    xml_escape(&format!("suppressed: {s}"))
                )?;
            } else if !gate.fails(f) {
                writeln!(
                    out,
                    r#"      <skipped message="below the fail gate ({} confidence)"/>"#,
                    f.confidence.as_str()
                )?;
            } else {
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{body}</failure>"#,
                    f.severity.as_str(),
                    xml_escape(&format!(
                        "{} ({}{}) found; the secret is redacted",
                        f.rule_name,
                        f.rule_id,
                        super::verification_note(f)
                    ))
                )?;
            }
            writeln!(out, "    </testcase>")?;
        }
        for e in &report.errors {
            writeln!(
                out,
                r#"    <testcase classname="leakscan" name="{}">"#,
                xml_escape(&e.path)
            )?;
            writeln!(out, r#"      <error message="{}"/>"#, xml_escape(&e.message))?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
        writeln!(out, "</testsuites>")
    }
}
