//! Which analyses a request asks for, shared by upload, explicit and the admin API.

use analyses::{AnalysisKind, AnalysisKinds};
use extract::coordinates::parse_rects;
use extract::ocr::OcrOptions;
use extract::Rect;
use serde::{Deserialize, Serialize};

use super::{serialized, Params};
use crate::{ApiError, Reason};

/// Under which keys the flat metadata map is returned: the request names
/// `media_metadata` (current), `image_metadata` (legacy), or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataKeys {
    pub media_metadata: bool,
    pub image_metadata: bool,
}

impl MetadataKeys {
    pub fn any(self) -> bool {
        self.media_metadata || self.image_metadata
    }
}

/// The extraction parameters of one request (serialised for a queued job).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractionRequest {
    /// The analyses asked for. [`AnalysisKind::MediaMetadata`] is in it
    /// exactly when `metadata` names a key.
    pub analyses: AnalysisKinds,
    /// Under which keys the metadata is shown.
    pub metadata: MetadataKeys,
    /// How OCR reads (`ocr=adv_ocr[:document][:<lang>,...]`), when asked.
    #[serde(with = "serialized::ocr")]
    pub ocr: OcrOptions,
    /// Replaces the stored regions when given.
    #[serde(with = "serialized::rects")]
    pub custom_coordinates: Option<Vec<Rect>>,
    /// Replaces detected faces when given.
    #[serde(with = "serialized::rects")]
    pub face_coordinates: Option<Vec<Rect>>,
}

impl ExtractionRequest {
    /// Reads the extraction parameters; a malformed one is a 400 naming it.
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        let metadata = MetadataKeys {
            media_metadata: params.is_set("media_metadata")?,
            // `exif` is the deprecated name for the same flat map.
            image_metadata: params.is_set("image_metadata")? || params.is_set("exif")?,
        };
        let ocr = params
            .get("ocr")
            .map(OcrOptions::parse)
            .transpose()
            .map_err(|e| {
                ApiError::from(Reason::InvalidParameter {
                    name: "ocr".into(),
                    detail: e.to_string(),
                })
            })?;
        let mut analyses = AnalysisKinds::empty();
        for kind in AnalysisKinds::all() {
            let asked = match kind {
                AnalysisKind::MediaMetadata => metadata.any(),
                AnalysisKind::Ocr => ocr.is_some(),
                // Every other analysis is a boolean parameter of its own name.
                AnalysisKind::Colors
                | AnalysisKind::Phash
                | AnalysisKind::Faces
                | AnalysisKind::Quality
                | AnalysisKind::Accessibility
                | AnalysisKind::Cinemagraph
                | AnalysisKind::Blurhash
                | AnalysisKind::Thumbhash
                | AnalysisKind::AverageColor
                | AnalysisKind::MimeType => params.is_set(kind.parameter())?,
            };
            if asked {
                analyses.insert(kind);
            }
        }
        Ok(ExtractionRequest {
            analyses,
            metadata,
            ocr: ocr.unwrap_or_default(),
            custom_coordinates: coordinates(params, "custom_coordinates")?,
            face_coordinates: coordinates(params, "face_coordinates")?,
        })
    }

    /// Just these analyses (metadata shown as `media_metadata`), with
    /// default settings.
    pub fn of(analyses: impl Into<AnalysisKinds>) -> Self {
        let analyses = analyses.into();
        ExtractionRequest {
            analyses,
            metadata: MetadataKeys {
                media_metadata: analyses.contains(AnalysisKind::MediaMetadata),
                image_metadata: false,
            },
            ..ExtractionRequest::default()
        }
    }

    /// Whether `kind` is asked for.
    pub fn wants(&self, kind: AnalysisKind) -> bool {
        self.analyses.contains(kind)
    }

    /// True when any analysis beyond the basic facts is asked for.
    pub fn needs_analysis(&self) -> bool {
        !self.analyses.is_empty()
    }

    /// This request, keeping only the analyses in `kept` (metadata keys and
    /// OCR settings go with their analysis; regions are kept).
    pub fn only(&self, kept: AnalysisKinds) -> Self {
        let analyses = self.analyses & kept;
        ExtractionRequest {
            analyses,
            metadata: if analyses.contains(AnalysisKind::MediaMetadata) {
                self.metadata
            } else {
                MetadataKeys::default()
            },
            ..self.clone()
        }
    }

    /// What this request and `other` ask for together: every analysis of
    /// either, metadata under every key either names, OCR as this request
    /// reads it when it asks for OCR (else as `other` does); regions are this
    /// request's.
    pub fn union(&self, other: &ExtractionRequest) -> Self {
        ExtractionRequest {
            analyses: self.analyses | other.analyses,
            metadata: MetadataKeys {
                media_metadata: self.metadata.media_metadata || other.metadata.media_metadata,
                image_metadata: self.metadata.image_metadata || other.metadata.image_metadata,
            },
            ocr: if self.wants(AnalysisKind::Ocr) {
                self.ocr.clone()
            } else {
                other.ocr.clone()
            },
            ..self.clone()
        }
    }

    /// The options for `extract::analyze` (the analyzer adds its limits).
    /// Faces are not detected when the caller supplies them.
    pub fn options(&self) -> extract::Options {
        let mut analyses = self.analyses;
        if self.face_coordinates.is_some() {
            analyses.remove(AnalysisKind::Faces);
        }
        extract::Options {
            analyses,
            ocr: self.ocr.clone(),
            custom_coordinates: self.custom_coordinates.clone(),
            ..extract::Options::default()
        }
    }
}

