//! Configuration checks: the YAML (GitHub Actions, GitLab CI, Kubernetes, Compose, Helm
//! values), Dockerfile, HCL and dotenv parsers via `Scanner::scan_named`. The first byte picks
//! the file name; with a second file (after a `\0\0` split) the cross-file reuse check runs.
//! Every finding lies inside the file it names (inside the inflated content of a compressed one).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use scanner_core::source::archive::sniff;
use scanner_core::{ScanSettings, Scanner};

const NAMES: &[&str] = &[
    ".github/workflows/ci.yml",
    ".gitlab-ci.yml",
    "k8s/deployment.yaml",
    "docker-compose.yml",
    "chart/values.yaml",
    "Dockerfile",
    "build/app.dockerfile",
    "infra/main.tf",
    "infra/prod.tfvars",
    ".env",
    "config/.env.production",
    ".npmrc",
    "id_rsa",
];

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let settings = ScanSettings {
            threads: 1,
            config_checks: true,
            secrets: true,
            ..ScanSettings::default()
        };
        Scanner::builder()
            .settings(settings)
            .build()
            .expect("built-in rules compile")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[pick as usize % NAMES.len()];
    let files: Vec<(&str, &[u8])> = match rest.windows(2).position(|w| w == b"\0\0") {
        Some(at) => vec![("config/.env.staging", &rest[..at]), (name, &rest[at + 2..])],
        None => vec![(name, rest)],
    };
    for f in scanner().scan_named(&files) {
        assert!(f.bytes.start <= f.bytes.end, "{:?}", f.bytes);
        // A compressed file is scanned as its inflated content: offsets are in that content.
        let (_, content) = files
            .iter()
            .find(|(label, _)| f.origin.display.starts_with(label))
            .expect("a finding names one of the files scanned");
        if sniff(content).is_none() {
            assert!(f.bytes.end <= content.len(), "{:?} in {} bytes", f.bytes, content.len());
        }
    }
});
