//! What a new user meets first: every option `--help` shows works (each documented format of
//! each subcommand is run), the report format follows the `-o` extension, `baseline -o` names
//! a file, closed pipes end quietly, `install-hook` installs where git runs hooks
//! (`core.hooksPath`), and the packaging files agree with the crate version.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use common::{GITHUB_TOKEN, docker_save, git, leakscan, workspace_root};
use predicates::prelude::*;
use serde_json::Value;

/// The inputs every recipe needs, built once per test.
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// A directory with one file holding a fake token.
    tree: PathBuf,
    /// A git repository whose history holds the token.
    repo: PathBuf,
    /// A directory of repositories, audited into `datastore`.
    repos: PathBuf,
    datastore: PathBuf,
    /// A JSON report of `tree` (an input of `merge`).
    report: PathBuf,
    /// A `docker save` tarball with the token in a layer.
    image: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let tree = root.join("tree");
    fs::create_dir_all(&tree).unwrap();
    fs::write(tree.join("app.env"), format!("GH_TOKEN={GITHUB_TOKEN}\n")).unwrap();
    let repos = root.join("repos");
    let repo = repos.join("service");
    fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    fs::write(repo.join("app.env"), format!("GH_TOKEN={GITHUB_TOKEN}\n")).unwrap();
    git(&repo, &["add", "app.env"]);
    git(&repo, &["commit", "-q", "-m", "add config"]);
    let datastore = root.join("audit.db");
    leakscan()
        .args(["audit", "--isolated", "--no-progress", "--datastore"])
        .arg(&datastore)
        .arg(&repos)
        .assert()
        .code(1);
    let report = root.join("report.json");
    leakscan()
        .args(["scan", "--isolated", "--no-progress", "-o"])
        .arg(format!("json={}", report.display()))
        .arg(&tree)
        .assert()
        .code(1);
    let image = docker_save(&root);
    Fixture {
        _dir: dir,
        root,
        tree,
        repo,
        repos,
        datastore,
        report,
        image,
    }
}

