//! HEIC and AVIF pixels (libheif).
//! - The corpus's HEIC photos decode in their displayed frame, and the colours
//!   read from them agree with what an independent decoder (Pillow with
//!   pillow-heif, the corpus's `colors_oracle`) saw in the same files.
//! - The corpus has no AVIF, so a corpus photo is encoded to AVIF by another
//!   implementation (`avifenc`: libavif with aom, from Debian; installed by
//!   scripts/setup.sh), and what we read from it must match what we read from
//!   the original.
//!
//! A decode with swapped channels, a wrong row stride or a lost rotation would
//! move the average colour far more than the tolerance.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use extract::AnalysisKind;
use std::process::Command;

use extract::{analyze, Analysis, Format, Options};
use serde_json::Value;

/// Largest distance, in 0-255 RGB, between the two share-weighted average
/// colours. Two different quantisers of the same pixels land a few units apart;
/// swapping red and blue moves it by over 80 on both corpus photos.
const MAX_AVERAGE_DISTANCE: f64 = 12.0;

fn rgb(hex: &str) -> [f64; 3] {
    let channel = |i: usize| f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap());
    [channel(0), channel(1), channel(2)]
}

fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt()
}

fn pixel_options() -> Options {
    Options::of(AnalysisKind::Colors | AnalysisKind::Phash | AnalysisKind::Faces)
}

/// The share-weighted average colour of what `colors` reported.
fn average_colour(analysis: &Analysis) -> [f64; 3] {
    let colors = &analysis
        .colors
        .as_ref()
        .expect("colors were asked for")
        .colors;
    average(colors.iter().map(|c| (c.hex.as_str(), c.percent.value())))
}

/// The average colour of a palette, each colour weighted by its share.
fn average<'a>(shares: impl Iterator<Item = (&'a str, f64)>) -> [f64; 3] {
    let (mut sum, mut weight) = ([0.0; 3], 0.0);
    for (hex, percent) in shares {
        let color = rgb(hex);
        for (total, channel) in sum.iter_mut().zip(color) {
            *total += channel * percent;
        }
        weight += percent;
    }
    sum.map(|total| total / weight)
}

#[test]
fn heic_photos_decode_in_their_displayed_frame_with_the_colours_another_decoder_sees() {
    let files = corpus_support::files_with_prefix("heic_");
    assert!(!files.is_empty(), "the corpus has HEIC photos");
    for name in files {
        let expected: Value = corpus_support::expected(&name);
        let analysis = analyze(&corpus_support::read_file(&name), &pixel_options())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (u64::from(analysis.width), u64::from(analysis.height)),
            (
                expected["display_width"].as_u64().unwrap(),
                expected["display_height"].as_u64().unwrap()
            ),
            "{name}"
        );
        assert!(
            analysis.phash.is_some() && analysis.faces.is_some(),
            "{name}"
        );

        let ours = average_colour(&analysis);
        let oracle = expected["colors_oracle"]["colors"].as_array().unwrap();
        let theirs = average(
            oracle
                .iter()
                .map(|c| (c["hex"].as_str().unwrap(), c["percent"].as_f64().unwrap())),
        );
        let gap = distance(ours, theirs);
        println!("{name}: average colour {ours:.0?}, oracle {theirs:.0?}, distance {gap:.1}");
        assert!(
            gap <= MAX_AVERAGE_DISTANCE,
            "{name}: {ours:?} vs {theirs:?}"
        );
    }
}

#[test]
fn an_avif_made_from_a_corpus_photo_reads_like_the_photo() {
    let name = "jpeg_plain_jfif_2352x1568.jpg";
    let source = corpus_support::corpus_dir().join(name);
    let avif = std::env::temp_dir().join(format!("assay-heif-test-{}.avif", std::process::id()));
    let status = Command::new("avifenc")
        .args(["--speed", "9", "--min", "10", "--max", "30"])
        .arg(&source)
        .arg(&avif)
        .output()
        .expect("avifenc runs (scripts/setup.sh installs libavif-bin)");
    assert!(status.status.success(), "avifenc: {status:?}");
    let bytes = std::fs::read(&avif).expect("avifenc wrote its output");
    std::fs::remove_file(&avif).ok();

    let original = analyze(&corpus_support::read_file(name), &pixel_options()).unwrap();
    let decoded = analyze(&bytes, &pixel_options()).unwrap();
    assert_eq!(decoded.format, Format::Avif);
    assert_eq!(
        (decoded.width, decoded.height),
        (original.width, original.height)
    );
    let colour_gap = distance(average_colour(&decoded), average_colour(&original));
    let phash_gap = decoded.phash.unwrap().distance(original.phash.unwrap());
    println!("{name} as AVIF: average colour {colour_gap:.1} apart, pHash distance {phash_gap}");
    assert!(colour_gap <= MAX_AVERAGE_DISTANCE, "{colour_gap}");
    // Re-encoding keeps a near-duplicate: well inside the distance that
    // separates same-source from different-source pairs (tests/phash_auc.rs).
    assert!(phash_gap <= 6, "{phash_gap}");
}

/// `irot` (quarter turns anticlockwise) and `imir` (0: top-to-bottom, 1:
/// left-to-right) follow the contract's geometry rule: a viewer shows the
/// picture turned and mirrored, so width and height swap on odd turns, and
/// the pixels are the picture as shown (checked against ImageMagick turning
/// and mirroring the source the same way, in the order HEIF applies them).
#[test]
fn avif_rotation_and_mirroring_follow_the_displayed_frame() {
    let dir = std::env::temp_dir().join(format!("assay-heif-irot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = corpus_support::corpus_dir().join("exif_canon_40d.jpg");
    let run = |args: &[&str]| {
        let output = Command::new(args[0])
            .args(&args[1..])
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", args[0]));
        assert!(output.status.success(), "{args:?}: {output:?}");
    };
    run(&[
        "convert",
        source.to_str().unwrap(),
        "-resize",
        "240x160!",
        "-strip",
        "base.png",
    ]);
    for (irot, imir, shown_as) in [
        (Some("1"), None, &["-rotate", "-90"][..]),
        (Some("2"), None, &["-rotate", "180"][..]),
        (Some("3"), None, &["-rotate", "90"][..]),
        (None, Some("0"), &["-flip"][..]),
        (None, Some("1"), &["-flop"][..]),
        (Some("1"), Some("1"), &["-rotate", "-90", "-flop"][..]),
    ] {
        let mut encode = vec!["avifenc", "--speed", "9", "--min", "0", "--max", "10"];
        if let Some(angle) = irot {
            encode.extend(["--irot", angle]);
        }
        if let Some(axis) = imir {
            encode.extend(["--imir", axis]);
        }
        encode.extend(["base.png", "out.avif"]);
        run(&encode);
        let mut show = vec!["convert", "base.png"];
        show.extend(shown_as);
        show.push("shown.png");
        run(&show);

        let what = format!("irot {irot:?}, imir {imir:?}");
        let avif = analyze(
            &std::fs::read(dir.join("out.avif")).unwrap(),
            &pixel_options(),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        let shown = analyze(
            &std::fs::read(dir.join("shown.png")).unwrap(),
            &pixel_options(),
        )
        .unwrap();
        assert_eq!(
            (avif.width, avif.height),
            (shown.width, shown.height),
            "{what}"
        );
        let gap = avif.phash.unwrap().distance(shown.phash.unwrap());
        assert!(
            gap <= 6,
            "{what}: pHash {gap} bits from the picture as shown"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
