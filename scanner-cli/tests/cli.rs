//! End-to-end tests of the `leakscan` binary: exit codes, every format, bad input.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::fs;
use std::process::Command as StdCommand;

use predicates::prelude::*;
use serde_json::Value;

// Fake, format-valid tokens, split so that the full value never appears in this source file.

/// A temp tree with a GitHub token (line 3, column 10) and an AWS key pair (lines 2 and 3).
fn planted_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("src")).unwrap();
    fs::write(
        dir.path().join("src/app.py"),
        format!("import os\n\ntoken = \"{GITHUB_TOKEN}\"\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("deploy.env"),
        format!("REGION=eu-west-1\naws_access_key_id={AWS_KEY_ID}\naws_secret_access_key={AWS_SECRET}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("README.md"), "nothing to see\n").unwrap();
    dir
}

fn finding<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {doc:#}"))
}

#[test]
fn planted_secrets_are_found_with_positions_in_text() {
    let tree = planted_tree();
    let out = leakscan()
        .arg("scan")
        .arg(tree.path())
        .arg("--no-progress")
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("app.py"), "{text}");
    assert!(text.contains("3:10") && text.contains("github-pat-classic"), "{text}");
    assert!(text.contains("2:19") && text.contains("aws-access-key-id"), "{text}");
    assert!(
        text.contains("3:23") && text.contains("aws-secret-access-key"),
        "{text}"
    );
    assert!(text.contains("3 findings in 2 files"), "{text}");
    for secret in [GITHUB_TOKEN, AWS_KEY_ID, AWS_SECRET] {
        assert!(!text.contains(secret), "text output leaks a secret: {text}");
    }
}

#[test]
fn planted_secrets_in_json() {
    let tree = planted_tree();
    let out = leakscan()
        .args(["scan", "--format", "json"])
        .arg(tree.path())
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    assert_eq!(doc["version"], 1);
    let gh = finding(&doc, "github-pat-classic");
    assert_eq!(gh["logical_path"], "src/app.py");
    assert_eq!(gh["start"], serde_json::json!({"line": 3, "column": 10}));
    assert_eq!(gh["end"], serde_json::json!({"line": 3, "column": 50}));
    assert_eq!(gh["secret"], "ghp_…");
    assert_eq!(gh["fingerprint"].as_str().unwrap().len(), 64);
    let key = finding(&doc, "aws-access-key-id");
    assert_eq!(key["start"], serde_json::json!({"line": 2, "column": 19}));
    let secret = finding(&doc, "aws-secret-access-key");
    assert_eq!(secret["start"], serde_json::json!({"line": 3, "column": 23}));
    assert_eq!(doc["stats"]["blobs"], 3);
    assert_eq!(doc["stats"]["errors"], 0);
    let raw = String::from_utf8_lossy(&out.get_output().stdout);
    for secret in [GITHUB_TOKEN, AWS_KEY_ID, AWS_SECRET] {
        assert!(!raw.contains(secret), "JSON output leaks a secret");
    }
}

#[test]
fn sarif_validates_and_has_regions() {
    let tree = planted_tree();
    let out = leakscan()
        .args(["scan", "--format", "sarif"])
        .arg(tree.path())
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    assert_valid_sarif(&doc);
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let gh = results.iter().find(|r| r["ruleId"] == "github-pat-classic").unwrap();
    let loc = &gh["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "src/app.py");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 3);
    assert_eq!(loc["region"]["startColumn"], 10);
    assert_eq!(loc["region"]["endColumn"], 50);
    assert_eq!(gh["level"], "error");
    assert!(gh["partialFingerprints"]["leakscan/v1"].is_string());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules.iter().find(|r| r["id"] == "github-pat-classic").unwrap();
    assert!(
        rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("security"))
    );
    assert!(
        rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .is_ok()
    );
    assert!(rule["help"]["markdown"].as_str().unwrap().contains("Remediation"));
    let raw = String::from_utf8_lossy(&out.get_output().stdout);
    for secret in [GITHUB_TOKEN, AWS_KEY_ID, AWS_SECRET] {
        assert!(!raw.contains(secret), "SARIF output leaks a secret");
    }
}

#[test]
fn clean_tree_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
    fs::write(dir.path().join("empty"), "").unwrap();
    leakscan()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no findings · 2 files"));
}

#[test]
fn clean_sarif_validates_too() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a b#c.txt"), "hello\n").unwrap();
    let out = leakscan()
        .args(["scan", "-f", "sarif"])
        .arg(dir.path())
        .assert()
        .code(0);
    assert_valid_sarif(&json_of(&out.get_output().stdout));
}

