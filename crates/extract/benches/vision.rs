//! Face detection and OCR on a 12 MP photo, a photo with text (read by the
//! scene-text engine) and a scanned page (read by Tesseract), with baselines
//! measured in the same run: decoding the photo (what every analysis pays
//! anyway) and the `tesseract` command on the text photo and the page (what a
//! service shelling out to it would pay per request, model load included).
//!
//! The 12 MP photo is built deterministically from a corpus portrait
//! (face_fr_obama.jpg, upscaled to 4000 px high, JPEG q92) and cached under
//! the target directory.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use extract::{faces, ocr};
use image::{codecs::jpeg::JpegEncoder, imageops::FilterType, DynamicImage};

mod support;
use support::{corpus_file, median_ns, target_dir};

const PORTRAIT: &str = "face_fr_obama.jpg";
const SCANNED_PAGE: &str = "text_unlv_8071_093.tif";
/// A camera box, photographed: labels, a sticker, barcodes' digits.
const TEXT_PHOTO: &str = "exif_olympus_ep3.jpg";
const PHOTO_HEIGHT: u32 = 4000;

/// The corpus portrait upscaled to a 12.8 MP JPEG (3201x4000), made once.
fn twelve_megapixel_photo() -> PathBuf {
    let path = target_dir().join("bench-inputs/face_fr_obama_3201x4000.jpg");
    if !path.is_file() {
        let portrait = image::open(corpus_file(PORTRAIT)).expect("the portrait decodes");
        let width = portrait.width() * PHOTO_HEIGHT / portrait.height();
        let photo = portrait
            .resize_exact(width, PHOTO_HEIGHT, FilterType::Lanczos3)
            .to_rgb8();
        std::fs::create_dir_all(path.parent().unwrap()).expect("target dir is writable");
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 92)
            .encode_image(&photo)
            .expect("JPEG encodes");
        std::fs::write(&path, jpeg).expect("target dir is writable");
    }
    path
}

fn decode(path: &Path) -> DynamicImage {
    image::load_from_memory(&std::fs::read(path).expect("bench input is readable"))
        .expect("bench input decodes")
}

fn bench(c: &mut Criterion) {
    let photo_path = twelve_megapixel_photo();
    let photo_bytes = std::fs::read(&photo_path).expect("bench input is readable");
    let photo = decode(&photo_path);
    let page_path = corpus_file(SCANNED_PAGE);
    let page = decode(&page_path);
    let text_photo_path = corpus_file(TEXT_PHOTO);
    let text_photo = decode(&text_photo_path);
    let options = ocr::OcrOptions::default();
    assert!(
        !faces::detect(&photo, 1.0).unwrap().is_empty(),
        "the bench photo should show a face"
    );

    let mut group = c.benchmark_group("vision");
    group.sample_size(10);
    group.bench_function("decode_photo", |b| {
        b.iter(|| image::load_from_memory(&photo_bytes).unwrap())
    });
    group.bench_function("faces_photo", |b| {
        b.iter(|| faces::detect(std::hint::black_box(&photo), 1.0))
    });
    group.bench_function("faces_page", |b| {
        b.iter(|| faces::detect(std::hint::black_box(&page), 1.0))
    });
    group.bench_function("ocr_photo", |b| {
        b.iter(|| ocr::recognize(std::hint::black_box(&photo), 1.0, &options))
    });
    group.bench_function("ocr_page", |b| {
        b.iter(|| ocr::recognize(std::hint::black_box(&page), 1.0, &options))
    });
    group.bench_function("ocr_text_photo", |b| {
        b.iter(|| ocr::recognize(std::hint::black_box(&text_photo), 1.0, &options))
    });
    group.bench_function("tesseract_cli_page", |b| {
        b.iter(|| tesseract_cli(&page_path))
    });
    group.bench_function("tesseract_cli_text_photo", |b| {
        b.iter(|| tesseract_cli(&text_photo_path))
    });
    group.finish();
}

/// The `tesseract` command reading `path` as a page, as `adv_ocr:document` does.
fn tesseract_cli(path: &Path) -> Vec<u8> {
    let out = Command::new("tesseract")
        .arg(path)
        .args(["-", "--psm", "1", "tsv"])
        .output()
        .expect("tesseract is installed");
    assert!(out.status.success());
    out.stdout
}

fn report(_: &mut Criterion) {
    let ms = |id: &str| median_ns("vision", id).map(|ns| ns / 1e6);
    if let (Some(decode), Some(faces_photo), Some(faces_page)) =
        (ms("decode_photo"), ms("faces_photo"), ms("faces_page"))
    {
        println!(
            "faces (median): 12 MP photo {faces_photo:.0} ms = {:.1}x its decode ({decode:.0} ms); scanned page {faces_page:.0} ms",
            faces_photo / decode
        );
    }
    if let (Some(photo), Some(page), Some(cli)) =
        (ms("ocr_photo"), ms("ocr_page"), ms("tesseract_cli_page"))
    {
        println!(
            "OCR (median): 12 MP photo {photo:.0} ms; scanned page {page:.0} ms vs `tesseract` command {cli:.0} ms -> {:.2}x",
            cli / page
        );
    }
    if let (Some(scene), Some(cli)) = (ms("ocr_text_photo"), ms("tesseract_cli_text_photo")) {
        println!(
            "OCR (median): photo with text ({TEXT_PHOTO}) scene engine {scene:.0} ms vs `tesseract` command {cli:.0} ms (word recall: tests/scene_text.rs)"
        );
    }
}

criterion_group!(benches, bench, report);
criterion_main!(benches);
