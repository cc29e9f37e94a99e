//! Hostile inputs, end to end (issue 9): every input is generated at test time by the
//! helpers below (no opaque binaries). For each family the scan must finish (a timeout
//! guard), exit with the right code (1 when a planted secret elsewhere is found, 3 when the
//! scan is only incomplete, 0 for policy skips), report the reason in JSON (`skipped[]` /
//! `errors[]`), and stay under a stated peak memory bound (measured with `/usr/bin/time`
//! when it is installed).
//!
//! The one-million-empty-files case is `#[ignore]`d (it takes minutes and ~4 GB of inodes on
//! a CI runner); run it with `cargo test -p leakscan --test hostile -- --ignored`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::measured::*;
use common::*;

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Every scan in this file must finish within this time (debug build, 2 busy cores).
const TIMEOUT: Duration = Duration::from_secs(90);

/// The stated peak-memory bound of one scan of a hostile input, in MiB (resident set). The
/// defaults allow up to 1 GiB of inflated archive data per input; the inputs below are built
/// so that a correct scan stays far below that, and a runaway expansion far above.
const MEMORY_BOUND_MIB: u64 = 400;

/// `leakscan scan --isolated --no-progress -f json EXTRA… PATH`.
fn scan(path: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<OsString> = ["scan", "--isolated", "--no-progress", "-f", "json"]
        .iter()
        .map(OsString::from)
        .collect();
    args.extend(extra.iter().map(OsString::from));
    args.push(path.as_os_str().to_owned());
    run(args)
}

/// The three named fields of every entry of the report's array `list`.
fn entries(doc: &Value, list: &str, [a, b, c]: [&str; 3]) -> Vec<(String, String, String)> {
    let text = |e: &Value, key: &str| e[key].as_str().unwrap().to_string();
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (text(e, a), text(e, b), text(e, c)))
        .collect()
}

/// (kind, path, message) of every reported error.
fn errors(doc: &Value) -> Vec<(String, String, String)> {
    entries(doc, "errors", ["kind", "path", "message"])
}

/// (reason, path, detail) of every reported skip.
fn skipped(doc: &Value) -> Vec<(String, String, String)> {
    entries(doc, "skipped", ["reason", "path", "detail"])
}

/// Logical paths (relative to the scanned root) of the unsuppressed findings, sorted.
fn finding_paths(doc: &Value) -> Vec<String> {
    let mut paths: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| f["logical_path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

fn has_error(doc: &Value, kind: &str, needle: &str) -> bool {
    errors(doc).iter().any(|(k, _, m)| k == kind && m.contains(needle))
}

/// A planted secret that the hostile inputs next to it must not hide.
fn plant(dir: &Path) {
    fs::write(dir.join("planted.env"), format!("TOKEN={GITHUB_TOKEN}\n")).unwrap();
}

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// `n` bytes of zeros, deflated as hard as possible (~1030:1).
fn zip_of_zeros(members: usize, each: usize) -> Vec<u8> {
    let zeros = vec![0u8; each];
    let names: Vec<String> = (0..members).map(|i| format!("zeros-{i}.bin")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), zeros.as_slice())).collect();
    zip_of(&files)
}

/// A zip nested `depth` levels deep (`l1.zip` holds `l2.zip`…), the innermost holding
/// `inner`.
fn nested_zip(depth: usize, inner: &[u8]) -> Vec<u8> {
    let mut data = zip_of(&[("core.env", inner)]);
    for level in (1..depth).rev() {
        data = zip_of(&[(&format!("l{level}.zip"), &data)]);
    }
    data
}

/// A zip whose `copies` central-directory records all point at one local file of `size`
/// deflated zeros (Fifield's "overlapping files" zip bomb).
fn overlapping_zip(copies: usize, size: usize) -> Vec<u8> {
    let zeros = vec![0u8; size];
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&zeros).unwrap();
    let deflated = enc.finish().unwrap();
    let mut crc = flate2::Crc::new();
    crc.update(&zeros);
    let crc = crc.sum();
    let (csize, usize_) = (deflated.len() as u32, size as u32);
    let mut out = Vec::new();
    let name = b"bomb.bin";
    // Local file header.
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&8u16.to_le_bytes()); // deflate
    out.extend_from_slice(&[0; 4]); // time, date
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&csize.to_le_bytes());
    out.extend_from_slice(&usize_.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(&deflated);
    let cd_start = out.len() as u32;
    for copy in 0..copies {
        // Distinct names of the local name's length (a reader keyed by name would otherwise
        // see only one member).
        let cd_name = format!("b{copy:07}");
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // made by
        out.extend_from_slice(&20u16.to_le_bytes()); // needed
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&8u16.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&usize_.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attrs
        out.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        out.extend_from_slice(&0u32.to_le_bytes()); // local header offset: all the same
        out.extend_from_slice(cd_name.as_bytes());
    }
    let cd_len = out.len() as u32 - cd_start;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(copies as u16).to_le_bytes());
    out.extend_from_slice(&(copies as u16).to_le_bytes());
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// gzip of `n` zeros at the best compression.
fn gzip_bomb(n: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; n]).unwrap();
    gz.finish().unwrap()
}

/// One raw tar entry whose name, type and link name are written into the header as given
/// (the `tar` crate refuses `..` and absolute names through its checked setters).
fn raw_tar_entry(b: &mut tar::Builder<Vec<u8>>, name: &str, kind: tar::EntryType, link: &str, data: &[u8]) {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    let gnu = header.as_gnu_mut().unwrap();
    gnu.name[..name.len()].copy_from_slice(name.as_bytes());
    gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
    header.set_cksum();
    b.append(&header, data).unwrap();
}

/// Directories `depth` levels deep under `root` (`d/d/d/…`), built through `/proc/self/fd`
/// so that no single path exceeds PATH_MAX, with a `deep.env` file of the given content
/// at the given depths.
#[cfg(target_os = "linux")]
fn deep_dirs(root: &Path, depth: usize, file_at: &[(usize, String)]) {
    use std::os::fd::AsRawFd;
    const CHUNK: usize = 500;
    let mut here = File::open(root).unwrap();
    let mut done = 0;
    while done < depth {
        let step = CHUNK.min(depth - done);
        let rel: PathBuf = std::iter::repeat_n("d", step).collect();
        let base = PathBuf::from(format!("/proc/self/fd/{}", here.as_raw_fd()));
        fs::create_dir_all(base.join(&rel)).unwrap();
        for (at, content) in file_at {
            if *at > done && *at <= done + step {
                let rel_at: PathBuf = std::iter::repeat_n("d", at - done).collect();
                fs::write(base.join(rel_at).join("deep.env"), content).unwrap();
            }
        }
        here = File::open(base.join(&rel)).unwrap();
        done += step;
    }
}

