//! `leakscan install-hook`: a pre-commit or pre-push hook in the repository's hooks directory.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::args::InstallHookArgs;
use crate::exit;

/// Marks hooks written by leakscan, so that reinstalling may replace them.
const MARKER: &str = "# installed by `leakscan install-hook`";

/// Writes the hook and returns the exit code; refuses to replace a hook leakscan did not write.
pub fn run(args: &InstallHookArgs) -> Result<u8> {
    let hooks = hooks_dir(&args.repo)?;
    let (name, command) = if args.pre_push {
        ("pre-push", "git --pre-push --no-progress")
    } else {
        ("pre-commit", "git --staged --no-progress")
    };
    let exe = std::env::current_exe().context("cannot locate the leakscan executable")?;
    let script = format!(
        "#!/bin/sh\n{MARKER}\n# Fails the {name} when leakscan finds a secret. Bypass once with `git {verb} --no-verify`.\nexec '{}' {command}\n",
        exe.display().to_string().replace('\'', "'\\''"),
        verb = if args.pre_push { "push" } else { "commit" },
    );
    let path = hooks.join(name);
    if let Ok(existing) = fs::read_to_string(&path)
        && !existing.contains(MARKER)
    {
        bail!(
            "{} already exists and was not written by leakscan; not replacing it.\n\
             To chain them, add this line to that hook:\n    leakscan {command} || exit $?\n\
             or use the pre-commit framework (see the README).",
            path.display()
        );
    }
    fs::create_dir_all(&hooks).with_context(|| format!("cannot create {}", hooks.display()))?;
    fs::write(&path, script).with_context(|| format!("cannot write {}", path.display()))?;
    make_executable(&path)?;
    eprintln!("installed {}", path.display());
    Ok(exit::CLEAN)
}

/// `<git dir>/hooks`, found by walking up from `repo` (a `.git` file of a worktree or
/// submodule points to the real git directory).
fn hooks_dir(repo: &Path) -> Result<PathBuf> {
    let start = fs::canonicalize(repo).with_context(|| format!("{}: no such directory", repo.display()))?;
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return Ok(dot_git.join("hooks"));
        }
        if dot_git.is_file() {
            let text = fs::read_to_string(&dot_git).with_context(|| format!("cannot read {}", dot_git.display()))?;
            let Some(target) = text.trim().strip_prefix("gitdir:") else {
                bail!("{}: not a gitdir link", dot_git.display());
            };
            let git_dir = dir.join(target.trim());
            // Worktrees share the main repository's hooks (its "commondir").
            let common = fs::read_to_string(git_dir.join("commondir"))
                .map(|c| git_dir.join(c.trim()))
                .unwrap_or(git_dir);
            return Ok(common.join("hooks"));
        }
    }
    bail!("{}: not inside a git repository", repo.display())
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
