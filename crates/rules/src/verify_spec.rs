//! Live verification specs: the optional `[rule.verify]` table of a rule, which says how to
//! ask the provider whether a found credential still works and whose it is. Pure data and
//! its validation; the `leakscan-verify` crate sends the requests (never this crate).
//!
//! ```toml
//! [rule.verify]
//! kind = "http"
//! docs = "https://docs.github.com/en/rest/users/users#get-the-authenticated-user"
//! method = "GET"
//! url = "https://api.github.com/user"
//! headers = { Authorization = "Bearer {{secret}}", Accept = "application/vnd.github+json" }
//! live = [{ status = [200] }]
//! revoked = [{ status = [401] }]
//! identity = [{ name = "login", json = "/login" }, { name = "scopes", header = "x-oauth-scopes" }]
//! ```
//!
//! Templates (`url`, `headers`, `body`, `basic_auth`, a named verifier's `inputs`) are text
//! with `{{secret}}` (the secret) and `{{group.NAME}}` (a named capture group of the rule's
//! regex); nothing else. A request goes to HTTPS only, to the one literal host of `url`, or,
//! when a capture group supplies the host (`https://{{group.shop}}/…`), to a host matching
//! one of `allowed_hosts` (`*.myshopify.com`: one DNS label, then the suffix). Statuses in
//! `live` make the verdict live, then those in `revoked` revoked, anything else unknown.
//!
//! Requests that a template cannot express (signed requests) are named Rust verifiers:
//! `kind = "aws-sts"` with `inputs = { access_key_id = "{{group.key_id}}",
//! secret_access_key = "{{secret}}" }` (see [`NamedVerifier`]).

use std::collections::BTreeMap;

use serde::Deserialize;

/// A rule's `[rule.verify]` table: how to verify its secrets against the provider.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind")]
pub enum VerifySpec {
    /// `kind = "http"`: one templated HTTPS request and how to read its answer.
    #[serde(rename = "http")]
    Http(HttpVerify),
    /// `kind = "aws-sts"`: AWS `sts:GetCallerIdentity`, signed with Signature Version 4.
    #[serde(rename = "aws-sts")]
    AwsSts(NamedVerify),
}

/// The named Rust verifiers (requests a template cannot express).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamedVerifier {
    /// AWS `sts:GetCallerIdentity` with a SigV4 signature (inputs `access_key_id`,
    /// `secret_access_key`).
    AwsSts,
}

impl NamedVerifier {
    /// The `kind` that names it.
    pub fn kind(self) -> &'static str {
        match self {
            NamedVerifier::AwsSts => "aws-sts",
        }
    }

    /// The inputs it needs, every one required.
    pub fn inputs(self) -> &'static [&'static str] {
        match self {
            NamedVerifier::AwsSts => &["access_key_id", "secret_access_key"],
        }
    }

    /// The only hosts it sends anything to.
    pub fn hosts(self) -> &'static [&'static str] {
        match self {
            NamedVerifier::AwsSts => &["sts.amazonaws.com"],
        }
    }
}

/// The HTTP methods a verification request may use (read-only ones, and POST for the APIs
/// whose identity call is a POST, e.g. Slack's `auth.test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum HttpMethod {
    /// GET.
    #[serde(rename = "GET")]
    Get,
    /// POST.
    #[serde(rename = "POST")]
    Post,
    /// HEAD.
    #[serde(rename = "HEAD")]
    Head,
}

impl HttpMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Head => "HEAD",
        }
    }
}

/// `kind = "http"`: a templated request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpVerify {
    /// The provider's API documentation the request shape comes from (required, HTTPS).
    #[serde(default)]
    pub docs: Option<String>,
    /// The method.
    pub method: HttpMethod,
    /// The URL template: `https://` and a literal host, or a host from a capture group that
    /// must match one of `allowed_hosts`.
    pub url: String,
    /// Host patterns a templated host must match: a literal host or `*.suffix` (one label).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Header templates, by header name.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body template (POST only).
    #[serde(default)]
    pub body: Option<String>,
    /// HTTP basic authentication (templates).
    #[serde(default)]
    pub basic_auth: Option<BasicAuth>,
    /// Answers that mean the credential works (any one).
    #[serde(default)]
    pub live: Vec<ResponseMatch>,
    /// Answers that mean the credential is revoked or invalid (any one).
    #[serde(default)]
    pub revoked: Vec<ResponseMatch>,
    /// What to keep of a live answer.
    #[serde(default)]
    pub identity: Vec<IdentitySpec>,
}

