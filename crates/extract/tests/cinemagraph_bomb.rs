//! `cinemagraph_analysis` on the issue-28 GIF: a 10000x10000 logical screen
//! and 1,000 frames that each change an 8x8 patch, 110 KB in all. Composing
//! the whole screen for each of 240 frames took 127 s of CPU and 790 MB;
//! composed where the frames paint, the work follows the patches. Bounded
//! by the heap it holds (this binary's counting allocator), not by a clock.

// A test: a panic is its failure report.
#![allow(clippy::unwrap_used)]

mod peak_support;

use extract::AnalysisKind;
use extract::{analyze, Options};
use peak_support::{peak_of, serial, MIB};

#[global_allocator]
static HEAP: peak_support::Counting = peak_support::Counting;

/// A GIF whose `side` x `side` screen is painted 8x8 at a time, one patch a
/// frame, each patch somewhere else.
fn patch_gif(side: u16, frames: u32) -> Vec<u8> {
    let palette: Vec<u8> = (0..=255u8).flat_map(|i| [i, i, 255 - i]).collect();
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, side, side, &palette).unwrap();
        encoder.set_repeat(gif::Repeat::Infinite).unwrap();
        for i in 0..frames {
            let frame = gif::Frame {
                left: ((i * 97) % u32::from(side - 8)) as u16,
                top: ((i * 61) % u32::from(side - 8)) as u16,
                width: 8,
                height: 8,
                delay: 4,
                buffer: vec![(i % 255 + 1) as u8; 64].into(),
                ..gif::Frame::default()
            };
            encoder.write_frame(&frame).unwrap();
        }
    }
    bytes
}

fn cinemagraph() -> Options {
    Options::of(AnalysisKind::Cinemagraph)
}

#[test]
fn a_huge_screen_painted_in_small_patches_costs_the_patches() {
    let _serial = serial();
    let gif = patch_gif(10_000, 1_000);
    assert!(gif.len() < 200_000, "{} bytes", gif.len());
    // What the file costs without the analysis (probing and its first
    // frame, outside this stage), and with it.
    let (_, without) = peak_of(|| analyze(&gif, &Options::default()));
    let (analysis, peak) = peak_of(|| analyze(&gif, &cinemagraph()));
    let score = analysis
        .unwrap()
        .cinemagraph_analysis
        .unwrap()
        .cinemagraph_score;
    // Composing the whole 10000x10000 screen held 400 MB per frame, twice.
    assert!(
        peak < without + 48 * MIB,
        "peak heap {peak} bytes, {without} without the analysis"
    );
    // An 8x8 patch is under 0.3% of a 156x156-pixel grid cell: on the
    // motion grid nothing moves.
    assert_eq!(score, 0.0);
}
