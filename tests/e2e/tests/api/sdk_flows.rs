//! The client flows of issue 21 driven by both official SDKs
//! (tests/sdk/*/flows.*): asset_id lookups, delete tokens, upload presets
//! with unsigned uploads, async uploads with signed notifications.

use assay_e2e::{corpus, sdk, Backend, TestApp};
use serde_json::{json, Value};

on_both_backends!(
    python_asset_id_lookups,
    node_asset_id_lookups,
    python_upload_presets_and_unsigned_uploads,
    node_upload_presets_and_unsigned_uploads,
);

#[derive(Clone, Copy, Debug)]
pub enum Sdk {
    Python,
    Node,
}

impl Sdk {
    fn prefix(self) -> &'static str {
        match self {
            Sdk::Python => "py",
            Sdk::Node => "node",
        }
    }
}

/// Runs `flow` of the SDK's flows script; `extra` follows the image and prefix.
pub async fn run_flow(app: &TestApp, sdk: Sdk, flow: &str, image: &str, extra: &[&str]) -> Value {
    let image = corpus::path(image);
    let mut args = vec![flow, image.to_str().unwrap(), sdk.prefix()];
    args.extend_from_slice(extra);
    match sdk {
        Sdk::Python => sdk::run_python(app, "flows.py", &args).await,
        Sdk::Node => sdk::run_node(app, "flows.js", &args).await,
    }
}

/// True when an SDK call failed with HTTP `status`: Python names its error
/// class, Node reports the code.
pub fn failed_with(outcome: &Value, status: u16) -> bool {
    let python_class = match status {
        400 => "BadRequest",
        401 => "AuthorizationRequired",
        404 => "NotFound",
        409 => "AlreadyExists",
        _ => "",
    };
    outcome["error"] == python_class || outcome["http_code"] == status
}

async fn python_asset_id_lookups(backend: Backend) {
    asset_id_lookups(backend, Sdk::Python).await
}

async fn node_asset_id_lookups(backend: Backend) {
    asset_id_lookups(backend, Sdk::Node).await
}

/// `resource_by_asset_id` answers as `resource` does, extraction flags
/// included; `resources_by_asset_ids` lists; `delete_resources_by_asset_ids`
/// deletes exactly the named asset.
async fn asset_id_lookups(backend: Backend, sdk: Sdk) {
    let app = TestApp::spawn(backend).await;
    let report = run_flow(&app, sdk, "asset_ids", "face_pillow_hopper.jpg", &[]).await;
    let (first, second) = (&report["uploaded"][0], &report["uploaded"][1]);
    let prefix = sdk.prefix();

    let details = &report["by_asset_id"]["body"];
    assert_eq!(details["asset_id"], *first, "{report}");
    assert_eq!(details["public_id"], format!("{prefix}/one"));
    assert!(
        details["phash"].as_str().is_some_and(|p| p.len() == 16),
        "the extraction flags work by asset_id too: {details}"
    );
    assert!(details["colors"].is_array(), "{details}");
    let stored = app.stored_asset(&format!("{prefix}/one")).await;
    assert_eq!(
        details["phash"].as_str(),
        stored.analysis.phash.as_deref(),
        "computed once and stored, as by public_id"
    );

    let listed: Vec<&Value> = report["by_asset_ids"]["body"]["resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"))
        .iter()
        .map(|r| &r["asset_id"])
        .collect();
    assert_eq!(listed, [first, second]);

    assert_eq!(
        report["delete_by_asset_ids"]["body"]["deleted"],
        json!({ second.as_str().unwrap(): "deleted" }),
        "{report}"
    );
    let gone = &report["deleted_by_asset_id"];
    assert!(
        failed_with(gone, 404),
        "a deleted asset is not found by its asset_id: {gone}"
    );
    assert_eq!(
        report["kept_by_public_id"]["body"]["asset_id"], *first,
        "the other asset stays"
    );
}

