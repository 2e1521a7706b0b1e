//! Paths the benches share: corpus files (through `test_support::corpus`) and
//! the target directory where generated bench inputs are cached.

// Compiled into each bench that declares it; each uses only some helpers.
#![allow(dead_code)]

use std::path::PathBuf;

/// A file of the shared corpus; fails loudly when the corpus is missing.
pub fn corpus_file(name: &str) -> PathBuf {
    test_support::corpus::path(name)
}

/// The cargo target directory (generated bench inputs are cached under it).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// Criterion's median point estimate (ns) of benchmark `id` in `group`, as
/// this run just measured it (read back to print ratios between benchmarks).
pub fn median_ns(group: &str, id: &str) -> Option<f64> {
    let file = target_dir()
        .join("criterion")
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}
