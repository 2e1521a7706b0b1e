//! How the Upload API knows its caller: a response signature in the digest
//! the request was signed with, and HTTP Basic auth with the key and secret
//! in place of a signature, as Cloudinary accepts it.

use assay_e2e::{error_of, json_ok, sign, Backend, FilePart, TestApp, API_KEY, API_SECRET, CLOUD};
use reqwest::multipart::{Form, Part};

on_both_backends!(
    a_sha256_signed_upload_gets_a_sha256_response_signature,
    basic_auth_uploads_and_explicits_without_a_signature,
    wrong_basic_credentials_are_401_even_with_a_valid_signature,
);

async fn a_sha256_signed_upload_gets_a_sha256_response_signature(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fields = app.signed_sha256(&[("public_id", "sha")]);
    let body = json_ok(
        app.post_form(
            "upload",
            fields,
            Some(FilePart::corpus("png_exiftool_tiny.png")),
        )
        .await,
    )
    .await;
    let version = body["version"].as_i64().unwrap();
    assert_eq!(
        body["signature"],
        sign::response_signature_sha256("sha", version, API_SECRET)
    );

    // The same call signed with SHA-1 is answered in SHA-1.
    let body = app
        .upload_ok(
            FilePart::corpus("png_exiftool_tiny.png"),
            &[("public_id", "sha")],
        )
        .await;
    let version = body["version"].as_i64().unwrap();
    assert_eq!(
        body["signature"],
        sign::response_signature("sha", version, API_SECRET)
    );
}

fn form(fields: &[(&str, &str)], file: Option<FilePart>) -> Form {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some(file) = file {
        form = form.part("file", Part::bytes(file.bytes).file_name(file.filename));
    }
    form
}

async fn basic_auth_uploads_and_explicits_without_a_signature(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let upload = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/image/upload")))
        .basic_auth(API_KEY, Some(API_SECRET))
        .multipart(form(
            &[("public_id", "basic"), ("colors", "true")],
            Some(FilePart::corpus("png_exiftool_tiny.png")),
        ))
        .send()
        .await
        .unwrap();
    let body = json_ok(upload).await;
    assert_eq!(body["public_id"], "basic");
    assert!(body["colors"].is_array(), "{body}");
    let version = body["version"].as_i64().unwrap();
    assert_eq!(
        body["signature"],
        sign::response_signature("basic", version, API_SECRET)
    );

    let explicit = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/image/explicit")))
        .basic_auth(API_KEY, Some(API_SECRET))
        .multipart(form(&[("public_id", "basic"), ("phash", "1")], None))
        .send()
        .await
        .unwrap();
    let body = json_ok(explicit).await;
    assert!(body["phash"].is_string(), "{body}");
}

async fn wrong_basic_credentials_are_401_even_with_a_valid_signature(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let signed = app.signed(&[("public_id", "denied")]);
    let fields: Vec<(&str, &str)> = signed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (key, secret) in [(API_KEY, "not-the-secret"), ("999", API_SECRET)] {
        let response = app
            .client
            .post(app.url(&format!("/v1_1/{CLOUD}/image/upload")))
            .basic_auth(key, Some(secret))
            .multipart(form(
                &fields,
                Some(FilePart::corpus("png_exiftool_tiny.png")),
            ))
            .send()
            .await
            .unwrap();
        let (status, message) = error_of(response).await;
        assert_eq!((status, message.as_str()), (401, "Invalid credentials"));
    }
}
