//! Schema migrations. The schema version is SQLite's `PRAGMA user_version`; migration `i`
//! (0-based) takes the schema from version `i` to `i + 1`. A datastore whose version is newer
//! than [`LATEST`] is refused, never written.

use rusqlite::Connection;

/// `PRAGMA application_id` of a leakscan datastore ("LKSC").
pub const APPLICATION_ID: i64 = 0x4c4b_5343;

/// The migrations, in order.
pub const MIGRATIONS: &[&str] = &[
    // 1: repositories, audits, scanned blobs, findings, triage, audit log.
    r#"
CREATE TABLE repositories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    mode TEXT,
    refs_digest TEXT,
    rules_digest TEXT,
    last_audit TEXT,
    last_scan_id INTEGER
);
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    host TEXT,
    shard TEXT
);
CREATE TABLE scan_repositories (
    scan_id INTEGER NOT NULL REFERENCES scans(id),
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    status TEXT NOT NULL,
    reason TEXT,
    blobs_scanned INTEGER NOT NULL DEFAULT 0,
    blobs_skipped INTEGER NOT NULL DEFAULT 0,
    findings_new INTEGER NOT NULL DEFAULT 0,
    findings_fixed INTEGER NOT NULL DEFAULT 0,
    elapsed_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scan_id, repository_id)
);
CREATE TABLE blobs (
    repository_id INTEGER NOT NULL,
    oid BLOB NOT NULL,
    PRIMARY KEY (repository_id, oid)
) WITHOUT ROWID;
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    fingerprint TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    severity TEXT NOT NULL,
    confidence TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    col INTEGER NOT NULL,
    secret_redacted TEXT NOT NULL,
    snippet TEXT NOT NULL,
    secret_id TEXT NOT NULL,
    commit_id TEXT,
    commit_author TEXT,
    commit_date TEXT,
    commit_summary TEXT,
    blob_id TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    first_scan_id INTEGER,
    last_scan_id INTEGER,
    fixed_at TEXT,
    UNIQUE (repository_id, fingerprint)
);
CREATE INDEX findings_fingerprint ON findings(fingerprint);
CREATE TABLE finding_blobs (
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    blob_id TEXT NOT NULL,
    PRIMARY KEY (finding_id, blob_id)
) WITHOUT ROWID;
CREATE TABLE triage (
    fingerprint TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    why TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    why TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
"#,
    // 2: the history of live-verification verdicts (`audit --verify`), one row per verdict.
    // Rows are only ever added: the latest row of a finding is its current verdict.
    r#"
CREATE TABLE verifications (
    id INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    scan_id INTEGER REFERENCES scans(id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    identity TEXT NOT NULL DEFAULT '[]',
    checked_at TEXT NOT NULL
);
CREATE INDEX verifications_finding ON verifications(finding_id, checked_at);
"#,
];

/// The newest schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies every migration after `from`, each in its own transaction with its version bump.
pub fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
    }
    Ok(())
}
