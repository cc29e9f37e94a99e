//! The JSON reporter.
//!
//! # Wire format, version 1
//!
//! ```text
//! {
//!   "version": 1,                       // bumped on any incompatible change
//!   "tool": { "name": "leakscan", "version": "0.1.0" },
//!   "findings": [ {
//!       "rule": "github-pat-classic",   // rule id
//!       "rule_name": "GitHub personal access token (classic)",
//!       "severity": "high",             // low | medium | high | critical
//!       "confidence": "high",           // low | medium | high
//!       "path": "src/config.py",        // as shown to people
//!       "logical_path": "src/config.py",// relative to the repository (or scan) root, '/'-separated
//!       "start": { "line": 3, "column": 9 },   // 1-based; columns in Unicode code points
//!       "end": { "line": 3, "column": 49 },    // exclusive
//!       "byte_start": 41, "byte_end": 81,      // the secret's byte span in the file
//!       "secret": "ghp_…",              // redacted unless --show-secrets
//!       "secret_redacted": true,
//!       "snippet": "token = \"ghp_…\"", // the line, secret redacted likewise
//!       "entropy": 4.91,                // bits per byte
//!       "secret_id": "<sha256 hex>",    // same secret anywhere
//!       "fingerprint": "<sha256 hex>",  // rule + secret + logical path: stable across line moves
//!       "fails": true,                  // counts toward exit code 1 (unsuppressed, at or above the gate)
//!       "validation": { "validator": "github-crc32", "passed": true },  // when the rule has an offline check
//!       "confidence_note": "…",         // when confidence is below the rule's: why (failed check, tests/docs path)
//!       "detail": "…",                 // configuration checks: what exactly is wrong here
//!       "encoding": "base64",           // when the secret was found decoded: base64 | percent | utf-16le | utf-16be
//!       "suppression": null,            // or { "kind": "placeholder" | "rule-allow" | "already-committed", "detail": "…" }
//!       "commit": { "id", "author", "date", "summary" },  // git history only: the introducing commit
//!       "blob_id": "<hex>",             // git only
//!       "at_head": "same" | "changed" | "deleted",  // git history only: is the file still at HEAD?
//!       "occurrences": [ { "commit", "path" } ],    // git --all-occurrences only
//!       "later_versions": [ { "commit", "date", "blob_id" } ],  // git history: later versions of the file with the same secret (one finding per secret and path)
//!       "layer": { "image", "digest", "index", "created_by", "deleted_later" },  // images only
//!       "location_kind": "commit-message" | "ref-names" | "image-config"  // metadata scanned as content (absent for files)
//!   } ],
//!   "history": { "commits", "unique_blobs", "shallow", "submodules", "head", "branch", "remote_url" },  // git history only
//!   "staged": { "changed", "conflicted" },                            // git --staged only
//!   "stats": { "blobs": 120, "bytes": 3400000, "findings": 1, "suppressed": 0,
//!              "skipped": { "size-limit": 1 }, "errors": 0, "elapsed": 0.052 },
//!   "skipped": [ { "path": "big.bin", "reason": "size-limit", "detail": "…" } ],
//!   // reasons: size-limit, symlink, not-regular-file, conflicted, submodule,
//!   // config-checks-limit (a YAML alias bomb: configuration checks stopped, secret rules ran)
//!   "errors":  [ { "path": "secret.txt", "kind": "unreadable", "message": "…" } ],
//!   "warnings": [ "…" ],                // e.g. an expired baseline entry
//!   "notifications": [                  // what a configuration found in the tree changed
//!     { "level": "warning", "kind": "repository-config-gate", "source": "leakscan.toml", "message": "…" } ]
//! }
//! ```
//! Suppressed findings appear in `findings` only with `--show-suppressed`; `stats` always counts them.

use std::io::{self, Write};

use serde::Serialize;

