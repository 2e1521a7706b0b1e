//! TIFF pages whose samples are wider than libtiff's RGBA interface reads
//! (32- and 64-bit integers, 16-, 32- and 64-bit floats, signed samples),
//! through the `tiff` crate's raw sample decode, scaled to 16 bits.
//! Integers span their type's range; floats are read as 0.0..=1.0 (as
//! ImageMagick and Pillow show them), clamped.

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer};
use tiff::decoder::{Decoder, DecodingResult};
use tiff::ColorType;

use crate::limits::Limits;
use crate::ExtractError;

/// Page `index` of a TIFF as 16-bit grey, grey + alpha, RGB or RGBA (CMYK
/// shown as RGB). `Ok(None)` when its colour type is none of those or its
/// samples are narrower than a byte (libtiff reads those).
pub(crate) fn decode_page(
    bytes: &[u8],
    index: u32,
    limits: &Limits,
) -> Result<Option<DynamicImage>, ExtractError> {
    let unreadable = |e: tiff::TiffError| match e {
        tiff::TiffError::UnsupportedError(_) => None,
        other => Some(ExtractError::corrupt(other)),
    };
    let mut tiff_limits = tiff::decoder::Limits::default();
    // The decoded samples are at most the pixel limit at 64-bit RGBA.
    tiff_limits.decoding_buffer_size =
        usize::try_from(limits.max_pixels.saturating_mul(32)).unwrap_or(usize::MAX);
    let result = (|| {
        let mut decoder = Decoder::new(Cursor::new(bytes))?.with_limits(tiff_limits);
        decoder.seek_to_image(index as usize)?;
        let (width, height) = decoder.dimensions()?;
        let colortype = decoder.colortype()?;
        Ok((width, height, colortype, decoder))
    })();
    let (width, height, colortype, mut decoder) = match result {
        Ok(opened) => opened,
        Err(e) => return unreadable(e).map_or(Ok(None), Err),
    };
    limits.check_pixels(width, height)?;
    // Samples per pixel as stored, and as the image is made (CMYK becomes RGB).
    let (stored, channels) = match colortype {
        ColorType::Gray(bits) if bits >= 8 => (1, 1),
        ColorType::GrayA(bits) if bits >= 8 => (2, 2),
        ColorType::RGB(bits) if bits >= 8 => (3, 3),
        ColorType::RGBA(bits) if bits >= 8 => (4, 4),
        ColorType::CMYK(bits) if bits >= 8 => (4, 3),
        ColorType::CMYKA(bits) if bits >= 8 => (5, 4),
        _ => return Ok(None),
    };
    // The `tiff` crate (0.11) reads only the first plane of a planar page
    // with several samples: its pixels are unavailable, not damaged.
    let planar = decoder
        .find_tag_unsigned::<u16>(tiff::tags::Tag::PlanarConfiguration)
        .ok()
        .flatten()
        == Some(2);
    if planar && stored > 1 {
        return Ok(None);
    }
    let samples = match decoder.read_image() {
        Ok(samples) => to_u16(samples),
        Err(e) => return unreadable(e).map_or(Ok(None), Err),
    };
    let short = || ExtractError::Corrupt(format!("TIFF page {} is short of samples", index + 1));
    let wanted = u64::from(width) * u64::from(height) * stored;
    let mut samples = samples;
    if (samples.len() as u64) < wanted {
        return Err(short());
    }
    samples.truncate(wanted as usize);
    if stored != channels {
        samples = cmyk_to_rgb(&samples, stored as usize);
    }
    let image = match channels {
        1 => ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageLuma16),
        2 => ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageLumaA16),
        3 => ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageRgb16),
        _ => ImageBuffer::from_raw(width, height, samples).map(DynamicImage::ImageRgba16),
    };
    image.map(Some).ok_or_else(short)
}

