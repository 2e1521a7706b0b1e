//! Near-duplicate search over the library: what the admin API's
//! `resources/<resource_type>/similar` and the `duplicates=true` extension of
//! upload and explicit share. The search itself is the store's (exact, band
//! indexed); this module finds the pHash to search with and keeps the index
//! filled.
//!
//! Assets stored without a pHash (uploaded without `phash=true`) are hashed
//! in the background: every search starts a job, unless one is already running
//! for that library, that computes and stores the missing pHashes, so later
//! searches find those assets. The asset a search starts from is hashed on the
//! spot when it has none.

use std::collections::HashSet;
use std::sync::MutexGuard;

use actix_web::http::StatusCode;
use analyses::AnalysisKind;
use extract::Phash;
use serde::Serialize;
use store::{Asset, AssetKey, SimilarPage, SimilarQuery, MAX_PAGE_SIZE};

use super::{reextract, ResourceChanges};
use crate::params::{ExtractionRequest, Params};
use crate::{ApiError, AppState};

/// The distance a search uses unless told otherwise: re-encodings and resizes
/// of one picture sit within it (see the README's near-duplicate section).
pub const DEFAULT_MAX_DISTANCE: u32 = 8;
/// The largest distance a search accepts: beyond it unrelated pictures start
/// to match, and the exact search reads a large share of the index.
pub const MAX_DISTANCE: u32 = 16;

/// Assets hashed per round of the background job.
const BACKFILL_BATCH: u32 = 100;

/// What a search starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A hash given by the caller.
    Phash(Phash),
    /// An asset of the library; it is left out of the results.
    Asset(AssetKey),
}

/// A search of one resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimilarSearch {
    pub resource_type: String,
    pub probe: Probe,
    pub max_distance: u32,
    pub max_results: u32,
    /// The `next_cursor` of the previous page of the same search.
    pub next_cursor: Option<String>,
}

/// A page of the assets within the search's distance, nearest first. An
/// unknown probe asset is a 404; a cursor of another search a 400.
pub async fn find_similar(
    state: &AppState,
    search: &SimilarSearch,
) -> Result<SimilarPage, ApiError> {
    let (phash, exclude) = match &search.probe {
        Probe::Phash(phash) => (*phash, None),
        Probe::Asset(key) => {
            let (_, phash) = hashed(state, state.store.get(key).await?).await?;
            (phash, Some(key.clone()))
        }
    };
    search_near(state, search, phash, exclude).await
}

/// The search itself, once the pHash to start from is known.
async fn search_near(
    state: &AppState,
    search: &SimilarSearch,
    phash: Phash,
    exclude: Option<AssetKey>,
) -> Result<SimilarPage, ApiError> {
    spawn_phash_backfill(state, &search.resource_type);
    let query = SimilarQuery {
        resource_type: search.resource_type.clone(),
        phash: phash.to_u64(),
        max_distance: search.max_distance,
        max_results: search.max_results,
        exclude,
        next_cursor: search.next_cursor.clone(),
    };
    Ok(state.store.similar(&query).await?)
}

/// One entry of the `duplicates` response field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub public_id: String,
    pub distance: u32,
}

/// True when an upload or explicit call asks for `duplicates=true`.
pub fn duplicates_requested(params: &Params) -> Result<bool, ApiError> {
    params.is_set("duplicates")
}

/// The other stored assets within [`DEFAULT_MAX_DISTANCE`] of `asset`,
/// nearest first (at most a list page's worth), and the asset they are near:
/// `asset` itself when it has a stored pHash (upload and explicit store one
/// when `duplicates=true`), else the current version, hashed and stored now.
pub async fn duplicates_of(
    state: &AppState,
    asset: &Asset,
) -> Result<(Asset, Vec<Duplicate>), ApiError> {
    let (asset, phash) = hashed(state, asset.clone()).await?;
    let search = SimilarSearch {
        resource_type: asset.resource_type.clone(),
        probe: Probe::Asset(asset.key()),
        max_distance: DEFAULT_MAX_DISTANCE,
        max_results: MAX_PAGE_SIZE,
        next_cursor: None,
    };
    let found = search_near(state, &search, phash, Some(asset.key())).await?;
    let duplicates = found
        .results
        .into_iter()
        .map(|similar| Duplicate {
            public_id: similar.asset.public_id,
            distance: similar.distance,
        })
        .collect();
    Ok((asset, duplicates))
}

