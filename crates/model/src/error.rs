//! Error types: [`Error`] for fatal problems, [`ScanError`] for per-item trouble, and
//! [`ParseError`] for a TOML or JSON document that does not parse.

use std::path::PathBuf;

/// A fatal problem: nothing trustworthy can be scanned (bad rules, bad root input).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule file could not be parsed.
    #[error("rule file {file}: {message}")]
    RuleFile {
        /// The file name.
        file: String,
        /// What is wrong, with line and column where known.
        message: String,
    },
    /// One rule is invalid (regex, group, field values, duplicate id).
    #[error("rule file {file}: rule `{rule}`: {message}")]
    Rule {
        /// The file the rule came from.
        file: String,
        /// The rule id.
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// A root input given by the user does not exist.
    #[error("{}: no such file or directory", path.display())]
    RootNotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A root input given by the user cannot be read.
    #[error("{}: {source}", path.display())]
    RootUnreadable {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A root input given by the user is neither a regular file nor a directory (a FIFO, a
    /// socket, a device). It is not opened: opening a FIFO waits for a writer, and a device
    /// can deliver bytes forever. Its content can be piped to standard input instead.
    #[error(
        "{}: is a {kind}, not a regular file or directory; it is not opened (reading it could block \
         or never end); to scan what it delivers, pipe it in: `leakscan scan - < {}`",
        path.display(),
        path.display()
    )]
    RootNotRegular {
        /// The path as given.
        path: PathBuf,
        /// What it is (`FIFO (named pipe)`, `socket`, `character device`, …).
        kind: &'static str,
    },
    /// The path is not inside a git repository (or the repository cannot be opened).
    #[error("{}: not a git repository: {message}", path.display())]
    NotARepository {
        /// The path as given.
        path: PathBuf,
        /// Why it could not be opened.
        message: String,
    },
    /// A revision given by the user (`--since`, `--branch`) does not name a commit.
    #[error("revision `{spec}` does not name a commit: {message}")]
    BadRevision {
        /// The revision as given.
        spec: String,
        /// Why.
        message: String,
    },
    /// The configuration file is invalid (syntax, unknown key, bad value).
    #[error("{}: {message}", file.display())]
    Config {
        /// The configuration file.
        file: PathBuf,
        /// What is wrong, with line and column where known.
        message: String,
    },
    /// The baseline file is invalid.
    #[error("{}: {message}", file.display())]
    Baseline {
        /// The baseline file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The input is not a container image (no `manifest.json` nor `index.json`).
    #[error("{}: not a container image: {message}", path.display())]
    NotAnImage {
        /// The path as given.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// An image could not be pulled from its registry (bad reference, no such image,
    /// authentication, network).
    #[error("{reference}: {message}")]
    Registry {
        /// The image reference as normalised (`registry/repository:tag`).
        reference: String,
        /// What went wrong.
        message: String,
    },
    /// Invalid settings (for example a zero thread count).
    #[error("invalid setting: {0}")]
    Settings(String),
}

/// A TOML or JSON document (a rule file, a configuration, a baseline) that does not parse,
/// without the excerpt of the file the parser prints (see [`crate::mask::toml_error`]):
/// `line L, column C: message`, or only the message when the parser gives no position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", position.map_or_else(String::new, |(line, column)| format!("line {line}, column {column}: ")))]
pub struct ParseError {
    /// The 1-based line and column (in characters) where the parser stopped, when it says.
    pub position: Option<(usize, usize)>,
    /// The parser's message, its first line only, masked and cut short as
    /// [`crate::mask::shown`] does (it can quote a value of the file).
    pub message: String,
}

/// What kind of per-item problem a [`ScanError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanErrorKind {
    /// The item exists but could not be read (permission denied, I/O error).
    Unreadable,
    /// Walking a directory failed (unreadable directory, symlink loop).
    Walk,
    /// A git object or ref is missing, corrupt or unreadable.
    Git,
    /// An archive is corrupt, a member unreadable, or a limit stopped its expansion.
    Archive,
    /// An image manifest, config or layer is missing, corrupt or does not match.
    Image,
    /// Scanning one file or blob took longer than the per-file time limit; it was scanned
    /// only in part (what was found before the limit is reported).
    Timeout,
}

/// A per-item problem: the item was not (fully) scanned, the rest of the scan went on.
///
/// Any `ScanError` makes a scan incomplete (exit code 3 when nothing was found).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScanError {
    /// Display path of the item.
    pub path: String,
    /// The kind of problem.
    pub kind: ScanErrorKind,
    /// A human-readable explanation.
    pub message: String,
}
