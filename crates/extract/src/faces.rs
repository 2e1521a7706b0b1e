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

/// SeetaFace's sliding window is 40 px and its image pyramid only shrinks, so
/// the smallest face it finds is 40 px at the scale it scans. Scanning between
/// these two long sides finds faces down to 3.1-4.2% of the photo's long side
/// (~160 px on a 4000 px photo): smaller faces are noise for face-aware
/// cropping, and the cost grows with the square of the scan side. An image up
/// to [`SCAN_MAX_LONG_SIDE`] is scanned as it comes (a DCT-scaled JPEG usually
/// lands in the band, so nothing is resampled); a larger one is shrunk to
/// [`SCAN_MIN_LONG_SIDE`]; a smaller one is scanned as it is.
pub(crate) const SCAN_MIN_LONG_SIDE: u32 = 960;
pub(crate) const SCAN_MAX_LONG_SIDE: u32 = 1280;

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
    use std::borrow::Cow;
    use std::sync::OnceLock;

    use image::{DynamicImage, GrayImage};
    use rustface::{ImageData, Model};

    use crate::Rect;

    /// The SeetaFace frontal model, compiled in: nothing is read or fetched at run time.
    const MODEL_BYTES: &[u8] = include_bytes!("../models/seeta_fd_frontal_v1.0.bin");

    use super::{SCAN_MAX_LONG_SIDE, SCAN_MIN_LONG_SIDE};

    /// SeetaFace's fixed window: the smallest face found at the scan scale
    /// (`rustface` never enlarges the image, whatever its min face size says).
    const WINDOW: u32 = 40;

    /// Ratio between pyramid levels and window step: the values SeetaFace
    /// ships with (0.8, 4 px), which its authors evaluated on FDDB.
    const PYRAMID_SCALE: f32 = 0.8;
    const WINDOW_STEP: u32 = 4;

    /// Minimum final score. SeetaFace's authors give 0.95, 2.8 and 4.5 as
    /// operating points, from most faces found to fewest false boxes. We take
    /// the first: a missed face spoils a face-aware crop, an extra box rarely
    /// does. (On the annotated corpus group photos, faces down to 37 px, it
    /// finds all 15 faces and no other box: `tests/faces_corpus.rs`.)
    const SCORE_THRESHOLD: f64 = 0.95;

    /// SeetaFace's last merge: boxes overlapping by more than this IoU are one
    /// face, scored by the sum of their scores.
    const MERGE_IOU: f64 = 0.3;

    /// Which pyramid levels each of two threads scans. Level k is the scan
    /// shrunk by 0.8^k and costs 0.64^k of the first, so these halves weigh
    /// 1 + 0.41 and 0.64 + 0.73 (level 3 and everything below it): ~50% each.
    const THREAD_SLICES: [[Slice; 2]; 2] = [
        [Slice::Level(0), Slice::Level(2)],
        [Slice::Level(1), Slice::FromLevel(3)],
    ];

    #[derive(Debug, Clone, Copy)]
    enum Slice {
        /// One level of the pyramid.
        Level(i32),
        /// A level and every smaller one.
        FromLevel(i32),
    }

    /// Parsed once; each call builds its own detectors from clones, because
    /// a `rustface` detector keeps per-scan state and is neither `Send` nor `Sync`.
    fn model() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            rustface::read_model(MODEL_BYTES)
                .expect("the vendored SeetaFace model parses (pinned by a unit test)")
        })
    }

    /// A detector box in the scan's pixels, with SeetaFace's score.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Scored {
        x: f64,
        y: f64,
        side: f64,
        score: f64,
    }

    pub(super) fn detect(image: &DynamicImage) -> Vec<Rect> {
        let (width, height) = (image.width(), image.height());
        let (gray, factor) = working_copy(image);
        let [first, second] = THREAD_SLICES;
        let boxes = std::thread::scope(|threads| {
            let second = threads.spawn(|| scan_slices(&gray, &second));
            let mut boxes = scan_slices(&gray, &first);
            boxes.extend(second.join().expect("a pyramid scan does not panic"));
            boxes
        });
        merge_overlapping(boxes)
            .into_iter()
            .filter(|b| b.score >= SCORE_THRESHOLD)
            .filter_map(|b| to_image_rect(b, factor, width, height))
            .collect()
    }

    /// The boxes SeetaFace finds in `slices` of `gray`'s pyramid, in `gray`'s
    /// pixels. Every positive box comes back: the threshold is applied once
    /// all slices are merged, on the merged score.
    fn scan_slices(gray: &GrayImage, slices: &[Slice]) -> Vec<Scored> {
        let mut boxes = Vec::new();
        for slice in slices {
            let (Slice::Level(level) | Slice::FromLevel(level)) = *slice;
            let level_image = pyramid_level(gray, f64::from(PYRAMID_SCALE).powi(level));
            // Up to the largest face the level holds: it alone.
            let max_face = matches!(slice, Slice::Level(_)).then_some(WINDOW);
            let back = f64::from(gray.width()) / f64::from(level_image.width());
            boxes.extend(scan(&level_image, max_face).into_iter().map(|b| Scored {
                x: b.x * back,
                y: b.y * back,
                side: b.side * back,
                score: b.score,
            }));
        }
        boxes
    }

    /// One SeetaFace run over `gray`'s own pyramid, from `gray`'s scale down
    /// to faces of `max_face` px if given.
    fn scan(gray: &GrayImage, max_face: Option<u32>) -> Vec<Scored> {
        // Nothing to scan (and `rustface` refuses empty images).
        if gray.width() < WINDOW || gray.height() < WINDOW {
            return Vec::new();
        }
        let mut detector = rustface::create_detector_with_model(model().clone());
        if let Some(max_face) = max_face {
            detector.set_max_face_size(max_face);
        }
        detector.set_pyramid_scale_factor(PYRAMID_SCALE);
        detector.set_slide_window_step(WINDOW_STEP, WINDOW_STEP);
        detector.set_score_thresh(f64::MIN_POSITIVE);
        let data = ImageData::new(gray.as_raw(), gray.width(), gray.height());
        detector
            .detect(&data)
            .iter()
            .map(|face| {
                let b = face.bbox();
                Scored {
                    x: f64::from(b.x()),
                    y: f64::from(b.y()),
                    side: f64::from(b.width()),
                    score: face.score(),
                }
            })
            .collect()
    }

    /// SeetaFace's final merge, over both halves of the pyramid: strongest box
    /// first, each box absorbing (and adding up the scores of) the weaker ones
    /// overlapping it by more than [`MERGE_IOU`].
    fn merge_overlapping(mut boxes: Vec<Scored>) -> Vec<Scored> {
        boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut merged: Vec<Scored> = Vec::new();
        let mut absorbed = vec![false; boxes.len()];
        for i in 0..boxes.len() {
            if absorbed[i] {
                continue;
            }
            let mut face = boxes[i];
            for j in i + 1..boxes.len() {
                if !absorbed[j] && iou(&boxes[i], &boxes[j]) > MERGE_IOU {
                    absorbed[j] = true;
                    face.score += boxes[j].score;
                }
            }
            merged.push(face);
        }
        merged
    }

    fn iou(a: &Scored, b: &Scored) -> f64 {
        let overlap = |a0: f64, a1: f64, b0: f64, b1: f64| (a1.min(b1) - a0.max(b0)).max(0.0);
        let inter = overlap(a.x, a.x + a.side, b.x, b.x + b.side)
            * overlap(a.y, a.y + a.side, b.y, b.y + b.side);
        inter / (a.side * a.side + b.side * b.side - inter)
    }

    /// A grey copy to scan (see [`SCAN_MAX_LONG_SIDE`]), and the factor that
    /// takes its pixels back to `image`'s.
    fn working_copy(image: &DynamicImage) -> (GrayImage, f64) {
        let long_side = image.width().max(image.height());
        if long_side <= SCAN_MAX_LONG_SIDE {
            return (image.to_luma8(), 1.0);
        }
        let factor = f64::from(long_side) / f64::from(SCAN_MIN_LONG_SIDE);
        // Grey first, then the crate's area-averaging shrink (no aliasing on
        // fine texture): averaging one channel instead of three is the larger
        // saving (perf: the RGB shrink was 16% of a 12 MP faces analysis).
        let gray = DynamicImage::ImageLuma8(image.to_luma8());
        let scan = crate::shrink::shrink_to_fit(&gray, SCAN_MIN_LONG_SIDE).into_luma8();
        (scan, factor)
    }

    /// Pyramid level `scale` (<= 1) of `gray`, with area averaging. (A
    /// triangle filter is ~1.5 ms cheaper on a 12 MP photo but found 14 of the
    /// corpus's 15 annotated faces and one false box, against 15 of 15 and none.)
    fn pyramid_level(gray: &GrayImage, scale: f64) -> Cow<'_, GrayImage> {
        if scale >= 1.0 {
            return Cow::Borrowed(gray);
        }
        let side = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
        Cow::Owned(image::imageops::thumbnail(
            gray,
            side(gray.width()),
            side(gray.height()),
        ))
    }

    /// Scales a detector box back to `image` pixels and clips it to the
    /// image: SeetaFace may place a box partly outside near an edge.
    fn to_image_rect(b: Scored, factor: f64, width: u32, height: u32) -> Option<Rect> {
        let scale = |v: f64| (v * factor).round();
        let left = scale(b.x).clamp(0.0, f64::from(width));
        let top = scale(b.y).clamp(0.0, f64::from(height));
        let right = scale(b.x + b.side).clamp(0.0, f64::from(width));
        let bottom = scale(b.y + b.side).clamp(0.0, f64::from(height));
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

        fn face(x: f64, y: f64, side: f64, score: f64) -> Scored {
            Scored { x, y, side, score }
        }

        #[test]
        fn boxes_are_scaled_back_and_clipped_to_the_image() {
            let rect = to_image_rect(face(-5.0, 10.0, 20.0, 1.0), 2.0, 100, 45).unwrap();
            assert_eq!(
                rect,
                Rect {
                    x: 0,
                    y: 20,
                    w: 30,
                    h: 25
                }
            );
            assert_eq!(
                to_image_rect(face(60.0, 0.0, 20.0, 1.0), 2.0, 100, 100),
                None
            );
        }

        #[test]
        fn overlapping_boxes_merge_into_the_strongest_with_their_scores_added() {
            let merged = merge_overlapping(vec![
                face(0.0, 0.0, 40.0, 0.5),
                face(4.0, 4.0, 40.0, 0.7),
                face(200.0, 0.0, 40.0, 2.0),
            ]);
            assert_eq!(
                merged,
                vec![face(200.0, 0.0, 40.0, 2.0), face(4.0, 4.0, 40.0, 1.2)]
            );
        }

        #[test]
        fn boxes_overlapping_little_stay_apart() {
            // Side by side, sharing a quarter of their width: IoU 1/7.
            let boxes = vec![face(0.0, 0.0, 40.0, 1.0), face(30.0, 0.0, 40.0, 1.0)];
            assert_eq!(merge_overlapping(boxes.clone()), boxes);
        }

        #[test]
        fn a_large_image_is_scanned_at_the_low_end_of_the_band_and_a_mid_sized_one_as_it_is() {
            let photo = DynamicImage::new_rgb8(4000, 3000);
            let (gray, factor) = working_copy(&photo);
            assert_eq!((gray.width(), gray.height()), (SCAN_MIN_LONG_SIDE, 720));
            assert!((factor - 4000.0 / 960.0).abs() < 1e-9);

            let dct_scaled = DynamicImage::new_rgb8(1000, 750);
            let (gray, factor) = working_copy(&dct_scaled);
            assert_eq!((gray.width(), gray.height(), factor), (1000, 750, 1.0));
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
