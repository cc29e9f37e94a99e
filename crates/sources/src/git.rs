//! The git history source: every blob reachable from any ref, scanned exactly once, with the
//! commit and path that first introduced it.
//!
//! Reads the object database with `gix` (no libgit2, no `git` process). The repository is
//! opened isolated: no system or global configuration, nothing from the repository that could
//! run code (hooks, filters, fsmonitor), and no ownership ("safe.directory") requirement.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;
use gix::prelude::FindExt;
use rayon::prelude::*;

use super::{
    Blob, BlobVisitor, CommitInfo, HeadState, HistoryBlob, HistorySummary, Occurrence, Origin, Provenance, SkipReason,
    Skipped, StagedSummary,
};
use leakscan_model::error::{Error, ScanError, ScanErrorKind};

/// Options of a history scan.
#[derive(Debug, Clone, Default)]
pub struct GitOptions {
    /// Walk history reachable from these revisions (default, when empty: every ref, HEAD and
    /// the stash).
    pub tips: Vec<String>,
    /// Leave out history reachable from these revisions: only blobs introduced after them
    /// are scanned (e.g. `origin/main` for a pull request).
    pub exclude: Vec<String>,
    /// Like `exclude`, but revisions that do not resolve are ignored (pre-push: the remote's
    /// old tip may not exist locally).
    pub exclude_if_present: Vec<String>,
    /// Also leave out history reachable from any remote-tracking branch (pre-push: what the
    /// remote already has).
    pub exclude_remote_tracking: bool,
    /// At most this many commits (the newest first).
    pub max_commits: Option<usize>,
    /// Blobs larger than this are skipped and reported.
    pub max_blob_size: u64,
    /// Worker threads for scanning blobs.
    pub threads: usize,
    /// After the scan, list every (commit, path) where each blob with a finding appears.
    pub all_occurrences: bool,
    /// Also scan the history of checked-out submodules.
    pub recurse_submodules: bool,
    /// How many submodule levels deep this scan is (0 for the top repository).
    pub submodule_depth: usize,
    /// Blobs scanned before (an incremental audit): attributed and counted in
    /// [`HistorySummary::already_scanned`], but not read nor scanned again.
    pub skip_blobs: Option<Arc<HashSet<ObjectId>>>,
    /// Fill [`HistorySummary::blob_ids`] with every unique blob id the walk reached.
    pub collect_blob_ids: bool,
    /// Do not scan commit messages (with author and committer) and ref names as content.
    /// They are scanned by default: a token pasted into a commit message is as leaked as one in
    /// a file.
    pub skip_metadata: bool,
    /// The budget large blobs wait for; [`GitHistory`](crate::GitHistory) sets the scan's.
    pub memory: crate::budget::MemoryBudget,
}

/// Content of HEAD paths that a staged change removed (bounded by [`REMOVED_CONTENT_LIMIT`]).
#[derive(Debug, Default)]
struct Removed {
    ids: HashSet<ObjectId>,
    content: Vec<u8>,
}

/// At most this much removed content is kept to recognise renamed secrets.
const REMOVED_CONTENT_LIMIT: usize = 64 << 20;

