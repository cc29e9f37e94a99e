//! Where bytes came from: [`Origin`] (path, and the commit or image layer for history and
//! images), what was skipped and why, and logical paths.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a blob's bytes came from: the path, and what kind of place it is with that kind's
/// facts ([`Provenance`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The path as shown to people (relative to where the scan was started when possible).
    pub display: String,
    /// The path relative to `base`, `/`-separated: used by fingerprints and SARIF URIs.
    pub logical: String,
    /// The directory `logical` is relative to: the enclosing repository root, else the scan
    /// root. `None` for in-memory input.
    pub base: Option<Arc<Path>>,
    /// What kind of place the bytes are, with the facts of that kind.
    pub provenance: Provenance,
}

/// The kind of place a blob is, one variant per kind, each with only the facts it has (a
/// staged blob has no commit; an image layer has no blob id). Archive members keep the
/// provenance of the archive they were found in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Provenance {
    /// A file in a directory tree, bytes given in memory, or a stream.
    #[default]
    File,
    /// A blob of git history, attributed to the commit and path that first introduced it.
    History(Arc<HistoryBlob>),
    /// A commit's own text: message, author and committer.
    CommitMessage(Arc<CommitInfo>),
    /// The names of a repository's refs (branches, tags, notes), one per line.
    RefNames,
    /// A staged blob (the git index), for a pre-commit scan.
    Staged {
        /// The blob's object id.
        blob_id: String,
    },
    /// A file in a container image layer.
    ImageLayer(Arc<LayerInfo>),
    /// A container image's configuration (environment, labels, command, build history).
    ImageConfig(Arc<LayerInfo>),
}

/// The facts of a blob of git history.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HistoryBlob {
    /// The commit that first introduced this blob at the origin's path.
    pub commit: Arc<CommitInfo>,
    /// The blob's object id.
    pub blob_id: String,
    /// Whether the file is still at HEAD.
    pub at_head: HeadState,
    /// With `--all-occurrences`: every (commit, path) holding this blob.
    pub occurrences: Option<Arc<Vec<Occurrence>>>,
    /// Later versions of the file (other blobs at the same path) that still carry the same
    /// secret: a history scan reports a secret once per path, at its first commit, and lists
    /// these here, oldest first.
    pub later: Vec<LaterVersion>,
}

/// A later version of a file that still carries a history finding's secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct LaterVersion {
    /// The commit that introduced this version (full hex id).
    pub commit: String,
    /// Its author date, RFC 3339 in UTC.
    pub date: String,
    /// The version's blob id.
    pub blob_id: String,
}

/// The kind of place a blob is: file content, or metadata that a source scans as content
/// because a secret can hide there too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OriginKind {
    /// The content of a file (in a tree, an archive, a git blob or an image layer).
    #[default]
    File,
    /// A commit's message, author and committer (`leakscan git`).
    CommitMessage,
    /// The names of a repository's refs (branches, tags, notes), one per line.
    RefNames,
    /// An image's configuration: environment, labels, command, entrypoint, build history.
    ImageConfig,
}

impl OriginKind {
    /// Whether this is file content (the usual case; reports name other kinds).
    pub fn is_file(self) -> bool {
        self == OriginKind::File
    }

    /// The kebab-case name used in JSON and SARIF (`commit-message`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            OriginKind::File => "file",
            OriginKind::CommitMessage => "commit-message",
            OriginKind::RefNames => "ref-names",
            OriginKind::ImageConfig => "image-config",
        }
    }
}

impl Origin {
    /// An origin for in-memory bytes: display and logical path are both `label`.
    pub fn label(label: &str) -> Origin {
        Origin {
            display: label.to_string(),
            logical: label.to_string(),
            base: None,
            provenance: Provenance::File,
        }
    }

    /// What kind of place the bytes are, as reports name it.
    pub fn kind(&self) -> OriginKind {
        match self.provenance {
            Provenance::CommitMessage(_) => OriginKind::CommitMessage,
            Provenance::RefNames => OriginKind::RefNames,
            Provenance::ImageConfig(_) => OriginKind::ImageConfig,
            Provenance::File | Provenance::History(_) | Provenance::Staged { .. } | Provenance::ImageLayer(_) => {
                OriginKind::File
            }
        }
    }

    /// The commit: the one that introduced a history blob, or the one whose message this is.
    pub fn commit(&self) -> Option<&Arc<CommitInfo>> {
        match &self.provenance {
            Provenance::History(h) => Some(&h.commit),
            Provenance::CommitMessage(c) => Some(c),
            _ => None,
        }
    }

    /// The git blob id (history and staged blobs).
    pub fn blob_id(&self) -> Option<&str> {
        match &self.provenance {
            Provenance::History(h) => Some(&h.blob_id),
            Provenance::Staged { blob_id } => Some(blob_id),
            _ => None,
        }
    }

    /// For a history blob: whether the file is still at HEAD.
    pub fn at_head(&self) -> Option<HeadState> {
        match &self.provenance {
            Provenance::History(h) => Some(h.at_head),
            _ => None,
        }
    }

    /// For a history blob with `--all-occurrences`: every (commit, path) holding it.
    pub fn occurrences(&self) -> Option<&[Occurrence]> {
        match &self.provenance {
            Provenance::History(h) => h.occurrences.as_deref().map(Vec::as_slice),
            _ => None,
        }
    }

    /// For a history finding: later versions of the file that carry the same secret.
    pub fn later_versions(&self) -> &[LaterVersion] {
        match &self.provenance {
            Provenance::History(h) => &h.later,
            _ => &[],
        }
    }

