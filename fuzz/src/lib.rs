//! The fuzz targets, one function per parser that reads untrusted bytes, and
//! what both ways of running them share: where seeds come from and how inputs
//! are mutated. `fuzz_targets/*.rs` hand these functions to libFuzzer;
//! `src/bin/replay.rs` drives them on stable Rust for a bounded time.

pub mod corpus;
pub mod mutate;

pub use extract::metadata::fuzzing::{container, exif, icc, iptc, photoshop, xmp};
/// The search expression parser and its SQL compiler (both databases).
pub use store::search::fuzzing::expression as search_expression;

/// A fuzz target: its name (the cargo-fuzz binary and corpus folder) and the
/// function that must return, never panic, on any input.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every target, in the order `replay` runs them.
pub const TARGETS: [Target; 8] = [
    Target {
        name: "analyze",
        run: analyze,
    },
    Target {
        name: "exif",
        run: exif,
    },
    Target {
        name: "iptc",
        run: iptc,
    },
    Target {
        name: "xmp",
        run: xmp,
    },
    Target {
        name: "icc",
        run: icc,
    },
    Target {
        name: "photoshop",
        run: photoshop,
    },
    Target {
        name: "container",
        run: container,
    },
    Target {
        name: "search_expression",
        run: search_expression,
    },
];

/// `extract::analyze` with every analysis that needs no system library:
/// header probing and limits, decoding, colours, pHash, metadata and the
/// animation frames of `cinemagraph_analysis`.
/// The pixel limit is lower than the service's so that a mutated header
/// declaring a huge image is refused quickly, as a bomb would be, and an
/// execution stays short; the probing code that refuses it is the same.
pub fn analyze(data: &[u8]) {
    let options = extract::Options {
        analyses: extract::AnalysisKind::Colors | extract::AnalysisKind::Phash | extract::AnalysisKind::MediaMetadata | extract::AnalysisKind::Cinemagraph,
        limits: extract::Limits {
            max_pixels: 4_000_000,
            ..extract::Limits::default()
        },
        ..extract::Options::default()
    };
    let _ = extract::analyze(data, &options);
}
