//! The asset store's behaviour, every test run against both databases
//! (PostgreSQL at TEST_DATABASE_URL, a fresh database per test, and SQLite)
//! with a real blob directory.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::json;
use store::blob::{BlobEntry, FsBlobStore};
use store::testing::{Backend, Hold, Sandbox};
use store::{
    AssetKey, AssetUpdate, BlobError, BlobKey, BlobStore, Coordinates, Database, DeleteOutcome,
    ListQuery, NewAsset, OnExisting, Store, StoreError, StoredAnalysis,
};
use tokio::sync::Semaphore;

fn key(public_id: &str) -> AssetKey {
    AssetKey::new("image", "upload", public_id)
}

fn new_asset(public_id: &str) -> NewAsset {
    NewAsset {
        key: key(public_id),
        format: "jpg".into(),
        width: 640,
        height: 480,
        etag: "0123456789abcdef0123456789abcdef".into(),
        pages: 1,
        tags: vec!["a".into(), "b".into()],
        context: BTreeMap::from([("alt".to_string(), "x".to_string())]),
        coordinates: Coordinates {
            faces: vec![[1, 2, 3, 4]],
            custom: vec![[10, 20, 30, 40]],
        },
        original_filename: Some("red".into()),
        folder: String::new(),
        access_mode: "public".into(),
        analysis: StoredAnalysis {
            phash: Some("d8c926d5c28b6c67".into()),
            quality_analysis: Some(json!({"focus": 0.75})),
            ..StoredAnalysis::default()
        },
    }
}

async fn sandbox_and_store(backend: Backend) -> (Sandbox, Store) {
    let sandbox = Sandbox::new(backend).await;
    let store = sandbox
        .store()
        .await
        .unwrap_or_else(|e| panic!("{backend}: connecting: {e}"));
    (sandbox, store)
}

/// Keys of every blob in the sandbox's blob directory.
async fn stored_blobs(sandbox: &Sandbox) -> Vec<String> {
    let blobs = FsBlobStore::open(&sandbox.blob_root).await.unwrap();
    let mut keys: Vec<String> = blobs
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key.to_string())
        .collect();
    keys.sort();
    keys
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn an_ingested_asset_reads_back_with_every_field_and_its_original() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        let before = chrono::Utc::now().timestamp();

        let ingested = store
            .ingest(
                new_asset("sample"),
                Bytes::from_static(b"jpeg bytes"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();

        assert!(!ingested.existing);
        let asset = store.get(&key("sample")).await.unwrap();
        assert_eq!(asset, ingested.asset, "{backend}");
        assert!(
            is_hex32(&asset.asset_id) && is_hex32(&asset.version_id),
            "{backend}: {asset:?}"
        );
        assert!(
            asset.version >= before && asset.version <= chrono::Utc::now().timestamp(),
            "{backend}"
        );
        assert_eq!(asset.created_at.timestamp(), asset.version, "{backend}");
        assert_eq!(
            (asset.width, asset.height, asset.pages, asset.bytes),
            (640, 480, 1, 10),
            "{backend}"
        );
        assert_eq!(asset.format, "jpg");
        assert_eq!(asset.etag, "0123456789abcdef0123456789abcdef");
        assert_eq!(asset.tags, ["a", "b"]);
        assert_eq!(asset.context["alt"], "x");
        assert_eq!(
            asset.coordinates,
            Coordinates {
                faces: vec![[1, 2, 3, 4]],
                custom: vec![[10, 20, 30, 40]]
            }
        );
        assert_eq!(asset.original_filename.as_deref(), Some("red"));
        assert_eq!(asset.analysis, new_asset("red").analysis, "{backend}");
        assert_eq!(
            store.read_original(&asset).await.unwrap(),
            "jpeg bytes",
            "{backend}"
        );
        assert_eq!(stored_blobs(&sandbox).await.len(), 1, "{backend}");
    }
}

#[tokio::test]
async fn an_unknown_asset_is_not_found() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        let err = store.get(&key("nothing")).await.unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound(ref k) if k.public_id == "nothing"),
            "{backend}: {err}"
        );
        assert_eq!(err.to_string(), "Resource not found - nothing");
    }
}

