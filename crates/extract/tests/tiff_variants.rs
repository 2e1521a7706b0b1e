//! Every TIFF variant a mainstream decoder opens gets its basic facts and
//! its pixels: a conformance set generated at test time from a corpus photo
//! by the reference tools (ImageMagick's `convert`, libtiff's `tiffcp` and
//! `tiffset`), one file per variant. Each is checked against the tool:
//! its size as `tiffinfo` reads it (turned by its `Orientation`), and its
//! pixels by pHash against the same picture written plainly (a picture the
//! variant cannot hold exactly, such as a palette or a JPEG, may be a few
//! bits off; a lossless one may not). Damaged files still answer with a
//! clean "Invalid image file".

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use extract::AnalysisKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use extract::{analyze, Analysis, ExtractError, Options};
use test_support::shell::run_in as run;

/// How far a variant's pixels may stray from the plain picture's, in pHash bits.
#[derive(Debug, Clone, Copy)]
enum Fidelity {
    /// Same samples (or the same samples at more bits): at most 2 bits.
    Lossless,
    /// Fewer colours or levels, another colour space, JPEG: at most 10 bits.
    Approximate,
    /// Black and white: only that pixels come out.
    Bilevel,
}

/// One variant: its name, the shell command that writes `out.tif` (from
/// `base.tif`, 8-bit RGB, and `first.tif`, another picture), and how close
/// its pixels must stay.
struct Variant {
    name: &'static str,
    command: &'static str,
    fidelity: Fidelity,
}

const fn variant(name: &'static str, command: &'static str, fidelity: Fidelity) -> Variant {
    Variant {
        name,
        command,
        fidelity,
    }
}

use Fidelity::{Approximate, Bilevel, Lossless};

const VARIANTS: &[Variant] = &[
    variant("uncompressed", "tiffcp -c none base.tif out.tif", Lossless),
    variant("lzw", "tiffcp -c lzw base.tif out.tif", Lossless),
    variant("lzw-predictor", "tiffcp -c lzw:2 base.tif out.tif", Lossless),
    variant("deflate", "tiffcp -c zip base.tif out.tif", Lossless),
    variant("packbits", "tiffcp -c packbits base.tif out.tif", Lossless),
    variant("lzma", "tiffcp -c lzma base.tif out.tif", Lossless),
    variant("zstd", "tiffcp -c zstd base.tif out.tif", Lossless),
    variant("tiled", "tiffcp -t -w 64 -l 64 base.tif out.tif", Lossless),
    variant("planar", "tiffcp -p separate base.tif out.tif", Lossless),
    variant("strips-of-one-row", "tiffcp -r 1 base.tif out.tif", Lossless),
    variant("bigtiff", "tiffcp -8 -c zip base.tif out.tif", Lossless),
    variant("ycbcr-jpeg", "tiffcp -c jpeg -r 16 base.tif out.tif", Approximate),
    variant("rgb-jpeg", "tiffcp -c jpeg:r -r 16 base.tif out.tif", Approximate),
    variant("rgb-16-bit", "convert base.tif -depth 16 out.tif", Lossless),
    variant("rgb-32-bit", "convert base.tif -depth 32 out.tif", Lossless),
    // ImageMagick 6.9.11 complains that it cannot set a predictor for float
    // samples, and exits 1, after writing a valid file (tiffinfo reads it).
    variant(
        "rgb-float",
        "convert base.tif -depth 32 -define quantum:format=floating-point out.tif || test -s out.tif",
        Lossless,
    ),
    variant(
        "rgb-half-float",
        "convert base.tif -depth 16 -define quantum:format=floating-point out.tif || test -s out.tif",
        Lossless,
    ),
    variant(
        "grey-float",
        "convert base.tif -colorspace Gray -depth 32 -define quantum:format=floating-point out.tif \
         || test -s out.tif",
        Approximate,
    ),
    variant("rgba", "convert base.tif -alpha set out.tif", Lossless),
    variant(
        "palette",
        "convert base.tif -colors 200 -type Palette out.tif",
        Approximate,
    ),
    variant(
        "grey-8-bit",
        "convert base.tif -colorspace Gray out.tif",
        Approximate,
    ),
    variant(
        "grey-4-bit",
        "convert base.tif -colorspace Gray -depth 4 out.tif",
        Approximate,
    ),
    variant(
        "grey-2-bit",
        "convert base.tif -colorspace Gray -depth 2 out.tif",
        Approximate,
    ),
    variant(
        "min-is-white",
        // The grey levels stored inverted, and marked so.
        "convert base.tif -colorspace Gray -negate out.tif && tiffset -s 262 0 out.tif",
        Approximate,
    ),
    variant(
        "bilevel-g4",
        "convert base.tif -monochrome -compress Group4 out.tif",
        Bilevel,
    ),
    variant(
        "bilevel-g3",
        "convert base.tif -monochrome -compress Fax out.tif",
        Bilevel,
    ),
    variant("cmyk", "convert base.tif -colorspace CMYK out.tif", Approximate),
    variant(
        "cmyk-16-bit",
        "convert base.tif -colorspace CMYK -depth 16 out.tif",
        Approximate,
    ),
    variant("cielab", "convert base.tif -colorspace Lab out.tif", Approximate),
    // Two pages: the answer is the first page's; `pages` counts both.
    variant("two-pages", "tiffcp base.tif first.tif out.tif", Lossless),
    variant(
        "palette-then-rgb",
        "convert base.tif -colors 200 -type Palette p.tif && tiffcp p.tif first.tif out.tif",
        Approximate,
    ),
];

