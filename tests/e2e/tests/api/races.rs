//! No asset ever carries another version's analysis. Every path that
//! analyses a stored original (explicit, admin update, the admin GET that
//! computes missing analyses, `duplicates=true`, the background pHash
//! backfill) is stopped between its analysis and its write while an
//! overwrite (or a delete and a new upload) commits; the result must describe
//! the version stored, or the call answers 409 and stores nothing.

use std::time::{Duration, Instant};

use assay_e2e::{error_of, json_ok, md5_hex, Backend, FilePart, Hold, TestApp};
use bytes::Bytes;
use reqwest::Method;
use serde_json::{json, Value};
use store::{AssetKey, NewAsset, OnExisting};

use crate::admin_client::AdminClient;

on_both_backends!(
    an_analysis_whose_version_is_replaced_is_redone_on_the_new_one,
    an_analysis_replaced_twice_answers_409_and_stores_nothing,
    a_delete_and_new_upload_during_explicit_gets_the_new_files_analysis,
    duplicates_are_searched_with_the_hash_of_the_version_stored,
    the_backfill_never_files_a_version_under_anothers_hash,
    the_backfill_gets_past_files_it_cannot_hash,
    rapid_overwrites_are_refused_before_running_ahead_of_the_clock,
);

/// The version analysed first: a large photo with two faces.
const FIRST: &str = "face_fr_two_people.jpg";
/// The version that replaces it: a small, different photo.
const SECOND: &str = "face_pillow_hopper.jpg";
/// A third, for the second replacement.
const THIRD: &str = "gps_exiftool_tiny.jpg";

/// What `file` analyses to when nothing races: uploaded under its own
/// public_id with the analyses the race tests ask for.
async fn reference(app: &TestApp, file: &str, public_id: &str) -> Value {
    app.upload_ok(
        FilePart::corpus(file),
        &[
            ("public_id", public_id),
            ("phash", "1"),
            ("colors", "1"),
            ("faces", "1"),
        ],
    )
    .await
}

async fn upload_as(app: &TestApp, file: &str, public_id: &str) -> Value {
    app.upload_ok(FilePart::corpus(file), &[("public_id", public_id)])
        .await
}

/// Waits for a held write, failing the test instead of hanging.
async fn arrived(hold: &Hold) {
    tokio::time::timeout(Duration::from_secs(60), hold.arrived())
        .await
        .expect("an analysis write reached the hold");
}

/// The fields that must all describe one version.
fn version_facts(resource: &Value) -> Value {
    json!({
        "etag": resource["etag"],
        "width": resource["width"],
        "height": resource["height"],
        "phash": resource["phash"],
        "colors": resource["colors"],
        "faces": resource["faces"],
    })
}

async fn an_analysis_whose_version_is_replaced_is_redone_on_the_new_one(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    let admin = AdminClient::new(&app.base_url);
    let second = reference(&app, SECOND, "second-reference").await;
    let asked = [("phash", "1"), ("colors", "1"), ("faces", "1")];
    let query = "phash=1&colors=1&faces=1";

    for path in ["explicit", "admin update", "admin GET"] {
        let public_id = format!("race-{}", path.replace(' ', "-"));
        upload_as(&app, FIRST, &public_id).await;
        hold.arm(1);
        let analyse = async {
            match path {
                "explicit" => {
                    let mut params = vec![("public_id", public_id.as_str())];
                    params.extend(asked);
                    app.explicit(&params).await
                }
                "admin update" => admin.update_form(&public_id, &asked).await,
                _ => admin.resource(&public_id, query).await,
            }
        };
        let overwrite = async {
            arrived(&hold).await;
            let replaced = upload_as(&app, SECOND, &public_id).await;
            hold.release();
            replaced
        };
        let (response, replaced) = tokio::join!(analyse, overwrite);

        let body = json_ok(response).await;
        assert_eq!(body["version"], replaced["version"], "{path}: {body}");
        assert_eq!(
            version_facts(&body),
            version_facts(&second),
            "{path}: the analysis of the version now stored"
        );
        let stored = json_ok(admin.resource(&public_id, query).await).await;
        assert_eq!(version_facts(&stored), version_facts(&second), "{path}");
    }
}

async fn an_analysis_replaced_twice_answers_409_and_stores_nothing(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    let admin = AdminClient::new(&app.base_url);
    upload_as(&app, FIRST, "race").await;
    hold.arm(2);
    let analyse = app.explicit(&[("public_id", "race"), ("phash", "1"), ("faces", "1")]);
    let overwrite_twice = async {
        arrived(&hold).await;
        upload_as(&app, SECOND, "race").await;
        hold.release();
        arrived(&hold).await;
        let last = upload_as(&app, THIRD, "race").await;
        hold.release();
        last
    };
    let (response, last) = tokio::join!(analyse, overwrite_twice);

    let (status, message) = error_of(response).await;
    assert_eq!(status, 409, "{message}");
    assert!(message.contains("race"), "{message}");
    let stored = app.stored_asset("race").await;
    assert_eq!(stored.etag, last["etag"].as_str().unwrap());
    assert!(
        stored.analysis.phash.is_none() && stored.coordinates.faces.is_empty(),
        "nothing of an earlier version's analysis: {:?}",
        stored.analysis
    );
    let shown = json_ok(admin.resource("race", "").await).await;
    assert_eq!(shown["etag"], last["etag"]);
}

