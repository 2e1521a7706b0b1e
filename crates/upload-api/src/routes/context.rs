//! `POST /v1_1/{cloud}/{resource_type}/context`: signed; `command` add or
//! remove_all, `context` (`k=v|k2=v2`, `\=` and `\|` escaped),
//! `public_ids[]`, `type`. Answers `{"public_ids": [...]}`: the assets changed.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use service::ops::lifecycle::{edit_labels, LabelCall};
use service::{ApiError, AppState};

use super::{check_cloud, read_signed_call};

const OWN: &[&str] = &["command", "context", "public_ids", "type"];

pub async fn context(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (cloud, resource_type) = path.into_inner();
    check_cloud(&state, &cloud)?;
    let params = read_signed_call(&state, &request, payload, OWN).await?;
    let call = LabelCall::context(&resource_type, &params)?;
    let public_ids = edit_labels(&state, &call).await?;
    Ok(HttpResponse::Ok().json(json!({ "public_ids": public_ids })))
}
