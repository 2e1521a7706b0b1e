//! `POST /v1_1/{cloud}/resources/{resource_type}/{type}/{public_id}`: update
//! tags, context, regions and structured metadata, and run extractions (colors, phash, metadata,
//! faces, OCR, quality, accessibility, cinemagraph and the extensions) on the
//! stored original. JSON (Python) or form (Node) bodies.
//!
//! All or nothing: the analyses run first, then every change is written in
//! one store update; any failure leaves the asset as it was. With a
//! `notification_url` (or `ASSAY_NOTIFICATION_URL`) the answer is also
//! posted there (`notification_type: "update"`), as an upload's is.

use actix_web::{web, HttpRequest, HttpResponse};
use service::body;
use service::ops::{reextract, ResourceChanges};
use service::{structured_metadata, ApiError, AppState, Reason};
use upload_api::notifications::Notifier;

use super::{resource_json, AssetPath};

/// Update parameters the SDKs document whose effect this server does not
/// implement (add-ons, moderation, display names).
/// Refused, rather than ignored, so a 200 means every change was applied.
const NOT_IMPLEMENTED: [&str; 15] = [
    "moderation_status",
    "raw_convert",
    "quality_override",
    "categorization",
    "detection",
    "similarity_search",
    "background_removal",
    "regions",
    "auto_tagging",
    "access_control",
    "asset_folder",
    "display_name",
    "unique_display_name",
    "clear_invalid",
    "batch_id",
];

pub async fn update_resource(
    path: web::Path<AssetPath>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    notifier: web::Data<Notifier>,
) -> Result<HttpResponse, ApiError> {
    let key = path.into_inner().key()?;
    let params = body::read_params(request.headers(), payload).await?;
    if let Some(name) = NOT_IMPLEMENTED
        .into_iter()
        .find(|name| params.get(name).is_some())
    {
        return Err(Reason::UnsupportedHere {
            name: name.to_string(),
        }
        .into());
    }
    let changes = ResourceChanges::from_params(&params)?;
    // Checked before any work, like an upload's.
    let notification = notifier.for_call(&state, &request, &params)?;
    let asset = reextract(&state, &key, &changes).await?;
    let mut body = resource_json(&state, &request, &asset, &changes.extraction);
    structured_metadata::add_to_resource(&state, &asset, &mut body).await?;
    notification.send(&state, "update", &body).await?;
    Ok(HttpResponse::Ok().json(body))
}
