//! The Cloudinary resource JSON of one asset: the body of upload and explicit
//! responses, and of the admin API's resource details.

use chrono::SecondsFormat;
use extract::Rect;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};
use store::{Asset, StoredAnalysis};

use analyses::{AnalysisKind, AnalysisKinds};

use crate::params::ExtractionRequest;

/// Characters kept as they are in a delivery URL's public_id, as the SDKs'
/// `smart_escape` keeps them; everything else is percent-encoded.
const PUBLIC_ID_IN_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'/')
    .remove(b':');

/// Where delivery URLs point: `ASSAY_PUBLIC_URL`, or the scheme and host the
/// request came in on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase(String);

impl PublicBase {
    /// `base` is `scheme://host[:port][/path]`; a trailing slash is ignored.
    pub fn new(base: &str) -> Self {
        PublicBase(base.trim_end_matches('/').to_owned())
    }

    /// The base itself (stored with queued work, which has no request).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `configured` if set, else what the request says about itself.
    pub fn for_request(configured: Option<&str>, request: &actix_web::HttpRequest) -> Self {
        match configured {
            Some(base) => Self::new(base),
            None => {
                let info = request.connection_info();
                Self::new(&format!("{}://{}", info.scheme(), info.host()))
            }
        }
    }

    /// `url` (http) and `secure_url` (https) of the asset's original.
    pub fn delivery_urls(&self, cloud_name: &str, asset: &Asset) -> (String, String) {
        let path = format!(
            "/{cloud_name}/{}/{}/v{}/{}.{}",
            asset.resource_type,
            asset.delivery_type,
            asset.version,
            utf8_percent_encode(&asset.public_id, PUBLIC_ID_IN_PATH),
            asset.format
        );
        let host = self
            .0
            .split_once("://")
            .map_or(self.0.as_str(), |(_, rest)| rest);
        (
            format!("http://{host}{path}"),
            format!("https://{host}{path}"),
        )
    }
}

/// Renders `asset` with the extraction keys that `shown` asks for.
/// `coordinates` is always present when regions exist; `faces` when asked for
/// or when face regions were given.
pub fn render_resource(
    asset: &Asset,
    shown: &ExtractionRequest,
    urls: (String, String),
) -> Map<String, Value> {
    let (url, secure_url) = urls;
    let mut body = Map::new();
    let mut put = |key: &str, value: Value| {
        body.insert(key.to_owned(), value);
    };
    put("asset_id", json!(asset.asset_id));
    put("public_id", json!(asset.public_id));
    put("version", json!(asset.version));
    put("version_id", json!(asset.version_id));
    put("width", json!(asset.width));
    put("height", json!(asset.height));
    put("format", json!(asset.format));
    put("resource_type", json!(asset.resource_type));
    put(
        "created_at",
        json!(asset.created_at.to_rfc3339_opts(SecondsFormat::Secs, true)),
    );
    put("tags", json!(asset.tags));
    put("pages", json!(asset.pages));
    put("bytes", json!(asset.bytes));
    put("type", json!(asset.delivery_type));
    put("etag", json!(asset.etag));
    put("placeholder", json!(false));
    put("url", json!(url));
    put("secure_url", json!(secure_url));
    put("folder", json!(asset.folder));
    put("access_mode", json!(asset.access_mode));
    if let Some(name) = &asset.original_filename {
        put("original_filename", json!(name));
    }
    if !asset.context.is_empty() {
        put("context", json!({ "custom": asset.context }));
    }

    let coordinates = &asset.coordinates;
    if !coordinates.faces.is_empty() || !coordinates.custom.is_empty() {
        let mut regions = Map::new();
        if !coordinates.faces.is_empty() {
            regions.insert("faces".into(), json!(coordinates.faces));
        }
        if !coordinates.custom.is_empty() {
            regions.insert("custom".into(), json!(coordinates.custom));
        }
        put("coordinates", Value::Object(regions));
    }
    if shown.wants(AnalysisKind::Faces) || shown.face_coordinates.is_some() {
        put("faces", json!(coordinates.faces));
    }

    render_analyses(&asset.analysis, shown, &mut body);
    body
}

