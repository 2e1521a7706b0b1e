//! The shared real-image corpus: `$ASSAY_SHARED/corpus` (default
//! `<workspace>/../shared/corpus`). Missing files fail the test loudly.

use std::path::PathBuf;

use serde_json::Value;

pub fn dir() -> PathBuf {
    let shared = std::env::var_os("ASSAY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let dir = shared.join("corpus");
    assert!(
        dir.is_dir(),
        "test corpus not found at {} (set ASSAY_SHARED)",
        dir.display()
    );
    dir
}

pub fn path(name: &str) -> PathBuf {
    let path = dir().join(name);
    assert!(path.is_file(), "corpus file {} is missing", path.display());
    path
}

pub fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap_or_else(|e| panic!("reading corpus file {name}: {e}"))
}

/// The oracle facts of `expected/<name>.json`.
pub fn expected(name: &str) -> Value {
    let path = dir().join("expected").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}
