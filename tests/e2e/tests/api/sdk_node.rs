//! The official Node SDK (`cloudinary`, pinned in tests/sdk/node/package-lock.json)
//! against the real service. Node sends chunked multipart bodies and only
//! reads error bodies for some statuses, so this also pins those down.

use assay_e2e::Backend;

use super::sdk_upload_flow::{run_upload_flow, Sdk};

on_both_backends!(node_sdk_upload_flow);

async fn node_sdk_upload_flow(backend: Backend) {
    let report = run_upload_flow(backend, Sdk::Node).await;
    // Node reads our JSON error bodies only for the statuses it knows.
    assert_eq!(
        report["wrong_secret"]["http_code"], 401,
        "{}",
        report["wrong_secret"]
    );
    assert!(report["wrong_secret"]["message"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Invalid Signature"));
    assert_eq!(
        report["explicit_missing"]["http_code"], 404,
        "{}",
        report["explicit_missing"]
    );
    // A 400 is one of the statuses whose body Node reads: our message arrives.
    assert_eq!(report["corrupt"]["http_code"], 400, "{}", report["corrupt"]);
    assert!(report["corrupt"]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("Invalid image file")));
}
