//! `explicit`: re-running extractions on a stored asset.

use assay_e2e::{error_of, json_ok, sign, Backend, FilePart, TestApp, API_SECRET};

on_both_backends!(
    explicit_adds_requested_extractions_to_a_stored_asset,
    explicit_results_are_stored,
    explicit_on_an_unknown_public_id_is_404,
    explicit_needs_a_public_id_and_a_valid_signature,
    regions_sent_with_the_file_are_limited_and_explicit_ones_kept,
);

async fn explicit_adds_requested_extractions_to_a_stored_asset(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let uploaded = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[("public_id", "later")],
        )
        .await;
    assert!(uploaded.get("phash").is_none());

    let body = json_ok(
        app.explicit(&[
            ("public_id", "later"),
            ("type", "upload"),
            ("colors", "1"),
            ("phash", "1"),
            ("faces", "1"),
            ("media_metadata", "1"),
            ("custom_coordinates", "1,2,3,4"),
        ])
        .await,
    )
    .await;
    assert_eq!(body["public_id"], "later");
    assert_eq!(
        body["version"], uploaded["version"],
        "explicit keeps the version"
    );
    assert_eq!(body["etag"], uploaded["etag"]);
    assert_eq!(body["width"], uploaded["width"]);
    assert_eq!(
        body["signature"],
        sign::response_signature("later", body["version"].as_i64().unwrap(), API_SECRET)
    );
    assert!(
        body["phash"].as_str().is_some_and(|p| p.len() == 16),
        "{}",
        body["phash"]
    );
    assert!(body["colors"].is_array());
    assert!(body["media_metadata"].is_object());
    assert!(body["faces"].as_array().is_some_and(|f| !f.is_empty()));
    assert_eq!(
        body["coordinates"]["custom"],
        serde_json::json!([[1, 2, 3, 4]])
    );
}

async fn explicit_results_are_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(
        FilePart::corpus("face_pillow_hopper.jpg"),
        &[("public_id", "kept")],
    )
    .await;
    let first = json_ok(
        app.explicit(&[
            ("public_id", "kept"),
            ("phash", "1"),
            ("face_coordinates", "5,6,7,8"),
        ])
        .await,
    )
    .await;
    // A later call asking for nothing new still shows the stored regions and,
    // when asked, the stored pHash.
    let again = json_ok(app.explicit(&[("public_id", "kept"), ("tags", "x")]).await).await;
    assert_eq!(
        again["coordinates"]["faces"],
        serde_json::json!([[5, 6, 7, 8]])
    );
    assert_eq!(again["tags"], serde_json::json!(["x"]));
    assert!(again.get("phash").is_none(), "not requested this time");
    let shown = json_ok(app.explicit(&[("public_id", "kept"), ("phash", "1")]).await).await;
    assert_eq!(shown["phash"], first["phash"]);
}

async fn explicit_on_an_unknown_public_id_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, message) = error_of(
        app.explicit(&[("public_id", "nobody"), ("phash", "1")])
            .await,
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (404, "Resource not found - nobody")
    );
    let (status, _) = error_of(
        app.explicit(&[("public_id", "nobody"), ("tags", "a")])
            .await,
    )
    .await;
    assert_eq!(status, 404, "also without extractions");
}

async fn explicit_needs_a_public_id_and_a_valid_signature(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, message) = error_of(app.explicit(&[("phash", "1")]).await).await;
    assert_eq!(
        (status, message.as_str()),
        (400, "Missing required parameter - public_id")
    );

    let fields = app.signed_with(
        &[("public_id", "x")],
        "wrong",
        chrono::Utc::now().timestamp(),
    );
    let (status, message) = error_of(app.post_form("explicit", fields, None).await).await;
    assert_eq!(status, 401);
    assert!(message.starts_with("Invalid Signature"), "{message}");
}

/// Cloudinary's SDK test (`test_face_coordinates`): regions sent with the file
/// come back with each value capped by the image's size along its axis
/// (`[120,30,109,150]` on 241x51 gives `[120,30,109,51]`), stored so; regions
/// an explicit sends later read back as given.
async fn regions_sent_with_the_file_are_limited_and_explicit_ones_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let probe = app
        .upload_ok(FilePart::corpus("face_pillow_hopper.jpg"), &[])
        .await;
    let (w, h) = (
        probe["width"].as_u64().unwrap(),
        probe["height"].as_u64().unwrap(),
    );
    let sent = format!(
        "{},30,{},{}|5,{},20,{}",
        w - 10,
        w + 7,
        h + 150,
        h + 3,
        h - 10
    );
    let uploaded = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[
                ("public_id", "regions"),
                ("faces", "1"),
                ("face_coordinates", &sent),
                ("custom_coordinates", &sent),
            ],
        )
        .await;
    let limited = serde_json::json!([[w - 10, 30, w, h], [5, h, 20, h - 10]]);
    assert_eq!(uploaded["faces"], limited);
    assert_eq!(
        uploaded["coordinates"],
        serde_json::json!({"faces": limited, "custom": limited})
    );
    let stored = app.stored_asset("regions").await;
    assert_eq!(
        serde_json::json!(stored.coordinates.faces),
        limited,
        "the limited values are what is stored"
    );

    let later = format!("2,3,{},{}", w + 1, h + 2);
    let body = json_ok(
        app.explicit(&[
            ("public_id", "regions"),
            ("type", "upload"),
            ("face_coordinates", &later),
        ])
        .await,
    )
    .await;
    assert_eq!(
        body["coordinates"]["faces"],
        serde_json::json!([[2, 3, w + 1, h + 2]])
    );
}
