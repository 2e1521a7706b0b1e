//! Area-average downscaling to the small working copy.
//!
//! `image`'s `thumbnail` averages exact source areas in floating point, which
//! costs a third of a 12 MP decode. Averaging whole k x k blocks with integer
//! sums first (k = the largest whole factor that keeps the result at least as
//! big as the target) does almost all the reduction in one cheap pass; the
//! exact `thumbnail` then only finishes a small image. Both steps average areas,
//! so the result does not alias.

use image::{DynamicImage, GrayAlphaImage, GrayImage, RgbImage, RgbaImage};

/// `image` shrunk to fit within `max_side` x `max_side`, aspect kept; an image
/// that already fits is returned as is.
pub(crate) fn shrink_to_fit(image: &DynamicImage, max_side: u32) -> DynamicImage {
    let longest = image.width().max(image.height());
    if longest <= max_side {
        return image.clone();
    }
    let block = longest / max_side;
    let reduced = if block >= 2 {
        block_average(image, block)
    } else {
        None
    };
    reduced
        .as_ref()
        .unwrap_or(image)
        .thumbnail(max_side, max_side)
}

/// Averages `block` x `block` squares of an 8-bit image (the remainder strip at
/// the right and bottom edges, under `block` pixels, is left out). `None` for
/// pixel types other than 8-bit gray/RGB with or without alpha.
fn block_average(image: &DynamicImage, block: u32) -> Option<DynamicImage> {
    let (width, height) = (image.width() / block, image.height() / block);
    if width == 0 || height == 0 {
        return None;
    }
    let source_width = image.width() as usize;
    let (w, h, k) = (width as usize, height as usize, block as usize);
    Some(match image {
        DynamicImage::ImageLuma8(i) => GrayImage::from_raw(
            width,
            height,
            average_blocks::<1>(i.as_raw(), source_width, k, w, h),
        )?
        .into(),
        DynamicImage::ImageLumaA8(i) => GrayAlphaImage::from_raw(
            width,
            height,
            average_blocks::<2>(i.as_raw(), source_width, k, w, h),
        )?
        .into(),
        DynamicImage::ImageRgb8(i) => RgbImage::from_raw(
            width,
            height,
            average_blocks::<3>(i.as_raw(), source_width, k, w, h),
        )?
        .into(),
        DynamicImage::ImageRgba8(i) => RgbaImage::from_raw(
            width,
            height,
            average_blocks::<4>(i.as_raw(), source_width, k, w, h),
        )?
        .into(),
        _ => return None,
    })
}

/// The block averages of an 8-bit image with `C` channels per pixel, row-major.
/// `C` is a constant so that the per-pixel loop compiles to straight-line adds.
fn average_blocks<const C: usize>(
    raw: &[u8],
    source_width: usize,
    block: usize,
    width: usize,
    height: usize,
) -> Vec<u8> {
    let area = (block * block) as u32;
    let mut out = Vec::with_capacity(width * height * C);
    let mut sums = vec![[0u32; C]; width];
    for source_rows in raw.chunks_exact(source_width * C * block).take(height) {
        sums.fill([0; C]);
        for row in source_rows.chunks_exact(source_width * C) {
            let used = &row[..width * block * C];
            for (sum, pixels) in sums.iter_mut().zip(used.chunks_exact(block * C)) {
                for pixel in pixels.chunks_exact(C) {
                    for c in 0..C {
                        sum[c] += u32::from(pixel[c]);
                    }
                }
            }
        }
        for sum in &sums {
            out.extend(sum.iter().map(|&s| ((s + area / 2) / area) as u8));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn averages_whole_blocks() {
        // 4x2 RGB: left 2x2 block black/white checker, right block solid red.
        let image = RgbImage::from_fn(4, 2, |x, y| match (x, y) {
            (0, 0) | (1, 1) => Rgb([0, 0, 0]),
            (0, 1) | (1, 0) => Rgb([255, 255, 255]),
            _ => Rgb([200, 0, 0]),
        });
        let reduced = block_average(&image.into(), 2).unwrap().to_rgb8();
        assert_eq!(reduced.dimensions(), (2, 1));
        assert_eq!(reduced.get_pixel(0, 0), &Rgb([128, 128, 128]));
        assert_eq!(reduced.get_pixel(1, 0), &Rgb([200, 0, 0]));
    }

    #[test]
    fn fits_the_longest_side_and_keeps_the_aspect() {
        let image: DynamicImage = RgbaImage::new(4000, 3000).into();
        let small = shrink_to_fit(&image, 256);
        assert_eq!((small.width(), small.height()), (256, 192));
        let tiny: DynamicImage = GrayImage::new(100, 50).into();
        assert_eq!(shrink_to_fit(&tiny, 256).width(), 100);
    }
}
