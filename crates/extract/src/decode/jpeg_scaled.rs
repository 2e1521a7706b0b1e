//! JPEG decoding at the smallest scale the analyses can use, with libjpeg-turbo
//! (`turbojpeg`) scaling in the inverse DCT: a 1/8 decode never builds the
//! full-size image, so it costs about half a full decode (entropy decoding is
//! the part that cannot shrink) instead of a full decode plus a resize.

use image::{DynamicImage, GrayImage, RgbImage};
use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

/// The DCT scales tried, smallest first; full size when none is big enough.
const SCALES: [ScalingFactor; 3] = [
    ScalingFactor::ONE_EIGHTH,
    ScalingFactor::ONE_QUARTER,
    ScalingFactor::ONE_HALF,
];

/// A DCT scale libjpeg-turbo decodes at.
pub(super) type Scale = ScalingFactor;

/// A JPEG whose header libjpeg-turbo read, ready to decode at any scale.
pub(super) struct ScaledJpeg<'a> {
    bytes: &'a [u8],
    width: usize,
    height: usize,
    lossless: bool,
    format: PixelFormat,
}

impl<'a> ScaledJpeg<'a> {
    /// `None` when libjpeg-turbo cannot read the header, or the file is
    /// CMYK/YCCK (left to the general decoder's colour conversion so that
    /// results do not depend on the path).
    pub(super) fn open(bytes: &'a [u8]) -> Option<Self> {
        let header = Decompressor::new().ok()?.read_header(bytes).ok()?;
        let format = match header.colorspace {
            Colorspace::Gray => PixelFormat::GRAY,
            Colorspace::RGB | Colorspace::YCbCr => PixelFormat::RGB,
            _ => return None,
        };
        Some(ScaledJpeg {
            bytes,
            width: header.width,
            height: header.height,
            lossless: header.is_lossless,
            format,
        })
    }

    /// Stored width and height, and bytes per pixel of a full decode.
    pub(super) fn header_facts(&self) -> Option<(u32, u32, u8)> {
        Some((
            u32::try_from(self.width).ok()?,
            u32::try_from(self.height).ok()?,
            u8::try_from(self.format.size()).ok()?,
        ))
    }

    /// The smallest DCT scale whose longest side is still at least
    /// `min_long_side` (full size if the image is smaller than that).
    pub(super) fn scale_for(&self, min_long_side: u32) -> Scale {
        if self.lossless {
            return ScalingFactor::ONE; // lossless JPEG has no DCT to scale in
        }
        let long_side = self.width.max(self.height);
        let wanted = usize::try_from(min_long_side).unwrap_or(usize::MAX);
        SCALES
            .into_iter()
            .find(|scale| scale.scale(long_side) >= wanted)
            .unwrap_or(ScalingFactor::ONE)
    }

    /// Decodes at `scale`. `None` when libjpeg-turbo reports any warning or
    /// error (such as a truncated scan): the caller then decodes the file
    /// with the general decoder, which keeps the final word on what is
    /// corrupt.
    pub(super) fn decode(&self, scale: Scale) -> Option<DynamicImage> {
        let mut decompressor = Decompressor::new().ok()?;
        decompressor.set_scaling_factor(scale).ok()?;
        let format = self.format;
        let (width, height) = (scale.scale(self.width), scale.scale(self.height));
        let pitch = width.checked_mul(format.size())?;
        let mut pixels = vec![0; pitch.checked_mul(height)?];
        let output = Image {
            pixels: pixels.as_mut_slice(),
            width,
            pitch,
            height,
            format,
        };
        decompressor.decompress(self.bytes, output).ok()?;
        let (width, height) = (u32::try_from(width).ok()?, u32::try_from(height).ok()?);
        match format {
            PixelFormat::GRAY => {
                GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8)
            }
            _ => RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8),
        }
    }
}

/// Decodes `bytes` at the smallest DCT scale whose longest side is still at
/// least `min_long_side`; `None` as [`ScaledJpeg::open`] and
/// [`ScaledJpeg::decode`] say.
#[cfg(test)]
fn decode_at_least(bytes: &[u8], min_long_side: u32) -> Option<DynamicImage> {
    let jpeg = ScaledJpeg::open(bytes)?;
    jpeg.decode(jpeg.scale_for(min_long_side))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
            .encode_image(&image)
            .expect("encoding a JPEG");
        bytes
    }

    #[test]
    fn decodes_at_the_smallest_scale_that_keeps_the_requested_side() {
        let bytes = jpeg(2000, 1000);
        let eighth = decode_at_least(&bytes, 250).expect("decodes");
        assert_eq!((eighth.width(), eighth.height()), (250, 125));
        let quarter = decode_at_least(&bytes, 251).expect("decodes");
        assert_eq!((quarter.width(), quarter.height()), (500, 250));
        let half = decode_at_least(&bytes, 1000).expect("decodes");
        assert_eq!((half.width(), half.height()), (1000, 500));
    }

    #[test]
    fn an_image_smaller_than_asked_is_decoded_at_full_size() {
        let bytes = jpeg(300, 200);
        let full = decode_at_least(&bytes, 1280).expect("decodes");
        assert_eq!((full.width(), full.height()), (300, 200));
    }

    #[test]
    fn a_truncated_file_is_left_to_the_general_decoder() {
        let bytes = jpeg(640, 480);
        assert!(decode_at_least(&bytes[..bytes.len() / 2], 256).is_none());
        assert!(decode_at_least(b"not a jpeg", 256).is_none());
    }
}
