//! `HTTPS_PROXY` / `NO_PROXY` are honoured. The environment is the process's, so each case
//! runs this test binary again as a child with its own environment (`child_case`), and the
//! parent checks what a recording proxy on 127.0.0.1 saw.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use common::*;
use leakscan_verify::VerifyStatus;

const CASE: &str = "LEAKSCAN_VERIFY_PROXY_CASE";
const PROXY_VARS: &[&str] = &[
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A proxy on 127.0.0.1 that records each request line it gets and refuses it.
fn recording_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            record.lock().unwrap().push(line.trim().to_string());
            // The rest of the request head, so that the refusal is read, not reset.
            let mut header = String::from("x");
            while !header.trim().is_empty() {
                header.clear();
                if reader.read_line(&mut header).unwrap_or(0) == 0 {
                    break;
                }
            }
            let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (port, seen)
}

/// Runs `child_case` in a child process with `case` and the given proxy variables.
fn run_child(case: &str, vars: &[(&str, String)]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["child_case", "--exact", "--nocapture", "--test-threads=1"]);
    for var in PROXY_VARS {
        command.env_remove(var);
    }
    command.env(CASE, case);
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child case {case} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn no_proxy_for_the_local_provider_keeps_verification_working() {
    let (port, seen) = recording_proxy();
    run_child(
        "direct",
        &[
            ("HTTPS_PROXY", format!("http://127.0.0.1:{port}")),
            ("NO_PROXY", "127.0.0.1,localhost,.provider.test".into()),
        ],
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "the proxy was used: {:?}",
        seen.lock().unwrap()
    );
}

#[test]
fn https_proxy_is_used_when_set() {
    let (port, seen) = recording_proxy();
    run_child("proxied", &[("HTTPS_PROXY", format!("http://127.0.0.1:{port}"))]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].starts_with("CONNECT api.provider.test:443 "), "{seen:?}");
}

/// The child: verifies one secret against a local provider, with the environment the parent
/// set. Does nothing when run as an ordinary test.
#[test]
fn child_case() {
    let Ok(case) = std::env::var(CASE) else { return };
    let server = serve(|_, _| Reply::new(200, r#"{"login": "octocat"}"#));
    let spec = bearer_spec("https://api.provider.test/user", "");
    let verifier = verifier(&[("api.provider.test", server.addr)], options());
    let v = &verifier.verify_all(vec![request(&spec, "tok_proxy_secret_value")])[0];
    match case.as_str() {
        "direct" => {
            assert_eq!(v.status, VerifyStatus::Live, "{v:?}");
            assert_eq!(server.connection_count(), 1);
        }
        "proxied" => {
            assert_eq!(v.status, VerifyStatus::Error, "{v:?}");
            assert!(v.reason.contains("proxy"), "{v:?}");
            assert!(!v.reason.contains("tok_proxy_secret_value"), "{v:?}");
            assert_eq!(server.connection_count(), 0, "went around the proxy");
        }
        other => panic!("unknown case {other}"),
    }
}
