//! Every built-in rule's verify table, driven against a local impersonator of its provider
//! (127.0.0.1 only): the request goes to the declared host over HTTPS with the secret in it,
//! a "live" answer built from the table's own conditions reads as live, and a 401 reads as
//! revoked where the table says so (unknown otherwise).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use leakscan_rules::RuleSet;
use leakscan_rules::verify_spec::{HttpVerify, UrlTemplate};
use leakscan_verify::{VerifyRequest, VerifySpec, VerifyStatus};

/// A JSON body meeting `spec`'s first live condition (every pointer set, `equals` honoured).
fn live_body(spec: &HttpVerify) -> String {
    let mut body = serde_json::json!({});
    let pointers = spec.live[0]
        .json
        .iter()
        .map(|p| (p.clone(), spec.live[0].equals.clone()))
        .chain(spec.identity.iter().filter_map(|f| f.json.clone().map(|p| (p, None))));
    for (pointer, value) in pointers {
        let mut at = &mut body;
        let parts: Vec<&str> = pointer.split('/').skip(1).collect();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let map = at.as_object_mut().unwrap();
            let entry = map.entry(part.to_string()).or_insert_with(|| {
                if last {
                    value
                        .clone()
                        .unwrap_or_else(|| serde_json::json!(format!("value-of-{part}")))
                } else {
                    serde_json::json!({})
                }
            });
            at = entry;
        }
    }
    body.to_string()
}

#[test]
fn every_builtin_verify_table_works_against_an_impersonated_provider() {
    let set = RuleSet::builtin().unwrap();
    let rules: Vec<_> = set.rules().iter().filter(|r| r.verify.is_some()).collect();
    assert!(rules.len() >= 16, "only {} rules have a verify table", rules.len());
    // One server per host: "live" for the first request of each rule, 401 for the second.
    let bodies: Arc<BTreeMap<String, String>> = Arc::new(
        rules
            .iter()
            .filter_map(|r| match r.verify.as_deref() {
                Some(VerifySpec::Http(http)) => Some((UrlTemplate::parse(&http.url).unwrap().rest, live_body(http))),
                _ => None,
            })
            .collect(),
    );
    let mut servers = BTreeMap::new();
    for rule in &rules {
        let VerifySpec::Http(http) = rule.verify.as_deref().unwrap() else {
            continue;
        };
        let host = UrlTemplate::parse(&http.url).unwrap().host().to_string();
        assert!(BUILTIN_HOSTS.contains(&host.as_str()), "add {host} to BUILTIN_HOSTS");
        servers.entry(host).or_insert_with(|| {
            let bodies = bodies.clone();
            serve(move |seen, _| {
                let everything = format!("{:?} {} {}", seen.headers, seen.path, seen.body);
                if everything.contains("live-secret") || everything.contains(&base64_of("live-secret")) {
                    Reply::new(200, bodies.get(&seen.path).map(String::as_str).unwrap_or("{}"))
                } else {
                    Reply::new(401, r#"{"message": "bad credentials"}"#)
                }
            })
        });
    }
    let hosts: Vec<(&str, _)> = servers.iter().map(|(h, s)| (h.as_str(), s.addr)).collect();
    let verifier = verifier(&hosts, options());
    for rule in &rules {
        let spec = rule.verify.clone().unwrap();
        let VerifySpec::Http(http) = &*spec else { continue };
        let request = |secret: &str| VerifyRequest {
            rule_id: rule.id.clone(),
            spec: spec.clone(),
            secret: format!("{secret}-{}", rule.id).into_bytes(),
            groups: BTreeMap::new(),
        };
        let v = verifier.verify_all(vec![request("live-secret"), request("dead-secret")]);
        assert_eq!(v[0].status, VerifyStatus::Live, "{}: {:?}", rule.id, v[0]);
        let expected = if http.revoked.iter().any(|c| c.status.contains(&401)) {
            VerifyStatus::Revoked
        } else {
            VerifyStatus::Unknown
        };
        assert_eq!(v[1].status, expected, "{}: {:?}", rule.id, v[1]);
        for verdict in &v {
            assert_no_secret(verdict, &format!("live-secret-{}", rule.id));
        }
    }
    // Every request was HTTPS to a declared host (the resolver knows no other), and each
    // carried the secret somewhere.
    let total: usize = servers.values().map(|s| s.seen().len()).sum();
    assert_eq!(
        total,
        2 * rules
            .iter()
            .filter(|r| matches!(r.verify.as_deref(), Some(VerifySpec::Http(_))))
            .count()
    );
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    // Basic auth encodes `user:` (an empty password); the prefix is enough to spot it.
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{text}-"));
    encoded[..12].to_string()
}
