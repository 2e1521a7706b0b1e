//! The official Python SDK (`cloudinary`, pinned in tests/sdk/python/requirements.txt)
//! against the real service: upload with extractions, data URI and remote URL,
//! explicit, delivery of the original, SHA-256 signing and a wrong secret.

use assay_e2e::Backend;

use super::sdk_upload_flow::{run_upload_flow, Sdk};

on_both_backends!(python_sdk_upload_flow);

async fn python_sdk_upload_flow(backend: Backend) {
    let report = run_upload_flow(backend, Sdk::Python).await;
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
