//! Text boxes from the detector's probability map (DB, "Real-time Scene Text
//! Detection with Differentiable Binarization", as PaddleOCR post-processes
//! it): threshold the map, dilate, take each connected region, score it by
//! its mean probability, and grow ("unclip") its rectangle by the margin DB
//! shrank text regions by in training.
//!
//! A region's box is its smallest rotated rectangle (as PaddleOCR takes
//! `minAreaRect` of its contour), so the lines of a tilted sign or receipt
//! are cut out one at a time rather than as an upright box holding parts of
//! their neighbours.

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

/// A point in map (or image) pixels.
pub(crate) type Point = (f32, f32);

/// A text region in map pixels: a rectangle, possibly rotated, with its
/// corners in reading order (top-left, top-right, bottom-right, bottom-left:
/// the top edge is the side nearer to horizontal, running left to right),
/// and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextBox {
    pub corners: [Point; 4],
    pub score: f32,
}

impl TextBox {
    /// The upright rectangle that holds the box: left, top, right, bottom.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let xs = self.corners.map(|p| p.0);
        let ys = self.corners.map(|p| p.1);
        let min = |v: [f32; 4]| v.into_iter().fold(f32::INFINITY, f32::min);
        let max = |v: [f32; 4]| v.into_iter().fold(f32::NEG_INFINITY, f32::max);
        (min(xs), min(ys), max(xs), max(ys))
    }

    /// Length of the top edge (along the text) and of the left edge.
    pub fn size(&self) -> (f32, f32) {
        (
            distance(self.corners[0], self.corners[1]),
            distance(self.corners[0], self.corners[3]),
        )
    }

    /// The box with every corner's x times `sx` and y times `sy`.
    pub fn scaled(&self, sx: f32, sy: f32) -> TextBox {
        TextBox {
            corners: self.corners.map(|(x, y)| (x * sx, y * sy)),
            score: self.score,
        }
    }
}

fn distance(a: Point, b: Point) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
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
        // Flood fill, 8-connected, collecting each row's extremes and the
        // probability.
        let mut rows: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
        let (mut sum, mut count) = (0f64, 0usize);
        seen[start] = true;
        stack.push(start);
        while let Some(at) = stack.pop() {
            let (x, y) = (at % width, at / width);
            let row = rows.entry(y).or_insert((x, x));
            row.0 = row.0.min(x);
            row.1 = row.1.max(x);
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
        // Pixel squares' corners at the row ends: the region's outline.
        let outline: Vec<Point> = rows
            .iter()
            .flat_map(|(&y, &(left, right))| {
                let (y, left, right) = (y as f32, left as f32, right as f32 + 1.0);
                [(left, y), (left, y + 1.0), (right, y), (right, y + 1.0)]
            })
            .collect();
        let rect = min_area_rect(&convex_hull(outline));
        if rect.width.min(rect.height) < params.min_side as f32 {
            continue;
        }
        let score = (sum / count as f64) as f32;
        if score < params.box_threshold {
            continue;
        }
        // Unclip: grow by area * ratio / perimeter on every side.
        let margin =
            rect.width * rect.height * params.unclip_ratio / (2.0 * (rect.width + rect.height));
        let grown = Rect {
            width: rect.width + 2.0 * margin,
            height: rect.height + 2.0 * margin,
            ..rect
        };
        if grown.width.min(grown.height) < (params.min_side + 2) as f32 {
            continue;
        }
        boxes.push(TextBox {
            corners: grown.corners(),
            score,
        });
    }
    reading_order(boxes)
}

/// Top to bottom by line, left to right within a line.
fn reading_order(mut boxes: Vec<TextBox>) -> Vec<TextBox> {
    boxes.sort_by(|a, b| a.bounds().1.total_cmp(&b.bounds().1));
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
            line.sort_by(|a, b| a.bounds().0.total_cmp(&b.bounds().0));
            line
        })
        .collect()
}

/// Two boxes are on one line when their vertical centres are within half the
/// smaller box's height.
fn same_line(a: &TextBox, b: &TextBox) -> bool {
    let (a, b) = (a.bounds(), b.bounds());
    let centre = |t: (f32, f32, f32, f32)| (t.1 + t.3) / 2.0;
    let height = (a.3 - a.1).min(b.3 - b.1);
    (centre(a) - centre(b)).abs() < height / 2.0
}

/// A rectangle: its centre, the unit vector along its width, and its sides.
#[derive(Debug, Clone, Copy)]
struct Rect {
    centre: Point,
    along: Point,
    width: f32,
    height: f32,
}

