//! `accessibility_analysis`: how much of a picture people with colour-blind
//! vision can still tell apart.
//!
//! Vision is simulated with the model of Machado, Oliveira and Fernandes, "A
//! Physiologically-based Model for Simulation of Color Vision Deficiency"
//! (IEEE TVCG 2009), at severity 1 for protanopia, deuteranopia and
//! tritanopia: a 3x3 matrix on linear RGB. Colours are compared in CIELAB
//! (D65) by their CIE76 distance; two colours are *distinct* when that
//! distance is at least [`DISTINCT_DELTA_E`].
//!
//! - `distinct_colors`: of the pairs of the picture's main colours (median
//!   cut, as `colors` uses, [`PALETTE_SIZE`] colours of at least 1% each) that
//!   normal vision tells apart, the share each simulated vision still does;
//! - `distinct_edges`: of the neighbouring pixel pairs of the working copy that
//!   normal vision sees as an edge, the share each simulated vision still does;
//! - both averaged over the three deficiencies; `most_indistinct_pair` is the
//!   normally distinct pair that comes closest under any of them;
//! - `colorblind_accessibility_score`: the mean of the two.

use image::RgbaImage;
use serde::Serialize;

use crate::colors::quantize;

/// Main colours compared pairwise.
const PALETTE_SIZE: usize = 8;
/// Colours covering less of the picture are not main colours.
const MIN_SHARE: f64 = 0.01;
/// CIE76 distance from which two colours read as different (about the
/// difference between neighbouring named colours).
const DISTINCT_DELTA_E: f64 = 10.0;

/// Machado et al. 2009, Table 1, severity 1.0 (linear RGB, rows = output R, G, B).
const PROTANOPIA: [[f64; 3]; 3] = [
    [0.152_286, 1.052_583, -0.204_868],
    [0.114_503, 0.786_281, 0.099_216],
    [-0.003_882, -0.048_116, 1.051_998],
];
const DEUTERANOPIA: [[f64; 3]; 3] = [
    [0.367_322, 0.860_646, -0.227_968],
    [0.280_085, 0.672_501, 0.047_413],
    [-0.011_820, 0.042_940, 0.968_881],
];
const TRITANOPIA: [[f64; 3]; 3] = [
    [1.255_528, -0.076_749, -0.178_779],
    [-0.078_411, 0.930_809, 0.147_602],
    [0.004_733, 0.691_367, 0.303_900],
];
const DEFICIENCIES: [[[f64; 3]; 3]; 3] = [PROTANOPIA, DEUTERANOPIA, TRITANOPIA];

/// `accessibility_analysis`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessibilityAnalysis {
    pub colorblind_accessibility_analysis: ColorblindAnalysis,
    pub colorblind_accessibility_score: f64,
}

/// `colorblind_accessibility_analysis`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColorblindAnalysis {
    pub distinct_edges: f64,
    pub distinct_colors: f64,
    /// Two `#RRGGBB` colours of the picture; the same colour twice when the
    /// picture has only one.
    pub most_indistinct_pair: [String; 2],
}

/// Analyses the working copy (composited over white: transparent areas show
/// the page behind them).
pub(crate) fn analyze(image: &RgbaImage) -> AccessibilityAnalysis {
    let pixels: Vec<[u8; 3]> = image.pixels().map(|p| over_white(p.0)).collect();
    let (distinct_colors, most_indistinct_pair) = palette_distinctness(&pixels);
    let distinct_edges = edge_distinctness(image.width() as usize, &pixels);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    AccessibilityAnalysis {
        colorblind_accessibility_analysis: ColorblindAnalysis {
            distinct_edges: round(distinct_edges),
            distinct_colors: round(distinct_colors),
            most_indistinct_pair: most_indistinct_pair.map(hex),
        },
        colorblind_accessibility_score: round((distinct_edges + distinct_colors) / 2.0),
    }
}

