//! Byte offsets → 1-based line and column, computed only for blobs that have findings.

/// A 1-based line and column; columns count Unicode code points (bytes of invalid UTF-8 count
/// one each), as editors and SARIF's `unicodeCodePoints` column kind do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number.
    pub column: usize,
}

/// Positions of every newline of one blob.
#[derive(Debug, Clone)]
pub struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    /// Indexes the newlines of `data` (one pass, only when a blob has findings).
    pub fn new(data: &[u8]) -> LineIndex {
        LineIndex {
            newlines: memchr::memchr_iter(b'\n', data).collect(),
        }
    }

    /// The byte offset where the line holding `offset` starts.
    pub fn line_start(&self, offset: usize) -> usize {
        match self.newlines.partition_point(|&nl| nl < offset) {
            0 => 0,
            i => self.newlines[i - 1] + 1,
        }
    }

    /// The byte offset where the line holding `offset` ends (its newline, or the end of data).
    pub fn line_end(&self, offset: usize, data_len: usize) -> usize {
        let i = self.newlines.partition_point(|&nl| nl < offset);
        self.newlines.get(i).copied().unwrap_or(data_len)
    }

    /// The line and column of `offset` in `data`.
    pub fn position(&self, data: &[u8], offset: usize) -> Position {
        let line0 = self.newlines.partition_point(|&nl| nl < offset);
        let start = self.line_start(offset);
        let offset = offset.min(data.len());
        let column = data[start..offset].iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1;
        Position {
            line: line0 + 1,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let data = b"ab\ncd\n\nxyz";
        let idx = LineIndex::new(data);
        assert_eq!(idx.position(data, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(data, 2), Position { line: 1, column: 3 });
        assert_eq!(idx.position(data, 3), Position { line: 2, column: 1 });
        assert_eq!(idx.position(data, 6), Position { line: 3, column: 1 });
        assert_eq!(idx.position(data, 9), Position { line: 4, column: 3 });
        assert_eq!(idx.position(data, 10), Position { line: 4, column: 4 });
    }

    #[test]
    fn columns_count_code_points() {
        let data = "é€x".as_bytes();
        let idx = LineIndex::new(data);
        assert_eq!(idx.position(data, data.len() - 1).column, 3);
    }

    #[test]
    fn line_bounds() {
        let data = b"ab\ncd";
        let idx = LineIndex::new(data);
        assert_eq!((idx.line_start(4), idx.line_end(4, data.len())), (3, 5));
        assert_eq!((idx.line_start(1), idx.line_end(1, data.len())), (0, 2));
    }
}
