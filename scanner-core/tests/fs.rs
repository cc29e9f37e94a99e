//! The filesystem source through the library API: walking, ignore files, skips, errors.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::fs;

use scanner_core::{Error, ScanSettings, Scanner, SkipReason};

const TOKEN: &str = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");

fn scanner(settings: ScanSettings) -> Scanner {
    Scanner::builder().settings(settings).build().unwrap()
}

#[test]
fn walks_nested_directories_with_logical_paths() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("a/b/c")).unwrap();
    fs::write(dir.path().join("a/b/c/deep.txt"), format!("\n\n  {TOKEN}\n")).unwrap();
    let report = scanner(ScanSettings::default())
        .scan_paths(&[dir.path().to_path_buf()])
        .unwrap();
    assert_eq!(report.stats.blobs, 1);
    let f = &report.findings[0];
    assert_eq!(f.origin.logical, "a/b/c/deep.txt");
    assert_eq!((f.start.line, f.start.column), (3, 3));
    assert!(report.is_complete());
}

#[test]
fn logical_paths_are_relative_to_the_enclosing_repository() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".git")).unwrap();
    fs::create_dir_all(dir.path().join("svc/conf")).unwrap();
    fs::write(dir.path().join("svc/conf/app.env"), format!("T={TOKEN}\n")).unwrap();
    let report = scanner(ScanSettings::default())
        .scan_paths(&[dir.path().join("svc")])
        .unwrap();
    assert_eq!(report.findings[0].origin.logical, "svc/conf/app.env");
    assert_eq!(
        report.base.as_deref(),
        Some(fs::canonicalize(dir.path()).unwrap().as_path())
    );
}

#[test]
fn a_file_root_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one.txt");
    fs::write(&file, TOKEN).unwrap();
    let report = scanner(ScanSettings::default())
        .scan_paths(std::slice::from_ref(&file))
        .unwrap();
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].origin.logical, "one.txt");
}

#[test]
fn missing_root_is_a_fatal_error() {
    let err = scanner(ScanSettings::default())
        .scan_paths(&["/no/such/dir".into()])
        .unwrap_err();
    assert!(matches!(err, Error::RootNotFound { .. }), "{err}");
}

#[test]
fn large_files_are_read_and_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = vec![b'x'; 16 << 20];
    data.push(b'\n');
    data.extend_from_slice(TOKEN.as_bytes());
    fs::write(dir.path().join("big.log"), &data).unwrap();
    let report = scanner(ScanSettings::default())
        .scan_paths(&[dir.path().to_path_buf()])
        .unwrap();
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].start.line, 2);
}

#[test]
fn size_limit_skips_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("big.bin"), vec![b'a'; 2000]).unwrap();
    fs::write(dir.path().join("small.txt"), "ok").unwrap();
    let settings = ScanSettings {
        max_file_size: 1000,
        ..ScanSettings::default()
    };
    let report = scanner(settings).scan_paths(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(report.stats.blobs, 1);
    assert_eq!(report.stats.skipped.get(&SkipReason::SizeLimit), Some(&1));
    assert!(report.is_complete(), "a policy skip is not an error");
}

#[test]
fn git_directories_are_not_walked() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".git/objects")).unwrap();
    fs::write(
        dir.path().join(".git/config"),
        format!("url = https://x:{TOKEN}@example.com\n"),
    )
    .unwrap();
    let report = scanner(ScanSettings::default())
        .scan_paths(&[dir.path().to_path_buf()])
        .unwrap();
    assert_eq!(report.stats.blobs, 0);
}

#[test]
fn reader_input_is_scanned() {
    let report = scanner(ScanSettings::default()).scan_reader("stdin", format!("a\nb {TOKEN}\n").as_bytes());
    assert_eq!(report.findings[0].origin.display, "stdin");
    assert_eq!(report.findings[0].start.line, 2);
}
