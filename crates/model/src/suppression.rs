//! Why a rule match is not a finding to act on.

/// Why a candidate that matched a rule is not a finding to act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Suppression {
    /// One of the rule's own `allow` regexes matched the secret (the regex is the detail).
    RuleAllow(String),
    /// The value looks like a placeholder (the reason is the detail).
    Placeholder(String),
    /// An inline marker in the scanned text allows it (the marker and its line are the detail).
    Inline(String),
    /// The configuration file's allowlists or rule path scopes (the matching entry is the detail).
    Config(String),
    /// A baseline entry (its reason, owner and expiry are the detail).
    Baseline(String),
    /// Below the rule's entropy minimum (diagnostics only: scans drop these).
    LowEntropy(String),
    /// A staged change keeps a secret that HEAD's version of the file already had: it is
    /// not new (it is in history: scan history to find it).
    AlreadyCommitted,
}

impl Suppression {
    /// The name of the filter-chain stage that makes this suppression (see
    /// [`crate::filter`]).
    pub fn stage(&self) -> &'static str {
        match self {
            Suppression::RuleAllow(_) => "rule-allow",
            Suppression::Placeholder(_) => "placeholder",
            Suppression::Inline(_) => "inline-allow",
            Suppression::Config(_) => "config-allowlist",
            Suppression::Baseline(_) => "baseline",
            Suppression::LowEntropy(_) => "entropy-minimum",
            Suppression::AlreadyCommitted => "already-committed",
        }
    }
}

impl std::fmt::Display for Suppression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Suppression::RuleAllow(re) => write!(f, "allowed by the rule's allow pattern `{re}`"),
            Suppression::Placeholder(why) => write!(f, "placeholder value ({why})"),
            Suppression::Inline(marker) => write!(f, "allowed by {marker}"),
            Suppression::Config(entry) => write!(f, "allowed by the configuration: {entry}"),
            Suppression::Baseline(entry) => write!(f, "known: {entry}"),
            Suppression::LowEntropy(detail) => write!(f, "too little entropy to be a secret ({detail} bits per byte)"),
            Suppression::AlreadyCommitted => {
                write!(f, "already committed: the secret is in HEAD's version of this file")
            }
        }
    }
}
