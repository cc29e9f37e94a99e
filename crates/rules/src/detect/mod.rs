//! The detector: keyword prefilter → regex in windows around hits → entropy → rule allows →
//! placeholder filter.

pub mod decode;
pub(crate) mod placeholder;
mod rule_search;
pub mod stages;
pub mod validate;

pub use leakscan_model::Suppression;
pub use leakscan_model::entropy::shannon_entropy;
pub use placeholder::placeholder_reason;

use std::ops::Range;

use rayon::prelude::*;
use regex_automata::Input;
use regex_automata::util::iter::Searcher;

use self::rule_search::RuleSearch;
use crate::RuleSet;

/// Blobs are split into chunks of this many bytes for parallel detection.
pub const PARALLEL_CHUNK: usize = 8 << 20;

/// Validators see this many bytes either side of a match.
const VALIDATION_CONTEXT: usize = 4096;

/// One rule match in a chunk of bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Index of the rule in the [`RuleSet`].
    pub rule: usize,
    /// Span of the whole regex match.
    pub matched: Range<usize>,
    /// Span of the secret (a sub-span of `matched`).
    pub secret: Range<usize>,
    /// Shannon entropy of the secret.
    pub entropy: f64,
    /// Set when a filter suppressed this candidate.
    pub suppression: Option<Suppression>,
    /// The rule's offline validator that judged the secret, and whether it passed.
    pub validation: Option<(&'static str, bool)>,
    /// Set when the secret was found by decoding the text at `secret` (then `matched` and
    /// `secret` both span the encoded text).
    pub decoded: Option<Box<DecodedSecret>>,
    /// What a configuration check found wrong here (checks only).
    pub detail: Option<String>,
    /// The span is evidence (an instruction, a trigger), not a secret: reports show it whole.
    pub evidence: bool,
}

/// A secret found inside encoded text.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedSecret {
    /// The encoding of the text the secret was found in.
    pub encoding: decode::Encoding,
    /// The decoded secret.
    pub value: Vec<u8>,
}

impl Candidate {
    /// The secret's bytes: decoded when it was found in encoded text, else its span of `data`.
    pub fn secret_value<'a>(&'a self, data: &'a [u8]) -> &'a [u8] {
        match &self.decoded {
            Some(d) => &d.value,
            None => &data[self.secret.clone()],
        }
    }
}

/// The line holding `keyword` (a hit), as far as `reach` bytes either side: from just after the
/// last newline before it to just after the first newline from its end.
fn line_around(data: &[u8], keyword: Range<usize>, reach: usize) -> Range<usize> {
    let from = keyword.start.saturating_sub(reach);
    let to = (keyword.end + reach).min(data.len());
    let start = memchr::memrchr(b'\n', &data[from..keyword.start]).map_or(from, |i| from + i + 1);
    let end = memchr::memchr(b'\n', &data[keyword.end.min(to)..to]).map_or(to, |i| keyword.end + i + 1);
    start..end
}

/// No open window (see [`OpenWindows`]).
const NO_WINDOW: (usize, usize) = (usize::MAX, 0);

/// The windows being merged per rule while the keyword filter runs over a range, kept per
/// thread so that each range does not allocate and clear one entry per rule (~300) again.
#[derive(Default)]
struct OpenWindows {
    /// Per rule index, the open window (`NO_WINDOW` between calls).
    open: Vec<(usize, usize)>,
    /// The rules with an open window.
    touched: Vec<usize>,
}

thread_local! {
    static OPEN_WINDOWS: std::cell::RefCell<OpenWindows> = std::cell::RefCell::new(OpenWindows::default());
}

/// What the keyword prefilter found in one range.
struct Hits {
    /// Merged search windows: (rule, window, lowest match start kept).
    windows: Vec<(usize, Range<usize>, usize)>,
    /// Hits of encoded keyword forms.
    encoded: Vec<(decode::Encoding, Range<usize>)>,
    /// (rule, hit start) for keyword-anchored rules.
    anchored: Vec<(usize, usize)>,
}

