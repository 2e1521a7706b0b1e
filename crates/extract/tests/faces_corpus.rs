//! Face detection on the real `face_*` photos of the shared corpus, scored by
//! recall and precision at IoU >= 0.5, and on the face-free pictures of
//! `tests/face_free/` (rebuilt by its `build.py` from Debian packages; see its
//! SOURCES.md), where every box is a false one.
//!
//! Which boxes count as expected:
//! - `face_dlib_*`: `faces_ground_truth`, boxes annotated by people (PASCAL VOC
//!   faces as shipped with dlib). Recall is asserted on these.
//! - the other `face_*` files only have `faces_oracle`, OpenCV's haar cascade,
//!   which is not ground truth and has false positives (three boxes on
//!   face_fr_obama.jpg, which shows one face). Agreement with it is reported,
//!   and each such photo must have at least one detection the oracle confirms.

mod corpus_support;

use extract::Rect;
use image::codecs::jpeg::JpegEncoder;
use img_parts::{jpeg::Jpeg, Bytes, ImageEXIF};
use serde_json::Value;

const MIN_IOU: f64 = 0.5;
const MIN_RECALL: f64 = 0.9;

/// What the issue asks for: at least 98% of the boxes drawn over the face-free
/// set and the annotated faces (photos and canvases) are on a face. Measured:
/// 1.0 (README, "Faces").
const MIN_PRECISION: f64 = 0.98;

/// A box overlapping an annotated face by this much is on that face, even when
/// too loose to count as finding it (recall asks for [`MIN_IOU`]): one 3x
/// canvas face is boxed at IoU 0.44.
const ON_FACE_IOU: f64 = 0.3;

/// Boxes in `found` on none of the `faces`.
fn off_faces(found: &[Rect], faces: &[Rect]) -> usize {
    found
        .iter()
        .filter(|f| faces.iter().all(|face| iou(f, face) < ON_FACE_IOU))
        .count()
}

/// Through the whole analysis, so decoding, Exif orientation and scaling to
/// the displayed frame are covered too; `faces` and `coordinates.faces` agree.
fn detect(name: &str) -> Vec<Rect> {
    detect_in(name, &corpus_support::read_file(name))
}

fn detect_in(name: &str, bytes: &[u8]) -> Vec<Rect> {
    let options = extract::Options::of(extract::AnalysisKind::Faces);
    let analysis = extract::analyze(bytes, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let faces = analysis
        .faces
        .unwrap_or_else(|| panic!("{name}: no `faces` field"));
    let stored = analysis.coordinates.and_then(|c| c.faces);
    assert_eq!(
        stored.as_ref(),
        Some(&faces),
        "{name}: coordinates.faces differs from faces"
    );
    faces
}

/// A little-endian TIFF block holding only an Orientation tag.
fn exif_orientation(orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one IFD entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // one value
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    tiff
}

fn boxes(value: &Value) -> Vec<Rect> {
    value["boxes_xywh"]
        .as_array()
        .expect("boxes_xywh is a list")
        .iter()
        .map(|b| {
            let n = |i: usize| b[i].as_u64().expect("box coordinates are integers") as u32;
            Rect {
                x: n(0),
                y: n(1),
                w: n(2),
                h: n(3),
            }
        })
        .collect()
}

fn iou(a: &Rect, b: &Rect) -> f64 {
    let left = a.x.max(b.x);
    let top = a.y.max(b.y);
    let right = (a.x + a.w).min(b.x + b.w);
    let bottom = (a.y + a.h).min(b.y + b.h);
    if right <= left || bottom <= top {
        return 0.0;
    }
    let inter = f64::from(right - left) * f64::from(bottom - top);
    let union = f64::from(a.w * a.h) + f64::from(b.w * b.h) - inter;
    inter / union
}

/// Overlaps of detections matched one-to-one to expected boxes, best first.
fn matches(found: &[Rect], expected: &[Rect]) -> Vec<f64> {
    let mut pairs: Vec<(f64, usize, usize)> = found
        .iter()
        .enumerate()
        .flat_map(|(i, f)| {
            expected
                .iter()
                .enumerate()
                .map(move |(j, e)| (iou(f, e), i, j))
        })
        .filter(|(overlap, _, _)| *overlap >= MIN_IOU)
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut used_found, mut used_expected) =
        (vec![false; found.len()], vec![false; expected.len()]);
    let mut matched = Vec::new();
    for (overlap, i, j) in pairs {
        if !used_found[i] && !used_expected[j] {
            used_found[i] = true;
            used_expected[j] = true;
            matched.push(overlap);
        }
    }
    matched
}