/// HTTP basic authentication: `Authorization: Basic base64(username:password)`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// The user name template.
    pub username: String,
    /// The password template (empty if absent).
    #[serde(default)]
    pub password: String,
}

/// A condition on an answer; every part given must hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseMatch {
    /// The status must be one of these (not 3xx: redirects are never followed).
    pub status: Vec<u16>,
    /// A JSON pointer (RFC 6901) that must exist in the JSON body.
    #[serde(default)]
    pub json: Option<String>,
    /// The value at `json` must equal this.
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// The body must contain this text.
    #[serde(default)]
    pub body_contains: Option<String>,
}

/// One identity field to keep from a live answer: from the JSON body or a header.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    /// The field's name in reports (`login`, `account`, `scopes`).
    pub name: String,
    /// A JSON pointer into the body.
    #[serde(default)]
    pub json: Option<String>,
    /// A response header (case-insensitive).
    #[serde(default)]
    pub header: Option<String>,
    /// The value is itself secret: it is redacted wherever it is shown.
    #[serde(default)]
    pub secret: bool,
}

/// A named verifier's table: its documentation and its inputs (templates).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedVerify {
    /// The provider's API documentation (required, HTTPS).
    #[serde(default)]
    pub docs: Option<String>,
    /// The verifier's inputs (see [`NamedVerifier::inputs`]), as templates.
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
}

