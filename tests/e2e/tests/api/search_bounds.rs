//! The hostile campaign's search findings, over HTTP on both databases: every
//! costly dimension of a search is capped with a 400 naming the cap, forged
//! input is a 400 and never a 500, each search is one unit of the hourly
//! budget; the low findings around it (a NUL among `asset_ids[]`, an id
//! repeated in one delete, similar-image pages) answer as Cloudinary would.

use std::time::{Duration, Instant};

use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp, API_KEY, API_SECRET, CLOUD};
use reqwest::Method;
use serde_json::{json, Value};
use store::Database;

use super::admin_client::{rate_limit_headers, AdminClient};

on_both_backends!(
    costly_searches_are_refused_naming_the_cap,
    forged_search_input_is_a_400_never_a_500,
    each_search_is_one_unit_of_the_hourly_budget,
    a_nul_among_asset_ids_is_a_400,
    an_id_repeated_in_one_delete_is_deleted_once,
    similar_results_come_in_pages_following_next_cursor,
    a_search_stops_when_its_client_goes_away,
);

async fn search(admin: &AdminClient, body: &Value) -> reqwest::Response {
    admin
        .request(Method::POST, "/resources/search")
        .json(body)
        .send()
        .await
        .expect("search request")
}

async fn library(app: &TestApp, count: usize) {
    for i in 0..count {
        let file = if i % 2 == 0 {
            "png_exiftool_tiny.png"
        } else {
            "exif_canon_40d.jpg"
        };
        app.upload_ok(
            FilePart::corpus(file),
            &[("public_id", &format!("lib/{i}")), ("tags", "blue shirt")],
        )
        .await;
    }
}

/// The campaign's shapes (thousands of sort keys, 20,000 custom ranges,
/// 50,000 aggregations, a huge expression) each answer a 400 naming the cap,
/// without running: the caps themselves are accepted.
async fn costly_searches_are_refused_naming_the_cap(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    library(&app, 2).await;
    let admin = AdminClient::new(&app.base_url);
    let ranges: Vec<Value> = (0..20_000)
        .map(|i| json!({"key": format!("r{i}"), "from": i, "to": i + 1}))
        .collect();
    for (body, named) in [
        (
            json!({"sort_by": vec![json!({"public_id": "asc"}); 5_000]}),
            "Too many sort_by entries: at most 10",
        ),
        (
            json!({"aggregate": [{"type": "bytes", "ranges": ranges}]}),
            "Too many aggregation ranges: at most 50",
        ),
        (
            json!({"aggregate": vec!["format"; 50_000]}),
            "Too many aggregations: at most 10",
        ),
        (
            json!({"aggregate": ["format", "format"]}),
            "Aggregation 'format' is requested more than once",
        ),
        (
            json!({"expression": "a ".repeat(10_000)}),
            "Too many characters in the expression: at most 16384",
        ),
    ] {
        let (status, message) = error_of(search(&admin, &body).await).await;
        assert_eq!(status, 400, "{message}");
        assert!(message.contains(named), "{message}");
    }
    let at_the_caps = json!({
        "sort_by": vec![json!({"public_id": "asc"}); 10],
        "aggregate": [{"type": "bytes", "ranges": ranges[..50]}, "format"],
    });
    let page = json_ok(search(&admin, &at_the_caps).await).await;
    assert_eq!(page["total_count"], json!(2));
}

