//! The keyword prefilter: every ASCII case-insensitive occurrence of a set of keywords in a byte
//! range, found with one table lookup per two bytes.
//!
//! An Aho-Corasick automaton over the ~1,800 built-in keywords and their encoded forms is several
//! megabytes: its overlapping search missed the cache on most bytes and ran at about 0.45 GB/s
//! per core, the largest cost of a directory scan. This filter works like the fingerprint stage
//! of Hyperscan's FDR, in Rust (safe but for the vector loads of [`vector`]):
//!
//! - Only every other position is probed (those of the range's first position's parity), so each
//!   keyword has two fingerprints, one at an even and one at an odd offset from its start:
//!   wherever the keyword lies, exactly one of them starts at a probed position. A fingerprint is
//!   a 4-byte sequence of the keyword, the least frequent in ordinary text of its parity
//!   (`common_grams.txt` ranks the frequent ones), so that a keyword such as `integration_key` is
//!   looked for by `tion` rather than by `inte`. A keyword too short for two sequences uses its
//!   first three bytes with the byte before them open, or its last three with the byte after
//!   them open (entered in the table once for each of the 128 folded values of the open byte).
//! - A 512 KiB table (4 Mbit, read as 32-bit words) marks the fingerprints: a 32-bit
//!   multiplicative hash gives each one a bit, so a text sequence that is no fingerprint passes
//!   when its bit is one of the ~1% set. Every probed position's 4-byte sequence is hashed and
//!   looked up, with no branch unless one is marked (under 1% of probes on source code). On
//!   x86-64 CPUs with AVX2 (detected at run time) the hashing and the lookups run 32 probes
//!   (64 bytes) at a time, the table words gathered eight at a time ([`vector`], about 2.3
//!   times as fast); elsewhere, and for the last few bytes, a scalar loop reads the text eight
//!   bytes at a time and probes two positions. Probing every other position instead of every
//!   one, with the cheaper confirmation below, took the filter from ~1.6 to ~2.9 GB/s per core
//!   on the crate sources, and gathering the table words to ~3.3 GB/s (the table reads are its
//!   cost).
//! - A marked position is confirmed exactly: a small open-addressing table maps the fingerprint
//!   to the keywords (and offsets) it belongs to, and each is compared with the text. The
//!   sequence is looked up whole, then with its last and its first byte open when some
//!   fingerprint has an open byte (a 2^16-bit set of those fingerprints skips most of the
//!   second and third lookups), and an entry's first eight keyword bytes rule out most text
//!   before the keyword itself is read.
//!
//! Bytes are folded by setting bit 5 (`b | 0x20`): that lowercases ASCII letters and maps a few
//! other pairs together (`_` with DEL, newline with `*`), which only adds candidates, never
//! loses one, since the confirmation compares exactly. Keywords of one or two bytes (none are
//! built in) are found by a slower per-byte check that runs only when such a keyword exists.

use std::ops::Range;
use std::sync::OnceLock;

#[cfg(target_arch = "x86_64")]
#[path = "keyword_filter/avx2.rs"]
mod vector;

/// Stands in for the vector scan on other architectures.
#[cfg(not(target_arch = "x86_64"))]
mod vector {
    pub(super) fn available() -> bool {
        false
    }

    pub(super) fn scan(
        _: &[u32; super::TABLE_WORDS],
        _: u32,
        _: &[u8],
        at: usize,
        _: usize,
        _: impl FnMut(usize),
    ) -> usize {
        at
    }
}

/// log2 of the fingerprint table's size in bytes.
const TABLE_BITS: u32 = 19;

/// The fingerprint table's size in 32-bit words.
const TABLE_WORDS: usize = 1 << (TABLE_BITS - 2);

/// Bits of a fingerprint's hash: the number of its bit in the table (the table word, then the
/// bit within it).
const HASH_BITS: u32 = TABLE_BITS + 3;

/// Odd multipliers for the fingerprint hash; the one under which the frequent sequences of
/// ordinary text mark the fewest slots is used.
const MULTIPLIERS: [u32; 8] = [
    0x9E37_79B1,
    0x85EB_CA6B,
    0xC2B2_AE35,
    0x27D4_EB2F,
    0x1656_67B1,
    0xCC9E_2D51,
    0x1B87_3593,
    0x846C_A68B,
];

/// Folds the four bytes of `gram` as the filter compares them.
const FOLD: u32 = 0x2020_2020;

