//! End-to-end tests of bulk audits: `audit`, `report`, `triage`, `datastore verify`, `merge`
//! and `--shard`, on repositories built with the `git` CLI in temp directories.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use common::{GITHUB_TOKEN, OTHER_TOKEN, assert_valid_sarif, git, json_of, leakscan};
use serde_json::Value;

fn commit(repo: &Path, path: &str, content: &str, message: &str) {
    fs::write(repo.join(path), content).unwrap();
    git(repo, &["add", path]);
    git(repo, &["commit", "-q", "-m", message]);
}

/// A repository under `root` with a README and, when given, a file holding `secret`.
fn repo(root: &Path, name: &str, secret: Option<&str>) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    commit(&dir, "README.md", &format!("# {name}\n"), "readme");
    if let Some(secret) = secret {
        commit(&dir, "config.py", &format!("TOKEN = \"{secret}\"\n"), "add config");
    }
    dir
}

/// `leakscan audit -f json --no-progress ARGS…`, expecting `code`.
fn audit(args: &[&str], db: &Path, code: i32) -> Value {
    let out = leakscan()
        .args(["audit", "--isolated", "--no-progress", "-f", "json", "--datastore"])
        .arg(db)
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    json_of(&out)
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

fn repo_outcome<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {summary:#}"))
}

#[test]
fn cold_audit_then_incremental_reaudit_then_fixed_when_history_is_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "alpha", Some(GITHUB_TOKEN));
    let beta = repo(&org, "beta", Some(OTHER_TOKEN));
    repo(&org, "gamma", None);
    let db = tmp.path().join("audit.db");

    let cold = audit(&[org.to_str().unwrap()], &db, 1);
    assert_eq!(cold["repositories"].as_array().unwrap().len(), 3);
    for (name, findings) in [("alpha", 1), ("beta", 1), ("gamma", 0)] {
        let r = repo_outcome(&cold, name);
        assert_eq!(r["status"], "ok");
        assert_eq!(r["new_findings"], findings, "{name}");
        assert_eq!(r["blobs_skipped"], 0);
    }
    let doc = json_of(&report(&db, "json"));
    assert_eq!(doc["kind"], "leakscan-audit");
    let found: BTreeSet<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["repository"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        found.contains(&("alpha".into(), "github-pat-classic".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("beta".into(), "github-pat-classic".into())),
        "{found:?}"
    );
    let text = String::from_utf8(report(&db, "text")).unwrap();
    assert!(
        !text.contains(GITHUB_TOKEN) && !text.contains(OTHER_TOKEN),
        "reports are redacted"
    );
    assert!(
        !fs::read(&db)
            .unwrap()
            .windows(GITHUB_TOKEN.len())
            .any(|w| w == GITHUB_TOKEN.as_bytes())
    );

    // One new commit with one new blob in beta: only that blob is scanned.
    commit(&beta, "notes.txt", "nothing secret here\n", "notes");
    let again = audit(&[org.to_str().unwrap()], &db, 1);
    assert_eq!(repo_outcome(&again, "beta")["blobs_scanned"], 1);
    assert_eq!(repo_outcome(&again, "beta")["blobs_skipped"], 2);
    assert_eq!(repo_outcome(&again, "alpha")["unchanged"], true);
    assert_eq!(repo_outcome(&again, "alpha")["blobs_scanned"], 0);
    let total: u64 = again["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["blobs_scanned"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1);

    // Rewrite beta's history without the secret: its finding is marked fixed, not deleted.
    git(&beta, &["checkout", "-q", "--orphan", "clean"]);
    git(&beta, &["rm", "-q", "--cached", "config.py"]);
    fs::remove_file(beta.join("config.py")).unwrap();
    git(&beta, &["commit", "-q", "-m", "clean history"]);
    git(&beta, &["branch", "-D", "main"]);
    let rewritten = audit(&[org.to_str().unwrap()], &db, 1);
    assert_eq!(repo_outcome(&rewritten, "beta")["fixed_findings"], 1);
    let doc = json_of(&report(&db, "json"));
    let beta_finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["repository"] == "beta")
        .expect("kept");
    assert!(beta_finding["fixed_at"].is_string());
    assert_eq!(doc["summary"]["by_state"]["fixed"], 1);
}