/// A forged `next_cursor` holding a NUL (which PostgreSQL cannot bind), or
/// one past the length cap, and other malformed members answer a JSON 400.
async fn forged_search_input_is_a_400_never_a_500(backend: Backend) {
    use base64::Engine;
    let app = TestApp::spawn(backend).await;
    library(&app, 3).await;
    let admin = AdminClient::new(&app.base_url);
    let forge = |values: Value| {
        let json = json!({"sort": "public_id:asc", "values": values, "id": 1}).to_string();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    for body in [
        json!({"sort_by": [{"public_id": "asc"}], "next_cursor": forge(json!(["a\u{0}b"]))}),
        json!({"sort_by": [{"public_id": "asc"}], "next_cursor": forge(json!([1]))}),
        json!({"next_cursor": "A".repeat(9_000)}),
        json!({"next_cursor": "not base64 !"}),
        json!({"expression": "tags:\"a\u{0}\""}),
        json!({"aggregate": [{"type": "bytes", "ranges": [{"key": "a\u{0}", "from": 1}]}]}),
        json!({"aggregate": [{"type": "bytes", "ranges": [{"key": "k", "from": "x"}]}]}),
        json!({"expression": "width>99999999999999999999999"}),
        json!({"expression": "created_at>99999999999999999999"}),
    ] {
        let (status, message) = error_of(search(&admin, &body).await).await;
        assert_eq!(status, 400, "{body}: {message}");
    }
    // Unknown fields, by contrast, are no error: they match nothing.
    let page = json_ok(search(&admin, &json!({"expression": "colour:red"})).await).await;
    assert_eq!(page["total_count"], json!(0));
}

/// Searches count against the hourly admin budget like every admin call,
/// refused ones included.
async fn each_search_is_one_unit_of_the_hourly_budget(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    let mut remaining = Vec::new();
    for body in [
        json!({}),
        json!({"aggregate": vec!["format"; 50_000]}),
        json!({}),
    ] {
        let response = search(&admin, &body).await;
        remaining.push(
            rate_limit_headers(&response)
                .expect("rate limit headers")
                .remaining,
        );
    }
    assert_eq!(
        remaining,
        [remaining[0], remaining[0] - 1, remaining[0] - 2],
        "one unit per search"
    );
}

/// PostgreSQL cannot bind a NUL: a NUL among `asset_ids[]` is refused as a
/// 400 naming the parameter, on both databases, for every endpoint taking them.
async fn a_nul_among_asset_ids_is_a_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    library(&app, 1).await;
    let admin = AdminClient::new(&app.base_url);
    let (status, message) = error_of(
        admin
            .get("/resources/by_asset_ids?asset_ids[]=ab%00cd")
            .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("asset_ids"), "{message}");
    let response = admin
        .request(Method::DELETE, "/resources")
        .form(&[("asset_ids[]", "ab\u{0}cd")])
        .send()
        .await
        .unwrap();
    let (status, message) = error_of(response).await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("asset_ids"), "{message}");
    // Nothing was touched.
    let page = json_ok(search(&admin, &json!({})).await).await;
    assert_eq!(page["total_count"], json!(1));
}

/// An asset_id (or public_id) given 100 times in one delete is one asset:
/// it is deleted once and reported `deleted`, not `not_found`.
async fn an_id_repeated_in_one_delete_is_deleted_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app
        .upload_ok(
            FilePart::corpus("png_exiftool_tiny.png"),
            &[("public_id", "twice/a")],
        )
        .await;
    app.upload_ok(
        FilePart::corpus("png_exiftool_tiny.png"),
        &[("public_id", "twice/b")],
    )
    .await;
    let admin = AdminClient::new(&app.base_url);
    let asset_id = first["asset_id"].as_str().unwrap();
    let form: Vec<(&str, &str)> = vec![("asset_ids[]", asset_id); 100];
    let response = admin
        .request(Method::DELETE, "/resources")
        .form(&form)
        .send()
        .await
        .unwrap();
    let body = json_ok(response).await;
    assert_eq!(body["deleted"], json!({ asset_id: "deleted" }), "{body}");

    let form: Vec<(&str, &str)> = vec![("public_ids[]", "twice/b"); 100];
    let response = admin
        .request(Method::DELETE, "/resources/image/upload")
        .form(&form)
        .send()
        .await
        .unwrap();
    let body = json_ok(response).await;
    assert_eq!(body["deleted"], json!({"twice/b": "deleted"}), "{body}");
    let page = json_ok(search(&admin, &json!({})).await).await;
    assert_eq!(page["total_count"], json!(0));
}

