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
//! here (GIF89a, appendix E).
//!
//! The first frame is shown on the logical screen (GIF89a, section 18): the
//! screen's size, the part of the frame inside it at the frame's offset (a
//! frame reaching past the screen breaks the spec's "must fit" of section 20,
//! and the screen crops it, as ImageMagick shows it), and elsewhere the
//! screen's Background Color, the colour the spec gives "pixels on the screen
//! that are not covered by an image". A frame with a transparent colour
//! leaves those pixels transparent instead, like its own transparent pixels
//! (ImageMagick likewise); so does a file without a global colour table,
//! which has no Background Color.

use std::io::{Cursor, Read};

use image::{DynamicImage, Rgba, RgbaImage};

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
    let uncovered = match frame.transparent {
        Some(_) => TRANSPARENT,
        None => background_colour(&decoder).unwrap_or(TRANSPARENT),
    };
    limits.check_pixels(width, height)?;
    let mut pixels = vec![0; decoder.buffer_size()];
    read_frame(&mut decoder, interlaced, &mut pixels)?;
    let mut screen = RgbaImage::from_pixel(screen_width, screen_height, uncovered);
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

const TRANSPARENT: Rgba<u8> = Rgba([0; RGBA]);

/// The logical screen's Background Color: the global colour table's entry
/// at the screen's background index (GIF89a, section 18); `None` without a
/// global colour table or when the index is past its end.
fn background_colour<R: Read>(decoder: &gif::Decoder<R>) -> Option<Rgba<u8>> {
    let table = decoder.global_palette()?;
    let index = decoder.bg_color()?;
    let [red, green, blue] = table.get(index * 3..index * 3 + 3)? else {
        return None;
    };
    Some(Rgba([*red, *green, *blue, u8::MAX]))
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

    const RED: [u8; 3] = [255, 0, 0];
    const GREEN: [u8; 3] = [0, 255, 0];
    const WHITE: [u8; 3] = [255, 255, 255];

    /// A 4x3 screen whose global colour table is red, green, white, with
    /// background index 2 (white), holding one 3x2 frame at (2, 1) that
    /// reaches one column past the right edge: red on its top row, green on
    /// its bottom row, the palette index `transparent` made transparent.
    fn frame_past_the_screen(transparent: Option<u8>) -> Vec<u8> {
        let mut file = Vec::new();
        {
            let table = [RED, GREEN, WHITE].concat();
            let mut encoder = gif::Encoder::new(&mut file, 4, 3, &table).unwrap();
            let frame = gif::Frame {
                left: 2,
                top: 1,
                width: 3,
                height: 2,
                transparent,
                buffer: vec![0, 0, 0, 1, 1, 1].into(),
                ..gif::Frame::default()
            };
            encoder.write_frame(&frame).unwrap();
        }
        // The Logical Screen Descriptor's background index (GIF89a, section 18).
        file[11] = 2;
        file
    }

    fn opaque(rgb: [u8; 3]) -> Rgba<u8> {
        Rgba([rgb[0], rgb[1], rgb[2], u8::MAX])
    }

    #[test]
    fn a_frame_past_the_screen_is_cropped_to_it_on_the_background_colour() {
        let shown = first_frame(&frame_past_the_screen(None), &Limits::default())
            .unwrap()
            .into_rgba8();
        assert_eq!(shown.dimensions(), (4, 3));
        for (x, y, pixel) in shown.enumerate_pixels() {
            let expected = match (x, y) {
                (2..=3, 1) => opaque(RED),
                (2..=3, 2) => opaque(GREEN),
                _ => opaque(WHITE),
            };
            assert_eq!(*pixel, expected, "pixel ({x}, {y})");
        }
    }

    #[test]
    fn a_frame_with_a_transparent_colour_leaves_the_uncovered_screen_transparent() {
        // Green (index 1) is the frame's transparent colour.
        let shown = first_frame(&frame_past_the_screen(Some(1)), &Limits::default())
            .unwrap()
            .into_rgba8();
        assert_eq!(*shown.get_pixel(2, 1), opaque(RED));
        assert_eq!(shown.get_pixel(2, 2)[3], 0, "the frame's transparent pixel");
        assert_eq!(
            *shown.get_pixel(0, 0),
            TRANSPARENT,
            "a pixel no frame covers"
        );
    }
}
