//! Redaction: copy a stream with every detected secret replaced by a mask, in bounded memory.
//! Bytes outside the masked spans are copied unchanged, so line structure is preserved.

use std::io::{self, Read, Write};

use crate::detect::Detector;
use crate::rules::RuleSet;
use crate::source::stream::{STREAM_CHUNK, Windowed};

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
/// Output lags input by one search window so that a secret whose keyword arrives later is
/// still masked before anything of it is written.
pub fn redact(rules: &RuleSet, input: impl Read, output: &mut dyn Write, mask: &str) -> io::Result<RedactStats> {
    let margin = rules.max_reach() + rules.max_keyword_len;
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
            output.write_all(mask.replace("{rule}", &rules.rules()[rule].id).as_bytes())?;
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
