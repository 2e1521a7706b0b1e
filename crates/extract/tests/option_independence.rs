//! One image, one answer: every analysis returns byte-identical JSON whether
//! it is asked for alone or together with every other analysis, for every
//! file of the corpus. (Each reads a canonical input made from the file
//! alone; before, pHash, colors and faces read whatever decode scale the
//! combination of requested analyses chose.)

mod corpus_support;

use extract::ocr::OcrOptions;
use extract::{analyze, Options};
use serde_json::Value;

/// Each analysis by the `Options` field that asks for it and the top-level
/// keys of its answer.
const ANALYSES: &[(&str, &[&str])] = &[
    ("phash", &["phash"]),
    (
        "colors",
        &[
            "colors",
            "predominant",
            "color_histogram",
            "illustration_score",
            "semi_transparent",
            "grayscale",
        ],
    ),
    ("faces", &["faces", "coordinates"]),
    ("ocr", &["info"]),
    ("media_metadata", &["media_metadata"]),
];

/// Present in every answer, whatever is asked.
const BASIC_FACTS: &[&str] = &["width", "height", "format", "bytes", "etag", "pages"];

fn options_for(names: &[&str]) -> Options {
    let wants = |name: &str| names.contains(&name);
    Options {
        phash: wants("phash"),
        colors: wants("colors"),
        faces: wants("faces"),
        ocr: wants("ocr").then(OcrOptions::default),
        media_metadata: wants("media_metadata"),
        ..Options::default()
    }
}

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
        let analyses: Vec<_> = ANALYSES
            .iter()
            .filter(|(analysis, _)| with_ocr || *analysis != "ocr")
            .collect();
        let all_names: Vec<&str> = analyses.iter().map(|(name, _)| *name).collect();
        let bytes = corpus_support::read_file(&name);
        let together = answer(&bytes, &options_for(&all_names));
        for (analysis, keys) in analyses {
            let alone = answer(&bytes, &options_for(&[analysis]));
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
                    together.contains("not available") && *analysis == "media_metadata",
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
