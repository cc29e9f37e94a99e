//! One rule's search over its windows: the rule's match test first, then, for windows that
//! pass it, the full regex, compiled when the first window needs it.

use regex_automata::util::captures::Captures;
use regex_automata::{Input, meta};

use crate::{Rule, Shape, Tester};

/// A rule's search state across its windows in one blob chunk.
pub(super) struct RuleSearch<'r> {
    rule: &'r Rule,
    pub(super) shape: &'r Shape,
    /// `None` when the rule has no match test: every window is searched.
    tester: Option<Tester<'r>>,
    /// The full regex and its capture slots: `None` until a window passes the test, then
    /// `Some(None)` if the regex does not compile.
    full: Option<Option<(&'r meta::Regex, Captures)>>,
}

impl<'r> RuleSearch<'r> {
    /// The search for `rule`; `None` if its regex does not parse.
    pub(super) fn new(rule: &'r Rule) -> Option<RuleSearch<'r>> {
        let (shape, test) = rule.tested().ok()?;
        Some(RuleSearch {
            rule,
            shape,
            tester: test.map(|t| t.tester()),
            full: None,
        })
    }

    /// The first match of the rule's regex in `input` (span and anchoring as given), in the
    /// returned capture slots; `None` without a match, or when the test rules one out
    /// (without compiling or running the full regex).
    pub(super) fn captures(&mut self, input: &Input<'_>) -> Option<&Captures> {
        if !self.may_match(input) {
            return None;
        }
        let (regex, caps) = self.full()?;
        regex.search_captures(input, caps);
        Some(caps)
    }

    /// Whether the rule may match in `input`: `false` only when its test rules it out.
    pub(super) fn may_match(&mut self, input: &Input<'_>) -> bool {
        self.tester.as_mut().is_none_or(|t| t.may_match(input))
    }

    /// The full regex and the capture slots, made now if no window needed them before;
    /// `None` if the regex does not compile.
    pub(super) fn full(&mut self) -> Option<(&'r meta::Regex, &mut Captures)> {
        let rule = self.rule;
        self.full
            .get_or_insert_with(|| rule.compiled().ok().map(|(_, regex)| (regex, regex.create_captures())))
            .as_mut()
            .map(|(regex, caps)| (*regex, caps))
    }
}