#[test]
fn triage_is_logged_exported_imported_and_tampering_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "alpha", Some(GITHUB_TOKEN));
    let db = tmp.path().join("audit.db");
    audit(&[org.to_str().unwrap()], &db, 1);
    let doc = json_of(&report(&db, "json"));
    let fp = doc["findings"][0]["fingerprint"].as_str().unwrap().to_string();

    leakscan()
        .args([
            "triage",
            &fp[..12],
            "--status",
            "revoked",
            "--reason",
            "rotated on 2024-03-02",
            "--who",
            "sec-team",
        ])
        .arg("--datastore")
        .arg(&db)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("open -> revoked"));
    leakscan()
        .args([
            "triage",
            &fp,
            "--status",
            "accepted-risk",
            "--reason",
            "test fixture",
            "--who",
            "ada",
        ])
        .arg("--datastore")
        .arg(&db)
        .assert()
        .code(0);
    // A revoked or accepted finding no longer fails the audit.
    audit(&[org.to_str().unwrap()], &db, 0);
    let doc = json_of(&report(&db, "json"));
    assert_eq!(doc["findings"][0]["status"], "accepted-risk");
    assert_eq!(doc["findings"][0]["triaged_by"], "ada");
    assert_eq!(doc["findings"][0]["triage_reason"], "test fixture");

    leakscan()
        .args(["datastore", "verify", "--datastore"])
        .arg(&db)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("intact (2 rows)"));

    // Export, then import into a fresh datastore: the decision survives.
    let export = tmp.path().join("triage.json");
    leakscan()
        .args(["triage", "--export"])
        .arg(&export)
        .arg("--datastore")
        .arg(&db)
        .assert()
        .code(0);
    let fresh = tmp.path().join("fresh.db");
    leakscan()
        .args(["triage", "--import"])
        .arg(&export)
        .arg("--datastore")
        .arg(&fresh)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("1 changed"));
    audit(&[org.to_str().unwrap()], &fresh, 0);
    let doc = json_of(&report(&fresh, "json"));
    assert_eq!(doc["findings"][0]["status"], "accepted-risk");

    // Edit a logged row behind leakscan's back: verify names the row.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("UPDATE audit_log SET why = 'nothing to see' WHERE id = 1", [])
            .unwrap();
    }
    leakscan()
        .args(["datastore", "verify", "--datastore"])
        .arg(&db)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("audit log row 1"));
    // Removing a row breaks the chain at the next one.
    {
        let conn = rusqlite::Connection::open(&fresh).unwrap();
        conn.execute("DELETE FROM audit_log", []).unwrap();
    }
    leakscan()
        .args(["datastore", "verify", "--datastore"])
        .arg(&fresh)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("TAMPERED"));
}

#[test]
fn newer_schema_and_corrupt_datastores_are_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "gamma", None);
    let db = tmp.path().join("audit.db");
    audit(&[org.to_str().unwrap()], &db, 0);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = fs::read(&db).unwrap();
    for args in [vec!["report"], vec!["audit", org.to_str().unwrap()]] {
        leakscan()
            .args(&args)
            .arg("--datastore")
            .arg(&db)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("schema version 99 is newer"));
    }
    assert_eq!(fs::read(&db).unwrap(), before, "never written");

    // Not an SQLite file at all.
    let garbage = tmp.path().join("garbage.db");
    let junk: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(&garbage, &junk).unwrap();
    leakscan()
        .args(["audit", "--no-progress", org.to_str().unwrap(), "--datastore"])
        .arg(&garbage)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("left untouched"));
    assert_eq!(fs::read(&garbage).unwrap(), junk);

    // A real datastore with damaged pages.
    let damaged = tmp.path().join("damaged.db");
    audit(&[org.to_str().unwrap()], &damaged, 0);
    {
        let conn = rusqlite::Connection::open(&damaged).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let mut bytes = fs::read(&damaged).unwrap();
    assert!(bytes.len() > 8192);
    let end = bytes.len().min(4096 * 6);
    for b in &mut bytes[4096..end] {
        *b = 0xA5;
    }
    fs::write(&damaged, &bytes).unwrap();
    leakscan()
        .args(["datastore", "verify", "--datastore"])
        .arg(&damaged)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("left untouched"));
    assert_eq!(fs::read(&damaged).unwrap(), bytes);
}

