//! The HTTPS agent, templated requests (`kind = "http"`) and how their answers are read.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use leakscan_rules::verify_spec::{HttpVerify, ResponseMatch, Template, UrlTemplate, is_host, split_port};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use crate::schedule::Outcome;
use crate::{
    IdentityField, Verdict, VerifyError, VerifyOptions, VerifyRequest, VerifySpec, VerifyStatus, redact_value, scrub,
};

/// The longest identity value kept, in characters.
const MAX_IDENTITY_CHARS: usize = 256;

/// The back-off after a 429 without a usable `Retry-After`.
const DEFAULT_RETRY_WAIT: Duration = Duration::from_secs(1);

type HttpResponse = ureq::http::Response<ureq::Body>;

/// Builds the agent: HTTPS only, no redirects, statuses as answers, timeouts, the proxy from
/// the environment, and (tests) the endpoint overrides.
pub(crate) fn agent(options: &VerifyOptions) -> Result<ureq::Agent, VerifyError> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(overrides) = &options.endpoint_overrides {
        let ca = ureq::tls::Certificate::from_pem(overrides.root_ca_pem.as_bytes())
            .map_err(|e| VerifyError::BadRootCa(e.to_string()))?;
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]));
    }
    let pool = options.concurrency.max(1) * 2;
    let config = ureq::Agent::config_builder()
        .https_only(true)
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(ureq::Proxy::try_from_env())
        .timeout_connect(Some(options.connect_timeout))
        .timeout_global(Some(options.timeout))
        .user_agent(concat!(
            "leakscan/",
            env!("CARGO_PKG_VERSION"),
            " (secret verification)"
        ))
        .max_idle_connections(pool)
        .max_idle_connections_per_host(options.concurrency.max(1))
        .tls_config(tls.build())
        .build();
    Ok(match &options.endpoint_overrides {
        Some(overrides) => ureq::Agent::with_parts(
            config,
            DefaultConnector::default(),
            OverrideResolver {
                hosts: overrides.hosts.clone(),
            },
        ),
        None => ureq::Agent::new_with_config(config),
    })
}

/// Test only: resolves the overridden hosts to their local addresses and loopback IP
/// literals (a local proxy) to themselves; refuses every other name, so that a test can
/// never reach past the machine.
#[derive(Debug)]
struct OverrideResolver {
    hosts: BTreeMap<String, SocketAddr>,
}

impl Resolver for OverrideResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let mut out = self.empty();
        if let Some(addr) = self.hosts.get(host) {
            out.push(*addr);
            return Ok(out);
        }
        match host.parse::<std::net::IpAddr>() {
            Ok(ip) if ip.is_loopback() => DefaultResolver::default().resolve(uri, config, timeout),
            _ => Err(ureq::Error::HostNotFound),
        }
    }
}

/// A request ready to send, or the verdict that it cannot be made.
pub(crate) enum Prepared {
    /// A templated request.
    Http(HttpRequest),
    /// AWS `sts:GetCallerIdentity` (signed when sent).
    AwsSts(crate::aws::StsRequest),
    /// The request cannot be made (missing group, undeclared host, …).
    Failed {
        /// The host it would have gone to, or the rule id (for the scheduler's queues).
        host: String,
        verdict: Verdict,
    },
}

impl Prepared {
    /// The host the request goes to (the scheduler's per-host queue).
    pub(crate) fn host(&self) -> &str {
        match self {
            Prepared::Http(request) => &request.host,
            Prepared::AwsSts(_) => crate::aws::STS_HOST,
            Prepared::Failed { host, .. } => host,
        }
    }
}

/// A rendered templated request.
pub(crate) struct HttpRequest {
    spec: Arc<VerifySpec>,
    host: String,
    method: leakscan_rules::verify_spec::HttpMethod,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    /// Forms of the secret that must not show in any reason.
    secrets: Vec<String>,
}

impl HttpRequest {
    fn spec(&self) -> &HttpVerify {
        match &*self.spec {
            VerifySpec::Http(http) => http,
            // `prepare` makes an `HttpRequest` from `http` specs only.
            VerifySpec::AwsSts(_) => unreachable!("an http request from an http spec"),
        }
    }
}

