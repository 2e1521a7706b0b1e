//! `cinemagraph_analysis`: how far an animation is a cinemagraph, a still
//! picture in which only a small part moves.
//!
//! Method (frame differencing): the frames, composited as the `image`
//! crate's animation decoders composite them (GIF, animated WebP, APNG), are
//! shrunk to at most [`GRID_SIDE`] pixels on their long side (the `image`
//! crate's box-average thumbnail) and turned to luma. A grid pixel *moves*
//! when its mean absolute change between consecutive frames exceeds
//! [`MOTION_THRESHOLD`] (above palette dithering). The score is the share of
//! the picture that stays still, once something moves: 0 for a still image or
//! an animation whose frames do not change, near 1 for one small moving
//! region over a still rest, near 0 when everything moves.
//!
//! Bounded work (issue 28): a GIF's logical screen may claim 10000x10000
//! while each frame paints an 8x8 patch. GIF frames are composed where they
//! paint only ([`gif_motion`]): the canvas holds the tiles frames painted,
//! and each grid cell's channel sums change by what the frame's rectangle
//! changed, which gives the thumbnail's box averages exactly without
//! composing or shrinking the whole screen. Every format stops after
//! [`MAX_FRAMES`] frames or [`MAX_WORK_PIXELS`] composed pixels, whichever
//! comes first (a budget in pixels, not seconds, so one file has one
//! answer), and checks the caller's [`Cancel`] before each frame.

use std::collections::HashMap;
use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, DynamicImage, Frames, ImageDecoder};
use serde::Serialize;

use crate::cancel::Cancel;
use crate::limits::Limits;
use crate::probe::Header;
use crate::{decode, ExtractError, Format};

/// Long side of the grid motion is measured on.
const GRID_SIDE: u32 = 64;
/// Frames looked at: enough to see a loop; bounds the work on long animations.
const MAX_FRAMES: usize = 240;
/// Pixels composed over all frames looked at: 240 frames of 1920x1080 fit,
/// so do five of the 100-megapixel limit.
const MAX_WORK_PIXELS: u64 = 512_000_000;
/// Mean absolute luma change (of 255) from which a grid pixel moves.
const MOTION_THRESHOLD: f64 = 4.0;
/// Below this share of moving pixels the animation is as good as still.
const MIN_MOVING_SHARE: f64 = 0.002;

/// `cinemagraph_analysis`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CinemagraphAnalysis {
    pub cinemagraph_score: f64,
}

/// Scores `bytes`; a still image (one frame or page, or a format without
/// animation) scores 0 without decoding anything. Stops with
/// [`ExtractError::Stopped`] once `cancel` says so.
pub(crate) fn analyze(
    bytes: &[u8],
    header: &Header,
    limits: &Limits,
    cancel: &Cancel,
) -> Result<CinemagraphAnalysis, ExtractError> {
    let score = if header.pages > 1 {
        let mut motion = Motion::default();
        if header.format != Format::Gif || !gif_motion(bytes, limits, cancel, &mut motion)? {
            if let Some(frames) = frames(bytes, header.format, limits) {
                composited_motion(frames, cancel, &mut motion)?;
            }
        }
        motion.score()
    } else {
        0.0
    };
    Ok(CinemagraphAnalysis {
        cinemagraph_score: (score * 100.0).round() / 100.0,
    })
}

fn frames<'a>(bytes: &'a [u8], format: Format, limits: &Limits) -> Option<Frames<'a>> {
    let reader = Cursor::new(bytes);
    let decoder_limits = limits.decoder_limits();
    match format {
        Format::Gif => {
            let mut decoder = GifDecoder::new(reader).ok()?;
            decoder.set_limits(decoder_limits).ok()?;
            Some(decoder.into_frames())
        }
        Format::Webp => {
            let mut decoder = WebPDecoder::new(reader).ok()?;
            decoder.set_limits(decoder_limits).ok()?;
            Some(decoder.into_frames())
        }
        Format::Png => {
            let decoder = PngDecoder::with_limits(reader, decoder_limits).ok()?;
            Some(decoder.apng().ok()?.into_frames())
        }
        _ => None,
    }
}

