//! Validated rules ([`Rule`]) and the compiled rule set with its keyword prefilter ([`RuleSet`]).

use std::collections::{BTreeMap, HashSet};

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use regex_automata::{meta, util::syntax};

use super::syntax::{RuleFile, RuleSyntax};
use super::verify_spec::{VerifySpec, VerifySpecError};
use super::{Confidence, MatchTest, Severity, builtin};
use leakscan_model::Error;

/// The inline allow marker (`leakscan:allow`, `leakscan:allow-next-line`), which the keyword
/// filter finds along with the keywords.
pub(crate) const ALLOW_MARKER: &str = "leakscan:allow";

/// How far around a keyword hit an unbounded regex is searched, in bytes.
pub(crate) const UNBOUNDED_REACH: usize = 4096;
/// Compiled regexes may not exceed this many bytes of heap (per rule).
const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;

/// A validated, compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique id, e.g. `github-pat-classic`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What the credential is and what it grants.
    pub description: String,
    /// The pattern as written.
    pub pattern: String,
    /// Lowercase prefilter keywords.
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy of the secret.
    pub entropy: Option<f64>,
    /// Impact of a leak.
    pub severity: Severity,
    /// How sure a match is a real secret.
    pub confidence: Confidence,
    /// Tags.
    pub tags: Vec<String>,
    /// How to revoke and rotate the credential.
    pub remediation: String,
    /// Documentation links.
    pub references: Vec<String>,
    /// Positive examples (checked by `rules check`).
    pub examples: Vec<String>,
    /// Negative examples (checked by `rules check`).
    pub negative_examples: Vec<String>,
    /// The file the rule came from.
    pub source: String,
    /// The regex, parsed and compiled on first use.
    pub(crate) regex: RuleRegex,
    /// The rule's allow patterns (over the secret).
    pub(crate) allow: Vec<LazyRegex>,
    /// The rule's whole-match allow patterns.
    pub(crate) allow_match: Vec<LazyRegex>,
    /// Offline validators, by name.
    pub(crate) validators: Vec<(&'static str, crate::detect::validate::Validator)>,
    /// Skip the placeholder filter's repeated-character test (formats with long runs).
    pub(crate) allow_repeats: bool,
    /// The structural check family that reports this rule (`None` for regex rules).
    pub check: Option<String>,
    /// The path a check's examples are checked as.
    pub example_path: Option<String>,
    /// How to verify the rule's secrets with the provider (`[rule.verify]`), validated.
    pub verify: Option<Arc<VerifySpec>>,
    /// Whether the rule is tagged `generic` (loses to a specific rule on the same span).
    generic: bool,
    /// Whether the rule is tagged `password` and not `api-key` (see [`Rule::entropy_minimum`]).
    password: bool,
}

/// The share of a short password's maximum entropy (log2 of its length) it must reach.
const PASSWORD_ENTROPY_SHARE: f64 = 0.85;

/// Passwords this long or longer get the scaled entropy minimum.
const SHORT_PASSWORD_MIN_LEN: usize = 8;

/// Why a regex in leakscan's dialect cannot be used. `Clone`, so that a rule's lazily built
/// regex can keep the error for every thread that asks.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RegexError {
    /// The pattern does not parse.
    #[error("{}", syntax_message(.0))]
    Parse(Box<regex_syntax::Error>),
    /// The pattern cannot be built (a parse error when built from the pattern, or a compiled
    /// program larger than the size limit).
    #[error("{}", build_message(.0))]
    Build(Box<meta::BuildError>),
}

/// What is wrong with a pattern and where, in one line, without quoting the pattern (it may
/// come from a repository's configuration, and it is shown masked elsewhere).
fn syntax_message(e: &regex_syntax::Error) -> String {
    match e {
        regex_syntax::Error::Parse(p) => format!("{} at byte {}", p.kind(), p.span().start.offset),
        regex_syntax::Error::Translate(t) => format!("{} at byte {}", t.kind(), t.span().start.offset),
        _ => "invalid pattern".to_string(),
    }
}

/// A build error: the syntax error inside it when there is one (the regex crate's own text
/// only says "error parsing pattern 0"), else its text (a size limit).
fn build_message(e: &meta::BuildError) -> String {
    match e.syntax_error() {
        Some(syntax) => syntax_message(syntax),
        None => e.to_string(),
    }
}

/// Why a rule with `check = "…"` (a structural check) is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckRuleError {
    /// The family is not one of [`crate::CHECK_FAMILIES`].
    #[error("unknown check `{0}` (known: {families})", families = crate::CHECK_FAMILIES.join(", "))]
    UnknownFamily(String),
    /// The rule also has a regex, keywords or validators.
    #[error("a check has no regex, keywords or validators")]
    HasPattern,
    /// An example that is not a multi-file example (`=== path ===`), and no `example_path`.
    #[error("a check's single-file examples need `example_path` (or start each file with `=== path ===`)")]
    ExamplePathMissing,
    /// The rule has a `[rule.verify]` table (a check finds no secret to verify).
    #[error("a check has no `verify` table (it finds no secret to verify)")]
    HasVerify,
}

/// Facts about a rule's regex worth a warning (see [`Rule::regex_lints`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegexLints {
    /// Unbounded repetition: matches are only searched within 4096 bytes of a keyword hit.
    pub unbounded: bool,
    /// The regex can match the empty string.
    pub matches_empty: bool,
}

/// What the detector needs to know of a rule's regex, read from its syntax tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The capture group holding the secret: the one named `secret`, else the first, else
    /// the whole match.
    pub(crate) secret_group: usize,
    /// Half-width of the search window around a keyword hit.
    pub(crate) reach: usize,
    /// Whether the regex can match the empty string.
    pub(crate) matches_empty: bool,
    /// Whether every match starts at a line start (the pattern begins with `^` in multi-line
    /// mode) and lies on one line (nothing in it can match `\n`): such a rule is searched by
    /// anchored attempts at each line start of its windows, which give the same matches as an
    /// unanchored search and stop at the first byte a line cannot match.
    pub(crate) line_anchored: bool,
    /// Whether no match can span lines (nothing in the regex can match `\n`). A keyword lies
    /// inside every match, so such a rule's windows end at the keyword's line.
    pub(crate) single_line: bool,
    /// Whether every match begins with one of the rule's keywords (its regex starts with
    /// them): such a rule is searched by anchored attempts at its keyword hits, in order,
    /// skipping hits inside the last match, which gives the matches of an unanchored search.
    pub(crate) keyword_anchored: bool,
    /// Whether the regex has no upper bound on its match length.
    pub(crate) unbounded: bool,
}

