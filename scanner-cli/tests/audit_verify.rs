//! Live verification in bulk audits (`audit --verify`, `--reverify-older-than`): verdicts kept
//! in the datastore with their history, shown by `report`, refreshed on request. Providers are
//! local HTTPS servers on 127.0.0.1 (the verify crate's test servers), reached through the
//! test-only `LEAKSCAN_VERIFY_TEST_ENDPOINTS`, as in `tests/verify.rs`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;
#[path = "../../crates/verify/tests/common/mod.rs"]
mod providers;

use common::*;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

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

/// A repository `name` under `root` whose history holds `secret` in `ci.env`.
fn repo_with(root: &Path, name: &str, secret: &str) {
    let dir = root.join(name);
    fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    fs::write(dir.join("ci.env"), format!("GITHUB_TOKEN={secret}\n")).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "add ci"]);
}

/// Two repositories: `alpha` with a token the provider accepts, `beta` with one it refuses.
fn org() -> (tempfile::TempDir, PathBuf, String, String) {
    let mut rng = Rng::new(2525);
    let live = fake_github_token(&mut rng);
    let revoked = fake_github_token(&mut rng);
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo_with(&org, "alpha", &live);
    repo_with(&org, "beta", &revoked);
    (tmp, org, live, revoked)
}

/// `leakscan audit --isolated --no-progress -f json --datastore DB ARGS ORG` with
/// verification requests for api.github.com sent to `server`: (exit code, summary, stderr).
fn audit(server: &providers::Server, db: &Path, org: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = leakscan()
        .args(["audit", "--isolated", "--no-progress", "-f", "json", "--datastore"])
        .arg(db)
        .args(args)
        .arg(org)
        .envs(github_verify_env(
            server.addr,
            &providers::pki().ca_pem,
            db.parent().unwrap(),
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), summary, stderr)
}

fn report(db: &Path, format: &str) -> Vec<u8> {
    leakscan()
        .args(["report", "-f", format, "--datastore"])
        .arg(db)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone()
}

/// The findings of `report -f json`, by repository name.
fn finding_of(doc: &Value, repository: &str) -> Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["repository"] == repository)
        .unwrap_or_else(|| panic!("a finding in {repository}: {doc:#}"))
        .clone()
}

