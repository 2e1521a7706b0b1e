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
        analyses: extract::AnalysisKind::Ocr.into(),
        ocr: OcrOptions::parse(ocr).unwrap(),
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

/// Swedish words with å, ä and ö, and the page they are rendered on.
const SWEDISH_WORDS: &[&str] = &[
    "Sjön",
    "ligger",
    "stilla",
    "mörka",
    "skogen",
    "Många",
    "båtar",
    "väntar",
    "på",
    "våren",
    "Fåglarna",
    "sjunger",
    "högt",
    "över",
    "gröna",
    "ängarna",
    "Älgen",
    "går",
    "långsamt",
    "genom",
    "snön",
    "Både",
    "barn",
    "vuxna",
    "äter",
    "blåbär",
    "sommaren",
];

/// Without Debian's `tesseract-ocr-swe` (the image installs the script packs,
/// not every language's), `adv_ocr:sv` reads the page with the Latin script
/// model: the request succeeds and the words with å, ä and ö come back as
/// written.
#[test]
fn swedish_is_read_with_its_letters_even_without_its_own_pack() {
    let text = "Sjön ligger stilla i den mörka skogen.\n\
                Många båtar väntar på våren.\n\
                Fåglarna sjunger högt över de gröna ängarna.\n\
                Älgen går långsamt genom snön.\n\
                Både barn och vuxna äter blåbär på sommaren.";
    let dir = std::env::temp_dir().join(format!("assay-ocr-swedish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sv.png");
    render_page(text, &path);
    let page = std::fs::read(&path).unwrap();

    let model = extract::ocr::Language::from_tag("sv")
        .unwrap()
        .traineddata();
    println!("adv_ocr:sv reads with the model {model:?}");
    assert!(
        ["swe", "Latin", "script/Latin"].contains(&model.as_str()),
        "{model}"
    );
    let swedish = read(&page, "adv_ocr:sv");
    assert_eq!(
        swedish.data[0].text_annotations[0].locale.as_deref(),
        Some("sv")
    );
    let found: Vec<&str> = swedish.data[0].text_annotations[1..]
        .iter()
        .map(|a| {
            a.description
                .trim_matches(|c: char| c.is_ascii_punctuation())
        })
        .collect();
    let with_diacritics: Vec<&str> = SWEDISH_WORDS
        .iter()
        .copied()
        .filter(|w| w.contains(['å', 'ä', 'ö', 'Å', 'Ä', 'Ö']))
        .collect();
    let missing: Vec<&str> = with_diacritics
        .iter()
        .copied()
        .filter(|w| !found.contains(w))
        .collect();
    println!("read: {found:?}");
    assert!(
        missing.len() <= 1,
        "words with å, ä, ö not read as written: {missing:?} (read {found:?})"
    );
    let english = read(&page, "adv_ocr:en");
    let english_found: Vec<&str> = english.data[0].text_annotations[1..]
        .iter()
        .map(|a| a.description.as_str())
        .collect();
    assert!(
        with_diacritics
            .iter()
            .filter(|w| english_found.iter().any(|f| f.contains(*w)))
            .count()
            < with_diacritics.len() / 2,
        "read as English the letters survive too: {english_found:?}"
    );
    let (matched, expected) = word_recall(SWEDISH_WORDS.iter().copied(), found.iter().copied());
    assert!(
        matched as f64 / expected as f64 >= MIN_RECALL_OF_COMMAND,
        "{matched} of {expected} words read: {found:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
