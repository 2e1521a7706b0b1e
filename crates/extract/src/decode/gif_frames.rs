//! GIF frames through the `gif` crate, interlaced frames included.
//!
//! Why not the `image` crate's GIF decoder, nor `gif::Decoder::read_into_buffer`
//! which it calls: for an interlaced frame that reads one row at a time, and
//! gif 0.14.2's LZW decoder (weezl 0.1) stops early when a row is shorter
//! than a code's expansion (a false "no progress", weezl issue 68: fixed in
//! weezl 0.2, which no released `gif` uses yet). Valid files are then
//! refused as "image truncated": one in 75 one-colour GIFs Pillow writes, as
//! Pillow interlaces every GIF of 16 rows or more. Read whole, in stream
//! order, a frame never meets that case; its rows are then put in place
//! here (GIF89a, appendix E). The first frame is composed onto the logical
//! screen as the `image` crate does: the part of the frame the screen shows,
//! transparent black elsewhere.

use std::io::{Cursor, Read};

use image::{DynamicImage, RgbaImage};

use crate::limits::Limits;
use crate::ExtractError;

/// Bytes of one pixel in the RGBA frames read here.
const RGBA: usize = 4;

/// The first frame of a GIF on its logical screen, 8-bit RGBA.
pub(crate) fn first_frame(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ExtractError> {
    let mut decoder = open(bytes, limits)?;
    let (screen_width, screen_height) = (u32::from(decoder.width()), u32::from(decoder.height()));
    let frame = decoder
        .next_frame_info()
        .map_err(ExtractError::corrupt)?
        .ok_or_else(|| ExtractError::Corrupt("GIF has no frame".to_owned()))?;
    let (left, top) = (u32::from(frame.left), u32::from(frame.top));
    let (width, height) = (u32::from(frame.width), u32::from(frame.height));
    let interlaced = frame.interlaced;
    limits.check_pixels(width, height)?;
    let mut pixels = vec![0; decoder.buffer_size()];
    read_frame(&mut decoder, interlaced, &mut pixels)?;
    let mut screen = RgbaImage::new(screen_width, screen_height);
    let row = width as usize * RGBA;
    // The rows and columns of the frame that fall on the screen.
    let shown_rows = top.min(screen_height)..top.saturating_add(height).min(screen_height);
    let shown_columns = left.min(screen_width)..left.saturating_add(width).min(screen_width);
    let span = shown_columns.len() * RGBA;
    let screen_row = screen_width as usize * RGBA;
    let canvas: &mut [u8] = &mut screen;
    for y in shown_rows {
        let from = (y - top) as usize * row + (shown_columns.start - left) as usize * RGBA;
        let to = y as usize * screen_row + shown_columns.start as usize * RGBA;
        canvas[to..to + span].copy_from_slice(&pixels[from..from + span]);
    }
    Ok(DynamicImage::ImageRgba8(screen))
}

/// A GIF decoder giving RGBA frames, its buffers capped by `limits`.
fn open<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<gif::Decoder<Cursor<&'a [u8]>>, ExtractError> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let frame_bytes = limits.max_pixels.saturating_mul(RGBA as u64);
    if let Some(bytes) = std::num::NonZeroU64::new(frame_bytes) {
        options.set_memory_limit(gif::MemoryLimit::Bytes(bytes));
    }
    options
        .read_info(Cursor::new(bytes))
        .map_err(ExtractError::corrupt)
}

/// Reads the current frame (after `next_frame_info`) into `pixels`, which
/// holds its RGBA rows top to bottom (`buffer_size` bytes).
pub(crate) fn read_frame<R: Read>(
    decoder: &mut gif::Decoder<R>,
    interlaced: bool,
    pixels: &mut [u8],
) -> Result<(), ExtractError> {
    let truncated = || ExtractError::Corrupt("GIF frame is truncated".to_owned());
    if !interlaced {
        return match decoder.fill_buffer(pixels) {
            Ok(true) => Ok(()),
            Ok(false) => Err(truncated()),
            Err(e) => Err(ExtractError::corrupt(e)),
        };
    }
    let mut stream_order = vec![0; pixels.len()];
    match decoder.fill_buffer(&mut stream_order) {
        Ok(true) => {}
        Ok(false) => return Err(truncated()),
        Err(e) => return Err(ExtractError::corrupt(e)),
    }
    let row = decoder.line_length();
    if row == 0 {
        return Ok(());
    }
    let height = pixels.len() / row;
    for (stored, shown) in interlaced_rows(height).enumerate() {
        pixels[shown * row..(shown + 1) * row]
            .copy_from_slice(&stream_order[stored * row..(stored + 1) * row]);
    }
    Ok(())
}

/// The rows of an interlaced frame in the order it stores them: every 8th
/// from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
fn interlaced_rows(height: usize) -> impl Iterator<Item = usize> {
    [(0, 8), (4, 8), (2, 4), (1, 2)]
        .into_iter()
        .flat_map(move |(first, step)| (first..height).step_by(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interlaced_rows_visit_each_row_once_in_pass_order() {
        let rows: Vec<usize> = interlaced_rows(10).collect();
        assert_eq!(rows, [0, 8, 4, 2, 6, 1, 3, 5, 7, 9]);
        for height in 0..40 {
            let mut rows: Vec<usize> = interlaced_rows(height).collect();
            rows.sort_unstable();
            assert_eq!(rows, (0..height).collect::<Vec<_>>());
        }
    }
}
