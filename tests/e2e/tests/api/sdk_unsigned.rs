//! Unsigned uploads through both official SDKs (tests/sdk/*/unsigned_flow.*):
//! a preset created with our analyses (`create_upload_preset(...,
//! quality_analysis=True)`), the unsigned overwrite attempt, the folder
//! confinement and Cloudinary's merge rules.

use assay_e2e::{corpus, sdk, Backend, TestApp};
use serde_json::json;

use crate::sdk_flows::{failed_with, Sdk};

on_both_backends!(
    python_unsigned_uploads_are_confined,
    node_unsigned_uploads_are_confined
);

async fn python_unsigned_uploads_are_confined(backend: Backend) {
    unsigned_uploads_are_confined(backend, Sdk::Python).await
}

async fn node_unsigned_uploads_are_confined(backend: Backend) {
    unsigned_uploads_are_confined(backend, Sdk::Node).await
}

async fn unsigned_uploads_are_confined(backend: Backend, sdk: Sdk) {
    let app = TestApp::spawn(backend).await;
    let image = corpus::path("face_pillow_hopper.jpg");
    let other = corpus::path("png_exiftool_tiny.png");
    let (prefix, script) = match sdk {
        Sdk::Python => ("py", "unsigned_flow.py"),
        Sdk::Node => ("node", "unsigned_flow.js"),
    };
    let args = [image.to_str().unwrap(), other.to_str().unwrap(), prefix];
    let report = match sdk {
        Sdk::Python => sdk::run_python(&app, script, &args).await,
        Sdk::Node => sdk::run_node(&app, script, &args).await,
    };
    let folder = format!("{prefix}_inbox");

    assert_eq!(report["create"]["body"]["message"], "created", "{report}");
    let settings = &report["get"]["body"]["settings"];
    for name in [
        "quality_analysis",
        "accessibility_analysis",
        "cinemagraph_analysis",
        "invalidate",
        "overwrite",
    ] {
        assert_eq!(settings[name], true, "{name}: {settings}");
    }

    let signed = &report["signed"]["body"];
    // The Python SDK adds the response's X-Request-Id as `request_id`.
    let mut attempt = report["overwrite_attempt"]["body"].clone();
    if let Some(fields) = attempt.as_object_mut() {
        fields.remove("request_id");
    }
    assert_eq!(
        attempt,
        json!({"public_id": format!("{folder}/logo"), "resource_type": "image", "type": "upload", "existing": true}),
        "{}",
        report["overwrite_attempt"]
    );
    let after = &report["after_attempt"]["body"];
    assert_eq!(after["etag"], signed["etag"], "not overwritten: {after}");
    assert_eq!(after["version"], signed["version"]);
    assert_eq!(after["tags"], json!(["secret"]));

    let escape = &report["escape_attempt"];
    assert!(failed_with(escape, 400), "{escape}");
    assert!(
        escape["message"]
            .as_str()
            .is_some_and(|m| m.contains("folder") && m.contains(&folder)),
        "{escape}"
    );

    let merged = &report["merged"]["body"];
    assert_eq!(merged["public_id"], format!("{folder}/mine"), "{report}");
    assert_eq!(merged["tags"], json!(["from_preset", "mine"]));
    assert_eq!(
        merged["context"]["custom"],
        json!({"stage": "preset", "source": "widget", "caption": "hi"})
    );
    assert!(merged["quality_analysis"]["focus"].is_number(), "{merged}");
    assert!(merged["accessibility_analysis"].is_object(), "{merged}");
    assert!(merged["cinemagraph_analysis"].is_object(), "{merged}");
    assert!(merged["delete_token"].is_string(), "{merged}");
}
