//! Streaming input: the same findings, at the same positions, as scanning the bytes whole,
//! with secrets across window boundaries found once.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::io::Write;

use scanner_core::{ScanSettings, Scanner};

const TOKEN: &str = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
const CHUNK: usize = 1 << 20;

fn log_with_tokens() -> (Vec<u8>, usize) {
    let mut data = Vec::new();
    let mut planted = 0;
    let mut i = 0u64;
    while data.len() < 3 * CHUNK + 5000 {
        let boundary = (data.len() / CHUNK + 1) * CHUNK;
        // Put a token right across each window boundary, and a few elsewhere.
        if data.len() + 80 > boundary && data.len() < boundary {
            data.extend_from_slice(format!("auth={TOKEN}\n").as_bytes());
            planted += 1;
        } else if i.is_multiple_of(9973) {
            data.extend_from_slice(format!("2026-11-26T07:00:00Z request {i} token={TOKEN}\n").as_bytes());
            planted += 1;
        } else {
            data.extend_from_slice(format!("2026-11-26T07:00:00Z request {i} ok trace=4f2a9c{i:08x}\n").as_bytes());
        }
        i += 1;
    }
    (data, planted)
}

#[test]
fn stream_matches_whole_scan() {
    let scanner = Scanner::builder().build().unwrap();
    let (data, planted) = log_with_tokens();
    let whole: Vec<_> = scanner
        .scan_bytes("log", &data)
        .into_iter()
        .filter(|f| f.rule_id == "github-pat-classic")
        .map(|f| (f.start, f.end, f.bytes.clone()))
        .collect();
    assert_eq!(whole.len(), planted);
    // Windows are detected by several workers and reported in order: the same result.
    for threads in [1, 2, 5] {
        let scanner = Scanner::builder()
            .settings(ScanSettings {
                threads,
                ..ScanSettings::default()
            })
            .build()
            .unwrap();
        let report = scanner.scan_reader("log", &data[..]);
        let stream: Vec<_> = report
            .findings
            .into_iter()
            .filter(|f| f.rule_id == "github-pat-classic")
            .map(|f| (f.start, f.end, f.bytes.clone()))
            .collect();
        assert_eq!(stream, whole, "threads = {threads}");
        assert_eq!(report.stats.bytes, data.len() as u64);
    }
}

#[test]
fn compressed_streams_are_decompressed() {
    let scanner = Scanner::builder().build().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("a\nb\nexport GH={TOKEN}\n").as_bytes()).unwrap();
    let report = scanner.scan_reader("build.log.gz", &gz.finish().unwrap()[..]);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule_id == "github-pat-classic")
        .unwrap();
    assert_eq!((f.start.line, f.start.column), (3, 11));
}

/// Found by fuzzing `config_checks`: a gzip-compressed file is scanned as its inflated
/// content, so offsets (and the evidence of a file-name check) point into that content, which
/// may run past the compressed file's length.
#[test]
fn a_compressed_file_is_located_in_its_inflated_content() {
    let settings = ScanSettings {
        config_checks: true,
        ..ScanSettings::default()
    };
    let scanner = Scanner::builder().settings(settings).build().unwrap();
    let header = "-----BEGIN OPENSSH PRIVATE KEY-----";
    let text = format!("{header}\n{}\nGH={TOKEN}\n", "#".repeat(4000));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(text.as_bytes()).unwrap();
    let compressed = gz.finish().unwrap();
    let findings = scanner.scan_named(&[("keys/id_rsa", &compressed)]);
    let key_file = findings
        .iter()
        .find(|f| f.rule_id == "private-key-file-committed")
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(key_file.origin.display, "keys/id_rsa");
    assert_eq!(key_file.bytes, 0..header.len());
    let token = findings.iter().find(|f| f.rule_id == "github-pat-classic").unwrap();
    assert!(token.bytes.start > compressed.len());
    assert_eq!(&text.as_bytes()[token.bytes.clone()], TOKEN.as_bytes());
    assert_eq!(token.start.line, 3);
}

#[test]
fn a_failing_reader_is_reported_and_earlier_findings_kept() {
    struct Failing<'a>(&'a [u8]);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("pipe broke"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let scanner = Scanner::builder().build().unwrap();
    // The error comes before the first window is full: what arrived is still scanned.
    let data = format!("x={TOKEN}\n").into_bytes();
    let report = scanner.scan_reader("stdin", Failing(&data));
    assert!(report.errors[0].message.contains("pipe broke"));
    assert!(report.findings.iter().any(|f| f.rule_id == "github-pat-classic"));
}

#[test]
fn interrupted_reads_are_retried() {
    // Found by the property tests: a read interrupted by a signal (EINTR) before the first
    // bytes ended the scan of the stream with "operation interrupted".
    struct Interrupting<'a>(&'a [u8], bool);
    impl std::io::Read for Interrupting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1 = !self.1;
            if self.1 {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = self.0.len().min(buf.len()).min(7);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let scanner = Scanner::builder().build().unwrap();
    let data = format!("a\nx={TOKEN}\n").into_bytes();
    let report = scanner.scan_reader("stdin", Interrupting(&data, false));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule_id == "github-pat-classic")
        .unwrap();
    assert_eq!((f.start.line, f.start.column), (2, 3));
}