impl Shape {
    /// The shape of a rule's parsed regex, given the rule's keywords.
    fn of(hir: &regex_syntax::hir::Hir, keywords: &[String]) -> Shape {
        let mut captures = Vec::new();
        capture_names(hir, &mut captures);
        let secret_group = captures
            .iter()
            .find(|(_, name)| name.as_deref() == Some("secret"))
            .map(|(i, _)| *i as usize)
            .unwrap_or(if captures.is_empty() { 0 } else { 1 });
        let props = hir.properties();
        let max_len = props.maximum_len();
        let matches_empty = props.minimum_len() == Some(0);
        let single_line = !can_match_newline(hir);
        let line_anchored = props.look_set_prefix().contains(regex_syntax::hir::Look::StartLF) && single_line;
        Shape {
            secret_group,
            reach: max_len.unwrap_or(UNBOUNDED_REACH).max(1),
            matches_empty,
            line_anchored,
            single_line,
            keyword_anchored: !line_anchored
                && max_len.is_some()
                && !matches_empty
                && starts_with_keyword(hir, keywords),
            unbounded: max_len.is_none(),
        }
    }
}

/// A rule's regex, parsed, analysed and compiled on first use, then shared by every thread.
/// Parsing ~300 built-in regexes at start-up was most of it; a scan now parses only the
/// rules whose keywords it meets, once for both the shape and the match test (see
/// [`super::match_test`]), which is built at the rule's first keyword hit. The full regex is
/// parsed again and compiled only once a window passes the test (6 of the 88 rules met on the
/// crate sources).
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleRegex {
    shape: OnceLock<Result<Shape, RegexError>>,
    /// The match test; `Ok(None)` when none can be built (every window is then searched).
    test: OnceLock<Result<Option<MatchTest>, RegexError>>,
    regex: OnceLock<Result<meta::Regex, RegexError>>,
}

impl RuleRegex {
    /// The shape of `pattern` (`keywords` are the rule's); parses it if nothing has yet.
    fn shape(&self, pattern: &str, keywords: &[String]) -> Result<&Shape, &RegexError> {
        self.shape
            .get_or_init(|| parse_regex(pattern).map(|hir| Shape::of(&hir, keywords)))
            .as_ref()
    }

    /// The shape and the match test, from one parse of `pattern`.
    fn tested(&self, pattern: &str, keywords: &[String]) -> Result<(&Shape, Option<&MatchTest>), &RegexError> {
        let (shape, test) = self.built(&self.test, pattern, keywords, |hir| {
            Ok(MatchTest::new(hir, REGEX_SIZE_LIMIT))
        })?;
        Ok((shape, test.as_ref()))
    }

    /// The shape and the compiled regex, from one parse of `pattern`.
    fn compiled(&self, pattern: &str, keywords: &[String]) -> Result<(&Shape, &meta::Regex), &RegexError> {
        self.built(&self.regex, pattern, keywords, compile_hir)
    }

    /// The shape and `cell`'s value, built by `build` from one parse of `pattern` (which also
    /// gives the shape, if nothing has yet) unless it was built before.
    fn built<'a, T>(
        &'a self,
        cell: &'a OnceLock<Result<T, RegexError>>,
        pattern: &str,
        keywords: &[String],
        build: impl FnOnce(&regex_syntax::hir::Hir) -> Result<T, RegexError>,
    ) -> Result<(&'a Shape, &'a T), &'a RegexError> {
        let value = cell
            .get_or_init(|| {
                let hir = parse_regex(pattern)?;
                self.shape.get_or_init(|| Ok(Shape::of(&hir, keywords)));
                build(&hir)
            })
            .as_ref()?;
        Ok((self.shape(pattern, keywords)?, value))
    }
}

/// Every rule plus the keyword prefilter ([`super::KeywordFilter`]); built once, shared across
/// threads.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Keyword prefilter (ASCII case-insensitive; every occurrence, overlapping ones too).
    pub(crate) prefilter: Option<super::keyword_filter::KeywordFilter>,
    /// For each prefilter pattern, the indices of the rules that listed that keyword.
    pub(crate) keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords: their regex runs over every blob.
    pub(crate) unfiltered_rules: Vec<usize>,
    /// Length of the longest keyword (plain or encoded), in bytes.
    pub(crate) max_keyword_len: usize,
    /// Prefilter patterns from this index on are encoded keywords (see `detect::decode`).
    pub(crate) plain_patterns: usize,
    /// The encoding of each encoded-keyword pattern, from `plain_patterns` on.
    pub(crate) encoded_patterns: Vec<crate::detect::decode::Encoding>,
    /// [`RuleSet::max_reach`], worked out on first use (it parses every rule's regex).
    max_reach: OnceLock<usize>,
}

/// A regex compiled on first use (then shared by every thread).
#[derive(Debug, Clone)]
pub(crate) struct LazyRegex {
    pattern: String,
    cell: OnceLock<Result<meta::Regex, RegexError>>,
}

impl LazyRegex {
    fn new(pattern: &str) -> LazyRegex {
        LazyRegex {
            pattern: pattern.to_string(),
            cell: OnceLock::new(),
        }
    }

    /// The compiled regex; `None` if it does not compile (built-in rules are all checked by
    /// the test suite; rules loaded from files are compiled eagerly).
    pub(crate) fn get(&self) -> Option<&meta::Regex> {
        self.cell.get_or_init(|| compile_regex(&self.pattern)).as_ref().ok()
    }

    fn check(&self) -> Result<(), RegexError> {
        self.cell
            .get_or_init(|| compile_regex(&self.pattern))
            .as_ref()
            .map(|_| ())
            .map_err(Clone::clone)
    }

    /// The pattern as written.
    pub(crate) fn pattern(&self) -> &str {
        &self.pattern
    }
}

