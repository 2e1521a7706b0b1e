//! Chunked uploads in progress (`upload_large` in the SDKs): one session row
//! per `X-Unique-Upload-Id`, one row and one blob per part received.
//!
//! The asset store's rule holds here too: a part's blob is written before
//! the transaction that makes a row name it, and deleted only after the
//! transaction that stops any row naming it; the orphan sweep counts a part's
//! blob as referenced (`db::repo::references_blob`). A part is accepted only
//! where the session expects it: the session's `received_bytes` moves from
//! the part's first byte to past its last in the same transaction that adds
//! the part, conditional on still being that first byte, so of two parts
//! racing for one place (a duplicate, or a concurrent retry) exactly one is
//! kept, on either database and across replicas; the other's blob is deleted.

use std::sync::Arc;

use bytes::Bytes;
use tokio::io::AsyncWrite;

use crate::blob::{BlobKey, BlobStore};
use crate::db::{with_pool, Database};
use crate::StoreError;

/// How many expired sessions one [`ChunkedUploads::sweep_expired`] call
/// removes at most, so a sweep run on the way of a request stays short.
pub const SWEEP_BATCH: i64 = 64;

/// A chunked upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSession {
    /// The `X-Unique-Upload-Id` header.
    pub upload_id: String,
    pub resource_type: String,
    /// The digest of the parameters every part must repeat.
    pub params_sha256: String,
    /// `public_id` as the first part sent it.
    pub requested_public_id: Option<String>,
    /// The final public_id, answered on every part.
    pub public_id: String,
    /// The first part's file name, without extension.
    pub original_filename: Option<String>,
    /// The whole file's size, once a part declared it.
    pub total_bytes: Option<u64>,
    /// Bytes received, in order: the next part starts here.
    pub received_bytes: u64,
    /// Unix seconds after which the session and its parts are dropped.
    pub expires_at: i64,
}

/// A part after the first, to add at `first_byte`.
#[derive(Debug, Clone)]
pub struct NextPart {
    pub first_byte: u64,
    pub data: Bytes,
    /// The whole file's size if this part declares it.
    pub total_bytes: Option<u64>,
    /// The session's new expiry.
    pub expires_at: i64,
}

/// Sessions and parts, in the asset database and blob store.
#[derive(Debug, Clone)]
pub struct ChunkedUploads {
    db: Database,
    blobs: Arc<dyn BlobStore>,
}

type SessionRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
    i64,
    i64,
);

const SESSION_COLUMNS: &str = "upload_id, resource_type, params_sha256, requested_public_id, \
     public_id, original_filename, total_bytes, received_bytes, expires_at";