#[derive(Default)]
struct Score {
    matched: usize,
    found: usize,
    expected: usize,
    overlap_sum: f64,
}

impl Score {
    fn add(&mut self, name: &str, found: &[Rect], expected: &[Rect]) -> usize {
        let overlaps = matches(found, expected);
        let matched = overlaps.len();
        println!(
            "{name}: found {} expected {} matched {matched} -> recall {:.2} precision {:.2}\n  found {found:?}\n  expected {expected:?}",
            found.len(),
            expected.len(),
            ratio(matched, expected.len()),
            ratio(matched, found.len()),
        );
        self.overlap_sum += overlaps.iter().sum::<f64>();
        self.matched += matched;
        self.found += found.len();
        self.expected += expected.len();
        matched
    }

    fn recall(&self) -> f64 {
        ratio(self.matched, self.expected)
    }

    fn precision(&self) -> f64 {
        ratio(self.matched, self.found)
    }

    fn mean_overlap(&self) -> f64 {
        self.overlap_sum / self.matched.max(1) as f64
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

#[test]
fn faces_are_found_in_annotated_photos() {
    let mut score = Score::default();
    for name in corpus_support::files_with_prefix("face_") {
        let truth = &corpus_support::expected(&name)["faces_ground_truth"];
        if truth.is_null() {
            continue;
        }
        score.add(&name, &detect(&name), &boxes(truth));
    }
    println!(
        "ground truth overall: recall {:.3} precision {:.3} ({} of {} faces, {} detections), mean IoU of matches {:.2} (SeetaFace, previously measured: {SEETAFACE_ANNOTATED} of 15)",
        score.recall(),
        score.precision(),
        score.matched,
        score.expected,
        score.found,
        score.mean_overlap()
    );
    assert!(score.expected > 0, "no annotated face photo in the corpus");
    assert!(
        score.recall() >= MIN_RECALL,
        "recall {:.3} < {MIN_RECALL}",
        score.recall()
    );
}

#[test]
fn faces_agree_with_the_oracle_where_nobody_annotated_them() {
    let mut score = Score::default();
    for name in corpus_support::files_with_prefix("face_") {
        let expected = corpus_support::expected(&name);
        if !expected["faces_ground_truth"].is_null() {
            continue;
        }
        let matched = score.add(&name, &detect(&name), &boxes(&expected["faces_oracle"]));
        assert!(
            matched >= 1,
            "{name}: no detection agrees with any oracle box"
        );
    }
    println!(
        "oracle agreement overall: recall {:.3} precision {:.3} (oracle has false positives), mean IoU of matches {:.2}",
        score.recall(),
        score.precision(),
        score.mean_overlap()
    );
}

/// Cloudinary reports faces in the displayed frame. The pixels of a corpus
/// photo are stored turned 90° clockwise with Orientation 8 ("turn 90°
/// counter-clockwise to display"): a viewer shows the original photo, so the
/// faces must come back where they are in the original.
#[test]
fn faces_of_an_exif_rotated_photo_are_in_the_displayed_frame() {
    let name = "face_fr_two_people.jpg";
    let upright = image::load_from_memory(&corpus_support::read_file(name)).expect("decodes");
    let mut stored = Vec::new();
    JpegEncoder::new_with_quality(&mut stored, 95)
        .encode_image(&upright.rotate90().to_rgb8())
        .expect("encodes");
    let mut jpeg = Jpeg::from_bytes(Bytes::from(stored)).expect("our own JPEG parses");
    jpeg.set_exif(Some(Bytes::from(exif_orientation(8))));
    let mut rotated = Vec::new();
    jpeg.encoder().write_to(&mut rotated).expect("writes");

    let found = detect_in("rotated copy", &rotated);
    let expected = boxes(&corpus_support::expected(name)["faces_oracle"]);
    let matched = Score::default().add("rotated copy", &found, &expected);
    assert_eq!(
        matched,
        expected.len(),
        "faces are not where the displayed photo shows them"
    );
}

/// Corpus photos that show people, found by looking at every corpus image:
/// left out of the no-false-box test (whether a face looking down or seen
/// from the side should count is not something to pin down here).
const SHOWS_PEOPLE: &[&str] = &[
    "exif_canon_t3i.jpg",
    "gps_samsung_galaxy_s.jpg",
    "heic_cheers_1440x960.heic",
    "iptc_nikon_e995_fotostation.jpg",
    "tiff_bsg1.tiff",
    "xmp_iptc_canon_7d.jpg",
];

/// Every other decodable corpus image (landscapes, plants, animals, text,
/// drawings, labels, dark frames) must give an empty list, not an error.
#[test]
fn photos_without_faces_give_an_empty_list() {
    let face_free: Vec<String> = corpus_support::files_with_prefix("")
        .into_iter()
        .filter(|name| !name.starts_with("face_") && !name.starts_with("bad_"))
        .filter(|name| !SHOWS_PEOPLE.contains(&name.as_str()))
        .filter(|name| {
            let lower = name.to_ascii_lowercase();
            // HEIC pixels need the heif feature; without it they refuse faces.
            let heic: &[&str] = if cfg!(feature = "heif") {
                &[".heic"]
            } else {
                &[]
            };
            [".jpg", ".png", ".gif", ".webp", ".tif", ".tiff"]
                .iter()
                .chain(heic)
                .any(|ext| lower.ends_with(ext))
        })
        .collect();
    assert!(
        face_free.len() >= 20,
        "too few face-free photos: {face_free:?}"
    );
    let mut false_boxes = Vec::new();
    for name in &face_free {
        let found = detect(name);
        if !found.is_empty() {
            false_boxes.push(format!("{name}: {found:?}"));
        }
    }
    println!(
        "face-free corpus photos: {} scanned, {} with boxes",
        face_free.len(),
        false_boxes.len()
    );
    assert!(false_boxes.is_empty(), "false boxes: {false_boxes:#?}");
}

/// The annotated group photos pasted, at their own size, into the middle of a
/// grey canvas `factor` times as wide and as tall: the same faces at 1/2 and
/// 1/3 of their share of the image (the 37 px faces of a 500 px photo become
/// 2.5% of a 1500 px canvas), which is where a detector's minimum face shows.
fn small_face_recall(factor: u32) -> Score {
    let mut score = Score::default();
    for name in corpus_support::files_with_prefix("face_dlib_") {
        let truth = boxes(&corpus_support::expected(&name)["faces_ground_truth"]);
        let (jpeg, expected) = in_canvas(&corpus_support::read_file(&name), &truth, factor);
        let label = format!("{name} in a {factor}x canvas");
        score.add(&label, &detect_in(&label, &jpeg), &expected);
    }
    score
}

/// `photo` in the middle of a grey canvas `factor` times as wide and as tall
/// (JPEG, quality 95), and `faces` moved with it.
fn in_canvas(photo: &[u8], faces: &[Rect], factor: u32) -> (Vec<u8>, Vec<Rect>) {
    let photo = image::load_from_memory(photo).expect("decodes").to_rgb8();
    let (width, height) = photo.dimensions();
    let mut canvas =
        image::RgbImage::from_pixel(width * factor, height * factor, image::Rgb([128; 3]));
    let (left, top) = (width * (factor - 1) / 2, height * (factor - 1) / 2);
    image::imageops::replace(&mut canvas, &photo, i64::from(left), i64::from(top));
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&canvas)
        .expect("encodes");
    let moved = faces
        .iter()
        .map(|r| Rect {
            x: r.x + left,
            y: r.y + top,
            ..*r
        })
        .collect();
    (jpeg, moved)
}

/// Annotated faces the SeetaFace cascade found in the photos themselves
/// (same measurement as [`SEETAFACE_SMALL_FACES`]); printed for comparison.
const SEETAFACE_ANNOTATED: usize = 15;

/// Faces found by the SeetaFace cascade (rustface, scanned 960-1280 px long)
/// that RetinaFace replaced, on the same canvases (made with ImageMagick,
/// JPEG q95) through `assay analyze --faces` at commit 879fc69: 13 of 15 at
/// 2x (15 boxes) and 9 of 15 at 3x (10 boxes). On the face-free photos it
/// drew one box (on the leaf of exif_jolla_phone.jpg).
const SEETAFACE_SMALL_FACES: [(u32, usize); 2] = [(2, 13), (3, 9)];

/// Floors: 13 and 12 of 15 (measured 13 and 13 with the plausibility checks,
/// which turn down one face turned to the side in the 2x canvas).
#[test]
fn small_faces_are_found_down_to_a_third_of_their_share() {
    for ((factor, seeta), min_matched) in SEETAFACE_SMALL_FACES.into_iter().zip([13, 12]) {
        let score = small_face_recall(factor);
        println!(
            "{factor}x canvas: {} of {} faces found, {} boxes (SeetaFace found {seeta})",
            score.matched, score.expected, score.found
        );
        assert_eq!(score.expected, 15, "the annotated corpus changed");
        assert!(
            score.matched >= min_matched,
            "{factor}x canvas: {} of 15 faces found, want {min_matched}",
            score.matched
        );
    }
}

fn face_free_pictures() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/face_free");
    let mut pictures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable folder").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jpg"))
        .collect();
    pictures.sort();
    pictures
}

