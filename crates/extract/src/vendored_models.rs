//! The models compiled into the library are the files `models/README.md`
//! records: its table gives each file's SHA-256 (the output of the
//! extraction scripts beside the models), and the tests of each model's
//! module check the bytes they compile in against it.

/// Panics unless `models/README.md`'s row for `file` records `bytes`'s SHA-256.
pub(crate) fn assert_recorded_checksum(file: &str, bytes: &[u8]) {
    use sha2::{Digest, Sha256};
    let readme = include_str!("../models/README.md");
    let row = readme
        .lines()
        .find(|line| line.starts_with(&format!("| `{file}`")))
        .unwrap_or_else(|| panic!("models/README.md has no row for {file}"));
    let digest = hex::encode(Sha256::digest(bytes));
    assert!(
        row.contains(&format!("`{digest}`")),
        "{file}'s sha256 is {digest}, not the one models/README.md records"
    );
}
