//! `analyze` with colors and pHash on a 12 MP JPEG, next to a plain full decode
//! of the same file with the `image` crate, measured in the same run. The
//! decode is the floor: every analysis decodes once, so the ratio printed at
//! the end is what the analyses add on top of it.
//!
//! No 12 MP JPEG is in the corpus, so one is built deterministically from a
//! corpus photo (jpeg_plain_jfif_2352x1568.jpg, cropped to 4:3, upscaled to
//! 4000x3000, with fixed pseudo-random grain so that it compresses like a
//! camera photo rather than a smooth upscale, JPEG q90) and cached under the
//! target directory.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use extract::{analyze, Options};
use image::{codecs::jpeg::JpegEncoder, imageops::FilterType, ImageFormat};

const SOURCE: &str = "jpeg_plain_jfif_2352x1568.jpg";
const SIZE: (u32, u32) = (4000, 3000);
const GROUP: &str = "analyze_12mp";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn corpus_file(name: &str) -> PathBuf {
    let shared = std::env::var_os("ASSAY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = shared.join("corpus").join(name);
    assert!(
        path.is_file(),
        "{} missing (set ASSAY_SHARED)",
        path.display()
    );
    path
}

/// The 12 MP bench photo, made once.
fn twelve_megapixel_jpeg() -> Vec<u8> {
    let path = target_dir().join("bench-inputs/jpeg_plain_jfif_4000x3000_q90.jpg");
    if let Ok(bytes) = std::fs::read(&path) {
        return bytes;
    }
    let source = image::open(corpus_file(SOURCE)).expect("the source photo decodes");
    let crop_width = source.height() * SIZE.0 / SIZE.1;
    let cropped = source.crop_imm(
        (source.width() - crop_width) / 2,
        0,
        crop_width,
        source.height(),
    );
    let mut photo = cropped
        .resize_exact(SIZE.0, SIZE.1, FilterType::Lanczos3)
        .to_rgb8();
    // Sensor-like grain from a fixed linear congruential sequence: same bytes every time.
    let mut state: u32 = 0x2545_F491;
    for value in photo.iter_mut() {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let grain = i16::from((state >> 24) as u8 % 13) - 6;
        *value = (i16::from(*value) + grain).clamp(0, 255) as u8;
    }
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&photo)
        .expect("JPEG encodes");
    std::fs::create_dir_all(path.parent().expect("a parent directory"))
        .expect("target dir is writable");
    std::fs::write(&path, &jpeg).expect("target dir is writable");
    jpeg
}

fn bench(c: &mut Criterion) {
    let jpeg = twelve_megapixel_jpeg();
    let options = Options {
        colors: true,
        phash: true,
        ..Default::default()
    };
    let analysis = analyze(&jpeg, &options).expect("the bench photo analyses");
    assert_eq!((analysis.width, analysis.height), SIZE);

    let mut group = c.benchmark_group(GROUP);
    group.sample_size(20);
    group.bench_function("image_full_decode", |b| {
        b.iter(|| {
            image::load_from_memory_with_format(std::hint::black_box(&jpeg), ImageFormat::Jpeg)
                .unwrap()
        })
    });
    group.bench_function("analyze_colors_phash", |b| {
        b.iter(|| analyze(std::hint::black_box(&jpeg), &options).unwrap())
    });
    group.finish();
}

/// Criterion's median point estimate (ns) for one benchmark of this run.
fn median_ns(id: &str) -> Option<f64> {
    let file = target_dir()
        .join("criterion")
        .join(GROUP)
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn report(_: &mut Criterion) {
    if let (Some(decode), Some(analyze)) = (
        median_ns("image_full_decode"),
        median_ns("analyze_colors_phash"),
    ) {
        println!(
            "12 MP JPEG (median): analyze colors+phash {:.1} ms, plain full decode {:.1} ms -> analyze/decode {:.2}x",
            analyze / 1e6,
            decode / 1e6,
            analyze / decode
        );
    }
}

criterion_group!(benches, bench, report);
criterion_main!(benches);