/// Whether the first page holds 32-bit integer samples, which the `image`
/// crate (0.25) reads as if they were floats: such pages come here instead.
pub(crate) fn has_wide_integer_samples(bytes: &[u8]) -> bool {
    let Ok(mut decoder) = Decoder::new(Cursor::new(bytes)) else {
        return false;
    };
    let wide = decoder
        .colortype()
        .is_ok_and(|colortype| colortype.bit_depth() == 32);
    // SampleFormat 3 is IEEE floating point; absent means unsigned integer.
    let float = decoder
        .find_tag_unsigned_vec::<u16>(tiff::tags::Tag::SampleFormat)
        .ok()
        .flatten()
        .is_some_and(|formats| formats.first() == Some(&3));
    wide && !float
}

/// Ink samples (C, M, Y, K, then alpha when `stored` is 5) as RGB(A), the
/// way libtiff's RGBA interface shows 8-bit CMYK: each colour is its ink's
/// complement times black's complement.
fn cmyk_to_rgb(samples: &[u16], stored: usize) -> Vec<u16> {
    let complement = |ink: u16| u32::from(u16::MAX - ink);
    samples
        .chunks_exact(stored)
        .flat_map(|pixel| {
            let black = complement(pixel[3]);
            let colour = |ink: u16| (complement(ink) * black / u32::from(u16::MAX)) as u16;
            let rgb = [colour(pixel[0]), colour(pixel[1]), colour(pixel[2])];
            rgb.into_iter().chain(pixel.get(4).copied())
        })
        .collect()
}

/// Every sample scaled to 0..=65535.
fn to_u16(samples: DecodingResult) -> Vec<u16> {
    fn unit(value: f64) -> u16 {
        // NaN clamps to 0.
        (value.clamp(0.0, 1.0) * 65535.0).round() as u16
    }
    match samples {
        DecodingResult::U8(v) => v.into_iter().map(|s| u16::from(s) * 257).collect(),
        DecodingResult::U16(v) => v,
        DecodingResult::U32(v) => v.into_iter().map(|s| (s >> 16) as u16).collect(),
        DecodingResult::U64(v) => v.into_iter().map(|s| (s >> 48) as u16).collect(),
        DecodingResult::I8(v) => v
            .into_iter()
            .map(|s| (i16::from(s) + 128) as u16 * 257)
            .collect(),
        DecodingResult::I16(v) => v
            .into_iter()
            .map(|s| (i32::from(s) + 32768) as u16)
            .collect(),
        DecodingResult::I32(v) => v
            .into_iter()
            .map(|s| ((i64::from(s) + (1 << 31)) >> 16) as u16)
            .collect(),
        DecodingResult::I64(v) => v
            .into_iter()
            .map(|s| ((i128::from(s) + (1 << 63)) >> 48) as u16)
            .collect(),
        DecodingResult::F16(v) => v.into_iter().map(|s| unit(f64::from(s.to_f32()))).collect(),
        DecodingResult::F32(v) => v.into_iter().map(|s| unit(f64::from(s))).collect(),
        DecodingResult::F64(v) => v.into_iter().map(unit).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_type_spans_the_16_bit_range() {
        assert_eq!(to_u16(DecodingResult::U8(vec![0, 255])), [0, 65535]);
        assert_eq!(to_u16(DecodingResult::U32(vec![0, u32::MAX])), [0, 65535]);
        assert_eq!(to_u16(DecodingResult::I8(vec![-128, 127])), [0, 65535]);
        assert_eq!(
            to_u16(DecodingResult::I32(vec![i32::MIN, i32::MAX])),
            [0, 65535]
        );
        assert_eq!(
            to_u16(DecodingResult::F32(vec![-1.0, 0.5, 2.0, f32::NAN])),
            [0, 32768, 65535, 0]
        );
    }

    #[test]
    fn cmyk_shows_as_its_inks_complement_under_black() {
        let white = [0, 0, 0, 0];
        let red = [0, 65535, 65535, 0];
        let half_black = [0, 0, 0, 32768];
        let rgb = cmyk_to_rgb(&[white, red, half_black].concat(), 4);
        assert_eq!(rgb, [65535, 65535, 65535, 65535, 0, 0, 32767, 32767, 32767]);
        assert_eq!(
            cmyk_to_rgb(&[0, 0, 0, 0, 1234], 5),
            [65535, 65535, 65535, 1234]
        );
    }
}
