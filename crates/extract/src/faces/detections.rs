//! RetinaFace's raw outputs to face boxes: prior anchors, box and landmark
//! regression, score threshold and non-maximum suppression. Pure arithmetic,
//! no model.
//!
//! The layout is biubug6/Pytorch_Retinaface's (`layers/functions/prior_box.py`,
//! `utils/box_utils.py::decode`), which its MobileNet-0.25 export keeps: for
//! each of three feature maps (strides 8, 16, 32, in that order), row by row,
//! column by column, two anchors per cell (the two sizes of that stride).

/// Strides of the three feature maps and the two square anchor sides (in input
/// pixels) each one predicts around: `cfg_mnet` of the reference code.
pub(super) const ANCHORS: [(u32, [f32; 2]); 3] =
    [(8, [16.0, 32.0]), (16, [64.0, 128.0]), (32, [256.0, 512.0])];

/// The regression's variances: centre offsets are in tenths of the anchor
/// side, log side ratios in fifths (`cfg_mnet['variance']`).
const CENTRE_VARIANCE: f32 = 0.1;
const SIDE_VARIANCE: f32 = 0.2;

/// Boxes overlapping a stronger one by more than this IoU are the same face
/// (the reference's `nms_threshold`).
pub(super) const NMS_IOU: f32 = 0.4;

/// A face box in input pixels (may reach past the input's edges) with the
/// model's face probability and its five landmarks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Detection {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
    pub score: f32,
    pub landmarks: Landmarks,
}

/// Where the network puts the five face points, (x, y) in input pixels, in
/// its training order: the eye on the image's left, the other eye, the nose
/// tip, the mouth corner on the image's left, the other mouth corner.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Landmarks {
    pub left_eye: (f32, f32),
    pub right_eye: (f32, f32),
    pub nose: (f32, f32),
    pub mouth_left: (f32, f32),
    pub mouth_right: (f32, f32),
}

impl Landmarks {
    pub fn all(&self) -> [(f32, f32); 5] {
        [
            self.left_eye,
            self.right_eye,
            self.nose,
            self.mouth_left,
            self.mouth_right,
        ]
    }
}

/// An anchor: centre and side in input pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Anchor {
    pub cx: f32,
    pub cy: f32,
    pub side: f32,
}

/// Every anchor of a `width` x `height` input, in the model's output order.
/// Feature maps are `ceil(side / stride)` cells on each axis, as the network's
/// stride-2 convolutions (padding 1) produce.
pub(super) fn anchors(width: u32, height: u32) -> Vec<Anchor> {
    let mut all = Vec::with_capacity(anchor_count(width, height));
    for (stride, sides) in ANCHORS {
        for row in 0..height.div_ceil(stride) {
            for column in 0..width.div_ceil(stride) {
                for side in sides {
                    all.push(Anchor {
                        cx: (column as f32 + 0.5) * stride as f32,
                        cy: (row as f32 + 0.5) * stride as f32,
                        side,
                    });
                }
            }
        }
    }
    all
}

/// How many anchors (and so output rows) a `width` x `height` input has.
pub(super) fn anchor_count(width: u32, height: u32) -> usize {
    ANCHORS
        .iter()
        .map(|&(stride, sides)| {
            width.div_ceil(stride) as usize * height.div_ceil(stride) as usize * sides.len()
        })
        .sum()
}

/// The network's outputs, each in [`anchors`]' order.
pub(super) struct Raw<'a> {
    /// dx, dy, log dw, log dh per anchor.
    pub regressions: &'a [f32],
    /// Background and face probability per anchor.
    pub scores: &'a [f32],
    /// Five (dx, dy) landmark offsets per anchor.
    pub landmarks: &'a [f32],
}

/// The boxes scoring at least `min_score`, strongest first, with the weaker
/// duplicates of each face removed.
pub(super) fn decode(anchors: &[Anchor], raw: &Raw, min_score: f32) -> Vec<Detection> {
    let candidates = anchors
        .iter()
        .zip(raw.regressions.chunks_exact(4))
        .zip(raw.scores.chunks_exact(2))
        .zip(raw.landmarks.chunks_exact(10))
        .filter(|((_, score), _)| score[1] >= min_score)
        .map(|(((anchor, delta), score), points)| regress(anchor, delta, points, score[1]))
        .collect();
    suppress_non_maxima(candidates)
}

/// The box `delta` and the landmarks `points` make of `anchor` (the
/// reference's `decode` and `decode_landm`).
fn regress(anchor: &Anchor, delta: &[f32], points: &[f32], score: f32) -> Detection {
    let cx = anchor.cx + delta[0] * CENTRE_VARIANCE * anchor.side;
    let cy = anchor.cy + delta[1] * CENTRE_VARIANCE * anchor.side;
    let w = anchor.side * (delta[2] * SIDE_VARIANCE).exp();
    let h = anchor.side * (delta[3] * SIDE_VARIANCE).exp();
    let point = |i: usize| {
        (
            anchor.cx + points[2 * i] * CENTRE_VARIANCE * anchor.side,
            anchor.cy + points[2 * i + 1] * CENTRE_VARIANCE * anchor.side,
        )
    };
    Detection {
        left: cx - w / 2.0,
        top: cy - h / 2.0,
        right: cx + w / 2.0,
        bottom: cy + h / 2.0,
        score,
        landmarks: Landmarks {
            left_eye: point(0),
            right_eye: point(1),
            nose: point(2),
            mouth_left: point(3),
            mouth_right: point(4),
        },
    }
}

