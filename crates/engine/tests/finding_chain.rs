//! The finding chain as the engine builds it: stage order and the first suppression.

use std::cell::RefCell;
use std::collections::HashSet;

use leakscan_engine::Scanner;
use leakscan_filter::chain::{FindingFilters, FindingSubject, stage_names};
use leakscan_filter::inline::MarkerLines;
use leakscan_model::{Confidence, Lowering, Outcome, Suppression};
use leakscan_rules::RuleSet;

#[test]
fn the_finding_chain_runs_in_order_and_collects_warnings() {
    let filters = FindingFilters::default();
    assert_eq!(filters.names(), ["test-context", "inline-allow", "already-committed"]);
    assert_eq!(
        stage_names(&filters),
        [
            "entropy-minimum",
            "rule-allow",
            "placeholder",
            "test-context",
            "inline-allow",
            "already-committed"
        ]
    );
    let scanner = Scanner::builder().build().unwrap();
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
        rule: None,
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

/// Test context lowers and never suppresses: a key file under `tests/` goes to low, a generic
/// match loses one tier, a checksum-valid token keeps its confidence, and a finding a match
/// stage already suppressed is still lowered (only the lowering stages run for it).
#[test]
fn test_context_is_a_lowering_stage() {
    let rules = RuleSet::builtin().unwrap();
    let filters = FindingFilters::default();
    let scanner = Scanner::builder().build().unwrap();
    let markers = MarkerLines::default();
    let used = RefCell::default();
    let judge = |path: &str, text: &str, rule_id: &str| {
        let f = scanner
            .scan_bytes("src/app.env", text.as_bytes())
            .into_iter()
            .find(|f| f.rule_id == rule_id)
            .unwrap_or_else(|| panic!("{rule_id} finds nothing in {text:?}"));
        let mut moved = f.clone();
        moved.origin.logical = path.to_string();
        let subject = FindingSubject {
            finding: &moved,
            lines: [1, 1],
            line_shift: 0,
            markers: &markers,
            used_markers: &used,
            previous: None,
            rule: rules.get(rule_id),
        };
        (filters.run(&subject), filters.run_adjusting(&subject), f.confidence)
    };
    // A classic GitHub token carries a CRC32 checksum: valid, it keeps its confidence in tests.
    let token = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
    let (outcome, _, _) = judge("tests/a.env", token, "github-pat-classic");
    assert!(outcome.lowered.is_empty(), "{outcome:?}");
    let (outcome, _, _) = judge("src/a.env", token, "github-pat-classic");
    assert!(
        outcome.lowered.is_empty(),
        "outside tests nothing is lowered: {outcome:?}"
    );
    // A generic password assignment in a test file loses one tier, and the chain goes on.
    let text = concat!("DB_PASSWORD=", "Vq8r2LmX4tZs9KpW\n");
    let (outcome, adjusting, confidence) = judge("pkg/db_test.go", text, "generic-password-unquoted");
    assert_eq!(outcome.suppressed, None);
    match &outcome.lowered[..] {
        [("test-context", Lowering::OneTier(why))] => assert!(why.contains("db_test.go"), "{why}"),
        other => panic!("expected one tier from test-context, got {other:?}"),
    }
    assert_eq!(
        adjusting.lowered, outcome.lowered,
        "the lowering stages alone say the same"
    );
    let mut lowered = scanner.scan_bytes("src/app.env", text.as_bytes()).remove(0);
    assert_eq!(lowered.confidence, confidence);
    Lowering::OneTier("x".into()).apply(&mut lowered);
    assert!(lowered.confidence < confidence || confidence == Confidence::Low);
}
