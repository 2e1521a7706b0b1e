//! Text boxes from the detector's probability map (DB, "Real-time Scene Text
//! Detection with Differentiable Binarization", as PaddleOCR post-processes
//! it): threshold the map, dilate, take each connected region, score it by
//! its mean probability, and grow ("unclip") its rectangle by the margin DB
//! shrank text regions by in training.
//!
//! Boxes are axis-aligned rectangles (Vision's `boundingPoly` of a level line
//! is one); a slanted line gets the rectangle that encloses it.

/// Settings of rapidocr 1.4.4's `config.yaml` for PP-OCRv4 detection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DbParams {
    /// A pixel is text above this probability.
    pub threshold: f32,
    /// A region is kept when its mean probability reaches this.
    pub box_threshold: f32,
    /// The area/perimeter ratio a region's rectangle grows by.
    pub unclip_ratio: f32,
    /// Regions whose short side is below this many map pixels are noise.
    pub min_side: u32,
    /// At most this many regions are looked at (largest first is not needed:
    /// a hostile map of specks stops here).
    pub max_candidates: usize,
}

pub(crate) const PP_OCR_V4: DbParams = DbParams {
    threshold: 0.3,
    box_threshold: 0.5,
    unclip_ratio: 1.6,
    min_side: 3,
    max_candidates: 1000,
};

/// A text region in map pixels, right and bottom exclusive, with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextBox {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
    pub score: f32,
}

/// The text regions of a `width` x `height` probability map (row-major).
pub(crate) fn text_boxes(
    map: &[f32],
    width: usize,
    height: usize,
    params: &DbParams,
) -> Vec<TextBox> {
    assert_eq!(
        map.len(),
        width * height,
        "the map has width x height values"
    );
    let mask = dilate(&threshold(map, params.threshold), width, height);
    let mut seen = vec![false; mask.len()];
    let mut boxes = Vec::new();
    let mut stack = Vec::new();
    let mut regions = 0;
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        regions += 1;
        if regions > params.max_candidates {
            break;
        }
        // Flood fill, 8-connected, collecting the bounds and the probability.
        let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
        let (mut sum, mut count) = (0f64, 0usize);
        seen[start] = true;
        stack.push(start);
        while let Some(at) = stack.pop() {
            let (x, y) = (at % width, at / width);
            left = left.min(x);
            right = right.max(x);
            top = top.min(y);
            bottom = bottom.max(y);
            sum += f64::from(map[at]);
            count += 1;
            for ny in y.saturating_sub(1)..=(y + 1).min(height - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(width - 1) {
                    let next = ny * width + nx;
                    if mask[next] && !seen[next] {
                        seen[next] = true;
                        stack.push(next);
                    }
                }
            }
        }
        let (w, h) = ((right - left + 1) as f32, (bottom - top + 1) as f32);
        if w.min(h) < params.min_side as f32 {
            continue;
        }
        let score = (sum / count as f64) as f32;
        if score < params.box_threshold {
            continue;
        }
        // Unclip: grow by area * ratio / perimeter on every side.
        let margin = w * h * params.unclip_ratio / (2.0 * (w + h));
        let grown = TextBox {
            left: (left as f32 - margin).max(0.0),
            top: (top as f32 - margin).max(0.0),
            right: (right as f32 + 1.0 + margin).min(width as f32),
            bottom: (bottom as f32 + 1.0 + margin).min(height as f32),
            score,
        };
        if (grown.right - grown.left).min(grown.bottom - grown.top) < (params.min_side + 2) as f32 {
            continue;
        }
        boxes.push(grown);
    }
    reading_order(boxes)
}

/// Top to bottom by line, left to right within a line.
fn reading_order(mut boxes: Vec<TextBox>) -> Vec<TextBox> {
    boxes.sort_by(|a, b| a.top.total_cmp(&b.top));
    let mut lines: Vec<Vec<TextBox>> = Vec::new();
    for b in boxes {
        match lines.last_mut() {
            Some(line) if same_line(&line[0], &b) => line.push(b),
            _ => lines.push(vec![b]),
        }
    }
    lines
        .into_iter()
        .flat_map(|mut line| {
            line.sort_by(|a, b| a.left.total_cmp(&b.left));
            line
        })
        .collect()
}

