//! [`Store`]: asset rows and their blobs kept consistent.
//!
//! The one rule: a blob is written (durably, under a fresh key nobody refers
//! to yet) *before* the transaction that makes a row point at it, and a blob
//! is deleted only *after* the transaction that stops a row pointing at it.
//! So a crash at any moment leaves at worst an unreferenced blob, which
//! [`Store::sweep_orphans`] removes; never a row without its blob.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::{Config, StorageLocation};

use crate::blob::{self, BlobError, BlobKey, BlobStore};
use crate::db::repo::{VersionRecord, Written};
use crate::db::{AssetRepo, Database, Renamed};
use crate::labels::{LabelEdit, LabelledQuery, OnTargetExists, TagPage, TagQuery};
use crate::metadata_fields::MetadataWrite;
use crate::model::{
    Asset, AssetKey, AssetUpdate, DeleteOutcome, Ingested, ListQuery, NewAsset, OnExisting, Page,
    SweepReport,
};
use crate::StoreError;

/// How old an unreferenced blob must be before [`Store::sweep_orphans`] may
/// remove it at start-up: far longer than any upload takes between writing its
/// blob and committing its row, on any replica.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(60 * 60);

/// How many versions a snapshot read tries before giving up: each retry means
/// another overwrite committed during the previous attempt's blob read, so
/// running out takes a writer replacing the asset faster than it can be read.
const SNAPSHOT_ATTEMPTS: u32 = 4;

/// How often a write that PostgreSQL chose as a deadlock's victim (an
/// upload and a rename of the same names) is run again.
const DEADLOCK_ATTEMPTS: u32 = 5;

/// The asset store. Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct Store {
    repo: AssetRepo,
    pub(crate) blobs: Arc<dyn BlobStore>,
    /// Tests only: where a write conditional on a version stops, between the
    /// analysis it carries and its transaction (see [`Store::with_write_hold`]).
    #[cfg(feature = "testing")]
    write_hold: Option<Arc<crate::testing::Hold>>,
}

impl Store {
    /// Connects to the database (running pending migrations) and opens the
    /// blob store.
    pub async fn connect(
        database_url: &str,
        storage: &StorageLocation,
    ) -> Result<Store, StoreError> {
        let database = Database::connect(database_url).await?;
        let blobs = blob::open(storage).await?;
        Ok(Store::new(database, blobs))
    }

    /// [`Store::connect`] with the configured `DATABASE_URL` and `ASSAY_STORAGE`.
    pub async fn from_config(config: &Config) -> Result<Store, StoreError> {
        Store::connect(&config.database_url, &config.storage).await
    }

    /// Assembles a store from parts (tests use their own blob stores).
    pub fn new(database: Database, blobs: Arc<dyn BlobStore>) -> Store {
        Store {
            repo: AssetRepo::new(database),
            blobs,
            #[cfg(feature = "testing")]
            write_hold: None,
        }
    }

    /// Tests only: every [`Store::update`] conditional on a version passes
    /// `hold` first, so a test can commit an overwrite after an analysis read
    /// its version and before the analysis is written.
    #[cfg(feature = "testing")]
    pub fn with_write_hold(self, hold: Arc<crate::testing::Hold>) -> Store {
        Store {
            write_hold: Some(hold),
            ..self
        }
    }

    /// Chunked uploads in progress, in this store's database and blob store.
    pub fn chunked_uploads(&self) -> crate::chunks::ChunkedUploads {
        crate::chunks::ChunkedUploads::new(self.database().clone(), self.blobs.clone())
    }

    /// The job queue (async uploads and explicit calls, notifications).
    pub fn jobs(&self) -> crate::jobs::JobQueue {
        crate::jobs::JobQueue::new(self.database().clone())
    }

    /// Upload presets.
    pub fn presets(&self) -> crate::upload_presets::UploadPresets {
        crate::upload_presets::UploadPresets::new(self.database().clone())
    }

    /// The tokens that let an unsigned caller delete what it uploaded.
    pub fn delete_tokens(&self) -> crate::delete_tokens::DeleteTokens {
        crate::delete_tokens::DeleteTokens::new(self.database().clone())
    }

    /// The Admin API's shared rate-limit counters.
    pub fn rate_limits(&self) -> crate::rate_limit::RateLimitCounters {
        crate::rate_limit::RateLimitCounters::new(self.database().clone())
    }

    /// Structured metadata field definitions.
    pub fn metadata_fields(&self) -> crate::metadata_fields::MetadataFields {
        crate::metadata_fields::MetadataFields::new(self.database().clone())
    }

