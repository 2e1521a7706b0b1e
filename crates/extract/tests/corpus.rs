//! Every file of the shared corpus against its oracle facts (`expected/*.json`):
//! displayed size, format, bytes, etag and pages; and the odd files (`bad_*`
//! and the like) give clean, typed errors instead of panics.

mod corpus_support;

use extract::AnalysisKind;
use extract::{analyze, ExtractError, Format, LimitKind, Limits, Options};
use serde_json::Value;

/// Corpus files that have oracle facts, sorted.
fn corpus_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_support::corpus_dir().join("expected"))
        .expect("expected/ is readable")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    assert!(
        names.len() > 40,
        "corpus looks incomplete: {} files",
        names.len()
    );
    names
}

/// ImageMagick's format names (the oracle's) in Cloudinary's vocabulary.
fn cloudinary_format(imagemagick: &str) -> Format {
    match imagemagick {
        "JPEG" => Format::Jpg,
        "PNG" => Format::Png,
        "GIF" => Format::Gif,
        "WEBP" => Format::Webp,
        "TIFF" => Format::Tiff,
        "BMP" => Format::Bmp,
        "ICO" => Format::Ico,
        "HEIC" => Format::Heic,
        "AVIF" => Format::Avif,
        "PDF" => Format::Pdf,
        other => panic!("no Cloudinary name for ImageMagick format {other}"),
    }
}

/// Whether the oracles could read the file at all. Files none of them could
/// identify must be refused; files they identified but could not fully decode
/// (truncated data) may be refused or answered, but an answer must be right.
enum Verdict {
    MustFail,
    MayFail,
    MustSucceed,
}

fn verdict(expected: &Value) -> Verdict {
    if expected["format"].is_null() {
        Verdict::MustFail
    } else if expected["pillow"]["decodes"] == Value::Bool(false) {
        Verdict::MayFail
    } else {
        Verdict::MustSucceed
    }
}

/// Differences between our basic facts and the oracle's, as readable lines.
fn mismatches(name: &str, expected: &Value, got: &extract::Analysis) -> Vec<String> {
    let mut problems = Vec::new();
    let mut compare = |field: &str, ours: Value, theirs: &Value| {
        if &ours != theirs {
            problems.push(format!("{name}: {field} is {ours}, oracle says {theirs}"));
        }
    };
    compare("width", got.width.into(), &expected["display_width"]);
    compare("height", got.height.into(), &expected["display_height"]);
    compare("bytes", got.bytes.into(), &expected["bytes"]);
    compare("etag", got.etag.clone().into(), &expected["md5"]);
    compare("pages", got.pages.into(), &expected["frames"]);
    let format = expected["format"].as_str().map(cloudinary_format);
    if format != Some(got.format) {
        problems.push(format!(
            "{name}: format is {}, oracle says {format:?}",
            got.format
        ));
    }
    problems
}

