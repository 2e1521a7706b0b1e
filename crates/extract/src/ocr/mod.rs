//! Text recognition (OCR) in the `info.ocr.adv_ocr` shape of the wire spec.
//!
//! `shape` is the wire format (Google Vision's layout, as Cloudinary's OCR
//! add-on returns it). Two engines read: `tesseract` reads pages (scans,
//! screenshots, documents), `scene` reads text in photographs (signs, labels,
//! packaging); `adv_ocr` picks one from the image, `adv_ocr:document` always
//! reads a page. An engine failure is
//! reported inside [`AdvOcr`] (`status: "failed"`), so the upload still
//! succeeds with its other fields.

// Without the engine, the page-to-wire code has no caller but stays compiled.
#![cfg_attr(not(feature = "ocr"), allow(dead_code))]

mod language;
// libtesseract and tesseract are where extract calls C: Tesseract's C API,
// opened on first use, through raw handles whose lifetimes the modules' types
// own (their comments give each call's safety argument). No maintained safe
// binding covers the TSV/monitor calls we use.
#[cfg(feature = "ocr")]
#[allow(unsafe_code)]
mod libtesseract;
mod page_like;
mod pages;
mod request;
#[cfg(feature = "ocr")]
mod scene;
mod shape;
#[cfg(feature = "ocr")]
#[allow(unsafe_code)]
mod tesseract;

use std::borrow::Cow;

use image::DynamicImage;

pub use language::Language;
pub(crate) use pages::{document_pages, largest_following_tiff_page};
pub use request::{OcrMode, OcrOptions, OcrRequestError, DEFAULT_PAGE_DEADLINE};
pub use shape::{
    AdvOcr, Block, BoundingPoly, FullTextAnnotation, Line, OcrData, OcrInfo, OcrStatus, Page,
    Paragraph, Symbol, TextAnnotation, Vertex, Word,
};
pub(crate) use shape::{PixelBox, RecognizedPage, RecognizedWord};

/// Pixels the engine reads at most. Tesseract is built for body text at about
/// 300 dpi, and a letter or A4 page at 300 dpi is ~8.7 MP: more pixels add no
/// accuracy, only time (a 12 MP photo read at full size took 40-57 s here).
/// Larger images are shrunk to this before reading.
const MAX_OCR_PIXELS: u64 = 8_700_000;

/// One page to read: its pixels, and the factor that takes them to the
/// page's displayed frame (coordinates are reported in that frame).
pub(crate) struct PageImage<'a> {
    pub image: Cow<'a, DynamicImage>,
    pub scale: f64,
}

/// What a page offers OCR: pixels to read, or text it already carries (a
/// PDF's text layer), with boxes in its displayed frame.
pub(crate) enum PageContent<'a> {
    Pixels(PageImage<'a>),
    Text(RecognizedPage),
}

/// Recognises text in `image` (displayed orientation). `scale` multiplies
/// coordinates found in `image` to reach displayed-frame pixels. A failure of
/// the engine is reported inside the result (`status: "failed"`), never as an
/// error of the whole analysis.
pub fn recognize(image: &DynamicImage, scale: f64, options: &OcrOptions) -> AdvOcr {
    recognize_pages(
        [Ok(PageContent::Pixels(PageImage {
            image: Cow::Borrowed(image),
            scale,
        }))],
        options,
    )
}

/// Recognises every page, in order: one `data` entry per page. A page that
/// cannot be had (`Err`) or read fails the whole OCR analysis, naming the page.
pub(crate) fn recognize_pages<'a>(
    pages: impl IntoIterator<Item = Result<PageContent<'a>, String>>,
    options: &OcrOptions,
) -> AdvOcr {
    let mut data = Vec::new();
    for (index, page) in pages.into_iter().enumerate() {
        let read = page.and_then(|page| match page {
            PageContent::Pixels(page) => read_page(&page.image, page.scale, options),
            PageContent::Text(text) => Ok(shape::to_wire(&text, 1.0, options.locale())),
        });
        match read {
            Ok(page) => data.push(page),
            Err(message) if index == 0 => return AdvOcr::failed(message),
            Err(message) => return AdvOcr::failed(format!("page {}: {message}", index + 1)),
        }
    }
    AdvOcr::complete_pages(data)
}

#[cfg(feature = "ocr")]
fn read_page(image: &DynamicImage, scale: f64, options: &OcrOptions) -> Result<OcrData, String> {
    if image.width() == 0 || image.height() == 0 {
        return Err("empty image".to_owned());
    }
    match engine(image, options) {
        Engine::Scene => {
            // The scene engine shrinks for detection itself and reads each
            // line from the full-size pixels.
            let page = scene::read(image, options.page_deadline)?;
            Ok(shape::to_wire(&page, scale, options.locale()))
        }
        Engine::Page => {
            let (gray, shrink) = working_copy(image);
            let languages = language::tesseract_languages(&options.languages);
            let page = tesseract::read(
                &gray,
                &languages,
                tesseract::Layout::Page,
                options.page_deadline,
            )?;
            Ok(shape::to_wire(&page, scale * shrink, options.locale()))
        }
    }
}

