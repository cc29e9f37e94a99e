//! Untrusted input and output streams (issue 21): a compressed file that inflates past
//! `--archive-max-size` is scanned up to the limit (not dropped whole), a FIFO named as the
//! root does not hang the scan, CSV cells carry no raw control characters from file names,
//! and `leakscan redact` keeps the line structure of a log whose secrets span several lines.
//!
//! Every input is generated at test time; the large ones are built compressed, never
//! inflated in the test's memory.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::measured::*;
use common::*;

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Every command in this file must finish within this time (debug build, 2 busy cores).
const TIMEOUT: Duration = Duration::from_secs(120);

/// Zeros behind the secrets of the oversized inputs: ~1.1 GB, as in the report.
const ZEROS: u64 = 1100 << 20;

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// Raw deflate of `data` (best compression), ended by a full flush: byte-aligned, with no
/// back-reference into anything before it, so such pieces can be concatenated.
fn deflate_piece(data: &[u8], flush: flate2::FlushCompress) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 8 + 1024);
    loop {
        let consumed = c.total_in() as usize;
        let status = c.compress_vec(&data[consumed..], &mut out, flush).unwrap();
        if c.total_in() as usize == data.len() && out.len() < out.capacity() {
            assert!(matches!(status, flate2::Status::Ok | flate2::Status::StreamEnd));
            return out;
        }
        out.reserve(out.capacity().max(1024));
    }
}

/// A gzip file whose content is `head` followed by `zeros` zero bytes, built in memory as
/// compressed data only (~1 KB per MiB of zeros): `head` deflated, then one deflated MiB of
/// zeros repeated (a streaming deflate of zeros at opt-level 0 runs at ~5 MB/s, too slow for
/// a gigabyte), an empty final block, and the trailer with the CRC-32 of the whole content.
fn gzip_head_then_zeros(head: &[u8], zeros: u64) -> Vec<u8> {
    const MIB: u64 = 1 << 20;
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255];
    let mut crc = flate2::Crc::new();
    crc.update(head);
    gz.extend(deflate_piece(head, flate2::FlushCompress::Full));
    let mib = vec![0u8; MIB as usize];
    let piece = deflate_piece(&mib, flate2::FlushCompress::Full);
    let mut mib_crc = flate2::Crc::new();
    mib_crc.update(&mib);
    for _ in 0..zeros / MIB {
        gz.extend_from_slice(&piece);
        crc.combine(&mib_crc);
    }
    let rest = &mib[..(zeros % MIB) as usize];
    gz.extend(deflate_piece(rest, flate2::FlushCompress::Full));
    crc.update(rest);
    gz.extend(deflate_piece(&[], flate2::FlushCompress::Finish));
    gz.extend_from_slice(&crc.sum().to_le_bytes());
    gz.extend_from_slice(&(crc.amount()).to_le_bytes());
    gz
}

/// Three lines, each with a fake GitHub token (valid checksum), then a newline: under 1 KB.
fn three_secrets() -> (String, Vec<String>) {
    let mut rng = Rng::new(21);
    let tokens: Vec<String> = (0..3).map(|_| fake_github_token(&mut rng)).collect();
    let head = format!(
        "deploy GITHUB_TOKEN={}\nbackup token: {}\nexport GH_PAT=\"{}\"\n",
        tokens[0], tokens[1], tokens[2]
    );
    assert!(head.len() < 1024);
    (head, tokens)
}

/// The 512-byte header of a tar member of `size` bytes.
fn tar_header(name: &str, size: u64) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.set_path(name).unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    header.as_bytes().to_vec()
}

/// A fake PEM private key of `lines` lines: random bytes behind a DER SEQUENCE header (what
/// the rule's validator checks), base64 in lines of 64. Not a key.
fn fake_pem_key(rng: &mut Rng, lines: usize) -> Vec<String> {
    use base64::Engine;
    let len = (lines - 2) * 48;
    let mut der: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    let content = u16::try_from(len - 4).unwrap().to_be_bytes();
    der[..4].copy_from_slice(&[0x30, 0x82, content[0], content[1]]);
    let body = base64::engine::general_purpose::STANDARD.encode(&der);
    let mut key = vec!["-----BEGIN RSA PRIVATE KEY-----".to_string()];
    key.extend(
        body.as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8(c.to_vec()).unwrap()),
    );
    key.push("-----END RSA PRIVATE KEY-----".to_string());
    assert_eq!(key.len(), lines);
    key
}

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

