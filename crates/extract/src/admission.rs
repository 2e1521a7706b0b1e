//! How much memory one analysis will hold at its peak, judged from the header
//! alone, so that a caller running several at once can admit them by memory
//! instead of by count: a 777 KB 16-bit PNG of 10000x10000 px decodes to
//! 800 MB, a few-KB lossless WebP of the same size to 400 MB, while a 12 MP
//! photo analysed from its DCT-scaled decode needs a few tens of MB.

use analyses::AnalysisKind;

use crate::analysis::Options;
use crate::probe::{self, Header};
use crate::{decode, ocr, pdf, ExtractError, Format};

/// Copies of the full-size image a general decoder may hold at once (its own
/// buffers, the decoded image, the oriented copy), over the decoded size.
const GENERAL_DECODE_COPIES: u64 = 3;
/// libjpeg-turbo writes straight into the one buffer; orientation may copy it.
const SCALED_JPEG_COPIES: u64 = 2;

/// Working memory of the face network beyond the decodes: RetinaFace's
/// activations at the 640 px scan, its ONNX Runtime session and the pages of
/// the runtime it touches. Measured as the peak RSS of `assay analyze --faces`
/// over a run without (release build): 53 MB on a 12 MP photo.
const FACE_SCAN_BYTES: u64 = 64 << 20;
/// Working memory of OCR beyond the decodes: the scene-text networks'
/// activations (the detector at up to 1280x1280) and their ONNX Runtime
/// sessions and memory arenas, or Tesseract's page analysis. Measured as
/// above: 393 MB for the scene engine on a 3000x3000 photo, 384 MB on a
/// 1280x960 one (the arenas keep what the many line widths asked for; turning
/// them off saved a fifth and cost 15% more time), 72 MB for Tesseract on a
/// 12 MP page.
const OCR_ENGINE_BYTES: u64 = 448 << 20;

/// Peak bytes [`crate::analyze`] will hold for `bytes` with `options`: the
/// file itself, its decodes and the working memory of the networks asked
/// for. Reads only the header (the same probe `analyze` starts with), so a
/// file over a limit is refused here already.
pub fn memory_estimate(bytes: &[u8], options: &Options) -> Result<u64, ExtractError> {
    let limits = &options.limits;
    limits.check_bytes(bytes.len())?;
    let format = Format::sniff(bytes).ok_or(ExtractError::Unsupported)?;
    let readable = decode::readable(bytes, format);
    let header = probe::probe(&readable, format, limits)?;
    Ok(bytes.len() as u64
        + decode_estimate(&readable, &header, options)
        + engines_estimate(options))
}

fn engines_estimate(options: &Options) -> u64 {
    let faces = if options.wants(AnalysisKind::Faces) {
        FACE_SCAN_BYTES
    } else {
        0
    };
    let ocr = if options.wants(AnalysisKind::Ocr) {
        OCR_ENGINE_BYTES
    } else {
        0
    };
    faces + ocr
}

