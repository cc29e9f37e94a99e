//! Rule files: bytes → UTF-8 → the rule-file parser, then compilation of what parsed (as
//! `--rules` files are). Errors are fine; panics are not.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scanner_core::rules::RuleFile;
use scanner_core::{RuleSet, check_rules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if RuleFile::parse(text).is_err() {
        return;
    }
    let files = vec![("fuzz.toml".to_string(), text.to_string())];
    if let Ok(rules) = RuleSet::from_files(files.clone()) {
        // A compiled rule must be usable: run it over its own file's text.
        let _ = scanner_core::Detector::new(&rules).detect(data);
    }
    // `leakscan rules check`: examples, negative examples, regex lints.
    let _ = check_rules(&files);
});
