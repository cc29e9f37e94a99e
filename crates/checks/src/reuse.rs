//! The same secret in configuration for several environments (dev, test, staging, prod).
//!
//! Each file gets an environment from the words of its path (`config/prod/db.env`,
//! `values-staging.yaml`, `.env.development`). Findings are grouped by the secret's value
//! (compared by hash; placeholders are suppressed before this and never count). A value seen in
//! two or more environments becomes one extra finding listing every location.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use leakscan_model::finding::Finding;
use leakscan_model::fingerprint::fingerprint;
use leakscan_rules::{Rule, Severity};

/// The rule id of reuse findings.
pub const RULE_ID: &str = "secret-reused-across-environments";

pub use leakscan_model::environment::{Environment, environment_of};

/// One reuse finding per secret value seen in two or more environments; `configured` gives
/// the environment of paths the configuration assigns (`[environments]`), checked first.
pub fn find(findings: &[Finding], rule: &Rule, configured: &dyn Fn(&str) -> Option<Environment>) -> Vec<Finding> {
    let mut groups: BTreeMap<[u8; 32], Vec<(&Finding, Environment)>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| !f.is_suppressed() && f.rule_id != RULE_ID && !f.secret.is_evidence())
    {
        let path = &f.origin.logical;
        let Some(env) = configured(path).or_else(|| environment_of(path)) else {
            continue;
        };
        let key: [u8; 32] = Sha256::digest(f.secret.as_bytes()).into();
        let group = groups.entry(key).or_default();
        if !group
            .iter()
            .any(|(g, _)| g.origin.logical == f.origin.logical && g.start.line == f.start.line)
        {
            group.push((f, env));
        }
    }
    let mut out = Vec::new();
    for group in groups.values() {
        let mut envs: Vec<Environment> = group.iter().map(|(_, e)| *e).collect();
        envs.sort();
        envs.dedup();
        if envs.len() < 2 {
            continue;
        }
        let prod_elsewhere = envs.contains(&Environment::Prod) && envs.len() > 1;
        // Report at the least protected copy: that is where the secret is most exposed.
        let (primary, primary_env) = group
            .iter()
            .min_by_key(|(f, e)| (*e, f.sort_key()))
            .copied()
            .unwrap_or(group[0]);
        let mut f = primary.clone();
        f.rule_id = rule.id.clone();
        f.rule_name = rule.name.clone();
        f.severity = if prod_elsewhere {
            Severity::High.max(rule.severity)
        } else {
            rule.severity
        };
        f.confidence = group.iter().map(|(g, _)| g.confidence).min().unwrap_or(rule.confidence);
        f.fingerprint = fingerprint(&rule.id, f.secret.as_bytes(), &primary.origin.logical);
        f.validation = None;
        let mut places: Vec<String> = group
            .iter()
            .map(|(g, e)| format!("{} ({}, line {})", g.origin.display, e.as_str(), g.start.line))
            .collect();
        places.sort();
        f.detail = Some(format!(
            "the same {} value is used in {} environments ({}): {}{}",
            primary.rule_id,
            envs.len(),
            envs.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
            places.join("; "),
            if prod_elsewhere && primary_env != Environment::Prod {
                "; a production secret outside production config"
            } else {
                ""
            }
        ));
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_from_paths() {
        assert_eq!(environment_of("config/prod/db.env"), Some(Environment::Prod));
        assert_eq!(environment_of("helm/values-staging.yaml"), Some(Environment::Staging));
        assert_eq!(environment_of(".env.development"), Some(Environment::Dev));
        assert_eq!(environment_of("prod/overrides/dev.yaml"), Some(Environment::Dev));
        assert_eq!(environment_of("src/product/main.rs"), None);
    }
}
