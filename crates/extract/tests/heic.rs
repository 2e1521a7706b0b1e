//! HEIC pixels (libheif): the corpus's HEIC photos decode in their displayed
//! frame, and the colours read from them agree with what an independent
//! decoder (Pillow with pillow-heif, the corpus's `colors_oracle`) saw in the
//! same files. A decode with swapped channels, a wrong row stride or a lost
//! rotation would move the average colour far more than the tolerance.

mod corpus_support;

use extract::{analyze, Options};
use serde_json::Value;

/// Largest distance, in 0-255 RGB, between the two share-weighted average
/// colours. Two different quantisers of the same pixels land a few units apart;
/// swapping red and blue moves it by over 80 on both corpus photos.
const MAX_AVERAGE_DISTANCE: f64 = 12.0;

fn rgb(hex: &str) -> [f64; 3] {
    let channel = |i: usize| f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap());
    [channel(0), channel(1), channel(2)]
}

/// The average colour of a palette, each colour weighted by its share.
fn average<'a>(shares: impl Iterator<Item = (&'a str, f64)>) -> [f64; 3] {
    let (mut sum, mut weight) = ([0.0; 3], 0.0);
    for (hex, percent) in shares {
        let color = rgb(hex);
        for (total, channel) in sum.iter_mut().zip(color) {
            *total += channel * percent;
        }
        weight += percent;
    }
    sum.map(|total| total / weight)
}

#[test]
fn heic_photos_decode_in_their_displayed_frame_with_the_colours_another_decoder_sees() {
    let files = corpus_support::files_with_prefix("heic_");
    assert!(!files.is_empty(), "the corpus has HEIC photos");
    let options = Options {
        colors: true,
        phash: true,
        faces: true,
        ..Default::default()
    };
    for name in files {
        let expected: Value = corpus_support::expected(&name);
        let analysis = analyze(&corpus_support::read_file(&name), &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (u64::from(analysis.width), u64::from(analysis.height)),
            (
                expected["display_width"].as_u64().unwrap(),
                expected["display_height"].as_u64().unwrap()
            ),
            "{name}"
        );
        assert!(
            analysis.phash.is_some() && analysis.faces.is_some(),
            "{name}"
        );

        let colors = analysis.colors.expect("colors were asked for").colors;
        let ours = average(colors.iter().map(|c| (c.hex.as_str(), c.percent.value())));
        let oracle = expected["colors_oracle"]["colors"].as_array().unwrap();
        let theirs = average(
            oracle
                .iter()
                .map(|c| (c["hex"].as_str().unwrap(), c["percent"].as_f64().unwrap())),
        );
        let distance = ours
            .iter()
            .zip(theirs)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        println!("{name}: average colour {ours:.0?}, oracle {theirs:.0?}, distance {distance:.1}");
        assert!(
            distance <= MAX_AVERAGE_DISTANCE,
            "{name}: {ours:?} vs {theirs:?}"
        );
    }
}