/// Why a `[rule.verify]` table is invalid. Messages quote the rule's own text (templates,
/// URLs), never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifySpecError {
    /// `docs` is missing or empty.
    #[error("verify: `docs` (the provider's API documentation URL) is required")]
    MissingDocs,
    /// `docs` is not an HTTPS URL.
    #[error("verify: `docs` must be an https:// URL, not `{0}`")]
    DocsNotHttps(String),
    /// A template names something other than `secret` or `group.NAME`.
    #[error(
        "verify: {field}: unknown template variable `{{{{{variable}}}}}` (known: `{{{{secret}}}}`, `{{{{group.NAME}}}}`)"
    )]
    UnknownVariable {
        /// Where (`url`, `headers.Authorization`, …).
        field: String,
        /// The variable as written.
        variable: String,
    },
    /// A `{{` without its `}}`.
    #[error("verify: {field}: `{{{{` without a closing `}}}}`")]
    UnclosedTemplate {
        /// Where.
        field: String,
    },
    /// A template names a capture group the rule's regex does not have.
    #[error("verify: {field}: the regex has no capture group `{group}` (named groups: {known})")]
    UnknownGroup {
        /// Where.
        field: String,
        /// The group named.
        group: String,
        /// The regex's named groups.
        known: String,
    },
    /// The URL is not `https://`.
    #[error("verify: url `{0}` is not https://: verification requests go over HTTPS only")]
    NotHttps(String),
    /// The URL cannot be used (no host, user info, bad characters).
    #[error("verify: url `{url}`: {reason}")]
    BadUrl {
        /// The URL template.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The host comes from a capture group but no `allowed_hosts` declares where it may point.
    #[error(
        "verify: the host of url `{0}` comes from a capture group, so `allowed_hosts` must declare the hosts it may be (e.g. `*.myshopify.com`)"
    )]
    HostNotDeclared(String),
    /// The secret would be part of a host name (and so of DNS queries).
    #[error("verify: url `{0}`: the secret may not be part of the host")]
    SecretInHost(String),
    /// An `allowed_hosts` pattern that is neither a host nor `*.` and a domain.
    #[error("verify: allowed host `{0}` must be a lowercase host name or `*.` followed by one (with a dot)")]
    BadHostPattern(String),
    /// `allowed_hosts` with a literal host.
    #[error("verify: `allowed_hosts` is only for a host taken from a capture group; url `{0}` names its host")]
    NeedlessAllowedHosts(String),
    /// Nothing in the request uses the secret.
    #[error("verify: the request never uses `{{{{secret}}}}`")]
    SecretUnused,
    /// No `live` condition.
    #[error("verify: at least one `live` condition is required")]
    NoLiveCondition,
    /// A condition lists no status.
    #[error("verify: {0} condition {1} lists no status")]
    EmptyStatus(&'static str, usize),
    /// A status outside 100..=599, or a 3xx (redirects are never followed).
    #[error(
        "verify: {0} condition {1}: status {2} cannot be matched (100-599, and no 3xx: redirects are never followed)"
    )]
    BadStatus(&'static str, usize, u16),
    /// A JSON pointer that does not start with `/`.
    #[error("verify: `{0}` is not a JSON pointer (RFC 6901: empty or starting with `/`)")]
    BadJsonPointer(String),
    /// `equals` without `json`.
    #[error("verify: {0} condition {1}: `equals` needs `json` (the pointer it compares)")]
    EqualsWithoutJson(&'static str, usize),
    /// An identity field with both or neither of `json` and `header`.
    #[error("verify: identity field `{0}` needs exactly one of `json` and `header`")]
    IdentitySource(String),
    /// A body with GET or HEAD.
    #[error("verify: a {0} request has no body")]
    BodyWithoutPost(&'static str),
    /// A header name that is not a token, or a header value with a line break.
    #[error("verify: header `{0}`: {1}")]
    BadHeader(String, &'static str),
    /// A named verifier's input that is missing.
    #[error("verify: {verifier} needs input `{input}`")]
    MissingInput {
        /// The verifier's kind.
        verifier: &'static str,
        /// The input.
        input: &'static str,
    },
    /// A named verifier's input it does not take.
    #[error("verify: {verifier} takes no input `{input}` (inputs: {known})")]
    UnknownInput {
        /// The verifier's kind.
        verifier: &'static str,
        /// The input as written.
        input: String,
        /// The inputs it takes.
        known: String,
    },
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text.
    Literal(String),
    /// `{{secret}}`.
    Secret,
    /// `{{group.NAME}}`.
    Group(String),
}

/// A parsed template: literal text, `{{secret}}` and `{{group.NAME}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<TemplatePart>,
}

impl Template {
    /// Parses `text`; `field` names it in errors (`url`, `headers.Authorization`).
    pub fn parse(text: &str, field: &str) -> Result<Template, VerifySpecError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(TemplatePart::Literal(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| VerifySpecError::UnclosedTemplate {
                field: field.to_string(),
            })?;
            let variable = after[..close].trim();
            parts.push(match variable {
                "secret" => TemplatePart::Secret,
                _ => match variable.strip_prefix("group.") {
                    Some(name) if is_group_name(name) => TemplatePart::Group(name.to_string()),
                    _ => {
                        return Err(VerifySpecError::UnknownVariable {
                            field: field.to_string(),
                            variable: variable.to_string(),
                        });
                    }
                },
            });
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Literal(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The pieces, in order.
    pub fn parts(&self) -> &[TemplatePart] {
        &self.parts
    }

    /// Whether the template uses `{{secret}}`.
    pub fn uses_secret(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, TemplatePart::Secret))
    }

    /// The groups the template names.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Group(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The text with every variable replaced: `secret` for `{{secret}}`, `group(NAME)` for
    /// `{{group.NAME}}`, each passed through `encode` (e.g. percent-encoding in a URL). The
    /// error is the name of a group `group` has no value for.
    pub fn render(
        &self,
        secret: &str,
        group: impl Fn(&str) -> Option<String>,
        encode: impl Fn(&str) -> String,
    ) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Secret => out.push_str(&encode(secret)),
                TemplatePart::Group(name) => {
                    let value = group(name).ok_or_else(|| name.clone())?;
                    out.push_str(&encode(&value));
                }
            }
        }
        Ok(out)
    }
}

