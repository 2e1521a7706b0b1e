//! The tag tables in `src/metadata/generated.rs` are what
//! `scripts/gen-metadata-tables.py` writes from the installed exiftool's tag
//! database: regenerate and compare. Fails when they are stale (exiftool
//! updated, or the file edited by hand) and when exiftool is missing, since
//! then nothing was checked.

use std::path::Path;
use std::process::Command;

#[test]
fn generated_tag_tables_match_the_installed_exiftool() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("python3")
        .arg(root.join("scripts/gen-metadata-tables.py"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "generated tables are stale or exiftool is missing:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
