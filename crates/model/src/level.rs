//! How bad a leak is ([`Severity`]) and how sure a rule is ([`Confidence`]).

use serde::{Deserialize, Serialize};

/// How bad a leak of this credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Little direct impact (identifiers, low-privilege tokens).
    Low,
    /// Limited access or needs other material to be useful.
    Medium,
    /// Direct access to an account, service or data.
    High,
    /// Broad or administrative access (cloud root keys, private keys).
    Critical,
}

impl Severity {
    /// The lowercase name used in rules and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub code scanning's `security-severity` score (0.0–10.0).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

/// How sure a match of this rule is a real secret rather than noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Often noise: generic assignments, context-only matches.
    Low,
    /// Usually a secret.
    Medium,
    /// A distinctive, prefixed token format.
    High,
}

impl Confidence {
    /// The lowercase name used in rules and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One tier lower (low stays low).
    pub fn lowered(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            Confidence::Medium | Confidence::Low => Confidence::Low,
        }
    }
}
