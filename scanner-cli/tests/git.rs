//! End-to-end tests of `leakscan git`: history and staged changes, on repositories built by
//! the `git` CLI in temp directories.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn commit_file(dir: &Path, path: &str, content: &str, message: &str) -> String {
    let full = dir.join(path);
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(full, content).unwrap();
    git(dir, &["add", path]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    dir
}

fn run_json(args: &[&str], dir: &Path, code: i32) -> Value {
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(args)
        .args(["-f", "json", "--no-progress"])
        .arg(dir)
        .assert()
        .code(code);
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn a_deleted_secret_is_found_in_history_with_provenance() {
    let repo = new_repo();
    commit_file(repo.path(), "README.md", "hello\n", "Initial commit");
    let added = commit_file(
        repo.path(),
        "config/app.env",
        &format!("A=1\nGH={GITHUB_TOKEN}\n"),
        "Add app config",
    );
    commit_file(repo.path(), "config/app.env", "A=1\n", "Remove the token");

    // Not in the working tree any more…
    Command::cargo_bin("leakscan")
        .unwrap()
        .args(["scan", "--no-progress"])
        .arg(repo.path())
        .assert()
        .code(0);
    // …but in history.
    let doc = run_json(&["git"], repo.path(), 1);
    assert_eq!(rule_ids(&doc), ["github-pat-classic"]);
    let f = &doc["findings"][0];
    assert_eq!(f["logical_path"], "config/app.env");
    assert_eq!(f["start"], serde_json::json!({"line": 2, "column": 4}));
    assert_eq!(f["commit"]["id"], added.as_str());
    assert_eq!(f["commit"]["author"], "Ada Lovelace <ada@example.org>");
    assert_eq!(f["commit"]["date"], "2024-03-01T12:00:00Z");
    assert_eq!(f["commit"]["summary"], "Add app config");
    assert_eq!(f["path"], format!("{}:config/app.env", &added[..10]));
    assert_eq!(doc["history"]["commits"], 3);
    assert_eq!(f["at_head"], "changed");
}

#[test]
fn at_head_tells_whether_the_secret_is_still_there() {
    let repo = new_repo();
    commit_file(repo.path(), "kept.env", &format!("T={GITHUB_TOKEN}\n"), "kept");
    commit_file(repo.path(), "gone.env", &format!("T={OTHER_TOKEN}\n"), "gone");
    git(repo.path(), &["rm", "-q", "gone.env"]);
    git(repo.path(), &["commit", "-q", "-m", "remove gone.env"]);
    let doc = run_json(&["git"], repo.path(), 1);
    let state = |path: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["logical_path"] == path)
            .unwrap()["at_head"]
            .clone()
    };
    assert_eq!(state("kept.env"), "same");
    assert_eq!(state("gone.env"), "deleted");
}

