//! Findings: what was found, where, and how to show it without leaking it.

use std::fmt;
use std::ops::Range;

use crate::level::{Confidence, Severity};
use crate::location::{Position, line_end_within, line_start_within};
use crate::mask::sanitize;
use crate::origin::Origin;
use crate::suppression::Suppression;

/// Characters of context kept before and after the secret in a snippet.
const SNIPPET_BEFORE: usize = 60;
const SNIPPET_AFTER: usize = 40;

/// A secret value. Its `Debug` and `Display` are redacted; only [`Secret::expose`] shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The value's bytes.
    bytes: Vec<u8>,
    /// Evidence of a configuration problem (shown whole), not a secret.
    evidence: bool,
    /// What the value is (its rule id), shown instead of its first characters when the value
    /// has no public prefix: a redacted `----…` or `http…` says nothing, and the first
    /// characters of a random key are part of the secret.
    label: Option<std::sync::Arc<str>>,
}

impl Secret {
    /// Wraps raw secret bytes.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret {
            bytes,
            evidence: false,
            label: None,
        }
    }

    /// Wraps secret bytes with no public prefix: the redacted form names `label` (the rule
    /// id), `[redacted aws-secret-access-key]`, and shows none of the value.
    pub fn labelled(bytes: Vec<u8>, label: &str) -> Secret {
        Secret {
            bytes,
            evidence: false,
            label: Some(label.into()),
        }
    }

    /// Evidence of a configuration problem that is not a secret (a workflow trigger, a
    /// Dockerfile instruction): shown whole.
    pub fn evidence(bytes: Vec<u8>) -> Secret {
        Secret {
            bytes,
            evidence: true,
            label: None,
        }
    }

    /// Whether this is evidence of a configuration problem rather than a secret.
    pub fn is_evidence(&self) -> bool {
        self.evidence
    }

    /// The raw bytes (for fingerprints and `--show-secrets`).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The redacted form: for a value with a public prefix (a token format's `ghp_`, `AKIA`),
    /// a short prefix (0, 2 or 4 characters by length) and `…`; for a labelled value, its
    /// label, `[redacted <rule>]`; evidence is shown whole.
    pub fn redacted(&self) -> String {
        if self.evidence {
            return self.expose();
        }
        if let Some(label) = &self.label {
            return format!("[redacted {}]", sanitize(label));
        }
        let text = String::from_utf8_lossy(&self.bytes);
        let chars = text.chars().count();
        let keep = match chars {
            16.. => 4,
            10..=15 => 2,
            _ => 0,
        };
        let prefix: String = text.chars().take(keep).collect();
        format!("{}…", sanitize(&prefix))
    }

    /// The full value, with control characters escaped so it is safe on a terminal.
    pub fn expose(&self) -> String {
        sanitize(&String::from_utf8_lossy(&self.bytes))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// One detected secret at one location.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's name.
    pub rule_name: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The rule's confidence.
    pub confidence: Confidence,
    /// Where the bytes came from.
    pub origin: Origin,
    /// Start of the secret.
    pub start: Position,
    /// Position just after the secret's last character (exclusive end, like SARIF's `endColumn`).
    pub end: Position,
    /// Byte span of the secret within the blob.
    pub bytes: Range<usize>,
    /// The secret itself (redacted unless explicitly exposed).
    pub secret: Secret,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f64,
    /// `sha256(rule ‖ 0 ‖ secret)`: the same secret anywhere.
    pub secret_id: String,
    /// `sha256(rule ‖ 0 ‖ secret ‖ 0 ‖ logical path)`: stable across line moves.
    pub fingerprint: String,
    /// Set when a filter suppressed this finding.
    pub suppression: Option<Suppression>,
    /// The offline validator that judged the secret and whether it passed (a failure has
    /// already lowered `confidence` to low).
    pub validation: Option<(&'static str, bool)>,
    /// Why `confidence` is lower than the rule's (validator failure, test or docs path).
    pub confidence_note: Option<String>,
    /// What a configuration check found wrong at this location (checks only).
    pub detail: Option<String>,
    /// How the secret was encoded where it was found (`base64`, `percent`, `utf-16le`, …);
    /// `None` for plain text. Locations always point at the encoded text.
    pub encoding: Option<&'static str>,
    /// The text around the secret on its line, masked (see [`Snippet::around`]).
    pub context: Snippet,
    /// What the provider said when asked (`--verify`); `None` when not asked.
    pub verification: Option<crate::verification::Verification>,
}

impl Finding {
    /// Sets the confidence to low (below the default gate) and records why.
    pub fn set_low_confidence(&mut self, why: String) {
        self.confidence = Confidence::Low;
        self.confidence_note = Some(match self.confidence_note.take() {
            Some(earlier) => format!("{earlier}; {why}"),
            None => why,
        });
    }

    /// Lowers the confidence one tier and records why (notes accumulate).
    pub fn lower_confidence(&mut self, why: String) {
        self.confidence = self.confidence.lowered();
        self.confidence_note = Some(match self.confidence_note.take() {
            Some(earlier) => format!("{earlier}; {why}"),
            None => why,
        });
    }

    /// The line around the secret, with the secret redacted unless `show_secret`.
    pub fn snippet(&self, show_secret: bool) -> String {
        let secret = if show_secret {
            self.secret.expose()
        } else {
            self.secret.redacted()
        };
        format!("{}{}{}", self.context.before, secret, self.context.after)
    }

    /// The secret as it may be shown: redacted unless `show_secret`.
    pub fn shown_secret(&self, show_secret: bool) -> String {
        if show_secret {
            self.secret.expose()
        } else {
            self.secret.redacted()
        }
    }

    /// Whether a filter suppressed this finding.
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }

    /// Deterministic report order: path, line, column, rule.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.origin.display, self.start.line, self.start.column, &self.rule_id)
    }
}

