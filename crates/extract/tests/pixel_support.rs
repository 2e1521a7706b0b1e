//! Basic facts never depend on pixel support: a valid file whose pixel
//! variant this build cannot decode still answers width, height, format,
//! pages, etag and metadata; only a pixel analysis is refused, by name, with
//! `PixelsUnavailable`. A damaged file of the same kind keeps its clean
//! "Invalid image file" error.

use extract::{analyze, ExtractError, Format, Options};
use tiff::encoder::{colortype, TiffEncoder};

/// A valid TIFF with 32-bit integer CMYK samples, `width` x `height`, with a
/// gradient: a layout neither libtiff's RGBA reader (8 and 16 bits) nor
/// the `tiff` crate's sample decoder (grey and RGB) turns into pixels.
fn cmyk32_tiff(width: u32, height: u32) -> Vec<u8> {
    let samples: Vec<u32> = (0..width * height * 4)
        .map(|i| (i / 4 % width) * (u32::MAX / width))
        .collect();
    let mut bytes = std::io::Cursor::new(Vec::new());
    TiffEncoder::new(&mut bytes)
        .expect("encoder")
        .write_image::<colortype::CMYK32>(width, height, &samples)
        .expect("encodes");
    bytes.into_inner()
}

#[test]
fn a_variant_without_pixel_support_still_answers_its_basic_facts() {
    let tiff = cmyk32_tiff(120, 80);
    // Pillow-style check that the file is what we claim: the tiff crate reads it back.
    let mut reader = tiff::decoder::Decoder::new(std::io::Cursor::new(&tiff)).expect("valid TIFF");
    assert_eq!(reader.dimensions().unwrap(), (120, 80));

    let options = Options {
        media_metadata: true,
        ..Options::default()
    };
    let analysis = analyze(&tiff, &options).expect("basic facts answer");
    assert_eq!((analysis.width, analysis.height), (120, 80));
    assert_eq!(analysis.format, Format::Tiff);
    assert_eq!(analysis.pages, 1);
    assert_eq!(analysis.etag.len(), 32);
    assert!(analysis.media_metadata.is_some());

    for (name, options) in [
        (
            "colors",
            Options {
                colors: true,
                ..Options::default()
            },
        ),
        (
            "phash",
            Options {
                phash: true,
                ..Options::default()
            },
        ),
        (
            "faces",
            Options {
                faces: true,
                ..Options::default()
            },
        ),
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
    let tiff = cmyk32_tiff(120, 80);
    // Cut inside the first IFD: its size can no longer be read.
    let cut = &tiff[..tiff.len().min(12)];
    match analyze(cut, &Options::default()) {
        Err(e @ ExtractError::Corrupt(_)) => {
            assert!(e.to_string().starts_with("Invalid image file"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}