/// The keyword prefilter over a fixed list of keywords (see the module documentation): finds
/// the same occurrences as an ASCII case-insensitive, overlapping Aho-Corasick search.
///
/// ```
/// use leakscan_rules::KeywordFilter;
///
/// let filter = KeywordFilter::new(&["ghp_", "password"]);
/// let mut hits = Vec::new();
/// filter.find(b"PASSWORD=ghp_x", 0..14, |keyword, start| hits.push((keyword, start)));
/// hits.sort();
/// assert_eq!(hits, [(0, 9), (1, 0)]);
/// ```
#[derive(Debug, Clone)]
pub struct KeywordFilter {
    /// A bit for every hash: set for the hashes of fingerprints ([`TABLE_WORDS`] words; the
    /// bit of hash `h` is bit `h % 32` of word `h / 32`).
    table: Box<[u32]>,
    multiplier: u32,
    /// Open-addressing map from a fingerprint to its range of `entries`.
    slots: Box<[Slot]>,
    /// (keyword, offset of its fingerprint from its start: -1 to its length - 3), grouped by
    /// fingerprint.
    entries: Box<[Entry]>,
    /// The keywords, ASCII lowercase.
    keywords: Box<[Box<[u8]>]>,
    /// A 2^16-bit set of the fingerprints with an open byte (see [`open_bit`]).
    open_keys: Box<[u64]>,
    /// Keywords of one or two bytes, with their indices.
    short: Box<[(usize, Box<[u8]>)]>,
    /// The largest fingerprint offset: the scan reads this far past the range it reports on.
    max_offset: usize,
    /// Whether table probes use the AVX2 scan (when this CPU has it).
    vector: bool,
}

/// A keyword under a fingerprint.
#[derive(Debug, Clone, Copy)]
struct Entry {
    keyword: u32,
    /// Where the fingerprint starts in the keyword (-1: one byte before it).
    offset: i32,
    /// The keyword's first eight bytes (fewer when shorter), folded, little-endian.
    head: u64,
    /// Which bytes of `head` the keyword has.
    head_mask: u64,
}

impl Entry {
    fn new(keyword: u32, offset: i32, word: &[u8]) -> Entry {
        let mut head = [0u8; 8];
        let mut mask = [0u8; 8];
        for (i, &b) in word.iter().take(8).enumerate() {
            head[i] = b | 0x20;
            mask[i] = 0xFF;
        }
        Entry {
            keyword,
            offset,
            head: u64::from_le_bytes(head),
            head_mask: u64::from_le_bytes(mask),
        }
    }
}

/// [`FOLD`] over eight bytes.
const FOLD_8: u64 = 0x2020_2020_2020_2020;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The fingerprint (folded bytes, little-endian; an open byte is zero).
    key: u32,
    /// Its entries: `entries[start..start + len]`; `len == 0` marks an empty slot.
    start: u32,
    len: u32,
}

