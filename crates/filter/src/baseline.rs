//! Baselines: known findings, keyed by their content-anchored fingerprint, that a scan
//! suppresses (with the entry's reason) instead of failing on.
//!
//! # File format, version 1
//!
//! ```text
//! {
//!   "version": 1,
//!   "entries": [
//!     {"fingerprint": "<sha256 hex>", "rule": "jwt", "path": "docs/api.md"},
//!     {"fingerprint": "<sha256 hex>", "rule": "generic-secret-assignment", "path": "src/x.py", "reason": "test key", "owner": "team-a", "expires": "2027-01-31"}
//!   ]
//! }
//! ```
//!
//! Entries are sorted by (path, rule, fingerprint), one per line, with no timestamps and no
//! line numbers, so a baseline does not change when unrelated edits move lines, and merges
//! stay clean. The fingerprint hashes the rule, the secret and the path: the secret itself is
//! never stored, and a new secret on the same line as a baselined one is still reported.
//! `reason`, `owner` and `expires` (a `YYYY-MM-DD` date) are optional and kept by
//! `baseline update`; an expired entry stops suppressing and the scan says so.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Trust;
use leakscan_model::ScanReport;
use leakscan_model::error::Error;
use leakscan_model::finding::Finding;
use leakscan_model::notification::{Notification, kinds};

/// The baseline format version this build reads and writes.
pub const BASELINE_VERSION: u32 = 1;

/// The baseline a scan picks up by itself at the repository root (unless `--baseline`, a
/// configuration's `baseline`, or `--no-repo-config` says otherwise).
pub const AUTO_BASELINE_FILE: &str = ".leakscan-baseline.json";

/// The repository's own baseline for a scan of `root`: `.leakscan-baseline.json` at the root
/// of the enclosing repository (or of `root` itself outside one), if it is a file.
pub fn discover(root: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(root).ok()?;
    let file = leakscan_model::origin::logical_base(&abs).join(AUTO_BASELINE_FILE);
    file.is_file().then_some(file)
}

/// What the scan says about a baseline it picked up by itself: where it came from, how many
/// findings it suppressed, and how to see them.
pub fn discovered_notification(report: &ScanReport, file: &Path) -> Notification {
    let suppressed = report
        .findings
        .iter()
        .filter(|f| matches!(f.suppression, Some(leakscan_model::Suppression::Baseline(_))))
        .count();
    Notification::note(
        kinds::AUTO_BASELINE,
        Some(crate::config::trust::shown_path(file)),
        format!(
            "baseline {AUTO_BASELINE_FILE} at the repository root used: {suppressed} known finding(s) suppressed; --no-repo-config (or --baseline FILE) to scan without it"
        ),
    )
}

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// The finding's fingerprint (rule + secret + logical path).
    pub fingerprint: String,
    /// The rule id (for people and for warnings about removed rules).
    pub rule: String,
    /// The logical path (for people).
    pub path: String,
    /// Why it is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who is responsible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`: from the day after, the entry no longer suppresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// The unsuppressed findings of a leakscan JSON report or SARIF log as baseline entries
/// (`None` when `value` is neither).
fn from_report(value: &serde_json::Value) -> Option<Vec<BaselineEntry>> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let entry = |fingerprint: String, rule: Option<String>, path: Option<String>| BaselineEntry {
        fingerprint,
        rule: rule.unwrap_or_default(),
        path: path.unwrap_or_default(),
        reason: Some("accepted from a report".to_string()),
        owner: None,
        expires: None,
    };
    if value["tool"]["name"] == "leakscan" {
        let findings = value["findings"].as_array()?;
        return Some(
            findings
                .iter()
                .filter(|f| f["suppression"].is_null())
                .filter_map(|f| {
                    let path = text(&f["logical_path"]).or_else(|| text(&f["path"]));
                    Some(entry(text(&f["fingerprint"])?, text(&f["rule"]), path))
                })
                .collect(),
        );
    }
    let runs = value["runs"].as_array()?;
    Some(
        runs.iter()
            .filter_map(|run| run["results"].as_array())
            .flatten()
            .filter(|r| r["suppressions"].as_array().is_none_or(|s| s.is_empty()))
            .filter_map(|r| {
                let fingerprint = text(&r["partialFingerprints"][leakscan_model::fingerprint::SARIF_FINGERPRINT_KEY])?;
                let path = text(&r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]);
                Some(entry(fingerprint, text(&r["ruleId"]), path))
            })
            .collect(),
    )
}

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Known findings.
    pub entries: Vec<BaselineEntry>,
}