impl Rect {
    /// Corners in reading order: the side nearer to horizontal is the top,
    /// running left to right; the other side runs downwards.
    fn corners(&self) -> [Point; 4] {
        let (ux, uy) = self.along;
        let (vx, vy) = (-uy, ux);
        // Name the axes: "across" is the one nearer to horizontal.
        let (mut across, mut down, half_across, half_down) = if ux.abs() >= uy.abs() {
            ((ux, uy), (vx, vy), self.width / 2.0, self.height / 2.0)
        } else {
            ((vx, vy), (ux, uy), self.height / 2.0, self.width / 2.0)
        };
        if across.0 < 0.0 {
            across = (-across.0, -across.1);
        }
        if down.1 < 0.0 {
            down = (-down.0, -down.1);
        }
        let (cx, cy) = self.centre;
        let at = |a: f32, d: f32| {
            (
                cx + a * half_across * across.0 + d * half_down * down.0,
                cy + a * half_across * across.1 + d * half_down * down.1,
            )
        };
        [at(-1.0, -1.0), at(1.0, -1.0), at(1.0, 1.0), at(-1.0, 1.0)]
    }
}

/// The convex hull of `points`, counter-clockwise (Andrew's monotone chain).
fn convex_hull(mut points: Vec<Point>) -> Vec<Point> {
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let cross =
        |o: Point, a: Point, b: Point| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut hull: Vec<Point> = Vec::with_capacity(points.len() * 2);
    for pass in [points.clone(), points.into_iter().rev().collect()] {
        let floor = hull.len();
        for p in pass {
            while hull.len() >= floor + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The smallest rectangle holding `hull` (one of its sides lies along a hull
/// edge: try each).
fn min_area_rect(hull: &[Point]) -> Rect {
    let mut best: Option<(f32, Rect)> = None;
    for (i, &a) in hull.iter().enumerate() {
        let b = hull[(i + 1) % hull.len()];
        let length = distance(a, b);
        if length == 0.0 {
            continue;
        }
        let u = ((b.0 - a.0) / length, (b.1 - a.1) / length);
        let v = (-u.1, u.0);
        let project = |axis: Point| {
            hull.iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), p| {
                    let t = p.0 * axis.0 + p.1 * axis.1;
                    (lo.min(t), hi.max(t))
                })
        };
        let ((u_lo, u_hi), (v_lo, v_hi)) = (project(u), project(v));
        let area = (u_hi - u_lo) * (v_hi - v_lo);
        if best.is_none_or(|(smallest, _)| area < smallest) {
            let (cu, cv) = ((u_lo + u_hi) / 2.0, (v_lo + v_hi) / 2.0);
            let rect = Rect {
                centre: (cu * u.0 + cv * v.0, cu * u.1 + cv * v.1),
                along: u,
                width: u_hi - u_lo,
                height: v_hi - v_lo,
            };
            best = Some((area, rect));
        }
    }
    best.map_or(
        Rect {
            centre: hull.first().copied().unwrap_or((0.0, 0.0)),
            along: (1.0, 0.0),
            width: 0.0,
            height: 0.0,
        },
        |(_, rect)| rect,
    )
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
        let (left, _, _, bottom) = b.bounds();
        // 41 x 11 after the 2x2 dilation; margin = 41*11*1.6 / (2*52) = 6.94.
        assert!((left - (20.0 - 6.94)).abs() < 0.01, "{b:?}");
        assert!((bottom - (21.0 + 6.94)).abs() < 0.01, "{b:?}");
        // The mean over the region as dilated: 40 x 10 at 0.9 among 41 x 11.
        assert!((b.score - 0.9 * 400.0 / 451.0).abs() < 1e-4, "{}", b.score);
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
            .map(|b| (b.bounds().0 + 10.0) as u32 / 10 * 10)
            .collect();
        assert_eq!(lefts.len(), 3);
        assert!(lefts[0] < lefts[1], "{lefts:?}");
        assert!(lefts[2] < lefts[1], "{lefts:?}");
    }

    #[test]
    fn a_tilted_line_gets_a_box_along_its_tilt() {
        // A band 80 long and 8 thick, rising 1 in 4 to the right.
        let (w, h) = (120, 80);
        let mut probs = vec![0.0; w * h];
        for x in 20..100usize {
            let base = 60.0 - (x - 20) as f32 / 4.0;
            for y in (base as usize)..(base as usize + 8) {
                probs[y * w + x] = 0.9;
            }
        }
        let boxes = text_boxes(&probs, w, h, &PP_OCR_V4);
        assert_eq!(boxes.len(), 1, "{boxes:?}");
        let [top_left, top_right, _, bottom_left] = boxes[0].corners;
        // The top edge runs left to right and rises like the band.
        let slope = (top_right.1 - top_left.1) / (top_right.0 - top_left.0);
        assert!((slope + 0.25).abs() < 0.05, "slope {slope}");
        // The left edge runs downwards, and the box is far longer than thick.
        assert!(bottom_left.1 > top_left.1);
        let (along, across) = boxes[0].size();
        assert!(along > 4.0 * across, "{along} x {across}");
    }

    #[test]
    fn the_hull_of_a_square_and_its_inside_is_the_square() {
        let hull = convex_hull(vec![
            (0.0, 0.0),
            (4.0, 0.0),
            (2.0, 2.0),
            (4.0, 4.0),
            (0.0, 4.0),
        ]);
        assert_eq!(hull.len(), 4, "{hull:?}");
        let rect = min_area_rect(&hull);
        assert!((rect.width * rect.height - 16.0).abs() < 1e-4);
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
