//! Near-duplicate search on both databases: for every distance 0..=16 the
//! band-indexed search answers exactly what a brute-force scan of the same
//! hashes answers, and the index follows overwrites, updates and deletes.

use std::collections::BTreeMap;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use store::testing::{Backend, Sandbox};
use store::{
    AssetKey, AssetUpdate, NewAsset, OnExisting, SimilarQuery, Store, StoredAnalysis, Unhashed,
};

const LIBRARY_SIZE: usize = 3_000;
const CLUSTERS: usize = 60;

fn key(public_id: &str) -> AssetKey {
    AssetKey::new("image", "upload", public_id)
}

fn phash_analysis(phash: Option<u64>) -> StoredAnalysis {
    StoredAnalysis {
        phash: phash.map(|hash| format!("{hash:016x}")),
        ..StoredAnalysis::default()
    }
}

fn asset(key: AssetKey, phash: Option<u64>) -> NewAsset {
    NewAsset {
        key,
        format: "png".into(),
        width: 8,
        height: 8,
        etag: "0123456789abcdef0123456789abcdef".into(),
        pages: 1,
        tags: Vec::new(),
        context: BTreeMap::new(),
        coordinates: Default::default(),
        original_filename: None,
        folder: String::new(),
        access_mode: "public".into(),
        analysis: phash_analysis(phash),
    }
}

/// `hash` with `bits` distinct random bits flipped.
fn flip_bits(rng: &mut StdRng, hash: u64, bits: u32) -> u64 {
    let mut mask = 0u64;
    while mask.count_ones() < bits {
        mask |= 1 << rng.random_range(0..64);
    }
    hash ^ mask
}

/// What the store should hold: public_id -> pHash of every image with one.
type Library = BTreeMap<String, u64>;

/// Clusters of near neighbours (0..=20 bits from their centre, so every
/// distance the API allows has matches right at its edge) among random hashes.
fn random_library(rng: &mut StdRng) -> (Library, Vec<u64>) {
    let centres: Vec<u64> = (0..CLUSTERS).map(|_| rng.random()).collect();
    let mut library = Library::new();
    for i in 0..LIBRARY_SIZE {
        let hash = if i % 2 == 0 {
            let centre = centres[i / 2 % CLUSTERS];
            let bits = rng.random_range(0..=20);
            flip_bits(rng, centre, bits)
        } else {
            rng.random()
        };
        library.insert(format!("asset-{i:05}"), hash);
    }
    (library, centres)
}

/// The reference answer: every hash within `max_distance`, by distance then public_id.
fn brute_force(library: &Library, query: u64, max_distance: u32) -> Vec<(String, u32)> {
    let mut found: Vec<(String, u32)> = library
        .iter()
        .map(|(public_id, hash)| (public_id.clone(), (hash ^ query).count_ones()))
        .filter(|(_, distance)| *distance <= max_distance)
        .collect();
    found.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    found
}

fn query(phash: u64, max_distance: u32) -> SimilarQuery {
    SimilarQuery {
        resource_type: "image".into(),
        phash,
        max_distance,
        max_results: u32::MAX,
        exclude: None,
        next_cursor: None,
    }
}

async fn search(store: &Store, query: &SimilarQuery) -> Vec<(String, u32)> {
    let results = store.similar(query).await.expect("similar").results;
    let distances: Vec<u32> = results.iter().map(|r| r.distance).collect();
    assert!(distances.is_sorted(), "nearest first: {distances:?}");
    let mut found: Vec<(String, u32)> = results
        .into_iter()
        .map(|r| (r.asset.public_id, r.distance))
        .collect();
    // Equal distances may come in any order; compare them sorted by public_id.
    found.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    found
}

async fn ingest(store: &Store, key: AssetKey, phash: Option<u64>) {
    store
        .ingest(
            asset(key, phash),
            Bytes::from_static(b"png"),
            OnExisting::Overwrite,
        )
        .await
        .expect("ingest");
}

/// Every distance from 0 to 16, from cluster centres, stored hashes and
/// random points, must match the brute-force answer exactly.
async fn assert_matches_brute_force(store: &Store, library: &Library, probes: &[u64]) {
    for &probe in probes {
        for max_distance in 0..=16 {
            let expected = brute_force(library, probe, max_distance);
            let got = search(store, &query(probe, max_distance)).await;
            assert_eq!(got, expected, "phash {probe:016x} within {max_distance}");
        }
    }
}

