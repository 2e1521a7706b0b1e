//! Upload presets: what a preset may carry, how an upload uses one, and what
//! an unsigned upload may send besides.
//!
//! - A preset carries upload parameters (naming, tags, context, the
//!   extraction flags, `return_delete_token`), validated by the same parsers
//!   as an upload, so a preset can never hold a value an upload would refuse.
//! - `upload_preset=<name>` on an upload merges the preset *under* the
//!   request: a parameter the request sends wins.
//! - An unsigned upload (no api_key, no signature) must name an unsigned
//!   preset and may send only Cloudinary's short list of parameters itself;
//!   everything else (the extraction flags, overwrite...) comes from the
//!   preset. It does not overwrite unless the preset says so.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use store::upload_presets::{UploadPreset, UploadPresets};

use crate::ops::Upload;
use crate::params::Params;
use crate::{ApiError, AppState};

/// The settings a preset may carry. Booleans are rendered as JSON booleans.
const PRESET_SETTINGS: [(&str, Kind); 17] = [
    ("folder", Kind::Text),
    ("tags", Kind::Text),
    ("context", Kind::Text),
    ("overwrite", Kind::Flag),
    ("unique_filename", Kind::Flag),
    ("use_filename", Kind::Flag),
    ("colors", Kind::Flag),
    ("phash", Kind::Flag),
    ("faces", Kind::Flag),
    ("media_metadata", Kind::Flag),
    ("image_metadata", Kind::Flag),
    ("exif", Kind::Flag),
    ("ocr", Kind::Text),
    ("custom_coordinates", Kind::Text),
    ("face_coordinates", Kind::Text),
    ("return_delete_token", Kind::Flag),
    // A preset that forbids the upload call to choose its public_id.
    ("disallow_public_id", Kind::Flag),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Flag,
}

/// What Cloudinary lets an unsigned upload send itself (its error message
/// lists them in this order).
const CLOUDINARY_UNSIGNED: [&str; 18] = [
    "upload_preset",
    "callback",
    "public_id",
    "folder",
    "asset_folder",
    "tags",
    "context",
    "metadata",
    "face_coordinates",
    "custom_coordinates",
    "source",
    "filename_override",
    "manifest_transformation",
    "manifest_json",
    "template",
    "template_vars",
    "regions",
    "public_id_prefix",
];

/// Of those, the ones this server implements; the others answer 400 naming
/// them rather than being ignored.
const UNSIGNED_IMPLEMENTED: [&str; 7] = [
    "upload_preset",
    "public_id",
    "folder",
    "tags",
    "context",
    "face_coordinates",
    "custom_coordinates",
];

/// Sent by the SDKs with every unsigned upload, meaning nothing to it (the
/// Python SDK still sends a `timestamp`).
const UNSIGNED_TRANSPORT: [&str; 3] = ["file", "timestamp", "resource_type"];

/// Parameters of an Admin API preset call that are not settings.
const PRESET_CALL_FIELDS: [&str; 4] = ["name", "unsigned", "live", "timestamp"];

/// The settings of a create or update call: every parameter but the call's
/// own fields, each one a preset may carry, each value one an upload would
/// accept. An unknown parameter is a 400 naming it.
pub fn settings_from_params(params: &Params) -> Result<BTreeMap<String, String>, ApiError> {
    if params.is_set("live")? {
        return Err(ApiError::invalid_parameter(
            "live",
            "live streaming presets are not supported",
        ));
    }
    let mut settings = BTreeMap::new();
    for (name, value) in params.iter() {
        if PRESET_CALL_FIELDS.contains(&name) {
            continue;
        }
        if !PRESET_SETTINGS.iter().any(|(setting, _)| *setting == name) {
            return Err(ApiError::invalid_parameter(
                name,
                "not a setting an upload preset can carry here",
            ));
        }
        settings.insert(name.to_owned(), value.to_owned());
    }
    validate(&settings)?;
    Ok(settings)
}

