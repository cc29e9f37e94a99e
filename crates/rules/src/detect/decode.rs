//! Secrets hidden in encodings: base64 (Kubernetes `data:`, basic-auth headers, config blobs),
//! percent-encoded URLs and UTF-16 text.
//!
//! Base64 and percent-encoding are found without an extra pass over the data: every rule
//! keyword of four or more bytes is also added to the prefilter in its encoded forms (base64 at
//! each of the three byte alignments, lower- and upper-case; percent-encoded when it contains
//! URL delimiters). A hit on an encoded keyword expands to the surrounding encoded run, which is
//! decoded and scanned with every rule; findings point at the encoded text.

use std::ops::Range;

use base64::Engine as _;

/// How a secret was encoded where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Encoding {
    /// Standard or URL-safe base64.
    Base64,
    /// URL percent-encoding (`%3A%2F%2F`).
    Percent,
}

impl Encoding {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent",
        }
    }
}

/// Encoded keywords must keep at least this many stable characters (shorter ones hit too often
/// in ordinary text).
const MIN_ENCODED_KEYWORD: usize = 4;
/// Shortest base64 run worth decoding.
const MIN_BASE64_RUN: usize = 16;
/// Longest encoded run decoded around one hit, each side of it.
const MAX_RUN_REACH: usize = 64 << 10;

/// The prefilter patterns that find `keyword` (lowercase) in encoded text, spelled as in
/// `forms` (the spellings seen in the rules' examples; lowercase when there are none).
pub(crate) fn encoded_keyword_variants(keyword: &str, forms: &[String]) -> Vec<(String, Encoding)> {
    let mut out: Vec<(String, Encoding)> = Vec::new();
    if keyword.len() >= 4 {
        let lower = [keyword.to_string()];
        let forms = if forms.is_empty() { &lower[..] } else { forms };
        for form in forms {
            for align in 0..3 {
                let stable = base64_stable_chars(form.as_bytes(), align);
                if stable.len() >= MIN_ENCODED_KEYWORD {
                    if stable.contains(['+', '/']) {
                        out.push((stable.replace('+', "-").replace('/', "_"), Encoding::Base64));
                    }
                    out.push((stable, Encoding::Base64));
                }
            }
        }
    }
    if keyword.bytes().any(is_url_delimiter) {
        let encoded: String = keyword
            .bytes()
            .map(|b| {
                if is_url_delimiter(b) {
                    format!("%{b:02x}")
                } else {
                    (b as char).to_string()
                }
            })
            .collect();
        out.push((encoded, Encoding::Percent));
    }
    out.sort();
    out.dedup();
    out
}

fn is_url_delimiter(b: u8) -> bool {
    matches!(b, b':' | b'/' | b'@' | b'?' | b'=' | b'&' | b'+' | b' ' | b'#')
}

/// The base64 characters that depend only on `bytes` when they start `align` bytes into a
/// 3-byte group.
fn base64_stable_chars(bytes: &[u8], align: usize) -> String {
    let mut padded = vec![0u8; align];
    padded.extend_from_slice(bytes);
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&padded);
    let first_bit = 8 * align;
    let last_bit = 8 * (align + bytes.len());
    encoded
        .char_indices()
        .filter(|(j, _)| 6 * j >= first_bit && 6 * j + 6 <= last_bit)
        .map(|(_, c)| c)
        .collect()
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// The encoded run around a hit at `hit` in `data`, or `None` when it is too short.
pub(crate) fn encoded_run(data: &[u8], hit: Range<usize>, encoding: Encoding) -> Option<Range<usize>> {
    let accepts: fn(u8) -> bool = match encoding {
        Encoding::Base64 => is_base64_byte,
        Encoding::Percent => is_url_byte,
    };
    let floor = hit.start.saturating_sub(MAX_RUN_REACH);
    let mut start = hit.start;
    while start > floor && accepts(data[start - 1]) {
        start -= 1;
    }
    let ceiling = (hit.end + MAX_RUN_REACH).min(data.len());
    let mut end = hit.end;
    while end < ceiling && accepts(data[end]) {
        end += 1;
    }
    if encoding == Encoding::Base64 {
        let padding = data[end..].iter().take(2).take_while(|&&b| b == b'=').count();
        end += padding;
    }
    match encoding {
        Encoding::Base64 => (end - start >= MIN_BASE64_RUN).then_some(start..end),
        Encoding::Percent => Some(start..end),
    }
}

fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\' | b'(' | b')' | b',')
}

/// Decoded bytes of a run and how to map decoded offsets back to the encoded text.
pub(crate) struct DecodedRun {
    /// The decoded bytes.
    pub(crate) bytes: Vec<u8>,
    /// Encoded length of the decoded part.
    encoded_len: usize,
    /// Percent-encoding: for each decoded byte (plus one past the end), its encoded offset.
    /// Empty for base64, whose mapping is arithmetic.
    map: Vec<usize>,
}

impl DecodedRun {
    /// The encoded span (relative to the run) behind a decoded span: every encoded character
    /// that carries a bit of it.
    pub(crate) fn encoded_span(&self, decoded: &Range<usize>) -> Range<usize> {
        if self.map.is_empty() {
            let start = (4 * decoded.start / 3).min(self.encoded_len);
            let end = if decoded.end >= self.bytes.len() {
                self.encoded_len // through the padding
            } else {
                (4 * decoded.end).div_ceil(3).min(self.encoded_len)
            };
            return start..end.max(start);
        }
        let last = self.map.len() - 1;
        self.map[decoded.start.min(last)]..self.map[decoded.end.min(last)]
    }
}

/// Decodes a run. Base64 is decoded from the run's first character (runs are found by their
/// boundaries, so this is the encoding's own alignment); a trailing partial quantum is dropped.
pub(crate) fn decode_run(run: &[u8], encoding: Encoding) -> Option<DecodedRun> {
    match encoding {
        Encoding::Base64 => {
            let usable = run.len() - run.len() % 4;
            let tail = &run[usable..];
            // Two or three trailing characters still carry whole bytes.
            let take = if tail.len() >= 2 { run.len() } else { usable };
            let bytes = super::validate::decode_base64(&run[..take])?;
            Some(DecodedRun {
                bytes,
                encoded_len: take,
                map: Vec::new(),
            })
        }
        Encoding::Percent => {
            let mut bytes = Vec::with_capacity(run.len());
            let mut map = Vec::with_capacity(run.len() + 1);
            let mut i = 0;
            while i < run.len() {
                map.push(i);
                if run[i] == b'%'
                    && let (Some(h), Some(l)) = (run.get(i + 1).and_then(hex), run.get(i + 2).and_then(hex))
                {
                    bytes.push(h << 4 | l);
                    i += 3;
                } else {
                    bytes.push(run[i]);
                    i += 1;
                }
            }
            map.push(run.len());
            (bytes.len() < run.len()).then_some(DecodedRun {
                bytes,
                encoded_len: run.len(),
                map,
            })
        }
    }
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

/// UTF-16 byte order of a blob that is UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// Little-endian.
    Le,
    /// Big-endian.
    Be,
}

impl Utf16 {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Utf16::Le => "utf-16le",
            Utf16::Be => "utf-16be",
        }
    }
}

