//! Verification against local HTTPS servers impersonating providers (127.0.0.1 only).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use leakscan_verify::{VerifyOptions, VerifyStatus};

const SECRET: &str = "tok_live_0123456789abcdef";

fn host(server: &Server, name: &'static str) -> (&'static str, std::net::SocketAddr) {
    (name, server.addr)
}

#[test]
fn a_live_answer_gives_the_identity_with_secret_fields_redacted() {
    let server = serve(|seen, _| {
        if seen.header("authorization") == format!("Bearer {SECRET}") {
            Reply::new(
                200,
                r#"{"login": "octocat", "id": 583231, "plan": {"name": "pro"}, "session": "sess_abcdefghijklmnop"}"#,
            )
            .header("X-OAuth-Scopes", "repo, read:org")
        } else {
            Reply::new(401, "{}")
        }
    });
    let spec = spec(
        r#"
        [verify]
        kind = "http"
        docs = "https://provider.test/docs/whoami"
        method = "GET"
        url = "https://api.provider.test/user"
        headers = { Authorization = "Bearer {{secret}}", Accept = "application/json" }
        live = [{ status = [200], json = "/login" }]
        revoked = [{ status = [401] }]
        identity = [
            { name = "login", json = "/login" },
            { name = "id", json = "/id" },
            { name = "plan", json = "/plan/name" },
            { name = "scopes", header = "x-oauth-scopes" },
            { name = "session", json = "/session", secret = true },
            { name = "absent", json = "/nope" },
        ]
        "#,
    );
    let verifier = verifier(&[host(&server, "api.provider.test")], options());
    let verdicts = verifier.verify_all(vec![request(&spec, SECRET)]);
    let v = &verdicts[0];
    assert_eq!(v.status, VerifyStatus::Live, "{v:?}");
    assert_eq!(v.reason, "api.provider.test answered 200");
    let fields: Vec<(&str, &str, bool)> = v
        .identity
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str(), f.secret))
        .collect();
    assert_eq!(
        fields,
        [
            ("login", "octocat", false),
            ("id", "583231", false),
            ("plan", "pro", false),
            ("scopes", "repo, read:org", false),
            ("session", "sess…(21 chars)", true),
        ]
    );
    assert_no_secret(v, SECRET);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("GET", "/user"));
    assert!(seen[0].header("user-agent").starts_with("leakscan/"), "{seen:?}");
}