impl Baseline {
    /// Parses a baseline; `file` names it in errors. A future format version is an error.
    /// A leakscan JSON report or SARIF log is read as a baseline of its unsuppressed
    /// findings (by fingerprint), so a report from CI can be accepted as it is.
    pub fn parse(text: &str, file: &Path) -> Result<Baseline, Error> {
        let fail = |message: String| Error::Baseline {
            file: file.to_path_buf(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| fail(leakscan_model::mask::json_error(&e).to_string()))?;
        if value.get("entries").is_none() {
            return from_report(&value).map(|entries| Baseline {
                version: BASELINE_VERSION,
                entries,
            }).ok_or_else(|| {
                fail("not a leakscan baseline (`version` and `entries`), JSON report (`tool` and `findings`) or SARIF log (`runs`)".into())
            });
        }
        let baseline: Baseline =
            serde_json::from_value(value).map_err(|e| fail(leakscan_model::mask::json_error(&e).to_string()))?;
        if baseline.version > BASELINE_VERSION {
            return Err(fail(format!(
                "format version {} is newer than this leakscan understands ({BASELINE_VERSION}); upgrade leakscan",
                baseline.version
            )));
        }
        for e in &baseline.entries {
            if let Some(date) = &e.expires
                && !is_date(date)
            {
                return Err(fail(format!(
                    "entry {}: expires `{}` is not a YYYY-MM-DD date",
                    leakscan_model::mask::shown(&e.fingerprint),
                    leakscan_model::mask::shown(date)
                )));
            }
        }
        Ok(baseline)
    }

    /// Reads a baseline file.
    pub fn load(file: &Path) -> Result<Baseline, Error> {
        Baseline::load_with(file, &Trust::Trusted)
    }

    /// Reads and parses a baseline named by a configuration of `trust` (a repository's
    /// configuration may only name a regular file inside the repository; the caller checked
    /// the path). Capped at [`MAX_BASELINE_BYTES`](crate::config::trust::MAX_BASELINE_BYTES).
    pub fn load_with(file: &Path, trust: &Trust) -> Result<Baseline, Error> {
        let text =
            crate::config::trust::read_text(file, crate::config::trust::MAX_BASELINE_BYTES, trust).map_err(|e| {
                Error::Baseline {
                    file: file.to_path_buf(),
                    message: e.to_string(),
                }
            })?;
        Baseline::parse(&text, file)
    }

    /// A baseline of the unsuppressed `findings`. Entries of `previous` that are found again
    /// keep their reason, owner and expiry; entries not found any more are dropped.
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>, previous: Option<&Baseline>) -> Baseline {
        let old: HashMap<&str, &BaselineEntry> = previous
            .map(|b| b.entries.iter().map(|e| (e.fingerprint.as_str(), e)).collect())
            .unwrap_or_default();
        let mut entries: BTreeMap<(String, String, String), BaselineEntry> = BTreeMap::new();
        for f in findings {
            let kept = old.get(f.fingerprint.as_str());
            let entry = BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule_id.clone(),
                path: f.origin.logical.clone(),
                reason: kept.and_then(|e| e.reason.clone()),
                owner: kept.and_then(|e| e.owner.clone()),
                expires: kept.and_then(|e| e.expires.clone()),
            };
            entries.insert(
                (entry.path.clone(), entry.rule.clone(), entry.fingerprint.clone()),
                entry,
            );
        }
        Baseline {
            version: BASELINE_VERSION,
            entries: entries.into_values().collect(),
        }
    }

    /// The file text: deterministic, one entry per line, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\n  \"version\": {},\n  \"entries\": [", self.version);
        for (i, e) in self.entries.iter().enumerate() {
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
        }
        out.push_str(if self.entries.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        out
    }

    /// A lookup by fingerprint, judging expiry against `today` (`YYYY-MM-DD`).
    pub fn matcher(&self, today: &str) -> BaselineMatcher {
        BaselineMatcher {
            entries: self
                .entries
                .iter()
                .map(|e| (e.fingerprint.clone(), e.clone()))
                .collect(),
            today: today.to_string(),
        }
    }
}

