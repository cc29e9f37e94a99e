//! Merging the outputs of sharded jobs into one: JSON (scan reports v1 and audit reports),
//! SARIF (leakscan's, from `scan` or `report`) and datastores, detected by content.
//! Findings are deduplicated by (repository, fingerprint): the earliest first-seen and the
//! latest last-seen time win, a finding is fixed only if every input says so, the most
//! recent triage decision wins, and so does the most recent verification verdict (merged
//! datastores keep every input's verdict history).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use leakscan_model::{Confidence, Severity, Verification, VerificationStatus};
use rusqlite::params;
use serde_json::Value;

use super::AuditError;
use super::datastore::{Datastore, RowError, TriageDecision, row_error, triage_in};
use super::model::{CommitRecord, FindingRecord, RepositoryRecord, TriageStatus};
use super::report::{AUDIT_JSON_KIND, FINGERPRINT_KEY};

/// What kind of file a merge input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A leakscan datastore (SQLite).
    Datastore,
    /// A `leakscan report -f json` audit report.
    AuditJson,
    /// A `leakscan scan|git -f json` report (format v1).
    ScanJson,
    /// SARIF 2.1.0 written by leakscan.
    Sarif,
}

/// Repositories and findings read from merge inputs.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// Repositories (by name; the most recently audited wins).
    pub repositories: Vec<RepositoryRecord>,
    /// Findings, deduplicated.
    pub findings: Vec<FindingRecord>,
}