#[test]
fn a_revoked_answer_is_revoked() {
    let server = serve(|_, _| Reply::new(401, r#"{"message": "Bad credentials"}"#));
    let spec = bearer_spec("https://api.provider.test/user", "");
    let verifier = verifier(&[host(&server, "api.provider.test")], options());
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    assert_eq!(v.status, VerifyStatus::Revoked, "{v:?}");
    assert_eq!(v.reason, "api.provider.test answered 401");
    assert!(v.identity.is_empty());
}

#[test]
fn json_conditions_tell_live_from_revoked_on_one_status() {
    // Slack-style: 200 either way, `ok` says which.
    let server = serve(|seen, _| {
        if seen.body.contains(SECRET) || seen.header("authorization").contains(SECRET) {
            Reply::new(200, r#"{"ok": true, "team": "acme", "user": "alice"}"#)
        } else {
            Reply::new(200, r#"{"ok": false, "error": "invalid_auth"}"#)
        }
    });
    let spec = spec(
        r#"
        [verify]
        kind = "http"
        docs = "https://provider.test/docs/auth.test"
        method = "POST"
        url = "https://slack.provider.test/api/auth.test"
        headers = { Authorization = "Bearer {{secret}}", Content-Type = "application/x-www-form-urlencoded" }
        body = ""
        live = [{ status = [200], json = "/ok", equals = true }]
        revoked = [{ status = [200], json = "/error", equals = "invalid_auth" }]
        identity = [{ name = "team", json = "/team" }, { name = "user", json = "/user" }]
        "#,
    );
    let verifier = verifier(&[host(&server, "slack.provider.test")], options());
    let v = verifier.verify_all(vec![request(&spec, SECRET), request(&spec, "tok_other_secret_value")]);
    assert_eq!(v[0].status, VerifyStatus::Live, "{v:?}");
    assert_eq!(v[0].identity.len(), 2);
    assert_eq!(v[1].status, VerifyStatus::Revoked, "{v:?}");
    assert!(server.seen().iter().all(|s| s.method == "POST"));
}

#[test]
fn a_429_is_retried_after_its_retry_after() {
    let server = serve(|_, n| {
        if n == 0 {
            Reply::new(429, "slow down").header("Retry-After", "1")
        } else {
            Reply::new(200, r#"{"login": "octocat"}"#)
        }
    });
    let spec = bearer_spec("https://api.provider.test/user", "");
    let verifier = verifier(&[host(&server, "api.provider.test")], options());
    let start = Instant::now();
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    let elapsed = start.elapsed();
    assert_eq!(v.status, VerifyStatus::Live, "{v:?}");
    assert_eq!(server.seen().len(), 2);
    assert!(
        elapsed >= Duration::from_millis(950),
        "Retry-After not honoured: {elapsed:?}"
    );
    let gap = server.seen()[1].at - server.seen()[0].at;
    assert!(gap >= Duration::from_millis(950), "{gap:?}");
}

#[test]
fn retry_after_is_bounded_and_so_are_retries() {
    let server = serve(|_, _| Reply::new(429, "").header("Retry-After", "3600"));
    let spec = bearer_spec("https://api.provider.test/user", "");
    let options = VerifyOptions {
        max_retries: 2,
        max_retry_wait: Duration::from_millis(200),
        ..options()
    };
    let verifier = verifier(&[host(&server, "api.provider.test")], options);
    let start = Instant::now();
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    assert_eq!(v.status, VerifyStatus::Error, "{v:?}");
    assert_eq!(
        v.reason,
        "api.provider.test: rate limited (429) 3 times; not tried again"
    );
    assert_eq!(server.seen().len(), 3, "one try and two retries");
}

#[test]
fn a_slow_provider_gives_an_error_not_a_stall() {
    let server = serve(|_, _| Reply::new(200, r#"{"login": "late"}"#).delayed(Duration::from_secs(4)));
    let spec = bearer_spec("https://api.provider.test/user", "");
    let options = VerifyOptions {
        timeout: Duration::from_millis(500),
        ..options()
    };
    let verifier = verifier(&[host(&server, "api.provider.test")], options);
    let start = Instant::now();
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    let elapsed = start.elapsed();
    assert_eq!(v.status, VerifyStatus::Error, "{v:?}");
    assert_eq!(v.reason, "api.provider.test: no answer within 500ms");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[test]
fn malformed_answers_are_unknown_or_error_with_the_reason() {
    let server = serve(|seen, _| match seen.path.as_str() {
        "/truncated" => Reply::new(200, r#"{"login": "#),
        "/missing" => Reply::new(200, r#"{"name": "x"}"#),
        "/teapot" => Reply::new(418, "I'm a teapot"),
        "/server-error" => Reply::new(503, "down"),
        _ => Reply {
            raw: Some(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec()),
            ..Reply::default()
        },
    });
    let at = |path: &str| bearer_spec(&format!("https://api.provider.test{path}"), "");
    let specs = ["/truncated", "/missing", "/teapot", "/server-error", "/garbage"].map(at);
    let verifier = verifier(&[host(&server, "api.provider.test")], options());
    // One rule per path (verdicts are cached by rule, secret and groups).
    let requests = specs
        .iter()
        .enumerate()
        .map(|(i, s)| leakscan_verify::VerifyRequest {
            rule_id: format!("rule-{i}"),
            ..request(s, SECRET)
        })
        .collect();
    let v = verifier.verify_all(requests);
    assert_eq!(v[0].status, VerifyStatus::Unknown, "{:?}", v[0]);
    assert!(v[0].reason.contains("the body is not JSON"), "{}", v[0].reason);
    assert_eq!(v[1].status, VerifyStatus::Unknown, "{:?}", v[1]);
    assert!(v[1].reason.ends_with("the body has no `/login`"), "{}", v[1].reason);
    assert_eq!(v[2].status, VerifyStatus::Unknown, "{:?}", v[2]);
    assert_eq!(
        v[2].reason,
        "api.provider.test answered 418, which the rule does not read as live or revoked"
    );
    assert_eq!(v[3].status, VerifyStatus::Error, "{:?}", v[3]);
    assert_eq!(v[3].reason, "api.provider.test answered 503 (a server error)");
    assert_eq!(v[4].status, VerifyStatus::Error, "{:?}", v[4]);
    assert!(v[4].reason.starts_with("api.provider.test: "), "{}", v[4].reason);
    for verdict in &v {
        assert_no_secret(verdict, SECRET);
    }
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let other = serve(|_, _| Reply::new(200, r#"{"login": "thief"}"#));
    let server = serve(|_, _| {
        Reply::new(302, "").header("Location", &format!("https://other.provider.test/steal?token={SECRET}"))
    });
    let spec = bearer_spec("https://api.provider.test/user", "");
    let verifier = verifier(
        &[host(&server, "api.provider.test"), host(&other, "other.provider.test")],
        options(),
    );
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    assert_eq!(v.status, VerifyStatus::Unknown, "{v:?}");
    assert_eq!(
        v.reason,
        "api.provider.test answered 302 (a redirect to other.provider.test); redirects are not followed"
    );
    assert_eq!(other.connection_count(), 0, "the other host got a connection");
    assert_no_secret(v, SECRET);
}

#[test]
fn the_secret_goes_only_to_a_declared_host() {
    let shop = serve(|_, _| Reply::new(200, r#"{"login": "acme"}"#));
    let evil = serve(|_, _| Reply::new(200, r#"{"login": "evil"}"#));
    let spec = bearer_spec(
        "https://{{group.shop}}/admin/shop.json",
        r#"allowed_hosts = ["*.shop.provider.test"]"#,
    );
    let verifier = verifier(
        &[
            host(&shop, "acme.shop.provider.test"),
            host(&evil, "evil.provider.test"),
        ],
        options(),
    );
    let v = verifier.verify_all(vec![
        request_with(&spec, SECRET, &[("shop", "acme.shop.provider.test")]),
        request_with(&spec, SECRET, &[("shop", "evil.provider.test")]),
        request_with(&spec, SECRET, &[("shop", "evil.provider.test/x?.shop.provider.test")]),
        request_with(&spec, SECRET, &[]),
    ]);
    assert_eq!(v[0].status, VerifyStatus::Live, "{:?}", v[0]);
    for verdict in &v[1..3] {
        assert_eq!(verdict.status, VerifyStatus::Error, "{verdict:?}");
        assert!(
            verdict
                .reason
                .contains("is not one the rule declares; the secret is not sent"),
            "{verdict:?}"
        );
    }
    assert_eq!(v[3].status, VerifyStatus::Error, "{:?}", v[3]);
    assert_eq!(v[3].reason, "capture group `shop` did not match; the request needs it");
    assert_eq!(evil.connection_count(), 0, "an undeclared host got a connection");
    assert_eq!(shop.seen().len(), 1);
}

#[test]
fn plain_http_is_never_used() {
    let plain = TcpListener::bind("127.0.0.1:0").unwrap();
    plain.set_nonblocking(true).unwrap();
    // A spec that skipped validation (`http://`): the verifier still refuses it.
    let spec = unchecked_spec(
        r#"
        [verify]
        kind = "http"
        docs = "https://provider.test/docs"
        method = "GET"
        url = "http://plain.provider.test/user"
        headers = { Authorization = "Bearer {{secret}}" }
        live = [{ status = [200] }]
        "#,
    );
    let verifier = verifier(&[("plain.provider.test", plain.local_addr().unwrap())], options());
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    assert_eq!(v.status, VerifyStatus::Error, "{v:?}");
    assert!(v.reason.contains("is not https://"), "{v:?}");
    assert!(plain.accept().is_err(), "the plain-text listener got a connection");
}

#[test]
fn hosts_without_an_override_are_not_looked_up_in_tests() {
    let spec = bearer_spec("https://api.unmapped.test/user", "");
    let verifier = verifier(&[], options());
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    assert_eq!(v.status, VerifyStatus::Error, "{v:?}");
    assert_eq!(v.reason, "api.unmapped.test: host not found");
}

#[test]
fn each_distinct_secret_is_verified_once() {
    let server = serve(|_, _| Reply::new(200, r#"{"login": "octocat"}"#));
    let spec = bearer_spec("https://api.provider.test/user", "");
    let verifier = verifier(&[host(&server, "api.provider.test")], options());
    let mut requests: Vec<_> = (0..5).map(|_| request(&spec, SECRET)).collect();
    requests.push(request(&spec, "tok_another_secret_value"));
    let v = verifier.verify_all(requests);
    assert_eq!(v.len(), 6);
    assert!(v.iter().all(|v| v.status == VerifyStatus::Live), "{v:?}");
    assert_eq!(server.seen().len(), 2);
    // The same run (the same verifier) asks nothing again.
    let again = verifier.verify_all(vec![request(&spec, SECRET)]);
    assert_eq!(again[0], v[0]);
    assert_eq!(server.seen().len(), 2);
    // The cache is keyed by digest: the verifier's debug form shows no secret.
    assert!(!format!("{verifier:?}").contains(SECRET));
}

#[test]
fn the_global_concurrency_limit_holds() {
    let gauge = Arc::new(Gauge::default());
    let names = [
        "a.provider.test",
        "b.provider.test",
        "c.provider.test",
        "d.provider.test",
    ];
    let servers: Vec<Server> = names
        .iter()
        .map(|_| {
            serve_with(gauge.clone(), |_, _| {
                Reply::new(200, r#"{"login": "x"}"#).delayed(Duration::from_millis(100))
            })
        })
        .collect();
    let specs: Vec<_> = names
        .iter()
        .map(|n| bearer_spec(&format!("https://{n}/user"), ""))
        .collect();
    let hosts: Vec<_> = names.iter().zip(&servers).map(|(n, s)| (*n, s.addr)).collect();
    let options = VerifyOptions {
        concurrency: 4,
        ..options()
    };
    let verifier = verifier(&hosts, options);
    let requests = (0..40)
        .map(|i| request(&specs[i % 4], &format!("tok_secret_number_{i:03}")))
        .collect();
    let v = verifier.verify_all(requests);
    assert!(v.iter().all(|v| v.status == VerifyStatus::Live), "{v:?}");
    let max = gauge.max.load(std::sync::atomic::Ordering::SeqCst);
    assert!(max <= 4, "{max} requests in flight with a limit of 4");
    assert!(max >= 2, "no concurrency at all ({max})");
}

#[test]
fn requests_to_one_host_are_spaced_by_the_minimum_interval() {
    let server = serve(|_, _| Reply::new(200, r#"{"login": "x"}"#));
    let spec = bearer_spec("https://api.provider.test/user", "");
    let options = VerifyOptions {
        per_host_min_interval: Duration::from_millis(150),
        concurrency: 8,
        ..options()
    };
    let verifier = verifier(&[host(&server, "api.provider.test")], options);
    let requests = (0..4)
        .map(|i| request(&spec, &format!("tok_secret_{i}_abcdef")))
        .collect();
    let v = verifier.verify_all(requests);
    assert!(v.iter().all(|v| v.status == VerifyStatus::Live), "{v:?}");
    let mut times: Vec<Instant> = server.seen().iter().map(|s| s.at).collect();
    times.sort();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(120), "requests {gap:?} apart");
    }
}

#[test]
fn basic_auth_and_query_secrets_are_sent_and_never_shown() {
    let server = serve(|seen, _| {
        let basic = format!("Basic {}", base64_encode(&format!("{SECRET}:")));
        if seen.header("authorization") == basic && seen.path == format!("/v1/account?key={SECRET}") {
            Reply::new(200, r#"{"id": "acct_1"}"#)
        } else {
            Reply::new(401, "")
        }
    });
    let spec = spec(
        r#"
        [verify]
        kind = "http"
        docs = "https://provider.test/docs/account"
        method = "GET"
        url = "https://pay.provider.test/v1/account?key={{secret}}"
        basic_auth = { username = "{{secret}}" }
        live = [{ status = [200] }]
        revoked = [{ status = [401] }]
        identity = [{ name = "account", json = "/id" }]
        "#,
    );
    let verifier = verifier(&[host(&server, "pay.provider.test")], options());
    let v = &verifier.verify_all(vec![request(&spec, SECRET)])[0];
    assert_eq!(v.status, VerifyStatus::Live, "{v:?}");
    assert_eq!(v.identity[0].value, "acct_1");
}

#[test]
fn aws_sts_get_caller_identity_is_signed_and_read() {
    let key_live = concat!("AKIA", "IOSFODNN7LIVE234");
    let key_gone = concat!("AKIA", "IOSFODNN7GONE234");
    let server = serve(move |seen, _| {
        let auth = seen.header("authorization");
        let ok = seen.method == "POST"
            && seen.path == "/"
            && seen.body == "Action=GetCallerIdentity&Version=2011-06-15"
            && seen.header("host") == "sts.amazonaws.com"
            && auth.contains("/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=");
        if !ok {
            return Reply::new(
                400,
                "<ErrorResponse><Error><Code>MalformedRequest</Code></Error></ErrorResponse>",
            );
        }
        if auth.contains(key_live) {
            Reply::new(
                200,
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn>\
                 <UserId>AIDAEXAMPLE000000001</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
            )
        } else {
            Reply::new(
                403,
                "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
            )
        }
    });
    let spec = spec(
        r#"
        [verify]
        kind = "aws-sts"
        docs = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
        inputs = { access_key_id = "{{group.key_id}}", secret_access_key = "{{secret}}" }
        "#,
    );
    let secret = concat!("wJalrXUtnFEMI/K7MDENG", "+bPxRfiCYzzLIVEKEY");
    let verifier = verifier(&[host(&server, "sts.amazonaws.com")], options());
    let v = verifier.verify_all(vec![
        request_with(&spec, secret, &[("key_id", key_live)]),
        request_with(&spec, secret, &[("key_id", key_gone)]),
        request_with(&spec, secret, &[("key_id", concat!("ASIA", "IOSFODNN7TEMP234"))]),
        request_with(&spec, secret, &[]),
    ]);
    assert_eq!(v[0].status, VerifyStatus::Live, "{:?}", v[0]);
    assert_eq!(v[0].identity[0].value, "arn:aws:iam::123456789012:user/ci");
    assert_eq!(v[1].status, VerifyStatus::Revoked, "{:?}", v[1]);
    assert_eq!(v[2].status, VerifyStatus::Unknown, "{:?}", v[2]);
    assert_eq!(v[3].status, VerifyStatus::Unknown, "{:?}", v[3]);
    assert_eq!(
        server.seen().len(),
        2,
        "temporary keys and missing key ids are not sent"
    );
    for verdict in &v {
        assert_no_secret(verdict, secret);
    }
}

fn base64_encode(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
