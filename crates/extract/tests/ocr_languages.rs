//! `adv_ocr:<lang>` reads text in that language as well as the `tesseract
//! -l <code>` command does, and reading it as English does not.
//!
//! No real non-English scan ships with the corpus, so one page per script
//! family is rendered at test time by ImageMagick with Debian's DejaVu fonts
//! (installed by `scripts/setup.sh`), and the command is the reference: the
//! words it reads on the page are the words to recover.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use extract::ocr::{AdvOcr, OcrOptions, OcrStatus};
use test_support::words::word_recall;

/// Share of the command's words the analysis must recover in the right language.
const MIN_RECALL_OF_COMMAND: f64 = 0.9;

struct Sample {
    tag: &'static str,
    traineddata: &'static str,
    text: &'static str,
}

/// Latin with diacritics, and Cyrillic: text an English model misreads.
const SAMPLES: &[Sample] = &[
    Sample {
        tag: "de",
        traineddata: "deu",
        text: "Über die Brücke gehen fünf müde Mädchen.\n\
               Größere Bäume wachsen schön hinter dem Häuschen.\n\
               Die Straße führt zu einer großen Kirche.\n\
               Äpfel und Käse kosten überall gleich viel.",
    },
    Sample {
        tag: "ru",
        traineddata: "rus",
        text: "Широкая река течёт через старый город.\n\
               Дети читают интересные книги в библиотеке.\n\
               Вечером мы пьём горячий чай с вареньем.\n\
               Зимой в деревне очень холодно и тихо.",
    },
];

/// Renders `text` as a page: black DejaVu Sans on white, about 12 pt at 300 dpi.
fn render_page(text: &str, path: &Path) {
    let status = Command::new("convert")
        .args([
            "-background",
            "white",
            "-fill",
            "black",
            "-font",
            "DejaVu-Sans",
            "-pointsize",
            "44",
            "-bordercolor",
            "white",
            "-border",
            "80",
        ])
        .arg(format!("label:{text}"))
        .arg(path)
        .status()
        .expect("ImageMagick's `convert` runs (scripts/setup.sh installs it)");
    assert!(status.success(), "convert failed");
}

/// Words of `tesseract <page> - -l <code>`.
fn command_words(page: &Path, traineddata: &str) -> Vec<String> {
    let output = Command::new("tesseract")
        .arg(page)
        .args(["-", "-l", traineddata])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .expect("the tesseract command runs");
    assert!(output.status.success(), "tesseract -l {traineddata} failed");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn read(page: &[u8], ocr: &str) -> AdvOcr {
    let options = extract::Options {
        ocr: Some(OcrOptions::parse(ocr).unwrap()),
        ..Default::default()
    };
    let adv_ocr = extract::analyze(page, &options)
        .unwrap()
        .info
        .expect("`info` is present")
        .ocr
        .adv_ocr;
    assert_eq!(adv_ocr.status, OcrStatus::Complete, "{:?}", adv_ocr.message);
    adv_ocr
}

/// Share of `reference`'s words (with repetition) found among `found`'s.
fn recall(reference: &[String], found: &AdvOcr) -> f64 {
    let (matched, expected) = word_recall(
        reference.iter().map(String::as_str),
        found.data[0].text_annotations[1..]
            .iter()
            .map(|a| a.description.as_str()),
    );
    matched as f64 / expected as f64
}

#[test]
fn each_language_is_read_as_well_as_the_tesseract_command_and_not_as_english() {
    let dir = std::env::temp_dir().join(format!("assay-ocr-languages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for sample in SAMPLES {
        let path = dir.join(format!("{}.png", sample.tag));
        render_page(sample.text, &path);
        let reference = command_words(&path, sample.traineddata);
        assert!(
            reference.len() >= 20,
            "{}: the command read only {reference:?}",
            sample.tag
        );
        let page = std::fs::read(&path).unwrap();

        let in_language = read(&page, &format!("adv_ocr:{}", sample.tag));
        assert_eq!(
            in_language.data[0].text_annotations[0].locale.as_deref(),
            Some(sample.tag)
        );
        let as_english = read(&page, "adv_ocr:en");
        let (right, english) = (
            recall(&reference, &in_language),
            recall(&reference, &as_english),
        );
        println!(
            "{}: recall of `tesseract -l {}`'s {} words: adv_ocr:{} {right:.3}, adv_ocr:en {english:.3}",
            sample.tag,
            sample.traineddata,
            reference.len(),
            sample.tag
        );
        assert!(
            right >= MIN_RECALL_OF_COMMAND,
            "{}: {right:.3} < {MIN_RECALL_OF_COMMAND}",
            sample.tag
        );
        assert!(
            english < MIN_RECALL_OF_COMMAND,
            "{}: read as English still recovers {english:.3}",
            sample.tag
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
