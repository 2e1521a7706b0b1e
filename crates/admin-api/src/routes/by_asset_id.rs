//! Resources named by their `asset_id` (stable across the versions of a
//! public_id) instead of their path:
//! - `GET /v1_1/{cloud}/resources/{asset_id}` (`resource_by_asset_id`): the
//!   same details, extraction flags included, as the public_id form;
//! - `GET /v1_1/{cloud}/resources/by_asset_ids?asset_ids[]=..`
//!   (`resources_by_asset_ids`): `{"resources": [...]}` in the list shape;
//! - `DELETE /v1_1/{cloud}/resources` with `asset_ids[]`
//!   (`delete_resources_by_asset_ids`; also accepted at `/resources/by_asset_ids`):
//!   `{"deleted": {"<asset_id>": "deleted" | "not_found"}, "partial": false}`.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use service::body;
use service::params::{ExtractionRequest, Params};
use service::{ApiError, AppState, Reason};

use super::details::details_of;
use super::{check_id_filter, check_resource_type, resource_json};

/// Cloudinary's limit on asset_ids per call, as for public_ids.
const MAX_ASSET_IDS: usize = 100;

pub async fn resource_by_asset_id(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, asset_id) = path.into_inner();
    if !is_asset_id(&asset_id) {
        // `/resources/<segment>` is also the collection form: a segment that
        // is no asset_id is judged as the resource type it then names.
        check_resource_type(&asset_id)?;
    }
    let params = body::query_params(request.query_string())?;
    let asset = state
        .store
        .get_by_asset_ids(std::slice::from_ref(&asset_id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::from(Reason::ResourceNotFound {
                public_id: asset_id.to_string(),
            })
        })?;
    details_of(&state, &request, &asset.key(), &params).await
}

pub async fn resources_by_asset_ids(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let asset_ids = asset_ids(&body::query_params(request.query_string())?)?;
    let assets = state.store.get_by_asset_ids(&asset_ids).await?;
    let basic = ExtractionRequest::default();
    let resources: Vec<Value> = assets
        .iter()
        .map(|asset| Value::Object(resource_json(&state, &request, asset, &basic)))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "resources": resources })))
}

pub async fn delete_by_asset_ids(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = body::read_params(request.headers(), payload).await?;
    let asset_ids = asset_ids(&params)?;
    if params.is_set("keep_original")? {
        return Err(Reason::NoDerivedToKeep.into());
    }
    let mut deleted = BTreeMap::new();
    for asset_id in asset_ids {
        let outcome = state.store.delete_by_asset_id(&asset_id, None).await?;
        deleted.insert(asset_id, outcome.as_str());
    }
    Ok(HttpResponse::Ok().json(json!({ "deleted": deleted, "partial": false })))
}

/// Asset ids are 32 lowercase hex digits (a UUID without dashes, `store`).
fn is_asset_id(segment: &str) -> bool {
    segment.len() == 32
        && segment
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The `asset_ids[]` of a call: 1 to 100 of them, each once (in the order
/// first given: an id repeated is one asset, deleted or listed once).
fn asset_ids(params: &Params) -> Result<Vec<String>, ApiError> {
    let mut asset_ids: Vec<String> = Vec::new();
    for asset_id in params.list("asset_ids") {
        check_id_filter("asset_ids", asset_id)?;
        if !asset_ids.iter().any(|seen| seen == asset_id) {
            asset_ids.push(asset_id.to_owned());
        }
    }
    if asset_ids.is_empty() {
        return Err(Reason::MissingParameter {
            name: "asset_ids".into(),
        }
        .into());
    }
    // Counted after merging repeats: the cap is on the assets touched.
    if asset_ids.len() > MAX_ASSET_IDS {
        return Err(Reason::InvalidParameter {
            name: "asset_ids".into(),
            detail: format!("at most {MAX_ASSET_IDS} per call"),
        }
        .into());
    }
    Ok(asset_ids)
}

#[cfg(test)]
mod tests {
    use super::is_asset_id;

    #[test]
    fn asset_ids_are_32_lowercase_hex_digits() {
        assert!(is_asset_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_asset_id("audio"));
        assert!(!is_asset_id("0123456789ABCDEF0123456789ABCDEF"));
        assert!(!is_asset_id("0123456789abcdef0123456789abcde"));
    }
}
