//! The forms in which a queued job keeps the parsed request types that
//! `extract` defines without a way to read them back: a region as
//! `[x, y, w, h]`, an OCR request as the `ocr` value that asks for it. Each
//! reads back to the value that was written.

use extract::ocr::OcrOptions;
use extract::Rect;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `Option<Vec<Rect>>` as `null` or `[[x, y, w, h], ...]`.
pub(crate) mod rects {
    use super::*;

    pub fn serialize<S: Serializer>(rects: &Option<Vec<Rect>>, s: S) -> Result<S::Ok, S::Error> {
        rects.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Rect>>, D::Error> {
        let kept = Option::<Vec<[u32; 4]>>::deserialize(d)?;
        Ok(kept.map(|rects| {
            rects
                .into_iter()
                .map(|[x, y, w, h]| Rect { x, y, w, h })
                .collect()
        }))
    }
}

/// `OcrOptions` as the `ocr` parameter that asks for it (`adv_ocr`,
/// `adv_ocr:document:de`), read back by the same parser.
pub(crate) mod ocr {
    use super::*;

    /// What `OcrOptions::parse` was given: it keeps any qualified spelling.
    const PLAIN: &str = "adv_ocr";

    pub fn serialize<S: Serializer>(ocr: &OcrOptions, s: S) -> Result<S::Ok, S::Error> {
        ocr.requested_as.as_deref().unwrap_or(PLAIN).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OcrOptions, D::Error> {
        let value = String::deserialize(d)?;
        OcrOptions::parse(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use crate::params::{ExtractionRequest, Params};

    fn round_trip(pairs: &[(&str, &str)]) {
        let request =
            ExtractionRequest::from_params(&Params::parse(pairs.iter().copied()).unwrap()).unwrap();
        let kept = serde_json::to_value(&request).unwrap();
        let read: ExtractionRequest = serde_json::from_value(kept.clone()).unwrap();
        assert_eq!(read, request, "{kept}");
    }

    #[test]
    fn every_ocr_spelling_reads_back_as_the_request_it_was() {
        for ocr in [
            "adv_ocr",
            "adv_ocr:document",
            "adv_ocr:ja,en",
            "adv_ocr:document:fr",
        ] {
            round_trip(&[("ocr", ocr)]);
        }
    }

    #[test]
    fn regions_read_back_in_order() {
        round_trip(&[
            ("custom_coordinates", "10,20,30,40|50,60,70,80"),
            ("face_coordinates", "1,2,3,4"),
        ]);
        round_trip(&[("colors", "1"), ("phash", "1"), ("thumbhash", "1")]);
    }

    #[test]
    fn a_stored_ocr_value_no_longer_accepted_is_refused_not_guessed() {
        let kept = serde_json::json!({
            "analyses": ["ocr"],
            "metadata": {"media_metadata": false, "image_metadata": false},
            "ocr": "adv_ocr:klingon",
            "custom_coordinates": null, "face_coordinates": null,
        });
        let err = serde_json::from_value::<ExtractionRequest>(kept).unwrap_err();
        assert!(err.to_string().contains("klingon"), "{err}");
    }
}
