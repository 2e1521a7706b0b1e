//! `POST /v1_1/{cloud}/{resource_type}/upload`: signed (or Basic-auth, or
//! unsigned with an unsigned preset) upload of a file part, a data URI or a
//! remote URL, with the requested extractions in the response. With
//! `async=true` the file is staged in the job queue and the answer is
//! `{"status": "pending", ...}` at once (see `crate::jobs`).

use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{json, Map, Value};
use service::ops::similar::{duplicates_of, duplicates_requested};
use service::ops::{ingest, issue_delete_token, Upload};
use service::params::supported::{refuse_unsupported, EXTRACTION, TRANSPORT, UPLOAD};
use service::params::Params;
use service::presets::{signed_upload_params, unsigned_upload_params};
use service::resource::{render_resource, PublicBase};
use service::{structured_metadata, ApiError, AppState, Reason};

use super::{check_cloud, read_body, sign_response, unix_now, Reply};
use crate::auth::{authenticate_upload, Caller};
use crate::chunked::{self, PartHeaders, Received};
use crate::jobs;
use crate::source::{self, RemoteFetcher};

pub async fn upload(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    // Absent only if the HTTP client could not be built (logged at start-up).
    fetcher: Option<web::Data<RemoteFetcher>>,
) -> Result<HttpResponse, ApiError> {
    let (cloud, resource_type) = path.into_inner();
    check_cloud(&state, &cloud)?;
    let max_bytes = state.config.max_upload_bytes;
    let form = read_body(&state, &request, payload).await?;
    let caller = authenticate_upload(
        &request,
        &form.params,
        &state.config.credentials,
        unix_now(),
    )?;
    refuse_unsupported(&form.params, &[TRANSPORT, EXTRACTION, UPLOAD])?;
    if let Some(other) = form.params.get("type").filter(|t| *t != "upload") {
        return Err(Reason::InvalidParameter {
            name: "type".into(),
            detail: format!("{other:?} is not supported (uploads are of type upload)"),
        }
        .into());
    }
    let params = match caller {
        Caller::Unsigned => unsigned_upload_params(&state, &form.params).await?,
        Caller::Signed(_) | Caller::Basic => signed_upload_params(&state, &form.params).await?,
    };
    let fetcher = fetcher.as_ref().map(|f| f.get_ref());
    // Everything is checked before any work is done or queued.
    let upload = Upload::from_params(&resource_type, &params)?;
    // `invalidate` has nothing to do here (no CDN cache), but it is a boolean.
    params.flag("invalidate")?;
    let is_async = params.is_set("async")?;
    let reply = Reply::for_request(&state, &request, caller, &params, fetcher)?;
    let file = form.file.ok_or_else(|| {
        ApiError::from(Reason::MissingParameter {
            name: "file".into(),
        })
    })?;
    // A part of a chunked upload (`upload_large`), or a whole file.
    let part = PartHeaders::from_headers(request.headers(), max_bytes)?;
    let (file, params, upload) = match part {
        None => (
            source::load(file, fetcher, max_bytes).await?,
            params,
            upload,
        ),
        Some(part) => {
            match chunked::receive(&state, part, &resource_type, &form.params, params, file).await?
            {
                Received::Part(answer) => return Ok(HttpResponse::Ok().json(answer)),
                Received::Whole { file, params } => {
                    let upload = Upload::from_params(&resource_type, &params)?;
                    (file, params, upload)
                }
            }
        }
    };

    if is_async {
        // Checked now, against the fields as they are, and again when run.
        structured_metadata::upload_writes(&state, &upload.metadata).await?;
        // The id is chosen now, so the pending answer can name it.
        let public_id = upload.naming.resolve(file.original_filename.as_deref())?;
        let pending =
            jobs::enqueue_upload(&state, &resource_type, &params, &public_id, file, &reply).await?;
        return Ok(HttpResponse::Ok().json(pending));
    }
    let body = process_upload(
        &state,
        &resource_type,
        &params,
        file.bytes,
        file.original_filename,
        &reply,
    )
    .await?;
    jobs::notify_if_asked(&state, &reply, "upload", &body).await?;
    let body = match caller {
        Caller::Unsigned => unsigned_answer(body),
        Caller::Signed(_) | Caller::Basic => body,
    };
    Ok(HttpResponse::Ok().json(body))
}

/// What an unsigned upload learns: all of what it stored, but of an asset
/// that was already there (`existing`: it never overwrites) only that it
/// is, with no tags, context, metadata, version or analysis of it. (The
/// notification, which goes where the account's owner said, is whole.)
fn unsigned_answer(body: Map<String, Value>) -> Map<String, Value> {
    if body.get("existing") != Some(&json!(true)) {
        return body;
    }
    ["public_id", "resource_type", "type", "existing"]
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), body.get(name)?.clone())))
        .collect()
}

/// The upload itself, for a request answered now or for a queued job: the
/// file analysed and stored, and the signed response body.
pub(crate) async fn process_upload(
    state: &AppState,
    resource_type: &str,
    params: &Params,
    file: Bytes,
    original_filename: Option<String>,
    reply: &Reply,
) -> Result<Map<String, Value>, ApiError> {
    let upload = Upload::from_params(resource_type, params)?;
    let duplicates = duplicates_requested(params)?;
    let return_delete_token = params.is_set("return_delete_token")?;
    let ingested = ingest(state, &upload, file, original_filename).await?;
    let mut asset = ingested.asset;
    // A new version was hashed by `ingest`; an existing one kept by
    // `overwrite=0` may have to be hashed now.
    let duplicates = if duplicates {
        let (near, found) = duplicates_of(state, &asset).await?;
        asset = near;
        Some(found)
    } else {
        None
    };

    let urls = PublicBase::new(&reply.base).delivery_urls(&state.config.cloud_name, &asset);
    let mut body = render_resource(&asset, &upload.extraction, urls);
    structured_metadata::add_to_resource(state, &asset, &mut body).await?;
    if ingested.existing {
        body.insert("existing".into(), json!(true));
    } else if return_delete_token {
        // Only for what this upload wrote: an `existing` answer kept someone
        // else's asset, which the uploader must not be able to delete.
        body.insert(
            "delete_token".into(),
            json!(issue_delete_token(state, &asset).await?),
        );
    }
    if let Some(found) = duplicates {
        body.insert("duplicates".into(), json!(found));
    }
    Ok(sign_response(state, &asset, reply.algorithm, body))
}