/// Greedy NMS: strongest first, dropping every box overlapping a kept one by
/// more than [`NMS_IOU`]. Ties keep the earlier anchor, so the result does not
/// depend on sort stability.
fn suppress_non_maxima(mut boxes: Vec<Detection>) -> Vec<Detection> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for candidate in boxes {
        if kept.iter().all(|k| iou(k, &candidate) <= NMS_IOU) {
            kept.push(candidate);
        }
    }
    kept
}

fn iou(a: &Detection, b: &Detection) -> f32 {
    let overlap = |a0: f32, a1: f32, b0: f32, b1: f32| (a1.min(b1) - a0.max(b0)).max(0.0);
    let inter =
        overlap(a.left, a.right, b.left, b.right) * overlap(a.top, a.bottom, b.top, b.bottom);
    let area = |d: &Detection| (d.right - d.left).max(0.0) * (d.bottom - d.top).max(0.0);
    let union = area(a) + area(b) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(left: f32, top: f32, side: f32, score: f32) -> Detection {
        Detection {
            left,
            top,
            right: left + side,
            bottom: top + side,
            score,
            landmarks: Landmarks::default(),
        }
    }

    fn raw<'a>(regressions: &'a [f32], scores: &'a [f32], landmarks: &'a [f32]) -> Raw<'a> {
        Raw {
            regressions,
            scores,
            landmarks,
        }
    }

    #[test]
    fn anchors_tile_each_feature_map_row_by_row_with_both_sides_per_cell() {
        // 40x24: stride 8 gives 5x3 cells, stride 16 3x2, stride 32 2x1.
        let all = anchors(40, 24);
        assert_eq!(all.len(), (15 + 6 + 2) * 2);
        assert_eq!(all.len(), anchor_count(40, 24));
        let first = |cx, cy, side| Anchor { cx, cy, side };
        assert_eq!(all[0], first(4.0, 4.0, 16.0));
        assert_eq!(all[1], first(4.0, 4.0, 32.0));
        assert_eq!(all[2], first(12.0, 4.0, 16.0));
        // Second row of the stride-8 map starts after five cells.
        assert_eq!(all[10], first(4.0, 12.0, 16.0));
        // Then the stride-16 map, then the stride-32 one.
        assert_eq!(all[30], first(8.0, 8.0, 64.0));
        assert_eq!(all[31], first(8.0, 8.0, 128.0));
        assert_eq!(all[42], first(16.0, 16.0, 256.0));
        assert_eq!(all[45], first(48.0, 16.0, 512.0));
    }

    #[test]
    fn a_zero_regression_gives_the_anchor_itself() {
        let anchor = Anchor {
            cx: 100.0,
            cy: 60.0,
            side: 32.0,
        };
        let found = decode(&[anchor], &raw(&[0.0; 4], &[0.1, 0.9], &[0.0; 10]), 0.5);
        let mut expected = detection(84.0, 44.0, 32.0, 0.9);
        expected.landmarks = Landmarks {
            left_eye: (100.0, 60.0),
            right_eye: (100.0, 60.0),
            nose: (100.0, 60.0),
            mouth_left: (100.0, 60.0),
            mouth_right: (100.0, 60.0),
        };
        assert_eq!(found, vec![expected]);
    }

    #[test]
    fn offsets_are_tenths_of_the_anchor_and_log_sides_fifths() {
        let anchor = Anchor {
            cx: 100.0,
            cy: 100.0,
            side: 20.0,
        };
        // dx 1 moves the centre by 0.1 x 20 = 2 px; dw ln(2)/0.2 doubles the width.
        let delta = [1.0, -2.0, 2f32.ln() / 0.2, 0.0];
        // The nose 1 tenth right and 2 tenths up: 2 px and 4 px.
        let mut points = [0.0; 10];
        points[4] = 1.0;
        points[5] = -2.0;
        let found = decode(&[anchor], &raw(&delta, &[0.0, 1.0], &points), 0.5)[0];
        assert_eq!(found.landmarks.nose, (102.0, 96.0));
        let close = |a: f32, b: f32| (a - b).abs() < 1e-4;
        assert!(close(found.left, 102.0 - 20.0), "{found:?}");
        assert!(close(found.right, 102.0 + 20.0), "{found:?}");
        assert!(close(found.top, 96.0 - 10.0), "{found:?}");
        assert!(close(found.bottom, 96.0 + 10.0), "{found:?}");
    }

    #[test]
    fn boxes_under_the_score_threshold_are_dropped() {
        let anchor = |cx| Anchor {
            cx,
            cy: 50.0,
            side: 16.0,
        };
        let found = decode(
            &[anchor(20.0), anchor(80.0)],
            &raw(&[0.0; 8], &[0.6, 0.4, 0.2, 0.8], &[0.0; 20]),
            0.5,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].score, 0.8);
        assert_eq!(found[0].left, 72.0);
    }

    #[test]
    fn duplicates_of_a_face_collapse_into_its_strongest_box() {
        let kept = suppress_non_maxima(vec![
            detection(0.0, 0.0, 40.0, 0.7),
            detection(4.0, 4.0, 40.0, 0.95),
            detection(200.0, 0.0, 40.0, 0.8),
        ]);
        assert_eq!(
            kept,
            vec![
                detection(4.0, 4.0, 40.0, 0.95),
                detection(200.0, 0.0, 40.0, 0.8)
            ]
        );
    }

    #[test]
    fn neighbours_overlapping_less_than_the_nms_threshold_both_stay() {
        // Side by side sharing half their width: IoU 1/3 < 0.4.
        let boxes = vec![
            detection(0.0, 0.0, 40.0, 0.9),
            detection(20.0, 0.0, 40.0, 0.8),
        ];
        assert!((iou(&boxes[0], &boxes[1]) - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(suppress_non_maxima(boxes.clone()), boxes);
    }
}
