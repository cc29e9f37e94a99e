//! The scanner: settings, the engine that turns blobs into findings, and the report.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use leakscan_filter::baseline::BaselineMatcher;
use leakscan_filter::chain::{FindingFilters, FindingSubject};
use leakscan_filter::config::ConfigFilter;
use leakscan_filter::inline::{InlineMarkers, MarkerLines};
use leakscan_model::error::{Error, ScanError, ScanErrorKind};
use leakscan_model::finding::Finding;
use leakscan_model::location::{Positions, line_end_within, nth_line_start};
use leakscan_model::{Lowering, RuleCatalog, ScanReport, ScanStats, SourceSummary};
use leakscan_rules::RuleSet;
use leakscan_rules::detect::Candidate;
use leakscan_rules::detect::Detector;
use leakscan_rules::detect::Suppression;
use leakscan_rules::detect::decode;
use leakscan_sources::archive::{self, ArchiveError, ArchiveLimits, Budget};
use leakscan_sources::budget::MemoryBudget;
use leakscan_sources::stream::{STREAM_CHUNK, Windowed};
use leakscan_sources::{
    Blob, BlobVisitor, FsSource, NamedBytes, Origin, OriginKind, SkipReason, Skipped, Source, StreamSource,
    VisitOptions,
};
use std::ops::Range;

/// Resolved scan settings. `Default` gives the CLI's defaults.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
    /// Files larger than this are skipped and reported (bytes).
    pub max_file_size: u64,
    /// Do not honour `.gitignore`, `.ignore` and `.leakscanignore`.
    pub no_ignore: bool,
    /// Honour `.leakscanignore` files (`false`: `--no-repo-config`, the scanned tree does not
    /// decide what is scanned; `.gitignore` still applies). When they exclude anything, the
    /// report says how much.
    pub repo_ignore_files: bool,
    /// Follow symbolic links while walking.
    pub follow_symlinks: bool,
    /// Apply `.leakscanignore` to files named as roots too (`--ignore-named-files`).
    pub ignore_named_files: bool,
    /// Warn about `leakscan:allow` markers that suppress nothing.
    pub report_unused_allows: bool,
    /// Archive expansion limits (`max_depth` 0 scans archives as raw bytes).
    pub archives: ArchiveLimits,
    /// Run the secret rules (regexes).
    pub secrets: bool,
    /// Run the configuration checks (CI workflows, Dockerfiles, manifests, committed files,
    /// cross-environment reuse).
    pub config_checks: bool,
    /// Scan only the files of this share (`--shard K/N`): files are assigned by their path
    /// relative to the root they were found under (see [`leakscan_model::shard`]).
    pub shard: Option<leakscan_model::shard::Shard>,
    /// Budget for large items (files, blobs, archive members over 8 MiB) in memory at once,
    /// in bytes (see [`leakscan_sources::budget`]); each [`Scanner`] has its own.
    pub max_in_flight: u64,
    /// Stop searching one file or blob after this long and report it as timed out (findings
    /// before the limit are kept; the scan is incomplete). `None`: no limit. Streams (stdin)
    /// have no limit.
    pub file_timeout: Option<Duration>,
    /// Ask each finding's provider whether the credential is live (`--verify`); `None` (the
    /// default): no network connection is ever made.
    pub verify: Option<leakscan_verify::VerifyOptions>,
}

/// The default per-file time limit: far above what any file within the default size limit
/// needs (256 MiB of keyword-dense text scans in well under a minute), so it only stops
/// pathological cases.
pub const DEFAULT_FILE_TIMEOUT: Duration = Duration::from_secs(120);

impl Default for ScanSettings {
    fn default() -> ScanSettings {
        ScanSettings {
            threads: 0,
            max_file_size: 256 * 1024 * 1024,
            no_ignore: false,
            repo_ignore_files: true,
            follow_symlinks: false,
            ignore_named_files: false,
            report_unused_allows: false,
            archives: ArchiveLimits::default(),
            secrets: true,
            config_checks: true,
            shard: None,
            max_in_flight: leakscan_sources::budget::DEFAULT_IN_FLIGHT,
            file_timeout: Some(DEFAULT_FILE_TIMEOUT),
            verify: None,
        }
    }
}

impl ScanSettings {
    /// The effective thread count.
    pub fn effective_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}

/// Live counters a caller can poll from another thread (for a progress bar).
#[derive(Debug, Default)]
pub struct Progress {
    /// Blobs scanned so far.
    pub blobs: AtomicU64,
    /// Bytes scanned so far.
    pub bytes: AtomicU64,
    /// Unsuppressed findings so far.
    pub findings: AtomicU64,
}

/// Builder for a [`Scanner`].
#[derive(Debug, Default)]
pub struct ScannerBuilder {
    rules: Option<RuleSet>,
    settings: ScanSettings,
    config_filter: Option<ConfigFilter>,
    baseline: Option<BaselineMatcher>,
}

impl ScannerBuilder {
    /// Use these rules instead of the built-in pack.
    pub fn rules(mut self, rules: RuleSet) -> ScannerBuilder {
        self.rules = Some(rules);
        self
    }

    /// Use these settings.
    pub fn settings(mut self, settings: ScanSettings) -> ScannerBuilder {
        self.settings = settings;
        self
    }

    /// Suppress findings that the configuration's allowlists and rule scopes allow.
    pub fn config_filter(mut self, filter: ConfigFilter) -> ScannerBuilder {
        self.config_filter = Some(filter);
        self
    }

    /// Suppress findings known to this baseline (unless their entry expired).
    pub fn baseline(mut self, baseline: BaselineMatcher) -> ScannerBuilder {
        self.baseline = Some(baseline);
        self
    }