/// Refuses settings an upload would refuse.
fn validate(settings: &BTreeMap<String, String>) -> Result<(), ApiError> {
    let params = Params::parse(settings.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Upload::from_params("image", &params)?;
    params.flag("return_delete_token")?;
    params.flag("disallow_public_id")?;
    Ok(())
}

/// The Admin API's JSON of a preset: `{"name", "unsigned", "settings"}`.
pub fn render(preset: &UploadPreset) -> Value {
    let settings: Map<String, Value> = preset
        .settings
        .iter()
        .map(|(name, value)| {
            let is_flag = PRESET_SETTINGS
                .iter()
                .any(|(setting, kind)| setting == name && *kind == Kind::Flag);
            let rendered = match (is_flag, value.to_ascii_lowercase().as_str()) {
                (true, "1" | "true") => json!(true),
                (true, "0" | "false") => json!(false),
                _ => json!(value),
            };
            (name.clone(), rendered)
        })
        .collect();
    json!({ "name": preset.name, "unsigned": preset.unsigned, "settings": settings })
}

/// The preset store of this state's database.
pub fn presets(state: &AppState) -> UploadPresets {
    UploadPresets::new(state.store.database().clone())
}

/// The parameters a *signed* upload runs with: its own, over the preset's
/// when it names one (unknown preset: 400).
pub async fn signed_upload_params(state: &AppState, params: &Params) -> Result<Params, ApiError> {
    match params.get("upload_preset") {
        None => Ok(params.clone()),
        Some(name) => Ok(merge(&load(state, name).await?, params)?),
    }
}

/// The parameters an *unsigned* upload runs with, or why it is refused.
pub async fn unsigned_upload_params(state: &AppState, params: &Params) -> Result<Params, ApiError> {
    for (name, _) in params.iter() {
        if UNSIGNED_TRANSPORT.contains(&name) || UNSIGNED_IMPLEMENTED.contains(&name) {
            continue;
        }
        if CLOUDINARY_UNSIGNED.contains(&name) {
            return Err(ApiError::invalid_parameter(
                name,
                "is not supported by this server",
            ));
        }
        return Err(ApiError::BadRequest(format!(
            "{} parameter is not allowed when using unsigned upload. Only {} upload parameters are allowed.",
            capitalized(name),
            CLOUDINARY_UNSIGNED.join(",")
        )));
    }
    let name = params.get("upload_preset").ok_or_else(|| {
        ApiError::BadRequest("Upload preset must be specified when using unsigned upload".into())
    })?;
    let preset = load(state, name).await?;
    if !preset.unsigned {
        return Err(ApiError::BadRequest(
            "Upload preset must be whitelisted for unsigned uploads".into(),
        ));
    }
    let mut merged = merge(&preset, params)?;
    if !merged.contains("overwrite") {
        // Unsigned uploads never replace an asset unless the preset allows it.
        merged.insert("overwrite".into(), "0".into())?;
    }
    Ok(merged)
}

async fn load(state: &AppState, name: &str) -> Result<UploadPreset, ApiError> {
    presets(state)
        .get(name)
        .await?
        .ok_or_else(|| ApiError::BadRequest(format!("Upload preset {name} not found")))
}

/// `request` over `preset`: a setting the request also sends is the request's.
fn merge(preset: &UploadPreset, request: &Params) -> Result<Params, ApiError> {
    let disallow_public_id = preset
        .settings
        .get("disallow_public_id")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true"));
    if disallow_public_id && request.get("public_id").is_some() {
        return Err(ApiError::invalid_parameter(
            "public_id",
            format!("upload preset {} does not allow choosing one", preset.name),
        ));
    }
    let mut merged = request.clone();
    for (name, value) in &preset.settings {
        if name != "disallow_public_id" && !request.contains(name) {
            merged.insert(name.clone(), value.clone())?;
        }
    }
    Ok(merged)
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(unsigned: bool, settings: &[(&str, &str)]) -> UploadPreset {
        UploadPreset {
            name: "p".into(),
            unsigned,
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn the_request_wins_over_the_preset() {
        let merged = merge(
            &preset(false, &[("folder", "from_preset"), ("phash", "1")]),
            &Params::parse([("folder", "from_request")]).unwrap(),
        )
        .unwrap();
        assert_eq!(merged.get("folder"), Some("from_request"));
        assert_eq!(merged.get("phash"), Some("1"));
    }

    #[test]
    fn settings_are_checked_like_upload_parameters() {
        let ok = settings_from_params(
            &Params::parse([
                ("name", "thumbs"),
                ("unsigned", "true"),
                ("phash", "true"),
                ("tags", "a,b"),
                ("timestamp", "1700000000"),
            ])
            .unwrap(),
        )
        .unwrap();
        assert_eq!(ok.keys().collect::<Vec<_>>(), ["phash", "tags"]);
        for (name, value) in [("phash", "maybe"), ("eager", "w_100"), ("ocr", "magic")] {
            let err = settings_from_params(&Params::parse([(name, value)]).unwrap()).unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn a_preset_renders_flags_as_booleans() {
        let rendered = render(&preset(true, &[("phash", "1"), ("folder", "f")]));
        assert_eq!(
            rendered,
            json!({"name": "p", "unsigned": true, "settings": {"phash": true, "folder": "f"}})
        );
    }

    #[test]
    fn a_preset_may_forbid_choosing_the_public_id() {
        let strict = preset(true, &[("disallow_public_id", "1")]);
        assert!(merge(&strict, &Params::parse([("public_id", "x")]).unwrap()).is_err());
        let merged = merge(&strict, &Params::parse([("tags", "t")]).unwrap()).unwrap();
        assert!(!merged.contains("disallow_public_id"));
    }
}
