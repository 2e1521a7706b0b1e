//! The one pixel decode per call, and the images every analysis shares.
//!
//! JPEG goes through libjpeg-turbo at the smallest DCT scale the requested
//! analyses can use ([`jpeg_scaled`]); HEIC and AVIF through libheif ([`heif`]);
//! everything else, and any JPEG libjpeg-turbo declines, through the `image`
//! crate at full size.

#[cfg(feature = "heif")]
mod heif;
mod jpeg_scaled;

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageError};

use crate::limits::Limits;
use crate::probe::Header;
use crate::{faces, shrink, ExtractError, Format};

/// Longest side of the working copy that colors and pHash read. pHash looks at
/// 16x16 and colour shares settle long before 256 px; larger only costs time.
pub(crate) const WORKING_MAX_SIDE: u32 = 256;

/// The decoded first frame or page, turned to the displayed orientation.
pub(crate) struct Pixels {
    /// For the analyses that need detail: native resolution for OCR; for
    /// faces alone, possibly DCT-scaled but never below what they scan
    /// ([`faces::SCAN_MIN_LONG_SIDE`]). Kept only when one of them is asked for.
    pub detail: Option<DynamicImage>,
    /// At most [`WORKING_MAX_SIDE`] on its longest side; made only when an
    /// analysis reads it (colors, pHash).
    pub working: Option<DynamicImage>,
}

/// Which images the requested analyses read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Needs {
    pub working: bool,
    pub faces: bool,
    /// Every stored pixel (OCR reads small print).
    pub full_resolution: bool,
}

impl Needs {
    /// Longest side the decoded image must keep for these analyses.
    fn min_long_side(self) -> u32 {
        if self.full_resolution {
            u32::MAX
        } else if self.faces {
            faces::SCAN_MIN_LONG_SIDE
        } else if self.working {
            WORKING_MAX_SIDE
        } else {
            // Nothing reads the pixels: the decode only validates the file.
            1
        }
    }
}

/// Decodes the first frame or page of a raster file under `limits`, which also
/// validates it: a corrupt or truncated file fails here. Returns `Ok(None)` for
/// formats this build cannot decode (the header facts stand).
pub(crate) fn decode(
    bytes: &[u8],
    header: &Header,
    limits: &Limits,
    needs: Needs,
) -> Result<Option<Pixels>, ExtractError> {
    // libheif applies the file's own rotation and mirroring as it decodes.
    let (decoded, orientation) = match header.format {
        #[cfg(feature = "heif")]
        Format::Heic | Format::Avif => match heif::decode(bytes, limits)? {
            Some(decoded) => (decoded, Orientation::NoTransforms),
            None => return Ok(None),
        },
        format => {
            let Some(codec) = format.raster_codec() else {
                return Ok(None);
            };
            let scaled = (format == Format::Jpg)
                .then(|| jpeg_scaled::decode_at_least(bytes, needs.min_long_side()))
                .flatten();
            let decoded = match scaled {
                Some(decoded) => decoded,
                None => {
                    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), codec);
                    reader.limits(limits.decoder_limits());
                    reader.decode().map_err(image_error)?
                }
            };
            (decoded, header.orientation)
        }
    };

    // Orienting after shrinking is cheaper.
    let working = needs.working.then(|| {
        let mut working = shrink::shrink_to_fit(&decoded, WORKING_MAX_SIDE);
        working.apply_orientation(orientation);
        working
    });
    let detail = (needs.faces || needs.full_resolution).then(|| {
        let mut detail = decoded;
        detail.apply_orientation(orientation);
        detail
    });
    Ok(Some(Pixels { detail, working }))
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