    /// Compiles the built-in rules when none were given.
    pub fn build(self) -> Result<Scanner, Error> {
        let rules = match self.rules {
            Some(r) => r,
            None => RuleSet::builtin()?,
        };
        let report_unused_allows = self.settings.report_unused_allows;
        let (secrets, config_checks) = (self.settings.secrets, self.settings.config_checks);
        let file_timeout = self.settings.file_timeout;
        let memory = MemoryBudget::new(self.settings.max_in_flight);
        let verifier = match &self.settings.verify {
            Some(options) => Some(
                leakscan_verify::Verifier::new(options.clone())
                    .map_err(|e| Error::Settings(format!("verification: {e}")))?,
            ),
            None => None,
        };
        let archives = (self.settings.archives.max_depth > 0).then_some(self.settings.archives);
        Ok(Scanner {
            catalog: std::sync::OnceLock::new(),
            rules,
            settings: self.settings,
            filters: Filters {
                chain: FindingFilters::new(self.config_filter, self.baseline),
                report_unused_allows,
                archives,
                secrets,
                config_checks,
                file_timeout,
                verify: verifier.is_some(),
                memory,
            },
            verifier,
        })
    }
}

/// Scans paths, byte slices and readers with one compiled [`RuleSet`]. `Sync`: share it freely.
///
/// ```
/// use leakscan_engine::Scanner;
///
/// let scanner = Scanner::builder().build()?;
/// let token = format!("ghp_{}", "Q8mZt2rK9vLw4XbN7cPd1sHy6JfGa3Ue0TkR");
/// let findings = scanner.scan_bytes("config.py", format!("token = '{token}'\n").as_bytes());
/// assert!(findings.iter().any(|f| f.rule_id == "github-pat-classic"));
/// assert_eq!(findings[0].start.line, 1);
/// # Ok::<(), leakscan_model::Error>(())
/// ```
#[derive(Debug)]
pub struct Scanner {
    rules: RuleSet,
    /// The rules' metadata, for reporters (made on first use: scans that write no report,
    /// such as `scan_bytes`, never build it).
    catalog: std::sync::OnceLock<RuleCatalog>,
    /// Asks providers about findings, when verification is on (`ScanSettings::verify`).
    verifier: Option<leakscan_verify::Verifier>,
    settings: ScanSettings,
    filters: Filters,
}

/// What the engine applies after detection, from the settings: the finding chain of the
/// filter chain (see [`leakscan_filter::chain`]), and what to scan and how long.
#[derive(Debug, Default)]
struct Filters {
    /// Inline allows, already-committed secrets, configuration allowlists, the baseline.
    chain: FindingFilters,
    report_unused_allows: bool,
    /// Archive expansion limits; `None` scans archives as raw bytes.
    archives: Option<ArchiveLimits>,
    /// Run the secret rules.
    secrets: bool,
    /// Run the configuration checks.
    config_checks: bool,
    /// The per-file time limit.
    file_timeout: Option<Duration>,
    /// Keep the capture groups of matches for verification (`ScanSettings::verify`).
    verify: bool,
    /// This scanner's budget for large items in memory (shared by its scans).
    memory: MemoryBudget,
}

impl Scanner {
    /// A builder with the built-in rules and default settings.
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    /// The rules in use.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// What reports say about the rules in use (their metadata, for a reporter).
    pub fn catalog(&self) -> &RuleCatalog {
        self.catalog.get_or_init(|| self.rules.catalog())
    }

    /// The settings in use.
    pub fn settings(&self) -> &ScanSettings {
        &self.settings
    }

    /// Scans any [`Source`]: the one entry point. The source pushes its blobs to the engine
    /// (archives inside them are expanded, text is detected, configuration files checked,
    /// findings filtered), its `amend` step runs on the findings, and the report carries the
    /// source's summary, base directory and notifications. Fatal only when the source says
    /// nothing trustworthy can be scanned; per-item problems are collected in the report.
    pub fn scan(&self, source: &dyn Source, progress: &Progress) -> Result<ScanReport, Error> {
        let started = Instant::now();
        let engine = Engine::new(&self.rules, &self.filters, progress, self.settings.effective_threads());
        let visited = source.visit(&self.visit_options(), &engine)?;
        if let Some(amend) = visited.amend {
            // Taken out of the lock: amending may report errors to the engine.
            let mut findings = std::mem::take(&mut *lock(&engine.findings));
            let amended = amend(&mut findings, &engine);
            *lock(&engine.findings) = findings;
            amended?;
        }
        let groups = std::mem::take(&mut *lock(&engine.verify_groups));
        let mut report = engine.finish(started.elapsed());
        if let Some(verifier) = &self.verifier {
            crate::verification::verify_findings(verifier, &self.rules, &mut report.findings, &groups);
        }
        report.base = visited.base;
        report.notifications.extend(visited.notifications);
        report.source = visited.summary;
        if let SourceSummary::History(history) = &mut report.source
            && let Some(branch) = &history.branch
        {
            // The branch name is a ref name: repository content, shown masked (SARIF, JSON).
            history.branch = Some(crate::metadata::MetadataMasker::new(&self.rules).mask(branch));
        }
        Ok(report)
    }

    /// What every source is told about this scan's limits and walk.
    fn visit_options(&self) -> VisitOptions {
        VisitOptions {
            threads: self.settings.effective_threads(),
            max_file_size: self.settings.max_file_size,
            no_ignore: self.settings.no_ignore,
            leakscan_ignore: self.settings.repo_ignore_files,
            follow_symlinks: self.settings.follow_symlinks,
            ignore_named_files: self.settings.ignore_named_files,
            shard: self.settings.shard,
            memory: self.filters.memory.clone(),
        }
    }

    /// Scans files and directories ([`FsSource`] through [`Scanner::scan`]). Fatal when a
    /// root does not exist or cannot be read; per-file problems are collected in the report.
    pub fn scan_paths(&self, paths: &[PathBuf]) -> Result<ScanReport, Error> {
        self.scan(&FsSource::new(paths)?, &Progress::default())
    }

