//! Pixel decoding, and the images the analyses read.
//!
//! One image, one answer: each pixel analysis reads a *canonical input*
//! defined by the file alone, never by which other analyses the same call
//! asks for (see [`Input`]). For JPEG the input sizes are reached by
//! libjpeg-turbo scaling in the inverse DCT ([`jpeg_scaled`]): each input is
//! decoded at its own scale, and inputs whose scales coincide share one
//! decode; distinct scales are decoded side by side on scoped threads, so a
//! call that needs two sizes costs the larger decode's wall time. A PDF's
//! first page is rendered by poppler the same way, at each input's own size
//! ([`render_pdf`]). Every other format (HEIC and AVIF through libheif,
//! [`heif`]; the rest through the `image` crate) has a single full-size
//! decode that every input derives from.

mod gif_frames;
#[cfg(feature = "heif")]
mod heif;
mod jpeg_scaled;
mod jpeg_scans;
mod libtiff;
mod repair;
mod tiff_samples;

use std::io::Cursor;
use std::sync::Arc;

use analyses::AnalysisKind;
use image::metadata::Orientation;
use image::{DynamicImage, ImageError};

use crate::limits::Limits;
use crate::probe::Header;
use crate::{faces, pdf, shrink, ExtractError, Format};

pub(crate) use gif_frames::read_frame as read_gif_frame;
pub(crate) use jpeg_scans::check_scan_count as check_jpeg_scans;
pub(crate) use repair::{bmp_rle_bottom_up, readable};

/// Longest side of the working copy that colors and pHash read. pHash looks at
/// 16x16 and colour shares settle long before 256 px; larger only costs time.
pub(crate) const WORKING_MAX_SIDE: u32 = 256;

/// An image an analysis reads. Each is a function of the file alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// colors and pHash: the decode at the smallest scale whose long side
    /// reaches [`WORKING_MAX_SIDE`] (a JPEG's 1/8 DCT decode, an 8x8 block
    /// average, for any photo over 2048 px), shrunk to fit it, then oriented.
    Working,
    /// faces: the decode at the smallest scale whose long side reaches the
    /// size the detector declares ([`faces::SCAN_MIN_LONG_SIDE`]), oriented;
    /// the detector shrinks it further its own fixed way.
    Faces,
    /// OCR: every stored pixel, oriented.
    Full,
}

impl Input {
    /// The long side the decode behind this input must keep.
    fn min_long_side(self) -> u32 {
        match self {
            Input::Working => WORKING_MAX_SIDE,
            Input::Faces => faces::SCAN_MIN_LONG_SIDE,
            Input::Full => u32::MAX,
        }
    }
}

/// Which inputs the requested analyses read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Needs {
    pub working: bool,
    pub faces: bool,
    /// Every stored pixel (OCR reads small print).
    pub full_resolution: bool,
}

impl Needs {
    /// The inputs `options`' pixel analyses read.
    pub(crate) fn of(options: &crate::Options) -> Needs {
        Needs {
            working: options.needs_working(),
            faces: options.wants(AnalysisKind::Faces),
            full_resolution: options.wants(AnalysisKind::Ocr),
        }
    }

    fn inputs(self) -> Vec<Input> {
        [
            (Input::Working, self.working),
            (Input::Faces, self.faces),
            (Input::Full, self.full_resolution),
        ]
        .into_iter()
        .filter_map(|(input, wanted)| wanted.then_some(input))
        .collect()
    }
}

/// The canonical inputs of one file, each in the displayed orientation; only
/// those asked for are made. Inputs made from one decode share it.
#[derive(Default)]
pub(crate) struct Pixels {
    pub working: Option<DynamicImage>,
    pub faces: Option<Arc<DynamicImage>>,
    pub full: Option<Arc<DynamicImage>>,
}

