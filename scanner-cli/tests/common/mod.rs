//! Helpers shared by the CLI test files: fake tokens, the binary, archive builders, SARIF
//! schema validation. Each test file uses a subset.

#![allow(dead_code, clippy::unwrap_used)]

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

pub mod measured;

use assert_cmd::Command;
use serde_json::Value;

// Fake, format-valid tokens, split so that the full value never appears in a source file.
pub const GITHUB_TOKEN: &str = concat!("ghp_", "UA2PufeaOXMWxHiuYzAPqIKR6dMPYI2PLrMb");
pub const OTHER_TOKEN: &str = concat!("ghp_", "FigckdwgTzpYOiplvMSiE9T6iZw6ne3nJYal");
pub const AWS_KEY_ID: &str = concat!("AKIA", "DU2X4TDYFSHAVIGR");
pub const AWS_SECRET: &str = concat!("ka6mt9urdn3UAqqN", "RJHiBVVbgR35d/OGnMsSCpOs");

/// The `leakscan` binary with a clean environment.
pub fn leakscan() -> Command {
    let mut cmd = Command::cargo_bin("leakscan").expect("binary builds");
    cmd.env_remove("NO_COLOR").env_remove("LEAKSCAN_LOG");
    cmd
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Copies a directory tree (fixtures are scanned from copies, outside this repository).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("fixture dir") {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `leakscan scan --isolated --no-progress -f json EXTRA… DIR`, expecting exit 1 (findings),
/// parsed.
pub fn scan_json(dir: &Path, extra: &[&str]) -> Value {
    let out = leakscan()
        .args(["scan", "--isolated", "--no-progress", "-f", "json"])
        .args(extra)
        .arg(dir)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    json_of(&out)
}

/// Parses command output as JSON.
pub fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("valid JSON output")
}

/// Asserts that `doc` validates against the official SARIF 2.1.0 schema.
pub fn assert_valid_sarif(doc: &Value) {
    let schema_path = workspace_root().join("fixtures/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
}

/// A tar archive of (name, content) pairs.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        b.append_data(&mut header, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A deflated zip archive of (name, content) pairs.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// gzip of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// A temp directory holding (path, content) files.
pub fn tree(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, content).unwrap();
    }
    dir
}

/// Lowercase hex sha256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The layers and config of a small image: layer 0 adds a secret, layer 1 deletes it.
pub fn image_parts() -> (Vec<Vec<u8>>, Vec<u8>) {
    let layer0 = gzip(&tar_of(&[
        ("etc/app.env", format!("GH_TOKEN={GITHUB_TOKEN}\n").as_bytes()),
        ("usr/bin/tool", b"\x7fELF"),
    ]));
    let layer1 = tar_of(&[("etc/.wh.app.env", b""), ("srv/ok.txt", b"fine\n")]);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "config": { "Env": ["PATH=/usr/bin", format!("DEPLOY_TOKEN={OTHER_TOKEN}")], "Cmd": ["/usr/bin/tool"] },
        "history": [
            { "created_by": "COPY app.env /etc/app.env" },
            { "created_by": "ENV DEPLOY_TOKEN=…", "empty_layer": true },
            { "created_by": "RUN rm /etc/app.env" }
        ],
        "rootfs": { "type": "layers", "diff_ids": [] }
    }))
    .unwrap();
    (vec![layer0, layer1], config)
}

/// Runs `git` in `dir` with a fixed identity and dates, no system or user configuration;
/// panics when it fails; returns its trimmed standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Ada Lovelace",
            "-c",
            "user.email=ada@example.org",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2024-03-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-03-01T12:00:00Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The unsuppressed findings of a JSON report.
pub fn active(doc: &Value) -> Vec<Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .cloned()
        .collect()
}

/// The rule of every finding of a JSON report, in report order (suppressed ones included).
pub fn rule_ids(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// A small deterministic PRNG (xorshift64*), so generated inputs are reproducible.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fake GitHub classic token with a valid CRC32 checksum (high confidence), generated at
/// run time so that no token appears in a source file.
pub fn fake_github_token(rng: &mut Rng) -> String {
    let random = rng.string(BASE62, 30);
    let mut crc = flate2::Crc::new();
    crc.update(random.as_bytes());
    let mut n = crc.sum();
    let mut check = [b'0'; 6];
    for slot in check.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    format!("{}{random}{}", ["gh", "p_"].concat(), String::from_utf8_lossy(&check))
}

/// A fake AWS access key id that decodes to a plausible 12-digit account id (what the
/// `aws-key-id` validator checks), generated at run time.
pub fn fake_aws_key_id(rng: &mut Rng) -> String {
    loop {
        let rest = rng.string(BASE32, 16);
        if matches!(rest.as_bytes()[0], b'I' | b'J') {
            continue;
        }
        let bits = rest.as_bytes()[..10].iter().fold(0u64, |acc, &c| {
            let v = if c.is_ascii_uppercase() {
                c - b'A'
            } else {
                c - b'2' + 26
            };
            (acc << 5) | u64::from(v)
        });
        let account = ((bits >> 2) & 0x7fff_ffff_ff80) >> 7;
        if account <= 999_999_999_999 {
            return format!("{}{rest}", ["AK", "IA"].concat());
        }
    }
}

/// A `docker save` tarball of [`image_parts`] in `dir`, Docker 25+ layout (blobs/sha256/…),
/// with two tags (acme/app:1.0, :latest) sharing layers.
pub fn docker_save(dir: &Path) -> std::path::PathBuf {
    let (layers, config) = image_parts();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let layer_paths: Vec<String> = layers
        .iter()
        .map(|l| {
            let p = format!("blobs/sha256/{}", sha256_hex(l));
            files.push((p.clone(), l.clone()));
            p
        })
        .collect();
    let config_path = format!("blobs/sha256/{}", sha256_hex(&config));
    files.push((config_path.clone(), config));
    let manifest = serde_json::json!([
        { "Config": config_path, "RepoTags": ["acme/app:1.0"], "Layers": layer_paths },
        { "Config": config_path, "RepoTags": ["acme/app:latest"], "Layers": layer_paths }
    ]);
    files.push(("manifest.json".into(), serde_json::to_vec(&manifest).unwrap()));
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let path = dir.join("app.tar");
    fs::write(&path, tar_of(&refs)).unwrap();
    path
}

/// The environment that sends leakscan's verification requests for api.github.com to a local
/// mock provider at `addr` (`crates/verify/tests/common`), trusting only its test CA `ca_pem`,
/// written into `dir`.
pub fn github_verify_env(addr: std::net::SocketAddr, ca_pem: &str, dir: &Path) -> [(&'static str, String); 2] {
    let ca = dir.join("test-ca.pem");
    fs::write(&ca, ca_pem).unwrap();
    [
        ("LEAKSCAN_VERIFY_TEST_ENDPOINTS", format!("api.github.com={addr}")),
        ("LEAKSCAN_VERIFY_TEST_CA", ca.display().to_string()),
    ]
}
