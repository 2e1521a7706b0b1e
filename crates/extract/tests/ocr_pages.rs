//! OCR reads every page of a multi-page file, in page order, up to the page
//! limit; PDF pages get pixels (poppler) for every pixel analysis, and a
//! page's own text layer is used as written.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use extract::AnalysisKind;
use std::io::Write;

use extract::ocr::{AdvOcr, OcrOptions, OcrStatus};
use extract::{analyze, Limits, Options};
use lopdf::{dictionary, Document, Object, Stream};

fn ocr_only(limits: Limits) -> Options {
    Options {
        analyses: AnalysisKind::Ocr.into(),
        ocr: OcrOptions::default(),
        limits,
        ..Default::default()
    }
}

fn adv_ocr(bytes: &[u8], options: &Options) -> AdvOcr {
    let ocr = analyze(bytes, options)
        .unwrap()
        .info
        .expect("`info` is present")
        .ocr
        .adv_ocr;
    assert_eq!(ocr.status, OcrStatus::Complete, "{:?}", ocr.message);
    ocr
}

fn page_sizes(ocr: &AdvOcr) -> Vec<(u32, u32)> {
    ocr.data
        .iter()
        .map(|d| {
            let page = &d.full_text_annotation.pages[0];
            (page.width, page.height)
        })
        .collect()
}

fn words(ocr: &AdvOcr, page: usize) -> Vec<String> {
    ocr.data[page]
        .text_annotations
        .iter()
        .skip(1)
        .map(|a| a.description.to_lowercase())
        .collect()
}

#[test]
fn every_page_of_a_multipage_tiff_is_read_in_order_up_to_the_limit() {
    let name = "tiff_multipage_5p.tif";
    let bytes = corpus_support::read_file(name);
    let ocr = adv_ocr(&bytes, &ocr_only(Limits::default()));
    // The sizes exiftool reports for its five directories, in file order.
    assert_eq!(
        page_sizes(&ocr),
        [
            (4670, 6170),
            (4670, 6170),
            (1700, 2200),
            (1700, 2200),
            (1700, 2200)
        ]
    );
    for (page, data) in ocr.data.iter().enumerate() {
        println!(
            "{name} page {}: {} words",
            page + 1,
            data.text_annotations.len().saturating_sub(1)
        );
    }

    let two = Limits {
        max_ocr_pages: 2,
        ..Limits::default()
    };
    let limited = adv_ocr(&bytes, &ocr_only(two));
    assert_eq!(limited.data, ocr.data[..2]);
}

/// An image XObject page: `image` drawn over the whole page, `width` x
/// `height` points.
struct ImagePage {
    stream: Stream,
    width: u32,
    height: u32,
}

fn jpeg_page(jpeg: Vec<u8>) -> ImagePage {
    let (width, height) = image::load_from_memory(&jpeg)
        .unwrap()
        .into_rgb8()
        .dimensions();
    let stream = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image",
            "Width" => i64::from(width), "Height" => i64::from(height),
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8i64, "Filter" => "DCTDecode",
        },
        jpeg,
    );
    ImagePage {
        stream,
        width,
        height,
    }
}

fn grey_page(image: &image::GrayImage) -> ImagePage {
    let mut deflated = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    deflated.write_all(image.as_raw()).unwrap();
    let stream = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => i64::from(image.width()),
            "Height" => i64::from(image.height()), "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8i64,
            "Filter" => "FlateDecode",
        },
        deflated.finish().unwrap(),
    );
    ImagePage {
        stream,
        width: image.width(),
        height: image.height(),
    }
}

/// A PDF of the image pages, then one page of real text (Helvetica) whose
/// lines are `text_lines`.
fn pdf(images: Vec<ImagePage>, text_lines: &[&str]) -> Vec<u8> {
    let mut document = Document::with_version("1.7");
    let pages_id = document.new_object_id();
    let font = document.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut kids: Vec<Object> = Vec::new();
    for image in images {
        let (width, height) = (image.width, image.height);
        let xobject = document.add_object(image.stream);
        let content = format!("q {width} 0 0 {height} 0 0 cm /Im0 Do Q");
        let content = document.add_object(Stream::new(dictionary! {}, content.into_bytes()));
        kids.push(
            document
                .add_object(dictionary! {
                    "Type" => "Page", "Parent" => pages_id,
                    "MediaBox" => vec![0i64.into(), 0i64.into(), i64::from(width).into(), i64::from(height).into()],
                    "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => xobject } },
                    "Contents" => content,
                })
                .into(),
        );
    }
    let text: String = text_lines
        .iter()
        .enumerate()
        .map(|(i, line)| format!("BT /F1 24 Tf 72 {} Td ({line}) Tj ET\n", 700 - 40 * i))
        .collect();
    let content = document.add_object(Stream::new(dictionary! {}, text.into_bytes()));
    kids.push(
        document
            .add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id,
                "MediaBox" => vec![0i64.into(), 0i64.into(), 612i64.into(), 792i64.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
                "Contents" => content,
            })
            .into(),
    );
    let count = kids.len() as i64;
    document.objects.insert(
        pages_id,
        dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }.into(),
    );
    let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    document.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();
    bytes
}

