//! Delete tokens: an upload with `return_delete_token=true` gets a token that
//! deletes that upload, once, for 10 minutes, with no other credential
//! (`POST /v1_1/<cloud>/delete_by_token`). The token comes from each official
//! SDK; the deletion is what client-side code posts.

use std::sync::Arc;

use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp, CLOUD};
use chrono::{TimeDelta, Utc};
use serde_json::Value;

use crate::admin_client::ManualClock;
use crate::sdk_flows::{run_flow, Sdk};

on_both_backends!(
    python_token_deletes_its_upload_once,
    node_token_deletes_its_upload_once,
    a_token_expires_after_ten_minutes,
    a_token_deletes_only_the_version_it_was_issued_for,
);

async fn python_token_deletes_its_upload_once(backend: Backend) {
    token_deletes_its_upload_once(backend, Sdk::Python).await
}

async fn node_token_deletes_its_upload_once(backend: Backend) {
    token_deletes_its_upload_once(backend, Sdk::Node).await
}

async fn delete_by_token(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/v1_1/{CLOUD}/delete_by_token")))
        .form(&[("token", token)])
        .send()
        .await
        .expect("request sent")
}

async fn delivery_status(app: &TestApp, public_id: &str) -> u16 {
    app.get(&format!("/{CLOUD}/image/upload/{public_id}.jpg"))
        .await
        .status()
        .as_u16()
}

async fn token_deletes_its_upload_once(backend: Backend, sdk: Sdk) {
    let app = TestApp::spawn(backend).await;
    let report = run_flow(&app, sdk, "delete_token", "face_pillow_hopper.jpg", &[]).await;
    let upload = &report["upload"]["body"];
    let public_id = upload["public_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{report}"));
    let token = upload["delete_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no delete_token: {upload}"));
    let other = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[("public_id", "other")],
        )
        .await;
    assert!(other.get("delete_token").is_none(), "only when asked");

    let deleted = json_ok(delete_by_token(&app, token).await).await;
    assert_eq!(deleted, serde_json::json!({"result": "ok"}));
    assert_eq!(delivery_status(&app, public_id).await, 404);
    assert_eq!(delivery_status(&app, "other").await, 200, "nothing else");

    let (status, message) = error_of(delete_by_token(&app, token).await).await;
    assert_eq!((status, message.as_str()), (400, "Invalid token"), "reuse");
    let (status, _) = error_of(delete_by_token(&app, &"0".repeat(64)).await).await;
    assert_eq!(status, 400, "unknown token");
    let missing = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/image/delete_by_token")))
        .form(&[("public_id", "other")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(missing).await,
        (400, "Missing required parameter - token".to_owned())
    );
}

async fn upload_with_token(app: &TestApp, public_id: &str) -> Value {
    app.upload_ok(
        FilePart::corpus("face_pillow_hopper.jpg"),
        &[("public_id", public_id), ("return_delete_token", "1")],
    )
    .await
}

async fn a_token_expires_after_ten_minutes(backend: Backend) {
    let clock = Arc::new(ManualClock::at(&Utc::now().to_rfc3339()));
    let app = TestApp::spawn_with_clock(backend, |_| {}, clock.clone()).await;
    let early = upload_with_token(&app, "early").await;
    let late = upload_with_token(&app, "late").await;

    clock.advance(TimeDelta::seconds(599));
    json_ok(delete_by_token(&app, early["delete_token"].as_str().unwrap()).await).await;
    clock.advance(TimeDelta::seconds(2));
    let (status, message) =
        error_of(delete_by_token(&app, late["delete_token"].as_str().unwrap()).await).await;
    assert_eq!((status, message.as_str()), (400, "Token expired"));
    assert_eq!(delivery_status(&app, "early").await, 404);
    assert_eq!(
        delivery_status(&app, "late").await,
        200,
        "an expired token deletes nothing"
    );
}

async fn a_token_deletes_only_the_version_it_was_issued_for(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = upload_with_token(&app, "shared").await;
    // Another upload replaces it under the same public_id.
    app.upload_ok(
        FilePart::corpus("png_exiftool_tiny.png"),
        &[("public_id", "shared")],
    )
    .await;
    let (status, _) =
        error_of(delete_by_token(&app, first["delete_token"].as_str().unwrap()).await).await;
    assert_eq!(status, 400);
    let current = app.stored_asset("shared").await;
    assert_eq!(current.format, "png", "the newer upload stays");
}