/// Capture groups of a parsed regex: (index, name).
fn capture_names(hir: &regex_syntax::hir::Hir, out: &mut Vec<(u32, Option<String>)>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => {
            out.push((c.index, c.name.as_deref().map(str::to_string)));
            capture_names(&c.sub, out);
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().for_each(|h| capture_names(h, out)),
        HirKind::Repetition(r) => capture_names(&r.sub, out),
        _ => {}
    }
}

/// Whether any byte a match of `hir` consumes can be a newline.
fn can_match_newline(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(literal) => literal.0.contains(&b'\n'),
        HirKind::Class(Class::Bytes(class)) => class.ranges().iter().any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Class(Class::Unicode(class)) => class.ranges().iter().any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Repetition(repetition) => repetition.max != Some(0) && can_match_newline(&repetition.sub),
        HirKind::Capture(capture) => can_match_newline(&capture.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().any(can_match_newline),
    }
}

/// Whether every match of `hir` begins with one of `keywords` (ASCII case-insensitively, as
/// the prefilter finds them): the prefix literals of the regex, extracted exactly (a finite
/// set: every match starts with one of them), each start with a keyword. Limits keep the
/// extraction cheap; past them the literals are cut short or the set is infinite, and the
/// answer is a safe "no".
fn starts_with_keyword(hir: &regex_syntax::hir::Hir, keywords: &[String]) -> bool {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    if keywords.is_empty() {
        return false;
    }
    let longest = keywords.iter().map(String::len).max().unwrap_or(0);
    let mut extractor = Extractor::new();
    extractor
        .kind(ExtractKind::Prefix)
        .limit_class(4)
        .limit_repeat(4)
        .limit_literal_len(longest)
        .limit_total(4096);
    let seq = extractor.extract(&fold_ascii_case(hir));
    let Some(literals) = seq.literals() else {
        return false;
    };
    !literals.is_empty()
        && literals.iter().all(|literal| {
            let bytes = literal.as_bytes();
            keywords
                .iter()
                .any(|k| bytes.len() >= k.len() && bytes[..k.len()].eq_ignore_ascii_case(k.as_bytes()))
        })
}

/// `hir` with every class that is one ASCII letter in both cases (how `(?i)` spells a letter)
/// replaced by the lowercase letter: same matches up to ASCII case, and the prefix literals
/// of `(?i)encryption_key` are one string instead of 8,192 spellings.
fn fold_ascii_case(hir: &regex_syntax::hir::Hir) -> regex_syntax::hir::Hir {
    use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};
    match hir.kind() {
        HirKind::Class(class) => {
            let letter = match class {
                Class::Bytes(c) => case_pair(c.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end())))),
                Class::Unicode(c) => case_pair(c.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end())))),
            };
            letter.map_or_else(|| hir.clone(), |b| Hir::literal([b]))
        }
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(fold_ascii_case(&r.sub)),
            ..r.clone()
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(fold_ascii_case(&c.sub)),
            ..c.clone()
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(fold_ascii_case).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(fold_ascii_case).collect()),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Look(_) => hir.clone(),
    }
}

/// The lowercase letter if a class (as inclusive code point ranges) is exactly one ASCII
/// letter in both cases.
fn case_pair(ranges: impl Iterator<Item = (u32, u32)>) -> Option<u8> {
    let mut members = Vec::with_capacity(2);
    for (start, end) in ranges {
        if end - start > 1 || members.len() > 1 {
            return None;
        }
        members.extend((start..=end).map(u8::try_from));
    }
    match members[..] {
        [Ok(a), Ok(b)] if a.is_ascii_alphabetic() && a != b && a.eq_ignore_ascii_case(&b) => {
            Some(a.to_ascii_lowercase())
        }
        _ => None,
    }
}

fn meta_config() -> meta::Config {
    meta::Config::new()
        .utf8_empty(false)
        .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
}

/// Builds a meta regex with leakscan's dialect: bytes, ASCII classes, no UTF-8 requirement.
pub fn compile_regex(pattern: &str) -> Result<meta::Regex, RegexError> {
    meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(meta_config())
        .build(pattern)
        .map_err(|e| RegexError::Build(Box::new(e)))
}

/// Parses a pattern in leakscan's dialect (what [`compile_regex`] compiles).
fn parse_regex(pattern: &str) -> Result<regex_syntax::hir::Hir, RegexError> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| RegexError::Parse(Box::new(e)))
}

/// Compiles a pattern parsed by [`parse_regex`] as [`compile_regex`] compiles it.
fn compile_hir(hir: &regex_syntax::hir::Hir) -> Result<meta::Regex, RegexError> {
    meta::Regex::builder()
        .configure(meta_config())
        .build_from_hir(hir)
        .map_err(|e| RegexError::Build(Box::new(e)))
}

impl Rule {
    /// Validates and compiles one rule written in `file`.
    pub fn compile(syn: &RuleSyntax, file: &str) -> Result<Rule, Error> {
        Rule::build(syn, file, true)
    }

    /// Validates one rule; with `eager` false its regexes are parsed and compiled on first
    /// use (built-in rules: the test suite checks that every one compiles), so that start-up
    /// stays fast with hundreds of rules.
    /// The entropy minimum for a secret of `len` bytes. A password rule's minimum (tag
    /// `password`, not also `api-key`) scales down for short values, whose entropy cannot reach it (a string of
    /// `n` bytes has at most log2(n) bits per byte): a 9-character password is held to
    /// 0.85 × log2(9) ≈ 2.69, so `r00tPa55!` passes and `aaaaaaaaa` still does not. Values
    /// under 8 characters keep the full minimum (a short word after `password` is more often
    /// an argument than a password: `'mysql_native_password', 'latin1'`).
    pub fn entropy_minimum(&self, len: usize) -> Option<f64> {
        let min = self.entropy?;
        Some(if self.password && len >= SHORT_PASSWORD_MIN_LEN {
            min.min(PASSWORD_ENTROPY_SHARE * (len as f64).log2())
        } else {
            min
        })
    }

    /// Whether the rule is tagged `generic`: on the same span, a specific rule wins.
    pub fn is_generic(&self) -> bool {
        self.generic
    }