#[test]
fn unknown_severities_and_statuses_in_a_datastore_are_errors_that_name_the_row() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "alpha", Some(GITHUB_TOKEN));
    let db = tmp.path().join("audit.db");
    audit(&[org.to_str().unwrap()], &db, 1);
    let doc = json_of(&report(&db, "json"));
    let fp = doc["findings"][0]["fingerprint"].as_str().unwrap().to_string();
    let sql = |statement: &str| {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(statement, []).unwrap();
    };
    let refused = |args: &[&str], expected: &str| {
        leakscan()
            .args(args)
            .arg("--datastore")
            .arg(&db)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(expected));
    };

    // A severity no leakscan writes: every reader refuses it, naming table, column and row.
    sql("UPDATE findings SET severity = 'urgent' WHERE id = 1");
    let severity = "findings.severity is `urgent` where id = 1, not one of low, medium, high, critical";
    refused(&["report"], severity);
    refused(&["report", "-f", "json"], severity);
    refused(
        &["audit", "--isolated", "--no-progress", "--full", org.to_str().unwrap()],
        severity,
    );
    sql("UPDATE findings SET severity = 'high', confidence = 'certain' WHERE id = 1");
    refused(
        &["report", "-f", "csv"],
        "findings.confidence is `certain` where id = 1",
    );
    sql("UPDATE findings SET confidence = 'high' WHERE id = 1");
    report(&db, "json");

    // A triage status no leakscan writes: reports, exports and a new decision refuse it.
    sql(&format!(
        "INSERT INTO triage (fingerprint, status, who, at, why) VALUES ('{fp}', 'ignored', 'x', 'y', 'z')"
    ));
    let status = format!(
        "triage.status is `ignored` where fingerprint = {fp}, not one of open, accepted-risk, false-positive, revoked"
    );
    refused(&["report", "-f", "sarif"], &status);
    let export = tmp.path().join("triage.json");
    refused(&["triage", "--export", export.to_str().unwrap()], &status);
    refused(
        &[
            "triage", &fp, "--status", "revoked", "--reason", "rotated", "--who", "ada",
        ],
        &status,
    );
    sql("DELETE FROM triage");

    // A repository status no leakscan writes.
    sql("UPDATE repositories SET status = 'done' WHERE name = 'alpha'");
    refused(
        &["report"],
        "repositories.status is `done` where id = 1, not one of ok, incomplete, failed, pending",
    );
    // A repository registered by an audit that was killed before recording it is pending,
    // which is a status leakscan writes: reported, not refused.
    sql("UPDATE repositories SET status = 'pending' WHERE name = 'alpha'");
    let text = String::from_utf8(report(&db, "text")).unwrap();
    assert!(text.contains("  pending alpha: "), "{text}");
}

#[test]
fn bad_repositories_are_recorded_as_failed_and_the_rest_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "good", None);
    fs::create_dir_all(org.join("not-a-repo")).unwrap();
    fs::write(org.join("not-a-repo/file.txt"), "hello\n").unwrap();
    let corrupt = repo(&org, "corrupt", None);
    fs::write(corrupt.join(".git/HEAD"), "garbage that is no ref\n").unwrap();
    // A repository whose newest commit object is damaged: audited as far as possible.
    let damaged = repo(&org, "damaged", Some(GITHUB_TOKEN));
    let head = git(&damaged, &["rev-parse", "HEAD"]);
    let object = damaged.join(".git/objects").join(&head[..2]).join(&head[2..]);
    let mut perms = fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&object, perms).unwrap();
    fs::write(&object, b"not zlib at all").unwrap();
    let list = tmp.path().join("repos.txt");
    fs::write(
        &list,
        format!("# extra repositories\n{}\n", tmp.path().join("missing").display()),
    )
    .unwrap();
    let db = tmp.path().join("audit.db");
    let summary = audit(&[org.to_str().unwrap(), "--repos-file", list.to_str().unwrap()], &db, 3);
    assert_eq!(repo_outcome(&summary, "good")["status"], "ok");
    assert_eq!(repo_outcome(&summary, "not-a-repo")["status"], "failed");
    assert_eq!(repo_outcome(&summary, "corrupt")["status"], "failed");
    assert_eq!(repo_outcome(&summary, "damaged")["status"], "incomplete");
    let missing = tmp.path().join("missing").display().to_string();
    assert_eq!(repo_outcome(&summary, &missing)["status"], "failed");
    let doc = json_of(&report(&db, "json"));
    let repos = doc["repositories"].as_array().unwrap();
    let reason = |name: &str| {
        repos.iter().find(|r| r["name"] == name).unwrap()["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        reason("not-a-repo").contains("not a git repository"),
        "{}",
        reason("not-a-repo")
    );
    assert!(
        reason("corrupt").contains("corrupt repository"),
        "{}",
        reason("corrupt")
    );
    assert!(reason("damaged").contains("unreadable item"), "{}", reason("damaged"));
    assert!(reason(&missing).contains("no such directory"));
}