/// Directory names whose files are tests, fixtures, examples or documentation: a secret there
/// is more often a sample, so its confidence is lowered one tier (it is still reported).
const NON_PRODUCTION_DIRS: &[&str] = &[
    "t",
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "testdata",
    "test-data",
    "test_data",
    "fixture",
    "fixtures",
    "__fixtures__",
    "mock",
    "mocks",
    "__mocks__",
    "example",
    "examples",
    "sample",
    "samples",
    "doc",
    "docs",
    "docs_src",
    "documentation",
];

/// Where `logical_path` is test, fixture, example or documentation material, if it is: the
/// first directory that marks it (`tests`, `fixtures`, `docs`, …), else a file name that does
/// (`*_test.go`, `test_*.py`, `*.test.ts`, `*.spec.js`, `*_spec.rb`), as a phrase for reports.
pub fn test_context(logical_path: &str) -> Option<String> {
    if let Some(dir) = non_production_dir(logical_path) {
        return Some(format!("under `{dir}/` (tests, fixtures, examples or docs)"));
    }
    let name = logical_path.rsplit(['/', '\\']).next().unwrap_or(logical_path);
    let lower = name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or(&lower);
    let test_name = stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_spec")
        || stem.ends_with("_tests")
        || lower.contains(".test.")
        || lower.contains(".spec.");
    if test_name {
        return Some(format!("in the test file `{name}`"));
    }
    // `iam-2010-05-08.examples.json`, `examples-1.json`, `.env.example`, `config.sample.yml`.
    let example_name = lower
        .split(['.', '-', '_'])
        .any(|part| matches!(part, "example" | "examples" | "sample" | "samples"));
    example_name.then(|| format!("in the example file `{name}`"))
}

/// Where a finding sits in documentation written inside code, if it does, as a phrase for
/// reports: a line of a block documentation comment (` * password: …` inside `/** … */`), or
/// YAML in a Python docstring (`password: value` after an unquoted key in a `.py` file: Python
/// code writes `"key": value` or `key=value`, module docs and examples write YAML).
pub fn doc_context(logical_path: &str, snippet: &Snippet) -> Option<String> {
    let line = snippet.before.trim_start();
    if line.starts_with("* ") || line.starts_with("*\t") || line.starts_with("/** ") {
        return Some("in a documentation comment (` * …`)".to_string());
    }
    if !logical_path.to_ascii_lowercase().ends_with(".py") {
        return None;
    }
    let item = line.strip_prefix("- ").unwrap_or(line).trim_end();
    let item = item.strip_suffix(['"', '\'']).unwrap_or(item).trim_end();
    let key = item.strip_suffix(':')?;
    let yaml_key = key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    yaml_key.then(|| "in YAML inside a Python docstring (module documentation or examples)".to_string())
}

