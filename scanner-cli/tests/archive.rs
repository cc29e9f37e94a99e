//! End-to-end tests of archive scanning: nested containers built at run time, limits, corrupt
//! input.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::fs;
use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const NPM_LINE: &str = concat!(
    "//registry.npmjs.org/:_authToken=",
    "ghp_",
    "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb"
);

fn scan_json(dir: &Path, extra: &[&str], code: i32) -> Value {
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(["scan", "-f", "json"])
        .args(extra)
        .arg(dir)
        .assert()
        .code(code);
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn paths(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| f["logical_path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn nested_archives_name_the_full_path() {
    let dir = tempfile::tempdir().unwrap();
    let npmrc = format!("registry=https://registry.npmjs.org/\n{NPM_LINE}\n");
    let inner = zip_of(&[("config/.npmrc", npmrc.as_bytes()), ("README", b"hello")]);
    let tarball = gzip(&tar_of(&[("lib/inner.zip", &inner), ("bin/tool", b"\x7fELF")]));
    fs::write(dir.path().join("release.tar.gz"), tarball).unwrap();
    let doc = scan_json(dir.path(), &[], 1);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "github-pat-classic")
        .unwrap();
    assert_eq!(f["logical_path"], "release.tar.gz!/lib/inner.zip!/config/.npmrc");
    assert_eq!(f["start"]["line"], 2);
    // SARIF points at the outer file and carries the nested path; it validates.
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(["scan", "-f", "sarif"])
        .arg(dir.path())
        .assert()
        .code(1);
    let sarif: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "github-pat-classic")
        .unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "release.tar.gz"
    );
    assert_eq!(
        r["properties"]["nestedPath"],
        "release.tar.gz!/lib/inner.zip!/config/.npmrc"
    );
    assert!(
        r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("inner.zip!/config/.npmrc")
    );
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sarif/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    let errors: Vec<String> = jsonschema::draft4::new(&schema)
        .unwrap()
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_compression_is_opened_by_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let payload = format!("export GH={GITHUB_TOKEN}\n");
    let tar = tar_of(&[("app/.env", payload.as_bytes())]);
    fs::write(dir.path().join("a.bin"), zstd::encode_all(&tar[..], 3).unwrap()).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(&tar).unwrap();
    fs::write(dir.path().join("b.data"), bz.finish().unwrap()).unwrap();
    let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
    xz.write_all(&tar).unwrap();
    fs::write(dir.path().join("c"), xz.finish().unwrap()).unwrap();
    fs::write(
        dir.path().join("d.jar"),
        zip_of(&[("META-INF/app.properties", payload.as_bytes())]),
    )
    .unwrap();
    fs::write(
        dir.path().join("build.log.gz"),
        gzip(format!("line 1\nline 2\n{payload}").as_bytes()),
    )
    .unwrap();
    let doc = scan_json(dir.path(), &[], 1);
    let mut found = paths(&doc);
    found.sort();
    assert_eq!(
        found,
        [
            "a.bin!/app/.env",
            "b.data!/app/.env",
            "build.log.gz",
            "c!/app/.env",
            "d.jar!/META-INF/app.properties"
        ]
    );
    let log = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["logical_path"] == "build.log.gz")
        .unwrap();
    assert_eq!(log["start"]["line"], 3, "lines of the decompressed stream");
    // --archive-depth 0 leaves containers closed: only bytes that happen to be stored raw
    // (a small zstd frame keeps its input as a raw block) are matched, with no member path.
    let doc = scan_json(dir.path(), &["--archive-depth", "0"], 1);
    assert_eq!(paths(&doc), ["a.bin"]);
}

#[test]
fn zip_bombs_and_limits_make_the_scan_incomplete_without_losing_findings() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![0u8; 50 << 20];
    fs::write(dir.path().join("bomb.zip"), zip_of(&[("zeros.bin", &zeros)])).unwrap();
    let doc = scan_json(dir.path(), &[], 3);
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("compression ratio"),
        "{doc:#}"
    );
    assert_eq!(doc["errors"][0]["kind"], "archive");
    // A real finding elsewhere still wins (exit 1) and is reported.
    fs::write(dir.path().join("ok.env"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    let doc = scan_json(dir.path(), &[], 1);
    assert_eq!(paths(&doc), ["ok.env"]);
    // Depth: a zip in a zip in a zip, opened two levels deep only.
    let level3 = zip_of(&[("secret.env", format!("T={GITHUB_TOKEN}\n").as_bytes())]);
    let level2 = zip_of(&[("l3.zip", &level3)]);
    let deep = tempfile::tempdir().unwrap();
    fs::write(deep.path().join("l1.zip"), zip_of(&[("l2.zip", &level2)])).unwrap();
    let doc = scan_json(deep.path(), &["--archive-depth", "2"], 3);
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested deeper than --archive-depth 2")
    );
    let doc = scan_json(deep.path(), &[], 1);
    assert_eq!(paths(&doc), ["l1.zip!/l2.zip!/l3.zip!/secret.env"]);
}

#[test]
fn corrupt_archives_are_reported_and_their_bytes_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    // A gzip header followed by garbage, with a token in the clear.
    let mut bad = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    bad.extend_from_slice(format!("garbage T={GITHUB_TOKEN}\n").as_bytes());
    fs::write(dir.path().join("broken.gz"), bad).unwrap();
    // A truncated zip.
    let zip = zip_of(&[("a.txt", b"hello world hello world")]);
    fs::write(dir.path().join("cut.zip"), &zip[..zip.len() / 2]).unwrap();
    let doc = scan_json(dir.path(), &[], 1);
    assert_eq!(
        paths(&doc),
        ["broken.gz"],
        "the raw bytes of a corrupt archive are scanned"
    );
    let errors: Vec<&str> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        errors.iter().any(|p| p.ends_with("broken.gz")) && errors.iter().any(|p| p.ends_with("cut.zip")),
        "{errors:?}"
    );
}

