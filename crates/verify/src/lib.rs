//! # leakscan-verify
//!
//! Live verification: asks a credential's provider whether a found secret still works and
//! whose it is, as the rule's `[rule.verify]` table says ([`leakscan_rules::VerifySpec`]).
//! Opt-in: nothing here runs unless a caller builds a [`Verifier`] and calls
//! [`Verifier::verify_all`].
//!
//! Safe by construction:
//! - HTTPS only (the agent refuses anything else), and redirects are never followed: a 3xx
//!   is an `unknown` verdict with the reason.
//! - A secret goes only to a host its spec declares ([`VerifySpec::host_allowed`]), checked
//!   again on the rendered URL just before sending.
//! - Connect and overall timeouts: a slow provider gives an `error` verdict, never a stall.
//! - A global concurrency limit (worker threads), a minimum interval between two requests to
//!   one host, and back-off on 429 honouring `Retry-After` (bounded by
//!   [`VerifyOptions::max_retry_wait`] and [`VerifyOptions::max_retries`]).
//! - Each distinct (rule, secret, groups) is verified once per [`Verifier`]: the cache is keyed
//!   by a SHA-256 digest, never by the plaintext.
//! - `HTTPS_PROXY` / `NO_PROXY` (and the other variables ureq reads) are honoured.
//! - An unexpected answer is `unknown` or `error` with the reason, never a panic; no reason
//!   or identity value carries the secret.

#![warn(clippy::print_stdout, clippy::print_stderr)]

mod aws;
mod http;
mod schedule;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

pub use aws::{SigV4Request, sigv4_authorization};
pub use leakscan_rules::VerifySpec;

/// How verification runs: timeouts, concurrency, rate limits.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The longest one request may take, connecting and reading the answer included.
    pub timeout: Duration,
    /// The longest connecting (TCP, proxy and TLS) may take.
    pub connect_timeout: Duration,
    /// How many requests may be in flight at once, over all hosts (worker threads).
    pub concurrency: usize,
    /// The least time between the starts of two requests to one host.
    pub per_host_min_interval: Duration,
    /// How many times a request answered 429 is sent again (after waiting).
    pub max_retries: u32,
    /// The longest wait after a 429 (a longer `Retry-After` is cut to this).
    pub max_retry_wait: Duration,
    /// The most bytes of an answer's body read.
    pub max_response_bytes: u64,
    /// Test only: send requests for these hosts to local addresses, trusting only the given
    /// root CA; every other host is refused (no name is looked up).
    pub endpoint_overrides: Option<EndpointOverrides>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            concurrency: 32,
            per_host_min_interval: Duration::from_millis(20),
            max_retries: 2,
            max_retry_wait: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            endpoint_overrides: None,
        }
    }
}

/// Test only: where provider hosts are served from, and the CA that signed their
/// certificates.
#[derive(Clone)]
pub struct EndpointOverrides {
    /// Host name → local socket address (e.g. `api.github.com` → `127.0.0.1:40123`).
    pub hosts: BTreeMap<String, SocketAddr>,
    /// The root CA (PEM) trusted instead of the usual roots.
    pub root_ca_pem: String,
}

impl fmt::Debug for EndpointOverrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointOverrides").field("hosts", &self.hosts).finish()
    }
}

/// One secret to verify.
#[derive(Clone)]
pub struct VerifyRequest {
    /// The rule that found it.
    pub rule_id: String,
    /// The rule's verification spec.
    pub spec: Arc<VerifySpec>,
    /// The secret.
    pub secret: Vec<u8>,
    /// The named capture groups of the match (name → value).
    pub groups: BTreeMap<String, Vec<u8>>,
}

impl fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("rule_id", &self.rule_id)
            .field("secret", &format_args!("<{} bytes>", self.secret.len()))
            .field("groups", &self.groups.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What the provider said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerifyStatus {
    /// The credential works.
    Live,
    /// The provider says it is revoked, expired or invalid.
    Revoked,
    /// The answer says neither (a redirect, an unexpected status or body).
    Unknown,
    /// No answer could be had (timeout, connection or TLS failure, server error, rate limit,
    /// a request the spec cannot make).
    Error,
}

impl VerifyStatus {
    /// `live`, `revoked`, `unknown` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyStatus::Live => "live",
            VerifyStatus::Revoked => "revoked",
            VerifyStatus::Unknown => "unknown",
            VerifyStatus::Error => "error",
        }
    }
}

impl fmt::Display for VerifyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One identity field of a live credential (the account, user or scopes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityField {
    /// The field's name (from the spec).
    pub name: String,
    /// Its value; redacted when `secret`.
    pub value: String,
    /// Whether the value is a secret (and so was redacted).
    pub secret: bool,
}

/// The outcome of verifying one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Live, revoked, unknown or error.
    pub status: VerifyStatus,
    /// Why, in words (the host and what it answered); never the secret.
    pub reason: String,
    /// What the provider said about the credential's owner (live answers).
    pub identity: Vec<IdentityField>,
}

impl Verdict {
    pub(crate) fn new(status: VerifyStatus, reason: impl Into<String>) -> Verdict {
        Verdict {
            status,
            reason: reason.into(),
            identity: Vec::new(),
        }
    }

    pub(crate) fn error(reason: impl Into<String>) -> Verdict {
        Verdict::new(VerifyStatus::Error, reason)
    }
}

/// Why a [`Verifier`] cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The override root CA is not a PEM certificate.
    #[error("the endpoint overrides' root CA is not a PEM certificate: {0}")]
    BadRootCa(String),
    /// `concurrency` is 0.
    #[error("verification concurrency must be at least 1")]
    NoConcurrency,
}

