//! The official Python SDK (`cloudinary`, pinned in tests/sdk/python/requirements.txt)
//! against the real service: upload with extractions, data URI and remote URL,
//! explicit, delivery of the original, SHA-256 signing and a wrong secret.

use assay_e2e::fixture_server::FixtureServer;
use assay_e2e::{corpus, md5_hex, sdk, Backend, TestApp};

use super::sdk_node::assert_upload_flow;

on_both_backends!(python_sdk_upload_flow);

async fn python_sdk_upload_flow(backend: Backend) {
    let image = "face_pillow_hopper.jpg";
    let origin = FixtureServer::start(corpus::bytes(image));
    let app = TestApp::spawn_with(backend, |config| {
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (image_path, png_path) = (corpus::path(image), corpus::path("png_exiftool_tiny.png"));
    let corrupt_path = corpus::path("bad_broken.png");
    let remote = origin.url("/file");
    let public_id = "sdk/python pic+1";
    let args = [
        image_path.to_str().unwrap(),
        png_path.to_str().unwrap(),
        remote.as_str(),
        public_id,
        corrupt_path.to_str().unwrap(),
    ];
    let report = sdk::run_python(&app, "upload_flow.py", &args).await;

    assert_upload_flow(
        &report,
        public_id,
        &md5_hex(&corpus::bytes(image)),
        "py/face_pillow_hopper",
    );
    assert_eq!(
        report["response_signature_valid"], true,
        "the SDK verifies our response signature"
    );
    assert_eq!(
        report["wrong_secret"]["error"], "AuthorizationRequired",
        "{}",
        report["wrong_secret"]
    );
    assert_eq!(
        report["explicit_missing"]["error"], "NotFound",
        "{}",
        report["explicit_missing"]
    );
    assert_eq!(
        report["corrupt"]["error"], "BadRequest",
        "{}",
        report["corrupt"]
    );
}
