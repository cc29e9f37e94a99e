//! Files that should never be committed: `.env` files with values, private keys and key
//! stores, credential files of package managers and cloud CLIs.

use std::ops::Range;

use super::dockerfile::is_template_suffix;
use super::{CheckHit, CheckRule, literal_secret, secret_name};

pub(super) fn check(path: &str, lower_name: &str, data: &[u8], out: &mut Vec<CheckHit>) {
    if let Some(suffix) = lower_name.strip_prefix(".env") {
        let template = suffix
            .strip_prefix('.')
            .is_some_and(|s| s.split('.').any(is_template_suffix));
        if (suffix.is_empty() || suffix.starts_with('.')) && !template {
            env_file(data, out);
        }
        return;
    }
    if let Some(what) = key_store(lower_name, data) {
        out.push(CheckHit::evidence(
            CheckRule::PrivateKeyFileCommitted,
            first_line(data),
            format!("{what} committed to the repository: everyone with a clone has the key"),
        ));
        return;
    }
    if let Some((span, what)) = credential_file(path, lower_name, data) {
        out.push(CheckHit::evidence(
            CheckRule::CredentialsFileCommitted,
            span,
            format!("{what}: keep it in the home directory or the CI secret store, never in the repository"),
        ));
    }
}

/// `.env`: one finding at the first credential-named variable with a literal value.
fn env_file(data: &[u8], out: &mut Vec<CheckHit>) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut offset = 0;
    let mut first: Option<(Range<usize>, String)> = None;
    let mut count = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let body = line.trim_start().strip_prefix("export ").unwrap_or(line.trim_start());
        let Some((key, value)) = body.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value_text = value.trim();
        let unquoted = value_text.trim_matches(['"', '\'']);
        if key.starts_with('#') || !secret_name(key) || !literal_secret(unquoted) {
            continue;
        }
        count += 1;
        if first.is_none() {
            let at = line_start + (line.len() - value.len()) + (value.len() - value.trim_start().len());
            let skip = usize::from(value_text.starts_with(['"', '\'']));
            first = Some((at + skip..at + skip + unquoted.len(), key.to_string()));
        }
    }
    if let Some((span, key)) = first {
        let more = if count > 1 {
            format!(" and {} more", count - 1)
        } else {
            String::new()
        };
        out.push(CheckHit::secret(
            CheckRule::EnvFileCommitted,
            span,
            format!("a `.env` file with real values is committed (`{key}`{more}); commit a `.env.example` with placeholders instead"),
        ));
    }
}

/// Private keys and key stores, by name (and content for `.pem`/`.key`).
fn key_store(lower_name: &str, data: &[u8]) -> Option<&'static str> {
    // Content is searched only for the few names that need it: this runs on every file.
    let contains = |needle: &[u8]| memchr::memmem::find(data, needle).is_some();
    if matches!(lower_name, "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519") {
        return Some("an SSH private key");
    }
    let ext = lower_name.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "pem" | "key" if contains(b"PRIVATE KEY") => Some("a PEM private key file"),
        "p12" | "pfx" => Some("a PKCS#12 key store"),
        "jks" | "keystore" => Some("a Java key store"),
        "kdbx" => Some("a KeePass database"),
        "ppk" if contains(b"PRIVATE KEY") || contains(b"PuTTY-User-Key-File") => Some("a PuTTY private key"),
        _ => None,
    }
}

/// Credential files of package managers, git, Docker and cloud CLIs that hold a credential.
fn credential_file(path: &str, lower_name: &str, data: &[u8]) -> Option<(Range<usize>, &'static str)> {
    let (markers, what): (&[&str], &str) = match lower_name {
        ".npmrc" => (
            &["_authToken=", "_auth=", "_password="],
            "an `.npmrc` with registry credentials",
        ),
        ".pypirc" => (&["password"], "a `.pypirc` with an index password"),
        ".netrc" | "_netrc" => (&["password"], "a `.netrc` with passwords"),
        ".git-credentials" => (&["@"], "a `.git-credentials` file"),
        ".dockercfg" => (&["\"auth\"", "\"identitytoken\""], "a Docker registry credential file"),
        "config.json" if path.ends_with(".docker/config.json") => (
            &["\"auth\"", "\"identitytoken\""],
            "a Docker `config.json` with registry credentials",
        ),
        "credentials" => (&["aws_secret_access_key"], "an AWS CLI credentials file"),
        "application_default_credentials.json" => (
            &["refresh_token", "private_key"],
            "gcloud application default credentials",
        ),
        _ => return None,
    };
    // Only now, for the few names above, is the file validated as UTF-8 (doing it for every
    // file of a tree cost 1% of a scan).
    let text = std::str::from_utf8(data).ok()?;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(marker) = markers.iter().find(|m| line.contains(*m)) {
            // Evidence is the key, never the value.
            let at = start + line.find(marker).unwrap_or(0);
            let marker_text = marker.trim_end_matches('=');
            if credential_value_after(line, marker) {
                return Some((at..at + marker_text.len(), what));
            }
        }
    }
    None
}

/// Whether the line gives the marker a non-placeholder value.
fn credential_value_after(line: &str, marker: &str) -> bool {
    let Some(at) = line.find(marker) else { return false };
    let rest = line[at + marker.len()..].trim_start_matches([' ', '=', ':', '"', '\'', '\t']);
    let value: String = rest
        .chars()
        .take_while(|c| !matches!(c, '"' | '\'' | ',' | ' '))
        .collect();
    if marker == "@" {
        // https://user:token@host
        return line.contains("://") && line.contains(':') && !value.is_empty();
    }
    literal_secret(&value) || (value.len() >= 12 && !secret_name(&value) && !value.starts_with('$'))
}

/// The first line of a file (at most 80 bytes) as evidence; empty for binary files.
fn first_line(data: &[u8]) -> Range<usize> {
    let end = data
        .iter()
        .take(80)
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(data.len().min(80));
    if data[..end].iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        0..end
    } else {
        0..0
    }
}
