//! The finding chain: every reason a finding is not one to act on, as an ordered list of
//! stages, each a type implementing [`Filter`] (the seam in `leakscan-model`).
//!
//! Two chains run, because their stages need different facts:
//!
//! | chain | run by | stages, in order |
//! |---|---|---|
//! | [`MATCH_STAGES`] on a `MatchSubject` | the detector, for each regex match (in `leakscan-rules`, `detect::stages`) | `EntropyMinimum`, `RuleAllow`, `Placeholder` |
//! | [`FindingFilters`] on a [`FindingSubject`] | the scan engine, for each finding | [`TestContext`] (lowers confidence, on every finding), then [`InlineAllow`], [`ConfigAllowlist`], [`BaselineEntry`], [`AlreadyCommitted`] |
//!
//! The first stage that suppresses decides, and its [`Suppression`] (with the stage's reason)
//! is what `--show-suppressed`, JSON, SARIF and `leakscan explain` show: they read the chain's
//! verdict, so they cannot drift from what the scan does. Nothing is dropped silently, with one
//! exception: a match under its rule's entropy minimum is not a candidate at all in a scan
//! (diagnostic detection, used by `explain`, keeps it, suppressed as
//! [`Suppression::LowEntropy`]).
//!
//! To add a filter: write a type implementing [`Filter`] for the subject it needs, and insert
//! it into the chain where it should take precedence.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use crate::baseline::{BaselineMatcher, BaselineVerdict};
use crate::config::ConfigFilter;
use crate::inline::{MarkerLines, describe};
use leakscan_model::Suppression;
use leakscan_model::filter::run_stages;
use leakscan_model::finding::Finding;
use leakscan_model::{Filter, Lowering, Outcome, Verdict};
use leakscan_rules::Rule;
use leakscan_rules::detect::stages::MATCH_STAGES;

// ---------------------------------------------------------------------------------------
// Finding stages
// ---------------------------------------------------------------------------------------

/// A finding and the facts of its blob that the finding stages need.
pub struct FindingSubject<'a> {
    /// The finding (positions, fingerprint, logical path, secret).
    pub finding: &'a Finding,
    /// 1-based lines of the secret's start and of the match's start, within the blob.
    pub lines: [usize; 2],
    /// Lines added before the blob in its stream (for messages).
    pub line_shift: usize,
    /// The blob's inline markers by line.
    pub markers: &'a MarkerLines<'a>,
    /// Lines of markers that allowed something (for `--report-unused-allows`).
    pub used_markers: &'a RefCell<HashSet<usize>>,
    /// For staged changes: the secret ids of HEAD's version of the file.
    pub previous: Option<&'a HashSet<String>>,
    /// The rule that made the finding (`None` for findings made after the scan, such as
    /// reuse across environments, which keep the confidence of what they summarise).
    pub rule: Option<&'a Rule>,
}

/// A finding in tests, fixtures, examples or docs: configuration checks and private keys
/// there are fixtures far more often than leaks, so they go to low confidence (below the
/// default gate); a provider token whose checksum validated is a real token wherever it is and
/// keeps its confidence; anything else loses one tier. It lowers, never suppresses.
#[derive(Debug, Clone, Copy)]
pub struct TestContext;

impl Filter<FindingSubject<'_>> for TestContext {
    fn name(&self) -> &'static str {
        "test-context"
    }
    fn judge(&self, s: &FindingSubject<'_>) -> Verdict {
        let logical = &s.finding.origin.logical;
        let place = leakscan_model::finding::test_context(logical)
            .or_else(|| leakscan_model::finding::doc_context(logical, &s.finding.context));
        let Some(rule) = s.rule else {
            return Verdict::Keep;
        };
        // Generic rules in minified bundles: one tier lower (never keys or provider tokens).
        if place.is_none()
            && rule.is_generic()
            && leakscan_model::finding::in_minified_bundle(logical, &s.finding.context)
        {
            return Verdict::Lower(Lowering::OneTier("in a minified bundle (generated code)".to_string()));
        }
        let Some(place) = place else {
            return Verdict::Keep;
        };
        let key_file = rule.tags.iter().any(|t| t == "private-key");
        // A checksum, not a structure: a JWT or PEM body decodes in examples too.
        let validated = s
            .finding
            .validation
            .is_some_and(|(name, passed)| passed && (name.ends_with("crc32") || name.ends_with("bech32")));
        if rule.is_check() || key_file {
            Verdict::Lower(Lowering::ToLow(format!("{place}: a fixture more often than a leak")))
        } else if !validated || rule.is_generic() {
            Verdict::Lower(Lowering::OneTier(place))
        } else {
            Verdict::Keep
        }
    }
}

/// An inline marker (`leakscan:allow`, and the markers of other tools) on the secret's or
/// the match's line, or a `…-next-line` marker on the line before.
#[derive(Debug, Clone, Copy)]
pub struct InlineAllow;

