//! Property tests (proptest): planted tokens are found at exactly their span at any offset,
//! whole or streamed in any read split and with one or two workers; redaction never emits a
//! planted secret and copies everything else unchanged; fingerprints survive line moves; the
//! detector returns on arbitrary bytes. Case counts are kept small enough for CI in debug.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::io::Read;
use std::ops::Range;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use scanner_core::redact::redact;
use scanner_core::source::stream::STREAM_CHUNK;
use scanner_core::{Finding, Position, RuleSet, ScanSettings, Scanner};

/// Split so that the project's self-scan does not see a key id prefix in this file.
const AWS_PREFIX: &str = concat!("AK", "IA");
const AWS_RULE: &str = "aws-access-key-id";
/// The base32 alphabet of AWS key ids.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const MASK: &str = "<<masked>>";

fn scanner(threads: usize) -> &'static Scanner {
    static ONE: OnceLock<Scanner> = OnceLock::new();
    static TWO: OnceLock<Scanner> = OnceLock::new();
    let cell = if threads == 1 { &ONE } else { &TWO };
    cell.get_or_init(|| {
        Scanner::builder()
            .settings(ScanSettings {
                threads,
                ..ScanSettings::default()
            })
            .build()
            .unwrap()
    })
}

/// `cases` cases; a failing case is saved next to this file (`properties.proptest-regressions`,
/// to be committed) and replayed first from then on.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    }
}

fn rules() -> &'static RuleSet {
    scanner(1).rules()
}

/// A format-valid fake AWS access key id: the prefix and 16 distinct base32 characters (so
/// its entropy is high and it has no runs), never one of the placeholder sequences. The
/// offline `aws-key-id` check never fails a key, so these are high-confidence findings.
fn aws_token() -> impl Strategy<Value = String> {
    Just(BASE32.to_vec())
        .prop_shuffle()
        .prop_map(|chars| format!("{AWS_PREFIX}{}", String::from_utf8(chars[..16].to_vec()).unwrap()))
        .prop_filter("a placeholder sequence", |t| {
            scanner_core::detect::placeholder_reason(t.as_bytes()).is_none()
        })
}

/// Characters around a planted token (never a word character, so `\b` holds).
const SEPARATORS: &[&str] = &[" ", "\n", "\r\n", "\t", "=", ":", "\"", "'", ",", "(", "`"];
/// Separators without `:` (a character of the only keywords that need no letter).
const PLAIN_SEPARATORS: &[&str] = &[" ", "\n", "\r\n", "\t", "=", "\"", "'", ",", "(", "`"];

/// Filler text with letters, digits, punctuation and multi-byte characters (it can hold
/// keywords of other rules, but never an upper-case key id).
const TEXT_FILLER: &str = "[a-z0-9 .,=_/+é€\t]{1,60}";
/// Filler that cannot hold any rule's keyword (no letters, no `:`); checked by
/// `letter_free_filler_cannot_hold_a_keyword`.
const PLAIN_FILLER: &str = "[0-9 .,;=_/+*#()'\"é€日\t-]{1,60}";
const PLAIN_CHARS: &str = "0123456789 .,;=_/+*#()'\"é€日\t-\r\n`";

/// A planted token: (about) where, the token, the separators before and after it.
type Plant = (usize, String, &'static str, &'static str);

/// A reported key id: start, end, byte span, secret, suppressed.
type Seen = (Position, Position, Range<usize>, Vec<u8>, bool);

/// A document: a filler line repeated to `len` bytes, with tokens planted at (about) the
/// given offsets, each between separators.
#[derive(Debug, Clone)]
struct Plan {
    filler: String,
    len: usize,
    plants: Vec<Plant>,
}

struct Doc {
    text: String,
    /// Byte spans of the planted tokens, in order.
    spans: Vec<Range<usize>>,
    tokens: Vec<String>,
}

