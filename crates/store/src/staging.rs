//! Originals of async uploads, staged in the blob store until their job runs
//! (under `staged/`, apart from versions' keys). A staged blob is referenced
//! by its job's `file_key`, so the orphan sweep leaves it while the job waits
//! and removes it if a crash left it unreferenced.

use bytes::Bytes;

use crate::blob::BlobKey;
use crate::jobs::StagedFile;
use crate::{Store, StoreError};

impl Store {
    /// Writes `original` (a mapped file is written from its pages, never
    /// copied onto the heap) as a new staged blob.
    pub async fn stage(&self, original: Bytes) -> Result<StagedFile, StoreError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let key = BlobKey::parse(&format!("staged/{}/{id}", &id[..2]))?;
        let bytes = original.len() as u64;
        self.blobs.put(&key, original).await?;
        Ok(StagedFile {
            key: key.as_str().to_owned(),
            bytes,
        })
    }

    /// The staged original under `key`.
    pub async fn read_staged(&self, key: &str) -> Result<Bytes, StoreError> {
        Ok(self.blobs.get(&BlobKey::parse(key)?).await?)
    }

    /// Removes a staged original no job needs any more. A failure only
    /// leaves an orphan for the sweep, so it is logged, not returned.
    pub async fn discard_staged(&self, key: &str) {
        let result = match BlobKey::parse(key) {
            Ok(key) => self.blobs.delete(&key).await.map_err(StoreError::from),
            Err(e) => Err(e.into()),
        };
        if let Err(e) = result {
            tracing::warn!(blob = key, error = %e, "could not delete a staged original; the orphan sweep will");
        }
    }
}