/// The annotated photos, then each pasted into 2x and 3x canvases: the
/// encoded picture and where its faces are.
fn annotated_faces() -> Vec<(String, Vec<u8>, Vec<Rect>)> {
    let mut all = Vec::new();
    for name in corpus_support::files_with_prefix("face_dlib_") {
        let bytes = corpus_support::read_file(&name);
        let truth = boxes(&corpus_support::expected(&name)["faces_ground_truth"]);
        for factor in [2, 3] {
            let (canvas, moved) = in_canvas(&bytes, &truth, factor);
            all.push((format!("{name} in a {factor}x canvas"), canvas, moved));
        }
        all.push((name, bytes, truth));
    }
    all
}

/// Every box on the face-free set is a false one; on the annotated faces, the
/// ones on no face are. Precision over both, recall over the faces.
#[test]
fn boxes_are_faces_on_the_face_free_set_and_the_annotated_faces() {
    let mut score = Score::default();
    let mut false_boxes = Vec::new();
    let pictures = face_free_pictures();
    assert!(pictures.len() >= 300, "the face-free set lost pictures");
    for path in &pictures {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let found = detect_in(&name, &std::fs::read(path).expect("readable picture"));
        if !found.is_empty() {
            false_boxes.push(format!("{name}: {found:?}"));
        }
    }
    let mut off_face = 0;
    for (name, bytes, truth) in annotated_faces() {
        let found = detect_in(&name, &bytes);
        off_face += off_faces(&found, &truth);
        score.add(&name, &found, &truth);
    }
    let wrong = false_boxes.len() + off_face;
    let boxes = score.found + false_boxes.len();
    let precision = ratio(boxes - wrong, boxes);
    println!(
        "{} face-free pictures, {} annotated faces: precision {precision:.3} ({wrong} of {boxes} boxes on no face), recall {:.3}; false boxes: {false_boxes:#?}",
        pictures.len(),
        score.expected,
        score.recall()
    );
    assert!(
        precision >= MIN_PRECISION,
        "precision {precision:.3} < {MIN_PRECISION}"
    );
    assert!(
        score.recall() >= MIN_RECALL,
        "recall {:.3} < {MIN_RECALL}",
        score.recall()
    );
}

