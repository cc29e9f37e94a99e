//! GitHub code scanning's documented expectations of a SARIF upload, checked on real scans
//! (on top of the official schema, which cli.rs validates against).

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::collections::HashSet;
use std::fs;
use std::io::Write;

use assert_cmd::Command;
use serde_json::Value;

fn sarif_of(dir: &std::path::Path, extra: &[&str]) -> (Value, Vec<u8>) {
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(["scan", "-f", "sarif"])
        .args(extra)
        .arg(dir)
        .assert();
    let bytes = out.get_output().stdout.clone();
    (serde_json::from_slice(&bytes).unwrap(), bytes)
}

/// Everything GitHub documents for uploads that the schema does not enforce.
fn check_github_constraints(doc: &Value, raw: &[u8], secrets: &[&str]) {
    let runs = doc["runs"].as_array().unwrap();
    // One run per upload category (secrets in files, configuration checks), each complete.
    let categories: HashSet<&str> = runs
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(categories.len(), runs.len(), "distinct categories");
    for run in runs {
        assert!(
            run["automationDetails"]["id"].as_str().unwrap().ends_with('/'),
            "category id"
        );
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let mut ids = HashSet::new();
        for rule in rules {
            let id = rule["id"].as_str().unwrap();
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/'),
                "stable id {id}"
            );
            assert!(ids.insert(id), "duplicate rule id {id}");
            let sev: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&sev), "{id}: security-severity {sev}");
            assert!(
                ["very-high", "high", "medium", "low"].contains(&rule["properties"]["precision"].as_str().unwrap())
            );
            assert!(
                rule["properties"]["tags"]
                    .as_array()
                    .unwrap()
                    .contains(&Value::from("security"))
            );
            assert!(!rule["shortDescription"]["text"].as_str().unwrap().is_empty());
            assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
        }
        let results = run["results"].as_array().unwrap();
        assert!(results.len() <= 25_000);
        for r in results {
            let id = r["ruleId"].as_str().unwrap();
            assert!(ids.contains(id), "result rule {id} is not in driver.rules");
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
            assert!(r["partialFingerprints"]["leakscan/v1"].as_str().unwrap().len() == 64);
            assert!(!r["message"]["text"].as_str().unwrap().is_empty());
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.starts_with('/') && !uri.contains("://"), "relative uri {uri}");
            assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            let region = &loc["region"];
            let (sl, sc) = (
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
            );
            let (el, ec) = (
                region["endLine"].as_u64().unwrap(),
                region["endColumn"].as_u64().unwrap(),
            );
            assert!(
                sl >= 1 && sc >= 1 && el >= sl && (el > sl || ec > sc),
                "region {region}"
            );
            assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(raw).unwrap();
    assert!(gz.finish().unwrap().len() <= 10_000_000, "gzipped upload too big");
    let text = String::from_utf8_lossy(raw);
    for s in secrets {
        assert!(!text.contains(s), "the SARIF carries a raw secret");
    }
}

#[test]
fn realistic_scan_meets_github_constraints() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("src/deep/er")).unwrap();
    fs::write(
        dir.path().join("src/app.py"),
        format!("é = 1  # non-ASCII before\ntoken = \"{GITHUB_TOKEN}\"\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("src/deep/er/keys.env"),
        format!("aws_access_key_id={AWS_KEY_ID}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("with space.txt"), format!("{GITHUB_TOKEN}\n")).unwrap();
    fs::write(dir.path().join("doc.md"), "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n").unwrap();
    // A generic password in a test file: low confidence, below the gate.
    fs::create_dir_all(dir.path().join("tests")).unwrap();
    fs::write(
        dir.path().join("tests/conftest.py"),
        "db_password = \"Zq8Lm3Rt7Vw2Xk\"\n",
    )
    .unwrap();
    let (doc, raw) = sarif_of(dir.path(), &["--show-suppressed", "--show-secrets"]);
    check_github_constraints(&doc, &raw, &[GITHUB_TOKEN, AWS_KEY_ID]);
    // Two tokens, the AWS key, the suppressed placeholder and the test password; the generic
    // rule's match of the first token is the same secret, so only the provider rule reports it.
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    // The low-confidence result has its own rule, which code scanning ranks as low severity.
    let low: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"].as_str().unwrap().ends_with("/low-confidence"))
        .collect();
    assert_eq!(low.len(), 1, "{results:#?}");
    assert_eq!(low[0]["level"], "note");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = &rules[low[0]["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["properties"]["security-severity"], "2.0");
    assert_eq!(rule["properties"]["precision"], "low");
    let base = low[0]["ruleId"].as_str().unwrap().trim_end_matches("/low-confidence");
    assert!(rules.iter().any(|r| r["id"] == base), "the rule itself is listed too");
}

#[test]
fn oversized_runs_keep_the_most_severe_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for _ in 0..25_500 {
        text.push_str(&format!("t = {GITHUB_TOKEN}\n"));
    }
    fs::write(dir.path().join("many.txt"), text).unwrap();
    let (doc, raw) = sarif_of(dir.path(), &[]);
    check_github_constraints(&doc, &raw, &[GITHUB_TOKEN]);
    let run = &doc["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 25_000);
    let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(note.starts_with("500 of 25500 results omitted"), "{note}");
}
