//! Text recognition (OCR) in the `info.ocr.adv_ocr` shape of the wire spec.
//!
//! `shape` is the wire format (Google Vision's layout, as Cloudinary's OCR
//! add-on returns it); `tesseract` is the engine. An engine failure is
//! reported inside [`AdvOcr`] (`status: "failed"`), so the upload still
//! succeeds with its other fields.

// Without the engine, the page-to-wire code has no caller but stays compiled.
#![cfg_attr(not(feature = "ocr"), allow(dead_code))]

mod shape;
#[cfg(feature = "ocr")]
// The one place extract calls C: libtesseract's C API, through raw handles
// whose lifetimes the module's types own (its comments give each call's safety
// argument). No maintained safe binding covers the TSV/monitor calls we use.
#[allow(unsafe_code)]
mod tesseract;

use image::DynamicImage;

pub use shape::{
    AdvOcr, Block, BoundingPoly, FullTextAnnotation, Line, OcrData, OcrStatus, Page, Paragraph,
    Symbol, TextAnnotation, Vertex, Word,
};

/// OCR settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrOptions {
    /// Tesseract language code(s), for example `eng` or `eng+deu`.
    pub language: String,
}

impl Default for OcrOptions {
    fn default() -> Self {
        Self {
            language: "eng".to_owned(),
        }
    }
}

/// Pixels the engine reads at most. Tesseract is built for body text at about
/// 300 dpi, and a letter or A4 page at 300 dpi is ~8.7 MP: more pixels add no
/// accuracy, only time (a 12 MP photo read at full size took 40-57 s here).
/// Larger images are shrunk to this before reading.
const MAX_OCR_PIXELS: u64 = 8_700_000;

/// Recognises text in `image` (displayed orientation). `scale` multiplies
/// coordinates found in `image` to reach displayed-frame pixels. A failure of
/// the engine is reported inside the result (`status: "failed"`), never as an
/// error of the whole analysis.
pub fn recognize(image: &DynamicImage, scale: f64, options: &OcrOptions) -> AdvOcr {
    if let Err(message) = check_language(&options.language) {
        return AdvOcr::failed(message);
    }
    run(image, scale, options)
}

#[cfg(feature = "ocr")]
fn run(image: &DynamicImage, scale: f64, options: &OcrOptions) -> AdvOcr {
    if image.width() == 0 || image.height() == 0 {
        return AdvOcr::failed("empty image");
    }
    let (gray, shrink) = working_copy(image);
    match tesseract::read(&gray, &options.language) {
        Ok(page) => AdvOcr::complete(shape::to_wire(
            &page,
            scale * shrink,
            &locale(&options.language),
        )),
        Err(message) => AdvOcr::failed(message),
    }
}

#[cfg(not(feature = "ocr"))]
fn run(_image: &DynamicImage, _scale: f64, _options: &OcrOptions) -> AdvOcr {
    AdvOcr::failed("this build has no OCR engine (cargo feature `ocr` is off)")
}

/// The grey image the engine reads, at most [`MAX_OCR_PIXELS`], and the
/// factor that takes its pixels back to `image`'s.
fn working_copy(image: &DynamicImage) -> (image::GrayImage, f64) {
    let pixels = u64::from(image.width()) * u64::from(image.height());
    if pixels <= MAX_OCR_PIXELS {
        return (image.to_luma8(), 1.0);
    }
    let shrink = (pixels as f64 / MAX_OCR_PIXELS as f64).sqrt();
    let w = ((f64::from(image.width()) / shrink).floor() as u32).max(1);
    let h = ((f64::from(image.height()) / shrink).floor() as u32).max(1);
    // Area averaging keeps thin strokes that point sampling would break.
    let small = image.thumbnail_exact(w, h).to_luma8();
    (small, f64::from(image.width()) / f64::from(w))
}

/// Language codes are names of model files: only letters, digits, `_` and
/// `+` (to join several) are accepted, so no path can be smuggled in.
fn check_language(language: &str) -> Result<(), String> {
    let valid = !language.is_empty()
        && language.split('+').all(|code| {
            !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "invalid OCR language {language:?}: expected Tesseract codes such as eng or eng+deu"
        ))
    }
}

/// The BCP-47 tag Vision reports for the first of Tesseract's ISO 639-2 codes
/// (`eng+deu` -> `en`); codes without a two-letter form are passed through.
fn locale(language: &str) -> String {
    let first = language.split('+').next().unwrap_or(language);
    let two_letter = match first {
        "eng" => "en",
        "deu" => "de",
        "fra" => "fr",
        "spa" => "es",
        "ita" => "it",
        "por" => "pt",
        "nld" => "nl",
        "rus" => "ru",
        "pol" => "pl",
        "swe" => "sv",
        "dan" => "da",
        "nor" => "no",
        "fin" => "fi",
        "ces" => "cs",
        "tur" => "tr",
        "ell" => "el",
        "ara" => "ar",
        "heb" => "he",
        "hin" => "hi",
        "jpn" => "ja",
        "kor" => "ko",
        "chi_sim" => "zh-Hans",
        "chi_tra" => "zh-Hant",
        other => other,
    };
    two_letter.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    #[test]
    fn languages_are_codes_not_paths() {
        assert!(check_language("eng").is_ok());
        assert!(check_language("eng+deu").is_ok());
        assert!(check_language("chi_sim").is_ok());
        for bad in ["", "eng+", "../eng", "eng deu", "eng\0"] {
            assert!(check_language(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_bad_language_fails_this_analysis_only() {
        let image = DynamicImage::ImageLuma8(GrayImage::new(10, 10));
        let result = recognize(
            &image,
            1.0,
            &OcrOptions {
                language: "../../etc/passwd".to_owned(),
            },
        );
        assert_eq!(result.status, OcrStatus::Failed);
        assert!(result.message.unwrap().contains("invalid OCR language"));
    }

    #[test]
    fn locale_is_the_two_letter_tag_of_the_first_language() {
        assert_eq!(locale("eng"), "en");
        assert_eq!(locale("deu+eng"), "de");
        assert_eq!(locale("chi_sim"), "zh-Hans");
        assert_eq!(locale("xyz"), "xyz");
    }

    #[cfg(feature = "ocr")]
    #[test]
    fn a_blank_image_is_complete_with_no_text() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(400, 300, Luma([255])));
        let result = recognize(&image, 1.0, &OcrOptions::default());
        assert_eq!(result.status, OcrStatus::Complete, "{:?}", result.message);
        assert!(result.data[0].text_annotations.is_empty());
    }

    #[cfg(feature = "ocr")]
    #[test]
    fn big_images_are_read_at_most_at_page_resolution_with_coordinates_scaled_back() {
        let image = DynamicImage::ImageLuma8(GrayImage::new(4000, 3000));
        let (gray, shrink) = working_copy(&image);
        assert!(u64::from(gray.width()) * u64::from(gray.height()) <= MAX_OCR_PIXELS);
        assert!((f64::from(gray.width()) * shrink - 4000.0).abs() < 1e-9);
    }
}
