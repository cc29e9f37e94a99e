//! Sources enumerate inputs and push their bytes to a [`BlobVisitor`].

pub mod archive;
pub mod blob_name;
mod fs;
pub(crate) mod git;
pub mod image;
pub mod registry;
pub mod stream;

pub use fs::{FsSource, LEAKSCAN_IGNORE_FILE, WalkOptions, WalkSummary};
pub use git::{
    CommitInfo, DEFAULT_OBJECT_ALLOC_LIMIT, GitOptions, GitRepo, HeadState, HistorySummary, Occurrence, StagedSummary,
    object_alloc_limit,
};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::ScanError;

/// Where a blob's bytes came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The path as shown to people (relative to where the scan was started when possible).
    pub display: String,
    /// The path relative to `base`, `/`-separated: used by fingerprints and SARIF URIs.
    pub logical: String,
    /// The directory `logical` is relative to: the enclosing repository root, else the scan
    /// root. `None` for in-memory input.
    pub base: Option<Arc<Path>>,
    /// For git history: the commit that first introduced this blob at `logical`.
    pub commit: Option<Arc<CommitInfo>>,
    /// For git history: the blob's object id.
    pub blob_id: Option<String>,
    /// For git history: whether the file is still at HEAD.
    pub at_head: Option<HeadState>,
    /// For git history with `--all-occurrences`: every (commit, path) holding this blob.
    pub occurrences: Option<Arc<Vec<Occurrence>>>,
    /// For container images: the image and layer (or config) the bytes came from.
    pub layer: Option<Arc<image::LayerInfo>>,
    /// What kind of place the bytes are: a file's content, or metadata scanned as content.
    pub kind: OriginKind,
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
            commit: None,
            blob_id: None,
            at_head: None,
            occurrences: None,
            layer: None,
            kind: OriginKind::File,
        }
    }
}

/// A chunk of content to scan.
#[derive(Debug)]
pub struct Blob<'a> {
    /// Where it came from.
    pub origin: Origin,
    /// The bytes.
    pub data: &'a [u8],
    /// The content these bytes replace (a staged file's version in HEAD): a finding whose
    /// secret also occurs there is marked as already committed, not new.
    pub previous: Option<&'a [u8]>,
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

/// Receives what a source finds. Implementations must be thread-safe: sources call it from
/// many threads at once.
pub trait BlobVisitor: Sync {
    /// One blob to scan.
    fn blob(&self, blob: Blob<'_>);
    /// An input skipped by policy.
    fn skipped(&self, skipped: Skipped);
    /// A per-item error; the source goes on with the rest.
    fn error(&self, error: ScanError);
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