fn input_error(path: &Path, message: impl Into<String>) -> AuditError {
    AuditError::Input {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Detects what `path` holds.
pub fn detect(path: &Path) -> Result<(InputKind, Option<Value>), AuditError> {
    let bytes = std::fs::read(path).map_err(|source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.starts_with(b"SQLite format 3\0") {
        return Ok((InputKind::Datastore, None));
    }
    let doc: Value = serde_json::from_slice(&bytes)
        .map_err(|e| input_error(path, format!("neither a datastore nor JSON/SARIF: {e}")))?;
    let kind = if doc.get("runs").is_some() {
        InputKind::Sarif
    } else if doc.get("kind").and_then(Value::as_str) == Some(AUDIT_JSON_KIND) {
        InputKind::AuditJson
    } else if doc.get("findings").is_some() && doc.get("version").and_then(Value::as_u64) == Some(1) {
        InputKind::ScanJson
    } else {
        return Err(input_error(
            path,
            "JSON that is neither a leakscan report (version 1) nor SARIF",
        ));
    };
    Ok((kind, Some(doc)))
}

/// Reads every input and deduplicates the findings.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Merged, AuditError> {
    let mut repositories: BTreeMap<String, RepositoryRecord> = BTreeMap::new();
    let mut findings: Vec<FindingRecord> = Vec::new();
    for path in paths {
        let (kind, doc) = detect(path)?;
        let (repos, found) = match (kind, doc) {
            (InputKind::Datastore, _) => {
                let store = Datastore::open(path, false)?;
                (store.repositories()?, store.findings()?)
            }
            (InputKind::AuditJson, Some(doc)) => {
                let repos: Vec<RepositoryRecord> = serde_json::from_value(doc["repositories"].clone())
                    .map_err(|e| input_error(path, format!("repositories: {e}")))?;
                let found: Vec<FindingRecord> = serde_json::from_value(doc["findings"].clone())
                    .map_err(|e| input_error(path, format!("findings: {e}")))?;
                (repos, found)
            }
            (InputKind::ScanJson, Some(doc)) => (Vec::new(), scan_json_findings(path, &doc)?),
            (InputKind::Sarif, Some(doc)) => (Vec::new(), sarif_findings(path, &doc)?),
            _ => (Vec::new(), Vec::new()),
        };
        for r in repos {
            match repositories.get(&r.name) {
                Some(old) if old.last_audit >= r.last_audit => {}
                _ => {
                    repositories.insert(r.name.clone(), r);
                }
            }
        }
        findings.extend(found);
    }
    Ok(Merged {
        repositories: repositories.into_values().collect(),
        findings: dedupe(findings),
    })
}

/// Deduplicates by (repository, fingerprint), sorted by repository, path, line.
pub fn dedupe(findings: Vec<FindingRecord>) -> Vec<FindingRecord> {
    let mut out: BTreeMap<(String, String), FindingRecord> = BTreeMap::new();
    for f in findings {
        let key = (f.repository.clone(), f.fingerprint.clone());
        match out.get_mut(&key) {
            None => {
                out.insert(key, f);
            }
            Some(kept) => {
                if !f.first_seen.is_empty() && (kept.first_seen.is_empty() || f.first_seen < kept.first_seen) {
                    kept.first_seen = f.first_seen.clone();
                }
                if f.last_seen > kept.last_seen {
                    kept.last_seen = f.last_seen.clone();
                }
                kept.fixed_at = match (&kept.fixed_at, &f.fixed_at) {
                    (Some(a), Some(b)) => Some(a.max(b).clone()),
                    _ => None,
                };
                // The newest verdict wins.
                if let Some(v) = &f.verification
                    && kept.verification.as_ref().is_none_or(|k| v.checked_at > k.checked_at)
                {
                    kept.verification = Some(v.clone());
                }
                if f.triaged_at > kept.triaged_at {
                    kept.status = f.status;
                    kept.triaged_at = f.triaged_at.clone();
                    kept.triaged_by = f.triaged_by.clone();
                    kept.triage_reason = f.triage_reason.clone();
                }
            }
        }
    }
    let mut list: Vec<FindingRecord> = out.into_values().collect();
    list.sort_by(|a, b| {
        (&a.repository, &a.path, a.line, a.column, &a.rule).cmp(&(&b.repository, &b.path, b.line, b.column, &b.rule))
    });
    list
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// A name from a merge input (`severity`, `confidence`, `status` of the finding
/// `fingerprint`) parsed by `parse`; an input error naming the finding when it is missing or
/// none of the names `expected`.
fn named<T>(
    path: &Path,
    fingerprint: &str,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Option<T>,
    expected: &str,
) -> Result<T, AuditError> {
    use leakscan_model::mask::{sanitize, shown};
    match value {
        Some(value) => parse(value).ok_or_else(|| {
            input_error(
                path,
                format!(
                    "finding {}: {field} `{}` is not one of {expected}",
                    sanitize(fingerprint),
                    shown(value)
                ),
            )
        }),
        None => Err(input_error(
            path,
            format!("finding {}: no {field}", sanitize(fingerprint)),
        )),
    }
}

fn scan_json_findings(path: &Path, doc: &Value) -> Result<Vec<FindingRecord>, AuditError> {
    let list = doc["findings"]
        .as_array()
        .ok_or_else(|| input_error(path, "`findings` is not an array"))?;
    let mut out = Vec::new();
    for f in list {
        let fingerprint = text(f, "fingerprint");
        if fingerprint.is_empty() {
            return Err(input_error(path, "a finding has no fingerprint"));
        }
        let commit = f.get("commit").filter(|c| c.is_object()).map(|c| CommitRecord {
            id: text(c, "id"),
            author: text(c, "author"),
            date: text(c, "date"),
            summary: text(c, "summary"),
        });
        out.push(FindingRecord {
            repository: String::new(),
            fingerprint: fingerprint.clone(),
            rule: text(f, "rule"),
            rule_name: text(f, "rule_name"),
            severity: named(
                path,
                &fingerprint,
                "severity",
                f.get("severity").and_then(Value::as_str),
                Severity::parse,
                "low, medium, high, critical",
            )?,
            confidence: named(
                path,
                &fingerprint,
                "confidence",
                f.get("confidence").and_then(Value::as_str),
                Confidence::parse,
                "low, medium, high",
            )?,
            path: text(f, "path"),
            line: f["start"]["line"].as_u64().unwrap_or(0),
            column: f["start"]["column"].as_u64().unwrap_or(0),
            secret: text(f, "secret"),
            snippet: text(f, "snippet"),
            secret_id: text(f, "secret_id"),
            commit,
            blob_id: f.get("blob_id").and_then(Value::as_str).map(str::to_string),
            first_seen: String::new(),
            last_seen: String::new(),
            fixed_at: None,
            status: TriageStatus::Open,
            triaged_by: None,
            triaged_at: None,
            triage_reason: None,
            verification: f
                .get("verification")
                .filter(|v| v.is_object())
                .map(|v| {
                    serde_json::from_value(v.clone()).map_err(|e| {
                        input_error(
                            path,
                            format!(
                                "finding {}: verification: {e}",
                                leakscan_model::mask::sanitize(&fingerprint)
                            ),
                        )
                    })
                })
                .transpose()?,
        });
    }
    Ok(out)
}

/// The verdict in a SARIF result's properties (`verification`, `verificationReason`,
/// `verifiedAt`, `identity`), as `report` and `scan` write them; `None` without one.
fn sarif_verification(path: &Path, fingerprint: &str, props: &Value) -> Result<Option<Verification>, AuditError> {
    let Some(status) = props.get("verification").and_then(Value::as_str) else {
        return Ok(None);
    };
    let status = named(
        path,
        fingerprint,
        "verification",
        Some(status),
        VerificationStatus::parse,
        "live, revoked, unknown, error",
    )?;
    let identity = match props.get("identity") {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            input_error(
                path,
                format!("finding {}: identity: {e}", leakscan_model::mask::sanitize(fingerprint)),
            )
        })?,
        None => Vec::new(),
    };
    Ok(Some(Verification {
        status,
        reason: text(props, "verificationReason"),
        identity,
        checked_at: text(props, "verifiedAt"),
    }))
}

fn sarif_findings(path: &Path, doc: &Value) -> Result<Vec<FindingRecord>, AuditError> {
    let runs = doc["runs"]
        .as_array()
        .ok_or_else(|| input_error(path, "`runs` is not an array"))?;
    let mut out = Vec::new();
    for run in runs {
        let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
        for r in run["results"].as_array().cloned().unwrap_or_default() {
            let fingerprint = r["partialFingerprints"][FINGERPRINT_KEY]
                .as_str()
                .ok_or_else(|| {
                    input_error(
                        path,
                        format!("a result has no partialFingerprints[\"{FINGERPRINT_KEY}\"]: not written by leakscan"),
                    )
                })?
                .to_string();
            let props = &r["properties"];
            let rule = text(&r, "ruleId");
            let rule_name = rules
                .iter()
                .find(|x| x["id"] == r["ruleId"])
                .map(|x| text(x, "name"))
                .unwrap_or_else(|| rule.clone());
            let location = &r["locations"][0]["physicalLocation"];
            let severity = match props.get("severity").and_then(Value::as_str) {
                Some(s) => named(
                    path,
                    &fingerprint,
                    "severity",
                    Some(s),
                    Severity::parse,
                    "low, medium, high, critical",
                )?,
                None => match r["level"].as_str() {
                    Some("error") => Severity::High,
                    Some("warning") => Severity::Medium,
                    _ => Severity::Low,
                },
            };
            let opt = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_string);
            let confidence = named(
                path,
                &fingerprint,
                "confidence",
                opt("confidence").or_else(|| opt("precision")).as_deref(),
                Confidence::parse,
                "low, medium, high",
            )?;
            let status = match opt("status") {
                Some(status) => named(
                    path,
                    &fingerprint,
                    "status",
                    Some(&status),
                    TriageStatus::parse,
                    "open, accepted-risk, false-positive, revoked",
                )?,
                None => TriageStatus::Open,
            };
            let verification = sarif_verification(path, &fingerprint, props)?;
            let path_in_repo = opt("path").unwrap_or_else(|| text(&location["artifactLocation"], "uri"));
            out.push(FindingRecord {
                repository: opt("repository").unwrap_or_default(),
                fingerprint,
                rule,
                rule_name,
                severity,
                confidence,
                path: path_in_repo,
                line: location["region"]["startLine"].as_u64().unwrap_or(0),
                column: location["region"]["startColumn"].as_u64().unwrap_or(0),
                secret: opt("secret").unwrap_or_default(),
                snippet: opt("snippet").unwrap_or_else(|| text(&location["region"]["snippet"], "text")),
                secret_id: opt("secretId").unwrap_or_default(),
                commit: opt("commit").map(|id| CommitRecord {
                    id,
                    author: opt("commitAuthor").unwrap_or_default(),
                    date: opt("commitDate").unwrap_or_default(),
                    summary: opt("commitSummary").unwrap_or_default(),
                }),
                blob_id: opt("blobId"),
                first_seen: opt("firstSeen").unwrap_or_default(),
                last_seen: opt("lastSeen").unwrap_or_default(),
                fixed_at: opt("fixedAt"),
                status,
                triaged_by: opt("triagedBy"),
                triaged_at: opt("triagedAt"),
                triage_reason: opt("triageReason"),
                verification,
            });
        }
    }
    Ok(out)
}