/// Adds one part row inside the transaction that accepted the part (a
/// macro: the body is compiled for each database's transaction type).
macro_rules! insert_part {
    ($tx:expr, $upload_id:expr, $first_byte:expr, $bytes:expr, $blob_key:expr) => {
        sqlx::query(
            "INSERT INTO chunked_upload_parts (upload_id, first_byte, bytes, blob_key) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind($upload_id)
        .bind(db_int($first_byte))
        .bind(db_int($bytes))
        .bind($blob_key.as_str())
        .execute(&mut *$tx)
        .await
    };
}
impl ChunkedUploads {
    pub fn new(db: Database, blobs: Arc<dyn BlobStore>) -> Self {
        ChunkedUploads { db, blobs }
    }

    /// The session of `upload_id`, expired or not.
    pub async fn session(&self, upload_id: &str) -> Result<Option<ChunkSession>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM chunked_uploads WHERE upload_id = $1");
        let row: Option<SessionRow> = with_pool!(&self.db, pool => {
            sqlx::query_as(&sql).bind(upload_id).fetch_optional(pool).await?
        });
        Ok(row.map(session_of))
    }

    /// Opens `session` with its first part, `data` (bytes `0..data.len()`,
    /// which must be `session.received_bytes`). `Ok(false)`, and nothing
    /// kept, when a session with this upload id exists.
    pub async fn begin(&self, session: &ChunkSession, data: Bytes) -> Result<bool, StoreError> {
        let (blob_key, bytes) = self.put_part(data).await?;
        let insert_session = format!(
            "INSERT INTO chunked_uploads ({SESSION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (upload_id) DO NOTHING RETURNING upload_id"
        );
        let begun: Result<bool, StoreError> = with_pool!(&self.db, pool => async {
            let mut tx = pool.begin().await?;
            let inserted: Option<String> = sqlx::query_scalar(&insert_session)
                .bind(&session.upload_id)
                .bind(&session.resource_type)
                .bind(&session.params_sha256)
                .bind(&session.requested_public_id)
                .bind(&session.public_id)
                .bind(&session.original_filename)
                .bind(session.total_bytes.map(db_int))
                .bind(db_int(session.received_bytes))
                .bind(session.expires_at)
                .fetch_optional(&mut *tx)
                .await?;
            if inserted.is_none() {
                tx.rollback().await?;
                return Ok::<bool, StoreError>(false);
            }
            insert_part!(tx, &session.upload_id, 0, bytes, blob_key)?;
            tx.commit().await?;
            Ok(true)
        }.await);
        self.keep_or_discard(&blob_key, begun).await
    }

    /// Adds `part` to the session of `upload_id` if the session still
    /// expects its first byte there. `Ok(false)`, and nothing kept, when it
    /// does not (another part took that place, or the session is gone).
    pub async fn append(&self, upload_id: &str, part: NextPart) -> Result<bool, StoreError> {
        let (blob_key, bytes) = self.put_part(part.data).await?;
        let received = part.first_byte.saturating_add(bytes);
        let appended: Result<bool, StoreError> = with_pool!(&self.db, pool => async {
            let mut tx = pool.begin().await?;
            let moved = sqlx::query(
                "UPDATE chunked_uploads SET received_bytes = $1, \
                 total_bytes = COALESCE(total_bytes, $2), expires_at = $3 \
                 WHERE upload_id = $4 AND received_bytes = $5",
            )
            .bind(db_int(received))
            .bind(part.total_bytes.map(db_int))
            .bind(part.expires_at)
            .bind(upload_id)
            .bind(db_int(part.first_byte))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved != 1 {
                tx.rollback().await?;
                return Ok::<bool, StoreError>(false);
            }
            insert_part!(tx, upload_id, part.first_byte, bytes, blob_key)?;
            tx.commit().await?;
            Ok(true)
        }.await);
        self.keep_or_discard(&blob_key, appended).await
    }

    /// Writes the parts of `upload_id` to `out` in order, each streamed from
    /// the blob store. Returns the bytes written. Fails if the parts do not
    /// follow each other from byte 0.
    pub async fn assemble_into(
        &self,
        upload_id: &str,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, StoreError> {
        let parts: Vec<(i64, i64, String)> = with_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT first_byte, bytes, blob_key FROM chunked_upload_parts \
                 WHERE upload_id = $1 ORDER BY first_byte",
            )
            .bind(upload_id)
            .fetch_all(pool)
            .await?
        });
        let mut written: u64 = 0;
        for (first_byte, bytes, blob_key) in parts {
            if u64::try_from(first_byte).ok() != Some(written) {
                return Err(broken(
                    upload_id,
                    format!("a part starts at byte {first_byte}, not {written}"),
                ));
            }
            let copied = self
                .blobs
                .copy_into(&BlobKey::parse(&blob_key)?, out)
                .await?;
            if u64::try_from(bytes).ok() != Some(copied) {
                return Err(broken(
                    upload_id,
                    format!("part {blob_key} has {copied} bytes, not {bytes}"),
                ));
            }
            written += copied;
        }
        Ok(written)
    }

    /// Deletes the session of `upload_id` and its parts (rows, then blobs).
    pub async fn discard(&self, upload_id: &str) -> Result<(), StoreError> {
        self.discard_where(upload_id, None).await.map(drop)
    }

    /// Deletes up to [`SWEEP_BATCH`] sessions that expired by `now` (unix
    /// seconds), with their parts; returns how many. A session a part
    /// renewed meanwhile is kept.
    pub async fn sweep_expired(&self, now: i64) -> Result<usize, StoreError> {
        let expired: Vec<String> = with_pool!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT upload_id FROM chunked_uploads WHERE expires_at <= $1 \
                 ORDER BY expires_at LIMIT $2",
            )
            .bind(now)
            .bind(SWEEP_BATCH)
            .fetch_all(pool)
            .await?
        });
        let mut removed = 0;
        for upload_id in expired {
            if self.discard_where(&upload_id, Some(now)).await? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Deletes the session (only if expired by `expired_by`, when given) and
    /// its part rows in one transaction, then the parts' blobs. Returns
    /// whether a session was deleted.
    async fn discard_where(
        &self,
        upload_id: &str,
        expired_by: Option<i64>,
    ) -> Result<bool, StoreError> {
        let blob_keys: Option<Vec<String>> = with_pool!(&self.db, pool => async {
            let mut tx = pool.begin().await?;
            // Deleting the session first claims it: a part racing this waits
            // for us, then finds no session and drops its own blob.
            let deleted: Option<String> = sqlx::query_scalar(
                "DELETE FROM chunked_uploads WHERE upload_id = $1 \
                 AND ($2 IS NULL OR expires_at <= $2) RETURNING upload_id",
            )
            .bind(upload_id)
            .bind(expired_by)
            .fetch_optional(&mut *tx)
            .await?;
            if deleted.is_none() {
                tx.rollback().await?;
                return Ok::<_, StoreError>(None);
            }
            let keys: Vec<String> = sqlx::query_scalar(
                "DELETE FROM chunked_upload_parts WHERE upload_id = $1 RETURNING blob_key",
            )
            .bind(upload_id)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(keys))
        }.await)?;
        let Some(blob_keys) = blob_keys else {
            return Ok(false);
        };
        for key in blob_keys {
            if let Ok(key) = BlobKey::parse(&key) {
                self.discard_blob(&key).await;
            }
        }
        Ok(true)
    }

    /// Stores a part's bytes under a fresh key.
    async fn put_part(&self, data: Bytes) -> Result<(BlobKey, u64), StoreError> {
        let key = BlobKey::for_version(&uuid::Uuid::new_v4().simple().to_string())?;
        let bytes = data.len() as u64;
        self.blobs.put(&key, data).await?;
        Ok((key, bytes))
    }

    /// The part's blob stays when its row was written; else it goes.
    async fn keep_or_discard(
        &self,
        key: &BlobKey,
        written: Result<bool, StoreError>,
    ) -> Result<bool, StoreError> {
        if !matches!(written, Ok(true)) {
            self.discard_blob(key).await;
        }
        written
    }

    /// A failure only leaves an orphan for the sweep: logged, not returned.
    async fn discard_blob(&self, key: &BlobKey) {
        if let Err(e) = self.blobs.delete(key).await {
            tracing::warn!(blob = %key, error = %e, "could not delete a chunked upload's part; the orphan sweep will");
        }
    }
}