#[test]
fn show_secrets_opts_in() {
    let tree = planted_tree();
    leakscan()
        .args(["scan", "--show-secrets"])
        .arg(tree.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(GITHUB_TOKEN));
}

#[test]
fn output_file_is_written() {
    let tree = planted_tree();
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("report.sarif");
    leakscan()
        .args(["scan", "-f", "sarif", "-o"])
        .arg(&target)
        .arg(tree.path())
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    assert_valid_sarif(&serde_json::from_str(&fs::read_to_string(target).unwrap()).unwrap());
}

#[test]
fn missing_path_is_fatal() {
    leakscan()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/definitely/not/here: no such file or directory",
        ));
}

#[test]
fn bad_arguments_are_fatal() {
    leakscan().args(["scan", "--format", "xml"]).assert().code(2);
    leakscan()
        .args(["scan", "--max-file-size", "12X", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("max-file-size"));
    leakscan().args(["scan", "--threads", "0", "."]).assert().code(2);
}

#[test]
fn placeholders_are_suppressed_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("doc.md"), "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n").unwrap();
    leakscan()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 suppressed"));
    let out = leakscan()
        .args(["scan", "-f", "json", "--show-suppressed"])
        .arg(dir.path())
        .assert()
        .code(0);
    let doc = json_of(&out.get_output().stdout);
    assert_eq!(doc["findings"][0]["suppression"]["kind"], "placeholder");
}

#[test]
fn ignore_files_are_honoured_unless_no_ignore() {
    let tree = planted_tree();
    fs::write(tree.path().join(".leakscanignore"), "deploy.env\n").unwrap();
    fs::write(tree.path().join(".gitignore"), "src/\n").unwrap();
    leakscan().arg("scan").arg(tree.path()).assert().code(0);
    leakscan()
        .args(["scan", "--no-ignore"])
        .arg(tree.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("3 findings"));
}

#[test]
fn hidden_files_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".env"), format!("GH={GITHUB_TOKEN}\n")).unwrap();
    leakscan()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(".env"));
}

#[test]
fn size_limit_skips_are_reported_not_errors() {
    let tree = planted_tree();
    fs::write(tree.path().join("big.bin"), vec![b'a'; 4096]).unwrap();
    let out = leakscan()
        .args(["scan", "-f", "json", "--max-file-size", "1K"])
        .arg(tree.path())
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    assert_eq!(doc["stats"]["skipped"]["size-limit"], 1);
    assert_eq!(doc["skipped"][0]["reason"], "size-limit");
    assert!(doc["skipped"][0]["path"].as_str().unwrap().ends_with("big.bin"));
}

#[test]
fn binary_files_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = vec![0u8, 159, 146, 150, 0, 1, 2];
    data.extend_from_slice(GITHUB_TOKEN.as_bytes());
    data.extend_from_slice(&[0, 0xff, 0xfe]);
    fs::write(dir.path().join("app.bin"), data).unwrap();
    leakscan()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("github-pat-classic"));
}

#[cfg(unix)]
#[test]
fn invalid_utf8_names_and_content() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"bad-\xff\xfe-name.txt");
    let mut content = b"\xff\xfe garbage \xc3\x28\n".to_vec();
    content.extend_from_slice(format!("key = {GITHUB_TOKEN}\n").as_bytes());
    fs::write(dir.path().join(name), content).unwrap();
    let out = leakscan().args(["scan", "-f", "json"]).arg(dir.path()).assert().code(1);
    let doc = json_of(&out.get_output().stdout);
    let gh = finding(&doc, "github-pat-classic");
    assert_eq!(gh["start"]["line"], 2);
    assert_eq!(gh["start"]["column"], 7);
    assert!(gh["path"].as_str().unwrap().contains("bad-\u{fffd}\u{fffd}-name.txt"));
    let sarif = leakscan()
        .args(["scan", "-f", "sarif"])
        .arg(dir.path())
        .assert()
        .code(1);
    assert_valid_sarif(&json_of(&sarif.get_output().stdout));
}

#[test]
fn long_minified_line() {
    let dir = tempfile::tempdir().unwrap();
    let filler = "var a=function(b){return b*2};".repeat(5 * 1024 * 1024 / 30);
    let content = format!("{filler}const t=\"{GITHUB_TOKEN}\";{filler}");
    fs::write(dir.path().join("bundle.min.js"), &content).unwrap();
    let out = leakscan().args(["scan", "-f", "json"]).arg(dir.path()).assert().code(1);
    let doc = json_of(&out.get_output().stdout);
    let gh = finding(&doc, "github-pat-classic");
    assert_eq!(gh["start"]["line"], 1);
    assert_eq!(gh["start"]["column"], filler.len() + 10);
    assert!(
        gh["snippet"].as_str().unwrap().chars().count() < 200,
        "snippet must be trimmed"
    );
}

