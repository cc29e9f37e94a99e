//! Git objects. The first byte picks the mode:
//! 0. decode the rest in memory as gix decodes what leakscan reads (tree entries, commits,
//!    tags);
//! 1. write the rest as the loose *tree* object of a small repository's only commit, then
//!    `Scanner::scan` of a `GitHistory` (with `all_occurrences`, which walks trees again);
//! 2. the same with the *commit* object;
//! 3. write the rest as the *pack* file of a packed repository (its index kept), then scan;
//! 4. write the rest as that pack's *index* (the pack kept), then scan.
//!
//! The packed repository is built with fixed names and dates, so `make-seeds.py` builds the
//! same pack and index as seeds.
//!
//! Corrupt objects must be reported as per-item errors, never panic.

#![no_main]

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scanner_core::source::GitHistory;
use scanner_core::{GitOptions, Progress, ScanSettings, Scanner};

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    tree: PathBuf,
    commit: PathBuf,
}

struct PackedRepo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    pack: PathBuf,
    index: PathBuf,
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .args([
            "-c",
            "user.name=fuzz",
            "-c",
            "user.email=fuzz@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn object_path(root: &Path, id: &str) -> PathBuf {
    root.join(".git/objects").join(&id[..2]).join(&id[2..])
}

fn repo() -> &'static Repo {
    static REPO: OnceLock<Repo> = OnceLock::new();
    REPO.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        git(&root, &["init", "-q"]);
        std::fs::create_dir_all(root.join("src")).expect("mkdir");
        std::fs::write(root.join("src/app.env"), "TOKEN=abc\n").expect("write");
        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "first"]);
        let tree = object_path(&root, &git(&root, &["rev-parse", "HEAD^{tree}"]));
        let commit = object_path(&root, &git(&root, &["rev-parse", "HEAD"]));
        Repo {
            _dir: dir,
            root,
            tree,
            commit,
        }
    })
}

/// Two commits of a file big enough to be stored as a delta, repacked into one pack. Keep in
/// step with `git_pack_seeds` in `make-seeds.py`.
fn packed_repo() -> &'static PackedRepo {
    static REPO: OnceLock<PackedRepo> = OnceLock::new();
    REPO.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        git(&root, &["init", "-q"]);
        let lines: String = (0..64).map(|i| format!("setting_{i} = value {i}\n")).collect();
        std::fs::write(root.join("app.cfg"), &lines).expect("write");
        git(&root, &["add", "."]);
        git(&root, &["commit", "-q", "-m", "first"]);
        std::fs::write(root.join("app.cfg"), format!("{lines}TOKEN=abc\n")).expect("write");
        git(&root, &["commit", "-q", "-am", "second"]);
        git(&root, &["repack", "-a", "-d", "-q"]);
        let packs = root.join(".git/objects/pack");
        let mut pack = None;
        for entry in std::fs::read_dir(&packs).expect("pack dir") {
            let path = entry.expect("pack entry").path();
            if path.extension().is_some_and(|e| e == "pack") {
                pack = Some(path);
            }
        }
        let pack = pack.expect("git repack wrote a pack");
        let index = pack.with_extension("idx");
        for path in [&pack, &index] {
            // git writes packs read-only; the target overwrites them.
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
        PackedRepo {
            _dir: dir,
            root,
            pack,
            index,
        }
    })
}

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        Scanner::builder()
            .settings(ScanSettings {
                threads: 1,
                ..ScanSettings::default()
            })
            .build()
            .expect("built-in rules compile")
    })
}

/// Replaces a loose object's content (its id no longer matches: readers must cope).
fn write_loose(path: &Path, kind: &str, content: &[u8]) {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(format!("{kind} {}\0", content.len()).as_bytes())
        .expect("zlib");
    z.write_all(content).expect("zlib");
    let _ = std::fs::remove_file(path);
    std::fs::write(path, z.finish().expect("zlib")).expect("write object");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 5 {
        0 => {
            for entry in gix::objs::TreeRefIter::from_bytes(rest, gix::hash::Kind::Sha1) {
                if entry.is_err() {
                    break;
                }
            }
            if let Ok(commit) = gix::objs::CommitRef::from_bytes(rest, gix::hash::Kind::Sha1) {
                let _ = commit.author();
                let _ = commit.committer();
                let _ = commit.message_summary();
            }
            let _ = gix::objs::TagRef::from_bytes(rest, gix::hash::Kind::Sha1);
        }
        mode @ (3 | 4) => {
            let repo = packed_repo();
            let path = if mode == 3 { &repo.pack } else { &repo.index };
            std::fs::write(path, rest).expect("write pack file");
            let _ = scanner().scan(
                &GitHistory {
                    path: repo.root.clone(),
                    options: GitOptions::default(),
                },
                &Progress::default(),
            );
        }
        mode => {
            let repo = repo();
            let (path, kind) = if mode == 1 {
                (&repo.tree, "tree")
            } else {
                (&repo.commit, "commit")
            };
            write_loose(path, kind, rest);
            let options = GitOptions {
                all_occurrences: true,
                ..GitOptions::default()
            };
            let _ = scanner().scan(
                &GitHistory {
                    path: repo.root.clone(),
                    options,
                },
                &Progress::default(),
            );
        }
    }
});
