//! Byte offsets → 1-based line and column, computed only for blobs that have findings.
//!
//! [`Positions`] locates every offset a blob's findings need in one forward pass over the
//! bytes, in memory proportional to the number of offsets (not to the number of lines: a
//! blob of 250 MB of newlines needs no index), and in time linear in the bytes up to the last
//! offset plus `n log n` in the offsets, however many findings share one line.

/// A 1-based line and column; columns count Unicode code points (bytes of invalid UTF-8 count
/// one each), as editors and SARIF's `unicodeCodePoints` column kind do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number.
    pub column: usize,
}

/// Code points in `bytes` (continuation bytes do not start one).
fn code_points(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// The positions of a set of byte offsets of one blob.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    /// (offset, position), sorted by offset, one entry per distinct offset.
    located: Vec<(usize, Position)>,
}

impl Positions {
    /// Locates every offset in `offsets` (any order, repeats allowed; offsets past the end
    /// are clamped to it) in one pass over `data`.
    pub fn locate(data: &[u8], offsets: impl IntoIterator<Item = usize>) -> Positions {
        let mut wanted: Vec<usize> = offsets.into_iter().map(|o| o.min(data.len())).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut located = Vec::with_capacity(wanted.len());
        // The cursor: an offset, its line, and its column.
        let (mut at, mut line, mut column) = (0usize, 1usize, 1usize);
        for offset in wanted {
            let gap = &data[at..offset];
            match memchr::memrchr(b'\n', gap) {
                Some(last) => {
                    line += memchr::memchr_iter(b'\n', gap).count();
                    column = 1 + code_points(&gap[last + 1..]);
                }
                None => column += code_points(gap),
            }
            at = offset;
            located.push((offset, Position { line, column }));
        }
        Positions { located }
    }

    /// The position of `offset`, which must have been among the located offsets (else the
    /// position of the nearest located offset before it, or line 1 column 1).
    pub fn at(&self, offset: usize) -> Position {
        let i = self.located.partition_point(|&(o, _)| o <= offset);
        match i {
            0 => Position { line: 1, column: 1 },
            i => self.located[i - 1].1,
        }
    }
}

/// The start of the line holding `offset`, searched at most `limit` bytes back: `(start,
/// true)` when the line starts there, `(offset - limit, false)` when the search stopped first.
pub fn line_start_within(data: &[u8], offset: usize, limit: usize) -> (usize, bool) {
    let offset = offset.min(data.len());
    let from = offset.saturating_sub(limit);
    match memchr::memrchr(b'\n', &data[from..offset]) {
        Some(i) => (from + i + 1, true),
        None if from == 0 => (0, true),
        None => (from, false),
    }
}

/// The end of the line holding `offset` (its newline, or the end of data), searched at most
/// `limit` bytes ahead: `(end, true)` when the line ends there, `(offset + limit, false)` when
/// the search stopped first.
pub fn line_end_within(data: &[u8], offset: usize, limit: usize) -> (usize, bool) {
    let offset = offset.min(data.len());
    let to = (offset + limit).min(data.len());
    match memchr::memchr(b'\n', &data[offset..to]) {
        Some(i) => (offset + i, true),
        None if to == data.len() => (to, true),
        None => (to, false),
    }
}

/// The byte offset where 1-based line `line` starts, or `None` when the data has fewer lines.
pub fn nth_line_start(data: &[u8], line: usize) -> Option<usize> {
    match line {
        0 => None,
        1 => Some(0),
        n => memchr::memchr_iter(b'\n', data).nth(n - 2).map(|nl| nl + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let data = b"ab\ncd\n\nxyz";
        let p = Positions::locate(data, [10, 0, 2, 3, 6, 9, 3]);
        assert_eq!(p.at(0), Position { line: 1, column: 1 });
        assert_eq!(p.at(2), Position { line: 1, column: 3 });
        assert_eq!(p.at(3), Position { line: 2, column: 1 });
        assert_eq!(p.at(6), Position { line: 3, column: 1 });
        assert_eq!(p.at(9), Position { line: 4, column: 3 });
        assert_eq!(p.at(10), Position { line: 4, column: 4 });
    }

    #[test]
    fn columns_count_code_points() {
        let data = "é€x".as_bytes();
        let p = Positions::locate(data, [data.len() - 1]);
        assert_eq!(p.at(data.len() - 1).column, 3);
    }

    #[test]
    fn matches_a_naive_count_at_every_offset() {
        let data = "a\nbé\n\n€€x\nlast line".as_bytes();
        let p = Positions::locate(data, 0..=data.len());
        for offset in 0..=data.len() {
            let before = &data[..offset];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = code_points(&data[start..offset]) + 1;
            assert_eq!(p.at(offset), Position { line, column }, "offset {offset}");
        }
    }

    #[test]
    fn bounded_line_bounds() {
        let data = b"ab\ncdefgh\nij";
        assert_eq!(line_start_within(data, 5, 100), (3, true));
        assert_eq!(line_start_within(data, 8, 2), (6, false));
        assert_eq!(line_start_within(data, 1, 100), (0, true));
        assert_eq!(line_end_within(data, 4, 100), (9, true));
        assert_eq!(line_end_within(data, 4, 2), (6, false));
        assert_eq!(line_end_within(data, 11, 100), (12, true));
        assert_eq!(nth_line_start(data, 1), Some(0));
        assert_eq!(nth_line_start(data, 3), Some(10));
        assert_eq!(nth_line_start(data, 4), None);
    }
}
