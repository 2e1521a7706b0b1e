//! The official SDKs' Admin API calls against the real service: Python
//! (`api.resource` with extractions, `api.update`, `api.resources`,
//! `api.resources_by_ids`, `api.delete_resources`, a wrong secret) and the
//! same calls from Node (form-encoded bodies, `%2F` in public_ids).

use assay_e2e::{sdk, Backend, FilePart, TestApp};
use serde_json::{json, Value};

const PHOTO: &str = "face_pillow_hopper.jpg";
/// A folder, a space and a plus: the characters the SDKs encode differently.
const PUBLIC_ID: &str = "sdk/admin pic+1";

// The SDK processes block this thread while the server answers on its own,
// so these tests need a runtime with more than one thread.
#[tokio::test(flavor = "multi_thread")]
async fn python_admin_flow_on_sqlite() {
    python_admin_flow(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread")]
async fn python_admin_flow_on_postgres() {
    python_admin_flow(Backend::Postgres).await
}

#[tokio::test(flavor = "multi_thread")]
async fn node_admin_flow_on_sqlite() {
    node_admin_flow(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread")]
async fn node_admin_flow_on_postgres() {
    node_admin_flow(Backend::Postgres).await
}

async fn python_admin_flow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", PUBLIC_ID)])
        .await;
    let report = sdk::run_python(&app, "admin_flow.py", &[PUBLIC_ID]).await;

    assert_admin_flow(&report);
    assert!(
        report["resource"]["body"]["image_metadata"].is_object(),
        "{}",
        report["resource"]
    );
    let reset_at = report["resource"]["rate_limit"]["reset_at"]
        .as_array()
        .expect("parsed HTTP date");
    assert_eq!(
        reset_at[4], 0,
        "the window resets on the hour: {reset_at:?}"
    );
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
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", PUBLIC_ID)])
        .await;
    let report = sdk::run_node(&app, "admin_flow.js", &[PUBLIC_ID]).await;

    assert_admin_flow(&report);
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
    assert!(
        allowed == 500 && remaining < allowed,
        "the SDK parsed the budget headers: {rate_limit}"
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
