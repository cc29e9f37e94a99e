//! The trust model for configuration.
//!
//! A configuration file passed explicitly (`--config`) is the user's: it is trusted, and may
//! name any file and set any limit. A configuration *discovered* in the scanned tree
//! (`leakscan.toml` / `.leakscan.toml`) belongs to whoever wrote the repository, who may be
//! the attacker the scan is looking for. It is used (teams keep their allowlists and rules
//! there), but under [`Trust::Repository`]:
//!
//! - every file it names (`baseline`, `[rules] extra`) must resolve, symbolic links followed,
//!   inside its boundary: the enclosing repository's root (the nearest directory with `.git`
//!   above the file), or the file's own directory outside a repository; never under `/proc`,
//!   `/sys` or `/dev`;
//! - it may not make leakscan read a special file (FIFO, device, socket): files are opened
//!   non-blocking and must be regular;
//! - it may only lower limits, never raise them (see `resolve` in `leakscan-engine`);
//! - what it changes (limits lowered, the fail gate raised, rules turned off, allowlists,
//!   a baseline, and how many findings these suppressed) is reported as
//!   [`Notification`](leakscan_model::notification::Notification)s.
//!
//! Every configuration, rule and baseline file read is capped in size, trusted or not.

use std::io::Read;
use std::path::{Path, PathBuf};

use leakscan_model::Error;

/// Largest configuration file read.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;
/// Largest rule file read.
pub const MAX_RULE_FILE_BYTES: u64 = 8 << 20;
/// Largest baseline file read.
pub const MAX_BASELINE_BYTES: u64 = 256 << 20;

/// Directories no repository configuration may name, whatever its boundary.
const SYSTEM_DIRS: [&str; 3] = ["/proc", "/sys", "/dev"];

/// A path named by a repository's configuration that it may not name ([`Trust::check_path`]).
/// Paths in messages are shown escaped and masked ([`shown_path`]).
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The path cannot be resolved (it does not exist, or a directory on the way is
    /// unreadable).
    #[error("{key}: cannot read `{}`: {error}", shown_path(path))]
    Unresolvable {
        /// The configuration key that names the path (`baseline`, `[rules] extra`).
        key: String,
        /// The path as named (resolved against the configuration's directory).
        path: PathBuf,
        /// Why it cannot be resolved.
        error: std::io::Error,
    },
    /// The path resolves outside the configuration's boundary, or under `/proc`, `/sys` or
    /// `/dev`.
    #[error(
        "{key}: `{}` is outside the repository (`{}`); a configuration found in the \
         scanned tree may only name files inside it (pass it with --config to trust it)",
        shown_path(path),
        shown_path(boundary)
    )]
    OutsideBoundary {
        /// The configuration key that names the path.
        key: String,
        /// The path as named.
        path: PathBuf,
        /// The directory it had to be inside.
        boundary: PathBuf,
    },
}

/// Why [`read_text`] could not read a configuration, rule or baseline file. The message never
/// quotes the content.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Opening or reading failed.
    #[error("cannot read: {0}")]
    Io(std::io::Error),
    /// Under [`Trust::Repository`], the file is not a regular file.
    #[error(
        "cannot read: not a regular file ({kind}); a configuration found in the scanned tree may \
         only name regular files"
    )]
    NotRegular {
        /// What it is: `a FIFO`, `a device`, `a socket`, `a directory`, `a special file`.
        kind: &'static str,
    },
    /// The file is larger than the limit.
    #[error("too large ({size} bytes or more; at most {limit} bytes are read)")]
    TooLarge {
        /// Its size, or how much was read before the limit stopped the read.
        size: u64,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The content is not UTF-8.
    #[error("not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The offset of the first invalid byte.
        offset: usize,
    },
}

/// Who wrote a configuration, and so what it may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Trust {
    /// Given by the user (`--config`, or built in code): anything goes.
    #[default]
    Trusted,
    /// Found in the scanned tree: limited to files inside `boundary` (canonical).
    Repository {
        /// The directory every named file must be inside.
        boundary: PathBuf,
    },
}

impl Trust {
    /// The trust of a configuration discovered at `file`: bounded by the enclosing
    /// repository's root, or by the file's directory outside a repository.
    pub fn repository_of(file: &Path) -> Trust {
        let dir = file.parent().unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let boundary = dir
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&dir)
            .to_path_buf();
        Trust::Repository { boundary }
    }

    /// Whether this is the user's own configuration.
    pub fn is_trusted(&self) -> bool {
        matches!(self, Trust::Trusted)
    }

    /// Checks a path named by the configuration under `key` (already resolved against
    /// the file's directory) and returns it canonical. A trusted configuration may name any
    /// path (returned as given).
    pub fn check_path(&self, path: &Path, key: &str) -> Result<PathBuf, TrustError> {
        let Trust::Repository { boundary } = self else {
            return Ok(path.to_path_buf());
        };
        let real = std::fs::canonicalize(path).map_err(|error| TrustError::Unresolvable {
            key: key.to_string(),
            path: path.to_path_buf(),
            error,
        })?;
        let system = SYSTEM_DIRS.iter().any(|d| real.starts_with(d));
        if system || !real.starts_with(boundary) {
            return Err(TrustError::OutsideBoundary {
                key: key.to_string(),
                path: path.to_path_buf(),
                boundary: boundary.clone(),
            });
        }
        Ok(real)
    }
}