fn over_white([r, g, b, a]: [u8; 4]) -> [u8; 3] {
    let alpha = u16::from(a);
    [r, g, b].map(|c| ((u16::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8)
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// A colour as seen by normal vision and by each simulated deficiency, in Lab.
struct Seen {
    normal: [f64; 3],
    simulated: [[f64; 3]; 3],
}

impl Seen {
    fn of(rgb: [u8; 3]) -> Seen {
        let linear = rgb.map(|c| srgb_to_linear(f64::from(c) / 255.0));
        Seen {
            normal: lab(linear),
            simulated: DEFICIENCIES.map(|m| lab(apply(&m, linear))),
        }
    }
}

/// Share of normally distinct palette pairs that stay distinct (mean over the
/// deficiencies), and the pair that comes closest.
fn palette_distinctness(pixels: &[[u8; 3]]) -> (f64, [[u8; 3]; 2]) {
    let rgba: Vec<[u8; 4]> = pixels.iter().map(|&[r, g, b]| [r, g, b, 255]).collect();
    let total = rgba.len().max(1) as f64;
    let palette: Vec<[u8; 3]> = quantize::quantize(&rgba, PALETTE_SIZE)
        .into_iter()
        .filter(|c| f64::from(c.pixels) / total >= MIN_SHARE)
        .map(|c| [c.rgba[0], c.rgba[1], c.rgba[2]])
        .collect();
    let Some(&first) = palette.first() else {
        return (1.0, [[255; 3]; 2]);
    };
    let seen: Vec<Seen> = palette.iter().map(|&c| Seen::of(c)).collect();
    let mut closest = ([first, first], f64::INFINITY);
    let (mut kept, mut pairs) = (0.0, 0u32);
    for i in 0..palette.len() {
        for j in i + 1..palette.len() {
            if delta_e(seen[i].normal, seen[j].normal) < DISTINCT_DELTA_E {
                continue;
            }
            pairs += 1;
            for d in 0..DEFICIENCIES.len() {
                let distance = delta_e(seen[i].simulated[d], seen[j].simulated[d]);
                if distance >= DISTINCT_DELTA_E {
                    kept += 1.0 / DEFICIENCIES.len() as f64;
                }
                if distance < closest.1 {
                    closest = ([palette[i], palette[j]], distance);
                }
            }
        }
    }
    if pairs == 0 {
        // One colour, or shades nobody tells apart: nothing is lost.
        return (1.0, closest.0);
    }
    (kept / f64::from(pairs), closest.0)
}

/// Share of normal-vision edges (right and lower neighbours at least
/// [`DISTINCT_DELTA_E`] apart) that stay edges, mean over the deficiencies.
fn edge_distinctness(width: usize, pixels: &[[u8; 3]]) -> f64 {
    if width == 0 {
        return 1.0;
    }
    // Lab of every distinct colour once: photos repeat colours a lot.
    let mut cache = std::collections::HashMap::new();
    let seen: Vec<usize> = pixels
        .iter()
        .map(|&c| {
            let next = cache.len();
            *cache.entry(c).or_insert(next)
        })
        .collect();
    let mut table: Vec<Option<Seen>> = (0..cache.len()).map(|_| None).collect();
    for (color, index) in cache {
        table[index] = Some(Seen::of(color));
    }
    let table: Vec<Seen> = table.into_iter().flatten().collect();
    let height = pixels.len() / width;
    let (mut kept, mut edges) = (0.0, 0u64);
    let mut compare = |a: usize, b: usize| {
        let (a, b) = (&table[seen[a]], &table[seen[b]]);
        if delta_e(a.normal, b.normal) < DISTINCT_DELTA_E {
            return;
        }
        edges += 1;
        for d in 0..DEFICIENCIES.len() {
            if delta_e(a.simulated[d], b.simulated[d]) >= DISTINCT_DELTA_E {
                kept += 1.0 / DEFICIENCIES.len() as f64;
            }
        }
    };
    for y in 0..height {
        for x in 0..width {
            let here = y * width + x;
            if x + 1 < width {
                compare(here, here + 1);
            }
            if y + 1 < height {
                compare(here, here + width);
            }
        }
    }
    if edges == 0 {
        1.0
    } else {
        kept / edges as f64
    }
}

fn srgb_to_linear(c: f64) -> f64 {
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn apply(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    m.map(|row| (row[0] * v[0] + row[1] * v[1] + row[2] * v[2]).clamp(0.0, 1.0))
}

/// CIELAB (D65 white) of linear sRGB.
fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
    let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47;
    let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
    let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

fn delta_e(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stripes of two colours, 8 pixels wide.
    fn stripes(a: [u8; 3], b: [u8; 3]) -> RgbaImage {
        RgbaImage::from_fn(64, 64, |x, _| {
            let [r, g, bl] = if (x / 8) % 2 == 0 { a } else { b };
            image::Rgba([r, g, bl, 255])
        })
    }

    #[test]
    fn red_green_is_harder_to_tell_apart_than_blue_yellow() {
        let red_green = analyze(&stripes([200, 40, 40], [40, 160, 40]));
        let blue_yellow = analyze(&stripes([40, 60, 200], [230, 210, 40]));
        assert!(
            red_green.colorblind_accessibility_score < blue_yellow.colorblind_accessibility_score,
            "{red_green:?} vs {blue_yellow:?}"
        );
        let pair = &red_green
            .colorblind_accessibility_analysis
            .most_indistinct_pair;
        assert!(
            pair.iter().all(|c| c.len() == 7 && c.starts_with('#')),
            "{pair:?}"
        );
        assert_ne!(pair[0], pair[1]);
    }

    #[test]
    fn black_on_white_loses_nothing() {
        let analysis = analyze(&stripes([0, 0, 0], [255, 255, 255]));
        assert_eq!(analysis.colorblind_accessibility_score, 1.0);
    }

    #[test]
    fn simulations_keep_grays_gray() {
        // Machado's matrices have rows summing to 1: white and grays survive.
        for m in DEFICIENCIES {
            let white = apply(&m, [1.0, 1.0, 1.0]);
            assert!(white.iter().all(|c| (c - 1.0).abs() < 1e-3), "{white:?}");
        }
    }
}