async fn index_answers_like_a_full_scan(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let store = sandbox.store().await.expect("store");
    let mut rng = StdRng::seed_from_u64(10);
    let (mut library, centres) = random_library(&mut rng);
    for (public_id, hash) in &library {
        ingest(&store, key(public_id), Some(*hash)).await;
    }
    // Never found: images without a pHash, and other resource types.
    ingest(&store, key("no-phash"), None).await;
    ingest(
        &store,
        AssetKey::new("raw", "upload", "raw-twin"),
        Some(centres[0]),
    )
    .await;

    let stored: Vec<u64> = library.values().step_by(300).copied().collect();
    let random: Vec<u64> = (0..4).map(|_| rng.random()).collect();
    let probes: Vec<u64> = centres
        .iter()
        .take(8)
        .chain(&stored)
        .chain(&random)
        .copied()
        .collect();
    assert_matches_brute_force(&store, &library, &probes).await;

    // The index follows every write: overwrite with a new hash, an analysis
    // update, a delete, a pHash computed later for an asset that had none.
    let ids: Vec<String> = library.keys().take(40).cloned().collect();
    for (i, public_id) in ids.iter().enumerate() {
        let moved = flip_bits(&mut rng, centres[1], (i % 12) as u32);
        match i % 3 {
            0 => ingest(&store, key(public_id), Some(moved)).await,
            1 => {
                let update = AssetUpdate {
                    analysis: phash_analysis(Some(moved)),
                    ..AssetUpdate::default()
                };
                store
                    .update(&key(public_id), &update)
                    .await
                    .expect("update");
            }
            _ => {
                store.delete(&[key(public_id)]).await.expect("delete");
                library.remove(public_id);
                continue;
            }
        }
        library.insert(public_id.clone(), moved);
    }
    let update = AssetUpdate {
        analysis: phash_analysis(Some(centres[1])),
        ..AssetUpdate::default()
    };
    store
        .update(&key("no-phash"), &update)
        .await
        .expect("update");
    library.insert("no-phash".into(), centres[1]);
    assert_matches_brute_force(&store, &library, &centres[..3]).await;
}

#[tokio::test]
async fn index_answers_like_a_full_scan_on_postgres() {
    index_answers_like_a_full_scan(Backend::Postgres).await;
}

#[tokio::test]
async fn index_answers_like_a_full_scan_on_sqlite() {
    index_answers_like_a_full_scan(Backend::Sqlite).await;
}

#[tokio::test]
async fn results_are_capped_and_leave_out_the_asset_searched_from() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let store = sandbox.store().await.expect("store");
        let base = 0x0123_4567_89ab_cdef_u64;
        for (i, bits) in [0u64, 0b1, 0b11, 0b111, 0b1111].into_iter().enumerate() {
            ingest(&store, key(&format!("p{i}")), Some(base ^ bits)).await;
        }
        let nearest_two = SimilarQuery {
            max_results: 2,
            ..query(base, 8)
        };
        let got: Vec<(String, u32)> = store
            .similar(&nearest_two)
            .await
            .unwrap()
            .results
            .into_iter()
            .map(|r| (r.asset.public_id, r.distance))
            .collect();
        assert_eq!(
            got,
            [("p0".to_string(), 0), ("p1".to_string(), 1)],
            "{backend}"
        );

        let from_p0 = SimilarQuery {
            max_results: 2,
            exclude: Some(key("p0")),
            ..query(base, 8)
        };
        let got: Vec<String> = store
            .similar(&from_p0)
            .await
            .unwrap()
            .results
            .into_iter()
            .map(|r| r.asset.public_id)
            .collect();
        assert_eq!(got, ["p1", "p2"], "{backend}");
    }
}

