//! `POST /v1_1/{cloud}/{resource_type}/explicit`: signed; re-runs the requested
//! extractions on a stored asset and answers like an upload.

use actix_web::{web, HttpRequest, HttpResponse};
use service::ops::similar::{duplicates_of, duplicates_requested};
use service::ops::{reextract, ResourceChanges};
use service::params::validate_public_id;
use service::resource::{render_resource, PublicBase};
use service::{ApiError, AppState};
use store::AssetKey;

use super::{check_cloud, read_signed_body, sign_response};

pub async fn explicit(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (cloud, resource_type) = path.into_inner();
    check_cloud(&state, &cloud)?;
    let form = read_signed_body(&state, &request, payload).await?;
    let params = &form.params;

    let public_id = params
        .get("public_id")
        .ok_or_else(|| ApiError::missing_parameter("public_id"))?;
    validate_public_id(public_id)?;
    let delivery_type = params.get("type").unwrap_or("upload");
    let key = AssetKey::new(&resource_type, delivery_type, public_id);
    let mut changes = ResourceChanges::from_params(params)?;
    let duplicates = duplicates_requested(params)?;
    // The search needs the pHash of the version this call writes to: computed
    // with the other analyses, onto that version, when it has none stored.
    changes.fill_missing.phash |= duplicates;
    let mut asset = reextract(&state, &key, &changes).await?;
    let duplicates = if duplicates {
        let (near, found) = duplicates_of(&state, &asset).await?;
        asset = near;
        Some(found)
    } else {
        None
    };

    let base = PublicBase::for_request(state.config.public_url.as_deref(), &request);
    let urls = base.delivery_urls(&state.config.cloud_name, &asset);
    let mut body = render_resource(&asset, &changes.extraction, urls);
    if let Some(found) = duplicates {
        body.insert("duplicates".into(), serde_json::json!(found));
    }
    Ok(HttpResponse::Ok().json(sign_response(&state, body)))
}
