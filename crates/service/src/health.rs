//! `/healthz` (liveness: the process answers) and `/readyz` (readiness: the
//! database and blob store answer).

use actix_web::{web, HttpResponse};
use serde_json::json;
use service::{ApiError, AppState};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.health().await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ok" })))
}
