//! The pixel measures of `quality_analysis`, each a score in 0..=1 (1 best),
//! each named after the published method it follows. They read 8-bit planes
//! (`Plane`) of the canonical inputs built in `quality/mod.rs`; none depends
//! on anything but those pixels.

use image::RgbImage;

/// One channel as floats in 0..=255, row-major.
pub(crate) struct Plane {
    pub width: usize,
    pub height: usize,
    pub values: Vec<f32>,
}

impl Plane {
    fn at(&self, x: usize, y: usize) -> f32 {
        self.values[y * self.width + x]
    }

    /// BT.601 luma, Cb and Cr (JPEG's YCbCr, full range).
    pub fn ycbcr(image: &RgbImage) -> [Plane; 3] {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let mut planes = [(); 3].map(|()| Vec::with_capacity(width * height));
        for pixel in image.pixels() {
            let [r, g, b] = pixel.0.map(f32::from);
            planes[0].push(0.299 * r + 0.587 * g + 0.114 * b);
            planes[1].push(128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b);
            planes[2].push(128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b);
        }
        planes.map(|values| Plane {
            width,
            height,
            values,
        })
    }

    /// 4-neighbour Laplacian at every interior pixel.
    fn laplacian(&self) -> impl Iterator<Item = f32> + '_ {
        self.interior().map(|(x, y)| {
            self.at(x - 1, y) + self.at(x + 1, y) + self.at(x, y - 1) + self.at(x, y + 1)
                - 4.0 * self.at(x, y)
        })
    }

    /// Squared forward-difference gradient at every interior pixel.
    fn gradient_energy(&self) -> impl Iterator<Item = f32> + '_ {
        self.interior().map(|(x, y)| {
            let dx = self.at(x + 1, y) - self.at(x, y);
            let dy = self.at(x, y + 1) - self.at(x, y);
            dx * dx + dy * dy
        })
    }

    fn interior(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (w, h) = (self.width, self.height);
        (1..h.saturating_sub(1)).flat_map(move |y| (1..w.saturating_sub(1)).map(move |x| (x, y)))
    }
}

/// The `focus` ratio of an image with nothing sharp in it (score 0).
const FOCUS_BLURRY: f64 = 0.15;
/// The `focus` ratio of a crisp photo (score 1).
const FOCUS_CRISP: f64 = 1.8;

