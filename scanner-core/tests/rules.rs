//! The built-in rule pack: it loads, and every rule's examples behave (what `rules check` runs).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use scanner_core::{RuleSet, Scanner, check_rules, rules::builtin_rule_files};

fn builtin_files() -> Vec<(String, String)> {
    builtin_rule_files()
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

#[test]
fn builtin_rules_pass_rules_check_without_warnings() {
    let (count, issues) = check_rules(&builtin_files());
    let shown: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
    assert!(issues.is_empty(), "rules check found problems:\n{}", shown.join("\n"));
    assert!(count >= 40, "only {count} built-in rules");
}

#[test]
fn every_rule_has_two_examples_each_way_and_remediation() {
    let rules = RuleSet::builtin().unwrap();
    for r in rules.rules() {
        assert!(r.examples.len() >= 2, "{}: fewer than 2 examples", r.id);
        assert!(
            r.negative_examples.len() >= 2,
            "{}: fewer than 2 negative examples",
            r.id
        );
        assert!(!r.remediation.trim().is_empty(), "{}: no remediation", r.id);
        assert!(r.is_check() || !r.keywords.is_empty(), "{}: no keywords", r.id);
    }
}

#[test]
fn examples_are_found_through_the_full_rule_set() {
    // With every rule loaded (not only the rule alone), each positive example still yields a
    // finding: of its own rule, or of a rule that wins the same span (one finding per secret:
    // a more specific or more confident rule) — never nothing.
    let scanner = Scanner::builder().build().unwrap();
    let mut replaced = Vec::new();
    // (Configuration checks run on whole files with their paths: `rules check` covers them.)
    for r in scanner.rules().rules().iter().filter(|r| !r.is_check()) {
        for (i, example) in r.examples.iter().enumerate() {
            let found = scanner.scan_bytes("example", example.as_bytes());
            let active: Vec<_> = found.iter().filter(|f| !f.is_suppressed()).collect();
            if active.iter().any(|f| f.rule_id == r.id) {
                continue;
            }
            let winner = active
                .iter()
                .find(|f| f.confidence >= r.confidence || r.tags.iter().any(|t| t == "generic"));
            assert!(
                winner.is_some(),
                "{} example {} is not found with the full rule set: {:?}",
                r.id,
                i + 1,
                active.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
            );
            replaced.push(format!(
                "{} #{} -> {}",
                r.id,
                i + 1,
                winner.map(|f| f.rule_id.as_str()).unwrap_or("")
            ));
        }
    }
    // Keep the list short and known: each entry is a secret a more specific rule reports.
    assert!(replaced.len() <= 3, "{replaced:#?}");
}

#[test]
fn documented_placeholders_are_never_reported() {
    let scanner = Scanner::builder().build().unwrap();
    for text in [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "password = \"${DB_PASSWORD}\"",
        "password: \"{{ .Values.db.password }}\"",
        "api_key = \"<your-api-key>\"",
        "password = \"changeme\"",
        "DATABASE_URL=postgres://user:password@localhost:5432/db",
    ] {
        let found: Vec<_> = scanner
            .scan_bytes("doc", text.as_bytes())
            .into_iter()
            .filter(|f| !f.is_suppressed())
            .collect();
        assert!(
            found.is_empty(),
            "{text:?} reported as {:?}",
            found.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
        );
    }
}

#[test]
fn rule_compilation_is_fast_enough_for_pre_commit() {
    // Not a benchmark (see benches/): a guard against an accidental order-of-magnitude
    // regression, generous enough for a loaded CI machine in debug builds.
    let started = std::time::Instant::now();
    RuleSet::builtin().unwrap();
    assert!(
        started.elapsed().as_secs() < 5,
        "compiling the built-in rules took {:?}",
        started.elapsed()
    );
}