#[test]
fn shards_cover_every_repository_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    for i in 0..12 {
        let dir = org.join(format!("repo-{i:02}"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a.txt"), "nothing\n").unwrap();
    }
    let n = 3;
    let mut seen = Vec::new();
    for k in 1..=n {
        let db = tmp.path().join(format!("shard-{k}.db"));
        let shard = format!("{k}/{n}");
        let summary = audit(&[org.to_str().unwrap(), "--no-history", "--shard", &shard], &db, 0);
        for r in summary["repositories"].as_array().unwrap() {
            seen.push(r["name"].as_str().unwrap().to_string());
        }
    }
    seen.sort();
    let all: Vec<String> = (0..12).map(|i| format!("repo-{i:02}")).collect();
    assert_eq!(seen, all, "each repository in exactly one shard");

    // Merged shard datastores hold every repository.
    let merged = tmp.path().join("merged.db");
    let mut cmd = leakscan();
    cmd.args(["merge", "--datastore"]).arg(&merged);
    for k in 1..=n {
        cmd.arg(tmp.path().join(format!("shard-{k}.db")));
    }
    cmd.assert()
        .code(0)
        .stdout(predicates::str::contains("12 repositories"));

    for bad in ["0/3", "4/3", "x"] {
        leakscan()
            .args(["audit", org.to_str().unwrap(), "--shard", bad, "--datastore"])
            .arg(tmp.path().join("bad.db"))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("invalid shard"));
    }
}

#[test]
fn scan_shards_partition_files_and_merge_dedupes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    for i in 0..10 {
        fs::write(src.join(format!("f{i}.env")), format!("GITHUB_TOKEN={GITHUB_TOKEN}\n")).unwrap();
    }
    let mut outputs = Vec::new();
    let mut paths = Vec::new();
    for k in 1..=3 {
        let out = tmp.path().join(format!("s{k}.json"));
        let assert = leakscan()
            .args([
                "scan",
                "--isolated",
                "--no-progress",
                "-f",
                "json",
                "--shard",
                &format!("{k}/3"),
                "-o",
            ])
            .arg(&out)
            .arg(&src)
            .assert();
        let code = assert.get_output().status.code().unwrap();
        assert!(code == 0 || code == 1);
        let doc: Value = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
        for f in doc["findings"].as_array().unwrap() {
            paths.push(f["logical_path"].as_str().unwrap().to_string());
        }
        outputs.push(out);
    }
    paths.sort();
    let all: Vec<String> = (0..10).map(|i| format!("f{i}.env")).collect();
    assert_eq!(paths, all);

    // Merging overlapping outputs (a shard given twice) dedupes by fingerprint.
    let mut cmd = leakscan();
    cmd.args(["merge", "-f", "json"]).args(&outputs).arg(&outputs[0]);
    let doc = json_of(&cmd.assert().code(0).get_output().stdout.clone());
    let fps: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 10);
    assert_eq!(fps.iter().collect::<BTreeSet<_>>().len(), 10);

    // SARIF in, SARIF out (valid), still deduplicated.
    let sarif = tmp.path().join("all.sarif");
    leakscan()
        .args(["scan", "--isolated", "--no-progress", "-f", "sarif", "-o"])
        .arg(&sarif)
        .arg(&src)
        .assert()
        .code(1);
    let out = leakscan()
        .args(["merge", "-f", "sarif"])
        .arg(&sarif)
        .arg(&outputs[1])
        .arg(&sarif)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc = json_of(&out);
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 10);
}

#[test]
fn a_second_audit_fails_clearly_while_one_holds_the_datastore() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "gamma", None);
    let db = tmp.path().join("audit.db");
    audit(&[org.to_str().unwrap()], &db, 0);
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(tmp.path().join("audit.db.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    leakscan()
        .args(["audit", "--no-progress", org.to_str().unwrap(), "--datastore"])
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("another audit is running"));
    // Reports still work while an audit runs.
    report(&db, "text");
    drop(lock);
    audit(&[org.to_str().unwrap()], &db, 0);
}

