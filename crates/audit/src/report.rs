//! Reports of a datastore (or of merged shard outputs): text, JSON, SARIF 2.1.0, CSV, and the
//! HTML page in [`super::html`]. Every format carries redacted secrets only.
//!
//! # JSON audit report, version 1
//!
//! ```text
//! {
//!   "version": 1,
//!   "kind": "leakscan-audit",            // tells an audit report from a scan report
//!   "tool": { "name": "leakscan", "version": "0.1.0" },
//!   "generated_at": "2024-05-01T12:00:00Z",
//!   "repositories": [ { "name", "path", "status", "reason", "last_audit", "blobs" } ],
//!   "summary": { "findings": 12, "by_state": { "open": 9, "fixed": 1, "accepted-risk": 2 } },
//!   "findings": [ {
//!       "repository", "fingerprint", "rule", "rule_name", "severity", "confidence",
//!       "path", "line", "column", "secret" (redacted), "snippet" (redacted), "secret_id",
//!       "commit": { "id", "author", "date", "summary" },   // history audits
//!       "blob_id", "first_seen", "last_seen", "fixed_at",   // fixed_at only once gone
//!       "status": "open" | "accepted-risk" | "false-positive" | "revoked",
//!       "triaged_by", "triaged_at", "triage_reason"
//!   } ]
//! }
//! ```

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use leakscan_model::RuleCatalog;
use leakscan_report::{sarif_level, sarif_rule_descriptor};

use super::model::{FindingRecord, RepoStatus, RepositoryRecord, TriageStatus};
/// The key of leakscan's fingerprint in SARIF `partialFingerprints` (as in scan reports).
pub const FINGERPRINT_KEY: &str = "leakscan/v1";

/// The version of the JSON audit report.
pub const AUDIT_JSON_VERSION: u32 = 1;

/// The `kind` of a JSON audit report.
pub const AUDIT_JSON_KIND: &str = "leakscan-audit";

/// Report formats of a datastore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    /// A table for people.
    Text,
    /// The JSON audit report (see the module documentation).
    Json,
    /// SARIF 2.1.0, one run, triaged findings as suppressions.
    Sarif,
    /// CSV, one row per finding.
    Csv,
    /// One self-contained HTML page.
    Html,
}

/// Writes `findings` (and `repositories`) in `format`. `rules` gives the rules' metadata: the
/// SARIF rule descriptors (help, remediation, `security-severity`, as in scan reports) and the
/// HTML page's remediation text; a rule it lacks is described by its id and name only.
pub fn write_audit_report(
    format: AuditFormat,
    repositories: &[RepositoryRecord],
    findings: &[FindingRecord],
    rules: &RuleCatalog,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        AuditFormat::Text => write_text(repositories, findings, out),
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json_report(repositories, findings))?;
            writeln!(out)
        }
        AuditFormat::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif_report(findings, rules))?;
            writeln!(out)
        }
        AuditFormat::Csv => write_csv(findings, out),
        AuditFormat::Html => super::html::write_html(repositories, findings, rules, out),
    }
}

/// Counts of findings per state, by state name (in name order).
pub fn by_state(findings: &[FindingRecord]) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    for f in findings {
        *counts.entry(f.state().as_str()).or_insert(0) += 1;
    }
    counts
}

/// The JSON audit report as a value.
pub fn json_report(repositories: &[RepositoryRecord], findings: &[FindingRecord]) -> Value {
    json!({
        "version": AUDIT_JSON_VERSION,
        "kind": AUDIT_JSON_KIND,
        "tool": { "name": "leakscan", "version": env!("CARGO_PKG_VERSION") },
        "generated_at": super::now(),
        "repositories": repositories,
        "summary": { "findings": findings.len(), "by_state": by_state(findings) },
        "findings": findings,
    })
}

fn write_text(repositories: &[RepositoryRecord], findings: &[FindingRecord], out: &mut dyn Write) -> io::Result<()> {
    if !repositories.is_empty() {
        let failed: Vec<&RepositoryRecord> = repositories.iter().filter(|r| r.status != RepoStatus::Ok).collect();
        writeln!(
            out,
            "{} repositories ({} not fully audited)",
            repositories.len(),
            failed.len()
        )?;
        for r in failed {
            writeln!(
                out,
                "  {} {}: {}",
                r.status.as_str(),
                r.name,
                r.reason.as_deref().unwrap_or("")
            )?;
        }
    }
    let states = by_state(findings);
    let summary: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
    writeln!(out, "{} findings ({})", findings.len(), summary.join(", "))?;
    let mut current = None;
    for f in findings {
        if current != Some(&f.repository) {
            writeln!(out, "\n{}", f.repository)?;
            current = Some(&f.repository);
        }
        writeln!(
            out,
            "  [{}] {} {}:{}:{} {} ({}) fp {}",
            f.state().as_str(),
            f.severity.as_str(),
            f.path,
            f.line,
            f.column,
            f.rule,
            f.secret,
            &f.fingerprint[..f.fingerprint.len().min(12)]
        )?;
        if let Some(c) = &f.commit {
            writeln!(
                out,
                "      introduced {} by {} in {}",
                c.date,
                c.author,
                &c.id[..c.id.len().min(10)]
            )?;
        }
    }
    Ok(())
}