/// Runs verification requests; keeps the verdicts of one run.
pub struct Verifier {
    options: VerifyOptions,
    agent: ureq::Agent,
    /// Verdicts by SHA-256 of (rule, secret, groups).
    cache: Mutex<HashMap<[u8; 32], Verdict>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("options", &self.options)
            .field("cached", &self.cache.lock().map(|c| c.len()).unwrap_or(0))
            .finish()
    }
}

impl Verifier {
    /// A verifier with these options (builds the HTTPS agent; opens no connection).
    pub fn new(options: VerifyOptions) -> Result<Verifier, VerifyError> {
        if options.concurrency == 0 {
            return Err(VerifyError::NoConcurrency);
        }
        let agent = http::agent(&options)?;
        Ok(Verifier {
            options,
            agent,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The options.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// Verifies every request, at most [`VerifyOptions::concurrency`] at once; the verdicts
    /// come in the order of the requests. A (rule, secret, groups) already verified by this
    /// verifier, or met twice, is asked once.
    pub fn verify_all(&self, requests: Vec<VerifyRequest>) -> Vec<Verdict> {
        let keys: Vec<[u8; 32]> = requests.iter().map(cache_key).collect();
        let mut verdicts: Vec<Option<Verdict>> = {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            keys.iter().map(|k| cache.get(k).cloned()).collect()
        };
        // One job per distinct key not yet cached.
        let mut job_of_key: HashMap<[u8; 32], usize> = HashMap::new();
        let mut jobs: Vec<schedule::Job> = Vec::new();
        for (request, (key, verdict)) in requests.into_iter().zip(keys.iter().zip(&verdicts)) {
            if verdict.is_some() || job_of_key.contains_key(key) {
                continue;
            }
            job_of_key.insert(*key, jobs.len());
            jobs.push(schedule::Job::new(jobs.len(), http::prepare(request)));
        }
        log::debug!(
            "verifying {} distinct secrets ({} requests)",
            jobs.len(),
            verdicts.len()
        );
        let results = schedule::run(jobs, &self.options, |prepared| self.send(prepared));
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            for (key, &job) in &job_of_key {
                cache.insert(*key, results[job].clone());
            }
        }
        for (verdict, key) in verdicts.iter_mut().zip(&keys) {
            if verdict.is_none() {
                *verdict = job_of_key.get(key).map(|&job| results[job].clone());
            }
        }
        verdicts
            .into_iter()
            .map(|v| v.unwrap_or_else(|| Verdict::error("internal: no verdict")))
            .collect()
    }

    fn send(&self, prepared: &http::Prepared) -> schedule::Outcome {
        http::send(&self.agent, &self.options, prepared)
    }
}

/// The cache key of a request: SHA-256 over the rule id, the secret and the groups, each
/// length-prefixed (so no two different requests share an encoding).
fn cache_key(request: &VerifyRequest) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(request.rule_id.as_bytes());
    field(&request.secret);
    for (name, value) in &request.groups {
        field(name.as_bytes());
        field(value);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(hasher.finalize().as_slice());
    key
}

/// `text` with every occurrence of each of `secrets` (those of 4 bytes or more) replaced by
/// `[redacted]`.
pub(crate) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[redacted]");
        }
    }
    out
}

/// A secret identity value as shown: its first 4 characters when long enough to keep them
/// (12 or more), then `…` and its length.
pub(crate) fn redact_value(value: &str) -> String {
    let chars = value.chars().count();
    if chars >= 12 {
        let head: String = value.chars().take(4).collect();
        format!("{head}…({chars} chars)")
    } else {
        format!("…({chars} chars)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(rule: &str, secret: &str, groups: &[(&str, &str)]) -> VerifyRequest {
        let spec: VerifySpec = serde_json::from_value(serde_json::json!({
            "kind": "aws-sts",
            "docs": "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
            "inputs": {"access_key_id": "{{group.id}}", "secret_access_key": "{{secret}}"}
        }))
        .unwrap();
        VerifyRequest {
            rule_id: rule.into(),
            spec: Arc::new(spec),
            secret: secret.as_bytes().to_vec(),
            groups: groups
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect(),
        }
    }

    #[test]
    fn cache_keys_are_digests_of_rule_secret_and_groups() {
        let a = cache_key(&request("r", "secret-value", &[("id", "x")]));
        assert_eq!(a, cache_key(&request("r", "secret-value", &[("id", "x")])));
        assert_ne!(a, cache_key(&request("s", "secret-value", &[("id", "x")])));
        assert_ne!(a, cache_key(&request("r", "secret-valuf", &[("id", "x")])));
        assert_ne!(a, cache_key(&request("r", "secret-value", &[("id", "y")])));
        // Length prefixes: moving a byte from one field to the next changes the key.
        assert_ne!(cache_key(&request("ab", "c", &[])), cache_key(&request("a", "bc", &[])));
        // The key is a digest: the secret's bytes do not appear in it.
        assert!(!a.windows(4).any(|w| w == b"secr"));
    }

    #[test]
    fn requests_and_verifiers_never_print_the_secret() {
        let r = request("r", "hunter2-very-secret", &[("id", "x")]);
        let shown = format!("{r:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<19 bytes>"), "{shown}");
    }

    #[test]
    fn scrub_and_redact_hide_secrets() {
        assert_eq!(scrub("a tok_abcdef b", &["tok_abcdef".into()]), "a [redacted] b");
        assert_eq!(redact_value("abcdefghijklmnop"), "abcd…(16 chars)");
        assert_eq!(redact_value("short"), "…(5 chars)");
    }

    #[test]
    fn zero_concurrency_is_refused() {
        let options = VerifyOptions {
            concurrency: 0,
            ..VerifyOptions::default()
        };
        assert!(matches!(Verifier::new(options), Err(VerifyError::NoConcurrency)));
    }
}