/// Decodes the first frame or page of a raster file under `limits` into the
/// inputs `needs` asks for. The decode also validates the file: a corrupt or
/// truncated one fails here even when no input is asked for (it is then
/// decoded at the cheapest scale and dropped). Returns `Ok(None)` for formats
/// or variants this build cannot decode (the header facts stand).
pub(crate) fn decode(
    bytes: &[u8],
    header: &Header,
    limits: &Limits,
    needs: Needs,
) -> Result<Option<Pixels>, ExtractError> {
    let inputs = needs.inputs();
    // libheif applies the file's own rotation and mirroring as it decodes.
    let (decodes, orientation) = match header.format {
        #[cfg(feature = "heif")]
        Format::Heic | Format::Avif => match heif::decode(bytes, limits)? {
            Some(decoded) => (Decodes::single(decoded, &inputs), Orientation::NoTransforms),
            None => return Ok(None),
        },
        Format::Jpg => match decode_jpeg(bytes, limits, &inputs)? {
            Some(decodes) => (decodes, header.orientation),
            None => return Ok(None),
        },
        // Rendered only when an analysis reads pixels: the page tree was
        // already validated by the probe. The renderer applies `/Rotate`.
        Format::Pdf if !inputs.is_empty() => match render_pdf(bytes, limits, &inputs)? {
            Some(decodes) => (decodes, Orientation::NoTransforms),
            None => return Ok(None),
        },
        format => {
            let Some(codec) = format.raster_codec() else {
                return Ok(None);
            };
            let decoded = match format {
                Format::Tiff => decode_tiff(bytes, limits)?,
                Format::Ico => decode_ico(bytes, limits)?,
                Format::Gif => Some(gif_frames::first_frame(bytes, limits)?),
                // Read as the bottom-up file it mirrors; the header's
                // orientation turns it back (see `repair::bmp_rle_bottom_up`).
                Format::Bmp => match repair::bmp_rle_bottom_up(bytes) {
                    Some(bottom_up) => decode_general(&bottom_up, codec, limits)?,
                    None => decode_general(bytes, codec, limits)?,
                },
                _ => decode_general(bytes, codec, limits)?,
            };
            let Some(decoded) = decoded else {
                return Ok(None);
            };
            (Decodes::single(decoded, &inputs), header.orientation)
        }
    };
    Ok(Some(decodes.into_pixels(orientation)))
}

/// Decoded images, each with the inputs it serves (in the stored orientation).
struct Decodes(Vec<(DynamicImage, Vec<Input>)>);

impl Decodes {
    fn single(decoded: DynamicImage, inputs: &[Input]) -> Self {
        Decodes(vec![(decoded, inputs.to_vec())])
    }

    fn into_pixels(self, orientation: Orientation) -> Pixels {
        let mut pixels = Pixels::default();
        for (mut decoded, inputs) in self.0 {
            // Shrink, then orient: cheaper, and the one order every call uses
            // (block averaging drops the right and bottom remainders, so the
            // two orders differ).
            if inputs.contains(&Input::Working) {
                let mut working = shrink::shrink_to_fit(&decoded, WORKING_MAX_SIDE);
                working.apply_orientation(orientation);
                pixels.working = Some(working);
            }
            if inputs.iter().any(|&i| i != Input::Working) {
                decoded.apply_orientation(orientation);
                let detail = Arc::new(decoded);
                for input in inputs {
                    match input {
                        Input::Faces => pixels.faces = Some(Arc::clone(&detail)),
                        Input::Full => pixels.full = Some(Arc::clone(&detail)),
                        Input::Working => {}
                    }
                }
            }
        }
        pixels
    }
}