impl KeywordFilter {
    /// A filter finding `keywords` (compared ASCII case-insensitively). Empty keywords are
    /// ignored.
    pub fn new<K: AsRef<[u8]>>(keywords: &[K]) -> KeywordFilter {
        let keywords: Box<[Box<[u8]>]> = keywords
            .iter()
            .map(|k| k.as_ref().to_ascii_lowercase().into_boxed_slice())
            .collect();
        let ranks = common_grams();
        // (key, keyword, offset of the key's first byte from the keyword's start)
        let mut fingerprints: Vec<(u32, u32, i32)> = Vec::new();
        let mut short = Vec::new();
        for (index, keyword) in keywords.iter().enumerate() {
            let k = &keyword[..];
            let index = index as u32;
            match k.len() {
                0 => {}
                1 | 2 => short.push((index as usize, keyword.clone())),
                3 => {
                    // At a probed position, or one after it.
                    fingerprints.push((top_open([k[0], k[1], k[2]]), index, 0));
                    fingerprints.push((bottom_open([k[0], k[1], k[2]]), index, -1));
                }
                4 => {
                    fingerprints.push((gram(k), index, 0));
                    // One byte off a probed position: from one before it or one after it,
                    // whichever three bytes are rarer.
                    let after = top_open([k[1], k[2], k[3]]);
                    let before = bottom_open([k[0], k[1], k[2]]);
                    if ranks.weight(after) <= ranks.weight(before) {
                        fingerprints.push((after, index, 1));
                    } else {
                        fingerprints.push((before, index, -1));
                    }
                }
                len => {
                    // One fingerprint at an even offset and one at an odd offset: one of the
                    // two always starts at a probed position.
                    for parity in [0, 1] {
                        let offset = (parity..=len - 4)
                            .step_by(2)
                            .min_by_key(|&o| ranks.weight(gram(&k[o..o + 4])))
                            .unwrap_or(parity);
                        fingerprints.push((gram(&k[offset..offset + 4]), index, offset as i32));
                    }
                }
            }
        }
        let max_offset = fingerprints.iter().map(|f| f.2.max(0) as usize).max().unwrap_or(0);
        let mut open_keys = vec![0u64; 1 << 10].into_boxed_slice();
        for &(key, _, _) in &fingerprints {
            if key >> 24 == 0 || key & 0xFF == 0 {
                let bit = open_bit(key);
                open_keys[bit >> 6] |= 1 << (bit & 63);
            }
        }
        // Every sequence the table marks: a fingerprint, or each expansion of one with an open
        // byte.
        let marked: Vec<u32> = fingerprints.iter().flat_map(|&(key, _, _)| expansions(key)).collect();
        // The multiplier under which the frequent sequences of ordinary text (that are not
        // fingerprints themselves) hit the fewest marked bits.
        let mut keys: Vec<u32> = fingerprints.iter().map(|f| f.0).collect();
        keys.sort_unstable();
        let is_fingerprint = |g: u32| {
            keys.binary_search(&g).is_ok()
                || keys.binary_search(&(g & 0x00FF_FFFF)).is_ok()
                || keys.binary_search(&(g & 0xFFFF_FF00)).is_ok()
        };
        let frequent: Vec<(u32, u64)> = ranks
            .grams
            .iter()
            .copied()
            .filter(|&(g, _)| !is_fingerprint(g))
            .collect();
        // Each candidate is scored in the table itself (cleared, marked, probed: linear work;
        // sorting the marks instead took most of the 3.5 ms this filter used to take to build).
        let mut table = vec![0u32; TABLE_WORDS].into_boxed_slice();
        let mark_table = |table: &mut [u32], multiplier: u32| {
            table.fill(0);
            for &g in &marked {
                let (word, bit) = hash(g, multiplier);
                table[word] |= 1 << bit;
            }
        };
        let multiplier = *MULTIPLIERS
            .iter()
            .min_by_key(|&&m| {
                mark_table(&mut table, m);
                let false_marks: u64 = frequent
                    .iter()
                    .filter(|&&(g, _)| {
                        let (word, bit) = hash(g, m);
                        table[word] >> bit & 1 != 0
                    })
                    .map(|(_, w)| *w)
                    .sum();
                false_marks
            })
            .expect("multipliers");
        mark_table(&mut table, multiplier);
        fingerprints.sort_unstable();
        let groups: Vec<&[(u32, u32, i32)]> = fingerprints.chunk_by(|a, b| a.0 == b.0).collect();
        let slot_count = (groups.len() * 2).next_power_of_two().max(2);
        let mut slots = vec![Slot::default(); slot_count].into_boxed_slice();
        let mut start = 0u32;
        for group in &groups {
            let key = group[0].0;
            let mut at = slot_of(key, slot_count);
            while slots[at].len != 0 {
                at = (at + 1) & (slot_count - 1);
            }
            slots[at] = Slot {
                key,
                start,
                len: group.len() as u32,
            };
            start += group.len() as u32;
        }
        let entries = fingerprints
            .iter()
            .map(|&(_, keyword, offset)| Entry::new(keyword, offset, &keywords[keyword as usize]))
            .collect();
        KeywordFilter {
            table,
            multiplier,
            slots,
            entries,
            keywords,
            open_keys,
            short: short.into_boxed_slice(),
            max_offset,
            vector: vector::available(),
        }
    }

    /// The length of keyword `index`, in bytes.
    pub fn keyword_len(&self, index: usize) -> usize {
        self.keywords[index].len()
    }

