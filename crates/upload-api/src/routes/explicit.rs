//! `POST /v1_1/{cloud}/{resource_type}/explicit`: signed; re-runs the requested
//! extractions on a stored asset and answers like an upload. With
//! `async=true` the work is queued and the answer is `{"status": "pending"}`.

use actix_web::{web, HttpRequest, HttpResponse};
use service::ops::similar::duplicates_requested;
use service::ops::ResourceChanges;
use service::params::supported::{refuse_unsupported, EXPLICIT, EXTRACTION, TRANSPORT};
use service::pipeline::{self, explicit_key, ExplicitRequest};
use service::{ApiError, AppState};

use super::{check_cloud, read_body, reply_for_request, unix_now};
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
    // Everything is parsed (once) and checked before any work is done or queued.
    let key = explicit_key(&resource_type, params)?;
    let changes = ResourceChanges::from_params(params)?;
    let duplicates = duplicates_requested(params)?;
    // `invalidate` has nothing to do here (no CDN cache), but it is a boolean.
    params.flag("invalidate")?;
    let fetcher = fetcher.as_ref().map(|f| f.get_ref());
    let reply = reply_for_request(&state, &request, caller, params, fetcher)?;
    let is_async = params.is_set("async")?;
    let call = ExplicitRequest {
        key,
        changes,
        duplicates,
        reply,
    };

    if is_async {
        let pending = jobs::enqueue_explicit(&state, call).await?;
        return Ok(HttpResponse::Ok().json(pending));
    }
    let body = pipeline::explicit(&state, &call).await?;
    jobs::notify_if_asked(&state, &call.reply, "explicit", &body).await?;
    Ok(HttpResponse::Ok().json(body))
}