/// `leakscan scan --isolated --no-progress -f json EXTRA… PATH`.
fn scan(path: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = ["scan", "--isolated", "--no-progress", "-f", "json"]
        .iter()
        .chain(extra)
        .map(std::ffi::OsStr::new)
        .collect();
    args.push(path.as_os_str());
    run_reading(StdCommand::new(env!("CARGO_BIN_EXE_leakscan")), &args, Stdio::null())
}

/// (rule, logical path, line, column) of every unsuppressed finding.
fn findings(doc: &Value) -> Vec<(String, String, u64, u64)> {
    active(doc)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["logical_path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// (kind, path, message) of every reported error.
fn errors(doc: &Value) -> Vec<(String, String, String)> {
    doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap().to_string();
            (text("kind"), text("path"), text("message"))
        })
        .collect()
}

/// The peak-memory bound of the oversized-archive scans (64 MiB limit), in MiB.
const MEMORY_BOUND_MIB: u64 = 300;

// ---------------------------------------------------------------------------------------
// 1. Compressed input over --archive-max-size
// ---------------------------------------------------------------------------------------

#[test]
fn a_gzip_inflating_past_the_limit_is_scanned_up_to_the_limit() {
    let (head, _) = three_secrets();
    let dir = tempfile::tempdir().unwrap();
    let gz = gzip_head_then_zeros(head.as_bytes(), ZEROS);
    assert!(gz.len() < 2 << 20, "{} bytes", gz.len());
    fs::write(dir.path().join("build.log.gz"), &gz).unwrap();

    let run = scan(dir.path(), &["--archive-max-size", "64M"]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    let rule = "github-pat-classic".to_string();
    let path = "build.log.gz".to_string();
    assert_eq!(
        findings(&doc),
        [
            (rule.clone(), path.clone(), 1, 21),
            (rule.clone(), path.clone(), 2, 15),
            (rule.clone(), path.clone(), 3, 16)
        ],
        "{doc:#}"
    );
    // What was not scanned is said: the limit, and how much of the stream was scanned.
    let errs = errors(&doc);
    assert!(
        matches!(&errs[..], [(kind, p, m)] if kind == "archive" && p.ends_with("build.log.gz")
            && m.contains("more than 67108864 inflated bytes in total")
            && m.contains("only its first 67108864 inflated bytes were scanned")),
        "{errs:#?}"
    );
    assert_eq!(doc["stats"]["bytes"], 64 << 20, "{:#}", doc["stats"]);

    // The same bytes on standard input (no archive limit: a stream is scanned to its end, in
    // bounded memory) find the same three secrets at the same places.
    let stdin = File::open(dir.path().join("build.log.gz")).unwrap();
    let args = [
        "scan",
        "--isolated",
        "--no-progress",
        "-f",
        "json",
        "--label",
        "build.log.gz",
        "-",
    ];
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    let piped = run_stdin_prefix(&args, stdin);
    piped.expect_code(1);
    assert_eq!(findings(&piped.json()), findings(&doc));

    // Nothing but zeros past the limit: incomplete, exit 3 (as a stream cut short).
    fs::write(dir.path().join("build.log.gz"), gzip_head_then_zeros(b"", ZEROS)).unwrap();
    let run = scan(dir.path(), &["--archive-max-size", "64M"]);
    run.expect_code(3).expect_memory_below(MEMORY_BOUND_MIB);
    assert!(findings(&run.json()).is_empty());
}

/// [`run`] on the start of the stream in `input`: its first 16 KiB (the secrets and ~16 MiB
/// of zeros, at ~1 KB of compressed data per MiB), so that a debug build does not inflate a
/// gigabyte. The stream then ends early, which is reported; the findings are kept.
fn run_stdin_prefix(args: &[&std::ffi::OsStr], input: File) -> Run {
    use std::io::Read;
    let mut prefix = Vec::new();
    input.take(16 << 10).read_to_end(&mut prefix).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let cut = scratch.path().join("cut.gz");
    fs::write(&cut, prefix).unwrap();
    let run = run_reading(
        StdCommand::new(env!("CARGO_BIN_EXE_leakscan")),
        args,
        Stdio::from(File::open(&cut).unwrap()),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    run
}

#[test]
fn a_tar_gz_inflating_past_the_limit_keeps_its_first_members() {
    let secret = format!("GITHUB_TOKEN={GITHUB_TOKEN}\n");
    // config/app.env, then a member of ~1.1 GB of zeros: the tar's bytes after the second
    // header (the member, its padding and the end blocks) are all zeros.
    let mut head = tar_header("config/app.env", secret.len() as u64);
    head.extend_from_slice(secret.as_bytes());
    head.resize(head.len().next_multiple_of(512), 0);
    head.extend(tar_header("data/blob.bin", ZEROS));
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("release.tar.gz"),
        gzip_head_then_zeros(&head, ZEROS + 1024),
    )
    .unwrap();

    let run = scan(dir.path(), &["--archive-max-size", "64M"]);
    run.expect_code(1).expect_memory_below(MEMORY_BOUND_MIB);
    let doc = run.json();
    assert_eq!(
        findings(&doc),
        [(
            "github-pat-classic".to_string(),
            "release.tar.gz!/config/app.env".to_string(),
            1,
            14
        )],
        "{doc:#}"
    );
    // One error: the limit. The tar cut short inside `data/blob.bin` is not reported again.
    let errs = errors(&doc);
    assert!(
        matches!(&errs[..], [(kind, p, m)] if kind == "archive" && p.ends_with("release.tar.gz")
            && m.contains("more than 67108864 inflated bytes in total")),
        "{errs:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// 2. A FIFO as the root; control characters in CSV
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_fifo_named_as_the_root_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = StdCommand::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // No writer ever opens it: an open for reading would wait forever.
    for format in ["json", "text"] {
        let out = leakscan()
            .args(["scan", "--isolated", "--no-progress", "-f", format])
            .arg(&fifo)
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains("is a FIFO (named pipe), not a regular file or directory"),
            "{stderr}"
        );
        assert!(stderr.contains("leakscan scan - <"), "{stderr}");
    }
    // A symbolic link to it is refused the same way.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    leakscan()
        .args(["scan", "--isolated", "--no-progress"])
        .arg(&link)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2);
    // So is a FIFO named as an image.
    let out = leakscan()
        .args(["image", "--isolated", "--no-progress"])
        .arg(&fifo)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("FIFO (named pipe)"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn csv_path_cells_carry_no_raw_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "esc\u{1b}[2J\u{1b}]0;pwned\u{7}.env",
        "carriage\rreturn.env",
        "c1\u{9b}31m\u{85}next.env",
        "=formula\u{1b}.env",
    ];
    for name in names {
        fs::write(dir.path().join(name), format!("token = {GITHUB_TOKEN}\n")).unwrap();
    }
    let out = leakscan()
        .current_dir(dir.path())
        .args(["scan", "--isolated", "--no-progress", "-f", "csv", "."])
        .timeout(TIMEOUT)
        .assert()
        .code(1);
    let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // Rows end with CRLF (RFC 4180); nothing else in the output is a control character.
    let rows: Vec<&str> = csv.strip_suffix("\r\n").unwrap().split("\r\n").collect();
    assert_eq!(rows.len(), 1 + names.len(), "{csv:?}");
    for row in &rows {
        assert!(
            !row.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "raw control character in {row:?}"
        );
    }
    // Escaped, not dropped: the reader can still tell which file it is.
    for shown in [
        ",esc\\u{1b}[2J\\u{1b}]0;pwned\\u{7}.env,",
        ",carriage\\rreturn.env,",
        ",c1\\u{9b}31m\\u{85}next.env,",
        ",'=formula\\u{1b}.env,",
    ] {
        assert!(csv.contains(shown), "{shown} not in {csv:?}");
    }
}

