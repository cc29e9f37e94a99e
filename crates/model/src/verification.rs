//! What a provider said about a found credential when asked (`--verify`): live, revoked,
//! unknown or error, with the identity fields a live answer gave.

use serde::{Deserialize, Serialize};

/// The verdict of asking the credential's provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerificationStatus {
    /// The credential works: it is an exposure to act on now.
    Live,
    /// The provider says it is revoked, expired or invalid.
    Revoked,
    /// The answer says neither (a redirect, an unexpected status or body).
    Unknown,
    /// No answer could be had (timeout, connection, TLS, server error, rate limit).
    Error,
}

impl VerificationStatus {
    /// `live`, `revoked`, `unknown` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Live => "live",
            VerificationStatus::Revoked => "revoked",
            VerificationStatus::Unknown => "unknown",
            VerificationStatus::Error => "error",
        }
    }

    /// Parses [`VerificationStatus::as_str`]'s names.
    pub fn parse(text: &str) -> Option<VerificationStatus> {
        Some(match text {
            "live" => VerificationStatus::Live,
            "revoked" => VerificationStatus::Revoked,
            "unknown" => VerificationStatus::Unknown,
            "error" => VerificationStatus::Error,
            _ => return None,
        })
    }
}

impl std::fmt::Display for VerificationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One identity field of a live credential (the account, user, scopes), redacted when the
/// value is itself a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityField {
    /// The field's name, as the rule's verification table names it.
    pub name: String,
    /// Its value (redacted when `secret`).
    pub value: String,
    /// Whether the value is a secret, and so was redacted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// The outcome of verifying one finding's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Live, revoked, unknown or error.
    pub status: VerificationStatus,
    /// Why, in words (the host and what it answered); never the secret.
    pub reason: String,
    /// What the provider said about the credential's owner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity: Vec<IdentityField>,
    /// When it was asked (`YYYY-MM-DDTHH:MM:SSZ`).
    pub checked_at: String,
}

impl Verification {
    /// Whether the provider said the credential works.
    pub fn is_live(&self) -> bool {
        self.status == VerificationStatus::Live
    }

    /// ` as login=octocat, scopes=repo` (names and values escaped for a terminal), or empty
    /// when the provider gave no identity fields: how text reports name whose credential it is.
    pub fn identity_text(&self) -> String {
        if self.identity.is_empty() {
            return String::new();
        }
        let fields: Vec<String> = self
            .identity
            .iter()
            .map(|i| format!("{}={}", crate::mask::sanitize(&i.name), crate::mask::sanitize(&i.value)))
            .collect();
        format!(" as {}", fields.join(", "))
    }
}