/// Whether a finding sits in a minified bundle: a built JavaScript, source-map or CSS file whose
/// line runs past the snippet on both sides. Generic assignment rules match its code far more
/// often than a secret (provider tokens there are found by their own rules).
pub fn in_minified_bundle(logical_path: &str, snippet: &Snippet) -> bool {
    let lower = logical_path.to_ascii_lowercase();
    [".js", ".mjs", ".cjs", ".map", ".css"]
        .iter()
        .any(|e| lower.ends_with(e))
        && snippet.before.starts_with('…')
        && snippet.after.ends_with('…')
}

/// The first directory of `logical_path` (inside archives too) that marks tests, fixtures,
/// examples or docs.
pub fn non_production_dir(logical_path: &str) -> Option<&str> {
    let mut parts: Vec<&str> = logical_path.split(['/', '\\']).collect();
    parts.pop(); // the file name itself
    parts
        .into_iter()
        .find(|p| NON_PRODUCTION_DIRS.iter().any(|d| d.eq_ignore_ascii_case(p)))
}

/// The text around a secret on its line, as a finding shows it: bounded, masked and escaped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    before: String,
    after: String,
}

impl Snippet {
    /// The snippet around `secret` in `data`: at most 60 and 40
    /// characters of its line either side, with every span of `masked` (merged and sorted, see
    /// [`merge_spans`]: the secret spans of every candidate of the blob) and every token-shaped
    /// run masked, so another secret on the same line is never shown.
    pub fn around(data: &[u8], secret: &Range<usize>, masked: &[Range<usize>]) -> Snippet {
        let (before, after) = snippet_context(data, secret, masked);
        Snippet { before, after }
    }
}

/// The snippet's text before and after `secret` on its line: at most `SNIPPET_BEFORE` and
/// `SNIPPET_AFTER` characters, read from a bounded number of bytes (a finding on a line of
/// megabytes costs the same as on a short one), with every span of `masked` (merged, sorted)
/// and every token-shaped run masked, and control characters escaped.
fn snippet_context(data: &[u8], secret: &Range<usize>, masked: &[Range<usize>]) -> (String, String) {
    let (from, whole_line) = line_start_within(data, secret.start, CONTEXT_BYTES_BEFORE);
    let before = masked_text(data, from..secret.start, masked);
    let before = before.trim_start();
    let mut before = tail_chars(before, SNIPPET_BEFORE);
    if !whole_line && !before.starts_with('…') {
        before.insert(0, '…');
    }
    let spans_lines = memchr::memchr(b'\n', &data[secret.start.min(data.len())..secret.end.min(data.len())]).is_some();
    let after = if spans_lines {
        String::new()
    } else {
        let (to, whole_line) = line_end_within(data, secret.end, CONTEXT_BYTES_AFTER);
        let text = masked_text(data, secret.end.min(to)..to, masked);
        let mut after = head_chars(text.trim_end(), SNIPPET_AFTER);
        if !whole_line && !after.ends_with('…') {
            after.push('…');
        }
        after
    };
    (sanitize(&before), sanitize(&after))
}

/// Bytes read either side of a secret for its snippet: enough for the kept characters even
/// when every one is four bytes long.
const CONTEXT_BYTES_BEFORE: usize = 4 * SNIPPET_BEFORE + 4;
const CONTEXT_BYTES_AFTER: usize = 4 * SNIPPET_AFTER + 4;

/// `data[range]` as text, with the parts of `masked` (merged, sorted) inside it masked.
fn masked_text(data: &[u8], range: Range<usize>, masked: &[Range<usize>]) -> String {
    let first = masked.partition_point(|s| s.end <= range.start);
    let inside = masked[first..].iter().take_while(|s| s.start < range.end).map(|s| {
        let clipped = s.start.max(range.start) - range.start..s.end.min(range.end) - range.start;
        (clipped, s.start >= range.start)
    });
    crate::mask::mask_parts(&data[range.clone()], inside)
}