/// Removes a tree that may be too deep for a recursive removal on a small stack.
fn remove_deep(dir: &Path) {
    let status = Command::new("rm").arg("-rf").arg(dir).status();
    assert!(status.is_ok_and(|s| s.success()), "rm -rf {}", dir.display());
}

/// A command that runs `leakscan` without root privileges, or `None` when that is not
/// possible (root without `setpriv`): root reads every file whatever its mode bits.
#[cfg(unix)]
fn unprivileged(keep: &Path) -> Option<Command> {
    use std::os::unix::fs::PermissionsExt;
    let probe = keep.join("probe");
    fs::write(&probe, "x").unwrap();
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o000)).unwrap();
    let root = fs::read(&probe).is_ok();
    fs::remove_file(&probe).unwrap();
    if !root {
        return Some(Command::new(env!("CARGO_BIN_EXE_leakscan")));
    }
    // Root: drop to nobody; that user may not reach the build directory, so run a copy.
    let has_setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !has_setpriv {
        eprintln!("running as root without setpriv: permission-denied cases cannot be tested");
        return None;
    }
    fs::set_permissions(keep, fs::Permissions::from_mode(0o755)).unwrap();
    let copy = keep.join("leakscan");
    fs::copy(env!("CARGO_BIN_EXE_leakscan"), &copy).unwrap();
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(copy);
    Some(c)
}

// ---------------------------------------------------------------------------------------
// Archives
// ---------------------------------------------------------------------------------------

#[test]
fn zip_bombs_nested_deep_and_wide_stop_at_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    // Wide: 10 zips of 10 members of 1000 KiB zeros (each member under the ratio guard's
    // 1 MiB floor): 100 MB inflated, stopped by a 20 MB total budget.
    let inner = zip_of_zeros(10, 1000 << 10);
    let names: Vec<String> = (0..10).map(|i| format!("inner-{i}.zip")).collect();
    let wide: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), inner.as_slice())).collect();
    fs::write(dir.path().join("wide.zip"), zip_of(&wide)).unwrap();
    // Deep: 12 levels of zip (a zip quine is infinitely deep; the depth limit stops both).
    fs::write(dir.path().join("deep.zip"), nested_zip(12, b"just text\n")).unwrap();
    // High ratio: one member of 8 MiB zeros (~8 KiB deflated), then a secret that must
    // still be found: the ratio guard stops one member, not the whole container.
    let zeros = vec![0u8; 8 << 20];
    let secret = format!("T={OTHER_TOKEN}\n");
    fs::write(
        dir.path().join("ratio.zip"),
        zip_of(&[("zeros.bin", &zeros), ("after.env", secret.as_bytes())]),
    )
    .unwrap();

    let run = scan(dir.path(), &["--archive-max-size", "20M"]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), ["planted.env", "ratio.zip!/after.env"]);
    assert!(has_error(&doc, "archive", "inflated bytes in total"), "{doc:#}");
    assert!(
        has_error(&doc, "archive", "nested deeper than --archive-depth 5"),
        "{doc:#}"
    );
    assert!(has_error(&doc, "archive", "compression ratio above 1000:1"), "{doc:#}");
    // Without the planted secrets the scan is only incomplete.
    fs::remove_file(dir.path().join("planted.env")).unwrap();
    fs::write(dir.path().join("ratio.zip"), zip_of(&[("zeros.bin", &zeros)])).unwrap();
    scan(dir.path(), &["--archive-max-size", "20M"]).expect_code(3);
}

#[test]
fn overlapping_zip_entries_cannot_multiply_one_member() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    // 3000 records × 1000 KiB = ~3 GB if every record were inflated.
    fs::write(dir.path().join("overlap.zip"), overlapping_zip(3000, 1000 << 10)).unwrap();
    let run = scan(dir.path(), &["--archive-max-size", "50M"]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), ["planted.env"]);
    let errs = errors(&doc);
    assert!(
        errs.iter()
            .any(|(k, p, _)| k == "archive" && p.ends_with("overlap.zip")),
        "{errs:#?}"
    );
}

#[test]
fn gzip_and_zstd_bombs_stop_at_the_ratio_guard() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    fs::write(dir.path().join("bomb.gz"), gzip_bomb(32 << 20)).unwrap();
    // zstd compresses zeros ~30000:1.
    let zstd_bomb = zstd::encode_all(&vec![0u8; 64 << 20][..], 19).unwrap();
    fs::write(dir.path().join("bomb.zst"), &zstd_bomb).unwrap();
    // A gzip bomb inside a tar inside a gzip: the guard applies at every level.
    let tgz = gzip(&tar_of(&[("inner.gz", &gzip_bomb(32 << 20))]));
    fs::write(dir.path().join("nested.tar.gz"), tgz).unwrap();
    let run = scan(dir.path(), &[]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), ["planted.env"]);
    for file in ["bomb.gz", "bomb.zst", "nested.tar.gz"] {
        assert!(
            errors(&doc)
                .iter()
                .any(|(k, p, m)| k == "archive" && p.contains(file) && m.contains("zip bomb?")),
            "{file}: {doc:#}"
        );
    }
}

#[test]
fn tar_entries_escaping_the_archive_are_logical_names_never_files() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    // A secret outside the scanned tree that link entries point at: it must not be read.
    let target = outside.path().join("secret.env");
    fs::write(&target, format!("T={OTHER_TOKEN}\n")).unwrap();
    let abs_name = outside.path().join("created-by-scan.env");
    let mut b = tar::Builder::new(Vec::new());
    let content = format!("T={GITHUB_TOKEN}\n");
    raw_tar_entry(
        &mut b,
        "../../escape.env",
        tar::EntryType::Regular,
        "",
        content.as_bytes(),
    );
    raw_tar_entry(
        &mut b,
        abs_name.to_str().unwrap(),
        tar::EntryType::Regular,
        "",
        content.as_bytes(),
    );
    raw_tar_entry(
        &mut b,
        "sym.env",
        tar::EntryType::Symlink,
        target.to_str().unwrap(),
        b"",
    );
    raw_tar_entry(&mut b, "hard.env", tar::EntryType::Link, target.to_str().unwrap(), b"");
    raw_tar_entry(&mut b, "zero", tar::EntryType::Symlink, "/dev/zero", b"");
    raw_tar_entry(
        &mut b,
        "up.env",
        tar::EntryType::Symlink,
        "../../../../../../etc/passwd",
        b"",
    );
    fs::write(dir.path().join("evil.tar"), b.into_inner().unwrap()).unwrap();

    let run = scan(dir.path(), &[]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    let paths = finding_paths(&doc);
    assert_eq!(
        paths,
        [
            "evil.tar!/../../escape.env".to_string(),
            format!("evil.tar!/{}", abs_name.to_str().unwrap()),
        ],
        "only the two regular entries, by their logical names; link targets are never read"
    );
    assert!(!abs_name.exists(), "an absolute entry name was written to disk");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "nothing was extracted");
    assert_eq!(
        fs::read_dir(outside.path()).unwrap().count(),
        1,
        "nothing was written outside"
    );
}

