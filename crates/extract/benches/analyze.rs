//! `analyze` on a 12 MP JPEG with colors + pHash + media_metadata + faces (and
//! without faces, to show what the cascade costs), next to one plain full
//! decode of the same file with libjpeg-turbo (and with the `image` crate),
//! measured in the same run. A full decode is what any tool pays before it
//! can look at the pixels, so the ratio printed at the end (analyze / full
//! libjpeg-turbo decode) is the headline: under 1 means the analyses cost less
//! than merely decoding the photo.
//!
//! No 12 MP JPEG is in the corpus, so one is built deterministically from a
//! corpus photo (jpeg_plain_jfif_2352x1568.jpg, cropped to 4:3, upscaled to
//! 4000x3000, with fixed pseudo-random grain so that it compresses like a
//! camera photo rather than a smooth upscale, JPEG q90) and cached under the
//! target directory.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use extract::AnalysisKind;
use extract::{analyze, Options};
use image::{codecs::jpeg::JpegEncoder, imageops::FilterType, ImageFormat};
use turbojpeg::PixelFormat;

mod support;
use support::{corpus_file, median_ns, target_dir};

const SOURCE: &str = "jpeg_plain_jfif_2352x1568.jpg";
const SIZE: (u32, u32) = (4000, 3000);
const GROUP: &str = "analyze_12mp";

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
    let without_faces =
        Options::of(AnalysisKind::Colors | AnalysisKind::Phash | AnalysisKind::MediaMetadata);
    let all = Options::of(without_faces.analyses | AnalysisKind::Faces);
    let analysis = analyze(&jpeg, &all).expect("the bench photo analyses");
    assert_eq!((analysis.width, analysis.height), SIZE);

    let mut group = c.benchmark_group(GROUP);
    group.sample_size(10);
    group.bench_function("turbojpeg_full_decode", |b| {
        b.iter(|| turbojpeg::decompress(std::hint::black_box(&jpeg), PixelFormat::RGB).unwrap())
    });
    group.bench_function("image_full_decode", |b| {
        b.iter(|| {
            image::load_from_memory_with_format(std::hint::black_box(&jpeg), ImageFormat::Jpeg)
                .unwrap()
        })
    });
    group.bench_function("analyze_all", |b| {
        b.iter(|| analyze(std::hint::black_box(&jpeg), &all).unwrap())
    });
    group.bench_function("analyze_without_faces", |b| {
        b.iter(|| analyze(std::hint::black_box(&jpeg), &without_faces).unwrap())
    });
    group.finish();
}

fn report(_: &mut Criterion) {
    let ms = |id| median_ns(GROUP, id).map_or(f64::NAN, |ns| ns / 1e6);
    let turbo = ms("turbojpeg_full_decode");
    let all = ms("analyze_all");
    println!(
        "12 MP JPEG (medians): libjpeg-turbo full decode {turbo:.1} ms, image crate full decode {:.1} ms; \
         analyze colors+phash+metadata+faces {all:.1} ms, without faces {:.1} ms \
         -> analyze/full decode {:.2}x (target <= 1.5)",
        ms("image_full_decode"),
        ms("analyze_without_faces"),
        all / turbo
    );
}

criterion_group!(benches, bench, report);
criterion_main!(benches);
