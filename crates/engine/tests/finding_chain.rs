//! The finding chain as the engine builds it: stage order and the first suppression.

use std::cell::RefCell;
use std::collections::HashSet;

use leakscan_engine::Scanner;
use leakscan_filter::chain::{FindingFilters, FindingSubject, stage_names};
use leakscan_filter::inline::MarkerLines;
use leakscan_model::{Outcome, Suppression};

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
