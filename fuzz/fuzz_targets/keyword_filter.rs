//! Differential: the keyword prefilter against an ASCII case-insensitive, overlapping
//! Aho-Corasick search. The input is keywords and text separated by a 0xFF byte; keywords are
//! split at newlines. Every (keyword, start) must agree, for the whole text and for a sub-range.

#![no_main]

use aho_corasick::{AhoCorasickBuilder, MatchKind};
use libfuzzer_sys::fuzz_target;
use scanner_core::rules::KeywordFilter;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0xFF) else {
        return;
    };
    let keywords: Vec<&[u8]> = data[..split]
        .split(|&b| b == b'\n')
        .filter(|k| !k.is_empty())
        .take(64)
        .collect();
    let text = &data[split + 1..];
    if keywords.is_empty() {
        return;
    }
    let filter = KeywordFilter::new(&keywords);
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&keywords)
        .expect("automaton");
    let mut expected: Vec<(usize, usize)> = ac
        .find_overlapping_iter(text)
        .map(|m| (m.pattern().as_usize(), m.start()))
        .collect();
    expected.sort_unstable();
    for starts in [0..text.len(), text.len() / 3..text.len() / 2] {
        let mut found = Vec::new();
        filter.find(text, starts.clone(), |k, s| found.push((k, s)));
        found.sort_unstable();
        let want: Vec<_> = expected.iter().copied().filter(|(_, s)| starts.contains(s)).collect();
        assert_eq!(found, want, "range {starts:?}");
    }
});
