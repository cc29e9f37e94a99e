//! Names of image blobs, from untrusted manifests: digests are validated against the OCI
//! grammar before they become a path or a registry URL, and a name inside an OCI layout
//! directory is resolved only when it stays inside that directory and is a regular file.
//!
//! This is what keeps a hostile manifest (`"digest": "sha256:../../../etc/shadow"`, an
//! absolute path, `/dev/zero`, a symlink out of the layout) from making leakscan read files
//! the user did not ask it to scan.

use std::path::{Component, Path, PathBuf};

/// Whether `digest` follows the OCI grammar `algorithm ":" encoded`: algorithm components of
/// `[a-z0-9]` separated by one of `+._-`, and an encoded part of `[a-zA-Z0-9=_-]`.
pub fn valid_digest(digest: &str) -> bool {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return false;
    };
    let components_ok = algorithm
        .split(['+', '.', '_', '-'])
        .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    let encoded_ok = !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
    components_ok && encoded_ok && digest.len() <= 255
}

/// Why a blob name from a manifest was refused or could not be resolved. Messages show at
/// most 100 characters of the (possibly hostile) name, escaped where it is quoted.
#[derive(Debug, thiserror::Error)]
pub enum BlobNameError {
    /// The digest does not follow the OCI grammar (see [`valid_digest`]).
    #[error("invalid digest {:?}", truncate(.0))]
    InvalidDigest(String),
    /// The name is empty, absolute, or has a `.` or `..` component.
    #[error("{:?} is not a plain relative path inside the layout", truncate(.0))]
    NotRelative(String),
    /// The name cannot be resolved or its metadata read (missing, permission denied).
    #[error("`{}`: {error}", truncate(name))]
    Unreadable {
        /// The name as given.
        name: String,
        /// The error from the file system.
        error: std::io::Error,
    },
    /// The layout directory itself cannot be resolved.
    #[error("the layout directory: {0}")]
    Layout(std::io::Error),
    /// The name resolves (through a symlink) to a path outside the layout directory.
    #[error("{:?} leads out of the layout directory", truncate(.0))]
    OutsideLayout(String),
    /// The name resolves to something other than a regular file (a directory, a FIFO, a
    /// device).
    #[error("{:?} is not a regular file", truncate(.0))]
    NotAFile(String),
}

/// The blob path of a digest in an image layout (`blobs/ALGORITHM/ENCODED`), or
/// [`BlobNameError::InvalidDigest`] when it is not a valid digest.
pub fn blob_path(digest: &str) -> Result<String, BlobNameError> {
    if !valid_digest(digest) {
        return Err(BlobNameError::InvalidDigest(digest.to_string()));
    }
    let (algorithm, encoded) = digest.split_once(':').unwrap_or((digest, ""));
    Ok(format!("blobs/{algorithm}/{encoded}"))
}

/// Resolves `name` (a relative, `/`-separated path from a manifest) inside the layout
/// directory `root`: no absolute path, no `..`, no symlink that leads out of `root`, and only
/// a regular file (never a FIFO or a device that could block or never end).
pub fn contained_path(root: &Path, name: &str) -> Result<PathBuf, BlobNameError> {
    let relative = Path::new(name);
    if name.is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(BlobNameError::NotRelative(name.to_string()));
    }
    let unreadable = |error| BlobNameError::Unreadable {
        name: name.to_string(),
        error,
    };
    let joined = root.join(relative);
    let resolved = std::fs::canonicalize(&joined).map_err(unreadable)?;
    let root = std::fs::canonicalize(root).map_err(BlobNameError::Layout)?;
    if !resolved.starts_with(&root) {
        return Err(BlobNameError::OutsideLayout(name.to_string()));
    }
    let meta = std::fs::metadata(&resolved).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(BlobNameError::NotAFile(name.to_string()));
    }
    Ok(resolved)
}

/// At most 100 characters of a hostile name, for messages.
fn truncate(name: &str) -> &str {
    match name.char_indices().nth(100) {
        Some((at, _)) => &name[..at],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        let hex = "a".repeat(64);
        assert!(valid_digest(&format!("sha256:{hex}")));
        assert!(valid_digest("sha512+b64u:abc=_-"));
        for bad in [
            "sha256:../../etc/passwd",
            "/etc/passwd",
            "sha256:/dev/zero",
            ":abc",
            "sha256:",
            "SHA256:abc",
            "sha256:a/b",
            "sha256:a\u{1b}b",
        ] {
            assert!(!valid_digest(bad), "{bad}");
            assert!(
                matches!(blob_path(bad), Err(BlobNameError::InvalidDigest(d)) if d == bad),
                "{bad}"
            );
        }
        assert_eq!(
            blob_path("sha256:../x").unwrap_err().to_string(),
            r#"invalid digest "sha256:../x""#
        );
        let long = format!("sha256:{}/", "a".repeat(200));
        let message = blob_path(&long).unwrap_err().to_string();
        assert_eq!(message, format!("invalid digest \"sha256:{}\"", "a".repeat(93)));
        assert_eq!(
            blob_path(&format!("sha256:{hex}")).unwrap(),
            format!("blobs/sha256/{hex}")
        );
    }

    #[cfg(unix)]
    #[test]
    fn names_stay_inside_the_layout() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("host"), "x").unwrap();
        std::fs::create_dir(root.path().join("blobs")).unwrap();
        std::fs::write(root.path().join("blobs/ok"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("host"), root.path().join("blobs/out")).unwrap();
        std::os::unix::fs::symlink("/dev/null", root.path().join("blobs/dev")).unwrap();
        assert!(contained_path(root.path(), "blobs/ok").is_ok());
        for bad in ["../x", "/etc/passwd", "blobs/../../x", ""] {
            let err = contained_path(root.path(), bad).unwrap_err();
            assert!(matches!(err, BlobNameError::NotRelative(_)), "{bad}: {err}");
        }
        for bad in ["blobs/out", "blobs/dev"] {
            let err = contained_path(root.path(), bad).unwrap_err();
            assert!(matches!(err, BlobNameError::OutsideLayout(_)), "{bad}: {err}");
        }
        let err = contained_path(root.path(), "blobs/out").unwrap_err();
        assert_eq!(err.to_string(), r#""blobs/out" leads out of the layout directory"#);
        let err = contained_path(root.path(), "blobs").unwrap_err();
        assert!(matches!(err, BlobNameError::NotAFile(_)), "{err}");
        let err = contained_path(root.path(), "blobs/missing").unwrap_err();
        assert!(
            matches!(&err, BlobNameError::Unreadable { name, .. } if name == "blobs/missing"),
            "{err}"
        );
        assert!(err.to_string().starts_with("`blobs/missing`: "), "{err}");
    }
}
