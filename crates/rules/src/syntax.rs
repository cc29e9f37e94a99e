//! The rule file format exactly as written in `rules/*.toml` (see the README's "Rule format").

use serde::Deserialize;

use super::{Confidence, Severity};

/// One rule file: a list of `[[rule]]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules in file order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSyntax>,
}

/// One rule as deserialized from TOML, before validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSyntax {
    /// Unique, lowercase kebab-case id (at most 48 characters).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What the credential is and what it grants.
    pub description: String,
    /// The pattern: the secret is group `secret`, else group 1, else the whole match. Empty
    /// for structural checks (`check`).
    #[serde(default)]
    pub regex: String,
    /// A structural configuration check (implemented in `checks`) instead of a regex: the
    /// family that reports this rule, e.g. `github-actions` or `dockerfile`.
    pub check: Option<String>,
    /// The path a check's examples are checked as (e.g. `.github/workflows/ci.yml`).
    pub example_path: Option<String>,
    /// Lowercase literals; one must occur inside every match (ASCII case-insensitive prefilter).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy of the secret, bits per byte.
    pub entropy: Option<f64>,
    /// Impact of a leak.
    pub severity: Severity,
    /// How sure a match is a real secret.
    pub confidence: Confidence,
    /// Free-form tags (provider, kind).
    #[serde(default)]
    pub tags: Vec<String>,
    /// How to revoke and rotate the credential.
    pub remediation: String,
    /// Documentation of the format.
    #[serde(default)]
    pub references: Vec<String>,
    /// Inputs that must produce a finding of this rule.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Inputs that must not produce a finding of this rule.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Offline validators (by name, e.g. `github-crc32`) the secret must pass for full
    /// confidence; a failure drops the finding to low confidence.
    #[serde(default)]
    pub validate: Vec<String>,
    /// The format itself has long runs of one character (e.g. Twitter bearer tokens start with
    /// 20+ `A`s): skip the placeholder filter's repeated-character test for this rule.
    #[serde(default)]
    pub allow_repeats: bool,
    /// Regexes over the secret; a match suppresses the finding.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Regexes over the whole match (context included, e.g. the variable name); a match
    /// suppresses the finding.
    #[serde(default)]
    pub allow_match: Vec<String>,
    /// How to ask the provider whether a found secret is live (`[rule.verify]`; see
    /// [`crate::verify_spec`]).
    #[serde(default)]
    pub verify: Option<crate::verify_spec::VerifySpec>,
}

impl RuleFile {
    /// Parses one rule file; the error names the line and column.
    pub fn parse(text: &str) -> Result<RuleFile, leakscan_model::ParseError> {
        toml::from_str(text).map_err(|e| leakscan_model::mask::toml_error(&e, text))
    }
}
