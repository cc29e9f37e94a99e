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
//!   "summary": { "findings": 12, "by_state": { "open": 9, "fixed": 1, "accepted-risk": 2 },
//!                "by_verification": { "live": 1, "revoked": 3 } },   // verified findings only
//!   "findings": [ {
//!       "repository", "fingerprint", "rule", "rule_name", "severity", "confidence",
//!       "path", "line", "column", "secret" (redacted), "snippet" (redacted), "secret_id",
//!       "commit": { "id", "author", "date", "summary" },   // history audits
//!       "blob_id", "first_seen", "last_seen", "fixed_at",   // fixed_at only once gone
//!       "status": "open" | "accepted-risk" | "false-positive" | "revoked",
//!       "triaged_by", "triaged_at", "triage_reason",
//!       "verification": {                                   // only once verified (--verify)
//!           "status": "live" | "revoked" | "unknown" | "error", "reason",
//!           "identity": [ { "name", "value", "secret" } ],  // secret values redacted
//!           "checked_at"                                    // the latest verdict's time
//!       }
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

/// Counts of verified findings per latest verdict, by status name (in name order).
pub fn by_verification(findings: &[FindingRecord]) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    for f in findings {
        if let Some(status) = f.verification_status() {
            *counts.entry(status.as_str()).or_insert(0) += 1;
        }
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
        "summary": {
            "findings": findings.len(),
            "by_state": by_state(findings),
            "by_verification": by_verification(findings),
        },
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
    // Live credentials first: what to revoke now.
    let live: Vec<&FindingRecord> = findings.iter().filter(|f| f.is_live()).collect();
    if !live.is_empty() {
        writeln!(
            out,
            "\n{} live credential(s): the provider accepted them; revoke first",
            live.len()
        )?;
        for f in live {
            writeln!(
                out,
                "  [LIVE] {} {}:{}:{} {} ({}){} fp {}",
                sanitize(&f.repository),
                sanitize(&f.path),
                f.line,
                f.column,
                sanitize(&f.rule),
                sanitize(&f.secret),
                identity_text(f),
                &f.fingerprint[..f.fingerprint.len().min(12)]
            )?;
        }
    }
    let mut current = None;
    for f in findings {
        if current != Some(&f.repository) {
            writeln!(out, "\n{}", f.repository)?;
            current = Some(&f.repository);
        }
        writeln!(
            out,
            "  [{}] {} {}:{}:{} {} ({}) fp {}{}",
            f.state().as_str(),
            f.severity.as_str(),
            f.path,
            f.line,
            f.column,
            f.rule,
            f.secret,
            &f.fingerprint[..f.fingerprint.len().min(12)],
            match &f.verification {
                Some(v) => format!(" [{}]", v.status.as_str().to_ascii_uppercase()),
                None => String::new(),
            }
        )?;
        if let Some(v) = &f.verification {
            writeln!(
                out,
                "      verification: {} ({}) at {}{}",
                v.status.as_str(),
                sanitize(&v.reason),
                sanitize(&v.checked_at),
                identity_text(f)
            )?;
        }
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

/// ` as login=octocat, scopes=repo` for a verified finding with identity fields.
fn identity_text(f: &FindingRecord) -> String {
    f.verification.as_ref().map(|v| v.identity_text()).unwrap_or_default()
}

use leakscan_model::mask::sanitize;
use leakscan_report::csv::cell;

const CSV_HEADER: &str = "repository,rule,severity,confidence,path,line,column,secret,fingerprint,state,commit,introduced,first_seen,last_seen,fixed_at,triaged_by,triage_reason,verification,verified_at";

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
            cell(f.verification_status().map_or("", |s| s.as_str())),
            cell(f.verification.as_ref().map_or("", |v| v.checked_at.as_str())),
        ];
        write!(out, "{}\r\n", row.join(","))?;
    }
    Ok(())
}