#[test]
fn bare_and_shallow_repositories() {
    let repo = new_repo();
    commit_file(repo.path(), "old.env", &format!("T={GITHUB_TOKEN}\n"), "old");
    commit_file(repo.path(), "new.env", &format!("T={OTHER_TOKEN}\n"), "new");
    let bare = tempfile::tempdir().unwrap();
    git(
        bare.path(),
        &["clone", "-q", "--bare", &repo.path().display().to_string(), "b.git"],
    );
    let doc = run_json(&["git"], &bare.path().join("b.git"), 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
    let shallow = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(shallow.path(), &["clone", "-q", "--depth", "1", &url, "s"]);
    let doc = run_json(&["git"], &shallow.path().join("s"), 1);
    assert_eq!(doc["history"]["shallow"], true);
    assert_eq!(doc["history"]["commits"], 1);
    // Both files are in the one commit the shallow clone has.
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn a_missing_object_is_reported_and_the_rest_still_scanned() {
    let repo = new_repo();
    commit_file(repo.path(), "a.env", &format!("T={GITHUB_TOKEN}\n"), "a");
    commit_file(repo.path(), "b.txt", "plain text\n", "b");
    let blob = git(repo.path(), &["rev-parse", "HEAD:b.txt"]);
    fs::remove_file(repo.path().join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    // The token is still found (exit 1) and the missing object is reported.
    let doc = run_json(&["git"], repo.path(), 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert!(doc["errors"][0]["message"].as_str().unwrap().contains(&blob), "{doc:#}");
    // Without a finding elsewhere, the incomplete scan exits 3.
    let clean = new_repo();
    commit_file(clean.path(), "b.txt", "plain text\n", "b");
    let blob = git(clean.path(), &["rev-parse", "HEAD:b.txt"]);
    fs::remove_file(clean.path().join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    run_json(&["git"], clean.path(), 3);
}

#[test]
fn every_blob_is_scanned_once() {
    let repo = new_repo();
    let content = format!("T={GITHUB_TOKEN}\n");
    commit_file(repo.path(), "a.env", &content, "one");
    commit_file(repo.path(), "b.env", &content, "same content, another path");
    commit_file(repo.path(), "c.txt", "unrelated\n", "three");
    let doc = run_json(&["git"], repo.path(), 1);
    // Unique blobs: the token file and c.txt.
    assert_eq!(doc["history"]["unique_blobs"], 2);
    assert_eq!(doc["stats"]["blobs"], 2);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1, "one blob, one finding");
    assert_eq!(doc["findings"][0]["commit"]["summary"], "one");
}

#[test]
fn a_secret_on_a_side_branch_is_found_and_branch_limits_the_walk() {
    let repo = new_repo();
    commit_file(repo.path(), "README.md", "hello\n", "Initial commit");
    git(repo.path(), &["checkout", "-q", "-b", "feature"]);
    commit_file(
        repo.path(),
        "keys.txt",
        &format!("aws_access_key_id={AWS_KEY_ID}\n"),
        "WIP keys",
    );
    git(repo.path(), &["checkout", "-q", "main"]);
    let doc = run_json(&["git"], repo.path(), 1);
    assert_eq!(rule_ids(&doc), ["aws-access-key-id"]);
    run_json(&["git", "--branch", "main"], repo.path(), 0);
    run_json(&["git", "--branch", "feature"], repo.path(), 1);
}

#[test]
fn since_limits_to_new_blobs() {
    let repo = new_repo();
    commit_file(repo.path(), "old.env", &format!("T={GITHUB_TOKEN}\n"), "old secret");
    let base = git(repo.path(), &["rev-parse", "HEAD"]);
    run_json(&["git", "--since", &base], repo.path(), 0);
    commit_file(repo.path(), "new.env", &format!("T={OTHER_TOKEN}\n"), "new secret");
    let doc = run_json(&["git", "--since", &base], repo.path(), 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["logical_path"], "new.env");
}

#[test]
fn staged_scans_the_index_not_the_work_tree() {
    let repo = new_repo();
    commit_file(repo.path(), "README.md", "hello\n", "Initial commit");
    fs::write(repo.path().join("staged.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    git(repo.path(), &["add", "staged.env"]);
    // Unstaged edit: the working tree now differs from the index; the staged token stays.
    fs::write(repo.path().join("staged.env"), "T=\n").unwrap();
    fs::write(repo.path().join("unstaged.env"), format!("T={OTHER_TOKEN}\n")).unwrap();
    let doc = run_json(&["git", "--staged"], repo.path(), 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["logical_path"], "staged.env");
    assert_eq!(doc["staged"]["changed"], 1);
}

#[test]
fn staged_ignores_secrets_already_in_head() {
    let repo = new_repo();
    commit_file(
        repo.path(),
        "app.env",
        &format!("T={GITHUB_TOKEN}\n"),
        "committed earlier",
    );
    fs::write(
        repo.path().join("app.env"),
        format!("# a comment\nT={GITHUB_TOKEN}\nX=1\n"),
    )
    .unwrap();
    git(repo.path(), &["add", "app.env"]);
    let doc = run_json(&["git", "--staged", "--show-suppressed"], repo.path(), 0);
    assert_eq!(doc["findings"][0]["suppression"]["kind"], "already-committed");
    // A new secret in the same file does fail.
    fs::write(
        repo.path().join("app.env"),
        format!("T={GITHUB_TOKEN}\nU={OTHER_TOKEN}\n"),
    )
    .unwrap();
    git(repo.path(), &["add", "app.env"]);
    let doc = run_json(&["git", "--staged"], repo.path(), 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["findings"][0]["start"]["line"], 2);
}

#[test]
fn staged_works_before_the_first_commit_and_with_deletions_and_renames() {
    let repo = new_repo();
    fs::write(repo.path().join("first.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    git(repo.path(), &["add", "first.env"]);
    run_json(&["git", "--staged"], repo.path(), 1);
    git(repo.path(), &["commit", "-q", "-m", "first"]);
    // A rename keeps the blob: nothing new is staged.
    git(repo.path(), &["mv", "first.env", "renamed.env"]);
    let doc = run_json(&["git", "--staged"], repo.path(), 0);
    assert_eq!(doc["staged"]["changed"], 0);
    // Renamed and edited: the secret came from HEAD, so it is already committed, not new.
    fs::write(repo.path().join("renamed.env"), format!("# moved\nT={GITHUB_TOKEN}\n")).unwrap();
    git(repo.path(), &["add", "renamed.env"]);
    let doc = run_json(&["git", "--staged", "--show-suppressed"], repo.path(), 0);
    assert_eq!(doc["staged"]["changed"], 1);
    assert_eq!(doc["findings"][0]["suppression"]["kind"], "already-committed");
    // A deletion stages nothing to scan.
    git(repo.path(), &["rm", "-q", "-f", "renamed.env"]);
    let doc = run_json(&["git", "--staged"], repo.path(), 0);
    assert_eq!(doc["staged"]["changed"], 0);
}

#[test]
fn not_a_repository_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("leakscan")
        .unwrap()
        .arg("git")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a git repository"));
    let repo = new_repo();
    commit_file(repo.path(), "a", "a\n", "a");
    Command::cargo_bin("leakscan")
        .unwrap()
        .args(["git", "--since", "no-such-rev"])
        .arg(repo.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-rev"));
}

#[test]
fn history_sarif_is_valid_and_categorised() {
    let repo = new_repo();
    commit_file(repo.path(), "app.env", &format!("T={GITHUB_TOKEN}\n"), "add");
    git(
        repo.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://ci:hunter2@git.example.org/team/app.git",
        ],
    );
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(["git", "-f", "sarif"])
        .arg(repo.path())
        .assert()
        .code(1);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &doc["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "leakscan/history/");
    let result = &run["results"][0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app.env"
    );
    assert_eq!(result["properties"]["commitSummary"], "add");
    let vcs = &run["versionControlProvenance"][0];
    assert_eq!(
        vcs["repositoryUri"], "https://git.example.org/team/app.git",
        "credentials are dropped"
    );
    assert_eq!(vcs["branch"], "refs/heads/main");
    assert_eq!(vcs["revisionId"].as_str().unwrap().len(), 40);
}

#[test]
fn all_occurrences_lists_every_commit_and_path() {
    let repo = new_repo();
    let content = format!("T={GITHUB_TOKEN}\n");
    let first = commit_file(repo.path(), "a.env", &content, "one");
    let second = commit_file(repo.path(), "b.env", &content, "copy");
    let third = commit_file(repo.path(), "c.txt", "other\n", "unrelated");
    let doc = run_json(&["git", "--all-occurrences"], repo.path(), 1);
    let mut got: Vec<(String, String)> = doc["findings"][0]["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["commit"].as_str().unwrap().to_string(),
                o["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (first.clone(), "a.env".to_string()),
        (second.clone(), "a.env".to_string()),
        (second, "b.env".to_string()),
        (third.clone(), "a.env".to_string()),
        (third, "b.env".to_string()),
    ];
    want.sort();
    assert_eq!(got, want);
    // Without the flag, only the first occurrence is named.
    let doc = run_json(&["git"], repo.path(), 1);
    assert!(doc["findings"][0].get("occurrences").is_none());
    assert_eq!(doc["findings"][0]["commit"]["id"], first.as_str());
}

#[test]
fn the_repository_config_cannot_run_code() {
    // A hostile repository config: an fsmonitor hook and a clean filter that would create a
    // marker file if anything ran them.
    let repo = new_repo();
    commit_file(repo.path(), "a.env", &format!("T={GITHUB_TOKEN}\n"), "add");
    let marker = repo.path().join("pwned");
    let hook = format!("touch {}", marker.display());
    git(repo.path(), &["config", "core.fsmonitor", &hook]);
    git(repo.path(), &["config", "filter.evil.clean", &hook]);
    fs::write(repo.path().join(".gitattributes"), "* filter=evil\n").unwrap();
    run_json(&["git"], repo.path(), 1);
    run_json(&["git", "--staged"], repo.path(), 0);
    assert!(!marker.exists(), "leakscan ran code from the scanned repository");
}

fn git_status(dir: &Path, args: &[&str]) -> bool {
    StdCommand::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Ada Lovelace",
            "-c",
            "user.email=ada@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs")
        .status
        .success()
}

#[test]
fn installed_pre_commit_hook_blocks_a_secret() {
    let repo = new_repo();
    commit_file(repo.path(), "README.md", "hello\n", "Initial commit");
    Command::cargo_bin("leakscan")
        .unwrap()
        .arg("install-hook")
        .arg(repo.path())
        .assert()
        .code(0);
    let hook = repo.path().join(".git/hooks/pre-commit");
    assert!(fs::read_to_string(&hook).unwrap().contains("git --staged"));
    fs::write(repo.path().join("ok.txt"), "fine\n").unwrap();
    git(repo.path(), &["add", "ok.txt"]);
    assert!(
        git_status(repo.path(), &["commit", "-q", "-m", "clean change"]),
        "a clean commit must pass"
    );
    fs::write(repo.path().join("leak.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    git(repo.path(), &["add", "leak.env"]);
    assert!(
        !git_status(repo.path(), &["commit", "-q", "-m", "leak"]),
        "the hook must block the secret"
    );
    // Reinstalling replaces our own hook; a foreign hook is never replaced.
    Command::cargo_bin("leakscan")
        .unwrap()
        .arg("install-hook")
        .arg(repo.path())
        .assert()
        .code(0);
    fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    Command::cargo_bin("leakscan")
        .unwrap()
        .arg("install-hook")
        .arg(repo.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not replacing it"));
    assert_eq!(fs::read_to_string(&hook).unwrap(), "#!/bin/sh\necho mine\n");
}

#[test]
fn pre_push_scans_only_what_the_remote_lacks() {
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare"]);
    let repo = new_repo();
    // A secret that is already on the remote must not block later pushes.
    commit_file(
        repo.path(),
        "old.env",
        &format!("T={OTHER_TOKEN}\n"),
        "old secret, already pushed",
    );
    git(
        repo.path(),
        &["remote", "add", "origin", &remote.path().display().to_string()],
    );
    git(repo.path(), &["push", "-q", "origin", "main"]);
    Command::cargo_bin("leakscan")
        .unwrap()
        .args(["install-hook", "--pre-push"])
        .arg(repo.path())
        .assert()
        .code(0);
    commit_file(repo.path(), "clean.txt", "fine\n", "clean");
    assert!(
        git_status(repo.path(), &["push", "-q", "origin", "main"]),
        "a clean push must pass"
    );
    commit_file(repo.path(), "new.env", &format!("T={GITHUB_TOKEN}\n"), "new secret");
    assert!(
        !git_status(repo.path(), &["push", "-q", "origin", "main"]),
        "the hook must block the new secret"
    );
    // The same check, driven directly with git's pre-push input.
    let local = git(repo.path(), &["rev-parse", "HEAD"]);
    let remote_tip = git(repo.path(), &["rev-parse", "origin/main"]);
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(["git", "--pre-push", "-f", "json"])
        .arg(repo.path())
        .write_stdin(format!("refs/heads/main {local} refs/heads/main {remote_tip}\n"))
        .assert()
        .code(1);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(rule_ids(&doc), ["github-pat-classic"]);
    assert_eq!(doc["findings"][0]["logical_path"], "new.env");
    assert_eq!(doc["history"]["commits"], 1);
}

#[test]
fn submodules_are_listed_and_followed_on_request() {
    let sub = new_repo();
    commit_file(
        sub.path(),
        "keys/deploy.env",
        &format!("T={GITHUB_TOKEN}\n"),
        "sub secret",
    );
    let sup = new_repo();
    commit_file(sup.path(), "README.md", "super\n", "init");
    let url = sub.path().display().to_string();
    git(
        sup.path(),
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            &url,
            "libs/sub",
        ],
    );
    git(sup.path(), &["commit", "-q", "-m", "add submodule"]);
    let doc = run_json(&["git"], sup.path(), 0);
    assert_eq!(doc["history"]["submodules"], serde_json::json!(["libs/sub"]));
    let doc = run_json(&["git", "--recurse-submodules"], sup.path(), 1);
    assert_eq!(doc["findings"][0]["logical_path"], "libs/sub/keys/deploy.env");
    assert_eq!(doc["findings"][0]["commit"]["summary"], "sub secret");
    // Not checked out: reported as skipped, not an error.
    fs::remove_dir_all(sup.path().join("libs/sub")).unwrap();
    fs::create_dir_all(sup.path().join("libs/sub")).unwrap();
    let doc = run_json(&["git", "--recurse-submodules"], sup.path(), 0);
    assert_eq!(doc["skipped"][0]["reason"], "submodule");
}

#[test]
fn worktrees_share_the_history() {
    let repo = new_repo();
    commit_file(repo.path(), "a.env", &format!("T={GITHUB_TOKEN}\n"), "add");
    let outer = tempfile::tempdir().unwrap();
    let wt = outer.path().join("wt");
    git(repo.path(), &["worktree", "add", "-q", &wt.display().to_string()]);
    let doc = run_json(&["git"], &wt, 1);
    assert_eq!(doc["findings"][0]["logical_path"], "a.env");
    fs::write(wt.join("b.env"), format!("T={OTHER_TOKEN}\n")).unwrap();
    git(&wt, &["add", "b.env"]);
    let doc = run_json(&["git", "--staged"], &wt, 1);
    assert_eq!(doc["findings"][0]["logical_path"], "b.env");
}

#[test]
fn a_broken_ref_is_reported_and_history_still_scanned() {
    let repo = new_repo();
    commit_file(repo.path(), "a.env", &format!("T={GITHUB_TOKEN}\n"), "add");
    fs::write(
        repo.path().join(".git/refs/heads/broken"),
        format!("{}\n", "1234567890".repeat(4)),
    )
    .unwrap();
    let doc = run_json(&["git"], repo.path(), 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let errors = doc["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["path"].as_str().unwrap().ends_with("refs/heads/broken")),
        "{doc:#}"
    );
}

#[test]
fn a_secret_edited_around_is_one_finding_at_its_first_commit() {
    // A file carrying a token, edited four times (every version is another blob): one finding,
    // at the commit that introduced it (by date, then parents before children: all commits here
    // share one date, so the hash order must not decide), listing the later versions.
    let repo = new_repo();
    let mut commits = Vec::new();
    for n in 0..4 {
        commits.push(commit_file(
            repo.path(),
            "config/app.env",
            &format!("# revision {n}\nT={GITHUB_TOKEN}\n"),
            &format!("edit {n}"),
        ));
    }
    commit_file(
        repo.path(),
        "other.env",
        &format!("T={GITHUB_TOKEN}\n"),
        "copy elsewhere",
    );
    let doc = run_json(&["git"], repo.path(), 1);
    let findings = doc["findings"].as_array().unwrap();
    let at = |path: &str| -> Vec<&Value> { findings.iter().filter(|f| f["logical_path"] == path).collect() };
    let app = at("config/app.env");
    assert_eq!(app.len(), 1, "one finding per secret and path: {findings:#?}");
    assert_eq!(app[0]["commit"]["id"], commits[0].as_str(), "the introducing commit");
    let later: Vec<&str> = app[0]["later_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["commit"].as_str().unwrap())
        .collect();
    assert_eq!(later, commits[1..].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(at("other.env").len(), 1, "another path is another finding");
    assert_eq!(doc["stats"]["findings"], 2, "the gate counts each secret and path once");
    // SARIF carries the later versions too; the text report says how many.
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(["git", "--no-progress", "-f", "sarif"])
        .arg(repo.path())
        .assert()
        .code(1);
    let sarif: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| {
        r["properties"]["laterVersions"]
            .as_array()
            .is_some_and(|l| l.len() == 3)
    }));
    Command::cargo_bin("leakscan")
        .unwrap()
        .args(["git", "--no-progress"])
        .arg(repo.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("still in 3 later version(s) of the file"));
}
