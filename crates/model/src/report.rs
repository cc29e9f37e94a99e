//! What a scan produced: [`ScanReport`] with its [`ScanStats`], the per-source summaries, and
//! the [`Gate`] that decides which findings fail a scan.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ScanError;
use crate::finding::Finding;
use crate::level::{Confidence, Severity};
use crate::origin::{SkipReason, Skipped};

/// Totals of one scan.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ScanStats {
    /// Files (blobs) scanned.
    pub blobs: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings that were not suppressed.
    pub findings: u64,
    /// Findings suppressed by a filter (placeholder, rule allow).
    pub suppressed: u64,
    /// Inputs skipped by policy, per reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Per-item errors.
    pub errors: u64,
    /// Wall time of the scan.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl ScanStats {
    /// Total skipped inputs.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Throughput in MB/s (10^6 bytes per second).
    pub fn megabytes_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs <= 0.0 {
            0.0
        } else {
            self.bytes as f64 / 1e6 / secs
        }
    }
}

/// Everything a scan produced. Findings are sorted by path, line, column and rule.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Findings, suppressed ones included (see [`Finding::suppression`]).
    pub findings: Vec<Finding>,
    /// Inputs skipped by policy.
    pub skipped: Vec<Skipped>,
    /// Per-item errors: the scan is incomplete when this is not empty.
    pub errors: Vec<ScanError>,
    /// Totals.
    pub stats: ScanStats,
    /// The directory SARIF URIs are relative to (`%SRCROOT%`), when scanning paths.
    pub base: Option<Arc<Path>>,
    /// What kind of source was scanned, with what it saw besides blobs.
    pub source: SourceSummary,
    /// Things a user should know that did not stop the scan (expired baseline entries, …).
    pub warnings: Vec<String>,
    /// What the scan's configuration changed, above all a configuration found in the scanned
    /// tree (the trust model in SECURITY.md); filled in by the caller that resolved it.
    pub notifications: Vec<crate::notification::Notification>,
}

impl ScanReport {
    /// Findings no filter suppressed.
    pub fn active_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.is_suppressed())
    }

    /// Whether any unsuppressed finding exists.
    pub fn has_findings(&self) -> bool {
        self.active_findings().next().is_some()
    }

    /// Whether any finding fails `gate`.
    pub fn fails(&self, gate: &Gate) -> bool {
        self.findings.iter().any(|f| gate.fails(f))
    }

    /// What a history scan saw (commits, shallow, branch, …), when this was one.
    pub fn history(&self) -> Option<&HistorySummary> {
        match &self.source {
            SourceSummary::History(h) => Some(h),
            _ => None,
        }
    }

    /// What a staged-changes scan saw, when this was one.
    pub fn staged(&self) -> Option<&StagedSummary> {
        match &self.source {
            SourceSummary::Staged(s) => Some(s),
            _ => None,
        }
    }

    /// Whether every input was scanned (no per-item errors).
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The kind of source a scan read, with the facts it gathered besides blobs: the typed,
/// per-source part of a [`ScanReport`] (a new source adds a variant here, not fields on the
/// report).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SourceSummary {
    /// In-memory bytes given by a library caller.
    #[default]
    Bytes,
    /// Files and directories.
    Tree,
    /// A git repository's history.
    History(HistorySummary),
    /// A git repository's staged changes.
    Staged(StagedSummary),
    /// A container image (a tarball, a layout or a registry image).
    Image,
    /// A stream (standard input, a pipe).
    Stream,
}

/// Which findings fail a scan (exit code 1): unsuppressed ones at or above both thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    /// Findings below this confidence are reported but do not fail.
    pub min_confidence: Confidence,
    /// Findings below this severity are reported but do not fail.
    pub fail_on: Severity,
    /// Only findings whose provider said the credential is live fail (`--fail-on live`);
    /// the others are still reported.
    pub live_only: bool,
}

impl Default for Gate {
    /// Medium confidence, any severity: generic low-confidence matches are reported (JSON,
    /// SARIF as `note`, text with `-v`) without failing the pipeline.
    fn default() -> Gate {
        Gate {
            min_confidence: Confidence::Medium,
            fail_on: Severity::Low,
            live_only: false,
        }
    }
}

impl Gate {
    /// Whether `f` fails the scan.
    pub fn fails(&self, f: &Finding) -> bool {
        if self.live_only {
            return !f.is_suppressed() && f.verification.as_ref().is_some_and(|v| v.is_live());
        }
        !f.is_suppressed() && f.confidence >= self.min_confidence && f.severity >= self.fail_on
    }
}

/// What a history scan saw besides blobs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HistorySummary {
    /// Commits walked.
    pub commits: u64,
    /// Unique blobs found (scanned or skipped).
    pub unique_blobs: u64,
    /// Whether the repository is a shallow clone (older history is missing).
    pub shallow: bool,
    /// Submodule entries seen (paths), not followed.
    pub submodules: Vec<String>,
    /// The commit HEAD points to, if any.
    pub head: Option<String>,
    /// The branch HEAD is on (`refs/heads/…`), if any.
    pub branch: Option<String>,
    /// The URL of the `origin` remote, if configured.
    pub remote_url: Option<String>,
    /// Unique blobs left out because they were in the history options' `skip_blobs`.
    #[serde(skip)]
    pub already_scanned: u64,
    /// Every unique blob the walk reached, scanned or not (only with
    /// the history options' `collect_blob_ids`).
    #[serde(skip)]
    pub blob_ids: Vec<gix_hash::ObjectId>,
}

/// What a staged-changes scan saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StagedSummary {
    /// Staged files whose content differs from HEAD.
    pub changed: u64,
    /// Paths with unmerged (conflicted) index entries.
    pub conflicted: Vec<String>,
}
