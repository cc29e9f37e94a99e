//! The labelled accuracy corpus (`fixtures/accuracy/`): recall and precision per rule family,
//! computed by `fixtures/accuracy/evaluate.py` against the binary under test; fails below
//! recall 0.98 or precision 0.97.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::workspace_root;

#[test]
fn accuracy_corpus_meets_recall_and_precision() {
    let binary = assert_cmd::cargo::cargo_bin("leakscan");
    let out = std::process::Command::new("python3")
        .arg(workspace_root().join("fixtures/accuracy/evaluate.py"))
        .arg("--quiet")
        .env("LEAKSCAN_BIN", binary)
        .env_remove("LEAKSCAN_ARGS")
        .output()
        .expect("python3 (3.11 or later) runs the evaluator");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "accuracy below the thresholds:\n{stdout}");
    assert!(stdout.contains("PASS"), "{stdout}");
}