/// A coordinates parameter; `None` when absent or empty (an empty value is
/// no value, see [`crate::params`]).
fn coordinates(params: &Params, name: &'static str) -> Result<Option<Vec<Rect>>, ApiError> {
    params
        .get(name)
        .map(|value| parse_rects(name, value).map_err(ApiError::from))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_extraction_flag() {
        let params = Params::parse([
            ("colors", "1"),
            ("phash", "true"),
            ("faces", "0"),
            ("image_metadata", "1"),
            ("ocr", "adv_ocr"),
            ("quality_analysis", "1"),
            ("cinemagraph_analysis", "true"),
            ("thumbhash", "1"),
            ("custom_coordinates", "10,20,30,40|50,60,70,80"),
        ])
        .unwrap();
        let request = ExtractionRequest::from_params(&params).unwrap();
        assert_eq!(
            request.analyses,
            AnalysisKind::Colors
                | AnalysisKind::Phash
                | AnalysisKind::MediaMetadata
                | AnalysisKind::Ocr
                | AnalysisKind::Quality
                | AnalysisKind::Cinemagraph
                | AnalysisKind::Thumbhash
        );
        assert_eq!(request.ocr, OcrOptions::default());
        assert_eq!(
            request.metadata,
            MetadataKeys {
                media_metadata: false,
                image_metadata: true
            }
        );
        assert_eq!(
            request.custom_coordinates,
            Some(vec![
                Rect {
                    x: 10,
                    y: 20,
                    w: 30,
                    h: 40
                },
                Rect {
                    x: 50,
                    y: 60,
                    w: 70,
                    h: 80
                }
            ])
        );
        assert_eq!(request.face_coordinates, None);
        assert!(request.needs_analysis());
    }

    #[test]
    fn given_faces_are_not_detected() {
        let params = Params::parse([("faces", "1"), ("face_coordinates", "1,2,3,4")]).unwrap();
        let options = ExtractionRequest::from_params(&params).unwrap().options();
        assert!(!options.wants(AnalysisKind::Faces));
    }

    #[test]
    fn an_empty_coordinates_parameter_is_no_parameter() {
        let params = Params::parse([("face_coordinates", ""), ("custom_coordinates", "")]).unwrap();
        let request = ExtractionRequest::from_params(&params).unwrap();
        assert_eq!(request.face_coordinates, None);
        assert_eq!(request.custom_coordinates, None);
    }

    #[test]
    fn malformed_parameters_are_named() {
        for (name, value) in [
            ("custom_coordinates", "1,2,3"),
            ("face_coordinates", "a,b,c,d"),
            ("ocr", "magic"),
            ("ocr", "adv_ocr:klingon"),
            ("phash", "maybe"),
            ("quality_analysis", "very"),
            ("blurhash", "2"),
        ] {
            let err = ExtractionRequest::from_params(&Params::parse([(name, value)]).unwrap())
                .unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn ocr_modes_and_languages_reach_the_analysis() {
        let params = Params::parse([("ocr", "adv_ocr:document:de,en")]).unwrap();
        let ocr = ExtractionRequest::from_params(&params)
            .unwrap()
            .options()
            .ocr;
        assert_eq!(ocr.mode, extract::ocr::OcrMode::Document);
        assert_eq!(ocr.locale(), "de");
        assert_eq!(ocr.requested_as.as_deref(), Some("adv_ocr:document:de,en"));
    }

    #[test]
    fn an_unknown_ocr_language_is_named_in_the_400() {
        let params = Params::parse([("ocr", "adv_ocr:xx")]).unwrap();
        let err = ExtractionRequest::from_params(&params)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ocr") && err.contains("\"xx\""), "{err}");
    }

    #[test]
    fn a_union_asks_for_everything_either_asks_for() {
        let legacy = ExtractionRequest::from_params(
            &Params::parse([("image_metadata", "1"), ("ocr", "adv_ocr:document")]).unwrap(),
        )
        .unwrap();
        let current = ExtractionRequest::of(AnalysisKind::MediaMetadata | AnalysisKind::Colors);
        let both = legacy.union(&current);
        assert_eq!(
            both.analyses,
            AnalysisKind::MediaMetadata | AnalysisKind::Colors | AnalysisKind::Ocr
        );
        assert_eq!(
            both.metadata,
            MetadataKeys {
                media_metadata: true,
                image_metadata: true
            }
        );
        assert_eq!(both.ocr.mode, extract::ocr::OcrMode::Document);
        // OCR as the side asking for it reads it.
        assert_eq!(current.union(&legacy).ocr, legacy.ocr);
    }

    #[test]
    fn keeping_some_analyses_drops_the_metadata_keys_with_their_analysis() {
        let request = ExtractionRequest::of(AnalysisKind::MediaMetadata | AnalysisKind::Phash);
        let kept = request.only(AnalysisKind::Phash.into());
        assert_eq!(kept.analyses, AnalysisKinds::from(AnalysisKind::Phash));
        assert!(!kept.metadata.any());
    }
}
