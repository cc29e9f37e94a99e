//! Embeds every `rules/*.toml` file into the library. `rules` in this crate is a link to the
//! workspace's `rules/` directory (packaged as files when the crate is published); a build
//! that finds no rule there fails rather than make a scanner without rules.
//!
//! Generates `$OUT_DIR/builtin_rules.rs` holding `BUILTIN_RULE_FILES: &[(&str, &str)]`
//! (file name, contents), sorted by file name so the rule order is deterministic.

use std::{env, fs, path::PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let rules_dir = manifest_dir.join("rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());

    let entries = fs::read_dir(&rules_dir).unwrap_or_else(|e| {
        panic!(
            "the built-in rules directory {} cannot be read: {e}",
            rules_dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    assert!(!files.is_empty(), "no rule files (*.toml) in {}", rules_dir.display());
    files.sort();

    let mut out = String::from(
        "/// Built-in rule files: (file name, TOML text).\npub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().expect("rule file has a name").to_string_lossy();
        let abs = fs::canonicalize(path).expect("rule file path resolves");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let out_path = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    fs::write(out_path, out).expect("write generated rule list");
}