async fn python_upload_presets_and_unsigned_uploads(backend: Backend) {
    upload_presets_and_unsigned_uploads(backend, Sdk::Python).await
}

async fn node_upload_presets_and_unsigned_uploads(backend: Backend) {
    upload_presets_and_unsigned_uploads(backend, Sdk::Node).await
}

/// A preset created through the Admin API turns on pHash and colors for an
/// unsigned upload, which may not ask for analyses itself; a signed upload's
/// own parameters win over its preset; a preset made signed, or deleted,
/// admits no unsigned upload.
async fn upload_presets_and_unsigned_uploads(backend: Backend, sdk: Sdk) {
    let app = TestApp::spawn(backend).await;
    let report = run_flow(&app, sdk, "presets", "face_pillow_hopper.jpg", &[]).await;
    let prefix = sdk.prefix();
    let name = format!("{prefix}_thumbs");

    assert_eq!(report["create"]["body"]["message"], "created", "{report}");
    assert_eq!(report["create"]["body"]["name"], name.as_str());
    assert!(
        failed_with(&report["create_again"], 409),
        "{}",
        report["create_again"]
    );
    let preset = &report["get"]["body"];
    assert_eq!(preset["name"], name.as_str());
    assert_eq!(preset["unsigned"], true);
    assert_eq!(preset["settings"]["phash"], true, "{preset}");
    assert_eq!(preset["settings"]["colors"], true);
    assert_eq!(preset["settings"]["folder"], format!("{prefix}_unsigned"));
    assert!(
        report["list"]["body"]["presets"]
            .as_array()
            .is_some_and(|all| all.iter().any(|p| p["name"] == name.as_str())),
        "{}",
        report["list"]
    );

    let unsigned = &report["unsigned"]["body"];
    assert_eq!(
        unsigned["public_id"],
        format!("{prefix}_unsigned/u1"),
        "{}",
        report["unsigned"]
    );
    assert!(
        unsigned["phash"].as_str().is_some_and(|p| p.len() == 16),
        "the preset turned pHash on: {unsigned}"
    );
    assert!(unsigned["colors"].is_array(), "the preset turned colors on");
    assert_eq!(unsigned["tags"], json!(["from_preset"]));
    assert!(unsigned.get("faces").is_none(), "only what the preset asks");

    let forbidden = &report["unsigned_forbidden"];
    assert!(failed_with(forbidden, 400), "{forbidden}");
    assert!(
        forbidden["message"].as_str().is_some_and(
            |m| m.starts_with("Faces parameter is not allowed when using unsigned upload")
        ),
        "{forbidden}"
    );
    let again = &report["unsigned_no_overwrite"]["body"];
    assert_eq!(
        again["existing"], true,
        "an unsigned upload does not overwrite: {again}"
    );
    assert!(
        again.get("version").is_none() && again.get("tags").is_none(),
        "nothing of the asset already there: {again}"
    );

    let signed = &report["signed_with_preset"]["body"];
    assert_eq!(
        signed["public_id"],
        format!("{prefix}_signed/s1"),
        "the request's folder wins: {}",
        report["signed_with_preset"]
    );
    assert!(
        signed["phash"].is_string(),
        "the preset's flags apply: {signed}"
    );

    assert_eq!(report["update"]["body"]["message"], "updated", "{report}");
    let updated = &report["get_updated"]["body"];
    assert_eq!(updated["unsigned"], false);
    assert_eq!(updated["settings"]["faces"], true);
    assert_eq!(updated["settings"]["phash"], true, "other settings stay");
    let refused = &report["unsigned_signed_preset"];
    assert!(failed_with(refused, 400), "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("whitelisted for unsigned")),
        "{refused}"
    );

    assert_eq!(report["delete"]["body"]["message"], "deleted");
    assert!(failed_with(&report["get_deleted"], 404));
    assert!(failed_with(&report["unsigned_unknown"], 400));
}