/// A capture group name as the regex crate allows it.
fn is_group_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '[' || c == ']')
}

/// An entry of `allowed_hosts`: a literal host or `*.suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(String),
    /// One DNS label, a dot, then this suffix (`*.myshopify.com` → `myshopify.com`).
    AnyLabelUnder(String),
}

impl HostPattern {
    /// Parses `*.example.com` or `api.example.com`.
    pub fn parse(pattern: &str) -> Result<HostPattern, VerifySpecError> {
        let bad = || VerifySpecError::BadHostPattern(pattern.to_string());
        match pattern.strip_prefix("*.") {
            Some(suffix) if is_host(suffix) && suffix.contains('.') => Ok(HostPattern::AnyLabelUnder(suffix.into())),
            Some(_) => Err(bad()),
            None if is_host(pattern) && pattern.contains('.') => Ok(HostPattern::Exact(pattern.into())),
            None => Err(bad()),
        }
    }

    /// Whether `host` (lowercase, no port) matches.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(exact) => host == exact,
            HostPattern::AnyLabelUnder(suffix) => host
                .strip_suffix(suffix.as_str())
                .and_then(|label| label.strip_suffix('.'))
                .is_some_and(is_label),
        }
    }
}

/// A lowercase DNS name: labels of `a-z0-9-`, not starting or ending with `-`.
pub fn is_host(host: &str) -> bool {
    !host.is_empty() && host.len() <= 253 && host.split('.').all(is_label)
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The pieces of an `https://` URL template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    /// The authority (host and optional `:port`), as written.
    pub authority: String,
    /// The path, query and fragment, as written (starts with `/` or `?`, or is empty).
    pub rest: String,
}

impl UrlTemplate {
    /// Splits a URL template: it must be `https://`, have a host and no user info.
    pub fn parse(url: &str) -> Result<UrlTemplate, VerifySpecError> {
        let bad = |reason: &str| VerifySpecError::BadUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let Some(after) = url.strip_prefix("https://") else {
            return Err(VerifySpecError::NotHttps(url.to_string()));
        };
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        if authority.contains('@') {
            return Err(bad("user info in the URL (use `basic_auth` or a header)"));
        }
        if url.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Err(bad("white space or control characters"));
        }
        Ok(UrlTemplate {
            authority: authority.to_string(),
            rest: rest.to_string(),
        })
    }

    /// The host part of the authority (without `:port`).
    pub fn host(&self) -> &str {
        split_port(&self.authority).0
    }
}

/// `host:port` → (`host`, `Some(port)`); the port is whatever follows the last `:` (after
/// any template).
pub fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rfind(':') {
        Some(i) if !authority[i..].contains("}}") => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    }
}

fn check_docs(docs: &Option<String>) -> Result<(), VerifySpecError> {
    match docs.as_deref().map(str::trim) {
        None | Some("") => Err(VerifySpecError::MissingDocs),
        Some(d) if d.starts_with("https://") && d.len() > "https://".len() => Ok(()),
        Some(d) => Err(VerifySpecError::DocsNotHttps(d.to_string())),
    }
}

fn check_pointer(pointer: &str) -> Result<(), VerifySpecError> {
    if pointer.is_empty() || pointer.starts_with('/') {
        Ok(())
    } else {
        Err(VerifySpecError::BadJsonPointer(pointer.to_string()))
    }
}

