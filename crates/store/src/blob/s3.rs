//! Blobs in S3-compatible object storage (AWS S3, MinIO, Ceph, R2 ...), through
//! the `object_store` crate: the Apache Arrow project's maintained client,
//! which signs requests, retries and streams listings for us.
//!
//! A single PUT is atomic on S3: an object is either absent or complete, so
//! no temporary names are needed.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};
use tokio::io::AsyncWrite;

use super::{BlobEntry, BlobError, BlobKey, BlobStore};

#[derive(Debug, Clone)]
pub struct S3BlobStore {
    objects: Arc<dyn ObjectStore>,
    /// For messages only.
    location: String,
}

impl S3BlobStore {
    /// `s3://bucket/prefix`, with endpoint, region and credentials from the
    /// usual variables: `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`),
    /// `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint.
    pub fn from_env(bucket: &str, prefix: &str) -> Result<S3BlobStore, BlobError> {
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(object_error)?;
        Ok(S3BlobStore::with_object_store(
            Arc::new(s3),
            &format!("s3://{bucket}"),
            prefix,
        ))
    }

    /// Any `object_store` backend under `prefix` (tests use the in-memory one).
    pub fn with_object_store(
        objects: Arc<dyn ObjectStore>,
        location: &str,
        prefix: &str,
    ) -> S3BlobStore {
        let prefix = prefix.trim_matches('/');
        let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
            objects
        } else {
            Arc::new(PrefixStore::new(objects, prefix))
        };
        S3BlobStore {
            objects,
            location: format!("{location}/{prefix}"),
        }
    }

    fn path_of(key: &BlobKey) -> Path {
        Path::from(key.as_str())
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, key: &BlobKey, data: Bytes) -> Result<(), BlobError> {
        self.objects
            .put(&Self::path_of(key), PutPayload::from(data))
            .await
            .map_err(object_error)?;
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        let result = match self.objects.get(&Self::path_of(key)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BlobError::NotFound(key.to_string()))
            }
            Err(e) => return Err(object_error(e)),
        };
        result.bytes().await.map_err(object_error)
    }

    async fn copy_into(
        &self,
        key: &BlobKey,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, BlobError> {
        let mut pieces = match self.objects.get(&Self::path_of(key)).await {
            Ok(result) => result.into_stream(),
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BlobError::NotFound(key.to_string()))
            }
            Err(e) => return Err(object_error(e)),
        };
        let mut written = 0;
        while let Some(piece) = pieces.try_next().await.map_err(object_error)? {
            super::write_out(out, &piece, key).await?;
            written += piece.len() as u64;
        }
        Ok(written)
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.objects.delete(&Self::path_of(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(object_error(e)),
        }
    }

    async fn list(&self) -> Result<Vec<BlobEntry>, BlobError> {
        let objects: Vec<_> = self
            .objects
            .list(None)
            .try_collect()
            .await
            .map_err(object_error)?;
        Ok(objects
            .into_iter()
            // Objects that are not valid keys were not written by us: leave them.
            .filter_map(|meta| {
                let key = BlobKey::parse(meta.location.as_ref()).ok()?;
                Some(BlobEntry {
                    key,
                    last_modified: SystemTime::from(meta.last_modified),
                })
            })
            .collect())
    }

    async fn health(&self) -> Result<(), BlobError> {
        // One cheap request that needs the endpoint, the credentials and the bucket.
        self.objects
            .list_with_delimiter(None)
            .await
            .map(drop)
            .map_err(|e| BlobError::ObjectStore(format!("{}: {e}", self.location)))
    }
}

fn object_error(e: object_store::Error) -> BlobError {
    BlobError::ObjectStore(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn blobs_live_under_the_prefix_and_list_without_it() {
        let bucket = Arc::new(InMemory::new());
        let store = S3BlobStore::with_object_store(bucket.clone(), "s3://test", "/assets/prod/");
        let key = BlobKey::parse("ab/cd/abcdef").unwrap();

        store
            .put(&key, Bytes::from_static(b"original"))
            .await
            .unwrap();

        let raw = bucket
            .get(&Path::from("assets/prod/ab/cd/abcdef"))
            .await
            .unwrap();
        assert_eq!(raw.bytes().await.unwrap(), "original");
        assert_eq!(store.get(&key).await.unwrap(), "original");
        let listed: Vec<BlobKey> = store
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(listed, [key]);
        store.health().await.unwrap();
    }

    #[tokio::test]
    async fn a_blob_is_streamed_into_a_writer() {
        let store = S3BlobStore::with_object_store(Arc::new(InMemory::new()), "s3://test", "p");
        let key = BlobKey::parse("ab/cd/part").unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        store.put(&key, Bytes::from(data.clone())).await.unwrap();
        let mut out = Vec::new();
        assert_eq!(store.copy_into(&key, &mut out).await.unwrap(), 300_000);
        assert_eq!(out, data);
        let missing = BlobKey::parse("ab/cd/none").unwrap();
        assert!(matches!(
            store.copy_into(&missing, &mut out).await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn missing_blobs_are_not_found_and_deleting_them_is_harmless() {
        let store = S3BlobStore::with_object_store(Arc::new(InMemory::new()), "s3://test", "");
        let key = BlobKey::parse("ab/cd/gone").unwrap();
        assert!(matches!(store.get(&key).await, Err(BlobError::NotFound(_))));
        store.delete(&key).await.unwrap();
        store.put(&key, Bytes::from_static(b"x")).await.unwrap();
        store.delete(&key).await.unwrap();
        assert!(matches!(store.get(&key).await, Err(BlobError::NotFound(_))));
    }
}
