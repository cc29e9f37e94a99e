//! Inline allow markers in the scanned text.
//!
//! - `leakscan:allow` on the line of a finding allows every rule there;
//!   `leakscan:allow(rule-a, rule-b)` only those rules.
//! - `leakscan:allow-next-line` (optionally with rule ids) on the line above does the same for
//!   the next line.
//! - For teams migrating from other tools: `gitleaks:allow` and detect-secrets'
//!   `pragma: allowlist secret` on the line, and `pragma: allowlist nextline secret` above it.
//!
//! Matching is a plain substring search, so any comment syntax works (`#`, `//`, `<!-- -->`).

use crate::location::LineIndex;

const ALLOW: &[u8] = b"leakscan:allow";
const NEXT_LINE: &[u8] = b"-next-line";

/// The marker that allows `rule_id` at byte `offset` of `data` (e.g. `leakscan:allow`) and the
/// 1-based line the marker is on.
pub fn inline_allow(data: &[u8], index: &LineIndex, offset: usize, rule_id: &str) -> Option<(&'static str, usize)> {
    let start = index.line_start(offset);
    let end = index.line_end(offset, data.len());
    let number = index.position(data, offset).line;
    if let Some(marker) = same_line_marker(&data[start..end], rule_id) {
        return Some((marker, number));
    }
    if start == 0 {
        return None;
    }
    let prev = &data[index.line_start(start - 1)..start - 1];
    previous_line_marker(prev, rule_id).map(|marker| (marker, number - 1))
}

/// How a marker is named in reports: `` `leakscan:allow` on line 12 ``.
pub fn describe(marker: &str, line: usize) -> String {
    format!("`{marker}` on line {line}")
}

/// A `leakscan:allow` marker found in a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// Byte offset of the marker.
    pub offset: usize,
    /// 1-based line of the marker.
    pub line: usize,
    /// `leakscan:allow-next-line` rather than `leakscan:allow`.
    pub next_line: bool,
    /// The rule ids listed, or `None` for every rule.
    pub rules: Option<Vec<String>>,
}

/// Every `leakscan:allow` / `leakscan:allow-next-line` marker in `data`.
pub fn markers(data: &[u8], index: &LineIndex) -> Vec<Marker> {
    find_all(data, ALLOW)
        .map(|at| {
            let rest = &data[at + ALLOW.len()..];
            let (next_line, rest) = match rest.strip_prefix(NEXT_LINE) {
                Some(r) => (true, r),
                None => (false, rest),
            };
            Marker {
                offset: at,
                line: index.position(data, at).line,
                next_line,
                rules: rule_list(rest),
            }
        })
        .collect()
}

fn same_line_marker(line: &[u8], rule_id: &str) -> Option<&'static str> {
    for at in find_all(line, ALLOW) {
        let rest = &line[at + ALLOW.len()..];
        if rest.starts_with(NEXT_LINE) {
            continue;
        }
        if covers(rest, rule_id) {
            return Some("leakscan:allow");
        }
    }
    if contains(line, b"gitleaks:allow") {
        return Some("gitleaks:allow");
    }
    if contains(line, b"pragma: allowlist secret") {
        return Some("pragma: allowlist secret");
    }
    None
}

fn previous_line_marker(line: &[u8], rule_id: &str) -> Option<&'static str> {
    for at in find_all(line, ALLOW) {
        let rest = &line[at + ALLOW.len()..];
        if let Some(rest) = rest.strip_prefix(NEXT_LINE)
            && covers(rest, rule_id)
        {
            return Some("leakscan:allow-next-line");
        }
    }
    if contains(line, b"pragma: allowlist nextline secret") {
        return Some("pragma: allowlist nextline secret");
    }
    None
}

/// Whether the text after a marker allows `rule_id`: no list means every rule.
fn covers(rest: &[u8], rule_id: &str) -> bool {
    match rule_list(rest) {
        None => true,
        Some(ids) => ids.iter().any(|id| id == rule_id),
    }
}

/// The ids of `(a, b)` right after a marker, or `None` when there is no list.
pub(crate) fn rule_list(rest: &[u8]) -> Option<Vec<String>> {
    let inner = rest.strip_prefix(b"(")?;
    let close = inner.iter().position(|&b| b == b')')?;
    let list = String::from_utf8_lossy(&inner[..close]);
    Some(
        list.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(haystack, needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(text: &str, needle: &str, rule: &str) -> Option<String> {
        let data = text.as_bytes();
        let offset = text.find(needle).unwrap();
        inline_allow(data, &LineIndex::new(data), offset, rule).map(|(marker, line)| describe(marker, line))
    }

    #[test]
    fn markers_are_listed() {
        let data = b"a # leakscan:allow\n# leakscan:allow-next-line(r, q)\nb\n";
        let found = markers(data, &LineIndex::new(data));
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].line, found[0].next_line, found[0].rules.clone()),
            (1, false, None)
        );
        assert_eq!((found[1].line, found[1].next_line), (2, true));
        assert_eq!(found[1].rules.as_deref(), Some(&["r".to_string(), "q".to_string()][..]));
    }

    #[test]
    fn same_line_markers() {
        assert_eq!(
            allowed("k = SECRET # leakscan:allow\n", "SECRET", "r").as_deref(),
            Some("`leakscan:allow` on line 1")
        );
        assert!(allowed("k = SECRET // leakscan:allow(r, q)\n", "SECRET", "r").is_some());
        assert!(allowed("k = SECRET // leakscan:allow(q)\n", "SECRET", "r").is_none());
        assert!(allowed("a\nk = SECRET # gitleaks:allow\n", "SECRET", "r").is_some());
        assert!(allowed("k = SECRET  # pragma: allowlist secret\n", "SECRET", "r").is_some());
        assert!(
            allowed("k = SECRET\n# leakscan:allow\n", "SECRET", "r").is_none(),
            "a marker below does not count"
        );
    }

    #[test]
    fn next_line_markers() {
        let text = "# leakscan:allow-next-line\nk = SECRET\nj = OTHER\n";
        assert_eq!(
            allowed(text, "SECRET", "r").as_deref(),
            Some("`leakscan:allow-next-line` on line 1")
        );
        assert!(allowed(text, "OTHER", "r").is_none(), "only the next line");
        assert!(allowed("# leakscan:allow-next-line(q)\nk = SECRET\n", "SECRET", "r").is_none());
        assert!(allowed("k = SECRET # leakscan:allow-next-line\n", "SECRET", "r").is_none());
        assert!(allowed("# pragma: allowlist nextline secret\nk = SECRET\n", "SECRET", "r").is_some());
    }
}
