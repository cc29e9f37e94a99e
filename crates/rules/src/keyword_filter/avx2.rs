//! The keyword filter's table probes, 32 positions (every other one of a 64-byte step) at a time
//! with AVX2.
//!
//! The scalar scan spends most of its time hashing: one 32-bit multiply and two shifts per
//! probe. Here unaligned 32-byte loads at offsets 0 and 2 of a 32-byte block hold the 4-byte
//! sequences starting at the block's 16 even positions, eight per vector; they are folded,
//! multiplied and shifted eight at a time, the eight table words they address are gathered
//! in one instruction, and each word is shifted by its bit number so that the marked bits
//! land where one sign-bit mask collects them. Two blocks go through each step (~9% faster
//! than one block per step, and than four); a last single block follows when only that much
//! is left.
//!
//! The gathers (session 9) replaced 32 bounds-checked byte reads per step, which the compiler
//! turned into a serial chain of byte inserts: ~2.9 → ~3.3 GB/s per core on the crate sources.
//! AVX-512's 16-lane gathers are slower on the CPUs measured (~2.0 GB/s on AMD Zen 5).
//!
//! Runtime-detected: [`scan`] does nothing on a CPU without AVX2. `unsafe` is confined to the
//! call into the AVX2 function after that check, the vector loads from references of exactly
//! the vector's size, and the gather, whose lanes index the table by a hash's top bits: every
//! index is below the table's length in words by construction (see [`Probe::marks`]).
#![expect(
    unsafe_code,
    reason = "calling a `target_feature` function, loads of SIMD vectors, and table gathers"
)]

use std::arch::x86_64::{
    __m256i, _mm256_and_si256, _mm256_castsi256_ps, _mm256_i32gather_epi32, _mm256_loadu_si256, _mm256_movemask_ps,
    _mm256_mullo_epi32, _mm256_or_si256, _mm256_set1_epi32, _mm256_slli_epi32, _mm256_srli_epi32, _mm256_srlv_epi32,
};

use super::{FOLD, HASH_BITS, TABLE_WORDS};

// Every gathered index is a hash's top `HASH_BITS - 5` bits: below the table's length.
const _: () = assert!(1 << (HASH_BITS - 5) == TABLE_WORDS);

/// Whether this CPU can run the vector scan.
pub(super) fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// Probes `table` for the 4-byte sequences starting at `at`, `at + 2`, … in blocks of 32 bytes
/// while a block starts before `end` and can be read whole, and calls `on_mark(position)` for
/// each position whose sequence is marked (positions may reach `end + 62`; the caller checks).
/// Returns the first position not probed; without AVX2, `at` itself.
pub(super) fn scan(
    table: &[u32; TABLE_WORDS],
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
    table: &[u32; TABLE_WORDS],
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
    table: &'t [u32; TABLE_WORDS],
    fold: __m256i,
    multiplier: __m256i,
    /// The low five bits of a hash: the bit within its table word.
    bit_mask: __m256i,
}

impl<'t> Probe<'t> {
    #[target_feature(enable = "avx2")]
    fn new(table: &'t [u32; TABLE_WORDS], multiplier: u32) -> Probe<'t> {
        Probe {
            table,
            fold: _mm256_set1_epi32(FOLD as i32),
            multiplier: _mm256_set1_epi32(multiplier as i32),
            bit_mask: _mm256_set1_epi32(31),
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
        let mut marks = 0u32;
        for (k, offset) in offsets.into_iter().enumerate() {
            let chunk: &[u8; 32] = data[at + offset..at + offset + 32].try_into().expect("32 bytes");
            let grams = _mm256_or_si256(load(chunk), self.fold);
            let hash = _mm256_srli_epi32::<{ 32 - HASH_BITS as i32 }>(_mm256_mullo_epi32(grams, self.multiplier));
            // SAFETY: each lane's index is `hash >> 5`, a logical shift of a value below
            // 2^HASH_BITS, so below 2^(HASH_BITS - 5) == TABLE_WORDS (asserted at compile time):
            // every lane reads one whole, aligned `u32` of `table` (scale 4).
            let words =
                unsafe { _mm256_i32gather_epi32::<4>(self.table.as_ptr().cast(), _mm256_srli_epi32::<5>(hash)) };
            // The marked bit to bit 0, then to the sign bit, where one mask collects eight.
            let bits = _mm256_slli_epi32::<31>(_mm256_srlv_epi32(words, _mm256_and_si256(hash, self.bit_mask)));
            marks |= (_mm256_movemask_ps(_mm256_castsi256_ps(bits)) as u32) << (8 * k);
        }
        marks
    }
}

#[target_feature(enable = "avx2")]
fn load(bytes: &[u8; 32]) -> __m256i {
    // SAFETY: the reference covers the 32 bytes read; the load is unaligned.
    unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
}
