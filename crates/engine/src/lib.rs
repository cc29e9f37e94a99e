//! # leakscan-engine
//!
//! The scan engine: a [`Scanner`] takes blobs from a source (`leakscan-sources`), expands
//! archives, runs the detector (`leakscan-rules`) and the configuration checks
//! (`leakscan-checks`), builds findings and runs the finding chain (`leakscan-filter`), and
//! returns a [`ScanReport`] (`leakscan-model`) for a reporter (`leakscan-report`). Also here:
//! preparing a scanner from a caller's request ([`ScanRequest`]: configuration, rule files,
//! baseline, trust), turning command-line and configuration values into settings ([`resolve`]), `rules check`
//! ([`check_rules`], which needs a whole scanner for the configuration checks), redaction of a
//! stream ([`redact`]) and the masking of metadata shown in reports ([`metadata`]).

#![warn(clippy::print_stdout, clippy::print_stderr)]

mod build_finding;
pub mod metadata;
pub mod redact;
pub mod request;
pub mod resolve;
mod rule_check;
pub mod scan;
pub mod verification;

pub use leakscan_model::{Gate, ScanReport, ScanStats};
pub use request::{ConfigSource, PreparedScan, RuleSources, ScanRequest};
pub use rule_check::{CheckIssue, CheckLevel, check_rules};
pub use scan::{DEFAULT_FILE_TIMEOUT, LineExplanation, Progress, ScanSettings, Scanner, ScannerBuilder};
