//! Upload presets: what a preset may carry, how an upload uses one, and what
//! an unsigned upload may send besides.
//!
//! - A preset carries every upload parameter this server implements (the
//!   lists of [`crate::params::supported`], our extensions included) except
//!   the call's own `upload_preset`, `type` and `public_id`, plus
//!   `disallow_public_id`; each is validated by the same parsers as an
//!   upload, so a preset can never hold a value an upload would refuse.
//! - A *signed* upload naming a preset runs with the preset *under* the
//!   request: a parameter the request sends wins (Cloudinary's precedence
//!   for signed calls).
//! - An *unsigned* upload (no api_key, no signature) must name an unsigned
//!   preset and may send only Cloudinary's short list of parameters itself.
//!   The preset's settings win; `tags` are the preset's plus the request's,
//!   and `context` (and structured `metadata`) merge key by key, the
//!   preset's value winning a shared key. It is confined to the preset's
//!   `folder` (a request naming another folder is refused; its `public_id`
//!   is joined under that folder) and never overwrites, whatever the preset
//!   says.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use store::upload_presets::{UploadPreset, UploadPresets};

use crate::ops::Upload;
use crate::params::supported::{EXTRACTION, UPLOAD};
use crate::params::{merge_pairs, Params};
use crate::{ApiError, AppState, Reason};

/// Upload parameters that are the call's own, not a preset's: the preset's
/// name, the delivery type (only `upload` exists), and the public_id (a
/// preset names many uploads, so it cannot name their one id).
const NOT_SETTINGS: [&str; 3] = ["upload_preset", "type", "public_id"];

/// Settings only a preset has: it forbids the upload call to choose its
/// public_id.
const PRESET_ONLY: [&str; 1] = ["disallow_public_id"];

/// Settings whose values are text; every other setting is a boolean
/// (rendered as a JSON boolean). `metadata` is structured metadata, when
/// the upload lists support it.
const TEXT_SETTINGS: [&str; 8] = [
    "folder",
    "tags",
    "context",
    "metadata",
    "ocr",
    "custom_coordinates",
    "face_coordinates",
    "notification_url",
];

