//! # leakscan-checks
//!
//! Insecure configuration checks: structural checks over CI workflows, Dockerfiles, compose
//! and Kubernetes manifests, Helm values, Terraform and files that should never be committed,
//! plus the cross-environment reuse of one secret.
//!
//! Each check is a rule (`check = "<family>"` in `rules/config-*.toml`: id, severity,
//! description, remediation, examples); this module implements the families. A file that does
//! not parse still gets every text rule; the parse failure is returned for low-verbosity
//! reporting.

#![warn(clippy::print_stdout, clippy::print_stderr)]

mod dockerfile;
mod files;
mod github;
mod gitlab;
mod kubernetes;
pub mod reuse;
mod terraform;
pub mod yaml;

use std::ops::Range;

use leakscan_rules::detect::decode::Encoding;

/// The check families rules may name in `check = "…"`.
pub use leakscan_rules::CHECK_FAMILIES as FAMILIES;

/// YAML files larger than this are not parsed (their text is still scanned).
const MAX_STRUCTURED_FILE: usize = 8 << 20;

/// Declares [`CheckRule`]: one variant per rule id a check reports.
macro_rules! check_rules {
    ($($variant:ident => $id:literal,)*) => {
        /// Every rule a structural check reports. Each id must be a `check` rule of the built-in
        /// rule files (`rules/config-*.toml`): a test says so, so a hit can never name a rule
        /// that does not exist.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CheckRule {
            $(#[doc = $id] $variant,)*
        }

        impl CheckRule {
            /// Every check rule.
            pub const ALL: &'static [CheckRule] = &[$(CheckRule::$variant,)*];

            /// The rule id.
            pub fn id(self) -> &'static str {
                match self {
                    $(CheckRule::$variant => $id,)*
                }
            }
        }
    };
}

check_rules! {
    ComposeLiteralSecretEnv => "compose-literal-secret-env",
    DockerfileBuildArgSecret => "dockerfile-build-arg-secret",
    DockerfileCopiesSecretFile => "dockerfile-copies-secret-file",
    DockerfileSecretInEnvArg => "dockerfile-secret-in-env-arg",
    EnvFileCommitted => "env-file-committed",
    CredentialsFileCommitted => "credentials-file-committed",
    KubeconfigEmbeddedCredentials => "kubeconfig-embedded-credentials",
    GhaLiteralSecret => "gha-literal-secret",
    GhaSecretPrinted => "gha-secret-printed",
    GhaUnpinnedActionWithSecrets => "gha-unpinned-action-with-secrets",
    GhaUnsecureCommands => "gha-unsecure-commands",
    GhaUntrustedCheckout => "gha-untrusted-checkout",
    GhaWriteAllWithSecrets => "gha-write-all-with-secrets",
    GitlabCiLiteralSecret => "gitlab-ci-literal-secret",
    GitlabCiSecretPrinted => "gitlab-ci-secret-printed",
    HelmValuesLiteralCredential => "helm-values-literal-credential",
    K8sEnvLiteralSecret => "k8s-env-literal-secret",
    K8sSecretCommitted => "k8s-secret-committed",
    PrivateKeyFileCommitted => "private-key-file-committed",
    TerraformLiteralCredential => "terraform-literal-credential",
    TerraformStateCommitted => "terraform-state-committed",
    TerraformTfvarsSecret => "terraform-tfvars-secret",
    TerraformVariableSecretDefault => "terraform-variable-secret-default",
}

/// One problem a check found.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckHit {
    /// The rule.
    pub rule: CheckRule,
    /// Byte span of the evidence: the secret value, or the offending text.
    pub span: Range<usize>,
    /// Whether the span is a secret value (redacted in reports) or evidence that is safe to
    /// show (an instruction, a trigger name, a file's first line).
    pub secret: bool,
    /// The decoded value when the span is encoded (Kubernetes `data:` values).
    pub decoded: Option<(Encoding, Vec<u8>)>,
    /// What exactly is wrong, for this occurrence.
    pub detail: String,
}

