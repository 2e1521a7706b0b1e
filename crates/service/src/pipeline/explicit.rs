//! Explicit: the requested analyses run again on a stored asset, and the
//! signed response, like an upload's.

use analyses::AnalysisKind;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use store::AssetKey;

use super::{duplicates, resource_body, Reply};
use crate::ops::{reextract, ResourceChanges};
use crate::params::{validate_public_id, Params};
use crate::{ApiError, AppState, Reason};

/// An explicit call as the route parsed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplicitRequest {
    #[serde(with = "AssetKeyForm")]
    pub key: AssetKey,
    pub changes: ResourceChanges,
    /// `duplicates=true`.
    pub duplicates: bool,
    pub reply: Reply,
}

/// How a queued job keeps an [`AssetKey`] (the store's type carries no serde).
#[derive(Serialize, Deserialize)]
#[serde(remote = "AssetKey")]
struct AssetKeyForm {
    resource_type: String,
    delivery_type: String,
    public_id: String,
}

/// The asset an explicit call names: `public_id` and `type` (default `upload`).
pub fn explicit_key(resource_type: &str, params: &Params) -> Result<AssetKey, ApiError> {
    let public_id = params.get("public_id").ok_or_else(|| {
        ApiError::from(Reason::MissingParameter {
            name: "public_id".into(),
        })
    })?;
    validate_public_id(public_id)?;
    let delivery_type = params.get("type").unwrap_or("upload");
    Ok(AssetKey::new(resource_type, delivery_type, public_id))
}

/// Runs `request`: the analyses stored onto the asset, and the signed
/// response body.
pub async fn explicit(
    state: &AppState,
    request: &ExplicitRequest,
) -> Result<Map<String, Value>, ApiError> {
    let mut changes = request.changes.clone();
    // The search needs the pHash of the version this call writes to: computed
    // with the other analyses, onto that version, when it has none stored.
    if request.duplicates {
        changes.fill_missing.analyses.insert(AnalysisKind::Phash);
    }
    let asset = reextract(state, &request.key, &changes).await?;
    let (asset, duplicates) = duplicates(state, asset, request.duplicates).await?;

    let mut body = resource_body(state, &asset, &changes.extraction, &request.reply).await?;
    if let Some(found) = duplicates {
        body.insert("duplicates".into(), json!(found));
    }
    Ok(request.reply.sign(state, &asset, body))
}
