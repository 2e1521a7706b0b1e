//! The search API on a million assets in PostgreSQL: p50 and p99 of
//! `Store::search` (a page of 50 plus the total count) for selective
//! expressions, a medium one (2.5% of the library) and a broad one (60%),
//! with the plan PostgreSQL chose for each page query.
//!
//! The library (bulk-loaded with COPY, then VACUUM ANALYZE): formats jpg 60%,
//! png 25%, webp 10%, gif 5%; widths over 4000 px 10%; media metadata Make
//! Canon 5%, NIKON and Sony 10% each; 100 assets tagged `rare_tag`. Needs
//! PostgreSQL at TEST_DATABASE_URL (a fresh database, dropped afterwards);
//! run by `make bench`.

mod support;

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::postgres::PgPool;
use store::testing::{Backend, Sandbox};
use store::{Database, SearchRequest, Store};

const LIBRARY_SIZE: usize = 1_000_000;
const RARE_TAGGED: usize = 100;
const ROUNDS: usize = 100;
const EXPRESSIONS: [(&str, &str); 5] = [
    ("selective", "image_metadata.Make:Canon AND width>4000"),
    ("selective", "tags:rare_tag"),
    ("selective", "public_id:bench/77777*"),
    ("medium", "bytes>9mb AND format:png"),
    ("broad", "format:jpg"),
];

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

    let started = Instant::now();
    load_library(&pool, &mut StdRng::seed_from_u64(22)).await;
    eprintln!(
        "loaded {LIBRARY_SIZE} assets in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut table = Vec::new();
    for (kind, expression) in EXPRESSIONS {
        let request = SearchRequest {
            expression: Some(expression.into()),
            ..SearchRequest::default()
        };
        println!("\nEXPLAIN (page query) for `{expression}`:");
        for line in store.explain_search(&request).await.expect("explain") {
            println!("  {line}");
        }
        let (times, total_count) = time_search(&store, &request).await;
        table.push((
            kind,
            expression,
            total_count,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
        ));
    }

    println!(
        "\nsearch: {LIBRARY_SIZE} assets in PostgreSQL, page of 50 + total_count, {ROUNDS} rounds"
    );
    println!("| kind | expression | matches | p50 (ms) | p99 (ms) |");
    println!("|---|---|---:|---:|---:|");
    for (kind, expression, total_count, p50, p99) in table {
        println!(
            "| {kind} | `{expression}` | {total_count} | {:.2} | {:.2} |",
            ms(p50),
            ms(p99)
        );
    }
    drop(store);
    pool.close().await;
}

/// COPY the rows in, then VACUUM ANALYZE as a settled database would be.
async fn load_library(pool: &PgPool, rng: &mut StdRng) {
    let rare_every = LIBRARY_SIZE / RARE_TAGGED;
    let rows = (0..LIBRARY_SIZE).map(|i| {
        let format = match rng.random_range(0..100) {
            0..60 => "jpg",
            60..85 => "png",
            85..95 => "webp",
            _ => "gif",
        };
        let width = if rng.random_bool(0.1) {
            [4032, 6000][i % 2]
        } else {
            [640, 1024, 1920, 3000][rng.random_range(0..4)]
        };
        let make = match rng.random_range(0..100) {
            0..5 => r#","media_metadata":{"Make":"Canon","Model":"EOS R5"}"#,
            5..15 => r#","media_metadata":{"Make":"NIKON","Model":"Z 6"}"#,
            15..25 => r#","media_metadata":{"Make":"Sony","Model":"A7"}"#,
            _ => "",
        };
        let colour = ["red", "blue", "green", "white"][rng.random_range(0..4)];
        let mut tags = vec!["summer", "sale", "travel"][..rng.random_range(0..=3)].join("\",\"");
        if i % rare_every == 0 {
            tags = "rare_tag".into();
        }
        let tags = if tags.is_empty() {
            "[]".to_string()
        } else {
            format!("[\"{tags}\"]")
        };
        let version = 1_700_000_000 + rng.random_range(0..63_072_000);
        let bytes = rng.random_range(1_000..10_500_000);
        format!(
            "{i:032x}\timage\tupload\tbench/{i}\t{version}\t{i:032x}\tblob-{i}\t{format}\t{width}\t\
             {}\t{bytes}\t0123456789abcdef0123456789abcdef\t1\t{tags}\t{{\"alt\":\"photo {}\"}}\t\
             {{\"predominant\":{{\"google\":[[\"{colour}\",70]]}}{make}}}\n",
            width * 3 / 4,
            i % 1000
        )
    });
    support::copy_assets(
        pool,
        "asset_id, resource_type, delivery_type, public_id, version, version_id, \
             blob_key, format, width, height, bytes, etag, pages, tags, context, analysis",
        rows,
    )
    .await;
}

/// Times of `ROUNDS` searches (after one warm-up) and the match count.
async fn time_search(store: &Store, request: &SearchRequest) -> (Vec<Duration>, u64) {
    let mut times = Vec::with_capacity(ROUNDS);
    let mut total_count = 0;
    for round in 0..=ROUNDS {
        let started = Instant::now();
        let page = store.search(request).await.expect("search");
        if round > 0 {
            times.push(started.elapsed());
        }
        total_count = page.total_count;
        assert!(!page.assets.is_empty(), "every expression has matches");
    }
    (times, total_count)
}

fn percentile(times: &[Duration], fraction: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