// ---------------------------------------------------------------------------------------
// The filesystem
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_tree() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    plant(dir.path());
    fs::write(outside.path().join("host.env"), format!("T={OTHER_TOKEN}\n")).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    symlink("self", dir.path().join("self")).unwrap();
    symlink("pong", dir.path().join("ping")).unwrap();
    symlink("ping", dir.path().join("pong")).unwrap();
    symlink("..", dir.path().join("sub/up")).unwrap();
    symlink(outside.path().join("host.env"), dir.path().join("host.env")).unwrap();
    symlink("/dev/zero", dir.path().join("zero")).unwrap();

    // Not following links (the default): every link is skipped and nothing outside is read.
    let run = scan(dir.path(), &[]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), ["planted.env"]);
    assert_eq!(doc["stats"]["skipped"]["symlink"], 6, "{doc:#}");

    // Following links: loops are reported, /dev/zero is not read (not a regular file), and
    // the scan still finishes with the planted secret.
    let run = scan(dir.path(), &["--follow-symlinks"]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert!(finding_paths(&doc).contains(&"planted.env".to_string()));
    assert!(
        skipped(&doc)
            .iter()
            .any(|(r, p, d)| r == "not-regular-file" && p.ends_with("zero") && d == "character device"),
        "{doc:#}"
    );
    assert!(has_error(&doc, "walk", "loop"), "{doc:#}");
    let errs = errors(&doc);
    assert!(
        errs.iter().any(|(_, p, _)| p.ends_with("self")) && errs.iter().any(|(_, p, _)| p.ends_with("ping")),
        "self-referencing links are reported: {errs:#?}"
    );
}

#[cfg(unix)]
#[test]
fn fifos_and_sockets_do_not_block() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    let status = Command::new("mkfifo").arg(dir.path().join("pipe")).status().unwrap();
    assert!(status.success());
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
    let run = scan(dir.path(), &[]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    let skips = skipped(&doc);
    assert!(
        skips
            .iter()
            .any(|(r, p, d)| r == "not-regular-file" && p.ends_with("pipe") && d == "FIFO (named pipe)"),
        "{skips:#?}"
    );
    assert!(
        skips
            .iter()
            .any(|(r, p, d)| r == "not-regular-file" && p.ends_with("sock") && d == "socket"),
        "{skips:#?}"
    );
    // Policy skips alone do not make the scan incomplete.
    fs::remove_file(dir.path().join("planted.env")).unwrap();
    scan(dir.path(), &[]).expect_code(0);
}

#[cfg(unix)]
#[test]
fn permission_denied_files_and_directories_make_the_scan_incomplete() {
    use std::os::unix::fs::PermissionsExt;
    let keep = tempfile::tempdir().unwrap();
    let Some(cmd) = unprivileged(keep.path()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.path().join("ok.txt"), "fine\n").unwrap();
    let locked_dir = dir.path().join("locked");
    fs::create_dir(&locked_dir).unwrap();
    fs::write(locked_dir.join("inside.env"), format!("T={OTHER_TOKEN}\n")).unwrap();
    fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o000)).unwrap();
    let locked_file = dir.path().join("locked.env");
    fs::write(&locked_file, format!("T={OTHER_TOKEN}\n")).unwrap();
    fs::set_permissions(&locked_file, fs::Permissions::from_mode(0o000)).unwrap();

    let args = ["scan", "--isolated", "--no-progress", "-f", "json"];
    let clone = |c: &Command| {
        let mut n = Command::new(c.get_program());
        n.args(c.get_args());
        n
    };
    let run = run_with(clone(&cmd), args.iter().map(OsStr::new).chain([dir.path().as_os_str()]));
    run.expect_code(3).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert!(has_error(&doc, "unreadable", "ermission denied"), "{doc:#}");
    assert!(has_error(&doc, "walk", "ermission denied"), "{doc:#}");
    assert_eq!(doc["stats"]["blobs"], 1, "ok.txt was scanned");
    // A finding elsewhere still wins.
    fs::write(dir.path().join("planted.env"), format!("TOKEN={GITHUB_TOKEN}\n")).unwrap();
    fs::set_permissions(dir.path().join("planted.env"), fs::Permissions::from_mode(0o644)).unwrap();
    let run = run_with(clone(&cmd), args.iter().map(OsStr::new).chain([dir.path().as_os_str()]));
    run.expect_code(1);
    assert_eq!(finding_paths(&run.json()).len(), 1);
    fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
#[test]
fn non_utf8_and_maximum_length_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let long = "n".repeat(251) + ".env"; // 255 bytes: NAME_MAX
    assert_eq!(long.len(), 255);
    fs::write(dir.path().join(&long), format!("T={GITHUB_TOKEN}\n")).unwrap();
    let raw = OsStr::from_bytes(b"\xff\xfe\x80-latin1-\xe9.env");
    fs::write(dir.path().join(raw), format!("T={GITHUB_TOKEN}\n")).unwrap();
    let run = scan(dir.path(), &[]);
    run.expect_code(1);
    let doc = run.json();
    let paths = finding_paths(&doc);
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with(&long)));
    assert!(
        paths
            .iter()
            .any(|p| p.contains("\u{fffd}\u{fffd}\u{fffd}-latin1-\u{fffd}.env"))
    );
}

