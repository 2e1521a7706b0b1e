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
use std::sync::{LazyLock, Mutex};

use extract::Phash;
use serde::Serialize;
use store::{Asset, AssetKey, SimilarAsset, SimilarQuery, MAX_PAGE_SIZE};

use super::{reextract, ResourceChanges};
use crate::params::{ExtractionRequest, Params};
use crate::{ApiError, AppState};

/// The distance a search uses unless told otherwise: re-encodings and resizes
/// of one picture sit within it (see the README's near-duplicate section).
pub const DEFAULT_MAX_DISTANCE: u32 = 8;
/// The largest distance a search accepts: beyond it unrelated pictures start
/// to match, and the exact search reads a large share of the index.
pub const MAX_DISTANCE: u32 = 16;

/// The analysis key the pHash is stored under (hex text).
const PHASH_KEY: &str = "phash";
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
}

/// The assets within the search's distance, nearest first. An unknown probe
/// asset is a 404.
pub async fn find_similar(
    state: &AppState,
    search: &SimilarSearch,
) -> Result<Vec<SimilarAsset>, ApiError> {
    let (phash, exclude) = match &search.probe {
        Probe::Phash(phash) => (*phash, None),
        Probe::Asset(key) => {
            let asset = state.store.get(key).await?;
            (phash_of(state, &asset).await?, Some(key.clone()))
        }
    };
    spawn_phash_backfill(state, &search.resource_type);
    let query = SimilarQuery {
        resource_type: search.resource_type.clone(),
        phash: phash.to_u64(),
        max_distance: search.max_distance,
        max_results: search.max_results,
        exclude,
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
/// nearest first (at most a list page's worth).
pub async fn duplicates_of(state: &AppState, asset: &Asset) -> Result<Vec<Duplicate>, ApiError> {
    let search = SimilarSearch {
        resource_type: asset.resource_type.clone(),
        probe: Probe::Asset(asset.key()),
        max_distance: DEFAULT_MAX_DISTANCE,
        max_results: MAX_PAGE_SIZE,
    };
    let found = find_similar(state, &search).await?;
    Ok(found
        .into_iter()
        .map(|similar| Duplicate {
            public_id: similar.asset.public_id,
            distance: similar.distance,
        })
        .collect())
}

/// The stored pHash of `asset`, computed from its original (and stored) first
/// if it has none.
async fn phash_of(state: &AppState, asset: &Asset) -> Result<Phash, ApiError> {
    if let Some(phash) = stored_phash(asset) {
        return Ok(phash);
    }
    let hashed = reextract(state, &asset.key(), &phash_only()).await?;
    stored_phash(&hashed).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "no pHash stored after hashing {}",
            asset.public_id
        ))
    })
}

fn stored_phash(asset: &Asset) -> Option<Phash> {
    asset.analysis.get(PHASH_KEY)?.as_str()?.parse().ok()
}

fn phash_only() -> ResourceChanges {
    ResourceChanges {
        extraction: ExtractionRequest {
            phash: true,
            ..ExtractionRequest::default()
        },
        ..ResourceChanges::default()
    }
}

/// Libraries (database and resource type) with a backfill running in this
/// process: one job per library at a time.
static BACKFILLS: LazyLock<Mutex<HashSet<(String, String)>>> = LazyLock::new(Mutex::default);

/// Starts hashing the images of `resource_type` that have no pHash, unless
/// that is already under way. Only images are hashed.
fn spawn_phash_backfill(state: &AppState, resource_type: &str) {
    if resource_type != "image" {
        return;
    }
    let library = (state.config.database_url.clone(), resource_type.to_owned());
    let mut running = BACKFILLS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !running.insert(library.clone()) {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        backfill_phashes(&state, &library.1).await;
        BACKFILLS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&library);
    });
}

/// Hashes batch after batch until none is left. Stops at a batch in which
/// nothing could be hashed (files the analyser rejects stay unhashed; the
/// next search tries them again).
async fn backfill_phashes(state: &AppState, resource_type: &str) {
    loop {
        let keys = match state
            .store
            .without_phash(resource_type, BACKFILL_BATCH)
            .await
        {
            Ok(keys) if !keys.is_empty() => keys,
            Ok(_) => return,
            Err(e) => return tracing::warn!(error = %e, "pHash backfill: listing failed"),
        };
        let mut hashed = 0;
        for key in &keys {
            match reextract(state, key, &phash_only()).await {
                Ok(_) => hashed += 1,
                Err(e) => {
                    tracing::warn!(public_id = %key.public_id, error = %e, "pHash backfill: could not hash")
                }
            }
        }
        tracing::info!(hashed, of = keys.len(), "pHash backfill: batch done");
        if hashed == 0 {
            return;
        }
    }
}