#[tokio::test]
async fn an_overwrite_is_a_new_version_of_the_same_asset_and_frees_the_old_blob() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        let first = store
            .ingest(
                new_asset("pic"),
                Bytes::from_static(b"first"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;
        let mut second_asset = new_asset("pic");
        second_asset.tags = vec!["new".into()];

        let second = store
            .ingest(
                second_asset,
                Bytes::from_static(b"second!"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();

        assert!(!second.existing);
        let current = store.get(&key("pic")).await.unwrap();
        assert_eq!(
            current.asset_id, first.asset_id,
            "{backend}: asset_id is stable across versions"
        );
        assert_ne!(current.version_id, first.version_id, "{backend}");
        // Even within the same second, the version moves forward.
        assert!(
            current.version > first.version,
            "{backend}: {} then {}",
            first.version,
            current.version
        );
        assert_eq!(current.tags, ["new"]);
        assert_eq!(current.bytes, 7);
        assert_eq!(
            store.read_original(&current).await.unwrap(),
            "second!",
            "{backend}"
        );
        assert_eq!(
            stored_blobs(&sandbox).await,
            [current.blob_key.as_str()],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn keep_existing_returns_the_stored_asset_untouched() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        let original = store
            .ingest(
                new_asset("kept"),
                Bytes::from_static(b"original"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;
        let mut other = new_asset("kept");
        other.width = 1;

        let result = store
            .ingest(other, Bytes::from_static(b"ignored"), OnExisting::Keep)
            .await
            .unwrap();

        assert!(result.existing, "{backend}");
        assert_eq!(result.asset, original, "{backend}");
        assert_eq!(
            store.get(&key("kept")).await.unwrap(),
            original,
            "{backend}"
        );
        assert_eq!(store.read_original(&original).await.unwrap(), "original");
        assert_eq!(stored_blobs(&sandbox).await.len(), 1, "{backend}");
        // Keep on a new public_id stores it.
        let fresh = store
            .ingest(
                new_asset("fresh"),
                Bytes::from_static(b"x"),
                OnExisting::Keep,
            )
            .await
            .unwrap();
        assert!(!fresh.existing, "{backend}");
    }
}

/// A blob store whose `put` waits until the test lets it finish, so the test
/// can look at the store while a new version is on its way.
#[derive(Debug)]
struct GatedBlobs {
    inner: FsBlobStore,
    gate: Arc<Semaphore>,
}

#[async_trait]
impl BlobStore for GatedBlobs {
    async fn put(&self, key: &BlobKey, data: Bytes) -> Result<(), BlobError> {
        self.gate.acquire().await.expect("gate open").forget();
        self.inner.put(key, data).await
    }
    async fn get(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        self.inner.get(key).await
    }
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        self.inner.delete(key).await
    }
    async fn list(&self) -> Result<Vec<BlobEntry>, BlobError> {
        self.inner.list().await
    }
    async fn health(&self) -> Result<(), BlobError> {
        self.inner.health().await
    }
}

#[tokio::test]
async fn readers_see_the_previous_version_until_an_overwrite_commits() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let gate = Arc::new(Semaphore::new(1));
        let blobs = GatedBlobs {
            inner: FsBlobStore::open(&sandbox.blob_root).await.unwrap(),
            gate: gate.clone(),
        };
        let store = Store::new(
            Database::connect(&sandbox.database_url).await.unwrap(),
            Arc::new(blobs),
        );
        let old = store
            .ingest(
                new_asset("live"),
                Bytes::from_static(b"old"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;

        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .ingest(
                        new_asset("live"),
                        Bytes::from_static(b"new"),
                        OnExisting::Overwrite,
                    )
                    .await
            })
        };
        tokio::task::yield_now().await;

        let (during, bytes) = store.get_with_original(&key("live")).await.unwrap();
        assert_eq!(
            (during.version_id.as_str(), &bytes[..]),
            (old.version_id.as_str(), &b"old"[..]),
            "{backend}"
        );

        gate.add_permits(1);
        let new = writer.await.unwrap().unwrap().asset;
        let (after, bytes) = store.get_with_original(&key("live")).await.unwrap();
        assert_eq!(
            (after.version_id, &bytes[..]),
            (new.version_id, &b"new"[..]),
            "{backend}"
        );
    }
}

/// A blob store that cannot write.
#[derive(Debug)]
struct BrokenBlobs(FsBlobStore);

#[async_trait]
impl BlobStore for BrokenBlobs {
    async fn put(&self, _key: &BlobKey, _data: Bytes) -> Result<(), BlobError> {
        Err(BlobError::ObjectStore("disk on fire".into()))
    }
    async fn get(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        self.0.get(key).await
    }
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        self.0.delete(key).await
    }
    async fn list(&self) -> Result<Vec<BlobEntry>, BlobError> {
        self.0.list().await
    }
    async fn health(&self) -> Result<(), BlobError> {
        Err(BlobError::ObjectStore("disk on fire".into()))
    }
}

