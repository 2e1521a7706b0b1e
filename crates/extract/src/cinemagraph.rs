//! `cinemagraph_analysis`: how far an animation is a cinemagraph, a still
//! picture in which only a small part moves.
//!
//! Method (frame differencing): the frames, composited by the `image` crate's
//! animation decoders (GIF, animated WebP, APNG), are shrunk to at most
//! [`GRID_SIDE`] pixels on their long side and turned to luma. A grid pixel
//! *moves* when its mean absolute change between consecutive frames exceeds
//! [`MOTION_THRESHOLD`] (above palette dithering). The score is the share of
//! the picture that stays still, once something moves: 0 for a still image or
//! an animation whose frames do not change, near 1 for one small moving
//! region over a still rest, near 0 when everything moves.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, DynamicImage, Frames, ImageDecoder};
use serde::Serialize;

use crate::limits::Limits;
use crate::probe::Header;
use crate::Format;

/// Long side of the grid motion is measured on.
const GRID_SIDE: u32 = 64;
/// Frames looked at: enough to see a loop; bounds the work on long animations.
const MAX_FRAMES: usize = 240;
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
/// animation) scores 0 without decoding anything.
pub(crate) fn analyze(bytes: &[u8], header: &Header, limits: &Limits) -> CinemagraphAnalysis {
    let score = if header.pages > 1 {
        frames(bytes, header.format, limits).map_or(0.0, score_frames)
    } else {
        0.0
    };
    CinemagraphAnalysis {
        cinemagraph_score: (score * 100.0).round() / 100.0,
    }
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

/// The still share of the picture, from the first [`MAX_FRAMES`] frames (a
/// frame that fails to decode ends the sequence).
fn score_frames(frames: Frames<'_>) -> f64 {
    let mut previous: Option<Vec<f64>> = None;
    let mut change: Vec<f64> = Vec::new();
    let mut pairs = 0u32;
    for frame in frames.take(MAX_FRAMES).map_while(Result::ok) {
        let luma = grid_luma(DynamicImage::ImageRgba8(frame.into_buffer()));
        if let Some(previous) = &previous {
            if previous.len() != luma.len() {
                break;
            }
            change.resize(luma.len(), 0.0);
            for ((sum, a), b) in change.iter_mut().zip(previous).zip(&luma) {
                *sum += (a - b).abs();
            }
            pairs += 1;
        }
        previous = Some(luma);
    }
    if pairs == 0 || change.is_empty() {
        return 0.0;
    }
    let moving = change
        .iter()
        .filter(|&&sum| sum / f64::from(pairs) > MOTION_THRESHOLD)
        .count();
    let moving_share = moving as f64 / change.len() as f64;
    if moving_share < MIN_MOVING_SHARE {
        0.0
    } else {
        1.0 - moving_share
    }
}

/// Luma of `frame` over white, shrunk to the motion grid.
fn grid_luma(frame: DynamicImage) -> Vec<f64> {
    let small = frame.thumbnail(GRID_SIDE, GRID_SIDE).to_rgba8();
    small
        .pixels()
        .map(|p| {
            let [r, g, b, a] = p.0.map(f64::from);
            let over = |c: f64| (c * a + 255.0 * (255.0 - a)) / 255.0;
            0.299 * over(r) + 0.587 * over(g) + 0.114 * over(b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame, Rgba, RgbaImage};

    use crate::{analyze as analyze_file, Options};

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
        let options = Options {
            cinemagraph: true,
            ..Options::default()
        };
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

    #[test]
    fn still_images_and_unchanging_animations_score_zero() {
        assert_eq!(score(&gif(1, |_, x, y| scene(x, y))), 0.0);
        assert_eq!(score(&gif(4, |_, x, y| scene(x, y))), 0.0);
    }
}
