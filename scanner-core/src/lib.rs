//! # scanner-core
//!
//! leakscan's library: finds leaked secrets (API tokens, keys, passwords) in files,
//! directories and byte buffers, and reports them as text, JSON or SARIF 2.1.0. The library
//! never prints; it returns findings, counters and per-item errors, and the caller decides
//! what to show.
//!
//! ```
//! use scanner_core::{Format, ReportOptions, Scanner, ScanSettings, write_report};
//!
//! let scanner = Scanner::builder()
//!     .settings(ScanSettings { threads: 2, ..ScanSettings::default() })
//!     .build()?;
//! // A fake AWS access key id, assembled at run time.
//! let text = format!("aws_access_key_id = {}{}\n", "AKIA", "Q3EGRZ7YT2W4PN5X");
//! let findings = scanner.scan_bytes("settings.ini", text.as_bytes());
//! assert_eq!(findings[0].rule_id, "aws-access-key-id");
//! assert_eq!((findings[0].start.line, findings[0].start.column), (1, 21));
//! assert_eq!(findings[0].secret.redacted(), "AKIA…"); // redacted unless asked
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("settings.ini"), &text)?;
//! let report = scanner.scan_paths(&[dir.path().to_path_buf()])?;
//! assert_eq!(report.stats.findings, 1);
//! let mut sarif = Vec::new();
//! write_report(Format::Sarif, &report, scanner.catalog(), ReportOptions::default(), &mut sarif)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pipeline, one crate per step (this crate re-exports them all, so a library user
//! needs only `scanner-core`):
//!
//! | step | crate | module here |
//! |---|---|---|
//! | shared types: [`Finding`], [`Origin`], [`ScanReport`], [`Gate`], errors, the filter seam | `leakscan-model` | [`finding`], [`error`], … |
//! | rules and detection: a [`RuleSet`], the [`Detector`] and its match stages | `leakscan-rules` | [`rules`], [`detect`] |
//! | sources: trees, git, archives, images, registries, streams → [`Blob`]s | `leakscan-sources` | [`source`], [`budget`] |
//! | configuration checks (CI, Dockerfiles, manifests, IaC, reuse) | `leakscan-checks` | [`checks`] |
//! | finding filters: configuration, trust, allowlists, inline markers, baselines | `leakscan-filter` | [`config`], [`filter`] |
//! | the engine: [`Scanner`], settings, `rules check`, redaction | `leakscan-engine` | [`scan`], [`redact`], [`metadata`], [`config::resolve`] |
//! | reporters: text, JSON, SARIF, JUnit, GitLab, GitHub, CSV, Markdown | `leakscan-report` | [`report`] |
//! | bulk audits and their datastore | `leakscan-audit` | [`audit`] |

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub use leakscan_audit as audit;
pub use leakscan_checks as checks;
pub use leakscan_engine::{metadata, redact, request, scan};
pub use leakscan_model::{date, environment, error, finding, fingerprint, location, mask, notification, shard};
pub use leakscan_report as report;
pub use leakscan_rules::detect;
pub use leakscan_sources as source;
pub use leakscan_sources::budget;
pub use leakscan_verify as verify;

/// Rules: their TOML syntax, compilation into a [`RuleSet`], the built-in pack, and
/// `rules check` ([`check_rules`]).
pub mod rules {
    pub use leakscan_engine::{CheckIssue, CheckLevel, check_rules};
    pub use leakscan_rules::*;
}

/// The configuration file (`leakscan.toml`), its trust model ([`trust`](leakscan_filter::config::trust)) and
/// its resolution with the command line into settings ([`resolve`](leakscan_engine::resolve)).
pub mod config {
    pub use leakscan_engine::resolve;
    pub use leakscan_filter::config::*;
}

/// The finding filters: the finding chain, inline markers and baselines (the match stages
/// are in [`crate::detect::stages`]).
pub mod filter {
    pub use leakscan_filter::{baseline, chain, inline};
}

pub use detect::{Candidate, Detector, Suppression};
pub use error::{Error, ScanError, ScanErrorKind};
pub use finding::{Finding, Secret};
pub use leakscan_model::{Gate, RuleCatalog, RuleInfo, ScanReport, ScanStats};
pub use location::Position;
pub use report::{Format, ReportOptions, Reporter, write_report};
pub use rules::{CheckIssue, CheckLevel, Confidence, Rule, RuleSet, Severity, check_rules};
pub use scan::{LineExplanation, Progress, ScanSettings, Scanner, ScannerBuilder};
pub use source::{
    Blob, BlobVisitor, CommitInfo, GitOptions, HeadState, HistorySummary, Occurrence, Origin, SkipReason, Skipped,
    StagedSummary,
};