fn hamming(a: &str, b: &str) -> u32 {
    let a = u64::from_str_radix(a, 16).unwrap();
    let b = u64::from_str_radix(b, 16).unwrap();
    (a ^ b).count_ones()
}

#[test]
fn a_pdf_of_a_photo_a_scan_and_a_text_page_answers_every_analysis() {
    let photo_name = "face_fr_two_people.jpg";
    let photo = corpus_support::read_file(photo_name);
    let scan_name = "text_phototest.tif";
    let scan = image::load_from_memory(&corpus_support::read_file(scan_name))
        .unwrap()
        .to_luma8();
    let text_lines = ["Invoice number 4711", "Total due: seventeen euros"];
    let bytes = pdf(
        vec![jpeg_page(photo.clone()), grey_page(&scan)],
        &text_lines,
    );

    let options = Options {
        analyses: AnalysisKind::Ocr
            | AnalysisKind::Colors
            | AnalysisKind::Phash
            | AnalysisKind::Faces,
        ocr: OcrOptions::default(),
        ..Default::default()
    };
    let analysis = analyze(&bytes, &options).unwrap();
    assert_eq!(analysis.pages, 3);
    let json = serde_json::to_value(&analysis).unwrap();
    assert!(json["colors"].as_array().is_some_and(|c| !c.is_empty()));

    // The first page is the photo: its fingerprint and faces are the photo's.
    let the_photo = analyze(
        &photo,
        &Options::of(AnalysisKind::Phash | AnalysisKind::Faces),
    )
    .unwrap();
    let distance = hamming(json["phash"].as_str().unwrap(), &json_phash(&the_photo));
    assert!(
        distance <= 8,
        "pHash of the page is {distance} bits from the photo's"
    );
    let faces = analysis.faces.as_ref().unwrap();
    assert_eq!(faces.len(), the_photo.faces.as_ref().unwrap().len());
    for face in faces {
        assert!(face.x + face.w <= analysis.width && face.y + face.h <= analysis.height);
    }

    let ocr = analysis.info.unwrap().ocr.adv_ocr;
    assert_eq!(ocr.status, OcrStatus::Complete, "{:?}", ocr.message);
    assert_eq!(ocr.data.len(), 3, "one entry per page");
    // The scan is read from its pixels.
    let truth = corpus_support::expected(scan_name)["text_ground_truth"]["text"]
        .as_str()
        .unwrap()
        .to_lowercase();
    let scanned = words(&ocr, 1);
    let expected: Vec<&str> = truth.split_whitespace().collect();
    let found = expected
        .iter()
        .filter(|w| scanned.iter().any(|s| s == *w))
        .count();
    println!("PDF scan page: {found} of {} words", expected.len());
    assert!(found * 10 >= expected.len() * 8, "{scanned:?}");
    // The text page is its text layer, word for word, with full confidence.
    let written: Vec<String> = text_lines
        .iter()
        .flat_map(|l| l.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    assert_eq!(words(&ocr, 2), written);
    assert_eq!(ocr.data[2].full_text_annotation.pages[0].confidence, 1.0);
    assert_eq!(page_sizes(&ocr)[2], (612, 792));
}

fn json_phash(analysis: &extract::Analysis) -> String {
    serde_json::to_value(analysis).unwrap()["phash"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn pdf_pages_past_the_limit_are_not_read() {
    let blank = image::GrayImage::from_pixel(200, 100, image::Luma([255]));
    let bytes = pdf(vec![grey_page(&blank), grey_page(&blank)], &["third page"]);
    let all = adv_ocr(&bytes, &ocr_only(Limits::default()));
    assert_eq!(all.data.len(), 3);
    assert_eq!(words(&all, 2), ["third", "page"]);
    let two = Limits {
        max_ocr_pages: 2,
        ..Limits::default()
    };
    assert_eq!(adv_ocr(&bytes, &ocr_only(two)).data, all.data[..2]);
}

/// One image, one answer, for PDFs too: each pixel analysis reads its own
/// render of the first page (at its own size), so it answers the same alone
/// and with every other analysis.
#[test]
fn every_pdf_analysis_answers_the_same_alone_and_with_the_others() {
    let photo = corpus_support::read_file("face_fr_two_people.jpg");
    let bytes = pdf(vec![jpeg_page(photo)], &["second page"]);
    let all = Options {
        analyses: AnalysisKind::Ocr
            | AnalysisKind::Colors
            | AnalysisKind::Phash
            | AnalysisKind::Faces,
        ocr: OcrOptions::default(),
        ..Default::default()
    };
    let together = serde_json::to_value(analyze(&bytes, &all).unwrap()).unwrap();
    let alone: [(Options, &[&str]); 4] = [
        (
            Options::of(AnalysisKind::Colors),
            &["colors", "predominant", "color_histogram"],
        ),
        (Options::of(AnalysisKind::Phash), &["phash"]),
        (Options::of(AnalysisKind::Faces), &["faces", "coordinates"]),
        (ocr_only(Limits::default()), &["info"]),
    ];
    for (options, keys) in alone {
        let answer = serde_json::to_value(analyze(&bytes, &options).unwrap()).unwrap();
        for key in keys {
            assert!(together.get(*key).is_some(), "{key} missing with all");
            assert_eq!(answer[*key], together[*key], "{key} alone differs");
        }
    }
}
