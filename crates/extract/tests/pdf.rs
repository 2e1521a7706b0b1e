//! PDFs: `format: "pdf"`, the page count and the first page's size in points
//! (pixels at 72 dpi) from the page tree; pixels rendered by poppler; damaged files are typed errors.
//! The PDFs are written here with lopdf's own writer, so each test shows the
//! page tree it pins down.

use extract::AnalysisKind;
use extract::{analyze, ExtractError, Format, LimitKind, Limits, Options};
use lopdf::{dictionary, Document, Object};

/// A PDF whose page tree root carries `root_attributes` and whose pages carry
/// one attribute dictionary each.
fn pdf(root_attributes: lopdf::Dictionary, pages: Vec<lopdf::Dictionary>) -> Vec<u8> {
    let mut document = Document::with_version("1.7");
    let pages_id = document.new_object_id();
    let kids: Vec<Object> = pages
        .into_iter()
        .map(|mut page| {
            page.set("Type", "Page");
            page.set("Parent", pages_id);
            document.add_object(page).into()
        })
        .collect();
    let mut root = root_attributes;
    root.set("Type", "Pages");
    root.set("Count", kids.len() as i64);
    root.set("Kids", kids);
    document.objects.insert(pages_id, root.into());
    let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    document.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    document
        .save_to(&mut bytes)
        .expect("an in-memory PDF is written");
    bytes
}

fn page(media_box: [f32; 4]) -> lopdf::Dictionary {
    dictionary! { "MediaBox" => media_box.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>() }
}

const A4: [f32; 4] = [0.0, 0.0, 595.276, 841.89];
const LETTER: [f32; 4] = [0.0, 0.0, 612.0, 792.0];

#[test]
fn single_page_pdf_reports_its_size_in_points() {
    let analysis = analyze(&pdf(dictionary! {}, vec![page(A4)]), &Options::default()).unwrap();
    assert_eq!(analysis.format, Format::Pdf);
    assert_eq!(
        (analysis.width, analysis.height, analysis.pages),
        (595, 842, 1)
    );
    let json = serde_json::to_value(&analysis).unwrap();
    assert_eq!(json["format"], "pdf");
}

#[test]
fn pages_counts_every_page_and_size_is_the_first_pages() {
    let bytes = pdf(dictionary! {}, vec![page(LETTER), page(A4), page(A4)]);
    let analysis = analyze(&bytes, &Options::default()).unwrap();
    assert_eq!(
        (analysis.width, analysis.height, analysis.pages),
        (612, 792, 3)
    );
}

#[test]
fn media_box_is_inherited_from_the_page_tree() {
    let root = dictionary! { "MediaBox" => vec![0.into(), 0.into(), 300.into(), 200.into()] };
    let analysis = analyze(&pdf(root, vec![dictionary! {}]), &Options::default()).unwrap();
    assert_eq!((analysis.width, analysis.height), (300, 200));
}

#[test]
fn rotate_by_a_quarter_turn_swaps_width_and_height() {
    let mut rotated = page(LETTER);
    rotated.set("Rotate", 90);
    let analysis = analyze(&pdf(dictionary! {}, vec![rotated]), &Options::default()).unwrap();
    assert_eq!((analysis.width, analysis.height), (792, 612));
    // Inherited, and a half turn keeps the axes.
    let turned = |degrees: i64| {
        let root = dictionary! { "Rotate" => degrees };
        let a = analyze(&pdf(root, vec![page(LETTER)]), &Options::default()).unwrap();
        (a.width, a.height)
    };
    assert_eq!(turned(270), (792, 612));
    assert_eq!(turned(180), (612, 792));
}

#[test]
fn crop_box_is_the_visible_size_clipped_to_the_media_box() {
    let mut cropped = page(LETTER);
    cropped.set(
        "CropBox",
        vec![100.into(), 100.into(), 400.into(), 2000.into()],
    );
    let analysis = analyze(&pdf(dictionary! {}, vec![cropped]), &Options::default()).unwrap();
    assert_eq!((analysis.width, analysis.height), (300, 692));
}

#[test]
fn a_blank_page_is_rendered_for_pixel_analyses_and_metadata_is_read() {
    let bytes = pdf(dictionary! {}, vec![page(A4)]);
    let options = Options::of(AnalysisKind::Colors | AnalysisKind::Phash);
    let analysis = analyze(&bytes, &options).unwrap();
    assert!(analysis.phash.is_some());
    let json = serde_json::to_value(&analysis).unwrap();
    assert_eq!(
        json["colors"][0][0], "#FFFFFF",
        "a blank page is white: {json}"
    );
    let options = Options::of(AnalysisKind::MediaMetadata);
    assert!(analyze(&bytes, &options).unwrap().media_metadata.is_some());
}

#[test]
fn too_many_pages_and_too_many_bytes_are_refused() {
    let bytes = pdf(dictionary! {}, vec![page(A4), page(A4), page(A4)]);
    let limits = Limits {
        max_frames: 2,
        ..Limits::default()
    };
    assert!(matches!(
        analyze(
            &bytes,
            &Options {
                limits,
                ..Default::default()
            }
        ),
        Err(ExtractError::TooLarge {
            limit: LimitKind::Frames,
            actual: 3,
            max: 2
        })
    ));
    let limits = Limits {
        max_bytes: bytes.len() as u64 - 1,
        ..Limits::default()
    };
    assert!(matches!(
        analyze(
            &bytes,
            &Options {
                limits,
                ..Default::default()
            }
        ),
        Err(ExtractError::TooLarge {
            limit: LimitKind::Bytes,
            ..
        })
    ));
}

#[test]
fn damaged_pdfs_are_corrupt_errors_not_panics() {
    let bytes = pdf(dictionary! {}, vec![page(A4), page(LETTER)]);
    // Cut anywhere: either still readable (lopdf rebuilds a lost xref table) or a typed error.
    for cut in (5..bytes.len()).step_by(7) {
        match analyze(&bytes[..cut], &Options::default()) {
            Ok(analysis) => assert_eq!(analysis.format, Format::Pdf),
            Err(ExtractError::Corrupt(message)) => assert!(!message.is_empty()),
            Err(other) => panic!("cut at {cut}: unexpected {other:?}"),
        }
    }
    let garbage: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..4000u32).map(|i| (i * 7919 % 251) as u8))
        .collect();
    assert!(matches!(
        analyze(&garbage, &Options::default()),
        Err(ExtractError::Corrupt(_))
    ));
    // A page without any MediaBox has no size.
    assert!(matches!(
        analyze(
            &pdf(dictionary! {}, vec![dictionary! {}]),
            &Options::default()
        ),
        Err(ExtractError::Corrupt(_))
    ));
}