#[tokio::test]
async fn a_failed_blob_write_stores_no_row_and_keeps_the_previous_version() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        let old = store
            .ingest(
                new_asset("safe"),
                Bytes::from_static(b"old"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;
        let broken = Store::new(
            store.database().clone(),
            Arc::new(BrokenBlobs(
                FsBlobStore::open(&sandbox.blob_root).await.unwrap(),
            )),
        );

        let err = broken
            .ingest(
                new_asset("safe"),
                Bytes::from_static(b"new"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Blob(_)), "{backend}: {err}");
        assert!(broken
            .ingest(
                new_asset("other"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite
            )
            .await
            .is_err());

        assert_eq!(store.get(&key("safe")).await.unwrap(), old, "{backend}");
        assert!(
            matches!(store.get(&key("other")).await, Err(StoreError::NotFound(_))),
            "{backend}"
        );
        assert!(broken.health().await.is_err(), "{backend}");
    }
}

#[tokio::test]
async fn a_failed_commit_leaves_no_blob_behind() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        store.close().await;

        let result = store
            .ingest(
                new_asset("lost"),
                Bytes::from_static(b"bytes"),
                OnExisting::Overwrite,
            )
            .await;

        assert!(
            matches!(result, Err(StoreError::Database(_))),
            "{backend}: {result:?}"
        );
        assert!(stored_blobs(&sandbox).await.is_empty(), "{backend}");
        assert!(store.health().await.is_err(), "{backend}");
    }
}

#[tokio::test]
async fn an_update_changes_what_it_names_and_merges_analysis() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        let before = store
            .ingest(
                new_asset("upd"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;
        let update = AssetUpdate {
            tags: Some(vec!["t1".into()]),
            context: None,
            face_coordinates: Some(vec![]),
            custom_coordinates: Some(vec![[5, 6, 7, 8]]),
            analysis: StoredAnalysis {
                phash: Some("ffffffffffffffff".into()),
                faces_detected: true,
                ..StoredAnalysis::default()
            },
            only_if_version: None,
        };

        let updated = store.update(&key("upd"), &update).await.unwrap();

        assert_eq!(store.get(&key("upd")).await.unwrap(), updated, "{backend}");
        assert_eq!(updated.tags, ["t1"]);
        assert_eq!(
            updated.context, before.context,
            "{backend}: context not named, so kept"
        );
        assert_eq!(
            updated.coordinates,
            Coordinates {
                faces: vec![],
                custom: vec![[5, 6, 7, 8]]
            }
        );
        assert_eq!(updated.analysis.phash.as_deref(), Some("ffffffffffffffff"));
        assert!(updated.analysis.faces_detected);
        assert_eq!(
            updated.analysis.quality_analysis, before.analysis.quality_analysis,
            "{backend}: other results kept"
        );
        assert_eq!(
            (updated.version, &updated.version_id),
            (before.version, &before.version_id),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn updating_an_unknown_asset_is_not_found() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        let err = store
            .update(&key("ghost"), &AssetUpdate::default())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{backend}: {err}");
    }
}

/// A record with only the `i`th of eight results set (each a different field).
fn one_result(i: usize) -> StoredAnalysis {
    let value = json!({ "update": i });
    let text = format!("result {i}");
    let mut analysis = StoredAnalysis::default();
    match i {
        0 => analysis.info = Some(value),
        1 => analysis.media_metadata = value.as_object().cloned(),
        2 => analysis.accessibility_analysis = Some(value),
        3 => analysis.cinemagraph_analysis = Some(value),
        4 => analysis.blurhash = Some(text),
        5 => analysis.thumbhash = Some(text),
        6 => analysis.average_color = Some(value),
        _ => analysis.faces_detected = true,
    }
    analysis
}

#[tokio::test]
async fn concurrent_updates_lose_no_change() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        store
            .ingest(
                new_asset("busy"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();

        let updates = (0..8).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let update = AssetUpdate {
                    analysis: one_result(i),
                    ..AssetUpdate::default()
                };
                store.update(&key("busy"), &update).await.unwrap();
            })
        });
        for update in updates {
            update.await.unwrap();
        }

        let asset = store.get(&key("busy")).await.unwrap();
        let mut expected = new_asset("busy").analysis;
        for i in 0..8 {
            expected.merge(one_result(i));
        }
        assert_eq!(asset.analysis, expected, "{backend}: a result was lost");
    }
}