fn decode_estimate(bytes: &[u8], header: &Header, options: &Options) -> u64 {
    let pixels = u64::from(header.width) * u64::from(header.height);
    let full = pixels * u64::from(header.bytes_per_pixel);
    match header.format {
        // Only OCR and the quality analysis read every pixel; the other
        // inputs are DCT-scaled decodes, at most half size (a quarter of the
        // area) once the photo is large enough for that to matter.
        Format::Jpg if decode::jpeg_scales_down(bytes) => {
            let largest =
                if options.wants(AnalysisKind::Ocr) || options.wants(AnalysisKind::Quality) {
                    full
                } else {
                    full / 4
                };
            largest * SCALED_JPEG_COPIES
        }
        // Pages are rendered at the inputs' own sizes, not the header's
        // size in points; OCR renders the following pages one at a time in
        // grey, each at most as large as the first page's full render.
        Format::Pdf => {
            let limits = &options.limits;
            let needs = decode::Needs::of(options);
            let following = if needs.full_resolution && header.pages > 1 {
                u64::from(pdf::rendered_long_side(u32::MAX, limits)).pow(2) * 2
            } else {
                0
            };
            decode::pdf_render_estimate(needs, limits) + following
        }
        // OCR decodes the following pages one at a time, while the first
        // is still held.
        Format::Tiff if options.wants(AnalysisKind::Ocr) && header.pages > 1 => {
            full * GENERAL_DECODE_COPIES
                + ocr::largest_following_tiff_page(bytes, &options.limits) * 2
        }
        _ => full * GENERAL_DECODE_COPIES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG whose header declares `width` x `height` 16-bit RGBA pixels and
    /// whose pixel data is missing: only the header is read.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend(width.to_be_bytes());
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([16, 6, 0, 0, 0]); // 16-bit, RGBA
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        // The header, then an empty start of pixel data where readers stop.
        for (kind, data) in [(b"IHDR", ihdr.as_slice()), (b"IDAT", &[]), (b"IEND", &[])] {
            png.extend((data.len() as u32).to_be_bytes());
            let chunk: Vec<u8> = kind.iter().chain(data).copied().collect();
            png.extend(&chunk);
            png.extend(crc32(&chunk).to_be_bytes());
        }
        png
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_deep_png_is_weighted_by_its_decoded_size() {
        let estimate = memory_estimate(&png_header(10_000, 10_000), &Options::default()).unwrap();
        // 100 MP x 8 bytes, in the general decoder's copies.
        assert!(
            estimate >= 10_000 * 10_000 * 8 * GENERAL_DECODE_COPIES,
            "{estimate}"
        );
        let small = memory_estimate(&png_header(100, 100), &Options::default()).unwrap();
        assert!(small < 1 << 20, "{small}");
    }

    #[test]
    fn a_pdf_is_weighted_by_its_renders_not_its_size_in_points() {
        use lopdf::dictionary;

        let mut document = lopdf::Document::with_version("1.7");
        let pages_id = document.new_object_id();
        let page = document.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        });
        document.objects.insert(
            pages_id,
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }.into(),
        );
        let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        document.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        document.save_to(&mut bytes).unwrap();

        let nothing = memory_estimate(&bytes, &Options::default()).unwrap();
        assert_eq!(nothing, bytes.len() as u64);
        let ocr = Options {
            analyses: AnalysisKind::Ocr.into(),
            ocr: crate::ocr::OcrOptions::default(),
            ..Options::default()
        };
        let page_raster = u64::from(pdf::rendered_long_side(u32::MAX, &ocr.limits)).pow(2) * 3;
        assert!(memory_estimate(&bytes, &ocr).unwrap() >= page_raster);
    }

    #[test]
    fn a_multipage_tiff_read_by_ocr_counts_its_largest_following_page() {
        let bytes = test_support::corpus::bytes("tiff_multipage_5p.tif");
        let ocr = Options {
            analyses: AnalysisKind::Ocr.into(),
            ocr: crate::ocr::OcrOptions::default(),
            ..Options::default()
        };
        let first_only = memory_estimate(&bytes, &Options::default()).unwrap();
        let every_page = memory_estimate(&bytes, &ocr).unwrap();
        // Page 2 is as large as the first: 4670 x 6170, expanded to a byte a pixel.
        assert!(
            every_page >= first_only + 4670 * 6170,
            "{first_only} {every_page}"
        );
    }

    #[test]
    fn the_networks_asked_for_add_their_working_memory() {
        let bytes = png_header(100, 100);
        let plain = memory_estimate(&bytes, &Options::default()).unwrap();
        let faces = Options::of(AnalysisKind::Faces);
        assert_eq!(
            memory_estimate(&bytes, &faces).unwrap(),
            plain + FACE_SCAN_BYTES
        );
        let ocr = Options {
            analyses: AnalysisKind::Ocr.into(),
            ocr: crate::ocr::OcrOptions::default(),
            ..Options::default()
        };
        assert!(memory_estimate(&bytes, &ocr).unwrap() >= plain + OCR_ENGINE_BYTES);
    }

    #[test]
    fn a_file_over_the_pixel_limit_is_refused_before_admission() {
        let error = memory_estimate(&png_header(20_000, 20_000), &Options::default());
        assert!(
            matches!(error, Err(ExtractError::TooLarge { .. })),
            "{error:?}"
        );
    }
}