use super::{ReportOptions, Reporter, shown};
use leakscan_model::LayerInfo;
use leakscan_model::RuleCatalog;
use leakscan_model::Suppression;
use leakscan_model::error::ScanError;
use leakscan_model::finding::Finding;
use leakscan_model::location::Position;
use leakscan_model::report::{Gate, ScanReport, ScanStats};
use leakscan_model::{CommitInfo, HeadState, HistorySummary, LaterVersion, Occurrence, Skipped, StagedSummary};

/// The version of the JSON wire format.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Writes the documented JSON format.
#[derive(Debug, Clone, Copy)]
pub struct JsonReporter {
    /// Display options.
    pub options: ReportOptions,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    stats: &'a ScanStats,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a HistorySummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    staged: Option<&'a StagedSummary>,
    skipped: &'a [Skipped],
    errors: &'a [ScanError],
    warnings: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    notifications: &'a [leakscan_model::notification::Notification],
}

#[derive(Serialize)]
struct Validation {
    validator: &'static str,
    passed: bool,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    rule_name: &'a str,
    severity: &'static str,
    confidence: &'static str,
    path: &'a str,
    logical_path: &'a str,
    start: Position,
    end: Position,
    byte_start: usize,
    byte_end: usize,
    secret: String,
    secret_redacted: bool,
    snippet: String,
    entropy: f64,
    secret_id: &'a str,
    fingerprint: &'a str,
    fails: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<Validation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence_note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    suppression: Option<&'a Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a CommitInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blob_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_head: Option<HeadState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    occurrences: Option<&'a [Occurrence]>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    later_versions: &'a [LaterVersion],
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<&'a LayerInfo>,
    /// `commit-message`, `ref-names` or `image-config` for metadata scanned as content.
    #[serde(skip_serializing_if = "Option::is_none")]
    location_kind: Option<&'static str>,
    /// What the provider said (`--verify`): status, reason, identity, when.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a leakscan_model::Verification>,
}

impl<'a> JsonFinding<'a> {
    fn new(f: &'a Finding, show: bool, gate: &Gate) -> JsonFinding<'a> {
        JsonFinding {
            rule: &f.rule_id,
            rule_name: &f.rule_name,
            severity: f.severity.as_str(),
            confidence: f.confidence.as_str(),
            path: &f.origin.display,
            logical_path: &f.origin.logical,
            start: f.start,
            end: f.end,
            byte_start: f.bytes.start,
            byte_end: f.bytes.end,
            secret: f.shown_secret(show),
            secret_redacted: !show,
            snippet: f.snippet(show),
            entropy: (f.entropy * 1000.0).round() / 1000.0,
            secret_id: &f.secret_id,
            fingerprint: &f.fingerprint,
            fails: gate.fails(f),
            validation: f.validation.map(|(validator, passed)| Validation { validator, passed }),
            confidence_note: f.confidence_note.as_deref(),
            detail: f.detail.as_deref(),
            encoding: f.encoding,
            suppression: f.suppression.as_ref(),
            commit: f.origin.commit().map(|c| &**c),
            blob_id: f.origin.blob_id(),
            at_head: f.origin.at_head(),
            occurrences: f.origin.occurrences(),
            later_versions: f.origin.later_versions(),
            layer: f.origin.layer().map(|l| &**l),
            location_kind: (!f.origin.kind().is_file()).then(|| f.origin.kind().as_str()),
            verification: f.verification.as_ref(),
        }
    }
}

impl Reporter for JsonReporter {
    fn write(&self, report: &ScanReport, _rules: &RuleCatalog, out: &mut dyn Write) -> io::Result<()> {
        let doc = JsonReport {
            version: JSON_FORMAT_VERSION,
            tool: Tool {
                name: "leakscan",
                version: env!("CARGO_PKG_VERSION"),
            },
            findings: shown(report, &self.options)
                .map(|f| JsonFinding::new(f, self.options.show_secrets, &self.options.gate))
                .collect(),
            stats: &report.stats,
            history: report.history(),
            staged: report.staged(),
            skipped: &report.skipped,
            errors: &report.errors,
            warnings: &report.warnings,
            notifications: &report.notifications,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