#[test]
fn a_sparse_10_gb_file_is_skipped_by_size_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = File::create(dir.path().join("huge.img")).unwrap();
    sparse.set_len(10 << 30).unwrap();
    drop(sparse);
    let run = scan(dir.path(), &[]);
    run.expect_code(0).expect_memory_below(64);
    assert!(run.elapsed < Duration::from_secs(20), "took {:?}", run.elapsed);
    let doc = run.json();
    assert_eq!(
        skipped(&doc),
        [(
            "size-limit".to_string(),
            dir.path().join("huge.img").display().to_string(),
            "10737418240 bytes exceeds the limit of 268435456 bytes".to_string()
        )]
    );
    assert_eq!(doc["stats"]["bytes"], 0, "nothing was read");
}

#[test]
fn a_50_mb_single_line_with_a_secret_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let filler = "x".repeat(50 << 20);
    fs::write(dir.path().join("one-line.txt"), format!("{filler} T={GITHUB_TOKEN}")).unwrap();
    let run = scan(dir.path(), &[]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), ["one-line.txt"]);
    assert_eq!(doc["findings"][0]["start"]["line"], 1);
    assert_eq!(doc["findings"][0]["start"]["column"], filler.len() + 4);
    assert!(doc["findings"][0]["snippet"].as_str().unwrap().len() < 400);
}

#[cfg(target_os = "linux")]
#[test]
fn ten_thousand_nested_directories_do_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let secret = format!("T={GITHUB_TOKEN}\n");
    deep_dirs(dir.path(), 10_000, &[(100, secret.clone()), (10_000, secret)]);
    let run = scan(dir.path(), &[]);
    // Paths beyond PATH_MAX cannot be opened: those are reported, the rest is scanned.
    run.expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    remove_deep(dir.path());
    run.expect_code(1);
    let paths = finding_paths(&doc);
    assert_eq!(paths.len(), 1, "the secret 100 levels down: {paths:?}");
    assert!(paths[0].ends_with("/d/deep.env"));
    assert!(
        errors(&doc).iter().any(|(_, _, m)| m.contains("too long")),
        "the unreachable depth is reported: {:#?}",
        errors(&doc).into_iter().take(3).collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------------------
// Git, images, configuration checks, rules, config
// ---------------------------------------------------------------------------------------

fn commit(dir: &Path, path: &str, content: &str) {
    fs::write(dir.join(path), content).unwrap();
    git(dir, &["add", path]);
    git(dir, &["commit", "-q", "-m", path]);
}

#[test]
fn malformed_git_objects_and_a_truncated_pack() {
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q"]);
    for i in 0..20 {
        commit(
            repo.path(),
            &format!("f{i}.txt"),
            &format!("plain text {i}\n").repeat(50),
        );
    }
    git(repo.path(), &["repack", "-a", "-d", "-q"]);
    // Two loose commits on top: one whose blob is then made garbage, and the newest, intact,
    // with the secret.
    commit(repo.path(), "garbage.txt", "will be overwritten\n");
    commit(repo.path(), "secret.env", &format!("T={GITHUB_TOKEN}\n"));
    // Cut the pack in half (its index still lists every object).
    let pack_dir = repo.path().join(".git/objects/pack");
    let pack = fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension() == Some(OsStr::new("pack")))
        .unwrap();
    let len = fs::metadata(&pack).unwrap().len();
    let file = fs::OpenOptions::new().write(true).open(&pack).unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);
    // A loose blob that is not zlib at all.
    let blob = String::from_utf8(
        Command::new("git")
            .current_dir(repo.path())
            .args(["rev-parse", "HEAD:garbage.txt"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let blob = blob.trim();
    let loose = repo.path().join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    let mut perms = fs::metadata(&loose).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&loose, perms).unwrap();
    fs::write(&loose, b"\x78\x9cnot zlib at all, and far too short").unwrap();

    let run = run_json("git", repo.path());
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), ["secret.env"]);
    let errs = errors(&doc);
    assert!(errs.iter().any(|(k, _, _)| k == "git"), "{errs:#?}");
    assert!(
        errs.iter().any(|(_, p, m)| p.contains(blob) || m.contains(blob)),
        "{errs:#?}"
    );
}

#[test]
#[cfg(unix)]
fn a_repository_owned_by_another_user_has_its_big_blobs_read() {
    // gitoxide caps allocations at 16 MiB in repositories it trusts less (owned by another
    // user) unless a cap is configured: every blob over 16 MiB there failed to decode, and the
    // secret in it was lost. leakscan sets its own cap. Needs root to hand the repository over.
    let repo = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    let probe = repo.path().join("probe");
    fs::write(&probe, "x").unwrap();
    fs::set_permissions(&probe, fs::Permissions::from_mode(0o000)).unwrap();
    let root = fs::read(&probe).is_ok();
    fs::remove_file(&probe).unwrap();
    if !root {
        eprintln!("not root: cannot give the repository to another user; nothing to check");
        return;
    }
    git(repo.path(), &["init", "-q"]);
    let mut rng = Rng::new(5);
    let mut big = rng.string(b"abcdefghij \n", 20 << 20);
    big.push_str(&format!("T={GITHUB_TOKEN}\n"));
    fs::write(repo.path().join("big.txt"), big).unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "big"]);
    let status = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(repo.path())
        .status()
        .unwrap();
    assert!(status.success());
    let run = run_json("git", repo.path());
    let doc = run.json();
    assert_eq!(run.code, Some(1), "errors: {:#?}", errors(&doc));
    assert_eq!(finding_paths(&doc), ["big.txt"]);
}

#[test]
fn a_pack_entry_claiming_gigabytes_is_an_error_not_an_allocation() {
    // Found by fuzzing (`git_object`, pack mode): a pack entry header whose size varint claims
    // 4 GiB made gitoxide allocate and zero that much before inflating. Decoding is now capped
    // (twice --max-file-size): the tree is reported as unreadable and the rest is scanned.
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q"]);
    fs::create_dir(repo.path().join("docs")).unwrap();
    fs::write(repo.path().join("docs/readme.txt"), "plain documentation\n").unwrap();
    fs::write(repo.path().join("app.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "first"]);
    git(repo.path(), &["repack", "-a", "-d", "-q"]);
    let docs_tree = git(repo.path(), &["rev-parse", "HEAD:docs"]);
    let pack_dir = repo.path().join(".git/objects/pack");
    let idx = fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension() == Some(OsStr::new("idx")))
        .unwrap();
    let listing = git(repo.path(), &["verify-pack", "-v", idx.to_str().unwrap()]);
    let offset: usize = listing
        .lines()
        .find(|l| l.starts_with(&docs_tree))
        .and_then(|l| l.split_whitespace().nth(4))
        .and_then(|o| o.parse().ok())
        .expect("the docs tree is in the pack");
    let pack = idx.with_extension("pack");
    let mut bytes = fs::read(&pack).unwrap();
    // Type 2 (tree), size 2^32: a six-byte header written over the entry's own.
    bytes[offset..offset + 6].copy_from_slice(&[0x80 | (2 << 4), 0x80, 0x80, 0x80, 0x80, 0x01]);
    let mut perms = fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&pack, perms).unwrap();
    fs::write(&pack, bytes).unwrap();

    let run = run_json("git", repo.path());
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), ["app.env"]);
    let errs = errors(&doc);
    assert!(
        errs.iter()
            .any(|(k, p, m)| k == "git" && (p.contains(&docs_tree) || m.contains(&docs_tree))),
        "the damaged tree is reported: {errs:#?}"
    );
}

