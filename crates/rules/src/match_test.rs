//! A rule's match test: a cheap, forward-only lazy DFA that answers "can the rule's regex match
//! here?" before the full regex (with capture groups) is compiled or run.
//!
//! Most keyword hits lead to no match at all: on the crate sources 88 rules' keywords are met
//! but only 6 rules' regexes ever match. Compiling the full regex (a meta regex: forward and
//! reverse NFAs, a one-pass DFA, a literal prefilter) for every rule met took ~27 ms of CPU,
//! about 6% of that scan. The test compiles one forward NFA without capture groups, from the
//! regex with its large repetition bounds relaxed (see [`relax`]), so it costs about a third
//! as much; the full regex is compiled only once a window passes the test.
//!
//! The test accepts a superset of what the regex matches: relaxing a bound only adds matches,
//! and a search the lazy DFA gives up on (its cache thrashing, or a quit byte) counts as a
//! possible match. It never rejects a window the regex matches, so findings are unchanged.

use std::panic::{RefUnwindSafe, UnwindSafe};

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::{Pool, PoolGuard};
use regex_automata::util::prefilter::Prefilter;
use regex_automata::{Input, MatchKind};
use regex_syntax::hir::{Hir, HirKind, Repetition};

/// Repetition bounds above this are relaxed in the test: a larger upper bound becomes
/// unbounded and a larger lower bound becomes this. `[A-Za-z0-9+/=]{64,4800}` alone is
/// ~10,000 NFA states; bounds up to 64 keep the test as selective as the regex on tokens.
const RELAXED_BOUND: u32 = 64;

type CacheFn = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// A rule regex's match test (see the module documentation), shared by every thread; each
/// thread searches with its own cache from the pool.
pub(crate) struct MatchTest {
    dfa: DFA,
    caches: Pool<Cache, CacheFn>,
}

impl MatchTest {
    /// The test for a parsed regex; `None` if the lazy DFA cannot be built for it or would be
    /// slow (the regex is then searched without a test).
    pub(crate) fn new(hir: &Hir, size_limit: usize) -> Option<MatchTest> {
        let relaxed = relax(hir);
        let prefilter = Prefilter::from_hir_prefix(MatchKind::LeftmostFirst, &relaxed);
        // A prefix prefilter that is not fast (a few single bytes, many short literals) makes
        // the test slower than the full regex, which then finds an inner or suffix literal
        // first (the meta regex's reverse strategies): such rules get no test (~2% of the CPU
        // time of a scan of the crate sources).
        if prefilter.as_ref().is_some_and(|p| !p.is_fast()) {
            return None;
        }
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .utf8(false)
                    .which_captures(thompson::WhichCaptures::None)
                    .nfa_size_limit(Some(size_limit)),
            )
            .build_from_hir(&relaxed)
            .ok()?;
        // As the meta regex configures its lazy DFAs: give up (and so pass the window to the
        // full regex) rather than rebuild states without end.
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .prefilter(prefilter)
                    .unicode_word_boundary(true)
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .build_from_nfa(nfa)
            .ok()?;
        Some(MatchTest::from_dfa(dfa))
    }

    fn from_dfa(dfa: DFA) -> MatchTest {
        let for_caches = dfa.clone();
        let create: CacheFn = Box::new(move || for_caches.create_cache());
        MatchTest {
            dfa,
            caches: Pool::new(create),
        }
    }

    /// A run of tests on this thread, with one cache taken from the pool for all of them.
    pub(crate) fn tester(&self) -> Tester<'_> {
        Tester {
            dfa: &self.dfa,
            cache: self.caches.get(),
        }
    }
}

/// A [`MatchTest`] in use by one thread, holding one of its caches.
pub(crate) struct Tester<'t> {
    dfa: &'t DFA,
    cache: PoolGuard<'t, Cache, CacheFn>,
}

impl Tester<'_> {
    /// Whether the regex may match in `input` (its span and anchoring as given): `false` only
    /// when it cannot.
    pub(crate) fn may_match(&mut self, input: &Input<'_>) -> bool {
        let input = input.clone().earliest(true);
        !matches!(self.dfa.try_search_fwd(&mut self.cache, &input), Ok(None))
    }
}

impl Clone for MatchTest {
    fn clone(&self) -> MatchTest {
        MatchTest::from_dfa(self.dfa.clone())
    }
}

impl std::fmt::Debug for MatchTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchTest").finish_non_exhaustive()
    }
}

