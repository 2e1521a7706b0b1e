//! Explicit (and admin update): run requested analyses again on a stored
//! original and update what is stored.

use std::collections::BTreeMap;

use store::{Asset, AssetKey, AssetUpdate};

use super::{context_param, stored_analysis, tags_param};
use crate::params::{ExtractionRequest, Params};
use crate::resource::to_store_rects;
use crate::{ApiError, AppState};

/// What an explicit or update call asks to change. `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceChanges {
    pub extraction: ExtractionRequest,
    pub tags: Option<Vec<String>>,
    pub context: Option<BTreeMap<String, String>>,
}

impl ResourceChanges {
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        Ok(ResourceChanges {
            extraction: ExtractionRequest::from_params(params)?,
            tags: tags_param(params),
            context: context_param(params)?,
        })
    }
}

/// Applies `changes` to the asset at `key`: re-runs the requested analyses on
/// its original (only when some are requested) and stores the results, regions,
/// tags and context in one update. Unknown key: 404.
pub async fn reextract(
    state: &AppState,
    key: &AssetKey,
    changes: &ResourceChanges,
) -> Result<Asset, ApiError> {
    let extraction = &changes.extraction;
    let mut update = AssetUpdate {
        tags: changes.tags.clone(),
        context: changes.context.clone(),
        face_coordinates: extraction.face_coordinates.as_deref().map(to_store_rects),
        custom_coordinates: extraction.custom_coordinates.as_deref().map(to_store_rects),
        ..AssetUpdate::default()
    };
    if extraction.needs_analysis() {
        let asset = state.store.get(key).await?;
        let original = state.store.read_original(&asset).await?;
        let analysis = state
            .analyzer
            .analyze(original, extraction.options(state.analyzer.limits()))
            .await?;
        if update.face_coordinates.is_none() {
            if let Some(faces) = &analysis.faces {
                update.face_coordinates = Some(to_store_rects(faces));
            }
        }
        update.analysis = stored_analysis(&analysis)?;
    }
    Ok(state.store.update(key, &update).await?)
}
