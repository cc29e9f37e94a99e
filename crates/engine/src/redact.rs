//! Redaction: copy a stream with every detected secret replaced by a mask, in bounded memory.
//! Bytes outside the masked spans are copied unchanged, and a secret that spans several lines
//! (a PEM private key) is masked line by line with its line breaks kept, so the output has
//! exactly the input's lines: line numbers in a redacted log still match the original's.

use std::io::{self, Read, Write};

use leakscan_rules::RuleSet;
use leakscan_rules::detect::Detector;
use leakscan_sources::stream::{STREAM_CHUNK, Windowed};

/// The default mask; `{rule}` becomes the rule id.
pub const DEFAULT_MASK: &str = "***{rule}***";

/// What a redaction did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedactStats {
    /// Bytes read.
    pub bytes: u64,
    /// Secrets masked.
    pub masked: u64,
}

/// Copies `input` to `output`, replacing each secret that a rule finds (placeholders and
/// rule-allowed values are left alone) with `mask` (`{rule}` is replaced by the rule id).
/// A secret over several lines gets one mask per non-empty line, its `\n` and `\r\n` kept,
/// so the output has exactly the input's lines. Output lags input by one search window so that a secret whose
/// keyword arrives later is still masked before anything of it is written.
pub fn redact(rules: &RuleSet, input: impl Read, output: &mut dyn Write, mask: &str) -> io::Result<RedactStats> {
    let margin = rules.stream_margin();
    let mut windows = Windowed::new(input, STREAM_CHUNK, margin, margin);
    let detector = Detector::new(rules);
    let mut pending: Vec<(u64, u64, usize)> = Vec::new();
    let mut written: u64 = 0;
    let mut stats = RedactStats::default();
    while let Some(owned) = windows.next_window()? {
        let base = windows.base();
        let data = windows.buf();
        stats.bytes += owned.len() as u64;
        for c in detector.detect_range(data, owned.clone()) {
            if c.suppression.is_none() {
                pending.push((base + c.secret.start as u64, base + c.secret.end as u64, c.rule));
            }
        }
        pending.sort_unstable();
        pending.dedup();
        // Nothing found later can start before this point.
        let safe = if windows.at_eof() {
            base + data.len() as u64
        } else {
            (base + owned.end as u64).saturating_sub(margin as u64)
        };
        let mut keep = Vec::new();
        for (start, end, rule) in pending.drain(..) {
            if start >= safe {
                keep.push((start, end, rule));
                continue;
            }
            if start < written {
                continue; // overlaps a span already masked
            }
            output.write_all(&data[(written - base) as usize..(start - base) as usize])?;
            let rule_mask = mask.replace("{rule}", &rules.rules()[rule].id);
            write_masked(
                output,
                &data[(start - base) as usize..(end - base) as usize],
                rule_mask.as_bytes(),
            )?;
            stats.masked += 1;
            written = end;
        }
        pending = keep;
        if written < safe {
            output.write_all(&data[(written - base) as usize..(safe - base) as usize])?;
            written = safe;
        }
        windows.advance((written - base) as usize);
    }
    if let Some(e) = windows.take_error() {
        return Err(e);
    }
    output.flush()?;
    Ok(stats)
}

