//! `colors`, `predominant` and the keys Cloudinary returns with them
//! (`grayscale`, `semi_transparent`, `illustration_score`), plus our documented
//! extension `color_histogram`. All computed on the downscaled working copy;
//! the palette comes from median cut refined by k-means (`quantize.rs`).

mod palette;
pub(crate) mod quantize;

use std::collections::BTreeMap;

use image::RgbaImage;
use serde::{Serialize, Serializer};

/// Most colours listed in `colors` (a real Cloudinary response lists 32).
const MAX_COLORS: usize = 32;
/// Bins per channel in `color_histogram`.
const HISTOGRAM_BINS: usize = 16;
/// A pixel whose channels differ by more than this is coloured, not gray
/// (JPEG chroma noise on gray images stays well below it).
const GRAY_CHROMA_TOLERANCE: u8 = 12;
/// `grayscale` holds when fewer than this share of visible pixels are coloured.
const GRAY_MAX_COLORED_SHARE: f64 = 0.01;
/// `illustration_score` looks at how much of the picture its most frequent
/// exact colours cover: flat artwork repeats a few colours, photos almost never.
const ILLUSTRATION_TOP_COLORS: usize = 16;

/// A percentage shown with one decimal, and without one when whole (`13.2`, `4`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Percent(f64);

impl Percent {
    fn of(part: u64, whole: u64) -> Percent {
        let exact = if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        };
        Percent((exact * 10.0).round() / 10.0)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 {
            s.serialize_u64(self.0 as u64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

/// One `colors` entry: `["#RRGGBB", percent]`, or `#RRGGBBAA` for a colour that is not opaque.
#[derive(Debug, Clone, PartialEq)]
pub struct ColorShare {
    pub hex: String,
    pub percent: Percent,
}

impl Serialize for ColorShare {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.hex, self.percent).serialize(s)
    }
}

/// One `predominant` entry: `[name, percent]`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedShare {
    pub name: &'static str,
    pub percent: Percent,
}

impl Serialize for NamedShare {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.name, self.percent).serialize(s)
    }
}

/// `predominant`: the picture's colours named in two vocabularies (see `palette.rs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predominant {
    pub google: Vec<NamedShare>,
    pub cloudinary: Vec<NamedShare>,
}

/// `color_histogram` (our extension; the wire spec has no histogram key): the
/// share of visible pixels in each of `bins` equal ranges of each channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColorHistogram {
    pub bins: usize,
    pub red: Vec<Percent>,
    pub green: Vec<Percent>,
    pub blue: Vec<Percent>,
}

/// Everything `colors=1` adds to the response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColorReport {
    pub colors: Vec<ColorShare>,
    pub predominant: Predominant,
    pub color_histogram: ColorHistogram,
    /// 0 (photograph) to 1 (flat artwork), two decimals; a heuristic.
    pub illustration_score: f64,
    /// Some pixel is not fully opaque.
    pub semi_transparent: bool,
    pub grayscale: bool,
}

/// Computes the colour report of `image` (the working copy).
pub(crate) fn analyze(image: &RgbaImage) -> ColorReport {
    let pixels: Vec<[u8; 4]> = image.pixels().map(|p| p.0).collect();
    // Fully transparent pixels have no colour to see; they still count in
    // `colors` (as a transparent entry) so that its shares add up to 100.
    let visible: Vec<[u8; 4]> = pixels.iter().copied().filter(|p| p[3] > 0).collect();
    let clusters = quantize::quantize(&pixels, MAX_COLORS);
    let total = pixels.len() as u64;
    ColorReport {
        colors: color_shares(&clusters, total),
        predominant: Predominant {
            google: named_shares(palette::GOOGLE, &clusters, total),
            cloudinary: named_shares(palette::CLOUDINARY, &clusters, total),
        },
        color_histogram: histogram(&visible),
        illustration_score: illustration_score(&visible),
        semi_transparent: pixels.iter().any(|p| p[3] < u8::MAX),
        grayscale: is_grayscale(&visible),
    }
}

fn hex(rgba: [u8; 4]) -> String {
    let [r, g, b, a] = rgba;
    if a == u8::MAX {
        format!("#{r:02X}{g:02X}{b:02X}")
    } else {
        format!("#{r:02X}{g:02X}{b:02X}{a:02X}")
    }
}

/// Clusters as `colors`: clusters that print the same merged, largest first
/// (equal shares in hex order), shares that round to 0 dropped.
fn color_shares(clusters: &[quantize::Cluster], total: u64) -> Vec<ColorShare> {
    let mut by_hex: BTreeMap<String, u64> = BTreeMap::new();
    for cluster in clusters {
        *by_hex.entry(hex(cluster.rgba)).or_default() += u64::from(cluster.pixels);
    }
    ranked(by_hex, total)
        .into_iter()
        .map(|(hex, percent)| ColorShare { hex, percent })
        .collect()
}

/// Shares per palette name of the visible clusters, largest first.
fn named_shares(
    palette: palette::Palette,
    clusters: &[quantize::Cluster],
    total: u64,
) -> Vec<NamedShare> {
    let mut by_name: BTreeMap<&'static str, u64> = BTreeMap::new();
    for cluster in clusters.iter().filter(|c| c.rgba[3] > 0) {
        let [r, g, b, _] = cluster.rgba;
        *by_name
            .entry(palette::name_of(palette, [r, g, b]))
            .or_default() += u64::from(cluster.pixels);
    }
    ranked(by_name, total)
        .into_iter()
        .map(|(name, percent)| NamedShare { name, percent })
        .collect()
}