/// The subcommands listed under "Commands:" in `help` (without `help` itself).
fn subcommands(help: &str) -> Vec<String> {
    let Some(start) = help.find("Commands:\n") else {
        return Vec::new();
    };
    help[start + "Commands:\n".len()..]
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// `leakscan PATH… --help` (long help), checked to succeed.
fn help_of(path: &[String]) -> String {
    let out = leakscan()
        .args(path)
        .arg("--help")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// Every command path (`["rules", "list"]`), depth first.
fn command_paths(prefix: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let help = help_of(&prefix);
    let children = subcommands(&help);
    if children.is_empty() {
        out.push((prefix, help));
        return;
    }
    for child in children {
        let mut path = prefix.clone();
        path.push(child);
        command_paths(path, out);
    }
}

/// The values `--format` lists in a command's long help (`Possible values:` block after the
/// `-f, --format` entry), or `None` when the command shows no `--format`.
fn documented_formats(help: &str) -> Option<Vec<String>> {
    let at = help.find("--format <")?;
    let rest = &help[at..];
    let block = &rest[rest.find("Possible values:")?..];
    Some(
        block
            .lines()
            .skip(1)
            .map(str::trim)
            .take_while(|l| l.starts_with("- "))
            .map(|l| l[2..].split(':').next().unwrap().trim().to_string())
            .collect(),
    )
}

/// Arguments that run `command` on the fixture, and the exit code expected (1: findings).
fn recipe(command: &str, f: &Fixture) -> Option<(Vec<String>, i32)> {
    let p = |p: &Path| p.display().to_string();
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    Some(match command {
        "scan" => (
            [s(&["scan", "--isolated", "--no-progress"]), vec![p(&f.tree)]].concat(),
            1,
        ),
        "git" => (
            [s(&["git", "--isolated", "--no-progress"]), vec![p(&f.repo)]].concat(),
            1,
        ),
        "image" => (
            [s(&["image", "--isolated", "--no-progress"]), vec![p(&f.image)]].concat(),
            1,
        ),
        "explain" => (
            [
                s(&["explain", "--isolated"]),
                vec![format!("{}:1", p(&f.tree.join("app.env")))],
            ]
            .concat(),
            0,
        ),
        "audit" => (
            [
                s(&["audit", "--isolated", "--no-progress", "--datastore"]),
                vec![p(&f.root.join("again.db")), p(&f.repos)],
            ]
            .concat(),
            1,
        ),
        "report" => ([s(&["report", "--datastore"]), vec![p(&f.datastore)]].concat(), 0),
        "merge" => ([s(&["merge"]), vec![p(&f.report)]].concat(), 0),
        "rules list" => (s(&["rules", "list"]), 0),
        _ => return None,
    })
}

/// Checks that `out` is a report in `format`.
fn assert_format(format: &str, out: &[u8], what: &str) {
    let text = String::from_utf8_lossy(out);
    let json = || serde_json::from_slice::<Value>(out).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{text}"));
    match format {
        "json" => {
            json();
        }
        "sarif" => assert_eq!(json()["version"], "2.1.0", "{what}"),
        "gitlab" => assert!(json()["vulnerabilities"].is_array(), "{what}: {text}"),
        "junit" => assert!(text.contains("<testsuite"), "{what}: {text}"),
        "github" => assert!(text.lines().any(|l| l.starts_with("::")), "{what}: {text}"),
        "csv" => assert!(
            text.lines().next().unwrap_or("").contains(",severity,"),
            "{what}: {text}"
        ),
        "markdown" => assert!(text.contains('|') || text.starts_with('#'), "{what}: {text}"),
        "html" => assert!(text.contains("<html"), "{what}: {text}"),
        "text" => {
            assert!(!text.trim().is_empty(), "{what}: empty");
            assert!(serde_json::from_slice::<Value>(out).is_err(), "{what}: text is JSON");
        }
        other => panic!("{what}: no check for format `{other}`: add one here"),
    }
}

#[test]
fn every_subcommand_help_works_and_every_documented_format_runs() {
    let f = fixture();
    let mut paths = Vec::new();
    command_paths(Vec::new(), &mut paths);
    let names: Vec<String> = paths.iter().map(|(p, _)| p.join(" ")).collect();
    for expected in [
        "scan",
        "git",
        "image",
        "baseline create",
        "rules list",
        "datastore verify",
        "triage",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    let mut ran = BTreeMap::new();
    for (path, help) in &paths {
        let name = path.join(" ");
        assert!(help.contains(&format!("Usage: leakscan {name}")), "{name}: {help}");
        // Short help too (the `-h` layout is separate).
        leakscan().args(path).arg("-h").assert().code(0);
        let Some(formats) = documented_formats(help) else {
            continue;
        };
        assert!(!formats.is_empty(), "{name}: --format lists no values");
        let (args, code) = recipe(&name, &f).unwrap_or_else(|| panic!("`{name}` documents --format: add a recipe"));
        for format in &formats {
            let out = leakscan()
                .args(&args)
                .args(["-f", format])
                .assert()
                .code(code)
                .get_output()
                .stdout
                .clone();
            assert_format(format, &out, &format!("leakscan {name} -f {format}"));
        }
        ran.insert(name, formats.len());
    }
    // The commands that print reports, summaries or listings all document --format.
    for (name, at_least) in [
        ("scan", 8),
        ("git", 8),
        ("image", 8),
        ("report", 5),
        ("merge", 5),
        ("explain", 2),
        ("audit", 2),
        ("rules list", 2),
    ] {
        assert!(ran.get(name).is_some_and(|n| *n >= at_least), "{name}: {ran:?}");
    }
}

#[test]
fn help_shows_only_what_a_command_accepts() {
    // Formats a command refuses are not listed, and are refused by the parser.
    for (cmd, operand, shown, refused) in [
        (&["rules", "list"][..], None, "json", "sarif"),
        (&["explain"][..], Some("x:1"), "json", "csv"),
        (&["audit"][..], Some("repos"), "json", "html"),
    ] {
        let help = help_of(&cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let formats = documented_formats(&help).unwrap();
        assert!(formats.iter().any(|f| f == shown), "{cmd:?}: {formats:?}");
        assert!(
            !formats.iter().any(|f| f == refused),
            "{cmd:?} lists {refused}: {formats:?}"
        );
        leakscan()
            .args(cmd)
            .args(["-f", refused])
            .args(operand)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("invalid value"));
    }
    // Flags that do nothing for a command are not shown.
    let explain = help_of(&["explain".into()]);
    for hidden in ["--color", "--output", "--exit-code-on-findings", "--show-suppressed"] {
        assert!(!explain.contains(hidden), "explain --help shows {hidden}");
    }
    assert!(explain.contains("--show-secrets") && explain.contains("--baseline"));
    let baseline = help_of(&["baseline".into(), "create".into()]);
    assert!(
        !baseline.contains("--format") && !baseline.contains("--color"),
        "{baseline}"
    );
    assert!(baseline.contains("The baseline file to write"), "{baseline}");
    let audit = help_of(&["audit".into()]);
    assert!(!audit.contains("--output <"), "{audit}");
    // triage: --status and --reason are both required with a fingerprint, and say so.
    let triage = help_of(&["triage".into()]);
    assert_eq!(triage.matches("required with FINGERPRINT").count(), 2, "{triage}");
    leakscan()
        .args(["triage", "0123456789abcdef", "--status", "revoked"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--reason"));
}

#[test]
fn output_format_follows_the_extension_unless_format_says_otherwise() {
    let f = fixture();
    let out = f.root.join("out");
    fs::create_dir_all(&out).unwrap();
    let mut cmd = leakscan();
    cmd.args(["scan", "--isolated", "--no-progress"]);
    for (file, _) in EXTENSIONS {
        cmd.arg("-o").arg(out.join(file));
    }
    cmd.arg(&f.tree).assert().code(1);
    for (file, format) in EXTENSIONS {
        assert_format(format, &fs::read(out.join(file)).unwrap(), file);
    }
    // -f wins over the extension; FORMAT=FILE wins over both.
    leakscan()
        .args(["scan", "--isolated", "--no-progress", "-f", "text", "-o"])
        .arg(out.join("forced.sarif"))
        .arg("-o")
        .arg(format!("csv={}", out.join("named.json").display()))
        .arg(&f.tree)
        .assert()
        .code(1);
    assert_format(
        "text",
        &fs::read(out.join("forced.sarif")).unwrap(),
        "-f text -o forced.sarif",
    );
    assert_format("csv", &fs::read(out.join("named.json")).unwrap(), "-o csv=named.json");
    // No HTML scan report: refused, not text in a .html file.
    leakscan()
        .args(["scan", "--isolated", "--no-progress", "-o"])
        .arg(out.join("report.html"))
        .arg(&f.tree)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no HTML format"));
    assert!(!out.join("report.html").exists());
    // Datastore reports and merges infer theirs too (.html, .sarif, .csv).
    for (file, format) in [
        ("r.html", "html"),
        ("r.sarif", "sarif"),
        ("r.csv", "csv"),
        ("r.txt", "text"),
    ] {
        leakscan()
            .args(["report", "--datastore"])
            .arg(&f.datastore)
            .arg("-o")
            .arg(out.join(file))
            .assert()
            .code(0);
        assert_format(format, &fs::read(out.join(file)).unwrap(), &format!("report -o {file}"));
        leakscan()
            .arg("merge")
            .arg(&f.report)
            .arg("-o")
            .arg(out.join(format!("m-{file}")))
            .assert()
            .code(0);
        assert_format(
            format,
            &fs::read(out.join(format!("m-{file}"))).unwrap(),
            &format!("merge -o {file}"),
        );
    }
}

/// Report files named by extension only, and the format each must hold.
const EXTENSIONS: [(&str, &str); 6] = [
    ("r.sarif", "sarif"),
    ("r.json", "json"),
    ("r.csv", "csv"),
    ("junit.xml", "junit"),
    ("summary.md", "markdown"),
    ("r.txt", "text"),
];

#[test]
fn baseline_output_is_a_file_name_and_always_json() {
    let f = fixture();
    let dir = &f.tree;
    let create = |args: &[&str]| {
        let mut cmd = leakscan();
        cmd.current_dir(dir)
            .args(["baseline", "create", "--isolated", "--no-progress"])
            .args(args)
            .arg(".");
        cmd
    };
    create(&["-o", "sarif=y.sarif"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("always JSON"));
    assert!(!dir.join("sarif=y.sarif").exists() && !dir.join("y.sarif").exists());
    create(&["-f", "sarif"]).assert().code(2);
    create(&["-o", "a.json", "-o", "b.json"]).assert().code(2);
    create(&["-o", "json=named.json"]).assert().code(0);
    create(&["-o", "plain.json"]).assert().code(0);
    for file in ["named.json", "plain.json"] {
        let doc: Value = serde_json::from_slice(&fs::read(dir.join(file)).unwrap()).unwrap();
        assert!(doc.to_string().contains("github-pat-classic"), "{file}: {doc}");
    }
    // The baseline it wrote is one a scan accepts.
    leakscan()
        .current_dir(dir)
        .args(["scan", "--isolated", "--no-progress", "--baseline", "plain.json", "."])
        .assert()
        .code(0);
}

#[test]
fn explain_json_and_a_line_past_the_end() {
    let f = fixture();
    let file = f.tree.join("app.env");
    let out = leakscan()
        .args(["explain", "--isolated", "-f", "json"])
        .arg(format!("{}:1", file.display()))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["line"], 1);
    let finding = &doc["findings"][0];
    assert_eq!(finding["rule"], "github-pat-classic");
    assert_eq!(finding["outcome"], "fails");
    assert!(
        !finding["snippet"].as_str().unwrap().contains(GITHUB_TOKEN),
        "secret shown: {doc}"
    );
    assert!(doc["filters"].as_array().is_some_and(|f| !f.is_empty()));
    leakscan()
        .args(["explain", "--isolated"])
        .arg(format!("{}:7", file.display()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has 1 line"));
}

/// Runs leakscan with its standard output a pipe whose reader is already gone (what `| head`
/// leaves once it has its lines): it must stop quietly with `code`.
fn with_closed_stdout(args: &[&str], code: i32) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = StdCommand::new(assert_cmd::cargo::cargo_bin("leakscan"))
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "leakscan {args:?}: {stderr}");
    assert!(stderr.trim().is_empty(), "leakscan {args:?} complained: {stderr}");
}

#[test]
fn closed_pipes_end_quietly() {
    let f = fixture();
    let tree = f.tree.display().to_string();
    let line = format!("{}:1", f.tree.join("app.env").display());
    let db = f.datastore.display().to_string();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        with_closed_stdout(&["completions", shell], 0);
    }
    with_closed_stdout(&["man"], 0);
    with_closed_stdout(&["rules", "list"], 0);
    with_closed_stdout(&["rules", "list", "-f", "json"], 0);
    with_closed_stdout(&["rules", "explain", "github-pat-classic"], 0);
    with_closed_stdout(&["config", "print", &tree], 0);
    with_closed_stdout(&["explain", "--isolated", &line], 0);
    with_closed_stdout(&["explain", "--isolated", "-f", "json", &line], 0);
    with_closed_stdout(&["report", "--datastore", &db], 0);
    with_closed_stdout(&["datastore", "verify", "--datastore", &db], 0);
    with_closed_stdout(&["merge", &f.report.display().to_string()], 0);
    // A scan keeps its verdict: findings are still exit 1.
    with_closed_stdout(&["scan", "--isolated", "--no-progress", "-f", "json", &tree], 1);
    with_closed_stdout(
        &[
            "audit",
            "--isolated",
            "--no-progress",
            "--datastore",
            &db,
            &f.repos.display().to_string(),
        ],
        1,
    );
}

/// `leakscan install-hook` with a clean git environment: HOME is `home`, no system config.
fn install_hook(repo: &Path, home: &Path) -> assert_cmd::assert::Assert {
    leakscan()
        .arg("install-hook")
        .arg(repo)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .assert()
}

/// Whether `git commit` succeeds in `repo` (hooks run), with HOME `home`.
fn commit_succeeds(repo: &Path, home: &Path, message: &str) -> bool {
    StdCommand::new("git")
        .current_dir(repo)
        .args([
            "-c",
            "user.name=Ada",
            "-c",
            "user.email=ada@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["commit", "-q", "-m", message])
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
        .status
        .success()
}

fn new_repo(root: &Path, name: &str) -> PathBuf {
    let repo = root.join(name);
    fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    fs::write(repo.join("README.md"), "hello\n").unwrap();
    git(&repo, &["add", "README.md"]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    repo
}

#[test]
fn install_hook_installs_where_core_hooks_path_points() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    fs::create_dir_all(&home).unwrap();

    // Relative core.hooksPath (resolved from the work tree, whatever directory is given).
    let repo = new_repo(dir.path(), "relative");
    git(&repo, &["config", "core.hooksPath", ".githooks"]);
    fs::create_dir_all(repo.join("src")).unwrap();
    install_hook(&repo.join("src"), &home)
        .code(0)
        .stderr(predicate::str::contains("core.hooksPath is `.githooks`"));
    assert!(repo.join(".githooks/pre-commit").is_file());
    assert!(
        !repo.join(".git/hooks/pre-commit").exists(),
        "installed where git does not look"
    );
    // Git runs it: a staged token is blocked, a clean change goes through.
    fs::write(repo.join("ok.txt"), "fine\n").unwrap();
    git(&repo, &["add", "ok.txt"]);
    assert!(commit_succeeds(&repo, &home, "clean"), "a clean commit was blocked");
    fs::write(repo.join("leak.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    git(&repo, &["add", "leak.env"]);
    assert!(
        !commit_succeeds(&repo, &home, "leak"),
        "the token was committed: the hook did not run"
    );

    // Absolute core.hooksPath inside the repository.
    let repo = new_repo(dir.path(), "absolute");
    let hooks = repo.join("tools/hooks");
    git(&repo, &["config", "core.hooksPath", &hooks.display().to_string()]);
    install_hook(&repo, &home).code(0);
    assert!(hooks.join("pre-commit").is_file());
    fs::write(repo.join("leak.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    git(&repo, &["add", "leak.env"]);
    assert!(!commit_succeeds(&repo, &home, "leak"), "the token was committed");

    // A global core.hooksPath outside the repository: shared by every repository, refused.
    let repo = new_repo(dir.path(), "global");
    let shared = home.join("shared-hooks");
    fs::write(
        home.join(".gitconfig"),
        format!("[core]\n\thooksPath = {}\n", shared.display()),
    )
    .unwrap();
    install_hook(&repo, &home)
        .code(2)
        .stderr(predicate::str::contains("outside this repository"))
        .stderr(predicate::str::contains(
            "leakscan git --staged --no-progress || exit $?",
        ));
    assert!(!shared.exists() && !repo.join(".git/hooks/pre-commit").exists());
    fs::remove_file(home.join(".gitconfig")).unwrap();

    // husky: core.hooksPath = .husky/_, whose pre-commit is husky's own: refused, pointed at
    // .husky/pre-commit.
    let repo = new_repo(dir.path(), "husky");
    fs::create_dir_all(repo.join(".husky/_")).unwrap();
    fs::write(
        repo.join(".husky/_/pre-commit"),
        "#!/bin/sh\n. \"$(dirname \"$0\")/h\"\n",
    )
    .unwrap();
    git(&repo, &["config", "core.hooksPath", ".husky/_"]);
    install_hook(&repo, &home)
        .code(2)
        .stderr(predicate::str::contains("not written by leakscan"))
        .stderr(predicate::str::contains(".husky/pre-commit"));
    assert!(
        fs::read_to_string(repo.join(".husky/_/pre-commit"))
            .unwrap()
            .contains("dirname")
    );
}

#[test]
fn packaging_files_carry_the_crate_version() {
    let version = env!("CARGO_PKG_VERSION");
    let root = workspace_root();
    let read = |p: &str| fs::read_to_string(root.join(p)).unwrap();
    let hook_package = read("pyproject.toml");
    assert!(
        hook_package.contains(&format!("\"leakscan-bin=={version}\"")),
        "pyproject.toml must pin leakscan-bin=={version}"
    );
    assert!(hook_package.contains(&format!("version = \"{version}\"")));
    let wheel = read("scanner-cli/pyproject.toml");
    assert!(wheel.contains("name = \"leakscan-bin\"") && wheel.contains("bindings = \"bin\""));
    let gitlab = read("ci/gitlab/leakscan.gitlab-ci.yml");
    assert!(
        gitlab.contains(&format!("LEAKSCAN_VERSION:={version}")),
        "the GitLab template's default version is not {version}"
    );
    // Every language: python hook runs the wheel's command.
    let hooks = read(".pre-commit-hooks.yaml");
    assert!(hooks.contains("entry: leakscan scan --no-progress") && hooks.contains("language: python"));
}