/// Writes `mask` in place of `secret`, once per line of it: each line's content (up to its
/// `\n`, or `\r\n`) becomes one mask, an empty line stays empty, and every line break is
/// written as it was. A `\r` that ends the secret is kept too (the `\n` after it follows
/// outside the span): a masked secret never changes how many lines there are or how they end.
fn write_masked(output: &mut dyn Write, secret: &[u8], mask: &[u8]) -> io::Result<()> {
    let mut rest = secret;
    loop {
        let (line, newline, next) = match memchr::memchr(b'\n', rest) {
            Some(at) => (&rest[..at], &b"\n"[..], &rest[at + 1..]),
            None => (rest, &b""[..], &b""[..]),
        };
        let (content, cr) = match line.strip_suffix(b"\r") {
            Some(content) => (content, &b"\r"[..]),
            None => (line, &b""[..]),
        };
        if !content.is_empty() {
            output.write_all(mask)?;
        }
        output.write_all(cr)?;
        output.write_all(newline)?;
        if newline.is_empty() {
            return Ok(());
        }
        rest = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_in_place_and_keeps_everything_else() {
        let rules = RuleSet::builtin().unwrap();
        let token = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
        let input = format!("a\r\nGH={token} tail\nplaceholder AKIAIOSFODNN7EXAMPLE\n");
        let mut out = Vec::new();
        let stats = redact(&rules, input.as_bytes(), &mut out, DEFAULT_MASK).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\r\nGH=***github-pat-classic*** tail\nplaceholder AKIAIOSFODNN7EXAMPLE\n"
        );
        assert_eq!(stats.masked, 1);
    }

    /// A fake PEM private key of `lines` lines (header and footer included): random bytes
    /// behind a DER SEQUENCE header (what the rule's validator checks), base64 in lines of 64.
    /// Not a key: nothing in it is a valid key structure beyond the first four bytes.
    fn fake_pem_key(seed: u64, lines: usize, newline: &str) -> String {
        use base64::Engine;
        let mut state = seed | 1;
        let body_lines = lines - 2;
        let len = body_lines * 48;
        let mut der: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let content = u16::try_from(len - 4).unwrap().to_be_bytes();
        der[..4].copy_from_slice(&[0x30, 0x82, content[0], content[1]]);
        let body = base64::engine::general_purpose::STANDARD.encode(&der);
        let mut key = format!("-----BEGIN RSA PRIVATE KEY-----{newline}");
        for chunk in body.as_bytes().chunks(64) {
            key.push_str(std::str::from_utf8(chunk).unwrap());
            key.push_str(newline);
        }
        key.push_str("-----END RSA PRIVATE KEY-----");
        assert_eq!(key.matches(newline).count(), lines - 1);
        key
    }

    #[test]
    fn a_multi_line_secret_keeps_every_line_and_line_ending() {
        let rules = RuleSet::builtin().unwrap();
        for newline in ["\n", "\r\n"] {
            let key = fake_pem_key(0x5eed, 27, newline);
            let before = format!("2024-05-01 12:00:00 loading key{newline}key: ");
            let after = format!("{newline}2024-05-01 12:00:01 next line{newline}last line without newline");
            let input = format!("{before}{key}{after}");
            let mut out = Vec::new();
            let stats = redact(&rules, input.as_bytes(), &mut out, "#").unwrap();
            assert_eq!(stats.masked, 1, "{newline:?}");
            let out = String::from_utf8(out).unwrap();
            // The same lines, ending the same way; the text around the key byte for byte.
            assert_eq!(out.matches('\n').count(), input.matches('\n').count(), "{out}");
            assert_eq!(out.matches("\r\n").count(), input.matches("\r\n").count(), "{out}");
            assert!(out.starts_with(&before) && out.ends_with(&after), "{out}");
            // Every line of the key is one mask (27 of them), nothing of the key is left.
            let masked = &out[before.len()..out.len() - after.len()];
            assert_eq!(masked, vec!["#"; 27].join(newline), "{newline:?}");
            for line in key.lines() {
                assert!(!out.contains(line.trim_end_matches('\r')), "{line}");
            }
        }
    }

    #[test]
    fn masking_a_span_line_by_line() {
        let masked = |secret: &[u8]| {
            let mut out = Vec::new();
            write_masked(&mut out, secret, b"M").unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(masked(b"one line"), "M");
        assert_eq!(masked(b"a\nb\r\n\nc"), "M\nM\r\n\nM");
        assert_eq!(masked(b"ends\r"), "M\r", "a CR before the next LF is a line ending");
        assert_eq!(masked(b"\n"), "\n");
        assert_eq!(masked(b"a\rb"), "M", "a lone CR inside a line is content");
        assert_eq!(masked(b""), "");
    }

    #[test]
    fn secrets_across_window_boundaries_are_masked() {
        let rules = RuleSet::builtin().unwrap();
        let token = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
        let mut input = Vec::new();
        let mut expected = Vec::new();
        for i in 0..40_000u32 {
            let line = if i.is_multiple_of(997) {
                format!("{i} token {token}\n")
            } else {
                format!("{i} plain log line with some words\n")
            };
            expected.extend_from_slice(line.replace(token, "#").as_bytes());
            input.extend_from_slice(line.as_bytes());
        }
        let mut out = Vec::new();
        let stats = redact(&rules, &input[..], &mut out, "#").unwrap();
        assert_eq!(stats.masked, 41);
        assert!(out == expected, "redacted output differs");
    }
}