/// The race rule of analysis writes: an update computed from one version is
/// written only while that version is current, whether the version was
/// replaced by an overwrite or by a delete and a new upload.
#[tokio::test]
async fn an_update_for_a_replaced_version_writes_nothing() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        let analysed = store
            .ingest(
                new_asset("v"),
                Bytes::from_static(b"a"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;
        let update = AssetUpdate {
            face_coordinates: Some(vec![[9, 9, 9, 9]]),
            only_if_version: Some(analysed.version_id.clone()),
            analysis: StoredAnalysis {
                phash: Some("0000000000000001".into()),
                ..StoredAnalysis::default()
            },
            ..AssetUpdate::default()
        };

        let written = store.update(&key("v"), &update).await.unwrap();
        assert_eq!(
            written.analysis.phash.as_deref(),
            Some("0000000000000001"),
            "{backend}"
        );

        for replace in ["overwrite", "delete and upload"] {
            if replace == "overwrite" {
                store
                    .ingest(
                        new_asset("v"),
                        Bytes::from_static(b"b"),
                        OnExisting::Overwrite,
                    )
                    .await
                    .unwrap();
            } else {
                store.delete(&[key("v")]).await.unwrap();
                store
                    .ingest(
                        new_asset("v"),
                        Bytes::from_static(b"c"),
                        OnExisting::Overwrite,
                    )
                    .await
                    .unwrap();
            }
            let current = store.get(&key("v")).await.unwrap();
            let err = store.update(&key("v"), &update).await.unwrap_err();
            assert!(
                matches!(&err, StoreError::VersionChanged { expected, .. } if *expected == analysed.version_id),
                "{backend} {replace}: {err}"
            );
            assert_eq!(
                store.get(&key("v")).await.unwrap(),
                current,
                "{backend} {replace}: nothing written"
            );
        }
    }
}

/// A blob store whose `get` stops at a [`Hold`] first, so a test can commit
/// an overwrite between a reader's row and its blob.
#[derive(Debug)]
struct HeldReads {
    inner: FsBlobStore,
    hold: Arc<Hold>,
}

#[async_trait]
impl BlobStore for HeldReads {
    async fn put(&self, key: &BlobKey, data: Bytes) -> Result<(), BlobError> {
        self.inner.put(key, data).await
    }
    async fn get(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        self.hold.pass().await;
        self.inner.get(key).await
    }
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        self.inner.delete(key).await
    }
    async fn list(&self) -> Result<Vec<BlobEntry>, BlobError> {
        self.inner.list().await
    }
    async fn health(&self) -> Result<(), BlobError> {
        self.inner.health().await
    }
}

/// A snapshot read that loses its blob to an overwrite reads the new version,
/// row and bytes together, instead of failing with "blob not found"; a
/// conditional GET that needs no bytes reads no blob.
#[tokio::test]
async fn a_snapshot_read_follows_an_overwrite_that_removed_its_blob() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let hold = Arc::new(Hold::new());
        let blobs = HeldReads {
            inner: FsBlobStore::open(&sandbox.blob_root).await.unwrap(),
            hold: hold.clone(),
        };
        let store = Store::new(
            Database::connect(&sandbox.database_url).await.unwrap(),
            Arc::new(blobs),
        );
        let old = store
            .ingest(
                new_asset("snap"),
                Bytes::from_static(b"old"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;

        // Twice: each read meets one overwrite, so it needs a third attempt.
        hold.arm(2);
        let reader = {
            let store = store.clone();
            tokio::spawn(async move { store.get_with_original(&key("snap")).await })
        };
        let mut newest = old.clone();
        for contents in ["new", "newer"] {
            hold.arrived().await;
            newest = store
                .ingest(
                    new_asset("snap"),
                    Bytes::from(contents),
                    OnExisting::Overwrite,
                )
                .await
                .unwrap()
                .asset;
            hold.release();
        }
        let (asset, bytes) = reader.await.unwrap().unwrap();
        assert_eq!(
            (asset.version_id.as_str(), &bytes[..]),
            (newest.version_id.as_str(), &b"newer"[..]),
            "{backend}"
        );

        let (asset, bytes) = store
            .get_with_original_if(&key("snap"), |asset| asset.version_id != newest.version_id)
            .await
            .unwrap();
        assert_eq!((asset, bytes), (newest, None), "{backend}");
    }
}

