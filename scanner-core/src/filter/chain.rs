//! The filter chain: every reason a rule match is not a finding to act on lives here, as an
//! ordered list of stages, each a type implementing [`Filter`].
//!
//! Two chains run, because their stages need different facts:
//!
//! | chain | run by | stages, in order |
//! |---|---|---|
//! | [`MATCH_STAGES`] on a [`MatchSubject`] | the detector, for each regex match | [`EntropyMinimum`], [`RuleAllow`], [`Placeholder`] |
//! | [`FindingFilters`] on a [`FindingSubject`] | the scan engine, for each finding | [`InlineAllow`], [`ConfigAllowlist`], [`BaselineEntry`], [`AlreadyCommitted`] |
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

use crate::config::ConfigFilter;
use crate::detect::{Suppression, placeholder};
use crate::filter::baseline::{BaselineMatcher, BaselineVerdict};
use crate::filter::inline::{MarkerLines, describe};
use crate::finding::Finding;
use crate::rules::Rule;

/// What a stage decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not this stage's business: the next stage decides.
    Keep,
    /// Suppressed, with the reason.
    Suppress(Suppression),
    /// Kept, but the user should know something (an expired baseline entry).
    Warn(String),
}

/// One stage of a filter chain over subjects of type `S`.
pub trait Filter<S: ?Sized>: Send + Sync {
    /// A stable name for the stage (`placeholder`, `config-allowlist`, …).
    fn name(&self) -> &'static str;
    /// The stage's verdict on `subject`.
    fn judge(&self, subject: &S) -> Verdict;
}

/// The outcome of running a chain: the suppression (and the stage that decided), and the
/// warnings of the stages that ran before it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The first suppression, with its stage's name.
    pub suppressed: Option<(&'static str, Suppression)>,
    /// Warnings raised on the way.
    pub warnings: Vec<String>,
}

/// Runs `stages` in order on `subject` until one suppresses.
fn run<'s, S: ?Sized + 's>(stages: impl IntoIterator<Item = &'s dyn Filter<S>>, subject: &S) -> Outcome {
    let mut outcome = Outcome::default();
    for stage in stages {
        match stage.judge(subject) {
            Verdict::Keep => {}
            Verdict::Warn(w) => outcome.warnings.push(w),
            Verdict::Suppress(s) => {
                outcome.suppressed = Some((stage.name(), s));
                break;
            }
        }
    }
    outcome
}

// ---------------------------------------------------------------------------------------
// Match stages
// ---------------------------------------------------------------------------------------

/// One regex match of a rule, before it is a finding.
#[derive(Debug, Clone, Copy)]
pub struct MatchSubject<'a> {
    /// The rule that matched.
    pub rule: &'a Rule,
    /// The secret (the rule's secret group).
    pub secret: &'a [u8],
    /// The whole match (variable name, operator, quotes and secret).
    pub matched: &'a [u8],
    /// The secret's Shannon entropy in bits per byte.
    pub entropy: f64,
}

/// Below the rule's `entropy` minimum.
#[derive(Debug, Clone, Copy)]
pub struct EntropyMinimum;

impl EntropyMinimum {
    /// Whether `entropy` is below `rule`'s minimum: the stage's decision without its reason,
    /// for the detector, which drops such matches before building anything in a scan.
    pub fn rejects(rule: &Rule, entropy: f64) -> bool {
        rule.entropy.is_some_and(|min| entropy < min)
    }
}

impl Filter<MatchSubject<'_>> for EntropyMinimum {
    fn name(&self) -> &'static str {
        "entropy-minimum"
    }
    fn judge(&self, m: &MatchSubject<'_>) -> Verdict {
        match m.rule.entropy {
            Some(min) if EntropyMinimum::rejects(m.rule, m.entropy) => {
                Verdict::Suppress(Suppression::LowEntropy(format!("{:.2} < {min}", m.entropy)))
            }
            _ => Verdict::Keep,
        }
    }
}

/// One of the rule's `allow` regexes matches the secret, or one of its `allow_match` regexes
/// matches the whole match.
#[derive(Debug, Clone, Copy)]
pub struct RuleAllow;

impl Filter<MatchSubject<'_>> for RuleAllow {
    fn name(&self) -> &'static str {
        "rule-allow"
    }
    fn judge(&self, m: &MatchSubject<'_>) -> Verdict {
        match allowed_by(&m.rule.allow, m.secret) {
            Verdict::Keep => allowed_by(&m.rule.allow_match, m.matched),
            suppressed => suppressed,
        }
    }
}

