//! Self-protection of the outputs (issue 9): hostile file names (terminal escapes, quotes,
//! newlines, XML and CSV specials, bidirectional overrides) are neutralised or escaped in
//! every format, and a planted secret never appears in any output format or on stderr
//! (with `-v`/`-vv` logging too) unless `--show-secrets` asks for it.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::fs;
use std::path::Path;

const FORMATS: [&str; 8] = ["text", "json", "sarif", "junit", "gitlab", "github", "csv", "markdown"];

/// File names an attacker controls, each holding a secret.
const HOSTILE_NAMES: [&str; 10] = [
    "esc\u{1b}[2J\u{1b}]0;pwned\u{7}.env",
    "quote\"and'.env",
    "new\nline.env",
    "lt<amp&gt>.env",
    "=HYPERLINK(\"http:x\").env",
    "+plus.env",
    "-minus.env",
    "@at.env",
    "cdata]]>.env",
    "bidi\u{202e}vne.txt",
];

fn hostile_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in HOSTILE_NAMES {
        fs::write(dir.path().join(name), format!("token = {GITHUB_TOKEN}\n")).unwrap();
    }
    dir
}

/// `leakscan scan -f FORMAT EXTRA… .` run inside `dir` (relative names, so a name can start
/// a CSV cell), expecting findings: (stdout, stderr).
fn scan_in(dir: &Path, format: &str, extra: &[&str]) -> (String, String) {
    let out = leakscan()
        .current_dir(dir)
        .args(["scan", "--isolated", "--no-progress", "-f", format])
        .args(extra)
        .arg(".")
        .assert()
        .code(1);
    let o = out.get_output();
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn has_terminal_control(text: &str) -> bool {
    text.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\r' && c != '\t') || c == '\u{202e}')
}

#[cfg(unix)]
#[test]
fn hostile_file_names_are_neutralised_in_human_formats() {
    let dir = hostile_tree();
    for format in ["text", "markdown", "github"] {
        let (stdout, stderr) = scan_in(dir.path(), format, &["--color", "never"]);
        assert!(!has_terminal_control(&stdout), "{format}: {stdout:?}");
        assert!(!has_terminal_control(&stderr), "{format} stderr: {stderr:?}");
        // Shown escaped, not dropped: the reader can still find the file.
        // (GitHub workflow commands percent-encode C0 controls; the runner decodes them.)
        let esc = if format == "github" { "%1B" } else { "u{1b}" };
        assert!(stdout.contains(esc), "{format}: {stdout}");
        assert!(stdout.contains("u{202e}"), "{format}: {stdout}");
        // The newline in a name does not start a new line of output.
        assert!(!stdout.lines().any(|l| l.starts_with("line.env")), "{format}: {stdout}");
    }
}

#[cfg(unix)]
#[test]
fn hostile_file_names_are_escaped_in_machine_formats() {
    let dir = hostile_tree();
    // JSON, SARIF and GitLab: valid JSON whose strings hold the names exactly.
    for format in ["json", "sarif", "gitlab"] {
        let (stdout, _) = scan_in(dir.path(), format, &[]);
        let doc = json_of(stdout.as_bytes());
        let text = doc.to_string();
        for name in HOSTILE_NAMES {
            let encoded = serde_json::to_string(name).unwrap();
            let encoded = &encoded[1..encoded.len() - 1];
            assert!(text.contains(encoded), "{format}: {name:?} not found in {text}");
        }
        assert!(!stdout.contains('\u{1b}'), "{format}: raw ESC");
        if format == "sarif" {
            assert_valid_sarif(&doc);
        }
    }
    // JUnit: no raw control character, no unescaped markup from a name.
    let (junit, _) = scan_in(dir.path(), "junit", &[]);
    assert!(!junit.contains('\u{1b}') && !junit.contains('\u{7}'), "{junit}");
    assert!(!junit.contains("cdata]]>") && junit.contains("cdata]]&gt;"), "{junit}");
    assert!(junit.contains("lt&lt;amp&amp;gt&gt;"), "{junit}");
    assert!(junit.contains("quote&quot;and&apos;"), "{junit}");
    // CSV: no cell starts a formula; quotes doubled; a newline escaped (`\n`), so every row
    // is one line.
    let (csv, _) = scan_in(dir.path(), "csv", &[]);
    for bad in [",=", ",+", ",-", ",@", ",\"="] {
        assert!(!csv.contains(bad), "{bad}: {csv}");
    }
    assert!(csv.contains(",\"'=HYPERLINK(\"\"http:x\"\").env\","), "{csv}");
    assert!(csv.contains(",'+plus.env,") && csv.contains(",'@at.env,"), "{csv}");
    assert!(csv.contains(",new\\nline.env,"), "{csv}");
    assert!(!csv.contains('\u{1b}'), "{csv}");
    assert!(!csv.split("\r\n").any(|row| row.contains('\n')), "{csv}");
}

/// Several kinds of planted secrets, in full.
fn planted() -> Vec<String> {
    let mut rng = Rng::new(4);
    vec![
        GITHUB_TOKEN.to_string(),
        AWS_KEY_ID.to_string(),
        fake_github_token(&mut rng),
        fake_aws_key_id(&mut rng),
    ]
}

fn assert_no_secret(what: &str, output: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !output.contains(s.as_str()),
            "{what}: the secret {s:.8}… is printed in full"
        );
    }
}