impl Plan {
    fn build(&self) -> Doc {
        let line = format!("{}\n", self.filler);
        let mut fill = line.chars().cycle();
        let mut plants = self.plants.clone();
        plants.sort_by_key(|p| p.0);
        let mut text = String::new();
        let mut spans = Vec::new();
        let mut tokens = Vec::new();
        for (at, token, before, after) in plants {
            if at > 0 {
                while text.len() + before.len() < at {
                    text.push(fill.next().unwrap());
                }
                text.push_str(before);
            }
            spans.push(text.len()..text.len() + token.len());
            text.push_str(&token);
            tokens.push(token);
            text.push_str(after);
        }
        while text.len() < self.len {
            text.push(fill.next().unwrap());
        }
        Doc { text, spans, tokens }
    }
}

fn plant(max_at: usize, separators: &'static [&'static str]) -> impl Strategy<Value = Plant> {
    (
        0..max_at.max(1),
        aws_token(),
        prop::sample::select(separators),
        prop::sample::select(separators),
    )
}

/// Small documents (one window): 1–3 tokens anywhere in up to 3000 bytes.
fn small_plan(filler: &'static str, separators: &'static [&'static str]) -> impl Strategy<Value = Plan> {
    (filler, 0usize..3000).prop_flat_map(move |(filler, len)| {
        prop::collection::vec(plant(len + 1, separators), 1..4).prop_map(move |plants| Plan {
            filler: filler.clone(),
            len,
            plants,
        })
    })
}

/// Documents over one stream window: a token across the first window boundary (or just
/// before or after it) and one or two elsewhere.
fn big_plan(filler: &'static str, separators: &'static [&'static str]) -> impl Strategy<Value = Plan> {
    (
        filler,
        STREAM_CHUNK..STREAM_CHUNK + 40_000,
        (STREAM_CHUNK - 60)..(STREAM_CHUNK + 20),
        plant(1, separators),
        prop::collection::vec(plant(STREAM_CHUNK + 40_000, separators), 1..3),
    )
        .prop_map(|(filler, len, boundary_at, mut boundary, mut others)| {
            boundary.0 = boundary_at;
            others.push(boundary);
            Plan {
                filler,
                len,
                plants: others,
            }
        })
}

/// A reader that returns short reads of the given sizes (cycled), with an interruption now
/// and then, as pipes and sockets do.
struct Choppy<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    next: usize,
}

impl Read for Choppy<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        if size == 0 {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Read sizes: mostly small, some large, an occasional interruption (0).
fn read_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![1 => Just(0usize), 6 => 1usize..300, 3 => 300usize..200_000],
        1..12,
    )
    .prop_filter("at least one read makes progress", |s| s.iter().any(|&n| n > 0))
}

/// (start, end, byte span, secret) of every AWS key id finding, suppressed ones included.
fn aws_findings(findings: &[Finding]) -> Vec<Seen> {
    let mut found: Vec<_> = findings
        .iter()
        .filter(|f| f.rule_id == AWS_RULE)
        .map(|f| {
            (
                f.start,
                f.end,
                f.bytes.clone(),
                f.secret.as_bytes().to_vec(),
                f.is_suppressed(),
            )
        })
        .collect();
    found.sort_by_key(|f| f.2.start);
    found
}

/// What the planted tokens should be reported as: their positions, computed from the text.
fn expected(doc: &Doc) -> Vec<Seen> {
    let position = |offset: usize| {
        let before = &doc.text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: doc.text[line_start..offset].chars().count() + 1,
        }
    };
    doc.spans
        .iter()
        .zip(&doc.tokens)
        .map(|(span, token)| {
            (
                position(span.start),
                position(span.end),
                span.clone(),
                token.as_bytes().to_vec(),
                false,
            )
        })
        .collect()
}

fn redacted(input: &[u8], sizes: Vec<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    redact(
        rules(),
        Choppy {
            data: input,
            sizes,
            next: 0,
        },
        &mut out,
        MASK,
    )
    .unwrap();
    out
}

