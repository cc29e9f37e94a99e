//! What reports say about rules: their metadata ([`RuleInfo`]), without their patterns, and the
//! set a scan ran with ([`RuleCatalog`]). Reporters read rules through this view only, so they
//! depend on the model and not on detection.

use std::collections::HashMap;

use crate::level::{Confidence, Severity};

/// A rule as a report describes it: names, impact, how to remediate.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInfo {
    /// Unique id, e.g. `github-pat-classic`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What the credential is and what it grants.
    pub description: String,
    /// Impact of a leak.
    pub severity: Severity,
    /// How sure a match is a real secret.
    pub confidence: Confidence,
    /// Tags (provider, kind).
    pub tags: Vec<String>,
    /// How to revoke and rotate the credential.
    pub remediation: String,
    /// Documentation links.
    pub references: Vec<String>,
    /// Whether the rule is a configuration check (reported in its own SARIF run) rather than
    /// a secret pattern.
    pub is_check: bool,
}

/// The rules a scan ran with, in load order, looked up by id.
#[derive(Debug, Clone, Default)]
pub struct RuleCatalog {
    rules: Vec<RuleInfo>,
    by_id: HashMap<String, usize>,
}

impl RuleCatalog {
    /// A catalog of `rules` (in the order reports list them). A later rule with an id already
    /// seen replaces nothing: the first one is the one looked up.
    pub fn new(rules: Vec<RuleInfo>) -> RuleCatalog {
        let mut by_id = HashMap::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            by_id.entry(rule.id.clone()).or_insert(i);
        }
        RuleCatalog { rules, by_id }
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&RuleInfo> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// Every rule, in load order.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, name: &str) -> RuleInfo {
        RuleInfo {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            severity: Severity::High,
            confidence: Confidence::High,
            tags: vec![],
            remediation: String::new(),
            references: vec![],
            is_check: false,
        }
    }

    #[test]
    fn looks_up_by_id_and_keeps_load_order() {
        let catalog = RuleCatalog::new(vec![info("b", "B"), info("a", "A"), info("b", "B again")]);
        assert_eq!(catalog.len(), 3);
        assert_eq!(catalog.get("b").map(|r| r.name.as_str()), Some("B"));
        assert_eq!(catalog.get("a").map(|r| r.name.as_str()), Some("A"));
        assert!(catalog.get("c").is_none());
        let ids: Vec<&str> = catalog.rules().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "b"]);
    }
}
