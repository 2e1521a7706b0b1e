//! The pages OCR reads from one file, one at a time as it reaches them: the
//! first is the analysis's shared decode; a multi-page TIFF's next pages are
//! decoded here, a PDF's are its text layer where it has one, else rendered.
//! Each is held to the same pixel limit as the first, and at most
//! `max_ocr_pages` are read in all.

use std::borrow::Cow;
use std::io::Cursor;

use image::DynamicImage;
use tiff::decoder::Decoder;

use super::{PageContent, PageImage};
use crate::limits::Limits;
use crate::{decode, pdf, Format};

/// Every page OCR reads, in order: `first` (already decoded, with its scale
/// to the displayed frame), then the following pages of `bytes`, lazily, up
/// to `limits.max_ocr_pages` in all.
pub(crate) fn document_pages<'a>(
    bytes: &'a [u8],
    format: Format,
    pages: u32,
    first: PageImage<'a>,
    limits: &'a Limits,
) -> Box<dyn Iterator<Item = Result<PageContent<'a>, String>> + 'a> {
    let wanted = pages.min(limits.max_ocr_pages.max(1));
    match format {
        Format::Pdf => {
            let mut first = Some(first);
            Box::new((1..=wanted).map(move |page| pdf_page(bytes, page, first.take(), limits)))
        }
        Format::Tiff if wanted > 1 => {
            let following = TiffPages::open(bytes, limits, wanted - 1).map(|page| {
                page.map(|image| {
                    PageContent::Pixels(PageImage {
                        image: Cow::Owned(image),
                        scale: 1.0,
                    })
                })
            });
            Box::new(std::iter::once(Ok(PageContent::Pixels(first))).chain(following))
        }
        _ => Box::new(std::iter::once(Ok(PageContent::Pixels(first)))),
    }
}

/// A PDF page: its own text where it has a text layer; else its pixels
/// (`rendered` for the first page, which the analysis already has), scaled
/// to points like the rest of a PDF's coordinates.
fn pdf_page<'a>(
    bytes: &[u8],
    page: u32,
    rendered: Option<PageImage<'a>>,
    limits: &Limits,
) -> Result<PageContent<'a>, String> {
    // Without a readable text layer the pixels still can be read.
    let text = pdf::page_text(bytes, page).ok().flatten();
    if let Some(text) = text.as_ref().filter(|t| !t.words.is_empty()) {
        return Ok(PageContent::Text(text.clone()));
    }
    if let Some(first) = rendered {
        return Ok(PageContent::Pixels(first));
    }
    let image = pdf::render_page(bytes, page, pdf::Colour::Gray, u32::MAX, limits)
        .map_err(|e| e.to_string())?;
    let scale = text.map_or(1.0, |t| {
        f64::from(t.width) / f64::from(image.width().max(1))
    });
    Ok(PageContent::Pixels(PageImage {
        image: Cow::Owned(image),
        scale,
    }))
}

/// Bytes the largest TIFF page after the first that OCR will read takes
/// decoded (from the page headers alone; pages are read one at a time), for
/// the memory estimate. 0 when there is none or the file cannot be walked.
pub(crate) fn largest_following_tiff_page(bytes: &[u8], limits: &Limits) -> u64 {
    let Ok(mut decoder) = Decoder::new(Cursor::new(bytes)) else {
        return 0;
    };
    let mut largest = 0;
    for _ in 1..limits.max_ocr_pages {
        if !decoder.more_images() || decoder.next_image().is_err() {
            break;
        }
        let (Ok((width, height)), Ok(colortype)) = (decoder.dimensions(), decoder.colortype())
        else {
            break;
        };
        let bits = u64::from(colortype.num_samples()) * u64::from(colortype.bit_depth());
        // A bilevel page is expanded to a byte per pixel.
        let decoded = (u64::from(width) * u64::from(height) * bits.max(8)).div_ceil(8);
        largest = largest.max(decoded);
    }
    largest
}

/// TIFF pages after the first (the shared decode is the first), read one
/// at a time by the one TIFF page reader ([`decode::tiff_page`]). Stops at
/// the first failure.
struct TiffPages<'a> {
    bytes: &'a [u8],
    limits: &'a Limits,
    next: u32,
    end: u32,
}

impl<'a> TiffPages<'a> {
    /// Pages `1..=following` (0 is the first).
    fn open(bytes: &'a [u8], limits: &'a Limits, following: u32) -> Self {
        TiffPages {
            bytes,
            limits,
            next: 1,
            end: following.saturating_add(1),
        }
    }
}

impl Iterator for TiffPages<'_> {
    type Item = Result<DynamicImage, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let page = match decode::tiff_page(self.bytes, index, self.limits) {
            Ok(Some(image)) => Ok(image),
            Ok(None) => Err(format!(
                "TIFF page {}'s sample layout is not read",
                index + 1
            )),
            Err(e) => Err(e.to_string()),
        };
        if page.is_err() {
            self.next = self.end;
        }
        Some(page)
    }
}
