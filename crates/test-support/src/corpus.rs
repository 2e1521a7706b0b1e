//! The shared real-image corpus: `$ASSAY_SHARED/corpus`, by default
//! `<workspace root>/../shared/corpus`, with its oracle facts in `expected/`
//! and the near-duplicate benchmark in `phash/`.
//!
//! Every function panics with the path when something is missing: a test that
//! silently skipped would report success without having measured anything.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `$ASSAY_SHARED`, by default the `shared` folder beside the workspace.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("ASSAY_SHARED").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        PathBuf::from,
    )
}

/// `<shared>/corpus`.
pub fn dir() -> PathBuf {
    let dir = shared_dir().join("corpus");
    assert!(
        dir.join("expected").is_dir(),
        "corpus not found at {} (set ASSAY_SHARED)",
        dir.display()
    );
    dir
}

/// The corpus file `name` (may name a subfolder, e.g. `phash/x.jpg`).
pub fn path(name: &str) -> PathBuf {
    let path = dir().join(name);
    assert!(path.is_file(), "corpus file {} is missing", path.display());
    path
}

/// The bytes of the corpus file `name`.
pub fn bytes(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The oracle facts `expected/<name>.json`.
pub fn expected(name: &str) -> Value {
    let path = dir().join("expected").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Top-level corpus file names starting with `prefix`, sorted; at least one.
pub fn files_with_prefix(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("corpus directory is readable")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no corpus files start with {prefix}");
    names
}

/// `<shared>/corpus/phash`: the near-duplicate benchmark.
pub fn phash_dir() -> PathBuf {
    let dir = dir().join("phash");
    assert!(
        dir.is_dir(),
        "near-duplicate benchmark not found at {} (set ASSAY_SHARED)",
        dir.display()
    );
    dir
}
