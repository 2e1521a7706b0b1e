//! The analysis results stored with an asset: one typed record, kept as JSON
//! text in the `analysis` column and rendered into responses by the service.
//!
//! Each field is one analysis, named as its response field (the serde names
//! below are the only place those names are written). The payloads are the
//! JSON form of `extract`'s typed results: the store does not depend on the
//! analysis library (it would pull every codec into every database tool), and
//! it never looks inside them, except for `phash`, which the similarity
//! index reads (`migrations/*/0003_phash_index.sql`).
//!
//! Rows written before this record existed read as they were: the colour
//! family was already flat at the top level, and the detector's `faces` list
//! (kept only to remember that detection ran) reads as `faces_detected`.
//! Keys this version does not know are dropped on read rather than refused,
//! so a replica one release behind can still serve a row a newer one wrote.

use analyses::{AnalysisKind, AnalysisKinds};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Every stored analysis result of one asset. `None` (or `false`) means the
/// analysis has not run on this version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredAnalysis {
    /// `colors`, `predominant`, `color_histogram`, `illustration_score`,
    /// `semi_transparent`, `grayscale`, flat at the top level as in responses.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub colors: Option<ColorResults>,
    /// 64-bit perceptual hash, 16 lowercase hex digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phash: Option<String>,
    /// The flat exiftool-style map, shown as `media_metadata` (or the legacy
    /// `image_metadata`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_metadata: Option<Map<String, Value>>,
    /// `info`: add-on results (`info.ocr.adv_ocr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Value>,
    /// Face detection ran on this version (what it found, or what the caller
    /// gave instead, is the asset's `coordinates.faces`): a GET asking for
    /// `faces` does not run it again, even when it found nobody.
    #[serde(
        alias = "faces",
        deserialize_with = "ran_marker",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub faces_detected: bool,
    /// `quality_analysis`: `{"focus", ...}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_analysis: Option<Value>,
    /// `quality_score`, computed with `quality_analysis` and shown next to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_score: Option<f64>,
    /// `accessibility_analysis`: colour-blind accessibility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessibility_analysis: Option<Value>,
    /// `cinemagraph_analysis`: `{"cinemagraph_score"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cinemagraph_analysis: Option<Value>,
    /// Extension: BlurHash placeholder string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    /// Extension: ThumbHash placeholder, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbhash: Option<String>,
    /// Extension: `{"hex", "light"}` average colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_color: Option<Value>,
    /// Extension: the media type of the original (`image/jpeg`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

impl StoredAnalysis {
    /// Whether the result of `kind` is stored.
    pub fn has(&self, kind: AnalysisKind) -> bool {
        match kind {
            AnalysisKind::Colors => self.colors.is_some(),
            AnalysisKind::Phash => self.phash.is_some(),
            AnalysisKind::MediaMetadata => self.media_metadata.is_some(),
            AnalysisKind::Faces => self.faces_detected,
            AnalysisKind::Ocr => self.info.is_some(),
            AnalysisKind::Quality => self.quality_analysis.is_some(),
            AnalysisKind::Accessibility => self.accessibility_analysis.is_some(),
            AnalysisKind::Cinemagraph => self.cinemagraph_analysis.is_some(),
            AnalysisKind::Blurhash => self.blurhash.is_some(),
            AnalysisKind::Thumbhash => self.thumbhash.is_some(),
            AnalysisKind::AverageColor => self.average_color.is_some(),
            AnalysisKind::MimeType => self.mime_type.is_some(),
        }
    }

    /// The analyses whose results are stored.
    pub fn kinds(&self) -> AnalysisKinds {
        AnalysisKinds::all()
            .iter()
            .filter(|kind| self.has(*kind))
            .collect()
    }
}

/// The colour family, all computed together by one colour analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColorResults {
    pub colors: Value,
    pub predominant: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_histogram: Option<Value>,
    pub illustration_score: f64,
    pub semi_transparent: bool,
    pub grayscale: bool,
}

