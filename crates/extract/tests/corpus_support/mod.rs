//! Locating the shared real-image corpus and its oracle facts, for the corpus tests.

// Compiled into each test crate that declares it; each uses only some helpers.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

/// `$ASSAY_SHARED/corpus`, defaulting to `<workspace root>/../shared/corpus`.
/// Panics (fails the test loudly) when the corpus is missing: a silent skip
/// would report success without having measured anything.
pub fn corpus_dir() -> PathBuf {
    let shared = std::env::var_os("ASSAY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("corpus");
    assert!(
        dir.join("expected").is_dir(),
        "corpus not found at {} (set ASSAY_SHARED)",
        dir.display()
    );
    dir
}

/// Corpus file names starting with `prefix`, sorted.
pub fn files_with_prefix(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory is readable")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no corpus files start with {prefix}");
    names
}

pub fn read_file(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `expected/<name>.json`.
pub fn expected(name: &str) -> Value {
    let path = corpus_dir().join("expected").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
