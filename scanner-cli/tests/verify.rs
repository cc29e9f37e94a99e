//! Live verification from the CLI (`--verify`): verdicts in every output, `--fail-on live`,
//! and no network connection at all without the flag (checked with strace for every
//! subcommand). Providers are local HTTPS servers on 127.0.0.1 (the verify crate's test
//! servers), reached through the test-only `LEAKSCAN_VERIFY_TEST_ENDPOINTS`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;
#[path = "../../crates/verify/tests/common/mod.rs"]
mod providers;

use common::*;

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use serde_json::Value;

/// A tree with two GitHub tokens (valid checksums): one the mock provider accepts, one it
/// says is revoked.
fn two_tokens() -> (tempfile::TempDir, String, String) {
    let mut rng = Rng::new(25);
    let live = fake_github_token(&mut rng);
    let revoked = fake_github_token(&mut rng);
    let dir = tree(&[
        ("deploy/ci.env", format!("GITHUB_TOKEN={live}\n")),
        ("old/notes.txt", format!("token: {revoked}\n")),
    ]);
    (dir, live, revoked)
}

/// A mock api.github.com: 200 with an identity for `live`, 401 for anything else.
fn github(live: &str) -> providers::Server {
    let live = format!("Bearer {live}");
    providers::serve(move |seen, _| {
        if seen.path == "/user" && seen.header("authorization") == live {
            providers::Reply::new(200, r#"{"login":"octo-fixture","id":4242}"#).header("X-OAuth-Scopes", "repo, gist")
        } else {
            providers::Reply::new(401, r#"{"message":"Bad credentials"}"#)
        }
    })
}

/// `leakscan ARGS` with verification requests for api.github.com sent to `server`.
fn run_verified(server: &providers::Server, args: &[&str], dir: &Path) -> (i32, Vec<u8>, String) {
    let out = leakscan()
        .args(args)
        .arg(dir)
        .envs(github_verify_env(server.addr, &providers::pki().ca_pem, dir))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn verify_reports_live_and_revoked_secrets_in_every_format() {
    let (dir, live, revoked) = two_tokens();
    let server = github(&live);
    let (code, stdout, stderr) = run_verified(
        &server,
        &["scan", "--isolated", "--no-progress", "--verify", "-f", "json"],
        dir.path(),
    );
    assert_eq!(code, 1, "{stderr}");
    let doc = json_of(&stdout);
    let by_path = |p: &str| -> Value {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["logical_path"] == p)
            .unwrap()["verification"]
            .clone()
    };
    let live_v = by_path("deploy/ci.env");
    assert_eq!(live_v["status"], "live", "{doc:#}");
    let identity = live_v["identity"].as_array().unwrap();
    assert!(
        identity
            .iter()
            .any(|i| i["name"] == "login" && i["value"] == "octo-fixture")
    );
    assert!(
        identity
            .iter()
            .any(|i| i["name"] == "scopes" && i["value"] == "repo, gist")
    );
    assert_eq!(by_path("old/notes.txt")["status"], "revoked");
    // Each distinct secret was asked about once, over HTTPS to the declared host only.
    assert_eq!(server.seen().len(), 2);
    let text = String::from_utf8_lossy(&stdout);
    assert!(
        !text.contains(&live) && !text.contains(&revoked),
        "no secret in the report"
    );

    // SARIF: the verdict in the properties, a live secret at level error.
    let (_, stdout, _) = run_verified(
        &server,
        &["scan", "--isolated", "--no-progress", "--verify", "-f", "sarif"],
        dir.path(),
    );
    let sarif = json_of(&stdout);
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let live_result = results
        .iter()
        .find(|r| r["properties"]["verification"] == "live")
        .unwrap();
    assert_eq!(live_result["level"], "error");
    assert!(results.iter().any(|r| r["properties"]["verification"] == "revoked"));

    // Text: live credentials first, with whose they are.
    let (_, stdout, _) = run_verified(
        &server,
        &["scan", "--isolated", "--no-progress", "--verify", "--color", "never"],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&stdout);
    let first_line = text.lines().next().unwrap();
    assert!(first_line.contains("1 live credential"), "{text}");
    assert!(text.contains("login=octo-fixture"), "{text}");
    assert!(text.contains("[REVOKED]"), "{text}");

    // CSV carries the verdict column.
    let (_, stdout, _) = run_verified(
        &server,
        &["scan", "--isolated", "--no-progress", "--verify", "-f", "csv"],
        dir.path(),
    );
    let csv = String::from_utf8_lossy(&stdout);
    assert!(csv.lines().next().unwrap().ends_with(",verification"));
    assert!(csv.lines().any(|l| l.ends_with(",live")), "{csv}");
}

#[test]
fn fail_on_live_fails_only_on_live_secrets() {
    let (dir, live, _) = two_tokens();
    let server = github(&live);
    let args = [
        "scan",
        "--isolated",
        "--no-progress",
        "--verify",
        "--fail-on",
        "live",
        "-f",
        "json",
    ];
    let (code, stdout, stderr) = run_verified(&server, &args, dir.path());
    assert_eq!(code, 1, "{stderr}");
    let doc = json_of(&stdout);
    let failing: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["fails"] == true)
        .collect();
    assert_eq!(failing.len(), 1, "only the live one fails");
    assert_eq!(failing[0]["verification"]["status"], "live");
    // Nothing live: reported, but the gate passes.
    let nobody = github("not-a-token");
    let (code, stdout, _) = run_verified(&nobody, &args, dir.path());
    assert_eq!(code, 0);
    assert_eq!(
        json_of(&stdout)["findings"].as_array().unwrap().len(),
        2,
        "still reported"
    );
}

#[test]
fn fail_on_live_needs_verification() {
    let (dir, _, _) = two_tokens();
    leakscan()
        .args(["scan", "--isolated", "--no-progress", "--fail-on", "live"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("needs verification"));
}

#[test]
fn a_provider_that_does_not_answer_gives_error_verdicts_not_a_failed_scan() {
    let (dir, _, _) = two_tokens();
    // A port nobody listens on: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let out = leakscan()
        .args(["scan", "--isolated", "--no-progress", "--verify", "-f", "json"])
        .arg(dir.path())
        .envs(github_verify_env(addr, &providers::pki().ca_pem, dir.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "findings fail the gate as usual");
    let doc = json_of(&out.stdout);
    for f in doc["findings"].as_array().unwrap() {
        assert_eq!(f["verification"]["status"], "error", "{f:#}");
        assert!(!f["verification"]["reason"].as_str().unwrap().is_empty());
    }
}

#[test]
fn test_endpoints_must_be_loopback() {
    let (dir, _, _) = two_tokens();
    leakscan()
        .args(["scan", "--isolated", "--no-progress", "--verify"])
        .arg(dir.path())
        .env("LEAKSCAN_VERIFY_TEST_ENDPOINTS", "api.github.com=192.0.2.10:443")
        .env("LEAKSCAN_VERIFY_TEST_CA", "/dev/null")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a loopback address"));
}

#[test]
fn a_repository_configuration_cannot_turn_verification_on() {
    let (dir, _, _) = two_tokens();
    fs::write(dir.path().join(".leakscan.toml"), "[verify]\nenabled = true\n").unwrap();
    let calls = network_calls(&["scan", "--no-progress", "-f", "json"], Some(dir.path()), None);
    assert!(calls.is_empty(), "{calls:?}");
    let doc = scan_json(dir.path(), &[]);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("verification").is_none())
    );
}

/// The `socket(AF_INET…)` and `socket(AF_INET6…)` calls of `leakscan ARGS [path]`, traced by
/// strace (followed into every thread).
fn network_calls(args: &[&str], path: Option<&Path>, stdin: Option<&str>) -> Vec<String> {
    let trace = tempfile::NamedTempFile::new().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("leakscan");
    let mut cmd = StdCommand::new("strace");
    cmd.args(["-f", "-qq", "-e", "trace=socket,connect", "-o"])
        .arg(trace.path())
        .arg(&bin)
        .args(args);
    if let Some(p) = path {
        cmd.arg(p);
    }
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let status = if let Some(input) = stdin {
        use std::io::Write;
        cmd.stdin(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("strace is installed (.ci/run installs it)");
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait().unwrap()
    } else {
        cmd.status().expect("strace is installed (.ci/run installs it)")
    };
    assert!(status.code().is_some(), "leakscan ran to an exit code under strace");
    let text = fs::read_to_string(trace.path()).unwrap();
    assert!(
        text.contains("exited with") || text.is_empty() || !text.contains("EPERM"),
        "strace could trace: {text}"
    );
    text.lines()
        .filter(|l| l.contains("AF_INET") || l.contains("AF_INET6"))
        .map(str::to_string)
        .collect()
}

#[test]
fn without_verify_no_subcommand_opens_a_network_socket() {
    // The tracer works here: a run with --verify against a local provider does open one.
    let (dir, live, _) = two_tokens();
    let server = github(&live);
    {
        let trace = tempfile::NamedTempFile::new().unwrap();
        let status = StdCommand::new("strace")
            .args(["-f", "-qq", "-e", "trace=socket,connect", "-o"])
            .arg(trace.path())
            .arg(assert_cmd::cargo::cargo_bin("leakscan"))
            .args(["scan", "--isolated", "--no-progress", "--verify"])
            .arg(dir.path())
            .envs(github_verify_env(server.addr, &providers::pki().ca_pem, dir.path()))
            .stdout(std::process::Stdio::null())
            .status()
            .expect("strace is installed (.ci/run installs it)");
        assert_eq!(status.code(), Some(1));
        let text = fs::read_to_string(trace.path()).unwrap();
        assert!(text.contains("AF_INET"), "the tracer sees sockets: {text}");
    }

    // Without --verify: nothing, whatever the subcommand.
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q"]);
    fs::write(repo.path().join("ci.env"), format!("GITHUB_TOKEN={live}\n")).unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "add ci"]);
    let images = tempfile::tempdir().unwrap();
    let image = docker_save(images.path());
    let audit_root = tempfile::tempdir().unwrap();
    copy_tree(repo.path(), &audit_root.path().join("repo-a"));
    let store_dir = tempfile::tempdir().unwrap();
    let store = store_dir.path().join("audit.db");
    let store_arg = store.to_str().unwrap();
    let file = dir.path().join("deploy/ci.env");
    let file_arg = file.to_str().unwrap();
    let explain_arg = format!("{file_arg}:1");
    let cases: Vec<(Vec<&str>, Option<&Path>, Option<&str>)> = vec![
        (vec!["scan", "--no-progress"], Some(dir.path()), None),
        (vec!["scan", "--no-progress", "-"], None, Some("token: x\n")),
        (vec!["git", "--no-progress"], Some(repo.path()), None),
        (vec!["git", "--no-progress", "--staged"], Some(repo.path()), None),
        (vec!["image", "--no-progress"], Some(image.as_path()), None),
        (
            vec!["audit", "--no-progress", "--datastore", store_arg],
            Some(audit_root.path()),
            None,
        ),
        (vec!["report", "--datastore", store_arg], None, None),
        (vec!["explain", &explain_arg], None, None),
        (vec!["baseline", "create", "-o", "/dev/null"], Some(dir.path()), None),
        (vec!["redact", file_arg], None, None),
        (vec!["rules", "check"], None, None),
        (vec!["rules", "list"], None, None),
    ];
    for (args, path, stdin) in cases {
        let calls = network_calls(&args, path, stdin);
        assert!(calls.is_empty(), "leakscan {args:?} opened a network socket: {calls:?}");
    }
}
