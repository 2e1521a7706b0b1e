//! The last valid shapes public decoder suites hold, generated at test time
//! over a range of sizes and options by the reference tools (ImageMagick,
//! libtiff's `tiffcp`/`tiffset`, libavif's `avifenc`, libheif's
//! `heif-convert`, Pillow), each checked against what the tool says:
//! - basic facts: the displayed size as the tool shows the picture (turned
//!   by its orientation, its container's transforms applied);
//! - pixels: pHash against the picture as the tool shows it (a one-colour
//!   picture: its colour), or a clear "pixels unavailable" refusal.
//!
//! Each test prints its conformance count (basic facts, pixels) per category.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use extract::AnalysisKind;
use std::path::{Path, PathBuf};
use std::process::Command;

use extract::{analyze, Analysis, ExtractError, Options};
use test_support::shell::run_in as run;

/// What a variant's pixels must match.
enum Reference {
    /// The picture as the tool shows it (a PNG it wrote), within `bits` of pHash.
    Picture { png: PathBuf, bits: u32 },
    /// Every pixel is this colour (`#rrggbb`).
    Colour(String),
}

/// One generated file and what the reference tool says about it.
struct Case {
    name: String,
    bytes: Vec<u8>,
    size: (u32, u32),
    reference: Reference,
}

fn basic() -> Options {
    Options::default()
}

fn pixels() -> Options {
    Options::of(AnalysisKind::Phash | AnalysisKind::Colors)
}

