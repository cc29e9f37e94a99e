//! The filesystem source: a parallel, gitignore-aware walk of files and directories.

use leakscan_model::notification::{Notification, kinds};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::{WalkBuilder, WalkState};

use super::{Blob, BlobVisitor, Origin, Provenance, SkipReason, Skipped, logical_base, relative_slash_path};
use leakscan_model::error::{Error, ScanError, ScanErrorKind};

/// Settings of a filesystem walk.
#[derive(Debug, Clone)]
pub struct VisitOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Files larger than this many bytes are skipped and reported.
    pub max_file_size: u64,
    /// Ignore `.gitignore`, `.ignore` and `.leakscanignore` files.
    pub no_ignore: bool,
    /// Honour `.leakscanignore` files (unless `no_ignore`); `false` for `--no-repo-config`,
    /// which does not let the scanned tree decide what is scanned (`.gitignore` still applies).
    pub leakscan_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_symlinks: bool,
    /// Apply `.leakscanignore` files to files named as roots too (a pre-commit hook passes
    /// every file it is given; a directory's files always follow them).
    pub ignore_named_files: bool,
    /// Visit only the files of this share, by path relative to their root.
    pub shard: Option<leakscan_model::shard::Shard>,
    /// The budget that large items (files, blobs, layer entries, inflated archive members)
    /// wait for: the scanner's own.
    pub memory: crate::budget::MemoryBudget,
}