/// Adds the stored results `shown` asks for to `body`, under the field names
/// of [`StoredAnalysis`] (and the legacy `image_metadata` when that is the
/// name asked for).
fn render_analyses(
    stored: &StoredAnalysis,
    shown: &ExtractionRequest,
    body: &mut Map<String, Value>,
) {
    fn when<T: Clone>(asked: bool, result: &Option<T>) -> Option<T> {
        result.clone().filter(|_| asked)
    }
    let shows = |kind: AnalysisKind| shown.wants(kind);
    let metadata = &shown.metadata;
    // Every field named, so that a new analysis cannot be shown unasked.
    let visible = StoredAnalysis {
        colors: when(shows(AnalysisKind::Colors), &stored.colors),
        phash: when(shows(AnalysisKind::Phash), &stored.phash),
        media_metadata: when(metadata.media_metadata, &stored.media_metadata),
        info: when(shows(AnalysisKind::Ocr), &stored.info),
        // Regions are the asset's `coordinates` and `faces`, rendered above.
        faces_detected: false,
        quality_analysis: when(shows(AnalysisKind::Quality), &stored.quality_analysis),
        quality_score: when(shows(AnalysisKind::Quality), &stored.quality_score),
        accessibility_analysis: when(
            shows(AnalysisKind::Accessibility),
            &stored.accessibility_analysis,
        ),
        cinemagraph_analysis: when(
            shows(AnalysisKind::Cinemagraph),
            &stored.cinemagraph_analysis,
        ),
        blurhash: when(shows(AnalysisKind::Blurhash), &stored.blurhash),
        thumbhash: when(shows(AnalysisKind::Thumbhash), &stored.thumbhash),
        average_color: when(shows(AnalysisKind::AverageColor), &stored.average_color),
        mime_type: when(shows(AnalysisKind::MimeType), &stored.mime_type),
    };
    // A struct of strings, numbers and JSON values always serialises to an object.
    if let Ok(Value::Object(fields)) = serde_json::to_value(&visible) {
        body.extend(fields);
    }
    if metadata.image_metadata {
        if let Some(map) = &stored.media_metadata {
            body.insert("image_metadata".into(), Value::Object(map.clone()));
        }
    }
}

/// The analyses in `wanted` that `asset` has no stored result for: what a
/// resource-details call computes (and stores) before answering. Faces need
/// no detection once detected (even if none were found) or given.
pub fn missing_analyses(asset: &Asset, wanted: &ExtractionRequest) -> ExtractionRequest {
    ExtractionRequest {
        custom_coordinates: None,
        face_coordinates: None,
        ..wanted.only(!stored_analyses(asset))
    }
}

/// The analyses whose results `asset` holds for its current version. Faces
/// count once detected (even if none were found) or given.
pub fn stored_analyses(asset: &Asset) -> AnalysisKinds {
    let mut stored = asset.analysis.kinds();
    if !asset.coordinates.faces.is_empty() {
        stored.insert(AnalysisKind::Faces);
    }
    stored
}

