//! The named-colour vocabularies of `predominant`, and how a colour gets its name.
//!
//! A colour takes the name of its nearest prototype in CIELAB (CIE76 distance),
//! which tracks how different colours look far better than RGB distance.
//! A name may have several prototypes so that, say, sky blue and navy both read
//! as "blue" in a palette with no "navy".

/// A vocabulary: each name with the sRGB prototypes that define it.
pub(crate) type Palette = &'static [(&'static str, &'static [[u8; 3]])];

/// `predominant.google`: the 12 names of Google's image-search colour filter
/// (`imgDominantColor`), with prototypes spanning the lightness each name covers.
pub(crate) const GOOGLE: Palette = &[
    ("red", &[[220, 20, 20], [178, 34, 34], [255, 80, 80]]),
    ("orange", &[[255, 140, 0], [240, 160, 80]]),
    ("yellow", &[[255, 220, 0], [250, 240, 130], [200, 180, 40]]),
    (
        "green",
        &[[0, 160, 0], [34, 100, 34], [140, 220, 120], [100, 130, 40]],
    ),
    ("teal", &[[0, 128, 128], [64, 200, 190]]),
    (
        "blue",
        &[[0, 0, 230], [30, 100, 220], [130, 180, 235], [20, 40, 110]],
    ),
    ("purple", &[[128, 0, 128], [150, 90, 200], [75, 30, 110]]),
    ("pink", &[[255, 105, 180], [255, 182, 193], [220, 60, 140]]),
    ("white", &[[255, 255, 255], [240, 240, 235]]),
    ("gray", &[[128, 128, 128], [190, 190, 190], [80, 80, 80]]),
    ("black", &[[0, 0, 0], [35, 35, 35]]),
    ("brown", &[[139, 69, 19], [110, 75, 50], [170, 120, 80]]),
];

/// `predominant.cloudinary`: the 16 basic CSS colour keywords that Cloudinary's
/// observed names belong to (`white`, `lime`, ...), plus `orange`, `pink` and
/// `brown`, each at its CSS value. Cloudinary does not publish its list.
pub(crate) const CLOUDINARY: Palette = &[
    ("white", &[[255, 255, 255]]),
    ("silver", &[[192, 192, 192]]),
    ("gray", &[[128, 128, 128]]),
    ("black", &[[0, 0, 0]]),
    ("red", &[[255, 0, 0]]),
    ("maroon", &[[128, 0, 0]]),
    ("orange", &[[255, 165, 0]]),
    ("yellow", &[[255, 255, 0]]),
    ("olive", &[[128, 128, 0]]),
    ("lime", &[[0, 255, 0]]),
    ("green", &[[0, 128, 0]]),
    ("teal", &[[0, 128, 128]]),
    ("cyan", &[[0, 255, 255]]),
    ("blue", &[[0, 0, 255]]),
    ("navy", &[[0, 0, 128]]),
    ("purple", &[[128, 0, 128]]),
    ("magenta", &[[255, 0, 255]]),
    ("pink", &[[255, 192, 203]]),
    ("brown", &[[165, 42, 42]]),
];

/// The name in `palette` whose nearest prototype is nearest to `rgb`; the first
/// listed name wins an exact tie.
pub(crate) fn name_of(palette: Palette, rgb: [u8; 3]) -> &'static str {
    let lab = to_lab(rgb);
    let mut best = ("", f64::INFINITY);
    for (name, prototypes) in palette {
        for prototype in *prototypes {
            let distance = squared_distance(lab, to_lab(*prototype));
            if distance < best.1 {
                best = (name, distance);
            }
        }
    }
    best.0
}

fn squared_distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|i| (a[i] - b[i]).powi(2)).sum()
}

/// sRGB (D65) to CIELAB.
fn to_lab(rgb: [u8; 3]) -> [f64; 3] {
    let linear = rgb.map(|c| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    let [r, g, b] = linear;
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_everyday_colours() {
        assert_eq!(name_of(GOOGLE, [135, 206, 235]), "blue"); // sky blue
        assert_eq!(name_of(GOOGLE, [250, 250, 250]), "white");
        assert_eq!(name_of(GOOGLE, [20, 20, 22]), "black");
        assert_eq!(name_of(GOOGLE, [120, 120, 125]), "gray");
        assert_eq!(name_of(GOOGLE, [34, 139, 34]), "green"); // forest green
        assert_eq!(name_of(GOOGLE, [255, 165, 0]), "orange");
        assert_eq!(name_of(GOOGLE, [139, 90, 43]), "brown");
        assert_eq!(name_of(CLOUDINARY, [0, 250, 10]), "lime");
        assert_eq!(name_of(CLOUDINARY, [250, 250, 250]), "white");
    }

    #[test]
    fn every_prototype_names_itself() {
        for palette in [GOOGLE, CLOUDINARY] {
            for (name, prototypes) in palette {
                for prototype in *prototypes {
                    assert_eq!(name_of(palette, *prototype), *name, "{prototype:?}");
                }
            }
        }
    }
}