impl Filter<FindingSubject<'_>> for InlineAllow {
    fn name(&self) -> &'static str {
        "inline-allow"
    }
    fn judge(&self, s: &FindingSubject<'_>) -> Verdict {
        let rule = &s.finding.rule_id;
        match s.lines.iter().find_map(|&line| s.markers.allowing(line, rule)) {
            Some((marker, line)) => {
                s.used_markers.borrow_mut().insert(line);
                Verdict::Suppress(Suppression::Inline(describe(marker, line + s.line_shift)))
            }
            None => Verdict::Keep,
        }
    }
}

/// A staged change keeps a secret HEAD's version of the file already had.
#[derive(Debug, Clone, Copy)]
pub struct AlreadyCommitted;

impl Filter<FindingSubject<'_>> for AlreadyCommitted {
    fn name(&self) -> &'static str {
        "already-committed"
    }
    fn judge(&self, s: &FindingSubject<'_>) -> Verdict {
        match s.previous {
            Some(before) if before.contains(&s.finding.secret_id) => Verdict::Suppress(Suppression::AlreadyCommitted),
            _ => Verdict::Keep,
        }
    }
}

/// The configuration's allowlists and rule path scopes.
#[derive(Debug)]
pub struct ConfigAllowlist(pub Arc<ConfigFilter>);

impl Filter<FindingSubject<'_>> for ConfigAllowlist {
    fn name(&self) -> &'static str {
        "config-allowlist"
    }
    fn judge(&self, s: &FindingSubject<'_>) -> Verdict {
        let f = s.finding;
        match self.0.check(&f.rule_id, &f.origin.logical, f.secret.as_bytes()) {
            Some(why) => Verdict::Suppress(Suppression::Config(why)),
            None => Verdict::Keep,
        }
    }
}

/// A baseline entry for the finding's fingerprint (an expired entry warns and keeps it).
#[derive(Debug)]
pub struct BaselineEntry(pub BaselineMatcher);

impl Filter<FindingSubject<'_>> for BaselineEntry {
    fn name(&self) -> &'static str {
        "baseline"
    }
    fn judge(&self, s: &FindingSubject<'_>) -> Verdict {
        let f = s.finding;
        match self.0.check(&f.fingerprint) {
            Some(BaselineVerdict::Known(why)) => Verdict::Suppress(Suppression::Baseline(why)),
            Some(BaselineVerdict::Expired(date)) => Verdict::Warn(format!(
                "{}: the baseline entry for {} expired on {date}; the finding is reported again",
                f.origin.display, f.rule_id
            )),
            None => Verdict::Keep,
        }
    }
}

/// A stage of the finding chain (judges findings of any lifetime).
pub type FindingStage = dyn for<'a> Filter<FindingSubject<'a>>;

/// The finding chain of a scan: inline markers, the configuration's allowlists and the baseline
/// when given, and secrets a staged file already had.
pub struct FindingFilters {
    /// Stages that only lower confidence: they run on every finding, suppressed or not.
    adjusting: Vec<Box<FindingStage>>,
    /// Stages that may suppress: they run on findings no match stage suppressed.
    stages: Vec<Box<FindingStage>>,
    /// The configuration's filter (also asked for environments by the reuse check).
    config: Option<Arc<ConfigFilter>>,
}

impl std::fmt::Debug for FindingFilters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Default for FindingFilters {
    fn default() -> FindingFilters {
        FindingFilters::new(None, None)
    }
}

impl FindingFilters {
    /// The chain: test context (lowers), then inline allow, `config` and `baseline` when
    /// given, and already committed.
    pub fn new(config: Option<ConfigFilter>, baseline: Option<BaselineMatcher>) -> FindingFilters {
        let config = config.map(Arc::new);
        let mut stages: Vec<Box<FindingStage>> = vec![Box::new(InlineAllow)];
        if let Some(c) = &config {
            stages.push(Box::new(ConfigAllowlist(c.clone())));
        }
        if let Some(b) = baseline {
            stages.push(Box::new(BaselineEntry(b)));
        }
        stages.push(Box::new(AlreadyCommitted));
        FindingFilters {
            adjusting: vec![Box::new(TestContext)],
            stages,
            config,
        }
    }

    /// The stages' names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.adjusting.iter().chain(&self.stages).map(|s| s.name()).collect()
    }

    /// The configuration's filter, if any.
    pub fn config(&self) -> Option<&ConfigFilter> {
        self.config.as_deref()
    }

    /// Runs the chain on `s`: every stage, in order, until one suppresses.
    pub fn run(&self, s: &FindingSubject<'_>) -> Outcome {
        run_stages(
            self.adjusting
                .iter()
                .chain(&self.stages)
                .map(|b| b.as_ref() as &dyn Filter<FindingSubject<'_>>),
            s,
        )
    }

    /// Runs only the stages that lower confidence, for a finding a match stage already
    /// suppressed (inline markers and baselines are not consulted for it).
    pub fn run_adjusting(&self, s: &FindingSubject<'_>) -> Outcome {
        run_stages(
            self.adjusting
                .iter()
                .map(|b| b.as_ref() as &dyn Filter<FindingSubject<'_>>),
            s,
        )
    }
}

/// The names of every stage a scan with `finding` runs, in order: the match chain's, then the
/// finding chain's.
pub fn stage_names(finding: &FindingFilters) -> Vec<&'static str> {
    MATCH_STAGES.iter().map(|s| s.name()).chain(finding.names()).collect()
}
