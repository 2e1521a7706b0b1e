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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use crate::jobs::{JobKind, NewJob};
    use crate::testing::{Backend, Sandbox};

    /// A queued job's staged original survives the orphan sweep (its row
    /// names it); once the job no longer does, the sweep may take it.
    #[tokio::test]
    async fn the_orphan_sweep_keeps_a_queued_jobs_staged_original() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let store = sandbox.store().await.unwrap();
            let queue = store.jobs();
            let staged = store
                .stage(bytes::Bytes::from_static(b"original"))
                .await
                .unwrap();
            assert_eq!(staged.bytes, 8);
            let orphan = store
                .stage(bytes::Bytes::from_static(b"lost"))
                .await
                .unwrap();
            let job = NewJob {
                kind: JobKind::Upload,
                batch_id: "b".into(),
                payload: json!({}),
                file: Some(staged.clone()),
                host: None,
            };
            queue.enqueue(&job, 0, 0).await.unwrap();

            let swept = store.sweep_orphans(Duration::ZERO).await.unwrap();
            assert_eq!(
                swept.orphan_blobs, 1,
                "{backend}: only the unreferenced one"
            );
            assert_eq!(
                &store.read_staged(&staged.key).await.unwrap()[..],
                b"original"
            );
            assert!(store.read_staged(&orphan.key).await.is_err());

            let claimed = queue
                .claim("w", 0, 1_000, JobKind::WORK, &[])
                .await
                .unwrap()
                .unwrap();
            assert!(queue.complete(claimed.id, "w", 0).await.unwrap());
            store.discard_staged(&staged.key).await;
            assert!(store.read_staged(&staged.key).await.is_err(), "{backend}");
        }
    }
}
