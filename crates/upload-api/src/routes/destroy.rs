//! `POST /v1_1/{cloud}/{resource_type}/destroy`: signed; deletes one asset
//! (`public_id`, `type`, `invalidate`). `{"result": "ok"}`, or
//! `{"result": "not found"}` when there is no such asset, as Cloudinary.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use service::ops::lifecycle;
use service::{ApiError, AppState};
use store::DeleteOutcome;

use super::{check_cloud, read_signed_call};

const OWN: &[&str] = &["public_id", "type", "invalidate"];

pub async fn destroy(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (cloud, resource_type) = path.into_inner();
    check_cloud(&state, &cloud)?;
    let params = read_signed_call(&state, &request, payload, OWN).await?;
    let result = match lifecycle::destroy(&state, &resource_type, &params).await? {
        DeleteOutcome::Deleted => "ok",
        DeleteOutcome::NotFound => "not found",
    };
    Ok(HttpResponse::Ok().json(json!({ "result": result })))
}
