//! Face detection on an already decoded image, in process: RetinaFace with a
//! MobileNet-0.25 backbone ([`retinaface`]; model vendored under `models/`,
//! see its README for licence, provenance and checksum), its outputs decoded
//! in Rust ([`detections`]) and checked for plausibility ([`plausibility`]).
//!
//! Frame: the caller hands us the image already turned to its displayed
//! orientation (Exif orientation applied), because Cloudinary reports face
//! coordinates in the displayed frame (contract.md, "Geometry").
//!
//! Scan: an image larger than [`SCAN_LONG_SIDE`] is shrunk to it; a smaller one
//! is scanned as it is, never enlarged: enlarging invents detail the network
//! reads as faces (a 100x75 thumbnail scanned 6.4 times larger gave boxes on
//! leaves; on the face-free set every enlargement tried, 1.5x and 2x, added
//! false boxes and found no more annotated faces; README, "Faces"). The
//! smallest anchor is 16 px at the scan, so the **minimum face is 16 px, or
//! 2.5% of the long side of an image larger than 640 px** (100 px on a 4000 px
//! photo).
//!
//! Boxes are the detector's own: taller than wide (about 0.8:1), from the
//! brow to the chin, as in the WIDER FACE annotations it was trained on.

#[cfg(feature = "faces")]
mod detections;
#[cfg(feature = "faces")]
mod plausibility;
#[cfg(feature = "faces")]
pub(crate) mod retinaface;

use image::DynamicImage;

use crate::{ExtractError, Rect};

/// Long side of the scan of a larger image, in pixels. Measured on one core, 12 MP photo shrunk
/// to the scan: under tract 13 ms at 320, 29 ms at 480, 49 ms at 640; under
/// ONNX Runtime, used now, 17-18 ms at 640 (the cost scales with the area).
/// At 640 the annotated corpus faces pasted into a canvas 3 times their
/// photo's size (37 px faces become 16 px at the scan, the smallest anchor)
/// are still found 13 times in 15; at 480 they fall under it
/// (`tests/faces_corpus.rs`).
pub(crate) const SCAN_LONG_SIDE: u32 = 640;

/// The smallest image the caller must hand [`detect`] for the scan to see
/// every pixel it would see in the original (a larger one is shrunk here).
pub(crate) const SCAN_MIN_LONG_SIDE: u32 = SCAN_LONG_SIDE;

/// Minimum face probability, chosen from the precision/recall curve over the
/// face-free set and the annotated faces (`tests/faces_precision.rs`, README
/// "Faces"): with the plausibility checks, 0.6 is the lowest threshold with no
/// box on a face-free picture (at 0.5 a flower and a camel get one), and every
/// step above it loses small faces (at 0.8, 2 of the 15 in the 3x canvases).
pub const MIN_SCORE: f32 = 0.6;

/// A box the network scored, before the score threshold is applied: what the
/// precision/recall curve is drawn from. [`detect`] keeps the plausible ones
/// scoring at least [`MIN_SCORE`].
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// In the image's own pixels, clipped to it.
    pub rect: Rect,
    /// The network's face probability.
    pub score: f32,
    /// Whether the box passes the size, aspect and landmark checks.
    pub plausible: bool,
}

/// Detects faces in `image` (already turned to the displayed orientation, at
/// whatever scale the caller decoded; `original_per_pixel` original pixels
/// to each of its pixels, which the minimum face size is measured in). Boxes
/// are in `image`'s own pixels; the caller scales them to the displayed
/// frame. No face is an empty list; an [`ExtractError::Internal`] if the
/// inference runtime cannot be loaded.
pub fn detect(image: &DynamicImage, original_per_pixel: f64) -> Result<Vec<Rect>, ExtractError> {
    Ok(candidates(image, original_per_pixel, MIN_SCORE)?
        .into_iter()
        .filter(|candidate| candidate.plausible)
        .map(|candidate| candidate.rect)
        .collect())
}

