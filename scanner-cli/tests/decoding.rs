//! Secrets hidden in encodings: base64, percent-encoding, UTF-16.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use serde_json::Value;

fn findings(dir: &std::path::Path) -> Vec<Value> {
    scan_json(dir, &["--checks", "secrets"])["findings"]
        .as_array()
        .unwrap()
        .clone()
}

fn one<'a>(found: &'a [Value], path_end: &str) -> &'a Value {
    let hits: Vec<&Value> = found
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with(path_end))
        .collect();
    assert_eq!(hits.len(), 1, "{path_end}: {found:#?}");
    hits[0]
}

#[test]
fn base64_in_a_kubernetes_secret_is_decoded_and_located() {
    let token_b64 = STANDARD.encode(GITHUB_TOKEN);
    let uri_b64 = STANDARD.encode("postgres://orders:Zq8rT2mWx7pL4vN9@db.internal:5432/orders");
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  token: {token_b64}\n  db: {uri_b64}\n  logo: iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n"
    );
    let dir = tree(&[("k8s/secret.yaml", manifest.clone())]);
    let found = findings(dir.path());
    assert_eq!(found.len(), 2, "{found:#?}");
    let gh = &found[0];
    assert_eq!(gh["rule"], "github-pat-classic");
    assert_eq!(gh["encoding"], "base64");
    assert_eq!(gh["start"]["line"], 6);
    assert_eq!(gh["start"]["column"], 10);
    let start = gh["byte_start"].as_u64().unwrap() as usize;
    let end = gh["byte_end"].as_u64().unwrap() as usize;
    assert_eq!(&manifest[start..end], token_b64, "the location is the encoded text");
    assert_eq!(
        gh["validation"]["passed"], true,
        "the decoded token passes its checksum"
    );
    let db = &found[1];
    assert_eq!(db["rule"], "postgres-connection-uri");
    assert_eq!(db["start"]["line"], 7);
    // Nothing of the secret leaks into the report, encoded or decoded.
    let text = serde_json::to_string(&found).unwrap();
    assert!(!text.contains(GITHUB_TOKEN) && !text.contains(&token_b64[4..]));
}

#[test]
fn basic_auth_headers_percent_encoding_and_utf16() {
    let basic = STANDARD.encode("deploy:Vq7rT2mZx9pLw4eK");
    let slack = concat!(
        "https://hooks.slack.com/services/",
        "T01ABCDEF/B02GHIJKL/xq8rT2mWx7pL4vN9Zk3sYb6d"
    );
    let percent: String = slack
        .bytes()
        .map(|b| match b {
            b':' | b'/' => format!("%{b:02X}"),
            b => (b as char).to_string(),
        })
        .collect();
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("first line\r\nGITHUB_TOKEN={GITHUB_TOKEN}\r\n")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let be: Vec<u8> = format!("# exported settings, no byte-order mark\naws_access_key_id = {AWS_KEY_ID}\n")
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    let dir = tree(&[
        (
            "http/request.txt",
            format!("GET /v1/x HTTP/1.1\nAuthorization: Basic {basic}\n"),
        ),
        ("web/redirect.log", format!("302 location=/login?next={percent}\n")),
    ]);
    std::fs::write(dir.path().join("le.txt"), &le).unwrap();
    std::fs::write(dir.path().join("be.txt"), &be).unwrap();
    let found = findings(dir.path());
    let auth = one(&found, "request.txt");
    assert_eq!(auth["rule"], "basic-auth-header");
    assert_eq!(auth["validation"]["validator"], "basic-auth");
    let hook = one(&found, "redirect.log");
    assert_eq!(
        (hook["rule"].as_str(), hook["encoding"].as_str()),
        (Some("slack-webhook-url"), Some("percent"))
    );
    let utf16 = one(&found, "le.txt");
    assert_eq!(utf16["encoding"], "utf-16le");
    assert_eq!(
        (utf16["start"]["line"].as_u64(), utf16["start"]["column"].as_u64()),
        (Some(2), Some(14))
    );
    assert_eq!(
        utf16["byte_start"],
        2 + 2 * ("first line\r\n".len() + "GITHUB_TOKEN=".len())
    );
    assert_eq!(
        utf16["byte_end"].as_u64().unwrap() - utf16["byte_start"].as_u64().unwrap(),
        80
    );
    let be = one(&found, "be.txt");
    assert_eq!(
        (be["rule"].as_str(), be["encoding"].as_str()),
        (Some("aws-access-key-id"), Some("utf-16be"))
    );
    assert_eq!(be["start"]["line"], 2);
}

#[test]
fn redact_masks_the_encoded_text() {
    let encoded = STANDARD.encode(GITHUB_TOKEN);
    let input = format!("data:\n  token: {encoded}\n");
    let out = leakscan()
        .args(["redact", "-"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains(&encoded[..20]), "{out}");
    assert!(out.starts_with("data:\n  token: "), "{out}");
}
