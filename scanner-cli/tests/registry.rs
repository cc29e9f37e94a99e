//! End-to-end tests of `leakscan image REGISTRY/REPO:TAG`: a real registry server (Debian's
//! `docker-registry`, the CNCF distribution server) started on loopback, with images pushed
//! by our own client over the OCI distribution API; basic authentication with htpasswd; and
//! a scripted server for the bearer-token handshake, server errors and a stalled server.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const TEST_USER: &str = "ci-robot";
const TEST_PASSWORD: &str = "registry-test-pw";
/// bcrypt of TEST_PASSWORD (the registry's htpasswd accepts only bcrypt).
const TEST_PASSWORD_BCRYPT: &str = concat!("$2b$05$", "oXm3PrAHsn2AZjIzIrudoOQJS1YKC5OKBi8/bO2CBDotS6HHB9i06");

/// The registry server binary, or `None` (with a message) when it is not installed. CI sets
/// `LEAKSCAN_REQUIRE_REGISTRY=1` so a missing server fails instead of skipping.
fn registry_binary() -> Option<PathBuf> {
    let found = [
        "/usr/bin/docker-registry",
        "/usr/local/bin/docker-registry",
        "/usr/bin/registry",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("LEAKSCAN_REQUIRE_REGISTRY").is_none(),
            "docker-registry is required (LEAKSCAN_REQUIRE_REGISTRY is set): apt-get install docker-registry"
        );
        eprintln!("SKIP: the registry server is not installed (apt-get install docker-registry)");
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Status, lower-cased headers and body of a response.
type HttpAnswer = (u16, Vec<(String, String)>, Vec<u8>);

/// A registry server on loopback, stopped when dropped.
struct Registry {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
    auth: Option<(String, String)>,
}

impl Registry {
    fn start(binary: &Path, with_auth: bool) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let address = format!("127.0.0.1:{port}");
        let auth_section = if with_auth {
            std::fs::write(
                dir.path().join("htpasswd"),
                format!("{TEST_USER}:{TEST_PASSWORD_BCRYPT}\n"),
            )
            .unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: leakscan-test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n{auth_section}",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let child = Process::new(binary)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = Registry {
            child,
            address,
            _dir: dir,
            auth: with_auth.then(|| (TEST_USER.to_string(), TEST_PASSWORD.to_string())),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = registry.request("GET", "/v2/", None, &[])
                && (r.0 == 200 || r.0 == 401)
            {
                break;
            }
            assert!(Instant::now() < deadline, "the registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// One HTTP request (with basic auth when configured): (status, headers, body).
    fn request(
        &self,
        method: &str,
        path_or_url: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<HttpAnswer, String> {
        let path = path_or_url
            .strip_prefix(&format!("http://{}", self.address))
            .unwrap_or(path_or_url);
        let mut headers = vec![format!("Content-Length: {}", body.len())];
        if let Some(ct) = content_type {
            headers.push(format!("Content-Type: {ct}"));
        }
        if let Some((u, p)) = &self.auth {
            use base64::Engine as _;
            let pair = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            headers.push(format!("Authorization: Basic {pair}"));
        }
        http(&self.address, method, path, &headers, body)
    }

    fn push_blob(&self, repo: &str, data: &[u8]) -> String {
        let digest = format!("sha256:{}", sha256_hex(data));
        let (status, headers, _) = self
            .request("POST", &format!("/v2/{repo}/blobs/uploads/"), None, &[])
            .unwrap();
        assert_eq!(status, 202, "upload start");
        let location = header(&headers, "location").unwrap();
        let separator = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{separator}digest={digest}");
        let (status, _, body) = self
            .request("PUT", &url, Some("application/octet-stream"), data)
            .unwrap();
        assert_eq!(status, 201, "upload: {}", String::from_utf8_lossy(&body));
        digest
    }

    fn push_manifest(&self, repo: &str, reference: &str, media_type: &str, manifest: &[u8]) -> String {
        let (status, _, body) = self
            .request(
                "PUT",
                &format!("/v2/{repo}/manifests/{reference}"),
                Some(media_type),
                manifest,
            )
            .unwrap();
        assert_eq!(status, 201, "manifest: {}", String::from_utf8_lossy(&body));
        format!("sha256:{}", sha256_hex(manifest))
    }

    /// Pushes the test image (a secret added then deleted, a secret in the config) under
    /// `repo:tag`; returns the manifest and its digest.
    fn push_image(&self, repo: &str, tag: &str, layers: &[Vec<u8>], config: &[u8]) -> (Vec<u8>, String) {
        let config_digest = self.push_blob(repo, config);
        let layer_descs: Vec<Value> = layers
            .iter()
            .map(|l| {
                let media = if l.starts_with(&[0x1f, 0x8b]) {
                    "application/vnd.oci.image.layer.v1.tar+gzip"
                } else {
                    "application/vnd.oci.image.layer.v1.tar"
                };
                json!({ "mediaType": media, "digest": self.push_blob(repo, l), "size": l.len() })
            })
            .collect();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len() },
            "layers": layer_descs
        }))
        .unwrap();
        let digest = self.push_manifest(repo, tag, OCI_MANIFEST, &manifest);
        (manifest, digest)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client for pushing (the product's client is what is under test).
fn http(address: &str, method: &str, path: &str, headers: &[String], body: &[u8]) -> Result<HttpAnswer, String> {
    let mut stream = TcpStream::connect(address).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for h in headers {
        request.push_str(h);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    stream.write_all(body).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(|e| e.to_string())?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    let mut response_headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            response_headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut rest).map_err(|e| e.to_string())?;
    Ok((status, response_headers, rest))
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn image_scan(args: &[&str], envs: &[(&str, &str)], code: i32) -> (Value, String) {
    let mut cmd = leakscan();
    cmd.arg("image")
        .args(args)
        .env("DOCKER_CONFIG", "/nonexistent-leakscan-test");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.assert().code(code);
    let output = out.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let doc = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (doc, stderr)
}

#[test]
fn images_are_pulled_from_a_loopback_registry() {
    let Some(binary) = registry_binary() else { return };
    let registry = Registry::start(&binary, false);
    let (layers, config) = image_parts();
    let (manifest, digest) = registry.push_image("acme/app", "1.0", &layers, &config);

    let reference = format!("{}/acme/app:1.0", registry.address);
    let (doc, stderr) = image_scan(&["-f", "json", &reference], &[], 1);
    let found = active(&doc);
    assert_eq!(found.len(), 2, "{doc:#}\n{stderr}");
    let deleted = found.iter().find(|f| f["layer"]["digest"] != "config").unwrap();
    assert_eq!(deleted["layer"]["created_by"], "COPY app.env /etc/app.env");
    assert_eq!(deleted["layer"]["deleted_later"], true);
    assert_eq!(deleted["layer"]["image"], reference);
    assert_eq!(deleted["logical_path"], format!("{reference}!/etc/app.env"));
    let config_finding = found.iter().find(|f| f["layer"]["digest"] == "config").unwrap();
    assert!(
        config_finding["snippet"]
            .as_str()
            .unwrap()
            .starts_with("Env[1]: DEPLOY_TOKEN=")
    );
    assert!(doc["errors"].as_array().unwrap().is_empty(), "{doc:#}");

    // By digest, and as SARIF that validates.
    let pinned = format!("{}/acme/app@{digest}", registry.address);
    let (doc, _) = image_scan(&["-f", "sarif", &pinned], &[], 1);
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 2);

    // A multi-platform index: every platform by default, one with --platform.
    let arm_config = String::from_utf8(config.clone()).unwrap().replace("amd64", "arm64");
    let (arm_manifest, arm_digest) = registry.push_image("acme/app", "arm-only", &layers, arm_config.as_bytes());
    // A buildx provenance attestation: its layer is in-toto JSON, where build args leak.
    let provenance = serde_json::to_vec_pretty(&json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicate": { "invocation": { "parameters": { "args": { "build-arg:GH_TOKEN": GITHUB_TOKEN } } } }
    }))
    .unwrap();
    let attestation_config =
        br#"{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#;
    let attestation_manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": registry.push_blob("acme/app", attestation_config), "size": attestation_config.len() },
        "layers": [{ "mediaType": "application/vnd.in-toto+json",
                     "digest": registry.push_blob("acme/app", &provenance), "size": provenance.len() }]
    }))
    .unwrap();
    let attestation_digest = registry.push_manifest("acme/app", "attestation", OCI_MANIFEST, &attestation_manifest);
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            { "mediaType": OCI_MANIFEST, "digest": digest, "size": manifest.len(),
              "platform": { "os": "linux", "architecture": "amd64" } },
            { "mediaType": OCI_MANIFEST, "digest": arm_digest, "size": arm_manifest.len(),
              "platform": { "os": "linux", "architecture": "arm64", "variant": "v8" } },
            { "mediaType": OCI_MANIFEST, "digest": attestation_digest, "size": attestation_manifest.len(),
              "platform": { "os": "unknown", "architecture": "unknown" },
              "annotations": { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": digest } }
        ]
    }))
    .unwrap();
    registry.push_manifest("acme/app", "multi", OCI_INDEX, &index);
    let multi = format!("{}/acme/app:multi", registry.address);
    let (doc, _) = image_scan(&["-f", "json", &multi], &[], 1);
    let images: std::collections::BTreeSet<String> = active(&doc)
        .iter()
        .map(|f| f["layer"]["image"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        images,
        [
            format!("{multi} (linux/amd64)"),
            format!("{multi} (linux/arm64/v8)"),
            format!("{multi} (attestation)")
        ]
        .into_iter()
        .collect(),
        "layers shared by both platforms are scanned once; each config is scanned: {doc:#}"
    );
    assert!(doc["errors"].as_array().unwrap().is_empty(), "{doc:#}");
    let (doc, _) = image_scan(&["-f", "json", "--platform", "linux/arm64", &multi], &[], 1);
    assert!(
        active(&doc)
            .iter()
            .all(|f| f["layer"]["image"] == format!("{multi} (linux/arm64/v8)")),
        "{doc:#}"
    );

    // A tag that does not exist: exit 2, the registry's own error named.
    let (_, stderr) = image_scan(&[&format!("{}/acme/app:nope", registry.address)], &[], 2);
    assert!(
        stderr.contains("404") && stderr.contains("MANIFEST_UNKNOWN"),
        "{stderr}"
    );
}

