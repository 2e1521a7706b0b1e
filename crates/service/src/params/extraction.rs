//! Which analyses a request asks for, shared by upload, explicit and the admin API.

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

/// The opt-in extension flags beyond Cloudinary's analyses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extensions {
    pub blurhash: bool,
    pub thumbhash: bool,
    pub average_color: bool,
    pub mime_type: bool,
}

impl Extensions {
    fn from_params(params: &Params) -> Result<Self, ApiError> {
        Ok(Extensions {
            blurhash: params.is_set("blurhash")?,
            thumbhash: params.is_set("thumbhash")?,
            average_color: params.is_set("average_color")?,
            mime_type: params.is_set("mime_type")?,
        })
    }

    fn any(self) -> bool {
        self.blurhash || self.thumbhash || self.average_color || self.mime_type
    }
}

/// The extraction parameters of one request (serialised for a queued job).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractionRequest {
    pub colors: bool,
    pub phash: bool,
    pub faces: bool,
    pub metadata: MetadataKeys,
    /// `ocr=adv_ocr[:document][:<lang>,...]`.
    #[serde(with = "serialized::ocr")]
    pub ocr: Option<OcrOptions>,
    /// `quality_analysis` (with `quality_score`).
    pub quality: bool,
    /// `accessibility_analysis`.
    pub accessibility: bool,
    /// `cinemagraph_analysis`.
    pub cinemagraph: bool,
    /// Extensions (README): placeholders, average colour and media type.
    pub extensions: Extensions,
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
        let ocr = params
            .get("ocr")
            .map(OcrOptions::parse)
            .transpose()
            .map_err(|e| {
                ApiError::from(Reason::InvalidParameter {
                    name: "ocr".into(),
                    detail: (e.to_string()).to_string(),
                })
            })?;
        Ok(ExtractionRequest {
            colors: params.is_set("colors")?,
            phash: params.is_set("phash")?,
            faces: params.is_set("faces")?,
            metadata: MetadataKeys {
                media_metadata: params.is_set("media_metadata")?,
                // `exif` is the deprecated name for the same flat map.
                image_metadata: params.is_set("image_metadata")? || params.is_set("exif")?,
            },
            ocr,
            quality: params.is_set("quality_analysis")?,
            accessibility: params.is_set("accessibility_analysis")?,
            cinemagraph: params.is_set("cinemagraph_analysis")?,
            extensions: Extensions::from_params(params)?,
            custom_coordinates: coordinates(params, "custom_coordinates")?,
            face_coordinates: coordinates(params, "face_coordinates")?,
        })
    }

    /// True when any analysis beyond the basic facts is asked for.
    pub fn needs_analysis(&self) -> bool {
        self.colors
            || self.phash
            || self.faces
            || self.metadata.any()
            || self.ocr.is_some()
            || self.quality
            || self.accessibility
            || self.cinemagraph
            || self.extensions.any()
    }

    /// The options for `extract::analyze` (the analyzer adds its limits).
    /// Faces are not detected when the caller supplies them.
    pub fn options(&self) -> extract::Options {
        extract::Options {
            colors: self.colors,
            phash: self.phash,
            media_metadata: self.metadata.any(),
            faces: self.faces && self.face_coordinates.is_none(),
            ocr: self.ocr.clone(),
            quality: self.quality,
            accessibility: self.accessibility,
            cinemagraph: self.cinemagraph,
            blurhash: self.extensions.blurhash,
            thumbhash: self.extensions.thumbhash,
            average_color: self.extensions.average_color,
            mime_type: self.extensions.mime_type,
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
        assert!(request.colors && request.phash && !request.faces);
        assert_eq!(request.ocr, Some(OcrOptions::default()));
        assert!(request.quality && request.cinemagraph && !request.accessibility);
        assert_eq!(
            request.extensions,
            Extensions {
                thumbhash: true,
                ..Extensions::default()
            }
        );
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
        assert!(!options.faces);
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
            .ocr
            .expect("ocr requested");
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
}