/// `hir` with capture groups removed and repetition bounds above [`RELAXED_BOUND`] relaxed:
/// it matches everything `hir` matches (and possibly more).
fn relax(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            min: rep.min.min(RELAXED_BOUND),
            max: rep.max.filter(|&max| max <= RELAXED_BOUND),
            greedy: rep.greedy,
            sub: Box::new(relax(&rep.sub)),
        }),
        HirKind::Capture(capture) => relax(&capture.sub),
        HirKind::Concat(parts) => Hir::concat(parts.iter().map(relax).collect()),
        HirKind::Alternation(parts) => Hir::alternation(parts.iter().map(relax).collect()),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => hir.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex_automata::meta;

    fn parse(pattern: &str) -> Hir {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .unwrap()
    }

    fn test_of(pattern: &str) -> MatchTest {
        MatchTest::new(&parse(pattern), 8 << 20).unwrap()
    }

    fn regex_of(pattern: &str) -> meta::Regex {
        crate::compile_regex(pattern).unwrap()
    }

    #[test]
    fn rejects_text_the_regex_cannot_match_and_passes_text_it_matches() {
        let pattern = r"\b(ghp_[A-Za-z0-9]{36})\b";
        let test = test_of(pattern);
        let token = format!("{}{}", "ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
        assert!(test.tester().may_match(&Input::new(format!("x = {token};").as_bytes())));
        assert!(!test.tester().may_match(&Input::new(b"let ghp_ = short;")));
        assert!(!test.tester().may_match(&Input::new(b"nothing here at all")));
    }

    #[test]
    fn anchored_tests_look_only_at_the_span_start() {
        let test = test_of(r"ghp_[a-z]{4}");
        let text = b"xx ghp_abcd";
        assert!(
            test.tester()
                .may_match(&Input::new(text).span(3..11).anchored(regex_automata::Anchored::Yes))
        );
        assert!(
            !test
                .tester()
                .may_match(&Input::new(text).span(0..11).anchored(regex_automata::Anchored::Yes))
        );
        assert!(test.tester().may_match(&Input::new(text).span(0..11)));
    }

    #[test]
    fn large_bounds_are_relaxed_and_small_ones_kept() {
        // 70 letters pass `{100,200}` relaxed to `{64,}`, not `{8,9}`.
        let long = "a".repeat(70);
        assert!(
            test_of("-[a-z]{100,200}-")
                .tester()
                .may_match(&Input::new(format!("-{long}-").as_bytes()))
        );
        assert!(
            !test_of("-[a-z]{8,9}-")
                .tester()
                .may_match(&Input::new(format!("-{long}-").as_bytes()))
        );
        let relaxed = relax(&parse("(x{2,300})|(?:y{70}){1,5}"));
        assert_eq!(relaxed, parse("x{2,}|(?:y{64,}){1,5}"));
    }

    #[test]
    fn a_search_the_lazy_dfa_gives_up_on_counts_as_a_possible_match() {
        // A Unicode word boundary makes the DFA quit on a non-ASCII byte next to it: no
        // match here (`é` is a word character), but the test cannot tell.
        let pattern = r"(?u:\b)key(?u:\b)";
        let text = "ékey".as_bytes();
        assert!(regex_of(pattern).search(&Input::new(text)).is_none());
        assert!(test_of(pattern).tester().may_match(&Input::new(text)));
        assert!(!test_of(pattern).tester().may_match(&Input::new(b"ascii keyring")));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the regex matches, the test passes (a superset, never a miss).
        #[test]
        fn the_test_passes_every_text_the_regex_matches(
            pattern in prop::sample::select(vec![
                r"a{2,70}b", r"(?:ab|a){3,80}c", r"^x[a-c]{65}$", r"(?m)^k=(?P<secret>[a-z]{1,100})$",
                r"\bt[ab]{0,66}?\b", r"(?i)tok[a-z]{64,200}", r"(?:a{1,3}b){20,30}",
            ]),
            text in "[abck=x\n tT]{0,300}",
            start in 0usize..40,
        ) {
            let regex = regex_of(pattern);
            let test = test_of(pattern);
            let start = start.min(text.len());
            for anchored in [regex_automata::Anchored::No, regex_automata::Anchored::Yes] {
                let input = Input::new(text.as_bytes()).span(start..text.len()).anchored(anchored);
                if regex.search(&input).is_some() {
                    prop_assert!(test.tester().may_match(&input), "{pattern} on {text:?}");
                }
            }
        }
    }
}
