//! One image, one answer: every analysis returns byte-identical JSON whether
//! it is asked for alone or together with every other analysis, for every
//! file of the corpus. (Each reads a canonical input made from the file
//! alone; before, pHash, colors and faces read whatever decode scale the
//! combination of requested analyses chose.)

mod corpus_support;

use extract::{analyze, AnalysisKind, AnalysisKinds, Options};
use serde_json::Value;

/// The top-level keys of an analysis's answer, for the analyses compared
/// here over the whole corpus; the others (each costly on large photos) are
/// compared alone and with all the others in `analyses_corpus.rs`. A `match`,
/// so that a new analysis must be placed on one side or the other.
fn answer_keys(kind: AnalysisKind) -> Option<&'static [&'static str]> {
    match kind {
        AnalysisKind::Phash => Some(&["phash"]),
        AnalysisKind::Colors => Some(&[
            "colors",
            "predominant",
            "color_histogram",
            "illustration_score",
            "semi_transparent",
            "grayscale",
        ]),
        AnalysisKind::Faces => Some(&["faces", "coordinates"]),
        AnalysisKind::Ocr => Some(&["info"]),
        AnalysisKind::MediaMetadata => Some(&["media_metadata"]),
        AnalysisKind::Blurhash => Some(&["blurhash"]),
        AnalysisKind::Thumbhash => Some(&["thumbhash"]),
        AnalysisKind::AverageColor => Some(&["average_color"]),
        AnalysisKind::MimeType => Some(&["mime_type"]),
        AnalysisKind::Quality | AnalysisKind::Accessibility | AnalysisKind::Cinemagraph => None,
    }
}

/// Present in every answer, whatever is asked.
const BASIC_FACTS: &[&str] = &["width", "height", "format", "bytes", "etag", "pages"];

/// `keys` of the analysis's JSON, each serialised on its own (absent keys as `null`).
fn fragments(answer: &Value, keys: &[&str]) -> Vec<(String, String)> {
    keys.iter()
        .map(|key| {
            let value = answer.get(*key).unwrap_or(&Value::Null);
            (key.to_string(), serde_json::to_string(value).expect("JSON"))
        })
        .collect()
}

fn answer(bytes: &[u8], options: &Options) -> Result<Value, String> {
    analyze(bytes, options)
        .map(|analysis| serde_json::to_value(&analysis).expect("serialises"))
        .map_err(|e| e.to_string())
}

#[test]
fn every_analysis_answers_the_same_alone_and_with_all_the_others() {
    let mut compared = 0;
    for name in corpus_support::files_with_prefix("") {
        if name.ends_with(".md") || name.ends_with(".py") || name.ends_with(".json") {
            continue;
        }
        let path = corpus_support::corpus_dir().join(&name);
        if !path.is_file() {
            continue;
        }
        // OCR always reads the full-size decode; it is compared on the text
        // scans and one photo, where it finds something, to keep this fast.
        let with_ocr = name.starts_with("text_") || name == "jpeg_plain_jfif_2352x1568.jpg";
        let analyses: Vec<(AnalysisKind, &[&str])> = AnalysisKinds::all()
            .iter()
            .filter(|kind| with_ocr || *kind != AnalysisKind::Ocr)
            .filter_map(|kind| Some((kind, answer_keys(kind)?)))
            .collect();
        let all: AnalysisKinds = analyses.iter().map(|(kind, _)| *kind).collect();
        let bytes = corpus_support::read_file(&name);
        let together = answer(&bytes, &Options::of(all));
        for (kind, keys) in analyses {
            let analysis = kind.parameter();
            let alone = answer(&bytes, &Options::of(kind));
            match (&together, &alone) {
                (Ok(together), Ok(alone)) => {
                    assert_eq!(
                        fragments(alone, keys),
                        fragments(together, keys),
                        "{name}: {analysis} alone differs from {analysis} with all the others"
                    );
                    assert_eq!(
                        fragments(alone, BASIC_FACTS),
                        fragments(together, BASIC_FACTS),
                        "{name}: basic facts differ with {analysis} alone"
                    );
                    compared += 1;
                }
                // A file refused whatever is asked (corrupt, over a limit) is
                // refused for the same reason alone; a pixel analysis on
                // pixels this build cannot decode is refused by its own name.
                (Err(together), Err(alone)) => {
                    if !alone.contains("not available") {
                        assert_eq!(alone, together, "{name}: {analysis} alone")
                    }
                }
                // A format whose pixels this build cannot decode answers the
                // basic facts and metadata, and refuses only pixel analyses.
                (Err(together), Ok(_)) => assert!(
                    together.contains("not available") && !kind.reads_pixels(),
                    "{name}: refused with all ({together}) but {analysis} alone answers"
                ),
                (Ok(_), Err(alone)) => {
                    panic!("{name}: {analysis} alone is refused ({alone}), with all it answers")
                }
            }
        }
    }
    assert!(compared >= 150, "only {compared} comparisons were made");
}
