//! BMP, ICO and GIF in the valid shapes real files take, generated at test
//! time from a corpus photo: ImageMagick writes what it can (RLE, bitfields,
//! OS/2 1.x headers, multi-size icons), and the shapes it cannot write are
//! made from its files by the format's own equivalences (an OS/2 2.x header
//! from a Windows one, a GIF's colours moved from the global table to the
//! frame's, an icon holding a plain RGB PNG or a directory that misstates
//! its entries). Each must answer its size and pixels; pHash against the
//! picture ImageMagick started from checks the pixels are the picture's.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use extract::AnalysisKind;
use std::path::PathBuf;

use extract::{analyze, Analysis, Options};
use test_support::shell::run_in as run;

/// A fresh directory with `base.png`: a corpus photo at 120x80, 8-bit RGB.
fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-raster-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let photo = test_support::corpus::path("exif_canon_40d.jpg");
    run(
        &dir,
        &format!(
            "convert '{}' -resize '120x80!' -strip -type TrueColor PNG24:base.png",
            photo.display()
        ),
    );
    dir
}

fn pixels_and_size() -> Options {
    Options::of(AnalysisKind::Phash | AnalysisKind::Colors)
}

fn analyzed(bytes: &[u8], what: &str) -> Analysis {
    analyze(bytes, &pixels_and_size()).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Checks `bytes` answers `size` and pixels within `bits` of `reference`'s pHash.
fn check(
    failures: &mut Vec<String>,
    what: &str,
    bytes: &[u8],
    size: (u32, u32),
    reference: &Analysis,
    bits: u32,
) {
    match analyze(bytes, &pixels_and_size()) {
        Err(e) => failures.push(format!("{what}: {e}")),
        Ok(analysis) => {
            if (analysis.width, analysis.height) != size {
                failures.push(format!(
                    "{what}: {}x{}, expected {}x{}",
                    analysis.width, analysis.height, size.0, size.1
                ));
            }
            match (analysis.phash, reference.phash) {
                (Some(phash), Some(expected)) if phash.distance(expected) <= bits => {}
                (Some(phash), Some(expected)) => failures.push(format!(
                    "{what}: pHash {} bits from the picture's (at most {bits})",
                    phash.distance(expected)
                )),
                _ => failures.push(format!("{what}: no pHash")),
            }
        }
    }
}

fn assert_none(failures: Vec<String>) {
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_bmp_variant_answers() {
    let dir = workspace("bmp");
    let reference = analyzed(&std::fs::read(dir.join("base.png")).unwrap(), "base.png");
    let mut failures = Vec::new();
    for (name, command, bits) in [
        ("24-bit", "convert base.png BMP3:out.bmp", 2),
        (
            "32-bit-bitfields",
            "convert base.png -alpha set BMP:out.bmp",
            2,
        ),
        (
            "rgb565",
            "convert base.png -define bmp:subtype=RGB565 BMP:out.bmp",
            4,
        ),
        (
            "palette-8",
            "convert base.png -colors 200 -type Palette BMP3:out.bmp",
            10,
        ),
        (
            "rle8",
            "convert base.png -colors 200 -type Palette -compress RLE BMP3:out.bmp",
            10,
        ),
        (
            "palette-4",
            "convert base.png -colors 16 -type Palette BMP3:out.bmp",
            12,
        ),
        (
            "os2-1x",
            "convert base.png -colors 200 -type Palette BMP2:out.bmp",
            10,
        ),
    ] {
        run(&dir, command);
        let bytes = std::fs::read(dir.join("out.bmp")).unwrap();
        check(&mut failures, name, &bytes, (120, 80), &reference, bits);
    }

    // OS/2 2.x: the same file with its 40-byte header grown to the 64-byte
    // BITMAPCOREHEADER2 (the first 40 bytes are shared; the rest is zero).
    run(&dir, "convert base.png BMP3:win.bmp");
    let windows = std::fs::read(dir.join("win.bmp")).unwrap();
    assert_eq!(u32::from_le_bytes(windows[14..18].try_into().unwrap()), 40);
    let mut os2 = windows[..14].to_vec();
    os2.extend_from_slice(&64u32.to_le_bytes());
    os2.extend_from_slice(&windows[18..54]);
    os2.extend_from_slice(&[0; 24]);
    os2.extend_from_slice(&windows[54..]);
    for (at, value) in [
        (2, os2.len() as u32),
        (
            10,
            u32::from_le_bytes(windows[10..14].try_into().unwrap()) + 24,
        ),
    ] {
        os2[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }
    check(&mut failures, "os2-2x", &os2, (120, 80), &reference, 2);
    let _ = std::fs::remove_dir_all(&dir);
    assert_none(failures);
}

/// A GIF's image descriptor starts with 0x2C after the header (13 bytes)
/// and the global table; moving the table behind the descriptor as its
/// local table leaves the same picture.
fn with_local_table_only(gif: &[u8]) -> Vec<u8> {
    let packed = gif[10];
    assert!(packed & 0x80 != 0, "ImageMagick writes a global table");
    let table_len = 3 << ((packed & 0x07) + 1);
    let table = &gif[13..13 + table_len];
    let mut at = 13 + table_len;
    // Skip extensions (0x21 label, then sub-blocks) to the image descriptor.
    while gif[at] == 0x21 {
        at += 2;
        while gif[at] != 0 {
            at += usize::from(gif[at]) + 1;
        }
        at += 1;
    }
    assert_eq!(gif[at], 0x2C, "image descriptor");
    let mut out = gif[..13].to_vec();
    out[10] = packed & !0x87;
    out.extend_from_slice(&gif[13 + table_len..at + 9]);
    out.push((gif[at + 9] & !0x07) | 0x80 | (packed & 0x07));
    out.extend_from_slice(table);
    out.extend_from_slice(&gif[at + 10..]);
    out
}

#[test]
fn gifs_without_a_global_table_answer() {
    let dir = workspace("gif");
    run(&dir, "convert base.png -colors 256 out.gif");
    let gif = std::fs::read(dir.join("out.gif")).unwrap();
    let reference = analyzed(&gif, "plain GIF");
    let _ = std::fs::remove_dir_all(&dir);
    let mut failures = Vec::new();

    let local = with_local_table_only(&gif);
    check(
        &mut failures,
        "local table only",
        &local,
        (120, 80),
        &reference,
        0,
    );

    // No table at all: decoders fall back to a default palette; the size
    // and the pixels' presence are what such a file can be held to.
    let mut bare = gif[..13].to_vec();
    let table_len = 3 << ((gif[10] & 0x07) + 1);
    bare[10] &= !0x87;
    bare.extend_from_slice(&gif[13 + table_len..]);
    match analyze(&bare, &pixels_and_size()) {
        Ok(analysis) => {
            assert_eq!((analysis.width, analysis.height), (120, 80));
            assert!(analysis.phash.is_some());
        }
        Err(e) => failures.push(format!("no table: {e}")),
    }
    assert_none(failures);
}

/// An ICO of one entry holding `image` (PNG or DIB bytes) with the
/// directory fields given.
fn icon(width: u8, height: u8, bits: u16, image: &[u8]) -> Vec<u8> {
    let mut ico = vec![0, 0, 1, 0, 1, 0];
    ico.extend_from_slice(&[width, height, 0, 0]);
    ico.extend_from_slice(&1u16.to_le_bytes());
    ico.extend_from_slice(&bits.to_le_bytes());
    ico.extend_from_slice(&(image.len() as u32).to_le_bytes());
    ico.extend_from_slice(&22u32.to_le_bytes());
    ico.extend_from_slice(image);
    ico
}

#[test]
fn every_icon_variant_answers() {
    let dir = workspace("ico");
    run(
        &dir,
        "convert base.png -resize '64x64!' square.png \
         && convert square.png PNG24:rgb.png \
         && convert square.png -alpha set PNG32:rgba.png \
         && convert square.png -define icon:auto-resize=16,32,64 multi.ico",
    );
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let reference = analyzed(&read("square.png"), "square.png");
    let (rgb, rgba, multi) = (read("rgb.png"), read("rgba.png"), read("multi.ico"));
    let _ = std::fs::remove_dir_all(&dir);
    let mut failures = Vec::new();

    check(&mut failures, "multi-size", &multi, (64, 64), &reference, 4);
    check(
        &mut failures,
        "rgba png entry",
        &icon(64, 64, 32, &rgba),
        (64, 64),
        &reference,
        2,
    );
    check(
        &mut failures,
        "rgb png entry",
        &icon(64, 64, 24, &rgb),
        (64, 64),
        &reference,
        2,
    );
    // Directories that misstate their entry: size and depth unset or wrong.
    check(
        &mut failures,
        "entry size wrong",
        &icon(32, 32, 32, &rgba),
        (64, 64),
        &reference,
        2,
    );
    check(
        &mut failures,
        "entry depth unset",
        &icon(64, 64, 0, &rgba),
        (64, 64),
        &reference,
        2,
    );
    // An entry pointing past the end beside a good one.
    let mut two = icon(64, 64, 32, &rgba);
    two[4] = 2;
    let broken_entry = [16, 16, 0, 0, 1, 0, 32, 0, 0, 1, 0, 0, 0, 0, 1, 0];
    two.splice(22..22, broken_entry);
    let offset = 22u32 + 16;
    two[18..22].copy_from_slice(&offset.to_le_bytes());
    check(
        &mut failures,
        "an entry past the end",
        &two,
        (64, 64),
        &reference,
        2,
    );
    assert_none(failures);
}

#[test]
fn every_jpeg_variant_answers() {
    let dir = workspace("jpeg");
    let reference = analyzed(&std::fs::read(dir.join("base.png")).unwrap(), "base.png");
    let mut failures = Vec::new();
    for (name, command) in [
        // libjpeg-turbo's own encoder (cjpeg) for the codings ImageMagick
        // does not write.
        (
            "arithmetic",
            "convert base.png base.ppm && cjpeg -arithmetic -quality 95 -outfile out.jpg base.ppm",
        ),
        (
            "arithmetic-progressive",
            "convert base.png base.ppm && cjpeg -arithmetic -progressive -quality 95 -outfile out.jpg base.ppm",
        ),
        (
            "progressive",
            "convert base.png -interlace JPEG -quality 95 out.jpg",
        ),
        ("cmyk", "convert base.png -colorspace CMYK -quality 95 out.jpg"),
        ("grey", "convert base.png -colorspace Gray -quality 95 out.jpg"),
        (
            "4:2:0",
            "convert base.png -sampling-factor 2x2 -quality 95 out.jpg",
        ),
    ] {
        run(&dir, command);
        let bytes = std::fs::read(dir.join("out.jpg")).unwrap();
        check(&mut failures, name, &bytes, (120, 80), &reference, 6);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_none(failures);
}
