//! The match chain: stages that judge one regex match of a rule before it becomes a
//! candidate ([`MATCH_STAGES`]: [`EntropyMinimum`], [`RuleAllow`], [`Placeholder`]), run by the
//! [`Detector`](crate::detect::Detector) through [`judge_match`]. The finding stages (inline
//! markers, configuration allowlists, baselines) run later, in the scan engine.

use leakscan_model::filter::run_stages;
use leakscan_model::{Filter, Outcome, Suppression, Verdict};

use crate::Rule;
use crate::detect::placeholder;

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
    pub fn rejects(rule: &Rule, secret: &[u8], entropy: f64) -> bool {
        rule.entropy_minimum(secret.len()).is_some_and(|min| entropy < min)
    }
}

impl Filter<MatchSubject<'_>> for EntropyMinimum {
    fn name(&self) -> &'static str {
        "entropy-minimum"
    }
    fn judge(&self, m: &MatchSubject<'_>) -> Verdict {
        match m.rule.entropy_minimum(m.secret.len()) {
            Some(min) if m.entropy < min => {
                Verdict::Suppress(Suppression::LowEntropy(format!("{:.2} < {min:.2}", m.entropy)))
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

fn allowed_by(patterns: &[crate::LazyRegex], text: &[u8]) -> Verdict {
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
    run_stages(MATCH_STAGES.iter().map(|s| *s as &dyn Filter<MatchSubject<'_>>), m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleSet;

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
    fn short_passwords_get_a_scaled_entropy_minimum() {
        let rules = RuleSet::builtin().unwrap();
        let rule = rules.get("generic-password-assignment").unwrap();
        let entropy_verdict = |secret: &str| {
            let entropy = leakscan_model::entropy::shannon_entropy(secret.as_bytes());
            EntropyMinimum.judge(&MatchSubject {
                rule,
                secret: secret.as_bytes(),
                matched: secret.as_bytes(),
                entropy,
            })
        };
        // 9 characters cannot reach 3 bits per byte with one repeat; the minimum scales.
        assert_eq!(entropy_verdict("r00tPa55!"), Verdict::Keep);
        assert_eq!(entropy_verdict("Welcome1!x"), Verdict::Keep);
        assert!(matches!(entropy_verdict("aaaaaaaaa"), Verdict::Suppress(_)));
        assert!(matches!(entropy_verdict("abcabcabc"), Verdict::Suppress(_)));
        // Under 8 characters the full minimum stays: a short word is more often an argument.
        assert!(matches!(entropy_verdict("latin1"), Verdict::Suppress(_)));
        // Rules not tagged `password` keep their minimum whatever the length.
        let token_rule = rules.get("generic-secret-assignment").unwrap();
        let min = token_rule.entropy.unwrap();
        assert_eq!(token_rule.entropy_minimum(9), Some(min));
        assert!(rule.entropy_minimum(9).unwrap() < rule.entropy.unwrap());
    }
}
