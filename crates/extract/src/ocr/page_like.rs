//! Is this image a page (text on an even background: a scan, a screenshot, a
//! rendered document) or a photograph? `adv_ocr` reads the two differently.
//!
//! A page's background is one tone that covers most of it: paper, or a
//! screen's fill. A photograph's tones spread over the range. So the test is
//! the share of pixels within a narrow band around the most common grey.

use image::GrayImage;

/// Half-width of the band around the background grey, in grey levels: wide
/// enough for paper texture and scanner noise, narrow for a photo's gradients.
const BACKGROUND_BAND: usize = 24;

/// A page's background covers at least this share of it. Measured here: the
/// corpus scans 0.83-0.93, its photos 0.09-0.41.
const MIN_BACKGROUND_SHARE: f64 = 0.55;

/// Pixels sampled at most: the histogram settles long before.
const SAMPLE_PIXELS: u64 = 250_000;

pub(crate) fn looks_like_page(gray: &GrayImage) -> bool {
    let total = u64::from(gray.width()) * u64::from(gray.height());
    if total == 0 {
        return false;
    }
    let step = usize::try_from((total / SAMPLE_PIXELS).max(1)).unwrap_or(usize::MAX);
    let mut histogram = [0u64; 256];
    let mut sampled = 0u64;
    for value in gray.as_raw().iter().step_by(step) {
        histogram[usize::from(*value)] += 1;
        sampled += 1;
    }
    let background = (0..256)
        .max_by_key(|&level| histogram[level])
        .unwrap_or(255);
    let band = background.saturating_sub(BACKGROUND_BAND)..=(background + BACKGROUND_BAND).min(255);
    let in_band: u64 = histogram[band].iter().sum();
    in_band as f64 / sampled as f64 >= MIN_BACKGROUND_SHARE
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

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
        assert!(looks_like_page(&page));
    }

    #[test]
    fn a_smooth_gradient_is_not_a_page() {
        let photo = GrayImage::from_fn(400, 300, |x, y| Luma([((x + y) * 255 / 700) as u8]));
        assert!(!looks_like_page(&photo));
    }

    #[test]
    fn an_empty_image_is_not_a_page() {
        assert!(!looks_like_page(&GrayImage::new(0, 0)));
    }
}
