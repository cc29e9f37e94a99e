//! The SQLite datastore of bulk audits.
//!
//! Opening checks, in this order and without writing anything until all pass: the file is an
//! SQLite database (header), `PRAGMA quick_check` is clean, it is a leakscan datastore
//! (`application_id`), and its schema version (`user_version`) is not newer than this build's.
//! Only then is it switched to WAL mode and migrated. A damaged file is reported, never
//! overwritten.
//!
//! An audit holds an exclusive OS lock on `DATASTORE.lock` for its whole run (released by the
//! OS if the process dies), so two audits never interleave; readers (`report`, `triage`) use
//! SQLite's own locking with a busy timeout. Each repository's results are written in one
//! transaction: a killed audit leaves every repository either fully recorded or untouched.
//!
//! Live-verification verdicts (`audit --verify`) are kept in `verifications` (schema version
//! 2), one row per verdict, written in the transaction that records the repository's findings;
//! rows are only added, so the table is each finding's history and its latest row the current
//! verdict ([`FindingRecord::verification`]). Verdicts are not entries of the hash-chained
//! audit log: that log records people's triage decisions (who decided what, and why), which
//! a verdict is not; a verdict is a provider's answer, recorded with the audit (`scan_id`)
//! that asked, and it never changes a triage status. `datastore verify` checks that every
//! verdict belongs to a finding and has a known status.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gix::ObjectId;
use leakscan_model::{Confidence, IdentityField, Severity, Verification, VerificationStatus};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::migrate::{APPLICATION_ID, LATEST, migrate};
pub use super::model::TriageStatus;
use super::model::{CommitRecord, FindingRecord, RepoStatus, RepositoryRecord};
use super::run::Mode;
use super::{AuditError, now};

/// The hash before the first audit-log row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A value in a datastore column with a closed set of names (a severity, a status, a mode)
/// that is none of them: the file was edited, or written by something else. Reading it is an
/// error, never a guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{table}.{column} is `{}` where {key} = {}, not one of {expected}",
    leakscan_model::mask::shown(value),
    leakscan_model::mask::sanitize(row)
)]
pub struct InvalidValue {
    /// The table.
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
    /// The column that identifies the row (`id`, `fingerprint`).
    pub key: &'static str,
    /// Its value in the row.
    pub row: String,
    /// The value found.
    pub value: String,
    /// The names the column may hold.
    pub expected: &'static str,
}

/// The column's value parsed by `parse`, or [`InvalidValue`] naming the row and column.
fn parse_column<T>(
    value: String,
    parse: impl FnOnce(&str) -> Option<T>,
    (table, column): (&'static str, &'static str),
    (key, row): (&'static str, &dyn std::fmt::Display),
    expected: &'static str,
) -> Result<T, InvalidValue> {
    parse(&value).ok_or_else(|| InvalidValue {
        table,
        column,
        key,
        row: row.to_string(),
        value,
        expected,
    })
}

const SEVERITIES: &str = "low, medium, high, critical";
const CONFIDENCES: &str = "low, medium, high";
const TRIAGE_STATUSES: &str = "open, accepted-risk, false-positive, revoked";
const REPO_STATUSES: &str = "ok, incomplete, failed, pending";
const MODES: &str = "history, working-tree";
const VERIFICATION_STATUSES: &str = "live, revoked, unknown, error";
const IDENTITY: &str = "a JSON list of identity fields";

/// A failure while reading rows: SQLite's, or a value that does not parse.
#[derive(Debug)]
pub(crate) enum RowError {
    /// SQLite reported an error.
    Sql(rusqlite::Error),
    /// A value does not parse.
    Invalid(Box<InvalidValue>),
}

impl From<rusqlite::Error> for RowError {
    fn from(e: rusqlite::Error) -> RowError {
        RowError::Sql(e)
    }
}

impl From<InvalidValue> for RowError {
    fn from(e: InvalidValue) -> RowError {
        RowError::Invalid(Box::new(e))
    }
}

/// A [`RowError`] of the datastore at `path` as an [`AuditError`].
pub(crate) fn row_error(path: &Path, e: RowError) -> AuditError {
    match e {
        RowError::Sql(e) => sql_error(path, e),
        RowError::Invalid(invalid) => AuditError::InvalidValue {
            path: path.to_path_buf(),
            invalid,
        },
    }
}

/// Whether an audit waits for another audit's lock or fails at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// Fail with [`AuditError::Locked`].
    Fail,
    /// Block until the other audit ends.
    Wait,
}

/// The exclusive audit lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct AuditLock {
    _file: File,
}

/// One triage decision, as exported and imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageDecision {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// The status.
    pub status: TriageStatus,
    /// Who decided.
    pub who: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub why: String,
}

/// A triage export file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TriageExport {
    /// Format version (1).
    pub version: u32,
    /// When it was exported.
    pub exported_at: String,
    /// The decisions, by fingerprint.
    pub decisions: Vec<TriageDecision>,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyOutcome {
    /// Audit-log rows checked.
    pub rows: u64,
    /// The first problem: the row id (0 when not tied to a row) and what is wrong.
    pub broken: Option<(i64, String)>,
}

/// A repository's row, as an audit needs it.
#[derive(Debug, Clone)]
pub struct RepoState {
    /// Row id.
    pub id: i64,
    /// How its last audit went.
    pub status: RepoStatus,
    /// The mode of its last audit (`None` before the first).
    pub mode: Option<Mode>,
    /// Digest of the refs at the last complete audit.
    pub refs_digest: Option<String>,
    /// Digest of the rules of the last audit.
    pub rules_digest: Option<String>,
}

/// One finding to record (already redacted).
#[derive(Debug, Clone)]
pub struct NewFinding {
    /// The record (repository, status and times are filled by the datastore).
    pub record: FindingRecord,
}

