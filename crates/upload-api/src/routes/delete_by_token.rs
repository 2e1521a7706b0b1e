//! `POST /v1_1/{cloud}[/{resource_type}]/delete_by_token` with `token`: no
//! signature, the token is the credential (client-side code deletes what it
//! just uploaded). `{"result": "ok"}`; an unknown, spent or expired token 400.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use service::ops::delete_by_token;
use service::{ApiError, AppState, Reason};

use service::body;

use super::check_cloud;

pub async fn delete_with_token(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_cloud(
        &state,
        request.match_info().get("cloud").unwrap_or_default(),
    )?;
    // The SDKs send it as an upload-API form; it carries no file.
    let form = body::read_upload(request.headers(), payload, 0, &|_| Ok(())).await?;
    if form.file.is_some() {
        return Err(Reason::InvalidParameter {
            name: "file".into(),
            detail: "delete_by_token takes none".into(),
        }
        .into());
    }
    let token = form.params.get("token").ok_or_else(|| {
        ApiError::from(Reason::MissingParameter {
            name: "token".into(),
        })
    })?;
    delete_by_token(&state, token).await?;
    Ok(HttpResponse::Ok().json(json!({ "result": "ok" })))
}
