//! Masking text that will be shown: the spans of secrets found there, and, as a safety net
//! for what no rule knows, every token-shaped run (long, mixed letters and digits, high
//! entropy). Used for snippet context, commit and image metadata, and error messages that
//! could otherwise quote scanned or configuration content.

use std::ops::Range;

use crate::entropy::shannon_entropy;
use crate::error::ParseError;

/// A token-shaped run is at least this long (characters of `is_token_byte`).
pub const TOKEN_MIN_LEN: usize = 20;

/// How many characters of a masked value are kept before the `…`.
const KEPT_PREFIX: usize = 4;

/// Bytes that make up API tokens, keys and base64/hex blobs (`=` only as trailing padding:
/// inside a run it separates a name from its value).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-')
}

/// Whether `run` (bytes of `is_token_byte`) looks like a credential rather than a word,
/// identifier or path: long enough, letters and at least two digits, and high entropy.
pub fn is_token_shaped(run: &[u8]) -> bool {
    if run.len() < TOKEN_MIN_LEN {
        return false;
    }
    let digits = run.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = run.iter().filter(|b| b.is_ascii_alphabetic()).count();
    digits >= 2 && letters >= 2 && shannon_entropy(run) >= 3.3
}

/// The byte spans of token-shaped runs in `text`.
pub fn token_spans(text: &[u8]) -> Vec<Range<usize>> {
    token_spans_except(text, |_| false)
}

/// [`token_spans`] without judging the runs for which `masked` says they are masked already
/// (their entropy is the cost of judging: a line of thousands of secrets has little else).
fn token_spans_except(text: &[u8], masked: impl Fn(&Range<usize>) -> bool) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !is_token_byte(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_token_byte(text[i]) {
            i += 1;
        }
        if !masked(&(start..i)) && is_token_shaped(&text[start..i]) {
            let padding = text[i..].iter().take(2).take_while(|&&b| b == b'=').count();
            spans.push(start..i + padding);
        }
    }
    spans
}

/// `text` with each of `spans` (byte ranges, any order, may overlap) replaced by its first
/// few characters and `…` (a span shorter than 16 bytes keeps none), and every token-shaped
/// run outside them masked the same way. Invalid UTF-8 becomes U+FFFD.
pub fn mask_spans(text: &[u8], spans: &[Range<usize>]) -> String {
    mask_parts(text, spans.iter().map(|s| (s.clone(), true)))
}