#[test]
fn registry_credentials_come_from_the_environment_or_docker_config() {
    let Some(binary) = registry_binary() else { return };
    let registry = Registry::start(&binary, true);
    let (layers, config) = image_parts();
    registry.push_image("private/app", "2.0", &layers, &config);
    let reference = format!("{}/private/app:2.0", registry.address);

    // Anonymous: a clear authentication error, exit 2.
    let (_, stderr) = image_scan(&[&reference], &[], 2);
    assert!(
        stderr.contains("401") && stderr.contains("LEAKSCAN_REGISTRY_USERNAME"),
        "{stderr}"
    );
    // From the environment.
    let env = [
        ("LEAKSCAN_REGISTRY_USERNAME", TEST_USER),
        ("LEAKSCAN_REGISTRY_PASSWORD", TEST_PASSWORD),
    ];
    let (doc, _) = image_scan(&["-f", "json", &reference], &env, 1);
    assert_eq!(active(&doc).len(), 2);
    // A wrong password: refused, and never echoed.
    let wrong = [
        ("LEAKSCAN_REGISTRY_USERNAME", TEST_USER),
        ("LEAKSCAN_REGISTRY_PASSWORD", "not-the-password"),
    ];
    let (_, stderr) = image_scan(&[&reference], &wrong, 2);
    assert!(stderr.contains("authentication failed"), "{stderr}");
    assert!(!stderr.contains("not-the-password"));
    // From a docker config.json (`docker login` writes base64 user:password under `auths`).
    let docker = tempfile::tempdir().unwrap();
    use base64::Engine as _;
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{TEST_USER}:{TEST_PASSWORD}"));
    std::fs::write(
        docker.path().join("config.json"),
        json!({ "auths": { registry.address.clone(): { "auth": pair } } }).to_string(),
    )
    .unwrap();
    let mut cmd = leakscan();
    cmd.args(["image", "-f", "json", &reference])
        .env("DOCKER_CONFIG", docker.path());
    let out = cmd.assert().code(1);
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(active(&doc).len(), 2);
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains(TEST_PASSWORD));
}