#[test]
fn a_killed_audit_leaves_a_consistent_resumable_datastore() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    for i in 0..8 {
        repo(&org, &format!("r{i}"), Some(GITHUB_TOKEN));
    }
    let db = tmp.path().join("audit.db");
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("leakscan"))
        .args([
            "audit",
            "--isolated",
            "--no-progress",
            "--jobs",
            "1",
            org.to_str().unwrap(),
            "--datastore",
        ])
        .arg(&db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = child.kill();
    let _ = child.wait();
    if db.exists() {
        leakscan()
            .args(["datastore", "verify", "--datastore"])
            .arg(&db)
            .assert()
            .code(0);
    }
    let summary = audit(&[org.to_str().unwrap()], &db, 1);
    assert!(
        summary["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "ok")
    );
    let doc = json_of(&report(&db, "json"));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 8);
}

#[test]
fn html_report_is_self_contained_and_renders_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "alpha", Some(GITHUB_TOKEN));
    repo(&org, "beta", Some(OTHER_TOKEN));
    let db = tmp.path().join("audit.db");
    audit(&[org.to_str().unwrap()], &db, 1);
    let html_path = tmp.path().join("report.html");
    leakscan()
        .args(["report", "-f", "html", "-o"])
        .arg(&html_path)
        .arg("--datastore")
        .arg(&db)
        .assert()
        .code(0);
    let html = fs::read_to_string(&html_path).unwrap();
    assert!(!html.contains(GITHUB_TOKEN) && !html.contains(OTHER_TOKEN));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no external resources"
    );
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "embedded data cannot close its element"
    );

    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|b| {
        StdCommand::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(
            std::env::var_os("LEAKSCAN_REQUIRE_CHROMIUM").is_none(),
            "chromium is required (LEAKSCAN_REQUIRE_CHROMIUM is set): apt-get install chromium"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium) — HTML rendering not checked");
        return;
    };
    let url = format!("file://{}", html_path.display());
    let out = StdCommand::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("data-rendered=\"yes\""), "the script ran: {dom}");
    assert!(dom.contains("github-pat-classic") && dom.contains("alpha") && dom.contains("beta"));
    assert!(dom.contains("state-open"));
    let shot = std::env::var_os("LEAKSCAN_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("report.png"));
    let status = StdCommand::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,1100",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    assert!(fs::metadata(&shot).unwrap().len() > 10_000, "a real screenshot");
}

/// The first browser of Chromium's names that runs, else `None` (an error when
/// `LEAKSCAN_REQUIRE_CHROMIUM` is set).
fn find_chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|b| {
        StdCommand::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("LEAKSCAN_REQUIRE_CHROMIUM").is_none(),
            "chromium is required (LEAKSCAN_REQUIRE_CHROMIUM is set): apt-get install chromium"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium) — HTML rendering not checked");
    }
    found
}

/// Runs headless `chromium` with `args` and a profile of its own under `dir`; its stdout.
fn run_chromium(chromium: &str, dir: &Path, args: &[String]) -> String {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out = StdCommand::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("profile-{n}")).display()
        ))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Measures the page after it loaded (and followed its `#fragment`), as JSON in the title, and
/// posts the measurements to the parent frame: widths, scroll position, and where the element
/// `TARGET` is.
const PROBE: &str = r#"<script>
addEventListener("load", () => setTimeout(() => {
  const d = document.documentElement, t = document.getElementById("TARGET");
  const m = { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth, innerWidth: innerWidth,
              innerHeight: innerHeight, scrollY: Math.round(scrollY), scrollHeight: d.scrollHeight,
              targetTop: t ? Math.round(t.getBoundingClientRect().top) : null,
              targetShown: t ? !t.hidden && t.getClientRects().length > 0 : false };
  document.title = JSON.stringify(m);
  parent.postMessage(JSON.stringify(m), "*");
}, 300));
</script>
</body>"#;

