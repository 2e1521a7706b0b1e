//! `POST /v1_1/{cloud}/{resource_type}/metadata`: `uploader.update_metadata`.
//! Signed (or Basic auth); `metadata` (`field=value|...`, see
//! `service::structured_metadata::wire`), `public_ids[]` and `type`. Each
//! asset's values are written in one transaction; the answer lists the
//! public_ids updated (`{"public_ids": [...]}`), leaving out those that do
//! not exist, as Cloudinary does.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use service::params::supported::{refuse_unsupported, TRANSPORT};
use service::params::validate_public_id;
use service::structured_metadata::{metadata_param, update_writes};
use service::{ApiError, AppState, Reason};
use store::{AssetKey, AssetUpdate, StoreError};

use super::{check_cloud, read_body, unix_now};
use crate::auth::authenticate;

/// This call's own parameters.
const METADATA: &[&str] = &["metadata", "public_ids", "type"];

/// Most public_ids one call may name (Cloudinary's limit for this method).
const MAX_PUBLIC_IDS: usize = 100;

pub async fn update_metadata(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (cloud, resource_type) = path.into_inner();
    check_cloud(&state, &cloud)?;
    let form = read_body(&state, &request, payload).await?;
    let params = &form.params;
    authenticate(&request, params, &state.config.credentials, unix_now())?;
    if form.file.is_some() {
        return Err(Reason::FileNotTaken.into());
    }
    refuse_unsupported(params, &[TRANSPORT, METADATA])?;
    let assignments = metadata_param(params)?;
    if assignments.is_empty() {
        return Err(Reason::MissingParameter {
            name: "metadata".into(),
        }
        .into());
    }
    let public_ids = params.list("public_ids");
    if public_ids.is_empty() {
        return Err(Reason::MissingParameter {
            name: "public_ids".into(),
        }
        .into());
    }
    if public_ids.len() > MAX_PUBLIC_IDS {
        return Err(Reason::InvalidParameter {
            name: "public_ids".into(),
            detail: format!("at most {MAX_PUBLIC_IDS} may be given"),
        }
        .into());
    }
    for public_id in &public_ids {
        validate_public_id(public_id)?;
    }
    let delivery_type = params.get("type").unwrap_or("upload");
    let writes = update_writes(&state, &assignments).await?;

    let mut updated = Vec::with_capacity(public_ids.len());
    for public_id in public_ids {
        let key = AssetKey::new(&resource_type, delivery_type, public_id);
        match state
            .store
            .update_with_metadata(&key, &AssetUpdate::default(), &writes)
            .await
        {
            Ok(_) => updated.push(public_id),
            Err(StoreError::NotFound(_)) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(HttpResponse::Ok().json(json!({ "public_ids": updated })))
}
