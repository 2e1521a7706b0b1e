//! Blobs as files under a root directory.
//!
//! `put` writes to `<root>/.tmp/<random>`, fsyncs it, renames it to its final
//! path and fsyncs the directory: after a crash a final path holds either
//! nothing or the complete blob. `.tmp` cannot collide with a key because key
//! segments never contain a dot.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::io::AsyncWrite;

use super::{BlobEntry, BlobError, BlobKey, BlobStore};

const TEMP_DIR: &str = ".tmp";

#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// Uses `root`, creating it if missing.
    pub async fn open(root: &Path) -> Result<FsBlobStore, BlobError> {
        let root = root.to_path_buf();
        blocking(move || {
            std::fs::create_dir_all(root.join(TEMP_DIR))
                .map_err(|e| io_error(format!("creating blob root {}", root.display()), e))?;
            Ok(FsBlobStore { root })
        })
        .await
    }

    fn path_of(&self, key: &BlobKey) -> PathBuf {
        // BlobKey guarantees plain relative segments, so this stays under root.
        self.root.join(key.as_str())
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &BlobKey, data: Bytes) -> Result<(), BlobError> {
        let root = self.root.clone();
        let target = self.path_of(key);
        let temp = self
            .root
            .join(TEMP_DIR)
            .join(uuid::Uuid::new_v4().simple().to_string());
        blocking(move || {
            write_synced(&temp, &data)
                .map_err(|e| io_error(format!("writing {}", temp.display()), e))?;
            let result = move_into_place(&root, &temp, &target);
            if result.is_err() {
                let _ = std::fs::remove_file(&temp);
            }
            result.map_err(|e| io_error(format!("storing {}", target.display()), e))
        })
        .await
    }

    async fn get(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        match tokio::fs::read(self.path_of(key)).await {
            Ok(data) => Ok(Bytes::from(data)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(BlobError::NotFound(key.to_string()))
            }
            Err(e) => Err(io_error(format!("reading blob {key}"), e)),
        }
    }

    async fn copy_into(
        &self,
        key: &BlobKey,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, BlobError> {
        let mut file = match tokio::fs::File::open(self.path_of(key)).await {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(key.to_string()))
            }
            Err(e) => return Err(io_error(format!("reading blob {key}"), e)),
        };
        tokio::io::copy(&mut file, out)
            .await
            .map_err(|e| io_error(format!("copying blob {key}"), e))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path_of(key)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(format!("deleting blob {key}"), e)),
        }
    }

    async fn list(&self) -> Result<Vec<BlobEntry>, BlobError> {
        let root = self.root.clone();
        blocking(move || {
            let mut entries = Vec::new();
            collect_blobs(&root, &root, &mut entries)
                .map_err(|e| io_error(format!("listing {}", root.display()), e))?;
            Ok(entries)
        })
        .await
    }

    async fn remove_stale_temporaries(&self, older_than: SystemTime) -> Result<usize, BlobError> {
        let temp_dir = self.root.join(TEMP_DIR);
        blocking(move || {
            let mut removed = 0;
            let entries = std::fs::read_dir(&temp_dir)
                .map_err(|e| io_error(format!("listing {}", temp_dir.display()), e))?;
            for entry in entries.flatten() {
                let stale = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < older_than);
                if stale && std::fs::remove_file(entry.path()).is_ok() {
                    removed += 1;
                }
            }
            Ok(removed)
        })
        .await
    }

    async fn health(&self) -> Result<(), BlobError> {
        // A write proves more than a stat: a full or read-only disk fails here.
        let probe = self
            .root
            .join(TEMP_DIR)
            .join(format!("health-{}", uuid::Uuid::new_v4().simple()));
        blocking(move || {
            std::fs::write(&probe, b"ok")
                .and_then(|()| std::fs::remove_file(&probe))
                .map_err(|e| io_error(format!("writing {}", probe.display()), e))
        })
        .await
    }
}

fn write_synced(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(data)?;
    file.sync_all()
}

