//! Near-duplicate search on a million stored pHashes in PostgreSQL: median
//! time of `Store::similar` (band-indexed, exact) at distances 4, 8 and 12,
//! next to the full-scan query it replaces (`bit_count` of the XOR on every
//! row), measured in the same run on the same database.
//!
//! The library is random hashes plus clusters of near neighbours around the
//! probe hashes, so every search has answers to verify and read. Both queries
//! return the 10 nearest assets, whole rows, nearest first. Needs PostgreSQL
//! at TEST_DATABASE_URL (a fresh database, dropped afterwards); run by
//! `make bench`.

mod support;

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::postgres::PgPool;
use store::testing::{Backend, Sandbox};
use store::{Database, SimilarQuery, Store};

const LIBRARY_SIZE: usize = 1_000_000;
const PROBES: usize = 20;
/// Assets planted within 0..=12 bits of each probe.
const NEIGHBOURS_PER_PROBE: usize = 50;
const MAX_RESULTS: u32 = 10;
const DISTANCES: [u32; 3] = [4, 8, 12];
const INDEXED_ROUNDS: usize = 5;
const SCAN_ROUNDS: usize = 1;

/// The baseline: every row's hash compared with the probe's.
const FULL_SCAN: &str = "SELECT id, public_id FROM assets \
     WHERE resource_type = 'image' AND bit_count((phash_bits # $1)::bit(64)) <= $2 \
     ORDER BY bit_count((phash_bits # $1)::bit(64)), id LIMIT $3";

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let sandbox = Sandbox::new(Backend::Postgres).await;
    let store = sandbox.store().await.expect("store");
    let Database::Postgres(pool) = store.database().clone() else {
        unreachable!("a PostgreSQL sandbox")
    };

    let mut rng = StdRng::seed_from_u64(1);
    let probes: Vec<u64> = (0..PROBES).map(|_| rng.random()).collect();
    let started = Instant::now();
    load_library(&pool, &probes, &mut rng).await;
    eprintln!(
        "loaded {LIBRARY_SIZE} hashes in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    println!(
        "phash_index: {LIBRARY_SIZE} hashes in PostgreSQL, 10 nearest, median of {PROBES} probes"
    );
    println!(
        "{:>8} {:>14} {:>14} {:>8}",
        "distance", "index (ms)", "full scan (ms)", "ratio"
    );
    for distance in DISTANCES {
        let indexed = median(time_indexed(&store, &probes, distance).await);
        let scanned = median(time_full_scan(&pool, &probes, distance).await);
        println!(
            "{distance:>8} {:>14.2} {:>14.2} {:>7.0}x",
            ms(indexed),
            ms(scanned),
            scanned.as_secs_f64() / indexed.as_secs_f64()
        );
    }
    drop(store);
    pool.close().await;
}

/// COPY the rows in (the bands are generated from `analysis`), then ANALYZE
/// and VACUUM as a settled database would be.
async fn load_library(pool: &PgPool, probes: &[u64], rng: &mut StdRng) {
    let planted = probes.len() * NEIGHBOURS_PER_PROBE;
    let rows = (0..LIBRARY_SIZE).map(|i| {
        let hash = if i < planted {
            let bits = rng.random_range(0..=12);
            flip_bits(rng, probes[i % probes.len()], bits)
        } else {
            rng.random()
        };
        format!(
            "{i:032x}\timage\tupload\tbench/{i}\t1700000000\t{i:032x}\tblob-{i}\tjpg\t640\t480\t1000\t\
             0123456789abcdef0123456789abcdef\t1\t{{\"phash\":\"{hash:016x}\"}}\n"
        )
    });
    support::copy_assets(
        pool,
        "asset_id, resource_type, delivery_type, public_id, version, version_id, \
             blob_key, format, width, height, bytes, etag, pages, analysis",
        rows,
    )
    .await;
}

async fn time_indexed(store: &Store, probes: &[u64], max_distance: u32) -> Vec<Duration> {
    let mut times = Vec::new();
    for round in 0..=INDEXED_ROUNDS {
        for &phash in probes {
            let query = SimilarQuery {
                resource_type: "image".into(),
                phash,
                max_distance,
                max_results: MAX_RESULTS,
                exclude: None,
                next_cursor: None,
            };
            let started = Instant::now();
            let found = store.similar(&query).await.expect("similar");
            // Round 0 warms the caches and is not counted.
            if round > 0 {
                times.push(started.elapsed());
            }
            assert!(
                !found.results.is_empty(),
                "every probe has planted neighbours"
            );
        }
    }
    times
}

async fn time_full_scan(pool: &PgPool, probes: &[u64], max_distance: u32) -> Vec<Duration> {
    let mut times = Vec::new();
    for round in 0..=SCAN_ROUNDS {
        for &phash in probes {
            let started = Instant::now();
            let found: Vec<(i64, String)> = sqlx::query_as(FULL_SCAN)
                .bind(phash as i64)
                .bind(max_distance as i32)
                .bind(i64::from(MAX_RESULTS))
                .fetch_all(pool)
                .await
                .expect("full scan");
            if round > 0 {
                times.push(started.elapsed());
            }
            assert!(!found.is_empty(), "every probe has planted neighbours");
        }
    }
    times
}

fn flip_bits(rng: &mut StdRng, hash: u64, bits: u32) -> u64 {
    let mut mask = 0u64;
    while mask.count_ones() < bits {
        mask |= 1 << rng.random_range(0..64);
    }
    hash ^ mask
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