/// A fresh directory for one category.
fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assay-conformance-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The corpus photo at `width`x`height`, 8-bit RGB, as `name` (any format
/// ImageMagick writes by extension).
fn photo(dir: &Path, width: u32, height: u32, name: &str) {
    let source = test_support::corpus::path("exif_canon_40d.jpg");
    run(
        dir,
        &format!(
            "convert '{}' -resize '{width}x{height}!' -strip -depth 8 -type TrueColor {name}",
            source.display()
        ),
    );
}

fn stdout(dir: &Path, command: &str) -> String {
    let output = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{command}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// "W H" (or "WxH") as printed by a tool.
fn size_of(text: &str) -> (u32, u32) {
    let numbers: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

/// The size of the first frame as ImageMagick shows it, orientation applied.
fn magick_displayed_size(dir: &Path, file: &str) -> (u32, u32) {
    size_of(&stdout(
        dir,
        &format!("convert '{file}[0]' -auto-orient -format '%w %h' info:"),
    ))
}

/// Checks every case; returns the failures, and prints the category's counts.
fn conformance(category: &str, cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    let (mut facts, mut with_pixels, mut refused) = (0, 0, 0);
    for case in cases {
        let name = &case.name;
        match analyze(&case.bytes, &basic()) {
            Ok(a) if (a.width, a.height) == case.size => facts += 1,
            Ok(a) => failures.push(format!(
                "{name}: {}x{}, the tool shows {}x{}",
                a.width, a.height, case.size.0, case.size.1
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        match analyze(&case.bytes, &pixels()) {
            Ok(analysis) => match pixels_match(&analysis, &case.reference) {
                Ok(()) => with_pixels += 1,
                Err(why) => failures.push(format!("{name}: {why}")),
            },
            // A refusal that names what is missing is allowed (issue 31),
            // and counted.
            Err(ExtractError::PixelsUnavailable { .. }) => refused += 1,
            Err(e) => failures.push(format!("{name}: pixels: {e}")),
        }
    }
    println!(
        "{category}: basic facts {facts}/{n}, pixel analyses {with_pixels}/{n}, \
         refused naming the capability {refused}",
        n = cases.len()
    );
    failures
}

fn pixels_match(analysis: &Analysis, reference: &Reference) -> Result<(), String> {
    match reference {
        Reference::Picture { png, bits } => {
            let shown = analyze(&std::fs::read(png).unwrap(), &pixels()).unwrap();
            let distance = analysis.phash.unwrap().distance(shown.phash.unwrap());
            if distance > *bits {
                return Err(format!(
                    "pHash {distance} bits from the picture as shown (at most {bits})"
                ));
            }
            Ok(())
        }
        Reference::Colour(hex) => {
            let colors = &analysis.colors.as_ref().unwrap().colors;
            match colors.first() {
                Some(first) if first.hex.eq_ignore_ascii_case(hex) && colors.len() == 1 => Ok(()),
                _ => Err(format!(
                    "colours {:?}, the tool shows {hex} only",
                    colors.iter().map(|c| &c.hex).collect::<Vec<_>>()
                )),
            }
        }
    }
}

fn assert_conformant(failures: Vec<String>) {
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// TIFF `Orientation` 1-8 on every layout a file may take (byte orders,
/// BigTIFF, tiles, planes, 16-bit, JPEG, several pages) and several sizes.
#[test]
fn tiff_orientation_gives_the_displayed_geometry() {
    let dir = workspace("tiff-orientation");
    // ImageMagick 6 reads a JPEG-compressed YCbCr page through libtiff's RGBA
    // interface (`TIFFReadRGBAImage`, its "generic" method), which already
    // turns the picture to the page's Orientation, yet it keeps the
    // Orientation on the image: `-auto-orient` turns it a second time, and
    // every flipping orientation (2-4, 6-8) comes back as stored. For that
    // layout, ImageMagick is shown libtiff's own decompression of the file
    // (`tiffcp -c none`: RGB rows, Orientation kept), which it reads row by row.
    let layouts = [
        (
            "little-endian",
            "tiffcp -L base.tif layout.tif",
            ShownBy::Magick,
        ),
        (
            "big-endian",
            "tiffcp -B base.tif layout.tif",
            ShownBy::Magick,
        ),
        ("bigtiff", "tiffcp -8 base.tif layout.tif", ShownBy::Magick),
        (
            "tiled",
            "tiffcp -t -w 16 -l 16 base.tif layout.tif",
            ShownBy::Magick,
        ),
        (
            "planar",
            "tiffcp -p separate base.tif layout.tif",
            ShownBy::Magick,
        ),
        (
            "16-bit",
            "convert base.tif -depth 16 layout.tif",
            ShownBy::Magick,
        ),
        (
            "ycbcr-jpeg",
            "tiffcp -c jpeg -r 16 base.tif layout.tif",
            ShownBy::MagickAfterLibtiffDecompresses,
        ),
        (
            "grey-lzw",
            "convert base.tif -colorspace Gray -compress LZW layout.tif",
            ShownBy::Magick,
        ),
        (
            "two-pages",
            "tiffcp base.tif base.tif layout.tif",
            ShownBy::Magick,
        ),
    ];
    let mut cases = Vec::new();
    for (width, height) in [(240, 160), (97, 61), (33, 128)] {
        photo(&dir, width, height, "base.tif");
        for (layout, command, shown_by) in layouts {
            run(&dir, command);
            for orientation in 1..=8 {
                let file = format!("{layout}-{width}x{height}-o{orientation}.tif");
                run(
                    &dir,
                    &format!("cp layout.tif {file} && tiffset -s 274 {orientation} {file}"),
                );
                let shown = match shown_by {
                    ShownBy::Magick => file.clone(),
                    ShownBy::MagickAfterLibtiffDecompresses => {
                        let decompressed = format!("{file}.decompressed.tif");
                        run(&dir, &format!("tiffcp -c none {file} {decompressed}"));
                        decompressed
                    }
                };
                run(
                    &dir,
                    &format!("convert '{shown}[0]' -auto-orient {file}.png"),
                );
                cases.push(Case {
                    name: file.clone(),
                    bytes: std::fs::read(dir.join(&file)).unwrap(),
                    size: magick_displayed_size(&dir, &shown),
                    reference: Reference::Picture {
                        png: dir.join(format!("{file}.png")),
                        bits: 6,
                    },
                });
            }
        }
    }
    let failures = conformance("TIFF orientation", &cases);
    let _ = std::fs::remove_dir_all(&dir);
    assert_conformant(failures);
}

/// Which tool shows a generated TIFF as it is displayed.
#[derive(Clone, Copy)]
enum ShownBy {
    /// ImageMagick, from the file itself.
    Magick,
    /// ImageMagick, from libtiff's uncompressed copy of the file.
    MagickAfterLibtiffDecompresses,
}

/// AVIF `irot` (0-3 quarter turns) with and without `imir` (either axis),
/// at several sizes, odd ones included; libheif's own decoder
/// (`heif-convert`) shows the picture.
#[test]
fn heif_transforms_give_the_displayed_geometry() {
    let dir = workspace("heif-transforms");
    let mut cases = Vec::new();
    for (width, height) in [(241, 161), (64, 48), (33, 97)] {
        photo(&dir, width, height, "base.png");
        for turns in 0..4 {
            for mirror in [None, Some(0), Some(1)] {
                let mut options = format!("--irot {turns}");
                if let Some(axis) = mirror {
                    options.push_str(&format!(" --imir {axis}"));
                }
                let file = format!("{width}x{height}-irot{turns}-imir{mirror:?}.avif");
                run(
                    &dir,
                    &format!(
                        "avifenc --speed 9 --min 0 --max 10 {options} base.png '{file}' >/dev/null \
                         && heif-convert '{file}' '{file}.png' >/dev/null"
                    ),
                );
                cases.push(Case {
                    size: magick_displayed_size(&dir, &format!("{file}.png")),
                    bytes: std::fs::read(dir.join(&file)).unwrap(),
                    reference: Reference::Picture {
                        png: dir.join(format!("{file}.png")),
                        bits: 6,
                    },
                    name: file,
                });
            }
        }
    }
    let failures = conformance("HEIF irot/imir", &cases);
    let _ = std::fs::remove_dir_all(&dir);
    assert_conformant(failures);
}

/// An uncompressed palette BMP (4 or 8 bits, bottom-up, as ImageMagick
/// writes it) run-length encoded with its rows top-down (negative height):
/// RLE4 or RLE8 runs of one index, each row closed by end-of-line and the
/// last by end-of-bitmap. The BMP specification reserves top-down rows for
/// uncompressed files, but Pillow reads such files, and public suites hold them.
fn rle_top_down(bmp: &[u8]) -> Vec<u8> {
    let u32_at = |at: usize| u32::from_le_bytes(bmp[at..at + 4].try_into().unwrap());
    let offset = u32_at(10) as usize;
    let (width, height) = (u32_at(18) as usize, u32_at(22) as usize);
    let bits = u16::from_le_bytes([bmp[28], bmp[29]]);
    assert!(
        u32_at(30) == 0 && (bits == 4 || bits == 8),
        "a 4/8-bit uncompressed BMP"
    );
    let stride = (width * usize::from(bits)).div_ceil(32) * 4;
    let index = |row: &[u8], x: usize| match bits {
        4 => (row[x / 2] >> (4 * (1 - x % 2))) & 0x0F,
        _ => row[x],
    };
    let mut stream = Vec::new();
    for y in 0..height {
        // The top row first: the file stores the bottom row first.
        let row = &bmp[offset + (height - 1 - y) * stride..][..stride];
        let mut x = 0;
        while x < width {
            let value = index(row, x);
            let mut run = 1;
            while x + run < width && run < 255 && index(row, x + run) == value {
                run += 1;
            }
            let packed = if bits == 4 { value << 4 | value } else { value };
            stream.extend_from_slice(&[run as u8, packed]);
            x += run;
        }
        stream.extend_from_slice(if y + 1 == height { &[0, 1] } else { &[0, 0] });
    }
    let mut fixed = bmp[..offset].to_vec();
    fixed[22..26].copy_from_slice(&(-(height as i32)).to_le_bytes());
    fixed[30..34].copy_from_slice(&(if bits == 4 { 2u32 } else { 1 }).to_le_bytes());
    fixed[34..38].copy_from_slice(&(stream.len() as u32).to_le_bytes());
    fixed.extend(stream);
    let size = fixed.len() as u32;
    fixed[2..6].copy_from_slice(&size.to_le_bytes());
    fixed
}

/// RLE8 and RLE4 BMPs with top-down rows, at several sizes; Pillow shows them.
#[test]
fn rle_bmps_with_top_down_rows_answer() {
    let dir = workspace("bmp-rle-top-down");
    let mut cases = Vec::new();
    for (width, height) in [(120, 80), (97, 61), (31, 64)] {
        photo(&dir, width, height, "base.png");
        for (kind, colours) in [("rle8", 200), ("rle4", 16)] {
            run(
                &dir,
                &format!("convert base.png -colors {colours} -type Palette -compress None BMP3:plain.bmp"),
            );
            let plain = std::fs::read(dir.join("plain.bmp")).unwrap();
            let file = format!("{kind}-{width}x{height}.bmp");
            std::fs::write(dir.join(&file), rle_top_down(&plain)).unwrap();
            let size = stdout(
                &dir,
                &format!(
                    "{} -c 'from PIL import Image; im = Image.open(\"{file}\"); \
                     im.save(\"{file}.png\"); print(*im.size)'",
                    python()
                ),
            );
            cases.push(Case {
                size: size_of(&size),
                bytes: std::fs::read(dir.join(&file)).unwrap(),
                reference: Reference::Picture {
                    png: dir.join(format!("{file}.png")),
                    bits: 2,
                },
                name: file,
            });
        }
    }
    let failures = conformance("BMP RLE top-down", &cases);
    let _ = std::fs::remove_dir_all(&dir);
    assert_conformant(failures);
}

/// TIFFs with 32-bit integer and floating-point samples in every layout
/// ImageMagick and libtiff write: grey (either polarity), grey + alpha, RGB,
/// RGBA, CMYK; chunky and planar; uncompressed, LZW and deflate.
#[test]
fn tiffs_with_32_bit_samples_answer() {
    let dir = workspace("tiff-32-bit");
    let colours = [
        ("grey", "-colorspace Gray"),
        ("grey-alpha", "-colorspace Gray -alpha set"),
        ("rgb", ""),
        ("rgba", "-alpha set"),
        ("cmyk", "-colorspace CMYK"),
    ];
    let samples = [
        ("int", "-depth 32"),
        ("float", "-depth 32 -define quantum:format=floating-point"),
    ];
    // libtiff's tiffcp splits planes of 8-bit samples only: ImageMagick
    // writes every layout itself.
    let layouts = [
        ("chunky", "-compress None"),
        ("planar", "-interlace Plane -compress None"),
        ("planar-lzw", "-interlace Plane -compress LZW"),
        ("chunky-deflate", "-compress Zip"),
    ];
    let mut cases = Vec::new();
    for (width, height) in [(120, 80), (37, 53)] {
        photo(&dir, width, height, "base.tif");
        for (colour, colour_options) in colours {
            for (sample, sample_options) in samples {
                for (layout, layout_options) in layouts {
                    let file = format!("{colour}-{sample}-{layout}-{width}x{height}.tif");
                    // ImageMagick 6.9 exits 1 after writing a valid float
                    // file (it cannot set a predictor for floats).
                    run(
                        &dir,
                        &format!(
                            "(convert base.tif {colour_options} {sample_options} {layout_options} {file} \
                              || test -s {file}) && convert '{file}' {file}.png"
                        ),
                    );
                    cases.push(Case {
                        size: magick_displayed_size(&dir, &file),
                        bytes: std::fs::read(dir.join(&file)).unwrap(),
                        reference: Reference::Picture {
                            png: dir.join(format!("{file}.png")),
                            bits: 6,
                        },
                        name: file,
                    });
                }
            }
        }
    }
    let failures = conformance("TIFF 32-bit samples", &cases);
    let _ = std::fs::remove_dir_all(&dir);
    assert_conformant(failures);
}

/// TIFFs whose samples are not a whole number of bytes wide (10, 12 and 14
/// bits), grey and RGB, chunky and planar, uncompressed and LZW.
#[test]
fn tiffs_with_odd_bit_depths_answer() {
    let dir = workspace("tiff-odd-depths");
    let mut cases = Vec::new();
    for (width, height) in [(120, 80), (37, 53)] {
        photo(&dir, width, height, "base.tif");
        for depth in [10, 12, 14] {
            for (colour, colour_options) in [("grey", "-colorspace Gray"), ("rgb", "")] {
                for (layout, layout_options) in [
                    ("chunky", "-compress None"),
                    ("planar", "-interlace Plane -compress None"),
                    ("lzw", "-compress LZW"),
                ] {
                    let file = format!("{colour}-{depth}-bit-{layout}-{width}x{height}.tif");
                    run(
                        &dir,
                        &format!(
                            "convert base.tif {colour_options} -depth {depth} {layout_options} {file} \
                             && convert '{file}' {file}.png"
                        ),
                    );
                    cases.push(Case {
                        size: magick_displayed_size(&dir, &file),
                        bytes: std::fs::read(dir.join(&file)).unwrap(),
                        reference: Reference::Picture {
                            png: dir.join(format!("{file}.png")),
                            bits: 4,
                        },
                        name: file,
                    });
                }
            }
        }
    }
    let failures = conformance("TIFF 10/12/14-bit samples", &cases);
    let _ = std::fs::remove_dir_all(&dir);
    assert_conformant(failures);
}

/// The repository's Python (`.venv`, where `make setup` installs Pillow).
fn python() -> String {
    // Not canonicalised: the venv's interpreter is a link, and only through
    // it does Python find the venv's packages.
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    if venv.exists() {
        venv.display().to_string()
    } else {
        "python3".to_owned()
    }
}

/// One-colour GIFs written by Pillow at 75 random sizes (seeded), in each of
/// its modes; Pillow interlaces every GIF of 16 rows or more.
#[test]
fn pillow_one_colour_gifs_answer_at_any_size() {
    let dir = workspace("gif-pillow");
    let script = r##"
import random
from PIL import Image
rng = random.Random(31)
for i in range(75):
    w, h = rng.randint(1, 300), rng.randint(1, 300)
    mode = ("RGB", "L", "P")[i % 3]
    colour = {"RGB": tuple(rng.randint(0, 255) for _ in range(3)), "L": rng.randint(0, 255), "P": 0}[mode]
    name = f"{mode}-{w}x{h}.gif"
    Image.new(mode, (w, h), colour).save(name)
    back = Image.open(name)
    print(name, *back.size, "#%02x%02x%02x" % back.convert("RGB").getpixel((0, 0)))
"##;
    std::fs::write(dir.join("write.py"), script).unwrap();
    let listing = stdout(&dir, &format!("{} write.py", python()));
    let cases: Vec<Case> = listing
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Case {
                name: fields[0].to_owned(),
                bytes: std::fs::read(dir.join(fields[0])).unwrap(),
                size: (fields[1].parse().unwrap(), fields[2].parse().unwrap()),
                reference: Reference::Colour(fields[3].to_owned()),
            }
        })
        .collect();
    assert_eq!(cases.len(), 75);
    let failures = conformance("Pillow one-colour GIFs", &cases);
    let _ = std::fs::remove_dir_all(&dir);
    assert_conformant(failures);
}

/// `gif` (one ImageMagick wrote, with a global colour table) on a
/// `width`x`height` logical screen whose Background Color is the brightest
/// colour of that table (GIF89a, section 18), so that the screen's pixels no
/// frame covers are told apart from black and from transparency.
fn on_screen(gif: &mut [u8], (width, height): (u16, u16)) {
    gif[6..8].copy_from_slice(&width.to_le_bytes());
    gif[8..10].copy_from_slice(&height.to_le_bytes());
    let flags = gif[10];
    assert!(flags & 0x80 != 0, "a global colour table");
    let entries = 2usize << (flags & 0x07);
    let table = &gif[13..13 + 3 * entries];
    let brightest = table
        .chunks_exact(3)
        .enumerate()
        .max_by_key(|(_, rgb)| rgb.iter().map(|&v| u32::from(v)).sum::<u32>())
        .unwrap()
        .0;
    gif[11] = u8::try_from(brightest).unwrap();
}

/// GIFs whose first frame reaches past the logical screen (right, bottom or
/// both), interlaced or not: the size is the screen's, as exiftool reads
/// it, and the pixels are the screen as ImageMagick shows it: the part of
/// the frame inside it at its offset, the Background Color elsewhere.
#[test]
fn gifs_with_frames_past_the_screen_answer() {
    let dir = workspace("gif-past-screen");
    let mut cases = Vec::new();
    photo(&dir, 120, 80, "base.png");
    for (screen, offset) in [
        ((100, 80), (0, 0)),
        ((120, 60), (0, 0)),
        ((90, 50), (0, 0)),
        ((120, 80), (10, 6)),
        ((60, 40), (30, 20)),
    ] {
        for interlace in ["None", "Line"] {
            let file = format!(
                "{}x{}+{}+{}-{interlace}.gif",
                screen.0, screen.1, offset.0, offset.1
            );
            // ImageMagick writes the frame whole at its offset, but never on
            // a screen narrower or shorter than the frame: the screen is set
            // here.
            run(
                &dir,
                &format!(
                    "convert base.png -colors 256 -interlace {interlace} \
                     -repage +{}+{} '{file}'",
                    offset.0, offset.1
                ),
            );
            let mut bytes = std::fs::read(dir.join(&file)).unwrap();
            on_screen(&mut bytes, screen);
            std::fs::write(dir.join(&file), &bytes).unwrap();
            // The reference: `-coalesce` lays the frame on the screen (page)
            // filled with the Background Color, which is the picture GIF89a
            // describes. Not Pillow (it grows the screen to hold the first
            // frame, as browsers do, and fills with colour 0), nor giflib's
            // gif2rgb (it refuses such a frame); `-flatten` would fill with
            // `-background`, not the file's Background Color.
            run(&dir, &format!("convert '{file}[0]' -coalesce '{file}.png'"));
            cases.push(Case {
                size: size_of(&stdout(&dir, &format!("exiftool -s3 -ImageSize '{file}'"))),
                bytes,
                reference: Reference::Picture {
                    png: dir.join(format!("{file}.png")),
                    bits: 10,
                },
                name: file,
            });
        }
    }
    let failures = conformance("GIF frames past the screen", &cases);
    let _ = std::fs::remove_dir_all(&dir);
    assert_conformant(failures);
}
