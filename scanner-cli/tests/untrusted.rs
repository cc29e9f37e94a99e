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

// ---------------------------------------------------------------------------------------
// Configuration found in the scanned tree (the trust model of SECURITY.md)
// ---------------------------------------------------------------------------------------

/// A repository with `.git`, a planted token and `leakscan.toml` holding `config`.
fn repo_with_config(config: &str) -> tempfile::TempDir {
    let dir = tree(&[
        ("app.env", format!("GITHUB_TOKEN={GITHUB_TOKEN}\n")),
        ("leakscan.toml", config.to_string()),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

/// `leakscan scan --no-progress ARGS… .` in `dir`, as CI runs it (configuration discovered).
fn scan_in(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = leakscan()
        .current_dir(dir)
        .env("CI_JOB_TOKEN_CANARY", OTHER_TOKEN)
        .args(["scan", "--no-progress"])
        .args(args)
        .arg(".")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_repository_configuration_cannot_read_files_outside_the_repository() {
    // The environment of the scanning process, a file beside the repository, and a link out.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("credentials"),
        format!("[x]\nkey = {OTHER_TOKEN}\n"),
    )
    .unwrap();
    let creds = outside.path().join("credentials");
    for (key, value) in [
        ("[rules]\nextra", "[\"/proc/self/environ\"]".to_string()),
        ("[rules]\nextra", format!("[{:?}]", creds.display().to_string())),
        ("baseline", format!("{:?}", creds.display().to_string())),
        ("baseline", "\"/dev/zero\"".to_string()),
        ("[rules]\nextra", "[\"linked.toml\"]".to_string()),
    ] {
        let dir = repo_with_config(&format!("{key} = {value}\n"));
        #[cfg(unix)]
        std::os::unix::fs::symlink(&creds, dir.path().join("linked.toml")).unwrap();
        let started = std::time::Instant::now();
        let (code, stdout, stderr) = scan_in(dir.path(), &[]);
        assert_eq!(code, Some(2), "{key} = {value}: {stderr}");
        assert!(
            started.elapsed().as_secs() < 20,
            "{key} = {value} took {:?}",
            started.elapsed()
        );
        let name = key.rsplit('\n').next().unwrap();
        let expect_key = if name == "extra" { "[rules] extra" } else { name };
        assert!(
            stderr.contains(&format!("{expect_key}: ")) && stderr.contains("is outside the repository"),
            "{key} = {value}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert_absent(&format!("{key} = {value}"), &(stdout + &stderr), &[OTHER_TOKEN]);
        // The user's own configuration (--config) is trusted with the same file.
        let trusted = dir.path().join("leakscan.toml");
        if value.contains("credentials") && key == "baseline" {
            let (code, _, stderr) = scan_in(dir.path(), &["--config", trusted.to_str().unwrap()]);
            assert_eq!(code, Some(2), "a TOML file is no JSON baseline: {stderr}");
            assert_absent("trusted baseline error", &stderr, &[OTHER_TOKEN]);
        }
    }
}

#[test]
fn parse_errors_never_quote_the_file() {
    let dir = repo_with_config(&format!("[rules\nsecret = \"{OTHER_TOKEN}\"\n"));
    let (code, stdout, stderr) = scan_in(dir.path(), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("line 1, column"), "{stderr}");
    assert_absent("config parse error", &(stdout + &stderr), &[OTHER_TOKEN]);
    // A rule file inside the repository that does not parse.
    let dir = repo_with_config("[rules]\nextra = [\"rules.toml\"]\n");
    std::fs::write(dir.path().join("rules.toml"), format!("[[rule]]\nid = {OTHER_TOKEN}\n")).unwrap();
    let (code, stdout, stderr) = scan_in(dir.path(), &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_absent("rule file parse error", &(stdout + &stderr), &[OTHER_TOKEN]);
}

#[test]
fn a_repository_configuration_that_weakens_the_scan_is_reported() {
    // A tiny size limit: every file is skipped, and the report says who asked for it.
    let dir = repo_with_config("[limits]\nmax_file_size = \"1\"\nmax_memory = \"64G\"\n");
    let (code, stdout, _) = scan_in(dir.path(), &["-f", "json"]);
    assert_eq!(code, Some(0));
    let doc = json_of(stdout.as_bytes());
    let notes = doc["notifications"].as_array().unwrap();
    let has = |kind: &str, level: &str, text: &str| {
        notes
            .iter()
            .any(|n| n["kind"] == kind && n["level"] == level && n["message"].as_str().unwrap().contains(text))
    };
    assert!(
        has("repository-config-limit", "warning", "max_file_size = 1"),
        "{notes:?}"
    );
    assert!(
        has("repository-config-limit", "note", "max_memory"),
        "raising is ignored: {notes:?}"
    );
    assert!(
        doc["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == "app.env")
    );
    // The same in SARIF, as tool configuration notifications.
    let (_, sarif, _) = scan_in(dir.path(), &["-f", "sarif"]);
    let sarif = json_of(sarif.as_bytes());
    assert_valid_sarif(&sarif);
    let config_notes = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"].to_string();
    assert!(config_notes.contains("repository-config-limit"), "{config_notes}");
    // Rules turned off and an allowlist that hides the finding: counted, never silent.
    let dir = repo_with_config("[allow]\npaths = [\"**\"]\n");
    let (code, stdout, _) = scan_in(dir.path(), &[]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("warning") && stdout.contains("suppressed"),
        "the suppression by the repository's allowlist is reported:\n{stdout}"
    );
    // --no-repo-config: CI on an untrusted pull request ignores all of it.
    let (code, stdout, _) = scan_in(dir.path(), &["--no-repo-config"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(!stdout.contains("Configuration ("), "{stdout}");
}

#[test]
fn an_ignore_file_that_covers_the_tree_is_reported_and_no_repo_config_scans_anyway() {
    let dir = tree(&[
        ("app.env", format!("GITHUB_TOKEN={GITHUB_TOKEN}\n")),
        ("src/more.env", format!("TOKEN={OTHER_TOKEN}\n")),
        (".leakscanignore", "*\n".to_string()),
    ]);
    let (code, stdout, _) = scan_in(dir.path(), &["-f", "json"]);
    assert_eq!(code, Some(0));
    let doc = json_of(stdout.as_bytes());
    let note = doc["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "repository-ignore-file")
        .unwrap_or_else(|| panic!("no ignore-file notification: {doc}"));
    assert_eq!(note["level"], "warning");
    assert!(
        note["message"].as_str().unwrap().contains("excludes 3 file(s)"),
        "{note}"
    );
    let (code, stdout, _) = scan_in(dir.path(), &["--no-repo-config", "-f", "json"]);
    assert_eq!(code, Some(1));
    assert_eq!(active(&json_of(stdout.as_bytes())).len(), 2);
    // A .gitignore is not the repository configuring leakscan: no notification.
    let dir = tree(&[
        ("app.env", format!("GITHUB_TOKEN={GITHUB_TOKEN}\n")),
        ("build/out.env", format!("TOKEN={OTHER_TOKEN}\n")),
        (".gitignore", "build/\n".to_string()),
    ]);
    let (code, stdout, _) = scan_in(dir.path(), &["-f", "json"]);
    assert_eq!(code, Some(1));
    assert!(json_of(stdout.as_bytes()).get("notifications").is_none(), "{stdout}");
}

// ---------------------------------------------------------------------------------------
// Metadata: commit messages, authors, ref names, image history, labels and environment
// ---------------------------------------------------------------------------------------

/// Five distinct fake GitHub tokens (valid checksums), generated: one per metadata field.
fn metadata_tokens() -> Vec<String> {
    let mut rng = Rng::new(21);
    (0..5).map(|_| fake_github_token(&mut rng)).collect()
}

/// Runs `leakscan ARGS…` and returns stdout + stderr, asserting the exit code.
fn output_of(args: &[&str], dir: &std::path::Path, code: i32) -> String {
    let out = leakscan()
        .current_dir(dir)
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(code), "leakscan {args:?}:\n{text}");
    text
}

#[test]
fn commit_metadata_is_scanned_and_never_printed() {
    let t = metadata_tokens();
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    std::fs::write(dir.join("app.env"), format!("GITHUB_TOKEN={GITHUB_TOKEN}\n")).unwrap();
    git(dir, &["add", "app.env"]);
    let message = format!("Deploy with {}\n\nThe body says the key is {}\n", t[0], t[1]);
    git(
        dir,
        &[
            "-c",
            &format!("user.name=Mallory {}", t[2]),
            "-c",
            &format!("user.email={}@example.org", t[3]),
            "commit",
            "-q",
            "-m",
            &message,
        ],
    );
    git(dir, &["branch", &format!("leak-{}", t[4])]);
    let planted: Vec<&str> = t.iter().map(String::as_str).chain([GITHUB_TOKEN]).collect();
    for format in FORMATS {
        let out = output_of(&["git", "--isolated", "--no-progress", "-f", format, "."], dir, 1);
        assert_absent(format, &out, &planted);
    }
    // Each field is a finding of its own kind, at its line.
    let doc = json_of(output_of(&["git", "--isolated", "--no-progress", "-f", "json", "."], dir, 1).as_bytes());
    let kinds: Vec<(String, u64)> = active(&doc)
        .iter()
        .map(|f| {
            (
                f["location_kind"].as_str().unwrap_or("file").to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("commit-message", 1),
        ("commit-message", 3),
        ("commit-message", 5),
        ("ref-names", 1),
    ] {
        assert!(
            kinds.contains(&(expected.0.to_string(), expected.1)),
            "{expected:?} not in {kinds:?}"
        );
    }
    // Author name (line 5) and email (line 5 too, and the committer's on line 6).
    assert!(
        kinds.iter().filter(|(k, _)| k == "commit-message").count() >= 5,
        "{kinds:?}"
    );
    // The SARIF says what kind of place it is.
    let sarif = json_of(output_of(&["git", "--isolated", "--no-progress", "-f", "sarif", "."], dir, 1).as_bytes());
    assert_valid_sarif(&sarif);
    assert!(sarif.to_string().contains("\"locationKind\":\"commit-message\""));
    // The audit datastore and every report made from it.
    let org = tempfile::tempdir().unwrap();
    copy_dir_with_git(dir, &org.path().join("repo"));
    let db = org.path().join("audit.db");
    let out = leakscan()
        .args(["audit", "--isolated", "--no-progress", "--datastore"])
        .arg(&db)
        .arg(org.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_absent("audit", &text, &planted);
    for format in ["text", "json", "sarif", "csv", "html"] {
        let out = leakscan()
            .args(["report", "-f", format, "--datastore"])
            .arg(&db)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("app.env"), "{format}: the report lists the file finding");
        assert_absent(&format!("report -f {format}"), &text, &planted);
    }
}

/// Copies a repository (its `.git` included) with `git clone`.
fn copy_dir_with_git(from: &std::path::Path, to: &std::path::Path) {
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--mirror"])
        .arg(from)
        .arg(to.join(".git"))
        .status()
        .unwrap();
    assert!(status.success());
    git(to, &["config", "--bool", "core.bare", "false"]);
    git(to, &["checkout", "-q", "-f", "HEAD"]);
}

#[test]
fn image_metadata_is_scanned_and_never_printed() {
    let t = metadata_tokens();
    let layer = gzip(&tar_of(&[(
        "etc/app.env",
        format!("GH_TOKEN={GITHUB_TOKEN}\n").as_bytes(),
    )]));
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "config": {
            "Env": ["PATH=/usr/bin", format!("DEPLOY_TOKEN={}", t[0])],
            "Labels": { "ci.token": t[1].clone() },
            "Cmd": ["/bin/tool", "--token", t[2].clone()]
        },
        "history": [ { "created_by": format!("/bin/sh -c echo {} > /etc/app.env", t[3]) } ],
        "rootfs": { "type": "layers", "diff_ids": [] }
    }))
    .unwrap();
    let layer_path = format!("blobs/sha256/{}", sha256_hex(&layer));
    let config_path = format!("blobs/sha256/{}", sha256_hex(&config));
    let manifest = serde_json::json!([{ "Config": config_path, "RepoTags": ["acme/app:1.0"], "Layers": [layer_path] }]);
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tarball = tar_of(&[
        (layer_path.as_str(), layer.as_slice()),
        (config_path.as_str(), config.as_slice()),
        ("manifest.json", manifest.as_slice()),
    ]);
    std::fs::write(dir.path().join("app.tar"), tarball).unwrap();
    let planted: Vec<&str> = t[..4].iter().map(String::as_str).chain([GITHUB_TOKEN]).collect();
    for format in FORMATS {
        let out = output_of(
            &["image", "--isolated", "--no-progress", "-f", format, "app.tar"],
            dir.path(),
            1,
        );
        assert_absent(format, &out, &planted);
    }
    let doc = json_of(
        output_of(
            &["image", "--isolated", "--no-progress", "-f", "json", "app.tar"],
            dir.path(),
            1,
        )
        .as_bytes(),
    );
    let found = active(&doc);
    let in_config = found.iter().filter(|f| f["location_kind"] == "image-config").count();
    assert_eq!(in_config, 4, "env, label, command and history are findings: {doc:#}");
    let layer_finding = found.iter().find(|f| f["location_kind"].is_null()).unwrap();
    let created_by = layer_finding["layer"]["created_by"].as_str().unwrap();
    assert!(created_by.starts_with("/bin/sh -c echo ghp_…"), "{created_by}");
}
