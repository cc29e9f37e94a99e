//! Deployment environments (dev, test, staging, prod) and which one a path belongs to: the
//! configuration assigns paths to them (`[environments]`), and the reuse check reports a
//! secret seen in more than one.

/// An environment, ordered from least to most sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Environment {
    /// Development and local.
    Dev,
    /// Test, QA, UAT.
    Test,
    /// Staging and pre-production.
    Staging,
    /// Production.
    Prod,
}

impl Environment {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Dev => "dev",
            Environment::Test => "test",
            Environment::Staging => "staging",
            Environment::Prod => "prod",
        }
    }

    fn from_word(word: &str) -> Option<Environment> {
        Some(match word {
            "dev" | "develop" | "development" | "local" => Environment::Dev,
            "test" | "testing" | "qa" | "uat" | "sit" => Environment::Test,
            "staging" | "stage" | "stg" | "preprod" | "pre-prod" => Environment::Staging,
            "prod" | "production" | "prd" | "live" => Environment::Prod,
            _ => return None,
        })
    }
}

/// The environment a path belongs to: the last path word that names one, so that
/// `prod/overrides/dev.yaml` is dev.
pub fn environment_of(path: &str) -> Option<Environment> {
    path.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .rev()
        .find_map(Environment::from_word)
}
