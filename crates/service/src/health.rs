//! `/healthz` (liveness: the process answers) and `/readyz` (readiness: the
//! database and blob store answer). Every server mounts them, whichever API
//! it serves: Kubernetes probes each `upload-api` and `admin-api` pod.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::{ApiError, AppState};

/// Mounts both probes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.health().await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ok" })))
}
