//! OCR on the real `text_*` scans of the shared corpus, scored by word recall
//! against their ground-truth transcriptions (`text_ground_truth.text`): the
//! share of transcribed words (case-insensitive, punctuation stripped, counted
//! with repetition) that come back among the recognised words.

mod corpus_support;

use extract::ocr::{AdvOcr, OcrOptions, OcrStatus};
use test_support::words;

/// Every `text_*` file is clean printed text (one is the same page turned 90°).
const MIN_WORD_RECALL: f64 = 0.9;

/// Through the whole analysis, so decoding, Exif orientation and scaling to
/// the displayed frame are covered too.
fn recognize(name: &str) -> AdvOcr {
    let options = extract::Options {
        analyses: extract::AnalysisKind::Ocr.into(),
        ocr: OcrOptions::default(),
        ..Default::default()
    };
    let analysis = extract::analyze(&corpus_support::read_file(name), &options)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    analysis
        .info
        .unwrap_or_else(|| panic!("{name}: no `info`"))
        .ocr
        .adv_ocr
}

fn word_recall(expected_text: &str, found: &AdvOcr) -> (usize, usize) {
    let found = found.data[0].text_annotations.iter().skip(1);
    words::word_recall(
        expected_text.split_whitespace(),
        found.map(|a| a.description.as_str()),
    )
}

#[test]
fn printed_text_is_read_word_for_word() {
    let (mut matched_all, mut expected_all) = (0, 0);
    for name in corpus_support::files_with_prefix("text_") {
        let truth = corpus_support::expected(&name)["text_ground_truth"]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no text_ground_truth.text"))
            .to_owned();
        let ocr = recognize(&name);
        assert_eq!(ocr.status, OcrStatus::Complete, "{name}: {:?}", ocr.message);
        let (matched, expected) = word_recall(&truth, &ocr);
        let recall = matched as f64 / expected as f64;
        println!("{name}: word recall {recall:.3} ({matched} of {expected} words)");
        assert!(
            recall >= MIN_WORD_RECALL,
            "{name}: word recall {recall:.3} < {MIN_WORD_RECALL}"
        );
        matched_all += matched;
        expected_all += expected;
    }
    println!(
        "overall word recall {:.3} ({matched_all} of {expected_all})",
        matched_all as f64 / expected_all as f64
    );
}

#[test]
fn word_boxes_lie_inside_the_displayed_image() {
    let name = "text_phototest_rotated_L.png";
    let expected = corpus_support::expected(name);
    let (width, height) = (
        expected["display_width"].as_u64().unwrap(),
        expected["display_height"].as_u64().unwrap(),
    );
    let ocr = recognize(name);
    let data = &ocr.data[0];
    assert!(data.text_annotations.len() > 1, "no words read");
    for annotation in &data.text_annotations {
        for v in annotation.bounding_poly.vertices {
            assert!(
                u64::from(v.x) <= width && u64::from(v.y) <= height,
                "{annotation:?} outside {width}x{height}"
            );
        }
    }
    // The page is turned 90°: its text lines run down the image, so words are taller than wide.
    let tall = data.text_annotations[1..]
        .iter()
        .filter(|a| {
            let [top_left, _, bottom_right, _] = a.bounding_poly.vertices;
            bottom_right.y - top_left.y > bottom_right.x - top_left.x
        })
        .count();
    assert!(
        tall * 2 > data.text_annotations.len() - 1,
        "words are not laid out sideways"
    );
}

#[test]
fn a_photo_without_text_gives_no_words() {
    let ocr = recognize("face_pillow_hopper.jpg");
    assert_eq!(ocr.status, OcrStatus::Complete, "{:?}", ocr.message);
    assert!(
        ocr.data[0].text_annotations.is_empty(),
        "{:?}",
        ocr.data[0].text_annotations
    );
}

/// An engine failure is this analysis's only: the other fields still come back.
#[test]
fn an_ocr_failure_leaves_the_rest_of_the_analysis_intact() {
    let name = "face_fr_two_people.jpg";
    let options = extract::Options {
        analyses: extract::AnalysisKind::Ocr | extract::AnalysisKind::Faces,
        // No time to read: the engine gives up at once.
        ocr: OcrOptions {
            page_deadline: std::time::Duration::ZERO,
            ..OcrOptions::default()
        },
        ..Default::default()
    };
    let analysis = extract::analyze(&corpus_support::read_file(name), &options)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let wire = serde_json::to_value(&analysis.info).unwrap();
    let ocr = analysis.info.expect("`info` is present").ocr.adv_ocr;
    assert_eq!(ocr.status, OcrStatus::Failed);
    assert!(
        ocr.message
            .as_deref()
            .unwrap_or_default()
            .contains("gave up"),
        "{:?}",
        ocr.message
    );
    assert_eq!(wire["ocr"]["adv_ocr"]["status"], "failed");
    assert!(wire["ocr"]["adv_ocr"]["data"].is_string(), "{wire}");
    assert!(!analysis.faces.expect("`faces` is present").is_empty());
}