/// Whether `name` is an HTTP header name (an RFC 9110 token).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl VerifySpec {
    /// The provider documentation URL.
    pub fn docs(&self) -> Option<&str> {
        match self {
            VerifySpec::Http(http) => http.docs.as_deref(),
            VerifySpec::AwsSts(named) => named.docs.as_deref(),
        }
    }

    /// The named verifier, for a `kind` other than `http`.
    pub fn named(&self) -> Option<(NamedVerifier, &NamedVerify)> {
        match self {
            VerifySpec::Http(_) => None,
            VerifySpec::AwsSts(named) => Some((NamedVerifier::AwsSts, named)),
        }
    }

    /// Every template of the spec with the field it is in.
    pub fn templates(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        match self {
            VerifySpec::Http(http) => {
                out.push(("url".into(), &http.url));
                for (name, value) in &http.headers {
                    out.push((format!("headers.{name}"), value));
                }
                if let Some(body) = &http.body {
                    out.push(("body".into(), body));
                }
                if let Some(auth) = &http.basic_auth {
                    out.push(("basic_auth.username".into(), &auth.username));
                    out.push(("basic_auth.password".into(), &auth.password));
                }
            }
            VerifySpec::AwsSts(named) => {
                for (name, value) in &named.inputs {
                    out.push((format!("inputs.{name}"), value));
                }
            }
        }
        out
    }

    /// Whether a request may go to `host` (lowercase, no port): the literal host of an
    /// `http` spec's URL, a match of its `allowed_hosts` when a group supplies the host, or
    /// one of a named verifier's hosts.
    pub fn host_allowed(&self, host: &str) -> bool {
        match self {
            VerifySpec::Http(http) => {
                let Ok(url) = UrlTemplate::parse(&http.url) else {
                    return false;
                };
                if url.host().contains("{{") {
                    http.allowed_hosts
                        .iter()
                        .filter_map(|p| HostPattern::parse(p).ok())
                        .any(|p| p.matches(host))
                } else {
                    url.host() == host
                }
            }
            VerifySpec::AwsSts(_) => NamedVerifier::AwsSts.hosts().contains(&host),
        }
    }

    /// Checks the spec. `groups` are the named capture groups of the rule's regex; `None`
    /// skips the check that templates name only those (a built-in rule's regex is parsed on
    /// first use; see `Rule::check_verify`).
    pub fn validate(&self, groups: Option<&[String]>) -> Result<(), VerifySpecError> {
        check_docs(&match self {
            VerifySpec::Http(http) => http.docs.clone(),
            VerifySpec::AwsSts(named) => named.docs.clone(),
        })?;
        let mut uses_secret = false;
        for (field, text) in self.templates() {
            let template = Template::parse(text, &field)?;
            uses_secret |= template.uses_secret();
            if let Some(groups) = groups
                && let Some(missing) = template.groups().find(|g| !groups.iter().any(|n| n == g))
            {
                return Err(VerifySpecError::UnknownGroup {
                    field,
                    group: missing.to_string(),
                    known: if groups.is_empty() {
                        "none".into()
                    } else {
                        groups.join(", ")
                    },
                });
            }
        }
        if !uses_secret {
            return Err(VerifySpecError::SecretUnused);
        }
        match self {
            VerifySpec::Http(http) => http.validate(),
            VerifySpec::AwsSts(named) => named.validate(NamedVerifier::AwsSts),
        }
    }
}