/// Which engine reads a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    /// Tesseract, dense-page segmentation (Vision's DOCUMENT_TEXT_DETECTION).
    Page,
    /// PP-OCR scene text (Vision's TEXT_DETECTION on photos).
    Scene,
}

/// `adv_ocr:document` always reads a page; `adv_ocr` reads a photograph with
/// the scene engine when it knows every language asked for, and anything
/// page-like (an even background covering most of it) as a page. Read as a
/// page, a photo gives texture as words; read as a scene, a dense page loses
/// its layout.
fn engine(image: &DynamicImage, options: &OcrOptions) -> Engine {
    let scene_reads_all = options.languages.iter().all(|l| l.read_in_scenes());
    match options.mode {
        OcrMode::Auto if scene_reads_all && !page_like::looks_like_page(image) => Engine::Scene,
        OcrMode::Auto | OcrMode::Document => Engine::Page,
    }
}

#[cfg(not(feature = "ocr"))]
fn read_page(_image: &DynamicImage, _scale: f64, _options: &OcrOptions) -> Result<OcrData, String> {
    Err("this build has no OCR engine (cargo feature `ocr` is off)".to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    #[cfg(feature = "ocr")]
    #[test]
    fn a_page_past_its_deadline_fails_the_analysis_naming_the_page() {
        let blank = DynamicImage::ImageLuma8(GrayImage::from_pixel(200, 100, Luma([255])));
        let page = |image| {
            Ok(PageContent::Pixels(PageImage {
                image: Cow::Borrowed(image),
                scale: 1.0,
            }))
        };
        let no_time = OcrOptions {
            page_deadline: std::time::Duration::ZERO,
            ..OcrOptions::default()
        };
        let result = recognize_pages([page(&blank), page(&blank)], &no_time);
        assert_eq!(result.status, OcrStatus::Failed);
        assert!(result.message.unwrap().contains("gave up"));

        let missing = recognize_pages(
            [page(&blank), Err("cannot be decoded".to_owned())],
            &OcrOptions::default(),
        );
        assert_eq!(
            missing.message.as_deref(),
            Some("page 2: cannot be decoded")
        );
    }

    #[cfg(feature = "ocr")]
    #[test]
    fn every_page_gives_one_data_entry_in_order() {
        let small = DynamicImage::ImageLuma8(GrayImage::from_pixel(200, 100, Luma([255])));
        let large = DynamicImage::ImageLuma8(GrayImage::from_pixel(300, 150, Luma([255])));
        let pages = [&small, &large].map(|image| {
            Ok(PageContent::Pixels(PageImage {
                image: Cow::Borrowed(image),
                scale: 1.0,
            }))
        });
        let result = recognize_pages(pages, &OcrOptions::default());
        let widths: Vec<u32> = result
            .data
            .iter()
            .map(|d| d.full_text_annotation.pages[0].width)
            .collect();
        assert_eq!(widths, [200, 300]);
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
    fn adv_ocr_reads_photos_as_scenes_and_pages_as_pages_unless_told() {
        let photo = DynamicImage::ImageLuma8(GrayImage::from_fn(400, 300, |x, y| {
            Luma([((x + y) * 255 / 700) as u8])
        }));
        let page = DynamicImage::ImageLuma8(GrayImage::from_fn(400, 300, |x, y| {
            Luma([if y % 20 < 5 && x % 7 < 5 { 20 } else { 240 }])
        }));
        let auto = OcrOptions::default();
        let document = OcrOptions {
            mode: OcrMode::Document,
            ..OcrOptions::default()
        };
        let german = OcrOptions {
            languages: vec![Language::from_tag("de").unwrap()],
            ..OcrOptions::default()
        };
        let japanese_and_english = OcrOptions {
            languages: vec![
                Language::from_tag("ja").unwrap(),
                Language::from_tag("en").unwrap(),
            ],
            ..OcrOptions::default()
        };
        assert_eq!(engine(&photo, &auto), Engine::Scene);
        assert_eq!(engine(&page, &auto), Engine::Page);
        assert_eq!(engine(&photo, &document), Engine::Page);
        // The scene recogniser was trained for Chinese, English and
        // Japanese, not German.
        assert_eq!(engine(&photo, &german), Engine::Page);
        assert_eq!(engine(&photo, &japanese_and_english), Engine::Scene);
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
