//! Quality, accessibility and cinemagraph analysis on corpus files and on
//! variants of them made at test time: the scores move the way the picture
//! does, and a file's answer does not depend on what else was asked for.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use extract::AnalysisKind;
use extract::{analyze, Options};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

const PHOTOS: &[&str] = &[
    "jpeg_plain_jfif_2352x1568.jpg",
    "face_pillow_hopper.jpg",
    "exif_canon_40d.jpg",
];

fn quality_of(bytes: &[u8]) -> serde_json::Value {
    let options = Options::of(AnalysisKind::Quality);
    let analysis = analyze(bytes, &options).expect("analyses");
    serde_json::to_value(analysis.quality.expect("quality requested")).unwrap()
}

fn png(image: &DynamicImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, ImageFormat::Png).unwrap();
    bytes.into_inner()
}

fn jpeg(image: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&image.to_rgb8())
        .unwrap();
    bytes
}

fn photo(name: &str) -> DynamicImage {
    image::load_from_memory(&corpus_support::read_file(name)).expect("corpus photo decodes")
}

#[test]
fn focus_falls_as_gaussian_blur_grows() {
    for name in PHOTOS {
        let original = photo(name);
        let focus: Vec<f64> = [0.0f32, 1.5, 4.0]
            .iter()
            .map(|&sigma| {
                let blurred = if sigma == 0.0 {
                    original.clone()
                } else {
                    original.blur(sigma)
                };
                quality_of(&png(&blurred))["quality_analysis"]["focus"]
                    .as_f64()
                    .unwrap()
            })
            .collect();
        assert!(
            focus[0] > focus[1] && focus[1] > focus[2],
            "{name}: focus at sigma 0, 1.5, 4 = {focus:?}"
        );
    }
}

#[test]
fn jpeg_quality_rises_with_the_encoder_quality() {
    let original = photo("face_pillow_hopper.jpg");
    let scores: Vec<(f64, f64)> = [30u8, 50, 70, 90]
        .iter()
        .map(|&q| {
            let report = quality_of(&jpeg(&original, q));
            let analysis = &report["quality_analysis"];
            (
                analysis["jpeg_quality"].as_f64().unwrap(),
                analysis["jpeg_chroma"].as_f64().unwrap(),
            )
        })
        .collect();
    for pair in scores.windows(2) {
        assert!(
            pair[0].0 < pair[1].0,
            "jpeg_quality at q30..q90: {scores:?}"
        );
    }
    assert!((scores[0].0 - 0.3).abs() < 0.02, "{scores:?}");
    // The `image` crate's encoder keeps full chroma (4:4:4, every
    // component sampled 1x1): a chroma share of 1.
    assert!(scores.iter().all(|s| s.1 == 1.0), "{scores:?}");
}

#[test]
fn jpeg_scores_only_for_jpeg_originals() {
    let bytes = png(&photo("face_pillow_hopper.jpg"));
    let report = quality_of(&bytes);
    let analysis = report["quality_analysis"].as_object().unwrap();
    assert!(!analysis.contains_key("jpeg_quality") && !analysis.contains_key("jpeg_chroma"));
    for key in [
        "focus",
        "noise",
        "contrast",
        "exposure",
        "saturation",
        "lighting",
    ] {
        assert!(analysis.contains_key(key), "{key} missing: {analysis:?}");
    }
    assert!(report["quality_score"].is_f64());
}

#[test]
fn an_analysis_does_not_depend_on_the_other_options() {
    for name in [
        "jpeg_plain_jfif_2352x1568.jpg",
        "orient_portrait_6.jpg",
        "gif_anim_iss634.gif",
    ] {
        let bytes = corpus_support::read_file(name);
        let alone = |options: Options| {
            let analysis = analyze(&bytes, &options).unwrap();
            serde_json::to_value((
                analysis.quality,
                analysis.accessibility_analysis,
                analysis.cinemagraph_analysis,
            ))
            .unwrap()
        };
        let only = alone(Options {
            analyses: AnalysisKind::Quality
                | AnalysisKind::Accessibility
                | AnalysisKind::Cinemagraph,
            ..Options::default()
        });
        let with_everything = alone(Options {
            analyses: AnalysisKind::Quality
                | AnalysisKind::Accessibility
                | AnalysisKind::Cinemagraph
                | AnalysisKind::Colors
                | AnalysisKind::Phash
                | AnalysisKind::Faces
                | AnalysisKind::MediaMetadata,
            ..Options::default()
        });
        assert_eq!(only, with_everything, "{name}");
    }
}

#[test]
fn red_green_pictures_are_less_accessible_than_blue_yellow_ones() {
    // Discs on a background, in pairs of hues of like lightness.
    let picture = |fg: [u8; 3], bg: [u8; 3]| {
        DynamicImage::ImageRgb8(RgbImage::from_fn(200, 150, |x, y| {
            let (cx, cy) = ((x % 50) as i32 - 25, (y % 50) as i32 - 25);
            Rgb(if cx * cx + cy * cy < 15 * 15 { fg } else { bg })
        }))
    };
    let score = |image: &DynamicImage| {
        let options = Options::of(AnalysisKind::Accessibility);
        analyze(&png(image), &options)
            .unwrap()
            .accessibility_analysis
            .unwrap()
            .colorblind_accessibility_score
    };
    let red_green = score(&picture([190, 70, 60], [90, 140, 60]));
    let blue_yellow = score(&picture([60, 80, 200], [220, 200, 60]));
    assert!(
        red_green < blue_yellow,
        "red/green {red_green}, blue/yellow {blue_yellow}"
    );
}

#[test]
fn corpus_stills_are_not_cinemagraphs_and_animations_are_scored() {
    let score = |name: &str| {
        let options = Options::of(AnalysisKind::Cinemagraph);
        analyze(&corpus_support::read_file(name), &options)
            .unwrap()
            .cinemagraph_analysis
            .unwrap()
            .cinemagraph_score
    };
    for still in [
        "face_pillow_hopper.jpg",
        "png_exiftool_tiny.png",
        "webp_photo1.webp",
        "tiff_multipage_5p.tif",
    ] {
        assert_eq!(score(still), 0.0, "{still}");
    }
    for animation in [
        "gif_anim_iss634.gif",
        "apng_anim_iss634.png",
        "webp_anim_lossy.webp",
    ] {
        let s = score(animation);
        assert!((0.0..=1.0).contains(&s), "{animation}: {s}");
    }
}