/// The grid lumas of consecutive frames, summed into per-cell change.
#[derive(Default)]
struct Motion {
    previous: Option<Vec<f64>>,
    change: Vec<f64>,
    pairs: u32,
    frames: usize,
    /// Pixels composed so far ([`MAX_WORK_PIXELS`]).
    work: u64,
}

impl Motion {
    /// Whether a frame composing `pixels` more may still be looked at.
    fn takes(&mut self, pixels: u64) -> bool {
        if self.frames >= MAX_FRAMES || self.work.saturating_add(pixels) > MAX_WORK_PIXELS {
            return false;
        }
        self.work += pixels;
        true
    }

    /// Adds the next frame's grid; false when the sequence ends here.
    fn add(&mut self, luma: Vec<f64>) -> bool {
        self.frames += 1;
        if let Some(previous) = &self.previous {
            if previous.len() != luma.len() {
                return false;
            }
            self.change.resize(luma.len(), 0.0);
            for ((sum, a), b) in self.change.iter_mut().zip(previous).zip(&luma) {
                *sum += (a - b).abs();
            }
            self.pairs += 1;
        }
        self.previous = Some(luma);
        true
    }

    /// The still share of the picture.
    fn score(&self) -> f64 {
        if self.pairs == 0 || self.change.is_empty() {
            return 0.0;
        }
        let moving = self
            .change
            .iter()
            .filter(|&&sum| sum / f64::from(self.pairs) > MOTION_THRESHOLD)
            .count();
        let moving_share = moving as f64 / self.change.len() as f64;
        if moving_share < MIN_MOVING_SHARE {
            0.0
        } else {
            1.0 - moving_share
        }
    }
}

/// Frames composited whole by the `image` crate (WebP, APNG, and GIFs whose
/// screen is smaller than the grid); a frame that fails to decode ends the
/// sequence.
fn composited_motion(
    frames: Frames<'_>,
    cancel: &Cancel,
    motion: &mut Motion,
) -> Result<(), ExtractError> {
    for frame in frames {
        cancel.check()?;
        let Ok(frame) = frame else { break };
        let buffer = frame.into_buffer();
        if !motion.takes(u64::from(buffer.width()) * u64::from(buffer.height())) {
            break;
        }
        let small = DynamicImage::ImageRgba8(buffer)
            .thumbnail(GRID_SIDE, GRID_SIDE)
            .to_rgba8();
        if !motion.add(small.pixels().map(|p| luma_over_white(p.0)).collect()) {
            break;
        }
    }
    Ok(())
}

/// Luma of an RGBA pixel over white.
fn luma_over_white(pixel: [u8; 4]) -> f64 {
    let [r, g, b, a] = pixel.map(f64::from);
    let over = |c: f64| (c * a + 255.0 * (255.0 - a)) / 255.0;
    0.299 * over(r) + 0.587 * over(g) + 0.114 * over(b)
}

/// The cells of the `image` crate's thumbnail along one axis of `len`
/// pixels shrunk to `cells`: each cell's pixel range, computed as
/// `imageops::thumbnail` computes it (f32, ceil), and for each pixel the
/// cells that average it (one, in practice).
struct Axis {
    ranges: Vec<(u32, u32)>,
    cells_of: Vec<(u16, u16)>,
}

impl Axis {
    fn new(len: u32, cells: u32) -> Axis {
        let ratio = len as f32 / cells as f32;
        let ranges: Vec<(u32, u32)> = (0..cells)
            .map(|cell| {
                let startf = cell as f32 * ratio;
                let endf = startf + ratio;
                let start = (startf.ceil() as u32).clamp(0, len - 1);
                let end = (endf.ceil() as u32).clamp(start, len);
                (start, end.max(start + 1))
            })
            .collect();
        let mut cells_of = Vec::with_capacity(len as usize);
        let mut first = 0usize;
        for pixel in 0..len {
            while first < ranges.len() && ranges[first].1 <= pixel {
                first += 1;
            }
            let mut last = first;
            while last < ranges.len() && ranges[last].0 <= pixel {
                last += 1;
            }
            cells_of.push((first as u16, last as u16));
        }
        Axis { ranges, cells_of }
    }
}

