//! Filters applied to matches and findings: every reason a match is not a finding to act on
//! is a stage of the filter chain ([`chain`]); a stage marks a finding as suppressed with the
//! reason, and nothing is dropped silently.

pub mod baseline;
pub mod chain;
pub mod inline;