/// Width and length of the first page, as `tiffinfo` reads them.
fn tiffinfo(path: &Path) -> (u32, u32) {
    let output = Command::new("tiffinfo")
        .arg(path)
        .output()
        .expect("tiffinfo runs (libtiff-tools)");
    let text = String::from_utf8_lossy(&output.stdout);
    let first_page = text
        .split("TIFF Directory at offset")
        .nth(1)
        .unwrap_or(&text);
    let number_after = |label: &str| -> Option<u32> {
        let rest = &first_page[first_page.find(label)? + label.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .find(|part| !part.is_empty())?
            .parse()
            .ok()
    };
    (
        number_after("Image Width:").expect("tiffinfo names the width"),
        number_after("Image Length:").expect("tiffinfo names the length"),
    )
}

/// A fresh directory holding `base.tif` (a corpus photo at 240x160, 8-bit
/// RGB) and `first.tif` (another photo, 200x200).
fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-tiff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let photo = test_support::corpus::path("exif_canon_40d.jpg");
    let other = test_support::corpus::path("face_fr_obama.jpg");
    run(
        &dir,
        &format!(
            "convert '{}' -resize '240x160!' -strip -depth 8 -type TrueColor -compress None base.tif \
             && convert '{}' -resize '200x200!' -strip -depth 8 -type TrueColor first.tif",
            photo.display(),
            other.display()
        ),
    );
    dir
}

fn every_analysis() -> Options {
    let mut analyses = AnalysisKind::Phash | AnalysisKind::Colors | AnalysisKind::MediaMetadata;
    if cfg!(feature = "faces") {
        analyses.insert(AnalysisKind::Faces);
    }
    Options::of(analyses)
}

fn analyzed(bytes: &[u8], what: &str) -> Analysis {
    analyze(bytes, &every_analysis()).unwrap_or_else(|e| panic!("{what}: {e:?}"))
}