#[test]
fn every_corpus_file_matches_its_oracle_facts() {
    let mut problems = Vec::new();
    let (mut answered, mut refused) = (0, 0);
    for name in corpus_files() {
        let expected = corpus_support::expected(&name);
        let result = analyze(&corpus_support::read_file(&name), &Options::default());
        match (verdict(&expected), result) {
            (Verdict::MustFail, Ok(got)) => problems.push(format!(
                "{name}: no oracle could read it, we answered {got:?}"
            )),
            (Verdict::MustSucceed, Err(e)) => problems.push(format!("{name}: refused: {e}")),
            (_, Ok(got)) => {
                answered += 1;
                println!(
                    "{name}: {}x{} {} {} pages",
                    got.width, got.height, got.format, got.pages
                );
                problems.extend(mismatches(&name, &expected, &got));
            }
            (_, Err(e)) => {
                refused += 1;
                println!("{name}: refused: {e}");
                assert!(
                    e.is_client_error(),
                    "{name}: {e:?} should be the input's fault"
                );
                let message = e.to_string();
                assert!(!message.is_empty());
                // Decoders quote damaged bytes (bad_broken.png's chunk type); we print them escaped.
                assert!(
                    message.chars().all(|c| c.is_ascii_graphic() || c == ' '),
                    "{name}: message is not printable ASCII: {message:?}"
                );
            }
        }
    }
    println!("corpus: {answered} files answered, {refused} refused");
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn pixel_analyses_never_panic_on_any_corpus_file() {
    let options =
        Options::of(AnalysisKind::Colors | AnalysisKind::Phash | AnalysisKind::MediaMetadata);
    for name in corpus_files() {
        let bytes = corpus_support::read_file(&name);
        match analyze(&bytes, &options) {
            Ok(got) => {
                let colors = got.colors.expect("colors were asked for");
                assert!(!colors.colors.is_empty(), "{name}: no colours");
                let total: f64 = colors.colors.iter().map(|c| c.percent.value()).sum();
                assert!(
                    (total - 100.0).abs() < 2.0,
                    "{name}: colour shares add up to {total}"
                );
                assert_eq!(
                    got.phash.expect("phash was asked for").to_string().len(),
                    16
                );
            }
            Err(ExtractError::PixelsUnavailable { format, .. }) => {
                // HEIC and AVIF pixels come from libheif when `heif` is on.
                let undecodable =
                    !cfg!(feature = "heif") && matches!(format, Format::Heic | Format::Avif);
                assert!(undecodable, "{name}: {format} pixels are unavailable")
            }
            Err(e) => assert!(e.is_client_error(), "{name}: {e:?}"),
        }
    }
}

#[test]
fn the_decompression_bomb_is_refused_on_its_header() {
    // 44 bytes declaring a 65535x1321 frame placed at row 65280: a canvas of
    // about 4.36 gigapixels. The file stops right after that declaration.
    let bomb = corpus_support::read_file("bad_decompression_bomb.gif");
    let refusal = analyze(&bomb, &Options::default()).expect_err("the bomb must be refused");
    assert!(refusal.is_client_error());
    // Completed with a valid (tiny) image data block, it is refused for its size.
    let mut complete = bomb[..bomb.len() - 1].to_vec();
    complete.extend([0x02, 0x01, 0x00, 0x00, 0x3B]);
    match analyze(&complete, &Options::default()) {
        Err(ExtractError::TooLarge {
            limit: LimitKind::Pixels,
            actual,
            ..
        }) => {
            assert_eq!(actual, 65535 * (65280 + 1321))
        }
        other => panic!("expected a pixel-limit refusal, got {other:?}"),
    }
}

#[test]
fn files_over_the_configured_limits_are_refused() {
    let photo = corpus_support::read_file("jpeg_plain_jfif_2352x1568.jpg");
    let tight = |limits: Limits| Options {
        limits,
        ..Default::default()
    };
    let defaults = Limits::default();
    let too_many_bytes = tight(Limits {
        max_bytes: 1000,
        ..defaults
    });
    assert!(matches!(
        analyze(&photo, &too_many_bytes),
        Err(ExtractError::TooLarge {
            limit: LimitKind::Bytes,
            max: 1000,
            ..
        })
    ));
    let too_many_pixels = tight(Limits {
        max_pixels: 2352 * 1568 - 1,
        ..defaults
    });
    assert!(matches!(
        analyze(&photo, &too_many_pixels),
        Err(ExtractError::TooLarge {
            limit: LimitKind::Pixels,
            actual: 3_687_936,
            ..
        })
    ));
    let animation = corpus_support::read_file("gif_anim_iss634.gif");
    let too_many_frames = tight(Limits {
        max_frames: 10,
        ..defaults
    });
    assert!(matches!(
        analyze(&animation, &too_many_frames),
        Err(ExtractError::TooLarge {
            limit: LimitKind::Frames,
            ..
        })
    ));
}

#[test]
fn empty_unknown_and_truncated_inputs_are_typed_errors() {
    assert!(matches!(
        analyze(b"", &Options::default()),
        Err(ExtractError::Empty)
    ));
    let text = b"name,width\nphoto,10\n";
    assert!(matches!(
        analyze(text, &Options::default()),
        Err(ExtractError::Unsupported)
    ));
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    assert!(matches!(
        analyze(pdf, &Options::default()),
        Err(ExtractError::Corrupt(_))
    ));
    // Every real file cut short, at several points: an answer or an error, never a panic.
    for name in corpus_files() {
        let bytes = corpus_support::read_file(&name);
        for cut in [
            8,
            64,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len().saturating_sub(100),
        ] {
            if let Err(e) = analyze(&bytes[..cut.min(bytes.len())], &Options::default()) {
                assert!(e.is_client_error(), "{name} cut at {cut}: {e:?}");
            }
        }
    }
}
