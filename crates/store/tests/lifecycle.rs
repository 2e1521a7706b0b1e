//! Rename, tag and context edits, and the tag/context listings, against
//! both databases: what one call writes, and what many racing calls leave
//! (no lost edit, no deadlock, one blob per row).

// A test: a panic is its failure report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use bytes::Bytes;
use store::blob::{BlobStore, FsBlobStore};
use store::labels::{
    ContextEdit, LabelEdit, LabelFilter, LabelledQuery, OnTargetExists, TagEdit, TagQuery,
};
use store::testing::{Backend, Sandbox};
use store::{AssetKey, Coordinates, NewAsset, OnExisting, Store, StoreError, StoredAnalysis};

fn key(public_id: &str) -> AssetKey {
    AssetKey::new("image", "upload", public_id)
}

fn new_asset(public_id: &str, tags: &[&str]) -> NewAsset {
    NewAsset {
        key: key(public_id),
        format: "jpg".into(),
        width: 4,
        height: 3,
        etag: "0123456789abcdef0123456789abcdef".into(),
        pages: 1,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        context: BTreeMap::new(),
        coordinates: Coordinates::default(),
        original_filename: None,
        folder: String::new(),
        access_mode: "public".into(),
        analysis: StoredAnalysis::default(),
    }
}

async fn sandbox_and_store(backend: Backend) -> (Sandbox, Store) {
    let sandbox = Sandbox::new(backend).await;
    let store = sandbox.store().await.unwrap();
    (sandbox, store)
}

async fn ingest(store: &Store, public_id: &str, tags: &[&str], bytes: &'static [u8]) {
    store
        .ingest(
            new_asset(public_id, tags),
            Bytes::from_static(bytes),
            OnExisting::Overwrite,
        )
        .await
        .unwrap();
}

async fn blob_count(sandbox: &Sandbox) -> usize {
    FsBlobStore::open(&sandbox.blob_root)
        .await
        .unwrap()
        .list()
        .await
        .unwrap()
        .len()
}

async fn row_count(store: &Store) -> usize {
    let mut query = store::ListQuery::new("image");
    query.max_results = 500;
    store.list(&query).await.unwrap().assets.len()
}

#[tokio::test]
async fn a_rename_moves_everything_and_an_overwrite_frees_the_targets_blob() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        ingest(&store, "a/x", &["t"], b"first").await;
        ingest(&store, "b/y", &[], b"second").await;
        let before = store.get(&key("a/x")).await.unwrap();

        let moved = store
            .rename(&key("a/x"), &key("c/z"), OnTargetExists::Refuse)
            .await
            .unwrap();
        assert_eq!(moved.public_id, "c/z", "{backend}");
        assert_eq!(
            (
                &moved.asset_id,
                &moved.version_id,
                &moved.blob_key,
                moved.version
            ),
            (
                &before.asset_id,
                &before.version_id,
                &before.blob_key,
                before.version
            )
        );
        assert!(matches!(
            store.get(&key("a/x")).await,
            Err(StoreError::NotFound(_))
        ));

        let refused = store
            .rename(&key("c/z"), &key("b/y"), OnTargetExists::Refuse)
            .await;
        assert!(
            matches!(refused, Err(StoreError::AlreadyExists(ref k)) if k.public_id == "b/y"),
            "{backend}: {refused:?}"
        );
        assert_eq!(blob_count(&sandbox).await, 2);

        let target = store.get(&key("b/y")).await.unwrap();
        let replaced = store
            .rename(&key("c/z"), &key("b/y"), OnTargetExists::Replace)
            .await
            .unwrap();
        assert_eq!(replaced.asset_id, before.asset_id);
        assert!(replaced.version > target.version, "{backend}");
        assert_eq!(
            store.read_original(&replaced).await.unwrap(),
            Bytes::from_static(b"first")
        );
        assert_eq!(
            (row_count(&store).await, blob_count(&sandbox).await),
            (1, 1)
        );

        assert!(matches!(
            store
                .rename(&key("nothing"), &key("x"), OnTargetExists::Replace)
                .await,
            Err(StoreError::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn racing_renames_both_ways_and_uploads_keep_one_blob_per_row() {
    for backend in Backend::ALL {
        let (sandbox, store) = sandbox_and_store(backend).await;
        ingest(&store, "p", &[], b"p").await;
        ingest(&store, "q", &[], b"q").await;
        let mut tasks = Vec::new();
        for round in 0..12 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let (from, to) = if round % 2 == 0 {
                    ("p", "q")
                } else {
                    ("q", "p")
                };
                if round % 3 == 0 {
                    // A new version uploaded while renames run.
                    store
                        .ingest(
                            new_asset(to, &[]),
                            Bytes::from_static(b"new"),
                            OnExisting::Overwrite,
                        )
                        .await
                        .map(drop)
                } else {
                    match store
                        .rename(&key(from), &key(to), OnTargetExists::Replace)
                        .await
                    {
                        Ok(_) | Err(StoreError::NotFound(_)) => Ok(()),
                        Err(e) => Err(e),
                    }
                }
            }));
        }
        for task in tasks {
            let outcome = task.await.unwrap();
            // Too many versions in one second is the store's budget, not a fault.
            assert!(
                matches!(outcome, Ok(()) | Err(StoreError::TooManyVersions { .. })),
                "{backend}: {outcome:?}"
            );
        }
        let rows = row_count(&store).await;
        assert!(rows >= 1, "{backend}");
        assert_eq!(
            blob_count(&sandbox).await,
            rows,
            "{backend}: one blob per row"
        );
    }
}

