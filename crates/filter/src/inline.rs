//! Inline allow markers in the scanned text.
//!
//! - `leakscan:allow` on the line of a finding allows every rule there;
//!   `leakscan:allow(rule-a, rule-b)` only those rules.
//! - `leakscan:allow-next-line` (optionally with rule ids) on the line above does the same for
//!   the next line.
//! - For teams migrating from other tools: `gitleaks:allow` and `trufflehog:ignore` on the
//!   line, detect-secrets' `pragma: allowlist secret` on the line, and
//!   `pragma: allowlist nextline secret` above it.
//!
//! Matching is a plain substring search, so any comment syntax works (`#`, `//`, `<!-- -->`).
//! A blob's markers are found in one pass ([`InlineMarkers::find`]) and looked up by line, so
//! the cost does not grow with the number of findings on a line.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use leakscan_model::location::Positions;

const ALLOW: &[u8] = b"leakscan:allow";
const NEXT_LINE: &[u8] = b"-next-line";

/// The marker texts searched for, in [`MarkerKind`] order of the non-leakscan kinds.
const NEEDLES: [&str; 5] = [
    "leakscan:allow",
    "gitleaks:allow",
    "trufflehog:ignore",
    "pragma: allowlist secret",
    "pragma: allowlist nextline secret",
];

static SEARCHER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| AhoCorasick::new(NEEDLES).ok());

/// Which marker it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    /// `leakscan:allow`, on the finding's line.
    LeakscanAllow,
    /// `leakscan:allow-next-line`, on the line above.
    LeakscanNextLine,
    /// `gitleaks:allow`, on the line.
    Gitleaks,
    /// `trufflehog:ignore`, on the line.
    Trufflehog,
    /// `pragma: allowlist secret` (detect-secrets), on the line.
    PragmaSecret,
    /// `pragma: allowlist nextline secret` (detect-secrets), on the line above.
    PragmaNextLine,
}

impl MarkerKind {
    /// The marker as written.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::LeakscanAllow => "leakscan:allow",
            MarkerKind::LeakscanNextLine => "leakscan:allow-next-line",
            MarkerKind::Gitleaks => "gitleaks:allow",
            MarkerKind::Trufflehog => "trufflehog:ignore",
            MarkerKind::PragmaSecret => "pragma: allowlist secret",
            MarkerKind::PragmaNextLine => "pragma: allowlist nextline secret",
        }
    }

    /// Whether the marker applies to the line below it rather than its own.
    pub fn is_next_line(self) -> bool {
        matches!(self, MarkerKind::LeakscanNextLine | MarkerKind::PragmaNextLine)
    }

    /// Whether this is one of leakscan's own markers (which may list rules).
    pub fn is_leakscan(self) -> bool {
        matches!(self, MarkerKind::LeakscanAllow | MarkerKind::LeakscanNextLine)
    }
}

/// How a marker is named in reports: `` `leakscan:allow` on line 12 ``.
pub fn describe(marker: &str, line: usize) -> String {
    format!("`{marker}` on line {line}")
}

/// An inline marker found in a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// Byte offset of the marker.
    pub offset: usize,
    /// Which marker.
    pub kind: MarkerKind,
    /// The rule ids listed (`leakscan:allow(a, b)`), or `None` for every rule.
    pub rules: Option<Vec<String>>,
}

impl Marker {
    /// Whether the marker allows `rule_id`.
    pub fn covers(&self, rule_id: &str) -> bool {
        match &self.rules {
            None => true,
            Some(ids) => ids.iter().any(|id| id == rule_id),
        }
    }
}

/// Every inline marker of one blob, in offset order.
#[derive(Debug, Clone, Default)]
pub struct InlineMarkers {
    list: Vec<Marker>,
}

/// Whether `data` holds any marker, of leakscan or of another tool (one pass, no allocation).
pub fn contains_marker(data: &[u8]) -> bool {
    SEARCHER.as_ref().is_some_and(|s| s.is_match(data))
}

