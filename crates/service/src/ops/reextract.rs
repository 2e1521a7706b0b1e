//! Explicit (and admin update, the admin GET's missing analyses, the pHash
//! of `duplicates=true` and of the background backfill): run analyses again on
//! a stored original and update what is stored.
//!
//! Race rule: an analysis is written only onto the version it analysed. The
//! row and its original are read as one snapshot, the store update carries
//! that snapshot's `version_id`, and the store writes nothing if another
//! version has become current meanwhile (an overwrite, or a delete and a new
//! upload). Then the whole call runs once more on the new version; if that
//! one is replaced too, the caller gets a 409 and nothing was stored.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use store::{Asset, AssetKey, AssetUpdate, StoreError};

use super::{context_param, stored_analysis, tags_param};
use crate::params::{ExtractionRequest, Params};
use crate::resource::{missing_analyses, to_store_rects};
use crate::{structured_metadata, ApiError, AppState};

/// Tries per call: the first, and one more on the version that replaced it.
const ATTEMPTS: u32 = 2;

/// What an explicit or update call asks to change. `None` leaves a field
/// alone. Kept in a queued explicit job as it was parsed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceChanges {
    /// Analyses run (again) whatever is stored; also the regions to store.
    pub extraction: ExtractionRequest,
    /// Analyses run only when the version found has no stored result for
    /// them yet (the admin GET's, the pHash that `duplicates=true` and the
    /// backfill need). Decided on the snapshot that is analysed, so the
    /// result always has them.
    pub fill_missing: ExtractionRequest,
    pub tags: Option<Vec<String>>,
    pub context: Option<BTreeMap<String, String>>,
    /// `metadata`: structured metadata values by field external_id, as sent.
    pub metadata: Vec<(String, String)>,
}

impl ResourceChanges {
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        Ok(ResourceChanges {
            extraction: ExtractionRequest::from_params(params)?,
            fill_missing: ExtractionRequest::default(),
            tags: tags_param(params),
            context: context_param(params)?,
            metadata: structured_metadata::metadata_param(params)?,
        })
    }

    /// Only the analyses in `wanted` that the stored version lacks.
    pub fn missing_only(wanted: ExtractionRequest) -> Self {
        ResourceChanges {
            fill_missing: wanted,
            ..ResourceChanges::default()
        }
    }

    fn reads_the_asset(&self) -> bool {
        self.extraction.needs_analysis() || self.fill_missing.needs_analysis()
    }
}

/// Applies `changes` to the asset at `key`: re-runs the requested analyses on
/// its original (only when some are requested) and stores the results, regions,
/// tags and context in one update, onto the version analysed (see the module
/// notes). Unknown key: 404; replaced twice while analysed: 409.
///
/// Regions are stored as given: Cloudinary limits them to the image only when
/// they come with the file (its SDK tests read back an explicit's
/// `[[122,32,111,152]]` unchanged on a 241x51 image).
pub async fn reextract(
    state: &AppState,
    key: &AssetKey,
    changes: &ResourceChanges,
) -> Result<Asset, ApiError> {
    let extraction = &changes.extraction;
    let given = AssetUpdate {
        tags: changes.tags.clone(),
        context: changes.context.clone(),
        face_coordinates: extraction.face_coordinates.as_deref().map(to_store_rects),
        custom_coordinates: extraction.custom_coordinates.as_deref().map(to_store_rects),
        ..AssetUpdate::default()
    };
    // Checked against the fields now; written only against these definitions.
    let metadata = structured_metadata::update_writes(state, &changes.metadata).await?;
    if !changes.reads_the_asset() {
        // Nothing here depends on the stored version: it applies to the current one.
        return Ok(state
            .store
            .update_with_metadata(key, &given, &metadata)
            .await?);
    }
    let mut attempt = 1;
    loop {
        let (snapshot, original) = state
            .store
            .get_with_original_if(key, |asset| analyses_for(changes, asset).needs_analysis())
            .await?;
        let update = analysed_update(state, changes, &snapshot, original, given.clone()).await?;
        match state
            .store
            .update_with_metadata(key, &update, &metadata)
            .await
        {
            Err(StoreError::VersionChanged { .. }) if attempt < ATTEMPTS => attempt += 1,
            result => return Ok(result?),
        }
    }
}

/// `given` plus the analyses of `snapshot` that `changes` call for, to be
/// written only onto that version. `original` is the snapshot's, read when
/// some analysis is due.
async fn analysed_update(
    state: &AppState,
    changes: &ResourceChanges,
    snapshot: &Asset,
    original: Option<Bytes>,
    given: AssetUpdate,
) -> Result<AssetUpdate, ApiError> {
    let mut update = AssetUpdate {
        only_if_version: Some(snapshot.version_id.clone()),
        ..given
    };
    let Some(original) = original else {
        return Ok(update);
    };
    let run = analyses_for(changes, snapshot);
    let analysis = state.analyzer.analyze(original, run.options()).await?;
    if update.face_coordinates.is_none() {
        if let Some(faces) = &analysis.faces {
            update.face_coordinates = Some(to_store_rects(faces));
        }
    }
    update.analysis = stored_analysis(&analysis)?;
    Ok(update)
}

/// The analyses to run on `snapshot`: those requested, and those to fill in
/// that it has no result for.
fn analyses_for(changes: &ResourceChanges, snapshot: &Asset) -> ExtractionRequest {
    let missing = missing_analyses(snapshot, &changes.fill_missing);
    changes.extraction.union(&missing)
}