/// `resources/image/similar` pages like a list: `max_results` a page and
/// `next_cursor` to the next, every match once, nearest first; a cursor of
/// another search is a 400.
async fn similar_results_come_in_pages_following_next_cursor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let hash = "00c926d5c28b6c67";
    for i in 0..5 {
        app.upload_ok(
            FilePart::corpus("exif_canon_40d.jpg"),
            &[("public_id", &format!("same/{i}")), ("phash", "true")],
        )
        .await;
    }
    let admin = AdminClient::new(&app.base_url);
    let probe = json_ok(admin.resource("same/0", "phash=true").await).await;
    let phash = probe["phash"].as_str().unwrap_or(hash).to_owned();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = format!("/resources/image/similar?phash={phash}&max_results=2");
        if let Some(next) = &cursor {
            query += &format!("&next_cursor={next}");
        }
        let page = json_ok(admin.get(&query).await).await;
        let resources = page["resources"].as_array().unwrap();
        assert!(resources.len() <= 2, "{page}");
        seen.extend(
            resources
                .iter()
                .map(|r| r["public_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    // Identical files: every one at distance 0, oldest first.
    let expected: Vec<String> = (0..5).map(|i| format!("same/{i}")).collect();
    assert_eq!(seen, expected);

    let first = json_ok(
        admin
            .get(&format!(
                "/resources/image/similar?phash={phash}&max_results=1"
            ))
            .await,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (status, message) = error_of(
        admin
            .get(&format!(
                "/resources/image/similar?phash={phash}&max_results=1&max_distance=3&next_cursor={cursor}"
            ))
            .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("next_cursor"), "{message}");
}

/// 100,000 plain rows straight into the database: enough that a search
/// testing every tag and context value of every row takes seconds.
async fn bulk_rows(app: &TestApp) {
    let store = app.sandbox.store().await.expect("store");
    let columns = "asset_id, resource_type, delivery_type, public_id, version, version_id, \
                   blob_key, format, width, height, bytes, etag, pages, tags, context";
    let values = "'image', 'upload', 'bulk/' || n, 1700000000 + n, 'v' || n, 'bulk-' || n, \
                  'png', 10, 10, 100, 'e', 1, '[\"common\", \"more\"]', '{\"alt\": \"x\"}'";
    match store.database() {
        Database::Postgres(pool) => {
            let insert = format!(
                "INSERT INTO assets ({columns}) SELECT 'bulk' || n, {values} \
                 FROM generate_series(1, 100000) AS n"
            );
            sqlx::query(&insert)
                .execute(pool)
                .await
                .expect("bulk insert");
            sqlx::query("ANALYZE assets")
                .execute(pool)
                .await
                .expect("analyze");
        }
        Database::Sqlite(pool) => {
            let insert = format!(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000) \
                 INSERT INTO assets ({columns}) SELECT 'bulk' || n, {values} FROM s"
            );
            sqlx::query(&insert)
                .execute(pool)
                .await
                .expect("bulk insert");
        }
    }
    store.database().close().await;
}

/// This process's CPU time (the server runs in it, SQLite's queries too).
fn own_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which may hold spaces, in parentheses).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// A client that gives up on a long search (its connection closes) stops
/// the search's work: PostgreSQL's query is cancelled and SQLite's statement
/// interrupted, long before the 10-second budget.
async fn a_search_stops_when_its_client_goes_away(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    bulk_rows(&app).await;
    // Prefixes no value has: every tag and context value of every row is
    // tested, 200 times.
    let heavy = (0..100)
        .map(|i| format!("q{i}*"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(700))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(app.url(&format!("/v1_1/{CLOUD}/resources/search")))
        .basic_auth(API_KEY, Some(API_SECRET))
        .json(&json!({"expression": heavy}))
        .send()
        .await;
    assert!(
        gave_up.as_ref().is_err_and(reqwest::Error::is_timeout),
        "the search was meant to outlast the client: {gave_up:?}"
    );
    let started = Instant::now();
    match backend {
        Backend::Postgres => {
            let store = app.sandbox.store().await.expect("store");
            let Database::Postgres(pool) = store.database() else {
                unreachable!()
            };
            loop {
                let running: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND state = 'active' AND pid <> pg_backend_pid()",
                )
                .fetch_one(pool)
                .await
                .unwrap();
                if running == 0 {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(4),
                    "the abandoned search still runs"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Backend::Sqlite => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let before = own_cpu_time();
            tokio::time::sleep(Duration::from_secs(2)).await;
            let spent = own_cpu_time() - before;
            assert!(
                spent < Duration::from_millis(600),
                "the abandoned search still runs: {spent:?} of CPU in 2 s"
            );
        }
    }
    // The server goes on answering.
    let admin = AdminClient::new(&app.base_url);
    let page = json_ok(
        search(
            &admin,
            &json!({"expression": "format:png", "max_results": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(page["total_count"], json!(100_000));
}