impl InlineMarkers {
    /// Finds every marker in `data` (one pass).
    pub fn find(data: &[u8]) -> InlineMarkers {
        let Some(searcher) = SEARCHER.as_ref() else {
            return InlineMarkers::default();
        };
        let list = searcher
            .find_iter(data)
            .map(|m| {
                let offset = m.start();
                let (kind, rules) = match m.pattern().as_usize() {
                    0 => {
                        let rest = &data[offset + ALLOW.len()..];
                        match rest.strip_prefix(NEXT_LINE) {
                            Some(r) => (MarkerKind::LeakscanNextLine, rule_list(r)),
                            None => (MarkerKind::LeakscanAllow, rule_list(rest)),
                        }
                    }
                    1 => (MarkerKind::Gitleaks, None),
                    2 => (MarkerKind::Trufflehog, None),
                    3 => (MarkerKind::PragmaSecret, None),
                    _ => (MarkerKind::PragmaNextLine, None),
                };
                Marker { offset, kind, rules }
            })
            .collect();
        InlineMarkers { list }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The markers, in offset order.
    pub fn iter(&self) -> impl Iterator<Item = &Marker> {
        self.list.iter()
    }

    /// The markers with their lines (`positions` must have located every marker's offset).
    pub fn on_lines<'m>(&'m self, positions: &Positions) -> MarkerLines<'m> {
        let mut by_line: Vec<(usize, &Marker)> = self.list.iter().map(|m| (positions.at(m.offset).line, m)).collect();
        by_line.sort_by_key(|(line, m)| (*line, m.offset));
        MarkerLines { by_line }
    }
}

/// A blob's markers by line.
#[derive(Debug, Clone, Default)]
pub struct MarkerLines<'m> {
    by_line: Vec<(usize, &'m Marker)>,
}

impl<'m> MarkerLines<'m> {
    /// The markers on 1-based line `line`.
    fn on(&self, line: usize) -> impl Iterator<Item = &'m Marker> + '_ {
        let from = self.by_line.partition_point(|(l, _)| *l < line);
        self.by_line[from..]
            .iter()
            .take_while(move |(l, _)| *l == line)
            .map(|(_, m)| *m)
    }

    /// The marker that allows `rule_id` for a finding on `line` (a marker on that line, or a
    /// next-line marker on the line above), with the marker's line.
    pub fn allowing(&self, line: usize, rule_id: &str) -> Option<(&'static str, usize)> {
        if let Some(m) = self.on(line).find(|m| !m.kind.is_next_line() && m.covers(rule_id)) {
            return Some((m.kind.as_str(), line));
        }
        if line < 2 {
            return None;
        }
        self.on(line - 1)
            .find(|m| m.kind.is_next_line() && m.covers(rule_id))
            .map(|m| (m.kind.as_str(), line - 1))
    }

    /// Every marker with its line.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &'m Marker)> + '_ {
        self.by_line.iter().map(|(l, m)| (*l, *m))
    }
}

/// The ids of `(a, b)` right after a marker, or `None` when there is no list.
pub(crate) fn rule_list(rest: &[u8]) -> Option<Vec<String>> {
    let inner = rest.strip_prefix(b"(")?;
    // A list is short; a `(` with no `)` nearby is no list.
    let close = inner.iter().take(4096).position(|&b| b == b')')?;
    let list = String::from_utf8_lossy(&inner[..close]);
    Some(
        list.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marker allowing `rule` for the secret at `needle` in `text`, described.
    fn allowed(text: &str, needle: &str, rule: &str) -> Option<String> {
        let data = text.as_bytes();
        let offset = text.find(needle).unwrap();
        let markers = InlineMarkers::find(data);
        let positions = Positions::locate(data, markers.iter().map(|m| m.offset).chain([offset]));
        let line = positions.at(offset).line;
        markers
            .on_lines(&positions)
            .allowing(line, rule)
            .map(|(marker, line)| describe(marker, line))
    }

    #[test]
    fn markers_are_listed() {
        let data = b"a # leakscan:allow\n# leakscan:allow-next-line(r, q)\nb # trufflehog:ignore\n";
        let found: Vec<Marker> = InlineMarkers::find(data).iter().cloned().collect();
        assert_eq!(found.len(), 3);
        assert_eq!(
            (found[0].kind, found[0].rules.clone()),
            (MarkerKind::LeakscanAllow, None)
        );
        assert_eq!(found[1].kind, MarkerKind::LeakscanNextLine);
        assert_eq!(found[1].rules.as_deref(), Some(&["r".to_string(), "q".to_string()][..]));
        assert_eq!(found[2].kind, MarkerKind::Trufflehog);
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
        assert!(allowed("a\nk = SECRET # trufflehog:ignore\n", "SECRET", "r").is_some());
        assert!(allowed("k = SECRET  # pragma: allowlist secret\n", "SECRET", "r").is_some());
        assert!(
            allowed("k = SECRET\n# leakscan:allow\n", "SECRET", "r").is_none(),
            "a marker below does not count"
        );
        assert!(
            allowed("# leakscan:allow\nk = SECRET\n", "SECRET", "r").is_none(),
            "a same-line marker above does not count"
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

    #[test]
    fn an_unclosed_rule_list_is_no_list() {
        assert!(allowed("k = SECRET # leakscan:allow(r\n", "SECRET", "x").is_some());
    }
}