/// A path as it may be shown in a message: control characters escaped, token-shaped parts
/// masked (a path written by a repository is repository content).
pub fn shown_path(path: &Path) -> String {
    leakscan_model::mask::shown(&path.display().to_string())
}

/// Reads a text file of at most `limit` bytes. Under [`Trust::Repository`] only regular files
/// are read (opened without blocking, so a FIFO cannot hang the scan); a trusted file may be
/// a pipe (`--config <(…)`). The error says what went wrong without quoting the content.
pub fn read_text(path: &Path, limit: u64, trust: &Trust) -> Result<String, ReadError> {
    let mut file = open(path, trust).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !trust.is_trusted() && !meta.is_file() {
        return Err(ReadError::NotRegular { kind: kind_of(&meta) });
    }
    if meta.is_file() && meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::new();
    (&mut file)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(unix)]
fn open(path: &Path, trust: &Trust) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    if !trust.is_trusted() {
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(not(unix))]
fn open(path: &Path, _trust: &Trust) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() { "a directory" } else { "a special file" }
}

/// Reads rule files as (name, TOML text): each path is a rule file or a directory whose
/// `*.toml` files are read (sorted by name). Under [`Trust::Repository`] every file must be
/// a regular file inside the boundary (symbolic links followed); every file is capped at
/// [`MAX_RULE_FILE_BYTES`].
pub fn read_rule_paths(paths: &[PathBuf], trust: &Trust) -> Result<Vec<(String, String)>, Error> {
    let mut files = Vec::new();
    for path in paths {
        let unreadable = |message: String| Error::RuleFile {
            file: path.display().to_string(),
            message,
        };
        if path.is_dir() {
            let mut members: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| unreadable(format!("cannot read the directory: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            members.sort();
            for member in members {
                files.push(read_rule_file(&member, trust)?);
            }
        } else {
            files.push(read_rule_file(path, trust)?);
        }
    }
    Ok(files)
}

/// One rule file, checked against `trust` and size-capped.
fn read_rule_file(path: &Path, trust: &Trust) -> Result<(String, String), Error> {
    let fail = |e: &dyn std::error::Error| Error::RuleFile {
        file: shown_path(path),
        message: e.to_string(),
    };
    let real = trust.check_path(path, "rule file").map_err(|e| fail(&e))?;
    let text = read_text(&real, MAX_RULE_FILE_BYTES, trust).map_err(|e| fail(&e))?;
    Ok((path.display().to_string(), text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_configuration_may_only_name_files_inside_it() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join(".git")).unwrap();
        std::fs::create_dir(repo.path().join("sub")).unwrap();
        std::fs::write(repo.path().join("rules.toml"), "").unwrap();
        let file = repo.path().join("sub/leakscan.toml");
        let trust = Trust::repository_of(&file);
        assert!(
            trust
                .check_path(&repo.path().join("sub/../rules.toml"), "[rules] extra")
                .is_ok()
        );
        let outside = trust.check_path(Path::new("/etc/hostname"), "baseline").unwrap_err();
        assert!(
            matches!(&outside, TrustError::OutsideBoundary { key, path, .. } if key == "baseline" && path == Path::new("/etc/hostname")),
            "{outside}"
        );
        assert!(
            outside
                .to_string()
                .starts_with("baseline: `/etc/hostname` is outside the repository"),
            "{outside}"
        );
        let proc = trust.check_path(Path::new("/proc/self/environ"), "[rules] extra");
        assert!(matches!(proc, Err(TrustError::OutsideBoundary { .. })));
        let missing = trust.check_path(&repo.path().join("missing.toml"), "baseline");
        assert!(matches!(missing, Err(TrustError::Unresolvable { .. })));
        // A trusted configuration names what it likes.
        assert!(
            Trust::Trusted
                .check_path(Path::new("/etc/hostname"), "baseline")
                .is_ok()
        );
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking_and_reads_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let trust = Trust::repository_of(&dir.path().join("leakscan.toml"));
        let err = read_text(&fifo, MAX_CONFIG_BYTES, &trust).unwrap_err();
        assert!(matches!(err, ReadError::NotRegular { kind: "a FIFO" }), "{err}");
        assert!(err.to_string().contains("not a regular file (a FIFO)"), "{err}");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; 2048]).unwrap();
        let err = read_text(&big, 1024, &Trust::Trusted).unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::TooLarge {
                    size: 2048,
                    limit: 1024
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "too large (2048 bytes or more; at most 1024 bytes are read)"
        );
        let latin1 = dir.path().join("latin1.toml");
        std::fs::write(&latin1, b"# caf\xe9\n").unwrap();
        assert!(matches!(
            read_text(&latin1, 1024, &trust),
            Err(ReadError::NotUtf8 { offset: 5 })
        ));
        assert_eq!(read_text(&big, 4096, &trust).unwrap().len(), 2048);
    }
}
