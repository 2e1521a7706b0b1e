//! Admin resource details: the stored resource, with the analyses the query
//! names computed on demand (and kept), public_ids in both SDK encodings,
//! and the refusals (401, 404, 400).

use assay_e2e::{corpus, error_of, json_ok, Backend, FilePart, TestApp, API_KEY};
use serde_json::Value;

use crate::admin_client::AdminClient;

const PHOTO: &str = "exif_canon_40d.jpg";

on_both_backends!(
    details_compute_the_missing_analyses_and_keep_them,
    a_public_id_with_a_folder_is_found_with_slash_or_percent_2f,
    details_without_flags_are_the_stored_resource,
    an_unknown_asset_is_404,
    wrong_or_missing_credentials_are_401_with_the_cloudinary_body,
    malformed_parameters_are_400,
    every_answer_carries_a_request_id,
);

fn oracle_make(file: &str) -> String {
    let path = corpus::dir()
        .join("expected/metadata")
        .join(format!("{file}.json"));
    let oracle: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("metadata oracle"))
            .expect("JSON");
    oracle["tags"]["Make"]["value"]
        .as_str()
        .expect("the oracle names a Make")
        .to_owned()
}

async fn details_compute_the_missing_analyses_and_keep_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", "photo")])
        .await;
    assert!(
        app.stored_asset("photo").await.analysis.phash.is_none(),
        "the upload asked for no analysis"
    );

    let admin = AdminClient::new(&app.base_url);
    let query = "colors=true&phash=true&media_metadata=true&image_metadata=true&faces=true&pages=true&coordinates=true";
    let details = json_ok(admin.resource("photo", query).await).await;

    let phash = details["phash"].as_str().expect("phash");
    assert!(
        phash.len() == 16 && phash.chars().all(|c| c.is_ascii_hexdigit()),
        "{phash}"
    );
    assert!(!details["colors"].as_array().expect("colors").is_empty());
    assert!(details["predominant"].is_object());
    assert_eq!(details["media_metadata"]["Make"], oracle_make(PHOTO));
    assert_eq!(details["image_metadata"], details["media_metadata"]);
    assert!(details["faces"].is_array());
    assert_eq!(details["pages"], 1);

    let kept = app.stored_asset("photo").await;
    assert_eq!(
        kept.analysis.phash.as_deref(),
        Some(phash),
        "the computed pHash is stored"
    );
    assert!(kept.analysis.colors.is_some() && kept.analysis.media_metadata.is_some());
    assert!(
        kept.analysis.faces_detected,
        "face detection is recorded as done, even when it found nobody"
    );

    let again = json_ok(admin.resource("photo", "phash=1&colors=1").await).await;
    assert_eq!(
        (&again["phash"], &again["colors"]),
        (&details["phash"], &details["colors"])
    );
    assert!(
        again.get("media_metadata").is_none(),
        "only what was asked for is shown"
    );
}

async fn a_public_id_with_a_folder_is_found_with_slash_or_percent_2f(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", "folder/my pic+1")])
        .await;
    let admin = AdminClient::new(&app.base_url);

    // Python keeps the slash; Node encodes it.
    for encoded in ["folder/my%20pic%2B1", "folder%2Fmy%20pic%2B1"] {
        let details = json_ok(admin.resource(encoded, "").await).await;
        assert_eq!(details["public_id"], "folder/my pic+1", "{encoded}");
    }
}

async fn details_without_flags_are_the_stored_resource(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let uploaded = app
        .upload_ok(
            FilePart::corpus(PHOTO),
            &[
                ("public_id", "plain"),
                ("tags", "a,b"),
                ("custom_coordinates", "1,2,3,4"),
            ],
        )
        .await;
    let details = json_ok(AdminClient::new(&app.base_url).resource("plain", "").await).await;
    for field in [
        "asset_id",
        "public_id",
        "version",
        "width",
        "height",
        "format",
        "bytes",
        "etag",
        "url",
        "secure_url",
    ] {
        assert_eq!(details[field], uploaded[field], "{field}");
    }
    assert_eq!(details["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(
        details["coordinates"]["custom"],
        serde_json::json!([[1, 2, 3, 4]])
    );
    for absent in [
        "colors",
        "phash",
        "media_metadata",
        "faces",
        "signature",
        "api_key",
    ] {
        assert!(details.get(absent).is_none(), "{absent} was not asked for");
    }
}

async fn an_unknown_asset_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = AdminClient::new(&app.base_url)
        .resource("nobody/here", "colors=true")
        .await;
    assert_eq!(
        error_of(response).await,
        (404, "Resource not found - nobody/here".into())
    );
}

async fn wrong_or_missing_credentials_are_401_with_the_cloudinary_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", "guarded")])
        .await;

    let wrong_secret =
        AdminClient::with_credentials(&app.base_url, API_KEY, Some("not-the-secret"));
    let (status, message) = error_of(wrong_secret.resource("guarded", "").await).await;
    assert_eq!((status, message.as_str()), (401, "Invalid credentials"));

    let wrong_key = AdminClient::with_credentials(
        &app.base_url,
        "999999999999999",
        Some(assay_e2e::API_SECRET),
    );
    assert_eq!(
        error_of(wrong_key.resource("guarded", "").await).await.0,
        401
    );

    let anonymous = app
        .get(&format!(
            "/v1_1/{}/resources/image/upload/guarded",
            assay_e2e::CLOUD
        ))
        .await;
    assert_eq!(
        error_of(anonymous).await,
        (401, "Must supply api_key".into())
    );
}

async fn malformed_parameters_are_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", "shape")])
        .await;
    let admin = AdminClient::new(&app.base_url);

    let (status, message) = error_of(admin.resource("shape", "colors=perhaps").await).await;
    assert_eq!(status, 400);
    assert!(message.contains("colors"), "{message}");
    assert_eq!(
        error_of(admin.get("/resources/sound/upload/shape").await)
            .await
            .0,
        400
    );
    assert_eq!(
        error_of(admin.get("/resources/image/elsewhere/shape").await)
            .await
            .0,
        400
    );
    assert_eq!(
        error_of(admin.resource("a%2F..%2Fshape", "").await).await.0,
        400
    );
}

async fn every_answer_carries_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ok = AdminClient::new(&app.base_url).ping().await;
    let refused = AdminClient::with_credentials(&app.base_url, API_KEY, Some("x"))
        .ping()
        .await;
    let ids: Vec<String> = [&ok, &refused]
        .iter()
        .map(|response| {
            response.headers()["x-request-id"]
                .to_str()
                .expect("ASCII")
                .to_owned()
        })
        .collect();
    assert!(ids.iter().all(|id| id.len() == 32), "{ids:?}");
    assert_ne!(ids[0], ids[1], "one id per request");
    assert_eq!(json_ok(ok).await, serde_json::json!({"status": "ok"}));
}
