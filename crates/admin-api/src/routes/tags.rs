//! `GET /v1_1/{cloud}/tags/{resource_type}` (`api.tags`): the tags in use,
//! in code point order, with `prefix`, `max_results` (default 10, at most
//! 500) and `next_cursor`. Answers `{"tags": [...], "next_cursor": ...}`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use service::body;
use service::params::supported::refuse_unsupported;
use service::{ApiError, AppState};
use store::labels::TagQuery;

use super::list::max_results;
use super::{check_id_filter, check_resource_type};

const OWN: &[&str] = &["prefix", "max_results", "next_cursor"];

pub async fn list_tags(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, resource_type) = path.into_inner();
    check_resource_type(&resource_type)?;
    let params = body::query_params(request.query_string())?;
    refuse_unsupported(&params, &[OWN])?;
    if let Some(prefix) = params.get("prefix") {
        check_id_filter("prefix", prefix)?;
    }
    let page = state
        .store
        .tags(&TagQuery {
            resource_type,
            prefix: params.get("prefix").map(str::to_owned),
            max_results: max_results(&params)?,
            cursor: params.get("next_cursor").map(str::to_owned),
        })
        .await?;
    let mut body = json!({ "tags": page.tags });
    if let Some(cursor) = page.next_cursor {
        body["next_cursor"] = json!(cursor);
    }
    Ok(HttpResponse::Ok().json(body))
}