/// Versions stay unique per public_id (delivery URLs carry them) and run at
/// most `MAX_VERSION_LEAD` (10) seconds ahead of the clock: a burst of
/// overwrites is refused, with nothing written, once the next version would
/// be further ahead.
#[tokio::test]
async fn rapid_overwrites_never_run_far_ahead_of_the_clock() {
    const MAX_VERSION_LEAD: i64 = 10;
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        let mut versions = BTreeSet::new();
        let mut refusal = None;
        // Far more than fit in the lead: they are written within a few seconds.
        for i in 0..40 {
            let result = store
                .ingest(
                    new_asset("burst"),
                    Bytes::from(format!("v{i}")),
                    OnExisting::Overwrite,
                )
                .await;
            let after = chrono::Utc::now().timestamp();
            match result {
                Ok(ingested) => {
                    let version = ingested.asset.version;
                    assert!(
                        version <= after + MAX_VERSION_LEAD,
                        "{backend}: version {version} at {after}"
                    );
                    assert!(versions.insert(version), "{backend}: {version} twice");
                }
                Err(err) => {
                    refusal = Some(err);
                    break;
                }
            }
        }
        let Some(StoreError::TooManyVersions {
            key: refused,
            retry_after_secs,
        }) = refusal
        else {
            panic!("{backend}: 40 overwrites in a burst were all accepted: {refusal:?}");
        };
        assert_eq!(refused, key("burst"));
        assert!(
            (1..=MAX_VERSION_LEAD).contains(&retry_after_secs),
            "{backend}"
        );
        assert!(
            versions.len() > MAX_VERSION_LEAD as usize,
            "{backend}: a burst fits"
        );
        let current = store.get(&key("burst")).await.unwrap();
        assert_eq!(Some(&current.version), versions.last(), "{backend}");
        assert_eq!(
            stored_blobs(&sandbox).await,
            [current.blob_key.as_str()],
            "{backend}: the refused version left no blob"
        );
    }
}

#[tokio::test]
async fn listing_pages_newest_first_with_a_cursor() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        for id in ["a1", "a2", "a3", "a4", "a5"] {
            store
                .ingest(
                    new_asset(id),
                    Bytes::from_static(b"x"),
                    OnExisting::Overwrite,
                )
                .await
                .unwrap();
        }

        let mut seen = Vec::new();
        let mut query = ListQuery {
            max_results: 2,
            ..ListQuery::new("image")
        };
        let mut pages = 0;
        loop {
            let page = store.list(&query).await.unwrap();
            pages += 1;
            assert!(page.assets.len() <= 2);
            seen.extend(page.assets.into_iter().map(|a| a.public_id));
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }

        assert_eq!(seen, ["a5", "a4", "a3", "a2", "a1"], "{backend}");
        assert_eq!(pages, 3, "{backend}");
    }
}

#[tokio::test]
async fn an_overwritten_asset_moves_to_the_front_of_the_list() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        for id in ["old", "newer"] {
            store
                .ingest(
                    new_asset(id),
                    Bytes::from_static(b"x"),
                    OnExisting::Overwrite,
                )
                .await
                .unwrap();
        }
        store
            .ingest(
                new_asset("old"),
                Bytes::from_static(b"y"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();

        let page = store.list(&ListQuery::new("image")).await.unwrap();
        let ids: Vec<_> = page.assets.iter().map(|a| a.public_id.as_str()).collect();
        assert_eq!(ids, ["old", "newer"], "{backend}");
    }
}

