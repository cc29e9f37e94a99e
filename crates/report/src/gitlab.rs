//! GitLab's secret-detection report (`artifacts:reports:secret_detection`, security report
//! schema 15.x): one vulnerability per failing finding, with the rule as identifier, the
//! severity, the file and line, and the commit when scanning history. No secret is included
//! (`raw_source_code_extract` is left out on purpose).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{ReportOptions, Reporter, shown};
use leakscan_model::report::ScanReport;
use leakscan_model::{RuleCatalog, Severity};

/// The schema version written.
pub const GITLAB_SCHEMA_VERSION: &str = "15.2.1";

/// Writes the GitLab secret-detection report.
#[derive(Debug, Clone, Copy)]
pub struct GitlabReporter {
    /// Display options.
    pub options: ReportOptions,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// GitLab's `YYYY-MM-DDTHH:MM:SS` (UTC, no zone suffix).
fn gitlab_time(rfc3339: &str) -> String {
    rfc3339.trim_end_matches('Z').to_string()
}

impl Reporter for GitlabReporter {
    fn write(&self, report: &ScanReport, rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
        let gate = self.options.gate;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let end = gitlab_time(&leakscan_model::date::rfc3339(now));
        let start = gitlab_time(&leakscan_model::date::rfc3339(
            now - report.stats.elapsed.as_secs() as i64,
        ));
        let tool = json!({
            "id": "leakscan",
            "name": "leakscan",
            "version": env!("CARGO_PKG_VERSION"),
            "vendor": { "name": "leakscan" }
        });
        let vulnerabilities: Vec<Value> = shown(report, &self.options)
            .filter(|f| gate.fails(f))
            .map(|f| {
                let rule = rules.get(&f.rule_id);
                let commit = f.origin.commit().map_or_else(
                    || json!({ "sha": "0000000" }),
                    |c| json!({ "sha": c.id, "author": c.author, "date": c.date, "message": c.summary }),
                );
                json!({
                    "id": f.fingerprint,
                    "name": format!("{}{}", f.rule_name, super::verification_note(f)),
                    "description": rule.map(|r| r.description.clone()).unwrap_or_default(),
                    "severity": severity(f.severity),
                    "solution": rule.map(|r| r.remediation.clone()).unwrap_or_default(),
                    "identifiers": [{
                        "type": "leakscan_rule_id",
                        "name": format!("leakscan rule {}", f.rule_id),
                        "value": f.rule_id,
                    }],
                    "location": {
                        "file": f.origin.logical,
                        "start_line": f.start.line,
                        "end_line": f.end.line,
                        "commit": commit,
                    },
                })
            })
            .collect();
        let doc = json!({
            "version": GITLAB_SCHEMA_VERSION,
            "scan": {
                "analyzer": tool,
                "scanner": tool,
                "type": "secret_detection",
                "start_time": start,
                "end_time": end,
                "status": if report.is_complete() { "success" } else { "failure" },
            },
            "vulnerabilities": vulnerabilities,
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
