//! # leakscan-model
//!
//! The types every other leakscan crate speaks: a [`Finding`] and its [`Secret`], where bytes
//! came from ([`Origin`]), what a scan produced ([`ScanReport`]) and which findings fail it
//! ([`Gate`]), what reports say about rules ([`RuleCatalog`]), typed errors ([`Error`],
//! [`ScanError`]), and the filter seam ([`Filter`], [`Verdict`], [`Suppression`]). It depends
//! on no other leakscan crate and does no I/O.
//!
//! Also here, because several layers need them: positions ([`location`]), fingerprints
//! ([`fingerprint`]), masking of text shown to people ([`mask`]), entropy ([`entropy`]),
//! environments ([`environment`]), shards ([`shard`]), notifications ([`notification`]) and
//! dates ([`date`]).

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod date;
pub mod entropy;
pub mod environment;
pub mod error;
pub mod filter;
pub mod finding;
pub mod fingerprint;
pub mod level;
pub mod location;
pub mod mask;
pub mod notification;
pub mod origin;
pub mod report;
pub mod rule_info;
pub mod shard;
pub mod suppression;
pub mod verification;

pub use error::{Error, ParseError, ScanError, ScanErrorKind};
pub use filter::{Filter, Lowering, Outcome, Verdict};
pub use finding::{Finding, Secret, Snippet};
pub use level::{Confidence, Severity};
pub use location::Position;
pub use origin::{
    CommitInfo, HeadState, HistoryBlob, LaterVersion, LayerInfo, Occurrence, Origin, OriginKind, Provenance,
    SkipReason, Skipped,
};
pub use report::{Gate, HistorySummary, ScanReport, ScanStats, SourceSummary, StagedSummary};
pub use rule_info::{RuleCatalog, RuleInfo};
pub use suppression::Suppression;
pub use verification::{IdentityField, Verification, VerificationStatus};