impl StoredAnalysis {
    /// Takes every result `newer` has, keeping the stored ones it lacks: what
    /// re-running some analyses on the same version does.
    pub fn merge(&mut self, newer: StoredAnalysis) {
        fn take<T>(slot: &mut Option<T>, newer: Option<T>) {
            if newer.is_some() {
                *slot = newer;
            }
        }
        // Destructured so that a new field cannot be forgotten here.
        let StoredAnalysis {
            colors,
            phash,
            media_metadata,
            info,
            faces_detected,
            quality_analysis,
            quality_score,
            accessibility_analysis,
            cinemagraph_analysis,
            blurhash,
            thumbhash,
            average_color,
            mime_type,
        } = newer;
        take(&mut self.colors, colors);
        take(&mut self.phash, phash);
        take(&mut self.media_metadata, media_metadata);
        take(&mut self.info, info);
        self.faces_detected |= faces_detected;
        take(&mut self.quality_analysis, quality_analysis);
        take(&mut self.quality_score, quality_score);
        take(&mut self.accessibility_analysis, accessibility_analysis);
        take(&mut self.cinemagraph_analysis, cinemagraph_analysis);
        take(&mut self.blurhash, blurhash);
        take(&mut self.thumbhash, thumbhash);
        take(&mut self.average_color, average_color);
        take(&mut self.mime_type, mime_type);
    }
}

/// `faces_detected`: `true`/`false`, or (rows written before the record) the
/// detector's list of faces, whose presence meant that detection ran.
fn ran_marker<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Marker {
        Flag(bool),
        LegacyFaces(IgnoredAny),
    }
    Ok(match Marker::deserialize(deserializer)? {
        Marker::Flag(ran) => ran,
        Marker::LegacyFaces(_) => true,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(text: &str) -> StoredAnalysis {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn reads_rows_written_before_the_typed_record() {
        let legacy = json!({
            "colors": [["#FFFFFF", 60.0]],
            "predominant": {"google": [["white", 60.0]]},
            "color_histogram": {"red": [0]},
            "illustration_score": 0.5,
            "semi_transparent": false,
            "grayscale": true,
            "phash": "d8c926d5c28b6c67",
            "media_metadata": {"Make": "Canon"},
            "info": {"ocr": {"adv_ocr": {"status": "complete", "data": []}}},
            "faces": [],
        });
        let stored = read(&legacy.to_string());
        let colors = stored.colors.as_ref().expect("colour family read");
        assert_eq!(colors.illustration_score, 0.5);
        assert!(colors.grayscale && !colors.semi_transparent);
        assert_eq!(stored.phash.as_deref(), Some("d8c926d5c28b6c67"));
        assert!(
            stored.faces_detected,
            "an empty legacy face list still means detection ran"
        );
        // Written back, the same keys come out, with the marker renamed.
        let mut written = serde_json::to_value(&stored).unwrap();
        assert_eq!(written["faces_detected"], json!(true));
        written.as_object_mut().unwrap().remove("faces_detected");
        let mut legacy = legacy;
        legacy.as_object_mut().unwrap().remove("faces");
        assert_eq!(written, legacy);
    }

    #[test]
    fn an_empty_record_is_an_empty_object_and_unknown_keys_are_dropped() {
        assert_eq!(
            serde_json::to_string(&StoredAnalysis::default()).unwrap(),
            "{}"
        );
        assert_eq!(read(r#"{"some_future_key": 1}"#), StoredAnalysis::default());
        assert_eq!(read("{}").colors, None, "no colour family without its keys");
    }

    #[test]
    fn merging_keeps_what_the_newer_run_did_not_compute() {
        let mut stored = read(r#"{"phash": "0000000000000000", "faces": [[1, 2, 3, 4]]}"#);
        stored.merge(StoredAnalysis {
            phash: Some("ffffffffffffffff".into()),
            quality_analysis: Some(json!({"focus": 0.5})),
            ..StoredAnalysis::default()
        });
        assert_eq!(stored.phash.as_deref(), Some("ffffffffffffffff"));
        assert_eq!(stored.quality_analysis, Some(json!({"focus": 0.5})));
        assert!(stored.faces_detected);
    }
}