/// Pixel counts as percentages of `total`, largest count first, ties in key
/// order; entries that round to 0 are left out.
fn ranked<K: Ord>(counts: BTreeMap<K, u64>, total: u64) -> Vec<(K, Percent)> {
    let mut entries: Vec<(K, u64)> = counts.into_iter().collect();
    // Stable sort: equal counts keep the map's key order.
    entries.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
    entries
        .into_iter()
        .map(|(key, count)| (key, Percent::of(count, total)))
        .filter(|(_, percent)| percent.value() > 0.0)
        .collect()
}

fn histogram(visible: &[[u8; 4]]) -> ColorHistogram {
    let mut counts = [[0u64; HISTOGRAM_BINS]; 3];
    for pixel in visible {
        for channel in 0..3 {
            counts[channel][usize::from(pixel[channel]) * HISTOGRAM_BINS / 256] += 1;
        }
    }
    let total = visible.len() as u64;
    let [red, green, blue] =
        counts.map(|bins| bins.iter().map(|&c| Percent::of(c, total)).collect());
    ColorHistogram {
        bins: HISTOGRAM_BINS,
        red,
        green,
        blue,
    }
}

fn is_grayscale(visible: &[[u8; 4]]) -> bool {
    let colored = visible
        .iter()
        .filter(|[r, g, b, _]| r.max(g).max(b) - r.min(g).min(b) > GRAY_CHROMA_TOLERANCE)
        .count();
    (colored as f64) < GRAY_MAX_COLORED_SHARE * visible.len() as f64
}

fn illustration_score(visible: &[[u8; 4]]) -> f64 {
    if visible.is_empty() {
        return 0.0;
    }
    let mut packed: Vec<u32> = visible
        .iter()
        .map(|&[r, g, b, _]| u32::from_be_bytes([0, r, g, b]))
        .collect();
    packed.sort_unstable();
    let mut runs: Vec<usize> = packed.chunk_by(|a, b| a == b).map(<[u32]>::len).collect();
    runs.sort_unstable_by(|a, b| b.cmp(a));
    let covered: usize = runs.iter().take(ILLUSTRATION_TOP_COLORS).sum();
    let share = covered as f64 / visible.len() as f64;
    (share * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    fn image_of(parts: &[([u8; 4], u32)]) -> RgbaImage {
        let pixels: Vec<u8> = parts
            .iter()
            .flat_map(|(rgba, n)| std::iter::repeat_n(*rgba, *n as usize).flatten())
            .collect();
        RgbaImage::from_raw(pixels.len() as u32 / 4, 1, pixels).unwrap()
    }

    #[test]
    fn reports_shares_largest_first_with_uppercase_hex() {
        let report = analyze(&image_of(&[
            ([0, 0, 255, 255], 250),
            ([255, 255, 255, 255], 750),
        ]));
        let json = serde_json::to_string(&report.colors).unwrap();
        assert_eq!(json, r##"[["#FFFFFF",75],["#0000FF",25]]"##);
        let google = serde_json::to_string(&report.predominant.google).unwrap();
        assert_eq!(google, r#"[["white",75],["blue",25]]"#);
        assert!(!report.grayscale);
        assert!(!report.semi_transparent);
    }

    #[test]
    fn marks_colours_that_are_not_opaque() {
        let report = analyze(&image_of(&[([10, 20, 30, 128], 1), ([0, 0, 0, 255], 2)]));
        assert_eq!(report.colors[1].hex, "#0A141E80");
        assert_eq!(report.colors[1].percent.value(), 33.3);
        assert!(report.semi_transparent);
    }

    #[test]
    fn gray_pictures_are_grayscale_and_tinted_ones_are_not() {
        let gray = RgbaImage::from_fn(64, 64, |x, y| {
            let v = ((x + y) * 2) as u8;
            Rgba([v, v.saturating_add(3), v, 255])
        });
        assert!(analyze(&gray).grayscale);
        let sepia = RgbaImage::from_fn(64, 64, |x, _| {
            Rgba([112 + x as u8, 66 + x as u8, 20 + x as u8, 255])
        });
        assert!(!analyze(&sepia).grayscale);
    }

    #[test]
    fn flat_artwork_scores_higher_than_a_gradient() {
        let flat = image_of(&[([255, 0, 0, 255], 500), ([255, 255, 255, 255], 500)]);
        let gradient = RgbaImage::from_fn(100, 10, |x, y| {
            Rgba([x as u8 * 2, y as u8 * 20, (x + y) as u8, 255])
        });
        assert_eq!(analyze(&flat).illustration_score, 1.0);
        assert!(analyze(&gradient).illustration_score < 0.5);
    }

    #[test]
    fn percent_prints_one_decimal_and_whole_numbers_bare() {
        assert_eq!(serde_json::to_string(&Percent::of(1, 3)).unwrap(), "33.3");
        assert_eq!(serde_json::to_string(&Percent::of(1, 4)).unwrap(), "25");
        assert_eq!(serde_json::to_string(&Percent::of(1, 8)).unwrap(), "12.5");
    }
}
