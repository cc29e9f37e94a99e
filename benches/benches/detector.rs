//! Criterion benchmarks of the detector over seeded synthetic source text.
//!
//! `cargo bench -p leakscan-benches` — reports throughput (bytes/s) per case.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use leakscan_benches::source_corpus;
use scanner_core::{Detector, RuleSet, detect::shannon_entropy};

fn detector(c: &mut Criterion) {
    let rules = RuleSet::builtin().expect("built-in rules compile");
    let detector = Detector::new(&rules);
    let mut group = c.benchmark_group("detector");
    for (name, hits) in [("no-keyword-hits", false), ("keyword-hits", true)] {
        let corpus = source_corpus(42, 4 << 20, hits);
        group.throughput(Throughput::Bytes(corpus.len() as u64));
        group.bench_with_input(BenchmarkId::new("detect", name), &corpus, |b, data| {
            b.iter(|| detector.detect(std::hint::black_box(data)))
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    c.bench_function("rules/compile-builtin", |b| {
        b.iter(|| RuleSet::builtin().expect("compiles"))
    });
}

fn entropy(c: &mut Criterion) {
    let token = concat!("ghp_", "Q8mZt2rK9vLw4XbN7cPd1sHy6JfGa3Ue0TkR").as_bytes();
    c.bench_function("entropy/40-bytes", |b| {
        b.iter(|| shannon_entropy(std::hint::black_box(token)))
    });
}

criterion_group!(benches, detector, compile, entropy);
criterion_main!(benches);
