//! Configuration checks end to end: the fixture service repository, `--checks`, SARIF's
//! `config` run, and files whose structure does not parse.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::fs;
use std::path::Path;

use common::*;
use serde_json::Value;

/// A copy of `fixtures/config-repo` outside this repository (inside it every path would be
/// under `fixtures/`, which lowers confidence).
fn config_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace_root().join("fixtures/config-repo"), dir.path());
    dir
}

fn triples(doc: &Value, root: &Path) -> Vec<(String, u64, String)> {
    let prefix = format!("{}/", root.display());
    let mut found: Vec<(String, u64, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().trim_start_matches(&prefix).to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_fixture_service_yields_exactly_the_expected_findings() {
    let repo = config_repo();
    let doc = scan_json(repo.path(), &[]);
    let expected: Vec<(String, u64, String)> =
        serde_json::from_str(&fs::read_to_string(repo.path().join("expected.json")).unwrap()).unwrap();
    assert_eq!(triples(&doc, repo.path()), expected);
    // Every finding fails the default gate, carries a detail (checks) and never a raw secret.
    let text = doc.to_string();
    for value in [
        "Hq3vZ8mLx2Pw7RtK9cNb",
        "Lp4Xw8Rz2Nq6Tv9Bk3Mc",
        "Nf5hJ8kL2mP9qR4tV7wX",
        "R9kM2xVq7Zp4Lc8W",
    ] {
        assert!(!text.contains(value), "{value} leaked");
    }
    let reuse = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "secret-reused-across-environments")
        .unwrap();
    assert_eq!(reuse["severity"], "high", "a production secret in development config");
    let detail = reuse["detail"].as_str().unwrap();
    assert!(
        detail.contains("dev") && detail.contains("prod") && !detail.contains("staging"),
        "{detail}"
    );
    let untrusted = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "gha-untrusted-checkout")
        .unwrap();
    assert_eq!(
        untrusted["secret"], "${{ github.event.pull_request.head.sha }}",
        "evidence is shown whole"
    );
}

#[test]
fn checks_select_secrets_or_config() {
    let repo = config_repo();
    let config_only = triples(&scan_json(repo.path(), &["--checks", "config"]), repo.path());
    assert!(
        config_only.iter().all(|(_, _, rule)| !rule.starts_with("generic-")),
        "{config_only:?}"
    );
    assert!(config_only.iter().any(|(_, _, rule)| rule == "gha-untrusted-checkout"));
    let secrets_only = triples(&scan_json(repo.path(), &["--checks", "secrets"]), repo.path());
    assert!(
        secrets_only.iter().all(|(_, _, rule)| rule.starts_with("generic-")),
        "{secrets_only:?}"
    );
}

#[test]
fn sarif_puts_configuration_checks_in_their_own_run() {
    let repo = config_repo();
    let out = leakscan()
        .args(["scan", "--isolated", "--no-progress", "-f", "sarif"])
        .arg(repo.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc = json_of(&out);
    assert_valid_sarif(&doc);
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["automationDetails"]["id"], "leakscan/files/");
    assert_eq!(runs[1]["automationDetails"]["id"], "leakscan/config/");
    let config_results = runs[1]["results"].as_array().unwrap();
    assert_eq!(config_results.len(), 20, "every finding but the three generic ones");
    for r in config_results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(runs[1]["tool"]["driver"]["rules"][index]["id"], r["ruleId"]);
    }
}

#[test]
fn unparsable_configuration_still_gets_the_secret_rules() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    fs::write(
        dir.path().join(".github/workflows/broken.yml"),
        format!("on: [push\njobs: {{\n  token: {GITHUB_TOKEN}\n"),
    )
    .unwrap();
    // An alias bomb: parsing stops at the node budget; the file's text is still scanned.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str(&format!("token: {OTHER_TOKEN}\n"));
    fs::write(dir.path().join("values.yaml"), bomb).unwrap();
    let out = leakscan()
        .args(["scan", "--isolated", "--no-progress", "-v", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc = json_of(&out.stdout);
    assert_eq!(rule_ids(&doc), ["github-pat-classic", "github-pat-classic"]);
    // The invalid YAML is only logged (-v); the alias bomb is listed in the report.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("configuration checks skipped"), "{stderr}");
    let skipped = doc["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["reason"], "config-checks-limit");
    assert!(skipped[0]["detail"].as_str().unwrap().contains("alias bomb"));
}

#[test]
fn configured_environments_drive_reuse() {
    let dir = tree(&[
        (
            "deploy/live/app.env",
            "DB_PASSWORD=\"Lp4Xw8Rz2Nq6Tv9Bk3Mc\"\n".to_string(),
        ),
        (
            "deploy/sandbox/app.env",
            "DB_PASSWORD=\"Lp4Xw8Rz2Nq6Tv9Bk3Mc\"\n".to_string(),
        ),
    ]);
    let rules = rule_ids;
    // No environment words in these paths: no reuse finding.
    let plain = scan_json(dir.path(), &[]);
    assert!(!rules(&plain).iter().any(|r| r == "secret-reused-across-environments"));
    fs::write(
        dir.path().join("leakscan.toml"),
        "[environments]\nprod = [\"deploy/live/**\"]\ndev = [\"deploy/sandbox/**\"]\n",
    )
    .unwrap();
    let out = leakscan()
        .args(["scan", "--no-progress", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc = json_of(&out);
    let reuse = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "secret-reused-across-environments")
        .expect("reuse finding with configured environments");
    assert_eq!(reuse["severity"], "high");
    assert!(reuse["path"].as_str().unwrap().ends_with("deploy/sandbox/app.env"));
}

/// A PEM key file: DER-shaped bytes (a SEQUENCE header, then filler) in base64 lines; the
/// `pem-private-key` check passes when `valid_der`. Not a key.
fn fake_pem_key_file(valid_der: bool) -> String {
    use base64::Engine;
    let mut der: Vec<u8> = (0..600u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    if valid_der {
        let content = u16::try_from(der.len() - 4).unwrap().to_be_bytes();
        der[..4].copy_from_slice(&[0x30, 0x82, content[0], content[1]]);
    } else {
        der[0] = 0x04;
    }
    let body = base64::engine::general_purpose::STANDARD.encode(&der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

#[test]
fn a_committed_pem_key_is_one_finding() {
    // The key rule's finding says the file is committed; the file check does not repeat it.
    let dir = tree(&[("deploy/server.key", fake_pem_key_file(true))]);
    let out = leakscan()
        .args(["scan", "--no-progress", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "private-key-pem");
    assert!(
        findings[0]["detail"]
            .as_str()
            .unwrap()
            .contains("committed to the repository"),
        "{findings:#?}"
    );
    // A body that is not a key (its format check fails, so the key rule is at low
    // confidence): the file check keeps failing the scan.
    let dir = tree(&[("deploy/server.key", fake_pem_key_file(false))]);
    let out = leakscan()
        .args(["scan", "--no-progress", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"private-key-file-committed"), "{rules:?}");
}