    /// Whether writes from several tasks run side by side (PostgreSQL), or
    /// queue for the database's one writer (SQLite), so that a second
    /// writing worker would only wait.
    pub fn has_concurrent_writers(&self) -> bool {
        matches!(self.database(), Database::Postgres(_))
    }

    /// Closes the database pool (at shutdown, once the server has stopped).
    pub async fn close(&self) {
        self.database().close().await;
    }

    /// The pool, for this crate's modules; tests reach it to set up states
    /// no API call makes.
    #[cfg(feature = "testing")]
    pub fn database(&self) -> &Database {
        self.repo.database()
    }

    #[cfg(not(feature = "testing"))]
    pub(crate) fn database(&self) -> &Database {
        self.repo.database()
    }

    /// The current version of `key`; `StoreError::NotFound` if there is none.
    pub async fn get(&self, key: &AssetKey) -> Result<Asset, StoreError> {
        self.repo
            .get(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(key.clone()))
    }

    /// Stores a new asset or a new version of an existing one: the row and
    /// the original are both stored, or neither is. With
    /// [`OnExisting::Overwrite`] readers keep getting the previous version
    /// (row and bytes) until the new one is committed.
    pub async fn ingest(
        &self,
        asset: NewAsset,
        original: Bytes,
        on_existing: OnExisting,
    ) -> Result<Ingested, StoreError> {
        self.ingest_with_metadata(asset, original, on_existing, &[])
            .await
    }

    /// [`Store::ingest`], writing `metadata` onto the new version in the
    /// same transaction (nothing when an existing asset is kept): a
    /// `MetadataFieldChanged` or `MetadataMissing` stores nothing at all.
    pub async fn ingest_with_metadata(
        &self,
        asset: NewAsset,
        original: Bytes,
        on_existing: OnExisting,
        metadata: &[MetadataWrite],
    ) -> Result<Ingested, StoreError> {
        let keep_existing = on_existing == OnExisting::Keep;
        if keep_existing {
            // Cheap early answer; the transaction below settles races.
            if let Some(existing) = self.repo.get(&asset.key).await? {
                return Ok(Ingested {
                    asset: existing,
                    existing: true,
                });
            }
        }

        let version_id = new_id();
        let blob_key = BlobKey::for_version(&version_id)?;
        let bytes = i64::try_from(original.len()).unwrap_or(i64::MAX);
        self.blobs.put(&blob_key, original).await?;

        let record = VersionRecord {
            new_asset_id: &new_id(),
            version_id: &version_id,
            blob_key: blob_key.as_str(),
            now: chrono::Utc::now().timestamp(),
            bytes,
            asset: &asset,
            metadata,
        };
        let mut attempt = 1;
        let written = loop {
            match self.repo.write_version(&record, keep_existing).await {
                Ok(written) => break written,
                // Rolled back whole to break a lock cycle (with a rename of
                // the same names): nothing was written, go again.
                Err(e) if e.is_deadlock() && attempt < DEADLOCK_ATTEMPTS => attempt += 1,
                Err(e) => {
                    self.discard_blob(&blob_key).await;
                    return Err(e);
                }
            }
        };
        Ok(match written {
            Written::Inserted(asset) => Ingested {
                asset,
                existing: false,
            },
            Written::Replaced {
                asset,
                previous_blob_key,
            } => {
                if let Ok(previous) = BlobKey::parse(&previous_blob_key) {
                    self.discard_blob(&previous).await;
                }
                Ingested {
                    asset,
                    existing: false,
                }
            }
            Written::Kept(asset) => {
                self.discard_blob(&blob_key).await;
                Ingested {
                    asset,
                    existing: true,
                }
            }
        })
    }

    /// The stored original of this version.
    pub async fn read_original(&self, asset: &Asset) -> Result<Bytes, StoreError> {
        Ok(self.blobs.get(&BlobKey::parse(&asset.blob_key)?).await?)
    }

    /// The current version and its original, read as one snapshot: the row,
    /// then the blob its `blob_key` names. If an overwrite (or a delete and a
    /// new upload) commits in between, that blob is gone: the row is read
    /// again and the new version's blob is read instead, a bounded number of
    /// times, so a reader never mixes two versions and never fails because a
    /// writer won. `NotFound` if the asset is gone.
    pub async fn get_with_original(&self, key: &AssetKey) -> Result<(Asset, Bytes), StoreError> {
        let (asset, original) = self.get_with_original_if(key, |_| true).await?;
        // Always `Some`: every version wants its original here.
        let original = original
            .ok_or_else(|| StoreError::Blob(BlobError::NotFound(asset.blob_key.clone())))?;
        Ok((asset, original))
    }