/// The `.leakscanignore` that excludes the file `path`, if one does: the nearest one in its
/// directory or above (up to the repository root) whose patterns decide about it (a `!`
/// pattern re-includes it).
fn leakscan_ignored(path: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(path).ok()?;
    for dir in abs.ancestors().skip(1) {
        let file = dir.join(LEAKSCAN_IGNORE_FILE);
        if file.is_file() {
            let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
            if builder.add(&file).is_none()
                && let Ok(rules) = builder.build()
            {
                let decided = rules.matched_path_or_any_parents(&abs, false);
                if decided.is_ignore() {
                    return Some(file);
                }
                if decided.is_whitelist() {
                    return None;
                }
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// The custom ignore file leakscan honours in every directory.
pub const LEAKSCAN_IGNORE_FILE: &str = ".leakscanignore";

/// One root of a walk, resolved.
#[derive(Debug, Clone)]
struct Root {
    given: PathBuf,
    base: Arc<Path>,
    /// The root's absolute path relative to `base`, `/`-separated ("" when equal).
    prefix: String,
}

/// Files and directories given on the command line.
#[derive(Debug, Clone)]
pub struct FsSource {
    roots: Vec<Root>,
}

impl FsSource {
    /// Resolves the roots; a root that does not exist or cannot be inspected is fatal, and so
    /// is one that is neither a regular file nor a directory (a FIFO, a socket, a device:
    /// [`Error::RootNotRegular`]), which is never opened. Inside a directory such entries are
    /// skipped instead (`not-regular-file`).
    pub fn new(paths: &[PathBuf]) -> Result<FsSource, Error> {
        let roots = paths
            .iter()
            .map(|given| {
                let meta = std::fs::metadata(given).map_err(|source| match source.kind() {
                    std::io::ErrorKind::NotFound => Error::RootNotFound { path: given.clone() },
                    _ => Error::RootUnreadable {
                        path: given.clone(),
                        source,
                    },
                })?;
                if !(meta.is_dir() || meta.is_file()) {
                    // Named explicitly, it would be scanned as nothing and pass as clean.
                    return Err(Error::RootNotRegular {
                        path: given.clone(),
                        kind: special_file_kind(&meta.file_type()),
                    });
                }
                if meta.is_dir() {
                    std::fs::read_dir(given).map_err(|source| Error::RootUnreadable {
                        path: given.clone(),
                        source,
                    })?;
                }
                let abs = std::fs::canonicalize(given).map_err(|source| Error::RootUnreadable {
                    path: given.clone(),
                    source,
                })?;
                let base = logical_base(&abs);
                let prefix = relative_slash_path(&abs, &base);
                Ok(Root {
                    given: given.clone(),
                    base: Arc::from(base.as_path()),
                    prefix,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(FsSource { roots })
    }

    /// The base directory of the first root (SARIF's `%SRCROOT%`).
    pub fn primary_base(&self) -> Option<Arc<Path>> {
        self.roots.first().map(|r| r.base.clone())
    }

    /// Walks every root in parallel and pushes each regular file to `visitor`; returns how
    /// many entries were visited and which `.leakscanignore` files applied.
    pub fn walk(&self, opts: &VisitOptions, visitor: &dyn BlobVisitor) -> WalkSummary {
        let mut summary = WalkSummary::default();
        for root in &self.roots {
            let (files, ignore_files) = self.visit_root(root, opts, Some(visitor));
            summary.files += files;
            summary.ignore_files.extend(ignore_files);
        }
        summary.ignore_files.sort();
        summary.ignore_files.dedup();
        summary
    }

    /// Counts the entries a walk with `opts` visits (files, links, special files: everything
    /// but directories), reading nothing: with and without `.leakscanignore`, it tells how
    /// many entries those files exclude.
    pub fn count_entries(&self, opts: &VisitOptions) -> u64 {
        self.roots.iter().map(|root| self.visit_root(root, opts, None).0).sum()
    }

    fn visit_root(&self, root: &Root, opts: &VisitOptions, visitor: Option<&dyn BlobVisitor>) -> (u64, Vec<String>) {
        let mut builder = WalkBuilder::new(&root.given);
        let respect = !opts.no_ignore;
        let leakscan_ignore = respect && opts.leakscan_ignore;
        if leakscan_ignore
            && opts.ignore_named_files
            && root.given.is_file()
            && let Some(by) = leakscan_ignored(&root.given)
        {
            // Counted as excluded by that ignore file (the scan's notification says how many).
            return (0, vec![display_path(&by)]);
        }
        let found: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        if leakscan_ignore {
            // Ignore files above the root apply too (`parents`).
            let abs = std::fs::canonicalize(&root.given).unwrap_or_else(|_| root.given.clone());
            let mut list = found.lock().unwrap_or_else(|p| p.into_inner());
            for dir in abs.ancestors().filter(|d| d.is_dir()) {
                let file = dir.join(LEAKSCAN_IGNORE_FILE);
                if file.is_file() {
                    list.push(display_path(&file));
                }
            }
        }
        let seen = found.clone();
        builder
            .hidden(false)
            .ignore(respect)
            .git_ignore(respect)
            .git_global(respect)
            .git_exclude(respect)
            .parents(respect)
            .require_git(false)
            .follow_links(opts.follow_symlinks)
            .threads(opts.threads.max(1))
            .filter_entry(move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if is_dir && e.file_name() == ".git" {
                    return false;
                }
                // One stat per directory: which directories carry a `.leakscanignore`.
                if leakscan_ignore && is_dir {
                    let file = e.path().join(LEAKSCAN_IGNORE_FILE);
                    if file.is_file() {
                        seen.lock().unwrap_or_else(|p| p.into_inner()).push(display_path(&file));
                    }
                }
                true
            });
        if leakscan_ignore {
            builder.add_custom_ignore_filename(LEAKSCAN_IGNORE_FILE);
        }
        let entries = std::sync::atomic::AtomicU64::new(0);
        builder.build_parallel().run(|| {
            let mut buf = Vec::new();
            let mut directory = OpenDirectory::default();
            let entries = &entries;
            Box::new(move |entry| {
                match entry {
                    Ok(entry) => {
                        if counts(root, &entry, opts) {
                            entries.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if let Some(visitor) = visitor {
                                visit_entry(root, &entry, opts, (&mut buf, &mut directory), visitor);
                            }
                        }
                    }
                    Err(err) => {
                        if let Some(visitor) = visitor {
                            visitor.error(walk_error(&err));
                        }
                    }
                }
                WalkState::Continue
            })
        });
        let found = std::mem::take(&mut *found.lock().unwrap_or_else(|p| p.into_inner()));
        (entries.into_inner(), found)
    }
}

/// What a walk saw.
#[derive(Debug, Clone, Default)]
pub struct WalkSummary {
    /// Entries visited (files, links, special files; not directories).
    pub files: u64,
    /// The `.leakscanignore` files that applied (display paths, sorted).
    pub ignore_files: Vec<String>,
}

impl WalkSummary {
    /// The notification for the `.leakscanignore` files of this walk, which kept `excluded`
    /// entries out of the scan: a warning when they excluded as much as was scanned.
    pub fn ignore_file_notification(&self, excluded: u64) -> Notification {
        let files: Vec<String> = self
            .ignore_files
            .iter()
            .take(5)
            .map(|f| format!("`{}`", leakscan_model::mask::shown(f)))
            .collect();
        let more = self.ignore_files.len().saturating_sub(5);
        let listed = if more > 0 {
            format!("{} and {more} more", files.join(", "))
        } else {
            files.join(", ")
        };
        let message = format!(
            "{LEAKSCAN_IGNORE_FILE} {listed} exclude{} {excluded} file(s) from the scan ({} scanned); --no-repo-config scans them",
            if self.ignore_files.len() == 1 { "s" } else { "" },
            self.files
        );
        // Excluding as much as is scanned is more than vendored code: a reader must see it.
        if excluded > 0 && excluded >= self.files {
            Notification::warning(kinds::IGNORE_FILE, None, message)
        } else {
            Notification::note(kinds::IGNORE_FILE, None, message)
        }
    }
}

/// Whether the walk visits `entry`: not a directory, and in the shard when sharded.
fn counts(root: &Root, entry: &ignore::DirEntry, opts: &VisitOptions) -> bool {
    let Some(file_type) = entry.file_type() else {
        return false;
    };
    if file_type.is_dir() {
        return false;
    }
    match opts.shard {
        Some(shard) => shard.contains(&relative_slash_path(entry.path(), &root.given)),
        None => true,
    }
}

fn display_path(path: &Path) -> String {
    let shown = path.strip_prefix(".").unwrap_or(path);
    let s = shown.to_string_lossy();
    if s.is_empty() { ".".into() } else { s.into_owned() }
}

fn logical_path(root: &Root, path: &Path) -> String {
    let below = relative_slash_path(path, &root.given);
    match (root.prefix.is_empty(), below.is_empty()) {
        (_, true) => root.prefix.clone(),
        (true, false) => below,
        (false, false) => format!("{}/{}", root.prefix, below),
    }
}

fn visit_entry(
    root: &Root,
    entry: &ignore::DirEntry,
    opts: &VisitOptions,
    (buf, directory): (&mut Vec<u8>, &mut OpenDirectory),
    visitor: &dyn BlobVisitor,
) {
    // `counts` has checked it is no directory and in the shard.
    let Some(file_type) = entry.file_type() else { return };
    let path = entry.path();
    let display = display_path(path);
    if file_type.is_symlink() {
        visitor.skipped(Skipped {
            path: display,
            reason: SkipReason::Symlink,
            detail: "symbolic link not followed (use --follow-symlinks)".into(),
        });
        return;
    }
    if !file_type.is_file() {
        visitor.skipped(Skipped {
            path: display,
            reason: SkipReason::NotRegularFile,
            detail: special_file_kind(&file_type).into(),
        });
        return;
    }
    let unreadable = |e: std::io::Error| ScanError {
        path: display_path(path),
        kind: ScanErrorKind::Unreadable,
        message: e.to_string(),
    };
    let too_big = |size: u64| Skipped {
        path: display_path(path),
        reason: SkipReason::SizeLimit,
        detail: format!("{size} bytes exceeds the limit of {} bytes", opts.max_file_size),
    };
    // The entry may have changed since the walk saw it (a file swapped for a FIFO or a
    // link): open without blocking, then trust only what the open descriptor says.
    let file = match open_regular(path, opts.follow_symlinks, directory) {
        Ok(f) => f,
        Err(e) => return visitor.error(unreadable(e)),
    };
    let size = match file.metadata() {
        Ok(m) if !m.is_file() => {
            return visitor.skipped(Skipped {
                path: display,
                reason: SkipReason::NotRegularFile,
                detail: special_file_kind(&m.file_type()).into(),
            });
        }
        Ok(m) => m.len(),
        Err(e) => return visitor.error(unreadable(e)),
    };
    if size > opts.max_file_size {
        visitor.skipped(too_big(size));
        return;
    }
    let origin = Origin {
        display,
        logical: logical_path(root, path),
        base: Some(root.base.clone()),
        provenance: Provenance::File,
    };
    // Files are read, never memory-mapped: a file truncated by another process while mapped
    // raises SIGBUS and kills the scan (see SECURITY.md). The buffer is reserved from the
    // size, so a large file is read with one allocation.
    // Large files count against the in-flight budget and use pooled buffers (see `budget`).
    let wanted = usize::try_from(size).unwrap_or(0).saturating_add(1);
    let mut item = opts.memory.item_buffer(size, wanted);
    let data = item.buffer(buf, wanted);
    // A file read up to the size it had when opened needs no second read to see its end (one
    // grown since is scanned as it was: ~6% of a scan of 100,000 small files). One that
    // reports no size (procfs and the like) is read to its end, or one byte past the limit.
    let limit = if size > 0 { size } else { opts.max_file_size + 1 };
    match file.take(limit).read_to_end(data) {
        Ok(n) if n as u64 > opts.max_file_size => visitor.skipped(too_big(n as u64)),
        Ok(_) => visitor.blob(Blob {
            origin,
            data,
            previous: None,
        }),
        Err(e) => visitor.error(unreadable(e)),
    }
}

/// The directory of the last file a walker thread opened, with its descriptor (closed when
/// the thread's part of the walk ends).
#[derive(Default)]
struct OpenDirectory {
    #[cfg(unix)]
    last: Option<(PathBuf, std::os::fd::OwnedFd)>,
}

/// Opens `path` for reading without ever blocking (a FIFO opened for reading waits for a
/// writer), without becoming its controlling terminal, and, unless links are followed,
/// without following a symbolic link swapped in after the walk.
///
/// The file is opened relative to its directory (`openat`), whose descriptor `directory`
/// keeps for the next file of the same directory: the kernel then looks up one path
/// component instead of every component of the full path (~4% of the CPU time of a scan of
/// the crate sources went to those lookups).
#[cfg(unix)]
fn open_regular(path: &Path, follow_symlinks: bool, directory: &mut OpenDirectory) -> std::io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    if !follow_symlinks {
        flags |= OFlags::NOFOLLOW;
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let (Some(parent), Some(name)) = (parent, path.file_name()) else {
        return Ok(File::from(rustix::fs::open(path, flags, Mode::empty())?));
    };
    let dir = match &mut directory.last {
        Some((cached, dir)) if cached == parent => dir,
        last => {
            let dir = rustix::fs::open(
                parent,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            &last.insert((parent.to_path_buf(), dir)).1
        }
    };
    Ok(File::from(rustix::fs::openat(dir, name, flags, Mode::empty())?))
}

#[cfg(not(unix))]
fn open_regular(path: &Path, _follow_symlinks: bool, _directory: &mut OpenDirectory) -> std::io::Result<File> {
    File::open(path)
}

/// What a file that is neither a regular file nor a directory is, for messages.
#[cfg(unix)]
pub(crate) fn special_file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "FIFO (named pipe)"
    } else if t.is_socket() {
        "socket"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

/// What a file that is neither a regular file nor a directory is, for messages.
#[cfg(not(unix))]
pub(crate) fn special_file_kind(_: &std::fs::FileType) -> &'static str {
    "special file"
}

fn walk_error(err: &ignore::Error) -> ScanError {
    ScanError {
        path: error_path(err).map(display_path).unwrap_or_default(),
        kind: ScanErrorKind::Walk,
        message: error_message(err),
    }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Partial(errs) => errs.first().and_then(error_path),
        _ => None,
    }
}

fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop (points back to {})", display_path(ancestor))
        }
        other => other.to_string(),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn opening_a_fifo_does_not_block_and_is_seen_as_special() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        // A blocking open would wait here forever for a writer.
        let file = open_regular(&fifo, false, &mut OpenDirectory::default()).unwrap();
        assert!(!file.metadata().unwrap().is_file());
    }

    #[test]
    fn a_fifo_root_is_refused_without_being_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        // Opening it would block here forever (no writer).
        let err = FsSource::new(std::slice::from_ref(&fifo)).unwrap_err();
        assert!(
            matches!(&err, Error::RootNotRegular { path, kind: "FIFO (named pipe)" } if *path == fifo),
            "{err}"
        );
        assert!(err.to_string().contains("leakscan scan - <"), "{err}");
        // A directory holding it is fine: the FIFO is skipped by the walk.
        assert!(FsSource::new(&[dir.path().to_path_buf()]).is_ok());
    }

    #[test]
    fn a_symlink_is_not_followed_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("target"), "x").unwrap();
        std::os::unix::fs::symlink("target", dir.path().join("link")).unwrap();
        assert!(open_regular(&dir.path().join("link"), false, &mut OpenDirectory::default()).is_err());
        assert!(open_regular(&dir.path().join("link"), true, &mut OpenDirectory::default()).is_ok());
    }

    #[test]
    fn files_are_opened_in_their_own_directory_whatever_the_previous_one() {
        // A walker thread keeps the last file's directory open: a file of another
        // directory, with the same name, must not be read from the kept one.
        let root = tempfile::tempdir().unwrap();
        for dir in ["a", "b", "a/a"] {
            std::fs::create_dir(root.path().join(dir)).unwrap();
            std::fs::write(root.path().join(dir).join("same.txt"), dir).unwrap();
        }
        let mut directory = OpenDirectory::default();
        let mut read = |path: PathBuf| {
            let mut text = String::new();
            open_regular(&path, false, &mut directory)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        };
        for dir in ["a", "b", "a", "a/a", "a/a", "b"] {
            assert_eq!(read(root.path().join(dir).join("same.txt")), dir);
        }
        // A removed file is an error, not the kept directory's file of that name.
        std::fs::remove_file(root.path().join("b/same.txt")).unwrap();
        assert!(open_regular(&root.path().join("b/same.txt"), false, &mut directory).is_err());
        // A bare file name opens in the working directory.
        let err = open_regular(Path::new("no-such-file-anywhere.txt"), false, &mut directory).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