/// SARIF 2.1.0: one run; artifact URIs are `repository/path`; the repository, state, times and
/// the latest verification verdict are result properties (a live credential is at level
/// `error`); triaged (not open) findings carry an external, accepted suppression
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
                // A credential its provider says works: the most urgent kind of result.
                "level": if f.is_live() { "error" } else { sarif_level(f.severity) },
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
                if let Some(v) = &f.verification {
                    props.insert("verification".into(), json!(v.status.as_str()));
                    props.insert("verificationReason".into(), json!(v.reason));
                    props.insert("verifiedAt".into(), json!(v.checked_at));
                    if !v.identity.is_empty() {
                        props.insert("identity".into(), json!(v.identity));
                    }
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

    use crate::datastore::tests::{record, verdict};
    use leakscan_model::VerificationStatus;

    fn render(format: AuditFormat, findings: &[FindingRecord]) -> String {
        let mut out = Vec::new();
        write_audit_report(format, &[], findings, &RuleCatalog::default(), &mut out).unwrap_or_default();
        String::from_utf8_lossy(&out).into_owned()
    }

    fn verified() -> Vec<FindingRecord> {
        let mut revoked = record(
            "fp-revoked",
            Some(verdict(VerificationStatus::Revoked, "2024-05-02T00:00:00Z")),
        );
        revoked.path = "a.env".into();
        let mut never = record("fp-never", None);
        never.path = "b.env".into();
        let mut live = record(
            "fp-live",
            Some(verdict(VerificationStatus::Live, "2024-05-01T00:00:00Z")),
        );
        live.path = "z.env".into();
        live.severity = leakscan_model::Severity::Low;
        vec![revoked, never, live]
    }

    #[test]
    fn every_format_carries_the_latest_verdict() {
        let findings = verified();
        let json: Value = serde_json::from_str(&render(AuditFormat::Json, &findings)).unwrap_or_default();
        assert_eq!(json["findings"][2]["verification"]["status"], "live");
        assert_eq!(
            json["findings"][2]["verification"]["identity"][0]["value"],
            "octo-fixture"
        );
        assert_eq!(
            json["findings"][2]["verification"]["checked_at"],
            "2024-05-01T00:00:00Z"
        );
        assert!(json["findings"][1].get("verification").is_none());
        assert_eq!(json["summary"]["by_verification"]["live"], 1);
        assert_eq!(json["summary"]["by_verification"]["revoked"], 1);

        let sarif: Value = serde_json::from_str(&render(AuditFormat::Sarif, &findings)).unwrap_or_default();
        let results = sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default();
        let live = results.iter().find(|r| r["properties"]["verification"] == "live");
        let live = live.cloned().unwrap_or_default();
        assert_eq!(live["level"], "error", "a live low-severity secret is raised to error");
        assert_eq!(live["properties"]["verifiedAt"], "2024-05-01T00:00:00Z");
        assert_eq!(live["properties"]["identity"][0]["name"], "login");
        assert!(results.iter().any(|r| r["properties"]["verification"] == "revoked"));

        let csv = render(AuditFormat::Csv, &findings);
        let mut lines = csv.lines();
        assert!(lines.next().unwrap_or_default().ends_with(",verification,verified_at"));
        let rows: Vec<&str> = lines.collect();
        assert!(rows[0].ends_with(",revoked,2024-05-02T00:00:00Z"), "{csv}");
        assert!(rows[1].ends_with(",,"), "{csv}");
        assert!(rows[2].ends_with(",live,2024-05-01T00:00:00Z"), "{csv}");

        // Text: the live credential before the listing, with whose it is.
        let text = render(AuditFormat::Text, &findings);
        let live_at = text.find("1 live credential(s)").unwrap_or(usize::MAX);
        let listing_at = text.find("\norg/app\n").unwrap_or(0);
        assert!(live_at < listing_at, "{text}");
        assert!(text.contains("[LIVE] org/app z.env:1:14 github-pat"), "{text}");
        assert!(text.contains("as login=octo-fixture"), "{text}");
        assert!(text.contains("[REVOKED]"), "{text}");
    }

    #[test]
    fn merged_outputs_keep_the_newest_verdict() {
        let old = record("fp1", Some(verdict(VerificationStatus::Live, "2024-05-01T00:00:00Z")));
        let new = record(
            "fp1",
            Some(verdict(VerificationStatus::Revoked, "2024-05-08T00:00:00Z")),
        );
        let never = record("fp1", None);
        for inputs in [
            vec![old.clone(), new.clone(), never.clone()],
            vec![never.clone(), new.clone(), old.clone()],
        ] {
            let merged = crate::merge::dedupe(inputs);
            assert_eq!(merged.len(), 1);
            assert_eq!(merged[0].verification_status(), Some(VerificationStatus::Revoked));
        }
        // Through the SARIF and JSON audit formats and back.
        let dir = crate::datastore::tests::TempDir::new("merge");
        let (a, b) = (dir.0.join("a.sarif"), dir.0.join("b.json"));
        std::fs::write(&a, render(AuditFormat::Sarif, &[old])).unwrap_or_default();
        std::fs::write(&b, render(AuditFormat::Json, std::slice::from_ref(&new))).unwrap_or_default();
        let merged = crate::merge::read_inputs(&[a, b])
            .map(|m| m.findings)
            .unwrap_or_default();
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].verification, new.verification);
    }

    #[test]
    fn uris_and_cells() {
        assert_eq!(artifact_uri("org/a", "src/x y.py"), "org/a/src/x%20y.py");
        assert_eq!(cell("=1+1"), "'=1+1");
    }
}