/// The (path, blob) pairs of `targets` inside `tree`, recursively, memoised per tree.
fn tree_matches(
    repo: &gix::Repository,
    tree: ObjectId,
    targets: &HashSet<ObjectId>,
    memo: &mut HashMap<ObjectId, Arc<Vec<(String, ObjectId)>>>,
) -> Arc<Vec<(String, ObjectId)>> {
    if let Some(found) = memo.get(&tree) {
        return found.clone();
    }
    let mut buf = Vec::new();
    let entries: Vec<(EntryKind, ObjectId, String)> = match repo.objects.find_tree_iter(&tree, &mut buf) {
        Ok(iter) => iter
            .filter_map(Result::ok)
            .map(|e| (e.mode.kind(), e.oid.to_owned(), e.filename.to_str_lossy().into_owned()))
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut found = Vec::new();
    for (kind, oid, name) in entries {
        match kind {
            EntryKind::Tree => {
                for (path, blob) in tree_matches(repo, oid, targets, memo).iter() {
                    found.push((format!("{name}/{path}"), *blob));
                }
            }
            EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link if targets.contains(&oid) => {
                found.push((name, oid));
            }
            _ => {}
        }
    }
    let found = Arc::new(found);
    memo.insert(tree, found.clone());
    found
}

/// `prefix/name`, or `name` when the prefix is empty.
fn join_path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Every blob of a tree, recursively, with its path.
fn list_blobs(repo: &gix::Repository, tree: ObjectId, prefix: String, out: &mut Vec<(String, ObjectId)>) {
    let mut buf = Vec::new();
    let Ok(iter) = repo.objects.find_tree_iter(&tree, &mut buf) else {
        return;
    };
    let entries: Vec<_> = iter
        .filter_map(Result::ok)
        .map(|e| (e.mode.kind(), e.oid.to_owned(), e.filename.to_str_lossy().into_owned()))
        .collect();
    for (kind, oid, name) in entries {
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        match kind {
            EntryKind::Tree => list_blobs(repo, oid, path, out),
            EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => out.push((path, oid)),
            EntryKind::Commit => {}
        }
    }
}

/// An opened repository.
#[derive(Debug)]
pub struct GitRepo {
    repo: gix::ThreadSafeRepository,
    base: Arc<Path>,
    label: String,
    /// For a submodule: its path in the superproject, prefixed to every path it reports.
    prefix: String,
    /// Cap on one allocation while decoding an object.
    alloc_limit: u64,
}

/// How deep `--recurse-submodules` follows submodules of submodules.
const MAX_SUBMODULE_DEPTH: usize = 8;

/// Where a blob was first seen.
#[derive(Debug, Clone)]
struct FirstSeen {
    commit: Arc<CommitInfo>,
    path: String,
}

/// State of the attribution walk: what was seen already.
#[derive(Debug, Default)]
struct TreeWalk {
    trees: gix::hashtable::HashSet<ObjectId>,
    blobs: gix::hashtable::HashSet<ObjectId>,
    /// A tree object's bytes (reused: entries are copied out before recursing).
    scratch: Vec<u8>,
    submodules: Vec<String>,
}

/// The default cap on one allocation made while decoding an object (see [`discover_isolated`]).
pub const DEFAULT_OBJECT_ALLOC_LIMIT: u64 = 512 << 20;

/// The allocation cap for a scan that reads blobs up to `max_blob_size`: twice that (a small
/// blob may be a delta on a bigger base), at least 64 MiB (trees and commits).
pub fn object_alloc_limit(max_blob_size: u64) -> u64 {
    max_blob_size.saturating_mul(2).max(64 << 20)
}

/// Finds the repository at or above `path`, isolated from all configuration that could run
/// anything (hooks, filters, fsmonitor) and without requiring `safe.directory` trust.
///
/// Decoding one object never allocates more than `alloc_limit` bytes: a pack entry that claims
/// a size of hundreds of gigabytes is an error for that object, not an allocation of that
/// size (found by fuzzing). The explicit limit also replaces gitoxide's 16 MiB default for
/// repositories owned by another user, which would fail every blob over 16 MiB.
pub fn discover_isolated(path: &Path, alloc_limit: u64) -> gix::Result<gix::ThreadSafeRepository> {
    let options = gix::open::Options::isolated()
        .open_path_as_is(false)
        .config_overrides([format!("gitoxide.objects.allocLimit={alloc_limit}")]);
    gix::ThreadSafeRepository::discover_opts(
        path,
        Default::default(),
        gix::sec::trust::Mapping {
            full: options.clone(),
            reduced: options,
        },
    )
}

/// Blobs attributed but not yet scanned, at most (back-pressure on the walk).
const WALK_QUEUE: usize = 4096;

/// Blobs handed from the walk to the scanning workers at a time.
const WALK_BATCH: usize = 32;

impl GitRepo {
    /// Opens the repository at (or containing) `path`, isolated from all configuration that
    /// could run code, with [`DEFAULT_OBJECT_ALLOC_LIMIT`]. Fails with
    /// [`Error::NotARepository`] when there is none.
    pub fn open(path: &Path) -> Result<GitRepo, Error> {
        GitRepo::open_limited(path, DEFAULT_OBJECT_ALLOC_LIMIT)
    }

    /// [`GitRepo::open`] with a cap of `alloc_limit` bytes on any one allocation made while
    /// decoding an object (see [`object_alloc_limit`]); submodules inherit it.
    pub fn open_limited(path: &Path, alloc_limit: u64) -> Result<GitRepo, Error> {
        if !path.exists() {
            return Err(Error::RootNotFound {
                path: path.to_path_buf(),
            });
        }
        let repo = discover_isolated(path, alloc_limit).map_err(|e| Error::NotARepository {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base: PathBuf = repo
            .work_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| repo.git_dir().to_path_buf());
        let base = std::fs::canonicalize(&base).unwrap_or(base);
        let label = base
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(GitRepo {
            repo,
            base: Arc::from(base.as_path()),
            label,
            prefix: String::new(),
            alloc_limit,
        })
    }

    /// Opens the checked-out submodule at `path` (relative to this repository's work tree).
    /// Its findings are reported under the superproject's base with `path/` prefixed.
    fn open_submodule(&self, path: &str) -> Result<GitRepo, Error> {
        let dir = self.base.join(path);
        if !dir.join(".git").exists() {
            return Err(Error::NotARepository {
                path: dir,
                message: "submodule is not checked out (run `git submodule update --init`)".into(),
            });
        }
        let mut sub = GitRepo::open_limited(&dir, self.alloc_limit)?;
        sub.prefix = join_path(&self.prefix, path);
        sub.label = format!("{}/{}", self.label, path);
        sub.base = self.base.clone();
        Ok(sub)
    }

    /// The work tree (or, for a bare repository, the git directory).
    pub fn base(&self) -> Arc<Path> {
        self.base.clone()
    }

    /// Pushes the staged content that differs from HEAD: for each index entry whose blob
    /// differs from the one at the same path in HEAD's tree, the staged blob from the object
    /// database (never the working-tree file). The HEAD version, when there is one, travels
    /// along as [`Blob::previous`] so that secrets already committed can be told apart.
    /// Conflicted entries (merge in progress) are skipped and reported.
    pub fn visit_staged(&self, visitor: &dyn BlobVisitor) -> Result<StagedSummary, Error> {
        let repo = self.repo.to_thread_local();
        let index = repo.index_or_empty().map_err(|e| Error::NotARepository {
            path: self.base.to_path_buf(),
            message: format!("cannot read the index: {e}"),
        })?;
        let mut head_files = Vec::new();
        if let Ok(tree) = repo.head_tree_id() {
            list_blobs(&repo, tree.detach(), String::new(), &mut head_files);
        }
        let head: HashMap<String, ObjectId> = head_files.into_iter().collect();
        let mut summary = StagedSummary::default();
        let (mut new_buf, mut old_buf) = (Vec::new(), Vec::new());
        let mut removed: Option<Removed> = None;
        for entry in index.entries() {
            let path = entry.path(&index).to_str_lossy().into_owned();
            if entry.stage() != gix::index::entry::Stage::Unconflicted {
                summary.conflicted.push(path);
                continue;
            }
            if entry.mode == gix::index::entry::Mode::COMMIT || entry.mode == gix::index::entry::Mode::DIR {
                continue;
            }
            let old_id = head.get(&path).copied();
            if old_id == Some(entry.id) {
                continue;
            }
            if old_id.is_none() && removed.is_none() {
                removed = Some(self.removed_from_head(&repo, &head, &index));
            }
            let renamed_from = if old_id.is_none() { removed.as_ref() } else { None };
            if renamed_from.is_some_and(|r| r.ids.contains(&entry.id)) {
                // A pure rename: the content is already in HEAD under another name.
                continue;
            }
            summary.changed += 1;
            let display = path.clone();
            let data = match repo.objects.find_blob(&entry.id, &mut new_buf) {
                Ok(blob) => blob.data,
                Err(e) => {
                    visitor.error(object_error(&display, &entry.id, &e.to_string()));
                    continue;
                }
            };
            let previous = match old_id {
                Some(old) => match repo.objects.find_blob(&old, &mut old_buf) {
                    Ok(blob) => Some(blob.data),
                    Err(e) => {
                        visitor.error(object_error(&display, &old, &e.to_string()));
                        None
                    }
                },
                None => renamed_from.map(|r| r.content.as_slice()).filter(|c| !c.is_empty()),
            };
            visitor.blob(Blob {
                origin: Origin {
                    display,
                    logical: path,
                    base: Some(self.base.clone()),
                    provenance: Provenance::Staged {
                        blob_id: entry.id.to_string(),
                    },
                },
                data,
                previous,
            });
        }
        summary.conflicted.sort();
        summary.conflicted.dedup();
        for path in &summary.conflicted {
            visitor.skipped(Skipped {
                path: path.clone(),
                reason: SkipReason::Conflicted,
                detail: "unmerged index entry (resolve the conflict, then stage the file)".into(),
            });
        }
        Ok(summary)
    }

    /// Blobs of HEAD whose paths are gone from the index (deleted or renamed away): a new path
    /// may be one of them renamed, so its secrets are not new.
    fn removed_from_head(
        &self,
        repo: &gix::Repository,
        head: &HashMap<String, ObjectId>,
        index: &gix::index::State,
    ) -> Removed {
        let mut removed = Removed::default();
        let mut buf = Vec::new();
        for (path, id) in head {
            if index.entry_by_path(path.as_bytes().as_bstr()).is_some() {
                continue;
            }
            removed.ids.insert(*id);
            if removed.content.len() < REMOVED_CONTENT_LIMIT
                && let Ok(blob) = repo.objects.find_blob(id, &mut buf)
            {
                removed.content.extend_from_slice(blob.data);
                removed.content.push(b'\n');
            }
        }
        removed
    }

    /// Walks history, attributes each blob to its first (commit, path), and pushes every
    /// unique blob once to `visitor`. The walk runs on this thread while a pool of
    /// `options.threads` workers scans the blobs it has attributed so far (commits are walked
    /// parents first, so a blob's first sighting is final when it is made). Per-object
    /// problems (a missing or corrupt object, a broken ref) are reported to the visitor and the
    /// walk goes on; a revision given in `options` that does not resolve is fatal.
    pub fn visit_history(&self, options: &GitOptions, visitor: &dyn BlobVisitor) -> Result<HistorySummary, Error> {
        let repo = self.repo.to_thread_local();
        let mut summary = HistorySummary {
            shallow: repo.is_shallow().unwrap_or(false),
            head: repo.head_id().ok().map(|id| id.to_string()),
            branch: repo.head_name().ok().flatten().map(|n| n.as_bstr().to_string()),
            remote_url: repo
                .config_snapshot()
                .string("remote.origin.url")
                .map(|u| u.to_string()),
            ..HistorySummary::default()
        };
        let tips = self.tips(&repo, options, visitor)?;
        let mut hidden = Vec::new();
        for spec in &options.exclude {
            hidden.push(self.resolve_commit(&repo, spec)?);
        }
        for spec in &options.exclude_if_present {
            if let Ok(id) = self.resolve_commit(&repo, spec) {
                hidden.push(id);
            }
        }
        if options.exclude_remote_tracking {
            hidden.extend(self.remote_tracking_tips(&repo, visitor));
        }
        let mut walk = TreeWalk::default();
        for id in &hidden {
            // Everything in the tree of an excluded commit counts as already introduced.
            if let Some(tree) = repo.find_commit(*id).ok().and_then(|c| c.tree_id().ok()) {
                self.walk_tree(&repo, tree.detach(), &self.prefix, &mut walk, &mut |_, _| {}, visitor);
            }
        }
        walk.submodules.clear();
        let phase = std::time::Instant::now();
        let mut head_files = Vec::new();
        if let Ok(tree) = repo.head_tree_id() {
            list_blobs(&repo, tree.detach(), self.prefix.clone(), &mut head_files);
        }
        let head: HashMap<String, ObjectId> = head_files.into_iter().collect();
        log::info!("listed HEAD's {} files in {:?}", head.len(), phase.elapsed());
        let started = std::time::Instant::now();
        if !options.skip_metadata {
            self.scan_ref_names(&repo, visitor);
        }
        let commits = self.commits(&repo, tips, hidden, options.max_commits, visitor);
        summary.commits = commits.len() as u64;
        log::info!("walked {} commits in {:?}", commits.len(), started.elapsed());

        // Blobs travel in batches: one channel operation (and at most one wake-up) per batch
        // rather than per blob.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(ObjectId, FirstSeen)>>(WALK_QUEUE / WALK_BATCH);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.max(1))
            .build();
        let scan_all = || {
            rx.into_iter().par_bridge().for_each_init(
                || {
                    let mut repo = self.repo.to_thread_local();
                    // Each blob is read once: caching whole objects only copies them (delta
                    // bases are cached by gix's pack cache either way).
                    repo.object_cache_size(0);
                    (repo, Vec::new())
                },
                |(repo, buf), batch| {
                    for item in &batch {
                        self.scan_blob(repo, buf, item, &head, options, visitor);
                    }
                },
            )
        };
        let unique = std::thread::scope(|scope| {
            scope.spawn(|| match &pool {
                Ok(pool) => pool.install(scan_all),
                Err(_) => scan_all(),
            });
            let (mut unique, mut already, mut seen) = (0u64, 0u64, Vec::new());
            let mut batch = Vec::with_capacity(WALK_BATCH);
            let skip = options.skip_blobs.as_deref();
            for (walk_order, id) in commits.iter().enumerate() {
                let commit = match repo.find_commit(*id) {
                    Ok(c) => c,
                    Err(e) => {
                        visitor.error(object_error(&self.label, id, &e.to_string()));
                        continue;
                    }
                };
                let info = Arc::new(commit_info(&commit, walk_order as u64));
                if !options.skip_metadata {
                    self.scan_commit_metadata(&commit, &info, visitor);
                }
                match commit.tree_id() {
                    Ok(tree) => {
                        let mut send = |blob: ObjectId, path: String| {
                            unique += 1;
                            if options.collect_blob_ids {
                                seen.push(blob);
                            }
                            if skip.is_some_and(|s| s.contains(&blob)) {
                                already += 1;
                                return;
                            }
                            batch.push((
                                blob,
                                FirstSeen {
                                    commit: info.clone(),
                                    path,
                                },
                            ));
                            if batch.len() == WALK_BATCH {
                                // The receiver lives until this scope ends: no send error.
                                let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(WALK_BATCH)));
                            }
                        };
                        self.walk_tree(&repo, tree.detach(), &self.prefix, &mut walk, &mut send, visitor)
                    }
                    Err(e) => visitor.error(object_error(&self.label, id, &e.to_string())),
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            drop(tx);
            (unique, already, seen)
        });
        let (unique, already, seen) = unique;
        summary.unique_blobs = unique;
        summary.already_scanned = already;
        summary.blob_ids = seen;
        summary.submodules = walk.submodules;
        summary.submodules.sort();
        summary.submodules.dedup();
        log::info!("walked and scanned {unique} blobs in {:?}", started.elapsed());
        if options.recurse_submodules && options.submodule_depth < MAX_SUBMODULE_DEPTH {
            self.visit_submodules(&mut summary, options, visitor);
        }
        Ok(summary)
    }

    /// Scans a commit's message, author and committer as content of kind
    /// [`OriginKind::CommitMessage`](super::OriginKind): the message's lines first (so a
    /// finding's line is the message's line), then `Author:` and `Committer:` lines.
    fn scan_commit_metadata(&self, commit: &gix::Commit<'_>, info: &Arc<CommitInfo>, visitor: &dyn BlobVisitor) {
        let mut text: Vec<u8> = match commit.message_raw() {
            Ok(m) => m.to_vec(),
            Err(e) => {
                visitor.error(object_error(
                    &self.label,
                    &commit.id,
                    &format!("unreadable commit: {e}"),
                ));
                return;
            }
        };
        if !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        for (label, signature) in [("Author", commit.author()), ("Committer", commit.committer())] {
            if let Ok(sig) = signature {
                text.extend_from_slice(format!("{label}: {} <{}>\n", sig.name, sig.email).as_bytes());
            }
        }
        let short = &info.id[..info.id.len().min(10)];
        visitor.blob(Blob {
            origin: Origin {
                display: join_path(&self.prefix, &format!("commit {short} message")),
                logical: join_path(&self.prefix, &format!("commit/{}/message", info.id)),
                base: Some(self.base.clone()),
                provenance: Provenance::CommitMessage(info.clone()),
            },
            data: &text,
            previous: None,
        });
    }

    /// Scans the names of the repository's refs, one per line, as content of kind
    /// [`OriginKind::RefNames`](super::OriginKind) (a branch named after a token is pushed and
    /// printed like any other).
    fn scan_ref_names(&self, repo: &gix::Repository, visitor: &dyn BlobVisitor) {
        let Ok(platform) = repo.references() else { return };
        let Ok(all) = platform.all() else { return };
        let mut names: Vec<String> = all.flatten().map(|r| r.name().as_bstr().to_string()).collect();
        if names.is_empty() {
            return;
        }
        names.sort();
        let text = names.join("\n") + "\n";
        visitor.blob(Blob {
            origin: Origin {
                display: join_path(&self.prefix, "refs"),
                logical: join_path(&self.prefix, "refs"),
                base: Some(self.base.clone()),
                provenance: Provenance::RefNames,
            },
            data: text.as_bytes(),
            previous: None,
        });
    }

    /// Scans the history of every checked-out submodule (paths in `summary.submodules`).
    fn visit_submodules(&self, summary: &mut HistorySummary, options: &GitOptions, visitor: &dyn BlobVisitor) {
        let mut sub_options = options.clone();
        // Revisions name commits of the superproject, not of its submodules.
        sub_options.tips.clear();
        sub_options.exclude.clear();
        sub_options.exclude_if_present.clear();
        sub_options.submodule_depth += 1;
        for path in summary.submodules.clone() {
            let relative = path.strip_prefix(&format!("{}/", self.prefix)).unwrap_or(&path);
            let sub = match self.open_submodule(relative) {
                Ok(sub) => sub,
                Err(e) => {
                    visitor.skipped(Skipped {
                        path: path.clone(),
                        reason: SkipReason::Submodule,
                        detail: e.to_string(),
                    });
                    continue;
                }
            };
            match sub.visit_history(&sub_options, visitor) {
                Ok(inner) => {
                    summary.commits += inner.commits;
                    summary.unique_blobs += inner.unique_blobs;
                    summary.already_scanned += inner.already_scanned;
                    summary.blob_ids.extend(inner.blob_ids);
                    summary.submodules.extend(inner.submodules);
                }
                Err(e) => visitor.error(ScanError {
                    path,
                    kind: ScanErrorKind::Git,
                    message: format!("submodule: {e}"),
                }),
            }
        }
        summary.submodules.sort();
        summary.submodules.dedup();
    }

    #[allow(clippy::too_many_arguments)]
    fn scan_blob(
        &self,
        repo: &gix::Repository,
        buf: &mut Vec<u8>,
        (id, first): &(ObjectId, FirstSeen),
        head: &HashMap<String, ObjectId>,
        options: &GitOptions,
        visitor: &dyn BlobVisitor,
    ) {
        let commit = first.commit.clone();
        let display = format!("{}:{}", &commit.id[..commit.id.len().min(10)], first.path);
        let size = match repo.find_header(*id) {
            Ok(header) if header.size() > options.max_blob_size => {
                visitor.skipped(Skipped {
                    path: display,
                    reason: SkipReason::SizeLimit,
                    detail: format!(
                        "blob {id} is {} bytes, over the limit of {}",
                        header.size(),
                        options.max_blob_size
                    ),
                });
                return;
            }
            Ok(header) => header.size(),
            Err(e) => return visitor.error(object_error(&display, id, &e.to_string())),
        };
        // Large blobs count against the in-flight budget and use pooled buffers (see `budget`).
        let wanted = usize::try_from(size).unwrap_or(0);
        let mut item = options.memory.item_buffer(size, wanted);
        let buf = item.buffer(buf, wanted);
        match repo.objects.find_blob(id, buf) {
            Ok(blob) => visitor.blob(Blob {
                origin: Origin {
                    display,
                    logical: first.path.clone(),
                    base: Some(self.base.clone()),
                    provenance: Provenance::History(Arc::new(HistoryBlob {
                        commit,
                        blob_id: id.to_string(),
                        occurrences: None,
                        later: Vec::new(),
                        at_head: match head.get(&first.path) {
                            Some(head_id) if head_id == id => HeadState::Same,
                            Some(_) => HeadState::Changed,
                            None => HeadState::Deleted,
                        },
                    })),
                },
                data: blob.data,
                previous: None,
            }),
            Err(e) => visitor.error(object_error(&display, id, &e.to_string())),
        }
    }

    /// Recursively hands each blob of `tree` not seen before to `found` with its path,
    /// skipping trees seen before (their blobs were attributed to an earlier commit).
    fn walk_tree(
        &self,
        repo: &gix::Repository,
        tree: ObjectId,
        prefix: &str,
        walk: &mut TreeWalk,
        found: &mut dyn FnMut(ObjectId, String),
        visitor: &dyn BlobVisitor,
    ) {
        if !walk.trees.insert(tree) {
            return;
        }
        // Only entries not seen before are kept (and only they get a path): in a history most
        // entries of a tree are unchanged from the commit before.
        let mut buf = std::mem::take(&mut walk.scratch);
        let mut fresh: Vec<(EntryKind, ObjectId, String)> = Vec::new();
        match repo.objects.find_tree_iter(&tree, &mut buf) {
            Ok(iter) => {
                for entry in iter {
                    match entry {
                        Ok(e) => {
                            let kind = e.mode.kind();
                            let new = match kind {
                                EntryKind::Tree => !walk.trees.contains(e.oid),
                                EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
                                    walk.blobs.insert(e.oid.to_owned())
                                }
                                EntryKind::Commit => true,
                            };
                            if new {
                                fresh.push((kind, e.oid.to_owned(), join_path(prefix, &e.filename.to_str_lossy())));
                            }
                        }
                        Err(err) => {
                            visitor.error(object_error(&self.label, &tree, &format!("corrupt tree: {err}")));
                            break;
                        }
                    }
                }
            }
            Err(e) => visitor.error(object_error(&self.label, &tree, &e.to_string())),
        }
        walk.scratch = buf;
        for (kind, oid, path) in fresh {
            match kind {
                EntryKind::Tree => self.walk_tree(repo, oid, &path, walk, found, visitor),
                EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => found(oid, path),
                EntryKind::Commit => walk.submodules.push(path),
            }
        }
    }

    /// Every (commit, path) where one of `targets` appears, in the same commit range as
    /// [`GitRepo::visit_history`]. Each unique tree is read once (its matches are memoised by
    /// tree id, which names immutable content).
    pub fn occurrences(
        &self,
        targets: &HashSet<String>,
        options: &GitOptions,
        visitor: &dyn BlobVisitor,
    ) -> Result<HashMap<String, Vec<Occurrence>>, Error> {
        let targets: HashSet<ObjectId> = targets
            .iter()
            .filter_map(|hex| ObjectId::from_hex(hex.as_bytes()).ok())
            .collect();
        let repo = self.repo.to_thread_local();
        let tips = self.tips(&repo, options, visitor)?;
        let mut hidden = Vec::new();
        for spec in &options.exclude {
            hidden.push(self.resolve_commit(&repo, spec)?);
        }
        let mut out: HashMap<String, Vec<Occurrence>> = HashMap::new();
        if targets.is_empty() {
            return Ok(out);
        }
        let mut memo: HashMap<ObjectId, Arc<Vec<(String, ObjectId)>>> = HashMap::new();
        for id in self.commits(&repo, tips, hidden, options.max_commits, visitor) {
            let Some(tree) = repo.find_commit(id).ok().and_then(|c| c.tree_id().ok()) else {
                continue;
            };
            let commit = id.to_string();
            for (path, blob) in tree_matches(&repo, tree.detach(), &targets, &mut memo).iter() {
                out.entry(blob.to_string()).or_default().push(Occurrence {
                    commit: commit.clone(),
                    path: path.clone(),
                });
            }
        }
        Ok(out)
    }

    /// The commits to walk, parents before children.
    fn commits(
        &self,
        repo: &gix::Repository,
        tips: Vec<ObjectId>,
        hidden: Vec<ObjectId>,
        max: Option<usize>,
        visitor: &dyn BlobVisitor,
    ) -> Vec<ObjectId> {
        if tips.is_empty() {
            return Vec::new();
        }
        let walk = match repo.rev_walk(tips).with_hidden(hidden).all() {
            Ok(w) => w,
            Err(e) => {
                visitor.error(object_error(
                    &self.label,
                    &ObjectId::null(gix::hash::Kind::Sha1),
                    &e.to_string(),
                ));
                return Vec::new();
            }
        };
        let mut parents: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
        let mut order = Vec::new();
        for info in walk {
            match info {
                Ok(info) => {
                    order.push(info.id);
                    parents.insert(info.id, info.parent_ids.iter().copied().collect());
                }
                Err(e) => {
                    visitor.error(ScanError {
                        path: self.label.clone(),
                        kind: ScanErrorKind::Git,
                        message: format!("history walk stopped early: {e}"),
                    });
                    break;
                }
            }
            if max.is_some_and(|m| order.len() >= m) {
                break;
            }
        }
        topological(&order, &parents)
    }

    fn tips(
        &self,
        repo: &gix::Repository,
        options: &GitOptions,
        visitor: &dyn BlobVisitor,
    ) -> Result<Vec<ObjectId>, Error> {
        if !options.tips.is_empty() {
            return options
                .tips
                .iter()
                .map(|spec| self.resolve_commit(repo, spec))
                .collect();
        }
        let mut tips = Vec::new();
        if let Ok(head) = repo.head_id() {
            tips.push(head.detach());
        }
        let platform = repo.references().map_err(|e| Error::NotARepository {
            path: self.base.to_path_buf(),
            message: e.to_string(),
        })?;
        let all = platform.all().map_err(|e| Error::NotARepository {
            path: self.base.to_path_buf(),
            message: e.to_string(),
        })?;
        for reference in all {
            match reference {
                Ok(mut r) => {
                    let name = r.name().as_bstr().to_string();
                    match r.peel_to_commit() {
                        Ok(commit) => tips.push(commit.id),
                        Err(e) => {
                            // Tags of trees or blobs are fine to skip; say so only at debug level.
                            log::debug!("ref {name} does not lead to a commit: {e}");
                            if r.peel_to_id().is_err() {
                                visitor.error(ScanError {
                                    path: format!("{}:{name}", self.label),
                                    kind: ScanErrorKind::Git,
                                    message: format!("broken ref: {e}"),
                                });
                            }
                        }
                    }
                }
                Err(e) => visitor.error(ScanError {
                    path: self.label.clone(),
                    kind: ScanErrorKind::Git,
                    message: format!("unreadable ref: {e}"),
                }),
            }
        }
        tips.sort();
        tips.dedup();
        Ok(tips)
    }

    fn remote_tracking_tips(&self, repo: &gix::Repository, visitor: &dyn BlobVisitor) -> Vec<ObjectId> {
        let mut tips = Vec::new();
        let Ok(platform) = repo.references() else { return tips };
        let Ok(iter) = platform.remote_branches() else {
            return tips;
        };
        for reference in iter {
            match reference.map(|mut r| r.peel_to_commit().map(|c| c.id)) {
                Ok(Ok(id)) => tips.push(id),
                Ok(Err(e)) => log::debug!("remote-tracking ref does not lead to a commit: {e}"),
                Err(e) => visitor.error(ScanError {
                    path: self.label.clone(),
                    kind: ScanErrorKind::Git,
                    message: format!("unreadable ref: {e}"),
                }),
            }
        }
        tips
    }

    fn resolve_commit(&self, repo: &gix::Repository, spec: &str) -> Result<ObjectId, Error> {
        let bad = |message: String| Error::BadRevision {
            spec: spec.to_string(),
            message,
        };
        let id = repo.rev_parse_single(spec).map_err(|e| bad(e.to_string()))?;
        let object = id.object().map_err(|e| bad(e.to_string()))?;
        let commit = object.peel_to_commit().map_err(|e| bad(e.to_string()))?;
        Ok(commit.id)
    }
}

/// Orders commits so that every parent comes before its children (Kahn's algorithm); ties
/// keep the walk's reverse order (older first).
fn topological(order: &[ObjectId], parents: &HashMap<ObjectId, Vec<ObjectId>>) -> Vec<ObjectId> {
    let mut pending: HashMap<ObjectId, usize> = HashMap::new();
    let mut children: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
    for id in order {
        let known: Vec<&ObjectId> = parents[id].iter().filter(|p| parents.contains_key(*p)).collect();
        pending.insert(*id, known.len());
        for p in known {
            children.entry(*p).or_default().push(*id);
        }
    }
    let mut ready: Vec<ObjectId> = order.iter().rev().filter(|id| pending[*id] == 0).copied().collect();
    ready.reverse();
    let mut out = Vec::with_capacity(order.len());
    while let Some(id) = ready.pop() {
        out.push(id);
        if let Some(kids) = children.get(&id) {
            for kid in kids {
                if let Some(n) = pending.get_mut(kid) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push(*kid);
                    }
                }
            }
        }
    }
    out
}

fn commit_info(commit: &gix::Commit<'_>, walk_order: u64) -> CommitInfo {
    let id = commit.id.to_string();
    let (author, date) = match commit.author() {
        Ok(sig) => {
            let date = sig
                .time()
                .ok()
                .map(|t| leakscan_model::date::rfc3339(t.seconds))
                .unwrap_or_default();
            (format!("{} <{}>", sig.name, sig.email), date)
        }
        Err(_) => (String::new(), String::new()),
    };
    let summary = commit
        .message()
        .map(|m| m.summary().to_str_lossy().into_owned())
        .unwrap_or_default();
    CommitInfo {
        id,
        author,
        date,
        summary,
        walk_order,
    }
}

fn object_error(path: &str, id: &ObjectId, message: &str) -> ScanError {
    ScanError {
        path: path.to_string(),
        kind: ScanErrorKind::Git,
        message: format!("object {id}: {message}"),
    }
}