/// Rows of the verdict history, per repository name.
fn history_rows(db: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT r.name, v.status FROM verifications v JOIN findings f ON f.id = v.finding_id
             JOIN repositories r ON r.id = f.repository_id ORDER BY v.id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn audit_records_verdicts_reports_them_and_reverifies_only_on_request() {
    let (tmp, org, live, revoked) = org();
    let server = github(&live);
    let db = tmp.path().join("audit.db");

    // Cold audit with --verify: both tokens asked about once, the verdicts recorded.
    let (code, summary, stderr) = audit(&server, &db, &org, &["--verify"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(server.seen().len(), 2, "{stderr}");
    let verified: u64 = summary["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verified"].as_u64().unwrap())
        .sum();
    assert_eq!(verified, 2, "{summary:#}");
    assert_eq!(history_rows(&db).len(), 2);

    // report -f json: the latest verdict of each finding, with the identity.
    let doc = json_of(&report(&db, "json"));
    let alpha = finding_of(&doc, "alpha");
    assert_eq!(alpha["verification"]["status"], "live", "{doc:#}");
    assert_eq!(alpha["verification"]["identity"][0]["name"], "login");
    assert_eq!(alpha["verification"]["identity"][0]["value"], "octo-fixture");
    assert!(alpha["verification"]["checked_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(finding_of(&doc, "beta")["verification"]["status"], "revoked");
    assert_eq!(doc["summary"]["by_verification"]["live"], 1);
    let text = String::from_utf8_lossy(&report(&db, "json")).into_owned()
        + &String::from_utf8_lossy(&report(&db, "text"))
        + &String::from_utf8_lossy(&report(&db, "csv"))
        + &String::from_utf8_lossy(&report(&db, "sarif"))
        + &String::from_utf8_lossy(&report(&db, "html"));
    assert!(
        !text.contains(&live) && !text.contains(&revoked),
        "no secret in any report"
    );

    // SARIF: the verdict in the properties, the live secret at level error.
    let sarif = json_of(&report(&db, "sarif"));
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let live_result = results
        .iter()
        .find(|r| r["properties"]["verification"] == "live")
        .unwrap();
    assert_eq!(live_result["level"], "error");
    assert_eq!(live_result["properties"]["repository"], "alpha");

    // Text: live credentials first; HTML: a LIVE badge.
    let text = String::from_utf8_lossy(&report(&db, "text")).into_owned();
    let first_live = text.find("1 live credential(s)").unwrap();
    assert!(first_live < text.find("\nalpha\n").unwrap(), "{text}");
    assert!(text.contains("as login=octo-fixture"), "{text}");
    let html = String::from_utf8_lossy(&report(&db, "html")).into_owned();
    assert!(html.contains(">LIVE</span>"));
    let csv = String::from_utf8_lossy(&report(&db, "csv")).into_owned();
    assert!(csv.lines().next().unwrap().ends_with(",verification,verified_at"));
    assert!(csv.lines().any(|l| l.contains(",live,")), "{csv}");

    // Re-audit of unchanged repositories: not rescanned, the provider is not asked again.
    let (code, summary, stderr) = audit(&server, &db, &org, &["--verify"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        summary["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["unchanged"] == true),
        "{summary:#}"
    );
    assert_eq!(server.seen().len(), 2, "no new request");
    assert_eq!(history_rows(&db).len(), 2);
    // Fresh verdicts are not older than 7 days: still nothing asked.
    let (_, summary, stderr) = audit(&server, &db, &org, &["--verify", "--reverify-older-than", "7d"]);
    assert_eq!(server.seen().len(), 2, "{stderr}");
    assert_eq!(summary["repositories"][0]["unchanged"], true, "{summary:#}");

    // --reverify-older-than 0s: every verdict is stale; the repositories are rescanned and
    // each finding gains a second verdict, the first kept.
    let (code, summary, stderr) = audit(&server, &db, &org, &["--verify", "--reverify-older-than", "0s"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(server.seen().len(), 4, "{stderr}");
    for r in summary["repositories"].as_array().unwrap() {
        assert_eq!(r["unchanged"], false, "{summary:#}");
        assert_eq!(r["reverify"], 1, "{summary:#}");
        assert_eq!(r["verified"], 1, "{summary:#}");
        assert_eq!(r["new_findings"], 0, "{summary:#}");
        assert_eq!(r["fixed_findings"], 0, "{summary:#}");
    }
    let rows = history_rows(&db);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows.iter().filter(|(repo, _)| repo == "alpha").count(), 2);
    assert!(
        rows.iter()
            .filter(|(repo, _)| repo == "alpha")
            .all(|(_, status)| status == "live")
    );
    // The history is consistent with the tamper-evident log.
    leakscan()
        .args(["datastore", "verify", "--datastore"])
        .arg(&db)
        .assert()
        .code(0);
    // And the incremental state survived: a plain re-audit is unchanged again.
    let (_, summary, _) = audit(&server, &db, &org, &["--verify"]);
    assert_eq!(summary["repositories"][1]["unchanged"], true, "{summary:#}");
    assert_eq!(server.seen().len(), 4);
}

#[test]
fn fail_on_live_in_an_audit_fails_only_on_live_verdicts() {
    let (tmp, org, live, _) = org();
    let db = tmp.path().join("audit.db");
    let (code, _, stderr) = audit(&github(&live), &db, &org, &["--verify", "--fail-on", "live"]);
    assert_eq!(code, 1, "the live token fails: {stderr}");
    let db2 = tmp.path().join("audit2.db");
    let (code, _, stderr) = audit(&github("nobody"), &db2, &org, &["--verify", "--fail-on", "live"]);
    assert_eq!(code, 0, "nothing live: {stderr}");
}

#[test]
fn reverify_older_than_needs_verify_and_a_valid_age() {
    let (tmp, org, _, _) = org();
    let db = tmp.path().join("audit.db");
    leakscan()
        .args([
            "audit",
            "--isolated",
            "--no-progress",
            "--reverify-older-than",
            "7d",
            "--datastore",
        ])
        .arg(&db)
        .arg(&org)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--reverify-older-than needs --verify"));
    assert!(!db.exists(), "nothing was audited");
    leakscan()
        .args([
            "audit",
            "--isolated",
            "--no-progress",
            "--verify",
            "--reverify-older-than",
            "7 days",
            "--datastore",
        ])
        .arg(&db)
        .arg(&org)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid --reverify-older-than `7 days`"));
}
