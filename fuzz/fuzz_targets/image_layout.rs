//! Container images. The first byte picks the mode:
//! even: the rest is an image tarball (docker save or OCI) → `ImageSource::open` and a scan;
//! 1 (mod 4): the rest is the `index.json` of an OCI layout directory whose blobs (a manifest,
//!      a config and a gzip layer, in `fuzz/image-template/`) are fixed, → open and scan;
//! 3 (mod 4): the rest is an image *manifest*, stored in that layout under its own digest and
//!      named by a generated `index.json` (so digest checks pass and the manifest parser, the
//!      config and layer lookups are what gets fuzzed).
//!
//! Broken images must be errors, never panics.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scanner_core::source::image::ImageSource;
use scanner_core::{Progress, ScanSettings, Scanner};
use sha2::{Digest, Sha256};

struct Dirs {
    _dir: tempfile::TempDir,
    tarball: PathBuf,
    layout: PathBuf,
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("template") {
        let entry = entry.expect("template entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn dirs() -> &'static Dirs {
    static DIRS: OnceLock<Dirs> = OnceLock::new();
    DIRS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let layout = dir.path().join("layout");
        copy_dir(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("image-template"),
            &layout,
        );
        Dirs {
            tarball: dir.path().join("image.tar"),
            layout,
            _dir: dir,
        }
    })
}

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let mut settings = ScanSettings {
            threads: 1,
            max_file_size: 1 << 20,
            ..ScanSettings::default()
        };
        settings.archives.max_total_bytes = 8 << 20;
        settings.archives.max_entries = 1_000;
        Scanner::builder()
            .settings(settings)
            .build()
            .expect("built-in rules compile")
    })
}

/// Stores `manifest` as a blob under its sha256 digest and points `index.json` at it (the
/// previous input's manifest blob is removed, so the layout does not grow).
fn write_manifest(layout: &Path, manifest: &[u8]) {
    static PREVIOUS: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);
    let digest: String = Sha256::digest(manifest)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let blob = layout.join("blobs/sha256").join(&digest);
    let mut previous = PREVIOUS.lock().expect("lock");
    if let Some(old) = previous.take()
        && old != blob
    {
        let _ = std::fs::remove_file(old);
    }
    std::fs::write(&blob, manifest).expect("write manifest blob");
    *previous = Some(blob);
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{digest}","size":{}}}]}}"#,
        manifest.len()
    );
    std::fs::write(layout.join("index.json"), index).expect("write index.json");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dirs = dirs();
    let path = match mode % 4 {
        1 => {
            std::fs::write(dirs.layout.join("index.json"), rest).expect("write index.json");
            &dirs.layout
        }
        3 => {
            write_manifest(&dirs.layout, rest);
            &dirs.layout
        }
        _ => {
            std::fs::write(&dirs.tarball, rest).expect("write tarball");
            &dirs.tarball
        }
    };
    if let Ok(image) = ImageSource::open(path) {
        let _ = scanner().scan(&image, &Progress::default());
    }
});