/// Whether a preset may carry `name`.
fn is_setting(name: &str) -> bool {
    PRESET_ONLY.contains(&name)
        || ((EXTRACTION.contains(&name) || UPLOAD.contains(&name)) && !NOT_SETTINGS.contains(&name))
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
/// them rather than being ignored. (`metadata` counts once the upload lists
/// carry it.)
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
        return Err(Reason::InvalidParameter {
            name: "live".into(),
            detail: "live streaming presets are not supported".into(),
        }
        .into());
    }
    let mut settings = BTreeMap::new();
    for (name, value) in params.iter() {
        if PRESET_CALL_FIELDS.contains(&name) {
            continue;
        }
        if !is_setting(name) {
            return Err(Reason::InvalidParameter {
                name: name.to_string(),
                detail: "not a setting an upload preset can carry here".into(),
            }
            .into());
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
    for name in settings.keys() {
        if !TEXT_SETTINGS.contains(&name.as_str()) {
            params.flag(name)?;
        }
    }
    Ok(())
}

/// Refuses a preset (as it would be stored) that an unsigned upload could
/// use to learn about other assets: `duplicates` lists the stored assets
/// near the upload, which an anonymous client may not see.
pub fn check_preset(preset: &UploadPreset) -> Result<(), ApiError> {
    let lists_others = preset
        .settings
        .get("duplicates")
        .is_some_and(|v| is_true(v));
    if preset.unsigned && lists_others {
        return Err(Reason::InvalidParameter { name: "duplicates".into(), detail: "an unsigned preset cannot carry it: it lists other assets, which an unsigned upload may not learn about".into() }.into());
    }
    Ok(())
}

/// The Admin API's JSON of a preset: `{"name", "unsigned", "settings"}`.
pub fn render(preset: &UploadPreset) -> Value {
    let settings: Map<String, Value> = preset
        .settings
        .iter()
        .map(|(name, value)| {
            let is_flag = !TEXT_SETTINGS.contains(&name.as_str());
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
    state.store.presets()
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
    check_unsigned_names(params)?;
    let name = params
        .get("upload_preset")
        .ok_or_else(|| Reason::UnsignedWithoutPreset)?;
    unsigned_merge(&unsigned_preset(state, name).await?, params)
}

/// The check of an upload that has shown no credentials when its file part
/// begins (the SDKs send every field first): once it names its preset, the
/// preset is resolved and the fields so far are checked as an unsigned
/// upload's, so a request refused for them is refused before its file is
/// read. Without a preset yet, the full check after the body decides.
pub async fn check_unsigned_before_file(state: &AppState, params: &Params) -> Result<(), ApiError> {
    let Some(name) = params.get("upload_preset") else {
        return Ok(());
    };
    check_unsigned_names(params)?;
    unsigned_merge(&unsigned_preset(state, name).await?, params).map(|_| ())
}

/// Only Cloudinary's unsigned list (and the transport fields) may be sent.
fn check_unsigned_names(params: &Params) -> Result<(), ApiError> {
    for (name, _) in params.iter() {
        let implemented = UNSIGNED_IMPLEMENTED.contains(&name)
            || (name == "metadata" && UPLOAD.contains(&"metadata"));
        if UNSIGNED_TRANSPORT.contains(&name) || implemented {
            continue;
        }
        if CLOUDINARY_UNSIGNED.contains(&name) {
            return Err(Reason::UnsupportedHere {
                name: name.to_string(),
            }
            .into());
        }
        return Err(Reason::NotAllowedUnsigned {
            name: name.to_string(),
            allowed: &CLOUDINARY_UNSIGNED,
        }
        .into());
    }
    Ok(())
}

/// The named preset, which must exist and admit unsigned uploads.
async fn unsigned_preset(state: &AppState, name: &str) -> Result<UploadPreset, ApiError> {
    let preset = load(state, name).await?;
    if !preset.unsigned {
        return Err(Reason::PresetNotWhitelisted.into());
    }
    // Presets stored before the rule are held to it here.
    check_preset(&preset)?;
    Ok(preset)
}

async fn load(state: &AppState, name: &str) -> Result<UploadPreset, ApiError> {
    presets(state).get(name).await?.ok_or_else(|| {
        Reason::UnknownUploadPreset {
            name: name.to_string(),
        }
        .into()
    })
}

/// A preset that says `disallow_public_id` refuses a request that names one.
fn check_public_id_allowed(preset: &UploadPreset, request: &Params) -> Result<(), ApiError> {
    let disallow_public_id = preset
        .settings
        .get("disallow_public_id")
        .is_some_and(|v| is_true(v));
    if disallow_public_id && request.get("public_id").is_some() {
        return Err(Reason::InvalidParameter {
            name: "public_id".into(),
            detail: format!("upload preset {} does not allow choosing one", preset.name),
        }
        .into());
    }
    Ok(())
}

/// A signed upload's parameters: `request` over `preset`, a setting the
/// request also sends is the request's.
fn merge(preset: &UploadPreset, request: &Params) -> Result<Params, ApiError> {
    check_public_id_allowed(preset, request)?;
    let mut merged = request.clone();
    for (name, value) in &preset.settings {
        if !PRESET_ONLY.contains(&name.as_str()) && !request.contains(name) {
            merged.insert(name.clone(), value.clone())?;
        }
    }
    Ok(merged)
}

/// An unsigned upload's parameters: the preset's settings over the
/// request's, tags added together, context and metadata merged key by key
/// (the preset's value winning), the folder the preset's and overwrite off.
fn unsigned_merge(preset: &UploadPreset, request: &Params) -> Result<Params, ApiError> {
    check_public_id_allowed(preset, request)?;
    let folder = preset
        .settings
        .get("folder")
        .map(|f| f.trim_end_matches('/'))
        .unwrap_or_default();
    if let Some(asked) = request.get("folder") {
        if asked.trim_end_matches('/') != folder {
            let place = if folder.is_empty() {
                "the root".to_owned()
            } else {
                format!("{folder:?}")
            };
            return Err(Reason::InvalidParameter { name: "folder".into(), detail: format!( "an unsigned upload is stored in its upload preset's folder ({place}), not {asked:?}" ) }.into());
        }
    }
    let mut merged = request.clone();
    for (name, value) in &preset.settings {
        let value = match (name.as_str(), request.get(name)) {
            (name, _) if PRESET_ONLY.contains(&name) => continue,
            ("tags", Some(asked)) => format!("{value},{asked}"),
            ("context" | "metadata", Some(asked)) => merge_pairs(value, asked),
            _ => value.clone(),
        };
        merged.set(name, value)?;
    }
    // Cloudinary: an unsigned upload never replaces an asset, whatever its
    // preset says.
    merged.set("overwrite", "0".to_owned())?;
    Ok(merged)
}

fn is_true(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "1" | "true")
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

    #[test]
    fn a_preset_carries_every_upload_parameter_and_the_extensions() {
        let settings = settings_from_params(
            &Params::parse([
                ("quality_analysis", "1"),
                ("accessibility_analysis", "true"),
                ("cinemagraph_analysis", "1"),
                ("blurhash", "1"),
                ("thumbhash", "1"),
                ("average_color", "1"),
                ("mime_type", "1"),
                ("duplicates", "1"),
                ("async", "1"),
                ("invalidate", "1"),
                ("notification_url", "https://example.com/hook"),
            ])
            .unwrap(),
        )
        .unwrap();
        assert_eq!(settings.len(), 11, "{settings:?}");
        let rendered = render(&UploadPreset {
            name: "p".into(),
            unsigned: false,
            settings,
        });
        assert_eq!(rendered["settings"]["blurhash"], json!(true));
        assert_eq!(
            rendered["settings"]["notification_url"],
            json!("https://example.com/hook")
        );
        for (name, value) in [
            ("public_id", "x"),
            ("upload_preset", "other"),
            ("type", "upload"),
            ("async", "soon"),
            ("blurhash", "yes"),
        ] {
            let err = settings_from_params(&Params::parse([(name, value)]).unwrap()).unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn an_unsigned_preset_may_not_list_other_assets() {
        let listing = preset(true, &[("duplicates", "1")]);
        let err = check_preset(&listing).unwrap_err();
        assert!(err.to_string().contains("duplicates"), "{err}");
        check_preset(&preset(false, &[("duplicates", "1")])).unwrap();
        check_preset(&preset(true, &[("duplicates", "0")])).unwrap();
    }

    #[test]
    fn unsigned_the_preset_wins_tags_add_up_and_context_merges() {
        let merged = unsigned_merge(
            &preset(
                true,
                &[
                    ("face_coordinates", "1,2,3,4"),
                    ("tags", "from_preset,shared"),
                    ("context", "stage=preset|source=widget"),
                    ("phash", "1"),
                ],
            ),
            &Params::parse([
                ("face_coordinates", "5,6,7,8"),
                ("tags[]", "shared"),
                ("tags[]", "mine"),
                ("context", "stage=request|caption=hi"),
            ])
            .unwrap(),
        )
        .unwrap();
        assert_eq!(merged.get("face_coordinates"), Some("1,2,3,4"));
        assert_eq!(
            crate::params::parse_tags(merged.get("tags").unwrap()),
            ["from_preset", "shared", "mine"]
        );
        let context = crate::params::parse_context(merged.get("context").unwrap()).unwrap();
        assert_eq!(context["stage"], "preset");
        assert_eq!(context["source"], "widget");
        assert_eq!(context["caption"], "hi");
        assert_eq!(merged.get("phash"), Some("1"));
    }

    #[test]
    fn unsigned_never_overwrites_whatever_the_preset_says() {
        for said in [&[("overwrite", "1")][..], &[("overwrite", "true")], &[]] {
            let merged = unsigned_merge(
                &preset(true, said),
                &Params::parse([("public_id", "x")]).unwrap(),
            )
            .unwrap();
            assert_eq!(merged.flag("overwrite").unwrap(), Some(false), "{said:?}");
        }
    }

    #[test]
    fn unsigned_uploads_stay_in_the_preset_folder() {
        let confined = preset(true, &[("folder", "inbox/")]);
        let merged = unsigned_merge(
            &confined,
            &Params::parse([("public_id", "holiday")]).unwrap(),
        )
        .unwrap();
        let naming = crate::params::Naming::from_params(&merged).unwrap();
        assert_eq!(naming.resolve(None).unwrap(), "inbox/holiday");
        unsigned_merge(&confined, &Params::parse([("folder", "inbox")]).unwrap()).unwrap();
        for elsewhere in ["private", "inbox/sub", "/"] {
            let err = unsigned_merge(&confined, &Params::parse([("folder", elsewhere)]).unwrap())
                .unwrap_err();
            assert!(err.to_string().contains("folder"), "{elsewhere}: {err}");
        }
        let root = preset(true, &[]);
        let err =
            unsigned_merge(&root, &Params::parse([("folder", "private")]).unwrap()).unwrap_err();
        assert!(err.to_string().contains("the root"), "{err}");
        let escaping = unsigned_merge(
            &confined,
            &Params::parse([("public_id", "../private/holiday")]).unwrap(),
        )
        .unwrap();
        assert!(crate::params::Naming::from_params(&escaping)
            .unwrap()
            .resolve(None)
            .is_err());
    }

    #[test]
    fn signed_uploads_keep_their_own_tags_over_the_preset() {
        let merged = merge(
            &preset(false, &[("tags", "from_preset"), ("overwrite", "0")]),
            &Params::parse([("tags", "mine")]).unwrap(),
        )
        .unwrap();
        assert_eq!(merged.get("tags"), Some("mine"));
        assert_eq!(merged.get("overwrite"), Some("0"));
    }
}