/// Side of the canvas tiles the frames paint into.
const TILE: u32 = 16;

/// The screen as the frames left it (the `image` crate's "non-disposed
/// frame"), held only in the tiles some frame painted; the rest is
/// transparent.
#[derive(Default)]
struct Canvas {
    tiles: HashMap<(u32, u32), Box<[[u8; 4]]>>,
}

impl Canvas {
    fn tile(&mut self, x: u32, y: u32) -> &mut [[u8; 4]] {
        self.tiles
            .entry((x / TILE, y / TILE))
            .or_insert_with(|| vec![[0u8; 4]; (TILE * TILE) as usize].into_boxed_slice())
    }
}

/// A GIF's frames composed where they paint, into grid cells' channel sums.
/// Returns false (nothing read) when the screen is smaller than the grid on
/// its long side, where the thumbnail enlarges and the whole-frame path is
/// as cheap.
fn gif_motion(
    bytes: &[u8],
    limits: &Limits,
    cancel: &Cancel,
    motion: &mut Motion,
) -> Result<bool, ExtractError> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let Ok(mut decoder) = options.read_info(Cursor::new(bytes)) else {
        return Ok(true);
    };
    let (width, height) = (u32::from(decoder.width()), u32::from(decoder.height()));
    if width.max(height) <= GRID_SIDE || limits.check_dimensions(width, height).is_err() {
        return Ok(false);
    }
    let (grid_width, grid_height) = grid_size(width, height);
    let (columns, rows) = (Axis::new(width, grid_width), Axis::new(height, grid_height));
    let cell_count = (grid_width * grid_height) as usize;
    // Channel sums over each cell of the canvas (all transparent: zero).
    let mut kept = vec![[0i64; 4]; cell_count];
    let mut canvas = Canvas::default();
    let mut pixels = Vec::new();
    loop {
        cancel.check()?;
        let Ok(Some(frame)) = decoder.next_frame_info() else {
            break;
        };
        let (left, top) = (u32::from(frame.left), u32::from(frame.top));
        let (frame_width, frame_height) = (u32::from(frame.width), u32::from(frame.height));
        let dispose = frame.dispose;
        let interlaced = frame.interlaced;
        if limits.check_pixels(frame_width, frame_height).is_err()
            || !motion.takes(u64::from(frame_width) * u64::from(frame_height) + cell_count as u64)
        {
            break;
        }
        pixels.resize(decoder.buffer_size(), 0);
        // Interlaced frames too (see `decode::read_gif_frame`).
        if decode::read_gif_frame(&mut decoder, interlaced, &mut pixels).is_err() {
            break;
        }
        let mut shown = kept.clone();
        let right = left.saturating_add(frame_width).min(width);
        let bottom = top.saturating_add(frame_height).min(height);
        for tile_y in (top.min(bottom) / TILE)..bottom.div_ceil(TILE) {
            for tile_x in (left.min(right) / TILE)..right.div_ceil(TILE) {
                let tile = canvas.tile(tile_x * TILE, tile_y * TILE);
                let ys = (tile_y * TILE).max(top)..((tile_y + 1) * TILE).min(bottom);
                for y in ys {
                    let xs = (tile_x * TILE).max(left)..((tile_x + 1) * TILE).min(right);
                    for x in xs {
                        let at = (((y - top) * frame_width + (x - left)) * 4) as usize;
                        let mut now: [u8; 4] = pixels[at..at + 4].try_into().unwrap_or_default();
                        let old = &mut tile[((y % TILE) * TILE + x % TILE) as usize];
                        if now[3] == 0 {
                            now = *old;
                        }
                        let after = match dispose {
                            gif::DisposalMethod::Any | gif::DisposalMethod::Keep => now,
                            gif::DisposalMethod::Background => [0; 4],
                            gif::DisposalMethod::Previous => *old,
                        };
                        let (row_cells, column_cells) =
                            (rows.cells_of[y as usize], columns.cells_of[x as usize]);
                        for row in row_cells.0..row_cells.1 {
                            for column in column_cells.0..column_cells.1 {
                                let cell =
                                    usize::from(row) * grid_width as usize + usize::from(column);
                                for c in 0..4 {
                                    shown[cell][c] += i64::from(now[c]) - i64::from(old[c]);
                                    kept[cell][c] += i64::from(after[c]) - i64::from(old[c]);
                                }
                            }
                        }
                        *old = after;
                    }
                }
            }
        }
        let luma = (0..cell_count)
            .map(|cell| {
                let (row, column) = (cell / grid_width as usize, cell % grid_width as usize);
                let (x0, x1) = columns.ranges[column];
                let (y0, y1) = rows.ranges[row];
                let n = i64::from((x1 - x0) * (y1 - y0));
                // imageops::thumbnail's rounded mean of each channel
                luma_over_white(shown[cell].map(|sum| ((sum + n / 2) / n).clamp(0, 255) as u8))
            })
            .collect();
        if !motion.add(luma) {
            break;
        }
    }
    Ok(true)
}

