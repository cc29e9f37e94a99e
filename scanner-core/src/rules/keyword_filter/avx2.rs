//! The keyword filter's table probes, 32 positions (every other one of a 64-byte step) at a time
//! with AVX2.
//!
//! The scalar scan spends most of its time hashing: one 32-bit multiply and two shifts per
//! probe. Here unaligned 32-byte loads at offsets 0 and 2 of a 32-byte block hold the 4-byte
//! sequences starting at the block's 16 even positions, eight per vector; they are folded,
//! multiplied and shifted eight at a time. The table bytes are then read by ordinary (bounds
//! checked) indexing, and the tags are tested against them in one vector compare. Two blocks
//! go through each step (four loads, one compare for 32 probes: ~9% faster than one block per
//! step); a last single block follows when only that much is left. About twice the scalar
//! scan's throughput on source code.
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

/// Whether this CPU can run the vector scan.
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// Probes `table` for the 4-byte sequences starting at `at`, `at + 2`, … in blocks of 32 bytes
/// while a block starts before `end` and can be read whole, and calls `on_mark(position)` for
/// each position whose sequence is marked (positions may reach `end + 62`; the caller checks).
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
    let probe = Probe::new(table, multiplier);
    // Two 32-byte blocks per step, then one more block when only that much is left.
    at = probe.scan(data, at, end, [0, 2, 32, 34], &mut on_mark);
    probe.scan(data, at, end, [0, 2], &mut on_mark)
}

/// The constants of a probe, in vectors.
struct Probe<'t> {
    table: &'t [u8; 1 << TABLE_BITS],
    fold: __m256i,
    multiplier: __m256i,
    tag_mask: __m256i,
    /// The byte of each tag, in both 128-bit lanes (shuffles stay within a lane).
    tag_bits: __m256i,
    /// Undoes the lane interleaving of the two packs in [`Probe::marks`].
    unpack: __m256i,
}

impl<'t> Probe<'t> {
    #[target_feature(enable = "avx2")]
    fn new(table: &'t [u8; 1 << TABLE_BITS], multiplier: u32) -> Probe<'t> {
        #[rustfmt::skip]
        let tag_bits = _mm256_setr_epi8(
            1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,
        );
        Probe {
            table,
            fold: _mm256_set1_epi32(FOLD as i32),
            multiplier: _mm256_set1_epi32(multiplier as i32),
            tag_mask: _mm256_set1_epi32(7),
            tag_bits,
            unpack: _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7),
        }
    }

    /// Probes blocks of `16 * N` bytes, the sequences at `offsets[k] + 4j` of each (j < 8),
    /// from `at` while a block starts before `end` and can be read whole; returns the first
    /// position not probed.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn scan<const N: usize>(
        &self,
        data: &[u8],
        mut at: usize,
        end: usize,
        offsets: [usize; N],
        on_mark: &mut impl FnMut(usize),
    ) -> usize {
        let step = 16 * N;
        while at < end && at + step + 2 <= data.len() {
            let mut marks = self.marks(data, at, offsets);
            while marks != 0 {
                let bit = marks.trailing_zeros() as usize;
                marks &= marks - 1;
                on_mark(at + offsets[bit >> 3] + 4 * (bit & 7));
            }
            at += step;
        }
        at
    }

    /// Probes the sequences at `at + offsets[k] + 4j` (N ≤ 4 offsets, j < 8): bit `8k + j` of
    /// the result is set when that sequence is marked.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn marks<const N: usize>(&self, data: &[u8], at: usize, offsets: [usize; N]) -> u32 {
        let zero = _mm256_setzero_si256();
        let mut tags = [zero; 4];
        let mut indices = [[0u32; 8]; 4];
        for ((tag, index), offset) in tags.iter_mut().zip(&mut indices).zip(offsets) {
            let chunk: &[u8; 32] = data[at + offset..at + offset + 32].try_into().expect("32 bytes");
            let grams = _mm256_or_si256(load(chunk), self.fold);
            let hash = _mm256_srli_epi32::<{ 32 - HASH_BITS as i32 }>(_mm256_mullo_epi32(grams, self.multiplier));
            store(index, _mm256_srli_epi32::<3>(hash));
            *tag = _mm256_and_si256(hash, self.tag_mask);
        }
        // Groups past `offsets` keep zero tags and zero table bytes: they never mark.
        let mut bytes = [0u8; 32];
        for (byte, &index) in bytes.iter_mut().zip(indices[..N].as_flattened()) {
            *byte = self.table[index as usize & ((1 << TABLE_BITS) - 1)];
        }
        let tags = _mm256_permutevar8x32_epi32(
            _mm256_packus_epi16(
                _mm256_packus_epi32(tags[0], tags[1]),
                _mm256_packus_epi32(tags[2], tags[3]),
            ),
            self.unpack,
        );
        let hit = _mm256_and_si256(load(&bytes), _mm256_shuffle_epi8(self.tag_bits, tags));
        !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, zero)) as u32)
    }
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
