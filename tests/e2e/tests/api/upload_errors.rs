//! Uploads that must be refused, each with its documented status and a
//! `{"error": {"message": ...}}` body, and without leaving anything stored.

use assay_e2e::fixture_server::FixtureServer;
use assay_e2e::{corpus, error_of, md5_hex, Backend, FilePart, TestApp, API_KEY};

on_both_backends!(
    a_wrong_signature_is_401,
    a_stale_timestamp_is_400,
    missing_or_unknown_api_keys_are_401,
    a_missing_file_is_400,
    corrupt_and_unsupported_files_are_400,
    malformed_parameters_are_400_naming_them,
    public_ids_cannot_escape_the_blob_root,
    files_over_the_size_limit_are_400,
    remote_urls_to_internal_addresses_are_refused,
    a_refused_overwrite_keeps_the_previous_version,
    an_unknown_cloud_is_refused,
);

async fn a_wrong_signature_is_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let timestamp = chrono::Utc::now().timestamp();
    let fields = app.signed_with(&[("public_id", "x")], "not-the-secret", timestamp);
    let response = app
        .post_form(
            "upload",
            fields,
            Some(FilePart::corpus("face_pillow_hopper.jpg")),
        )
        .await;
    let (status, message) = error_of(response).await;
    assert_eq!(status, 401);
    assert!(message.starts_with("Invalid Signature "), "{message}");
    assert!(
        message.contains(&format!(
            "String to sign - 'public_id=x&timestamp={timestamp}'"
        )),
        "{message}"
    );
}

async fn a_stale_timestamp_is_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let two_hours_ago = chrono::Utc::now().timestamp() - 7200;
    let fields = app.signed_with(&[("public_id", "x")], assay_e2e::API_SECRET, two_hours_ago);
    let (status, message) = error_of(
        app.post_form(
            "upload",
            fields,
            Some(FilePart::corpus("face_pillow_hopper.jpg")),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        message.starts_with("Stale request - reported time is "),
        "{message}"
    );
    assert!(
        message.ends_with("+0000 which is more than 1 hour ago"),
        "{message}"
    );
}

async fn missing_or_unknown_api_keys_are_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut fields = app.signed(&[("public_id", "x")]);
    fields.retain(|(k, _)| k != "api_key");
    let file = || Some(FilePart::corpus("face_pillow_hopper.jpg"));
    let (status, message) = error_of(app.post_form("upload", fields.clone(), file()).await).await;
    assert_eq!((status, message.as_str()), (401, "Must supply api_key"));

    fields.push(("api_key".into(), "999999".into()));
    let (status, message) = error_of(app.post_form("upload", fields, file()).await).await;
    assert_eq!((status, message.as_str()), (401, "Unknown API key 999999"));
    assert_ne!(API_KEY, "999999");
}

async fn a_missing_file_is_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, message) = error_of(
        app.post_form("upload", app.signed(&[("public_id", "x")]), None)
            .await,
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (400, "Missing required parameter - file")
    );
}

async fn corrupt_and_unsupported_files_are_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (name, bytes) in [
        ("bad_broken.png", corpus::bytes("bad_broken.png")),
        ("bad_zero_width.gif", corpus::bytes("bad_zero_width.gif")),
        // Declares ~4.4 gigapixels in 44 bytes: refused from its header.
        (
            "bad_decompression_bomb.gif",
            corpus::bytes("bad_decompression_bomb.gif"),
        ),
        ("notes.txt", b"just some text, not an image".to_vec()),
        ("empty.jpg", Vec::new()),
    ] {
        let response = app
            .upload(
                FilePart::new(name, bytes),
                &[("public_id", "bad"), ("phash", "1")],
            )
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "{name}: {message}");
        assert!(!message.is_empty());
    }
    // Nothing was stored for any of them.
    assert_eq!(app.get("/demo/image/upload/bad.png").await.status(), 404);
    assert_eq!(blob_count(&app), 0);
}

async fn malformed_parameters_are_400_naming_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (name, value) in [
        ("custom_coordinates", "1,2,3"),
        ("face_coordinates", "a,b,c,d"),
        ("custom_coordinates", "-1,2,3,4"),
        ("colors", "sometimes"),
        ("overwrite", "2"),
        ("ocr", "magic"),
        ("ocr", "adv_ocr:xx"),
        ("context", "=v"),
    ] {
        let response = app
            .upload(FilePart::corpus("face_pillow_hopper.jpg"), &[(name, value)])
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "{name}={value}: {message}");
        assert!(message.contains(name), "{name}={value}: {message}");
    }
}