/// Merges the datastores `inputs` into `out`: repositories (by name; the most recent audit
/// wins), scanned blobs (so the next audit of the merged datastore stays incremental),
/// findings (by repository and fingerprint) and triage decisions (the most recent wins; each
/// adopted decision is appended to `out`'s audit log). Each input is merged in one transaction.
pub fn merge_datastores(out: &mut Datastore, inputs: &[PathBuf]) -> Result<(), AuditError> {
    for input in inputs {
        let (kind, _) = detect(input)?;
        if kind != InputKind::Datastore {
            return Err(input_error(
                input,
                "not a datastore: merge JSON and SARIF with --format",
            ));
        }
        let decisions = {
            let src = Datastore::open(input, false)?;
            // Every value must parse before anything is copied: a merge never spreads a
            // severity or status this leakscan does not know.
            src.repositories()?;
            src.findings()?;
            src.export_triage()?.decisions
        };
        let out_path = out.path().to_path_buf();
        let err = |e| super::datastore::sql_error(&out_path, e);
        let conn = out.connection();
        conn.execute("ATTACH DATABASE ?1 AS src", params![input.display().to_string()])
            .map_err(err)?;
        let merged = merge_attached(conn, &decisions);
        let detached = conn.execute("DETACH DATABASE src", []);
        merged.map_err(|e| row_error(&out_path, e))?;
        detached.map_err(err)?;
    }
    Ok(())
}

