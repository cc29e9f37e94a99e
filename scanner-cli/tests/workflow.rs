//! End-to-end tests of the CI and developer workflow: configuration, the fail gate, baselines,
//! several outputs, exit codes.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

// Matches only a low-confidence rule (a public-by-design Mailgun validation key).
const GENERIC: &str = concat!("MAILGUN_PUBLIC_KEY = \"pubkey-97dc4959", "95a126a11bea10fe0fc2ff3f\"");

fn json(dir: &Path, extra: &[&str], code: i32) -> Value {
    let out = leakscan()
        .args(["scan", "-f", "json"])
        .args(extra)
        .arg(dir)
        .assert()
        .code(code);
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn low_confidence_findings_are_reported_but_do_not_fail_by_default() {
    let dir = tree(&[("app.py", format!("{GENERIC}\n"))]);
    let doc = json(dir.path(), &[], 0);
    assert_eq!(doc["findings"][0]["rule"], "mailgun-public-validation-key");
    assert_eq!(doc["findings"][0]["fails"], false);
    leakscan()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 more below the fail gate, shown with -v"));
    leakscan()
        .args(["-v", "scan"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("mailgun-public-validation-key"));
    json(dir.path(), &["--min-confidence", "low"], 1);
}

#[test]
fn fail_on_and_custom_exit_code() {
    let dir = tree(&[("a.env", format!("aws_access_key_id={AWS_KEY_ID}\n"))]);
    json(dir.path(), &["--fail-on", "critical"], 0);
    json(dir.path(), &["--exit-code-on-findings", "42"], 42);
}

#[test]
fn config_file_is_discovered_and_applied() {
    let dir = tree(&[
        ("docs/guide.md", format!("token {GITHUB_TOKEN}\n")),
        ("src/app.py", format!("token = \"{OTHER_TOKEN}\"\nkey = {AWS_KEY_ID}\n")),
        (
            "leakscan.toml",
            "[rules]\ndisable = [\"aws-access-key-id\"]\n[allow]\npaths = [\"docs/**\"]\n".to_string(),
        ),
    ]);
    fs::create_dir_all(dir.path().join(".git")).unwrap();
    // Scanning a subdirectory still finds the config at the repository root.
    let doc = json(&dir.path().join("src"), &["--show-suppressed"], 1);
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["github-pat-classic"], "AWS rule disabled");
    let doc = json(dir.path(), &["--show-suppressed"], 1);
    let docs = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["logical_path"] == "docs/guide.md")
        .unwrap();
    assert_eq!(docs["suppression"]["kind"], "config");
    assert!(
        docs["suppression"]["detail"]
            .as_str()
            .unwrap()
            .contains("path matches `docs/**`")
    );
    // --isolated ignores it.
    let doc = json(dir.path(), &["--isolated"], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_configs_are_fatal_and_named() {
    let dir = tree(&[("leakscan.toml", "[allow]\npathz = [\"x\"]\n".to_string())]);
    leakscan().arg("scan").arg(dir.path()).assert().code(2).stderr(
        predicate::str::contains("leakscan.toml")
            .and(predicate::str::contains("pathz"))
            .and(predicate::str::contains("line 2")),
    );
    let dir = tree(&[("leakscan.toml", "[rules]\ndisable = [\"no-such-rule\"]\n".to_string())]);
    leakscan()
        .args(["config", "check"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-rule"));
    let dir = tree(&[(
        "leakscan.toml",
        "fail_on = \"high\"\n[limits]\nthreads = 2\n".to_string(),
    )]);
    leakscan()
        .args(["config", "check"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("ok"));
    leakscan()
        .args(["config", "print"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("fail_on = \"high\"").and(predicate::str::contains("threads = 2")));
}

#[test]
fn baseline_round_trip_survives_line_moves_and_catches_new_secrets() {
    let dir = tree(&[("app.env", format!("A=1\nT={GITHUB_TOKEN}\n"))]);
    let baseline = dir.path().join("baseline.json");
    leakscan()
        .args(["baseline", "create", "-o"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0);
    let first = fs::read_to_string(&baseline).unwrap();
    assert!(!first.contains(GITHUB_TOKEN), "a baseline never holds the secret");
    // Known finding: suppressed.
    let doc = json(
        dir.path(),
        &["--baseline", baseline.to_str().unwrap(), "--show-suppressed"],
        0,
    );
    assert_eq!(doc["findings"][0]["suppression"]["kind"], "baseline");
    // Unrelated edits that move every line: the baseline stays byte-identical.
    fs::write(
        dir.path().join("app.env"),
        format!("# header\n\n\nA=1\nB=2\nT={GITHUB_TOKEN}\n"),
    )
    .unwrap();
    leakscan()
        .args(["baseline", "update", "-o"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0);
    assert_eq!(fs::read_to_string(&baseline).unwrap(), first);
    json(dir.path(), &["--baseline", baseline.to_str().unwrap()], 0);
    // A new secret on the same line as the baselined one is still reported.
    fs::write(
        dir.path().join("app.env"),
        format!("T={GITHUB_TOKEN} U={OTHER_TOKEN}\n"),
    )
    .unwrap();
    let doc = json(dir.path(), &["--baseline", baseline.to_str().unwrap()], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["start"]["column"], 46);
}

#[test]
fn baseline_update_keeps_annotations_and_prunes_fixed() {
    let dir = tree(&[
        ("a.env", format!("T={GITHUB_TOKEN}\n")),
        ("b.env", format!("T={OTHER_TOKEN}\n")),
    ]);
    let baseline = dir.path().join("bl.json");
    leakscan()
        .args(["baseline", "create", "-o"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0);
    let text = fs::read_to_string(&baseline).unwrap();
    let annotated = text.replacen(
        "\"path\":\"a.env\"}",
        "\"path\":\"a.env\",\"reason\":\"test key\",\"owner\":\"team-a\"}",
        1,
    );
    assert_ne!(text, annotated);
    fs::write(&baseline, &annotated).unwrap();
    fs::remove_file(dir.path().join("b.env")).unwrap();
    leakscan()
        .args(["baseline", "update", "-o"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 entries (0 added, 1 removed)"));
    let doc: Value = serde_json::from_str(&fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(doc["entries"].as_array().unwrap().len(), 1);
    assert_eq!(doc["entries"][0]["reason"], "test key");
    assert_eq!(doc["entries"][0]["owner"], "team-a");
}

#[test]
fn expired_entries_and_bad_baselines() {
    let dir = tree(&[("a.env", format!("T={GITHUB_TOKEN}\n"))]);
    let baseline = dir.path().join("bl.json");
    leakscan()
        .args(["baseline", "create", "-o"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(0);
    let text = fs::read_to_string(&baseline)
        .unwrap()
        .replace("\"path\":\"a.env\"}", "\"path\":\"a.env\",\"expires\":\"2020-01-01\"}");
    fs::write(&baseline, text).unwrap();
    let doc = json(dir.path(), &["--baseline", baseline.to_str().unwrap()], 1);
    assert!(
        doc["warnings"][0].as_str().unwrap().contains("expired on 2020-01-01"),
        "{doc:#}"
    );
    // A future format version, or broken JSON: fatal, naming the file.
    fs::write(&baseline, "{\"version\": 9, \"entries\": []}").unwrap();
    leakscan()
        .args(["scan", "--baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bl.json"));
    fs::write(&baseline, "{not json").unwrap();
    leakscan()
        .args(["scan", "--baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bl.json"));
    // An entry for a rule that no longer exists: a warning, not an error.
    fs::write(
        &baseline,
        "{\"version\":1,\"entries\":[{\"fingerprint\":\"00\",\"rule\":\"retired-rule\",\"path\":\"x\"}]}",
    )
    .unwrap();
    let doc = json(dir.path(), &["--baseline", baseline.to_str().unwrap()], 1);
    assert!(doc["warnings"][0].as_str().unwrap().contains("retired-rule"), "{doc:#}");
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tree(&[("a.env", format!("T={GITHUB_TOKEN}\n"))]);
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("r.sarif");
    let jsonf = out.path().join("r.json");
    leakscan()
        .arg("scan")
        .arg("-o")
        .arg(format!("sarif={}", sarif.display()))
        .arg("-o")
        .arg(format!("json={}", jsonf.display()))
        .arg("-o")
        .arg("text=-")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("github-pat-classic"));
    let s: Value = serde_json::from_str(&fs::read_to_string(sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let j: Value = serde_json::from_str(&fs::read_to_string(jsonf).unwrap()).unwrap();
    assert_eq!(j["version"], 1);
}

#[test]
fn unused_and_unknown_allow_markers_are_reported() {
    let dir = tree(&[(
        "a.py",
        format!(
            "t = \"{GITHUB_TOKEN}\"  # leakscan:allow\nx = 1  # leakscan:allow\ny = 2  # leakscan:allow(no-such-rule)\n"
        ),
    )]);
    let doc = json(dir.path(), &["--report-unused-allows"], 0);
    let warnings: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.ends_with("a.py:2: `leakscan:allow` suppresses nothing (remove it)")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("a.py:3: `leakscan:allow` names unknown rule `no-such-rule`")),
        "{warnings:?}"
    );
    assert!(!warnings.iter().any(|w| w.contains("a.py:1:")), "{warnings:?}");
    // Without the flag, only the unknown rule is worth a warning.
    let doc = json(dir.path(), &[], 0);
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 1);
}

#[test]
fn other_tools_markers_allow_and_unused_ones_are_reported() {
    // Teams migrating from TruffleHog, gitleaks or detect-secrets keep their markers: each
    // allows the finding on its line, and one that allows nothing is listed like leakscan's own,
    // also in a file with no finding at all.
    let dir = tree(&[
        (
            "a.py",
            format!("t = \"{GITHUB_TOKEN}\"  # trufflehog:ignore\nx = 1  # gitleaks:allow\n"),
        ),
        ("quiet.py", "y = 2  # trufflehog:ignore\n".to_string()),
    ]);
    let doc = json(dir.path(), &["--report-unused-allows", "--show-suppressed"], 0);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["suppression"]["kind"], "inline", "{findings:?}");
    let warnings: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    for expected in [
        "a.py:2: `gitleaks:allow` suppresses nothing (remove it)",
        "quiet.py:1: `trufflehog:ignore` suppresses nothing (remove it)",
    ] {
        assert!(
            warnings.iter().any(|w| w.ends_with(expected)),
            "{expected}: {warnings:?}"
        );
    }
    assert!(!warnings.iter().any(|w| w.contains("a.py:1:")), "{warnings:?}");
    assert_eq!(json(dir.path(), &[], 0)["warnings"].as_array().unwrap().len(), 0);
}

#[test]
fn allow_markers_are_checked_in_files_and_streams_with_no_findings() {
    // The keyword filter finds markers along with the keywords: a file with a marker and no
    // candidate at all, or standard input, still gets its marker checked. So does a scan of
    // configuration checks only, where the filter does not run.
    let text = "y = 2  # LeakScan:Allow\nz = 3  # leakscan:allow(no-such-rule)\n";
    let dir = tree(&[("quiet.py", text.to_string())]);
    let unknown = "quiet.py:2: `leakscan:allow` names unknown rule `no-such-rule`";
    for checks in ["secrets", "config"] {
        let doc = json(dir.path(), &["--checks", checks], 0);
        let warnings = doc["warnings"].as_array().unwrap();
        assert!(
            warnings.iter().any(|w| w.as_str().unwrap().ends_with(unknown)),
            "{checks}: {warnings:?}"
        );
        assert_eq!(warnings.len(), 1, "{checks}: {warnings:?}");
    }
    let out = leakscan()
        .args(["scan", "-f", "json", "--label", "in.py", "-"])
        .write_stdin(text)
        .assert()
        .code(0);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let warnings = doc["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .ends_with("in.py:2: `leakscan:allow` names unknown rule `no-such-rule`")),
        "{warnings:?}"
    );
}

#[test]
fn explain_tells_why_a_line_is_or_is_not_reported() {
    let dir = tree(&[(
        "app.py",
        format!(
            "a = 1\ntoken = \"{GITHUB_TOKEN}\"\npassword = \"aaaaaabbbbbb\"\nAKIA is a prefix\nk = {OTHER_TOKEN}  # leakscan:allow\n"
        ),
    )]);
    let file = dir.path().join("app.py");
    let explain = |line: usize| {
        let out = leakscan()
            .arg("explain")
            .arg(format!("{}:{line}", file.display()))
            .assert()
            .code(0);
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    assert!(explain(1).contains("no rule's keyword occurs on this line"));
    assert!(explain(2).contains("github-pat-classic: REPORTED, fails the scan"));
    assert!(explain(3).contains(
        "generic-password-assignment: not reported: the pattern matches but the value has too little entropy"
    ));
    assert!(
        explain(4)
            .contains("aws-access-key-id: not reported: keyword `akia` is on the line but the pattern does not match")
    );
    assert!(explain(5).contains("suppressed: allowed by `leakscan:allow` on line 5 [filter `inline-allow`]"));
    // The chain explain reads is the scan's: its stages, in order.
    assert!(
        explain(5).contains("filters, in order (the first that suppresses decides): entropy-minimum → rule-allow → placeholder → test-context → inline-allow → already-committed"),
        "{}",
        explain(5)
    );
    leakscan()
        .arg("explain")
        .arg(format!("{}:0", file.display()))
        .assert()
        .code(2);
    leakscan().arg("explain").arg("nowhere.py:3").assert().code(2);
}

#[test]
fn the_repository_baseline_is_picked_up_and_reports_and_sarif_are_baselines() {
    let dir = tree(&[("app.env", format!("T={GITHUB_TOKEN}\n"))]);
    // `baseline create` in the repository writes `.leakscan-baseline.json` and says it is used
    // from now on without a flag.
    let out = leakscan()
        .current_dir(dir.path())
        .args(["baseline", "create", "."])
        .assert()
        .code(0);
    let said = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(said.contains("uses it by itself"), "{said}");
    assert!(dir.path().join(".leakscan-baseline.json").is_file());
    // The next scan suppresses the known finding and says which baseline did it.
    let doc = json(dir.path(), &["--show-suppressed"], 0);
    assert_eq!(doc["findings"][0]["suppression"]["kind"], "baseline");
    let notes: Vec<&Value> = doc["notifications"].as_array().unwrap().iter().collect();
    assert!(
        notes.iter().any(|n| n["kind"] == "repository-baseline"
            && n["message"].as_str().unwrap().contains("1 known finding(s) suppressed")),
        "{notes:?}"
    );
    // The repository does not decide for a scan that ignores its configuration.
    json(dir.path(), &["--no-repo-config"], 1);
    // Elsewhere, the written file is named explicitly.
    let other = tempfile::tempdir().unwrap();
    let out = leakscan()
        .args(["baseline", "create", "-o"])
        .arg(other.path().join("known.json"))
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("--baseline"));

    // A JSON report or a SARIF log from an earlier scan is accepted as a baseline as it is.
    let fresh = tree(&[("ci.env", format!("T={OTHER_TOKEN}\n"))]);
    for format in ["json", "sarif"] {
        let report = other.path().join(format!("report.{format}"));
        leakscan()
            .args(["scan", "--no-progress", "-f", format, "-o"])
            .arg(&report)
            .arg(fresh.path())
            .assert()
            .code(1);
        let doc = json(
            fresh.path(),
            &["--baseline", report.to_str().unwrap(), "--show-suppressed"],
            0,
        );
        assert_eq!(doc["findings"][0]["suppression"]["kind"], "baseline", "{format}");
    }
    // Anything else is refused with a clear error.
    let bogus = other.path().join("bogus.json");
    fs::write(&bogus, "{\"tool\": 1}").unwrap();
    leakscan()
        .args(["scan", "--baseline"])
        .arg(&bogus)
        .arg(fresh.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a leakscan baseline"));
}

#[test]
fn named_files_follow_leakscanignore_on_request() {
    // The pre-commit framework passes every file (`--all-files`): with --ignore-named-files a
    // file the repository's .leakscanignore excludes is left out, and the report says so.
    let dir = tree(&[
        (".leakscanignore", "fixtures/\n!fixtures/keep.env\n".to_string()),
        ("fixtures/sample.env", format!("T={GITHUB_TOKEN}\n")),
        ("fixtures/keep.env", format!("T={OTHER_TOKEN}\n")),
        ("src/app.env", format!("T={GITHUB_TOKEN}\n")),
    ]);
    let files = ["fixtures/sample.env", "fixtures/keep.env", "src/app.env"];
    let run = |extra: &[&str]| -> Value {
        let out = leakscan()
            .current_dir(dir.path())
            .args(["scan", "--no-progress", "-f", "json"])
            .args(extra)
            .args(files)
            .assert()
            .code(1);
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let paths = |doc: &Value| -> Vec<String> {
        let mut p: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    };
    let doc = run(&["--ignore-named-files"]);
    assert_eq!(paths(&doc), ["fixtures/keep.env", "src/app.env"]);
    assert!(
        doc["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "repository-ignore-file" && n["message"].as_str().unwrap().contains("exclude")),
        "{doc:#?}"
    );
    // Named files are scanned as named by default, and the tree does not decide with
    // --no-repo-config.
    assert_eq!(paths(&run(&[])).len(), 3);
    assert_eq!(paths(&run(&["--ignore-named-files", "--no-repo-config"])).len(), 3);
}

#[cfg(unix)]
#[test]
fn a_repository_baseline_linking_out_of_the_tree_is_refused() {
    // The repository's own baseline is repository content: a link to a file outside the tree
    // is refused (exit 2), never read.
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("known.json"), "{\"version\": 1, \"entries\": []}").unwrap();
    let dir = tree(&[("app.env", format!("T={GITHUB_TOKEN}\n"))]);
    std::os::unix::fs::symlink(
        outside.path().join("known.json"),
        dir.path().join(".leakscan-baseline.json"),
    )
    .unwrap();
    leakscan()
        .args(["scan", "--no-progress"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("baseline"));
    json(dir.path(), &["--no-repo-config"], 1);
}
