//! `POST /v1_1/{cloud}/{resource_type}/upload`: signed (or Basic-auth, or
//! unsigned with an unsigned preset) upload of a file part, a data URI or a
//! remote URL, with the requested extractions in the response. With
//! `async=true` the file is staged in the job queue and the answer is
//! `{"status": "pending", ...}` at once (see `crate::jobs`).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use service::ops::Upload;
use service::params::supported::{refuse_unsupported, EXTRACTION, TRANSPORT, UPLOAD};
use service::pipeline::{self, UploadRequest};
use service::presets::{signed_upload_params, unsigned_upload_params};
use service::{structured_metadata, ApiError, AppState, Reason};

use super::{check_cloud, read_body, reply_for_request, unix_now};
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
    // Everything is parsed (once) and checked before any work is done or queued.
    let upload = Upload::from_params(&resource_type, &params)?;
    // `invalidate` has nothing to do here (no CDN cache), but it is a boolean.
    params.flag("invalidate")?;
    let is_async = params.is_set("async")?;
    let return_delete_token = params.is_set("return_delete_token")?;
    let reply = reply_for_request(&state, &request, caller, &params, fetcher)?;
    let file = form.file.ok_or_else(|| {
        ApiError::from(Reason::MissingParameter {
            name: "file".into(),
        })
    })?;
    // A part of a chunked upload (`upload_large`), or a whole file.
    let part = PartHeaders::from_headers(request.headers(), max_bytes)?;
    let (file, upload) = match part {
        None => (source::load(file, fetcher, max_bytes).await?, upload),
        Some(part) => {
            match chunked::receive(&state, part, &resource_type, &form.params, params, file).await?
            {
                Received::Part(answer) => return Ok(HttpResponse::Ok().json(answer)),
                // Under the public_id every part was answered with.
                Received::Whole { file, params } => {
                    (file, Upload::from_params(&resource_type, &params)?)
                }
            }
        }
    };

    if is_async {
        // Checked now, against the fields as they are, and again when run.
        structured_metadata::upload_writes(&state, &upload.metadata).await?;
    }
    // The id is chosen now, once: a queued upload's pending answer names it.
    let call = UploadRequest {
        public_id: upload.naming.resolve(file.original_filename.as_deref())?,
        upload,
        original_filename: file.original_filename,
        return_delete_token,
        reply,
    };
    if is_async {
        let pending = jobs::enqueue_upload(&state, call, file.bytes).await?;
        return Ok(HttpResponse::Ok().json(pending));
    }
    let body = pipeline::upload(&state, &call, file.bytes).await?;
    jobs::notify_if_asked(&state, &call.reply, "upload", &body).await?;
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
