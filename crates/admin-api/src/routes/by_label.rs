//! Assets by tag or context, as the Admin API lists and deletes them:
//! `GET resources/{resource_type}/tags/{tag}` (`resources_by_tag`),
//! `GET resources/{resource_type}/context?key=&value=`
//! (`resources_by_context`), both newest first with `max_results` and
//! `next_cursor`, and `tags` / `context` flags that add those fields to each
//! resource; `DELETE resources/{resource_type}/tags/{tag}`
//! (`delete_resources_by_tag`), up to 1,000 assets per call.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use service::body;
use service::params::supported::refuse_unsupported;
use service::params::{ExtractionRequest, Params};
use service::{ApiError, AppState, Reason};
use store::labels::{LabelFilter, LabelledQuery};

use super::list::max_results;
use super::{check_id_filter, check_resource_type, resource_json};

/// Cloudinary's limit on the assets one delete call removes; the rest is
/// left for the next call (`partial: true`).
const MAX_DELETED_PER_CALL: u32 = 1000;

/// `/{resource_type}/tags/{tag}`.
#[derive(Debug, Deserialize)]
pub struct TagPath {
    resource_type: String,
    tag: String,
}

/// `/{resource_type}/context`.
#[derive(Debug, Deserialize)]
pub struct ContextPath {
    resource_type: String,
}

const LISTING: &[&str] = &["max_results", "next_cursor", "tags", "context"];
const CONTEXT_FILTER: &[&str] = &["key", "value"];
const DELETING: &[&str] = &[
    "keep_original",
    "invalidate",
    "next_cursor",
    "transformations",
];

pub async fn resources_by_tag(
    path: web::Path<TagPath>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let TagPath { resource_type, tag } = path.into_inner();
    check_resource_type(&resource_type)?;
    check_id_filter("tag", &tag)?;
    let params = body::query_params(request.query_string())?;
    refuse_unsupported(&params, &[LISTING])?;
    listing(
        &state,
        &request,
        &params,
        resource_type,
        LabelFilter::Tag(tag),
    )
    .await
}

pub async fn resources_by_context(
    path: web::Path<ContextPath>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let resource_type = path.into_inner().resource_type;
    check_resource_type(&resource_type)?;
    let params = body::query_params(request.query_string())?;
    refuse_unsupported(&params, &[LISTING, CONTEXT_FILTER])?;
    let key = params
        .get("key")
        .ok_or_else(|| Reason::MissingParameter { name: "key".into() })?;
    check_id_filter("key", key)?;
    let value = params.get("value");
    if let Some(value) = value {
        check_id_filter("value", value)?;
    }
    let filter = LabelFilter::Context {
        key: key.to_owned(),
        value: value.map(str::to_owned),
    };
    listing(&state, &request, &params, resource_type, filter).await
}

async fn listing(
    state: &AppState,
    request: &HttpRequest,
    params: &Params,
    resource_type: String,
    filter: LabelFilter,
) -> Result<HttpResponse, ApiError> {
    let with_tags = params.is_set("tags")?;
    let with_context = params.is_set("context")?;
    let query = LabelledQuery {
        resource_type,
        filter,
        max_results: max_results(params)?,
        cursor: params.get("next_cursor").map(str::to_owned),
    };
    let page = state.store.list_labelled(&query).await?;
    let basic = ExtractionRequest::default();
    let resources: Vec<Value> = page
        .assets
        .iter()
        .map(|asset| {
            let mut resource = resource_json(state, request, asset, &basic);
            // Cloudinary lists tags and context only when asked to.
            if !with_tags {
                resource.remove("tags");
            }
            if !with_context {
                resource.remove("context");
            }
            Value::Object(resource)
        })
        .collect();
    let mut body = json!({ "resources": resources });
    if let Some(cursor) = page.next_cursor {
        body["next_cursor"] = json!(cursor);
    }
    Ok(HttpResponse::Ok().json(body))
}

pub async fn delete_resources_by_tag(
    path: web::Path<TagPath>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let TagPath { resource_type, tag } = path.into_inner();
    check_resource_type(&resource_type)?;
    check_id_filter("tag", &tag)?;
    let params = body::read_params(request.headers(), payload).await?;
    // `next_cursor` needs no state: each call deletes the next tagged assets.
    refuse_unsupported(&params, &[DELETING])?;
    if params.is_set("keep_original")? {
        return Err(Reason::NoDerivedToKeep.into());
    }
    if params.contains("transformations") {
        return Err(Reason::InvalidParameter {
            name: "transformations".into(),
            detail: "no derived assets are kept, so there are none to delete".into(),
        }
        .into());
    }
    params.flag("invalidate")?;
    let (deleted, partial) = state
        .store
        .delete_tagged(&resource_type, &tag, MAX_DELETED_PER_CALL)
        .await?;
    let deleted: BTreeMap<String, &str> = deleted
        .into_iter()
        .map(|key| (key.public_id, "deleted"))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "deleted": deleted, "partial": partial })))
}
