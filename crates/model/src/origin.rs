//! Where bytes came from: [`Origin`] (path, and the commit or image layer for history and
//! images), what was skipped and why, and logical paths.

use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    pub layer: Option<Arc<LayerInfo>>,
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