/// `asset` and its stored pHash; when it has none, the asset's current
/// version with the pHash computed from its own original and stored with it
/// (see [`reextract`] for why that may be a newer version than `asset`).
async fn hashed(state: &AppState, asset: Asset) -> Result<(Asset, Phash), ApiError> {
    if let Some(phash) = stored_phash(&asset) {
        return Ok((asset, phash));
    }
    let hashed = reextract(state, &asset.key(), &phash_only()).await?;
    let phash = stored_phash(&hashed).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "no pHash stored after hashing {}",
            asset.public_id
        ))
    })?;
    Ok((hashed, phash))
}

fn stored_phash(asset: &Asset) -> Option<Phash> {
    asset.analysis.phash.as_deref()?.parse().ok()
}

/// The pHash, computed only for a version that has none stored.
fn phash_only() -> ResourceChanges {
    ResourceChanges::missing_only(ExtractionRequest::of(AnalysisKind::Phash))
}

/// Starts hashing the images of `resource_type` that have no pHash, unless
/// that is already under way. Only images are hashed.
fn spawn_phash_backfill(state: &AppState, resource_type: &str) {
    if resource_type != "image" {
        return;
    }
    // One job per library at a time: the state is this process's view of
    // one database.
    if !running_backfills(state).insert(resource_type.to_owned()) {
        return;
    }
    let state = state.clone();
    let resource_type = resource_type.to_owned();
    tokio::spawn(async move {
        backfill_phashes(&state, &resource_type).await;
        running_backfills(&state).remove(&resource_type);
    });
}

/// The resource types whose backfill runs in this process.
fn running_backfills(state: &AppState) -> MutexGuard<'_, HashSet<String>> {
    state
        .phash_backfills
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Hashes batch after batch until none is left. A version the analyser
/// refuses (a file whose pixels cannot be read) is marked so that later
/// listings skip it; one that fails for another reason (a server error, an
/// overwrite racing the hashing) is passed over and tried by the next job.
async fn backfill_phashes(state: &AppState, resource_type: &str) {
    let mut after = 0;
    loop {
        let batch = match state
            .store
            .without_phash(resource_type, after, BACKFILL_BATCH)
            .await
        {
            Ok(batch) if !batch.is_empty() => batch,
            Ok(_) => return,
            Err(e) => return tracing::warn!(error = %e, "pHash backfill: listing failed"),
        };
        let (mut hashed, mut unhashable) = (0, 0);
        for entry in &batch {
            after = entry.position;
            match reextract(state, &entry.key, &phash_only()).await {
                Ok(_) => hashed += 1,
                Err(ApiError::Reason(reason)) if reason.status() == StatusCode::BAD_REQUEST => {
                    unhashable += 1;
                    tracing::info!(public_id = %entry.key.public_id, %reason, "pHash backfill: cannot hash; skipped from now on");
                    // Marks only the version listed: if an overwrite replaced
                    // it, the new version gets its own try.
                    if let Err(e) = state
                        .store
                        .mark_unhashable(&entry.key, &entry.version_id)
                        .await
                    {
                        tracing::warn!(public_id = %entry.key.public_id, error = %e, "pHash backfill: could not mark");
                    }
                }
                Err(e) => {
                    tracing::warn!(public_id = %entry.key.public_id, error = %e, "pHash backfill: could not hash")
                }
            }
        }
        tracing::info!(
            hashed,
            unhashable,
            of = batch.len(),
            "pHash backfill: batch done"
        );
    }
}
