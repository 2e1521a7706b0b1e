//! Golden snapshots of the whole analysis JSON (`assay analyze --all`) for
//! ten corpus files, one per kind of file and family of facts, so that a
//! reorganisation of the house shows any answer it changes. The upload,
//! explicit and Admin paths are tested equal to this output elsewhere (one
//! image, one answer).
//!
//! Review a change with `cargo insta review` (or set `INSTA_UPDATE=always`
//! and read the diff of `tests/snapshots/`): a snapshot is updated only when
//! an answer was meant to change.

use std::process::Command;

use serde_json::Value;
use test_support::corpus;

/// Decimals kept of every fractional number: network scores and ratios
/// may differ in their last bits between CPUs' vector units, the answer does
/// not.
const DECIMALS: i32 = 4;

/// `assay analyze --all <file>`'s one line, with the file's path (which
/// depends on the checkout) left out and numbers rounded to [`DECIMALS`].
fn analysis_of(name: &str) -> Value {
    let path = corpus::dir().join(name);
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["analyze", "--all", "--jobs", "1"])
        .arg(&path)
        .output()
        .expect("assay runs");
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut line: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    line.as_object_mut().expect("an object").remove("file");
    rounded(line)
}

fn rounded(value: Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => {
            let scale = 10f64.powi(DECIMALS);
            let x = (n.as_f64().unwrap_or_default() * scale).round() / scale;
            serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(rounded).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, rounded(v))).collect())
        }
        other => other,
    }
}

macro_rules! snapshot {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            insta::assert_json_snapshot!(analysis_of($file));
        }
    };
}

snapshot!(canon_camera_exif, "exif_canon_40d.jpg");
snapshot!(phone_photo_with_gps, "gps_iphone6_hdr.jpg");
snapshot!(photoshop_iptc_and_xmp, "iptc_xmp_photoshop3.jpg");
snapshot!(two_faces, "face_fr_two_people.jpg");
snapshot!(rotated_portrait, "orient_portrait_6.jpg");
snapshot!(heic_photo, "heic_cheers_1440x960.heic");
snapshot!(animated_gif, "gif_anim_iss634.gif");
snapshot!(webp_with_exif, "webp_flower_exif.webp");
snapshot!(scanned_text_for_ocr, "text_phototest.tif");
snapshot!(multipage_tiff, "tiff_multipage_5p.tif");
