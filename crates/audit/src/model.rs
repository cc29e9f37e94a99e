//! The records reports, merges and the HTML page share: one finding of one repository as the
//! datastore keeps it (redacted: no record ever holds a raw secret), one repository, and the
//! closed sets of names they carry ([`TriageStatus`], [`FindingState`], [`RepoStatus`]).

use leakscan_model::{Confidence, Severity, Verification, VerificationStatus};
use serde::{Deserialize, Serialize};

/// A triage decision's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TriageStatus {
    /// Needs attention (the default).
    #[default]
    Open,
    /// Known and accepted.
    AcceptedRisk,
    /// Not a secret.
    FalsePositive,
    /// The credential was revoked (rotated): harmless now.
    Revoked,
}

impl TriageStatus {
    /// Every status.
    pub const ALL: [TriageStatus; 4] = [
        TriageStatus::Open,
        TriageStatus::AcceptedRisk,
        TriageStatus::FalsePositive,
        TriageStatus::Revoked,
    ];

    /// The name used in the datastore, reports and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            TriageStatus::Open => "open",
            TriageStatus::AcceptedRisk => "accepted-risk",
            TriageStatus::FalsePositive => "false-positive",
            TriageStatus::Revoked => "revoked",
        }
    }

    /// Parses a status name.
    pub fn parse(text: &str) -> Option<TriageStatus> {
        TriageStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The state of a finding as reports show it and `report --state` selects it: fixed when
/// gone, else its triage status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingState {
    /// Present and triaged open.
    Open,
    /// Present, triaged accepted risk.
    AcceptedRisk,
    /// Present, triaged not a secret.
    FalsePositive,
    /// Present, triaged revoked.
    Revoked,
    /// Gone (history rewritten, secret removed everywhere), whatever its triage status.
    Fixed,
}

impl FindingState {
    /// `open`, `accepted-risk`, `false-positive`, `revoked` or `fixed`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::AcceptedRisk => "accepted-risk",
            FindingState::FalsePositive => "false-positive",
            FindingState::Revoked => "revoked",
            FindingState::Fixed => "fixed",
        }
    }
}

impl From<TriageStatus> for FindingState {
    fn from(status: TriageStatus) -> FindingState {
        match status {
            TriageStatus::Open => FindingState::Open,
            TriageStatus::AcceptedRisk => FindingState::AcceptedRisk,
            TriageStatus::FalsePositive => FindingState::FalsePositive,
            TriageStatus::Revoked => FindingState::Revoked,
        }
    }
}

/// A repository's status in the datastore: how its last audit went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoStatus {
    /// Fully audited.
    Ok,
    /// Audited, but some objects could not be read.
    Incomplete,
    /// Not audited: not a repository, unreadable, or corrupt.
    Failed,
    /// Registered by an audit that never recorded its result (it was interrupted): the
    /// datastore's default.
    #[default]
    Pending,
}

impl RepoStatus {
    /// Every status.
    pub const ALL: [RepoStatus; 4] = [
        RepoStatus::Ok,
        RepoStatus::Incomplete,
        RepoStatus::Failed,
        RepoStatus::Pending,
    ];

    /// `ok`, `incomplete`, `failed` or `pending`.
    pub fn as_str(self) -> &'static str {
        match self {
            RepoStatus::Ok => "ok",
            RepoStatus::Incomplete => "incomplete",
            RepoStatus::Failed => "failed",
            RepoStatus::Pending => "pending",
        }
    }

    /// Parses a status name.
    pub fn parse(text: &str) -> Option<RepoStatus> {
        RepoStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

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
    /// The rule's severity.
    pub severity: Severity,
    /// The finding's confidence.
    pub confidence: Confidence,
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
    /// Triage status (`open` when never triaged).
    #[serde(default)]
    pub status: TriageStatus,
    /// Who set the triage status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triaged_by: Option<String>,
    /// When the triage status was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triaged_at: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage_reason: Option<String>,
    /// The latest verdict of live verification (`audit --verify`), with when it was asked
    /// (`checked_at`); `None` when the credential was never verified. The datastore keeps
    /// every earlier verdict too ([`crate::Datastore::verification_history`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
}

impl FindingRecord {
    /// Whether the finding still needs attention: present (not fixed) and triaged `open`.
    pub fn is_open(&self) -> bool {
        self.fixed_at.is_none() && self.status == TriageStatus::Open
    }

    /// The state shown in reports: fixed when gone, else the triage status.
    pub fn state(&self) -> FindingState {
        if self.fixed_at.is_some() {
            FindingState::Fixed
        } else {
            self.status.into()
        }
    }

    /// Whether the latest verdict says the credential works.
    pub fn is_live(&self) -> bool {
        self.verification.as_ref().is_some_and(Verification::is_live)
    }

    /// The latest verdict's status, if the credential was verified.
    pub fn verification_status(&self) -> Option<VerificationStatus> {
        self.verification.as_ref().map(|v| v.status)
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
    /// How its last audit went.
    pub status: RepoStatus,
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
    /// Only findings in these states; empty: all.
    pub states: Vec<FindingState>,
    /// Only repositories whose name contains this.
    pub repository: Option<String>,
    /// Only this rule.
    pub rule: Option<String>,
}

impl ReportFilter {
    /// Whether `f` passes the filter.
    pub fn keeps(&self, f: &FindingRecord) -> bool {
        (self.states.is_empty() || self.states.contains(&f.state()))
            && self
                .repository
                .as_ref()
                .is_none_or(|r| f.repository.contains(r.as_str()))
            && self.rule.as_ref().is_none_or(|r| &f.rule == r)
    }
}
