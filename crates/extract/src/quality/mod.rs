//! `quality_analysis` and `quality_score`, as Cloudinary's extended quality
//! analysis returns them: every score in 0..=1 with 1 best, two decimals;
//! multi-page and animated files are judged by their first page or frame.
//!
//! One image, one answer: the measures read canonical inputs defined by the
//! image alone, never the shared decode (whose scale depends on the other
//! analyses requested):
//! - the *working* image: the first frame in its displayed orientation,
//!   composited over white, shrunk to fit [`WORKING_SIDE`] (focus, noise,
//!   contrast, exposure, saturation, lighting are judged at that size);
//! - the *full* image: the same frame at full resolution, read for the
//!   compression artifacts (`dct`, `blockiness`, `chroma_subsampling`) only
//!   when it has at most [`ARTIFACT_MAX_PIXELS`], as Cloudinary does;
//! - for JPEG originals, the headers (`jpeg_quality`, `jpeg_chroma`).
//!
//! Each measure's method is documented where it is computed (`measures.rs`,
//! `jpeg.rs`); the weights of the summary scores are below.

mod jpeg;
mod measures;

use std::borrow::Cow;

use image::{DynamicImage, Rgb, RgbImage};
use serde::Serialize;

use crate::decode::{self, Needs};
use crate::limits::Limits;
use crate::probe::Header;
use crate::{shrink, ExtractError, Format};
use measures::Plane;

/// Longest side of the working image the global measures read.
pub(crate) const WORKING_SIDE: u32 = 1024;
/// Compression artifacts are estimated only up to this many pixels (10 MP),
/// Cloudinary's documented bound; above it the fields are absent.
pub(crate) const ARTIFACT_MAX_PIXELS: u64 = 10_000_000;

/// `quality_analysis`. Optional fields are absent when they do not apply:
/// `jpeg_*` for files that are not JPEG, the artifact scores above 10 MP.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityAnalysis {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jpeg_quality: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jpeg_chroma: Option<f64>,
    pub focus: f64,
    pub noise: f64,
    pub contrast: f64,
    pub exposure: f64,
    pub saturation: f64,
    pub lighting: f64,
    pub pixel_score: f64,
    pub color_score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blockiness: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chroma_subsampling: Option<f64>,
    pub resolution: f64,
}

/// What `quality_analysis=1` adds to a response: the object and, next to it
/// at the top level (as Cloudinary places it), the weighted `quality_score`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    pub quality_analysis: QualityAnalysis,
    pub quality_score: f64,
}

/// Weights of `quality_score`: how the picture's pixels look (focus, noise,
/// compression artifacts), how its colours look, and its size against full HD.
const PIXEL_WEIGHT: f64 = 0.45;
const COLOR_WEIGHT: f64 = 0.35;
const RESOLUTION_WEIGHT: f64 = 0.2;

/// Judges the first frame of `bytes`. `shared_full` is the shared decode when
/// it is at full resolution (OCR asked for it), saving a second decode; any
/// other shared image is ignored and the full frame decoded again.
pub(crate) fn analyze(
    bytes: &[u8],
    header: &Header,
    limits: &Limits,
    shared_full: Option<&DynamicImage>,
) -> Result<Option<QualityReport>, ExtractError> {
    let full = match shared_full {
        Some(image) => Cow::Borrowed(image),
        None => {
            let needs = Needs {
                working: false,
                faces: false,
                full_resolution: true,
            };
            match decode::decode(bytes, header, limits, needs)?.and_then(|p| p.full) {
                Some(image) => Cow::Owned(std::sync::Arc::unwrap_or_clone(image)),
                None => return Ok(None),
            }
        }
    };
    let (width, height) = header.displayed_size();
    let jpeg = (header.format == Format::Jpg)
        .then(|| jpeg::facts(bytes))
        .flatten();
    Ok(Some(judge(&full, width, height, jpeg)))
}

