//! `assay dedupe` as a user runs it: the built binary on the shared
//! near-duplicate benchmark (`corpus/phash`: 20 photos, 8 edits of each,
//! named `<source>__<edit>`), and on a folder with files it must skip.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

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

/// The harder edits of issue 15, made at test time by ImageMagick from each
/// benchmark photo's `__base` version: `(name, convert options, extension)`.
const HARDER_EDITS: &[(&str, &str, &str)] = &[
    ("crop5", "-gravity center -crop 90%x90%+0+0 +repage", "jpg"),
    // Same canvas, black corners: as `corpus/phash` made its 2-degree edit.
    ("rot5", "-virtual-pixel black -distort SRT -5", "jpg"),
    (
        "watermark",
        "-gravity south -fill white -stroke black -font DejaVu-Sans -pointsize 28 \
         -annotate +0+12 'assay sample'",
        "jpg",
    ),
    ("q15", "-quality 15", "jpg"),
    ("half", "-resize 50% -quality 75", "jpg"),
    ("grey", "-colorspace Gray", "jpg"),
];

/// Pairwise precision and recall of `groups` against the sources of `images`.
fn precision_recall(groups: &[Vec<String>], images: &[String]) -> (f64, f64) {
    let mut per_source: BTreeMap<String, usize> = BTreeMap::new();
    for image in images {
        *per_source.entry(source_of(image)).or_default() += 1;
    }
    let same_source_pairs: usize = per_source.values().map(|n| n * (n - 1) / 2).sum();
    let (true_pairs, grouped_pairs) = pairs_in(groups);
    let precision = if grouped_pairs == 0 {
        1.0
    } else {
        true_pairs as f64 / grouped_pairs as f64
    };
    (precision, true_pairs as f64 / same_source_pairs as f64)
}

/// The default distance holds on harder edits than `corpus/phash` has
/// (crop 5% per edge, rotation 5 degrees, a text watermark, JPEG quality 15,
/// half size re-encoded, grey): pairwise precision >= 0.98 at recall >= 0.9.
/// The figures for the distances around it are printed to choose it by.
#[test]
fn the_default_distance_groups_harder_edits_of_one_photo() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let bases: Vec<PathBuf> = std::fs::read_dir(benchmark_dir())
        .expect("benchmark folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.to_string_lossy().ends_with("__base.jpg"))
        .collect();
    assert!(bases.len() >= 10, "benchmark bases: {}", bases.len());
    let mut script = String::from("set -e\n");
    for base in &bases {
        let source = source_of(base.to_str().unwrap());
        script.push_str(&format!("cp '{}' '{source}__base.jpg'\n", base.display()));
        for (edit, options, extension) in HARDER_EDITS {
            script.push_str(&format!(
                "convert '{source}__base.jpg' {options} '{source}__{edit}.{extension}'\n"
            ));
        }
    }
    let made = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert!(
        made.status.success(),
        "ImageMagick made the edits (`make setup`): {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let images: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path().display().to_string())
        .collect();
    assert_eq!(images.len(), bases.len() * (HARDER_EDITS.len() + 1));

    let folder = dir.path().to_str().expect("UTF-8 path");
    let mut at_default = None;
    for distance in [6, 8, 10, 12, 14, 16] {
        let distance_arg = distance.to_string();
        let groups = groups_of(&assay_dedupe(&[
            folder,
            "--json",
            "--max-distance",
            &distance_arg,
        ]));
        let (precision, recall) = precision_recall(&groups, &images);
        println!(
            "harder edits, {} images, distance {distance}: pairwise precision {precision:.3}, recall {recall:.3}",
            images.len()
        );
        if distance == cli_default_distance() {
            at_default = Some((precision, recall));
        }
    }
    let groups = groups_of(&assay_dedupe(&[folder, "--json"]));
    let (precision, recall) = precision_recall(&groups, &images);
    assert_eq!(
        Some((precision, recall)),
        at_default,
        "no --max-distance means the default"
    );
    assert!(
        precision >= 0.98 && recall >= 0.9,
        "default distance: precision {precision:.3}, recall {recall:.3}"
    );
}

/// `assay dedupe`'s default `--max-distance`, as its help states it.
fn cli_default_distance() -> u32 {
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["dedupe", "--help"])
        .output()
        .expect("assay runs");
    let help = String::from_utf8_lossy(&output.stdout);
    let line = help
        .lines()
        .find(|line| line.contains("--max-distance"))
        .expect("--max-distance in the help");
    let rest = &help[help.find(line).unwrap()..];
    let default = rest
        .split("[default: ")
        .nth(1)
        .and_then(|tail| tail.split(']').next())
        .expect("the help states the default");
    default.parse().expect("a number")
}