/// Two boxes are on one line when their vertical centres are within half the
/// smaller box's height.
fn same_line(a: &TextBox, b: &TextBox) -> bool {
    let centre = |t: &TextBox| (t.top + t.bottom) / 2.0;
    let height = (a.bottom - a.top).min(b.bottom - b.top);
    (centre(a) - centre(b)).abs() < height / 2.0
}

fn threshold(map: &[f32], threshold: f32) -> Vec<bool> {
    map.iter().map(|&p| p > threshold).collect()
}

/// 2x2 dilation (PaddleOCR's `use_dilation`): joins the halves of a region
/// split by one weak pixel.
fn dilate(mask: &[bool], width: usize, height: usize) -> Vec<bool> {
    let mut out = mask.to_vec();
    for y in 0..height {
        for x in 0..width {
            if mask[y * width + x] {
                if x + 1 < width {
                    out[y * width + x + 1] = true;
                }
                if y + 1 < height {
                    out[(y + 1) * width + x] = true;
                    if x + 1 < width {
                        out[(y + 1) * width + x + 1] = true;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map with `value` inside each rectangle (left, top, right, bottom; exclusive).
    fn map(width: usize, height: usize, regions: &[(usize, usize, usize, usize, f32)]) -> Vec<f32> {
        let mut map = vec![0.0; width * height];
        for &(l, t, r, b, value) in regions {
            for y in t..b {
                for x in l..r {
                    map[y * width + x] = value;
                }
            }
        }
        map
    }

    #[test]
    fn a_confident_region_becomes_one_box_grown_by_the_unclip_margin() {
        let probs = map(100, 50, &[(20, 10, 60, 20, 0.9)]);
        let boxes = text_boxes(&probs, 100, 50, &PP_OCR_V4);
        assert_eq!(boxes.len(), 1);
        let b = boxes[0];
        // 41 x 11 after the 2x2 dilation; margin = 41*11*1.6 / (2*52) = 6.94.
        assert!((b.left - (20.0 - 6.94)).abs() < 0.01, "{b:?}");
        assert!((b.bottom - (21.0 + 6.94)).abs() < 0.01, "{b:?}");
        assert!(b.score > 0.8 && b.score <= 0.9);
    }

    #[test]
    fn faint_and_tiny_regions_are_dropped() {
        let probs = map(100, 50, &[(10, 10, 40, 20, 0.4), (60, 10, 62, 12, 0.95)]);
        // 0.4 passes the pixel threshold but not the box threshold; the speck is too small.
        assert!(text_boxes(&probs, 100, 50, &PP_OCR_V4).is_empty());
    }

    #[test]
    fn boxes_come_in_reading_order() {
        let probs = map(
            200,
            100,
            &[
                (120, 11, 180, 21, 0.9), // right of the first line, a pixel lower
                (10, 10, 100, 20, 0.9),  // left of the first line
                (10, 60, 100, 70, 0.9),  // second line
            ],
        );
        let lefts: Vec<u32> = text_boxes(&probs, 200, 100, &PP_OCR_V4)
            .iter()
            .map(|b| (b.left + 10.0) as u32 / 10 * 10)
            .collect();
        assert_eq!(lefts.len(), 3);
        assert!(lefts[0] < lefts[1], "{lefts:?}");
        assert!(lefts[2] < lefts[1], "{lefts:?}");
    }

    #[test]
    fn a_map_of_specks_stops_at_the_candidate_limit() {
        let (w, h) = (400, 400);
        let mut probs = vec![0.0; w * h];
        for y in (0..h).step_by(4) {
            for x in (0..w).step_by(4) {
                probs[y * w + x] = 0.9;
            }
        }
        let few = DbParams {
            max_candidates: 10,
            min_side: 1,
            ..PP_OCR_V4
        };
        assert!(text_boxes(&probs, w, h, &few).len() <= 10);
    }
}