/// The precision/recall curve the threshold was chosen from (README,
/// "Faces"): `cargo test -p extract --test faces_corpus -- --ignored --nocapture`.
/// Pictures are decoded here, not analysed, so every candidate box is seen.
#[test]
#[ignore = "prints the curve for the README; slow in debug builds"]
fn precision_recall_curve() {
    let candidates = |bytes: &[u8]| {
        let image = image::load_from_memory(bytes).expect("decodes");
        extract::faces::candidates(&image, 1.0, 0.3).expect("the detector runs")
    };
    let free: Vec<_> = face_free_pictures()
        .iter()
        .map(|path| candidates(&std::fs::read(path).expect("readable picture")))
        .collect();
    let faces: Vec<_> = annotated_faces()
        .into_iter()
        .map(|(_, bytes, truth)| (candidates(&bytes), truth))
        .collect();
    println!("| threshold | checks | boxes on face-free pictures | boxes on no face | faces found (IoU >= 0.5) | boxes | precision | recall |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for checked in [false, true] {
        for threshold in [0.5, 0.6, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97] {
            let keep = |list: &[extract::faces::Candidate]| -> Vec<Rect> {
                list.iter()
                    .filter(|c| c.score >= threshold && (c.plausible || !checked))
                    .map(|c| c.rect)
                    .collect()
            };
            let false_boxes: usize = free.iter().map(|list| keep(list).len()).sum();
            let (mut score, mut off_face) = (Score::default(), 0);
            for (list, truth) in &faces {
                let found = keep(list);
                score.matched += matches(&found, truth).len();
                score.found += found.len();
                score.expected += truth.len();
                off_face += off_faces(&found, truth);
            }
            let boxes = score.found + false_boxes;
            let wrong = false_boxes + off_face;
            println!(
                "| {threshold:.2} | {} | {false_boxes} | {wrong} | {} of {} | {boxes} | {:.3} | {:.3} |",
                if checked { "yes" } else { "no" },
                score.matched,
                score.expected,
                ratio(boxes - wrong, boxes),
                score.recall()
            );
        }
    }
}
