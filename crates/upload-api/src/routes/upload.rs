//! `POST /v1_1/{cloud}/{resource_type}/upload`: signed upload of a file part,
//! a data URI or a remote URL, with the requested extractions in the response.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use service::ops::similar::duplicates_of;
use service::ops::{ingest, Upload};
use service::resource::{render_resource, PublicBase};
use service::{ApiError, AppState};

use super::{check_cloud, read_signed_body, sign_response};
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
    let form = read_signed_body(&state, &request, payload).await?;

    let upload = Upload::from_params(&resource_type, &form.params)?;
    let file = form
        .file
        .ok_or_else(|| ApiError::missing_parameter("file"))?;
    let file = source::load(file, fetcher.as_ref().map(|f| f.get_ref()), max_bytes).await?;
    let ingested = ingest(&state, &upload, file.bytes, file.original_filename).await?;
    let mut asset = ingested.asset;
    // A new version was hashed by `ingest`; an existing one kept by
    // `overwrite=0` may have to be hashed now.
    let duplicates = if upload.duplicates {
        let (near, found) = duplicates_of(&state, &asset).await?;
        asset = near;
        Some(found)
    } else {
        None
    };

    let base = PublicBase::for_request(state.config.public_url.as_deref(), &request);
    let urls = base.delivery_urls(&state.config.cloud_name, &asset);
    let mut body = render_resource(&asset, &upload.extraction, urls);
    if ingested.existing {
        body.insert("existing".into(), json!(true));
    }
    if let Some(found) = duplicates {
        body.insert("duplicates".into(), json!(found));
    }
    Ok(HttpResponse::Ok().json(sign_response(&state, body)))
}
