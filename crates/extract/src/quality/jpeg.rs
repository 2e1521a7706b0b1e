//! What a JPEG's headers say about how it was compressed: `jpeg_quality` from
//! its quantisation tables and `jpeg_chroma` from its chroma sampling factors.
//! Segments are read with `img-parts` (already used for metadata); the tables
//! are compared with the IJG reference tables (ITU-T T.81 Annex K) that
//! libjpeg, and so nearly every encoder, scales by the quality setting.

use img_parts::jpeg::{markers, Jpeg};
use img_parts::Bytes;

/// ITU-T T.81 Table K.1 (luminance), in natural (row-major) order.
const REFERENCE_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// ITU-T T.81 Table K.2 (chrominance), in natural order.
const REFERENCE_CHROMA: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// The zig-zag scan position of each natural-order index (T.81 Figure A.6):
/// DQT stores its 64 values in zig-zag order.
const ZIGZAG_TO_NATURAL: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// The compression facts of one JPEG.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct JpegFacts {
    /// The IJG quality (1..=100) its tables correspond to.
    pub quality: f64,
    /// Chroma samples per luma sample: 1 (4:4:4 or grayscale), 0.5 (4:2:2),
    /// 0.25 (4:2:0).
    pub chroma_share: f64,
}

/// Reads the tables and the frame header; `None` when the file has no
/// quantisation table or frame header to read.
pub(crate) fn facts(bytes: &[u8]) -> Option<JpegFacts> {
    let jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).ok()?;
    let mut tables: [Option<[u16; 64]>; 4] = [None; 4];
    let mut chroma_share = None;
    for segment in jpeg.segments() {
        match segment.marker() {
            markers::DQT => read_tables(segment.contents(), &mut tables),
            marker if is_frame_header(marker) => {
                chroma_share = chroma_share.or_else(|| sampling_share(segment.contents()));
            }
            _ => {}
        }
    }
    let luma = tables[0]?;
    // Most encoders store the chroma table as table 1; its quality agrees
    // with the luma table's when the encoder scaled both by one setting.
    let scales: Vec<f64> = std::iter::once(mean_scale(&luma, &REFERENCE_LUMA))
        .chain(tables[1].map(|chroma| mean_scale(&chroma, &REFERENCE_CHROMA)))
        .collect();
    let scale = scales.iter().sum::<f64>() / scales.len() as f64;
    Some(JpegFacts {
        quality: ijg_quality(scale),
        chroma_share: chroma_share?,
    })
}

/// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
fn is_frame_header(marker: u8) -> bool {
    (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// DQT: one or more `Pq|Tq` bytes each followed by 64 values (8 or 16 bits).
fn read_tables(contents: &[u8], tables: &mut [Option<[u16; 64]>; 4]) {
    let mut rest = contents;
    while let Some((&header, body)) = rest.split_first() {
        let wide = header >> 4 == 1;
        let slot = usize::from(header & 0x0F);
        let len = if wide { 128 } else { 64 };
        let Some(values) = body.get(..len) else {
            return;
        };
        let mut table = [0u16; 64];
        for (zigzag, natural) in ZIGZAG_TO_NATURAL.iter().enumerate() {
            table[*natural] = if wide {
                u16::from_be_bytes([values[2 * zigzag], values[2 * zigzag + 1]])
            } else {
                u16::from(values[zigzag])
            };
        }
        if let Some(entry) = tables.get_mut(slot) {
            *entry = Some(table);
        }
        rest = &body[len..];
    }
}

/// The chroma sample share from a frame header: precision, height, width,
/// component count, then `id, HiVi, Tq` per component.
fn sampling_share(contents: &[u8]) -> Option<f64> {
    let count = usize::from(*contents.get(5)?);
    let components = contents.get(6..6 + 3 * count)?;
    let samples: Vec<f64> = components
        .chunks_exact(3)
        .map(|c| f64::from(c[1] >> 4) * f64::from(c[1] & 0x0F))
        .collect();
    let luma = *samples.first()?;
    if samples.len() < 3 || luma == 0.0 {
        // Grayscale: no chroma to subsample.
        return Some(1.0);
    }
    let chroma = samples[1..].iter().copied().fold(f64::INFINITY, f64::min);
    Some((chroma / luma).clamp(0.0, 1.0))
}

/// The IJG scale factor (percent) `table` was made with from `reference`:
/// libjpeg stores `(reference * scale + 50) / 100`, clamped to 1..=255.
fn mean_scale(table: &[u16; 64], reference: &[u16; 64]) -> f64 {
    let sum: f64 = table
        .iter()
        .zip(reference)
        .map(|(&q, &r)| f64::from(q) * 100.0 / f64::from(r))
        .sum();
    sum / 64.0
}

/// Inverts libjpeg's `jpeg_quality_scaling`: quality q < 50 gives scale
/// 5000 / q, q >= 50 gives 200 - 2q.
fn ijg_quality(scale: f64) -> f64 {
    let quality = if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    };
    quality.clamp(1.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(quality: u8, sampling: turbojpeg::Subsamp) -> Vec<u8> {
        let image = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
        });
        let mut compressor = turbojpeg::Compressor::new().unwrap();
        compressor.set_quality(i32::from(quality)).unwrap();
        compressor.set_subsamp(sampling).unwrap();
        let raw = turbojpeg::Image {
            pixels: image.as_raw().as_slice(),
            width: 64,
            pitch: 64 * 3,
            height: 48,
            format: turbojpeg::PixelFormat::RGB,
        };
        compressor.compress_to_vec(raw).unwrap()
    }

    #[test]
    fn recovers_the_encoder_quality_from_the_tables() {
        for quality in [20u8, 30, 50, 70, 90, 100] {
            let facts = facts(&encode(quality, turbojpeg::Subsamp::Sub2x2)).unwrap();
            assert!(
                (facts.quality - f64::from(quality)).abs() <= 1.5,
                "q{quality} read as {}",
                facts.quality
            );
        }
    }

    #[test]
    fn reads_the_chroma_sampling() {
        let share = |sampling| facts(&encode(80, sampling)).unwrap().chroma_share;
        assert_eq!(share(turbojpeg::Subsamp::None), 1.0);
        assert_eq!(share(turbojpeg::Subsamp::Sub2x1), 0.5);
        assert_eq!(share(turbojpeg::Subsamp::Sub2x2), 0.25);
    }

    #[test]
    fn a_file_without_tables_has_no_facts() {
        assert_eq!(facts(b"\xFF\xD8\xFF\xD9"), None);
        assert_eq!(facts(b"not a jpeg"), None);
    }
}
