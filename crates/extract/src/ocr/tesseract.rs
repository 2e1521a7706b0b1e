//! Tesseract (Debian's libtesseract, through the `tesseract` bindings): a pool
//! of initialised engines, and the TSV output turned into [`RecognizedPage`].
//!
//! Why the library and not the CLI: loading a language model costs 60-80 ms,
//! which a pooled engine pays once; TSV gives words with boxes, confidence and
//! their block/paragraph/line in one pass.

use std::sync::Mutex;

use image::GrayImage;
use tesseract::{PageSegMode, Tesseract};

use super::shape::{PixelBox, RecognizedPage, RecognizedWord};

/// Idle engines kept per process: one per core is all that can run at once.
const MAX_IDLE_ENGINES: usize = 4;

/// Words the engine is less sure of than this (0..=100) are dropped: on
/// photographs Tesseract reads texture as strings of low-confidence "words",
/// while printed text it reads correctly scores far above this.
const MIN_WORD_CONFIDENCE: f32 = 30.0;

/// Initialised engines waiting for work, with the language each one loaded.
static IDLE: Mutex<Vec<(String, Tesseract)>> = Mutex::new(Vec::new());

/// Reads `image` in `language` (Tesseract codes, e.g. `eng` or `eng+deu`).
/// Boxes are in `image` pixels. Errors are this analysis's only.
pub fn read(image: &GrayImage, language: &str) -> Result<RecognizedPage, String> {
    let width = i32::try_from(image.width()).map_err(|_| "image too wide for OCR")?;
    let height = i32::try_from(image.height()).map_err(|_| "image too tall for OCR")?;
    let engine = take_engine(language)?;
    let mut engine = engine
        .set_frame(image.as_raw(), width, height, 1, width)
        .map_err(|e| format!("tesseract rejected the image: {e}"))?
        .recognize()
        .map_err(|e| format!("tesseract failed to recognise the image: {e}"))?;
    let tsv = engine
        .get_tsv_text(0)
        .map_err(|e| format!("tesseract gave no result: {e}"))?;
    give_back(language, engine);
    Ok(RecognizedPage {
        width: image.width(),
        height: image.height(),
        words: parse_tsv(&tsv),
    })
}

fn take_engine(language: &str) -> Result<Tesseract, String> {
    let idle = {
        let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let found = idle.iter().position(|(lang, _)| lang == language);
        found.map(|i| idle.swap_remove(i).1)
    };
    match idle {
        Some(engine) => Ok(engine),
        None => new_engine(language),
    }
}

fn give_back(language: &str, engine: Tesseract) {
    let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if idle.len() < MAX_IDLE_ENGINES {
        idle.push((language.to_owned(), engine));
    }
}

fn new_engine(language: &str) -> Result<Tesseract, String> {
    let mut engine = Tesseract::new(None, Some(language))
        .map_err(|e| format!("tesseract could not load language {language:?}: {e}"))?
        // Its diagnostics ("Estimating resolution as ...") would go to the
        // service's stderr on every call.
        .set_variable("debug_file", "/dev/null")
        .map_err(|e| format!("tesseract setup failed: {e}"))?;
    // Automatic layout with orientation and script detection (needs
    // `osd.traineddata`, Debian package tesseract-ocr-osd): a page scanned
    // sideways is read in its own orientation, and boxes stay in the pixels
    // of the image we passed in.
    engine.set_page_seg_mode(PageSegMode::PsmAutoOsd);
    Ok(engine)
}

/// TSV columns: level page block par line word left top width height conf text.
/// Only level-5 rows (words) with visible text and enough confidence are kept.
fn parse_tsv(tsv: &str) -> Vec<RecognizedWord> {
    tsv.lines()
        .filter_map(parse_word_row)
        .filter(|w| w.confidence >= MIN_WORD_CONFIDENCE)
        .collect()
}

fn parse_word_row(row: &str) -> Option<RecognizedWord> {
    let mut fields = row.splitn(12, '\t');
    let mut next_number = || fields.next()?.trim().parse::<u32>().ok();
    let level = next_number()?;
    if level != 5 {
        return None;
    }
    let _page = next_number()?;
    let (block, paragraph, line, _word) = (
        next_number()?,
        next_number()?,
        next_number()?,
        next_number()?,
    );
    let bounds = PixelBox {
        left: next_number()?,
        top: next_number()?,
        width: next_number()?,
        height: next_number()?,
    };
    let confidence = fields.next()?.trim().parse::<f32>().ok()?;
    let text = fields.next()?.trim();
    (!text.is_empty()).then(|| RecognizedWord {
        block,
        paragraph,
        line,
        text: text.to_owned(),
        bounds,
        confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_rows_become_words_with_their_layout() {
        let tsv = "1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t\n\
                   4\t1\t2\t1\t3\t0\t36\t92\t582\t28\t-1\t\n\
                   5\t1\t2\t1\t3\t1\t36\t92\t60\t24\t96.5\tThis\n\
                   5\t1\t2\t1\t3\t2\t100\t92\t20\t24\t12.0\tjunk\n\
                   5\t1\t2\t1\t3\t3\t130\t92\t20\t24\t95.0\t \n";
        let words = parse_tsv(tsv);
        assert_eq!(
            words,
            [RecognizedWord {
                block: 2,
                paragraph: 1,
                line: 3,
                text: "This".to_owned(),
                bounds: PixelBox {
                    left: 36,
                    top: 92,
                    width: 60,
                    height: 24
                },
                confidence: 96.5,
            }]
        );
    }

    #[test]
    fn an_unknown_language_is_an_error_not_a_panic() {
        let image = GrayImage::new(50, 20);
        let error = read(&image, "xx_not_installed").unwrap_err();
        assert!(error.contains("xx_not_installed"), "{error}");
    }
}