/// Percent-encodes a value put into a URL: all but unreserved characters and `:`.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Renders a request: its URL (checked to be HTTPS to a declared host), headers and body.
pub(crate) fn prepare(request: VerifyRequest) -> Prepared {
    let failed = |host: &str, reason: String| Prepared::Failed {
        host: host.to_string(),
        verdict: Verdict::error(reason),
    };
    let rule = request.rule_id.clone();
    let Ok(secret) = String::from_utf8(request.secret.clone()) else {
        return failed(&rule, "the secret is not UTF-8 text; it cannot be sent".into());
    };
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &request.groups {
        match String::from_utf8(value.clone()) {
            Ok(v) => groups.insert(name.clone(), v),
            Err(_) => return failed(&rule, format!("capture group `{name}` is not UTF-8 text")),
        };
    }
    let group = |name: &str| groups.get(name).cloned();
    let http = match &*request.spec {
        VerifySpec::Http(http) => http,
        VerifySpec::AwsSts(named) => {
            return crate::aws::prepare(named, &secret, &group)
                .map(Prepared::AwsSts)
                .unwrap_or_else(|verdict| Prepared::Failed {
                    host: crate::aws::STS_HOST.into(),
                    verdict,
                });
        }
    };
    let missing = |name: String| format!("capture group `{name}` did not match; the request needs it");
    let render = |text: &str, field: &str, encode: &dyn Fn(&str) -> String| {
        Template::parse(text, field)
            .map_err(|e| e.to_string())?
            .render(&secret, group, encode)
            .map_err(missing)
    };
    let url = match UrlTemplate::parse(&http.url) {
        Ok(url) => url,
        Err(e) => return failed(&rule, e.to_string()),
    };
    let authority = match render(&url.authority, "url", &|v: &str| v.to_ascii_lowercase()) {
        Ok(a) => a,
        Err(reason) => return failed(&rule, scrub(&reason, std::slice::from_ref(&secret))),
    };
    let (host, _) = split_port(&authority);
    let host = host.to_string();
    // The host is checked as rendered: a DNS name the spec declares.
    if !is_host(&host) || !request.spec.host_allowed(&host) {
        let shown = scrub(&host, std::slice::from_ref(&secret));
        return failed(
            &rule,
            format!("host `{shown}` is not one the rule declares; the secret is not sent"),
        );
    }
    let rest = match render(&url.rest, "url", &percent_encode) {
        Ok(r) => r,
        Err(reason) => return failed(&host, reason),
    };
    let mut headers = Vec::new();
    for (name, value) in &http.headers {
        match render(value, name, &str::to_string) {
            Ok(v) if v.contains(['\r', '\n']) => {
                return failed(&host, format!("header `{name}` would hold a line break"));
            }
            Ok(v) => headers.push((name.clone(), v)),
            Err(reason) => return failed(&host, reason),
        }
    }
    let mut secrets = vec![secret.clone(), percent_encode(&secret)];
    if let Some(auth) = &http.basic_auth {
        let user = render(&auth.username, "basic_auth.username", &str::to_string);
        let pass = render(&auth.password, "basic_auth.password", &str::to_string);
        match (user, pass) {
            (Ok(user), Ok(pass)) => {
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                headers.push(("Authorization".into(), format!("Basic {token}")));
                secrets.push(token);
            }
            (Err(reason), _) | (_, Err(reason)) => return failed(&host, reason),
        }
    }
    let body = match &http.body {
        Some(body) => match render(body, "body", &str::to_string) {
            Ok(b) => Some(b),
            Err(reason) => return failed(&host, reason),
        },
        None => None,
    };
    Prepared::Http(HttpRequest {
        url: format!("https://{authority}{rest}"),
        spec: request.spec.clone(),
        host,
        method: http.method,
        headers,
        body,
        secrets,
    })
}

/// Sends a prepared request and reads its answer.
pub(crate) fn send(agent: &ureq::Agent, options: &VerifyOptions, prepared: &Prepared) -> Outcome {
    match prepared {
        Prepared::Failed { verdict, .. } => Outcome::Done(verdict.clone()),
        Prepared::AwsSts(request) => crate::aws::send(agent, options, request),
        Prepared::Http(request) => send_http(agent, options, request),
    }
}

