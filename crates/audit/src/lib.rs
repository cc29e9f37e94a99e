//! # leakscan-audit
//!
//! Bulk audits: many repositories, one SQLite datastore that remembers what was scanned
//! (incremental re-audits), keeps findings with first/last-seen times, and tracks triage
//! decisions in a hash-chained audit log.
//!
//! - [`datastore`]: the SQLite datastore (schema, migrations in [`migrate`], locking,
//!   findings, triage, audit log and its verification, triage import/export).
//! - [`run`]: the orchestration: find repositories, scan them in parallel, persist each
//!   repository's results in one transaction.
//! - Shards (`--shard K/N`, `leakscan_model::shard`) split repositories across machines;
//!   [`merge`] puts their outputs back together.
//! - [`report`] and [`html`]: reports from the datastore (text, JSON, SARIF, CSV, HTML).
//! - [`merge`]: combining shard outputs (JSON, SARIF, datastores), deduplicated.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod datastore;
pub mod html;
pub mod merge;
pub mod migrate;
pub mod model;
pub mod report;
pub mod run;

use std::path::PathBuf;

pub use datastore::{Datastore, InvalidValue, LockMode, VerifyOutcome};
pub use model::{FindingRecord, FindingState, RepoStatus, RepositoryRecord, TriageStatus};
pub use run::{AuditObserver, AuditOptions, AuditSummary, Mode, RepoOutcome, discover_repositories};

/// A problem with the datastore, an audit, a report or a merge.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// SQLite reported an error.
    #[error("datastore {}: {source}", path.display())]
    Sqlite {
        /// The datastore file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The datastore was written by a newer leakscan (its schema version is unknown here).
    #[error(
        "datastore {}: schema version {found} is newer than this leakscan supports (up to {supported}); upgrade leakscan",
        path.display()
    )]
    NewerSchema {
        /// The datastore file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The datastore file is damaged or is not a leakscan datastore. It is left untouched.
    #[error("datastore {}: {message} (the file was left untouched)", path.display())]
    Corrupt {
        /// The datastore file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value in the datastore is none of the names its column may hold (a severity, a
    /// status): the file was edited or written by something else. Nothing is guessed.
    #[error("datastore {}: {invalid}", path.display())]
    InvalidValue {
        /// The datastore file.
        path: PathBuf,
        /// The row, column and value.
        invalid: Box<InvalidValue>,
    },
    /// The datastore does not exist (commands that only read it).
    #[error("datastore {}: no such file (run `leakscan audit` first, or pass --datastore)", path.display())]
    Missing {
        /// The datastore file.
        path: PathBuf,
    },
    /// Another audit holds the datastore's audit lock.
    #[error("datastore {}: another audit is running on it ({holder}); wait for it or pass --wait", path.display())]
    Locked {
        /// The datastore file.
        path: PathBuf,
        /// Who holds the lock, as recorded in the lock file.
        holder: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An input (repository list, triage file, merge input) is invalid.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No finding matches the fingerprint given to triage.
    #[error("no finding with fingerprint `{0}` in the datastore")]
    UnknownFinding(String),
    /// A fingerprint prefix matches several findings.
    #[error("fingerprint prefix `{0}` is ambiguous: give more characters")]
    AmbiguousFinding(String),
    /// A scan failed as a whole.
    #[error(transparent)]
    Scan(#[from] leakscan_model::Error),
}

/// The current time, RFC 3339 in UTC, to the second.
pub fn now() -> String {
    leakscan_model::date::now()
}