impl HttpVerify {
    fn validate(&self) -> Result<(), VerifySpecError> {
        let url = UrlTemplate::parse(&self.url)?;
        let (host, port) = split_port(&url.authority);
        if let Some(port) = port
            && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err())
        {
            return Err(VerifySpecError::BadUrl {
                url: self.url.clone(),
                reason: format!("bad port `{port}`"),
            });
        }
        if host.contains("{{") {
            if Template::parse(host, "url")?.uses_secret() {
                return Err(VerifySpecError::SecretInHost(self.url.clone()));
            }
            if self.allowed_hosts.is_empty() {
                return Err(VerifySpecError::HostNotDeclared(self.url.clone()));
            }
            for pattern in &self.allowed_hosts {
                HostPattern::parse(pattern)?;
            }
        } else {
            if !is_host(host) || !host.contains('.') {
                return Err(VerifySpecError::BadUrl {
                    url: self.url.clone(),
                    reason: "the host must be a lowercase DNS name with a dot".into(),
                });
            }
            if !self.allowed_hosts.is_empty() {
                return Err(VerifySpecError::NeedlessAllowedHosts(self.url.clone()));
            }
        }
        if self.body.is_some() && self.method != HttpMethod::Post {
            return Err(VerifySpecError::BodyWithoutPost(self.method.as_str()));
        }
        for (name, value) in &self.headers {
            if !is_header_name(name) {
                return Err(VerifySpecError::BadHeader(name.clone(), "not a valid header name"));
            }
            if value.contains(['\r', '\n']) {
                return Err(VerifySpecError::BadHeader(name.clone(), "a line break in the value"));
            }
        }
        if self.live.is_empty() {
            return Err(VerifySpecError::NoLiveCondition);
        }
        for (what, conditions) in [("live", &self.live), ("revoked", &self.revoked)] {
            for (i, condition) in conditions.iter().enumerate() {
                let n = i + 1;
                if condition.status.is_empty() {
                    return Err(VerifySpecError::EmptyStatus(what, n));
                }
                if let Some(&status) = condition
                    .status
                    .iter()
                    .find(|&&s| !(100..=599).contains(&s) || (300..400).contains(&s))
                {
                    return Err(VerifySpecError::BadStatus(what, n, status));
                }
                if let Some(pointer) = &condition.json {
                    check_pointer(pointer)?;
                } else if condition.equals.is_some() {
                    return Err(VerifySpecError::EqualsWithoutJson(what, n));
                }
            }
        }
        for field in &self.identity {
            match (&field.json, &field.header) {
                (Some(pointer), None) => check_pointer(pointer)?,
                (None, Some(header)) if is_header_name(header) => {}
                (None, Some(header)) => {
                    return Err(VerifySpecError::BadHeader(header.clone(), "not a valid header name"));
                }
                _ => return Err(VerifySpecError::IdentitySource(field.name.clone())),
            }
        }
        Ok(())
    }
}

