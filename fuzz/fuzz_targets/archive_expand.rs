//! Archives: bytes → `sniff` → `expand` (recursively, as the scanner does) with the default
//! limits and a small budget. Errors are fine; panics, hangs and unbounded memory are not.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scanner_core::source::archive::{ArchiveLimits, Budget, expand, sniff};
use scanner_core::source::budget::MemoryBudget;

fn visit(data: &[u8], depth: usize, budget: &mut Budget) {
    let Some(kind) = sniff(data) else {
        return;
    };
    if depth >= budget.limits.max_depth {
        return;
    }
    let _ = expand(
        kind,
        data,
        budget,
        &mut |budget, member| visit(member.data, depth + 1, budget),
        &mut |_name, _problem| {},
    );
}

fuzz_target!(|data: &[u8]| {
    let limits = ArchiveLimits {
        max_total_bytes: 8 << 20,
        max_entries: 1_000,
        ..ArchiveLimits::default()
    };
    let before = Budget::new(limits, MemoryBudget::default());
    let mut budget = before.clone();
    visit(data, 0, &mut budget);
    assert!(budget.bytes_left <= before.bytes_left && budget.entries_left <= before.entries_left);
});
