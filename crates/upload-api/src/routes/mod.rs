//! One module per endpoint.

pub mod deliver;
pub mod explicit;
pub mod upload;

use actix_web::{web, HttpRequest};
use common::signing::{response_signature, Algorithm};
use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};
use service::body::{self, UploadBody};
use service::params::Params;
use service::{ApiError, AppState};

use crate::auth::{verify_before_file, verify_signed_request};

/// Reads a signed request's body and verifies its signature over exactly the
/// parameters the handler will read; a forged multipart upload is refused
/// when its file part begins (see `service::body`).
async fn read_signed_body(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<UploadBody, ApiError> {
    let credentials = &state.config.credentials;
    let now = unix_now();
    let before_file = |params: &Params| verify_before_file(params, credentials, now);
    let form = body::read_upload(
        request.headers(),
        payload,
        state.config.max_upload_bytes,
        &before_file,
    )
    .await?;
    verify_signed_request(&form.params, credentials, now)?;
    Ok(form)
}

/// Requests name our cloud in their path; any other is refused as an
/// unknown account would be.
fn check_cloud(state: &AppState, cloud: &str) -> Result<(), ApiError> {
    if cloud == state.config.cloud_name {
        Ok(())
    } else {
        Err(ApiError::invalid_cloud_name(cloud))
    }
}

/// Adds what the upload and explicit responses carry beyond the resource:
/// the response signature and the api_key.
fn sign_response(state: &AppState, mut body: Map<String, Value>) -> Map<String, Value> {
    let credentials = &state.config.credentials;
    let public_id = body
        .get("public_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let version = body
        .get("version")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let signature = response_signature(
        &public_id,
        version,
        credentials.api_secret.expose_secret(),
        Algorithm::Sha1,
    );
    body.insert("signature".into(), json!(signature));
    body.insert("api_key".into(), json!(credentials.api_key));
    body
}

/// Unix seconds now, for timestamp checks.
fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
