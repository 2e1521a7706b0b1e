//! HEIC and AVIF pixels through libheif (`libheif-rs`, whose build compiles
//! libheif from the sources it embeds and links it statically; HEVC decoding
//! comes from Debian's libde265, AV1 from Debian's dav1d). Debian's own
//! libheif (1.15) is older than any maintained binding accepts. The image
//! comes back with the file's own transformations (`irot`, `imir`, clean
//! aperture) applied: already in the displayed frame.

use std::sync::OnceLock;

use image::{DynamicImage, RgbImage, RgbaImage};
use libheif_rs::{
    ColorSpace, HeifContext, HeifError, HeifErrorSubCode, LibHeif, RgbChroma, SecurityLimits,
};

use crate::limits::Limits;
use crate::ExtractError;

/// libheif's global initialisation, done once for the process.
fn libheif() -> &'static LibHeif {
    static LIBHEIF: OnceLock<LibHeif> = OnceLock::new();
    LIBHEIF.get_or_init(LibHeif::new)
}

/// Decodes the primary image of a HEIF file, 8 bits per channel, with alpha
/// when the file has it. `None` when this build's libheif has no decoder for
/// the file's codec (its build found no libde265 or dav1d): the file is not
/// at fault, and only its pixels are unavailable.
pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<Option<DynamicImage>, ExtractError> {
    let mut context = HeifContext::new().map_err(corrupt)?;
    // The header's size was checked against the pixel limit, but a grid of
    // tiles is only assembled here: libheif enforces the same ceiling on it.
    let mut security = SecurityLimits::new();
    security.set_max_image_size_pixels(limits.max_pixels);
    context.set_security_limits(&security).map_err(corrupt)?;
    context.read_bytes(bytes).map_err(corrupt)?;
    let handle = context.primary_image_handle().map_err(corrupt)?;
    let alpha = handle.has_alpha_channel();
    let chroma = if alpha {
        RgbChroma::Rgba
    } else {
        RgbChroma::Rgb
    };
    let image = match libheif().decode(&handle, ColorSpace::Rgb(chroma), None) {
        Ok(image) => image,
        Err(e) if codec_missing(&e) => return Ok(None),
        Err(e) => return Err(corrupt(e)),
    };
    let plane = image
        .planes()
        .interleaved
        .ok_or_else(|| ExtractError::Corrupt("HEIF image has no RGB plane".to_owned()))?;
    let channels = if alpha { 4 } else { 3 };
    let row = plane.width as usize * channels;
    // libheif pads rows to its stride; `image` wants them packed. A row cut
    // short leaves the buffer short, which `from_raw` below refuses.
    let packed: Vec<u8> = plane
        .data
        .chunks(plane.stride.max(1))
        .take(plane.height as usize)
        .flat_map(|line| line.get(..row).unwrap_or_default())
        .copied()
        .collect();
    let short = || ExtractError::Corrupt("HEIF image plane is shorter than its size".to_owned());
    Ok(Some(if alpha {
        DynamicImage::ImageRgba8(
            RgbaImage::from_raw(plane.width, plane.height, packed).ok_or_else(short)?,
        )
    } else {
        DynamicImage::ImageRgb8(
            RgbImage::from_raw(plane.width, plane.height, packed).ok_or_else(short)?,
        )
    }))
}

fn codec_missing(error: &HeifError) -> bool {
    matches!(
        error.sub_code,
        HeifErrorSubCode::UnsupportedCodec | HeifErrorSubCode::NoMatchingDecoderInstalled
    )
}

fn corrupt(error: HeifError) -> ExtractError {
    ExtractError::corrupt(format_args!("HEIF: {}", error.message))
}