impl CheckHit {
    fn secret(rule: CheckRule, span: Range<usize>, detail: String) -> CheckHit {
        CheckHit {
            rule,
            span,
            secret: true,
            decoded: None,
            detail,
        }
    }

    fn evidence(rule: CheckRule, span: Range<usize>, detail: String) -> CheckHit {
        CheckHit {
            rule,
            span,
            secret: false,
            decoded: None,
            detail,
        }
    }
}

/// Why a file's structure was not checked (its secret rules still ran).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unchecked {
    /// It does not parse (a template with a typo, a partial file): the parser's message.
    #[error("{0}")]
    Unparsable(String),
    /// Parsing stopped at a limit meant for hostile input (a YAML alias bomb): reported as a
    /// skip, since an attacker may have built it to hide a secret from the checks.
    #[error("{0}")]
    Limit(String),
    /// Not UTF-8 text, or larger than the structured-file limit.
    #[error("{0}")]
    NotText(String),
}

/// What the checks of one file produced.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    /// Problems found.
    pub hits: Vec<CheckHit>,
    /// Why the file's structure could not be checked, if so.
    pub unchecked: Option<Unchecked>,
}

/// Runs every check family that applies to `path` (the logical, `/`-separated path).
pub fn check_file(path: &str, data: &[u8], rules: &leakscan_rules::RuleSet) -> CheckOutcome {
    let mut out = CheckOutcome::default();
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    files::check(path, &lower, data, &mut out.hits);
    if let Some(kind) = terraform::kind(&lower) {
        match std::str::from_utf8(data) {
            Ok(text) if data.len() <= MAX_STRUCTURED_FILE => {
                if let Err(e) = terraform::check(kind, text, &mut out.hits) {
                    out.unchecked = Some(Unchecked::Unparsable(format!("HCL: {e}")));
                }
            }
            _ => {
                out.unchecked = Some(Unchecked::NotText(
                    "not UTF-8 or too large: structure not checked".into(),
                ))
            }
        }
        return out;
    }
    if dockerfile::applies(&lower) {
        if let Ok(text) = std::str::from_utf8(data) {
            dockerfile::check(text, &mut out.hits);
        }
        return out;
    }
    if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
        return out;
    }
    if data.len() > MAX_STRUCTURED_FILE {
        out.unchecked = Some(Unchecked::NotText(format!(
            "larger than {} MiB: structure not checked",
            MAX_STRUCTURED_FILE >> 20
        )));
        return out;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        out.unchecked = Some(Unchecked::NotText("not UTF-8: structure not checked".into()));
        return out;
    };
    let docs = match yaml::parse(text) {
        Ok(docs) => docs,
        Err(e @ yaml::YamlError::NodeBudget { .. }) => {
            out.unchecked = Some(Unchecked::Limit(format!("YAML: {e}")));
            return out;
        }
        Err(e) => {
            out.unchecked = Some(Unchecked::Unparsable(format!("YAML: {e}")));
            return out;
        }
    };
    if path.contains(".github/workflows/") {
        github::check(&docs, text, &mut out.hits);
    } else if lower.starts_with(".gitlab-ci") {
        gitlab::check(&docs, text, &mut out.hits);
    } else if lower.starts_with("docker-compose") || lower.starts_with("compose.") || lower.starts_with("compose-") {
        kubernetes::compose(&docs, &mut out.hits);
    } else {
        kubernetes::manifests(&docs, rules, &mut out.hits);
        if lower.starts_with("values") {
            kubernetes::helm_values(&docs, &mut out.hits);
        }
    }
    out
}