#[test]
fn no_output_format_or_log_level_prints_a_secret() {
    let secrets = planted();
    let dir = tempfile::tempdir().unwrap();
    for (i, s) in secrets.iter().enumerate() {
        fs::write(dir.path().join(format!("f{i}.env")), format!("credential = {s}\n")).unwrap();
    }
    // A zip and a gzip member too: nested origins take other code paths.
    fs::write(
        dir.path().join("a.zip"),
        zip_of(&[("in.env", format!("k = {}\n", secrets[0]).as_bytes())]),
    )
    .unwrap();
    fs::write(
        dir.path().join("b.log.gz"),
        gzip(format!("k = {}\n", secrets[1]).as_bytes()),
    )
    .unwrap();
    for format in FORMATS {
        for verbosity in [&[][..], &["-v"][..], &["-vv"][..]] {
            let (stdout, stderr) = scan_in(dir.path(), format, verbosity);
            assert_no_secret(&format!("{format} {verbosity:?} stdout"), &stdout, &secrets);
            assert_no_secret(&format!("{format} {verbosity:?} stderr"), &stderr, &secrets);
        }
    }
    // Written report files too (`-o FORMAT=FILE`).
    let out = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = Vec::new();
    for format in FORMATS {
        args.push("-o".into());
        args.push(format!("{format}={}", out.path().join(format).display()));
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    scan_in(dir.path(), "text", &arg_refs);
    for format in FORMATS {
        let written = fs::read_to_string(out.path().join(format)).unwrap();
        assert!(!written.is_empty(), "{format}");
        assert_no_secret(&format!("{format} file"), &written, &secrets);
    }
    // The check can fail: --show-secrets prints them.
    let (shown, _) = scan_in(dir.path(), "json", &["--show-secrets"]);
    assert!(secrets.iter().all(|s| shown.contains(s.as_str())));
}

#[test]
fn redact_never_passes_a_secret_through() {
    let secrets = planted();
    let input: String = secrets
        .iter()
        .map(|s| format!("log line with credential = {s} in it\n"))
        .collect();
    for verbosity in [&[][..], &["-v"][..], &["-vv"][..]] {
        let out = leakscan()
            .args(["redact", "--isolated"])
            .args(verbosity)
            .write_stdin(input.clone())
            .assert()
            .code(1);
        let o = out.get_output();
        assert_no_secret("redact stdout", &String::from_utf8_lossy(&o.stdout), &secrets);
        assert_no_secret("redact stderr", &String::from_utf8_lossy(&o.stderr), &secrets);
    }
}

#[test]
fn git_and_image_scans_do_not_print_secrets() {
    let secrets = planted();
    // A repository whose history holds the secrets (one deleted again).
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        common::git(repo.path(), args);
    };
    git(&["init", "-q"]);
    for (i, s) in secrets.iter().enumerate() {
        fs::write(repo.path().join(format!("f{i}.env")), format!("credential = {s}\n")).unwrap();
    }
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "secrets"]);
    git(&["rm", "-q", "f0.env"]);
    git(&["commit", "-q", "-m", "remove one"]);
    // A docker-save tarball with a secret in a layer and one in the config.
    let img_dir = tempfile::tempdir().unwrap();
    let layer = tar_of(&[("etc/app.env", format!("k = {}\n", secrets[2]).as_bytes())]);
    let config = serde_json::to_vec(&serde_json::json!({
        "config": { "Env": [format!("DEPLOY_TOKEN={}", secrets[0])] },
        "history": [{ "created_by": "COPY app.env /etc/app.env" }],
        "rootfs": { "type": "layers", "diff_ids": [] }
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!([
        { "Config": "config.json", "RepoTags": ["acme/app:1"], "Layers": ["layer.tar"] }
    ]))
    .unwrap();
    let image = img_dir.path().join("app.tar");
    fs::write(
        &image,
        tar_of(&[
            ("manifest.json", &manifest),
            ("config.json", &config),
            ("layer.tar", &layer),
        ]),
    )
    .unwrap();
    for format in FORMATS {
        for verbosity in [&[][..], &["-vv"][..]] {
            for (cmd, target) in [("git", repo.path()), ("image", image.as_path())] {
                let out = leakscan()
                    .args([cmd, "--no-progress", "-f", format])
                    .args(verbosity)
                    .arg(target)
                    .assert()
                    .code(1);
                let o = out.get_output();
                let what = format!("{cmd} {format} {verbosity:?}");
                assert_no_secret(&what, &String::from_utf8_lossy(&o.stdout), &secrets);
                assert_no_secret(&what, &String::from_utf8_lossy(&o.stderr), &secrets);
            }
        }
    }
}
