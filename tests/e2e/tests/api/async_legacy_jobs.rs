//! Jobs the previous version queued (its payloads kept an upload's or an
//! explicit call's raw parameters, `[[name, value], ...]`, and how to
//! answer) still run after an upgrade, as they would have run then.

use std::time::Duration;

use assay_e2e::webhook_receiver::WebhookReceiver;
use assay_e2e::{corpus, Backend, FilePart, TestApp};
use bytes::Bytes;
use serde_json::{json, Value};
use store::jobs::{JobKind, NewJob};

on_both_backends!(jobs_the_previous_version_queued_run_after_an_upgrade);

const WAIT: Duration = Duration::from_secs(90);

async fn jobs_the_previous_version_queued_run_after_an_upgrade(backend: Backend) {
    let receiver = WebhookReceiver::start(0);
    let app = TestApp::spawn_with(backend, |config| {
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.upload_ok(
        FilePart::corpus("face_pillow_hopper.jpg"),
        &[("public_id", "kept")],
    )
    .await;

    let store = app.sandbox.store().await.unwrap();
    let queue = store.jobs();
    let reply =
        json!({"base": app.base_url, "algorithm": "sha1", "notification_url": receiver.url});
    // As the previous version queued `folder=old&public_id=queued&colors=1`
    // (answered as `old/queued`): the id without its folder.
    let staged = store
        .stage(Bytes::from(corpus::bytes("face_pillow_hopper.jpg")))
        .await
        .unwrap();
    let upload = NewJob {
        kind: JobKind::Upload,
        batch_id: "legacy-upload".into(),
        payload: json!({
            "resource_type": "image",
            "params": [["colors", "1"], ["folder", "old/"], ["public_id", "queued"]],
            "original_filename": "face_pillow_hopper",
            "reply": reply,
        }),
        file: Some(staged),
        host: None,
    };
    let explicit = NewJob {
        kind: JobKind::Explicit,
        batch_id: "legacy-explicit".into(),
        payload: json!({
            "resource_type": "image",
            "params": [["phash", "1"], ["public_id", "kept"], ["type", "upload"]],
            "reply": reply,
        }),
        file: None,
        host: None,
    };
    let notification = NewJob {
        kind: JobKind::Notify,
        batch_id: "legacy-notify".into(),
        payload: json!({
            "url": receiver.url,
            "body": {"public_id": "elsewhere", "notification_type": "upload", "batch_id": "legacy-notify"},
        }),
        file: None,
        host: None,
    };
    let now = chrono::Utc::now().timestamp_millis();
    for job in [&upload, &explicit, &notification] {
        queue.enqueue(job, now, now).await.unwrap();
    }

    let delivered: Vec<Value> = receiver
        .wait_for_accepted(3, WAIT)
        .await
        .iter()
        .map(|d| d.json())
        .collect();
    let of_batch = |id: &str| {
        delivered
            .iter()
            .find(|n| n["batch_id"] == id)
            .unwrap_or_else(|| panic!("no notification of {id}: {delivered:?}"))
    };
    let uploaded = of_batch("legacy-upload");
    assert_eq!(uploaded["notification_type"], "upload", "{uploaded}");
    assert_eq!(uploaded["public_id"], "old/queued", "{uploaded}");
    assert!(uploaded["colors"].is_array(), "{uploaded}");
    let stored = app.stored_asset("old/queued").await;
    assert!(stored.analysis.colors.is_some());
    assert_eq!(
        stored.original_filename.as_deref(),
        Some("face_pillow_hopper")
    );

    let explicit = of_batch("legacy-explicit");
    assert_eq!(explicit["notification_type"], "explicit", "{explicit}");
    assert!(explicit["phash"].is_string(), "{explicit}");
    assert!(app.stored_asset("kept").await.analysis.phash.is_some());

    assert_eq!(of_batch("legacy-notify")["public_id"], "elsewhere");
}