async fn public_ids_cannot_escape_the_blob_root(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (param, value) in [
        ("public_id", "../escape"),
        ("public_id", "a/../../escape"),
        ("public_id", "/etc/passwd"),
        ("public_id", "a\\b"),
        ("public_id", "a//b"),
        ("folder", ".."),
    ] {
        let params = if param == "folder" {
            vec![("folder", value), ("public_id", "x")]
        } else {
            vec![(param, value)]
        };
        let response = app
            .upload(FilePart::corpus("face_pillow_hopper.jpg"), &params)
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "{param}={value}: {message}");
        assert!(message.contains("public_id"), "{message}");
    }
    assert_eq!(blob_count(&app), 0);
    let outside = app.sandbox.blob_root.parent().unwrap().join("escape");
    assert!(!outside.exists());
}

async fn files_over_the_size_limit_are_400(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.max_upload_bytes = 4096).await;
    let bytes = corpus::bytes("face_pillow_hopper.jpg");
    assert!(bytes.len() > 4096);
    let (status, message) = error_of(
        app.upload(FilePart::new("big.jpg", bytes.clone()), &[])
            .await,
    )
    .await;
    assert_eq!(status, 400, "never 413: the Node SDK cannot read it");
    assert!(
        message.starts_with("File size too large. Got "),
        "{message}"
    );
    assert!(message.ends_with("Maximum is 4096."), "{message}");

    let data_uri = format!("data:image/jpeg;base64,{}", "A".repeat(8000));
    let (status, message) = error_of(app.upload_text(&data_uri, &[]).await).await;
    assert_eq!(status, 400);
    assert!(message.starts_with("File size too large"), "{message}");

    let origin = FixtureServer::start(bytes);
    let fetching = TestApp::spawn_with(backend, |config| {
        config.max_upload_bytes = 4096;
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (status, message) = error_of(fetching.upload_text(&origin.url("/file"), &[]).await).await;
    assert_eq!(status, 400);
    assert!(
        message.starts_with("File size too large"),
        "remote: {message}"
    );
}

async fn remote_urls_to_internal_addresses_are_refused(backend: Backend) {
    let origin = FixtureServer::start(corpus::bytes("face_pillow_hopper.jpg"));
    // Without an allow list, loopback is refused, whether named or literal.
    let app = TestApp::spawn(backend).await;
    let port = origin.base_url.rsplit(':').next().unwrap().to_owned();
    for url in [
        origin.url("/file"),
        format!("http://localhost:{port}/file"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://[::1]:{port}/file"),
        "ftp://example.com/a.jpg".to_owned(),
    ] {
        let (status, message) = error_of(app.upload_text(&url, &[]).await).await;
        assert_eq!(status, 400, "{url}: {message}");
    }

    // Allowed: 127.0.0.1 only; a redirect to another loopback address is refused.
    let allowing = TestApp::spawn_with(backend, |config| {
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let redirect = origin.url(&format!("/redirect?to=http://127.0.0.2:{port}/file"));
    let (status, message) = error_of(allowing.upload_text(&redirect, &[]).await).await;
    assert_eq!(status, 400);
    assert!(message.contains("disallowed address"), "{message}");
}

async fn a_refused_overwrite_keeps_the_previous_version(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let good = corpus::bytes("face_pillow_hopper.jpg");
    app.upload_ok(
        FilePart::new("a.jpg", good.clone()),
        &[("public_id", "keep")],
    )
    .await;
    let response = app
        .upload(
            FilePart::new("b.png", corpus::bytes("bad_broken.png")),
            &[("public_id", "keep")],
        )
        .await;
    assert_eq!(response.status(), 400);
    let delivered = app.get("/demo/image/upload/keep.jpg").await;
    assert_eq!(delivered.status(), 200);
    assert_eq!(md5_hex(&delivered.bytes().await.unwrap()), md5_hex(&good));
    assert_eq!(blob_count(&app), 1);
}

async fn an_unknown_cloud_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in app.signed(&[]) {
        form = form.text(k, v);
    }
    let response = app
        .client
        .post(app.url("/v1_1/other/image/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, message) = error_of(response).await;
    assert_eq!(
        (status, message.as_str()),
        (401, "Invalid cloud_name other")
    );
}

/// Files under the sandbox's blob directory.
fn blob_count(app: &TestApp) -> usize {
    assay_e2e::files_under(&app.sandbox.blob_root)
}
