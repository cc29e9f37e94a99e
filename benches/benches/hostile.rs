//! Hostile inputs through the whole pipeline (detection, findings, snippets, filters): the
//! cost must be linear in the findings, however many share one line.
//!
//! `cargo bench -p leakscan-benches --bench hostile` — reports time and throughput per case.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakscan_benches::{assignments_on_one_line, many_keys_on_one_line};
use scanner_core::{RuleSet, Scanner};

fn one_line(c: &mut Criterion) {
    let rules = RuleSet::builtin().expect("built-in rules compile");
    let scanner = Scanner::builder().rules(rules).build().expect("scanner");
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    // 24,000 AWS-shaped key ids on one 504 KB line (was 20 s when positions were counted
    // from the line start for every finding).
    let keys = many_keys_on_one_line(7, 24_000);
    group.throughput(Throughput::Bytes(keys.len() as u64));
    group.bench_function("24k-keys-one-line", |b| {
        b.iter(|| scanner.scan_bytes("keys.txt", std::hint::black_box(&keys)))
    });
    // A 3.45 MB line of `api_key = "…"` assignments (~75,000 findings; the 34.5 MB case of
    // issue 21 is ten times this, measured with the CLI in benches/RESULTS.md).
    let assignments = assignments_on_one_line(8, 3_450_000);
    group.throughput(Throughput::Bytes(assignments.len() as u64));
    group.bench_function("assignments-3.45MB-one-line", |b| {
        b.iter(|| scanner.scan_bytes("assign.txt", std::hint::black_box(&assignments)))
    });
    group.finish();
}

criterion_group!(benches, one_line);
criterion_main!(benches);
