//! `assay analyze` as a user runs it: the built binary on real corpus files.

use std::process::Command;

use serde_json::Value;
use test_support::corpus;

/// Runs `assay analyze <args>`; returns the exit success and one JSON value per stdout line.
fn assay_analyze(args: &[&str]) -> (bool, Vec<Value>) {
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("analyze")
        .args(args)
        .output()
        .expect("assay runs");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let lines = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    (output.status.success(), lines)
}

fn corpus_file(name: &str) -> String {
    corpus::dir().join(name).display().to_string()
}

#[test]
fn prints_one_line_per_file_with_the_upload_fields() {
    let photo = corpus_file("orient_portrait_6.jpg");
    let (ok, lines) = assay_analyze(&[
        &photo,
        "--colors",
        "--phash",
        "--custom-coordinates",
        "10,20,30,40|400,500,500,700",
    ]);
    assert!(ok);
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line["file"], photo.as_str());
    // Exif orientation 6: displayed portrait.
    assert_eq!(
        (line["width"].as_u64(), line["height"].as_u64()),
        (Some(450), Some(600))
    );
    assert_eq!(line["format"], "jpg");
    assert_eq!(line["pages"], 1);
    assert_eq!(line["etag"].as_str().map(str::len), Some(32));
    assert!(line["colors"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(line["predominant"]["google"].is_array());
    assert_eq!(line["phash"].as_str().map(str::len), Some(16));
    // Each value capped by the displayed size along its axis, as on upload.
    let custom = &line["coordinates"]["custom"];
    assert_eq!(
        custom,
        &serde_json::json!([[10, 20, 30, 40], [400, 500, 450, 600]])
    );
    assert!(line.get("media_metadata").is_none(), "not asked for");
}

#[test]
fn a_bad_file_gets_an_error_line_and_the_others_still_print() {
    let good = corpus_file("gif_anim_iss634.gif");
    let bad = corpus_file("bad_broken.png");
    let missing = corpus_file("no_such_file.jpg");
    let (ok, lines) = assay_analyze(&[&good, &bad, &missing]);
    assert!(!ok, "exit status must be 1 when a file fails");
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["pages"], 42);
    for (line, file) in lines[1..].iter().zip([&bad, &missing]) {
        assert_eq!(line["file"], file.as_str());
        assert!(
            line["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{line}"
        );
        assert!(line.get("width").is_none());
    }
}

#[test]
fn the_content_decides_the_format_not_the_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let misnamed = dir.path().join("really_a_png.jpg");
    std::fs::copy(corpus::path("png_exiftool_tiny.png"), &misnamed).expect("copy");
    let (ok, lines) = assay_analyze(&[misnamed.to_str().expect("UTF-8 path")]);
    assert!(ok);
    assert_eq!(lines[0]["format"], "png");
}

#[test]
fn malformed_custom_coordinates_are_a_usage_error() {
    let photo = corpus_file("face_pillow_hopper.jpg");
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["analyze", &photo, "--custom-coordinates", "1,2,3"])
        .output()
        .expect("assay runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("custom_coordinates"), "{stderr}");
}

/// `--timings` reports each stage that ran on standard error, one line per
/// file, and leaves standard output exactly as without it.
#[test]
fn timings_go_to_standard_error_and_leave_the_output_unchanged() {
    let photo = corpus_file("orient_portrait_6.jpg");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_assay"))
            .args(["analyze", &photo, "--colors", "--phash"])
            .args(extra)
            .output()
            .expect("assay runs")
    };
    let plain = run(&[]);
    let timed = run(&["--timings"]);
    assert!(timed.status.success());
    assert_eq!(timed.stdout, plain.stdout);
    assert!(plain.stderr.is_empty());
    let stderr = String::from_utf8(timed.stderr).expect("stderr is UTF-8");
    let lines: Vec<Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(lines[0]["file"], photo.as_str());
    let stages = lines[0]["timings_ms"].as_object().expect("an object");
    let names: Vec<&str> = stages.keys().map(String::as_str).collect();
    for stage in ["decode", "colors", "phash"] {
        assert!(names.contains(&stage), "{names:?}");
    }
    assert!(!names.contains(&"faces"), "not asked for: {names:?}");
    assert!(stages
        .values()
        .all(|ms| ms.as_f64().is_some_and(|ms| ms >= 0.0)));
}