    /// [`Store::get_with_original`] for readers that need the bytes only for
    /// some versions (delivery skips them for a conditional GET that matches):
    /// `wants_original` sees the row read and says whether to read its blob.
    /// The row returned is always the one the bytes (if any) belong to.
    pub async fn get_with_original_if(
        &self,
        key: &AssetKey,
        wants_original: impl Fn(&Asset) -> bool,
    ) -> Result<(Asset, Option<Bytes>), StoreError> {
        let mut asset = self.get(key).await?;
        let mut attempt = 1;
        loop {
            if !wants_original(&asset) {
                return Ok((asset, None));
            }
            match self.read_original(&asset).await {
                Ok(original) => return Ok((asset, Some(original))),
                Err(StoreError::Blob(BlobError::NotFound(_))) if attempt < SNAPSHOT_ATTEMPTS => {
                    let current = self.get(key).await?;
                    if current.version_id == asset.version_id {
                        // Nothing replaced it: the blob of a current row is
                        // really missing, which no retry mends.
                        return Err(StoreError::Blob(BlobError::NotFound(asset.blob_key)));
                    }
                    asset = current;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Applies all of `update` atomically; `NotFound` if the asset is gone,
    /// `VersionChanged` (and nothing written) if `update.only_if_version` is
    /// set and no longer the current version.
    pub async fn update(&self, key: &AssetKey, update: &AssetUpdate) -> Result<Asset, StoreError> {
        self.update_with_metadata(key, update, &[]).await
    }

    /// [`Store::update`], writing `metadata` in the same transaction.
    pub async fn update_with_metadata(
        &self,
        key: &AssetKey,
        update: &AssetUpdate,
        metadata: &[MetadataWrite],
    ) -> Result<Asset, StoreError> {
        #[cfg(feature = "testing")]
        if let (Some(hold), Some(_)) = (&self.write_hold, &update.only_if_version) {
            hold.pass().await;
        }
        self.repo.update(key, update, metadata).await
    }

    /// One page, newest first. `StoreError::InvalidCursor` for a cursor this
    /// store did not hand out.
    pub async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        self.repo.list(query).await
    }

    /// Deletes each asset (row, then blob), reporting per key, in input order.
    pub async fn delete(
        &self,
        keys: &[AssetKey],
    ) -> Result<Vec<(AssetKey, DeleteOutcome)>, StoreError> {
        let mut outcomes = Vec::with_capacity(keys.len());
        for key in keys {
            let deleted_blob = self.repo.delete(key).await?;
            outcomes.push((key.clone(), self.after_row_delete(deleted_blob).await));
        }
        Ok(outcomes)
    }

    /// The current versions of the assets with these asset_ids, in the
    /// order asked; unknown ids are left out.
    pub async fn get_by_asset_ids(&self, asset_ids: &[String]) -> Result<Vec<Asset>, StoreError> {
        let mut found = self.repo.get_by_asset_ids(asset_ids).await?;
        found.sort_by_key(|asset| asset_ids.iter().position(|id| *id == asset.asset_id));
        Ok(found)
    }

    /// Deletes the asset with this asset_id (row, then blob); with
    /// `version_id`, only while that is still its current version.
    pub async fn delete_by_asset_id(
        &self,
        asset_id: &str,
        version_id: Option<&str>,
    ) -> Result<DeleteOutcome, StoreError> {
        let deleted_blob = self.repo.delete_by_asset_id(asset_id, version_id).await?;
        Ok(self.after_row_delete(deleted_blob).await)
    }

    /// Renames the asset at `from` to `to` (same resource type): one
    /// transaction moves the row with its asset_id, version_id, original and
    /// analyses; an asset at `to` is refused (`StoreError::AlreadyExists`) or,
    /// with [`OnTargetExists::Replace`], deleted with it (its blob after the
    /// commit). `NotFound` if `from` does not exist. Renaming to itself
    /// returns the asset unchanged.
    pub async fn rename(
        &self,
        from: &AssetKey,
        to: &AssetKey,
        on_exists: OnTargetExists,
    ) -> Result<Asset, StoreError> {
        if from == to {
            return self.get(from).await;
        }
        let now = chrono::Utc::now().timestamp();
        let mut attempt = 1;
        let Renamed {
            asset,
            replaced_blob_key,
        } = loop {
            match self.repo.rename(from, to, on_exists, now).await {
                // PostgreSQL broke a lock cycle with uploads of the same names
                // by rolling this rename back: nothing was written, go again.
                Err(e) if e.is_deadlock() && attempt < DEADLOCK_ATTEMPTS => attempt += 1,
                outcome => break outcome?,
            }
        };
        if replaced_blob_key.is_some() {
            self.after_row_delete(replaced_blob_key).await;
        }
        Ok(asset)
    }

    /// Applies `edit` to each existing asset of `keys`, all in one
    /// transaction or none (`StoreError::TooManyTags` past the limit).
    /// Returns the public_ids changed, in the order asked, each once.
    pub async fn edit_labels(
        &self,
        keys: &[AssetKey],
        edit: &LabelEdit,
    ) -> Result<Vec<String>, StoreError> {
        let changed = self.repo.edit_labels(keys, edit).await?;
        let mut seen = std::collections::BTreeSet::new();
        Ok(keys
            .iter()
            .filter(|key| changed.contains(*key) && seen.insert(*key))
            .map(|key| key.public_id.clone())
            .collect())
    }

    /// One page of the distinct tags in use, in code point order.
    /// `StoreError::InvalidCursor` for a cursor this store did not hand out.
    pub async fn tags(&self, query: &TagQuery) -> Result<TagPage, StoreError> {
        self.repo.list_tags(query).await
    }

    /// One page of the assets with a tag or context entry, newest first.
    pub async fn list_labelled(&self, query: &LabelledQuery) -> Result<Page, StoreError> {
        self.repo.list_labelled(query).await
    }

    /// Deletes up to `limit` assets of `resource_type` carrying `tag` (rows,
    /// then blobs); returns their keys and whether tagged assets remain.
    pub async fn delete_tagged(
        &self,
        resource_type: &str,
        tag: &str,
        limit: u32,
    ) -> Result<(Vec<AssetKey>, bool), StoreError> {
        let (deleted, more) = self.repo.delete_tagged(resource_type, tag, limit).await?;
        let mut keys = Vec::with_capacity(deleted.len());
        for (key, blob_key) in deleted {
            self.after_row_delete(Some(blob_key)).await;
            keys.push(key);
        }
        Ok((keys, more))
    }

    /// Once a row is deleted, its blob goes; `None`: there was no row.
    async fn after_row_delete(&self, deleted_blob: Option<String>) -> DeleteOutcome {
        match deleted_blob {
            Some(blob_key) => {
                if let Ok(blob_key) = BlobKey::parse(&blob_key) {
                    self.discard_blob(&blob_key).await;
                }
                DeleteOutcome::Deleted
            }
            None => DeleteOutcome::NotFound,
        }
    }

    /// Fails unless both the database and the blob store answer.
    pub async fn health(&self) -> Result<(), StoreError> {
        self.database().ping().await?;
        self.blobs.health().await?;
        Ok(())
    }

    /// Removes blobs that no row refers to (left by a crash or a failed
    /// delete). Only blobs older than `grace` are considered: a younger one
    /// may belong to an upload another replica is committing right now.
    pub async fn sweep_orphans(&self, grace: Duration) -> Result<SweepReport, StoreError> {
        let cutoff = SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut report = SweepReport {
            orphan_blobs: self.blobs.remove_stale_temporaries(cutoff).await?,
        };
        for entry in self.blobs.list().await? {
            if entry.last_modified < cutoff
                && !self.repo.references_blob(entry.key.as_str()).await?
            {
                self.blobs.delete(&entry.key).await?;
                report.orphan_blobs += 1;
            }
        }
        Ok(report)
    }

    /// Runs [`Store::sweep_orphans`] with [`ORPHAN_GRACE`] in the background
    /// and logs what it removed: call once at start-up. It does not delay
    /// serving, and a failure only postpones the cleanup to the next start.
    pub fn spawn_startup_sweep(&self) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            match store.sweep_orphans(ORPHAN_GRACE).await {
                Ok(report) => {
                    tracing::info!(orphan_blobs = report.orphan_blobs, "orphan sweep done")
                }
                Err(e) => tracing::warn!(error = %e, "orphan sweep failed; retried at next start"),
            }
        })
    }

    /// Deletes a blob no committed row refers to. A failure only leaves an
    /// orphan for the sweep, so it is logged, not returned.
    async fn discard_blob(&self, key: &BlobKey) {
        if let Err(e) = self.blobs.delete(key).await {
            tracing::warn!(blob = %key, error = %e, "could not delete unreferenced blob; the orphan sweep will");
        }
    }
}

/// 32 lowercase hex characters, as the wire's asset_id and version_id.
fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