fn move_into_place(root: &Path, temp: &Path, target: &Path) -> io::Result<()> {
    let dir = target.parent().expect("a blob path has a parent: the root");
    std::fs::create_dir_all(dir)?;
    std::fs::rename(temp, target)?;
    // The rename is durable only once its directory entry is, and a shard
    // directory created just now only once its own entry in its parent is.
    for dir in dir.ancestors().take_while(|d| d.starts_with(root)) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn collect_blobs(root: &Path, dir: &Path, out: &mut Vec<BlobEntry>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let file_type = entry.file_type()?;
        if dir == root && entry.file_name() == TEMP_DIR {
            continue;
        }
        if file_type.is_dir() {
            collect_blobs(root, &path, out)?;
        } else if file_type.is_file() {
            // Files that are not valid keys were not written by us: leave them.
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if let Ok(key) = BlobKey::parse(&relative) {
                out.push(BlobEntry {
                    key,
                    last_modified: entry.metadata()?.modified()?,
                });
            }
        }
    }
    Ok(())
}

fn io_error(context: String, source: io::Error) -> BlobError {
    BlobError::Io { context, source }
}

/// Filesystem calls (and fsync above all) block; keep them off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BlobError::Io {
            context: "blob worker thread".into(),
            source: io::Error::other(e),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store_in(dir: &Path) -> FsBlobStore {
        FsBlobStore::open(&dir.join("blobs")).await.unwrap()
    }

    #[tokio::test]
    async fn a_blob_lands_at_its_key_under_the_root_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path()).await;
        let key = BlobKey::parse("ab/cd/abcdef").unwrap();

        store.put(&key, Bytes::from_static(b"bytes")).await.unwrap();

        assert_eq!(
            std::fs::read(dir.path().join("blobs/ab/cd/abcdef")).unwrap(),
            b"bytes"
        );
        assert_eq!(store.get(&key).await.unwrap(), "bytes");
        let temporaries = std::fs::read_dir(dir.path().join("blobs/.tmp"))
            .unwrap()
            .count();
        assert_eq!(temporaries, 0, "the temporary file was renamed, not copied");
    }

    #[tokio::test]
    async fn a_blob_is_copied_into_a_writer_and_a_missing_one_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path()).await;
        let key = BlobKey::parse("ab/cd/part").unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        store.put(&key, Bytes::from(data.clone())).await.unwrap();

        let mut out = Vec::new();
        assert_eq!(store.copy_into(&key, &mut out).await.unwrap(), 200_000);
        assert_eq!(out, data);
        let missing = BlobKey::parse("ab/cd/none").unwrap();
        assert!(matches!(
            store.copy_into(&missing, &mut out).await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn listing_skips_temporaries_and_files_that_are_not_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path()).await;
        store
            .put(
                &BlobKey::parse("ab/cd/one").unwrap(),
                Bytes::from_static(b"1"),
            )
            .await
            .unwrap();
        std::fs::write(dir.path().join("blobs/.tmp/partial"), b"p").unwrap();
        std::fs::write(dir.path().join("blobs/ab/notes.txt"), b"n").unwrap();

        let keys: Vec<String> = store
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.key.to_string())
            .collect();

        assert_eq!(keys, ["ab/cd/one"]);
    }

    #[tokio::test]
    async fn only_temporaries_older_than_the_cutoff_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path()).await;
        std::fs::write(dir.path().join("blobs/.tmp/partial"), b"p").unwrap();

        let long_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
        assert_eq!(store.remove_stale_temporaries(long_ago).await.unwrap(), 0);
        let later = SystemTime::now() + std::time::Duration::from_secs(1);
        assert_eq!(store.remove_stale_temporaries(later).await.unwrap(), 1);
        assert!(!dir.path().join("blobs/.tmp/partial").exists());
    }

    #[tokio::test]
    async fn health_fails_when_the_root_is_not_writable() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path()).await;
        store.health().await.unwrap();

        std::fs::remove_dir_all(dir.path().join("blobs")).unwrap();
        std::fs::write(dir.path().join("blobs"), b"now a file").unwrap();

        assert!(store.health().await.is_err());
    }
}