/// A finding due for re-verification ([`Datastore::stale_verifications`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleFinding {
    /// Its rule.
    pub rule: String,
    /// The blobs (hex ids) it was seen in; empty when none was recorded.
    pub blobs: Vec<String>,
}

/// Everything one repository's audit produced, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct RepoResult {
    /// Repository row id.
    pub repo_id: i64,
    /// The audit's scan id.
    pub scan_id: i64,
    /// Ok, incomplete or failed.
    pub status: RepoStatus,
    /// Why it is not ok.
    pub reason: Option<String>,
    /// What was scanned.
    pub mode: Mode,
    /// Refs digest to remember (only for a complete history audit).
    pub refs_digest: Option<String>,
    /// Rules digest of this audit.
    pub rules_digest: String,
    /// Forget every recorded blob first (rules or mode changed, `--full`).
    pub reset_blobs: bool,
    /// Blobs scanned now, to remember (only recorded when the audit is complete).
    pub new_blobs: Vec<ObjectId>,
    /// Recorded blobs no longer reachable: forgotten.
    pub gone_blobs: Vec<ObjectId>,
    /// Every blob reachable now (history audits); `None` for working-tree audits.
    pub reachable: Option<HashSet<String>>,
    /// The scan saw everything (no skipped blobs): findings it did not see are fixed.
    pub complete_view: bool,
    /// Nothing changed since the last audit (same refs, same rules): only times move on.
    pub unchanged: bool,
    /// The findings seen.
    pub findings: Vec<NewFinding>,
    /// Blobs scanned.
    pub blobs_scanned: u64,
    /// Blobs skipped as already scanned.
    pub blobs_skipped: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// What recording a repository changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounts {
    /// Findings seen for the first time.
    pub new: u64,
    /// Findings now marked fixed.
    pub fixed: u64,
    /// Findings present after this audit.
    pub present: u64,
    /// Verification verdicts recorded.
    pub verified: u64,
}