/// Every box scoring at least `min_score` in `image`, strongest first, with
/// duplicates suppressed, each marked plausible or not (see [`detect`] for
/// `original_per_pixel`). Empty without the `faces` feature.
pub fn candidates(
    image: &DynamicImage,
    original_per_pixel: f64,
    min_score: f32,
) -> Result<Vec<Candidate>, ExtractError> {
    #[cfg(feature = "faces")]
    {
        let (width, height) = (image.width(), image.height());
        let Some(scan) = scan_size(width, height) else {
            return Ok(Vec::new());
        };
        let (padded_width, padded_height) = padded(scan);
        let pixels = scan_copy(image, scan);
        let outputs = retinaface::run(&pixels, padded_width, padded_height)
            .map_err(ExtractError::Internal)?;
        let anchors = detections::anchors(padded_width, padded_height);
        let raw = detections::Raw {
            regressions: &outputs.regressions,
            scores: &outputs.scores,
            landmarks: &outputs.landmarks,
        };
        let back = f64::from(width) / f64::from(scan.0);
        Ok(detections::decode(&anchors, &raw, min_score)
            .into_iter()
            .filter_map(|face| {
                Some(Candidate {
                    rect: to_image_rect(&face, back, width, height)?,
                    score: face.score,
                    plausible: plausibility::is_plausible(&face, back * original_per_pixel),
                })
            })
            .collect())
    }
    #[cfg(not(feature = "faces"))]
    {
        let _ = (image, original_per_pixel, min_score);
        Ok(Vec::new())
    }
}

/// Readies the model (loads the runtime, makes a session), so that a caller
/// can overlap its one-time cost with the decode. [`detect`] does the same on
/// demand, and reports what fails here; calling this is optional.
pub fn prepare() {
    #[cfg(feature = "faces")]
    let _ = retinaface::prepare();
}

/// The scan's size for a `width` x `height` image: the image's own size up to
/// a long side of [`SCAN_LONG_SIDE`], shrunk to it beyond, aspect kept (at
/// least 1 px). Never larger than the image. `None` for an empty image.
#[cfg(feature = "faces")]
fn scan_size(width: u32, height: u32) -> Option<(u32, u32)> {
    let long = width.max(height);
    if long == 0 || width.min(height) == 0 {
        return None;
    }
    let scan_long = long.min(SCAN_LONG_SIDE);
    let short = |side: u32| {
        ((u64::from(side) * u64::from(scan_long) + u64::from(long) / 2) / u64::from(long)).max(1)
            as u32
    };
    Some(if width >= height {
        (scan_long, short(height))
    } else {
        (short(width), scan_long)
    })
}

#[cfg(feature = "faces")]
fn padded((width, height): (u32, u32)) -> (u32, u32) {
    let pad = |side: u32| side.next_multiple_of(retinaface::PAD_TO);
    (pad(width), pad(height))
}

/// `image` as 8-bit RGB at exactly the scan size, which is never larger:
/// box-filtered (each output pixel the mean of the source pixels it covers:
/// no aliasing on fine texture).
#[cfg(feature = "faces")]
fn scan_copy(image: &DynamicImage, (width, height): (u32, u32)) -> image::RgbImage {
    use fast_image_resize::images::{Image, ImageRef};
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
    let converted;
    let rgb = match image.as_rgb8() {
        Some(rgb) => rgb,
        None => {
            converted = image.to_rgb8();
            &converted
        }
    };
    if rgb.dimensions() == (width, height) {
        return rgb.clone();
    }
    let source = ImageRef::new(rgb.width(), rgb.height(), rgb.as_raw(), PixelType::U8x3)
        .expect("an RgbImage's buffer holds width x height x 3 bytes");
    let mut scan = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            &source,
            &mut scan,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box)),
        )
        .expect("both images are 8-bit RGB and neither is empty");
    image::RgbImage::from_raw(width, height, scan.into_vec())
        .expect("the scan holds width x height x 3 bytes")
}