#[test]
fn every_tiff_variant_answers_its_size_and_pixels() {
    let dir = workspace("variants");
    let base = analyzed(&std::fs::read(dir.join("base.tif")).unwrap(), "base.tif");
    let base_phash = base.phash.expect("base has a pHash");
    let mut failures = Vec::new();
    for variant in VARIANTS {
        let _ = std::fs::remove_file(dir.join("out.tif"));
        run(&dir, variant.command);
        let path = dir.join("out.tif");
        let (width, length) = tiffinfo(&path);
        let bytes = std::fs::read(&path).unwrap();
        let analysis = match analyze(&bytes, &every_analysis()) {
            Ok(analysis) => analysis,
            Err(e) => {
                failures.push(format!("{}: {e}", variant.name));
                continue;
            }
        };
        if (analysis.width, analysis.height) != (width, length) {
            failures.push(format!(
                "{}: {}x{}, tiffinfo says {width}x{length}",
                variant.name, analysis.width, analysis.height
            ));
        }
        let expected_pages = if variant.command.contains("first.tif out.tif") {
            2
        } else {
            1
        };
        if analysis.pages != expected_pages {
            failures.push(format!("{}: {} pages", variant.name, analysis.pages));
        }
        let (Some(phash), Some(_colors)) = (analysis.phash, analysis.colors.as_ref()) else {
            failures.push(format!("{}: no pixel analyses", variant.name));
            continue;
        };
        let allowed = match variant.fidelity {
            Lossless => 2,
            Approximate => 10,
            Bilevel => 64,
        };
        let distance = phash.distance(base_phash);
        if distance > allowed {
            failures.push(format!(
                "{}: pHash {distance} bits from the plain picture's (at most {allowed})",
                variant.name
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} variants:\n{}",
        failures.len(),
        VARIANTS.len(),
        failures.join("\n")
    );
}

/// `Orientation` 5-8 turns the picture a quarter: width and height swap,
/// and the pixels are those of the picture turned the same way.
#[test]
fn tiff_orientation_is_applied_to_size_and_pixels() {
    let dir = workspace("orientation");
    // Each orientation with the ImageMagick operation that displays the
    // stored pixels as a viewer does (TIFF 6.0, Orientation).
    for (orientation, shows_as) in [
        (2, "-flop"),
        (3, "-rotate 180"),
        (4, "-flip"),
        (5, "-transpose +repage"),
        (6, "-rotate 90"),
        (7, "-transverse +repage"),
        (8, "-rotate 270"),
    ] {
        run(
            &dir,
            &format!(
                "cp base.tif out.tif && tiffset -s 274 {orientation} out.tif \
                 && convert base.tif {shows_as} shown.tif"
            ),
        );
        let (width, length) = tiffinfo(&dir.join("out.tif"));
        let analysis = analyzed(&std::fs::read(dir.join("out.tif")).unwrap(), "oriented");
        let shown = analyzed(&std::fs::read(dir.join("shown.tif")).unwrap(), "shown");
        let expected = if orientation >= 5 {
            (length, width)
        } else {
            (width, length)
        };
        assert_eq!(
            (analysis.width, analysis.height),
            expected,
            "orientation {orientation}"
        );
        let distance = analysis.phash.unwrap().distance(shown.phash.unwrap());
        assert!(
            distance <= 2,
            "orientation {orientation}: {distance} bits from the picture as shown"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_tiffs_answer_a_clean_error() {
    let dir = workspace("damaged");
    run(
        &dir,
        "tiffcp -c zip base.tif zip.tif && tiffcp -c none base.tif none.tif",
    );
    let zip = std::fs::read(dir.join("zip.tif")).unwrap();
    let plain = std::fs::read(dir.join("none.tif")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    // libtiff writes the strips first and the directory after them (its
    // offset is in bytes 4..8 of a little-endian classic TIFF): garble the
    // middle of the deflate strips and keep the directory intact.
    assert_eq!(&zip[..4], b"II*\0", "a little-endian classic TIFF");
    let directory = u32::from_le_bytes(zip[4..8].try_into().unwrap()) as usize;
    let mut garbled = zip.clone();
    garbled[directory / 4..directory * 3 / 4].fill(0x55);

    for (what, bytes) in [
        ("deflate strips garbled", &garbled[..]),
        ("deflate cut at 60%", &zip[..zip.len() * 6 / 10]),
        ("uncompressed cut at 30%", &plain[..plain.len() * 3 / 10]),
        ("header only", &plain[..8]),
    ] {
        match analyze(bytes, &every_analysis()) {
            Err(e @ ExtractError::Corrupt(_)) => {
                assert!(
                    e.to_string().starts_with("Invalid image file"),
                    "{what}: {e}"
                )
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}
