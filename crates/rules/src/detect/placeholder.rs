//! The placeholder filter: values that look like documentation, templating or masking, not secrets.

/// Case-insensitive substrings that mark a value as a placeholder.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "dummy",
    "redacted",
    "your_",
    "your-",
    "yourkey",
    "replace_me",
    "replace-me",
    "replaceme",
    "replace_with",
    "insert_your",
    "insert-your",
    "enter_your",
    "enter-your",
    "xxxx",
    "****",
    "12345678",
    "abcdefgh",
];

/// Why a value is a placeholder, or `None` when it may be a real secret.
///
/// Matches documented example keys (`AKIAIOSFODNN7EXAMPLE`), masks (`xxxx`, `****`), templating
/// (`${VAR}`, `{{ var }}`, `%(var)s`, `<your-key>`), `changeme`-style words, runs of one character
/// and trivial sequences.
pub fn placeholder_reason(secret: &[u8]) -> Option<&'static str> {
    placeholder_reason_for(secret, false)
}

/// [`placeholder_reason`], without the repeated-character test when `allow_repeats` (for
/// formats that contain long runs of one character by design).
pub(crate) fn placeholder_reason_for(secret: &[u8], allow_repeats: bool) -> Option<&'static str> {
    let lower = secret.to_ascii_lowercase();
    if let Some(word) = PLACEHOLDER_WORDS.iter().find(|w| contains(&lower, w.as_bytes())) {
        return Some(word);
    }
    if contains(&lower, b"${") || contains(&lower, b"{{") || contains(&lower, b"%(") {
        return Some("template variable");
    }
    if let (Some(open), Some(close)) = (
        lower.iter().position(|&b| b == b'<'),
        lower.iter().rposition(|&b| b == b'>'),
    ) && open < close
    {
        return Some("angle-bracket placeholder");
    }
    if !allow_repeats && longest_run(&lower) >= 8 {
        return Some("repeated character");
    }
    None
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn longest_run(data: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in data {
        run = if Some(b) == prev { run + 1 } else { 1 };
        prev = Some(b);
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::placeholder_reason;

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            &b"AKIAIOSFODNN7EXAMPLE"[..],
            b"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            b"${DB_PASSWORD}",
            b"{{ .Values.password }}",
            b"%(password)s",
            b"<your-api-key>",
            b"changeme",
            b"AAAAAAAAAAAAAAAA",
            b"sk_live_1234567890abcdef",
            b"********",
        ] {
            assert!(placeholder_reason(p).is_some(), "{}", String::from_utf8_lossy(p));
        }
    }

    #[test]
    fn random_tokens_are_not_placeholders() {
        for s in [
            concat!("ghp_", "Q8mZt2rK9vLw4XbN7cPd1sHy6JfGa3Ue0TkR").as_bytes(),
            b"wJalrQ9zk3NfE7tmXc2Lh8pYs4VdBb1KoR6uTg0i",
        ] {
            assert_eq!(placeholder_reason(s), None);
        }
    }
}
