//! Audit orchestration: find the repositories, scan them in parallel (several repositories at
//! once, each with its own scanning threads), and record each one's results in the datastore
//! in one transaction.
//!
//! Incremental: a repository whose refs and rules are unchanged since its last complete audit
//! is not walked at all; otherwise history is walked and only blobs not recorded as scanned are
//! read and scanned. A change of rules (or `--full`) rescans everything.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gix::ObjectId;
use sha2::{Digest, Sha256};

use super::AuditError;
use super::datastore::{Datastore, NewFinding, RepoResult};
pub use super::model::RepoStatus;
use super::model::{CommitRecord, FindingRecord, TriageStatus};
use leakscan_engine::{Progress, ScanReport, Scanner};
use leakscan_model::finding::Finding;
use leakscan_model::shard::Shard;
use leakscan_model::{HistorySummary, SourceSummary};
use leakscan_sources::{FsSource, GitHistory, GitOptions};

/// What is scanned in each repository.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Every blob of the history (incremental across audits); the default.
    #[default]
    History,
    /// The working tree only (`--no-history`): a full scan each time.
    WorkingTree,
}

impl Mode {
    /// `history` or `working-tree`, as the datastore records it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::History => "history",
            Mode::WorkingTree => "working-tree",
        }
    }

    /// Parses a mode name.
    pub fn parse(text: &str) -> Option<Mode> {
        [Mode::History, Mode::WorkingTree]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

/// One repository to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoTask {
    /// Its name: the path relative to the audit root, or the path as listed in the repository
    /// file. Identity in the datastore and the sharding key.
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
}

/// Audit settings.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// History or working tree.
    pub mode: Mode,
    /// Repositories audited at once.
    pub jobs: usize,
    /// Scanning threads within each repository.
    pub threads_per_repo: usize,
    /// Ignore what was scanned before: rescan every blob.
    pub full: bool,
    /// Blobs larger than this are skipped (bytes).
    pub max_blob_size: u64,
    /// The shard being audited (recorded with the audit).
    pub shard: Option<Shard>,
    /// With verification on (the scanner's `verify` setting): findings whose latest verdict
    /// is at least this old, or that have none (and whose rule can be verified), are verified
    /// again. Their repositories do not count as unchanged: the blobs holding them are
    /// scanned again (the datastore keeps no secret to re-send). `None`: verdicts are recorded
    /// only for what an audit scans anyway.
    pub reverify_older_than: Option<Duration>,
}

/// Why a repository cannot be audited at all (checked before scanning).
#[derive(Debug, thiserror::Error)]
pub enum Unauditable {
    /// The path does not exist.
    #[error("no such directory")]
    NoSuchDirectory,
    /// The path or its listing cannot be read.
    #[error("unreadable: {0}")]
    Unreadable(std::io::Error),
    /// The path is not a directory.
    #[error("not a directory")]
    NotADirectory,
    /// A history audit of a directory that is neither a work tree with `.git` nor a bare
    /// repository.
    #[error("not a git repository (no .git)")]
    NotARepository,
}

/// Why the refs of a repository could not be read for the incremental check ([`Mode::History`]).
#[derive(Debug, thiserror::Error)]
pub enum RefsError {
    /// `HEAD` cannot be read.
    #[error("corrupt repository: HEAD: {0}")]
    HeadUnreadable(std::io::Error),
    /// `HEAD` holds neither `ref: refs/…` nor an object id.
    #[error("corrupt repository: HEAD is neither a ref nor an object id: {0:?}")]
    HeadInvalid(String),
    /// The `refs` directory cannot be listed.
    #[error("corrupt repository: refs: {0}")]
    RefsUnreadable(std::io::Error),
    /// A ref file cannot be read.
    #[error("corrupt repository: {name}: {error}")]
    RefUnreadable {
        /// The ref (`refs/heads/main`).
        name: String,
        /// The read error.
        error: std::io::Error,
    },
    /// The git directory cannot be opened (linked work trees and `.git` files are read
    /// through gix).
    #[error("not a git repository: {0}")]
    NotARepository(Box<dyn std::error::Error + Send + Sync>),
    /// gix cannot list the refs.
    #[error("corrupt repository: cannot read refs: {0}")]
    RefsCorrupt(Box<dyn std::error::Error + Send + Sync>),
    /// gix cannot read one ref.
    #[error("corrupt repository: bad ref: {0}")]
    RefCorrupt(Box<dyn std::error::Error + Send + Sync>),
    /// gix cannot resolve `HEAD`.
    #[error("corrupt repository: HEAD: {0}")]
    HeadCorrupt(Box<dyn std::error::Error + Send + Sync>),
    /// `HEAD` is neither unborn nor a commit.
    #[error("corrupt repository: HEAD does not point to a commit")]
    HeadNotACommit,
}