/// What a baseline says about one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineVerdict {
    /// Known and accepted: suppress, with this explanation.
    Known(String),
    /// Known, but the entry expired on this date: report it again.
    Expired(String),
}

/// Fingerprint lookup over a loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct BaselineMatcher {
    entries: HashMap<String, BaselineEntry>,
    today: String,
}

impl BaselineMatcher {
    /// The verdict for a finding's fingerprint, or `None` when it is not in the baseline.
    pub fn check(&self, fingerprint: &str) -> Option<BaselineVerdict> {
        let e = self.entries.get(fingerprint)?;
        if let Some(expires) = &e.expires
            && expires.as_str() < self.today.as_str()
        {
            return Some(BaselineVerdict::Expired(expires.clone()));
        }
        let mut detail = String::from("baseline entry");
        if let Some(r) = &e.reason {
            detail.push_str(&format!(" (reason: {r})"));
        }
        if let Some(o) = &e.owner {
            detail.push_str(&format!(" (owner: {o})"));
        }
        if let Some(x) = &e.expires {
            detail.push_str(&format!(" (expires {x})"));
        }
        Some(BaselineVerdict::Known(detail))
    }

    /// Rule ids named by entries, for warnings about rules that no longer exist.
    pub fn rules(&self) -> impl Iterator<Item = &str> {
        self.entries.values().map(|e| e.rule.as_str())
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: &str, path: &str) -> BaselineEntry {
        BaselineEntry {
            fingerprint: fp.into(),
            rule: "r".into(),
            path: path.into(),
            reason: None,
            owner: None,
            expires: None,
        }
    }

    #[test]
    fn round_trip_is_stable() {
        let b = Baseline {
            version: 1,
            entries: vec![entry("aa", "a.txt"), entry("bb", "b.txt")],
        };
        let text = b.to_json();
        assert_eq!(Baseline::parse(&text, Path::new("b.json")).unwrap(), b);
        assert_eq!(text.lines().count(), 7, "{text}");
        assert!(text.lines().nth(3).unwrap().starts_with("    {\"fingerprint\":\"aa\""));
        let empty = Baseline {
            version: 1,
            entries: vec![],
        }
        .to_json();
        assert_eq!(Baseline::parse(&empty, Path::new("e.json")).unwrap().entries.len(), 0);
    }

    #[test]
    fn future_versions_and_bad_dates_are_errors() {
        let err = Baseline::parse("{\"version\": 2, \"entries\": []}", Path::new("b.json")).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
        let bad =
            "{\"version\":1,\"entries\":[{\"fingerprint\":\"a\",\"rule\":\"r\",\"path\":\"p\",\"expires\":\"soon\"}]}";
        assert!(Baseline::parse(bad, Path::new("b.json")).is_err());
        let unknown = "{\"version\":1,\"entries\":[],\"extra\":1}";
        assert!(
            Baseline::parse(unknown, Path::new("b.json"))
                .unwrap_err()
                .to_string()
                .contains("extra")
        );
    }

    #[test]
    fn expiry() {
        let mut e = entry("aa", "a");
        e.expires = Some("2026-01-31".into());
        e.reason = Some("test key".into());
        let b = Baseline {
            version: 1,
            entries: vec![e],
        };
        assert!(
            matches!(b.matcher("2026-01-31").check("aa"), Some(BaselineVerdict::Known(d)) if d.contains("test key"))
        );
        assert_eq!(
            b.matcher("2026-02-01").check("aa"),
            Some(BaselineVerdict::Expired("2026-01-31".into()))
        );
        assert_eq!(b.matcher("2026-02-01").check("zz"), None);
    }
}
