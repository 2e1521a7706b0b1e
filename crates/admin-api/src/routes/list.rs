//! `GET /v1_1/{cloud}/resources/{resource_type}[/{type}]`: a page of
//! resources, newest first, optionally by prefix or by public_ids
//! (`resources_by_ids`), continued with `next_cursor`; `metadata=true` adds
//! each resource's structured metadata.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use service::body;
use service::params::{ExtractionRequest, Params};
use service::{structured_metadata, ApiError, AppState, Reason};
use store::{ListQuery, MAX_PAGE_SIZE};

use super::{check_id_filter, resource_json, CollectionPath};

const DEFAULT_MAX_RESULTS: u32 = 10;

pub async fn list_resources(
    path: web::Path<CollectionPath>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (resource_type, delivery_type) = path.into_inner().checked()?;
    let params = body::query_params(request.query_string())?;
    let public_ids: Vec<String> = params
        .list("public_ids")
        .into_iter()
        .map(str::to_owned)
        .collect();
    for public_id in &public_ids {
        check_id_filter("public_ids", public_id)?;
    }
    if let Some(prefix) = params.get("prefix") {
        check_id_filter("prefix", prefix)?;
    }
    let list = ListQuery {
        resource_type,
        delivery_type,
        prefix: params.get("prefix").map(str::to_owned),
        public_ids: (!public_ids.is_empty()).then_some(public_ids),
        max_results: max_results(&params)?,
        cursor: params.get("next_cursor").map(str::to_owned),
    };
    let page = state.store.list(&list).await?;

    let basic = ExtractionRequest::default();
    // `metadata=true`: each resource with its structured metadata.
    let mut metadata = if params.is_set("metadata")? {
        let ids: Vec<&str> = page.assets.iter().map(|a| a.asset_id.as_str()).collect();
        structured_metadata::fields(&state).values_of(&ids).await?
    } else {
        Default::default()
    };
    let resources: Vec<Value> = page
        .assets
        .iter()
        .map(|asset| {
            let mut body = resource_json(&state, &request, asset, &basic);
            if let Some(values) = metadata.remove(&asset.asset_id) {
                body.insert(
                    "metadata".into(),
                    structured_metadata::render_values(&values),
                );
            }
            Value::Object(body)
        })
        .collect();
    let mut body = json!({ "resources": resources });
    if let Some(cursor) = page.next_cursor {
        body["next_cursor"] = json!(cursor);
    }
    Ok(HttpResponse::Ok().json(body))
}

/// 1 or more; above the cap (500) is capped, as Cloudinary does.
pub(super) fn max_results(params: &Params) -> Result<u32, ApiError> {
    let Some(value) = params.get("max_results") else {
        return Ok(DEFAULT_MAX_RESULTS);
    };
    match value.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(u32::try_from(n).unwrap_or(u32::MAX).min(MAX_PAGE_SIZE)),
        _ => Err(Reason::InvalidParameter {
            name: "max_results".into(),
            detail: format!("{value:?} is not a whole number from 1 to 500"),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_results_of(value: &str) -> Result<u32, ApiError> {
        max_results(&Params::parse([("max_results", value)]).unwrap())
    }

    #[test]
    fn max_results_defaults_to_ten_and_is_capped_at_500() {
        assert_eq!(max_results(&Params::default()).unwrap(), 10);
        assert_eq!(max_results_of("3").unwrap(), 3);
        assert_eq!(max_results_of("501").unwrap(), 500);
        assert_eq!(max_results_of("99999999999").unwrap(), 500);
    }

    #[test]
    fn max_results_must_be_a_positive_number() {
        for bad in ["0", "-1", "ten", "1.5"] {
            assert!(
                matches!(max_results_of(bad), Err(ApiError::Reason(_))),
                "{bad}"
            );
        }
    }
}
