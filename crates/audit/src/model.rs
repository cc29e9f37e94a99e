//! The records reports, merges and the HTML page share: one finding of one repository as the
//! datastore keeps it (redacted: no record ever holds a raw secret).

use serde::{Deserialize, Serialize};

/// One finding in one repository, with its triage state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// The repository (its name relative to the audit root, or its path).
    pub repository: String,
    /// `sha256(rule ‖ secret ‖ logical path)`: the finding's identity.
    pub fingerprint: String,
    /// Rule id.
    pub rule: String,
    /// Rule name.
    pub rule_name: String,
    /// `low` | `medium` | `high` | `critical`.
    pub severity: String,
    /// `low` | `medium` | `high`.
    pub confidence: String,
    /// Path in the repository, `/`-separated.
    pub path: String,
    /// 1-based line of the secret.
    pub line: u64,
    /// 1-based column of the secret.
    pub column: u64,
    /// The secret, redacted.
    pub secret: String,
    /// The line around the secret, redacted.
    pub snippet: String,
    /// Groups one secret wherever it occurs.
    #[serde(default)]
    pub secret_id: String,
    /// The commit that introduced it (history audits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitRecord>,
    /// The blob it was found in (history audits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_id: Option<String>,
    /// When an audit first saw it (RFC 3339).
    #[serde(default)]
    pub first_seen: String,
    /// When an audit last saw it (RFC 3339).
    #[serde(default)]
    pub last_seen: String,
    /// When an audit found it gone (history rewritten, secret removed everywhere); `None`
    /// while it is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_at: Option<String>,
    /// Triage status: `open`, `accepted-risk`, `false-positive` or `revoked`.
    #[serde(default = "open")]
    pub status: String,
    /// Who set the triage status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triaged_by: Option<String>,
    /// When the triage status was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triaged_at: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage_reason: Option<String>,
}

fn open() -> String {
    "open".into()
}

impl FindingRecord {
    /// Whether the finding still needs attention: present (not fixed) and triaged `open`.
    pub fn is_open(&self) -> bool {
        self.fixed_at.is_none() && self.status == "open"
    }

    /// The state shown in reports: `fixed` when gone, else the triage status.
    pub fn state(&self) -> &str {
        if self.fixed_at.is_some() { "fixed" } else { &self.status }
    }

    /// The date the secret was introduced: the commit date in history audits, else when it was
    /// first seen.
    pub fn introduced(&self) -> &str {
        match &self.commit {
            Some(c) if !c.date.is_empty() => &c.date,
            _ => &self.first_seen,
        }
    }
}

/// The commit that introduced a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRecord {
    /// Full hex id.
    pub id: String,
    /// `Name <email>`.
    #[serde(default)]
    pub author: String,
    /// Author date, RFC 3339.
    #[serde(default)]
    pub date: String,
    /// First line of the message.
    #[serde(default)]
    pub summary: String,
}

/// One repository as the datastore knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryRecord {
    /// The name (relative to the audit root, or the path given).
    pub name: String,
    /// The absolute path.
    pub path: String,
    /// `ok`, `failed` or `incomplete` after the last audit.
    pub status: String,
    /// Why it failed or is incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was last audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_audit: Option<String>,
    /// Blobs recorded as scanned.
    #[serde(default)]
    pub blobs: u64,
}

/// Which findings a report shows.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Only these triage states (`open`, `accepted-risk`, `false-positive`, `revoked`,
    /// `fixed`); empty: all.
    pub states: Vec<String>,
    /// Only repositories whose name contains this.
    pub repository: Option<String>,
    /// Only this rule.
    pub rule: Option<String>,
}

impl ReportFilter {
    /// Whether `f` passes the filter.
    pub fn keeps(&self, f: &FindingRecord) -> bool {
        (self.states.is_empty() || self.states.iter().any(|s| s == f.state()))
            && self
                .repository
                .as_ref()
                .is_none_or(|r| f.repository.contains(r.as_str()))
            && self.rule.as_ref().is_none_or(|r| &f.rule == r)
    }
}