    /// Why line `line` (1-based) of `path` is or is not reported: its findings with their
    /// suppressions (the scan is the same as [`Scanner::scan_paths`] with this scanner's
    /// filters), matches dropped for low entropy, and rules whose keyword is on the line but
    /// whose pattern does not match there.
    pub fn explain_line(&self, path: &Path, line: usize) -> Result<LineExplanation, Error> {
        let report = self.scan_paths(&[path.to_path_buf()])?;
        if let Some(e) = report.errors.first() {
            return Err(Error::RootUnreadable {
                path: path.to_path_buf(),
                source: std::io::Error::other(e.message.clone()),
            });
        }
        let findings: Vec<Finding> = report
            .findings
            .into_iter()
            .filter(|f| f.start.line <= line && line <= f.end.line)
            .collect();
        let data = std::fs::read(path).map_err(|source| Error::RootUnreadable {
            path: path.to_path_buf(),
            source,
        })?;
        let rules = self.rules.rules();
        let diagnostic: Vec<Candidate> = Detector::diagnostic(&self.rules).detect(&data);
        let positions = Positions::locate(&data, diagnostic.iter().map(|c| c.secret.start));
        let mut low_entropy = Vec::new();
        for c in &diagnostic {
            if let Some(Suppression::LowEntropy(detail)) = &c.suppression
                && positions.at(c.secret.start).line == line
            {
                low_entropy.push((rules[c.rule].id.clone(), detail.clone()));
            }
        }
        let mut keyword_only = Vec::new();
        if let Some(start) = nth_line_start(&data, line) {
            let (end, _) = line_end_within(&data, start, data.len());
            let text = data[start..end].to_ascii_lowercase();
            for rule in rules {
                let explained =
                    findings.iter().any(|f| f.rule_id == rule.id) || low_entropy.iter().any(|(id, _)| *id == rule.id);
                if explained {
                    continue;
                }
                if let Some(k) = rule
                    .keywords
                    .iter()
                    .find(|k| memchr::memmem::find(&text, k.as_bytes()).is_some())
                {
                    keyword_only.push((rule.id.clone(), k.clone()));
                }
            }
        }
        Ok(LineExplanation {
            findings,
            low_entropy,
            keyword_only,
            filters: leakscan_filter::chain::stage_names(&self.filters.chain),
        })
    }

    /// Scans one in-memory buffer; `label` names it in findings. Returns every finding,
    /// suppressed ones included.
    pub fn scan_bytes(&self, label: &str, data: &[u8]) -> Vec<Finding> {
        self.scan_named(&[(label, data)])
    }

    /// Scans several named byte slices as one scan ([`NamedBytes`] through
    /// [`Scanner::scan`]), so that cross-file checks such as the reuse of one secret across
    /// environments see all of them.
    pub fn scan_named(&self, files: &[(&str, &[u8])]) -> Vec<Finding> {
        // Bytes in memory cannot fail to be visited.
        self.scan(&NamedBytes(files), &Progress::default())
            .map(|report| report.findings)
            .unwrap_or_default()
    }

    /// Scans a stream (stdin, a pipe, a log of any size) in overlapping windows with bounded
    /// memory, decompressing gzip, zstd, bzip2 or xz on the fly; `label` names it in findings
    /// ([`StreamSource`] through [`Scanner::scan`]). Line numbers and byte offsets are
    /// stream-wide. A read error ends the scan of the stream and is reported (findings before
    /// it are kept).
    pub fn scan_reader(&self, label: &str, reader: impl Read) -> ScanReport {
        // A stream's visit reports read errors in the report; it is never fatal.
        self.scan(&StreamSource::new(label, reader), &Progress::default())
            .unwrap_or_default()
    }
}

/// One window of a stream, copied out of the reader's buffer for a detection worker.
struct StreamWindow {
    /// Position in the stream (0, 1, 2, …).
    seq: usize,
    /// The window's bytes: look-back, the owned range, look-ahead.
    data: Vec<u8>,
    /// The range of `data` this window owns.
    owned: Range<usize>,
    /// Absolute offset of `data[0]`.
    base: u64,
    /// Newlines before `data[0]`.
    lines_before: usize,
}

/// Reports detected windows in stream order, dropping matches already seen from the window
/// before (a match near a boundary is found from both sides).
struct StreamOrder<'e, 'a> {
    engine: &'e Engine<'a>,
    origin: &'e Origin,
    margin: usize,
    next: usize,
    waiting: BTreeMap<usize, (StreamWindow, Detected)>,
    seen: std::collections::HashSet<(usize, u64, u64)>,
    /// Buffers of reported windows, reused for the next ones (no allocation per window).
    spare: Vec<Vec<u8>>,
}

impl<'e, 'a> StreamOrder<'e, 'a> {
    fn new(engine: &'e Engine<'a>, origin: &'e Origin, margin: usize) -> StreamOrder<'e, 'a> {
        StreamOrder {
            engine,
            origin,
            margin,
            next: 0,
            waiting: BTreeMap::new(),
            seen: std::collections::HashSet::new(),
            spare: Vec::new(),
        }
    }

