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
//! write_report(Format::Sarif, &report, scanner.rules(), ReportOptions::default(), &mut sarif)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pipeline: a [`source`] pushes [`Blob`]s → the engine runs the [`Detector`] (one
//! pass of the [`rules::KeywordFilter`] over every rule's keywords, then each candidate rule's
//! regex only at or around keyword hits, then entropy, rule allows and the placeholder filter) →
//! [`Finding`]s with line/column, redacted snippet and a content-anchored fingerprint →
//! a [`report`] format.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
pub mod budget;
pub mod checks;
pub mod config;
pub mod date;
pub mod detect;
pub mod environment;
pub mod error;
pub mod filter;
pub mod finding;
pub mod fingerprint;
pub mod location;
pub mod mask;
pub mod metadata;
pub mod notification;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod shard;
pub mod source;

pub use detect::{Candidate, Detector, Suppression};
pub use error::{Error, ScanError, ScanErrorKind};
pub use finding::{Finding, Secret};
pub use location::Position;
pub use report::{Format, ReportOptions, Reporter, write_report};
pub use rules::{CheckIssue, CheckLevel, Confidence, Rule, RuleSet, Severity, check_rules};
pub use scan::{Gate, LineExplanation, Progress, ScanReport, ScanSettings, ScanStats, Scanner, ScannerBuilder};
pub use source::{
    Blob, BlobVisitor, CommitInfo, GitOptions, HeadState, HistorySummary, Occurrence, Origin, SkipReason, Skipped,
    StagedSummary,
};