async fn a_delete_and_new_upload_during_explicit_gets_the_new_files_analysis(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    let admin = AdminClient::new(&app.base_url);
    let second = reference(&app, SECOND, "second-reference").await;
    let first = upload_as(&app, FIRST, "race").await;
    hold.arm(1);
    let analyse = app.explicit(&[
        ("public_id", "race"),
        ("phash", "1"),
        ("colors", "1"),
        ("faces", "1"),
    ]);
    let replace = async {
        arrived(&hold).await;
        let deleted = admin
            .request(Method::DELETE, "/resources/image/upload")
            .json(&json!({"public_ids": ["race"]}))
            .send()
            .await
            .expect("request sent");
        assert_eq!(json_ok(deleted).await["deleted"]["race"], "deleted");
        let new = upload_as(&app, SECOND, "race").await;
        hold.release();
        new
    };
    let (response, new) = tokio::join!(analyse, replace);

    let body = json_ok(response).await;
    assert_ne!(new["asset_id"], first["asset_id"], "a new asset");
    assert_eq!(body["asset_id"], new["asset_id"]);
    assert_eq!(version_facts(&body), version_facts(&second));
}

async fn duplicates_are_searched_with_the_hash_of_the_version_stored(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    reference(&app, FIRST, "first-reference").await;
    let second = reference(&app, SECOND, "second-reference").await;
    upload_as(&app, FIRST, "race").await;
    hold.arm(1);
    let analyse = app.explicit(&[("public_id", "race"), ("duplicates", "true")]);
    let overwrite = async {
        arrived(&hold).await;
        let replaced = upload_as(&app, SECOND, "race").await;
        hold.release();
        replaced
    };
    let (response, replaced) = tokio::join!(analyse, overwrite);

    let body = json_ok(response).await;
    assert_eq!(body["etag"], replaced["etag"]);
    let duplicates = body["duplicates"].as_array().expect("duplicates");
    assert_eq!(
        duplicates.first(),
        Some(&json!({"public_id": "second-reference", "distance": 0})),
        "{body}"
    );
    assert!(
        duplicates
            .iter()
            .all(|d| d["public_id"] != "first-reference"),
        "{body}"
    );
    assert_eq!(
        app.stored_asset("race").await.analysis.phash.as_deref(),
        second["phash"].as_str()
    );
}

async fn the_backfill_never_files_a_version_under_anothers_hash(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    let admin = AdminClient::new(&app.base_url);
    let first = reference(&app, FIRST, "first-reference").await;
    let second = reference(&app, SECOND, "second-reference").await;
    // The only asset without a pHash: the backfill a search starts hashes it.
    upload_as(&app, FIRST, "race").await;
    hold.arm(1);
    let search = format!(
        "/resources/image/similar?phash={}&max_distance=0",
        first["phash"].as_str().expect("phash")
    );
    json_ok(admin.get(&search).await).await;
    arrived(&hold).await;
    upload_as(&app, SECOND, "race").await;
    hold.release();

    let stored = wait_for_phash(&app, "race").await;
    assert_eq!(stored, second["phash"], "the replacing version's own hash");
    let found = json_ok(admin.get(&search).await).await;
    assert_eq!(
        found["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .map(|r| r["public_id"].clone())
            .collect::<Vec<_>>(),
        [json!("first-reference")],
        "race is not filed under the first version's hash"
    );
}

/// The stored pHash of `public_id` once the background job has written one.
async fn wait_for_phash(app: &TestApp, public_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(phash) = app.stored_asset(public_id).await.analysis.phash {
            return Value::from(phash);
        }
        assert!(Instant::now() < deadline, "{public_id} never hashed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// More files than a backfill batch that cannot be hashed (their stored
/// originals are not images) come before a photo: the photo still gets
/// hashed, and the unhashable ones are not listed again.
async fn the_backfill_gets_past_files_it_cannot_hash(backend: Backend) {
    const UNHASHABLE: usize = 120;
    const NOT_AN_IMAGE: &[u8] = b"not an image";
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    let store = app.sandbox.store().await.expect("store");
    for i in 0..UNHASHABLE {
        let unhashable = NewAsset {
            key: AssetKey::new("image", "upload", format!("unhashable/{i:03}")),
            format: "jpg".into(),
            width: 1,
            height: 1,
            etag: md5_hex(NOT_AN_IMAGE),
            pages: 1,
            tags: Vec::new(),
            context: Default::default(),
            coordinates: Default::default(),
            original_filename: None,
            folder: String::new(),
            access_mode: "public".into(),
            analysis: Default::default(),
        };
        store
            .ingest(
                unhashable,
                Bytes::from_static(NOT_AN_IMAGE),
                OnExisting::Overwrite,
            )
            .await
            .expect("planting an unhashable file");
    }
    upload_as(&app, SECOND, "photo").await;

    json_ok(
        admin
            .get("/resources/image/similar?phash=0000000000000000")
            .await,
    )
    .await;
    wait_for_phash(&app, "photo").await;
    let listed = store
        .without_phash("image", 0, 1000)
        .await
        .expect("listing");
    assert!(listed.is_empty(), "still listed: {}", listed.len());
}

async fn rapid_overwrites_are_refused_before_running_ahead_of_the_clock(backend: Backend) {
    const MAX_VERSION_LEAD: i64 = 10;
    let app = TestApp::spawn(backend).await;
    for attempt in 0..40 {
        let response = app
            .upload(FilePart::corpus(THIRD), &[("public_id", "burst")])
            .await;
        let now = chrono::Utc::now().timestamp();
        if response.status() == 420 {
            let (_, message) = error_of(response).await;
            assert!(message.contains("burst"), "{message}");
            assert!(attempt > MAX_VERSION_LEAD as usize, "refused at {attempt}");
            return;
        }
        let body = json_ok(response).await;
        let version = body["version"].as_i64().expect("version");
        assert!(version <= now + MAX_VERSION_LEAD, "{version} at {now}");
    }
    panic!("40 overwrites within seconds were all accepted");
}
