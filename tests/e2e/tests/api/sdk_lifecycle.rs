//! The lifecycle calls through both official SDKs
//! (tests/sdk/*/lifecycle_flow.*), on both databases: `uploader.destroy`,
//! `rename`, `add_tag`, `remove_tag`, `replace_tag`, `remove_all_tags`,
//! `add_context`, `remove_all_context`, and `api.resources_by_tag`,
//! `resources_by_context`, `tags`, `delete_resources_by_tag`.

use assay_e2e::{corpus, sdk, Backend, TestApp};
use serde_json::{json, Value};

use super::sdk_flows::Sdk;

on_both_backends!(python_sdk_lifecycle, node_sdk_lifecycle);

async fn python_sdk_lifecycle(backend: Backend) {
    let report = run(backend, Sdk::Python).await;
    assert_eq!(report["rename_taken"]["error"], "BadRequest", "{report}");
    assert_eq!(report["rename_missing"]["error"], "NotFound", "{report}");
    assert_eq!(report["bad_command"]["error"], "BadRequest", "{report}");
    assert_eq!(
        report["rename_taken"]["message"],
        "Resource already exists - lc/b"
    );
}

async fn node_sdk_lifecycle(backend: Backend) {
    let report = run(backend, Sdk::Node).await;
    assert_eq!(
        report["rename_taken"]["error"]["http_code"], 400,
        "{report}"
    );
    assert_eq!(
        report["rename_taken"]["error"]["message"],
        "Resource already exists - lc/b"
    );
    assert_eq!(
        report["rename_missing"]["error"]["http_code"], 404,
        "{report}"
    );
}

fn ids(listing: &Value) -> Vec<&str> {
    listing["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("a listing: {listing}"))
        .iter()
        .map(|r| r["public_id"].as_str().unwrap())
        .collect()
}

/// Runs the SDK's script and checks what both SDKs must see alike.
async fn run(backend: Backend, sdk: Sdk) -> Value {
    let app = TestApp::spawn(backend).await;
    let image = corpus::path("face_pillow_hopper.jpg");
    let args = [image.to_str().unwrap()];
    let report = match sdk {
        Sdk::Python => sdk::run_python(&app, "lifecycle_flow.py", &args).await,
        Sdk::Node => sdk::run_node(&app, "lifecycle_flow.js", &args).await,
    };
    let changed = |ids: &[&str]| json!({ "public_ids": ids });
    assert_eq!(report["add_tag"], changed(&["lc/a", "lc/b"]), "{report}");
    assert_eq!(report["add_tags_list"], changed(&["lc/c"]));
    assert_eq!(report["remove_tag"], changed(&["lc/b"]));
    assert_eq!(report["replace_tag"], changed(&["lc/b"]));
    assert_eq!(report["add_context"], changed(&["lc/a", "lc/c"]));

    let by_tag = &report["by_tag"];
    assert_eq!(ids(by_tag), ["lc/a"], "{by_tag}");
    assert_eq!(by_tag["resources"][0]["tags"], json!(["blurry"]));
    assert_eq!(
        by_tag["resources"][0]["context"],
        json!({"custom": {"verdict": "blurry", "score": "0.3", "note": "a=b|c"}})
    );
    assert_eq!(ids(&report["by_context_value"]), ["lc/c", "lc/a"]);
    assert_eq!(ids(&report["by_context_key"]), ["lc/c", "lc/a"]);
    assert_eq!(report["tags_prefix"]["tags"], json!(["blurry", "bright"]));
    assert_eq!(
        report["tags_all"]["tags"],
        json!(["blurry", "bright", "has_text", "sharp"])
    );
    assert_eq!(report["remove_all_context"], changed(&["lc/a"]));
    assert_eq!(ids(&report["after_remove_all_context"]), ["lc/c"]);
    assert_eq!(report["remove_all_tags"], changed(&["lc/c"]));
    assert_eq!(report["tags_after"]["tags"], json!(["blurry", "sharp"]));

    assert_eq!(report["rename"]["public_id"], "lc/renamed", "{report}");
    assert_eq!(report["rename_overwrite"]["public_id"], "lc/b", "{report}");
    assert_eq!(
        report["rename_overwrite"]["asset_id"],
        report["rename"]["asset_id"]
    );
    assert_eq!(report["add_junk"], changed(&["lc/c"]));
    assert_eq!(
        report["delete_by_tag"],
        json!({"deleted": {"lc/c": "deleted"}, "partial": false})
    );
    assert_eq!(report["destroy"], json!({"result": "ok"}));
    assert_eq!(report["destroy_again"], json!({"result": "not found"}));
    assert_eq!(report["left"], json!([]));
    report
}
