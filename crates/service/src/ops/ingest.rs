//! Upload: analyse a new file and store its row and blob together.

use std::collections::BTreeMap;

use analyses::AnalysisKind;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use store::{AssetKey, Coordinates, Ingested, NewAsset, OnExisting};

use super::similar::duplicates_requested;
use super::{context_param, stored_analysis, tags_param};
use crate::params::{validate_public_id, ExtractionRequest, Naming, Params};
use crate::resource::to_store_rects;
use crate::{structured_metadata, ApiError, AppState, Reason};

/// An upload request, parsed and validated before any work is done (and
/// kept in a queued job as it was parsed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub resource_type: String,
    pub naming: Naming,
    pub extraction: ExtractionRequest,
    pub tags: Vec<String>,
    pub context: BTreeMap<String, String>,
    /// `duplicates=true`: the pHash is computed (and stored) with the
    /// other analyses, for the search the response carries.
    pub duplicates: bool,
    /// `metadata`: structured metadata values by field external_id, as sent.
    pub metadata: Vec<(String, String)>,
}

impl Upload {
    /// Reads the upload parameters (everything but the file).
    pub fn from_params(resource_type: &str, params: &Params) -> Result<Self, ApiError> {
        Ok(Upload {
            resource_type: image_resource_type(resource_type)?,
            naming: Naming::from_params(params)?,
            extraction: ExtractionRequest::from_params(params)?,
            tags: tags_param(params).unwrap_or_default(),
            context: context_param(params)?.unwrap_or_default(),
            duplicates: duplicates_requested(params)?,
            metadata: structured_metadata::metadata_param(params)?,
        })
    }
}

/// Analyses `file` and stores it under `public_id`, the one
/// `upload.naming` resolved to when the request arrived. With `overwrite=0`
/// an existing asset is returned untouched (`existing: true`).
pub async fn ingest(
    state: &AppState,
    upload: &Upload,
    public_id: &str,
    file: Bytes,
    original_filename: Option<String>,
) -> Result<Ingested, ApiError> {
    // Resolved ids are valid; this keeps any other from naming a blob path.
    validate_public_id(public_id)?;
    // Checked before the analysis too; the store writes them only against
    // the field definitions checked here.
    let metadata = structured_metadata::upload_writes(state, &upload.metadata).await?;
    // A duplicates search reads the new asset's pHash.
    let mut analysed = upload.extraction.clone();
    if upload.duplicates {
        analysed.analyses.insert(AnalysisKind::Phash);
    }
    let analysis = state
        .analyzer
        .analyze(file.clone(), analysed.options())
        .await?;

    // Regions sent with the file are limited to its displayed size (the one
    // rule, `extract::limit_rects`); given faces replace detected ones.
    let fitted = |given: &[extract::Rect]| {
        to_store_rects(&extract::limit_rects(
            given,
            analysis.width,
            analysis.height,
        ))
    };
    let faces = match &upload.extraction.face_coordinates {
        Some(given) => fitted(given),
        None => analysis
            .faces
            .as_deref()
            .map(to_store_rects)
            .unwrap_or_default(),
    };
    let custom = upload
        .extraction
        .custom_coordinates
        .as_deref()
        .map(fitted)
        .unwrap_or_default();
    let new_asset = NewAsset {
        key: AssetKey::new(&upload.resource_type, "upload", public_id),
        format: analysis.format.as_str().to_owned(),
        width: analysis.width,
        height: analysis.height,
        etag: analysis.etag.clone(),
        pages: analysis.pages,
        tags: upload.tags.clone(),
        context: upload.context.clone(),
        coordinates: Coordinates { faces, custom },
        original_filename,
        folder: upload.naming.folder.clone(),
        access_mode: "public".to_owned(),
        analysis: stored_analysis(&analysis)?,
    };
    let on_existing = if upload.naming.overwrite {
        OnExisting::Overwrite
    } else {
        OnExisting::Keep
    };
    Ok(state
        .store
        .ingest_with_metadata(new_asset, file, on_existing, &metadata)
        .await?)
}

/// Only images are analysed; `auto` means "detect", which for us is an image.
fn image_resource_type(resource_type: &str) -> Result<String, ApiError> {
    match resource_type {
        "image" | "auto" => Ok("image".to_owned()),
        other => Err(Reason::UnsupportedResourceType {
            resource_type: other.to_string(),
        }
        .into()),
    }
}