/// The text with each planted span replaced by the mask.
fn masked(doc: &Doc) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    for span in &doc.spans {
        out.extend_from_slice(&doc.text.as_bytes()[at..span.start]);
        out.extend_from_slice(MASK.as_bytes());
        at = span.end;
    }
    out.extend_from_slice(&doc.text.as_bytes()[at..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn letter_free_filler_cannot_hold_a_keyword() {
    // The redaction properties expect exactly the planted tokens to be masked: this holds
    // only if no other rule can match in the filler, i.e. every keyword needs a character
    // the filler never has (and every secret rule has keywords).
    // `1000.` (Zoho OAuth tokens) fits in the filler, but the token after it is 64 hex
    // digits in two dotted halves with word boundaries: random filler of 70 characters makes
    // that one time in more than 10^60, so the planted tokens stay the only matches.
    const DIGIT_KEYWORDS_WITH_LONG_TOKENS: &[&str] = &["zoho-oauth-token"];
    for rule in rules().rules().iter().filter(|r| !r.is_check()) {
        assert!(!rule.keywords.is_empty(), "{} runs without a keyword", rule.id);
        if DIGIT_KEYWORDS_WITH_LONG_TOKENS.contains(&rule.id.as_str()) {
            continue;
        }
        for k in &rule.keywords {
            assert!(
                k.chars().any(|c| !PLAIN_CHARS.contains(c)),
                "{}: keyword {k:?} fits in the filler",
                rule.id
            );
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// A token planted at any offset of filler text is found once, at exactly its span
    /// (byte range, line and column), unsuppressed.
    #[test]
    fn planted_token_found_at_its_span(plan in small_plan(TEXT_FILLER, SEPARATORS)) {
        let doc = plan.build();
        let found = aws_findings(&scanner(1).scan_bytes("notes.txt", doc.text.as_bytes()));
        prop_assert_eq!(found, expected(&doc));
    }

    /// Streaming a small input in random short reads, with one or two workers: the same
    /// findings at the same positions as the whole scan.
    #[test]
    fn stream_in_short_reads_finds_the_same(plan in small_plan(TEXT_FILLER, SEPARATORS), sizes in read_sizes()) {
        let doc = plan.build();
        let want = expected(&doc);
        for threads in [1, 2] {
            let report = scanner(threads).scan_reader("notes.txt", Choppy { data: doc.text.as_bytes(), sizes: sizes.clone(), next: 0 });
            prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
            prop_assert_eq!(&aws_findings(&report.findings), &want, "threads = {}", threads);
        }
    }

    /// Redaction of small inputs in random short reads: no planted secret is written, and
    /// the output is the input with exactly the planted spans masked.
    #[test]
    fn redaction_masks_exactly_the_secrets(plan in small_plan(PLAIN_FILLER, PLAIN_SEPARATORS), sizes in read_sizes()) {
        let doc = plan.build();
        let out = redacted(doc.text.as_bytes(), sizes);
        for token in &doc.tokens {
            prop_assert!(!contains(&out, token.as_bytes()), "{} was written", token);
        }
        prop_assert!(out == masked(&doc), "bytes outside the masked spans changed");
    }

    /// Moving a secret down or up by inserting or removing unrelated lines before it keeps
    /// its fingerprint and secret id; its line number follows.
    #[test]
    fn fingerprint_survives_line_moves(
        token in aws_token(),
        first in prop::collection::vec("[a-z0-9 .,=#_]{0,50}", 0..30),
        second in prop::collection::vec("[a-z0-9 .,=#_]{0,50}", 0..30),
        after in prop::collection::vec("[a-z0-9 .,=#_]{0,50}", 0..5),
    ) {
        let file = |before: &[String]| {
            let mut text = String::new();
            for line in before {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&format!("aws_access_key_id = {token}\n"));
            for line in &after {
                text.push_str(line);
                text.push('\n');
            }
            let findings: Vec<Finding> = scanner(1)
                .scan_bytes("deploy/settings.ini", text.as_bytes())
                .into_iter()
                .filter(|f| f.rule_id == AWS_RULE)
                .collect();
            assert_eq!(findings.len(), 1, "{findings:?}");
            findings.into_iter().next().unwrap()
        };
        let (a, b) = (file(&first), file(&second));
        prop_assert_eq!(&a.fingerprint, &b.fingerprint);
        prop_assert_eq!(&a.secret_id, &b.secret_id);
        prop_assert_eq!(a.start.line, first.len() + 1);
        prop_assert_eq!(b.start.line, second.len() + 1);
        prop_assert_eq!(a.start.column, b.start.column);
    }

    /// The detector (and the configuration checks chosen by the file name) returns on any
    /// bytes, and every finding's span lies inside the input.
    #[test]
    fn scan_returns_on_arbitrary_bytes(
        name in prop::sample::select(vec!["blob.bin", "ci.yml", ".github/workflows/ci.yml", ".gitlab-ci.yml", "Dockerfile", "main.tf", ".env", "k8s.yaml"]),
        data in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..2048),
            prop::collection::vec(
                prop_oneof![
                    prop::sample::select(FRAGMENTS).prop_map(|f| f.to_vec()),
                    prop::collection::vec(any::<u8>(), 0..16),
                ],
                0..64,
            )
            .prop_map(|parts| parts.concat()),
        ],
    ) {
        for f in scanner(1).scan_bytes(name, &data) {
            prop_assert!(f.bytes.start <= f.bytes.end && f.bytes.end <= data.len(), "{:?} in {} bytes", f.bytes, data.len());
            prop_assert!(f.start.line >= 1 && f.start <= f.end);
        }
    }
}

/// Pieces of the formats the scanner understands, for arbitrary-byte inputs that reach past
/// the first parser check.
const FRAGMENTS: &[&[u8]] = &[
    b"aws_access_key_id = ",
    b"AKIA",
    b"ASIA",
    b"ghp_",
    b"password=",
    b"token: ",
    b"-----BEGIN RSA PRIVATE KEY-----\n",
    b"-----END RSA PRIVATE KEY-----\n",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\0",
    b"\n",
    b"\r\n",
    b"%41%4B",
    b"QUtJQ",
    b"eyJhbGciOi",
    b"leakscan:allow",
    b"on: pull_request_target\n",
    b"jobs:\n  build:\n    steps:\n      - run: ",
    b"${{ github.event.issue.title }}",
    b"FROM alpine\n",
    b"ENV SECRET_KEY=",
    b"ARG ",
    b"resource \"aws_db_instance\" \"x\" {\n  password = \"",
    b"\"\n}\n",
    b"export DB_PASSWORD=",
    b"apiVersion: v1\nkind: Secret\ndata:\n  key: ",
    b"PK\x03\x04",
    b"\x1f\x8b\x08",
    b"\xc3\x28",
    b"\xe2\x80\xae",
];

proptest! {
    // Each case scans about 1 MiB three times (debug build): few cases.
    #![proptest_config(config(8))]

    /// Tokens across, just before and just after a stream window boundary are found once,
    /// at the same positions as the whole scan, in any read split, with one or two workers.
    #[test]
    fn stream_across_window_boundaries(plan in big_plan(TEXT_FILLER, SEPARATORS), sizes in read_sizes()) {
        let doc = plan.build();
        let want = expected(&doc);
        prop_assert_eq!(&aws_findings(&scanner(1).scan_bytes("big.log", doc.text.as_bytes())), &want);
        for threads in [1, 2] {
            let report = scanner(threads).scan_reader("big.log", Choppy { data: doc.text.as_bytes(), sizes: sizes.clone(), next: 0 });
            prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
            prop_assert_eq!(&aws_findings(&report.findings), &want, "threads = {}", threads);
        }
    }

    /// Redaction across window boundaries in random short reads: no secret written, nothing
    /// else changed.
    #[test]
    fn redaction_across_window_boundaries(plan in big_plan(PLAIN_FILLER, PLAIN_SEPARATORS), sizes in read_sizes()) {
        let doc = plan.build();
        let out = redacted(doc.text.as_bytes(), sizes);
        for token in &doc.tokens {
            prop_assert!(!contains(&out, token.as_bytes()), "{} was written", token);
        }
        prop_assert!(out == masked(&doc), "bytes outside the masked spans changed");
    }
}