#[test]
#[cfg(target_os = "linux")]
fn a_pack_truncated_while_mapped_is_a_clear_error_not_a_crash() {
    // gix memory-maps packs; truncating one under it raises SIGBUS on the next read of a lost
    // page. The process must report it and exit 2 (no report was written), not die silently.
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q"]);
    let mut rng = Rng::new(41);
    for i in 0..300 {
        let text = rng.string(b"abcdefghijklmnopqrstuvwxyz0123456789 =\n", 64 << 10);
        fs::write(repo.path().join(format!("f{i}.txt")), text).unwrap();
    }
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-q", "-m", "bulk"]);
    git(repo.path(), &["repack", "-a", "-d", "-q"]);
    let pack = fs::read_dir(repo.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension() == Some(OsStr::new("pack")))
        .unwrap();
    let mut perms = fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&pack, perms).unwrap();

    let scratch = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakscan"))
        .args(["git", "--no-progress", "-f", "json", "-j", "1"])
        .arg(repo.path())
        .stdin(Stdio::null())
        .stdout(File::create(scratch.path().join("out")).unwrap())
        .stderr(File::create(scratch.path().join("err")).unwrap())
        .spawn()
        .unwrap();
    // Truncate the pack as soon as leakscan has mapped it.
    let maps = format!("/proc/{}/maps", child.id());
    let start = Instant::now();
    let mut truncated_while_running = false;
    while start.elapsed() < TIMEOUT {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if fs::read_to_string(&maps).unwrap_or_default().contains(".pack") {
            let file = fs::OpenOptions::new().write(true).open(&pack).unwrap();
            file.set_len(0).unwrap();
            truncated_while_running = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < TIMEOUT, "leakscan hangs after the truncation");
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = fs::read_to_string(scratch.path().join("err")).unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert!(
        status.signal().is_none(),
        "killed by signal {:?}: {stderr}",
        status.signal()
    );
    assert!(
        truncated_while_running,
        "the pack was mapped and truncated during the scan"
    );
    assert_eq!(status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("shrank while it was being read"), "{stderr}");
}

/// An OCI layout whose index points at `manifests` (digest, content) written as blobs.
fn oci_with(dir: &Path, index_digests: &[String], blobs: &[(String, Vec<u8>)]) -> PathBuf {
    let root = dir.join("oci");
    fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    for (digest, data) in blobs {
        fs::write(
            root.join("blobs/sha256").join(digest.trim_start_matches("sha256:")),
            data,
        )
        .unwrap();
    }
    fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion": "1.0.0"}"#).unwrap();
    let manifests: Vec<Value> = index_digests
        .iter()
        .map(|d| serde_json::json!({ "mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": 2 }))
        .collect();
    fs::write(
        root.join("index.json"),
        serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "manifests": manifests })).unwrap(),
    )
    .unwrap();
    root
}

#[test]
fn oci_manifest_cycles_and_missing_blobs() {
    let dir = tempfile::tempdir().unwrap();
    // Two indexes naming each other (digests are names here: the layout is hostile and
    // does not have to hash correctly), and one naming a blob that is not there.
    let a = format!("sha256:{}", "a".repeat(64));
    let b = format!("sha256:{}", "b".repeat(64));
    let missing = format!("sha256:{}", "c".repeat(64));
    let index = |children: &[&String]| {
        let m: Vec<Value> = children
            .iter()
            .map(|d| serde_json::json!({ "mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": 2 }))
            .collect();
        serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": m })).unwrap()
    };
    let root = oci_with(
        dir.path(),
        std::slice::from_ref(&a),
        &[(a.clone(), index(&[&b, &missing])), (b.clone(), index(&[&a]))],
    );
    let run = run_json("image", &root);
    run.expect_code(3).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert!(has_error(&doc, "image", &missing), "{doc:#}");
    assert!(has_error(&doc, "image", "a cycle"), "the cycle is reported: {doc:#}");
}

#[test]
fn oci_digests_cannot_name_files_outside_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let host = outside.path().join("host.json");
    fs::write(&host, format!("{{\"token\": \"{OTHER_TOKEN}\"}}")).unwrap();
    // Digests that try to walk out of blobs/ or name an absolute path or a device.
    let up = format!("sha256:../../../../../../../..{}", host.display());
    let root = oci_with(
        dir.path(),
        &[up.clone(), host.display().to_string(), "sha256:/dev/zero".into()],
        &[],
    );
    let run = run_json("image", &root);
    run.expect_code(3).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), Vec::<String>::new(), "nothing outside was read");
    assert_eq!(
        errors(&doc)
            .iter()
            .filter(|(k, _, m)| k == "image" && m.contains("invalid digest"))
            .count(),
        3,
        "{doc:#}"
    );
}

#[test]
fn yaml_alias_bombs_stop_at_the_node_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
        let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    bomb.push_str(&format!("# token: {GITHUB_TOKEN}\n"));
    fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    fs::write(dir.path().join(".github/workflows/ci.yml"), &bomb).unwrap();
    fs::write(dir.path().join("values.yaml"), &bomb).unwrap();
    let run = scan(dir.path(), &["-v"]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    assert!(run.elapsed < Duration::from_secs(30), "took {:?}", run.elapsed);
    let doc = run.json();
    assert_eq!(finding_paths(&doc), [".github/workflows/ci.yml", "values.yaml"]);
    // Reported in the report itself, not only in the log.
    let skips = skipped(&doc);
    assert_eq!(skips.len(), 2, "{skips:?}");
    assert!(
        skips
            .iter()
            .all(|(reason, _, detail)| reason == "config-checks-limit" && detail.contains("alias bomb")),
        "{skips:?}"
    );
}

