//! Is this image a page (text on an even background: a scan, a screenshot, a
//! rendered document) or a photograph? `adv_ocr` reads the two differently.
//!
//! A page's background is one tone that covers most of it: paper, or a
//! screen's fill, and that tone is grey (white, black or between). A
//! photograph's tones spread over the range, and where one tone does cover
//! most of it (a dark room, a box filling the frame), it has a colour. So the
//! test is the share of pixels within a narrow band around the most common
//! grey, and how colourless those pixels are.

use image::{DynamicImage, GenericImageView, Pixel};

/// Half-width of the band around the background grey, in grey levels: wide
/// enough for paper texture and scanner noise, narrow for a photo's gradients.
const BACKGROUND_BAND: usize = 24;

/// Grey levels either side of a level that count as that tone when finding
/// the background.
const BACKGROUND_SPREAD: usize = 8;

/// A page's background covers at least this share of it. Measured here: the
/// corpus scans 0.83-0.93, most of its photos 0.07-0.45, and photos with a
/// large dark or even area up to 0.84 (the chroma test tells those apart).
const MIN_BACKGROUND_SHARE: f64 = 0.55;

/// A page's background pixels differ between their largest and smallest
/// channel by at most this on average. Measured here on the corpus at 500 px:
/// scans and screenshots 0-7, photos with a large even area 18-31 (a navy
/// camera box, a dark wooden table).
const MAX_BACKGROUND_CHROMA: f64 = 12.0;

/// Pixels sampled at most: the histogram settles long before.
const SAMPLE_PIXELS: u64 = 250_000;

pub(crate) fn looks_like_page(image: &DynamicImage) -> bool {
    let (width, height) = image.dimensions();
    let total = u64::from(width) * u64::from(height);
    if total == 0 {
        return false;
    }
    let step = (total / SAMPLE_PIXELS).max(1);
    let mut histogram = [0u64; 256];
    // Per grey level, the sum of (largest - smallest channel) of its pixels.
    let mut chroma = [0u64; 256];
    let mut sampled = 0u64;
    for at in (0..total).step_by(usize::try_from(step).unwrap_or(usize::MAX)) {
        let (x, y) = (
            (at % u64::from(width)) as u32,
            (at / u64::from(width)) as u32,
        );
        let pixel = image.get_pixel(x, y);
        let [grey] = pixel.to_luma().0;
        let [r, g, b, _] = pixel.0;
        histogram[usize::from(grey)] += 1;
        chroma[usize::from(grey)] += u64::from(r.max(g).max(b) - r.min(g).min(b));
        sampled += 1;
    }
    // The background is the tone the most pixels lie near, not the single
    // commonest level: paper noise spreads its pixels over several levels,
    // where solid ink piles on one.
    let near = |level: usize| -> u64 {
        histogram[level.saturating_sub(BACKGROUND_SPREAD)..=(level + BACKGROUND_SPREAD).min(255)]
            .iter()
            .sum()
    };
    let background = (0..256).max_by_key(|&level| near(level)).unwrap_or(255);
    let band = background.saturating_sub(BACKGROUND_BAND)..=(background + BACKGROUND_BAND).min(255);
    let in_band: u64 = histogram[band.clone()].iter().sum();
    let band_chroma: u64 = chroma[band].iter().sum();
    in_band as f64 / sampled as f64 >= MIN_BACKGROUND_SHARE
        && band_chroma as f64 / in_band.max(1) as f64 <= MAX_BACKGROUND_CHROMA
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    #[test]
    fn dark_text_on_paper_is_a_page() {
        let page = GrayImage::from_fn(400, 300, |x, y| {
            // Lines of "text" covering a quarter of the page, on slightly noisy paper.
            if y % 20 < 5 && x % 7 < 5 {
                Luma([20])
            } else {
                Luma([235 + ((x * 7 + y * 13) % 10) as u8])
            }
        });
        assert!(looks_like_page(&DynamicImage::ImageLuma8(page)));
    }

    #[test]
    fn a_smooth_gradient_is_not_a_page() {
        let photo = GrayImage::from_fn(400, 300, |x, y| Luma([((x + y) * 255 / 700) as u8]));
        assert!(!looks_like_page(&DynamicImage::ImageLuma8(photo)));
    }

    #[test]
    fn text_on_an_even_coloured_area_is_not_a_page() {
        // The same "text", on a navy box filling the frame.
        let boxed = image::RgbImage::from_fn(400, 300, |x, y| {
            if y % 20 < 5 && x % 7 < 5 {
                image::Rgb([230, 230, 230])
            } else {
                image::Rgb([20, 30, 90])
            }
        });
        assert!(!looks_like_page(&DynamicImage::ImageRgb8(boxed)));
    }

    #[test]
    fn an_empty_image_is_not_a_page() {
        assert!(!looks_like_page(&DynamicImage::ImageLuma8(GrayImage::new(
            0, 0
        ))));
    }
}
