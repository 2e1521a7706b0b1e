//! Every [`service::Reason`] is built somewhere: a variant no code
//! constructs is a sentence no client can get, and should go (lemmy's
//! `LemmyErrorType` and meilisearch's `Code` are held to the same). Scans the
//! workspace's production sources, leaving out the definition, comments and
//! test code.

use std::fs;
use std::path::{Path, PathBuf};

use service::ReasonKind;
use strum::IntoEnumIterator;

/// The production source files under `dir`: test files and folders left out.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "tests" {
                sources(&path, found);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            found.push(path);
        }
    }
}

/// The code of a file before its test module, without comment lines.
fn production_code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` names `Reason::<variant>` (not a longer name that starts so).
fn constructs(code: &str, variant: &str) -> bool {
    let needle = format!("Reason::{variant}");
    code.match_indices(&needle).any(|(at, _)| {
        let next = code[at + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn every_reason_is_built_outside_its_definition() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let definition = fs::canonicalize(manifest.join("src/error/reason.rs")).expect("reason.rs");
    let mut files = Vec::new();
    for entry in fs::read_dir(manifest.join("..")).expect("the crates folder") {
        let src = entry.expect("a crate").path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    let code: String = files
        .iter()
        .filter(|path| fs::canonicalize(path).ok().as_ref() != Some(&definition))
        .map(|path| production_code(path))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        constructs(&code, "MissingParameter"),
        "the scan found no code"
    );
    let unused: Vec<&str> = ReasonKind::iter()
        .map(ReasonKind::name)
        .filter(|name| !constructs(&code, name))
        .collect();
    assert!(
        unused.is_empty(),
        "reasons no production code builds (remove them, or build them): {unused:?}"
    );
}

#[test]
fn the_scan_tells_a_variant_from_a_longer_name() {
    assert!(constructs("Reason::InvalidToken.into()", "InvalidToken"));
    assert!(!constructs("Reason::InvalidTokenKind", "InvalidToken"));
}