    /// The image layer (or the configuration) the bytes came from.
    pub fn layer(&self) -> Option<&Arc<LayerInfo>> {
        match &self.provenance {
            Provenance::ImageLayer(l) | Provenance::ImageConfig(l) => Some(l),
            _ => None,
        }
    }

    /// Replaces the commit (history blob or commit message) by `f` of it: used to mask what
    /// is shown of it.
    pub fn map_commit(&mut self, f: impl FnOnce(&Arc<CommitInfo>) -> Arc<CommitInfo>) {
        match &mut self.provenance {
            Provenance::History(h) => {
                let commit = f(&h.commit);
                Arc::make_mut(h).commit = commit;
            }
            Provenance::CommitMessage(c) => *c = f(c),
            _ => {}
        }
    }

    /// Replaces the image layer by `f` of it (masking what is shown, marking deletions).
    pub fn map_layer(&mut self, f: impl FnOnce(&Arc<LayerInfo>) -> Arc<LayerInfo>) {
        if let Provenance::ImageLayer(l) | Provenance::ImageConfig(l) = &mut self.provenance {
            *l = f(l);
        }
    }
}

/// The commit that introduced a blob at a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CommitInfo {
    /// Full hex object id.
    pub id: String,
    /// `Name <email>` of the author.
    pub author: String,
    /// Author date, RFC 3339 in UTC.
    pub date: String,
    /// First line of the message.
    pub summary: String,
    /// Position in the history walk, parents before children (0 for the first commit
    /// walked): orders commits with the same date.
    #[serde(skip)]
    pub walk_order: u64,
}

/// Whether the file a history finding was introduced in is still at HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeadState {
    /// HEAD has this exact content at this path: the secret is still in the working tree.
    Same,
    /// HEAD has this path with other content (the secret may have been edited out).
    Changed,
    /// HEAD has no file at this path: the secret lives on only in history.
    Deleted,
}

impl HeadState {
    /// A short description for reports.
    pub fn describe(self) -> &'static str {
        match self {
            HeadState::Same => "still at HEAD",
            HeadState::Changed => "file changed since (check HEAD)",
            HeadState::Deleted => "file deleted since: in history only",
        }
    }
}

/// One place a blob appears in history.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Occurrence {
    /// The commit (full hex id).
    pub commit: String,
    /// The path in that commit's tree.
    pub path: String,
}

/// Where a finding inside an image came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct LayerInfo {
    /// The image (its tags, or the config digest when untagged).
    pub image: String,
    /// The layer's digest (`sha256:…`), or `config` for the image configuration.
    pub digest: String,
    /// 0-based position of the layer in the image.
    pub index: usize,
    /// The build instruction that created the layer (from the config's history), if known.
    pub created_by: Option<String>,
    /// Whether a later layer deletes (whiteout) or replaces this file: it still ships in the
    /// image's lower layer.
    pub deleted_later: bool,
}

/// Why an input was skipped by policy (not an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Larger than the `--max-file-size` limit.
    SizeLimit,
    /// A symbolic link, not followed (see `--follow-symlinks`).
    Symlink,
    /// A FIFO, socket or device: reading it could block or never end.
    NotRegularFile,
    /// An unmerged (conflicted) index entry in a staged-changes scan.
    Conflicted,
    /// A submodule that `--recurse-submodules` could not follow (not checked out).
    Submodule,
    /// The configuration checks of a file stopped at a limit (a YAML alias bomb); its secret
    /// rules still ran.
    ConfigChecksLimit,
}

impl SkipReason {
    /// A short human-readable name.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::SizeLimit => "size limit",
            SkipReason::Symlink => "symlink",
            SkipReason::NotRegularFile => "not a regular file",
            SkipReason::Conflicted => "merge conflict",
            SkipReason::Submodule => "submodule",
            SkipReason::ConfigChecksLimit => "configuration checks stopped at a limit",
        }
    }
}

/// An input skipped by policy, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Display path.
    pub path: String,
    /// Why.
    pub reason: SkipReason,
    /// Details (sizes, file type).
    pub detail: String,
}

/// The directory that logical paths are relative to: the nearest enclosing directory with a
/// `.git` entry, else the root itself (a directory) or its parent (a file).
pub fn logical_base(root_abs: &Path) -> PathBuf {
    let start = if root_abs.is_dir() {
        root_abs
    } else {
        root_abs.parent().unwrap_or(root_abs)
    };
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

/// `path` relative to `base` with `/` separators (lossy for non-UTF-8 names).
pub fn relative_slash_path(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    // Built in place: this runs for every file scanned.
    let mut slash = String::with_capacity(rel.as_os_str().len());
    for component in rel.components() {
        if let std::path::Component::Normal(name) = component {
            if !slash.is_empty() {
                slash.push('/');
            }
            slash.push_str(&name.to_string_lossy());
        }
    }
    slash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_slash_paths() {
        let base = Path::new("/work/repo");
        assert_eq!(relative_slash_path(Path::new("/work/repo/src/a.rs"), base), "src/a.rs");
        assert_eq!(relative_slash_path(Path::new("/work/repo"), base), "");
        assert_eq!(
            relative_slash_path(Path::new("./x/./y"), Path::new("/elsewhere")),
            "x/y"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = Path::new(std::ffi::OsStr::from_bytes(b"/work/repo/d\xffir/f"));
            assert_eq!(relative_slash_path(odd, base), "d\u{fffd}ir/f");
        }
    }
}
