//! Extensions beyond Cloudinary (opt-in flags, see the README): what a page
//! shows while the image loads.
//!
//! - `blurhash`: Wolt's BlurHash, 4x3 components, by the `blurhash` crate;
//! - `thumbhash`: Evan Wallace's ThumbHash, base64, by the `thumbhash` crate
//!   (the reference implementation's Rust port);
//! - `average_color`: the mean colour (in linear light, alpha-weighted) and
//!   whether it is light, i.e. dark text reads better on it than white text
//!   (WCAG relative luminance above 0.179, where both contrasts are equal).
//!
//! All read the working copy, so they cost a few milliseconds.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use image::{DynamicImage, RgbaImage};
use serde::Serialize;

/// BlurHash components across and down: the crate's and the site's default.
const BLURHASH_COMPONENTS: (u32, u32) = (4, 3);
/// ThumbHash encodes images of at most 100x100.
const THUMBHASH_MAX_SIDE: u32 = 100;
/// BlurHash only needs a few dozen pixels to fit 12 cosines.
const BLURHASH_MAX_SIDE: u32 = 64;
/// WCAG relative luminance at which black and white text contrast equally.
const LIGHT_LUMINANCE: f64 = 0.179;

/// `average_color`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AverageColor {
    /// `#RRGGBB`.
    pub hex: String,
    /// Dark text reads better on it than light text.
    pub light: bool,
}

/// `blurhash` of the working copy; `None` if the crate refuses the size.
pub(crate) fn blurhash(working: &DynamicImage) -> Option<String> {
    let small = working
        .thumbnail(BLURHASH_MAX_SIDE, BLURHASH_MAX_SIDE)
        .to_rgba8();
    let (x, y) = BLURHASH_COMPONENTS;
    blurhash::encode(x, y, small.width(), small.height(), small.as_raw()).ok()
}

/// `thumbhash` of the working copy, standard base64 (as its reference page
/// shows it).
pub(crate) fn thumbhash(working: &DynamicImage) -> String {
    let small = working
        .thumbnail(THUMBHASH_MAX_SIDE, THUMBHASH_MAX_SIDE)
        .to_rgba8();
    let hash = thumbhash::rgba_to_thumb_hash(
        small.width() as usize,
        small.height() as usize,
        small.as_raw(),
    );
    STANDARD.encode(hash)
}

/// `average_color` of `image`; a fully transparent image averages to white
/// (the page behind it).
pub(crate) fn average_color(image: &RgbaImage) -> AverageColor {
    let mut sums = [0.0f64; 3];
    let mut weight = 0.0;
    for pixel in image.pixels() {
        let [r, g, b, a] = pixel.0;
        let alpha = f64::from(a) / 255.0;
        for (sum, c) in sums.iter_mut().zip([r, g, b]) {
            *sum += alpha * to_linear(c);
        }
        weight += alpha;
    }
    let linear = if weight > 0.0 {
        sums.map(|s| s / weight)
    } else {
        [1.0; 3]
    };
    let luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
    let [r, g, b] = linear.map(to_srgb);
    AverageColor {
        hex: format!("#{r:02X}{g:02X}{b:02X}"),
        light: luminance > LIGHT_LUMINANCE,
    }
}

fn to_linear(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn to_srgb(linear: f64) -> u8 {
    let c = if linear <= 0.003_130_8 {
        linear * 12.92
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    };
    (c * 255.0).round().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use image::Rgba;

    use super::*;

    fn filled(color: [u8; 4]) -> RgbaImage {
        RgbaImage::from_pixel(40, 30, Rgba(color))
    }

    #[test]
    fn average_color_and_its_lightness() {
        let navy = average_color(&filled([0, 0, 128, 255]));
        assert_eq!(navy.hex, "#000080");
        assert!(!navy.light);
        let cream = average_color(&filled([250, 240, 200, 255]));
        assert_eq!(cream.hex, "#FAF0C8");
        assert!(cream.light);
        // Half black, half white averages in linear light, not in sRGB.
        let halves = RgbaImage::from_fn(40, 30, |x, _| {
            if x < 20 {
                Rgba([0, 0, 0, 255])
            } else {
                Rgba([255, 255, 255, 255])
            }
        });
        assert_eq!(average_color(&halves).hex, "#BCBCBC");
        assert_eq!(average_color(&filled([0, 0, 0, 0])).hex, "#FFFFFF");
    }

    #[test]
    fn placeholder_hashes_decode_back_to_the_picture() {
        let image = DynamicImage::ImageRgba8(RgbaImage::from_fn(120, 80, |x, _| {
            if x < 60 {
                Rgba([220, 30, 30, 255])
            } else {
                Rgba([30, 30, 220, 255])
            }
        }));
        let hash = blurhash(&image).unwrap();
        // Size flag, maximum AC value, 4 for DC, 2 for each of the 11 AC
        // components of 4x3.
        assert_eq!(hash.len(), 1 + 1 + 4 + 2 * (4 * 3 - 1), "{hash}");
        let decoded = STANDARD.decode(thumbhash(&image)).unwrap();
        let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&decoded).unwrap();
        // The left edge stays red, the right edge blue.
        let left = &rgba[(h / 2 * w) * 4..][..4];
        let right = &rgba[(h / 2 * w + w - 1) * 4..][..4];
        assert!(
            left[0] > left[2] && right[2] > right[0],
            "{left:?} {right:?}"
        );
    }
}
