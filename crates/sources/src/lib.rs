//! # leakscan-sources
//!
//! Sources enumerate inputs and push their bytes to a [`BlobVisitor`]: a directory tree
//! ([`FsSource`]), git history and staged changes ([`GitRepo`]), container images
//! ([`image::ImageSource`], from files or a registry), archives ([`archive`]) and streams
//! ([`stream`]). Each blob carries its [`Origin`]; memory stays bounded by the process-wide
//! [`budget`].

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod budget;

pub mod archive;
pub mod blob_name;
mod fs;
mod git;
pub mod image;
pub mod registry;
mod source;
pub mod stream;

pub use fs::{FsSource, LEAKSCAN_IGNORE_FILE, VisitOptions, WalkSummary};
pub use git::{DEFAULT_OBJECT_ALLOC_LIMIT, GitOptions, GitRepo, discover_isolated, object_alloc_limit};
pub use leakscan_model::origin::{logical_base, relative_slash_path};
pub use leakscan_model::{
    CommitInfo, HeadState, HistoryBlob, HistorySummary, LayerInfo, Occurrence, Origin, OriginKind, Provenance,
    SkipReason, Skipped, StagedSummary,
};
pub use source::{Amend, GitHistory, GitStaged, NamedBytes, Source, StreamSource, Visited};

use leakscan_model::ScanError;

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

/// Receives what a source finds. Implementations must be thread-safe: sources call it from
/// many threads at once.
pub trait BlobVisitor: Sync {
    /// One blob to scan.
    fn blob(&self, blob: Blob<'_>);
    /// An input skipped by policy.
    fn skipped(&self, skipped: Skipped);
    /// A per-item error; the source goes on with the rest.
    fn error(&self, error: ScanError);
    /// A stream too large or open-ended to hold (standard input, a pipe), read to its end.
    /// The default reads it whole and passes it to [`BlobVisitor::blob`]; the scan engine
    /// reads it in overlapping windows instead, in bounded memory.
    fn stream(&self, origin: Origin, reader: &mut dyn std::io::Read) -> std::io::Result<()> {
        let mut data = Vec::new();
        reader.read_to_end(&mut data)?;
        self.blob(Blob {
            origin,
            data: &data,
            previous: None,
        });
        Ok(())
    }
}
