//! `assay dedupe` as a user runs it: the built binary on the shared
//! near-duplicate benchmark (`corpus/phash`: 20 photos, 8 edits of each,
//! named `<source>__<edit>`), and on a folder with files it must skip.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::Value;

fn benchmark_dir() -> PathBuf {
    test_support::corpus::phash_dir()
}

fn assay_dedupe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("dedupe")
        .args(args)
        .output()
        .expect("assay runs")
}

/// The `groups` of a successful `--json` run.
fn groups_of(output: &Output) -> Vec<Vec<String>> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "assay dedupe failed: {stderr}");
    let body: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    serde_json::from_value(body["groups"].clone()).expect("groups: [[path, ...], ...]")
}

/// `<source>` of `<dir>/<source>__<edit>.<ext>`.
fn source_of(path: &str) -> String {
    let name = Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .expect("file name");
    name.split_once("__")
        .map(|(source, _)| source.to_owned())
        .unwrap_or_else(|| panic!("{name} has no source"))
}

/// Same-source pairs found (true positives) and all pairs put together.
fn pairs_in(groups: &[Vec<String>]) -> (usize, usize) {
    let mut same = 0;
    let mut all = 0;
    for group in groups {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                all += 1;
                same += usize::from(source_of(a) == source_of(b));
            }
        }
    }
    (same, all)
}

#[test]
fn the_benchmark_photos_fall_into_one_pure_group_per_source() {
    let dir = benchmark_dir();
    let images: Vec<String> = std::fs::read_dir(&dir)
        .expect("benchmark folder")
        .map(|entry| entry.expect("entry").path().display().to_string())
        .filter(|path| path.contains("__"))
        .collect();
    let mut sources: BTreeMap<String, usize> = BTreeMap::new();
    for image in &images {
        *sources.entry(source_of(image)).or_default() += 1;
    }

    let started = Instant::now();
    let output = assay_dedupe(&[dir.to_str().expect("UTF-8 path"), "--json"]);
    let elapsed = started.elapsed();
    let groups = groups_of(&output);

    for group in &groups {
        let mixed: BTreeSet<String> = group.iter().map(|path| source_of(path)).collect();
        assert_eq!(mixed.len(), 1, "a group mixes sources: {group:?}");
    }
    let found: BTreeMap<String, usize> = groups
        .iter()
        .map(|group| (source_of(&group[0]), group.len()))
        .collect();
    assert_eq!(
        found, sources,
        "one group per source, holding all its edits"
    );

    let (true_pairs, grouped_pairs) = pairs_in(&groups);
    let same_source_pairs: usize = sources.values().map(|n| n * (n - 1) / 2).sum();
    println!(
        "assay dedupe on corpus/phash: {} groups, pairwise precision {:.3}, recall {:.3}, {:.2} s",
        groups.len(),
        true_pairs as f64 / grouped_pairs as f64,
        true_pairs as f64 / same_source_pairs as f64,
        elapsed.as_secs_f64()
    );
}

#[test]
fn unreadable_files_are_reported_and_skipped() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let nested = dir.path().join("nested/deeper");
    std::fs::create_dir_all(&nested).unwrap();
    let benchmark = benchmark_dir();
    std::fs::copy(
        benchmark.join("webp_photo1__base.jpg"),
        dir.path().join("photo.jpg"),
    )
    .unwrap();
    std::fs::copy(
        benchmark.join("webp_photo1__q40.jpg"),
        nested.join("photo-q40.jpg"),
    )
    .unwrap();
    // A JPEG signature followed by no JPEG at all.
    let mut broken = vec![0xFF, 0xD8, 0xFF, 0xE0];
    broken.extend(b"this is not image data".repeat(40));
    std::fs::write(dir.path().join("broken.jpg"), broken).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();

    let output = assay_dedupe(&[dir.path().to_str().unwrap(), "--json"]);
    let groups = groups_of(&output);
    let names: Vec<Vec<&str>> = groups
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|p| Path::new(p).file_name().unwrap().to_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        names,
        [["photo-q40.jpg", "photo.jpg"]],
        "found in subfolders too"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.jpg"),
        "the broken image is reported: {stderr}"
    );
    assert!(
        !stderr.contains("notes.txt"),
        "other files are only counted: {stderr}"
    );
}

#[test]
fn a_missing_folder_is_an_error() {
    let output = assay_dedupe(&["/nonexistent/folder", "--json"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/folder"));
}
