//! Near-duplicate search: the admin API's `resources/image/similar` (by
//! public_id or by pHash, nearest first, each with its distance), the
//! `duplicates=true` extension of upload and explicit, the background hashing
//! of assets stored without a pHash, and the refusals (400, 404, 401).

use std::time::{Duration, Instant};

use assay_e2e::{corpus, error_of, json_ok, Backend, FilePart, TestApp};
use serde_json::Value;

use crate::admin_client::AdminClient;

on_both_backends!(
    a_library_asset_finds_its_edits_nearest_first,
    a_phash_finds_every_asset_within_the_distance,
    upload_and_explicit_report_duplicates_on_request,
    assets_stored_without_a_phash_are_hashed_in_the_background,
    bad_searches_are_refused_with_the_usual_error_body,
);

/// A file of the near-duplicate benchmark: `<source>__<variant>.<ext>`.
fn benchmark_file(name: &str) -> FilePart {
    FilePart::new(name, corpus::bytes(&format!("phash/{name}")))
}

/// Uploads a benchmark file under `public_id` with its pHash; returns the pHash.
async fn upload_hashed(app: &TestApp, file: &str, public_id: &str) -> u64 {
    let body = app
        .upload_ok(
            benchmark_file(file),
            &[("public_id", public_id), ("phash", "true")],
        )
        .await;
    phash_of(&body)
}

fn phash_of(resource: &Value) -> u64 {
    let hex = resource["phash"]
        .as_str()
        .unwrap_or_else(|| panic!("no phash in {resource}"));
    u64::from_str_radix(hex, 16).expect("16 hex digits")
}

async fn similar(admin: &AdminClient, query: &str) -> Vec<Value> {
    let body = json_ok(
        admin
            .get(&format!("/resources/image/similar?{query}"))
            .await,
    )
    .await;
    body["resources"].as_array().expect("resources").clone()
}

fn public_ids(resources: &[Value]) -> Vec<&str> {
    resources
        .iter()
        .map(|r| r["public_id"].as_str().expect("public_id"))
        .collect()
}

/// Distances reported, checked against the pHashes reported with them.
fn distances(resources: &[Value], from: u64) -> Vec<u64> {
    resources
        .iter()
        .map(|resource| {
            let distance = resource["distance"].as_u64().expect("distance");
            assert_eq!(
                distance,
                u64::from((phash_of(resource) ^ from).count_ones()),
                "{resource}"
            );
            distance
        })
        .collect()
}

async fn a_library_asset_finds_its_edits_nearest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let base = upload_hashed(&app, "gps_dscn0010__base.jpg", "dscn/base").await;
    for variant in ["q40", "resize50", "blur"] {
        upload_hashed(
            &app,
            &format!("gps_dscn0010__{variant}.jpg"),
            &format!("dscn/{variant}"),
        )
        .await;
    }
    upload_hashed(&app, "face_fr_obama__base.jpg", "obama/base").await;

    let admin = AdminClient::new(&app.base_url);
    let found = similar(&admin, "public_id=dscn/base").await;
    let mut ids = public_ids(&found);
    ids.sort_unstable();
    assert_eq!(
        ids,
        ["dscn/blur", "dscn/q40", "dscn/resize50"],
        "the edits, not the asset itself nor another photo"
    );
    let distances = distances(&found, base);
    assert!(
        distances.is_sorted() && distances.iter().all(|&d| d <= 8),
        "{distances:?}"
    );
    // The admin API's resource shape.
    for resource in &found {
        assert_eq!(resource["resource_type"], "image");
        assert_eq!(resource["type"], "upload");
        assert!(resource["secure_url"]
            .as_str()
            .expect("secure_url")
            .starts_with("https://"));
    }

    let nearest = similar(&admin, "public_id=dscn/base&max_results=1").await;
    assert_eq!(public_ids(&nearest), [public_ids(&found)[0]]);
}