#[tokio::test]
async fn concurrent_tag_edits_lose_nothing() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        ingest(&store, "a", &[], b"a").await;
        ingest(&store, "b", &[], b"b").await;
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = store.clone();
            // Half name the assets in the other order: locks are taken in key order.
            let keys = if i % 2 == 0 {
                vec![key("a"), key("b")]
            } else {
                vec![key("b"), key("a")]
            };
            tasks.push(tokio::spawn(async move {
                store
                    .edit_labels(&keys, &LabelEdit::Tags(TagEdit::Add(vec![format!("t{i}")])))
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        for id in ["a", "b"] {
            let mut tags = store.get(&key(id)).await.unwrap().tags;
            tags.sort();
            let mut expected: Vec<String> = (0..16).map(|i| format!("t{i}")).collect();
            expected.sort();
            assert_eq!(tags, expected, "{backend}: {id}");
        }
    }
}

#[tokio::test]
async fn edits_answer_the_assets_changed_and_refuse_past_the_tag_limit() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        ingest(&store, "a", &["old"], b"a").await;
        ingest(&store, "b", &[], b"b").await;
        let changed = store
            .edit_labels(
                &[key("b"), key("missing"), key("a"), key("b")],
                &LabelEdit::Context(ContextEdit::Add(BTreeMap::from([(
                    "k".to_owned(),
                    "v".to_owned(),
                )]))),
            )
            .await
            .unwrap();
        assert_eq!(changed, ["b", "a"], "{backend}");

        let many: Vec<String> = (0..store::labels::MAX_TAGS_PER_ASSET)
            .map(|i| format!("n{i}"))
            .collect();
        let refused = store
            .edit_labels(&[key("b"), key("a")], &LabelEdit::Tags(TagEdit::Add(many)))
            .await;
        assert!(
            matches!(refused, Err(StoreError::TooManyTags { ref key, max: 1000 }) if key.public_id == "a"),
            "{backend}: {refused:?}"
        );
        assert!(
            store.get(&key("b")).await.unwrap().tags.is_empty(),
            "{backend}: all or nothing"
        );
    }
}

#[tokio::test]
async fn tags_and_labelled_assets_list_page_by_page() {
    for backend in Backend::ALL {
        let (_sandbox, store) = sandbox_and_store(backend).await;
        ingest(&store, "one", &["Blue", "blue", "blé"], b"1").await;
        ingest(&store, "two", &["blue", "red"], b"2").await;
        ingest(&store, "three", &["blue"], b"3").await;

        let mut tags = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .tags(&TagQuery {
                    resource_type: "image".into(),
                    prefix: None,
                    max_results: 2,
                    cursor,
                })
                .await
                .unwrap();
            tags.extend(page.tags);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        // Code point order, each once, on both databases.
        assert_eq!(tags, ["Blue", "blue", "blé", "red"], "{backend}");
        let prefixed = store
            .tags(&TagQuery {
                resource_type: "image".into(),
                prefix: Some("bl".into()),
                max_results: 10,
                cursor: None,
            })
            .await
            .unwrap();
        assert_eq!(prefixed.tags, ["blue", "blé"], "{backend}");

        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store
                .list_labelled(&LabelledQuery {
                    resource_type: "image".into(),
                    filter: LabelFilter::Tag("blue".into()),
                    max_results: 1,
                    cursor,
                })
                .await
                .unwrap();
            seen.extend(page.assets.into_iter().map(|a| a.public_id));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, ["three", "two", "one"], "{backend}");

        store
            .edit_labels(
                &[key("two")],
                &LabelEdit::Context(ContextEdit::Add(BTreeMap::from([(
                    "it's".to_owned(),
                    "a \"quoted\" value".to_owned(),
                )]))),
            )
            .await
            .unwrap();
        for value in [Some("a \"quoted\" value"), None] {
            let page = store
                .list_labelled(&LabelledQuery {
                    resource_type: "image".into(),
                    filter: LabelFilter::Context {
                        key: "it's".into(),
                        value: value.map(str::to_owned),
                    },
                    max_results: 10,
                    cursor: None,
                })
                .await
                .unwrap();
            let ids: Vec<_> = page.assets.iter().map(|a| a.public_id.as_str()).collect();
            assert_eq!(ids, ["two"], "{backend}: {value:?}");
        }
    }
}
