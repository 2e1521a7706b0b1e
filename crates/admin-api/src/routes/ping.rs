//! `GET /v1_1/{cloud}/ping`: a cheap authenticated call for health checks.

use actix_web::HttpResponse;
use serde_json::json;

pub async fn ping() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}