    /// Calls `on_hit(keyword, start)` for every occurrence of a keyword in `data` that starts
    /// in `starts` (it may end past `starts.end`, not past `data`). Occurrences come in no
    /// particular order; each is reported once.
    pub fn find(&self, data: &[u8], starts: Range<usize>, mut on_hit: impl FnMut(usize, usize)) {
        let starts = starts.start.min(data.len())..starts.end.min(data.len());
        if starts.is_empty() {
            return;
        }
        let table: &[u32; TABLE_WORDS] = self.table.as_ref().try_into().expect("table size");
        // Fingerprints start up to `max_offset` bytes after their keyword.
        let end = (starts.end + self.max_offset).min(data.len());
        // Probed: the positions of `starts.start`'s parity (every step below is even).
        let mut at = starts.start;
        if self.vector {
            at = vector::scan(table, self.multiplier, data, at, end, |position| {
                if position < end {
                    let gram = gram(&data[position..position + 4]);
                    self.confirm(data, &starts, position, gram, &mut on_hit);
                }
            });
        }
        while at < end && at + 8 <= data.len() {
            let block = u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes")) | FOLD_8;
            let mut marks = 0u32;
            for k in [0, 2] {
                let (word, bit) = hash((block >> (8 * k)) as u32, self.multiplier);
                marks |= (table[word] >> bit & 1) << k;
            }
            while marks != 0 {
                let k = marks.trailing_zeros() as usize;
                marks &= marks - 1;
                if at + k < end {
                    self.confirm(data, &starts, at + k, (block >> (8 * k)) as u32, &mut on_hit);
                }
            }
            at += 4;
        }
        // The last few positions: read through a zero-padded copy (a fingerprint with an open
        // last byte can end the data).
        let mut tail = [0u8; 16];
        let rest = &data[at.min(data.len())..];
        tail[..rest.len().min(12)].copy_from_slice(&rest[..rest.len().min(12)]);
        for i in (0..end.saturating_sub(at)).step_by(2) {
            let gram = u32::from_le_bytes(tail[i..i + 4].try_into().expect("4 bytes")) | FOLD;
            let (word, bit) = hash(gram, self.multiplier);
            if table[word] >> bit & 1 != 0 {
                self.confirm(data, &starts, at + i, gram, &mut on_hit);
            }
        }
        if !self.short.is_empty() {
            self.find_short(data, &starts, &mut on_hit);
        }
    }

    /// Compares the keywords fingerprinted by `gram` (the folded bytes at `at`) with the text.
    #[inline]
    fn confirm(&self, data: &[u8], starts: &Range<usize>, at: usize, gram: u32, on_hit: &mut impl FnMut(usize, usize)) {
        self.confirm_key(data, starts, at, gram, on_hit);
        // The sequence with its last, then its first byte open (a key with a zero byte).
        for key in [gram & 0x00FF_FFFF, gram & 0xFFFF_FF00] {
            let bit = open_bit(key);
            if self.open_keys[bit >> 6] >> (bit & 63) & 1 != 0 {
                self.confirm_key(data, starts, at, key, on_hit);
            }
        }
    }

    fn confirm_key(
        &self,
        data: &[u8],
        starts: &Range<usize>,
        at: usize,
        key: u32,
        on_hit: &mut impl FnMut(usize, usize),
    ) {
        let mask = self.slots.len() - 1;
        let mut slot = slot_of(key, self.slots.len());
        loop {
            let s = self.slots[slot];
            if s.len == 0 {
                return;
            }
            if s.key == key {
                for entry in &self.entries[s.start as usize..(s.start + s.len) as usize] {
                    let Some(start) = at.checked_add_signed(-(entry.offset as isize)) else {
                        continue;
                    };
                    if !starts.contains(&start) {
                        continue;
                    }
                    // The keyword's first eight bytes, folded, rule out most text without
                    // reading the keyword itself.
                    if let Some(head) = data.get(start..start + 8)
                        && (u64::from_le_bytes(head.try_into().expect("8 bytes")) | FOLD_8) & entry.head_mask
                            != entry.head
                    {
                        continue;
                    }
                    let word = &self.keywords[entry.keyword as usize];
                    if data.len() - start >= word.len() && data[start..start + word.len()].eq_ignore_ascii_case(word) {
                        on_hit(entry.keyword as usize, start);
                    }
                }
                return;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// One- and two-byte keywords: compared at every position whose byte begins one.
    fn find_short(&self, data: &[u8], starts: &Range<usize>, on_hit: &mut impl FnMut(usize, usize)) {
        let mut first = [false; 256];
        for (_, word) in self.short.iter() {
            first[usize::from(word[0] | 0x20)] = true;
        }
        for start in starts.clone() {
            if !first[usize::from(data[start] | 0x20)] {
                continue;
            }
            for (index, word) in self.short.iter() {
                if data.len() - start >= word.len() && data[start..start + word.len()].eq_ignore_ascii_case(word) {
                    on_hit(*index, start);
                }
            }
        }
    }
}

/// The key of a fingerprint whose fourth byte is open: three bytes, folded, and a zero.
fn top_open(bytes: [u8; 3]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]) | 0x0020_2020
}

/// The key of a fingerprint whose first byte is open: a zero, then three bytes, folded.
fn bottom_open(bytes: [u8; 3]) -> u32 {
    u32::from_le_bytes([0, bytes[0], bytes[1], bytes[2]]) | 0x2020_2000
}

/// The 4-byte sequences (folded) a fingerprint stands for: itself, or, with an open byte, each
/// of the 128 folded values (bit 5 set) of that byte.
fn expansions(key: u32) -> impl Iterator<Item = u32> {
    let open = if key >> 24 == 0 {
        Some(24)
    } else if key & 0xFF == 0 {
        Some(0)
    } else {
        None
    };
    let last = if open.is_some() { 255 } else { 0 };
    (0..=last)
        .filter(move |b| open.is_none() || b & 0x20 != 0)
        .map(move |b| key | b << open.unwrap_or(0))
}

/// The little-endian u32 of four bytes, folded.
fn gram(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) | FOLD
}

