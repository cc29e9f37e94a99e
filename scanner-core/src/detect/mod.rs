//! The detector: keyword prefilter → regex in windows around hits → entropy → rule allows →
//! placeholder filter.

mod entropy;
mod placeholder;

pub use entropy::shannon_entropy;
pub use placeholder::placeholder_reason;

use std::ops::Range;

use regex_automata::Input;

use crate::rules::RuleSet;

/// Why a candidate that matched a rule is not a finding to act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Suppression {
    /// One of the rule's own `allow` regexes matched the secret (the regex is the detail).
    RuleAllow(String),
    /// The value looks like a placeholder (the reason is the detail).
    Placeholder(String),
}

impl std::fmt::Display for Suppression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Suppression::RuleAllow(re) => write!(f, "allowed by the rule's allow pattern `{re}`"),
            Suppression::Placeholder(why) => write!(f, "placeholder value ({why})"),
        }
    }
}

/// One rule match in a chunk of bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Index of the rule in the [`RuleSet`].
    pub rule: usize,
    /// Span of the whole regex match.
    pub matched: Range<usize>,
    /// Span of the secret (a sub-span of `matched`).
    pub secret: Range<usize>,
    /// Shannon entropy of the secret.
    pub entropy: f64,
    /// Set when a filter suppressed this candidate.
    pub suppression: Option<Suppression>,
}

/// Runs a [`RuleSet`] over byte chunks. Cheap to create; shares the rule set by reference.
#[derive(Debug, Clone, Copy)]
pub struct Detector<'r> {
    rules: &'r RuleSet,
}

impl<'r> Detector<'r> {
    /// A detector over `rules`.
    pub fn new(rules: &'r RuleSet) -> Detector<'r> {
        Detector { rules }
    }

    /// Every candidate in `data`, sorted by secret position then rule, duplicates removed.
    /// Matches that fail the rule's entropy minimum are not candidates; rule allows and
    /// placeholders are returned with their [`Suppression`] set.
    pub fn detect(&self, data: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        for (rule, window) in self.windows(data) {
            self.run_rule(rule, data, window, &mut out);
        }
        out.sort_by_key(|c| (c.secret.start, c.rule, c.secret.end));
        out.dedup_by(|a, b| a.rule == b.rule && a.secret == b.secret);
        out
    }

    /// Merged search windows per rule: around every keyword hit, `reach` bytes either side.
    fn windows(&self, data: &[u8]) -> Vec<(usize, Range<usize>)> {
        let rules = self.rules.rules();
        let mut raw: Vec<(usize, usize, usize)> = Vec::new();
        if let Some(ac) = &self.rules.prefilter {
            for hit in ac.find_overlapping_iter(data) {
                for &ri in &self.rules.keyword_rules[hit.pattern().as_usize()] {
                    let reach = rules[ri].reach;
                    raw.push((
                        ri,
                        hit.start().saturating_sub(reach),
                        (hit.end() + reach).min(data.len()),
                    ));
                }
            }
        }
        for &ri in &self.rules.unfiltered_rules {
            raw.push((ri, 0, data.len()));
        }
        raw.sort_unstable();
        let mut merged: Vec<(usize, Range<usize>)> = Vec::with_capacity(raw.len());
        for (ri, start, end) in raw {
            match merged.last_mut() {
                Some((last_rule, last)) if *last_rule == ri && start <= last.end => {
                    last.end = last.end.max(end);
                }
                _ => merged.push((ri, start..end)),
            }
        }
        merged
    }

    fn run_rule(&self, ri: usize, data: &[u8], window: Range<usize>, out: &mut Vec<Candidate>) {
        let rule = &self.rules.rules()[ri];
        let input = Input::new(data).span(window);
        for caps in rule.regex.captures_iter(input) {
            let Some(matched) = caps.get_match() else { continue };
            let Some(secret) = caps.get_group(rule.secret_group) else {
                continue;
            };
            if secret.is_empty() {
                continue;
            }
            let value = &data[secret.range()];
            let entropy = shannon_entropy(value);
            if rule.entropy.is_some_and(|min| entropy < min) {
                continue;
            }
            let suppression = if let Some((pattern, _)) = rule.allow.iter().find(|(_, re)| re.is_match(value)) {
                Some(Suppression::RuleAllow(pattern.clone()))
            } else {
                placeholder_reason(value).map(|why| Suppression::Placeholder(why.to_string()))
            };
            out.push(Candidate {
                rule: ri,
                matched: matched.range(),
                secret: secret.range(),
                entropy,
                suppression,
            });
        }
    }
}