/// [`mask_spans`] where each span says whether its first characters may be kept (`false` for
/// a span cut off at the start of `text`: what is left is the middle of a secret).
pub(crate) fn mask_parts(text: &[u8], spans: impl Iterator<Item = (Range<usize>, bool)>) -> String {
    let mut all: Vec<(Range<usize>, bool)> = spans
        .map(|(s, keep)| (s.start.min(text.len())..s.end.min(text.len()), keep))
        .filter(|(s, _)| !s.is_empty())
        .collect();
    all.sort_by_key(|(s, _)| s.start);
    let given = all.len();
    // A run inside one given span is masked whatever it is.
    let inside_given = |run: &Range<usize>| {
        let i = all[..given].partition_point(|(s, _)| s.start <= run.start);
        i > 0 && all[i - 1].0.end >= run.end
    };
    let tokens = token_spans_except(text, inside_given);
    all.extend(tokens.into_iter().map(|s| (s, true)));
    all.sort_by_key(|(s, _)| s.start);
    // Overlapping or touching spans are masked as one.
    let mut merged: Vec<(Range<usize>, bool)> = Vec::with_capacity(all.len());
    for (span, keep) in all {
        match merged.last_mut() {
            Some((last, _)) if span.start <= last.end => last.end = last.end.max(span.end),
            // Only a span long enough on its own shows its first characters.
            _ => merged.push((span.clone(), keep && span.len() >= 16)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, may_keep) in merged {
        out.push_str(&String::from_utf8_lossy(&text[at..span.start]));
        let hidden = String::from_utf8_lossy(&text[span.clone()]);
        let keep = if may_keep { KEPT_PREFIX } else { 0 };
        out.extend(hidden.chars().take(keep));
        out.push('…');
        at = span.end;
    }
    out.push_str(&String::from_utf8_lossy(&text[at..]));
    out
}

/// `text` with every token-shaped run masked (see [`mask_spans`]).
pub fn mask_tokens(text: &str) -> String {
    mask_spans(text.as_bytes(), &[])
}

/// Text from scanned input or a repository's configuration as it may appear in a message:
/// control characters escaped, token-shaped runs masked.
pub fn shown(text: &str) -> String {
    mask_tokens(&sanitize(text))
}

/// Longest parser message kept in an error (a message can quote a value of the file).
const MAX_MESSAGE_CHARS: usize = 160;

/// A parser's message as it may be shown: control characters escaped, token-shaped runs
/// masked, and cut to a sentence's length.
fn shown_message(message: &str) -> String {
    let first = message.trim().lines().next().unwrap_or("");
    let masked = shown(first);
    if masked.chars().count() > MAX_MESSAGE_CHARS {
        format!("{}…", masked.chars().take(MAX_MESSAGE_CHARS).collect::<String>())
    } else {
        masked
    }
}

/// A TOML parse error of `text` without the excerpt of the file the parser prints (the file
/// may be anything a repository points at): `line L, column C: message`.
pub fn toml_error(e: &toml::de::Error, text: &str) -> ParseError {
    let message = shown_message(e.message());
    let position = e.span().map(|span| {
        let at = span.start.min(text.len());
        let before = &text.as_bytes()[..at];
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        (line, column)
    });
    ParseError { position, message }
}

/// A JSON parse error, its message masked: `line L, column C: message`.
pub fn json_error(e: &serde_json::Error) -> ParseError {
    let text = e.to_string();
    // serde_json appends " at line L column C"; it is rebuilt from the error itself.
    let message = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    ParseError {
        position: Some((e.line(), e.column())),
        message: shown_message(message),
    }
}

/// Replaces control characters (terminal escapes, C0 and C1 controls, newlines) and the
/// bidirectional-override characters of "Trojan Source" attacks with visible escapes, so that
/// text from scanned input (file names, snippets, messages) cannot drive a terminal or
/// reorder what a reader sees.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Control characters and bidirectional controls (U+200E/F, U+202A–E, U+2066–9).
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = concat!("ghp_", "Q8mZt2rK9vLw4XbN7cPd1sHy6JfGa3Ue0TkR");

    #[test]
    fn token_shaped_runs_are_masked_words_and_identifiers_are_not() {
        let text = format!("export GITHUB_TOKEN={TOKEN} # see AWS_SECRET_ACCESS_KEY_V2 in /usr/lib/python3.11");
        assert_eq!(
            mask_tokens(&text),
            "export GITHUB_TOKEN=ghp_… # see AWS_SECRET_ACCESS_KEY_V2 in /usr/lib/python3.11"
        );
        assert_eq!(
            mask_tokens("a plain sentence with ProviderCredentialsHandler"),
            "a plain sentence with ProviderCredentialsHandler"
        );
        assert_eq!(mask_tokens("sha 0123456789abcdef0123456789abcdef01234567"), "sha 0123…");
    }

    #[test]
    fn given_spans_are_masked_whole_even_when_they_are_not_token_shaped() {
        let text = b"user=admin password=hunter2hunter2 port=5432";
        let at = 20..34;
        assert_eq!(
            mask_spans(text, std::slice::from_ref(&at)),
            "user=admin password=… port=5432"
        );
        // Overlapping spans and a span running past the end.
        assert_eq!(mask_spans(b"abcdefghijklmnopqrstu", &[2..5, 4..40]), "ab…");
        // A span of 16 bytes or more keeps its first four characters.
        let span = 2..19;
        assert_eq!(
            mask_spans(b"k=abcdefghijklmnopq!", std::slice::from_ref(&span)),
            "k=abcd…!"
        );
    }

    #[test]
    fn parse_errors_do_not_quote_the_file() {
        let text = format!("[section]\nkey = {TOKEN}\n");
        let e = toml::from_str::<toml::Table>(&text).unwrap_err();
        let error = toml_error(&e, &text);
        assert_eq!(error.position, Some((2, 7)));
        let shown = error.to_string();
        assert!(shown.starts_with("line 2, column 7: "), "{shown}");
        assert!(!shown.contains(TOKEN), "{shown}");
        let e = serde_json::from_str::<u32>(&format!("\"{TOKEN}\"")).unwrap_err();
        let shown = json_error(&e).to_string();
        assert!(shown.starts_with("line 1, column "), "{shown}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_dropped() {
        assert_eq!(mask_spans(b"a\xffb", &[]), "a\u{fffd}b");
    }
}