/// Why one repository's audit failed; its message is recorded as the repository's reason.
#[derive(Debug, thiserror::Error)]
pub enum RepoFailure {
    /// It cannot be audited at all.
    #[error(transparent)]
    Unauditable(#[from] Unauditable),
    /// Its refs cannot be read.
    #[error(transparent)]
    Refs(#[from] RefsError),
    /// The scan failed as a whole.
    #[error(transparent)]
    Scan(#[from] leakscan_model::Error),
    /// The blobs recorded as scanned could not be read from the datastore.
    #[error(transparent)]
    Datastore(#[from] AuditError),
}

/// The outcome of one repository.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RepoOutcome {
    /// The repository's name.
    pub name: String,
    /// Ok, incomplete or failed.
    pub status: RepoStatus,
    /// Why it is not ok.
    pub reason: Option<String>,
    /// Nothing changed since the last audit: not walked.
    pub unchanged: bool,
    /// Blobs scanned now.
    pub blobs_scanned: u64,
    /// Blobs skipped as scanned before.
    pub blobs_skipped: u64,
    /// Findings seen for the first time.
    pub new_findings: u64,
    /// Findings marked fixed.
    pub fixed_findings: u64,
    /// Findings present after this audit.
    pub findings: u64,
    /// Findings due for re-verification (`reverify_older_than`) that made this audit rescan
    /// the blobs holding them.
    pub reverify: u64,
    /// Verification verdicts recorded.
    pub verified: u64,
    /// Wall time.
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// The outcome of an audit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditSummary {
    /// The audit's id in the datastore.
    pub scan_id: i64,
    /// One outcome per repository, in input order.
    pub repositories: Vec<RepoOutcome>,
    /// Wall time.
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
}

impl AuditSummary {
    /// Whether any repository failed or is incomplete.
    pub fn is_complete(&self) -> bool {
        self.repositories.iter().all(|r| r.status == RepoStatus::Ok)
    }

    /// Blobs scanned in total.
    pub fn blobs_scanned(&self) -> u64 {
        self.repositories.iter().map(|r| r.blobs_scanned).sum()
    }
}

/// Told about each repository as the audit goes (progress bars). Called from worker threads.
pub trait AuditObserver: Sync {
    /// A repository's audit starts; `progress` counts its blobs as they are scanned.
    fn started(&self, _task: &RepoTask, _progress: &Arc<Progress>) {}
    /// A repository's audit ended.
    fn finished(&self, _task: &RepoTask, _outcome: &RepoOutcome) {}
}

/// An observer that does nothing.
#[derive(Debug, Default)]
pub struct Quiet;

impl AuditObserver for Quiet {}

/// The repositories to audit: the subdirectories of `root` (not starting with `.`), then the
/// paths listed in `repos_file` (one per line; blank lines and `#` comments ignored; relative
/// paths are relative to the current directory), without duplicates, keeping only `shard`'s
/// share.
pub fn discover_repositories(
    root: Option<&Path>,
    repos_file: Option<&Path>,
    shard: Option<Shard>,
) -> Result<Vec<RepoTask>, AuditError> {
    let mut tasks = Vec::new();
    if let Some(root) = root {
        let io = |source| AuditError::Io {
            path: root.to_path_buf(),
            source,
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(root).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = std::fs::metadata(entry.path()).map(|m| m.is_dir()).unwrap_or(false);
            if is_dir && !name.starts_with('.') {
                names.push(name);
            }
        }
        names.sort();
        tasks.extend(names.into_iter().map(|name| RepoTask {
            path: root.join(&name),
            name,
        }));
    }
    if let Some(file) = repos_file {
        let text = std::fs::read_to_string(file).map_err(|source| AuditError::Io {
            path: file.to_path_buf(),
            source,
        })?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let name = line.trim_end_matches('/').to_string();
            tasks.push(RepoTask {
                path: PathBuf::from(&name),
                name,
            });
        }
    }
    let mut seen = HashSet::new();
    tasks.retain(|t| seen.insert(t.name.clone()));
    if let Some(shard) = shard {
        tasks.retain(|t| shard.contains(&t.name));
    }
    Ok(tasks)
}

/// A digest of everything in the rules and settings that decides what a scan finds: a change
/// invalidates every recorded blob.
pub fn rules_digest(scanner: &Scanner) -> String {
    let mut h = Sha256::new();
    for rule in scanner.rules().rules() {
        let parts = [
            rule.id.as_str(),
            rule.pattern.as_str(),
            rule.severity.as_str(),
            rule.confidence.as_str(),
            rule.check.as_deref().unwrap_or(""),
        ];
        for p in parts {
            h.update(p.as_bytes());
            h.update([0]);
        }
        h.update(rule.keywords.join("\u{1}").as_bytes());
        h.update(format!("{:?}", rule.entropy).as_bytes());
        h.update([1]);
    }
    let s = scanner.settings();
    h.update(format!("{}{}{}{:?}", s.secrets, s.config_checks, s.max_file_size, s.archives).as_bytes());
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Audits `tasks` into `store`. Per-repository problems are recorded (status `failed` or
/// `incomplete` with the reason) and the other repositories go on; only datastore errors are
/// fatal.
pub fn audit(
    store: Datastore,
    scanner: &Scanner,
    tasks: &[RepoTask],
    options: &AuditOptions,
    observer: &dyn AuditObserver,
) -> Result<AuditSummary, AuditError> {
    let started = Instant::now();
    let scan_id = store.begin_scan(options.shard.map(|s| s.to_string()).as_deref())?;
    let digest = rules_digest(scanner);
    let reverify_cutoff = match options.reverify_older_than {
        Some(age) if scanner.settings().verify.is_some() => Some(cutoff(age)),
        Some(_) => {
            log::warn!("re-verification asked for without verification: ignored");
            None
        }
        None => None,
    };
    let store = Mutex::new(store);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<RepoOutcome>>> = Mutex::new(vec![None; tasks.len()]);
    let fatal: Mutex<Option<AuditError>> = Mutex::new(None);
    let jobs = options.jobs.clamp(1, tasks.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    if lock(&fatal).is_some() {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(task) = tasks.get(i) else { return };
                    let progress = Arc::new(Progress::default());
                    observer.started(task, &progress);
                    let ctx = Ctx {
                        store: &store,
                        scanner,
                        options,
                        scan_id,
                        digest: &digest,
                        reverify_cutoff: reverify_cutoff.as_deref(),
                    };
                    match audit_one(&ctx, task, &progress) {
                        Ok(outcome) => {
                            observer.finished(task, &outcome);
                            lock(&results)[i] = Some(outcome);
                        }
                        Err(e) => {
                            *lock(&fatal) = Some(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = lock(&fatal).take() {
        return Err(e);
    }
    let store = store.into_inner().unwrap_or_else(|p| p.into_inner());
    store.finish_scan(scan_id)?;
    let repositories = results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect();
    Ok(AuditSummary {
        scan_id,
        repositories,
        elapsed: started.elapsed(),
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct Ctx<'a> {
    store: &'a Mutex<Datastore>,
    scanner: &'a Scanner,
    options: &'a AuditOptions,
    scan_id: i64,
    digest: &'a str,
    /// Verdicts checked at or before this time (RFC 3339) are due for re-verification.
    reverify_cutoff: Option<&'a str>,
}

/// Parses an age for `--reverify-older-than`: a whole number and a unit, `s`, `m`, `h`, `d`
/// or `w` (`30m`, `12h`, `7d`; `0s` makes every verdict stale). `None` for anything else.
pub fn parse_age(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(Duration::from_secs(number.checked_mul(seconds)?))
}

/// The RFC 3339 time `age` ago: verdicts checked at or before it are stale (so an age of 0
/// makes every verdict stale).
fn cutoff(age: Duration) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let secs = now.saturating_sub(age.as_secs()).min(i64::MAX as u64) as i64;
    leakscan_model::date::rfc3339(secs)
}

/// Why `path` cannot be audited in `mode`, if it cannot.
fn precheck(path: &Path, mode: Mode) -> Result<(), Unauditable> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unauditable::NoSuchDirectory),
        Err(e) => return Err(Unauditable::Unreadable(e)),
    };
    if !meta.is_dir() {
        return Err(Unauditable::NotADirectory);
    }
    if let Err(e) = std::fs::read_dir(path) {
        return Err(Unauditable::Unreadable(e));
    }
    let bare = path.join("HEAD").is_file() && path.join("objects").is_dir();
    if mode == Mode::History && !path.join(".git").exists() && !bare {
        return Err(Unauditable::NotARepository);
    }
    Ok(())
}

fn audit_one(ctx: &Ctx<'_>, task: &RepoTask, progress: &Progress) -> Result<RepoOutcome, AuditError> {
    let started = Instant::now();
    let display_path = std::fs::canonicalize(&task.path)
        .unwrap_or_else(|_| task.path.clone())
        .display()
        .to_string();
    let state = lock(ctx.store).upsert_repository(&task.name, &display_path)?;
    let mode = ctx.options.mode;
    let mut result = RepoResult {
        repo_id: state.id,
        scan_id: ctx.scan_id,
        mode,
        rules_digest: ctx.digest.to_string(),
        ..RepoResult::default()
    };
    let same_rules = state.rules_digest.as_deref() == Some(ctx.digest) && state.mode == Some(mode);
    let mut reverify = 0;
    let scanned = match precheck(&task.path, mode) {
        Err(reason) => Err(RepoFailure::from(reason)),
        Ok(()) => match mode {
            Mode::WorkingTree => FsSource::new(std::slice::from_ref(&task.path))
                .and_then(|tree| ctx.scanner.scan(&tree, progress))
                .map_err(RepoFailure::from)
                .inspect(|report| {
                    result.complete_view = true;
                    result.blobs_scanned = report.stats.blobs;
                }),
            Mode::History => history(ctx, task, &state, same_rules, progress, &mut result, &mut reverify),
        },
    };
    match scanned {
        Err(reason) => {
            result.status = RepoStatus::Failed;
            result.reason = Some(reason.to_string());
        }
        Ok(report) => {
            if report.errors.is_empty() {
                result.status = RepoStatus::Ok;
            } else {
                result.status = RepoStatus::Incomplete;
                let first: Vec<String> = report
                    .errors
                    .iter()
                    .take(3)
                    .map(|e| format!("{}: {}", e.path, e.message))
                    .collect();
                result.reason = Some(format!(
                    "{} unreadable item(s): {}",
                    report.errors.len(),
                    first.join("; ")
                ));
            }
            result.findings = report
                .active_findings()
                .map(|f| NewFinding {
                    record: record_of(&task.name, f),
                })
                .collect();
        }
    }
    result.elapsed = started.elapsed();
    let counts = lock(ctx.store).record(&result)?;
    Ok(RepoOutcome {
        name: task.name.clone(),
        status: result.status,
        reason: result.reason,
        unchanged: result.unchanged,
        blobs_scanned: result.blobs_scanned,
        blobs_skipped: result.blobs_skipped,
        new_findings: counts.new,
        fixed_findings: counts.fixed,
        findings: counts.present,
        reverify: reverify as u64,
        verified: counts.verified,
        elapsed: started.elapsed(),
    })
}

/// Scans the history of one repository, incrementally when its rules and mode are unchanged.
fn history(
    ctx: &Ctx<'_>,
    task: &RepoTask,
    state: &super::datastore::RepoState,
    same_rules: bool,
    progress: &Progress,
    result: &mut RepoResult,
    reverify: &mut usize,
) -> Result<ScanReport, RepoFailure> {
    let refs = refs_digest(&task.path)?;
    let mut incremental = same_rules && !ctx.options.full;
    result.refs_digest = Some(refs.clone());
    // Findings due for re-verification: the blobs holding them are scanned again (a full
    // rescan when one was never tied to a blob).
    let stale = match ctx.reverify_cutoff {
        Some(cutoff) if incremental => {
            let rules = ctx.scanner.rules();
            let verifiable = |rule: &str| rules.get(rule).is_some_and(|r| r.verify.is_some());
            lock(ctx.store).stale_verifications(state.id, cutoff, &verifiable)?
        }
        _ => Vec::new(),
    };
    *reverify = stale.len();
    if stale.iter().any(|s| s.blobs.is_empty()) {
        incremental = false;
    }
    if incremental
        && stale.is_empty()
        && state.status == RepoStatus::Ok
        && state.refs_digest.as_deref() == Some(refs.as_str())
    {
        result.unchanged = true;
        return Ok(ScanReport::default());
    }
    let recorded: HashSet<ObjectId> = if incremental {
        lock(ctx.store).scanned_blobs(state.id)?
    } else {
        result.reset_blobs = true;
        HashSet::new()
    };
    let mut known = recorded.clone();
    for blob in stale.iter().flat_map(|s| &s.blobs) {
        if let Ok(id) = ObjectId::from_hex(blob.as_bytes()) {
            known.remove(&id);
        }
    }
    let known = Arc::new(known);
    let options = GitOptions {
        threads: ctx.options.threads_per_repo.max(1),
        max_blob_size: ctx.options.max_blob_size,
        skip_blobs: Some(known.clone()),
        collect_blob_ids: true,
        ..GitOptions::default()
    };
    let mut report = ctx.scanner.scan(
        &GitHistory {
            path: task.path.clone(),
            options,
        },
        progress,
    )?;
    let summary = match std::mem::take(&mut report.source) {
        SourceSummary::History(summary) => summary,
        _ => HistorySummary::default(),
    };
    let reachable: HashSet<ObjectId> = summary.blob_ids.iter().copied().collect();
    result.new_blobs = summary
        .blob_ids
        .iter()
        .filter(|id| !known.contains(*id))
        .copied()
        .collect();
    result.gone_blobs = recorded.iter().filter(|id| !reachable.contains(*id)).copied().collect();
    result.blobs_skipped = summary.already_scanned;
    result.blobs_scanned = summary.unique_blobs - summary.already_scanned;
    result.complete_view = known.is_empty();
    result.reachable = Some(reachable.iter().map(|id| id.to_string()).collect());
    Ok(report)
}

/// A digest of every ref (name and target) and HEAD: unchanged refs mean unchanged history.
/// Read straight from the ref files when the git directory is a plain directory (fast: no
/// repository is opened), else through gix.
fn refs_digest(path: &Path) -> Result<String, RefsError> {
    let dot_git = path.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else if dot_git.exists() {
        return refs_digest_gix(path);
    } else {
        path.to_path_buf()
    };
    let head = std::fs::read(git_dir.join("HEAD")).map_err(RefsError::HeadUnreadable)?;
    let head_text = String::from_utf8_lossy(&head);
    let head_text = head_text.trim();
    let is_id = |t: &str| (t.len() == 40 || t.len() == 64) && t.bytes().all(|b| b.is_ascii_hexdigit());
    if !(head_text.starts_with("ref: refs/") || is_id(head_text)) {
        return Err(RefsError::HeadInvalid(head_text.to_string()));
    }
    let mut h = Sha256::new();
    h.update(b"HEAD\0");
    h.update(&head);
    if let Ok(packed) = std::fs::read(git_dir.join("packed-refs")) {
        h.update(b"\0packed-refs\0");
        h.update(&packed);
    }
    let mut files = Vec::new();
    collect_files(&git_dir.join("refs"), "refs", &mut files).map_err(RefsError::RefsUnreadable)?;
    files.sort();
    for (name, file) in files {
        let content = match std::fs::read(&file) {
            Ok(content) => content,
            Err(error) => return Err(RefsError::RefUnreadable { name, error }),
        };
        h.update(b"\0");
        h.update(name.as_bytes());
        h.update(b"\0");
        h.update(&content);
    }
    Ok(hex(&h.finalize()))
}

fn collect_files(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if entry.file_type()?.is_dir() {
            collect_files(&entry.path(), &name, out)?;
        } else {
            out.push((name, entry.path()));
        }
    }
    Ok(())
}

/// [`refs_digest`] through gix (linked work trees, `.git` files).
fn refs_digest_gix(path: &Path) -> Result<String, RefsError> {
    let repo = leakscan_sources::discover_isolated(path, leakscan_sources::DEFAULT_OBJECT_ALLOC_LIMIT)
        .map_err(|e| RefsError::NotARepository(e.into()))?
        .to_thread_local();
    let mut lines = Vec::new();
    let platform = repo.references().map_err(|e| RefsError::RefsCorrupt(e.into()))?;
    let all = platform.all().map_err(|e| RefsError::RefsCorrupt(e.into()))?;
    for r in all {
        let r = r.map_err(|e| RefsError::RefCorrupt(e.into()))?;
        let target = match r.target().try_id() {
            Some(id) => id.to_string(),
            None => format!("-> {:?}", r.target()),
        };
        lines.push(format!("{} {target}", r.name().as_bstr()));
    }
    let head = repo.head().map_err(|e| RefsError::HeadCorrupt(e.into()))?;
    let head = match head.id() {
        Some(id) => id.to_string(),
        None if head.is_unborn() => "unborn".into(),
        None => return Err(RefsError::HeadNotACommit),
    };
    lines.push(format!("HEAD {head}"));
    lines.sort();
    Ok(hex(&Sha256::digest(lines.join("\n").as_bytes())))
}

/// The redacted record of a finding (no raw secret).
fn record_of(repository: &str, f: &Finding) -> FindingRecord {
    FindingRecord {
        repository: repository.to_string(),
        fingerprint: f.fingerprint.clone(),
        rule: f.rule_id.clone(),
        rule_name: f.rule_name.clone(),
        severity: f.severity,
        confidence: f.confidence,
        path: f.origin.logical.clone(),
        line: f.start.line as u64,
        column: f.start.column as u64,
        secret: f.shown_secret(false),
        snippet: f.snippet(false),
        secret_id: f.secret_id.clone(),
        commit: f.origin.commit().map(|c| CommitRecord {
            id: c.id.clone(),
            author: c.author.clone(),
            date: c.date.clone(),
            summary: c.summary.clone(),
        }),
        blob_id: f.origin.blob_id().map(str::to_string),
        first_seen: String::new(),
        last_seen: String::new(),
        fixed_at: None,
        status: TriageStatus::Open,
        triaged_by: None,
        triaged_at: None,
        triage_reason: None,
        verification: f.verification.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_for_reverification() {
        assert_eq!(parse_age("0s"), Some(Duration::ZERO));
        assert_eq!(parse_age("30m"), Some(Duration::from_secs(1_800)));
        assert_eq!(parse_age("12h"), Some(Duration::from_secs(43_200)));
        assert_eq!(parse_age("7d"), Some(Duration::from_secs(604_800)));
        assert_eq!(parse_age("2w"), Some(Duration::from_secs(1_209_600)));
        for bad in ["", "7", "d", "7days", "-1d", "1.5h", "99999999999999999999d"] {
            assert_eq!(parse_age(bad), None, "{bad}");
        }
        assert_eq!(cutoff(Duration::from_secs(u64::MAX)), "1970-01-01T00:00:00Z");
    }
}