/// `spans` sorted and merged where they overlap or touch: a list whose starts and ends both
/// ascend, so the spans near any range are found by binary search.
pub fn merge_spans(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.retain(|s| !s.is_empty());
    spans.sort_unstable_by_key(|s| s.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
}

fn tail_chars(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        s.to_string()
    } else {
        format!("…{}", s.chars().skip(count - n).collect::<String>())
    }
}

fn head_chars(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_a_short_prefix_only() {
        assert_eq!(
            Secret::new(
                concat!("ghp_", "Q8mZt2rK9vLw4XbN7cPd1sHy6JfGa3Ue0TkR")
                    .as_bytes()
                    .to_vec()
            )
            .redacted(),
            "ghp_…"
        );
        assert_eq!(Secret::new(b"hunter2pass".to_vec()).redacted(), "hu…");
        assert_eq!(Secret::new(b"short".to_vec()).redacted(), "…");
        assert_eq!(
            format!("{:?}", Secret::new(b"ghp_Q8mZt2rK9vLw4XbN7".to_vec())),
            "Secret(ghp_…)"
        );
    }

    #[test]
    fn non_production_paths() {
        assert_eq!(non_production_dir("src/tests/login.rs"), Some("tests"));
        assert_eq!(non_production_dir("app.tar!/docs/setup.md"), Some("docs"));
        assert_eq!(non_production_dir("Docs/guide.md"), Some("Docs"));
        assert_eq!(non_production_dir("src/main.rs"), None);
        assert_eq!(non_production_dir("tests"), None, "a file named like a directory");
        assert_eq!(non_production_dir("src/latest/config.yml"), None);
        assert_eq!(
            test_context("pkg/auth_test.go").as_deref(),
            Some("in the test file `auth_test.go`")
        );
        assert!(test_context("tests/conftest.py").is_some());
        assert!(test_context("celery-5.7.0/t/unit/security/__init__.py").is_some());
        assert_eq!(test_context("src/t.py"), None);
        assert!(test_context("src/login.spec.ts").is_some());
        assert!(test_context("test_client.py").is_some());
        assert_eq!(test_context("src/latest.py"), None);
        assert!(test_context("apis/iam-2010-05-08.examples.json").is_some());
        assert!(test_context("data/iam/examples-1.json").is_some());
        assert!(test_context(".env.example").is_some());
        assert!(test_context("config.sample.yml").is_some());
        assert_eq!(test_context("src/resample.py"), None);
        assert_eq!(test_context("src/counterexample.rs"), None);
    }

    #[test]
    fn documentation_inside_code() {
        let snippet = |before: &str| Snippet {
            before: before.to_string(),
            after: String::new(),
        };
        assert!(doc_context("api.ts", &snippet("* password: \"")).is_some());
        assert!(doc_context("plugins/modules/user.py", &snippet("password: ")).is_some());
        assert!(doc_context("plugins/modules/user.py", &snippet("- snmp_priv_passphrase: \"")).is_some());
        assert_eq!(doc_context("settings.py", &snippet("DB = {\"password\": \"")), None);
        assert_eq!(doc_context("settings.py", &snippet("password = \"")), None);
        assert_eq!(doc_context("deploy.yml", &snippet("password: ")), None);
        assert_eq!(doc_context("app.js", &snippet("{password: \"")), None);
        let cut = Snippet {
            before: "…x,s.password=\"".to_string(),
            after: "\",c=Og}…".to_string(),
        };
        assert!(in_minified_bundle("dist/polyfill.js", &cut));
        assert!(!in_minified_bundle("src/settings.py", &cut));
        assert!(!in_minified_bundle("dist/app.js", &snippet("password = \"")));
        assert_eq!(test_context("src/contest_results.rs"), None);
    }

    #[test]
    fn sanitize_escapes_terminal_control() {
        assert_eq!(sanitize("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\\nc");
        assert_eq!(sanitize("x\u{9b}y\u{202e}z\u{7f}"), "x\\u{9b}y\\u{202e}z\\u{7f}");
    }
}
