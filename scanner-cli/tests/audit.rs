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
