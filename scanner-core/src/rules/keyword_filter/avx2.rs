//! The keyword filter's table probes, 16 positions (every other one of a 32-byte block) at a time
//! with AVX2.
//!
//! The scalar scan spends most of its time hashing: one 32-bit multiply and two shifts per
//! probe. Here two unaligned 32-byte loads (at offsets 0 and 2 of a block) hold the 4-byte
//! sequences starting at the block's 16 even positions, eight per vector; they are folded,
//! multiplied and shifted eight at a time. The table bytes are then read by ordinary (bounds
//! checked) indexing, and the tags are tested against them in one vector compare. About twice
//! the scalar scan's throughput on source code.
//!
//! Runtime-detected: [`scan`] does nothing on a CPU without AVX2. The only `unsafe` is the
//! call into the AVX2 function after that check and the vector loads and stores, each from or
//! to a reference of exactly the vector's size.
#![expect(
    unsafe_code,
    reason = "calling a `target_feature` function, and loads and stores of SIMD vectors"
)]

use std::arch::x86_64::{
    __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_mullo_epi32,
    _mm256_or_si256, _mm256_packus_epi16, _mm256_packus_epi32, _mm256_permutevar8x32_epi32, _mm256_set1_epi32,
    _mm256_setr_epi8, _mm256_setr_epi32, _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_srli_epi32,
    _mm256_storeu_si256,
};

use super::{FOLD, HASH_BITS, TABLE_BITS};

/// Bytes read past a block's first position: the second load starts at offset 2.
const READ: usize = 34;

/// Whether this CPU can run the vector scan.
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// Probes `table` for the 4-byte sequences starting at `at`, `at + 2`, … in blocks of 32 bytes
/// while a block starts before `end` and can be read whole, and calls `on_mark(position)` for
/// each position whose sequence is marked (positions may reach `end + 30`; the caller checks).
/// Returns the first position not probed; without AVX2, `at` itself.
pub(super) fn scan(
    table: &[u8; 1 << TABLE_BITS],
    multiplier: u32,
    data: &[u8],
    at: usize,
    end: usize,
    on_mark: impl FnMut(usize),
) -> usize {
    if !available() {
        return at;
    }
    // SAFETY: the CPU supports AVX2, checked just above.
    unsafe { scan_blocks(table, multiplier, data, at, end, on_mark) }
}

#[target_feature(enable = "avx2")]
fn scan_blocks(
    table: &[u8; 1 << TABLE_BITS],
    multiplier: u32,
    data: &[u8],
    mut at: usize,
    end: usize,
    mut on_mark: impl FnMut(usize),
) -> usize {
    let fold = _mm256_set1_epi32(FOLD as i32);
    let multiplier = _mm256_set1_epi32(multiplier as i32);
    let tag_mask = _mm256_set1_epi32(7);
    let zero = _mm256_setzero_si256();
    // The byte of each tag, in both 128-bit lanes (shuffles stay within a lane).
    #[rustfmt::skip]
    let tag_bits = _mm256_setr_epi8(
        1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,
    );
    // Undoes the lane interleaving of the two packs below.
    let unpack = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    // Group k holds the sequences at offset k of the block: bytes[8k + j] belongs to position
    // at + k + 4j. Only the even positions are probed, groups 0 and 2; groups 1 and 3 keep zero
    // tags and zero table bytes, so they never mark.
    const PROBED: [usize; 2] = [0, 2];
    let mut indices = [[0u32; 8]; 2];
    let mut bytes = [0u8; 32];
    while at < end && at + READ <= data.len() {
        let mut tags = [zero; 4];
        for (group, index) in PROBED.into_iter().zip(&mut indices) {
            let chunk: &[u8; 32] = data[at + group..at + group + 32].try_into().expect("32 bytes");
            let grams = _mm256_or_si256(load(chunk), fold);
            let hash = _mm256_srli_epi32::<{ 32 - HASH_BITS as i32 }>(_mm256_mullo_epi32(grams, multiplier));
            store(index, _mm256_srli_epi32::<3>(hash));
            tags[group] = _mm256_and_si256(hash, tag_mask);
        }
        for (group, index) in PROBED.into_iter().zip(&indices) {
            for (byte, &index) in bytes[8 * group..8 * group + 8].iter_mut().zip(index) {
                *byte = table[index as usize & ((1 << TABLE_BITS) - 1)];
            }
        }
        let tags = _mm256_permutevar8x32_epi32(
            _mm256_packus_epi16(
                _mm256_packus_epi32(tags[0], tags[1]),
                _mm256_packus_epi32(tags[2], tags[3]),
            ),
            unpack,
        );
        let hit = _mm256_and_si256(load(&bytes), _mm256_shuffle_epi8(tag_bits, tags));
        let mut marks = !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, zero)) as u32);
        while marks != 0 {
            let bit = marks.trailing_zeros() as usize;
            marks &= marks - 1;
            on_mark(at + (bit >> 3) + 4 * (bit & 7));
        }
        at += 32;
    }
    at
}

#[target_feature(enable = "avx2")]
fn load(bytes: &[u8; 32]) -> __m256i {
    // SAFETY: the reference covers the 32 bytes read; the load is unaligned.
    unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
fn store(words: &mut [u32; 8], vector: __m256i) {
    // SAFETY: the reference covers the 32 bytes written; the store is unaligned.
    unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), vector) }
}