    pub(crate) fn build(syn: &RuleSyntax, file: &str, eager: bool) -> Result<Rule, Error> {
        let fail = |message: String| Error::Rule {
            file: file.to_string(),
            rule: syn.id.clone(),
            message,
        };
        if !is_valid_id(&syn.id) {
            return Err(fail(
                "id must be 1–48 characters of lowercase letters, digits and single dashes".into(),
            ));
        }
        if let Some(check) = &syn.check {
            return Rule::build_check(syn, file, check).map_err(|e| fail(e.to_string()));
        }
        if let Some(e) = syn.entropy
            && !(0.0..=8.0).contains(&e)
        {
            return Err(fail(format!("entropy {e} is outside 0..=8")));
        }
        for k in &syn.keywords {
            if k.is_empty() {
                return Err(fail("empty keyword".into()));
            }
            if k.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(fail(format!("keyword `{k}` must be lowercase")));
            }
        }
        let lazy_all = |patterns: &[String], what: &str| {
            patterns
                .iter()
                .map(|a| {
                    let re = LazyRegex::new(a);
                    if eager {
                        re.check()
                            .map_err(|e| fail(format!("{what} regex `{a}` does not compile: {e}")))?;
                    }
                    Ok(re)
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let allow_match = lazy_all(&syn.allow_match, "allow_match")?;
        let validators = syn
            .validate
            .iter()
            .map(|name| {
                crate::detect::validate::VALIDATORS
                    .iter()
                    .find(|(n, ..)| n == name)
                    .map(|&(n, v, _)| (n, v))
                    .ok_or_else(|| fail(format!("unknown validator `{name}`")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let allow = lazy_all(&syn.allow, "allow")?;
        // The parts of a verify table that need no regex are checked now; the capture groups
        // its templates name once the regex is parsed (now when eager, else `check_verify`).
        if let Some(spec) = &syn.verify {
            spec.validate(None).map_err(|e| fail(e.to_string()))?;
        }
        let rule = Rule {
            pattern: syn.regex.clone(),
            keywords: syn.keywords.clone(),
            entropy: syn.entropy,
            allow,
            allow_match,
            validators,
            allow_repeats: syn.allow_repeats,
            generic: syn.tags.iter().any(|t| t == "generic"),
            // Rules for passwords only: one that also takes API keys (`api-key`) keeps the full
            // minimum (`X-Api-Key` is a header name, not a key).
            password: syn.tags.iter().any(|t| t == "password") && !syn.tags.iter().any(|t| t == "api-key"),
            verify: syn.verify.clone().map(Arc::new),
            ..Rule::metadata(syn, file)
        };
        if eager {
            rule.compiled()
                .map_err(|e| fail(format!("regex does not compile: {e}")))?;
            rule.check_verify().map_err(|e| fail(e.to_string()))?;
        }
        Ok(rule)
    }

    /// The shape of the rule's regex (parsed now if it has not been); an error if it does
    /// not parse.
    pub(crate) fn shape(&self) -> Result<&Shape, &RegexError> {
        self.regex.shape(&self.pattern, &self.keywords)
    }

    /// The shape and the compiled regex (both made now, from one parse, if they have not
    /// been); an error if the regex does not compile.
    pub(crate) fn compiled(&self) -> Result<(&Shape, &meta::Regex), &RegexError> {
        self.regex.compiled(&self.pattern, &self.keywords)
    }

    /// What `rules check` warns about in the rule's regex, compiling it now if it has not
    /// been (built-in rules compile on first use); an error if it does not compile.
    pub fn regex_lints(&self) -> Result<RegexLints, RegexError> {
        let (shape, _) = self.compiled().map_err(Clone::clone)?;
        Ok(RegexLints {
            unbounded: shape.unbounded,
            matches_empty: shape.matches_empty,
        })
    }

    /// The shape and the match test of the rule's regex (both made now, from one parse, if
    /// they have not been); an error if the regex does not parse. The test is `None` when
    /// none can be built for the regex: every window is then searched with the full regex.
    pub(crate) fn tested(&self) -> Result<(&Shape, Option<&MatchTest>), &RegexError> {
        self.regex.tested(&self.pattern, &self.keywords)
    }

    /// A structural check: metadata and examples only; `checks` implements it.
    fn build_check(syn: &RuleSyntax, file: &str, check: &str) -> Result<Rule, CheckRuleError> {
        if !crate::CHECK_FAMILIES.contains(&check) {
            return Err(CheckRuleError::UnknownFamily(check.to_string()));
        }
        if !syn.regex.is_empty() || !syn.keywords.is_empty() || !syn.validate.is_empty() {
            return Err(CheckRuleError::HasPattern);
        }
        let single_file = |example: &String| !example.starts_with("=== ");
        if syn.example_path.is_none() && syn.examples.iter().chain(&syn.negative_examples).any(single_file) {
            return Err(CheckRuleError::ExamplePathMissing);
        }
        if syn.verify.is_some() {
            return Err(CheckRuleError::HasVerify);
        }
        Ok(Rule {
            check: Some(check.to_string()),
            example_path: syn.example_path.clone(),
            ..Rule::metadata(syn, file)
        })
    }

    /// The rule's descriptive fields, with no pattern, check or validators.
    fn metadata(syn: &RuleSyntax, file: &str) -> Rule {
        Rule {
            id: syn.id.clone(),
            name: syn.name.clone(),
            description: syn.description.clone(),
            pattern: String::new(),
            keywords: Vec::new(),
            entropy: None,
            severity: syn.severity,
            confidence: syn.confidence,
            tags: syn.tags.clone(),
            remediation: syn.remediation.clone(),
            references: syn.references.clone(),
            examples: syn.examples.clone(),
            negative_examples: syn.negative_examples.clone(),
            source: file.to_string(),
            regex: RuleRegex::default(),
            allow: Vec::new(),
            allow_match: Vec::new(),
            validators: Vec::new(),
            allow_repeats: false,
            check: None,
            example_path: None,
            verify: None,
            generic: false,
            password: false,
        }
    }

    /// The names of the capture groups of the rule's regex, in order (parses it now; an
    /// error if it does not parse).
    pub fn capture_group_names(&self) -> Result<Vec<String>, RegexError> {
        let hir = parse_regex(&self.pattern)?;
        let mut captures = Vec::new();
        capture_names(&hir, &mut captures);
        Ok(captures.into_iter().filter_map(|(_, name)| name).collect())
    }

    /// The named capture groups of the rule's regex in `matched` (the text of one of its
    /// matches), name → bytes, for verification templates; empty when the regex does not
    /// compile or does not match there.
    pub fn named_groups(&self, matched: &[u8]) -> BTreeMap<String, Vec<u8>> {
        let mut groups = BTreeMap::new();
        let Ok((_, regex)) = self.compiled() else {
            return groups;
        };
        let mut caps = regex.create_captures();
        regex.search_captures(&regex_automata::Input::new(matched), &mut caps);
        if !caps.is_match() {
            return groups;
        }
        let names: Vec<Option<String>> = regex
            .group_info()
            .pattern_names(regex_automata::PatternID::ZERO)
            .map(|n| n.map(str::to_string))
            .collect();
        for (index, name) in names.into_iter().enumerate() {
            if let (Some(name), Some(span)) = (name, caps.get_group(index)) {
                groups.insert(name, matched[span.range()].to_vec());
            }
        }
        groups
    }

    /// Checks the rule's `[rule.verify]` table in full, the capture groups its templates
    /// name included (parses the regex now). Rules given in files are checked at load; a
    /// built-in rule's table is checked here (by `rules check` and the test suite), its regex
    /// being parsed on first use. `Ok` for a rule without a table.
    pub fn check_verify(&self) -> Result<(), VerifySpecError> {
        let Some(spec) = &self.verify else {
            return Ok(());
        };
        // A regex that does not parse is reported on its own; the groups are then unknown.
        let groups = self.capture_group_names().ok();
        spec.validate(groups.as_deref())
    }

    /// The names of the rule's offline validators.
    pub fn validator_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.validators.iter().map(|(name, _)| *name)
    }

    /// How the detector runs this rule's regex, in words (for `leakscan rules explain`).
    pub fn search_plan(&self) -> String {
        if self.is_check() {
            return "a structural check, not a regex".into();
        }
        let shape = match self.shape() {
            Ok(shape) => shape,
            Err(e) => return format!("never: the regex does not compile ({e})"),
        };
        let reach = || {
            let why = if shape.unbounded {
                "the regex has no length bound"
            } else {
                "the longest match"
            };
            format!("{} bytes ({why})", shape.reach)
        };
        let plan: String = if self.keywords.is_empty() {
            "every byte (the rule has no keywords)".into()
        } else if shape.keyword_anchored {
            "one anchored attempt at each keyword hit (every match starts with a keyword)".into()
        } else if shape.line_anchored {
            format!(
                "one anchored attempt at the start of each keyword hit's line, if within {}",
                reach()
            )
        } else if shape.single_line {
            format!(
                "a search of each keyword hit's line (no match spans lines), within {} either side",
                reach()
            )
        } else {
            format!("a search within {} either side of each keyword hit", reach())
        };
        match self.tested() {
            Ok((_, Some(_))) => format!("{plan}; where a match test (a lazy DFA without capture groups) passes"),
            _ => plan,
        }
    }

    /// Whether this rule is a structural configuration check (not a regex).
    pub fn is_check(&self) -> bool {
        self.check.is_some()
    }

    /// What reports say about this rule (see [`leakscan_model::RuleInfo`]).
    pub fn info(&self) -> leakscan_model::RuleInfo {
        leakscan_model::RuleInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            severity: self.severity,
            confidence: self.confidence,
            tags: self.tags.clone(),
            remediation: self.remediation.clone(),
            references: self.references.clone(),
            is_check: self.is_check(),
        }
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 48
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
}

impl RuleSet {
    /// The built-in rule pack.
    pub fn builtin() -> Result<RuleSet, Error> {
        RuleSet::builtin_with(Vec::new())
    }

    /// The built-in rule pack plus rule files given as (name, TOML text). The extra files are
    /// compiled now (so their errors surface at load); the built-in ones on first use.
    pub fn builtin_with(extra: Vec<(String, String)>) -> Result<RuleSet, Error> {
        let builtin = builtin::builtin_rule_files()
            .iter()
            .map(|(n, t)| (format!("rules/{n}"), t.to_string(), false));
        RuleSet::load(builtin.chain(extra.into_iter().map(|(n, t)| (n, t, true))))
    }

    /// How far a stream window must overlap the next so that no match is cut: the longest
    /// reach of any rule plus the longest keyword.
    pub fn stream_margin(&self) -> usize {
        self.max_reach() + self.max_keyword_len
    }

    /// Parses and compiles rule files given as (name, TOML text). Fails on the first invalid
    /// file or rule, and on duplicate ids.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<RuleSet, Error> {
        RuleSet::load(files.into_iter().map(|(n, t)| (n, t, true)))
    }

    /// Loads (name, text, compile-now) rule files. The files are parsed and their rules built
    /// on rayon's pool, every core (start-up is most of the time of a small scan); errors are reported as a
    /// sequential load would meet them: the first file's first problem.
    fn load(files: impl IntoIterator<Item = (String, String, bool)>) -> Result<RuleSet, Error> {
        let files: Vec<(String, String, bool)> = files.into_iter().collect();
        super::keyword_filter::prepare();
        let parsed: Vec<_> = files
            .par_iter()
            .map(|(name, text, eager)| {
                let file = RuleFile::parse(text).map_err(|e| Error::RuleFile {
                    file: name.clone(),
                    message: e.to_string(),
                })?;
                Ok(file
                    .rules
                    .iter()
                    .map(|syn| (syn.id.clone(), Rule::build(syn, name, *eager)))
                    .collect::<Vec<_>>())
            })
            .collect();
        let mut rules = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for ((name, _, _), built) in files.iter().zip(parsed) {
            for (id, rule) in built? {
                if let Some(first) = seen.insert(id.clone(), name.clone()) {
                    return Err(Error::Rule {
                        file: name.clone(),
                        rule: id,
                        message: format!("duplicate id (first defined in {first})"),
                    });
                }
                rules.push(rule?);
            }
        }
        RuleSet::new(rules)
    }

    /// Builds the keyword prefilter over already compiled rules.
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet, Error> {
        let mut keywords: Vec<String> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut unfiltered_rules = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            if rule.is_check() {
                continue;
            }
            if rule.keywords.is_empty() {
                unfiltered_rules.push(ri);
            }
            let unique: HashSet<&String> = rule.keywords.iter().collect();
            for k in unique {
                let pid = *index.entry(k.clone()).or_insert_with(|| {
                    keywords.push(k.clone());
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                });
                keyword_rules[pid].push(ri);
            }
        }
        let plain_patterns = keywords.len();
        let mut encoded: BTreeMap<String, crate::detect::decode::Encoding> = BTreeMap::new();
        for (k, forms) in keywords.iter().zip(keyword_forms(&rules, &keywords)) {
            for (variant, encoding) in crate::detect::decode::encoded_keyword_variants(k, &forms) {
                if !index.contains_key(&variant.to_ascii_lowercase()) {
                    encoded.entry(variant).or_insert(encoding);
                }
            }
        }
        let encoded_patterns: Vec<_> = encoded.values().copied().collect();
        let mut patterns: Vec<&str> = keywords
            .iter()
            .map(String::as_str)
            .chain(encoded.keys().map(String::as_str))
            .collect();
        // The inline allow marker rides along, the last pattern, so that the scan finds
        // markers in the same pass (see `RuleSet::allow_marker_pattern`).
        if !keywords.is_empty() {
            patterns.push(ALLOW_MARKER);
        }
        let prefilter = (!keywords.is_empty()).then(|| super::keyword_filter::KeywordFilter::new(&patterns));
        Ok(RuleSet {
            max_keyword_len: patterns.iter().map(|p| p.len()).max().unwrap_or(0),
            rules,
            prefilter,
            keyword_rules,
            unfiltered_rules,
            plain_patterns,
            encoded_patterns,
            max_reach: OnceLock::new(),
        })
    }

    /// Whether the keyword filter also finds `ALLOW_MARKER` (`leakscan:allow`) (see
    /// [`crate::detect::Detector::noting_allow_markers`]): when the rule set has keywords.
    pub fn finds_allow_markers(&self) -> bool {
        self.prefilter.is_some()
    }

    /// The prefilter pattern of [`ALLOW_MARKER`]: the last, after the encoded keyword forms
    /// (meaningful when [`RuleSet::finds_allow_markers`]).
    pub(crate) fn allow_marker_pattern(&self) -> usize {
        self.plain_patterns + self.encoded_patterns.len()
    }

    /// All rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The index of the rule with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// What reports say about these rules, in load order (see [`leakscan_model::RuleCatalog`]).
    pub fn catalog(&self) -> leakscan_model::RuleCatalog {
        leakscan_model::RuleCatalog::new(self.rules.iter().map(Rule::info).collect())
    }

    /// A rule set holding only the rules for which `keep` returns true.
    pub fn filtered(&self, keep: impl Fn(&Rule) -> bool) -> Result<RuleSet, Error> {
        RuleSet::new(self.rules.iter().filter(|r| keep(r)).cloned().collect())
    }

    /// The widest search window any rule needs around a keyword hit, in bytes.
    pub fn max_reach(&self) -> usize {
        *self.max_reach.get_or_init(|| {
            self.rules
                .par_iter()
                .filter(|r| !r.is_check())
                .filter_map(|r| r.shape().ok().map(|shape| shape.reach))
                .max()
                .unwrap_or(0)
        })
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// How each keyword is spelled in its rules' positive examples (keywords are matched
/// case-insensitively in plain text, but their encoded forms depend on the exact case).
fn keyword_forms(rules: &[Rule], keywords: &[String]) -> Vec<Vec<String>> {
    let mut forms: Vec<Vec<String>> = vec![Vec::new(); keywords.len()];
    let position: BTreeMap<&str, usize> = keywords.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    for rule in rules {
        // Each example lowercased once, not once per keyword.
        let lowered: Vec<String> = rule.examples.iter().map(|e| e.to_ascii_lowercase()).collect();
        for k in &rule.keywords {
            let Some(&i) = position.get(k.as_str()) else { continue };
            for (example, lower) in rule.examples.iter().zip(&lowered) {
                for (at, _) in lower.match_indices(k.as_str()) {
                    let form = &example[at..at + k.len()];
                    if !forms[i].iter().any(|f| f == form) {
                        forms[i].push(form.to_string());
                    }
                }
            }
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, regex: &str, keywords: &[&str]) -> RuleSyntax {
        RuleSyntax {
            id: id.into(),
            name: "n".into(),
            description: "d".into(),
            regex: regex.into(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            entropy: None,
            severity: Severity::High,
            confidence: Confidence::High,
            tags: vec![],
            remediation: "r".into(),
            references: vec![],
            examples: vec![],
            negative_examples: vec![],
            allow: vec![],
            allow_match: vec![],
            validate: vec![],
            allow_repeats: false,
            check: None,
            example_path: None,
            verify: None,
        }
    }

    #[test]
    fn secret_group_prefers_named_then_first() {
        let named = Rule::compile(&rule("a", r"(k)=(?P<secret>\w+)", &["k"]), "t").unwrap();
        assert_eq!(named.shape().unwrap().secret_group, 2);
        let first = Rule::compile(&rule("a", r"k=(\w+)", &["k"]), "t").unwrap();
        assert_eq!(first.shape().unwrap().secret_group, 1);
        let whole = Rule::compile(&rule("a", r"k=\w+", &["k"]), "t").unwrap();
        assert_eq!(whole.shape().unwrap().secret_group, 0);
    }

    #[test]
    fn lazily_built_rules_are_parsed_on_first_use_and_a_broken_one_never_runs() {
        // Built-in rules are built lazily: a regex that does not parse is only found when
        // the rule is first needed, and then it is left out, not a panic.
        let broken = Rule::build(&rule("broken", r"k=(\w+", &["k="]), "t", false).unwrap();
        assert!(broken.shape().is_err());
        assert!(matches!(broken.compiled(), Err(RegexError::Parse(_))));
        assert!(broken.compiled().unwrap_err().to_string().contains("unclosed group"));
        assert!(broken.search_plan().starts_with("never: the regex does not compile"));
        let fine = Rule::build(&rule("fine", r"k=(?P<secret>[a-z]{8})", &["k="]), "t", false).unwrap();
        let set = RuleSet::new(vec![broken, fine]).unwrap();
        let found = crate::detect::Detector::new(&set).detect(b"x k=abcdefgh");
        assert_eq!(found.len(), 1);
        assert_eq!(set.rules()[found[0].rule].id, "fine");
        // Eagerly built rules (files given by the user) report it at load.
        let err = Rule::build(&rule("broken", r"k=(\w+", &["k="]), "t", true).unwrap_err();
        assert!(err.to_string().contains("regex does not compile"), "{err}");
    }

    #[test]
    fn the_full_regex_is_compiled_only_when_a_window_passes_the_match_test() {
        let lazy = |id: &str| {
            let pattern = r"\btok_(?P<secret>[a-z0-9]{12})\b";
            Rule::build(&rule(id, pattern, &["tok_"]), "t", false).unwrap()
        };
        let set = RuleSet::new(vec![lazy("a")]).unwrap();
        let detector = crate::detect::Detector::new(&set);
        // A keyword hit the regex cannot match: tested, never compiled.
        assert!(detector.detect(b"let tok_ = 1; tok_short").is_empty());
        let rule = &set.rules()[0];
        assert!(rule.regex.test.get().is_some_and(|t| t.as_ref().unwrap().is_some()));
        assert!(rule.regex.regex.get().is_none(), "compiled without need");
        // A match: compiled and found.
        assert_eq!(detector.detect(b"x tok_abcdef012345 y").len(), 1);
        assert!(rule.regex.regex.get().is_some());
    }

    #[test]
    fn the_shape_is_the_same_whether_compiled_or_only_parsed() {
        let pattern = r"(?m)^[ \t]{0,4}token[ \t]{0,4}=[ \t]{0,4}(?P<secret>[^\s]{4,20})[ \t]{0,4}$";
        let parsed = Rule::build(&rule("a", pattern, &["token"]), "t", false).unwrap();
        let compiled = Rule::build(&rule("a", pattern, &["token"]), "t", false).unwrap();
        let shape = *parsed.shape().unwrap();
        assert_eq!(shape, *compiled.compiled().unwrap().0);
        assert!(shape.line_anchored && shape.single_line && !shape.unbounded);
        assert_eq!(shape.secret_group, 1);
    }

    #[test]
    fn reach_comes_from_the_longest_match() {
        let r = Rule::compile(&rule("a", r"ghp_[a-z]{36}", &["ghp_"]), "t").unwrap();
        assert_eq!(r.shape().unwrap().reach, 40);
        assert!(!r.shape().unwrap().unbounded);
        let r = Rule::compile(&rule("a", r"k=\w+", &["k"]), "t").unwrap();
        assert_eq!(r.shape().unwrap().reach, UNBOUNDED_REACH);
        assert!(r.shape().unwrap().unbounded);
    }

    #[test]
    fn line_anchored_rules_start_at_a_line_start_and_stay_on_one_line() {
        let anchored = |pattern: &str| {
            Rule::compile(&rule("a", pattern, &["k"]), "t")
                .unwrap()
                .shape()
                .unwrap()
                .line_anchored
        };
        assert!(anchored(r"(?m)^[ \t]{0,4}k[ \t]*=[ \t]*([^\s]{4,20})[ \t]*$"));
        assert!(anchored(r"(?im)^k=([a-z0-9]{8})\r?$"));
        assert!(!anchored(r"k=([a-z0-9]{8})"), "no line anchor");
        assert!(!anchored(r"(?m)^k\s*=\s*(\S+)$"), "\\s can cross lines");
        assert!(!anchored(r"(?m)^k=\n(\S+)$"), "a literal newline");
        assert!(
            !anchored(r"(?m)(?:^k|x)=(\S+)"),
            "not every match starts at a line start"
        );
    }

    #[test]
    fn keyword_anchored_rules_begin_every_match_with_a_keyword() {
        let anchored = |pattern: &str, keywords: &[&str]| {
            Rule::compile(&rule("a", pattern, keywords), "t")
                .unwrap()
                .shape()
                .unwrap()
                .keyword_anchored
        };
        assert!(anchored(
            r"(?i)(?:secret|api[_-]?key)[\w-]{0,20}\s{0,4}=\s{0,4}'([^']{8,64})'",
            &["secret", "api_key", "api-key", "apikey"]
        ));
        assert!(anchored(r"\bghp_[A-Za-z0-9]{36}\b", &["ghp_"]));
        assert!(
            anchored(r"(?i)password=(\S{8,20})", &["pass"]),
            "a keyword may be a prefix"
        );
        assert!(
            !anchored(r"(?i)(?:secret|api[_-]?key)=(\S{8,20})", &["secret", "apikey"]),
            "api_key is no keyword"
        );
        assert!(!anchored(r"x?ghp_[a-z]{36}", &["ghp_"]), "a match may start with x");
        assert!(!anchored(r"(?i)token=(\S{8,20})", &["oken"]), "the keyword is inside");
        assert!(!anchored(r"ghp_[a-z]+", &["ghp_"]), "unbounded");
        assert!(!anchored(r"(?m)^ghp_[a-z]{36}$", &["ghp_"]), "line anchored instead");
        assert!(!anchored(r"[a-z]{2}ghp_[a-z]{36}", &["ghp_"]));
    }

    #[test]
    fn invalid_rules_are_rejected_with_context() {
        let err = Rule::compile(&rule("Bad_Id", "x", &["x"]), "f.toml").unwrap_err();
        assert!(err.to_string().contains("f.toml"), "{err}");
        let err = Rule::compile(&rule("ok", "(", &["x"]), "f.toml").unwrap_err();
        assert!(err.to_string().contains("regex does not compile"), "{err}");
        let err = Rule::compile(&rule("ok", "x", &["X"]), "f.toml").unwrap_err();
        assert!(err.to_string().contains("lowercase"), "{err}");
    }

    #[test]
    fn invalid_checks_are_rejected_with_the_reason() {
        let check = |family: &str, regex: &str, examples: &[&str], example_path: Option<&str>| {
            let mut syn = rule("c", regex, &[]);
            syn.check = Some(family.into());
            syn.examples = examples.iter().map(|e| e.to_string()).collect();
            syn.example_path = example_path.map(str::to_string);
            Rule::build_check(&syn, "f.toml", family)
        };
        let err = check("nonesuch", "", &[], None).unwrap_err();
        assert_eq!(err, CheckRuleError::UnknownFamily("nonesuch".into()));
        assert!(
            err.to_string()
                .starts_with("unknown check `nonesuch` (known: github-actions, gitlab-ci,"),
            "{err}"
        );
        assert_eq!(
            check("dockerfile", "x", &[], None).unwrap_err(),
            CheckRuleError::HasPattern
        );
        assert_eq!(
            check("dockerfile", "", &["FROM x"], None).unwrap_err(),
            CheckRuleError::ExamplePathMissing
        );
        assert!(check("dockerfile", "", &["FROM x"], Some("Dockerfile")).is_ok());
        assert!(check("dockerfile", "", &["=== Dockerfile ===\nFROM x"], None).is_ok());
        // Through `Rule::compile`, the reason is the message of a rule error.
        let mut syn = rule("c", "", &[]);
        syn.check = Some("nonesuch".into());
        let err = Rule::compile(&syn, "f.toml").unwrap_err().to_string();
        assert!(
            err.starts_with("rule file f.toml: rule `c`: unknown check `nonesuch`"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = "[[rule]]\nid='a'\nname='n'\ndescription='d'\nregex='x'\nkeywords=['x']\nseverity='low'\nconfidence='low'\nremediation='r'\n";
        let err =
            RuleSet::from_files([("one.toml".into(), text.into()), ("two.toml".into(), text.into())]).unwrap_err();
        assert!(
            err.to_string().contains("duplicate id (first defined in one.toml)"),
            "{err}"
        );
    }

    #[test]
    fn files_load_in_parallel_but_errors_come_in_file_order() {
        let good = |id: &str| {
            format!(
                "[[rule]]\nid='{id}'\nname='n'\ndescription='d'\nregex='x'\nkeywords=['x']\nseverity='low'\nconfidence='low'\nremediation='r'\n"
            )
        };
        let mut files: Vec<(String, String)> = (0..40).map(|i| (format!("{i}.toml"), good(&format!("r{i}")))).collect();
        let set = RuleSet::from_files(files.clone()).unwrap();
        let ids: Vec<&str> = set.rules().iter().map(|r| r.id.as_str()).collect();
        let expected: Vec<String> = (0..40).map(|i| format!("r{i}")).collect();
        assert_eq!(ids, expected, "rules keep the order of their files");
        files[7].1 = "[[rule]]\nid='a'\nbogus=1\n".into();
        files[30].1 = "not toml at all [".into();
        let err = RuleSet::from_files(files).unwrap_err().to_string();
        assert!(err.contains("7.toml") && err.contains("bogus"), "{err}");
    }

    #[test]
    fn unknown_fields_are_rejected_with_position() {
        let text = "[[rule]]\nid='a'\nbogus=1\n";
        let err = RuleSet::from_files([("f.toml".into(), text.into())]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("f.toml") && msg.contains("bogus"), "{msg}");
    }

    const VERIFIED: &str = r#"
[[rule]]
id = "tok"
name = "n"
description = "d"
regex = 'tok_(?P<secret>[a-z0-9]{12})'
keywords = ["tok_"]
severity = "low"
confidence = "low"
remediation = "r"

[rule.verify]
kind = "http"
docs = "https://example.com/docs/whoami"
method = "GET"
url = "https://api.example.com/whoami"
headers = { Authorization = "Bearer {{secret}}" }
live = [{ status = [200] }]
"#;

    #[test]
    fn verify_tables_load_onto_the_rule() {
        let set = RuleSet::from_files([("f.toml".into(), VERIFIED.into())]).unwrap();
        let spec = set.rules()[0].verify.as_deref().unwrap();
        assert!(spec.host_allowed("api.example.com"));
        assert_eq!(
            set.rules()[0].capture_group_names().unwrap(),
            vec!["secret".to_string()]
        );
    }

    #[test]
    fn verify_errors_name_the_file_the_rule_and_the_problem() {
        let load = |text: String| RuleSet::from_files([("f.toml".into(), text)]).unwrap_err().to_string();
        let err = load(VERIFIED.replace("Bearer {{secret}}", "{{group.user}} {{secret}}"));
        assert_eq!(
            err,
            "rule file f.toml: rule `tok`: verify: headers.Authorization: the regex has no capture group `user` (named groups: secret)"
        );
        let err = load(VERIFIED.replace("https://api", "http://api"));
        assert!(
            err.starts_with(
                "rule file f.toml: rule `tok`: verify: url `http://api.example.com/whoami` is not https://"
            ),
            "{err}"
        );
        let err = load(VERIFIED.replace("docs = \"https://example.com/docs/whoami\"", ""));
        assert!(err.starts_with("rule file f.toml: rule `tok`: verify: `docs`"), "{err}");
        // Built-in (lazily built) rules check the groups when asked.
        let lazy = RuleSet::load([(
            "b.toml".into(),
            VERIFIED.replace("Bearer {{secret}}", "{{group.user}} {{secret}}"),
            false,
        )])
        .unwrap();
        let err = lazy.rules()[0].check_verify().unwrap_err();
        assert!(matches!(err, VerifySpecError::UnknownGroup { .. }), "{err}");
    }

    #[test]
    fn every_builtin_verify_table_is_valid() {
        let set = RuleSet::builtin().unwrap();
        for rule in set.rules() {
            if let Err(e) = rule.check_verify() {
                panic!("{}: rule `{}`: {e}", rule.source, rule.id);
            }
        }
    }

    #[test]
    fn a_check_has_no_verify_table() {
        let mut syn = rule("c", "", &[]);
        syn.check = Some("dockerfile".into());
        syn.example_path = Some("Dockerfile".into());
        syn.verify = Some(
            toml::from_str::<std::collections::BTreeMap<String, crate::VerifySpec>>(
                "[v]\nkind = 'aws-sts'\ndocs = 'https://x.example'\ninputs = { access_key_id = '{{secret}}', secret_access_key = '{{secret}}' }",
            )
            .unwrap()
            .remove("v")
            .unwrap(),
        );
        assert_eq!(
            Rule::build_check(&syn, "f.toml", "dockerfile").unwrap_err(),
            CheckRuleError::HasVerify
        );
    }

    #[test]
    fn regex_errors_say_what_and_where_without_the_pattern() {
        let e = compile_regex("ab(unclosed").unwrap_err().to_string();
        assert_eq!(e, "unclosed group at byte 2");
        let e = parse_regex("x{2,1}").unwrap_err().to_string();
        assert!(e.starts_with("invalid repetition count range"), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }
}
