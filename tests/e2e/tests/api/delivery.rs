//! Delivery of originals: byte-exact, with ETag and conditional GET.

use assay_e2e::{corpus, error_of, md5_hex, Backend, FilePart, TestApp};

on_both_backends!(
    originals_are_delivered_byte_for_byte,
    conditional_get_answers_304,
    folders_may_be_sent_as_slashes_or_percent_2f,
    unknown_assets_and_other_formats_are_404,
);

async fn originals_are_delivered_byte_for_byte(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bytes = corpus::bytes("exif_canon_40d.jpg");
    let body = app
        .upload_ok(
            FilePart::new("c.jpg", bytes.clone()),
            &[("public_id", "canon")],
        )
        .await;

    for path in [
        format!("/demo/image/upload/v{}/canon.jpg", body["version"]),
        "/demo/image/upload/canon.jpg".to_owned(),
        // The Node SDK appends an analytics query string.
        "/demo/image/upload/canon.jpg?_a=BAMAROfk0".to_owned(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert_eq!(
            response.headers()["etag"],
            format!("\"{}\"", body["etag"].as_str().unwrap())
        );
        assert_eq!(
            md5_hex(&response.bytes().await.unwrap()),
            md5_hex(&bytes),
            "{path}"
        );
    }
    let url = body["url"].as_str().unwrap();
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(
        md5_hex(&response.bytes().await.unwrap()),
        md5_hex(&bytes),
        "the response's own url"
    );
}

async fn conditional_get_answers_304(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[("public_id", "cached")],
        )
        .await;
    let etag = format!("\"{}\"", body["etag"].as_str().unwrap());
    let url = app.url("/demo/image/upload/cached.jpg");

    let fresh = app
        .client
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 304);
    assert!(fresh.bytes().await.unwrap().is_empty());

    let stale = app
        .client
        .get(&url)
        .header("If-None-Match", "\"0000\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
}

async fn folders_may_be_sent_as_slashes_or_percent_2f(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bytes = corpus::bytes("face_pillow_hopper.jpg");
    app.upload_ok(
        FilePart::new("x.jpg", bytes.clone()),
        &[("public_id", "folder/my pic+1")],
    )
    .await;
    for path in [
        "/demo/image/upload/folder/my%20pic%2B1.jpg",
        "/demo/image/upload/v1/folder%2Fmy%20pic%2B1.jpg",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(md5_hex(&response.bytes().await.unwrap()), md5_hex(&bytes));
    }
}

async fn unknown_assets_and_other_formats_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(
        FilePart::corpus("face_pillow_hopper.jpg"),
        &[("public_id", "only-jpg")],
    )
    .await;
    let (status, message) = error_of(app.get("/demo/image/upload/nothing.jpg").await).await;
    assert_eq!(
        (status, message.as_str()),
        (404, "Resource not found - nothing")
    );
    let (status, _) = error_of(app.get("/demo/image/upload/only-jpg.png").await).await;
    assert_eq!(
        status, 404,
        "no transformations: other formats are not served"
    );
    let (status, _) = error_of(app.get("/other/image/upload/only-jpg.jpg").await).await;
    assert_eq!(status, 404);
}
