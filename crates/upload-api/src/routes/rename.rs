//! `POST /v1_1/{cloud}/{resource_type}/rename`: signed; moves an asset to
//! another public_id (`from_public_id`, `to_public_id`, `type`, `to_type`,
//! `overwrite`, `invalidate`) and answers the renamed resource. A taken
//! target without `overwrite` is a 400 and nothing moves.

use actix_web::{web, HttpRequest, HttpResponse};
use service::ops::lifecycle;
use service::params::ExtractionRequest;
use service::resource::{render_resource, PublicBase};
use service::{ApiError, AppState};

use super::{check_cloud, read_signed_call};

const OWN: &[&str] = &[
    "from_public_id",
    "to_public_id",
    "type",
    "to_type",
    "overwrite",
    "invalidate",
];

pub async fn rename(
    path: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (cloud, resource_type) = path.into_inner();
    check_cloud(&state, &cloud)?;
    let params = read_signed_call(&state, &request, payload, OWN).await?;
    let asset = lifecycle::rename(&state, &resource_type, &params).await?;
    let base = PublicBase::for_request(state.config.public_url.as_deref(), &request);
    let urls = base.delivery_urls(&state.config.cloud_name, &asset);
    Ok(HttpResponse::Ok().json(render_resource(&asset, &ExtractionRequest::default(), urls)))
}
