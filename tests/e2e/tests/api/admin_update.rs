//! Admin update: tags, context and regions from JSON (Python) or form (Node)
//! bodies, extractions run on the stored original, and all-or-nothing.

use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp};
use serde_json::{json, Value};

use crate::admin_client::AdminClient;

const PHOTO: &str = "face_pillow_hopper.jpg";

on_both_backends!(
    a_json_update_sets_tags_context_and_regions,
    a_form_update_runs_extractions_and_keeps_them,
    a_failed_update_changes_nothing,
    updating_an_unknown_asset_is_404,
    parameters_this_server_cannot_apply_are_refused,
);

async fn a_json_update_sets_tags_context_and_regions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(
        FilePart::corpus(PHOTO),
        &[("public_id", "people/hopper"), ("tags", "old")],
    )
    .await;
    let admin = AdminClient::new(&app.base_url);

    // The body the Python SDK sends for
    // update(custom_coordinates=[[1,2,3,4]], face_coordinates=[[5,6,7,8]], tags=["t1","t2"], context={"k":"v"}).
    let body = json!({"tags": "t1,t2", "face_coordinates": "5,6,7,8", "custom_coordinates": "1,2,3,4", "context": "k=v"});
    let updated = json_ok(admin.update_json("people/hopper", body).await).await;
    assert_eq!(updated["tags"], json!(["t1", "t2"]));
    assert_eq!(updated["context"], json!({"custom": {"k": "v"}}));
    assert_eq!(
        updated["coordinates"],
        json!({"faces": [[5, 6, 7, 8]], "custom": [[1, 2, 3, 4]]})
    );
    assert_eq!(updated["faces"], json!([[5, 6, 7, 8]]));

    let details = json_ok(admin.resource("people/hopper", "coordinates=true").await).await;
    assert_eq!(
        (&details["tags"], &details["coordinates"]),
        (&updated["tags"], &updated["coordinates"])
    );
}

async fn a_form_update_runs_extractions_and_keeps_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", "hopper")])
        .await;
    let admin = AdminClient::new(&app.base_url);

    let fields = [
        ("phash", "1"),
        ("colors", "true"),
        ("media_metadata", "1"),
        ("faces", "true"),
        ("tags", "t1"),
    ];
    let updated = json_ok(admin.update_form("hopper", &fields).await).await;
    let phash = updated["phash"].as_str().expect("phash").to_owned();
    assert!(!updated["colors"].as_array().expect("colors").is_empty());
    assert!(updated["media_metadata"].is_object());
    let faces = updated["faces"].as_array().expect("faces").clone();
    assert_eq!(updated["tags"], json!(["t1"]));

    let kept = app.stored_asset("hopper").await;
    assert_eq!(kept.analysis.phash.as_deref(), Some(phash.as_str()));
    assert!(kept.analysis.colors.is_some() && kept.analysis.media_metadata.is_some());
    let kept_faces: Vec<Value> = kept
        .coordinates
        .faces
        .iter()
        .map(|rect| json!(rect))
        .collect();
    assert_eq!(
        kept_faces, faces,
        "detected faces are stored as the face regions"
    );
}

async fn a_failed_update_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(
        FilePart::corpus(PHOTO),
        &[("public_id", "steady"), ("tags", "before")],
    )
    .await;
    let admin = AdminClient::new(&app.base_url);
    let before = app.stored_asset("steady").await;

    let malformed = [
        json!({"tags": "after", "custom_coordinates": "1,2,3"}),
        json!({"tags": "after", "phash": "true", "face_coordinates": "a,b,c,d"}),
        json!({"context": "=nokey", "tags": "after"}),
        json!({"tags": "after", "colors": "sometimes"}),
    ];
    for body in malformed {
        let (status, _) = error_of(admin.update_json("steady", body.clone()).await).await;
        assert_eq!(status, 400, "{body}");
    }
    assert_eq!(
        app.stored_asset("steady").await,
        before,
        "no change from any refused update"
    );
}

async fn updating_an_unknown_asset_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    assert_eq!(
        error_of(admin.update_json("ghost", json!({"tags": "x"})).await).await,
        (404, "Resource not found - ghost".into())
    );
    assert_eq!(
        error_of(admin.update_form("ghost", &[("phash", "1")]).await)
            .await
            .0,
        404
    );
}

async fn parameters_this_server_cannot_apply_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(
        FilePart::corpus(PHOTO),
        &[("public_id", "addons"), ("tags", "kept")],
    )
    .await;
    let admin = AdminClient::new(&app.base_url);

    let (status, message) = error_of(
        admin
            .update_json(
                "addons",
                json!({"tags": "new", "moderation_status": "approved"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("moderation_status"), "{message}");
    assert_eq!(app.stored_asset("addons").await.tags, ["kept"]);
}
