//! Whether a box the network scored high enough can be a human face: checks on
//! its shape and on the five landmarks the network places inside it. Measured
//! on the face-free set and the annotated faces (`tests/faces_precision.rs`):
//! animals' heads, fruit, flowers and star fields score as faces, but their
//! landmarks are out of a face's order, or their boxes are too small or too
//! wide to be a face the network can see.

use super::detections::Detection;

/// The smallest face side worth reporting, in the image's own pixels: the
/// network's smallest anchor at a scan that never enlarges. Smaller boxes
/// come from texture (star fields, gravel, flower centres).
pub(super) const MIN_FACE_SIDE: f64 = 16.0;

/// Width over height of a face box. The network draws faces about 0.8:1 (brow
/// to chin); annotated faces range 0.6-0.95, animal heads seen from the side
/// reach 1.5.
pub(super) const ASPECT_RANGE: (f64, f64) = (0.5, 1.1);

/// The eyes' distance as a share of the box width, at least: even a face
/// turned far to one side keeps them apart; a blob's landmarks collapse.
const MIN_EYE_SPREAD: f32 = 0.2;

/// `face` (in scan pixels, `back` times smaller than the image's) passes every
/// check: size and aspect in image pixels, landmarks in face order.
pub(super) fn is_plausible(face: &Detection, back: f64) -> bool {
    let width = f64::from(face.right - face.left) * back;
    let height = f64::from(face.bottom - face.top) * back;
    width.min(height) >= MIN_FACE_SIDE
        && (ASPECT_RANGE.0..=ASPECT_RANGE.1).contains(&(width / height))
        && landmarks_in_face_order(face)
}

/// Eyes above the nose above both mouth corners, the nose between the eyes,
/// the mouth corners left to right, the eyes spread apart, every point in the box.
fn landmarks_in_face_order(face: &Detection) -> bool {
    let points = face.landmarks;
    let (left_eye, right_eye, nose) = (points.left_eye, points.right_eye, points.nose);
    let (mouth_left, mouth_right) = (points.mouth_left, points.mouth_right);
    let inside = |(x, y): (f32, f32)| {
        (face.left..=face.right).contains(&x) && (face.top..=face.bottom).contains(&y)
    };
    points.all().into_iter().all(inside)
        && left_eye.1.max(right_eye.1) < nose.1
        && nose.1 < mouth_left.1.min(mouth_right.1)
        && left_eye.0 < nose.0
        && nose.0 < right_eye.0
        && mouth_left.0 < mouth_right.0
        && right_eye.0 - left_eye.0 >= MIN_EYE_SPREAD * (face.right - face.left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::detections::Landmarks;

    /// A 40x50 box at (100, 100) with landmarks where a frontal face has them.
    fn frontal() -> Detection {
        Detection {
            left: 100.0,
            top: 100.0,
            right: 140.0,
            bottom: 150.0,
            score: 0.9,
            landmarks: Landmarks {
                left_eye: (110.0, 118.0),
                right_eye: (130.0, 118.0),
                nose: (120.0, 128.0),
                mouth_left: (112.0, 138.0),
                mouth_right: (128.0, 138.0),
            },
        }
    }

    #[test]
    fn a_frontal_face_is_plausible() {
        assert!(is_plausible(&frontal(), 1.0));
    }

    #[test]
    fn a_face_smaller_than_the_minimum_in_image_pixels_is_not() {
        // 40 px wide at the scan, 0.3 x 40 = 12 px in the image.
        assert!(!is_plausible(&frontal(), 0.3));
        assert!(is_plausible(&frontal(), 0.5));
    }

    #[test]
    fn a_box_much_wider_than_tall_is_not_a_face() {
        let wide = Detection {
            bottom: 130.0,
            landmarks: Landmarks {
                mouth_left: (112.0, 129.0),
                mouth_right: (128.0, 129.0),
                ..frontal().landmarks
            },
            ..frontal()
        };
        assert!(!is_plausible(&wide, 1.0));
    }

    #[test]
    fn landmarks_out_of_face_order_are_not_a_face() {
        let base = frontal().landmarks;
        let mouth_above_nose = Landmarks {
            mouth_left: (112.0, 125.0),
            ..base
        };
        let nose_beside_the_eyes = Landmarks {
            nose: (135.0, 128.0),
            ..base
        };
        let eyes_collapsed = Landmarks {
            left_eye: (119.0, 118.0),
            right_eye: (121.0, 118.0),
            nose: (120.0, 128.0),
            ..base
        };
        let point_outside = Landmarks {
            mouth_right: (128.0, 155.0),
            ..base
        };
        for landmarks in [
            mouth_above_nose,
            nose_beside_the_eyes,
            eyes_collapsed,
            point_outside,
        ] {
            let face = Detection {
                landmarks,
                ..frontal()
            };
            assert!(!is_plausible(&face, 1.0), "{landmarks:?}");
        }
    }
}
