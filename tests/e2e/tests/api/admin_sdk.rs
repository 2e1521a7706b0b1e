//! The official SDKs' Admin API calls against the real service: Python
//! (`api.resource` with extractions, `api.update`, `api.resources`,
//! `api.resources_by_ids`, `api.delete_resources`, the budget running out, a
//! wrong secret) and the same calls from Node (form-encoded bodies, `%2F` in
//! public_ids).

use std::sync::Arc;

use assay_e2e::{sdk, Backend, FilePart, TestApp};
use serde_json::{json, Value};

use crate::admin_client::ManualClock;

const PHOTO: &str = "face_pillow_hopper.jpg";
/// A folder, a space and a plus: the characters the SDKs encode differently.
const PUBLIC_ID: &str = "sdk/admin pic+1";
/// A small budget, so the scripts reach its end.
const BUDGET: u32 = 20;
/// Admin calls each script makes before it pings until refused.
const CALLS_BEFORE_PINGING: u64 = 6;

on_both_backends!(python_admin_flow, node_admin_flow);

/// The app on a clock stopped mid-hour, so the budget window cannot roll
/// over while a script runs.
async fn app_with_uploaded_photo(backend: Backend) -> TestApp {
    let clock = Arc::new(ManualClock::at("2030-01-01T10:15:00Z"));
    let app =
        TestApp::spawn_with_clock(backend, |config| config.admin_rate_limit = BUDGET, clock).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", PUBLIC_ID)])
        .await;
    app
}

async fn python_admin_flow(backend: Backend) {
    let app = app_with_uploaded_photo(backend).await;
    let report = sdk::run_python(&app, "admin_flow.py", &[PUBLIC_ID]).await;

    assert_admin_flow(&report);
    assert!(
        report["resource"]["body"]["image_metadata"].is_object(),
        "{}",
        report["resource"]
    );
    let reset_at = &report["resource"]["rate_limit"]["reset_at"];
    assert_eq!(
        reset_at.as_array().expect("parsed HTTP date")[..6],
        json!([2030, 1, 1, 11, 0, 0]).as_array().unwrap()[..],
        "the budget resets at the top of the next hour"
    );
    let refused = &report["past_the_budget"];
    assert_eq!(refused["error"], "RateLimited", "{refused}");
    // The SDK prefixes the status it raised for.
    assert_eq!(
        refused["message"],
        format!("Error 420 - {RATE_LIMIT_MESSAGE}")
    );
    assert_eq!(refused["calls"], calls_until_refused());
    assert_eq!(
        report["after_delete"]["error"], "NotFound",
        "{}",
        report["after_delete"]
    );
    assert_eq!(
        report["wrong_secret"]["error"], "AuthorizationRequired",
        "{}",
        report["wrong_secret"]
    );
}

async fn node_admin_flow(backend: Backend) {
    let app = app_with_uploaded_photo(backend).await;
    let report = sdk::run_node(&app, "admin_flow.js", &[PUBLIC_ID]).await;

    assert_admin_flow(&report);
    let refused = &report["past_the_budget"];
    assert_eq!(refused["error"]["http_code"], 420, "{refused}");
    assert_eq!(refused["error"]["message"], RATE_LIMIT_MESSAGE);
    assert_eq!(refused["calls"], calls_until_refused());
    assert_eq!(
        report["after_delete"]["error"]["http_code"], 404,
        "{}",
        report["after_delete"]
    );
    assert_eq!(
        report["wrong_secret"]["error"]["http_code"], 401,
        "{}",
        report["wrong_secret"]
    );
}

/// What both SDKs must have seen.
fn assert_admin_flow(report: &Value) {
    let resource = body(report, "resource");
    assert_eq!(resource["public_id"], PUBLIC_ID);
    let phash = resource["phash"].as_str().expect("phash");
    assert_eq!(phash.len(), 16, "{phash}");
    assert!(!resource["colors"].as_array().expect("colors").is_empty());
    assert!(resource["media_metadata"].is_object());
    assert!(resource["faces"].is_array());
    assert_eq!(resource["pages"], 1);
    let rate_limit = &report["resource"]["rate_limit"];
    let (allowed, remaining) = (
        rate_limit_number(rate_limit, "allowed"),
        rate_limit_number(rate_limit, "remaining"),
    );
    assert_eq!(
        (allowed, remaining),
        (u64::from(BUDGET), u64::from(BUDGET) - 1),
        "the SDK parsed the budget headers of the first call"
    );

    let updated = body(report, "update");
    assert_eq!(updated["tags"], json!(["t1", "t2"]));
    assert_eq!(updated["context"], json!({"custom": {"k": "v"}}));
    assert_eq!(
        updated["coordinates"],
        json!({"faces": [[5, 6, 7, 8]], "custom": [[1, 2, 3, 4]]})
    );

    let listed: Vec<&Value> = body(report, "resources")["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["public_id"], PUBLIC_ID);
    assert_eq!(
        body(report, "resources_by_ids")["resources"][0]["public_id"],
        PUBLIC_ID
    );

    assert_eq!(
        body(report, "delete")["deleted"],
        json!({ PUBLIC_ID: "deleted", "sdk/never-uploaded": "not_found" })
    );
}

const RATE_LIMIT_MESSAGE: &str =
    "Rate Limit Exceeded. Limit of 20 api operations reached. Try again on 2030-01-01 11:00:00 UTC";

/// The pings it takes to be refused: the budget left after the flow's calls, plus one.
fn calls_until_refused() -> u64 {
    u64::from(BUDGET) - CALLS_BEFORE_PINGING + 1
}

fn body<'a>(report: &'a Value, call: &str) -> &'a Value {
    let outcome = &report[call];
    assert!(outcome.get("body").is_some(), "{call} failed: {outcome}");
    &outcome["body"]
}

/// Python names the keys `allowed`/`remaining`; Node `rate_limit_allowed`/...
fn rate_limit_number(rate_limit: &Value, name: &str) -> u64 {
    rate_limit
        .get(name)
        .or_else(|| rate_limit.get(format!("rate_limit_{name}")))
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no {name} in {rate_limit}"))
}
