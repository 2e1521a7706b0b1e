//! `POST /v1_1/{cloud}/{resource_type}/explicit`: signed; re-runs the requested
//! extractions on a stored asset and answers like an upload. With
//! `async=true` the work is queued and the answer is `{"status": "pending"}`.

use actix_web::{web, HttpRequest, HttpResponse};
use analyses::AnalysisKind;
use serde_json::{Map, Value};
use service::ops::similar::{duplicates_of, duplicates_requested};
use service::ops::{reextract, ResourceChanges};
use service::params::supported::{refuse_unsupported, EXPLICIT, EXTRACTION, TRANSPORT};
use service::params::{validate_public_id, Params};
use service::resource::{render_resource, PublicBase};
use service::{structured_metadata, ApiError, AppState, Reason};
use store::AssetKey;

use super::{check_cloud, read_body, sign_response, unix_now, Reply};
use crate::auth::authenticate;
use crate::jobs;
use crate::source::RemoteFetcher;

pub async fn explicit(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    fetcher: Option<web::Data<RemoteFetcher>>,
) -> Result<HttpResponse, ApiError> {
    let (cloud, resource_type) = path.into_inner();
    check_cloud(&state, &cloud)?;
    let form = read_body(&state, &request, payload).await?;
    let params = &form.params;
    let caller = authenticate(&request, params, &state.config.credentials, unix_now())?;
    refuse_unsupported(params, &[TRANSPORT, EXTRACTION, EXPLICIT])?;
    // Everything is checked before any work is done or queued.
    let key = explicit_key(&resource_type, params)?;
    ResourceChanges::from_params(params)?;
    duplicates_requested(params)?;
    // `invalidate` has nothing to do here (no CDN cache), but it is a boolean.
    params.flag("invalidate")?;
    let fetcher = fetcher.as_ref().map(|f| f.get_ref());
    let reply = Reply::for_request(&state, &request, caller, params, fetcher)?;

    if params.is_set("async")? {
        let pending = jobs::enqueue_explicit(&state, &resource_type, params, &key, &reply).await?;
        return Ok(HttpResponse::Ok().json(pending));
    }
    let body = process_explicit(&state, &resource_type, params, &reply).await?;
    jobs::notify_if_asked(&state, &reply, "explicit", &body).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The asset an explicit call names: `public_id` and `type` (default `upload`).
fn explicit_key(resource_type: &str, params: &Params) -> Result<AssetKey, ApiError> {
    let public_id = params.get("public_id").ok_or_else(|| {
        ApiError::from(Reason::MissingParameter {
            name: "public_id".into(),
        })
    })?;
    validate_public_id(public_id)?;
    let delivery_type = params.get("type").unwrap_or("upload");
    Ok(AssetKey::new(resource_type, delivery_type, public_id))
}

/// The explicit call itself, for a request answered now or a queued job.
pub(crate) async fn process_explicit(
    state: &AppState,
    resource_type: &str,
    params: &Params,
    reply: &Reply,
) -> Result<Map<String, Value>, ApiError> {
    let key = explicit_key(resource_type, params)?;
    let mut changes = ResourceChanges::from_params(params)?;
    let duplicates = duplicates_requested(params)?;
    // The search needs the pHash of the version this call writes to: computed
    // with the other analyses, onto that version, when it has none stored.
    if duplicates {
        changes.fill_missing.analyses.insert(AnalysisKind::Phash);
    }
    let mut asset = reextract(state, &key, &changes).await?;
    let duplicates = if duplicates {
        let (near, found) = duplicates_of(state, &asset).await?;
        asset = near;
        Some(found)
    } else {
        None
    };

    let urls = PublicBase::new(&reply.base).delivery_urls(&state.config.cloud_name, &asset);
    let mut body = render_resource(&asset, &changes.extraction, urls);
    structured_metadata::add_to_resource(state, &asset, &mut body).await?;
    if let Some(found) = duplicates {
        body.insert("duplicates".into(), serde_json::json!(found));
    }
    Ok(sign_response(state, &asset, reply.algorithm, body))
}