/// Scales a detection from scan pixels back to `image` pixels (`back` times
/// larger) and clips it to the image: boxes may reach past an edge.
#[cfg(feature = "faces")]
fn to_image_rect(face: &detections::Detection, back: f64, width: u32, height: u32) -> Option<Rect> {
    let scale = |v: f32, limit: u32| (f64::from(v) * back).round().clamp(0.0, f64::from(limit));
    let (left, right) = (scale(face.left, width), scale(face.right, width));
    let (top, bottom) = (scale(face.top, height), scale(face.bottom, height));
    (right > left && bottom > top).then_some(Rect {
        x: left as u32,
        y: top as u32,
        w: (right - left) as u32,
        h: (bottom - top) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    #[cfg(feature = "faces")]
    #[test]
    fn a_larger_image_is_shrunk_to_the_scan_size_and_a_smaller_one_never_enlarged() {
        assert_eq!(scan_size(4000, 3000), Some((640, 480)));
        assert_eq!(scan_size(3000, 4000), Some((480, 640)));
        assert_eq!(scan_size(320, 200), Some((320, 200)));
        assert_eq!(scan_size(100, 75), Some((100, 75)));
        assert_eq!(scan_size(20_000, 3), Some((640, 1)));
        assert_eq!(scan_size(0, 10), None);
    }

    #[cfg(feature = "faces")]
    #[test]
    fn the_scan_is_padded_to_the_networks_largest_stride() {
        assert_eq!(padded((640, 480)), (640, 480));
        assert_eq!(padded((640, 427)), (640, 448));
        assert_eq!(padded((640, 1)), (640, 32));
    }

    #[cfg(feature = "faces")]
    #[test]
    fn boxes_are_scaled_back_and_clipped_to_the_image() {
        let face = detections::Detection {
            left: -5.0,
            top: 10.0,
            right: 15.0,
            bottom: 30.0,
            score: 1.0,
            landmarks: detections::Landmarks::default(),
        };
        let rect = to_image_rect(&face, 2.0, 100, 45).unwrap();
        assert_eq!(
            rect,
            Rect {
                x: 0,
                y: 20,
                w: 30,
                h: 25
            }
        );
        let outside = detections::Detection {
            left: 60.0,
            right: 80.0,
            ..face
        };
        assert_eq!(to_image_rect(&outside, 2.0, 100, 100), None);
    }

    #[cfg(feature = "faces")]
    #[test]
    fn the_scan_copy_has_exactly_the_scan_size_whether_shrunk_or_kept() {
        for (width, height) in [(4000, 3000), (1001, 667), (300, 199), (640, 480)] {
            let scan = scan_size(width, height).unwrap();
            let copy = scan_copy(&DynamicImage::new_rgb8(width, height), scan);
            assert_eq!((copy.width(), copy.height()), scan, "{width}x{height}");
        }
    }

    /// Shrinking averages what each scan pixel covers: one-pixel stripes of
    /// black and white become an even grey, not stripes or moiré.
    #[cfg(feature = "faces")]
    #[test]
    fn the_scan_copy_averages_fine_texture_when_shrinking() {
        let stripes = image::RgbImage::from_fn(1280, 960, |x, _| {
            image::Rgb(if x % 2 == 0 { [0; 3] } else { [255; 3] })
        });
        let copy = scan_copy(&DynamicImage::ImageRgb8(stripes), (640, 480));
        for pixel in copy.pixels() {
            for value in pixel.0 {
                assert!((126..=129).contains(&value), "{value}");
            }
        }
    }

    #[test]
    fn a_flat_image_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(640, 480, Luma([128])));
        assert!(detect(&image, 1.0).unwrap().is_empty());
    }

    #[test]
    fn a_tiny_image_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(10, 3, Luma([0])));
        assert!(detect(&image, 1.0).unwrap().is_empty());
    }

    #[test]
    fn a_strip_too_thin_once_shrunk_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(20_000, 30, Luma([90])));
        assert!(detect(&image, 1.0).unwrap().is_empty());
    }
}