/// A JPEG's inputs: libjpeg-turbo at each input's scale (inputs at the same
/// scale share a decode, distinct scales run side by side). An input whose
/// scaled decode libjpeg-turbo declines is made from the general decoder's
/// full-size image instead, which then also has the final word on whether
/// the file is corrupt.
fn decode_jpeg(
    bytes: &[u8],
    limits: &Limits,
    inputs: &[Input],
) -> Result<Option<Decodes>, ExtractError> {
    let Some(jpeg) = jpeg_scaled::ScaledJpeg::open(bytes) else {
        return Ok(decode_general(bytes, image::ImageFormat::Jpeg, limits)?
            .map(|decoded| Decodes::single(decoded, inputs)));
    };
    // With nothing to read, the cheapest decode still validates the file.
    let validate_only = [Input::Working];
    let wanted = if inputs.is_empty() {
        &validate_only[..]
    } else {
        inputs
    };
    let mut by_scale: Vec<(jpeg_scaled::Scale, Vec<Input>)> = Vec::new();
    for &input in wanted {
        let scale = jpeg.scale_for(input.min_long_side());
        match by_scale.iter_mut().find(|(s, _)| *s == scale) {
            Some((_, served)) => served.push(input),
            None => by_scale.push((scale, vec![input])),
        }
    }
    let decoded: Vec<Option<DynamicImage>> = std::thread::scope(|threads| {
        let (first, rest) = by_scale.split_first().expect("at least one input");
        let others: Vec<_> = rest
            .iter()
            .map(|(scale, _)| threads.spawn(|| jpeg.decode(*scale)))
            .collect();
        let mut decoded = vec![jpeg.decode(first.0)];
        decoded.extend(
            others
                .into_iter()
                .map(|other| other.join().expect("a JPEG decode does not panic")),
        );
        decoded
    });
    let mut decodes = Vec::new();
    let mut declined = Vec::new();
    for (image, (_, served)) in decoded.into_iter().zip(by_scale) {
        match image {
            Some(image) => decodes.push((image, served)),
            None => declined.extend(served),
        }
    }
    if !declined.is_empty() {
        let Some(decoded) = decode_general(bytes, image::ImageFormat::Jpeg, limits)? else {
            return Ok(None);
        };
        decodes.push((decoded, declined));
    }
    if inputs.is_empty() {
        decodes.clear();
    }
    Ok(Some(Decodes(decodes)))
}

/// A PDF's inputs: its first page rendered by poppler with the long side
/// each input declares (capped at the page raster's, see
/// [`pdf::rendered_long_side`]), so every input is a function of the file
/// alone, as a JPEG's DCT scales are. Inputs whose renders coincide share
/// one; distinct renders run side by side (each is a child process).
/// `None` when this machine has no renderer.
fn render_pdf(
    bytes: &[u8],
    limits: &Limits,
    inputs: &[Input],
) -> Result<Option<Decodes>, ExtractError> {
    let mut by_side: Vec<(u32, Vec<Input>)> = Vec::new();
    for &input in inputs {
        let side = pdf::rendered_long_side(input.min_long_side(), limits);
        match by_side.iter_mut().find(|(s, _)| *s == side) {
            Some((_, served)) => served.push(input),
            None => by_side.push((side, vec![input])),
        }
    }
    let rendered: Vec<Result<DynamicImage, pdf::RenderError>> = std::thread::scope(|threads| {
        let renders: Vec<_> = by_side
            .iter()
            .map(|&(side, _)| {
                threads.spawn(move || pdf::render_page(bytes, 1, pdf::Colour::Rgb, side, limits))
            })
            .collect();
        renders
            .into_iter()
            .map(|render| render.join().expect("a PDF render does not panic"))
            .collect()
    });
    let mut decodes = Vec::new();
    for (render, (_, served)) in rendered.into_iter().zip(by_side) {
        match render {
            Ok(image) => decodes.push((image, served)),
            Err(pdf::RenderError::Unavailable) => return Ok(None),
            Err(pdf::RenderError::Failed(why)) => return Err(ExtractError::Corrupt(why)),
        }
    }
    Ok(Some(Decodes(decodes)))
}

/// Bytes a PDF's renders for `needs` hold at most: each distinct render
/// (see [`render_pdf`]) as a square page of its long side in RGB, twice (the
/// bytes read from the renderer and the image made of them), all at once.
pub(crate) fn pdf_render_estimate(needs: Needs, limits: &Limits) -> u64 {
    let mut sides: Vec<u32> = needs
        .inputs()
        .into_iter()
        .map(|input| pdf::rendered_long_side(input.min_long_side(), limits))
        .collect();
    sides.dedup();
    sides
        .iter()
        .map(|&side| u64::from(side).pow(2) * 3 * 2)
        .sum()
}

/// A JPEG's stored size and decoded bytes per pixel as libjpeg-turbo reads
/// its header (for files the `image` crate's header reader refuses, such as
/// arithmetic-coded ones).
pub(crate) fn jpeg_header(bytes: &[u8]) -> Option<(u32, u32, u8)> {
    jpeg_scaled::ScaledJpeg::open(bytes)?.header_facts()
}

