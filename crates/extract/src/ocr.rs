//! Text recognition (OCR) in the `info.ocr.adv_ocr` shape of the wire spec.

use image::DynamicImage;
use serde::Serialize;

/// OCR settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrOptions {
    /// Tesseract language code(s), for example `eng` or `eng+deu`.
    pub language: String,
}

impl Default for OcrOptions {
    fn default() -> Self {
        Self { language: "eng".to_owned() }
    }
}

/// `info.ocr.adv_ocr`: `{"status": "complete"|"failed", "data": [...]}`.
#[derive(Debug, Clone, Serialize)]
pub struct AdvOcr {
    pub status: String,
    pub data: Vec<serde_json::Value>,
}

/// Recognises text in `image` (displayed orientation). `scale` multiplies
/// coordinates found in `image` to reach displayed-frame pixels. A failure of
/// the engine is reported inside the result (`status: "failed"`), never as an
/// error of the whole analysis.
pub fn recognize(_image: &DynamicImage, _scale: f64, _options: &OcrOptions) -> AdvOcr {
    AdvOcr { status: "failed".to_owned(), data: Vec::new() }
}
