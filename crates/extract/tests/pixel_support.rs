//! Basic facts never depend on pixel support: a valid file whose pixel
//! variant this build cannot decode still answers width, height, format,
//! pages, etag and metadata; only a pixel analysis is refused, by name, with
//! `PixelsUnavailable`. A damaged file of the same kind keeps its clean
//! "Invalid image file" error.

use extract::AnalysisKind;
use extract::{analyze, ExtractError, Format, Options};

/// A valid TIFF with 32-bit integer grey + alpha samples, 120 x 80, a
/// gradient, written by ImageMagick: a layout neither libtiff's RGBA reader
/// (8 and 16 bits) nor the `tiff` crate's sample decoder (grey, RGB, CMYK)
/// turns into pixels.
fn grey_alpha32_tiff() -> Vec<u8> {
    // One folder per call: the tests run side by side.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("assay-pixel-support-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let file = dir.join("grey-alpha-32.tif");
    let status = std::process::Command::new("convert")
        .args(["-size", "120x80", "gradient:", "-alpha", "set"])
        .args(["-channel", "A", "-evaluate", "set", "60%", "+channel"])
        .args(["-depth", "32", "-compress", "None"])
        .arg(&file)
        .status()
        .expect("ImageMagick's convert runs (scripts/setup.sh installs it)");
    assert!(status.success(), "convert failed");
    let bytes = std::fs::read(&file).expect("written");
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

#[test]
fn a_variant_without_pixel_support_still_answers_its_basic_facts() {
    let tiff = grey_alpha32_tiff();
    // A check that the file is what we claim: the tiff crate reads its header.
    let mut reader = tiff::decoder::Decoder::new(std::io::Cursor::new(&tiff)).expect("valid TIFF");
    assert_eq!(reader.dimensions().unwrap(), (120, 80));

    let options = Options::of(AnalysisKind::MediaMetadata);
    let analysis = analyze(&tiff, &options).expect("basic facts answer");
    assert_eq!((analysis.width, analysis.height), (120, 80));
    assert_eq!(analysis.format, Format::Tiff);
    assert_eq!(analysis.pages, 1);
    assert_eq!(analysis.etag.len(), 32);
    assert!(analysis.media_metadata.is_some());

    for (name, options) in [
        ("colors", Options::of(AnalysisKind::Colors)),
        ("phash", Options::of(AnalysisKind::Phash)),
        ("faces", Options::of(AnalysisKind::Faces)),
    ] {
        match analyze(&tiff, &options) {
            Err(ExtractError::PixelsUnavailable {
                format: Format::Tiff,
                analysis,
            }) => assert_eq!(analysis, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn a_damaged_file_of_that_variant_is_still_corrupt() {
    let tiff = grey_alpha32_tiff();
    // Cut inside the first IFD: its size can no longer be read.
    let cut = &tiff[..tiff.len().min(12)];
    match analyze(cut, &Options::default()) {
        Err(e @ ExtractError::Corrupt(_)) => {
            assert!(e.to_string().starts_with("Invalid image file"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}
