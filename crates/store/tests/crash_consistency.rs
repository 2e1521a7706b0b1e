//! Crash consistency: a writer process (`crash_writer`: four concurrent
//! overwrite/delete loops) is killed with SIGKILL at arbitrary moments. After
//! every kill, on both databases: no row without its complete original, no
//! torn blob under a final key; and the start-up sweep then leaves exactly the
//! blobs that rows refer to.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::{Child, Command};
use std::time::Duration;

use store::blob::FsBlobStore;
use store::testing::{parse_crash_original, Backend, Sandbox};
use store::{BlobStore, ListQuery, Store};

const KILLS_PER_BACKEND: usize = 10;

fn start_writer(sandbox: &Sandbox) -> Child {
    Command::new(env!("CARGO_BIN_EXE_crash_writer"))
        .arg(&sandbox.database_url)
        .arg(&sandbox.blob_root)
        .spawn()
        .expect("starting crash_writer")
}

/// Every asset: (public_id, sequence of its original, blob key).
async fn snapshot(store: &Store) -> BTreeSet<(String, String, String)> {
    let query = ListQuery {
        max_results: 500,
        ..ListQuery::new("image")
    };
    let page = store.list(&query).await.expect("listing");
    page.assets
        .into_iter()
        .map(|a| {
            (
                a.public_id,
                a.original_filename.unwrap_or_default(),
                a.blob_key,
            )
        })
        .collect()
}

/// Waits until the writer has changed something, so that the kill lands in
/// the middle of real work; fails if the writer dies on its own or stalls.
async fn wait_for_progress(store: &Store, writer: &mut Child) {
    let before = snapshot(store).await;
    for _ in 0..600 {
        if let Some(status) = writer.try_wait().expect("polling crash_writer") {
            panic!("crash_writer exited by itself: {status}");
        }
        if snapshot(store).await != before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("crash_writer made no progress in a minute");
}

async fn assert_consistent(store: &Store, blobs: &FsBlobStore, context: &str) {
    let query = ListQuery {
        max_results: 500,
        ..ListQuery::new("image")
    };
    for asset in store.list(&query).await.unwrap().assets {
        let original = store
            .read_original(&asset)
            .await
            .unwrap_or_else(|e| panic!("{context}: row {} has no blob: {e}", asset.public_id));
        let sequence = parse_crash_original(&original)
            .unwrap_or_else(|| panic!("{context}: the blob of {} is torn", asset.public_id));
        assert_eq!(
            asset.original_filename,
            Some(sequence.to_string()),
            "{context}: row and blob disagree"
        );
        assert_eq!(asset.bytes, original.len() as u64, "{context}");
    }
    for entry in blobs.list().await.unwrap() {
        let data = blobs.get(&entry.key).await.unwrap();
        assert!(
            parse_crash_original(&data).is_some(),
            "{context}: torn blob visible at {}",
            entry.key
        );
    }
}

#[tokio::test]
async fn a_killed_writer_leaves_no_row_without_its_blob_and_no_torn_blob() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        // Connecting first runs the migrations, so the writer only writes.
        let store = sandbox.store().await.unwrap();
        let blobs = FsBlobStore::open(&sandbox.blob_root).await.unwrap();

        for kill in 0..KILLS_PER_BACKEND {
            let mut writer = start_writer(&sandbox);
            wait_for_progress(&store, &mut writer).await;
            // A little more work, of a varying amount, before the kill.
            let extra = uuid::Uuid::new_v4().as_u128() % 50;
            tokio::time::sleep(Duration::from_millis(extra as u64)).await;
            writer.kill().expect("killing crash_writer");
            writer.wait().expect("reaping crash_writer");

            assert_consistent(&store, &blobs, &format!("{backend}, kill {kill}")).await;
        }

        store.sweep_orphans(Duration::ZERO).await.unwrap();
        let referenced: BTreeSet<String> = snapshot(&store)
            .await
            .into_iter()
            .map(|(_, _, key)| key)
            .collect();
        let stored: BTreeSet<String> = blobs
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.key.to_string())
            .collect();
        assert_eq!(
            stored, referenced,
            "{backend}: after the sweep only referenced blobs remain"
        );
        let leftovers = std::fs::read_dir(sandbox.blob_root.join(".tmp"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 0, "{backend}: no temporary files remain");
    }
}
