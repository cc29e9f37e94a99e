//! End-to-end tests of container image scanning, on images built at run time: docker-save
//! tarballs (old and new layout) and OCI layouts, with whiteouts, shared layers, the config,
//! and broken images.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use common::*;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};

/// An OCI layout directory with a multi-platform index.
fn oci_layout(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("oci");
    fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    let put = |data: &[u8]| {
        let d = sha256_hex(data);
        fs::write(root.join("blobs/sha256").join(&d), data).unwrap();
        format!("sha256:{d}")
    };
    let (layers, config) = image_parts();
    let layer_descs: Vec<Value> = layers
        .iter()
        .map(|l| json!({ "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(l), "size": l.len() }))
        .collect();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(&config), "size": config.len() },
        "layers": layer_descs
    }))
    .unwrap();
    let manifest_digest = put(&manifest);
    let platform_index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{ "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest.len() }]
    }))
    .unwrap();
    let index_digest = put(&platform_index);
    fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion": "1.0.0"}"#).unwrap();
    fs::write(
        root.join("index.json"),
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "manifests": [{ "mediaType": "application/vnd.oci.image.index.v1+json", "digest": index_digest,
                            "annotations": { "org.opencontainers.image.ref.name": "acme/app:2.0" } }]
        }))
        .unwrap(),
    )
    .unwrap();
    root
}

fn scan(cmd: &str, path: &Path, code: i32) -> Value {
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args([cmd, "-f", "json"])
        .arg(path)
        .assert()
        .code(code);
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn docker_save_tarball() {
    let dir = tempfile::tempdir().unwrap();
    let image = docker_save(dir.path());
    for cmd in ["image", "scan"] {
        let doc = scan(cmd, &image, 1);
        let found = active(&doc);
        assert_eq!(found.len(), 2, "shared layers and config scanned once: {doc:#}");
        let deleted = found.iter().find(|f| f["layer"]["digest"] != "config").unwrap();
        assert_eq!(deleted["layer"]["index"], 0);
        assert_eq!(deleted["layer"]["created_by"], "COPY app.env /etc/app.env");
        assert_eq!(deleted["layer"]["deleted_later"], true);
        assert!(
            deleted["logical_path"]
                .as_str()
                .unwrap()
                .ends_with("app.tar!/etc/app.env")
        );
        let config = found.iter().find(|f| f["layer"]["digest"] == "config").unwrap();
        assert!(
            config["snippet"].as_str().unwrap().starts_with("Env[1]: DEPLOY_TOKEN="),
            "{config:#}"
        );
        assert_eq!(config["layer"]["image"], "acme/app:1.0");
    }
    // SARIF validates.
    let out = Command::cargo_bin("leakscan")
        .unwrap()
        .args(["image", "-f", "sarif"])
        .arg(&image)
        .assert()
        .code(1);
    let sarif: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sarif/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(jsonschema::draft4::new(&schema).unwrap().is_valid(&sarif));
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, ["app.tar", "app.tar"], "results point at the image file");
}

#[test]
fn oci_layout_with_a_platform_index() {
    let dir = tempfile::tempdir().unwrap();
    let layout = oci_layout(dir.path());
    let doc = scan("image", &layout, 1);
    let found = active(&doc);
    assert_eq!(found.len(), 2, "{doc:#}");
    assert!(
        found
            .iter()
            .all(|f| f["layer"]["image"].as_str().unwrap().starts_with("acme/app:2.0"))
    );
    // The same layout as a directory given to `scan`.
    assert_eq!(active(&scan("scan", &layout, 1)).len(), 2);
}

#[test]
fn broken_images_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let layout = oci_layout(dir.path());
    // A layer whose content no longer matches its digest: reported, still scanned.
    let blobs = layout.join("blobs/sha256");
    let manifest_layer = fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| fs::read(p).unwrap().starts_with(&[0x1f, 0x8b]))
        .unwrap();
    let mut tampered = fs::read(&manifest_layer).unwrap();
    let again = gzip(&tar_of(&[(
        "etc/app.env",
        format!("GH_TOKEN={GITHUB_TOKEN}\n").as_bytes(),
    )]));
    tampered.clear();
    tampered.extend_from_slice(&again);
    fs::write(&manifest_layer, &tampered).unwrap();
    let doc = scan("image", &layout, 1);
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("does not match its digest"),
        "{doc:#}"
    );
    // A manifest pointing at a missing blob.
    fs::remove_file(&manifest_layer).unwrap();
    let doc = scan("image", &layout, 1);
    assert!(
        doc["errors"].as_array().unwrap().iter().any(|e| e["kind"] == "image"),
        "{doc:#}"
    );
    // A tarball with no manifest is not an image.
    let plain = dir.path().join("plain.tar");
    fs::write(&plain, tar_of(&[("a.txt", b"hello")])).unwrap();
    Command::cargo_bin("leakscan")
        .unwrap()
        .arg("image")
        .arg(&plain)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a container image"));
}
