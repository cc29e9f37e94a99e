//! The [`Source`] trait: anything that can be scanned pushes its blobs to a [`BlobVisitor`]
//! and says what it saw ([`Visited`]). The engine has one entry point over any source.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leakscan_model::notification::Notification;
use leakscan_model::{Error, Finding, LaterVersion, Origin, Provenance, ScanError, ScanErrorKind, SourceSummary};

use crate::image::{ImageSource, LayerKey, shadowed};
use crate::{Blob, BlobVisitor, FsSource, GitOptions, GitRepo, VisitOptions, object_alloc_limit};

/// Something to scan: a directory tree, a git history, staged changes, an image, a stream,
/// bytes in memory. `visit` pushes every blob (and every skip and per-item error) to the
/// visitor, from as many threads as it likes, and returns what it saw.
pub trait Source {
    /// Pushes the source's content to `visitor`. `Err` only when nothing trustworthy can be
    /// scanned (a missing root, not a repository); per-item trouble goes to
    /// [`BlobVisitor::error`] and the visit goes on.
    fn visit<'s>(&'s self, options: &VisitOptions, visitor: &dyn BlobVisitor) -> Result<Visited<'s>, Error>;
}

/// Amends the findings of a source after every blob was scanned, with facts known only at
/// the end (every commit holding a blob, files a later image layer deletes); per-item
/// trouble goes to the visitor.
pub type Amend<'s> = Box<dyn FnOnce(&mut Vec<Finding>, &dyn BlobVisitor) -> Result<(), Error> + 's>;

/// What a visit saw besides blobs.
pub struct Visited<'s> {
    /// The kind of source and its facts (history: commits, branch; staged: changed files).
    pub summary: SourceSummary,
    /// The directory SARIF URIs are relative to (`%SRCROOT%`), if any.
    pub base: Option<Arc<Path>>,
    /// What the user should know about how the source was read (files kept out by
    /// `.leakscanignore`).
    pub notifications: Vec<Notification>,
    /// Run on the findings after every blob was scanned, before they are reported.
    pub amend: Option<Amend<'s>>,
}

impl std::fmt::Debug for Visited<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Visited")
            .field("summary", &self.summary)
            .field("base", &self.base)
            .field("notifications", &self.notifications)
            .field("amend", &self.amend.is_some())
            .finish()
    }
}

impl Visited<'_> {
    /// A visit with a summary and nothing else.
    pub fn of(summary: SourceSummary) -> Visited<'static> {
        Visited {
            summary,
            base: None,
            notifications: Vec::new(),
            amend: None,
        }
    }
}

impl Source for FsSource {
    fn visit<'s>(&'s self, options: &VisitOptions, visitor: &dyn BlobVisitor) -> Result<Visited<'s>, Error> {
        let walked = self.walk(options, visitor);
        let mut visited = Visited::of(SourceSummary::Tree);
        visited.base = self.primary_base();
        if !walked.ignore_files.is_empty() {
            // What the tree's own ignore files keep out of the scan is said, never silent.
            let all = self.count_entries(&VisitOptions {
                leakscan_ignore: false,
                ..options.clone()
            });
            visited
                .notifications
                .push(walked.ignore_file_notification(all.saturating_sub(walked.files)));
        }
        Ok(visited)
    }
}

/// The full history of a git repository: every blob reachable from any ref (or from
/// `options.branch`), once, attributed to the commit and path that first introduced it;
/// with `all_occurrences`, every (commit, path) holding a blob with a finding.
#[derive(Debug, Clone)]
pub struct GitHistory {
    /// The repository (or a directory inside it).
    pub path: PathBuf,
    /// `threads` and `max_blob_size` default to the scan's when zero.
    pub options: GitOptions,
}

impl Source for GitHistory {
    fn visit<'s>(&'s self, scan: &VisitOptions, visitor: &dyn BlobVisitor) -> Result<Visited<'s>, Error> {
        let mut options = self.options.clone();
        if options.threads == 0 {
            options.threads = scan.threads.max(1);
        }
        if options.max_blob_size == 0 {
            options.max_blob_size = scan.max_file_size;
        }
        options.memory = scan.memory.clone();
        let git = GitRepo::open_limited(&self.path, object_alloc_limit(options.max_blob_size))?;
        let summary = git.visit_history(&options, visitor)?;
        let mut visited = Visited::of(SourceSummary::History(summary));
        visited.base = Some(git.base());
        visited.amend = Some(Box::new(
            move |findings: &mut Vec<Finding>, visitor: &dyn BlobVisitor| {
                one_finding_per_secret_and_path(findings);
                if options.all_occurrences {
                    let targets: HashSet<String> = findings
                        .iter()
                        .filter_map(|f| f.origin.blob_id().map(str::to_string))
                        .collect();
                    let found = git.occurrences(&targets, &options, visitor)?;
                    for f in findings.iter_mut() {
                        if let Provenance::History(h) = &mut f.origin.provenance
                            && let Some(list) = found.get(&h.blob_id)
                        {
                            Arc::make_mut(h).occurrences = Some(Arc::new(list.clone()));
                        }
                    }
                }
                Ok(())
            },
        ));
        Ok(visited)
    }
}

