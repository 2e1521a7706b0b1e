//! The upload flow both official SDKs run (tests/sdk/*/upload_flow.*): the
//! same corpus files, the same remote origin and the same expectations, so
//! the two SDK tests differ only in how each SDK reports errors.

use assay_e2e::fixture_server::FixtureServer;
use assay_e2e::{corpus, md5_hex, sdk, Backend, TestApp};
use serde_json::{json, Value};

/// An official SDK of record.
#[derive(Debug, Clone, Copy)]
pub enum Sdk {
    Python,
    Node,
}

impl Sdk {
    /// The prefix each SDK's script gives to the `use_filename` upload.
    fn use_filename_prefix(self) -> &'static str {
        match self {
            Sdk::Python => "py",
            Sdk::Node => "node",
        }
    }
}

/// Runs the SDK's upload flow against a fresh app on `backend`, checks what
/// both SDKs must show, and returns the script's report for SDK-specific checks.
pub async fn run_upload_flow(backend: Backend, sdk: Sdk) -> Value {
    let image = "face_pillow_hopper.jpg";
    let origin = FixtureServer::start(corpus::bytes(image));
    let app = TestApp::spawn_with(backend, |config| {
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let (image_path, png_path) = (corpus::path(image), corpus::path("png_exiftool_tiny.png"));
    let corrupt_path = corpus::path("bad_broken.png");
    let remote = origin.url("/file");
    let public_id = format!("sdk/{} pic+1", sdk.use_filename_prefix());
    let args = [
        image_path.to_str().unwrap(),
        png_path.to_str().unwrap(),
        remote.as_str(),
        public_id.as_str(),
        corrupt_path.to_str().unwrap(),
    ];
    let report = match sdk {
        Sdk::Python => sdk::run_python(&app, "upload_flow.py", &args).await,
        Sdk::Node => sdk::run_node(&app, "upload_flow.js", &args).await,
    };
    assert_upload_flow(
        &report,
        &public_id,
        &md5_hex(&corpus::bytes(image)),
        &format!("{}/face_pillow_hopper", sdk.use_filename_prefix()),
    );
    report
}

/// What both SDKs' upload flows must show (see tests/sdk/*/upload_flow.*).
fn assert_upload_flow(report: &Value, public_id: &str, md5: &str, use_filename_id: &str) {
    let upload = &report["upload"]["body"];
    assert_eq!(
        upload["public_id"], public_id,
        "upload: {}",
        report["upload"]
    );
    assert_eq!(upload["etag"], md5);
    assert!(
        upload["colors"].as_array().is_some_and(|c| !c.is_empty()),
        "colors: {}",
        upload["colors"]
    );
    assert!(
        upload["phash"].as_str().is_some_and(|p| p.len() == 16),
        "phash: {}",
        upload["phash"]
    );
    assert!(
        upload["media_metadata"].is_object(),
        "media_metadata: {}",
        upload["media_metadata"]
    );
    assert!(
        upload["faces"].as_array().is_some_and(|f| !f.is_empty()),
        "faces: {}",
        upload["faces"]
    );
    assert_eq!(
        upload["coordinates"]["custom"],
        json!([[10, 20, 30, 40], [50, 60, 70, 80]])
    );
    assert_eq!(upload["tags"], json!(["a", "b"]));
    assert_eq!(
        upload["context"],
        json!({"custom": {"alt": "x", "caption": "a=b|c"}})
    );

    let delivery = &report["delivery"];
    assert_eq!(delivery["status"], 200, "delivery: {delivery}");
    assert_eq!(
        delivery["md5"], md5,
        "the delivered original is the uploaded file"
    );
    assert_eq!(delivery["etag"], format!("\"{md5}\""));

    let legacy = &report["image_metadata"]["body"];
    assert_eq!(
        legacy["public_id"], use_filename_id,
        "{}",
        report["image_metadata"]
    );
    assert!(legacy["image_metadata"].is_object() && legacy.get("media_metadata").is_none());

    let inline = &report["data_uri"]["body"];
    assert_eq!(inline["format"], "png", "{}", report["data_uri"]);
    assert_eq!(
        inline["etag"],
        md5_hex(&corpus::bytes("png_exiftool_tiny.png"))
    );
    assert_eq!(
        report["remote"]["body"]["etag"], md5,
        "{}",
        report["remote"]
    );

    let explicit = &report["explicit"]["body"];
    assert_eq!(explicit["public_id"], public_id, "{}", report["explicit"]);
    assert_eq!(explicit["version"], upload["version"]);
    assert_eq!(explicit["coordinates"]["custom"], json!([[1, 2, 3, 4]]));
    assert_eq!(explicit["phash"], upload["phash"], "same file, same pHash");

    assert_eq!(
        report["sha256"]["body"]["etag"], md5,
        "SHA-256 signed upload: {}",
        report["sha256"]
    );
    assert_eq!(
        report["sha256"]["body"]["signature"].as_str().map(str::len),
        Some(64),
        "a SHA-256 request gets a SHA-256 response signature"
    );
    assert_eq!(
        report["sha256_response_signature_valid"], true,
        "the SDK verifies the SHA-256 response signature"
    );
}