fn send_http(agent: &ureq::Agent, options: &VerifyOptions, request: &HttpRequest) -> Outcome {
    use leakscan_rules::verify_spec::HttpMethod;
    let host = &request.host;
    let result = match request.method {
        HttpMethod::Get => with_headers(agent.get(&request.url), &request.headers).call(),
        HttpMethod::Head => with_headers(agent.head(&request.url), &request.headers).call(),
        HttpMethod::Post => {
            let builder = with_headers(agent.post(&request.url), &request.headers);
            builder.send(request.body.clone().unwrap_or_default().as_bytes())
        }
    };
    let response = match result {
        Ok(response) => response,
        Err(e) => {
            return Outcome::Done(Verdict::error(scrub(
                &transport_reason(host, &e, options),
                &request.secrets,
            )));
        }
    };
    let answer = match Answer::read(response, options, request.method == HttpMethod::Head) {
        Ok(answer) => answer,
        Err(e) => {
            return Outcome::Done(Verdict::error(scrub(
                &transport_reason(host, &e, options),
                &request.secrets,
            )));
        }
    };
    if let Some(outcome) = answer.common_outcome(host) {
        return outcome.scrubbed(&request.secrets);
    }
    let spec = request.spec();
    let verdict = evaluate(spec, &answer, host);
    Outcome::Done(Verdict {
        reason: scrub(&verdict.reason, &request.secrets),
        identity: verdict
            .identity
            .into_iter()
            .map(|mut field| {
                // A provider that echoes the secret back does not get it shown.
                if !field.secret
                    && request
                        .secrets
                        .iter()
                        .any(|s| s.len() >= 4 && field.value.contains(s.as_str()))
                {
                    field.value = redact_value(&field.value);
                    field.secret = true;
                }
                field
            })
            .collect(),
        ..verdict
    })
}

fn with_headers<B>(mut builder: ureq::RequestBuilder<B>, headers: &[(String, String)]) -> ureq::RequestBuilder<B> {
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder
}

/// A transport failure, in words: the host and what went wrong (never the URL, which may
/// hold the secret).
pub(crate) fn transport_reason(host: &str, error: &ureq::Error, options: &VerifyOptions) -> String {
    let what = match error {
        ureq::Error::Timeout(ureq::Timeout::Connect) => {
            format!("connecting timed out after {:?}", options.connect_timeout)
        }
        ureq::Error::Timeout(_) => format!("no answer within {:?}", options.timeout),
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            format!("no answer within {:?}", options.timeout)
        }
        ureq::Error::Io(e) => format!("connection failed: {e}"),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::Tls(e) => format!("TLS failed: {e}"),
        ureq::Error::Rustls(e) => format!("TLS failed: {e}"),
        ureq::Error::BodyExceedsLimit(limit) => format!("the answer is larger than {limit} bytes"),
        ureq::Error::ConnectProxyFailed(e) => format!("the proxy refused the connection: {e}"),
        ureq::Error::InvalidProxyUrl => "the proxy URL (HTTPS_PROXY) is invalid".into(),
        ureq::Error::RequireHttpsOnly(_) => "not an https:// URL; not sent".into(),
        ureq::Error::BadUri(_) => "the URL is invalid".into(),
        ureq::Error::Protocol(e) => format!("the answer is not valid HTTP: {e}"),
        ureq::Error::LargeResponseHeader(..) => "the answer's headers are too large".into(),
        other => format!("request failed: {other}"),
    };
    format!("{host}: {what}")
}

