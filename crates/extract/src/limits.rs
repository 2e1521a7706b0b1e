//! Input limits, enforced from the header before any pixel memory is allocated.

use crate::error::{ExtractError, LimitKind};

/// How big an input may be. Services fill this from their configuration
/// (`ASSAY_MAX_UPLOAD_BYTES`, `ASSAY_MAX_PIXELS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Largest image accepted, in pixels (width x height of one frame or page).
    pub max_pixels: u64,
    /// Most frames or pages accepted in one file.
    pub max_frames: u32,
    /// Most scans accepted in one JPEG (counted before decoding; see
    /// `decode::jpeg_scans`).
    pub max_jpeg_scans: u32,
    /// Most pages OCR reads from one file (`ASSAY_OCR_MAX_PAGES`); the rest
    /// get no `data` entry.
    pub max_ocr_pages: u32,
}

impl Default for Limits {
    /// The contract's defaults: 100 MB and 100 megapixels. The frame cap keeps a
    /// file of a million one-pixel frames from costing a million iterations;
    /// the scan cap is ten times what real encoders write (libjpeg's default
    /// progression has 10 scans).
    fn default() -> Self {
        Self {
            max_bytes: 100 * 1024 * 1024,
            max_pixels: 100_000_000,
            max_frames: 10_000,
            max_jpeg_scans: 100,
            max_ocr_pages: 20,
        }
    }
}

impl Limits {
    pub(crate) fn check_bytes(&self, len: usize) -> Result<(), ExtractError> {
        check(LimitKind::Bytes, len as u64, self.max_bytes)
    }

    pub(crate) fn check_dimensions(&self, width: u32, height: u32) -> Result<(), ExtractError> {
        if width == 0 || height == 0 {
            return Err(ExtractError::Corrupt(format!(
                "image size is {width}x{height}"
            )));
        }
        self.check_pixels(width, height)
    }

    /// Like `check_dimensions`, for an area that may legitimately be empty (a frame).
    pub(crate) fn check_pixels(&self, width: u32, height: u32) -> Result<(), ExtractError> {
        check(
            LimitKind::Pixels,
            u64::from(width) * u64::from(height),
            self.max_pixels,
        )
    }

    pub(crate) fn check_frames(&self, frames: u32) -> Result<(), ExtractError> {
        check(
            LimitKind::Frames,
            u64::from(frames),
            u64::from(self.max_frames),
        )
    }

    /// The same ceiling for the `image` crate's decoders, so that a header that
    /// lies about its size cannot make them allocate more than an allowed image:
    /// at most 16-bit RGBA (8 bytes per pixel), plus slack for decoder buffers.
    pub(crate) fn decoder_limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(self.max_pixels.saturating_mul(8).saturating_add(64 << 20));
        limits
    }
}

fn check(limit: LimitKind, actual: u64, max: u64) -> Result<(), ExtractError> {
    if actual > max {
        Err(ExtractError::TooLarge { limit, actual, max })
    } else {
        Ok(())
    }
}
