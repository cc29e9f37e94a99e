//! The filter-chain seam: a [`Filter`] stage judges a subject and returns a [`Verdict`];
//! [`run_stages`] runs an ordered list of stages until one suppresses (stages that only
//! lower a finding's confidence or warn let the chain go on). The stages themselves
//! live with the facts they need (match stages with the detector, finding stages with the
//! configuration and baseline).

use crate::finding::Finding;
use crate::suppression::Suppression;

/// What a stage decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not this stage's business: the next stage decides.
    Keep,
    /// Suppressed, with the reason.
    Suppress(Suppression),
    /// Kept, but the user should know something (an expired baseline entry).
    Warn(String),
    /// Kept at a lower confidence (tests, fixtures and docs hold samples more often than
    /// leaks); the next stages still run.
    Lower(Lowering),
}

/// How a stage lowers a finding's confidence; the finding stays reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lowering {
    /// One tier (high → medium → low), with the reason.
    OneTier(String),
    /// Straight to low, below the default gate, with the reason.
    ToLow(String),
}

impl Lowering {
    /// Lowers `finding`'s confidence and records the reason in its confidence note.
    pub fn apply(self, finding: &mut Finding) {
        match self {
            Lowering::OneTier(why) => finding.lower_confidence(why),
            Lowering::ToLow(why) => finding.set_low_confidence(why),
        }
    }
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
    /// Confidence lowerings raised on the way, with their stages' names.
    pub lowered: Vec<(&'static str, Lowering)>,
}

/// Runs `stages` in order on `subject` until one suppresses.
pub fn run_stages<'s, S: ?Sized + 's>(stages: impl IntoIterator<Item = &'s dyn Filter<S>>, subject: &S) -> Outcome {
    let mut outcome = Outcome::default();
    for stage in stages {
        match stage.judge(subject) {
            Verdict::Keep => {}
            Verdict::Warn(w) => outcome.warnings.push(w),
            Verdict::Lower(l) => outcome.lowered.push((stage.name(), l)),
            Verdict::Suppress(s) => {
                outcome.suppressed = Some((stage.name(), s));
                break;
            }
        }
    }
    outcome
}