/// Following `next_cursor` a few results at a time returns every match once,
/// nearest first and, at equal distance, oldest first; a cursor is refused
/// by any other search.
#[tokio::test]
async fn pages_follow_next_cursor_through_every_match_once() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let store = sandbox.store().await.expect("store");
        let mut rng = StdRng::seed_from_u64(7);
        let base = 0x0123_4567_89ab_cdef_u64;
        let mut expected = Vec::new();
        for i in 0..60usize {
            let bits = rng.random_range(0..=12);
            let hash = flip_bits(&mut rng, base, bits);
            ingest(&store, key(&format!("a{i}")), Some(hash)).await;
            if bits <= 8 && i != 0 {
                expected.push((bits, i, format!("a{i}")));
            }
        }
        expected.sort();
        let expected: Vec<String> = expected.into_iter().map(|(.., id)| id).collect();

        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = store
                .similar(&SimilarQuery {
                    max_results: 3,
                    exclude: Some(key("a0")),
                    next_cursor: cursor.clone(),
                    ..query(base, 8)
                })
                .await
                .expect("page");
            assert!(page.results.len() <= 3, "{backend}");
            seen.extend(page.results.into_iter().map(|r| r.asset.public_id));
            pages += 1;
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{backend}");
        assert_eq!(pages, expected.len().div_ceil(3).max(1), "{backend}");

        let first = store
            .similar(&SimilarQuery {
                max_results: 1,
                ..query(base, 8)
            })
            .await
            .unwrap();
        let other_search = SimilarQuery {
            next_cursor: first.next_cursor,
            ..query(base, 9)
        };
        assert!(
            matches!(
                store.similar(&other_search).await,
                Err(store::StoreError::InvalidCursor)
            ),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn assets_without_a_phash_are_listed_for_the_background_job() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let store = sandbox.store().await.expect("store");
        ingest(&store, key("hashed"), Some(42)).await;
        ingest(&store, key("bare-1"), None).await;
        ingest(&store, key("bare-2"), None).await;
        ingest(&store, AssetKey::new("raw", "upload", "doc"), None).await;
        let listed = store.without_phash("image", 0, 10).await.unwrap();
        assert_eq!(
            keys_of(&listed),
            [key("bare-1"), key("bare-2")],
            "{backend}"
        );
        let current = store.get(&key("bare-1")).await.unwrap();
        assert_eq!(listed[0].version_id, current.version_id, "{backend}");

        let first = store.without_phash("image", 0, 1).await.unwrap();
        assert_eq!(keys_of(&first), [key("bare-1")], "{backend}");
        let next = store
            .without_phash("image", first[0].position, 10)
            .await
            .unwrap();
        assert_eq!(
            keys_of(&next),
            [key("bare-2")],
            "{backend}: continues after"
        );
    }
}

/// The backfill's starvation fix: a version marked unhashable is no longer
/// listed, so unhashable files cannot fill every batch ahead of hashable ones;
/// a mark names one version, so a newer version is listed again, and a stale
/// mark (for a version already replaced) is not written.
#[tokio::test]
async fn a_version_marked_unhashable_is_skipped_until_it_is_replaced() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let store = sandbox.store().await.expect("store");
        for i in 0..3 {
            ingest(&store, key(&format!("pdf-{i}")), None).await;
        }
        ingest(&store, key("photo"), None).await;
        for entry in store.without_phash("image", 0, 3).await.unwrap() {
            assert!(
                store
                    .mark_unhashable(&entry.key, &entry.version_id)
                    .await
                    .unwrap(),
                "{backend}"
            );
        }
        let listed = store.without_phash("image", 0, 3).await.unwrap();
        assert_eq!(keys_of(&listed), [key("photo")], "{backend}");

        let stale = store.get(&key("pdf-0")).await.unwrap().version_id;
        ingest(&store, key("pdf-0"), None).await;
        let listed = store.without_phash("image", 0, 10).await.unwrap();
        assert_eq!(keys_of(&listed), [key("pdf-0"), key("photo")], "{backend}");
        assert!(
            !store.mark_unhashable(&key("pdf-0"), &stale).await.unwrap(),
            "{backend}: a replaced version is not marked"
        );
        assert_eq!(
            keys_of(&store.without_phash("image", 0, 10).await.unwrap()),
            [key("pdf-0"), key("photo")],
            "{backend}"
        );
    }
}

fn keys_of(listed: &[Unhashed]) -> Vec<AssetKey> {
    listed.iter().map(|entry| entry.key.clone()).collect()
}