/// Renders `page` (in `dir`, a copy of the report with [`PROBE`]) in an iframe exactly
/// `width` × `height` CSS pixels (headless Chromium keeps its window at least 500 px wide,
/// so a 390 px viewport needs the frame), opened at `fragment`; returns the probe's
/// measurements, and writes a screenshot of the frame to `shot` when given.
fn render_in_frame(
    chromium: &str,
    dir: &Path,
    page: &str,
    (width, height): (u32, u32),
    fragment: &str,
    shot: Option<&Path>,
) -> Value {
    let frame = dir.join(format!("frame-{width}-{}.html", fragment.len()));
    fs::write(
        &frame,
        format!(
            "<!DOCTYPE html><html><head><title>pending</title></head>\
             <body style=\"margin:0\"><iframe src=\"{page}{fragment}\" \
             style=\"display:block;border:0;width:{width}px;height:{height}px\"></iframe>\
             <script>addEventListener(\"message\", e => {{ document.title = e.data; }});</script>\
             </body></html>"
        ),
    )
    .unwrap();
    let url = format!("file://{}", frame.display());
    let window = format!("--window-size={width},{height}");
    let dom = run_chromium(
        chromium,
        dir,
        &[
            window.clone(),
            "--virtual-time-budget=10000".into(),
            "--dump-dom".into(),
            url.clone(),
        ],
    );
    let title = regex::Regex::new(r"<title>([^<]*)</title>")
        .unwrap()
        .captures(&dom)
        .map(|c| c[1].replace("&amp;", "&").replace("&quot;", "\""))
        .unwrap_or_default();
    let metrics: Value =
        serde_json::from_str(&title).unwrap_or_else(|e| panic!("probe result at {width} px ({e}): {title:?}"));
    if let Some(shot) = shot {
        run_chromium(
            chromium,
            dir,
            &[window, format!("--screenshot={}", shot.display()), url],
        );
        let png = fs::read(shot).unwrap();
        assert!(
            png.len() > 10_000,
            "a real screenshot at {width} px: {} bytes",
            png.len()
        );
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
        let png_width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        assert_eq!(png_width, width, "the screenshot is {width} px wide");
    }
    metrics
}

/// Text as Chromium's `--dump-dom` writes it in an element.
fn dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

