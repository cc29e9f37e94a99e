//! # leakscan-rules
//!
//! Rules and detection: bytes in, candidate matches out, no I/O. The rules' TOML syntax
//! ([`RuleFile`]), their compilation into a [`RuleSet`] (keyword index, prefilter, lazily built
//! regexes), the built-in pack (`rules/*.toml`, embedded at build time), and the
//! [`detect::Detector`] that runs them, with the match stages of the filter chain
//! ([`detect::stages`]), offline validators and decoding of encoded text.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod builtin;
mod compile;
pub mod detect;
pub(crate) mod keyword_filter;
mod match_test;
mod syntax;
pub mod verify_spec;

pub use builtin::builtin_rule_files;
pub use compile::{CheckRuleError, RegexError, RegexLints, Rule, RuleSet, compile_regex};
pub(crate) use compile::{LazyRegex, Shape};
pub use keyword_filter::KeywordFilter;
pub(crate) use match_test::{MatchTest, Tester};
pub use syntax::{RuleFile, RuleSyntax};
pub use verify_spec::{VerifySpec, VerifySpecError};

pub use leakscan_model::{Confidence, Severity};

/// The configuration-check families a rule may name in `check = "…"` (each is implemented by
/// the checks crate).
pub const CHECK_FAMILIES: &[&str] = &[
    "github-actions",
    "gitlab-ci",
    "dockerfile",
    "compose",
    "kubernetes",
    "helm-values",
    "terraform",
    "committed-file",
    "reuse",
];
