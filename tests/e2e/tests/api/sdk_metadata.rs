//! Structured metadata through both official SDKs (tests/sdk/*/metadata_flow.*),
//! on both databases: fields defined, listed, updated and deleted; datasource
//! values updated, deleted and restored; values set on upload (defaults of
//! mandatory fields applied), by `uploader.update_metadata`, `explicit` and
//! `api.update`; read back by `api.resource`, listings and Search; invalid
//! values refused with a 400 naming the field, and nothing stored for them.

use assay_e2e::{corpus, sdk, Backend, TestApp};
use serde_json::{json, Value};

on_both_backends!(python_metadata_flow, node_metadata_flow);

const IMAGE: &str = "png_exiftool_tiny.png";

async fn python_metadata_flow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let image = corpus::path(IMAGE);
    let report = sdk::run_python(&app, "metadata_flow.py", &[image.to_str().unwrap()]).await;
    assert_metadata_flow(&report, |outcome| {
        outcome["message"].as_str().map(str::to_owned)
    });
    // Python-only calls: a default failing its field's validation, and a
    // field read by external_id after an update that tried to change its type.
    assert!(
        message(&report["invalid_default"]).contains("default_value is invalid"),
        "{}",
        report["invalid_default"]
    );
    let sku = &report["get_field"]["body"];
    assert_eq!(sku["type"], "string", "{sku}");
    assert_eq!(sku["external_id"], "sku");
    assert_eq!(sku["label"], "Stock keeping unit");
}

async fn node_metadata_flow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let image = corpus::path(IMAGE);
    let report = sdk::run_node(&app, "metadata_flow.js", &[image.to_str().unwrap()]).await;
    assert_metadata_flow(&report, |outcome| {
        outcome["error"]["message"].as_str().map(str::to_owned)
    });
}

/// The error message of an outcome, whichever SDK recorded it.
fn message(outcome: &Value) -> String {
    outcome["message"]
        .as_str()
        .or_else(|| outcome["error"]["message"].as_str())
        .unwrap_or_else(|| panic!("no error in {outcome}"))
        .to_owned()
}

fn body<'a>(report: &'a Value, call: &str) -> &'a Value {
    let outcome = &report[call];
    assert!(outcome["body"].is_object(), "{call} failed: {outcome}");
    &outcome["body"]
}

/// What both SDKs' flows must show.
fn assert_metadata_flow(report: &Value, error_message: fn(&Value) -> Option<String>) {
    let refused = |call: &str, names: &str| {
        let outcome = &report[call];
        let message = error_message(outcome).unwrap_or_else(|| panic!("{call}: {outcome}"));
        assert!(message.contains(names), "{call}: {message}");
        assert!(
            outcome["body"].is_null(),
            "{call} was not refused: {outcome}"
        );
    };

    for created in report["created"].as_array().unwrap() {
        assert!(created["body"]["external_id"].is_string(), "{created}");
        assert!(created["body"].get("validation").is_some(), "{created}");
    }
    let count = &report["created"][1]["body"];
    assert_eq!(count["mandatory"], true);
    assert_eq!(count["default_value"], 1);
    assert_eq!(
        count["validation"]["rules"][1],
        json!({"type": "less_than", "equals": false, "value": 100})
    );
    refused("duplicate", "external id sku already exists");

    let listed = body(report, "list")["metadata_fields"].as_array().unwrap();
    let ids: Vec<&str> = listed
        .iter()
        .map(|f| f["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["sku", "count", "released", "size", "colours"]);
    assert_eq!(
        listed[4]["datasource"]["values"][0],
        json!({"external_id": "red", "value": "Red", "state": "active"})
    );

    let sku = body(report, "update_field");
    assert_eq!(sku["type"], "string", "type cannot change: {sku}");
    assert_eq!(sku["label"], "Stock keeping unit");

    let values = body(report, "datasource")["values"].as_array().unwrap();
    assert_eq!(values.len(), 4, "{values:?}");
    assert_eq!(values[1]["value"], "Navy", "updated in place");
    assert_eq!(values[3]["value"], "Yellow", "appended");
    assert!(values[3]["external_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));

    let uploaded = body(report, "upload");
    assert_eq!(
        uploaded["metadata"],
        json!({"sku": "A-100", "colours": ["red", "blue"], "size": "small",
               "released": "2024-05-01", "count": 1}),
        "the mandatory count got its default"
    );
    refused("upload_bad_integer", "count");
    refused("upload_outside_datasource", "colours");
    refused("upload_failing_validation", "count");
    assert!(
        error_message(&report["bad_not_stored"]).is_some_and(|m| m.contains("meta/bad")),
        "a refused upload stores nothing: {}",
        report["bad_not_stored"]
    );

    assert_eq!(
        body(report, "update_metadata")["public_ids"],
        json!(["meta/shirt"]),
        "a public_id that does not exist is left out"
    );
    assert_eq!(
        body(report, "resource")["metadata"],
        json!({"sku": "A-200", "colours": ["red", "blue"], "size": "small",
               "released": "2024-05-01", "count": 7})
    );
    let found = |call: &str| -> Vec<String> {
        body(report, call)["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["public_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(found("search_sku"), ["meta/shirt"]);
    assert_eq!(found("search_colour"), ["meta/shirt"]);
    assert!(found("search_old_sku").is_empty());

    let active = body(report, "delete_entries")["values"].as_array().unwrap();
    assert_eq!(active.len(), 3, "green is inactive: {active:?}");
    refused("use_deleted_entry", "colours");
    assert_eq!(
        body(report, "restore")["values"].as_array().unwrap().len(),
        4
    );

    assert_eq!(body(report, "explicit")["metadata"]["size"], "large");
    assert_eq!(
        body(report, "explicit")["metadata"]["colours"],
        json!(["green"])
    );
    assert_eq!(body(report, "update")["metadata"]["released"], "2025-01-31");
    let listed = body(report, "listing")["resources"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["metadata"]["sku"], "A-200");

    assert_eq!(body(report, "delete_field")["message"], "ok");
    let after = &body(report, "after_delete")["metadata"];
    assert!(
        after.get("size").is_none(),
        "the deleted field's value went: {after}"
    );
    assert_eq!(after["sku"], "A-200");
    refused("recreate", "external id size already exists");
    assert!(found("search_deleted_field").is_empty());
}
