//! Test helper for `tests/crash_consistency.rs`: overwrites and deletes assets
//! in an endless loop until the test kills it (SIGKILL) at an arbitrary point.
//!
//! Usage: `crash_writer <database_url> <blob_dir>`. Every original it writes
//! is self-describing (see `store::testing::crash_original`), so the test can
//! tell a complete blob from a torn one.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use common::StorageLocation;
use store::testing::{crash_asset, crash_original};
use store::{AssetKey, OnExisting, Store, StoreError};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(database_url), Some(blob_dir)) = (args.next(), args.next()) else {
        eprintln!("usage: crash_writer <database_url> <blob_dir>");
        std::process::exit(2);
    };
    let store = Store::connect(
        &database_url,
        &StorageLocation::Directory(PathBuf::from(blob_dir)),
    )
    .await
    .expect("connecting");
    // Several writers at once, as several requests would be.
    let writers: Vec<_> = (0..4u64)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                for round in 0u64.. {
                    let sequence = round * 4 + writer;
                    let public_id = format!("crash/{}", sequence % 5);
                    if sequence % 7 == 6 {
                        let key = AssetKey::new("image", "upload", &public_id);
                        store.delete(&[key]).await.expect("delete");
                    } else {
                        let original = Bytes::from(crash_original(sequence));
                        let asset = crash_asset(&public_id, sequence);
                        match store.ingest(asset, original, OnExisting::Overwrite).await {
                            Ok(_) => {}
                            // Versions may run at most a few seconds ahead of
                            // the clock; a writer this fast waits as a client would.
                            Err(StoreError::TooManyVersions {
                                retry_after_secs, ..
                            }) => {
                                let wait = u64::try_from(retry_after_secs).unwrap_or(1);
                                tokio::time::sleep(Duration::from_secs(wait)).await;
                            }
                            Err(other) => panic!("ingest: {other:?}"),
                        }
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
}
