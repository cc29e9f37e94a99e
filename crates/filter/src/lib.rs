//! # leakscan-filter
//!
//! Which findings to keep: the user's configuration (`leakscan.toml`, read under the trust
//! model of [`config::trust`]), its allowlists and rule scopes, inline markers
//! ([`inline`]), baselines ([`baseline`]), and the finding chain that runs them as ordered
//! stages ([`chain`]). The match stages (entropy, rule allows, placeholders) run earlier, in
//! the detector (`leakscan-rules`).

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod baseline;
pub mod chain;
pub mod config;
pub mod inline;