/// A secret in a file edited many times is one finding, not one per version: history findings
/// with the same fingerprint (rule, secret, path) and the same suppression state collapse into
/// the one of the earliest commit (by author date, then parents before children), which lists the later
/// versions that still carry the secret. Suppressed and active findings stay apart, so a version
/// that lost its allow marker is still reported.
fn one_finding_per_secret_and_path(findings: &mut Vec<Finding>) {
    let mut groups: HashMap<(&str, bool), Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if matches!(f.origin.provenance, Provenance::History(_)) {
            groups.entry((&f.fingerprint, f.is_suppressed())).or_default().push(i);
        }
    }
    let key = |f: &Finding| match &f.origin.provenance {
        Provenance::History(h) => (h.commit.date.clone(), h.commit.walk_order),
        _ => (String::new(), 0),
    };
    let mut merged: Vec<(usize, Vec<usize>)> = Vec::new();
    for (_, mut members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        members.sort_by_key(|&i| key(&findings[i]));
        let first = members.remove(0);
        merged.push((first, members));
    }
    if merged.is_empty() {
        return;
    }
    let mut dropped = vec![false; findings.len()];
    for (first, later) in merged {
        let versions: Vec<LaterVersion> = later
            .iter()
            .filter_map(|&i| match &findings[i].origin.provenance {
                Provenance::History(h) => Some(LaterVersion {
                    commit: h.commit.id.clone(),
                    date: h.commit.date.clone(),
                    blob_id: h.blob_id.clone(),
                }),
                _ => None,
            })
            .collect();
        for &i in &later {
            dropped[i] = true;
        }
        if let Provenance::History(h) = &mut findings[first].origin.provenance {
            Arc::make_mut(h).later = versions;
        }
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        !dropped[i - 1]
    });
}

/// Exactly the staged changes of a git repository (for a pre-commit hook): each index entry
/// whose blob differs from HEAD's, with HEAD's version as [`Blob::previous`].
#[derive(Debug, Clone)]
pub struct GitStaged {
    /// The repository (or a directory inside it).
    pub path: PathBuf,
}

impl Source for GitStaged {
    fn visit<'s>(&'s self, scan: &VisitOptions, visitor: &dyn BlobVisitor) -> Result<Visited<'s>, Error> {
        let git = GitRepo::open_limited(&self.path, object_alloc_limit(scan.max_file_size))?;
        let summary = git.visit_staged(visitor)?;
        let mut visited = Visited::of(SourceSummary::Staged(summary));
        visited.base = Some(git.base());
        Ok(visited)
    }
}

impl Source for ImageSource {
    fn visit<'s>(&'s self, scan: &VisitOptions, visitor: &dyn BlobVisitor) -> Result<Visited<'s>, Error> {
        let shadows: HashMap<LayerKey, Vec<String>> = self.visit_layers(scan, visitor).into_iter().collect();
        let mut visited = Visited::of(SourceSummary::Image);
        visited.base = self.base();
        // A file that a later layer deletes or replaces still ships in the lower layer: marked.
        visited.amend = Some(Box::new(move |findings: &mut Vec<Finding>, _: &dyn BlobVisitor| {
            for f in findings.iter_mut() {
                let Provenance::ImageLayer(layer) = &mut f.origin.provenance else {
                    continue;
                };
                let key = LayerKey {
                    image: layer.image.clone(),
                    digest: layer.digest.clone(),
                };
                let in_layer = f.origin.logical.split("!/").nth(1).unwrap_or_default();
                if shadows.get(&key).is_some_and(|above| shadowed(in_layer, above)) {
                    Arc::make_mut(layer).deleted_later = true;
                }
            }
            Ok(())
        }));
        Ok(visited)
    }
}

/// A stream (standard input, a pipe, a log of any size), named `label` in findings. The
/// visitor reads it ([`BlobVisitor::stream`]); the engine does so in overlapping windows with
/// bounded memory. A read error ends the stream and is reported; what was read is kept.
pub struct StreamSource<R> {
    label: String,
    reader: RefCell<Option<R>>,
}

impl<R> std::fmt::Debug for StreamSource<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSource").field("label", &self.label).finish()
    }
}

impl<R: Read> StreamSource<R> {
    /// The stream `reader`, named `label`. It is read by the first visit only.
    pub fn new(label: &str, reader: R) -> StreamSource<R> {
        StreamSource {
            label: label.to_string(),
            reader: RefCell::new(Some(reader)),
        }
    }
}

impl<R: Read> Source for StreamSource<R> {
    fn visit<'s>(&'s self, _: &VisitOptions, visitor: &dyn BlobVisitor) -> Result<Visited<'s>, Error> {
        if let Some(mut reader) = self.reader.borrow_mut().take()
            && let Err(e) = visitor.stream(Origin::label(&self.label), &mut reader)
        {
            visitor.error(ScanError {
                path: self.label.clone(),
                kind: ScanErrorKind::Unreadable,
                message: e.to_string(),
            });
        }
        Ok(Visited::of(SourceSummary::Stream))
    }
}

/// Named byte slices in memory, scanned as one scan (so that cross-file checks, such as the
/// reuse of one secret across environments, see all of them).
#[derive(Debug, Clone, Copy)]
pub struct NamedBytes<'a>(pub &'a [(&'a str, &'a [u8])]);

impl Source for NamedBytes<'_> {
    fn visit<'s>(&'s self, _: &VisitOptions, visitor: &dyn BlobVisitor) -> Result<Visited<'s>, Error> {
        for (label, data) in self.0 {
            visitor.blob(Blob {
                origin: Origin::label(label),
                data,
                previous: None,
            });
        }
        Ok(Visited::of(SourceSummary::Bytes))
    }
}