/// What the scripted server does for each request path.
#[derive(Clone)]
struct Script {
    address: String,
    manifest: Vec<u8>,
    config: (String, Vec<u8>),
    good_layer: (String, Vec<u8>),
    failing_layer: String,
}

/// A scripted registry with bearer-token auth: the token service wants basic credentials;
/// one layer answers 500; `/v2/stall/…` never answers.
fn scripted_registry() -> Script {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (layers, config) = image_parts();
    let failing = layers[0].clone();
    let good = layers[1].clone();
    let d = |b: &[u8]| format!("sha256:{}", sha256_hex(b));
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": d(&config), "size": config.len() },
        "layers": [
            { "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d(&failing), "size": failing.len() },
            { "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d(&good), "size": good.len() }
        ]
    }))
    .unwrap();
    let script = Script {
        address: address.clone(),
        manifest,
        config: (d(&config), config),
        good_layer: (d(&good), good),
        failing_layer: d(&failing),
    };
    let served = script.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let served = served.clone();
            std::thread::spawn(move || answer(stream, &served));
        }
    });
    script
}

fn answer(stream: TcpStream, script: &Script) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut authorization = String::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("authorization")
        {
            authorization = v.trim().to_string();
        }
    }
    let mut out = stream;
    let mut send = |status: &str, extra: &str, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
            body.len()
        );
        let _ = out.write_all(head.as_bytes());
        let _ = out.write_all(body);
    };
    if path.starts_with("/v2/stall/") {
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    if let Some(query) = path.strip_prefix("/token?") {
        use base64::Engine as _;
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{TEST_USER}:{TEST_PASSWORD}"))
        );
        if authorization == expected && query.contains("scope=repository%3Aacme%2Fapp%3Apull") {
            send(
                "200 OK",
                "Content-Type: application/json\r\n",
                br#"{"token":"scripted-token-1"}"#,
            );
        } else {
            send("401 Unauthorized", "", b"{}");
        }
        return;
    }
    if authorization != "Bearer scripted-token-1" {
        let challenge = format!(
            "WWW-Authenticate: Bearer realm=\"http://{}/token\",service=\"scripted\"\r\n",
            script.address
        );
        send(
            "401 Unauthorized",
            &challenge,
            br#"{"errors":[{"code":"UNAUTHORIZED","message":"token required"}]}"#,
        );
        return;
    }
    if path == "/v2/acme/app/manifests/1.0" {
        send("200 OK", &format!("Content-Type: {OCI_MANIFEST}\r\n"), &script.manifest);
    } else if path == format!("/v2/acme/app/blobs/{}", script.config.0) {
        send("200 OK", "", &script.config.1);
    } else if path == format!("/v2/acme/app/blobs/{}", script.good_layer.0) {
        send("200 OK", "", &script.good_layer.1);
    } else if path == format!("/v2/acme/app/blobs/{}", script.failing_layer) {
        send(
            "500 Internal Server Error",
            "",
            br#"{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}"#,
        );
    } else {
        send(
            "404 Not Found",
            "",
            br#"{"errors":[{"code":"NAME_UNKNOWN","message":"no such thing"}]}"#,
        );
    }
}