#[test]
fn tar_paths_are_logical_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let data = format!("T={GITHUB_TOKEN}\n");
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_cksum();
    // `append_data` refuses `..`; write the name into the header directly.
    header.as_gnu_mut().unwrap().name[..16].copy_from_slice(b"../../etc/passwd");
    header.set_cksum();
    b.append(&header, data.as_bytes()).unwrap();
    fs::write(dir.path().join("evil.tar"), b.into_inner().unwrap()).unwrap();
    let doc = scan_json(dir.path(), &[], 1);
    assert_eq!(paths(&doc), ["evil.tar!/../../etc/passwd"]);
    assert!(!Path::new("/etc/passwd.leakscan").exists());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "nothing was extracted");
}

/// A tar of a big member that fills the stream (so cutting the container cuts the member),
/// after a small member holding a secret. bzip2 and xz yield content a block (100 kB at
/// level 1) or an LZMA2 chunk (2 MiB) at a time, so the filler spans several of those.
fn tar_with_secret_then_filler(rows: u32) -> Vec<u8> {
    let filler: Vec<u8> = (0..rows).flat_map(|i| format!("row {i} ok\n").into_bytes()).collect();
    tar_of(&[
        ("app/.env", format!("export GH={GITHUB_TOKEN}\n").as_bytes()),
        ("data/rows.txt", &filler),
    ])
}

#[test]
fn truncated_archives_of_every_kind_keep_what_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let tar = tar_with_secret_then_filler(20_000);
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(&tar).unwrap();
    let bz = bz.finish().unwrap();
    let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(0)).unwrap();
    xz.write_all(&tar_with_secret_then_filler(500_000)).unwrap();
    let xz = xz.finish().unwrap();
    let zst = zstd::encode_all(&tar[..], 3).unwrap();
    let gz = gzip(&tar);
    let cut = |data: &[u8]| data[..data.len() * 2 / 3].to_vec();
    for (name, data) in [
        ("cut.tar", cut(&tar)),
        ("cut.tar.gz", cut(&gz)),
        ("cut.tar.zst", cut(&zst)),
        ("cut.tar.bz2", cut(&bz)),
        ("cut.tar.xz", cut(&xz)),
    ] {
        fs::write(dir.path().join(name), data).unwrap();
    }
    let doc = scan_json(dir.path(), &[], 1);
    let mut found = paths(&doc);
    found.sort();
    assert_eq!(
        found,
        [
            "cut.tar!/app/.env",
            "cut.tar.bz2!/app/.env",
            "cut.tar.gz!/app/.env",
            "cut.tar.xz!/app/.env",
            "cut.tar.zst!/app/.env"
        ],
        "the member read before the cut is scanned: {doc:#}"
    );
    let mut errors: Vec<String> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["kind"], "archive", "{e}");
            e["path"].as_str().unwrap().rsplit('/').next().unwrap().to_string()
        })
        .collect();
    errors.sort();
    errors.dedup();
    assert_eq!(
        errors,
        ["cut.tar", "cut.tar.bz2", "cut.tar.gz", "cut.tar.xz", "cut.tar.zst"],
        "every truncation is reported: {doc:#}"
    );
}

#[test]
fn a_zip_whose_central_directory_lies_is_reported_and_its_bytes_scanned() {
    let dir = tempfile::tempdir().unwrap();
    // A stored (uncompressed) member, so the secret is also visible in the raw bytes.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("config/app.env", stored).unwrap();
    w.write_all(format!("GH={GITHUB_TOKEN}\n").as_bytes()).unwrap();
    let mut zip = w.finish().unwrap().into_inner();
    // The central directory entry (signature PK\x01\x02) claims the member starts far past
    // the end of the file: its local header offset (at +42) is a lie.
    let cd = zip.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    zip[cd + 42..cd + 46].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    fs::write(dir.path().join("lying.zip"), &zip).unwrap();
    let doc = scan_json(dir.path(), &[], 1);
    assert_eq!(paths(&doc), ["lying.zip"], "found in the raw bytes: {doc:#}");
    let errors = doc["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["kind"] == "archive" && e["path"].as_str().unwrap().ends_with("lying.zip")),
        "{doc:#}"
    );
}

#[test]
fn tar_link_entries_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("target.txt"), format!("T={GITHUB_TOKEN}\n")).unwrap();
    let mut b = tar::Builder::new(Vec::new());
    for (kind, name) in [(tar::EntryType::Symlink, "sym"), (tar::EntryType::Link, "hard")] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(0);
        b.append_link(&mut header, name, outside.path().join("target.txt"))
            .unwrap();
    }
    let data = format!("K={AWS_KEY_ID}\n");
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    b.append_data(&mut header, "plain.env", data.as_bytes()).unwrap();
    fs::write(dir.path().join("links.tar"), b.into_inner().unwrap()).unwrap();
    let doc = scan_json(dir.path(), &[], 1);
    assert_eq!(
        paths(&doc),
        ["links.tar!/plain.env"],
        "links name other files; their targets (outside the archive) are never read: {doc:#}"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "nothing was extracted");
}