#[test]
fn catastrophic_rule_patterns_are_rule_errors_not_hangs() {
    let rules = tempfile::tempdir().unwrap();
    let rule = |regex: &str| {
        format!(
            "[[rule]]\nid = 'huge'\nname = 'Huge'\ndescription = 'A pattern far above the size limit.'\nregex = '''{regex}'''\nkeywords = ['k']\nseverity = 'high'\nconfidence = 'high'\nremediation = 'None.'\n"
        )
    };
    let target = tempfile::tempdir().unwrap();
    plant(target.path());
    for (i, pattern) in [r"k(?:\w{1000}){1000}", r"k((((((((((a*)*)*)*)*)*)*)*)*)*)*\w{500}{500}"]
        .iter()
        .enumerate()
    {
        fs::write(rules.path().join("huge.toml"), rule(pattern)).unwrap();
        let run = run([
            OsStr::new("scan"),
            OsStr::new("--isolated"),
            OsStr::new("--rules"),
            rules.path().as_os_str(),
            target.path().as_os_str(),
        ]);
        run.expect_code(2).expect_memory_below(MEMORY_BOUND_MIB);
        assert!(
            run.stderr.contains("huge.toml") && run.stderr.contains("rule `huge`"),
            "pattern {i}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_100_000_line_config_file() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    let mut config = String::from("[allow]\nstopwords = [\n");
    for i in 0..100_000 {
        config.push_str(&format!("  \"not-a-secret-{i:06}\",\n"));
    }
    config.push_str("]\n");
    fs::write(dir.path().join("leakscan.toml"), config).unwrap();
    let run = run_json("scan", dir.path());
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    assert_eq!(finding_paths(&run.json()), ["planted.env"]);
}

// ---------------------------------------------------------------------------------------
// Nothing lost
// ---------------------------------------------------------------------------------------

/// 200 distinct, format-valid fake secrets (100 GitHub tokens with valid checksums, 100
/// AWS key ids), generated at run time.
fn planted_secrets() -> Vec<String> {
    let mut rng = Rng::new(9);
    let mut out: Vec<String> = (0..100).map(|_| fake_github_token(&mut rng)).collect();
    out.extend((0..100).map(|_| fake_aws_key_id(&mut rng)));
    out.sort();
    out.dedup();
    assert_eq!(out.len(), 200);
    out
}

#[cfg(target_os = "linux")]
#[test]
fn nothing_lost_among_hostile_inputs() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;
    let secrets = planted_secrets();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let line = |s: &str| format!("credential = {s}\n");
    let mut used = 0;
    let mut take = || {
        used += 1;
        secrets[used - 1].clone()
    };
    // 120 plain files in nested directories.
    for i in 0..120 {
        let sub = root.join(format!("src/m{}/p{}", i % 7, i % 3));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("conf-{i}.env")), line(&take())).unwrap();
    }
    // Archives: a zip with a bomb member first, then 10 members with secrets.
    let zeros = vec![0u8; 8 << 20];
    let members: Vec<(String, Vec<u8>)> = (0..10)
        .map(|i| (format!("m{i}.env"), line(&take()).into_bytes()))
        .collect();
    let mut zip_files: Vec<(&str, &[u8])> = vec![("bomb.bin", &zeros)];
    zip_files.extend(members.iter().map(|(n, d)| (n.as_str(), d.as_slice())));
    fs::write(root.join("mixed.zip"), zip_of(&zip_files)).unwrap();
    // A tar.gz with `..` and absolute names holding 10 secrets, next to link entries.
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..10 {
        let name = if i % 2 == 0 {
            format!("../../up-{i}.env")
        } else {
            format!("/abs/{i}.env")
        };
        raw_tar_entry(&mut b, &name, tar::EntryType::Regular, "", line(&take()).as_bytes());
        raw_tar_entry(&mut b, &format!("l{i}"), tar::EntryType::Symlink, "/etc/passwd", b"");
    }
    fs::write(root.join("evil.tar.gz"), gzip(&b.into_inner().unwrap())).unwrap();
    // Hostile neighbours.
    fs::write(root.join("bomb.gz"), gzip_bomb(32 << 20)).unwrap();
    fs::write(root.join("overlap.zip"), overlapping_zip(2000, 1000 << 10)).unwrap();
    // 12 zips deep: beyond the default --archive-depth 5 (that report is tested above), so
    // this run raises the depth to 16.
    fs::write(root.join("deep.zip"), nested_zip(12, line(&take()).as_bytes())).unwrap();
    let sparse = File::create(root.join("sparse.img")).unwrap();
    sparse.set_len(10 << 30).unwrap();
    Command::new("mkfifo").arg(root.join("fifo")).status().unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    symlink(".", root.join("loop")).unwrap();
    symlink("/dev/zero", root.join("zero")).unwrap();
    // Secrets in hostile files themselves: a YAML bomb, odd names, a long line, deep dirs.
    let mut bomb = String::from("a: &a [1,1,1,1,1,1,1,1,1]\n");
    for (p, n) in ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{p}"); 9].join(",")));
    }
    bomb.push_str(&format!("# {}", line(&take())));
    fs::write(root.join("values.yaml"), bomb).unwrap();
    fs::write(root.join(OsStr::from_bytes(b"\xff\xfe-bad.env")), line(&take())).unwrap();
    fs::write(root.join("n".repeat(251) + ".env"), line(&take())).unwrap();
    fs::write(root.join("esc\x1b[31mred\nnl.env"), line(&take())).unwrap();
    let long_line = format!("{} {}", "y".repeat(10 << 20), line(&take()));
    fs::write(root.join("minified.js"), long_line).unwrap();
    let deep_root = root.join("deep");
    fs::create_dir(&deep_root).unwrap();
    deep_dirs(&deep_root, 1000, &[(900, line(&take()))]);
    // The rest in one big file, one per line (exercises many findings in one blob).
    let rest: String = secrets[used..].iter().map(|s| line(s)).collect();
    fs::write(root.join("many.txt"), rest).unwrap();

    // A 64 MiB archive budget keeps the debug-build run short (the overlapping zip would
    // otherwise inflate the default 1 GiB of zeros before its limit).
    let run = scan(
        root,
        &[
            "--show-secrets",
            "--follow-symlinks",
            "--archive-max-size",
            "64M",
            "--archive-depth",
            "16",
        ],
    );
    let doc = run.json();
    remove_deep(&deep_root);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let found: std::collections::BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .filter_map(|f| f["secret"].as_str())
        .collect();
    let lost: Vec<&String> = secrets.iter().filter(|s| !found.contains(s.as_str())).collect();
    assert!(lost.is_empty(), "lost {lost:?}; errors: {:#?}", errors(&doc));
    assert_eq!(found.len(), 200, "every planted secret is found");
    assert!(has_error(&doc, "archive", "zip bomb?"), "{doc:#}");
}

