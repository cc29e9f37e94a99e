//! Streams (stdin, pipes, logs of any size) read in overlapping windows with bounded memory.
//!
//! The buffer holds at most `chunk + keep + tail` bytes. Each window *owns* a range: keyword
//! hits that start in it are this window's; `tail` bytes after the owned range and `keep` bytes
//! before it stay in the buffer so that a match reaching across the boundary is seen whole, and
//! matches found twice (from two hits) are dropped by the caller. Absolute byte offsets and the
//! count of lines before the buffer let findings carry file-wide positions.

use std::io::{self, Read};
use std::ops::Range;

use crate::archive::ArchiveKind;

/// Default bytes read per window.
pub const STREAM_CHUNK: usize = 1 << 20;

/// A reader cut into overlapping windows.
#[derive(Debug)]
pub struct Windowed<R> {
    reader: R,
    buf: Vec<u8>,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// Newlines before `buf[0]`.
    lines_before: usize,
    /// Start of the next owned range, relative to `buf`.
    next: usize,
    eof: bool,
    error: Option<io::Error>,
    chunk: usize,
    keep: usize,
    tail: usize,
}

impl<R: Read> Windowed<R> {
    /// Windows of `chunk` bytes; `keep` bytes of look-back and `tail` bytes of look-ahead.
    pub fn new(reader: R, chunk: usize, keep: usize, tail: usize) -> Windowed<R> {
        Windowed {
            reader,
            buf: Vec::with_capacity(chunk + keep + tail),
            base: 0,
            lines_before: 0,
            next: 0,
            eof: false,
            error: None,
            chunk: chunk.max(1),
            keep,
            tail,
        }
    }

    /// The buffered bytes (the current window's owned range indexes into this).
    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// Absolute offset of `buf()[0]`.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Newlines before `buf()[0]`.
    pub fn lines_before(&self) -> usize {
        self.lines_before
    }

    /// Whether the input has ended (the current window is the last).
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// Reads more and returns the next owned range, or `None` at the end of the input.
    pub fn next_window(&mut self) -> io::Result<Option<Range<usize>>> {
        let target = self.next + self.chunk + self.tail;
        if !self.eof && self.buf.len() < target {
            // Grown (zero-filled) once per window, not once per read: a reader that returns
            // short reads (a pipe fed line by line) must not cost a window's worth of zeroing
            // per read.
            let mut filled = self.buf.len();
            self.buf.resize(target, 0);
            while filled < target {
                match self.reader.read(&mut self.buf[filled..]) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        // Scan what arrived before the error, then report it.
                        self.error = Some(e);
                        self.eof = true;
                        break;
                    }
                }
            }
            self.buf.truncate(filled);
        }
        let end = if self.eof {
            self.buf.len()
        } else {
            self.buf.len() - self.tail
        };
        if self.next >= end && self.eof {
            return Ok(None);
        }
        let owned = self.next..end;
        self.next = end;
        Ok(Some(owned))
    }

    /// The read error that ended the input early, if any (the bytes before it were windowed).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Drops buffered bytes no longer needed: everything before `keep` bytes ahead of the next
    /// window, and never at or after `protect` (a caller's unfinished position), cutting at a
    /// line start when one is near so that columns stay right.
    pub fn advance(&mut self, protect: usize) {
        let limit = self.next.saturating_sub(self.keep).min(protect);
        if limit == 0 {
            return;
        }
        let cut = match memchr::memrchr(b'\n', &self.buf[..limit]) {
            Some(nl) if limit - nl <= self.keep.max(4096) => nl + 1,
            _ => limit,
        };
        self.lines_before += memchr::memchr_iter(b'\n', &self.buf[..cut]).count();
        self.buf.drain(..cut);
        self.base += cut as u64;
        self.next -= cut;
    }
}

/// `reader`, decompressed on the fly when it starts like gzip, zstd, bzip2 or xz (sniffed
/// from its first bytes, which are kept), else as it is.
pub fn decompressed<'r>(reader: impl Read + 'r) -> io::Result<Box<dyn Read + 'r>> {
    let mut reader = io::BufReader::with_capacity(64 << 10, reader);
    let kind = crate::archive::sniff(fill_buf(&mut reader)?);
    Ok(match kind {
        Some(ArchiveKind::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(reader)),
        Some(ArchiveKind::Zstd) => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
        Some(ArchiveKind::Bzip2) => Box::new(bzip2::read::MultiBzDecoder::new(reader)),
        Some(ArchiveKind::Xz) => Box::new(lzma_rust2::XzReader::new(reader, true)),
        _ => Box::new(reader),
    })
}

/// [`BufRead::fill_buf`] that retries reads interrupted by a signal (`ErrorKind::Interrupted`),
/// as `read_to_end` and the window reader do: a pipe read cut short by a signal is not an error.
pub(crate) fn fill_buf<R: io::BufRead + ?Sized>(reader: &mut R) -> io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    // The bytes are buffered now: this returns them (at the end of the input it asks the
    // reader once more and gets nothing again).
    reader.fill_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_input_once_with_bounded_memory() {
        let data: Vec<u8> = (0..10_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut w = Windowed::new(&data[..], 1000, 200, 100);
        let mut owned_total = 0;
        let mut max_buf = 0;
        while let Some(owned) = w.next_window().unwrap() {
            let abs = w.base() as usize + owned.start;
            assert_eq!(abs, owned_total, "owned ranges are contiguous");
            assert_eq!(&w.buf()[owned.clone()], &data[abs..abs + owned.len()]);
            let lines = w.lines_before() + memchr::memchr_iter(b'\n', &w.buf()[..owned.start]).count();
            assert_eq!(lines, memchr::memchr_iter(b'\n', &data[..abs]).count());
            owned_total += owned.len();
            max_buf = max_buf.max(w.buf().len());
            w.advance(usize::MAX);
        }
        assert_eq!(owned_total, data.len());
        assert!(max_buf <= 1000 + 200 + 100 + 4096, "{max_buf}");
    }

    #[test]
    fn short_reads_cost_linear_time() {
        // One byte per read: the window buffer must not be zero-filled again per read (it
        // was: about 10^12 bytes written for these 3 MiB, where this now takes a moment).
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let data = vec![b'x'; 3 << 20];
        let mut w = Windowed::new(OneByte(&data), STREAM_CHUNK, 100, 100);
        let mut owned_total = 0;
        while let Some(owned) = w.next_window().unwrap() {
            owned_total += owned.len();
            w.advance(usize::MAX);
        }
        assert_eq!(owned_total, data.len());
    }
}