fn merge_attached(conn: &mut rusqlite::Connection, decisions: &[TriageDecision]) -> Result<(), RowError> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "INSERT INTO main.repositories (name, path, status, reason, mode, refs_digest, rules_digest, last_audit)
             SELECT name, path, status, reason, mode, refs_digest, rules_digest, last_audit FROM src.repositories WHERE true
         ON CONFLICT(name) DO UPDATE SET path = excluded.path, status = excluded.status, reason = excluded.reason,
             mode = excluded.mode, refs_digest = excluded.refs_digest, rules_digest = excluded.rules_digest,
             last_audit = excluded.last_audit
         WHERE coalesce(excluded.last_audit, '') > coalesce(repositories.last_audit, '');
         INSERT OR IGNORE INTO main.blobs (repository_id, oid)
             SELECT m.id, b.oid FROM src.blobs b
             JOIN src.repositories s ON s.id = b.repository_id
             JOIN main.repositories m ON m.name = s.name;
         INSERT INTO main.findings (repository_id, fingerprint, rule_id, rule_name, severity, confidence, path, line, col,
                 secret_redacted, snippet, secret_id, commit_id, commit_author, commit_date, commit_summary, blob_id,
                 first_seen, last_seen, fixed_at)
             SELECT m.id, f.fingerprint, f.rule_id, f.rule_name, f.severity, f.confidence, f.path, f.line, f.col,
                 f.secret_redacted, f.snippet, f.secret_id, f.commit_id, f.commit_author, f.commit_date,
                 f.commit_summary, f.blob_id, f.first_seen, f.last_seen, f.fixed_at
             FROM src.findings f
             JOIN src.repositories s ON s.id = f.repository_id
             JOIN main.repositories m ON m.name = s.name WHERE true
         ON CONFLICT(repository_id, fingerprint) DO UPDATE SET
             first_seen = min(findings.first_seen, excluded.first_seen),
             last_seen = max(findings.last_seen, excluded.last_seen),
             fixed_at = CASE WHEN findings.fixed_at IS NULL OR excluded.fixed_at IS NULL THEN NULL
                             ELSE max(findings.fixed_at, excluded.fixed_at) END;
         INSERT OR IGNORE INTO main.finding_blobs (finding_id, blob_id)
             SELECT mf.id, fb.blob_id FROM src.finding_blobs fb
             JOIN src.findings sf ON sf.id = fb.finding_id
             JOIN src.repositories s ON s.id = sf.repository_id
             JOIN main.repositories mr ON mr.name = s.name
             JOIN main.findings mf ON mf.repository_id = mr.id AND mf.fingerprint = sf.fingerprint;
         INSERT INTO main.verifications (finding_id, scan_id, status, reason, identity, checked_at)
             SELECT mf.id, NULL, v.status, v.reason, v.identity, v.checked_at FROM src.verifications v
             JOIN src.findings sf ON sf.id = v.finding_id
             JOIN src.repositories s ON s.id = sf.repository_id
             JOIN main.repositories mr ON mr.name = s.name
             JOIN main.findings mf ON mf.repository_id = mr.id AND mf.fingerprint = sf.fingerprint
             WHERE NOT EXISTS (SELECT 1 FROM main.verifications x WHERE x.finding_id = mf.id
                 AND x.checked_at = v.checked_at AND x.status = v.status AND x.reason = v.reason
                 AND x.identity = v.identity)
             ORDER BY v.checked_at, v.id;",
    )?;
    for d in decisions {
        let current: Option<String> = tx
            .query_row(
                "SELECT at FROM main.triage WHERE fingerprint = ?1",
                params![d.fingerprint],
                |r| r.get(0),
            )
            .ok();
        if current.is_none_or(|at| at < d.at) {
            triage_in(&tx, d)?;
        }
    }
    Ok(tx.commit()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(err: AuditError) -> String {
        match err {
            AuditError::Input { message, .. } => message,
            other => panic!("not an input error: {other}"),
        }
    }

    #[test]
    fn names_in_merge_inputs_are_parsed_and_unknown_ones_refused() {
        let path = Path::new("in.json");
        let scan = |severity: &str| {
            serde_json::json!({ "version": 1, "findings": [{
                "fingerprint": "ab12", "rule": "r", "severity": severity, "confidence": "high",
                "path": "a.env", "start": { "line": 3, "column": 7 },
            }] })
        };
        let found = scan_json_findings(path, &scan("critical")).unwrap();
        assert_eq!(
            (found[0].severity, found[0].confidence, found[0].status),
            (Severity::Critical, Confidence::High, TriageStatus::Open)
        );
        let err = input(scan_json_findings(path, &scan("urgent")).unwrap_err());
        assert_eq!(
            err,
            "finding ab12: severity `urgent` is not one of low, medium, high, critical"
        );

        let sarif = |properties: Value| {
            serde_json::json!({ "runs": [{ "results": [{
                "ruleId": "r", "level": "warning",
                "partialFingerprints": { FINGERPRINT_KEY: "cd34" },
                "properties": properties,
            }] }] })
        };
        // No severity: from the level; confidence from `precision` when there is no
        // `confidence`; no status: open.
        let found = sarif_findings(path, &sarif(serde_json::json!({ "precision": "medium" }))).unwrap();
        assert_eq!(
            (found[0].severity, found[0].confidence, found[0].status),
            (Severity::Medium, Confidence::Medium, TriageStatus::Open)
        );
        let found = sarif_findings(
            path,
            &sarif(serde_json::json!({ "severity": "low", "confidence": "low", "status": "false-positive" })),
        )
        .unwrap();
        assert_eq!(found[0].status, TriageStatus::FalsePositive);
        let err = input(
            sarif_findings(
                path,
                &sarif(serde_json::json!({ "confidence": "low", "status": "ignored" })),
            )
            .unwrap_err(),
        );
        assert!(err.starts_with("finding cd34: status `ignored` is not one of"), "{err}");
        let err = input(sarif_findings(path, &sarif(serde_json::json!({}))).unwrap_err());
        assert_eq!(err, "finding cd34: no confidence");
    }
}