impl NamedVerify {
    fn validate(&self, verifier: NamedVerifier) -> Result<(), VerifySpecError> {
        if let Some(input) = self.inputs.keys().find(|k| !verifier.inputs().contains(&k.as_str())) {
            return Err(VerifySpecError::UnknownInput {
                verifier: verifier.kind(),
                input: input.clone(),
                known: verifier.inputs().join(", "),
            });
        }
        if let Some(input) = verifier.inputs().iter().find(|i| !self.inputs.contains_key(**i)) {
            return Err(VerifySpecError::MissingInput {
                verifier: verifier.kind(),
                input,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid spec; `edit` changes the TOML text before parsing.
    fn spec(toml_text: &str) -> VerifySpec {
        #[derive(Deserialize)]
        struct Wrapper {
            verify: VerifySpec,
        }
        toml::from_str::<Wrapper>(toml_text).unwrap().verify
    }

    const GITHUB: &str = r#"
        [verify]
        kind = "http"
        docs = "https://docs.github.com/en/rest/users/users#get-the-authenticated-user"
        method = "GET"
        url = "https://api.github.com/user"
        headers = { Authorization = "Bearer {{secret}}", Accept = "application/vnd.github+json" }
        live = [{ status = [200] }]
        revoked = [{ status = [401] }]
        identity = [{ name = "login", json = "/login" }, { name = "scopes", header = "x-oauth-scopes" }]
    "#;

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn error(text: &str, names: &[&str]) -> VerifySpecError {
        spec(text).validate(Some(&groups(names))).unwrap_err()
    }

    #[test]
    fn a_valid_spec_passes_and_declares_its_host() {
        let s = spec(GITHUB);
        s.validate(Some(&[])).unwrap();
        assert!(s.host_allowed("api.github.com"));
        assert!(!s.host_allowed("github.com"));
        assert!(!s.host_allowed("evil.api.github.com"));
        assert_eq!(
            s.docs(),
            Some("https://docs.github.com/en/rest/users/users#get-the-authenticated-user")
        );
    }

    #[test]
    fn unknown_template_variables_are_rejected() {
        let e = error(&GITHUB.replace("{{secret}}", "{{token}}"), &[]);
        assert_eq!(
            e,
            VerifySpecError::UnknownVariable {
                field: "headers.Authorization".into(),
                variable: "token".into()
            }
        );
        assert!(e.to_string().contains("unknown template variable `{{token}}`"), "{e}");
        let e = error(&GITHUB.replace("{{secret}}", "{{secret"), &[]);
        assert!(matches!(e, VerifySpecError::UnclosedTemplate { .. }), "{e}");
        let e = error(&GITHUB.replace("{{secret}}", "{{group.}}"), &[]);
        assert!(matches!(e, VerifySpecError::UnknownVariable { .. }), "{e}");
    }

    #[test]
    fn groups_the_regex_does_not_have_are_rejected() {
        let text = GITHUB.replace("Bearer {{secret}}", "{{group.user}}:{{secret}}");
        let e = error(&text, &["secret"]);
        assert_eq!(
            e,
            VerifySpecError::UnknownGroup {
                field: "headers.Authorization".into(),
                group: "user".into(),
                known: "secret".into()
            }
        );
        assert!(e.to_string().contains("the regex has no capture group `user`"), "{e}");
        spec(&text).validate(Some(&groups(&["user", "secret"]))).unwrap();
        // Without the regex's groups (a lazily built rule), only the rest is checked.
        spec(&text).validate(None).unwrap();
    }

    #[test]
    fn http_urls_are_rejected() {
        let e = error(&GITHUB.replace("https://api.github.com", "http://api.github.com"), &[]);
        assert_eq!(e, VerifySpecError::NotHttps("http://api.github.com/user".into()));
        assert!(e.to_string().contains("HTTPS only"), "{e}");
        let e = error(
            &GITHUB.replace("https://api.github.com", "https://u:{{secret}}@api.github.com"),
            &[],
        );
        assert!(matches!(e, VerifySpecError::BadUrl { .. }), "{e}");
        let e = error(&GITHUB.replace("https://api.github.com", "https://API.github.com"), &[]);
        assert!(matches!(e, VerifySpecError::BadUrl { .. }), "{e}");
        let e = error(
            &GITHUB.replace("https://api.github.com", "https://api.github.com:x"),
            &[],
        );
        assert!(e.to_string().contains("bad port"), "{e}");
    }

    #[test]
    fn hosts_from_groups_must_be_declared() {
        let shop = GITHUB.replace(
            "https://api.github.com/user",
            "https://{{group.shop}}/admin/api/shop.json",
        );
        let e = error(&shop, &["shop"]);
        assert!(matches!(e, VerifySpecError::HostNotDeclared(_)), "{e}");
        assert!(e.to_string().contains("allowed_hosts"), "{e}");
        let declared = shop.replace("method =", "allowed_hosts = [\"*.myshopify.com\"]\nmethod =");
        let s = spec(&declared);
        s.validate(Some(&groups(&["shop"]))).unwrap();
        assert!(s.host_allowed("acme.myshopify.com"));
        assert!(!s.host_allowed("myshopify.com"));
        assert!(!s.host_allowed("a.b.myshopify.com"), "one label only");
        assert!(!s.host_allowed("acme.myshopify.com.evil.test"));
        let bad = declared.replace("*.myshopify.com", "*.com");
        assert!(matches!(error(&bad, &["shop"]), VerifySpecError::BadHostPattern(_)));
        let secret_host = declared.replace("{{group.shop}}", "{{secret}}.myshopify.com");
        assert!(matches!(
            error(&secret_host, &["shop"]),
            VerifySpecError::SecretInHost(_)
        ));
        let needless = GITHUB.replace("method =", "allowed_hosts = [\"*.github.com\"]\nmethod =");
        assert!(matches!(
            error(&needless, &[]),
            VerifySpecError::NeedlessAllowedHosts(_)
        ));
    }

    #[test]
    fn a_missing_or_plain_http_docs_url_is_rejected() {
        let text = GITHUB.replace(
            "docs = \"https://docs.github.com/en/rest/users/users#get-the-authenticated-user\"",
            "",
        );
        assert_eq!(error(&text, &[]), VerifySpecError::MissingDocs);
        let text = GITHUB.replace("docs = \"https://", "docs = \"http://");
        assert!(matches!(error(&text, &[]), VerifySpecError::DocsNotHttps(_)));
    }

    #[test]
    fn conditions_and_identity_fields_are_checked() {
        let e = error(&GITHUB.replace("live = [{ status = [200] }]", ""), &[]);
        assert_eq!(e, VerifySpecError::NoLiveCondition);
        let e = error(&GITHUB.replace("status = [200]", "status = []"), &[]);
        assert_eq!(e, VerifySpecError::EmptyStatus("live", 1));
        let e = error(&GITHUB.replace("status = [401]", "status = [302]"), &[]);
        assert_eq!(e, VerifySpecError::BadStatus("revoked", 1, 302));
        let e = error(&GITHUB.replace("status = [200]", "status = [200], equals = true"), &[]);
        assert_eq!(e, VerifySpecError::EqualsWithoutJson("live", 1));
        let e = error(&GITHUB.replace("json = \"/login\"", "json = \"login\""), &[]);
        assert_eq!(e, VerifySpecError::BadJsonPointer("login".into()));
        let e = error(
            &GITHUB.replace("json = \"/login\"", "json = \"/login\", header = \"x\""),
            &[],
        );
        assert_eq!(e, VerifySpecError::IdentitySource("login".into()));
        let e = error(
            &GITHUB.replace("method = \"GET\"", "method = \"GET\"\nbody = \"x\""),
            &[],
        );
        assert_eq!(e, VerifySpecError::BodyWithoutPost("GET"));
        let e = error(&GITHUB.replace("Accept =", "\"Bad Header\" ="), &[]);
        assert!(matches!(e, VerifySpecError::BadHeader(..)), "{e}");
        let e = error(&GITHUB.replace("Bearer {{secret}}", "Bearer"), &[]);
        assert_eq!(e, VerifySpecError::SecretUnused);
    }

    #[test]
    fn unknown_kinds_methods_and_fields_do_not_parse() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Wrapper {
            verify: VerifySpec,
        }
        for text in [
            GITHUB.replace("kind = \"http\"", "kind = \"smtp\""),
            GITHUB.replace("\"GET\"", "\"DELETE\""),
            GITHUB.replace("method =", "bogus = 1\nmethod ="),
        ] {
            assert!(toml::from_str::<Wrapper>(&text).is_err(), "{text}");
        }
    }

    #[test]
    fn named_verifiers_take_their_inputs() {
        let aws = r#"
            [verify]
            kind = "aws-sts"
            docs = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
            inputs = { access_key_id = "{{group.key_id}}", secret_access_key = "{{secret}}" }
        "#;
        let s = spec(aws);
        s.validate(Some(&groups(&["key_id", "secret"]))).unwrap();
        assert!(s.host_allowed("sts.amazonaws.com"));
        assert!(!s.host_allowed("sts.us-east-1.amazonaws.com"));
        assert_eq!(s.named().unwrap().0, NamedVerifier::AwsSts);
        let e = error(&aws.replace("access_key_id =", "key ="), &["key_id", "secret"]);
        assert!(matches!(e, VerifySpecError::UnknownInput { .. }), "{e}");
        let e = error(
            &aws.replace("access_key_id = \"{{group.key_id}}\", ", ""),
            &["key_id", "secret"],
        );
        assert_eq!(
            e,
            VerifySpecError::MissingInput {
                verifier: "aws-sts",
                input: "access_key_id"
            }
        );
        let e = error(aws, &["secret"]);
        assert!(matches!(e, VerifySpecError::UnknownGroup { .. }), "{e}");
    }

    #[test]
    fn templates_render_with_encoding() {
        let t = Template::parse("a{{secret}}b{{ group.x }}c", "f").unwrap();
        let out = t
            .render("S", |g| (g == "x").then(|| "X".to_string()), |v| format!("<{v}>"))
            .unwrap();
        assert_eq!(out, "a<S>b<X>c");
        assert_eq!(t.render("S", |_| None, str::to_string), Err("x".to_string()));
    }
}