fn judge(
    full: &DynamicImage,
    width: u32,
    height: u32,
    jpeg: Option<jpeg::JpegFacts>,
) -> QualityReport {
    let working = over_white(&shrink::shrink_to_fit(full, WORKING_SIDE));
    let [luma, ..] = Plane::ycbcr(&working);
    let focus = measures::focus(&luma);
    let noise = measures::noise(&luma);
    let contrast = measures::contrast(&luma);
    let exposure = measures::exposure(&luma);
    let saturation = measures::saturation(&working);
    let lighting = measures::lighting(&luma);
    let resolution = measures::resolution(width, height);

    let pixels = u64::from(full.width()) * u64::from(full.height());
    let artifacts = (pixels <= ARTIFACT_MAX_PIXELS).then(|| {
        let planes = Plane::ycbcr(&over_white(full));
        (
            measures::dct(&planes[0]),
            measures::blockiness(&planes[0]),
            measures::chroma_detail(&planes),
        )
    });
    let jpeg_quality = jpeg.map(|facts| facts.quality / 100.0);
    let jpeg_chroma = jpeg.map(|facts| facts.chroma_share);

    let pixel_parts: Vec<f64> = [Some(focus), Some(noise), jpeg_quality]
        .into_iter()
        .chain(
            artifacts
                .map(|(dct, blockiness, _)| [Some(dct), Some(blockiness)])
                .into_iter()
                .flatten(),
        )
        .flatten()
        .collect();
    let color_parts: Vec<f64> = [
        Some(contrast),
        Some(exposure),
        Some(saturation),
        Some(lighting),
        jpeg_chroma,
    ]
    .into_iter()
    .chain(std::iter::once(artifacts.map(|(_, _, chroma)| chroma)))
    .flatten()
    .collect();
    let pixel_score = mean(&pixel_parts);
    let color_score = mean(&color_parts);
    let quality_score =
        PIXEL_WEIGHT * pixel_score + COLOR_WEIGHT * color_score + RESOLUTION_WEIGHT * resolution;

    QualityReport {
        quality_analysis: QualityAnalysis {
            jpeg_quality: jpeg_quality.map(two_decimals),
            jpeg_chroma: jpeg_chroma.map(two_decimals),
            focus: two_decimals(focus),
            noise: two_decimals(noise),
            contrast: two_decimals(contrast),
            exposure: two_decimals(exposure),
            saturation: two_decimals(saturation),
            lighting: two_decimals(lighting),
            pixel_score: two_decimals(pixel_score),
            color_score: two_decimals(color_score),
            dct: artifacts.map(|a| two_decimals(a.0)),
            blockiness: artifacts.map(|a| two_decimals(a.1)),
            chroma_subsampling: artifacts.map(|a| two_decimals(a.2)),
            resolution: two_decimals(resolution),
        },
        quality_score: two_decimals(quality_score),
    }
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

fn two_decimals(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The picture as seen on a white page: transparent areas have no colour of
/// their own, and whatever an encoder left in them must not count.
fn over_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let alpha = u16::from(a);
        let blend = |c: u8| ((u16::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        Rgb([blend(r), blend(g), blend(b)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo_like(width: u32, height: u32) -> DynamicImage {
        // Smooth shading plus sharp-edged shapes: something to focus on.
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            let inside = (x / 40 + y / 40) % 2 == 0;
            let base: u32 = if inside { 190 } else { 60 };
            Rgb([base as u8, (base + x % 50) as u8, (base / 2 + y % 60) as u8])
        }))
    }

    #[test]
    fn every_score_is_between_0_and_1_and_the_summary_weights_them() {
        let report = judge(&photo_like(640, 480), 640, 480, None);
        let value = serde_json::to_value(&report.quality_analysis).unwrap();
        for (name, score) in value.as_object().unwrap() {
            let score = score.as_f64().unwrap();
            assert!((0.0..=1.0).contains(&score), "{name} = {score}");
        }
        assert!(value.get("jpeg_quality").is_none(), "not a JPEG");
        let q = &report.quality_analysis;
        let expected = PIXEL_WEIGHT * q.pixel_score
            + COLOR_WEIGHT * q.color_score
            + RESOLUTION_WEIGHT * q.resolution;
        assert!((report.quality_score - expected).abs() <= 0.01);
    }

    #[test]
    fn the_same_pixels_give_the_same_report() {
        let image = photo_like(300, 200);
        assert_eq!(judge(&image, 300, 200, None), judge(&image, 300, 200, None));
    }

    #[test]
    fn artifacts_are_not_estimated_above_ten_megapixels() {
        let big = DynamicImage::ImageRgb8(RgbImage::new(4000, 2600));
        let q = judge(&big, 4000, 2600, None).quality_analysis;
        assert_eq!(
            (q.dct, q.blockiness, q.chroma_subsampling),
            (None, None, None)
        );
    }
}