#[test]
fn bearer_tokens_server_errors_and_stalls() {
    let script = scripted_registry();
    let reference = format!("{}/acme/app:1.0", script.address);
    let env = [
        ("LEAKSCAN_REGISTRY_USERNAME", TEST_USER),
        ("LEAKSCAN_REGISTRY_PASSWORD", TEST_PASSWORD),
    ];
    // The token handshake works; a layer answering 500 is reported (incomplete), and what
    // the rest of the image holds (the config's secret) is still found: exit 1.
    let (doc, _) = image_scan(&["-f", "json", &reference], &env, 1);
    let found = active(&doc);
    assert_eq!(found.len(), 1, "{doc:#}");
    assert_eq!(found[0]["layer"]["digest"], "config");
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc:#}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("500") && message.contains("disk on fire"), "{message}");

    // Without credentials the token service refuses: exit 2, says what to set.
    let (_, stderr) = image_scan(&[&reference], &[], 2);
    assert!(
        stderr.contains("token service") && stderr.contains("LEAKSCAN_REGISTRY_USERNAME"),
        "{stderr}"
    );

    // A server that accepts the connection and never answers: a timeout, not a hang.
    let started = Instant::now();
    let stalled = format!("{}/stall/app:1.0", script.address);
    let (_, stderr) = image_scan(
        &["--registry-timeout", "1", &stalled],
        &[("LEAKSCAN_REGISTRY_TOKEN", "scripted-token-1")],
        2,
    );
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());

    // A mistyped file name is not sent to a registry.
    let (_, stderr) = image_scan(&["no-such-image.tar"], &[], 2);
    assert!(stderr.contains("no such file"), "{stderr}");
}
