//! Filters applied after detection: inline allow markers (more to come: config allowlists,
//! baselines). A filter marks a finding as suppressed with the reason; nothing is dropped.

pub mod baseline;
pub mod inline;