#[test]
fn html_report_is_sorted_complete_linkable_and_fits_1280_and_390_px() {
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    let stripe_test_key = concat!(
        "sk_",
        "test_",
        "51iBX5IKjNRV6APEohMUNnJ4",
        "zJdYoceZRbdAl1wVtz3gXoSwj6w2ii"
    );
    // "aardvark" sorts first by repository and holds the low and medium findings, with a long
    // path and a long line, and a file name that is HTML; "zeta" holds the critical ones.
    let aardvark = repo(&org, "aardvark", None);
    commit(
        &aardvark,
        "a.env",
        &format!("STRIPE_SECRET_KEY={stripe_test_key}\n"),
        "stripe test key",
    );
    let hostile = "<b id=\"pwn\">x.env";
    commit(
        &aardvark,
        hostile,
        &format!("# the same key, another blob\nSTRIPE_SECRET_KEY={stripe_test_key}\n"),
        "html in a file name",
    );
    let deep = format!(
        "{}/{}",
        "d".repeat(150),
        "settings_module_with_a_rather_long_name".repeat(3)
    );
    fs::create_dir_all(aardvark.join(&deep)).unwrap();
    let long_line = format!(
        "API_KEY = \"FGnab9MADuWUn9QKCFu74VpWBTCPO0pP\"  # {}\n",
        "no-break-".repeat(40)
    );
    commit(&aardvark, &format!("{deep}/config.py"), &long_line, "long path");
    let zeta = repo(&org, "zeta", Some(GITHUB_TOKEN));
    commit(&zeta, "second.py", &format!("TOKEN = \"{OTHER_TOKEN}\"\n"), "second");
    let db = tmp.path().join("audit.db");
    audit(&[org.to_str().unwrap()], &db, 1);
    let doc = json_of(&report(&db, "json"));
    let findings = doc["findings"].as_array().unwrap().clone();
    let severities: BTreeSet<&str> = findings.iter().map(|f| f["severity"].as_str().unwrap()).collect();
    assert!(
        severities.contains("critical") && severities.contains("low") && severities.contains("medium"),
        "fixture covers the severities: {findings:#?}"
    );
    assert!(
        findings.iter().any(|f| f["path"] == hostile),
        "fixture: the HTML file name is a finding"
    );

    let html_path = tmp.path().join("report.html");
    leakscan()
        .args(["report", "-f", "html", "-o"])
        .arg(&html_path)
        .arg("--datastore")
        .arg(&db)
        .assert()
        .code(0);
    let html = fs::read_to_string(&html_path).unwrap();
    assert!(!html.contains(GITHUB_TOKEN) && !html.contains(OTHER_TOKEN) && !html.contains(stripe_test_key));
    assert!(!html.contains("<b id=\"pwn\">"), "file names are escaped");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url("),
        "no external resources"
    );

    let Some(chromium) = find_chromium() else {
        return;
    };
    let url = format!("file://{}", html_path.display());
    let dom = run_chromium(
        chromium,
        tmp.path(),
        &["--window-size=1280,900".into(), "--dump-dom".into(), url],
    );
    assert!(dom.contains("data-rendered=\"yes\""), "the script ran: {dom}");
    assert!(!dom.contains("<b id=\"pwn\">"), "no element from a file name");
    assert!(dom.contains(&dom_text(hostile)), "the file name is shown as text");

    // One list item per finding, in severity then confidence order (repository, path, line
    // among equals).
    let item = regex::Regex::new(r#"(?s)<li class="finding[^"]*"(.*?)</li>"#).unwrap();
    let items: Vec<&str> = item.captures_iter(&dom).map(|c| c.get(0).unwrap().as_str()).collect();
    assert_eq!(items.len(), findings.len(), "one item per finding");
    let attr = |text: &str, name: &str| -> String {
        regex::Regex::new(&format!(r#"\b{name}="([^"]*)""#))
            .unwrap()
            .captures(text)
            .map(|c| c[1].to_string())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    let rank = |level: &str| {
        ["low", "medium", "high", "critical"]
            .iter()
            .position(|l| *l == level)
            .unwrap()
    };
    let fp_of = |text: &str| -> String {
        findings
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap())
            .find(|fp| text.contains(&format!(">{fp}<")))
            .unwrap_or_else(|| panic!("a visible fingerprint in {text}"))
            .to_string()
    };
    let keys: Vec<(usize, usize, String, String, u64)> = items
        .iter()
        .map(|text| {
            let fp = fp_of(text);
            let f = findings.iter().find(|f| f["fingerprint"] == fp.as_str()).unwrap();
            (
                rank(&attr(text, "data-sev")),
                rank(&attr(text, "data-conf")),
                f["repository"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for pair in keys.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let ordered = (std::cmp::Reverse(a.0), std::cmp::Reverse(a.1), &a.2, &a.3, a.4)
            <= (std::cmp::Reverse(b.0), std::cmp::Reverse(b.1), &b.2, &b.3, b.4);
        assert!(
            ordered,
            "sorted by severity, confidence, repository, path, line: {keys:#?}"
        );
    }
    assert_eq!(keys.first().unwrap().0, rank("critical"), "critical first: {keys:#?}");
    assert_eq!(keys.last().unwrap().0, rank("low"), "low last: {keys:#?}");

    // Each item: commit (short id), author, date, remediation, fingerprint, and a link to
    // its own id.
    let mut remediation_of = std::collections::BTreeMap::new();
    let mut ids = BTreeSet::new();
    for text in &items {
        let fp = fp_of(text);
        let f = findings.iter().find(|f| f["fingerprint"] == fp.as_str()).unwrap();
        let commit = f["commit"]["id"].as_str().expect("history audits record the commit");
        assert!(
            text.contains(&format!(">{}", &commit[..10])) && !text.contains(&format!(">{commit}<")),
            "the short commit id in {text}"
        );
        assert!(
            text.contains(&dom_text("Ada Lovelace <ada@example.org>")),
            "author in {text}"
        );
        assert!(text.contains("2024-03-01T12:00:00Z"), "date in {text}");
        let rule = f["rule"].as_str().unwrap();
        let remediation = remediation_of.entry(rule.to_string()).or_insert_with(|| {
            let explained = leakscan()
                .args(["rules", "explain", rule])
                .assert()
                .code(0)
                .get_output()
                .stdout
                .clone();
            let explained = String::from_utf8(explained).unwrap();
            explained
                .lines()
                .find_map(|l| l.strip_prefix("Remediation: "))
                .unwrap_or_else(|| panic!("remediation of {rule}: {explained}"))
                .to_string()
        });
        assert!(text.contains(&dom_text(remediation)), "remediation of {rule} in {text}");
        let id = attr(text, "id");
        assert!(text.contains(&format!("href=\"#{id}\"")), "a link to itself in {text}");
        assert!(ids.insert(id), "ids are unique");
    }
    // Ids are stable: the same in a report written again.
    let again = leakscan()
        .args(["report", "-f", "html", "--datastore"])
        .arg(&db)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let again = String::from_utf8(again).unwrap();
    for id in &ids {
        assert!(again.contains(&format!("id=\"{id}\"")), "{id} stable");
    }

    // No sideways scroll at 1280 and 390 px; report.html#<id> opens at the finding.
    let last = attr(items.last().unwrap(), "id");
    let probed = html.replacen("</body>", &PROBE.replace("TARGET", &last), 1);
    assert!(probed.contains("postMessage"), "probe inserted");
    fs::write(tmp.path().join("probe.html"), probed).unwrap();
    let shots = std::env::var_os("LEAKSCAN_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    fs::create_dir_all(&shots).unwrap();
    for (width, height) in [(1280, 900), (390, 844)] {
        let shot = shots.join(format!("report-{width}.png"));
        let top = render_in_frame(chromium, tmp.path(), "probe.html", (width, height), "", Some(&shot));
        eprintln!("at {width} px, top of the page: {top}");
        assert_eq!(top["innerWidth"], width, "the viewport is {width} px wide: {top}");
        let scroll = top["scrollWidth"].as_u64().unwrap();
        assert!(
            scroll <= top["clientWidth"].as_u64().unwrap() && scroll <= u64::from(width),
            "no horizontal scrolling at {width} px: {top}"
        );
        assert_eq!(top["scrollY"], 0);
        assert!(
            top["targetTop"].as_i64().unwrap() >= i64::from(height),
            "the last finding starts below the fold without a fragment: {top}"
        );
        let linked = render_in_frame(
            chromium,
            tmp.path(),
            "probe.html",
            (width, height),
            &format!("#{last}"),
            None,
        );
        eprintln!("at {width} px, opened at #{last}: {linked}");
        let target_top = linked["targetTop"].as_i64().unwrap();
        let scroll_y = linked["scrollY"].as_i64().unwrap();
        let at_bottom = scroll_y + i64::from(height) >= linked["scrollHeight"].as_i64().unwrap() - 1;
        assert!(scroll_y > 0, "scrolled: {linked}");
        assert!(
            linked["targetShown"] == true
                && (0..i64::from(height)).contains(&target_top)
                && (target_top <= 12 || at_bottom),
            "#{last} opens the page at that finding (at the top, or as far as the page scrolls): {linked}"
        );
        assert!(linked["scrollWidth"].as_u64().unwrap() <= u64::from(width));
    }
}

#[test]
fn html_report_wraps_long_values_without_sideways_scroll() {
    // A merged report (no rule set: remediation falls back to advice) whose values have no
    // break opportunity: repository, rule, path, snippet, author, fingerprint; and 36 months.
    let tmp = tempfile::tempdir().unwrap();
    let org = tmp.path().join("org");
    repo(&org, "alpha", Some(GITHUB_TOKEN));
    let db = tmp.path().join("audit.db");
    audit(&[org.to_str().unwrap()], &db, 1);
    let mut doc = json_of(&report(&db, "json"));
    let base = doc["findings"][0].clone();
    let findings: Vec<Value> = (0..36)
        .map(|i| {
            let mut f = base.clone();
            f["repository"] = format!("repository-{}{}", "x".repeat(150), i % 3).into();
            f["rule"] = format!("custom-rule-{}{}", "r".repeat(90), i % 2).into();
            f["fingerprint"] = format!("{:064x}", 1_000_003 * (i + 1)).into();
            f["path"] = format!("src/{}/file{i}.py", "p".repeat(300)).into();
            f["snippet"] = format!("TOKEN = \"ghp_…\"  {}", "#".repeat(400)).into();
            f["severity"] = ["low", "critical", "medium", "high"][i % 4].into();
            f["commit"]["date"] = format!("20{}-{:02}-01T00:00:00Z", 20 + i / 12, i % 12 + 1).into();
            f["commit"]["author"] = format!("Someone <{}@example.org>", "m".repeat(120)).into();
            f
        })
        .collect();
    doc["findings"] = findings.into();
    let input = tmp.path().join("long.json");
    fs::write(&input, serde_json::to_vec(&doc).unwrap()).unwrap();
    let html_path = tmp.path().join("long.html");
    leakscan()
        .args(["merge", "-o"])
        .arg(&html_path)
        .arg(&input)
        .assert()
        .code(0);
    let html = fs::read_to_string(&html_path).unwrap();
    assert_eq!(html.matches("<li class=\"finding").count(), 36);
    assert!(
        html.contains("leakscan rules explain custom-rule-"),
        "fallback remediation"
    );
    let Some(chromium) = find_chromium() else {
        return;
    };
    let probed = html.replacen("</body>", &PROBE.replace("TARGET", "none"), 1);
    fs::write(tmp.path().join("probe.html"), probed).unwrap();
    for (width, height) in [(1280, 900), (390, 844)] {
        let m = render_in_frame(chromium, tmp.path(), "probe.html", (width, height), "", None);
        eprintln!("long values at {width} px: {m}");
        assert_eq!(m["innerWidth"], width);
        assert!(
            m["scrollWidth"].as_u64().unwrap() <= u64::from(width),
            "no horizontal scrolling at {width} px: {m}"
        );
    }
}