#[test]
#[ignore = "slow: creates 1,000,000 files (minutes, ~1M inodes); run with --ignored"]
fn one_million_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    for d in 0..1000 {
        let sub = dir.path().join(format!("d{d:03}"));
        fs::create_dir(&sub).unwrap();
        for f in 0..1000 {
            File::create(sub.join(format!("f{f:03}"))).unwrap();
        }
    }
    plant(dir.path());
    let run = scan(dir.path(), &[]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    assert_eq!(run.json()["stats"]["blobs"], 1_000_001);
}

/// A big file truncated by another process while it is being scanned: once with memory
/// mapping this killed leakscan with SIGBUS. Racy by nature, so it loops over several delays
/// and accepts any exit code but a crash (the finding at the start may or may not be seen).
#[cfg(unix)]
#[test]
fn a_file_truncated_during_the_scan_does_not_crash() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.log");
    let mut content = format!("T={GITHUB_TOKEN}\n").into_bytes();
    content.extend(std::iter::repeat_n(b"log line of no interest at all\n".as_slice(), (64 << 20) / 31).flatten());
    for delay_ms in [0u64, 5, 20, 50, 150, 400] {
        fs::write(&path, &content).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_leakscan"))
            .args(["scan", "--isolated", "--no-progress", "-f", "json"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > TIMEOUT {
                child.kill().ok();
                panic!("no exit after truncation (delay {delay_ms} ms)");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(status.signal(), None, "killed by a signal (delay {delay_ms} ms)");
        assert!(
            matches!(status.code(), Some(0 | 1 | 3)),
            "exit {:?} (delay {delay_ms} ms)",
            status.code()
        );
    }
}

#[test]
fn large_files_in_memory_stay_within_the_budget() {
    // Six 24 MB files, each ending in a secret, scanned by 6 threads. Without a budget all six
    // would be in memory at once (~150 MB); with --max-memory 30M only one is.
    let dir = tempfile::tempdir().unwrap();
    let filler = "2026-11-26 request served in 12 ms by worker seven\n".repeat(24_000_000 / 52);
    for i in 0..6 {
        fs::write(
            dir.path().join(format!("big{i}.log")),
            format!("{filler}key = {}\n", common::AWS_KEY_ID),
        )
        .unwrap();
    }
    let bounded = run(
        ["scan", "-f", "json", "--no-progress", "-j", "6", "--max-memory", "30M"]
            .iter()
            .map(OsStr::new)
            .chain([dir.path().as_os_str()]),
    );
    bounded.expect_code(1);
    assert_eq!(bounded.json()["findings"].as_array().unwrap().len(), 6, "nothing lost");
    let unbounded = run(["scan", "-f", "json", "--no-progress", "-j", "6", "--max-memory", "1G"]
        .iter()
        .map(OsStr::new)
        .chain([dir.path().as_os_str()]));
    unbounded.expect_code(1);
    if let (Some(low), Some(high)) = (bounded.peak_kib, unbounded.peak_kib) {
        assert!(
            high > low + 60 * 1024,
            "the budget holds large files back: {} MiB with 30M vs {} MiB with 1G",
            low / 1024,
            high / 1024
        );
    }
    // An invalid budget is a usage error.
    run(["scan", "--max-memory", "lots", "."]).expect_code(2);
}

#[test]
fn members_inflated_from_archives_count_against_the_memory_budget() {
    // Four small gzip files that each inflate to 48 MB of text ending in a token. The files
    // are small (nothing is counted while reading them); what they inflate to is. With room
    // for one inflated member at a time, peak memory stays far below four at once.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(48 << 20);
    let mut i = 0u64;
    while text.len() < (48 << 20) {
        text.push_str(&format!("a line of a build log: step {} ok\n", i % 64));
        i += 1;
    }
    text.push_str(&format!("export GITHUB_TOKEN={GITHUB_TOKEN}\n"));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    assert!(
        gz.len() < (8 << 20),
        "the compressed files are small items: {}",
        gz.len()
    );
    for n in 0..4 {
        fs::write(dir.path().join(format!("build-{n}.log.gz")), &gz).unwrap();
    }
    let scan_with = |budget: &str| {
        run([
            "scan",
            "-f",
            "json",
            "--no-progress",
            "--isolated",
            "-j",
            "4",
            "--max-memory",
            budget,
        ]
        .iter()
        .map(OsStr::new)
        .chain([dir.path().as_os_str()]))
    };
    let bounded = scan_with("60M");
    bounded.expect_code(1);
    assert_eq!(finding_paths(&bounded.json()).len(), 4, "nothing lost");
    let unbounded = scan_with("1G");
    unbounded.expect_code(1);
    if let (Some(low), Some(high)) = (bounded.peak_kib, unbounded.peak_kib) {
        assert!(
            high > low + 60 * 1024,
            "the budget holds inflated members back: {} MiB with 60M vs {} MiB with 1G",
            low / 1024,
            high / 1024
        );
    }
}

/// One line of `count` AWS-shaped key ids (distinct, generated).
fn keys_on_one_line(count: usize) -> String {
    let mut rng = Rng::new(24);
    let keys: Vec<String> = (0..count).map(|_| fake_aws_key_id(&mut rng)).collect();
    keys.join(" ") + "\n"
}

#[test]
fn many_findings_on_one_line_cost_linear_time() {
    // 12,000 keys on one 252 KB line. Locating each finding by counting from the line start
    // was quadratic: 24,000 took 20 s in a release build. Now ~0.3 s release for 24,000 (see
    // benches/hostile.rs); the bound here only has to catch a quadratic regression in a debug
    // build.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("keys.txt"), keys_on_one_line(12_000)).unwrap();
    let started = Instant::now();
    let run = run_json("scan", dir.path());
    run.expect_code(1);
    let elapsed = started.elapsed();
    let stats = &run.json()["stats"];
    let reported = stats["findings"].as_u64().unwrap() + stats["suppressed"].as_u64().unwrap();
    // A random key id now and then has less entropy than the rule's minimum (2.93 < 3 for one
    // in ~6,000): those are not candidates.
    assert!((11_990..=12_000).contains(&reported), "every key is reported: {stats}");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
}

#[test]
fn the_file_timeout_bounds_building_findings_too() {
    // A 6 MB line of assignments: ~130,000 findings, 15 s in a debug build without a limit.
    // Detection stops at the limit, and so does turning what it found into findings
    // (snippets, positions, filters; unit-tested exactly in scan.rs): the file reports a
    // timeout and keeps what was made before it.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    let mut line = String::new();
    while line.len() < 6_000_000 {
        line.push_str("api_key = \"");
        line.push_str(&rng.string(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32));
        line.push_str("\"; ");
    }
    line.push('\n');
    fs::write(dir.path().join("assign.txt"), line).unwrap();
    let run = run([
        OsStr::new("scan"),
        OsStr::new("-f"),
        OsStr::new("json"),
        OsStr::new("--no-progress"),
        OsStr::new("--file-timeout"),
        OsStr::new("2"),
        dir.path().as_os_str(),
    ]);
    assert!(matches!(run.code, Some(1 | 3)), "{:?}: {}", run.code, run.stderr);
    let doc = run.json();
    assert!(has_error(&doc, "timeout", "--file-timeout"), "{:?}", errors(&doc));
    // The limit cut the work short (the unit test in scan.rs checks exactly where building
    // findings stops; wall time here depends on the machine's load, so it is not asserted).
    let stats = &doc["stats"];
    let made = stats["findings"].as_u64().unwrap() + stats["suppressed"].as_u64().unwrap();
    assert!(made < 100_000, "the limit stopped the file early: {stats}");
}

#[cfg(target_os = "linux")]
#[test]
fn newline_floods_stay_within_the_memory_budget() {
    // Two files of 100 MB of newlines and one secret each, two threads, a 32 MiB budget. A line
    // index of 8 bytes per newline made this 1.6 GB; positions are now found in one pass with
    // memory per finding, and the files themselves go through the budget one at a time.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2 {
        let mut file = fs::File::create(dir.path().join(format!("flood{i}.txt"))).unwrap();
        let newlines = vec![b'\n'; 1 << 20];
        for _ in 0..100 {
            file.write_all(&newlines).unwrap();
        }
        file.write_all(format!("key = {}\n", common::AWS_KEY_ID).as_bytes())
            .unwrap();
    }
    let run = run(
        ["scan", "-f", "json", "--no-progress", "-j", "2", "--max-memory", "32M"]
            .iter()
            .map(OsStr::new)
            .chain([dir.path().as_os_str()]),
    );
    run.expect_code(1).expect_memory_below(260);
    let doc = run.json();
    let lines: Vec<u64> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [100 * (1 << 20) + 1; 2], "both found, on the right line");
}

