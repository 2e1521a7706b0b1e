//! `DELETE /v1_1/{cloud}/resources/{resource_type}/{type}`: delete by
//! `public_ids` (`delete_resources`), by `prefix`
//! (`delete_resources_by_prefix`) or all of them (`delete_all_resources`,
//! `all=true`). Rows and originals go; a later get is 404.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use service::body;
use service::{ApiError, AppState, Reason};
use store::{AssetKey, ListQuery, MAX_PAGE_SIZE};

use super::{check_id_filter, CollectionPath};

/// Cloudinary's limit on public_ids per call.
const MAX_PUBLIC_IDS: usize = 100;
/// Cloudinary's limit on assets deleted by one prefix call; the rest is left
/// for the next call (`partial: true`).
const MAX_DELETED_BY_PREFIX: usize = 1000;

pub async fn delete_resources(
    path: web::Path<CollectionPath>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (resource_type, delivery_type) = path.into_inner().checked()?;
    let delivery_type = delivery_type.unwrap_or_else(|| "upload".to_owned());
    let params = body::read_params(request.headers(), payload).await?;
    // An id repeated is one asset: deleted once, reported once.
    let mut public_ids: Vec<&str> = Vec::new();
    for public_id in params.list("public_ids") {
        if !public_ids.contains(&public_id) {
            public_ids.push(public_id);
        }
    }
    if params.is_set("keep_original")? {
        return Err(Reason::NoDerivedToKeep.into());
    }

    for public_id in &public_ids {
        check_id_filter("public_ids", public_id)?;
    }
    // `all=true` is the empty prefix: every public_id starts with it.
    let prefix = params.get("prefix").or(params.is_set("all")?.then_some(""));
    if let Some(prefix) = prefix {
        check_id_filter("prefix", prefix)?;
    }
    let (keys, partial) = match (public_ids.is_empty(), prefix) {
        (false, _) if public_ids.len() > MAX_PUBLIC_IDS => {
            return Err(Reason::InvalidParameter {
                name: "public_ids".into(),
                detail: format!("at most {MAX_PUBLIC_IDS} per call"),
            }
            .into())
        }
        (false, _) => (
            public_ids
                .iter()
                .map(|id| AssetKey::new(&resource_type, &delivery_type, *id))
                .collect(),
            false,
        ),
        (true, Some(prefix)) => {
            keys_with_prefix(&state, &resource_type, &delivery_type, prefix).await?
        }
        (true, None) => {
            return Err(Reason::MissingParameter {
                name: "public_ids".into(),
            }
            .into())
        }
    };

    let outcomes = state.store.delete(&keys).await?;
    let deleted: BTreeMap<String, &str> = outcomes
        .into_iter()
        .map(|(key, outcome)| (key.public_id, outcome.as_str()))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "deleted": deleted, "partial": partial })))
}

/// Up to [`MAX_DELETED_BY_PREFIX`] keys under `prefix`, and whether more remain.
async fn keys_with_prefix(
    state: &AppState,
    resource_type: &str,
    delivery_type: &str,
    prefix: &str,
) -> Result<(Vec<AssetKey>, bool), ApiError> {
    let mut keys = Vec::new();
    let mut query = ListQuery {
        delivery_type: Some(delivery_type.to_owned()),
        prefix: Some(prefix.to_owned()),
        max_results: MAX_PAGE_SIZE,
        ..ListQuery::new(resource_type)
    };
    loop {
        let page = state.store.list(&query).await?;
        keys.extend(page.assets.iter().map(|asset| asset.key()));
        match page.next_cursor {
            Some(cursor) if keys.len() < MAX_DELETED_BY_PREFIX => query.cursor = Some(cursor),
            Some(_) => return Ok((keys, true)),
            None => return Ok((keys, false)),
        }
    }
}
