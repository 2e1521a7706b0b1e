//! Text in photographs: the corpus photos that show signs, labels, packaging
//! and captions, scored by word recall against what a person reads in them
//! (`tests/expected/scene_text.json`, written down from looking at each
//! photo). `adv_ocr` sends a photo to the scene-text engine; the same photos
//! read as pages by Tesseract (`adv_ocr:document`) are printed beside it, with
//! the time each took, as the baseline.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use extract::ocr::{AdvOcr, OcrMode, OcrOptions, OcrStatus};
use test_support::words::word_recall;

/// The share of the written-down words the scene engine must recover over
/// all the photos: issue 20's goal. Measured: 0.81 with the PP-OCRv5
/// recogniser (0.79 with PP-OCRv4's; Tesseract reading the same photos as
/// pages: 0.22). What is still missed is mostly fine print: i/l and I/l
/// confused ("Batterle"), accented letters folded (ä read as a), digit groups
/// run together, and a caption on a bright sky.
const MIN_SCENE_RECALL: f64 = 0.8;

fn expected_words() -> BTreeMap<String, String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/expected/scene_text.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut all: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    all.remove("_about");
    all.into_iter()
        .map(|(name, words)| (name, words.as_str().unwrap().to_owned()))
        .collect()
}

/// Through the whole analysis: decoding and Exif orientation included.
fn read(name: &str, mode: OcrMode) -> (AdvOcr, Duration) {
    let options = extract::Options {
        analyses: extract::AnalysisKind::Ocr.into(),
        ocr: OcrOptions {
            mode,
            ..OcrOptions::default()
        },
        ..Default::default()
    };
    let bytes = corpus_support::read_file(name);
    let started = Instant::now();
    let analysis = extract::analyze(&bytes, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let elapsed = started.elapsed();
    let ocr = analysis.info.expect("info").ocr.adv_ocr;
    assert_eq!(
        ocr.status,
        OcrStatus::Complete,
        "{name} ({mode:?}): {:?}",
        ocr.message
    );
    (ocr, elapsed)
}

/// The words read, in reading order.
fn words_read(found: &AdvOcr) -> Vec<&str> {
    found.data[0]
        .text_annotations
        .iter()
        .skip(1)
        .map(|a| a.description.as_str())
        .collect()
}

/// (matched, expected), counting repeated words as often as they appear.
fn recall(expected: &str, found: &AdvOcr) -> (usize, usize) {
    word_recall(expected.split_whitespace(), words_read(found))
}

#[test]
fn words_in_photos_are_read_by_the_scene_engine_where_a_page_reader_misses_them() {
    let (mut scene_total, mut page_total, mut expected_total) = (0, 0, 0);
    for (name, words) in expected_words() {
        let (scene, scene_time) = read(&name, OcrMode::Auto);
        let (page, page_time) = read(&name, OcrMode::Document);
        let (scene_matched, expected) = recall(&words, &scene);
        let (page_matched, _) = recall(&words, &page);
        println!(
            "{name}: scene {scene_matched}/{expected} in {scene_time:.2?}, \
             tesseract page {page_matched}/{expected} in {page_time:.2?}\n  \
             scene read: {:?}",
            words_read(&scene).join(" ")
        );
        scene_total += scene_matched;
        page_total += page_matched;
        expected_total += expected;
    }
    let share = |n: usize| n as f64 / expected_total as f64;
    println!(
        "word recall over {expected_total} words: scene engine {:.3}, tesseract page {:.3}",
        share(scene_total),
        share(page_total)
    );
    assert!(
        share(scene_total) >= MIN_SCENE_RECALL,
        "scene recall {:.3} < {MIN_SCENE_RECALL}",
        share(scene_total)
    );
    assert!(
        scene_total > page_total,
        "the scene engine reads no more than tesseract"
    );
}

#[test]
fn word_boxes_of_a_rotated_photo_lie_where_the_words_are_displayed() {
    // Displayed 450x600 after its Exif rotation, with "left", "right" and
    // "bottom" printed at those edges of the displayed frame.
    let (ocr, _) = read("orient_portrait_6.jpg", OcrMode::Auto);
    let page = &ocr.data[0].full_text_annotation.pages[0];
    assert_eq!((page.width, page.height), (450, 600));
    let centre = |word: &str| {
        let annotation = ocr.data[0]
            .text_annotations
            .iter()
            .skip(1)
            .find(|a| a.description.eq_ignore_ascii_case(word))
            .unwrap_or_else(|| panic!("{word:?} not read"));
        let v = &annotation.bounding_poly.vertices;
        assert!(v.iter().all(|p| p.x <= 450 && p.y <= 600), "{word}: {v:?}");
        ((v[0].x + v[2].x) / 2, (v[0].y + v[2].y) / 2)
    };
    assert!(centre("left").0 < 100);
    assert!(centre("right").0 > 350);
    assert!(centre("bottom").1 > 500);
}

#[test]
fn a_scanned_page_is_still_read_as_a_page() {
    // The scene engine gives each detected line its own block; Tesseract
    // finds the page's paragraphs, several lines to a block.
    let (ocr, _) = read("text_phototest.tif", OcrMode::Auto);
    let blocks = &ocr.data[0].full_text_annotation.pages[0].blocks;
    assert!(
        blocks
            .iter()
            .any(|b| b.paragraphs.iter().any(|p| p.lines.len() > 1)),
        "no block of several lines: read as a scene"
    );
}