/// Store's `[x, y, w, h]` from extract's rectangles.
pub fn to_store_rects(rects: &[Rect]) -> Vec<store::Rect> {
    rects.iter().map(|r| [r.x, r.y, r.w, r.h]).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;
    use serde_json::json;
    use store::Coordinates;

    use super::*;
    use crate::params::MetadataKeys;

    fn asset() -> Asset {
        let analysis = json!({
            "colors": [["#FFFFFF", 60.0]],
            "predominant": {"google": [["white", 60.0]]},
            "phash": "d8c926d5c28b6c67",
            "media_metadata": {"Make": "Canon"},
            "illustration_score": 0.1,
            "semi_transparent": false,
            "grayscale": false,
            "info": {"ocr": {"adv_ocr": {"status": "complete", "data": []}}},
        });
        Asset {
            asset_id: "a".repeat(32),
            resource_type: "image".into(),
            delivery_type: "upload".into(),
            public_id: "folder/my pic+1".into(),
            version: 1_312_461_204,
            version_id: "b".repeat(32),
            created_at: chrono::Utc.timestamp_opt(1_312_461_204, 0).unwrap(),
            format: "jpg".into(),
            width: 10,
            height: 20,
            bytes: 300,
            etag: "c".repeat(32),
            pages: 1,
            tags: vec!["t".into()],
            context: BTreeMap::from([("alt".into(), "x".into())]),
            coordinates: Coordinates {
                faces: vec![[1, 2, 3, 4]],
                custom: vec![],
            },
            original_filename: Some("red".into()),
            folder: "folder".into(),
            access_mode: "public".into(),
            analysis: serde_json::from_value(analysis).unwrap(),
            blob_key: "ab/cd/x".into(),
        }
    }

    fn render(shown: ExtractionRequest) -> Map<String, Value> {
        let urls = PublicBase::new("http://127.0.0.1:8080/").delivery_urls("demo", &asset());
        render_resource(&asset(), &shown, urls)
    }

    #[test]
    fn basic_fields_and_urls() {
        let body = render(ExtractionRequest::default());
        assert_eq!(body["created_at"], "2011-08-04T12:33:24Z");
        assert_eq!(
            body["url"],
            "http://127.0.0.1:8080/demo/image/upload/v1312461204/folder/my%20pic%2B1.jpg"
        );
        assert_eq!(
            body["secure_url"],
            "https://127.0.0.1:8080/demo/image/upload/v1312461204/folder/my%20pic%2B1.jpg"
        );
        assert_eq!(body["context"], json!({"custom": {"alt": "x"}}));
        assert_eq!(
            body["coordinates"],
            json!({"faces": [[1, 2, 3, 4]]}),
            "regions are shown by default"
        );
    }

    #[test]
    fn stored_analyses_are_shown_only_when_asked_for() {
        let body = render(ExtractionRequest::default());
        for key in [
            "colors",
            "predominant",
            "phash",
            "media_metadata",
            "image_metadata",
            "info",
            "faces",
        ] {
            assert!(!body.contains_key(key), "{key} shown unasked");
        }
        let body = render(ExtractionRequest::of(
            AnalysisKind::Colors | AnalysisKind::Faces,
        ));
        assert!(body.contains_key("colors") && body.contains_key("predominant"));
        assert_eq!(body["faces"], json!([[1, 2, 3, 4]]));
        assert!(!body.contains_key("phash") && !body.contains_key("info"));
    }

    #[test]
    fn metadata_is_shown_under_each_requested_name() {
        let legacy = MetadataKeys {
            media_metadata: false,
            image_metadata: true,
        };
        let body = render(ExtractionRequest {
            metadata: legacy,
            ..Default::default()
        });
        assert_eq!(body["image_metadata"], json!({"Make": "Canon"}));
        assert!(!body.contains_key("media_metadata"));
        let both = MetadataKeys {
            media_metadata: true,
            image_metadata: true,
        };
        let body = render(ExtractionRequest {
            metadata: both,
            ..Default::default()
        });
        assert_eq!(body["image_metadata"], body["media_metadata"]);
    }

    #[test]
    fn missing_analyses_are_the_wanted_ones_without_a_stored_result() {
        // The asset holds colours, pHash, metadata, OCR text and a face box.
        let everything = ExtractionRequest {
            metadata: MetadataKeys {
                media_metadata: true,
                image_metadata: false,
            },
            ..ExtractionRequest::of(AnalysisKinds::all())
        };
        let missing = missing_analyses(&asset(), &everything);
        let stored = AnalysisKind::Colors
            | AnalysisKind::Phash
            | AnalysisKind::MediaMetadata
            | AnalysisKind::Ocr
            | AnalysisKind::Faces;
        assert_eq!(missing.analyses, AnalysisKinds::all() - stored);
        assert_eq!(missing.metadata, MetadataKeys::default());
        assert!(!missing_analyses(&asset(), &ExtractionRequest::of(stored)).needs_analysis());
    }
}
