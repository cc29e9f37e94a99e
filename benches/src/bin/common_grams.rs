//! Regenerates `crates/rules/src/common_grams.txt`: the most frequent case-folded 4-byte
//! sequences of ordinary text, which the keyword prefilter avoids as keyword fingerprints.
//!
//! Usage: `cargo run --release -p leakscan-benches --bin common_grams -- N DIR...`
//!
//! Every DIR is one sample (say, one language's sources) and weighs the same whatever its size:
//! a sequence's weight is the sum over samples of its frequency there, in parts per ten million.
//! The N heaviest are printed as `hex weight readable`, heaviest first. Bytes are folded as the
//! prefilter folds them (`b | 0x20`).

use std::collections::HashMap;
use std::path::Path;

fn count_sample(dir: &Path) -> (HashMap<u32, u64>, u64) {
    let mut counts: HashMap<u32, u64> = HashMap::new();
    let mut total = 0u64;
    for entry in walk(dir) {
        let Ok(data) = std::fs::read(&entry) else { continue };
        for w in data.windows(4) {
            let gram = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) | 0x2020_2020;
            *counts.entry(gram).or_default() += 1;
            total += 1;
        }
    }
    (counts, total)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            // Follows symbolic links: a sample may be a directory of links to source trees.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => stack.push(path),
                Ok(m) if m.is_file() => files.push(path),
                _ => {}
            }
        }
    }
    files
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .expect("usage: common_grams N DIR...");
    let mut weights: HashMap<u32, u64> = HashMap::new();
    for dir in args {
        let (counts, total) = count_sample(Path::new(&dir));
        eprintln!("{dir}: {total} positions, {} distinct sequences", counts.len());
        for (gram, count) in counts {
            *weights.entry(gram).or_default() += count * 10_000_000 / total.max(1);
        }
    }
    let mut ranked: Vec<(u32, u64)> = weights.into_iter().filter(|&(_, w)| w > 0).collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (gram, weight) in ranked.into_iter().take(n) {
        let bytes = gram.to_le_bytes();
        println!("{gram:08x} {weight} {}", bytes.escape_ascii());
    }
}