#[tokio::test]
async fn listing_filters_by_prefix_type_and_public_ids() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        for id in [
            "f/one",
            "f/two",
            "F/upper",
            "g/three",
            "f_not_folder",
            "été/ü",
        ] {
            store
                .ingest(
                    new_asset(id),
                    Bytes::from_static(b"x"),
                    OnExisting::Overwrite,
                )
                .await
                .unwrap();
        }
        let mut private = new_asset("f/private");
        private.key.delivery_type = "private".into();
        store
            .ingest(private, Bytes::from_static(b"x"), OnExisting::Overwrite)
            .await
            .unwrap();
        let ids = |page: store::Page| -> BTreeSet<String> {
            page.assets.into_iter().map(|a| a.public_id).collect()
        };

        let prefixed = ListQuery {
            prefix: Some("f/".into()),
            delivery_type: Some("upload".into()),
            ..ListQuery::new("image")
        };
        assert_eq!(
            ids(store.list(&prefixed).await.unwrap()),
            BTreeSet::from(["f/one".into(), "f/two".into()]),
            "{backend}"
        );

        let any_type = ListQuery {
            prefix: Some("f/".into()),
            ..ListQuery::new("image")
        };
        assert_eq!(
            ids(store.list(&any_type).await.unwrap()).len(),
            3,
            "{backend}"
        );

        let unicode = ListQuery {
            prefix: Some("été/".into()),
            ..ListQuery::new("image")
        };
        assert_eq!(
            ids(store.list(&unicode).await.unwrap()),
            BTreeSet::from(["été/ü".into()]),
            "{backend}"
        );

        let by_ids = ListQuery {
            public_ids: Some(vec!["g/three".into(), "f/one".into(), "missing".into()]),
            delivery_type: Some("upload".into()),
            ..ListQuery::new("image")
        };
        assert_eq!(
            ids(store.list(&by_ids).await.unwrap()),
            BTreeSet::from(["f/one".into(), "g/three".into()]),
            "{backend}"
        );

        let other_resource_type = ListQuery::new("video");
        assert!(
            store
                .list(&other_resource_type)
                .await
                .unwrap()
                .assets
                .is_empty(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_cursor_the_store_did_not_hand_out_is_refused() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        let query = ListQuery {
            cursor: Some("not a cursor".into()),
            ..ListQuery::new("image")
        };
        assert!(
            matches!(store.list(&query).await, Err(StoreError::InvalidCursor)),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn deleting_removes_row_and_blob_and_reports_per_id() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        store
            .ingest(
                new_asset("a"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();
        store
            .ingest(
                new_asset("b/c"),
                Bytes::from_static(b"y"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();

        let outcomes = store
            .delete(&[key("a"), key("missing"), key("b/c")])
            .await
            .unwrap();

        let words: Vec<(&str, &str)> = outcomes
            .iter()
            .map(|(k, o)| (k.public_id.as_str(), o.as_str()))
            .collect();
        assert_eq!(
            words,
            [
                ("a", "deleted"),
                ("missing", "not_found"),
                ("b/c", "deleted")
            ],
            "{backend}"
        );
        assert_eq!(outcomes[0].1, DeleteOutcome::Deleted);
        assert!(
            matches!(store.get(&key("a")).await, Err(StoreError::NotFound(_))),
            "{backend}"
        );
        assert!(stored_blobs(&sandbox).await.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn public_ids_never_become_paths() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        // The API refuses such ids; the store must be safe even if one got through.
        let hostile = [
            "../../escape",
            "/etc/passwd",
            "dossier/été 2024+1",
            "a\\b",
            "..",
            "x/./y",
        ];
        for id in hostile {
            store
                .ingest(
                    new_asset(id),
                    Bytes::from(id.as_bytes().to_vec()),
                    OnExisting::Overwrite,
                )
                .await
                .unwrap();
        }

        for id in hostile {
            let (asset, bytes) = store.get_with_original(&key(id)).await.unwrap();
            assert_eq!(asset.public_id, id);
            assert_eq!(bytes, id.as_bytes(), "{backend}");
        }
        let blobs = stored_blobs(&sandbox).await;
        assert_eq!(blobs.len(), hostile.len(), "{backend}");
        assert!(
            blobs
                .iter()
                .all(|b| !b.contains("..") && !b.contains("escape")),
            "{blobs:?}"
        );
        let outside: Vec<_> = std::fs::read_dir(sandbox.scratch_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            outside.iter().all(|name| name != "escape"),
            "{backend}: {outside:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_overwrites_of_one_public_id_keep_one_consistent_asset() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        // No row yet: the first writers also race to insert it.
        let writers = (0..8).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let original = format!("version {i}");
                let asset = store
                    .ingest(
                        new_asset("race"),
                        Bytes::from(original.clone()),
                        OnExisting::Overwrite,
                    )
                    .await
                    .unwrap()
                    .asset;
                (asset, original)
            })
        });
        let mut written = Vec::new();
        for writer in writers {
            written.push(writer.await.unwrap());
        }

        let versions: BTreeSet<i64> = written.iter().map(|(a, _)| a.version).collect();
        assert_eq!(
            versions.len(),
            8,
            "{backend}: every version distinct: {versions:?}"
        );
        let asset_ids: BTreeSet<&str> = written.iter().map(|(a, _)| a.asset_id.as_str()).collect();
        assert_eq!(asset_ids.len(), 1, "{backend}: one asset");
        let (last, last_original) = written.iter().max_by_key(|(a, _)| a.version).unwrap();
        let (current, bytes) = store.get_with_original(&key("race")).await.unwrap();
        assert_eq!(&current, last, "{backend}: the newest version wins");
        assert_eq!(
            bytes,
            last_original.as_bytes(),
            "{backend}: with its own original"
        );
        assert_eq!(
            stored_blobs(&sandbox).await,
            [current.blob_key.as_str()],
            "{backend}: older blobs freed"
        );
    }
}

#[tokio::test]
async fn the_sweep_removes_only_unreferenced_blobs_past_the_grace_period() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        let kept = store
            .ingest(
                new_asset("kept"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap()
            .asset;
        let blobs = FsBlobStore::open(&sandbox.blob_root).await.unwrap();
        // What a crash between blob write and commit leaves behind.
        blobs
            .put(
                &BlobKey::parse("ab/cd/orphan").unwrap(),
                Bytes::from_static(b"o"),
            )
            .await
            .unwrap();
        std::fs::write(sandbox.blob_root.join(".tmp/half-written"), b"partial").unwrap();

        let young = store
            .sweep_orphans(Duration::from_secs(3600))
            .await
            .unwrap();
        assert_eq!(young.orphan_blobs, 0, "{backend}: too young to be sure");
        assert_eq!(stored_blobs(&sandbox).await.len(), 2);

        tokio::time::sleep(Duration::from_millis(20)).await;
        let swept = store.sweep_orphans(Duration::ZERO).await.unwrap();

        assert_eq!(
            swept.orphan_blobs, 2,
            "{backend}: the orphan and the temporary file"
        );
        assert_eq!(
            stored_blobs(&sandbox).await,
            [kept.blob_key.as_str()],
            "{backend}"
        );
        assert!(!sandbox.blob_root.join(".tmp/half-written").exists());
        assert_eq!(store.read_original(&kept).await.unwrap(), "x");
    }
}

#[tokio::test]
async fn health_checks_database_and_blobs() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        store
            .health()
            .await
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
    }
}

#[tokio::test]
async fn connecting_twice_runs_migrations_once_and_keeps_data() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let store = sandbox.store().await.unwrap();
        store
            .ingest(
                new_asset("persisted"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();
        let again = sandbox.store().await.unwrap();
        assert_eq!(
            again.get(&key("persisted")).await.unwrap().public_id,
            "persisted",
            "{backend}"
        );
    }
}

#[tokio::test]
async fn replicas_starting_together_on_a_fresh_database_all_come_up() {
    for backend in Backend::ALL {
        for _ in 0..5 {
            let sandbox = Sandbox::new(backend).await;
            let (a, b, c) = tokio::join!(sandbox.store(), sandbox.store(), sandbox.store());
            for started in [a, b, c] {
                let store = started.unwrap_or_else(|e| panic!("{backend}: {e}"));
                store.health().await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn a_sqlite_file_and_its_directories_are_created_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        dir.path().join("nested/deeper/assay.db").display()
    );
    let storage = common::StorageLocation::Directory(dir.path().join("blobs"));

    let store = Store::connect(&url, &storage).await.unwrap();

    store.health().await.unwrap();
    assert!(dir.path().join("nested/deeper/assay.db").exists());
}

#[tokio::test]
async fn an_unknown_database_kind_is_a_clear_error() {
    let storage = common::StorageLocation::Directory(tempfile::tempdir().unwrap().path().join("b"));
    let err = Store::connect("mysql://localhost/x", &storage)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedDatabase), "{err}");
}
