//! `GET /v1_1/{cloud}/resources/{resource_type}/{type}/{public_id}`: the
//! resource JSON, with the analyses the query asks for. An analysis the asset
//! has no stored result for is computed from the stored original first, and
//! stored, so the next call answers from the database.

use actix_web::{web, HttpRequest, HttpResponse};
use analyses::{AnalysisKind, AnalysisKinds};
use service::body;
use service::ops::{reextract, ResourceChanges};
use service::params::{ExtractionRequest, Params};
use service::resource::missing_analyses;
use service::{structured_metadata, ApiError, AppState};
use store::AssetKey;

use super::{resource_json, AssetPath};

/// Flags the SDKs send that need no work here: `pages` and `coordinates` are
/// always part of the resource; the rest name data this server does not
/// compute. They are still checked to be booleans.
const SHOWN_ANYWAY: [&str; 4] = ["pages", "coordinates", "versions", "related"];

pub async fn resource_details(
    path: web::Path<AssetPath>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = path.into_inner().key()?;
    let params = body::query_params(request.query_string())?;
    details_of(&state, &request, &key, &params).await
}

/// The details answer for the asset at `key`, whichever way it was named
/// (public_id path or asset_id).
pub(super) async fn details_of(
    state: &AppState,
    request: &HttpRequest,
    key: &AssetKey,
    params: &Params,
) -> Result<HttpResponse, ApiError> {
    let wanted = requested_analyses(params)?;

    let mut asset = state.store.get(key).await?;
    if missing_analyses(&asset, &wanted).needs_analysis() {
        // What is missing is decided again on the version analysed: an
        // overwrite may commit after the read above.
        asset = reextract(state, key, &ResourceChanges::missing_only(wanted.clone())).await?;
    }
    // Stored OCR text is part of the resource once recognised (wire spec §10).
    let mut shown = wanted;
    if asset.analysis.has(AnalysisKind::Ocr) {
        shown.analyses.insert(AnalysisKind::Ocr);
    }
    let mut body = resource_json(state, request, &asset, &shown);
    structured_metadata::add_to_resource(state, &asset, &mut body).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The analyses a details query asks for; regions and OCR are never set by a
/// GET, whatever the query says.
fn requested_analyses(params: &Params) -> Result<ExtractionRequest, ApiError> {
    for flag in SHOWN_ANYWAY {
        params.flag(flag)?;
    }
    let asked = ExtractionRequest::from_params(params)?;
    Ok(ExtractionRequest {
        custom_coordinates: None,
        face_coordinates: None,
        ..asked.only(!AnalysisKinds::from(AnalysisKind::Ocr))
    })
}