/// Whether `data` is UTF-16 text: a byte-order mark, or (without one) mostly ASCII characters
/// with a NUL high byte in the first 4 KiB.
pub fn sniff_utf16(data: &[u8]) -> Option<Utf16> {
    match data {
        [0xFF, 0xFE, ..] => return Some(Utf16::Le),
        [0xFE, 0xFF, ..] => return Some(Utf16::Be),
        _ => {}
    }
    let sample = &data[..data.len().min(4096) & !1];
    if sample.len() < 32 || (sample[0] != 0 && sample[1] != 0) {
        return None;
    }
    let pairs = sample.len() / 2;
    let ascii_with_zero = |text: usize, zero: usize| {
        sample
            .chunks_exact(2)
            .filter(|p| p[zero] == 0 && (p[text].is_ascii_graphic() || p[text].is_ascii_whitespace()))
            .count()
    };
    if ascii_with_zero(0, 1) * 10 >= pairs * 9 {
        Some(Utf16::Le)
    } else if ascii_with_zero(1, 0) * 10 >= pairs * 9 {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// UTF-16 transcoded to UTF-8 (invalid sequences become U+FFFD), with the source offset of
/// every UTF-8 byte (plus one past the end).
pub fn transcode_utf16(data: &[u8], order: Utf16) -> (Vec<u8>, Vec<usize>) {
    let skip = usize::from(matches!(data, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..])) * 2;
    let units = data[skip..].chunks_exact(2).map(|p| match order {
        Utf16::Le => u16::from_le_bytes([p[0], p[1]]),
        Utf16::Be => u16::from_be_bytes([p[0], p[1]]),
    });
    let mut text = Vec::with_capacity(data.len() / 2);
    let mut map = Vec::with_capacity(data.len() / 2 + 1);
    let mut offset = skip;
    for c in char::decode_utf16(units) {
        let (c, width) = match c {
            Ok(c) => (c, c.len_utf16() * 2),
            Err(_) => (char::REPLACEMENT_CHARACTER, 2),
        };
        let mut buf = [0u8; 4];
        let encoded = c.encode_utf8(&mut buf);
        for _ in 0..encoded.len() {
            map.push(offset);
        }
        text.extend_from_slice(encoded.as_bytes());
        offset += width;
    }
    map.push(offset);
    (text, map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn encoded_keywords_are_found_in_encoded_text_at_every_alignment() {
        let variants = encoded_keyword_variants("ghp_", &[]);
        for prefix in ["", "a", "ab"] {
            let encoded = STANDARD.encode(format!("{prefix}ghp_abcdefghij"));
            assert!(
                variants.iter().any(|(v, _)| encoded.contains(v.as_str())),
                "{prefix:?}: {encoded} vs {variants:?}"
            );
        }
        let percent = encoded_keyword_variants("hooks.slack.com/services", &[]);
        assert!(percent.contains(&("hooks.slack.com%2fservices".to_string(), Encoding::Percent)));
    }

    #[test]
    fn base64_runs_decode_and_map_back() {
        let text = format!("data:\n  token: {}\n", STANDARD.encode("postgres://app:pw@db/x"));
        let hit = text.find("cG9z").unwrap();
        let run = encoded_run(text.as_bytes(), hit..hit + 5, Encoding::Base64).unwrap();
        assert_eq!(&text[run.clone()], STANDARD.encode("postgres://app:pw@db/x"));
        let decoded = decode_run(&text.as_bytes()[run], Encoding::Base64).unwrap();
        assert_eq!(decoded.bytes, b"postgres://app:pw@db/x");
        assert_eq!(decoded.encoded_span(&(0..3)), 0..4);
        assert_eq!(decoded.encoded_span(&(3..6)), 4..8);
    }

    #[test]
    fn percent_runs_decode_and_map_back() {
        let run = b"https%3A%2F%2Fx.io%2Fa";
        let decoded = decode_run(run, Encoding::Percent).unwrap();
        assert_eq!(decoded.bytes, b"https://x.io/a");
        assert_eq!(decoded.encoded_span(&(8..12)), 14..18);
        assert!(decode_run(b"no-escapes-here", Encoding::Percent).is_none());
    }

    #[test]
    fn utf16_sniffing_and_transcoding() {
        let le: Vec<u8> = "token = abc\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&le);
        assert_eq!(sniff_utf16(&with_bom), Some(Utf16::Le));
        let long: Vec<u8> = "password = s3cr3t-v4lue, more text here\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(sniff_utf16(&long), Some(Utf16::Be));
        assert_eq!(sniff_utf16(b"plain ascii text that is long enough to sniff"), None);
        let (text, map) = transcode_utf16(&with_bom, Utf16::Le);
        assert_eq!(text, b"token = abc\n");
        assert_eq!(map[8], 2 + 16);
        assert_eq!(*map.last().unwrap(), with_bom.len());
    }
}