/// The table word of `gram` and its bit in the word (0–31): the top [`HASH_BITS`] bits of a
/// 32-bit multiplicative hash, split (the vector scan computes the same).
#[inline(always)]
fn hash(gram: u32, multiplier: u32) -> (usize, u32) {
    let product = gram.wrapping_mul(multiplier) >> (32 - HASH_BITS);
    ((product >> 5) as usize, product & 31)
}

/// The bit of a key with an open byte in [`KeywordFilter::open_keys`].
fn open_bit(key: u32) -> usize {
    (key.wrapping_mul(0x85EB_CA6B) >> 16) as usize
}

fn slot_of(key: u32, slots: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 7) as usize & (slots - 1)
}

/// The frequent 4-byte sequences of ordinary text, with their weights.
struct CommonGrams {
    /// (folded sequence, weight), heaviest first.
    grams: Vec<(u32, u64)>,
    /// The same, sorted by sequence.
    sorted: Vec<(u32, u64)>,
    /// The summed weights of the sequences under each fingerprint with an open byte (last byte
    /// open, then first byte open), sorted.
    open_last: Vec<(u32, u64)>,
    open_first: Vec<(u32, u64)>,
}

impl CommonGrams {
    fn new(grams: Vec<(u32, u64)>) -> CommonGrams {
        let summed = |mask: u32| {
            let mut keyed: Vec<(u32, u64)> = grams.iter().map(|&(g, w)| (g & mask, w)).collect();
            keyed.sort_unstable();
            let mut sums: Vec<(u32, u64)> = Vec::with_capacity(keyed.len());
            for (key, weight) in keyed {
                match sums.last_mut() {
                    Some(last) if last.0 == key => last.1 += weight,
                    _ => sums.push((key, weight)),
                }
            }
            sums
        };
        let (open_last, open_first) = (summed(0x00FF_FFFF), summed(0xFFFF_FF00));
        let mut sorted = grams.clone();
        sorted.sort_unstable();
        CommonGrams {
            grams,
            sorted,
            open_last,
            open_first,
        }
    }

    /// How frequent the sequences of a fingerprint are in ordinary text (0: not among the
    /// frequent ones): its own weight, or with an open byte, the sum over its expansions.
    fn weight(&self, key: u32) -> u64 {
        let table = if key >> 24 == 0 {
            &self.open_last
        } else if key & 0xFF == 0 {
            &self.open_first
        } else {
            &self.sorted
        };
        table.binary_search_by_key(&key, |&(g, _)| g).map_or(0, |i| table[i].1)
    }
}

/// Reads the frequent-sequence table now, on a spare rayon thread, so that the first
/// [`KeywordFilter::new`] finds it ready (rule loading calls this before it parses the rule
/// files: ~0.5 ms of start-up, otherwise spent waiting).
pub(crate) fn prepare() {
    rayon::spawn(|| {
        common_grams();
    });
}

