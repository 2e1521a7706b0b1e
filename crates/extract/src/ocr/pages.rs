//! The pages OCR reads from one file, one at a time as it reaches them: the
//! first is the analysis's shared decode; a multi-page TIFF's next pages are
//! decoded here, a PDF's are its text layer where it has one, else rendered.
//! Each is held to the same pixel limit as the first, and at most
//! `max_ocr_pages` are read in all.

use std::borrow::Cow;
use std::io::Cursor;

use image::{DynamicImage, ImageBuffer};
use tiff::decoder::{Decoder, DecodingResult};
use tiff::ColorType;

use super::{PageContent, PageImage};
use crate::limits::Limits;
use crate::{pdf, Format};

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

/// TIFF pages after the first, through the `tiff` crate (the `image` crate
/// only decodes the first directory). Stops at the first failure.
struct TiffPages<'a> {
    decoder: Option<Decoder<Cursor<&'a [u8]>>>,
    limits: &'a Limits,
    remaining: u32,
}

impl<'a> TiffPages<'a> {
    fn open(bytes: &'a [u8], limits: &'a Limits, remaining: u32) -> Self {
        let mut tiff_limits = tiff::decoder::Limits::default();
        // One decoded page is at most the pixel limit at 16-bit RGBA.
        tiff_limits.decoding_buffer_size =
            usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
        TiffPages {
            decoder: Decoder::new(Cursor::new(bytes))
                .ok()
                .map(|d| d.with_limits(tiff_limits)),
            limits,
            remaining,
        }
    }

    fn next_page(&mut self) -> Result<DynamicImage, String> {
        let decoder = self.decoder.as_mut().ok_or("the TIFF cannot be read")?;
        decoder.next_image().map_err(|e| e.to_string())?;
        let (width, height) = decoder.dimensions().map_err(|e| e.to_string())?;
        self.limits
            .check_pixels(width, height)
            .map_err(|e| e.to_string())?;
        let colortype = decoder.colortype().map_err(|e| e.to_string())?;
        let samples = decoder.read_image().map_err(|e| e.to_string())?;
        to_image(width, height, colortype, samples)
    }
}

impl Iterator for TiffPages<'_> {
    type Item = Result<DynamicImage, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 || !self.decoder.as_ref()?.more_images() {
            return None;
        }
        self.remaining -= 1;
        let page = self.next_page();
        if page.is_err() {
            self.remaining = 0;
        }
        Some(page)
    }
}

/// The decoded samples as an image. The `tiff` crate already turns
/// WhiteIsZero into black-is-zero and decompresses fax and JPEG pages.
fn to_image(
    width: u32,
    height: u32,
    colortype: ColorType,
    samples: DecodingResult,
) -> Result<DynamicImage, String> {
    let too_short = || format!("page data is shorter than {width}x{height} {colortype:?}");
    let image = match (colortype, samples) {
        (ColorType::Gray(1), DecodingResult::U8(packed)) => {
            DynamicImage::ImageLuma8(expand_bilevel(width, height, &packed).ok_or_else(too_short)?)
        }
        (ColorType::Gray(8), DecodingResult::U8(v)) => {
            DynamicImage::ImageLuma8(ImageBuffer::from_raw(width, height, v).ok_or_else(too_short)?)
        }
        (ColorType::Gray(16), DecodingResult::U16(v)) => DynamicImage::ImageLuma16(
            ImageBuffer::from_raw(width, height, v).ok_or_else(too_short)?,
        ),
        (ColorType::GrayA(8), DecodingResult::U8(v)) => DynamicImage::ImageLumaA8(
            ImageBuffer::from_raw(width, height, v).ok_or_else(too_short)?,
        ),
        (ColorType::RGB(8), DecodingResult::U8(v)) => {
            DynamicImage::ImageRgb8(ImageBuffer::from_raw(width, height, v).ok_or_else(too_short)?)
        }
        (ColorType::RGB(16), DecodingResult::U16(v)) => {
            DynamicImage::ImageRgb16(ImageBuffer::from_raw(width, height, v).ok_or_else(too_short)?)
        }
        (ColorType::RGBA(8), DecodingResult::U8(v)) => {
            DynamicImage::ImageRgba8(ImageBuffer::from_raw(width, height, v).ok_or_else(too_short)?)
        }
        (ColorType::RGBA(16), DecodingResult::U16(v)) => DynamicImage::ImageRgba16(
            ImageBuffer::from_raw(width, height, v).ok_or_else(too_short)?,
        ),
        (other, _) => return Err(format!("TIFF page colour type {other:?} is not read")),
    };
    Ok(image)
}

/// One bit per pixel, each row padded to a whole byte, most significant bit
/// first; 1 is white (black-is-zero after the decoder's WhiteIsZero handling).
fn expand_bilevel(width: u32, height: u32, packed: &[u8]) -> Option<image::GrayImage> {
    let row_bytes = usize::try_from(width.div_ceil(8)).ok()?;
    let rows = usize::try_from(height).ok()?;
    if packed.len() < row_bytes.checked_mul(rows)? {
        return None;
    }
    Some(image::GrayImage::from_fn(width, height, |x, y| {
        let byte = packed[y as usize * row_bytes + (x / 8) as usize];
        let bit = (byte >> (7 - (x % 8))) & 1;
        image::Luma([if bit == 1 { 255 } else { 0 }])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilevel_rows_are_padded_to_whole_bytes() {
        // 10 pixels wide: two bytes per row; first row white then black, second the reverse.
        let packed = [0b1111_1111, 0b1100_0000, 0b0000_0000, 0b0000_0000];
        let image = expand_bilevel(10, 2, &packed).unwrap();
        assert_eq!(image.get_pixel(9, 0).0, [255]);
        assert_eq!(image.get_pixel(0, 1).0, [0]);
        assert!(expand_bilevel(10, 3, &packed).is_none(), "short data");
    }

    #[test]
    fn unknown_colour_types_are_named() {
        let error = to_image(1, 1, ColorType::CMYK(8), DecodingResult::U8(vec![0; 4])).unwrap_err();
        assert!(error.contains("CMYK"), "{error}");
    }
}