    fn accept(&mut self, done: (StreamWindow, Detected)) {
        self.waiting.insert(done.0.seq, done);
        while let Some((window, mut detected)) = self.waiting.remove(&self.next) {
            let candidates = &mut detected.candidates;
            self.next += 1;
            let base = window.base;
            candidates.sort_by_key(|c| (c.secret.start, c.rule, c.secret.end));
            candidates.retain(|c| {
                self.seen
                    .insert((c.rule, base + c.secret.start as u64, base + c.secret.end as u64))
            });
            Detector::new(self.engine.rules).resolve_overlaps(candidates);
            let margin = self.margin as u64;
            self.seen.retain(|&(_, _, end)| end + margin >= base);
            self.engine
                .progress
                .bytes
                .fetch_add(window.owned.len() as u64, Ordering::Relaxed);
            let blob = Blob {
                origin: self.origin.clone(),
                data: &window.data,
                previous: None,
            };
            let shift = Shift {
                lines: window.lines_before,
                bytes: base as usize,
            };
            self.engine.report(&blob, detected, window.owned.clone(), shift);
            self.spare.push(window.data);
        }
    }
}

/// What [`Scanner::explain_line`] found out about one line.
#[derive(Debug, Clone, Default)]
pub struct LineExplanation {
    /// Findings on the line, suppressed ones included (with the reason).
    pub findings: Vec<Finding>,
    /// (rule id, "entropy < minimum") for pattern matches with too little entropy to report.
    pub low_entropy: Vec<(String, String)>,
    /// (rule id, keyword) for rules whose keyword is on the line but whose pattern does not
    /// match there.
    pub keyword_only: Vec<(String, String)>,
    /// The filter chain's stages, in the order they run (the first that suppresses decides).
    pub filters: Vec<&'static str>,
}

/// Turns blobs into findings; the [`BlobVisitor`] every source feeds.
struct Engine<'a> {
    rules: &'a RuleSet,
    filters: &'a Filters,
    progress: &'a Progress,
    /// Detection workers for a stream.
    threads: usize,
    warnings: Mutex<Vec<String>>,
    findings: Mutex<Vec<Finding>>,
    skipped: Mutex<Vec<Skipped>>,
    errors: Mutex<Vec<ScanError>>,
    /// Capture groups of matches to verify, by (rule id, secret id).
    verify_groups: Mutex<crate::verification::Groups>,
}

impl<'a> Engine<'a> {
    fn new(rules: &'a RuleSet, filters: &'a Filters, progress: &'a Progress, threads: usize) -> Engine<'a> {
        Engine {
            rules,
            filters,
            progress,
            threads,
            warnings: Mutex::new(Vec::new()),
            findings: Mutex::new(Vec::new()),
            skipped: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
            verify_groups: Mutex::new(Default::default()),
        }
    }

    fn finish(self, elapsed: Duration) -> ScanReport {
        if self.filters.config_checks
            && let Some(rule) = self.rules.get(leakscan_checks::reuse::RULE_ID)
        {
            let config = self.filters.chain.config();
            let configured = |path: &str| config.and_then(|c| c.environment_of(path));
            let reused = leakscan_checks::reuse::find(&lock(&self.findings), rule, &configured);
            for mut f in reused {
                self.apply_filters(&mut f);
                lock(&self.findings).push(f);
            }
        }
        let mut findings = self.findings.into_inner().unwrap_or_else(|p| p.into_inner());
        // Commit and image metadata are scanned input too: shown masked in every format.
        crate::metadata::MetadataMasker::new(self.rules).mask_findings(&mut findings);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut skipped = self.skipped.into_inner().unwrap_or_else(|p| p.into_inner());
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        let mut errors = self.errors.into_inner().unwrap_or_else(|p| p.into_inner());
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        let mut per_reason = BTreeMap::new();
        for s in &skipped {
            *per_reason.entry(s.reason).or_insert(0) += 1;
        }
        let suppressed = findings.iter().filter(|f| f.is_suppressed()).count() as u64;
        let mut warnings = self.warnings.into_inner().unwrap_or_else(|p| p.into_inner());
        warnings.sort();
        warnings.dedup();
        let stats = ScanStats {
            blobs: self.progress.blobs.load(Ordering::Relaxed),
            bytes: self.progress.bytes.load(Ordering::Relaxed),
            findings: findings.len() as u64 - suppressed,
            suppressed,
            skipped: per_reason,
            errors: errors.len() as u64,
            elapsed,
        };
        ScanReport {
            findings,
            skipped,
            errors,
            stats,
            base: None,
            source: SourceSummary::default(),
            warnings,
            notifications: Vec::new(),
        }
    }
}

impl Engine<'_> {
    /// Warns about markers (inside `owned`) naming unknown rules, and (when asked) markers
    /// that allowed nothing.
    fn check_markers(
        &self,
        blob: &Blob<'_>,
        markers: &MarkerLines<'_>,
        used: &std::collections::HashSet<usize>,
        owned: &Range<usize>,
        line_shift: usize,
    ) {
        let mut warnings = Vec::new();
        for (line, m) in markers.iter().filter(|(_, m)| owned.contains(&m.offset)) {
            let name = m.kind.as_str();
            // A name in the marker is repository content: shown masked if it looks like a token.
            let shown_line = line + line_shift;
            for id in m.rules.iter().flatten() {
                if self.rules.get(id).is_none() {
                    warnings.push(format!(
                        "{}:{shown_line}: `{name}` names unknown rule `{}`",
                        blob.origin.display,
                        leakscan_model::mask::shown(id)
                    ));
                }
            }
            if self.filters.report_unused_allows && !used.contains(&line) {
                warnings.push(format!(
                    "{}:{shown_line}: `{name}` suppresses nothing (remove it)",
                    blob.origin.display
                ));
            }
        }
        if !warnings.is_empty() {
            lock(&self.warnings).extend(warnings);
        }
    }

    /// The finding chain for a finding made outside a blob's scan (the reuse check): no
    /// inline markers, no previous version.
    fn apply_filters(&self, f: &mut Finding) {
        let markers = MarkerLines::default();
        let used = std::cell::RefCell::default();
        let subject = FindingSubject {
            finding: f,
            lines: [f.start.line; 2],
            line_shift: 0,
            markers: &markers,
            used_markers: &used,
            previous: None,
            rule: None,
        };
        let (verdict, lowered) = self.verdict(&subject, f.suppression.is_some());
        for lowering in lowered {
            lowering.apply(f);
        }
        f.suppression = f.suppression.take().or(verdict);
    }