fn clamp01(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// `focus`: normalised Laplacian energy. The RMS of the Laplacian over the
/// RMS of the gradient is, for an edge blurred by a Gaussian of width s,
/// proportional to 1/s whatever the edge's contrast. Measured on the
/// canonical working size, so it is the sharpness seen at that size; mapped
/// linearly from [`FOCUS_BLURRY`] to [`FOCUS_CRISP`]. Calibrated on the
/// corpus photos at that size: sharp originals give 1.45-1.75, a Gaussian
/// blur of sigma 1.5 at full size 0.55-0.95, sigma 4 0.3-0.7.
pub(crate) fn focus(luma: &Plane) -> f64 {
    let laplacian: f64 = luma.laplacian().map(|l| f64::from(l * l)).sum();
    let gradient: f64 = luma.gradient_energy().map(f64::from).sum();
    if gradient < 1e-6 {
        // A flat image has no edges to judge; nothing in it is out of focus.
        return 1.0;
    }
    let ratio = (laplacian / gradient).sqrt();
    clamp01((ratio - FOCUS_BLURRY) / (FOCUS_CRISP - FOCUS_BLURRY))
}

/// Standard deviation of the noise by Immerkaer's fast estimator (J.
/// Immerkaer, "Fast Noise Variance Estimation", CVIU 1996): the mean absolute
/// response to the mask `[1 -2 1; -2 4 -2; 1 -2 1]`, which cancels any
/// locally planar signal, times sqrt(pi/2)/6. Only the flatter half of the
/// image (by gradient) is used, so texture is not mistaken for noise.
pub(crate) fn noise_sigma(luma: &Plane) -> f64 {
    let mut samples: Vec<(f32, f32)> = luma
        .interior()
        .map(|(x, y)| {
            let p = |dx: isize, dy: isize| {
                luma.at((x as isize + dx) as usize, (y as isize + dy) as usize)
            };
            let response = p(-1, -1) - 2.0 * p(0, -1) + p(1, -1) - 2.0 * p(-1, 0) + 4.0 * p(0, 0)
                - 2.0 * p(1, 0)
                + p(-1, 1)
                - 2.0 * p(0, 1)
                + p(1, 1);
            let gx = p(1, 0) - p(-1, 0);
            let gy = p(0, 1) - p(0, -1);
            (gx.abs() + gy.abs(), response.abs())
        })
        .collect();
    if samples.is_empty() {
        return 0.0;
    }
    let half = samples.len() / 2;
    samples.select_nth_unstable_by(half, |a, b| a.0.total_cmp(&b.0));
    let flat = &samples[..half.max(1)];
    let mean = flat.iter().map(|s| f64::from(s.1)).sum::<f64>() / flat.len() as f64;
    mean * (std::f64::consts::PI / 2.0).sqrt() / 6.0
}

/// `noise`: 1 up to a noise sigma of 1 (of 255), 0 from 12.
pub(crate) fn noise(luma: &Plane) -> f64 {
    clamp01(1.0 - (noise_sigma(luma) - 1.0) / 11.0)
}

/// Luma histogram (256 bins) and its pixel count.
fn histogram(luma: &Plane) -> ([u64; 256], u64) {
    let mut bins = [0u64; 256];
    for &v in &luma.values {
        bins[v.round().clamp(0.0, 255.0) as usize] += 1;
    }
    (bins, luma.values.len() as u64)
}

/// The luma level below which `share` of the pixels lie.
fn percentile(bins: &[u64; 256], total: u64, share: f64) -> f64 {
    let target = (total as f64 * share).ceil() as u64;
    let mut seen = 0;
    for (level, &count) in bins.iter().enumerate() {
        seen += count;
        if seen >= target.max(1) {
            return level as f64;
        }
    }
    255.0
}

/// `contrast`: the spread of luma between its 1st and 99th percentiles, full
/// marks when it covers 70% of the range.
pub(crate) fn contrast(luma: &Plane) -> f64 {
    let (bins, total) = histogram(luma);
    let spread = percentile(&bins, total, 0.99) - percentile(&bins, total, 0.01);
    clamp01(spread / (0.7 * 255.0))
}

/// `exposure`: mean luma near mid-grey (within 0.15 of 0.5 is ideal, off by
/// 0.5 is worst) times the share of pixels not clipped to black (<= 2) or
/// white (>= 253) beyond the first 2%.
pub(crate) fn exposure(luma: &Plane) -> f64 {
    let (bins, total) = histogram(luma);
    if total == 0 {
        return 0.0;
    }
    let mean = luma.values.iter().map(|&v| f64::from(v)).sum::<f64>() / total as f64 / 255.0;
    let clipped =
        (bins[..=2].iter().sum::<u64>() + bins[253..].iter().sum::<u64>()) as f64 / total as f64;
    let level = clamp01(1.0 - ((mean - 0.5).abs() - 0.15).max(0.0) / 0.35);
    let clipping = clamp01(1.0 - (clipped - 0.02).max(0.0) / 0.3);
    level * clipping
}

/// `saturation`: mean HSV saturation, full marks between 0.12 and 0.6; a
/// colourless picture scores 0.5, a garish one (mean 1) 0.3.
pub(crate) fn saturation(image: &RgbImage) -> f64 {
    let count = image.pixels().len();
    if count == 0 {
        return 0.0;
    }
    let sum: f64 = image
        .pixels()
        .map(|p| {
            let max = p.0.iter().copied().max().unwrap_or(0);
            let min = p.0.iter().copied().min().unwrap_or(0);
            if max == 0 {
                0.0
            } else {
                f64::from(max - min) / f64::from(max)
            }
        })
        .sum();
    let mean = sum / count as f64;
    if mean < 0.12 {
        0.5 + 0.5 * mean / 0.12
    } else if mean <= 0.6 {
        1.0
    } else {
        1.0 - 0.7 * (mean - 0.6) / 0.4
    }
}

/// `lighting`: evenness of the illumination, from the spread (standard
/// deviation) of the mean lumas of a 4x4 grid of blocks: 0.1 of the range or
/// less is even, 0.4 or more is lit from one side or spotlit.
pub(crate) fn lighting(luma: &Plane) -> f64 {
    const GRID: usize = 4;
    if luma.width < GRID || luma.height < GRID {
        return 1.0;
    }
    let mut means = Vec::with_capacity(GRID * GRID);
    for gy in 0..GRID {
        for gx in 0..GRID {
            let (x0, x1) = (gx * luma.width / GRID, (gx + 1) * luma.width / GRID);
            let (y0, y1) = (gy * luma.height / GRID, (gy + 1) * luma.height / GRID);
            let mut sum = 0.0;
            for y in y0..y1 {
                for x in x0..x1 {
                    sum += f64::from(luma.at(x, y));
                }
            }
            means.push(sum / ((x1 - x0) * (y1 - y0)) as f64 / 255.0);
        }
    }
    let mean = means.iter().sum::<f64>() / means.len() as f64;
    let spread =
        (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / means.len() as f64).sqrt();
    clamp01(1.0 - (spread - 0.1).max(0.0) / 0.3)
}

/// `resolution`: the pixel count against full HD's (1920x1080), as a linear
/// size: 1 at HD and above.
pub(crate) fn resolution(width: u32, height: u32) -> f64 {
    clamp01((f64::from(width) * f64::from(height) / (1920.0 * 1080.0)).sqrt())
}

/// `blockiness`: the 8x8 grid's edges against all others (after Wang, Bovik
/// and Evans, "Blind measurement of blocking artifacts in images", ICIP 2000):
/// the mean absolute luma step across block boundaries over the mean step
/// inside blocks. 1 means no visible grid; a boundary step 1.5 times the
/// inner one or more scores 0. Reads the full-resolution luma, where a JPEG's
/// blocks are.
pub(crate) fn blockiness(luma: &Plane) -> f64 {
    let (mut boundary, mut boundary_n, mut inner, mut inner_n) = (0.0f64, 0u64, 0.0f64, 0u64);
    for y in 0..luma.height {
        for x in 1..luma.width {
            let step = f64::from((luma.at(x, y) - luma.at(x - 1, y)).abs());
            if x % 8 == 0 {
                boundary += step;
                boundary_n += 1;
            } else {
                inner += step;
                inner_n += 1;
            }
        }
    }
    for y in 1..luma.height {
        for x in 0..luma.width {
            let step = f64::from((luma.at(x, y) - luma.at(x, y - 1)).abs());
            if y % 8 == 0 {
                boundary += step;
                boundary_n += 1;
            } else {
                inner += step;
                inner_n += 1;
            }
        }
    }
    if boundary_n == 0 || inner_n == 0 {
        return 1.0;
    }
    let inner_mean = inner / inner_n as f64;
    if inner_mean < 1e-3 {
        return 1.0;
    }
    let ratio = (boundary / boundary_n as f64) / inner_mean;
    clamp01(1.0 - (ratio - 1.0) / 0.5)
}

/// `dct`: how much fine detail survived DCT quantisation. Over the 8x8 blocks
/// of the full-resolution luma that have texture (AC energy above a floor),
/// the share of the 28 highest-frequency DCT-II coefficients (u + v >= 8)
/// still above 1.5 in magnitude; a heavily quantised JPEG zeroes them. Full
/// marks from a share of 0.5.
pub(crate) fn dct(luma: &Plane) -> f64 {
    let basis = dct_basis();
    let (mut kept, mut considered) = (0u64, 0u64);
    let mut block = [0f32; 64];
    for by in 0..luma.height / 8 {
        for bx in 0..luma.width / 8 {
            for v in 0..8 {
                for u in 0..8 {
                    block[v * 8 + u] = luma.at(bx * 8 + u, by * 8 + v) - 128.0;
                }
            }
            let coefficients = dct_8x8(&block, &basis);
            let ac_energy: f32 = coefficients[1..].iter().map(|c| c * c).sum();
            if ac_energy < 64.0 * 4.0 {
                continue;
            }
            for v in 0..8 {
                for u in 0..8 {
                    if u + v >= 8 {
                        considered += 1;
                        if coefficients[v * 8 + u].abs() > 1.5 {
                            kept += 1;
                        }
                    }
                }
            }
        }
    }
    if considered == 0 {
        // Nothing textured: nothing a quantiser could have taken away.
        return 1.0;
    }
    clamp01(kept as f64 / considered as f64 / 0.5)
}

/// Orthonormal DCT-II basis: `basis[k][n] = c(k) cos((2n+1) k pi / 16)`.
fn dct_basis() -> [[f32; 8]; 8] {
    let mut basis = [[0f32; 8]; 8];
    for (k, row) in basis.iter_mut().enumerate() {
        let scale = if k == 0 { (1.0f32 / 8.0).sqrt() } else { 0.5 };
        for (n, value) in row.iter_mut().enumerate() {
            *value = scale * ((2 * n + 1) as f32 * k as f32 * std::f32::consts::PI / 16.0).cos();
        }
    }
    basis
}

fn dct_8x8(block: &[f32; 64], basis: &[[f32; 8]; 8]) -> [f32; 64] {
    let mut rows = [0f32; 64];
    for y in 0..8 {
        for (u, b) in basis.iter().enumerate() {
            rows[y * 8 + u] = (0..8).map(|x| block[y * 8 + x] * b[x]).sum();
        }
    }
    let mut out = [0f32; 64];
    for u in 0..8 {
        for (v, b) in basis.iter().enumerate() {
            out[v * 8 + u] = (0..8).map(|y| rows[y * 8 + u] * b[y]).sum();
        }
    }
    out
}

/// `chroma_subsampling`: how much colour detail the picture keeps next to its
/// luma detail. Subsampled chroma (4:2:0) is upsampled smoothly, so its
/// Laplacian energy falls far below the luma's; the score is the RMS
/// Laplacian of Cb and Cr over 0.35 times that of luma (full marks at or
/// above). Reads the full-resolution planes.
pub(crate) fn chroma_detail(planes: &[Plane; 3]) -> f64 {
    let rms = |plane: &Plane| {
        let (sum, n) = plane
            .laplacian()
            .fold((0.0f64, 0u64), |(s, n), l| (s + f64::from(l * l), n + 1));
        if n == 0 {
            0.0
        } else {
            (sum / n as f64).sqrt()
        }
    };
    let luma = rms(&planes[0]);
    if luma < 0.5 {
        return 1.0;
    }
    let chroma = (rms(&planes[1]) + rms(&planes[2])) / 2.0;
    clamp01(chroma / luma / 0.35)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(width: usize, height: usize, f: impl Fn(usize, usize) -> f32) -> Plane {
        let values = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect();
        Plane {
            width,
            height,
            values,
        }
    }

    /// A deterministic pseudo-random sequence (xorshift) for test noise.
    fn noise_source(seed: u32) -> impl FnMut() -> f32 {
        let mut state = seed.max(1);
        move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % 1000) as f32 / 1000.0 - 0.5
        }
    }

    #[test]
    fn noise_estimate_tracks_added_noise_on_a_gradient() {
        let mut rng = noise_source(7);
        let clean = plane(200, 200, |x, _| x as f32);
        let noisy_values: Vec<f32> = clean.values.iter().map(|v| v + 40.0 * rng()).collect();
        let noisy = Plane {
            values: noisy_values,
            ..plane(200, 200, |_, _| 0.0)
        };
        assert!(noise_sigma(&clean) < 0.5, "{}", noise_sigma(&clean));
        // Uniform noise of width 40 has sigma 40/sqrt(12) = 11.5.
        let sigma = noise_sigma(&noisy);
        assert!((8.0..15.0).contains(&sigma), "{sigma}");
        assert!(noise(&clean) > noise(&noisy));
    }

    #[test]
    fn contrast_and_exposure_reward_a_full_well_placed_range() {
        let full = plane(100, 100, |x, _| x as f32 * 2.55);
        let flat_dark = plane(100, 100, |x, _| 10.0 + x as f32 * 0.1);
        assert_eq!(contrast(&full), 1.0);
        assert!(contrast(&flat_dark) < 0.1);
        assert!(exposure(&full) > 0.9);
        assert!(exposure(&flat_dark) < 0.3);
    }

    #[test]
    fn a_block_grid_is_blocky() {
        let smooth = plane(64, 64, |x, y| (x + y) as f32);
        let blocks = plane(64, 64, |x, y| {
            ((x / 8 + y / 8) * 20) as f32 + (x % 8) as f32 * 0.5
        });
        assert!(blockiness(&smooth) > 0.95, "{}", blockiness(&smooth));
        assert!(blockiness(&blocks) < 0.1, "{}", blockiness(&blocks));
    }

    #[test]
    fn resolution_prefers_full_hd() {
        assert_eq!(resolution(1920, 1080), 1.0);
        assert_eq!(resolution(4000, 3000), 1.0);
        assert!((resolution(960, 540) - 0.5).abs() < 1e-9);
    }
}