/// Encoded runs are decoded one level deep: text inside base64 is scanned with every rule (so
/// a Docker config's `"auth": "…"` inside a base64 Kubernetes secret is still found by its
/// own rule), but base64 inside base64 is not decoded again.
const DECODE_DEPTH: u8 = 1;

/// Runs a [`RuleSet`] over byte chunks. Cheap to create; shares the rule set by reference.
#[derive(Debug, Clone, Copy)]
pub struct Detector<'r> {
    rules: &'r RuleSet,
    /// Diagnostic mode: keep matches below the entropy minimum, as suppressed.
    keep_low_entropy: bool,
    /// How many more levels of encoded text to decode.
    decode_depth: u8,
    /// Stop searching after this instant (the per-file time limit), raising `timed_out`.
    deadline: Option<(std::time::Instant, &'r std::sync::atomic::AtomicBool)>,
    /// Raised when the keyword filter meets `leakscan:allow` (see
    /// [`Detector::noting_allow_markers`]).
    allow_markers: Option<&'r std::sync::atomic::AtomicBool>,
}

impl<'r> Detector<'r> {
    /// A detector over `rules`.
    pub fn new(rules: &'r RuleSet) -> Detector<'r> {
        Detector {
            rules,
            keep_low_entropy: false,
            decode_depth: DECODE_DEPTH,
            deadline: None,
            allow_markers: None,
        }
    }

    /// Raises `seen` when a detected range holds `leakscan:allow` (ASCII case-insensitively),
    /// which the keyword filter finds in the same pass as the keywords: the scan then reads a
    /// file once instead of searching it again for markers. Only meaningful when
    /// [`RuleSet::finds_allow_markers`] (a rule set with keywords).
    pub fn noting_allow_markers(mut self, seen: &'r std::sync::atomic::AtomicBool) -> Detector<'r> {
        self.allow_markers = Some(seen);
        self
    }

    /// Stops searching once `deadline` has passed and sets `timed_out`; what was found before
    /// is still returned. Checked between rule windows (every 16th), so a stop comes within
    /// 16 windows' searches.
    pub fn with_deadline(
        mut self,
        deadline: std::time::Instant,
        timed_out: &'r std::sync::atomic::AtomicBool,
    ) -> Detector<'r> {
        self.deadline = Some((deadline, timed_out));
        self
    }

    /// Whether the deadline has passed (and records it).
    fn out_of_time(&self) -> bool {
        use std::sync::atomic::Ordering;
        let Some((deadline, flag)) = self.deadline else {
            return false;
        };
        if flag.load(Ordering::Relaxed) {
            return true;
        }
        let late = std::time::Instant::now() >= deadline;
        if late {
            flag.store(true, Ordering::Relaxed);
        }
        late
    }

    /// A detector that also returns matches below their rule's entropy minimum, suppressed
    /// as [`Suppression::LowEntropy`] (for `leakscan explain`; scans never use it).
    pub fn diagnostic(rules: &'r RuleSet) -> Detector<'r> {
        Detector {
            rules,
            keep_low_entropy: true,
            decode_depth: DECODE_DEPTH,
            deadline: None,
            allow_markers: None,
        }
    }

    /// Every candidate in `data`, sorted by secret position then rule, duplicates removed.
    /// Matches that fail the rule's entropy minimum are not candidates; rule allows and
    /// placeholders are returned with their [`Suppression`] set. Blobs larger than twice
    /// [`PARALLEL_CHUNK`] are split into chunks that are detected in parallel.
    pub fn detect(&self, data: &[u8]) -> Vec<Candidate> {
        let mut out = if data.len() > 2 * PARALLEL_CHUNK {
            let chunks: Vec<Range<usize>> = (0..data.len())
                .step_by(PARALLEL_CHUNK)
                .map(|start| start..(start + PARALLEL_CHUNK).min(data.len()))
                .collect();
            chunks
                .into_par_iter()
                .flat_map_iter(|owned| self.detect_range(data, owned))
                .collect()
        } else {
            self.detect_range(data, 0..data.len())
        };
        out.sort_by_key(|c| (c.secret.start, c.rule, c.secret.end));
        out.dedup_by(|a, b| a.rule == b.rule && a.secret == b.secret);
        self.resolve_overlaps(&mut out);
        out
    }

    /// One finding per secret: where candidates of different rules overlap, keeps the best
    /// (unsuppressed, validator not failed, specific before `generic`, higher confidence, higher
    /// severity, earlier rule) and drops the others. `found` is sorted by position on return.
    pub fn resolve_overlaps(&self, found: &mut Vec<Candidate>) {
        if found.len() < 2 {
            return;
        }
        let rules = self.rules.rules();
        let rank = |c: &Candidate| {
            let rule = &rules[c.rule];
            (
                c.suppression.is_some(),
                c.validation.is_some_and(|(_, passed)| !passed),
                rule.is_generic(),
                std::cmp::Reverse(rule.confidence),
                std::cmp::Reverse(rule.severity),
                c.rule,
            )
        };
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by_key(|&i| rank(&found[i]));
        // Accepted secret spans (start → end); they never overlap each other. A tree, not a
        // sorted vector: spans arrive in rank order, not position order, and inserting into
        // the middle of a vector made interleaved rules quadratic.
        let mut accepted: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
        let mut keep = vec![false; found.len()];
        for i in order {
            let span = &found[i].secret;
            let clashes_before = accepted
                .range(..span.start)
                .next_back()
                .is_some_and(|(_, &end)| end > span.start);
            let clashes_after = accepted
                .range(span.start..)
                .next()
                .is_some_and(|(&start, _)| start < span.end || start == span.start);
            if !clashes_before && !clashes_after {
                accepted.insert(span.start, span.end);
                keep[i] = true;
            }
        }
        let mut flags = keep.into_iter();
        found.retain(|_| flags.next().unwrap_or(true));
    }

    /// Candidates found from keyword hits that start inside `owned`, unsorted and possibly
    /// repeating candidates of neighbouring ranges. Regex windows may extend beyond `owned`
    /// (into the rest of `data`), so a secret that straddles the boundary is still found whole.
    pub fn detect_range(&self, data: &[u8], owned: Range<usize>) -> Vec<Candidate> {
        let mut out = Vec::new();
        let Hits {
            mut windows,
            encoded,
            mut anchored,
        } = self.windows(data, &owned);
        // The clock is read once per CLOCK_EVERY searches (a window's search is bounded by its
        // rule's reach): reading it for each was ~0.5% of a scan of many small files.
        const CLOCK_EVERY: usize = 16;
        let mut searches = 0usize;
        let mut out_of_time = || {
            searches += 1;
            searches % CLOCK_EVERY == 1 && self.out_of_time()
        };
        // One rule's windows after another: each rule's match-test cache, full regex and
        // capture slots are taken or made once.
        windows.sort_unstable_by_key(|(rule, window, _)| (*rule, window.start));
        for group in windows.chunk_by(|a, b| a.0 == b.0) {
            let Some(mut search) = RuleSearch::new(&self.rules.rules()[group[0].0]) else {
                continue;
            };
            for window in group {
                if out_of_time() {
                    return out;
                }
                self.run_rule(window, &mut search, data, &mut out);
            }
        }
        // Hits arrive in order of their end; one rule's keywords may end out of start order.
        anchored.sort_unstable();
        anchored.dedup();
        for group in anchored.chunk_by(|a, b| a.0 == b.0) {
            if out_of_time() {
                return out;
            }
            self.run_anchored(group[0].0, data, group.iter().map(|&(_, start)| start), &mut out);
        }
        if self.decode_depth > 0 && !encoded.is_empty() {
            self.detect_encoded(data, encoded, &mut out);
        }
        out
    }

    /// Decodes the encoded runs around encoded-keyword hits and detects inside them.
    fn detect_encoded(&self, data: &[u8], mut hits: Vec<(decode::Encoding, Range<usize>)>, out: &mut Vec<Candidate>) {
        hits.sort_by_key(|(e, r)| (r.start, *e as u8));
        // (A marker inside encoded text is no marker of the file's.)
        let inner = Detector {
            decode_depth: self.decode_depth - 1,
            allow_markers: None,
            ..*self
        };
        let mut done: Vec<(decode::Encoding, Range<usize>)> = Vec::new();
        for (encoding, hit) in hits {
            if done.iter().any(|(e, r)| *e == encoding && r.contains(&hit.start)) {
                continue;
            }
            let Some(run) = decode::encoded_run(data, hit, encoding) else {
                continue;
            };
            done.push((encoding, run.clone()));
            let Some(decoded) = decode::decode_run(&data[run.clone()], encoding) else {
                continue;
            };
            for mut c in inner.detect(&decoded.bytes) {
                let value = c.secret_value(&decoded.bytes).to_vec();
                let span = decoded.encoded_span(&c.secret);
                let span = run.start + span.start..run.start + span.end;
                c.matched = span.clone();
                c.secret = span;
                c.decoded = Some(Box::new(DecodedSecret { encoding, value }));
                out.push(c);
            }
        }
    }

    /// Merged search windows per rule: around every keyword hit, `reach` bytes either side.
    /// The third value is the lowest match start kept (for rules without keywords, whose
    /// window begins at the range start and must not report matches owned by the range before).
    /// Keyword-anchored rules get no windows: their hits come back as (rule, hit start) in
    /// [`Hits::anchored`] instead.
    fn windows(&self, data: &[u8], owned: &Range<usize>) -> Hits {
        let rules = self.rules.rules();
        // Windows are merged per rule as hits arrive (mostly in order of their start; a
        // keyword fingerprinted past its start arrives later): no sort of all hits. A window
        // that starts before an already closed one of the same rule may overlap it; the
        // duplicate matches that gives are removed by the callers' de-duplication.
        let mut merged: Vec<(usize, Range<usize>, usize)> = Vec::new();
        let mut encoded = Vec::new();
        let mut anchored = Vec::new();
        if let Some(filter) = &self.rules.prefilter {
            OPEN_WINDOWS.with_borrow_mut(|open| {
                let OpenWindows { open, touched } = open;
                if open.len() < rules.len() {
                    open.resize(rules.len(), NO_WINDOW);
                }
                // Left over only if a search panicked half-way (each call empties them).
                for ri in touched.drain(..) {
                    open[ri] = NO_WINDOW;
                }
                let allow_marker = self.rules.allow_marker_pattern();
                filter.find(data, owned.clone(), |pattern, start| {
                    if pattern == allow_marker {
                        if let Some(seen) = self.allow_markers {
                            seen.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                        return;
                    }
                    let end = start + filter.keyword_len(pattern);
                    if pattern >= self.rules.plain_patterns {
                        encoded.push((
                            self.rules.encoded_patterns[pattern - self.rules.plain_patterns],
                            start..end,
                        ));
                        return;
                    }
                    let keyword_rules = &self.rules.keyword_rules[pattern];
                    // A keyword lies inside every match, so a rule whose matches cannot span lines
                    // is searched on the keyword's line only (found once, as far as the longest
                    // reach of those rules).
                    // (A rule's regex is parsed, and its match test built, at its first hit;
                    // one that does not parse never runs.)
                    let shapes = || {
                        keyword_rules
                            .iter()
                            .filter_map(|&ri| Some((ri, rules[ri].tested().ok()?.0)))
                    };
                    let line = shapes()
                        .filter(|(_, shape)| shape.single_line && !shape.keyword_anchored)
                        .map(|(_, shape)| shape.reach)
                        .max()
                        .map(|reach| line_around(data, start..end, reach));
                    for (ri, shape) in shapes() {
                        if shape.keyword_anchored {
                            anchored.push((ri, start));
                            continue;
                        }
                        let reach = shape.reach;
                        let (mut from, mut to) = (start.saturating_sub(reach), (end + reach).min(data.len()));
                        if shape.single_line
                            && let Some(line) = &line
                        {
                            from = from.max(line.start);
                            to = to.min(line.end);
                        }
                        let window = &mut open[ri];
                        if *window == NO_WINDOW {
                            touched.push(ri);
                            *window = (from, to);
                        } else if from <= window.1 {
                            window.0 = window.0.min(from);
                            window.1 = window.1.max(to);
                        } else {
                            merged.push((ri, window.0..window.1, 0));
                            *window = (from, to);
                        }
                    }
                });
                // The last window of each rule, in rule order; the entries are left empty for
                // the next call.
                touched.sort_unstable();
                for ri in touched.drain(..) {
                    let (from, to) = std::mem::replace(&mut open[ri], NO_WINDOW);
                    merged.push((ri, from..to, 0));
                }
            });
        }
        for &ri in &self.rules.unfiltered_rules {
            let Ok((shape, _)) = rules[ri].tested() else { continue };
            let end = (owned.end + shape.reach).min(data.len());
            merged.push((ri, owned.start..end, owned.start));
        }
        Hits {
            windows: merged,
            encoded,
            anchored,
        }
    }

    /// Searches a keyword-anchored rule by one anchored attempt at each of its keyword hits
    /// (`starts`, ascending): every match begins at a hit, so this finds what an unanchored
    /// search finds, and a hit that is not the start of a match costs a few bytes instead of
    /// a search of the window around it. Hits inside the last match are skipped, as an
    /// unanchored search resumes after each match.
    fn run_anchored(&self, ri: usize, data: &[u8], starts: impl Iterator<Item = usize>, out: &mut Vec<Candidate>) {
        let Some(mut search) = RuleSearch::new(&self.rules.rules()[ri]) else {
            return;
        };
        let reach = search.shape.reach;
        let mut resume = 0;
        for start in starts {
            if start < resume {
                continue;
            }
            let input = Input::new(data)
                .span(start..(start + reach).min(data.len()))
                .anchored(regex_automata::Anchored::Yes);
            let Some(caps) = search.captures(&input) else { continue };
            if let Some(matched) = caps.get_match() {
                resume = matched.end();
            }
            self.consider(ri, data, caps, 0, out);
        }
    }

    /// Searches one merged window (rule, span, lowest match start kept) with the rule's
    /// `search` (its shape, match test and, for windows that pass the test, full regex).
    fn run_rule(
        &self,
        (ri, window, keep_from): &(usize, Range<usize>, usize),
        search: &mut RuleSearch<'_>,
        data: &[u8],
        out: &mut Vec<Candidate>,
    ) {
        let (ri, window, keep_from) = (*ri, window.clone(), *keep_from);
        if search.shape.line_anchored {
            // Every match starts at a line start and stays on its line: an anchored attempt at
            // each line start of the window finds exactly the matches an unanchored search
            // would, and a line that cannot match stops the attempt at its first misfit byte
            // (keyword-dense text otherwise costs a full search per rule).
            let at_line_start = window.start == 0 || data[window.start - 1] == b'\n';
            let starts = at_line_start.then_some(window.start).into_iter().chain(
                memchr::memchr_iter(b'\n', &data[window.clone()])
                    .map(|i| window.start + i + 1)
                    .filter(|&start| start < window.end),
            );
            for start in starts {
                let input = Input::new(data)
                    .span(start..window.end)
                    .anchored(regex_automata::Anchored::Yes);
                if let Some(caps) = search.captures(&input) {
                    self.consider(ri, data, caps, keep_from, out);
                }
            }
            return;
        }
        let input = Input::new(data).span(window);
        if !search.may_match(&input) {
            return;
        }
        let Some((regex, caps)) = search.full() else { return };
        // Every match of the window, as `captures_iter` finds them (the searcher steps past
        // empty matches), without new capture slots for each.
        let mut searcher = Searcher::new(input);
        while searcher
            .advance(|input| {
                regex.search_captures(input, caps);
                Ok(caps.get_match())
            })
            .is_some()
        {
            self.consider(ri, data, caps, keep_from, out);
        }
    }

    /// Turns one match of rule `ri` (if `caps` holds one) into a candidate.
    fn consider(
        &self,
        ri: usize,
        data: &[u8],
        caps: &regex_automata::util::captures::Captures,
        keep_from: usize,
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules.rules()[ri];
        {
            let Some(matched) = caps.get_match() else { return };
            if matched.start() < keep_from {
                return;
            }
            let Ok(shape) = rule.shape() else { return };
            let Some(secret) = caps.get_group(shape.secret_group) else {
                return;
            };
            if secret.is_empty() {
                return;
            }
            let value = &data[secret.range()];
            let entropy = shannon_entropy(value);
            // A scan drops a match under its rule's entropy minimum before anything is built for
            // it (its reason is only formatted for `explain`'s diagnostic detection).
            if !self.keep_low_entropy && crate::detect::stages::EntropyMinimum::rejects(rule, value, entropy) {
                return;
            }
            // Every reason to suppress a match is a stage of the match chain.
            let outcome = crate::detect::stages::judge_match(&crate::detect::stages::MatchSubject {
                rule,
                secret: value,
                matched: &data[matched.range()],
                entropy,
            });
            let suppression = outcome.suppressed.map(|(_, s)| s);
            let context = &data[matched.start().saturating_sub(VALIDATION_CONTEXT)
                ..(matched.end() + VALIDATION_CONTEXT).min(data.len())];
            let validation = rule
                .validators
                .iter()
                .find_map(|(name, check)| match check(value, context) {
                    validate::Verdict::Valid => Some((*name, true)),
                    validate::Verdict::Invalid => Some((*name, false)),
                    validate::Verdict::NotApplicable => None,
                });
            out.push(Candidate {
                decoded: None,
                detail: None,
                evidence: false,
                validation,
                rule: ri,
                matched: matched.range(),
                secret: secret.range(),
                entropy,
                suppression,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
[[rule]]
id = "tok"
name = "token"
description = "d"
regex = '''\b(tok_[a-z0-9]{20})\b'''
keywords = ["tok_"]
entropy = 2.5
severity = "high"
confidence = "high"
remediation = "r"
allow = ['''^tok_0''']

[[rule]]
id = "pw"
name = "password"
description = "d"
regex = '''(?i)password\s{0,3}=\s{0,3}"([^"\s]{8,64})"'''
keywords = ["password"]
severity = "medium"
confidence = "low"
remediation = "r"
"#;

    fn rules() -> RuleSet {
        RuleSet::from_files([("t.toml".to_string(), RULES.to_string())]).unwrap()
    }

    const TOKEN: &str = "tok_q8mzt2rk9vlw4xbn7cpd";

    #[test]
    fn line_anchored_rules_find_what_an_unanchored_search_finds() {
        let rules = one_rule(
            "line-key",
            r#"(?im)^[ \t]{0,8}(?:export[ \t]+)?[\w.-]{0,20}?key[\w.-]{0,10}[ \t]*[=:][ \t]*(?P<secret>[^\s"']{6,40})[ \t]*\r?$"#,
            &["key"],
        );
        assert!(rules.rules()[0].shape().unwrap().line_anchored);
        let text = "key = first1\nnot a match key = x\n  export API_KEY=second2\r\nkey:third3 trailing\n\
                    x key=no\nkeykey=fourth4\nmy.key.id : fifth5\n\nkey=last66";
        assert_finds_what_an_unanchored_search_finds(&rules, text);
    }

    /// A rule set of one rule with this id, regex and keywords.
    fn one_rule(id: &str, regex: &str, keywords: &[&str]) -> RuleSet {
        let keywords: Vec<String> = keywords.iter().map(|k| format!("{k:?}")).collect();
        let toml = format!(
            "[[rule]]\nid = \"{id}\"\nname = \"n\"\ndescription = \"d\"\nregex = '''{regex}'''\n\
             keywords = [{}]\nseverity = \"low\"\nconfidence = \"low\"\nremediation = \"r\"\n",
            keywords.join(", ")
        );
        RuleSet::from_files([("t.toml".to_string(), toml)]).unwrap()
    }

    /// The detector's secrets for the one rule of `rules` equal those of a plain unanchored
    /// search over `text`, from every start offset.
    fn assert_finds_what_an_unanchored_search_finds(rules: &RuleSet, text: &str) {
        let rule = &rules.rules()[0];
        let (shape, regex) = rule.compiled().unwrap();
        let detector = Detector::new(rules);
        for start in 0..text.len() {
            let data = &text.as_bytes()[start..];
            let expected: Vec<Range<usize>> = regex
                .captures_iter(Input::new(data))
                .filter_map(|c| c.get_group(shape.secret_group).map(|s| s.range()))
                .collect();
            let found: Vec<Range<usize>> = detector.detect(data).into_iter().map(|c| c.secret).collect();
            assert_eq!(found, expected, "from offset {start}");
        }
    }

    #[test]
    fn single_line_rules_find_what_an_unanchored_search_finds_on_the_keyword_line() {
        let rules = one_rule(
            "named-key",
            r#"(?i)[a-z_]{0,10}key[ \t]{0,3}=[ \t]{0,3}(?P<secret>[a-z0-9]{8,20})"#,
            &["key"],
        );
        let rule = &rules.rules()[0];
        let shape = rule.shape().unwrap();
        assert!(shape.single_line && !shape.line_anchored && !shape.keyword_anchored);
        assert!(
            rule.search_plan().contains("keyword hit's line"),
            "{}",
            rule.search_plan()
        );
        let data = b"aaaa\nmy_key = abcdefgh12\nbbbb";
        let hits = Detector::new(&rules).windows(data, &(0..data.len()));
        assert_eq!(hits.windows, vec![(0, 5..25, 0)], "the window is the keyword's line");
        // Matches before, at and after line breaks, two on one line, a keyword whose value is
        // on the next line (no match), CRLF, a line longer than the rule's reach.
        let long = "x".repeat(60);
        let text = format!(
            "prefix_key = abcdefgh12\nkey=\nabcdefgh12\n  my_key = abcdefghij  KEY = zzzzzzzz11\r\n\
             {long}key=qqqqqqqq77{long}\nkey = last000001"
        );
        assert_finds_what_an_unanchored_search_finds(&rules, &text);
    }

    #[test]
    fn line_around_a_hit_stops_at_newlines_and_at_the_reach() {
        let data = b"one\ntwo key three\nfour";
        assert_eq!(line_around(data, 8..11, 100), 4..18, "the line and its newline");
        assert_eq!(line_around(data, 8..11, 2), 6..13, "no newline within reach");
        assert_eq!(line_around(data, 0..3, 100), 0..4, "a hit at the start of the data");
        assert_eq!(line_around(data, 18..22, 100), 18..22, "a hit ending the data");
    }

    #[test]
    fn keyword_anchored_rules_find_what_an_unanchored_search_finds() {
        let rules = one_rule(
            "assigned",
            r#"(?i)(?:secret|api[_-]?key|token)[\w-]{0,20}\s{0,4}[=:]\s{0,4}["'](?P<secret>[^"'\s]{6,40})["']"#,
            &["secret", "api_key", "api-key", "apikey", "token"],
        );
        let rule = &rules.rules()[0];
        let shape = rule.shape().unwrap();
        assert!(shape.keyword_anchored && !shape.line_anchored);
        // Matches that cover later keyword hits (`token_secret`, `secret = "…token…"`,
        // `apikeytoken`), repeated keywords, near misses.
        let text = "token_secret = \"abcdef123\"\nSECRET: 'zzzzzz9'\napikey=\"k1k2k3k4\" secret=\"s1s2s3s4\"\n\
                    x_token = \"nope\"\ntokentoken=\"aaaaaaaa\"\nAPI-KEY = 'qwertyui'\n\
                    secret = \"has-token='inner111'\"\napikeytoken: 'last6789'";
        assert_finds_what_an_unanchored_search_finds(&rules, text);
        let built_in = RuleSet::builtin().unwrap();
        for id in ["generic-secret-assignment", "generic-password-assignment"] {
            assert!(built_in.get(id).unwrap().shape().unwrap().keyword_anchored, "{id}");
        }
    }

    #[test]
    fn finds_secret_spans() {
        let rules = rules();
        let data = format!("a = {TOKEN}\nPASSWORD = \"s3cr3t-v4lue\"\n");
        let found = Detector::new(&rules).detect(data.as_bytes());
        assert_eq!(found.len(), 2);
        assert_eq!(&data[found[0].secret.clone()], TOKEN);
        assert_eq!(&data[found[1].secret.clone()], "s3cr3t-v4lue");
        assert!(found.iter().all(|c| c.suppression.is_none()));
    }

    #[test]
    fn word_boundaries_see_outside_the_window() {
        let rules = rules();
        // A word character glued before the token: \b fails even though the window starts
        // right at the keyword's reach.
        let pad = "x".repeat(100);
        let data = format!("{pad}{TOKEN}");
        assert!(Detector::new(&rules).detect(data.as_bytes()).is_empty());
    }

    #[test]
    fn entropy_allow_and_placeholders() {
        let rules = rules();
        let d = Detector::new(&rules);
        assert!(
            d.detect(b"tok_aaaaaaaabbbbbbbbaaaa").is_empty(),
            "below the entropy minimum"
        );
        let allowed = d.detect(b"tok_0q8mzt2rk9vlw4xbn7cp");
        assert_eq!(allowed[0].suppression, Some(Suppression::RuleAllow("^tok_0".into())));
        let placeholder = d.detect(br#"password = "${DB_PASSWORD}""#);
        assert!(matches!(placeholder[0].suppression, Some(Suppression::Placeholder(_))));
    }

    #[test]
    fn overlapping_rules_yield_one_candidate_the_specific_one() {
        let generic = r#"
[[rule]]
id = "any-assignment"
name = "n"
description = "d"
regex = '''secret\s*=\s*"([a-z0-9_]{12,})"'''
keywords = ["secret"]
severity = "critical"
confidence = "high"
tags = ["generic"]
remediation = "r"
"#;
        let rules = RuleSet::from_files([
            ("g.toml".to_string(), generic.to_string()),
            ("t.toml".to_string(), RULES.to_string()),
        ])
        .unwrap();
        let data = format!("secret = \"{TOKEN}\"\nsecret = \"plainvalue1234\"\n");
        let found = Detector::new(&rules).detect(data.as_bytes());
        let ids: Vec<&str> = found.iter().map(|c| rules.rules()[c.rule].id.as_str()).collect();
        assert_eq!(ids, ["tok", "any-assignment"], "the specific rule wins the shared span");
    }

    #[test]
    fn chunked_detection_matches_whole_blob_detection() {
        let rules = rules();
        let d = Detector::new(&rules);
        let mut data = vec![b'.'; 3 * PARALLEL_CHUNK + 123];
        // A secret straddling each chunk boundary, cut at a different offset each time
        // (inside the keyword `tok_`, just after it, and deep in the token).
        let mut expected = Vec::new();
        for (k, shift) in [(1, 3usize), (2, 12), (3, 20)] {
            let at = k * PARALLEL_CHUNK - shift;
            data[at - 1] = b' ';
            data[at..at + TOKEN.len()].copy_from_slice(TOKEN.as_bytes());
            data[at + TOKEN.len()] = b'\n';
            expected.push(at);
        }
        let whole = {
            let mut v = d.detect_range(&data, 0..data.len());
            v.sort_by_key(|c| (c.secret.start, c.rule, c.secret.end));
            v
        };
        let chunked = d.detect(&data);
        assert_eq!(whole, chunked);
        assert_eq!(chunked.iter().map(|c| c.secret.start).collect::<Vec<_>>(), expected);
    }
}
