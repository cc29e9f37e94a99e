//! `leakscan install-hook`: a pre-commit or pre-push hook where git will run it: the
//! repository's hooks directory, or the one `core.hooksPath` names (husky and many monorepos
//! set it; a hook in `.git/hooks` would then never run).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::args::InstallHookArgs;
use crate::exit;

/// Marks hooks written by leakscan, so that reinstalling may replace them.
const MARKER: &str = "# installed by `leakscan install-hook`";

/// Where git runs hooks for a repository.
#[derive(Debug)]
struct Hooks {
    /// The directory git runs hooks from.
    dir: PathBuf,
    /// `core.hooksPath` as configured and where it is set (`file:.git/config`), when set.
    configured: Option<(String, String)>,
    /// The directories that belong to this repository: its work tree and git directory.
    own: Vec<PathBuf>,
}

/// Writes the hook and returns the exit code; refuses to replace a hook leakscan did not
/// write, and to install into a `core.hooksPath` outside the repository (shared by others).
pub fn run(args: &InstallHookArgs) -> Result<u8> {
    let repo = fs::canonicalize(&args.repo).with_context(|| format!("{}: no such directory", args.repo.display()))?;
    let hooks = locate(&repo)?;
    let (name, command) = if args.pre_push {
        ("pre-push", "git --pre-push --no-progress")
    } else {
        ("pre-commit", "git --staged --no-progress")
    };
    let path = hooks.dir.join(name);
    let by_hand = format!("    leakscan {command} || exit $?");
    let setting = hooks.configured.as_ref().map(|(value, origin)| {
        format!(
            "core.hooksPath is `{value}` ({origin}), so git runs hooks from {}",
            hooks.dir.display()
        )
    });
    if let Some(setting) = &setting {
        let inside = hooks.own.iter().any(|own| under(&hooks.dir, own));
        if !inside {
            bail!(
                "{setting}, outside this repository: hooks there run for every repository that uses \
                 this setting, so leakscan does not install one there.\n\
                 Add this line to {} yourself:\n{by_hand}",
                path.display()
            );
        }
    }
    if let Ok(existing) = fs::read_to_string(&path)
        && !existing.contains(MARKER)
    {
        let husky = hooks.dir.components().any(|c| c.as_os_str() == ".husky");
        bail!(
            "{}{} already exists and was not written by leakscan; not replacing it.\n\
             To chain them, add this line to {}:\n{by_hand}\n\
             or use the pre-commit framework (see the README).",
            setting.map(|s| format!("{s}: ")).unwrap_or_default(),
            path.display(),
            if husky {
                format!(".husky/{name} (husky runs it)")
            } else {
                "that hook".to_string()
            },
        );
    }
    let exe = std::env::current_exe().context("cannot locate the leakscan executable")?;
    let script = format!(
        "#!/bin/sh\n{MARKER}\n# Fails the {name} when leakscan finds a secret. Bypass once with `git {verb} --no-verify`.\nexec '{}' {command}\n",
        exe.display().to_string().replace('\'', "'\\''"),
        verb = if args.pre_push { "push" } else { "commit" },
    );
    fs::create_dir_all(&hooks.dir).with_context(|| format!("cannot create {}", hooks.dir.display()))?;
    fs::write(&path, script).with_context(|| format!("cannot write {}", path.display()))?;
    make_executable(&path)?;
    match &hooks.configured {
        Some((value, _)) => eprintln!("installed {} (core.hooksPath is `{value}`)", path.display()),
        None => eprintln!("installed {}", path.display()),
    }
    Ok(exit::CLEAN)
}

/// Whether `path` is `dir` or inside it (both absolute; symbolic links resolved where they exist).
fn under(path: &Path, dir: &Path) -> bool {
    let resolve = |p: &Path| {
        // The hooks directory may not exist yet: resolve its nearest existing ancestor.
        let mut existing = p;
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut resolved = fs::canonicalize(existing).unwrap_or_else(|_| existing.to_path_buf());
        resolved.extend(rest.iter().rev());
        resolved
    };
    resolve(path).starts_with(resolve(dir))
}

/// Asks git where it runs hooks (it resolves `core.hooksPath`: relative to the work tree,
/// `~`, includes, worktrees); without git, `<git dir>/hooks` found by walking up.
fn locate(repo: &Path) -> Result<Hooks> {
    let git = |args: &[&str]| Command::new("git").arg("-C").arg(repo).args(args).output();
    let out = match git(&[
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "hooks",
        "--git-common-dir",
    ]) {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            log::warn!("git is not on PATH: core.hooksPath is not checked");
            let git_dir = git_dir_by_walking(repo)?;
            return Ok(Hooks {
                dir: git_dir.join("hooks"),
                configured: None,
                own: vec![git_dir],
            });
        }
        Err(e) => return Err(e).context("cannot run git"),
    };
    if !out.status.success() {
        bail!(
            "{}: not a git repository git can use: {}",
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8(out.stdout).context("git printed a path that is not UTF-8")?;
    let mut lines = text.lines();
    let (Some(dir), Some(common)) = (lines.next(), lines.next()) else {
        bail!("unexpected output from `git rev-parse`: {text:?}");
    };
    let mut own = vec![PathBuf::from(common)];
    if let Ok(top) = git(&["rev-parse", "--show-toplevel"])
        && top.status.success()
        && let Ok(top) = String::from_utf8(top.stdout)
        && !top.trim().is_empty()
    {
        own.push(PathBuf::from(top.trim()));
    }
    let configured = git(&["config", "--show-origin", "--get", "core.hooksPath"])
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|o| {
            let (origin, value) = o.trim_end().split_once('\t')?;
            Some((value.to_string(), format!("set in {origin}")))
        });
    Ok(Hooks {
        dir: PathBuf::from(dir),
        configured,
        own,
    })
}

/// The git directory, found by walking up from `start` (a `.git` file of a worktree or
/// submodule points to the real git directory; worktrees share the main one's hooks).
fn git_dir_by_walking(start: &Path) -> Result<PathBuf> {
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return Ok(dot_git);
        }
        if dot_git.is_file() {
            let text = fs::read_to_string(&dot_git).with_context(|| format!("cannot read {}", dot_git.display()))?;
            let Some(target) = text.trim().strip_prefix("gitdir:") else {
                bail!("{}: not a gitdir link", dot_git.display());
            };
            let git_dir = dir.join(target.trim());
            return Ok(fs::read_to_string(git_dir.join("commondir"))
                .map(|c| git_dir.join(c.trim()))
                .unwrap_or(git_dir));
        }
    }
    bail!("{}: not inside a git repository", start.display())
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot chmod {}", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}
