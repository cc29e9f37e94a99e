//! Container images. The first byte picks the mode:
//! even: the rest is an image tarball (docker save or OCI) → `ImageSource::open` and a scan;
//! odd: the rest is the `index.json` of an OCI layout directory whose blobs (a manifest, a
//!      config and a gzip layer, in `fuzz/image-template/`) are fixed, → open and scan.
//!
//! Broken images must be errors, never panics.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scanner_core::source::image::ImageSource;
use scanner_core::{ScanSettings, Scanner};

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

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dirs = dirs();
    let path = if mode % 2 == 0 {
        std::fs::write(&dirs.tarball, rest).expect("write tarball");
        &dirs.tarball
    } else {
        std::fs::write(dirs.layout.join("index.json"), rest).expect("write index.json");
        &dirs.layout
    };
    if let Ok(image) = ImageSource::open(path) {
        let _ = scanner().scan_image_source(&image);
    }
});
