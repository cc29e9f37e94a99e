//! Every built-in rule's verify table, driven against a local impersonator of its provider
//! (127.0.0.1 only): the request goes to the declared host over HTTPS with the declared method
//! and the secret in it; an answer built from the table's first `live` condition reads as live,
//! and one built from its first `revoked` condition reads as revoked (a table without `revoked`
//! conditions reads a 401 as unknown).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::*;
use leakscan_rules::RuleSet;
use leakscan_rules::verify_spec::{HttpVerify, IdentitySpec, ResponseMatch, UrlTemplate};
use leakscan_verify::{VerifyRequest, VerifySpec, VerifyStatus};

/// Capture groups for the tables that use them (a host from a group must render to one of
/// `BUILTIN_HOSTS`).
const GROUPS: &[(&str, &[(&str, &str)])] = &[("mailchimp-api-key", &[("dc", "us6")])];

fn groups_of(rule_id: &str) -> BTreeMap<String, String> {
    GROUPS
        .iter()
        .filter(|(id, _)| *id == rule_id)
        .flat_map(|(_, groups)| groups.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

/// The host of a table's URL, its `{{group.NAME}}` parts filled in from [`GROUPS`].
fn host_of(rule_id: &str, http: &HttpVerify) -> String {
    let mut host = UrlTemplate::parse(&http.url).unwrap().host().to_string();
    for (name, value) in groups_of(rule_id) {
        host = host.replace(&format!("{{{{group.{name}}}}}"), &value);
    }
    host
}

/// A reply meeting `condition`: its first status, and a JSON body with its pointer set (to
/// `equals` when given), the `identity` pointers filled in and its `body_contains` text.
fn reply_for(condition: &ResponseMatch, identity: &[IdentitySpec]) -> Reply {
    let mut body = serde_json::json!({});
    // Identity pointers first: the condition's pointer may name one of their parents.
    let pointers = identity
        .iter()
        .filter_map(|f| f.json.clone().map(|p| (p, None)))
        .chain(condition.json.iter().map(|p| (p.clone(), condition.equals.clone())));
    for (pointer, value) in pointers {
        let parts: Vec<&str> = pointer.split('/').skip(1).collect();
        set(&mut body, &parts, value.as_ref());
    }
    if let Some(text) = &condition.body_contains {
        body.as_object_mut()
            .unwrap()
            .insert("message".into(), serde_json::json!(text));
    }
    Reply::new(condition.status[0], &body.to_string())
}

/// Sets the value at `parts` (objects made on the way): `value`, or a placeholder unless one
/// is there.
fn set(at: &mut serde_json::Value, parts: &[&str], value: Option<&serde_json::Value>) {
    if !at.is_object() {
        *at = serde_json::json!({});
    }
    let map = at.as_object_mut().unwrap();
    match parts {
        [] => {}
        [last] => match value {
            Some(value) => {
                map.insert(last.to_string(), value.clone());
            }
            None => {
                map.entry(last.to_string())
                    .or_insert_with(|| serde_json::json!(format!("value-of-{last}")));
            }
        },
        [first, rest @ ..] => {
            let next = map.entry(first.to_string()).or_insert_with(|| serde_json::json!({}));
            set(next, rest, value);
        }
    }
}

/// The text of a request a provider would see: headers (a basic-auth header decoded), path and
/// body.
fn request_text(seen: &Seen) -> String {
    use base64::Engine as _;
    let mut text = format!("{:?} {} {}", seen.headers, seen.path, seen.body);
    if let Some(token) = seen.header("authorization").strip_prefix("Basic ")
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token)
    {
        text.push(' ');
        text.push_str(&String::from_utf8_lossy(&decoded));
    }
    text
}

#[test]
fn every_builtin_verify_table_works_against_an_impersonated_provider() {
    let set = RuleSet::builtin().unwrap();
    let rules: Vec<_> = set.rules().iter().filter(|r| r.verify.is_some()).collect();
    assert!(rules.len() >= 75, "only {} rules have a verify table", rules.len());
    // The HTTP tables by rule id, longest id first (so that `x-legacy` is not taken for `x`).
    let mut tables: Vec<(String, HttpVerify)> = rules
        .iter()
        .filter_map(|r| match r.verify.as_deref() {
            Some(VerifySpec::Http(http)) => Some((r.id.clone(), http.clone())),
            _ => None,
        })
        .collect();
    tables.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    let tables = Arc::new(tables);
    let providers: std::collections::BTreeSet<&str> = rules.iter().map(|r| r.id.split('-').next().unwrap()).collect();
    assert!(
        providers.len() >= 50,
        "only {} providers have a verify table",
        providers.len()
    );
    // One server per host: a live answer for `live-secret-<rule>`, a revoked one for
    // `dead-secret-<rule>`, each as the rule's own table describes it.
    let mut servers = BTreeMap::new();
    for rule in &rules {
        let VerifySpec::Http(http) = rule.verify.as_deref().unwrap() else {
            continue;
        };
        let host = host_of(&rule.id, http);
        assert!(BUILTIN_HOSTS.contains(&host.as_str()), "add {host} to BUILTIN_HOSTS");
        servers.entry(host).or_insert_with(|| {
            let tables = tables.clone();
            serve(move |seen, _| {
                let text = request_text(seen);
                for (id, http) in tables.iter() {
                    let (live, dead) = (
                        text.contains(&format!("live-secret-{id}")),
                        text.contains(&format!("dead-secret-{id}")),
                    );
                    if !live && !dead {
                        continue;
                    }
                    if seen.method != http.method.as_str() {
                        return Reply::new(405, r#"{"message": "method not allowed"}"#);
                    }
                    return match (live, http.revoked.first()) {
                        (true, _) => reply_for(&http.live[0], &http.identity),
                        (false, Some(revoked)) => reply_for(revoked, &[]),
                        (false, None) => Reply::new(401, r#"{"message": "bad credentials"}"#),
                    };
                }
                Reply::new(404, r#"{"message": "no such secret"}"#)
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
            groups: groups_of(&rule.id)
                .into_iter()
                .map(|(k, v)| (k, v.into_bytes()))
                .collect(),
        };
        let v = verifier.verify_all(vec![request("live-secret"), request("dead-secret")]);
        assert_eq!(v[0].status, VerifyStatus::Live, "{}: {:?}", rule.id, v[0]);
        if let Some(field) = http.identity.first() {
            assert!(
                v[0].identity.iter().any(|f| f.name == field.name),
                "{}: no identity `{}` in {:?}",
                rule.id,
                field.name,
                v[0]
            );
        }
        let expected = if http.revoked.is_empty() {
            VerifyStatus::Unknown
        } else {
            VerifyStatus::Revoked
        };
        assert_eq!(v[1].status, expected, "{}: {:?}", rule.id, v[1]);
        for verdict in &v {
            assert_no_secret(verdict, &format!("live-secret-{}", rule.id));
            assert_no_secret(verdict, &format!("dead-secret-{}", rule.id));
        }
    }
    // Every request was HTTPS to a declared host (the resolver knows no other), and each
    // carried the secret somewhere.
    let total: usize = servers.values().map(|s| s.seen().len()).sum();
    assert_eq!(total, 2 * tables.len());
}