use leakscan_report::csv::cell;

const CSV_HEADER: &str = "repository,rule,severity,confidence,path,line,column,secret,fingerprint,state,commit,introduced,first_seen,last_seen,fixed_at,triaged_by,triage_reason";

fn write_csv(findings: &[FindingRecord], out: &mut dyn Write) -> io::Result<()> {
    write!(out, "{CSV_HEADER}\r\n")?;
    for f in findings {
        let row = [
            cell(&f.repository),
            cell(&f.rule),
            cell(f.severity.as_str()),
            cell(f.confidence.as_str()),
            cell(&f.path),
            f.line.to_string(),
            f.column.to_string(),
            cell(&f.secret),
            cell(&f.fingerprint),
            cell(f.state().as_str()),
            cell(f.commit.as_ref().map(|c| c.id.as_str()).unwrap_or("")),
            cell(f.introduced()),
            cell(&f.first_seen),
            cell(&f.last_seen),
            cell(f.fixed_at.as_deref().unwrap_or("")),
            cell(f.triaged_by.as_deref().unwrap_or("")),
            cell(f.triage_reason.as_deref().unwrap_or("")),
        ];
        write!(out, "{}\r\n", row.join(","))?;
    }
    Ok(())
}

/// SARIF 2.1.0: one run; artifact URIs are `repository/path`; the repository, state and times
/// are result properties; triaged (not open) findings carry an external, accepted suppression
/// with the reason, and fixed ones are reported with `baselineState: absent`.
pub fn sarif_report(findings: &[FindingRecord], catalog: &RuleCatalog) -> Value {
    let mut rules: BTreeMap<&str, &FindingRecord> = BTreeMap::new();
    for f in findings {
        rules.entry(&f.rule).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|(id, f)| match catalog.get(id) {
            Some(rule) => sarif_rule_descriptor(rule),
            None => json!({
                "id": id,
                "name": f.rule_name,
                "shortDescription": { "text": f.rule_name },
                "defaultConfiguration": { "level": sarif_level(f.severity) },
            }),
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index.get(f.rule.as_str()).copied().unwrap_or(0),
                "level": sarif_level(f.severity),
                "message": { "text": format!("{} ({}) in {}", f.rule_name, f.secret, f.repository) },
                "locations": [ {
                    "physicalLocation": {
                        "artifactLocation": { "uri": artifact_uri(&f.repository, &f.path) },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) }
                    }
                } ],
                "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint },
                "properties": {
                    "repository": f.repository,
                    "path": f.path,
                    "state": f.state().as_str(),
                    "status": f.status.as_str(),
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "secret": f.secret,
                    "snippet": f.snippet,
                    "secretId": f.secret_id,
                    "firstSeen": f.first_seen,
                    "lastSeen": f.last_seen,
                },
            });
            if let Some(props) = result["properties"].as_object_mut() {
                if let Some(c) = &f.commit {
                    props.insert("commit".into(), json!(c.id));
                    props.insert("commitAuthor".into(), json!(c.author));
                    props.insert("commitDate".into(), json!(c.date));
                    props.insert("commitSummary".into(), json!(c.summary));
                }
                if let Some(b) = &f.blob_id {
                    props.insert("blobId".into(), json!(b));
                }
                if let Some(at) = &f.fixed_at {
                    props.insert("fixedAt".into(), json!(at));
                }
                for (key, value) in [
                    ("triagedBy", &f.triaged_by),
                    ("triagedAt", &f.triaged_at),
                    ("triageReason", &f.triage_reason),
                ] {
                    if let Some(v) = value {
                        props.insert(key.into(), json!(v));
                    }
                }
            }
            if f.status != TriageStatus::Open {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("{}: {}", f.status.as_str(), f.triage_reason.as_deref().unwrap_or("")),
                }]);
            }
            if f.fixed_at.is_some() {
                result["baselineState"] = json!("absent");
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [ {
            "tool": { "driver": {
                "name": "leakscan",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_values,
            } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        } ]
    })
}

/// `repository/path`, percent-encoding what a URI reference cannot hold.
fn artifact_uri(repository: &str, path: &str) -> String {
    let joined = if repository.is_empty() {
        path.to_string()
    } else {
        format!("{}/{}", repository.trim_end_matches('/'), path)
    };
    percent_encoding::utf8_percent_encode(&joined, URI_REFERENCE_KEEPS).to_string()
}

/// What a URI reference's path keeps unencoded: unreserved characters, `/` and the
/// sub-delimiters, `:` and `@` (RFC 3986 `pchar`).
const URI_REFERENCE_KEEPS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_cells() {
        assert_eq!(artifact_uri("org/a", "src/x y.py"), "org/a/src/x%20y.py");
        assert_eq!(cell("=1+1"), "'=1+1");
    }
}
