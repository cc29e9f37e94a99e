//! The detector on raw bytes: `Scanner::scan_bytes` (UTF-16, decoding, validators, filters;
//! archives are scanned raw here), and every finding's span must lie inside the input.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scanner_core::{ScanSettings, Scanner};

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let mut settings = ScanSettings {
            threads: 1,
            config_checks: false,
            ..ScanSettings::default()
        };
        // Archives are the `archive_expand` target's; here every span is in the input.
        settings.archives.max_depth = 0;
        Scanner::builder()
            .settings(settings)
            .build()
            .expect("built-in rules compile")
    })
}

fuzz_target!(|data: &[u8]| {
    for f in scanner().scan_bytes("fuzz.txt", data) {
        assert!(f.bytes.start <= f.bytes.end, "{:?}", f.bytes);
        assert!(f.bytes.end <= data.len(), "{:?} of {}", f.bytes, data.len());
        let _ = f.snippet(false);
    }
});
