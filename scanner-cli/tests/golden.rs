//! Golden (snapshot) tests: the planted fixture tree in every output format.
//!
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test`), and read
//! every diff: these pin the wire formats.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::fs;
use std::path::Path;

use assert_cmd::Command;

mod common;

use common::copy_tree;

/// Scans a copy of `fixtures/planted` from inside it and returns stdout with the run-specific
/// parts (timings, the temp directory) replaced by fixed tokens.
fn scan_planted(format: &str) -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/planted");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture, dir.path());
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "scan",
            "--no-progress",
            "--show-suppressed",
            "-j",
            "2",
            "-f",
            format,
            ".",
        ])
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let root = fs::canonicalize(dir.path()).unwrap().display().to_string();
    let text = text.replace(&root, "[ROOT]");
    let elapsed = regex::Regex::new(r#""elapsed": [0-9.]+"#).unwrap();
    let speed = regex::Regex::new(r"in [0-9.]+ s \([0-9.]+ MB/s\)").unwrap();
    let junit_time = regex::Regex::new(r#" time="[0-9.]+""#).unwrap();
    let text = junit_time.replace_all(&text, r#" time="[ELAPSED]""#).into_owned();
    let version = regex::Regex::new(&regex::escape(env!("CARGO_PKG_VERSION"))).unwrap();
    let text = elapsed.replace_all(&text, r#""elapsed": "[ELAPSED]""#);
    let text = speed.replace_all(&text, "in [ELAPSED]");
    version.replace_all(&text, "[VERSION]").into_owned()
}

#[test]
fn text_report() {
    insta::assert_snapshot!(scan_planted("text"));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(scan_planted("json"));
}

#[test]
fn sarif_report_results() {
    // The rules array is long and grows with the rule pack: pin the results and run metadata,
    // and check the rules' shape in cli.rs.
    let mut doc: serde_json::Value = serde_json::from_str(&scan_planted("sarif")).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].take();
    assert!(rules.as_array().is_some_and(|r| r.len() >= 40));
    // The configuration-check run's rules grow with the checks, too: pin their ids' kind only.
    let checks = doc["runs"][1]["tool"]["driver"]["rules"].take();
    assert!(
        checks
            .as_array()
            .is_some_and(|r| r.len() >= 20 && r.iter().all(|c| c["id"] != rules[0]["id"]))
    );
    // ruleIndex moves whenever rules are added; sarif_github.rs checks it points at the rule.
    for result in doc["runs"][0]["results"].as_array_mut().unwrap() {
        let index = result["ruleIndex"].take().as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&doc).unwrap());
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(scan_planted("junit"));
}

#[test]
fn github_annotations() {
    insta::assert_snapshot!(scan_planted("github"));
}

#[test]
fn csv_report() {
    insta::assert_snapshot!(scan_planted("csv"));
}

#[test]
fn markdown_summary() {
    insta::assert_snapshot!(scan_planted("markdown"));
}

#[test]
fn gitlab_report() {
    let times = regex::Regex::new(r#""(start|end)_time": "[0-9T:-]+""#).unwrap();
    let text = scan_planted("gitlab");
    insta::assert_snapshot!(times.replace_all(&text, r#""${1}_time": "[TIME]""#));
}