/// The thumbnail's size: the screen scaled to fit the grid, aspect kept
/// (`image`'s resize_dimensions without fill).
fn grid_size(width: u32, height: u32) -> (u32, u32) {
    let ratio = f64::min(
        f64::from(GRID_SIDE) / f64::from(width),
        f64::from(GRID_SIDE) / f64::from(height),
    );
    let side = |len: u32| ((f64::from(len) * ratio).round() as u32).max(1);
    (side(width), side(height))
}

#[cfg(test)]
mod tests {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, Rgba, RgbaImage};

    use super::*;
    use crate::{analyze as analyze_file, AnalysisKind, Options};

    /// A GIF whose frames are drawn by `draw(frame index, x, y)`.
    fn gif(frames: u32, draw: impl Fn(u32, u32, u32) -> [u8; 3]) -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut bytes);
            for i in 0..frames {
                let image = RgbaImage::from_fn(96, 64, |x, y| {
                    let [r, g, b] = draw(i, x, y);
                    Rgba([r, g, b, 255])
                });
                encoder
                    .encode_frame(Frame::from_parts(
                        image,
                        0,
                        0,
                        Delay::from_numer_denom_ms(100, 1),
                    ))
                    .unwrap();
            }
        }
        bytes
    }

    fn score(bytes: &[u8]) -> f64 {
        let options = Options::of(AnalysisKind::Cinemagraph);
        analyze_file(bytes, &options)
            .unwrap()
            .cinemagraph_analysis
            .unwrap()
            .cinemagraph_score
    }

    /// Blocks of under 256 colours, so the GIF palette is exact in every frame.
    fn scene(x: u32, y: u32) -> [u8; 3] {
        [((x / 8) * 20) as u8, ((y / 8) * 30) as u8, 120]
    }

    #[test]
    fn one_moving_region_scores_above_a_fully_moving_animation() {
        // A bright square bobbing in one corner of a still scene.
        let cinemagraph = gif(6, |i, x, y| {
            let top = 4 + i * 2;
            if (8..24).contains(&x) && (top..top + 12).contains(&y) {
                [250, 250, 250]
            } else {
                scene(x, y)
            }
        });
        // The whole scene shifts every frame.
        let panning = gif(6, |i, x, y| scene((x + i * 9) % 96, (y + i * 7) % 64));
        let (cinemagraph, panning) = (score(&cinemagraph), score(&panning));
        assert!(cinemagraph > 0.7, "{cinemagraph}");
        assert!(cinemagraph > panning, "{cinemagraph} vs {panning}");
    }

    /// The per-cell change both paths sum over a GIF's frames: the whole
    /// composited frame shrunk by `image`, and the frames composed where
    /// they paint.
    /// None when the screen is smaller than the grid (the whole-frame path
    /// is the only one).
    fn both_paths(bytes: &[u8]) -> Option<(Vec<f64>, Vec<f64>)> {
        let limits = Limits::default();
        let cancel = Cancel::new();
        let mut whole = Motion::default();
        composited_motion(
            frames(bytes, Format::Gif, &limits).unwrap(),
            &cancel,
            &mut whole,
        )
        .unwrap();
        let mut painted = Motion::default();
        if !gif_motion(bytes, &limits, &cancel, &mut painted).unwrap() {
            return None;
        }
        assert_eq!(whole.frames, painted.frames);
        Some((whole.change, painted.change))
    }

    /// A GIF of `frames` frames drawn by `paint(i)`: (left, top, width,
    /// height, disposal, pixel at (x, y) in the frame, None transparent).
    #[allow(clippy::type_complexity)]
    fn raw_gif(
        screen: (u16, u16),
        frames: u32,
        paint: impl Fn(u32) -> (u16, u16, u16, u16, gif::DisposalMethod),
        pixel: impl Fn(u32, u32, u32) -> Option<u8>,
    ) -> Vec<u8> {
        let palette: Vec<u8> = (0..=255u8).flat_map(|i| [i, 255 - i, i / 2]).collect();
        let mut bytes = Vec::new();
        {
            let mut encoder = gif::Encoder::new(&mut bytes, screen.0, screen.1, &palette).unwrap();
            for i in 0..frames {
                let (left, top, width, height, dispose) = paint(i);
                let buffer: Vec<u8> = (0..u32::from(height))
                    .flat_map(|y| (0..u32::from(width)).map(move |x| (x, y)))
                    .map(|(x, y)| pixel(i, x, y).unwrap_or(0))
                    .collect();
                let frame = gif::Frame {
                    left,
                    top,
                    width,
                    height,
                    dispose,
                    transparent: Some(0),
                    buffer: buffer.into(),
                    ..gif::Frame::default()
                };
                encoder.write_frame(&frame).unwrap();
            }
        }
        bytes
    }

    #[test]
    fn frames_composed_where_they_paint_give_the_whole_frame_thumbnails_exactly() {
        use gif::DisposalMethod::{Any, Background, Keep, Previous};
        for name in ["gif_anim_iss634.gif", "gif_anim_pbar_invalid_xmp.gif"] {
            let bytes = test_support::corpus::bytes(name);
            if let Some((whole, painted)) = both_paths(&bytes) {
                assert_eq!(whole, painted, "{name}");
            }
        }
        // Patches, offsets past the screen's edge, transparency and every
        // disposal, on screens whose cells do not divide evenly.
        let disposals = [Any, Keep, Background, Previous];
        for (screen, frames) in [((97, 131), 9), ((300, 70), 7), ((1000, 999), 5)] {
            let gif = raw_gif(
                screen,
                frames,
                |i| {
                    let (w, h) = screen;
                    if i == 0 {
                        return (0, 0, w, h, Keep);
                    }
                    let left = (i as u16 * 37) % w;
                    let top = (i as u16 * 53) % h;
                    (left, top, w / 3 + 5, h / 4 + 3, disposals[i as usize % 4])
                },
                |i, x, y| {
                    ((x + y + i) % 7 != 0).then_some(((x * 3 + y * 5 + i * 11) % 250 + 1) as u8)
                },
            );
            let (whole, painted) = both_paths(&gif).unwrap();
            assert_eq!(whole, painted, "{screen:?}");
            assert!(!whole.is_empty());
        }
    }

    #[test]
    fn a_cancelled_analysis_stops_at_the_next_frame() {
        let bytes = raw_gif(
            (200, 200),
            50,
            |i| ((i * 3) as u16, 10, 8, 8, gif::DisposalMethod::Keep),
            |_, _, _| Some(7),
        );
        let limits = Limits::default();
        let header = crate::probe::probe(&bytes, Format::Gif, &limits).unwrap();
        let cancel = Cancel::new();
        assert!(analyze(&bytes, &header, &limits, &cancel).is_ok());
        cancel.cancel();
        assert!(matches!(
            analyze(&bytes, &header, &limits, &cancel),
            Err(ExtractError::Stopped(_))
        ));
    }

    #[test]
    fn still_images_and_unchanging_animations_score_zero() {
        assert_eq!(score(&gif(1, |_, x, y| scene(x, y))), 0.0);
        assert_eq!(score(&gif(4, |_, x, y| scene(x, y))), 0.0);
    }
}