/// An answer, read (bounded).
pub(crate) struct Answer {
    pub(crate) status: u16,
    headers: ureq::http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn read(mut response: HttpResponse, options: &VerifyOptions, head: bool) -> Result<Answer, ureq::Error> {
        let status = response.status().as_u16();
        let body = if head {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(options.max_response_bytes)
                .read_to_vec()?
        };
        Ok(Answer {
            status,
            headers: response.headers().clone(),
            body,
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
    }

    /// The outcomes that do not depend on the spec: a redirect (never followed), a 429 (sent
    /// again later), a server error.
    pub(crate) fn common_outcome(&self, host: &str) -> Option<Outcome> {
        match self.status {
            300..=399 => {
                let to = self.header("location").map(location_host).unwrap_or("nowhere");
                Some(Outcome::Done(Verdict::new(
                    VerifyStatus::Unknown,
                    format!(
                        "{host} answered {} (a redirect to {to}); redirects are not followed",
                        self.status
                    ),
                )))
            }
            429 => Some(Outcome::RateLimited(
                self.header("retry-after")
                    .and_then(|v| v.parse::<u64>().ok())
                    .map_or(DEFAULT_RETRY_WAIT, Duration::from_secs),
            )),
            500..=599 => Some(Outcome::Done(Verdict::error(format!(
                "{host} answered {} (a server error)",
                self.status
            )))),
            _ => None,
        }
    }
}

#[cfg(test)]
impl Answer {
    pub(crate) fn for_test(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: ureq::http::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }
}

impl Outcome {
    fn scrubbed(self, secrets: &[String]) -> Outcome {
        match self {
            Outcome::Done(verdict) => Outcome::Done(Verdict {
                reason: scrub(&verdict.reason, secrets),
                ..verdict
            }),
            other => other,
        }
    }
}

/// Where a `Location` points, shown by host only (the rest may hold anything).
fn location_host(location: &str) -> &str {
    let Some((_, rest)) = location.split_once("://") else {
        return "a path on the same host";
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    authority.rsplit('@').next().unwrap_or(authority)
}

/// The verdict a spec gives an answer.
fn evaluate(spec: &HttpVerify, answer: &Answer, host: &str) -> Verdict {
    let json: Option<Result<serde_json::Value, String>> = None;
    let mut json = json;
    let mut parsed = || -> Result<serde_json::Value, String> {
        json.get_or_insert_with(|| {
            serde_json::from_slice(&answer.body).map_err(|e| format!("the body is not JSON ({e})"))
        })
        .clone()
    };
    let mut near_miss: Option<String> = None;
    for (status, conditions) in [(VerifyStatus::Live, &spec.live), (VerifyStatus::Revoked, &spec.revoked)] {
        for condition in conditions {
            match matches(condition, answer, &mut parsed) {
                Ok(true) => {
                    let mut verdict = Verdict::new(status, format!("{host} answered {}", answer.status));
                    if status == VerifyStatus::Live {
                        verdict.identity = identity(spec, answer, &mut parsed);
                    }
                    return verdict;
                }
                Ok(false) => {}
                Err(why) => near_miss = near_miss.or(Some(why)),
            }
        }
    }
    let why = near_miss.map(|w| format!(": {w}")).unwrap_or_default();
    Verdict::new(
        VerifyStatus::Unknown,
        format!(
            "{host} answered {}, which the rule does not read as live or revoked{why}",
            answer.status
        ),
    )
}

/// Whether an answer meets a condition; an error says why a condition whose status matched
/// failed on the body.
fn matches(
    condition: &ResponseMatch,
    answer: &Answer,
    parsed: &mut impl FnMut() -> Result<serde_json::Value, String>,
) -> Result<bool, String> {
    if !condition.status.contains(&answer.status) {
        return Ok(false);
    }
    if let Some(pointer) = &condition.json {
        let json = parsed()?;
        let Some(value) = json.pointer(pointer) else {
            return Err(format!("the body has no `{pointer}`"));
        };
        if let Some(expected) = &condition.equals
            && value != expected
        {
            return Err(format!("`{pointer}` is not {expected}"));
        }
    }
    if let Some(text) = &condition.body_contains
        && !answer.body.windows(text.len().max(1)).any(|w| w == text.as_bytes())
    {
        return Err("the body lacks the expected text".into());
    }
    Ok(true)
}

/// The identity fields of a live answer (those present).
fn identity(
    spec: &HttpVerify,
    answer: &Answer,
    parsed: &mut impl FnMut() -> Result<serde_json::Value, String>,
) -> Vec<IdentityField> {
    let mut out = Vec::new();
    for field in &spec.identity {
        let value = if let Some(pointer) = &field.json {
            match parsed().ok().as_ref().and_then(|j| j.pointer(pointer)) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Null) | None => None,
                Some(other) => Some(other.to_string()),
            }
        } else {
            field
                .header
                .as_deref()
                .and_then(|h| answer.header(h))
                .map(str::to_string)
        };
        let Some(value) = value else { continue };
        out.push(identity_field(&field.name, &value, field.secret));
    }
    out
}

/// An identity field, its value cut to a reasonable length and redacted when secret.
pub(crate) fn identity_field(name: &str, value: &str, secret: bool) -> IdentityField {
    let value: String = value
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_IDENTITY_CHARS)
        .collect();
    IdentityField {
        name: name.to_string(),
        value: if secret { redact_value(&value) } else { value },
        secret,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_values_are_percent_encoded() {
        assert_eq!(percent_encode("a b/c?d&e=f:g~"), "a%20b%2Fc%3Fd%26e%3Df:g~");
    }

    #[test]
    fn locations_are_shown_by_host_only() {
        assert_eq!(location_host("https://evil.test/steal?t=x"), "evil.test");
        assert_eq!(location_host("https://u:p@evil.test:8443/x"), "evil.test:8443");
        assert_eq!(location_host("/login"), "a path on the same host");
    }
}