/// True when libjpeg-turbo will decode this JPEG at DCT scales (not a CMYK
/// or YCCK file, which go to the general decoder at full size).
pub(crate) fn jpeg_scales_down(bytes: &[u8]) -> bool {
    jpeg_scaled::ScaledJpeg::open(bytes).is_some()
}

/// The `image` crate's full-size decode, its allocations capped by `limits`.
/// `None` when the decoder lacks the file's variant (a TIFF in CIELab or
/// with float samples, say): the file is not at fault, and only its pixels
/// are unavailable; a damaged file is still an error.
fn decode_general(
    bytes: &[u8],
    codec: image::ImageFormat,
    limits: &Limits,
) -> Result<Option<DynamicImage>, ExtractError> {
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), codec);
    reader.limits(limits.decoder_limits());
    match reader.decode() {
        Ok(decoded) => Ok(Some(decoded)),
        Err(ImageError::Unsupported(_)) => Ok(None),
        Err(e) => Err(image_error(e)),
    }
}

/// An icon's chosen entry; a PNG entry the `image` crate's ICO decoder
/// refuses (not 8-bit RGBA) is decoded as the PNG it is.
fn decode_ico(bytes: &[u8], limits: &Limits) -> Result<Option<DynamicImage>, ExtractError> {
    match decode_general(bytes, image::ImageFormat::Ico, limits) {
        Err(error) => match repair::ico_png_entry(bytes) {
            Some(png) => decode_general(png, image::ImageFormat::Png, limits),
            None => Err(error),
        },
        decoded => decoded,
    }
}

/// A TIFF's first page: the `image` crate's decoder where it reads the
/// variant (it keeps 16-bit samples); otherwise, or where it judges the file
/// damaged, libtiff, the reference reader, has the last word (see
/// [`tiff_page`]).
fn decode_tiff(bytes: &[u8], limits: &Limits) -> Result<Option<DynamicImage>, ExtractError> {
    if tiff_samples::has_wide_integer_samples(bytes) {
        return tiff_page(bytes, 0, limits);
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Tiff);
    reader.limits(limits.decoder_limits());
    match reader.decode() {
        Ok(decoded) => Ok(Some(decoded)),
        Err(error @ ImageError::Limits(_)) => Err(image_error(error)),
        Err(ImageError::Unsupported(_)) => tiff_page(bytes, 0, limits),
        Err(error) => tiff_page(bytes, 0, limits).map_err(|_| image_error(error)),
    }
}

/// Page `index` (0 is the first) of a TIFF in stored orientation, in any
/// variant libtiff reads (8 bits per sample), else, for samples wider than
/// libtiff's RGBA interface takes, from the `tiff` crate's raw samples.
/// `Ok(None)` when neither reads the variant; an error when the page is
/// damaged or absent.
pub(crate) fn tiff_page(
    bytes: &[u8],
    index: u32,
    limits: &Limits,
) -> Result<Option<DynamicImage>, ExtractError> {
    if let Some(page) = libtiff::decode_page(bytes, index, limits)? {
        return Ok(Some(page));
    }
    if let Some(page) = tiff_samples::decode_page(bytes, index, limits)? {
        return Ok(Some(page));
    }
    libtiff::decode_packed_page(bytes, index, limits)
}

/// A TIFF's stored size as libtiff reads it (for variants the `image`
/// crate's header reader refuses).
pub(crate) fn tiff_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    libtiff::dimensions(bytes)
}

/// A TIFF's `Orientation` tag as libtiff reads it.
pub(crate) fn tiff_orientation(bytes: &[u8]) -> Option<u16> {
    libtiff::orientation(bytes)
}

/// Maps the `image` crate's errors onto ours by fault.
pub(crate) fn image_error(error: ImageError) -> ExtractError {
    match error {
        ImageError::Decoding(e) => ExtractError::corrupt(e),
        ImageError::Unsupported(e) => ExtractError::corrupt(e),
        ImageError::Limits(_) => ExtractError::Corrupt(
            "decoding would need more memory than the pixel limit allows".to_owned(),
        ),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ExtractError::Corrupt("file is truncated".to_owned())
        }
        ImageError::IoError(e) => ExtractError::corrupt(e),
        e @ (ImageError::Parameter(_) | ImageError::Encoding(_)) => {
            ExtractError::Internal(e.to_string())
        }
    }
}
