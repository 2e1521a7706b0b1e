//! Frame and page counts (`pages`), read from the container structure without
//! decoding any frame's pixels. Each format's own parser (already under the
//! `image` crate) walks its frame list; we only count.

use std::io::Cursor;

use crate::limits::Limits;
use crate::{ExtractError, Format};

/// The number of frames (GIF, animated WebP, APNG) or pages (TIFF IFDs), 1 for a
/// still image. Stops counting once `limits.max_frames` is exceeded, so a
/// hostile frame list costs at most that many steps; the caller turns the
/// count into a limit error.
pub(crate) fn count(bytes: &[u8], format: Format, limits: &Limits) -> Result<u32, ExtractError> {
    let cap = limits.max_frames;
    match format {
        Format::Gif => gif_frames(bytes, limits),
        Format::Png => apng_frames(bytes),
        Format::Webp => webp_frames(bytes),
        Format::Tiff => tiff_pages(bytes, cap),
        Format::Jpg | Format::Bmp | Format::Ico | Format::Heic | Format::Avif | Format::Pdf => {
            Ok(1)
        }
    }
}

fn gif_frames(bytes: &[u8], limits: &Limits) -> Result<u32, ExtractError> {
    let mut options = gif::DecodeOptions::new();
    // Walk the frame descriptors and skip their LZW data instead of decoding it.
    options.skip_frame_decoding(true);
    let mut decoder = options
        .read_info(Cursor::new(bytes))
        .map_err(ExtractError::corrupt)?;
    let mut frames = 0;
    while frames <= limits.max_frames {
        match decoder.next_frame_info() {
            Ok(Some(frame)) => {
                // A frame may lie outside the logical screen, and decoders grow the
                // canvas to hold it: that is how GIF decompression bombs declare
                // gigapixels in a 44-byte file.
                let right = u32::from(frame.left) + u32::from(frame.width);
                let bottom = u32::from(frame.top) + u32::from(frame.height);
                limits.check_pixels(right, bottom)?;
                frames += 1;
            }
            Ok(None) => break,
            // A damaged tail after complete frames: count what is there, as
            // viewers show those frames.
            Err(_) if frames > 0 => break,
            Err(e) => return Err(ExtractError::corrupt(e)),
        }
    }
    Ok(frames.max(1))
}

fn apng_frames(bytes: &[u8]) -> Result<u32, ExtractError> {
    let reader = png::Decoder::new(Cursor::new(bytes))
        .read_info()
        .map_err(ExtractError::corrupt)?;
    // `acTL` counts every frame of the animation, including a default image that is
    // also its first frame; a default image outside the animation is not counted,
    // matching what browsers play.
    Ok(reader
        .info()
        .animation_control()
        .map_or(1, |actl| actl.num_frames.max(1)))
}

fn webp_frames(bytes: &[u8]) -> Result<u32, ExtractError> {
    let decoder =
        image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(ExtractError::corrupt)?;
    Ok(decoder.num_frames().max(1))
}

fn tiff_pages(bytes: &[u8], cap: u32) -> Result<u32, ExtractError> {
    let mut decoder =
        tiff::decoder::Decoder::new(Cursor::new(bytes)).map_err(ExtractError::corrupt)?;
    let mut pages = 1;
    // The decoder refuses IFD chains that loop back on themselves.
    while decoder.more_images() && pages <= cap {
        if decoder.next_image().is_err() {
            // A broken link after readable pages: those pages still count.
            break;
        }
        pages += 1;
    }
    Ok(pages)
}