    /// Runs the finding chain on `subject` unless detection suppressed it `already`; records
    /// the chain's warnings and returns its suppression.
    /// The finding chain's suppression (`None` when a match stage already suppressed the
    /// finding: then only the stages that lower confidence run) and the lowerings to apply.
    fn verdict(&self, subject: &FindingSubject<'_>, already: bool) -> (Option<Suppression>, Vec<Lowering>) {
        let outcome = if already {
            self.filters.chain.run_adjusting(subject)
        } else {
            self.filters.chain.run(subject)
        };
        if !outcome.warnings.is_empty() {
            lock(&self.warnings).extend(outcome.warnings);
        }
        let lowered = outcome.lowered.into_iter().map(|(_, l)| l).collect();
        (outcome.suppressed.map(|(_, s)| s), lowered)
    }
}

impl BlobVisitor for Engine<'_> {
    fn blob(&self, blob: Blob<'_>) {
        match self.filters.archives {
            Some(limits) => self.visit(blob, 0, &mut Budget::new(limits, self.filters.memory.clone()), false),
            None => self.scan_content(blob),
        }
    }

    fn skipped(&self, skipped: Skipped) {
        lock(&self.skipped).push(skipped);
    }

    fn error(&self, error: ScanError) {
        lock(&self.errors).push(error);
    }

    fn stream(&self, origin: Origin, reader: &mut dyn Read) -> std::io::Result<()> {
        self.scan_stream(&origin, reader, self.threads)
    }
}