/// ONNX Runtime, left to its defaults, writes a device id under
/// `~/.cache/Microsoft` and readies usage telemetry; `assay` turns that off
/// unless the operator set `ORT_DISABLE_TELEMETRY` themselves.
#[test]
fn a_face_scan_leaves_nothing_in_the_home_directory() {
    let home = tempfile::tempdir().expect("a temporary directory");
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["analyze", "--faces", &corpus_file("orient_portrait_6.jpg")])
        .env("HOME", home.path())
        .env_remove("ORT_DISABLE_TELEMETRY")
        .output()
        .expect("assay runs");
    assert!(output.status.success(), "{output:?}");
    let left: Vec<_> = walk(home.path());
    assert!(left.is_empty(), "{left:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .expect("readable")
        .flat_map(|entry| {
            let path = entry.expect("an entry").path();
            let mut found = vec![path.clone()];
            if path.is_dir() {
                found.extend(walk(&path));
            }
            found
        })
        .collect()
}

/// The corpus files as sorted by name, JPEGs and PNGs of many sizes, so that
/// parallel workers finish out of order.
fn corpus_images(limit: usize) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(corpus::dir())
        .expect("corpus readable")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "jpg" || ext == "png" || ext == "gif")
        })
        .map(|path| path.display().to_string())
        .collect();
    files.sort();
    files.truncate(limit);
    files
}

/// Parallel workers never change a line, nor where it is printed: the output
/// with four jobs is byte for byte the output of one job, in input order,
/// failures included.
#[test]
fn parallel_jobs_print_the_same_lines_in_input_order() {
    let mut files = corpus_images(24);
    // A failing file in the middle keeps its place, and the rest go on.
    files.insert(5, corpus_file("bad_broken.png"));
    files.insert(9, corpus_file("no_such_file.jpg"));
    let run = |jobs: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_assay"))
            .args([
                "analyze",
                "--colors",
                "--phash",
                "--media-metadata",
                "--jobs",
                jobs,
            ])
            .args(&files)
            .output()
            .expect("assay runs");
        assert!(!output.status.success(), "a file failed: exit status 1");
        output.stdout
    };
    let sequential = run("1");
    let parallel = run("4");
    assert_eq!(
        String::from_utf8_lossy(&parallel),
        String::from_utf8_lossy(&sequential)
    );
    let printed: Vec<String> = String::from_utf8(sequential)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("JSON");
            value["file"].as_str().expect("file").to_owned()
        })
        .collect();
    assert_eq!(printed, files);
}

/// A folder names its files (hidden ones aside), `--recursive` its
/// subfolders' too, and a quoted glob its matches; no progress bar is drawn
/// when standard error is not a terminal.
#[test]
fn folders_and_globs_are_inputs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nested = dir.path().join("trip/day2");
    std::fs::create_dir_all(&nested).expect("folders");
    let copy = |name: &str, to: &std::path::Path| {
        std::fs::copy(corpus::path(name), to).expect("copy");
    };
    copy("orient_portrait_6.jpg", &dir.path().join("a.jpg"));
    copy("png_exiftool_tiny.png", &dir.path().join("b.png"));
    copy("face_pillow_hopper.jpg", &nested.join("c.jpg"));
    copy("face_pillow_hopper.jpg", &dir.path().join(".thumbnail.jpg"));
    let root = dir.path().to_str().expect("UTF-8");

    let files_of = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_assay"))
            .arg("analyze")
            .args(args)
            .output()
            .expect("assay runs");
        assert!(output.status.success(), "{output:?}");
        assert!(output.stderr.is_empty(), "no progress bar on a pipe");
        String::from_utf8(output.stdout)
            .expect("UTF-8")
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).expect("JSON");
                let file = value["file"].as_str().expect("file").to_owned();
                file.strip_prefix(root)
                    .expect("under the folder")
                    .to_owned()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(files_of(&[root]), ["/a.jpg", "/b.png"]);
    assert_eq!(
        files_of(&[root, "--recursive"]),
        ["/a.jpg", "/b.png", "/trip/day2/c.jpg"]
    );
    let glob = format!("{root}/**/*.jpg");
    assert_eq!(files_of(&[&glob]), ["/a.jpg", "/trip/day2/c.jpg"]);
}