/// Whether the 4 bytes `gram` (folded as the prefilter folds: `b | 0x20`) are among the most
/// frequent sequences of ordinary source text and configuration. Code identifiers are made of
/// them; random tokens almost never are (the generic rules' `secret-shape` check uses this).
pub(crate) fn is_common_gram(gram: [u8; 4]) -> bool {
    let folded = u32::from_le_bytes(gram.map(|b| b | 0x20));
    common_grams().sorted.binary_search_by_key(&folded, |&(g, _)| g).is_ok()
}

fn common_grams() -> &'static CommonGrams {
    static GRAMS: OnceLock<CommonGrams> = OnceLock::new();
    GRAMS.get_or_init(|| {
        let grams: Vec<(u32, u64)> = include_str!("common_grams.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut fields = l.split(' ');
                let gram = u32::from_str_radix(fields.next()?, 16).ok()?;
                let weight = fields.next()?.parse().ok()?;
                Some((gram, weight))
            })
            .collect();
        CommonGrams::new(grams)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasickBuilder, MatchKind};
    use proptest::prelude::*;

    /// Every (keyword, start) an Aho-Corasick overlapping search finds with a start in `starts`.
    fn reference(keywords: &[&str], data: &[u8], starts: Range<usize>) -> Vec<(usize, usize)> {
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .unwrap();
        let mut hits: Vec<(usize, usize)> = ac
            .find_overlapping_iter(data)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .filter(|(_, s)| starts.contains(s))
            .collect();
        hits.sort_unstable();
        hits
    }

    /// What the filter finds, with the vector scan (where the CPU has it) and without: the two
    /// must agree.
    fn found(keywords: &[&str], data: &[u8], starts: Range<usize>) -> Vec<(usize, usize)> {
        let filter = KeywordFilter::new(keywords);
        let vector = hits_of(&filter, data, starts.clone());
        let scalar = hits_of(
            &KeywordFilter {
                vector: false,
                ..filter
            },
            data,
            starts,
        );
        assert_eq!(vector, scalar, "the vector and scalar scans disagree");
        vector
    }

    fn hits_of(filter: &KeywordFilter, data: &[u8], starts: Range<usize>) -> Vec<(usize, usize)> {
        let mut hits = Vec::new();
        filter.find(data, starts, |k, s| hits.push((k, s)));
        hits.sort_unstable();
        hits
    }

    #[test]
    fn finds_keywords_of_every_length_in_any_case_at_both_ends() {
        let keywords = ["q", "sk", "eyj", "ghp_", "password", "Integration_Key"];
        let text = b"Q sk EyJ ghp_ PassWord integration_KEY ghp_x eyj";
        assert_eq!(
            found(&keywords, text, 0..text.len()),
            reference(&keywords, text, 0..text.len())
        );
        let hits = found(&keywords, text, 0..text.len());
        assert!(hits.contains(&(0, 0)), "one-byte keyword at the start");
        assert!(
            hits.contains(&(2, text.len() - 3)),
            "three-byte keyword ending the data"
        );
        assert!(hits.contains(&(5, 23)), "fingerprinted past its start");
    }

    #[test]
    fn reports_only_starts_in_the_range_but_reads_past_it() {
        let keywords = ["integration_key", "token"];
        let text = b"xx integration_key token";
        // The range ends inside the first keyword: it is reported, read to its end.
        assert_eq!(found(&keywords, text, 3..4), vec![(0, 3)]);
        assert_eq!(found(&keywords, text, 4..text.len()), vec![(1, 19)]);
        assert_eq!(found(&keywords, text, 0..0), vec![]);
        assert_eq!(found(&keywords, text, 30..40), vec![]);
    }

    #[test]
    fn keywords_are_found_at_every_offset_of_a_vector_block_and_range() {
        let keywords = ["ghp_", "eyj", "integration_key"];
        for place in 0..80 {
            let mut text = vec![b'.'; 120];
            text[place..place + 4].copy_from_slice(b"GHP_");
            let tail = 119 - (place % 40);
            text[tail - 2..=tail].copy_from_slice(b"eyJ");
            for starts in [0..text.len(), place..place + 1, place + 1..text.len(), 0..place] {
                assert_eq!(
                    found(&keywords, &text, starts.clone()),
                    reference(&keywords, &text, starts.clone()),
                    "ghp_ at {place}, range {starts:?}"
                );
            }
        }
    }

    #[test]
    fn each_occurrence_is_found_once_whatever_the_parity_of_its_start_and_of_the_range() {
        // Only every other position is probed: keywords of every length from three (`aaaaa`
        // has the same sequence at both of its fingerprints' offsets), at every offset, in texts
        // that end at the keyword or just after it, with ranges starting at odd and even
        // positions.
        let keywords = ["eyj", "ghp_", "xoxb-", "sk_live", "aaaaa", "integration_key"];
        for keyword in keywords {
            for place in 0..40 {
                let mut text = vec![b'.'; place + keyword.len() + place % 3];
                text[place..place + keyword.len()].copy_from_slice(keyword.to_ascii_uppercase().as_bytes());
                for from in 0..4 {
                    for starts in [from..text.len(), from..place + 1] {
                        let hits = found(&keywords, &text, starts.clone());
                        assert_eq!(
                            hits,
                            reference(&keywords, &text, starts.clone()),
                            "{keyword} at {place}, range {starts:?}"
                        );
                    }
                }
            }
        }
        let run = b"xaaaaaaaax";
        assert_eq!(found(&keywords, run, 0..run.len()).len(), 4, "overlapping occurrences");
        assert_eq!(
            found(&keywords, run, 1..run.len()),
            reference(&keywords, run, 1..run.len())
        );
    }

    #[test]
    fn overlapping_and_repeated_keywords_are_all_reported() {
        let keywords = ["api_key", "key", "api_key_id", "aaaa"];
        let text = b"API_KEY_ID api_key aaaaaa";
        assert_eq!(
            found(&keywords, text, 0..text.len()),
            reference(&keywords, text, 0..text.len())
        );
        assert_eq!(found(&keywords, text, 0..text.len()).len(), 8);
    }

    #[test]
    fn frequent_sequences_are_avoided_as_fingerprints() {
        let grams = common_grams();
        assert!(grams.grams.len() >= 4000);
        assert!(grams.weight(gram(b"DATA")) > 0, "`data` is frequent");
        for key in [top_open(*b"dat"), bottom_open(*b"ata")] {
            let summed: u64 = expansions(key).map(|g| grams.weight(g)).sum();
            assert_eq!(grams.weight(key), summed, "an open byte weighs all its sequences");
            assert!(summed >= grams.weight(gram(b"data")));
        }
        let filter = KeywordFilter::new(&["database_password"]);
        assert_eq!(
            filter.entries.len(),
            2,
            "one fingerprint at an even and one at an odd offset"
        );
        for entry in &filter.entries {
            let offset = entry.offset as usize;
            assert_ne!(&b"database_password"[offset..offset + 4], b"data");
        }
    }

    #[test]
    fn built_in_keywords_match_an_aho_corasick_search_on_text() {
        let rules = crate::RuleSet::builtin().unwrap();
        let filter = rules.prefilter.as_ref().unwrap();
        let keywords: Vec<String> = filter
            .keywords
            .iter()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect();
        let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
        let mut text = Vec::new();
        for file in crate::builtin_rule_files() {
            text.extend_from_slice(file.1.as_bytes());
        }
        let hits = hits_of(filter, &text, 0..text.len());
        assert!(hits.len() > 500, "{} hits", hits.len());
        assert_eq!(hits, reference(&keywords, &text, 0..text.len()));
        let scalar = KeywordFilter {
            vector: false,
            ..filter.clone()
        };
        assert_eq!(hits_of(&scalar, &text, 0..text.len()), hits);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Keywords that begin with a frequent sequence (`data`, `inte`) are fingerprinted past
        /// their start; the text is pieces of keyword-like text and bytes that fold together.
        #[test]
        fn matches_an_aho_corasick_search(
            keywords in proptest::collection::vec("(data|DATA|inte)?[a-dA-D_ ]{1,6}", 1..12),
            pieces in proptest::collection::vec(prop_oneof![
                "(data|DaTa|inte)?[a-dA-D_ ]{0,5}".prop_map(String::into_bytes),
                proptest::collection::vec(prop_oneof![Just(0u8), Just(0x7f), Just(b'\n'), Just(b'*'), Just(0xE9)], 1..3),
            ], 0..40),
            from in 0usize..220,
            len in 0usize..220,
        ) {
            let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
            let text = pieces.concat();
            let starts = from..from + len;
            let clamped = starts.start.min(text.len())..starts.end.min(text.len());
            prop_assert_eq!(found(&keywords, &text, starts), reference(&keywords, &text, clamped));
        }
    }
}