async fn a_phash_finds_every_asset_within_the_distance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut library = Vec::new();
    for (file, public_id) in [
        ("exif_canon_t3i__base.jpg", "t3i/base"),
        ("exif_canon_t3i__rot2.jpg", "t3i/rot2"),
        ("exif_canon_t3i__crop2.jpg", "t3i/crop2"),
        ("webp_photo1__base.jpg", "webp/base"),
    ] {
        library.push((public_id, upload_hashed(&app, file, public_id).await));
    }
    let admin = AdminClient::new(&app.base_url);
    let probe = library[0].1;
    for max_distance in [0, 4, 8, 12, 16] {
        let found = similar(
            &admin,
            &format!("phash={probe:016x}&max_distance={max_distance}&max_results=500"),
        )
        .await;
        let mut expected: Vec<(&str, u32)> = library
            .iter()
            .map(|(id, hash)| (*id, (hash ^ probe).count_ones()))
            .filter(|(_, distance)| *distance <= max_distance)
            .collect();
        expected.sort_by_key(|&(id, distance)| (distance, id));
        let mut got: Vec<(&str, u32)> = found
            .iter()
            .map(|r| {
                (
                    r["public_id"].as_str().unwrap(),
                    r["distance"].as_u64().unwrap() as u32,
                )
            })
            .collect();
        assert!(
            got.is_sorted_by_key(|&(_, distance)| distance),
            "nearest first: {got:?}"
        );
        got.sort_by_key(|&(id, distance)| (distance, id));
        assert_eq!(got, expected, "within {max_distance}");
    }
}

async fn upload_and_explicit_report_duplicates_on_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload_hashed(&app, "iptc_pillow__base.jpg", "pillow/base").await;

    // Uploaded without `phash=true`: the new asset is hashed for the search.
    let copy = app
        .upload_ok(
            benchmark_file("iptc_pillow__png.png"),
            &[("public_id", "pillow/png"), ("duplicates", "true")],
        )
        .await;
    let duplicates = copy["duplicates"].as_array().expect("duplicates");
    assert_eq!(duplicates.len(), 1, "{copy}");
    assert_eq!(duplicates[0]["public_id"], "pillow/base");
    assert!(duplicates[0]["distance"].as_u64().expect("distance") <= 8);

    let unrelated = app
        .upload_ok(
            benchmark_file("tiff_bsg1__base.jpg"),
            &[("public_id", "bsg"), ("duplicates", "1")],
        )
        .await;
    assert_eq!(unrelated["duplicates"], serde_json::json!([]));

    let plain = app
        .upload_ok(
            benchmark_file("tiff_bsg1__q40.jpg"),
            &[("public_id", "bsg-q40")],
        )
        .await;
    assert!(
        plain.get("duplicates").is_none(),
        "only on request: {plain}"
    );

    let explicit = json_ok(
        app.explicit(&[
            ("public_id", "pillow/base"),
            ("type", "upload"),
            ("duplicates", "true"),
        ])
        .await,
    )
    .await;
    let ids: Vec<&str> = explicit["duplicates"]
        .as_array()
        .expect("duplicates")
        .iter()
        .map(|d| d["public_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pillow/png"]);

    let (status, message) = error_of(
        app.upload(
            benchmark_file("tiff_bsg1__blur.jpg"),
            &[("duplicates", "maybe")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
}

async fn assets_stored_without_a_phash_are_hashed_in_the_background(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let base = upload_hashed(&app, "orient_landscape_3__base.jpg", "landscape/base").await;
    app.upload_ok(
        benchmark_file("orient_landscape_3__bright10.jpg"),
        &[("public_id", "landscape/bright")],
    )
    .await;

    let admin = AdminClient::new(&app.base_url);
    let query = format!("phash={base:016x}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = similar(&admin, &query).await;
        if public_ids(&found).contains(&"landscape/bright") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the unhashed upload was never found: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn bad_searches_are_refused_with_the_usual_error_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload_hashed(&app, "face_fr_obama__base.jpg", "obama").await;
    let admin = AdminClient::new(&app.base_url);
    for (query, status, names) in [
        ("phash=0123456789abcdeg", 400, "phash"),
        ("phash=0123", 400, "phash"),
        ("public_id=obama&max_distance=17", 400, "max_distance"),
        ("public_id=obama&max_distance=-1", 400, "max_distance"),
        ("public_id=obama&max_results=0", 400, "max_results"),
        ("", 400, "public_id"),
        ("public_id=obama&phash=0123456789abcdef", 400, "phash"),
        ("public_id=nobody", 404, "nobody"),
    ] {
        let (got, message) = error_of(
            admin
                .get(&format!("/resources/image/similar?{query}"))
                .await,
        )
        .await;
        assert_eq!(
            (got, message.contains(names)),
            (status, true),
            "{query}: {message}"
        );
    }
    let (status, _) = error_of(
        admin
            .get("/resources/nonsense/similar?public_id=obama")
            .await,
    )
    .await;
    assert_eq!(status, 400);

    let stranger = AdminClient::with_credentials(&app.base_url, "nobody", Some("wrong"));
    let (status, _) = error_of(
        stranger
            .get("/resources/image/similar?public_id=obama")
            .await,
    )
    .await;
    assert_eq!(status, 401);
}