#[test]
fn a_file_that_takes_too_long_is_reported_as_timed_out() {
    // Keyword-dense text makes every generic rule search the whole file: slow enough (in a
    // debug build, tens of milliseconds at least) to pass a 1 ms limit.
    let dir = tempfile::tempdir().unwrap();
    let dense = "password = hunter2 token = abc secret = xyz api_key = q\n".repeat(60_000);
    fs::write(dir.path().join("dense.env"), &dense).unwrap();
    let limited = run([
        OsStr::new("scan"),
        OsStr::new("-f"),
        OsStr::new("json"),
        OsStr::new("--no-progress"),
        OsStr::new("--file-timeout"),
        OsStr::new("0.001"),
        dir.path().as_os_str(),
    ]);
    let doc = limited.json();
    assert!(
        has_error(&doc, "timeout", "--file-timeout"),
        "the file is reported as timed out: {:?}",
        errors(&doc)
    );
    assert!(
        limited.code == Some(3) || limited.code == Some(1),
        "incomplete (or findings from before the limit): {:?}",
        limited.code
    );
    // Without the limit the same file is scanned to the end, with no error.
    let whole = run([
        OsStr::new("scan"),
        OsStr::new("-f"),
        OsStr::new("json"),
        OsStr::new("--no-progress"),
        OsStr::new("--file-timeout"),
        OsStr::new("0"),
        dir.path().as_os_str(),
    ]);
    assert!(errors(&whole.json()).is_empty());
    run(["scan", "--file-timeout", "-1", "."]).expect_code(2);
}

#[test]
fn a_stream_window_that_takes_too_long_is_reported_as_timed_out() {
    // Streams have no end to measure against: the limit applies to each 1 MiB window, and the
    // error names the window's byte range. 3.4 MB of keyword-dense text: four windows.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dense.log");
    let dense = "password = hunter2 token = abc secret = xyz api_key = q\n".repeat(60_000);
    fs::write(&input, &dense).unwrap();
    let args = ["scan", "-f", "json", "--no-progress", "--isolated", "--file-timeout"];
    let limited = run_reading(
        Command::new(env!("CARGO_BIN_EXE_leakscan")),
        args.iter().chain(&["0.001", "-"]),
        Stdio::from(File::open(&input).unwrap()),
    );
    let doc = limited.json();
    let timeouts: Vec<_> = errors(&doc)
        .into_iter()
        .filter(|(kind, path, message)| kind == "timeout" && path == "<stdin>" && message.contains("bytes 0..1048576 "))
        .collect();
    assert!(
        !timeouts.is_empty(),
        "a window is reported as timed out: {:?}",
        errors(&doc)
    );
    assert!(
        limited.code == Some(3) || limited.code == Some(1),
        "incomplete (or findings from before the limit): {:?}",
        limited.code
    );
    let whole = run_reading(
        Command::new(env!("CARGO_BIN_EXE_leakscan")),
        args.iter().chain(&["0", "-"]),
        Stdio::from(File::open(&input).unwrap()),
    );
    assert!(
        errors(&whole.json()).is_empty(),
        "without the limit the stream is scanned whole"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn files_that_report_no_size_are_read_to_their_end() {
    // procfs files report a size of 0 but have content: a file is read up to the size it
    // reported only when it reported one. Here leakscan reads its own environment.
    let output = Command::new(env!("CARGO_BIN_EXE_leakscan"))
        .args([
            "scan",
            "--no-progress",
            "--isolated",
            "-f",
            "json",
            "/proc/self/environ",
        ])
        .env("DEPLOY_AWS_ACCESS_KEY_ID", common::AWS_KEY_ID)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rules = rule_ids(&serde_json::from_slice(&output.stdout).unwrap());
    assert!(rules.iter().any(|r| r.starts_with("aws")), "{rules:?}");
}
