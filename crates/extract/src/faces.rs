//! Face detection on an already decoded image, in process, with the SeetaFace
//! frontal cascade (`rustface`; model vendored under `models/`, see its README
//! for the licence and why this model).
//!
//! Frame: the caller hands us the image already turned to its displayed
//! orientation (Exif orientation applied), because Cloudinary reports face
//! coordinates in the displayed frame (contract.md, "Geometry").
//!
//! Boxes are the detector's own: SeetaFace's sit slightly higher and larger
//! than hand-annotated (PASCAL VOC / dlib) boxes because they take in the
//! forehead; they still overlap those annotations well past IoU 0.5, so no
//! correction is applied.

use image::DynamicImage;

use crate::Rect;

/// Longest side of the grey image the cascade scans. The detector's smallest
/// window is 20 px, so at 1280 px faces down to ~1.6% of the photo's long side
/// are found (e.g. ~60 px on a 4000 px photo): smaller faces are noise for
/// face-aware cropping, and scanning costs grow with the square of this side.
/// Smaller images are scanned as they are. The decoder may hand over any image
/// at least this long (a DCT-scaled JPEG) without changing what is found.
pub(crate) const SCAN_LONG_SIDE: u32 = 1280;

/// Detects faces in `image` (already turned to the displayed orientation, at
/// whatever scale the caller decoded). Boxes are in `image`'s own pixels; the
/// caller scales them to the displayed frame. No face is an empty list.
pub fn detect(image: &DynamicImage) -> Vec<Rect> {
    #[cfg(feature = "faces")]
    {
        seeta::detect(image)
    }
    #[cfg(not(feature = "faces"))]
    {
        let _ = image;
        Vec::new()
    }
}

#[cfg(feature = "faces")]
mod seeta {
    use std::sync::OnceLock;

    use image::{DynamicImage, GrayImage};
    use rustface::{ImageData, Model};

    use crate::Rect;

    /// The SeetaFace frontal model, compiled in: nothing is read or fetched at run time.
    const MODEL_BYTES: &[u8] = include_bytes!("../models/seeta_fd_frontal_v1.0.bin");

    use super::SCAN_LONG_SIDE;

    /// The cascade's own lower limit for its sliding window.
    const MIN_FACE: u32 = 20;

    /// Ratio between pyramid levels and window step: the values SeetaFace
    /// ships with (0.8, 4 px), which its authors evaluated on FDDB.
    const PYRAMID_SCALE: f32 = 0.8;
    const WINDOW_STEP: u32 = 4;

    /// Minimum final-stage score. SeetaFace's authors give 0.95, 2.8 and 4.5 as
    /// operating points, from most faces found to fewest false boxes. We take
    /// the first: a missed face spoils a face-aware crop, an extra box rarely
    /// does. (On the annotated corpus group photos, faces down to 37 px, it
    /// finds 14 of 15 faces plus one box too far off its face for IoU 0.5;
    /// 2.8 finds 12. On the other corpus photos it finds three real faces and
    /// two false ones, on flowers and a bench, scoring 2.4 and 1.0.)
    const SCORE_THRESHOLD: f64 = 0.95;

    /// Parsed once; each call builds its own detector from a clone, because
    /// a `rustface` detector keeps per-scan state and is neither `Send` nor `Sync`.
    fn model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            rustface::read_model(MODEL_BYTES)
                .expect("the vendored SeetaFace model parses (pinned by a unit test)")
        })
    }

    pub(super) fn detect(image: &DynamicImage) -> Vec<Rect> {
        let (width, height) = (image.width(), image.height());
        let (gray, factor) = working_copy(image);
        // Nothing to scan (and `rustface` refuses empty images).
        if gray.width() < MIN_FACE || gray.height() < MIN_FACE {
            return Vec::new();
        }

        let mut detector = rustface::create_detector_with_model(model().clone());
        detector.set_min_face_size(MIN_FACE);
        detector.set_pyramid_scale_factor(PYRAMID_SCALE);
        detector.set_slide_window_step(WINDOW_STEP, WINDOW_STEP);
        detector.set_score_thresh(SCORE_THRESHOLD);

        let data = ImageData::new(gray.as_raw(), gray.width(), gray.height());
        detector
            .detect(&data)
            .iter()
            .filter_map(|face| {
                let b = face.bbox();
                to_image_rect(b.x(), b.y(), b.width(), b.height(), factor, width, height)
            })
            .collect()
    }

    /// A grey copy no longer than [`SCAN_LONG_SIDE`], and the factor that
    /// takes its pixels back to `image`'s.
    fn working_copy(image: &DynamicImage) -> (GrayImage, f64) {
        let long_side = image.width().max(image.height());
        if long_side <= SCAN_LONG_SIDE {
            return (image.to_luma8(), 1.0);
        }
        let factor = f64::from(long_side) / f64::from(SCAN_LONG_SIDE);
        let w = ((f64::from(image.width()) / factor).round() as u32).max(1);
        let h = ((f64::from(image.height()) / factor).round() as u32).max(1);
        // Grey first, then the area-averaging shrink (`thumbnail`: no aliasing
        // on fine texture): averaging one channel instead of three is the larger
        // saving (perf: the RGB shrink was 16% of a 12 MP faces analysis).
        let gray = image.to_luma8();
        (image::imageops::thumbnail(&gray, w, h), factor)
    }

    /// Scales a detector box back to `image` pixels and clips it to the
    /// image: SeetaFace may place a box partly outside near an edge.
    fn to_image_rect(
        x: i32,
        y: i32,
        w: u32,
        h: u32,
        factor: f64,
        width: u32,
        height: u32,
    ) -> Option<Rect> {
        let scale = |v: f64| (v * factor).round();
        let left = scale(f64::from(x)).clamp(0.0, f64::from(width));
        let top = scale(f64::from(y)).clamp(0.0, f64::from(height));
        let right = scale(f64::from(x) + f64::from(w)).clamp(0.0, f64::from(width));
        let bottom = scale(f64::from(y) + f64::from(h)).clamp(0.0, f64::from(height));
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

        #[test]
        fn vendored_model_parses() {
            assert!(rustface::read_model(MODEL_BYTES).is_ok());
        }

        #[test]
        fn boxes_are_scaled_back_and_clipped_to_the_image() {
            let rect = to_image_rect(-5, 10, 20, 20, 2.0, 100, 45).unwrap();
            assert_eq!(
                rect,
                Rect {
                    x: 0,
                    y: 20,
                    w: 30,
                    h: 25
                }
            );
            assert_eq!(to_image_rect(60, 0, 20, 20, 2.0, 100, 100), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    #[test]
    fn a_flat_image_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(640, 480, Luma([128])));
        assert!(detect(&image).is_empty());
    }

    #[test]
    fn an_image_smaller_than_any_face_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(10, 3, Luma([0])));
        assert!(detect(&image).is_empty());
    }

    #[test]
    fn a_strip_too_thin_once_shrunk_has_no_faces() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_pixel(20_000, 30, Luma([90])));
        assert!(detect(&image).is_empty());
    }
}
