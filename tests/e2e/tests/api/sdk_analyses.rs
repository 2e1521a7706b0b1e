//! Cloudinary's quality, accessibility and cinemagraph analyses requested by
//! the official SDKs (tests/sdk/*/analyses_flow.*) on upload, explicit and
//! resource details, read in their documented shapes.

use assay_e2e::{corpus, sdk, Backend, TestApp};
use serde_json::Value;

use super::sdk_upload_flow::Sdk;

on_both_backends!(
    python_sdk_requests_each_analysis,
    node_sdk_requests_each_analysis
);

async fn run(backend: Backend, sdk: Sdk) -> Value {
    let app = TestApp::spawn(backend).await;
    let (photo, animation) = (
        corpus::path("face_pillow_hopper.jpg"),
        corpus::path("gif_anim_iss634.gif"),
    );
    let args = [
        photo.to_str().unwrap(),
        animation.to_str().unwrap(),
        "analysed",
    ];
    match sdk {
        Sdk::Python => sdk::run_python(&app, "analyses_flow.py", &args).await,
        Sdk::Node => sdk::run_node(&app, "analyses_flow.js", &args).await,
    }
}

fn score(value: &Value, what: &str) -> f64 {
    let score = value
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {value}"));
    assert!((0.0..=1.0).contains(&score), "{what} = {score}");
    score
}

fn assert_quality(body: &Value, jpeg: bool) {
    let quality = &body["quality_analysis"];
    score(&quality["focus"], "quality_analysis.focus");
    for key in [
        "noise",
        "contrast",
        "exposure",
        "saturation",
        "lighting",
        "pixel_score",
        "color_score",
        "resolution",
    ] {
        score(&quality[key], key);
    }
    assert_eq!(quality.get("jpeg_quality").is_some(), jpeg, "{quality}");
    score(&body["quality_score"], "quality_score");
}

fn assert_accessibility(body: &Value) {
    let analysis = &body["accessibility_analysis"];
    let colorblind = &analysis["colorblind_accessibility_analysis"];
    score(&colorblind["distinct_edges"], "distinct_edges");
    score(&colorblind["distinct_colors"], "distinct_colors");
    let pair = colorblind["most_indistinct_pair"]
        .as_array()
        .unwrap_or_else(|| panic!("most_indistinct_pair: {colorblind}"));
    assert_eq!(pair.len(), 2);
    for colour in pair {
        let hex = colour.as_str().unwrap();
        assert!(hex.len() == 7 && hex.starts_with('#'), "{hex}");
    }
    score(
        &analysis["colorblind_accessibility_score"],
        "colorblind_accessibility_score",
    );
}

fn assert_report(report: &Value, sdk: Sdk) {
    let upload = &report["upload"]["body"];
    assert_quality(upload, true);
    assert_accessibility(upload);
    assert_eq!(
        upload["cinemagraph_analysis"]["cinemagraph_score"], 0.0,
        "a still photo"
    );

    let explicit = &report["explicit"]["body"];
    for key in [
        "quality_analysis",
        "quality_score",
        "accessibility_analysis",
        "cinemagraph_analysis",
    ] {
        assert_eq!(
            explicit[key], upload[key],
            "{key}: the same file gives the same answer"
        );
    }

    let details = &report["get"]["body"];
    assert_accessibility(details);
    score(
        &details["cinemagraph_analysis"]["cinemagraph_score"],
        "cinemagraph_score",
    );
    match sdk {
        Sdk::Python => assert_quality(details, false),
        // The Node SDK's resource() drops `quality_analysis` from the query.
        Sdk::Node => assert!(details.get("quality_analysis").is_none(), "{details}"),
    }
    assert_eq!(
        without_rate_limit(&report["get_again"]["body"]),
        without_rate_limit(details),
        "stored results read back"
    );
}

/// A resource body without the rate-limit figures the Node SDK copies into
/// it from the headers: they count down between two calls.
fn without_rate_limit(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(fields) = body.as_object_mut() {
        fields.retain(|name, _| !name.starts_with("rate_limit_"));
    }
    body
}

async fn python_sdk_requests_each_analysis(backend: Backend) {
    assert_report(&run(backend, Sdk::Python).await, Sdk::Python);
}

async fn node_sdk_requests_each_analysis(backend: Backend) {
    assert_report(&run(backend, Sdk::Node).await, Sdk::Node);
}