fn session_of(row: SessionRow) -> ChunkSession {
    let (
        upload_id,
        resource_type,
        params_sha256,
        requested_public_id,
        public_id,
        original_filename,
        total_bytes,
        received_bytes,
        expires_at,
    ) = row;
    ChunkSession {
        upload_id,
        resource_type,
        params_sha256,
        requested_public_id,
        public_id,
        original_filename,
        total_bytes: total_bytes.and_then(|t| u64::try_from(t).ok()),
        received_bytes: u64::try_from(received_bytes).unwrap_or(0),
        expires_at,
    }
}

/// Sizes are bounded by `ASSAY_MAX_UPLOAD_BYTES`, far below `i64::MAX`.
fn db_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn broken(upload_id: &str, reason: String) -> StoreError {
    StoreError::CorruptRow {
        asset_id: format!("chunked upload {upload_id}"),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Backend, Sandbox};

    const NOW: i64 = 1_700_000_000;

    fn session(upload_id: &str, first_part: u64) -> ChunkSession {
        ChunkSession {
            upload_id: upload_id.to_owned(),
            resource_type: "image".to_owned(),
            params_sha256: "p".repeat(64),
            requested_public_id: None,
            public_id: "big".to_owned(),
            original_filename: Some("big".to_owned()),
            total_bytes: Some(10),
            received_bytes: first_part,
            expires_at: NOW + 60,
        }
    }

    fn part(first_byte: u64, data: &'static [u8], expires_at: i64) -> NextPart {
        NextPart {
            first_byte,
            data: Bytes::from_static(data),
            total_bytes: None,
            expires_at,
        }
    }

    /// Files under the sandbox's blob root, temporaries excepted.
    fn blob_files(sandbox: &Sandbox) -> usize {
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_name() != ".tmp")
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
        }
        count(&sandbox.blob_root)
    }

    #[tokio::test]
    async fn parts_assemble_in_order_and_discarding_leaves_nothing() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let store = sandbox.store().await.unwrap();
            let uploads = store.chunked_uploads();
            assert!(uploads
                .begin(&session("u1", 4), Bytes::from_static(b"0123"))
                .await
                .unwrap());
            assert!(uploads
                .append("u1", part(4, b"456", NOW + 90))
                .await
                .unwrap());
            let last = NextPart {
                total_bytes: Some(10),
                ..part(7, b"789", NOW + 120)
            };
            assert!(uploads.append("u1", last).await.unwrap());
            let stored = uploads.session("u1").await.unwrap().unwrap();
            assert_eq!(
                (stored.received_bytes, stored.total_bytes, stored.expires_at),
                (10, Some(10), NOW + 120),
                "{backend}"
            );
            assert_eq!(blob_files(&sandbox), 3, "{backend}: one blob per part");
            // Parts are referenced: the orphan sweep keeps them.
            store
                .sweep_orphans(std::time::Duration::ZERO)
                .await
                .unwrap();
            assert_eq!(
                blob_files(&sandbox),
                3,
                "{backend}: the orphan sweep kept the parts"
            );

            let mut whole = Vec::new();
            assert_eq!(uploads.assemble_into("u1", &mut whole).await.unwrap(), 10);
            assert_eq!(whole, b"0123456789", "{backend}");

            uploads.discard("u1").await.unwrap();
            assert_eq!(uploads.session("u1").await.unwrap(), None, "{backend}");
            assert_eq!(
                blob_files(&sandbox),
                0,
                "{backend}: the parts' blobs are gone"
            );
        }
    }

    #[tokio::test]
    async fn a_part_only_lands_where_the_session_expects_it() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let uploads = sandbox.store().await.unwrap().chunked_uploads();
            assert!(uploads
                .begin(&session("u2", 4), Bytes::from_static(b"0123"))
                .await
                .unwrap());
            assert!(
                !uploads
                    .begin(&session("u2", 4), Bytes::from_static(b"abcd"))
                    .await
                    .unwrap(),
                "{backend}: a second first part"
            );
            assert!(!uploads.append("u2", part(2, b"xx", NOW)).await.unwrap());
            assert!(!uploads.append("u2", part(6, b"xx", NOW)).await.unwrap());
            assert!(!uploads.append("none", part(0, b"xx", NOW)).await.unwrap());
            assert_eq!(
                blob_files(&sandbox),
                1,
                "{backend}: refused parts left nothing"
            );

            // Eight copies of the same next part race: one is kept.
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    let uploads = uploads.clone();
                    tokio::spawn(async move {
                        uploads
                            .append("u2", part(4, b"4567", NOW + 60))
                            .await
                            .unwrap()
                    })
                })
                .collect();
            let mut kept = 0;
            for racer in racers {
                kept += usize::from(racer.await.unwrap());
            }
            assert_eq!(kept, 1, "{backend}");
            assert_eq!(blob_files(&sandbox), 2, "{backend}");
            let mut whole = Vec::new();
            uploads.assemble_into("u2", &mut whole).await.unwrap();
            assert_eq!(whole, b"01234567", "{backend}");
        }
    }

    #[tokio::test]
    async fn expired_sessions_are_swept_with_their_parts_and_renewed_ones_kept() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let uploads = sandbox.store().await.unwrap().chunked_uploads();
            let stale = ChunkSession {
                expires_at: NOW - 1,
                ..session("stale", 2)
            };
            uploads
                .begin(&stale, Bytes::from_static(b"ab"))
                .await
                .unwrap();
            uploads
                .begin(&session("fresh", 2), Bytes::from_static(b"cd"))
                .await
                .unwrap();
            let renewed = ChunkSession {
                expires_at: NOW - 1,
                ..session("renewed", 2)
            };
            uploads
                .begin(&renewed, Bytes::from_static(b"ef"))
                .await
                .unwrap();
            uploads
                .append("renewed", part(2, b"gh", NOW + 60))
                .await
                .unwrap();

            assert_eq!(uploads.sweep_expired(NOW).await.unwrap(), 1, "{backend}");
            assert_eq!(uploads.session("stale").await.unwrap(), None);
            assert!(uploads.session("fresh").await.unwrap().is_some());
            assert!(uploads.session("renewed").await.unwrap().is_some());
            assert_eq!(
                blob_files(&sandbox),
                3,
                "{backend}: the stale part's blob is gone"
            );
            assert_eq!(uploads.sweep_expired(NOW).await.unwrap(), 0);
        }
    }
}