fn allowed_by(patterns: &[crate::rules::LazyRegex], text: &[u8]) -> Verdict {
    match patterns.iter().find(|re| re.get().is_some_and(|r| r.is_match(text))) {
        Some(re) => Verdict::Suppress(Suppression::RuleAllow(re.pattern().to_string())),
        None => Verdict::Keep,
    }
}

/// The value is a placeholder: a documented example, a mask, templating, `changeme`, a run of
/// one character (see `detect/placeholder.rs`).
#[derive(Debug, Clone, Copy)]
pub struct Placeholder;

impl Filter<MatchSubject<'_>> for Placeholder {
    fn name(&self) -> &'static str {
        "placeholder"
    }
    fn judge(&self, m: &MatchSubject<'_>) -> Verdict {
        match placeholder::placeholder_reason_for(m.secret, m.rule.allow_repeats) {
            Some(why) => Verdict::Suppress(Suppression::Placeholder(why.to_string())),
            None => Verdict::Keep,
        }
    }
}

/// A stage of the match chain (judges matches of any lifetime).
pub type MatchStage = dyn for<'a> Filter<MatchSubject<'a>>;

/// The match chain, in order: entropy minimum, rule allow, placeholder.
pub const MATCH_STAGES: [&MatchStage; 3] = [&EntropyMinimum, &RuleAllow, &Placeholder];

/// Runs the match chain on `m`.
pub fn judge_match(m: &MatchSubject<'_>) -> Outcome {
    run(MATCH_STAGES.iter().map(|s| *s as &dyn Filter<MatchSubject<'_>>), m)
}

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
    /// The chain: inline allow, then `config` and `baseline` when given, then already committed.
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
        FindingFilters { stages, config }
    }

    /// The stages' names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.stages.iter().map(|s| s.name()).collect()
    }

    /// The configuration's filter, if any.
    pub fn config(&self) -> Option<&ConfigFilter> {
        self.config.as_deref()
    }

    /// Runs the chain on `s`.
    pub fn run(&self, s: &FindingSubject<'_>) -> Outcome {
        run(
            self.stages
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn the_first_suppressing_stage_decides_and_names_itself() {
        let rules = RuleSet::builtin().unwrap();
        let rule = rules.get("aws-access-key-id").unwrap();
        let judge = |secret: &str, entropy: f64| {
            judge_match(&MatchSubject {
                rule,
                secret: secret.as_bytes(),
                matched: secret.as_bytes(),
                entropy,
            })
            .suppressed
        };
        // Low entropy comes first, even for a placeholder.
        let (stage, s) = judge("AKIAIOSFODNN7EXAMPLE", 0.5).unwrap();
        assert_eq!((stage, s.stage()), ("entropy-minimum", "entropy-minimum"));
        let (stage, s) = judge("AKIAIOSFODNN7EXAMPLE", 4.0).unwrap();
        assert_eq!(stage, "placeholder");
        assert_eq!(s.stage(), stage, "a suppression names the stage that made it");
        assert_eq!(judge(concat!("AKIA", "DU2X4TDYFSHAVIGR"), 4.0), None);
    }

    #[test]
    fn the_finding_chain_runs_in_order_and_collects_warnings() {
        let filters = FindingFilters::default();
        assert_eq!(filters.names(), ["inline-allow", "already-committed"]);
        assert_eq!(
            stage_names(&filters),
            [
                "entropy-minimum",
                "rule-allow",
                "placeholder",
                "inline-allow",
                "already-committed"
            ]
        );
        let scanner = crate::Scanner::builder().build().unwrap();
        let token = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
        let f = scanner.scan_bytes("a.env", token.as_bytes()).remove(0);
        let markers = MarkerLines::default();
        let used = RefCell::default();
        let mut before = HashSet::new();
        let mut subject = FindingSubject {
            finding: &f,
            lines: [1, 1],
            line_shift: 0,
            markers: &markers,
            used_markers: &used,
            previous: None,
        };
        assert_eq!(filters.run(&subject), Outcome::default());
        before.insert(f.secret_id.clone());
        subject.previous = Some(&before);
        let outcome = filters.run(&subject);
        assert_eq!(
            outcome.suppressed,
            Some(("already-committed", Suppression::AlreadyCommitted))
        );
    }
}
