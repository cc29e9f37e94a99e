//! Untrusted repository content (issue 21): what a hostile repository can put in front of
//! leakscan (its files, its configuration, its history and image metadata) must not make
//! leakscan print a secret, read outside the repository, silence findings unseen, or exhaust
//! the machine.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

const FORMATS: [&str; 8] = ["text", "json", "sarif", "junit", "gitlab", "github", "csv", "markdown"];

/// A credential no rule knows, shaped like one (long, mixed, high entropy).
const UNKNOWN_TOKEN: &str = concat!("Zq8Lm3Rt7Vw2", "Xy9Kp4Nb6Hc1Jd5Fg0S");

fn assert_absent(what: &str, output: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!output.contains(s), "{what}: {s:.8}… is printed in full:\n{output}");
    }
}

#[test]
fn a_snippet_never_shows_another_secret_on_its_line() {
    let line = format!("a = {GITHUB_TOKEN} b = {OTHER_TOKEN} note {UNKNOWN_TOKEN} end\n");
    let dir = tree(&[("one.env", line)]);
    for format in FORMATS {
        let out = leakscan()
            .current_dir(dir.path())
            .args(["scan", "--isolated", "--no-progress", "-f", format, "."])
            .assert()
            .code(1);
        let o = out.get_output();
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_absent(format, &stdout, &[GITHUB_TOKEN, OTHER_TOKEN, UNKNOWN_TOKEN]);
        assert_absent(
            format,
            &String::from_utf8_lossy(&o.stderr),
            &[GITHUB_TOKEN, OTHER_TOKEN, UNKNOWN_TOKEN],
        );
    }
    // The check can fail: the text around the secret is still shown.
    let doc = scan_json(dir.path(), &[]);
    let snippet = active(&doc)[0]["snippet"].as_str().unwrap().to_string();
    assert!(snippet.contains("a = ") && snippet.contains(" end"), "{snippet}");
}
