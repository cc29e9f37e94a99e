//! The built-in rule pack, embedded from `rules/*.toml` at build time.

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The embedded rule files as (file name, TOML text), sorted by name.
pub fn builtin_rule_files() -> &'static [(&'static str, &'static str)] {
    BUILTIN_RULE_FILES
}
