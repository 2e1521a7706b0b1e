//! The progressive-JPEG scan bomb: one small scan repeated thousands of times
//! makes every decoder walk the whole image once per scan (20,000 scans in
//! 1 MB cost 23-26 s of CPU before this check). It is refused from a count of
//! its markers before any decoder runs, and a cancelled or expired analysis
//! stops instead of running to the end.

use extract::error::LimitKind;
use extract::AnalysisKind;
use extract::{analyze, analyze_until, Cancel, ExtractError, Limits, Options};
use turbojpeg::{Compressor, Image, PixelFormat};

/// A progressive JPEG of a smooth 512x384 picture as libjpeg-turbo writes it.
fn progressive_jpeg() -> Vec<u8> {
    let (width, height) = (512, 384);
    let pixels: Vec<u8> = (0..width * height)
        .flat_map(|i| {
            let (x, y) = (i % width, i / width);
            [(x / 2) as u8, (y / 2) as u8, ((x + y) / 4) as u8]
        })
        .collect();
    let mut compressor = Compressor::new().expect("compressor");
    compressor.set_progressive(true).expect("progressive");
    compressor.set_quality(85).expect("quality");
    compressor
        .compress_to_vec(Image {
            pixels: pixels.as_slice(),
            width,
            pitch: width * 3,
            height,
            format: PixelFormat::RGB,
        })
        .expect("encodes")
}

/// Byte ranges of each scan (SOS segment and its entropy-coded data) of `jpeg`.
fn scans(jpeg: &[u8]) -> Vec<std::ops::Range<usize>> {
    let sos: Vec<usize> = jpeg
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| pair == &[0xFF, 0xDA])
        .map(|(at, _)| at)
        .collect();
    let eoi = jpeg.len() - 2;
    sos.iter()
        .enumerate()
        .map(|(i, &start)| start..sos.get(i + 1).copied().unwrap_or(eoi))
        .collect()
}

/// `jpeg` with its last scan repeated until it has `total` scans.
fn with_scans(jpeg: &[u8], total: usize) -> Vec<u8> {
    let scans = scans(jpeg);
    let last = scans.last().expect("a scan").clone();
    let mut bomb = jpeg[..jpeg.len() - 2].to_vec();
    for _ in scans.len()..total {
        bomb.extend_from_slice(&jpeg[last.clone()]);
    }
    bomb.extend_from_slice(&[0xFF, 0xD9]);
    bomb
}

fn all_pixel_analyses() -> Options {
    Options::of(AnalysisKind::Colors | AnalysisKind::Phash | AnalysisKind::Faces)
}

#[test]
fn a_real_progressive_jpeg_is_well_under_the_scan_limit() {
    let jpeg = progressive_jpeg();
    let count = scans(&jpeg).len();
    assert!((2..=20).contains(&count), "{count} scans");
    let analysis = analyze(&jpeg, &all_pixel_analyses()).expect("analyses");
    assert_eq!((analysis.width, analysis.height), (512, 384));
    assert!(analysis.phash.is_some());
}

#[test]
fn twenty_thousand_repeated_scans_are_refused_before_decoding() {
    let bomb = with_scans(&progressive_jpeg(), 20_000);
    for options in [Options::default(), all_pixel_analyses()] {
        match analyze(&bomb, &options) {
            Err(
                error @ ExtractError::TooLarge {
                    limit: LimitKind::JpegScans,
                    max: 100,
                    ..
                },
            ) => assert_eq!(
                error.to_string(),
                "Too many JPEG scans: more than the maximum of 100."
            ),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_scan_limit_is_the_callers() {
    let jpeg = with_scans(&progressive_jpeg(), 30);
    let limits = |max_jpeg_scans| Options {
        limits: Limits {
            max_jpeg_scans,
            ..Limits::default()
        },
        ..all_pixel_analyses()
    };
    assert!(analyze(&jpeg, &limits(30)).is_ok());
    assert!(matches!(
        analyze(&jpeg, &limits(29)),
        Err(ExtractError::TooLarge {
            limit: LimitKind::JpegScans,
            ..
        })
    ));
}

#[test]
fn a_cancelled_or_expired_analysis_stops() {
    let jpeg = progressive_jpeg();
    let cancelled = Cancel::new();
    cancelled.cancel();
    let expired = Cancel::with_deadline(std::time::Duration::ZERO);
    for cancel in [cancelled, expired] {
        assert!(matches!(
            analyze_until(&jpeg, &all_pixel_analyses(), &cancel),
            Err(ExtractError::Stopped(_))
        ));
    }
    assert!(analyze_until(&jpeg, &all_pixel_analyses(), &Cancel::new()).is_ok());
}