/// An open datastore.
#[derive(Debug)]
pub struct Datastore {
    conn: Connection,
    path: PathBuf,
}

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl Datastore {
    /// Opens the datastore at `path`, creating it when `create` is set and it does not exist.
    /// Refuses (without writing) a damaged file, a foreign database and a newer schema.
    pub fn open(path: &Path, create: bool) -> Result<Datastore, AuditError> {
        let exists = path.exists();
        if !exists && !create {
            return Err(AuditError::Missing {
                path: path.to_path_buf(),
            });
        }
        if exists {
            check_header(path)?;
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, e))?;
        let mut store = Datastore {
            conn,
            path: path.to_path_buf(),
        };
        store
            .conn
            .busy_timeout(Duration::from_secs(30))
            .map_err(|e| store.err(e))?;
        if exists {
            store.check_integrity()?;
        }
        let app: i64 = store
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| store.err(e))?;
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| store.err(e))?;
        let tables: i64 = store
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| store.err(e))?;
        if app != APPLICATION_ID && (app != 0 || version != 0 || tables != 0) {
            return Err(AuditError::Corrupt {
                path: path.to_path_buf(),
                message: "an SQLite database that is not a leakscan datastore".into(),
            });
        }
        if version > LATEST {
            return Err(AuditError::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                supported: LATEST,
            });
        }
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| store.err(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            log::warn!("datastore {}: journal mode is {mode}, not WAL", path.display());
        }
        store
            .conn
            .execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;")
            .map_err(|e| store.err(e))?;
        if version < LATEST {
            migrate(&mut store.conn, version).map_err(|e| store.err(e))?;
        }
        Ok(store)
    }

    /// The datastore file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<i64, AuditError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> AuditError {
        sql_error(&self.path, e)
    }

    fn row_err(&self, e: RowError) -> AuditError {
        row_error(&self.path, e)
    }

    fn check_integrity(&self) -> Result<(), AuditError> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check").map_err(|e| self.err(e))?;
        let problems: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        if problems.len() == 1 && problems[0] == "ok" {
            return Ok(());
        }
        Err(AuditError::Corrupt {
            path: self.path.clone(),
            message: format!("integrity check failed: {}", problems.join("; ")),
        })
    }

    /// Takes the exclusive audit lock (`DATASTORE.lock`).
    pub fn lock_audit(&self, mode: LockMode) -> Result<AuditLock, AuditError> {
        let lock_path = lock_path(&self.path);
        let io = |source| AuditError::Io {
            path: lock_path.clone(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = if holder.trim().is_empty() {
                    "holder unknown".to_string()
                } else {
                    holder.trim().to_string()
                };
                if mode == LockMode::Fail {
                    return Err(AuditError::Locked {
                        path: self.path.clone(),
                        holder,
                    });
                }
                log::warn!("waiting for the datastore lock ({holder})");
                file.lock().map_err(io)?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        let holder = format!("leakscan audit, pid {} on {host}, since {}", std::process::id(), now());
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(holder.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(AuditLock { _file: file })
    }

    /// Starts an audit: marks audits that never finished (killed) as interrupted and returns the
    /// new audit's id. Call with the audit lock held.
    pub fn begin_scan(&self, shard: Option<&str>) -> Result<i64, AuditError> {
        let at = now();
        self.conn
            .execute("UPDATE scans SET status = 'interrupted' WHERE status = 'running'", [])
            .map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "INSERT INTO scans (started, status, host, shard) VALUES (?1, 'running', ?2, ?3)",
                params![at, std::env::var("HOSTNAME").ok(), shard],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Marks an audit finished.
    pub fn finish_scan(&self, scan_id: i64) -> Result<(), AuditError> {
        self.conn
            .execute(
                "UPDATE scans SET status = 'done', finished = ?1 WHERE id = ?2",
                params![now(), scan_id],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Audits by status (`running`, `done`, `interrupted`).
    pub fn scan_counts(&self) -> Result<HashMap<String, u64>, AuditError> {
        let mut stmt = self
            .conn
            .prepare("SELECT status, count(*) FROM scans GROUP BY status")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// The row of repository `name` (created when new; its path is updated).
    pub fn upsert_repository(&self, name: &str, path: &str) -> Result<RepoState, AuditError> {
        self.conn
            .execute(
                "INSERT INTO repositories (name, path) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET path = excluded.path",
                params![name, path],
            )
            .map_err(|e| self.err(e))?;
        let mut stmt = self
            .conn
            .prepare("SELECT id, status, mode, refs_digest, rules_digest FROM repositories WHERE name = ?1")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![name]).map_err(|e| self.err(e))?;
        let row = rows
            .next()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| self.err(rusqlite::Error::QueryReturnedNoRows))?;
        repo_state(row).map_err(|e| self.row_err(e))
    }

    /// The blobs recorded as scanned for a repository.
    pub fn scanned_blobs(&self, repo_id: i64) -> Result<HashSet<ObjectId>, AuditError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT oid FROM blobs WHERE repository_id = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![repo_id], |r| r.get::<_, Vec<u8>>(0))
            .map_err(|e| self.err(e))?;
        let mut out = HashSet::new();
        for row in rows {
            let bytes = row.map_err(|e| self.err(e))?;
            if let Ok(id) = ObjectId::try_from(bytes.as_slice()) {
                out.insert(id);
            }
        }
        Ok(out)
    }

    /// Blobs recorded in the whole datastore.
    pub fn blob_count(&self) -> Result<u64, AuditError> {
        self.conn
            .query_row("SELECT count(*) FROM blobs", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Records one repository's audit in one transaction.
    pub fn record(&mut self, result: &RepoResult) -> Result<RecordCounts, AuditError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_error(&path, e))?;
        let counts = record_in(&tx, result).map_err(|e| sql_error(&path, e))?;
        tx.commit().map_err(|e| sql_error(&path, e))?;
        Ok(counts)
    }

    /// Every repository.
    pub fn repositories(&self) -> Result<Vec<RepositoryRecord>, AuditError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.name, r.path, r.status, r.reason, r.last_audit,
                        (SELECT count(*) FROM blobs b WHERE b.repository_id = r.id), r.id
                 FROM repositories r ORDER BY r.name",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            out.push(repository_record(row).map_err(|e| self.row_err(e))?);
        }
        Ok(out)
    }

    /// Every finding with its triage state, ordered by repository, path, line.
    pub fn findings(&self) -> Result<Vec<FindingRecord>, AuditError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.name, f.fingerprint, f.rule_id, f.rule_name, f.severity, f.confidence, f.path,
                        f.line, f.col, f.secret_redacted, f.snippet, f.secret_id, f.commit_id,
                        f.commit_author, f.commit_date, f.commit_summary, f.blob_id, f.first_seen,
                        f.last_seen, f.fixed_at, t.status, t.who, t.at, t.why, f.id,
                        v.status, v.reason, v.identity, v.checked_at
                 FROM findings f JOIN repositories r ON r.id = f.repository_id
                 LEFT JOIN triage t ON t.fingerprint = f.fingerprint
                 LEFT JOIN verifications v ON v.id = (
                     SELECT x.id FROM verifications x WHERE x.finding_id = f.id
                     ORDER BY x.checked_at DESC, x.id DESC LIMIT 1)
                 ORDER BY r.name, f.path, f.line, f.col, f.rule_id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            out.push(finding_record(row).map_err(|e| self.row_err(e))?);
        }
        Ok(out)
    }

    /// Every verdict recorded for the finding `fingerprint` of `repository`, oldest first.
    pub fn verification_history(&self, repository: &str, fingerprint: &str) -> Result<Vec<Verification>, AuditError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT v.id, v.status, v.reason, v.identity, v.checked_at
                 FROM verifications v JOIN findings f ON f.id = v.finding_id
                 JOIN repositories r ON r.id = f.repository_id
                 WHERE r.name = ?1 AND f.fingerprint = ?2
                 ORDER BY v.checked_at, v.id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![repository, fingerprint]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let id: i64 = row.get(0).map_err(|e| self.err(e))?;
            if let Some(v) = verification_at(row, 1, ("id", &id)).map_err(|e| self.row_err(e))? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Verdicts recorded in the whole datastore (every row of the history).
    pub fn verification_count(&self) -> Result<u64, AuditError> {
        self.conn
            .query_row("SELECT count(*) FROM verifications", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// The present (not fixed) findings of repository `repo_id` whose latest verdict was
    /// checked at or before `cutoff` (RFC 3339), or that have none, and whose rule `verifiable`
    /// says can be verified: their rule ids and the blobs they were seen in (history audits;
    /// an empty list when none was recorded).
    pub fn stale_verifications(
        &self,
        repo_id: i64,
        cutoff: &str,
        verifiable: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<StaleFinding>, AuditError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT f.id, f.rule_id, f.blob_id FROM findings f
                 WHERE f.repository_id = ?1 AND f.fixed_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM verifications v WHERE v.finding_id = f.id AND v.checked_at > ?2)
                 ORDER BY f.id",
            )
            .map_err(|e| self.err(e))?;
        let rows: Vec<(i64, String, Option<String>)> = stmt
            .query_map(params![repo_id, cutoff], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        let mut blobs_of = self
            .conn
            .prepare_cached("SELECT blob_id FROM finding_blobs WHERE finding_id = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for (id, rule, blob) in rows {
            if !verifiable(&rule) {
                continue;
            }
            let mut blobs: Vec<String> = blobs_of
                .query_map(params![id], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| self.err(e))?;
            blobs.extend(blob);
            blobs.sort();
            blobs.dedup();
            out.push(StaleFinding { rule, blobs });
        }
        Ok(out)
    }

    /// The full fingerprints of findings matching `text` (a full fingerprint or a prefix of at
    /// least 8 characters).
    pub fn resolve_fingerprint(&self, text: &str) -> Result<String, AuditError> {
        let text = text.trim().to_ascii_lowercase();
        if text.len() < 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AuditError::UnknownFinding(text));
        }
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT fingerprint FROM findings WHERE substr(fingerprint, 1, length(?1)) = ?1 LIMIT 2")
            .map_err(|e| self.err(e))?;
        let found: Vec<String> = stmt
            .query_map(params![text], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        match found.len() {
            0 => Err(AuditError::UnknownFinding(text)),
            1 => Ok(found.into_iter().next().unwrap_or_default()),
            _ => Err(AuditError::AmbiguousFinding(text)),
        }
    }

    /// Sets the triage status of every finding with `fingerprint` and appends the change to
    /// the audit log (one transaction). Returns the previous status.
    pub fn set_triage(&mut self, decision: &TriageDecision) -> Result<TriageStatus, AuditError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_error(&path, e))?;
        let old = triage_in(&tx, decision).map_err(|e| row_error(&path, e))?;
        tx.commit().map_err(|e| sql_error(&path, e))?;
        Ok(old)
    }

    /// Every triage decision, by fingerprint.
    pub fn export_triage(&self) -> Result<TriageExport, AuditError> {
        let mut stmt = self
            .conn
            .prepare("SELECT fingerprint, status, who, at, why FROM triage ORDER BY fingerprint")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut decisions = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            decisions.push(triage_decision(row).map_err(|e| self.row_err(e))?);
        }
        Ok(TriageExport {
            version: 1,
            exported_at: now(),
            decisions,
        })
    }

    /// Applies imported decisions (they need not match a finding yet: a decision waits for its
    /// finding to be audited). Unchanged decisions are skipped; each change is logged. Returns
    /// how many changed, all in one transaction.
    pub fn import_triage(&mut self, export: &TriageExport) -> Result<u64, AuditError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_error(&path, e))?;
        let mut changed = 0;
        for d in &export.decisions {
            let current: Option<(String, String, String)> = tx
                .query_row(
                    "SELECT status, who, why FROM triage WHERE fingerprint = ?1",
                    params![d.fingerprint],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(|e| sql_error(&path, e))?;
            if current
                .as_ref()
                .is_some_and(|(s, w, y)| s == d.status.as_str() && *w == d.who && *y == d.why)
            {
                continue;
            }
            triage_in(&tx, d).map_err(|e| row_error(&path, e))?;
            changed += 1;
        }
        tx.commit().map_err(|e| sql_error(&path, e))?;
        Ok(changed)
    }

    /// Recomputes the audit log's hash chain and checks that the triage table agrees with the
    /// last logged decision of each fingerprint.
    pub fn verify(&self) -> Result<VerifyOutcome, AuditError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, fingerprint, old_status, new_status, who, at, why, prev_hash, hash FROM audit_log ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows: Vec<LogRow> = stmt
            .query_map([], |r| {
                Ok(LogRow {
                    id: r.get(0)?,
                    fingerprint: r.get(1)?,
                    old_status: r.get(2)?,
                    new_status: r.get(3)?,
                    who: r.get(4)?,
                    at: r.get(5)?,
                    why: r.get(6)?,
                    prev_hash: r.get(7)?,
                    hash: r.get(8)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        let mut prev = GENESIS_HASH.to_string();
        let mut last: HashMap<String, &LogRow> = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            let broken = |message: String| {
                Ok(VerifyOutcome {
                    rows: rows.len() as u64,
                    broken: Some((row.id, message)),
                })
            };
            if row.id != i as i64 + 1 {
                return broken(format!(
                    "row ids are not contiguous: expected {}, found {}",
                    i + 1,
                    row.id
                ));
            }
            if row.prev_hash != prev {
                return broken(
                    "prev_hash does not match the previous row's hash (a row was removed or changed)".into(),
                );
            }
            if row.hash != row.compute_hash() {
                return broken("hash does not match the row's content (the row was edited)".into());
            }
            prev = row.hash.clone();
            last.insert(row.fingerprint.clone(), row);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT fingerprint, status, who, at, why FROM triage ORDER BY fingerprint")
            .map_err(|e| self.err(e))?;
        let triage: Vec<(String, String, String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        for (fp, status, who, at, why) in &triage {
            let agrees = last
                .get(fp)
                .is_some_and(|l| l.new_status == *status && l.who == *who && l.at == *at && l.why == *why);
            if !agrees {
                return Ok(VerifyOutcome {
                    rows: rows.len() as u64,
                    broken: Some((0, format!("triage of {fp} does not match its last audit-log entry"))),
                });
            }
        }
        let orphans: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM verifications v LEFT JOIN findings f ON f.id = v.finding_id
                 WHERE f.id IS NULL OR v.status NOT IN ('live', 'revoked', 'unknown', 'error')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if orphans > 0 {
            return Ok(VerifyOutcome {
                rows: rows.len() as u64,
                broken: Some((
                    0,
                    format!("{orphans} verification verdict(s) belong to no finding or have an unknown status"),
                )),
            });
        }
        if triage.len() != last.len() {
            return Ok(VerifyOutcome {
                rows: rows.len() as u64,
                broken: Some((0, "a logged triage decision is missing from the triage table".into())),
            });
        }
        Ok(VerifyOutcome {
            rows: rows.len() as u64,
            broken: None,
        })
    }

    /// The underlying connection (for merges and tests).
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// `DATASTORE.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

fn check_header(path: &Path) -> Result<(), AuditError> {
    let mut file = File::open(path).map_err(|source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Ok(());
    }
    let mut header = [0u8; 16];
    if len < 100 || file.read_exact(&mut header).is_err() || &header != SQLITE_HEADER {
        return Err(AuditError::Corrupt {
            path: path.to_path_buf(),
            message: "not an SQLite database (bad file header): damaged, or not a leakscan datastore".into(),
        });
    }
    Ok(())
}

/// Maps SQLite's "corrupt" and "not a database" errors to [`AuditError::Corrupt`].
pub(crate) fn sql_error(path: &Path, e: rusqlite::Error) -> AuditError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => AuditError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        _ => AuditError::Sqlite {
            path: path.to_path_buf(),
            source: e,
        },
    }
}

struct LogRow {
    id: i64,
    fingerprint: String,
    old_status: String,
    new_status: String,
    who: String,
    at: String,
    why: String,
    prev_hash: String,
    hash: String,
}

impl LogRow {
    fn compute_hash(&self) -> String {
        log_hash(
            &self.prev_hash,
            self.id,
            &[
                &self.fingerprint,
                &self.old_status,
                &self.new_status,
                &self.who,
                &self.at,
                &self.why,
            ],
        )
    }
}

/// `sha256(prev_hash ‖ id ‖ each field)`, every part length-prefixed.
fn log_hash(prev: &str, id: i64, fields: &[&str]) -> String {
    let mut h = Sha256::new();
    let id = id.to_string();
    for part in [prev, id.as_str()].iter().chain(fields.iter()) {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Records one triage decision and appends it to the audit log; returns the previous status
/// (open when the fingerprint had none).
pub(crate) fn triage_in(tx: &Transaction<'_>, d: &TriageDecision) -> Result<TriageStatus, RowError> {
    let old: Option<String> = tx
        .query_row(
            "SELECT status FROM triage WHERE fingerprint = ?1",
            params![d.fingerprint],
            |r| r.get(0),
        )
        .optional()?;
    let old = match old {
        Some(old) => parse_column(
            old,
            TriageStatus::parse,
            ("triage", "status"),
            ("fingerprint", &d.fingerprint),
            TRIAGE_STATUSES,
        )?,
        None => TriageStatus::Open,
    };
    tx.execute(
        "INSERT INTO triage (fingerprint, status, who, at, why) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(fingerprint) DO UPDATE SET status = excluded.status, who = excluded.who,
             at = excluded.at, why = excluded.why",
        params![d.fingerprint, d.status.as_str(), d.who, d.at, d.why],
    )?;
    let (last_id, prev): (i64, String) = tx
        .query_row("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .unwrap_or((0, GENESIS_HASH.to_string()));
    let id = last_id + 1;
    let hash = log_hash(
        &prev,
        id,
        &[&d.fingerprint, old.as_str(), d.status.as_str(), &d.who, &d.at, &d.why],
    );
    tx.execute(
        "INSERT INTO audit_log (id, fingerprint, old_status, new_status, who, at, why, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            d.fingerprint,
            old.as_str(),
            d.status.as_str(),
            d.who,
            d.at,
            d.why,
            prev,
            hash
        ],
    )?;
    Ok(old)
}

fn record_in(tx: &Transaction<'_>, r: &RepoResult) -> rusqlite::Result<RecordCounts> {
    let at = now();
    let mut counts = RecordCounts::default();
    if r.reset_blobs {
        tx.execute("DELETE FROM blobs WHERE repository_id = ?1", params![r.repo_id])?;
    }
    if r.status == RepoStatus::Ok {
        let mut insert = tx.prepare_cached("INSERT OR IGNORE INTO blobs (repository_id, oid) VALUES (?1, ?2)")?;
        for id in &r.new_blobs {
            insert.execute(params![r.repo_id, id.as_bytes()])?;
        }
    }
    {
        let mut delete = tx.prepare_cached("DELETE FROM blobs WHERE repository_id = ?1 AND oid = ?2")?;
        for id in &r.gone_blobs {
            delete.execute(params![r.repo_id, id.as_bytes()])?;
        }
    }
    if r.unchanged {
        tx.execute(
            "UPDATE findings SET last_seen = ?1, last_scan_id = ?2 WHERE repository_id = ?3 AND fixed_at IS NULL",
            params![at, r.scan_id, r.repo_id],
        )?;
    } else if r.status != RepoStatus::Failed {
        let mut seen = HashSet::new();
        let mut verified = HashSet::new();
        for f in &r.findings {
            let rec = &f.record;
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM findings WHERE repository_id = ?1 AND fingerprint = ?2",
                    params![r.repo_id, rec.fingerprint],
                    |row| row.get(0),
                )
                .optional()?;
            let id = match existing {
                Some(id) => {
                    tx.execute(
                        "UPDATE findings SET last_seen = ?1, last_scan_id = ?2, fixed_at = NULL WHERE id = ?3",
                        params![at, r.scan_id, id],
                    )?;
                    id
                }
                None => {
                    counts.new += 1;
                    let c = rec.commit.as_ref();
                    tx.execute(
                        "INSERT INTO findings (repository_id, fingerprint, rule_id, rule_name, severity, confidence,
                             path, line, col, secret_redacted, snippet, secret_id, commit_id, commit_author,
                             commit_date, commit_summary, blob_id, first_seen, last_seen, first_scan_id, last_scan_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?19)",
                        params![
                            r.repo_id,
                            rec.fingerprint,
                            rec.rule,
                            rec.rule_name,
                            rec.severity.as_str(),
                            rec.confidence.as_str(),
                            rec.path,
                            rec.line as i64,
                            rec.column as i64,
                            rec.secret,
                            rec.snippet,
                            rec.secret_id,
                            c.map(|c| c.id.as_str()),
                            c.map(|c| c.author.as_str()),
                            c.map(|c| c.date.as_str()),
                            c.map(|c| c.summary.as_str()),
                            rec.blob_id,
                            at,
                            r.scan_id,
                        ],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            if let Some(blob) = &rec.blob_id {
                tx.execute(
                    "INSERT OR IGNORE INTO finding_blobs (finding_id, blob_id) VALUES (?1, ?2)",
                    params![id, blob],
                )?;
            }
            // One verdict per finding and audit (the same secret in several blobs was asked
            // about once).
            if let Some(v) = &rec.verification
                && !verified.contains(&id)
            {
                insert_verification(tx, id, Some(r.scan_id), v)?;
                verified.insert(id);
                counts.verified += 1;
            }
            seen.insert(id);
        }
        // Findings not seen by this audit: gone when the audit saw everything, or (incremental
        // history audit) when none of their blobs is reachable any more; otherwise still there.
        let mut stmt = tx.prepare("SELECT id FROM findings WHERE repository_id = ?1 AND fixed_at IS NULL")?;
        let unseen: Vec<i64> = stmt
            .query_map(params![r.repo_id], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?
            .into_iter()
            .filter(|id| !seen.contains(id))
            .collect();
        for id in unseen {
            let present = if r.complete_view || r.status != RepoStatus::Ok {
                // Incomplete audits never mark anything fixed.
                r.status != RepoStatus::Ok
            } else {
                let mut blobs = tx.prepare_cached("SELECT blob_id FROM finding_blobs WHERE finding_id = ?1")?;
                let ids: Vec<String> = blobs
                    .query_map(params![id], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?;
                match &r.reachable {
                    Some(reachable) => ids.iter().any(|b| reachable.contains(b)),
                    None => false,
                }
            };
            if present {
                tx.execute(
                    "UPDATE findings SET last_seen = ?1, last_scan_id = ?2 WHERE id = ?3",
                    params![at, r.scan_id, id],
                )?;
            } else {
                counts.fixed += 1;
                tx.execute("UPDATE findings SET fixed_at = ?1 WHERE id = ?2", params![at, id])?;
            }
        }
    }
    counts.present = tx.query_row(
        "SELECT count(*) FROM findings WHERE repository_id = ?1 AND fixed_at IS NULL",
        params![r.repo_id],
        |row| row.get::<_, i64>(0),
    )? as u64;
    let keep_digest = r.status == RepoStatus::Ok;
    tx.execute(
        "UPDATE repositories SET status = ?1, reason = ?2, mode = ?3, refs_digest = ?4,
             rules_digest = CASE WHEN ?5 THEN ?6 ELSE rules_digest END, last_audit = ?7, last_scan_id = ?8
         WHERE id = ?9",
        params![
            r.status.as_str(),
            r.reason,
            r.mode.as_str(),
            if keep_digest { r.refs_digest.clone() } else { None },
            keep_digest || r.reset_blobs,
            r.rules_digest,
            at,
            r.scan_id,
            r.repo_id
        ],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO scan_repositories (scan_id, repository_id, status, reason, blobs_scanned,
             blobs_skipped, findings_new, findings_fixed, elapsed_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.scan_id,
            r.repo_id,
            r.status.as_str(),
            r.reason,
            r.blobs_scanned as i64,
            r.blobs_skipped as i64,
            counts.new as i64,
            counts.fixed as i64,
            r.elapsed.as_millis() as i64
        ],
    )?;
    Ok(counts)
}

/// Appends one verdict to the history of finding `finding_id`.
fn insert_verification(
    tx: &Transaction<'_>,
    finding_id: i64,
    scan_id: Option<i64>,
    v: &Verification,
) -> rusqlite::Result<()> {
    let identity = serde_json::to_string(&v.identity).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    tx.execute(
        "INSERT INTO verifications (finding_id, scan_id, status, reason, identity, checked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![finding_id, scan_id, v.status.as_str(), v.reason, identity, v.checked_at],
    )?;
    Ok(())
}

/// A verdict from its columns (`status, reason, identity, checked_at` from `at`); `None` when
/// the status is NULL (never verified).
fn verification_at(
    r: &Row<'_>,
    at: usize,
    key: (&'static str, &dyn std::fmt::Display),
) -> Result<Option<Verification>, RowError> {
    let Some(status) = r.get::<_, Option<String>>(at)? else {
        return Ok(None);
    };
    let status = parse_column(
        status,
        VerificationStatus::parse,
        ("verifications", "status"),
        key,
        VERIFICATION_STATUSES,
    )?;
    let identity: Vec<IdentityField> = parse_column(
        r.get::<_, Option<String>>(at + 2)?.unwrap_or_else(|| "[]".into()),
        |text| serde_json::from_str(text).ok(),
        ("verifications", "identity"),
        key,
        IDENTITY,
    )?;
    Ok(Some(Verification {
        status,
        reason: r.get::<_, Option<String>>(at + 1)?.unwrap_or_default(),
        identity,
        checked_at: r.get::<_, Option<String>>(at + 3)?.unwrap_or_default(),
    }))
}

/// A repository's row (`id, status, mode, refs_digest, rules_digest`) as an audit needs it.
fn repo_state(r: &Row<'_>) -> Result<RepoState, RowError> {
    let id: i64 = r.get(0)?;
    let status = parse_column(
        r.get(1)?,
        RepoStatus::parse,
        ("repositories", "status"),
        ("id", &id),
        REPO_STATUSES,
    )?;
    let mode = match r.get::<_, Option<String>>(2)? {
        Some(mode) => Some(parse_column(
            mode,
            Mode::parse,
            ("repositories", "mode"),
            ("id", &id),
            MODES,
        )?),
        None => None,
    };
    Ok(RepoState {
        id,
        status,
        mode,
        refs_digest: r.get(3)?,
        rules_digest: r.get(4)?,
    })
}

/// A row of [`Datastore::repositories`]' query.
fn repository_record(r: &Row<'_>) -> Result<RepositoryRecord, RowError> {
    let id: i64 = r.get(6)?;
    Ok(RepositoryRecord {
        name: r.get(0)?,
        path: r.get(1)?,
        status: parse_column(
            r.get(2)?,
            RepoStatus::parse,
            ("repositories", "status"),
            ("id", &id),
            REPO_STATUSES,
        )?,
        reason: r.get(3)?,
        last_audit: r.get(4)?,
        blobs: r.get::<_, i64>(5)? as u64,
    })
}

/// A row of [`Datastore::findings`]' query.
fn finding_record(r: &Row<'_>) -> Result<FindingRecord, RowError> {
    let id: i64 = r.get(24)?;
    let fingerprint: String = r.get(1)?;
    let commit_id: Option<String> = r.get(12)?;
    let severity = parse_column(
        r.get(4)?,
        Severity::parse,
        ("findings", "severity"),
        ("id", &id),
        SEVERITIES,
    )?;
    let confidence = parse_column(
        r.get(5)?,
        Confidence::parse,
        ("findings", "confidence"),
        ("id", &id),
        CONFIDENCES,
    )?;
    // No triage row: never triaged, open.
    let status = match r.get::<_, Option<String>>(20)? {
        Some(status) => parse_column(
            status,
            TriageStatus::parse,
            ("triage", "status"),
            ("fingerprint", &fingerprint),
            TRIAGE_STATUSES,
        )?,
        None => TriageStatus::Open,
    };
    Ok(FindingRecord {
        repository: r.get(0)?,
        fingerprint,
        rule: r.get(2)?,
        rule_name: r.get(3)?,
        severity,
        confidence,
        path: r.get(6)?,
        line: r.get::<_, i64>(7)? as u64,
        column: r.get::<_, i64>(8)? as u64,
        secret: r.get(9)?,
        snippet: r.get(10)?,
        secret_id: r.get(11)?,
        commit: match commit_id {
            Some(id) => Some(CommitRecord {
                id,
                author: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
                date: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                summary: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
            }),
            None => None,
        },
        blob_id: r.get(16)?,
        first_seen: r.get(17)?,
        last_seen: r.get(18)?,
        fixed_at: r.get(19)?,
        status,
        triaged_by: r.get(21)?,
        triaged_at: r.get(22)?,
        triage_reason: r.get(23)?,
        verification: verification_at(r, 25, ("finding_id", &id))?,
    })
}

/// A row of the triage table (`fingerprint, status, who, at, why`).
fn triage_decision(r: &Row<'_>) -> Result<TriageDecision, RowError> {
    let fingerprint: String = r.get(0)?;
    let status = parse_column(
        r.get(1)?,
        TriageStatus::parse,
        ("triage", "status"),
        ("fingerprint", &fingerprint),
        TRIAGE_STATUSES,
    )?;
    Ok(TriageDecision {
        fingerprint,
        status,
        who: r.get(2)?,
        at: r.get(3)?,
        why: r.get(4)?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is the failure report

    use super::*;
    use crate::migrate::MIGRATIONS;
    use leakscan_model::IdentityField;

    /// A fresh directory under the system's temporary directory, removed when dropped.
    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> TempDir {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "leakscan-audit-{name}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    pub(crate) fn record(fingerprint: &str, verification: Option<Verification>) -> FindingRecord {
        FindingRecord {
            repository: "org/app".into(),
            fingerprint: fingerprint.into(),
            rule: "github-pat".into(),
            rule_name: "GitHub token".into(),
            severity: Severity::High,
            confidence: Confidence::High,
            path: "ci.env".into(),
            line: 1,
            column: 14,
            secret: "ghp_…redacted".into(),
            snippet: "GITHUB_TOKEN=ghp_…".into(),
            secret_id: "s1".into(),
            commit: None,
            blob_id: Some("1111111111111111111111111111111111111111".into()),
            first_seen: String::new(),
            last_seen: String::new(),
            fixed_at: None,
            status: TriageStatus::Open,
            triaged_by: None,
            triaged_at: None,
            triage_reason: None,
            verification,
        }
    }

    pub(crate) fn verdict(status: VerificationStatus, at: &str) -> Verification {
        Verification {
            status,
            reason: format!("api.github.com answered for {status}"),
            identity: if status == VerificationStatus::Live {
                vec![IdentityField {
                    name: "login".into(),
                    value: "octo-fixture".into(),
                    secret: false,
                }]
            } else {
                Vec::new()
            },
            checked_at: at.into(),
        }
    }

    fn audit_once(store: &mut Datastore, findings: Vec<FindingRecord>, unchanged: bool) -> RecordCounts {
        let state = store.upsert_repository("org/app", "/repos/org/app").unwrap();
        let scan_id = store.begin_scan(None).unwrap();
        let result = RepoResult {
            repo_id: state.id,
            scan_id,
            status: RepoStatus::Ok,
            rules_digest: "rules".into(),
            unchanged,
            reachable: Some(["1111111111111111111111111111111111111111".to_string()].into()),
            findings: findings.into_iter().map(|record| NewFinding { record }).collect(),
            ..RepoResult::default()
        };
        let counts = store.record(&result).unwrap();
        store.finish_scan(scan_id).unwrap();
        counts
    }

    #[test]
    fn verdicts_are_recorded_as_a_history_and_the_latest_is_read_back() {
        let dir = TempDir::new("history");
        let mut store = Datastore::open(&dir.0.join("audit.db"), true).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST);
        // An audit without --verify records no verdict.
        let counts = audit_once(&mut store, vec![record("fp1", None)], false);
        assert_eq!((counts.new, counts.verified), (1, 0));
        assert_eq!(store.findings().unwrap()[0].verification, None);
        assert_eq!(store.verification_count().unwrap(), 0);

        let live = verdict(VerificationStatus::Live, "2024-05-01T10:00:00Z");
        // The same finding twice in one audit (two blobs): one verdict.
        let counts = audit_once(
            &mut store,
            vec![record("fp1", Some(live.clone())), record("fp1", Some(live.clone()))],
            false,
        );
        assert_eq!((counts.new, counts.verified), (0, 1));
        let found = store.findings().unwrap();
        assert_eq!(found[0].verification.as_ref(), Some(&live));
        assert!(found[0].is_live());

        let revoked = verdict(VerificationStatus::Revoked, "2024-05-09T10:00:00Z");
        audit_once(&mut store, vec![record("fp1", Some(revoked.clone()))], false);
        // An unchanged repository keeps its verdicts.
        audit_once(&mut store, Vec::new(), true);
        let found = store.findings().unwrap();
        assert_eq!(found[0].verification.as_ref(), Some(&revoked));
        let history = store.verification_history("org/app", "fp1").unwrap();
        assert_eq!(history, vec![live, revoked]);
        assert_eq!(store.verify().unwrap().broken, None);
    }

    #[test]
    fn stale_verifications_are_those_at_or_before_the_cutoff_or_never_verified() {
        let dir = TempDir::new("stale");
        let mut store = Datastore::open(&dir.0.join("audit.db"), true).unwrap();
        let mut other = record("fp2", None);
        other.rule = "no-verifier".into();
        let mut unverified = record("fp3", None);
        unverified.blob_id = Some("2222222222222222222222222222222222222222".into());
        audit_once(
            &mut store,
            vec![
                record("fp1", Some(verdict(VerificationStatus::Live, "2024-05-01T10:00:00Z"))),
                other,
                unverified,
            ],
            false,
        );
        let id = store.upsert_repository("org/app", "/repos/org/app").unwrap().id;
        let verifiable = |rule: &str| rule == "github-pat";
        let stale = store
            .stale_verifications(id, "2024-04-01T00:00:00Z", &verifiable)
            .unwrap();
        // Only the never-verified finding (the other rule has no verifier).
        assert_eq!(stale.len(), 1);
        assert_eq!(
            stale[0].blobs,
            vec!["2222222222222222222222222222222222222222".to_string()]
        );
        // At the verdict's own time it is stale too (`0s` re-verifies everything).
        let stale = store
            .stale_verifications(id, "2024-05-01T10:00:00Z", &verifiable)
            .unwrap();
        assert_eq!(stale.len(), 2);
        assert!(stale.iter().all(|s| s.rule == "github-pat"));
    }

    #[test]
    fn a_version_1_datastore_gains_the_verdict_table_and_keeps_its_data() {
        let dir = TempDir::new("migrate");
        let path = dir.0.join("audit.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID).unwrap();
            conn.execute_batch(
                "INSERT INTO repositories (id, name, path, status) VALUES (1, 'org/app', '/r', 'ok');
                 INSERT INTO findings (repository_id, fingerprint, rule_id, rule_name, severity, confidence,
                     path, line, col, secret_redacted, snippet, secret_id, first_seen, last_seen)
                 VALUES (1, 'fp1', 'github-pat', 'GitHub token', 'high', 'high', 'ci.env', 1, 14,
                     'ghp_…', 'GITHUB_TOKEN=ghp_…', 's1', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');",
            )
            .unwrap();
        }
        let mut store = Datastore::open(&path, false).unwrap();
        store
            .set_triage(&TriageDecision {
                fingerprint: "fp1".into(),
                status: TriageStatus::AcceptedRisk,
                who: "alice".into(),
                at: "2024-01-02T00:00:00Z".into(),
                why: "test key".into(),
            })
            .unwrap();
        drop(store);
        // Reopened: migrated once, data and log intact, verdicts can be added.
        let mut store = Datastore::open(&path, false).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
        let found = store.findings().unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (
                found[0].fingerprint.as_str(),
                found[0].status,
                found[0].verification.as_ref()
            ),
            ("fp1", TriageStatus::AcceptedRisk, None)
        );
        assert_eq!(store.verification_count().unwrap(), 0);
        audit_once(
            &mut store,
            vec![record(
                "fp1",
                Some(verdict(VerificationStatus::Revoked, "2024-05-01T10:00:00Z")),
            )],
            false,
        );
        assert_eq!(store.verification_history("org/app", "fp1").unwrap().len(), 1);
        let outcome = store.verify().unwrap();
        assert_eq!((outcome.rows, outcome.broken), (1, None));
    }

    #[test]
    fn merged_datastores_keep_every_verdict_once_and_the_newest_wins() {
        let dir = TempDir::new("merge");
        let (a, b, out) = (dir.0.join("a.db"), dir.0.join("b.db"), dir.0.join("out.db"));
        let live = verdict(VerificationStatus::Live, "2024-05-01T10:00:00Z");
        let revoked = verdict(VerificationStatus::Revoked, "2024-05-08T10:00:00Z");
        audit_once(
            &mut Datastore::open(&b, true).unwrap(),
            vec![record("fp1", Some(revoked.clone()))],
            false,
        );
        audit_once(
            &mut Datastore::open(&a, true).unwrap(),
            vec![record("fp1", Some(live.clone()))],
            false,
        );
        let mut merged = Datastore::open(&out, true).unwrap();
        // Twice: the second merge adds nothing.
        for _ in 0..2 {
            crate::merge::merge_datastores(&mut merged, &[b.clone(), a.clone()]).unwrap();
        }
        assert_eq!(merged.verification_count().unwrap(), 2);
        assert_eq!(
            merged.verification_history("org/app", "fp1").unwrap(),
            vec![live, revoked.clone()]
        );
        assert_eq!(merged.findings().unwrap()[0].verification, Some(revoked));
        assert_eq!(merged.verify().unwrap().broken, None);
    }

    #[test]
    fn verify_reports_a_verdict_without_its_finding() {
        let dir = TempDir::new("orphan");
        let mut store = Datastore::open(&dir.0.join("audit.db"), true).unwrap();
        audit_once(
            &mut store,
            vec![record(
                "fp1",
                Some(verdict(VerificationStatus::Live, "2024-05-01T10:00:00Z")),
            )],
            false,
        );
        store
            .connection()
            .execute_batch("PRAGMA foreign_keys=OFF; UPDATE verifications SET finding_id = 99;")
            .unwrap();
        let broken = store.verify().unwrap().broken.unwrap();
        assert!(broken.1.contains("belong to no finding"), "{broken:?}");
    }
}