/// Whether a variable or key name says it holds a credential (`DB_PASSWORD`, `apiKey`,
/// `client_secret`), and not a name, id, location or setting about one (`TOKEN_URL`,
/// `password_min_length`, `SECRET_NAME`).
pub fn secret_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "privatekey",
        "private_key",
        "credential",
        "authkey",
        "auth_key",
        "accesskey",
        "access_key",
        "signingkey",
        "signing_key",
        "encryptionkey",
        "encryption_key",
        "masterkey",
        "master_key",
    ];
    const NOT_THE_VALUE: &[&str] = &[
        "id",
        "ids",
        "name",
        "names",
        "url",
        "uri",
        "endpoint",
        "host",
        "path",
        "file",
        "dir",
        "env",
        "type",
        "kind",
        "length",
        "len",
        "min",
        "max",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "enabled",
        "enable",
        "disabled",
        "required",
        "header",
        "field",
        "label",
        "hint",
        "ref",
        "arn",
        "version",
        "format",
        "policy",
        "regex",
        "pattern",
        "prefix",
        "suffix",
        "mode",
        "count",
        "size",
        "timeout",
        "user",
        "username",
        "usr",
        "ssm",
        "vault",
        "secretref",
        "keyref",
        "provider",
        "source",
        "location",
    ];
    let lower = name.to_ascii_lowercase();
    let squashed: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if !WORDS.iter().any(|w| squashed.contains(w)) && squashed != "pwd" && !squashed.ends_with("_pwd") {
        return false;
    }
    // The last word of the name says what the value is; `existingSecret`-style names refer
    // to a secret kept elsewhere.
    let words = split_words(name);
    if words.first().is_some_and(|w| w == "existing") {
        return false;
    }
    !words.last().is_some_and(|last| NOT_THE_VALUE.contains(&last.as_str()))
}

/// `DB_PASSWORD_URL` → `[db, password, url]`; `clientSecretRef` → `[client, secret, ref]`.
fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether `value` is a literal credential: not empty, not a reference to one (`${{ secrets.X }}`,
/// `${VAR}`, `$(cmd)`, `{{ .Values.x }}`), not a placeholder, and shaped like a secret.
pub fn literal_secret(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 6 || v.contains('\n') {
        return false;
    }
    if v.starts_with('$') || v.contains("${") || v.contains("{{") || v.contains("$(") || v.contains("%(") {
        return false;
    }
    if leakscan_rules::detect::placeholder_reason(v.as_bytes()).is_some() {
        return false;
    }
    leakscan_rules::detect::validate::secret_shape_problem(v.as_bytes()).is_none()
}

/// Byte span of `needle` inside `span` of `text`, searching from the start of the span.
fn find_in(text: &str, span: &Range<usize>, needle: &str) -> Option<Range<usize>> {
    let hay = text.get(span.clone())?;
    hay.find(needle)
        .map(|at| span.start + at..span.start + at + needle.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_rule_is_a_built_in_check_rule_and_back() {
        let rules = leakscan_rules::RuleSet::builtin().unwrap();
        for rule in CheckRule::ALL {
            let found = rules
                .get(rule.id())
                .unwrap_or_else(|| panic!("{} is not a built-in rule", rule.id()));
            assert!(found.is_check(), "{} is not a `check` rule", rule.id());
        }
        let declared: Vec<&str> = CheckRule::ALL.iter().map(|r| r.id()).collect();
        for rule in rules.rules().iter().filter(|r| r.is_check()) {
            assert!(
                declared.contains(&rule.id.as_str()) || rule.id == reuse::RULE_ID,
                "`{}` is a check rule no check reports",
                rule.id
            );
        }
    }

    #[test]
    fn secret_names() {
        for yes in [
            "DB_PASSWORD",
            "apiKey",
            "client_secret",
            "GITHUB_TOKEN",
            "smtp-passwd",
            "SIGNING_KEY",
            "pwd",
        ] {
            assert!(secret_name(yes), "{yes}");
        }
        for no in [
            "TOKEN_URL",
            "password_min_length",
            "SECRET_NAME",
            "tokenEndpoint",
            "image",
            "keyRef",
            "user",
        ] {
            assert!(!secret_name(no), "{no}");
        }
    }

    #[test]
    fn literal_secrets() {
        assert!(literal_secret("Zq8rT2mWx7pL4vN9"));
        assert!(literal_secret("hunter2-prod-db"));
        for no in [
            "${{ secrets.TOKEN }}",
            "${DB_PASSWORD}",
            "changeme",
            "true",
            "{{ .Values.pw }}",
            "",
            "abc",
        ] {
            assert!(!literal_secret(no), "{no}");
        }
    }
}