#[cfg(unix)]
#[test]
fn fifo_in_tree_does_not_hang() {
    let tree = planted_tree();
    let fifo = tree.path().join("pipe");
    let status = StdCommand::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(status.success());
    let out = leakscan()
        .args(["scan", "-f", "json"])
        .arg(tree.path())
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    assert_eq!(doc["stats"]["skipped"]["not-regular-file"], 1);
    assert_eq!(doc["skipped"][0]["detail"], "FIFO (named pipe)");
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed_forever() {
    let tree = planted_tree();
    std::os::unix::fs::symlink(tree.path(), tree.path().join("src/loop")).unwrap();
    // Not following links: the link is skipped and counted.
    let out = leakscan()
        .args(["scan", "-f", "json"])
        .arg(tree.path())
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    assert_eq!(doc["stats"]["skipped"]["symlink"], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
    // Following links: the loop is detected, reported, and the findings are still there.
    let out = leakscan()
        .args(["scan", "-f", "json", "--follow-symlinks"])
        .arg(tree.path())
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
    assert!(
        doc["errors"][0]["message"].as_str().unwrap().contains("loop"),
        "{doc:#}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_makes_the_scan_incomplete() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.path().join("ok.txt"), "fine\n").unwrap();
    let locked = dir.path().join("locked.txt");
    fs::write(&locked, format!("t = {GITHUB_TOKEN}\n")).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let mut bin = assert_cmd::cargo::cargo_bin("leakscan");
    let bin_dir = tempfile::tempdir().unwrap();
    let mut cmd = if fs::read(&locked).is_ok() {
        // Running as root: drop to an unprivileged user so the permission bits apply. That
        // user may not reach the build directory, so run a copy of the binary from here.
        fs::set_permissions(bin_dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let copy = bin_dir.path().join("leakscan");
        fs::copy(&bin, &copy).unwrap();
        bin = copy;
        let mut c = StdCommand::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&bin);
        c
    } else {
        StdCommand::new(&bin)
    };
    cmd.args(["scan", "-f", "json"]).arg(dir.path());
    let out = cmd.output().expect("leakscan runs");
    assert_eq!(
        out.status.code(),
        Some(3),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_of(&out.stdout);
    assert_eq!(doc["stats"]["errors"], 1);
    assert_eq!(doc["errors"][0]["kind"], "unreadable");
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ermission denied")
    );
    assert_eq!(doc["stats"]["blobs"], 1);
    // --allow-incomplete turns 3 into 0.
    let mut cmd2 = StdCommand::new(cmd.get_program());
    cmd2.args(cmd.get_args()).arg("--allow-incomplete");
    assert_eq!(cmd2.output().unwrap().status.code(), Some(0));
}

#[test]
fn stdin_is_scanned_with_a_label() {
    let out = leakscan()
        .args(["scan", "-", "--label", "build.log", "-f", "json"])
        .write_stdin(format!("step 1\nexport GH={GITHUB_TOKEN}\n"))
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    let gh = finding(&doc, "github-pat-classic");
    assert_eq!(gh["path"], "build.log");
    assert_eq!(gh["start"]["line"], 2);
}

#[test]
fn threads_flag_gives_the_same_result() {
    let tree = planted_tree();
    let one = leakscan()
        .args(["scan", "-j", "1", "-f", "json"])
        .arg(tree.path())
        .assert()
        .code(1);
    let many = leakscan()
        .args(["scan", "-j", "4", "-f", "json"])
        .arg(tree.path())
        .assert()
        .code(1);
    let strip = |v: &[u8]| {
        let mut doc = json_of(v);
        doc["stats"]["elapsed"] = Value::Null;
        doc
    };
    assert_eq!(strip(&one.get_output().stdout), strip(&many.get_output().stdout));
}

#[test]
fn rules_check_passes_on_builtin_rules() {
    leakscan()
        .args(["rules", "check", "--warnings-as-errors"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("0 errors, 0 warnings"));
}

#[test]
fn rules_list_and_explain() {
    let out = leakscan().args(["rules", "list", "-f", "json"]).assert().code(0);
    let rules = json_of(&out.get_output().stdout);
    assert!(rules.as_array().unwrap().len() >= 40);
    leakscan()
        .args(["rules", "explain", "github-pat-classic"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Remediation:"));
    for (id, search) in [
        (
            "github-pat-classic",
            "Search:   one anchored attempt at each keyword hit",
        ),
        (
            "generic-password-unquoted",
            "Search:   one anchored attempt at the start of each keyword hit's line",
        ),
        ("mailchimp-api-key", "Search:   a search of each keyword hit's line"),
        ("generic-credential-name-value", "Search:   a search within"),
    ] {
        leakscan()
            .args(["rules", "explain", id])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(search));
    }
    // Rules whose regex has a fast prefix are searched only where their match test passes.
    leakscan()
        .args(["rules", "explain", "github-pat-classic"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("where a match test"));
    leakscan().args(["rules", "explain", "no-such-rule"]).assert().code(2);
}

fn rule_dir(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("custom.toml"), body).unwrap();
    dir
}

const CUSTOM_RULE: &str = "[[rule]]\nid = 'acme-token'\nname = 'Acme token'\ndescription = 'An Acme API token.'\nregex = '''\\b(acme_[a-z0-9]{16})\\b'''\nkeywords = ['acme_']\nseverity = 'high'\nconfidence = 'high'\nremediation = 'Revoke it in the Acme console.'\n";

#[test]
fn rules_check_reports_misbehaving_examples() {
    let dir = rule_dir(&format!(
        "{CUSTOM_RULE}examples = ['k = acme_q8mzt2rk9vlw4xbn', 'acme_short']\nnegative_examples = ['acme_q8mzt2rk9vlw4xbn', 'x']\n"
    ));
    leakscan()
        .args(["rules", "check", "--rules"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "rule `acme-token`: example 2 yields no finding",
        ))
        .stderr(predicate::str::contains("negative example 1 yields a finding"));
}

/// A two-byte keyword takes the prefilter's per-byte path: `rules check` warns about it, and
/// the rule still finds its secrets.
#[test]
fn a_two_byte_keyword_is_warned_about_and_still_works() {
    let dir = rule_dir(&format!(
        "{}examples = ['k = acme_q8mzt2rk9vlw4xbn', 'acme_z7d5u0pvw3qk81ro']\nnegative_examples = ['acme_short', 'x']\n",
        CUSTOM_RULE.replace("keywords = ['acme_']", "keywords = ['ac']")
    ));
    leakscan()
        .args(["rules", "check", "--rules"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "keyword `ac` is shorter than 3 bytes: the prefilter compares it at every byte",
        ));
    let target = tempfile::tempdir().unwrap();
    fs::write(
        target.path().join("app.cfg"),
        "token: ACME_Q8MZT2RK9VLW4XBN\nk = acme_q8mzt2rk9vlw4xbn\n",
    )
    .unwrap();
    let out = leakscan()
        .args(["scan", "--no-progress", "-f", "json", "--rules"])
        .arg(dir.path())
        .arg(target.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let acme: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "acme-token")
        .collect();
    assert_eq!(acme.len(), 1, "{report}");
    assert_eq!(acme[0]["start"]["line"], 2, "{report}");
}

#[test]
fn invalid_rule_files_are_fatal_and_named() {
    let bad_regex = rule_dir(&CUSTOM_RULE.replace("[a-z0-9]{16})", "[a-z0-9]{16}"));
    leakscan()
        .args(["rules", "check", "--rules"])
        .arg(bad_regex.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "custom.toml: rule `acme-token`: regex does not compile",
        ));
    let unknown_field = rule_dir(&format!("{CUSTOM_RULE}colour = 'red'\n"));
    leakscan()
        .args(["scan", "--rules"])
        .arg(unknown_field.path())
        .arg(".")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("custom.toml").and(predicate::str::contains("colour")));
}

#[test]
fn extra_rules_are_used_by_scan() {
    let rules = rule_dir(&format!(
        "{CUSTOM_RULE}examples = ['acme_q8mzt2rk9vlw4xbn', 'x=acme_a1b2c3d4e5f6g7h8']\nnegative_examples = ['acme_short', 'x']\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), "acme_q8mzt2rk9vlw4xbn\n").unwrap();
    leakscan().arg("scan").arg(dir.path()).assert().code(0);
    leakscan()
        .arg("scan")
        .arg("--rules")
        .arg(rules.path())
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("acme-token"));
}

#[test]
fn help_documents_exit_codes() {
    leakscan()
        .args(["scan", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("3  no findings, but the scan was incomplete"));
}

#[test]
fn inline_allow_markers() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.py"),
        format!(
            "t1 = \"{GITHUB_TOKEN}\"  # leakscan:allow\n# leakscan:allow-next-line(github-pat-classic)\nt2 = \"{GITHUB_TOKEN}\"\nk = \"{AWS_KEY_ID}\"  # gitleaks:allow\n"
        ),
    )
    .unwrap();
    let out = leakscan()
        .args(["scan", "-f", "json", "--show-suppressed"])
        .arg(dir.path())
        .assert()
        .code(0);
    let doc = json_of(&out.get_output().stdout);
    let kinds: Vec<(u64, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["suppression"]["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "`leakscan:allow` on line 1".to_string()),
            (3, "`leakscan:allow-next-line` on line 2".to_string()),
            (4, "`gitleaks:allow` on line 4".to_string()),
        ]
    );
    // A marker for another rule does not allow this one.
    fs::write(
        dir.path().join("a.py"),
        format!("t = \"{GITHUB_TOKEN}\"  # leakscan:allow(aws-access-key-id)\n"),
    )
    .unwrap();
    leakscan().arg("scan").arg(dir.path()).assert().code(1);
}

#[test]
fn completions_and_man_page() {
    leakscan()
        .args(["completions", "bash"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("_leakscan()").and(predicate::str::contains("--min-confidence")));
    leakscan()
        .args(["completions", "zsh"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("#compdef leakscan"));
    leakscan()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH leakscan"));
}

#[test]
fn redact_masks_secrets_in_a_stream() {
    let input = format!("step 1 ok\nexport GH={GITHUB_TOKEN}\r\nkey={AWS_KEY_ID} done\n");
    leakscan()
        .arg("redact")
        .write_stdin(input.clone())
        .assert()
        .code(1)
        .stdout("step 1 ok\nexport GH=***github-pat-classic***\r\nkey=***aws-access-key-id*** done\n");
    leakscan()
        .args(["redact", "--mask", "[{rule}]"])
        .write_stdin("nothing secret here\n")
        .assert()
        .code(0)
        .stdout("nothing secret here\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ci.log");
    fs::write(&file, &input).unwrap();
    leakscan()
        .args(["redact", "--mask", "[{rule}]"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("GH=[github-pat-classic]\r\n"));
    leakscan().args(["redact", "/no/such/file"]).assert().code(2);
    // The mask and the rule selection come from the configuration file; --mask wins.
    fs::write(
        dir.path().join("leakscan.toml"),
        "[redact]\nmask = \"<{rule} hidden>\"\n[rules]\ndisable = [\"aws-access-key-id\"]\n",
    )
    .unwrap();
    leakscan()
        .current_dir(dir.path())
        .args(["redact", "ci.log"])
        .assert()
        .code(1)
        .stdout(format!(
            "step 1 ok\nexport GH=<github-pat-classic hidden>\r\nkey={AWS_KEY_ID} done\n"
        ));
    leakscan()
        .current_dir(dir.path())
        .args(["redact", "--mask", "#", "ci.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("GH=#\r\n"));
    leakscan()
        .current_dir(dir.path())
        .args(["redact", "--isolated", "ci.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("key=***aws-access-key-id***"));
    fs::write(dir.path().join("leakscan.toml"), "[redact]\nmaks = \"x\"\n").unwrap();
    leakscan()
        .current_dir(dir.path())
        .args(["redact", "ci.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("maks"));
}

#[test]
fn stdin_gzip_stream_is_decompressed() {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("a\nb\nT={GITHUB_TOKEN}\n").as_bytes()).unwrap();
    let out = leakscan()
        .args(["scan", "-", "--label", "build.log.gz", "-f", "json"])
        .write_stdin(gz.finish().unwrap())
        .assert()
        .code(1);
    let doc = json_of(&out.get_output().stdout);
    assert_eq!(finding(&doc, "github-pat-classic")["start"]["line"], 3);
}

#[test]
fn checksum_validators_grade_confidence() {
    let mut broken = GITHUB_TOKEN.to_string();
    broken.replace_range(10..11, if &broken[10..11] == "a" { "b" } else { "a" });
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.env"), format!("T={broken}\n")).unwrap();
    let out = leakscan().args(["scan", "-f", "json"]).arg(dir.path()).assert().code(0);
    let doc = json_of(&out.get_output().stdout);
    let f = finding(&doc, "github-pat-classic");
    assert_eq!(f["confidence"], "low");
    assert_eq!(f["fails"], false);
    assert_eq!(
        f["validation"],
        serde_json::json!({"validator": "github-crc32", "passed": false})
    );
    fs::write(dir.path().join("bad.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    let out = leakscan().args(["scan", "-f", "json"]).arg(dir.path()).assert().code(1);
    let doc = json_of(&out.get_output().stdout);
    let f = finding(&doc, "github-pat-classic");
    assert_eq!(f["confidence"], "high");
    assert_eq!(f["validation"]["passed"], true);
}