// ---------------------------------------------------------------------------------------
// 3. `leakscan redact`: line structure and exit status
// ---------------------------------------------------------------------------------------

/// `leakscan redact ARGS…` with `input` on stdin: (exit code, stdout).
fn redact(args: &[&str], input: &str) -> (i32, String) {
    let out = leakscan()
        .arg("redact")
        .args(["--isolated"])
        .args(args)
        .write_stdin(input.to_string())
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn redact_keeps_every_line_of_a_log_with_a_multi_line_key() {
    let mut rng = Rng::new(27);
    let key = fake_pem_key(&mut rng, 27);
    let mut log = Vec::new();
    for i in 0..10 {
        log.push(format!("2024-05-01T12:00:{i:02}Z step {i}: ok"));
    }
    log.push("2024-05-01T12:00:10Z dumping the deploy key (oops):".to_string());
    let key_at = log.len();
    log.extend(key.iter().cloned());
    for i in 11..40 {
        log.push(format!("2024-05-01T12:00:{i:02}Z step {i}: ok"));
    }
    let input = log.join("\n") + "\n";

    let (code, out) = redact(&[], &input);
    assert_eq!(code, 1, "something was masked: exit 1");
    let lines: Vec<&str> = out.split('\n').collect();
    assert_eq!(lines.len(), input.split('\n').count(), "{out}");
    for (i, (got, was)) in lines.iter().zip(input.split('\n')).enumerate() {
        if (key_at..key_at + key.len()).contains(&i) {
            // Each line of the key is masked in place.
            assert_eq!(*got, "***private-key-pem***", "line {}", i + 1);
        } else {
            assert_eq!(*got, was, "line {} outside the key changed", i + 1);
        }
    }
    for line in &key[1..key.len() - 1] {
        assert!(!out.contains(line.as_str()));
    }

    // CRLF logs keep their line endings.
    let crlf = input.replace('\n', "\r\n");
    let (code, out) = redact(&[], &crlf);
    assert_eq!(code, 1);
    assert_eq!(out.matches("\r\n").count(), crlf.matches("\r\n").count());
    assert_eq!(out.matches('\n').count(), crlf.matches('\n').count());
}

#[test]
fn redact_exit_status_for_pipelines() {
    // 0: nothing masked (the output is the input); 1: something masked; 2: an error.
    let plain = "build ok\nno secrets here\n";
    assert_eq!(redact(&[], plain), (0, plain.to_string()));
    let (code, out) = redact(&[], &format!("token {GITHUB_TOKEN}\n"));
    assert_eq!((code, out.as_str()), (1, "token ***github-pat-classic***\n"));
    let missing = leakscan()
        .args(["redact", "--isolated", "/nonexistent/ci.log"])
        .timeout(TIMEOUT)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&missing.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot open /nonexistent/ci.log"), "{stderr}");
    // The README's pipeline idiom: the step's status and `redact`'s are tested apart, so a
    // masked secret (1) passes, a failing step or a `redact` error (2) fails.
    let scratch = tempfile::tempdir().unwrap();
    let out_file = scratch.path().join("clean.log");
    let pipeline = |step: &str, redact_args: &str| {
        let script = format!(
            "{step} | \"$BIN\" redact --isolated {redact_args} > \"$OUT\"\n\
             status=(\"${{PIPESTATUS[@]}}\")\n\
             [ \"${{status[0]}}\" -eq 0 ] && [ \"${{status[1]}}\" -le 1 ]"
        );
        StdCommand::new("bash")
            .args(["-c", &script])
            .env("T", GITHUB_TOKEN)
            .env("BIN", env!("CARGO_BIN_EXE_leakscan"))
            .env("OUT", &out_file)
            .status()
            .unwrap()
            .success()
    };
    assert!(pipeline("printf 'token %s\\n' \"$T\"", ""));
    assert_eq!(
        fs::read_to_string(&out_file).unwrap(),
        "token ***github-pat-classic***\n"
    );
    assert!(pipeline("echo clean", ""));
    assert!(
        !pipeline("{ echo partial; exit 3; }", ""),
        "a failing step fails the pipeline"
    );
    assert!(!pipeline("echo clean", "--no-such-option"), "a redact error fails it");
}