impl Engine<'_> {
    /// Expands archives (recursively, within `budget`) and scans their members; scans
    /// anything else as it is. A container that cannot be expanded (corrupt, or over a
    /// limit) is reported and its raw bytes are scanned too, so nothing found there is lost.
    ///
    /// `cut`: the blob is only the start of a member (a limit or damage cut it off, which its
    /// container reported). A container inside it is expanded up to the cut; the damage the
    /// cut causes at its end (a tar member or a compressed stream broken off) is not reported
    /// a second time.
    fn visit(&self, blob: Blob<'_>, depth: usize, budget: &mut Budget, cut: bool) {
        let Some(kind) = archive::sniff(blob.data) else {
            return self.scan_content(blob);
        };
        if depth >= budget.limits.max_depth {
            self.error(archive_error(
                &blob.origin,
                ArchiveError::Limit(format!(
                    "nested deeper than --archive-depth {}",
                    budget.limits.max_depth
                )),
            ));
            return self.scan_content(blob);
        }
        // Members inflated past the large-item size wait for room in the memory budget as
        // they grow (see `budget`); the container itself is already counted by its reader.
        let mut members = 0usize;
        // A damaged member (not a limit) may hide bytes that are readable in the raw container
        // (a stored zip member behind a lying central directory): the raw bytes are scanned too.
        let mut damaged = false;
        let result = archive::expand(
            kind,
            blob.data,
            budget,
            &mut |budget, member| {
                members += 1;
                let origin = nested_origin(&blob.origin, member.name);
                self.visit(
                    Blob {
                        origin,
                        data: member.data,
                        previous: None,
                    },
                    depth + 1,
                    budget,
                    member.truncated,
                );
            },
            &mut |name, problem| {
                damaged |= !matches!(problem, ArchiveError::Limit(_) | ArchiveError::MemberLimit(_));
                if !(cut && matches!(problem, ArchiveError::Corrupt(_))) {
                    self.error(archive_error(&nested_origin(&blob.origin, name), problem));
                }
            },
        );
        let mut scan_raw = damaged;
        if let Err(e) = result {
            scan_raw |= members == 0;
            if !(cut && matches!(e, ArchiveError::Corrupt(_))) {
                self.error(archive_error(&blob.origin, e));
            }
        }
        if scan_raw {
            self.scan_content(blob);
        }
    }

    /// Detects, builds findings and applies the filters for one piece of content.
    fn scan_content(&self, blob: Blob<'_>) {
        // Metadata scanned as content (commit messages, ref names) is not a file or blob of the
        // input: the counts stay those of the input.
        if matches!(blob.origin.kind(), OriginKind::File | OriginKind::ImageConfig) {
            self.progress.blobs.fetch_add(1, Ordering::Relaxed);
            self.progress.bytes.fetch_add(blob.data.len() as u64, Ordering::Relaxed);
        }
        let detected = self.candidates(&blob.origin, blob.data);
        self.report(&blob, detected, 0..blob.data.len(), Shift::default());
        // The raw bytes are scanned too: a byte-order mark may start binary or mis-encoded data.
        if let Some(order) = decode::sniff_utf16(blob.data) {
            self.scan_utf16(blob, order);
        }
    }

    /// Secret-rule and configuration-check candidates of one piece of content.
    fn candidates(&self, origin: &Origin, data: &[u8]) -> Detected {
        let timed_out = std::sync::atomic::AtomicBool::new(false);
        let markers = std::sync::atomic::AtomicBool::new(false);
        let mut detector = Detector::new(self.rules).noting_allow_markers(&markers);
        let deadline = self.filters.file_timeout.map(|limit| Instant::now() + limit);
        if let Some(deadline) = deadline {
            detector = detector.with_deadline(deadline, &timed_out);
        }
        let mut found = if self.filters.secrets {
            detector.detect(data)
        } else {
            Vec::new()
        };
        if timed_out.load(Ordering::Relaxed) {
            self.timeout_error(origin);
        }
        if self.filters.config_checks {
            let outcome = leakscan_checks::check_file(&origin.logical, data, self.rules);
            match outcome.unchecked {
                // Hostile input, not a template with a typo: say so in the report.
                Some(leakscan_checks::Unchecked::Limit(problem)) => BlobVisitor::skipped(
                    self,
                    Skipped {
                        path: origin.display.clone(),
                        reason: SkipReason::ConfigChecksLimit,
                        detail: format!("{problem}; secret rules still ran"),
                    },
                ),
                Some(problem) => log::info!("{}: configuration checks skipped: {problem}", origin.display),
                None => {}
            }
            for hit in outcome.hits {
                // Every check rule is a built-in rule (tested in `checks`): one missing from the
                // set was turned off (`[rules] disable`/`only`, `--no-builtin-rules`).
                let Some(rule) = self.rules.index_of(hit.rule.id()) else {
                    continue;
                };
                // One finding per key: a key file whose key a private-key rule found is that
                // finding, which says the file is committed (its location is the key itself).
                if hit.rule == leakscan_checks::CheckRule::PrivateKeyFileCommitted {
                    let mut keys = found
                        .iter_mut()
                        .filter(|c| {
                            let r = &self.rules.rules()[c.rule];
                            // A key whose format check failed is at low confidence: the file
                            // check stays the finding then.
                            !r.is_check()
                                && r.tags.iter().any(|t| t == "private-key")
                                && c.validation.is_none_or(|(_, passed)| passed)
                        })
                        .peekable();
                    if keys.peek().is_some() {
                        for key in keys {
                            key.detail.get_or_insert_with(|| hit.detail.clone());
                        }
                        continue;
                    }
                }
                let value = hit
                    .decoded
                    .as_ref()
                    .map_or(&data[hit.span.clone()], |(_, v)| v.as_slice());
                found.push(Candidate {
                    rule,
                    matched: hit.span.clone(),
                    entropy: leakscan_rules::detect::shannon_entropy(value),
                    secret: hit.span,
                    suppression: None,
                    validation: None,
                    decoded: hit
                        .decoded
                        .map(|(encoding, value)| Box::new(leakscan_rules::detect::DecodedSecret { encoding, value })),
                    detail: Some(hit.detail),
                    evidence: !hit.secret,
                });
            }
            // A literal secret a check reports in context replaces a generic rule's report of
            // the same value (provider rules keep theirs: they say which credential to revoke).
            let rules = self.rules.rules();
            // Merged and sorted: each candidate looks up the spans near it (no quadratic scan
            // when a hostile file makes thousands of both).
            let check_spans = leakscan_model::finding::merge_spans(
                found
                    .iter()
                    .filter(|c| rules[c.rule].is_check() && !c.evidence)
                    .map(|c| c.secret.clone())
                    .collect(),
            );
            found.retain(|c| {
                if !rules[c.rule].is_generic() {
                    return true;
                }
                let first = check_spans.partition_point(|s| s.end <= c.secret.start);
                check_spans.get(first).is_none_or(|s| s.start >= c.secret.end)
            });
            found.sort_by_key(|c| (c.secret.start, c.rule, c.secret.end));
        }
        Detected {
            candidates: found,
            allow_markers: (self.filters.secrets && self.rules.finds_allow_markers())
                .then(|| markers.load(Ordering::Relaxed)),
            deadline: deadline.map(|d| (d, timed_out.load(Ordering::Relaxed))),
        }
    }

    /// UTF-16 text: scanned as UTF-8 (lines and columns are the same), byte spans mapped back
    /// to the file's own offsets.
    fn scan_utf16(&self, blob: Blob<'_>, order: decode::Utf16) {
        let (text, offsets) = decode::transcode_utf16(blob.data, order);
        let previous = blob
            .previous
            .filter(|p| decode::sniff_utf16(p) == Some(order))
            .map(|p| decode::transcode_utf16(p, order).0);
        let transcoded = Blob {
            origin: blob.origin.clone(),
            data: &text,
            previous: previous.as_deref(),
        };
        let detected = Detected {
            candidates: Detector::new(self.rules).detect(&text),
            allow_markers: None,
            deadline: None,
        };
        let found = self.findings_of(&transcoded, detected, 0..text.len(), Shift::default());
        self.publish(found.into_iter().map(|mut f| {
            f.bytes = offsets[f.bytes.start]..offsets[f.bytes.end.min(offsets.len() - 1)];
            f.encoding.get_or_insert(order.as_str());
            f
        }));
    }

    /// Scans a stream in bounded memory: overlapping windows, decompressed on the fly when it
    /// starts like gzip, zstd, bzip2 or xz. Positions are stream-wide.
    fn scan_stream(&self, origin: &Origin, reader: impl Read, threads: usize) -> std::io::Result<()> {
        let reader = leakscan_sources::stream::decompressed(reader)?;
        let margin = self.rules.stream_margin();
        let mut windows = Windowed::new(reader, STREAM_CHUNK, margin, margin);
        let workers = threads.max(1);
        // Windows are read here (the reader need not be `Send`: stdin's lock is not), copied,
        // and detected by `workers` threads; results are reported in stream order, so the
        // de-duplication of matches seen from two windows works as in a sequential scan.
        // At most `2 × workers` windows are in flight: memory stays bounded.
        let in_flight_limit = 2 * workers;
        let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<StreamWindow>(in_flight_limit);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<(StreamWindow, Detected)>();
        let job_rx = Mutex::new(job_rx);
        let mut ordered = StreamOrder::new(self, origin, margin);
        std::thread::scope(|scope| -> std::io::Result<()> {
            for _ in 0..workers {
                let (job_rx, done_tx) = (&job_rx, done_tx.clone());
                scope.spawn(move || {
                    let detector = Detector::new(self.rules);
                    loop {
                        let job = lock(job_rx).recv();
                        let Ok(job) = job else { break };
                        let detected = self.detect_stream_window(origin, detector, &job);
                        if done_tx.send((job, detected)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut sent = 0usize;
            let read = (|| -> std::io::Result<()> {
                while let Some(owned) = windows.next_window()? {
                    let mut data = ordered.spare.pop().unwrap_or_default();
                    data.clear();
                    data.extend_from_slice(windows.buf());
                    let job = StreamWindow {
                        seq: sent,
                        data,
                        owned,
                        base: windows.base(),
                        lines_before: windows.lines_before(),
                    };
                    windows.advance(usize::MAX);
                    sent += 1;
                    // Report what is ready, then wait for room (the channel is bounded).
                    while let Ok(done) = done_rx.try_recv() {
                        ordered.accept(done);
                    }
                    if job_tx.send(job).is_err() {
                        break;
                    }
                }
                Ok(())
            })();
            drop(job_tx);
            for done in done_rx.iter() {
                ordered.accept(done);
            }
            read
        })?;
        self.progress.blobs.fetch_add(1, Ordering::Relaxed);
        windows.take_error().map_or(Ok(()), Err)
    }

    /// Detects one window of a stream. The per-file time limit applies to each window (a
    /// stream has no end to measure against): a window that runs out of time is reported as
    /// a `timeout` error with its byte range, and what was found before the limit is kept.
    fn detect_stream_window(&self, origin: &Origin, detector: Detector<'_>, job: &StreamWindow) -> Detected {
        let markers = std::sync::atomic::AtomicBool::new(false);
        let detector = detector.noting_allow_markers(&markers);
        let detected = |candidates| Detected {
            candidates,
            allow_markers: self
                .rules
                .finds_allow_markers()
                .then(|| markers.load(Ordering::Relaxed)),
            // A window's findings are bounded by its size: the limit applies to detection.
            deadline: None,
        };
        let Some(limit) = self.filters.file_timeout else {
            return detected(detector.detect_range(&job.data, job.owned.clone()));
        };
        let timed_out = std::sync::atomic::AtomicBool::new(false);
        let candidates = detector
            .with_deadline(Instant::now() + limit, &timed_out)
            .detect_range(&job.data, job.owned.clone());
        if timed_out.load(Ordering::Relaxed) {
            let start = job.base + job.owned.start as u64;
            let end = job.base + job.owned.end as u64;
            self.error(ScanError {
                path: origin.display.clone(),
                kind: ScanErrorKind::Timeout,
                message: format!(
                    "scanning bytes {start}..{end} of the stream stopped after {limit:?} \
                     (--file-timeout, which applies to each {} MiB window of a stream): only \
                     partly scanned; findings before the limit are reported",
                    STREAM_CHUNK >> 20
                ),
            });
        }
        detected(candidates)
    }

    /// Turns candidates into findings (inline allows, configuration, baseline, "already
    /// committed") and checks the allow markers inside `owned`.
    fn report(&self, blob: &Blob<'_>, detected: Detected, owned: Range<usize>, shift: Shift) {
        let found = self.findings_of(blob, detected, owned, shift);
        self.publish(found);
    }

    /// Reports that `origin` ran out of the per-file time limit.
    fn timeout_error(&self, origin: &Origin) {
        let limit = self.filters.file_timeout.unwrap_or_default();
        self.error(ScanError {
            path: origin.display.clone(),
            kind: ScanErrorKind::Timeout,
            message: format!(
                "scanning stopped after {limit:?} (--file-timeout): only partly scanned; findings \
                 before the limit are reported"
            ),
        });
    }

    /// Adds findings to the report.
    fn publish(&self, found: impl IntoIterator<Item = Finding>) {
        let found: Vec<Finding> = found.into_iter().collect();
        let active = found.iter().filter(|f| !f.is_suppressed()).count() as u64;
        self.progress.findings.fetch_add(active, Ordering::Relaxed);
        lock(&self.findings).extend(found);
    }

    /// [`Engine::report`] without publishing: the findings, filters applied.
    fn findings_of(&self, blob: &Blob<'_>, detected: Detected, owned: Range<usize>, shift: Shift) -> Vec<Finding> {
        // Built once: `memmem::find` would build its searcher again for every file.
        static MARKER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"leakscan:allow"));
        let Detected {
            candidates,
            allow_markers,
            deadline,
        } = detected;
        // The keyword filter has looked for markers already when the secret rules ran.
        // With --report-unused-allows, other tools' markers are looked for too: one that
        // allows nothing is reported like leakscan's own.
        let markers_here = allow_markers.unwrap_or_else(|| MARKER.find(&blob.data[owned.clone()]).is_some())
            || (self.filters.report_unused_allows
                && leakscan_filter::inline::contains_marker(&blob.data[owned.clone()]));
        if candidates.is_empty() && !markers_here {
            return Vec::new();
        }
        // Findings are allowed by any tool's marker; the scan looks for them once per blob.
        let markers = InlineMarkers::find(blob.data);
        let positions = Positions::locate(
            blob.data,
            candidates
                .iter()
                .flat_map(|c| [c.secret.start, c.secret.end, c.matched.start])
                .chain(markers.iter().map(|m| m.offset)),
        );
        let marker_lines = markers.on_lines(&positions);
        // Every secret of the blob is masked in every snippet, not only the finding's own.
        let masked = leakscan_model::finding::merge_spans(
            candidates
                .iter()
                .filter(|c| !c.evidence)
                .map(|c| c.secret.clone())
                .collect(),
        );
        let used_markers = std::cell::RefCell::new(std::collections::HashSet::new());
        let rules = self.rules.rules();
        // A staged change: the secrets HEAD's version of the file already had.
        let previous: Option<std::collections::HashSet<String>> = blob.previous.map(|previous| {
            self.candidates(&blob.origin, previous)
                .candidates
                .iter()
                .map(|c| leakscan_model::fingerprint::secret_id(&rules[c.rule].id, c.secret_value(previous)))
                .collect()
        });
        // A hostile file can hold millions of matches: building their findings counts against
        // the per-file time limit too (the clock is read every CLOCK_EVERY findings) and stops,
        // reported, when it runs out; the findings built so far are kept.
        const CLOCK_EVERY: usize = 1024;
        let mut found: Vec<Finding> = Vec::with_capacity(candidates.len());
        for (i, c) in candidates.iter().enumerate() {
            if i % CLOCK_EVERY == CLOCK_EVERY - 1
                && let Some((deadline, reported)) = deadline
                && Instant::now() >= deadline
            {
                if !reported {
                    self.timeout_error(&blob.origin);
                }
                break;
            }
            let rule = &rules[c.rule];
            let mut f = crate::build_finding::from_candidate(rule, c, blob.data, &positions, &blob.origin, &masked);
            // Verification templates may name the match's capture groups (an account id
            // beside the key): kept, per distinct secret, only when verification is on.
            if self.filters.verify
                && rule.verify.is_some()
                && c.decoded.is_none()
                && c.suppression.is_none()
                && let std::collections::hash_map::Entry::Vacant(slot) =
                    lock(&self.verify_groups).entry((rule.id.clone(), f.secret_id.clone()))
            {
                slot.insert(rule.named_groups(&blob.data[c.matched.clone()]));
            }
            f.start.line += shift.lines;
            f.end.line += shift.lines;
            f.bytes = f.bytes.start + shift.bytes..f.bytes.end + shift.bytes;
            // Every reason to suppress a finding is a stage of the finding chain.
            let subject = FindingSubject {
                finding: &f,
                lines: [positions.at(c.secret.start).line, positions.at(c.matched.start).line],
                line_shift: shift.lines,
                markers: &marker_lines,
                used_markers: &used_markers,
                previous: previous.as_ref(),
                rule: Some(rule),
            };
            let (verdict, lowered) = self.verdict(&subject, f.suppression.is_some());
            for lowering in lowered {
                lowering.apply(&mut f);
            }
            f.suppression = f.suppression.take().or(verdict);
            found.push(f);
        }
        if markers_here {
            self.check_markers(blob, &marker_lines, &used_markers.borrow(), &owned, shift.lines);
        }
        found
    }
}

/// What detection found in a piece of content.
struct Detected {
    /// Secret-rule and configuration-check candidates.
    candidates: Vec<Candidate>,
    /// Whether `leakscan:allow` occurs in the detected range, when the keyword filter looked
    /// (`None`: it did not, and the range is searched for markers).
    allow_markers: Option<bool>,
    /// The per-file time limit, which also bounds building findings from the candidates, and
    /// whether detection already ran out of it (reported once).
    deadline: Option<(Instant, bool)>,
}

/// Where a window sits in its stream: lines and bytes before the window's buffer.
#[derive(Debug, Clone, Copy, Default)]
struct Shift {
    lines: usize,
    bytes: usize,
}

/// `parent!/name` for a member of a container (the parent's origin for a compressed stream).
fn nested_origin(parent: &Origin, name: Option<&str>) -> Origin {
    let mut origin = parent.clone();
    if let Some(name) = name {
        origin.display = format!("{}!/{name}", parent.display);
        origin.logical = format!("{}!/{name}", parent.logical);
    }
    origin
}

fn archive_error(origin: &Origin, e: ArchiveError) -> ScanError {
    ScanError {
        path: origin.display.clone(),
        kind: ScanErrorKind::Archive,
        message: e.to_string(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` `api_key = "…"` assignments of random 32-character values on one line.
    fn assignments(count: usize) -> Vec<u8> {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut line = String::new();
        for _ in 0..count {
            line.push_str("api_key = \"");
            for _ in 0..32 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                line.push(ALNUM[(state % 62) as usize] as char);
            }
            line.push_str("\"; ");
        }
        line.push('\n');
        line.into_bytes()
    }

    #[test]
    fn building_findings_stops_at_the_file_deadline_and_keeps_what_was_built() {
        let rules = RuleSet::builtin().unwrap();
        let settings = ScanSettings {
            file_timeout: Some(Duration::from_secs(1)),
            ..ScanSettings::default()
        };
        let scanner = Scanner::builder().rules(rules).settings(settings).build().unwrap();
        let data = assignments(5000);
        let candidates = Detector::new(&scanner.rules).detect(&data);
        assert!(candidates.len() > 4000, "{}", candidates.len());
        let blob = Blob {
            origin: Origin::label("assign.txt"),
            data: &data,
            previous: None,
        };
        let progress = Progress::default();
        let engine = Engine::new(&scanner.rules, &scanner.filters, &progress, 1);
        let late = Detected {
            candidates: candidates.clone(),
            allow_markers: None,
            deadline: Some((Instant::now(), false)),
        };
        let found = engine.findings_of(&blob, late, 0..data.len(), Shift::default());
        assert_eq!(found.len(), 1023, "stopped at the first clock reading");
        let errors = lock(&engine.errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, ScanErrorKind::Timeout);
        drop(errors);
        // In time, or already reported by detection: every candidate, no second error.
        let in_time = Detected {
            candidates: candidates.clone(),
            allow_markers: None,
            deadline: Some((Instant::now() + Duration::from_secs(3600), false)),
        };
        assert_eq!(
            engine
                .findings_of(&blob, in_time, 0..data.len(), Shift::default())
                .len(),
            candidates.len()
        );
        let reported = Detected {
            candidates,
            allow_markers: None,
            deadline: Some((Instant::now(), true)),
        };
        assert_eq!(
            engine
                .findings_of(&blob, reported, 0..data.len(), Shift::default())
                .len(),
            1023
        );
        assert_eq!(lock(&engine.errors).len(), 1, "reported once");
    }
}
