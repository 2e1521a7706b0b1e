//! `async=true` and notifications: the answer comes at once, the work runs
//! from the queue in the database, and the finished response is POSTed to
//! the `notification_url`, signed so that the SDKs' own helpers verify it,
//! retried with backoff while the receiver fails.

use std::collections::BTreeMap;
use std::time::Duration;

use assay_e2e::webhook_receiver::{Delivery, WebhookReceiver};
use assay_e2e::{error_of, json_ok, post_form_to, Backend, FilePart, TestApp};
use common::signing::Algorithm;
use serde_json::{json, Value};

use crate::sdk_flows::{run_flow, Sdk};

on_both_backends!(
    python_async_upload_is_notified_with_a_signature_the_sdk_verifies,
    node_async_upload_is_notified_with_a_signature_the_sdk_verifies,
    a_failing_receiver_gets_retries_with_backoff,
    async_explicit_is_notified,
    notification_urls_follow_the_remote_fetch_address_rules,
    two_replicas_drain_one_queue_without_doing_a_job_twice,
);

const WAIT: Duration = Duration::from_secs(90);

/// An app that may notify the loopback receiver (as remote fetches may reach
/// allowed networks only).
async fn app_notifying_loopback(
    backend: Backend,
    adjust: impl FnOnce(&mut common::Config),
) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
        adjust(config);
    })
    .await
}

/// Runs the SDK's `verify` flow on `deliveries`: what
/// `verify_notification_signature` (Python) / `verifyNotificationSignature`
/// (Node) say of each.
async fn sdk_verdicts(app: &TestApp, sdk: Sdk, deliveries: &[Delivery], algorithm: &str) -> Value {
    let recorded: Vec<Value> = deliveries
        .iter()
        .map(|d| json!({"body": d.body, "timestamp": d.timestamp, "signature": d.signature}))
        .collect();
    let file = app
        .sandbox
        .scratch_dir()
        .join(format!("deliveries-{algorithm}.json"));
    std::fs::write(&file, serde_json::to_vec(&recorded).unwrap()).unwrap();
    let report = run_flow(
        app,
        sdk,
        "verify",
        "png_exiftool_tiny.png",
        &[file.to_str().unwrap(), algorithm],
    )
    .await;
    report["valid"].clone()
}

async fn python_async_upload_is_notified_with_a_signature_the_sdk_verifies(backend: Backend) {
    async_upload_is_notified(backend, Sdk::Python).await
}

async fn node_async_upload_is_notified_with_a_signature_the_sdk_verifies(backend: Backend) {
    async_upload_is_notified(backend, Sdk::Node).await
}

async fn async_upload_is_notified(backend: Backend, sdk: Sdk) {
    let receiver = WebhookReceiver::start(0);
    let app = app_notifying_loopback(backend, |_| {}).await;
    let report = run_flow(
        &app,
        sdk,
        "async",
        "face_pillow_hopper.jpg",
        &[&receiver.url],
    )
    .await;
    let pending = &report["upload"]["body"];
    assert_eq!(pending["status"], "pending", "{report}");
    let public_id = pending["public_id"].as_str().unwrap().to_owned();
    let batch_id = pending["batch_id"].as_str().expect("a batch_id").to_owned();

    let delivered = receiver.wait_for_accepted(1, WAIT).await;
    let notification = delivered[0].json();
    assert_eq!(notification["notification_type"], "upload");
    assert_eq!(notification["batch_id"], batch_id.as_str());
    assert_eq!(notification["public_id"], public_id.as_str());
    assert!(
        notification["phash"]
            .as_str()
            .is_some_and(|p| p.len() == 16),
        "the full response: {notification}"
    );
    assert!(notification["signature"].is_string() && notification["version"].is_i64());
    let stored = app.stored_asset(&public_id).await;
    assert_eq!(notification["asset_id"], stored.asset_id.as_str());

    assert_eq!(
        sdk_verdicts(&app, sdk, &delivered, "sha1").await,
        json!([true]),
        "the SDK's helper accepts the signature"
    );
    let mut tampered = delivered[0].clone();
    tampered.body = tampered.body.replace(&public_id, "someone/else");
    assert_eq!(
        sdk_verdicts(&app, sdk, &[tampered], "sha1").await,
        json!([false])
    );
}

async fn a_failing_receiver_gets_retries_with_backoff(backend: Backend) {
    let receiver = WebhookReceiver::start(2);
    let app = app_notifying_loopback(backend, |config| {
        config.notification_backoff_ms = 300;
        config.signature_algorithm = Algorithm::Sha256;
    })
    .await;
    // A synchronous upload naming a notification_url is notified too.
    let body = app
        .upload_ok(
            FilePart::corpus("png_exiftool_tiny.png"),
            &[("public_id", "sync"), ("notification_url", &receiver.url)],
        )
        .await;
    assert!(body.get("status").is_none(), "answered in full: {body}");

    receiver.wait_for_accepted(1, WAIT).await;
    let attempts = receiver.deliveries();
    assert_eq!(
        attempts.iter().map(|d| d.accepted).collect::<Vec<_>>(),
        [false, false, true],
        "two failures, then the retry that succeeds"
    );
    assert!(
        attempts.iter().all(|d| d.body == attempts[0].body),
        "the same body every time"
    );
    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(
        gaps[0] >= Duration::from_millis(300),
        "first backoff {gaps:?}"
    );
    assert!(
        gaps[1] >= Duration::from_millis(600),
        "the backoff doubles: {gaps:?}"
    );
    let notification = attempts[2].json();
    assert_eq!(notification["public_id"], "sync");
    assert_eq!(notification["etag"], body["etag"]);
    assert_eq!(
        attempts[2].signature.as_deref().map(str::len),
        Some(64),
        "SHA-256 as configured"
    );
    assert_eq!(
        sdk_verdicts(&app, Sdk::Python, &attempts[2..], "sha256").await,
        json!([true])
    );
    // Nothing more comes once delivered.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.deliveries().len(), 3);
}

async fn async_explicit_is_notified(backend: Backend) {
    let receiver = WebhookReceiver::start(0);
    let app = app_notifying_loopback(backend, |_| {}).await;
    app.upload_ok(
        FilePart::corpus("face_pillow_hopper.jpg"),
        &[("public_id", "later")],
    )
    .await;
    let pending = json_ok(
        app.explicit(&[
            ("public_id", "later"),
            ("type", "upload"),
            ("colors", "1"),
            ("async", "true"),
            ("notification_url", &receiver.url),
        ])
        .await,
    )
    .await;
    assert_eq!(pending["status"], "pending", "{pending}");
    assert_eq!(pending["public_id"], "later");
    let notification = receiver.wait_for_accepted(1, WAIT).await[0].json();
    assert_eq!(notification["notification_type"], "explicit");
    assert_eq!(notification["batch_id"], pending["batch_id"]);
    assert!(notification["colors"].is_array(), "{notification}");
    assert!(app.stored_asset("later").await.analysis.colors.is_some());
}

async fn notification_urls_follow_the_remote_fetch_address_rules(backend: Backend) {
    // No allow-list: loopback and the metadata service are refused before any work.
    let app = TestApp::spawn(backend).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data",
        "ftp://example.com/hook",
    ] {
        let response = app
            .upload(
                FilePart::corpus("png_exiftool_tiny.png"),
                &[("public_id", "refused"), ("notification_url", url)],
            )
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "{url}: {message}");
        assert!(message.contains("notification_url"), "{message}");
    }
    assert_eq!(
        app.get("/demo/image/upload/refused.png").await.status(),
        404,
        "nothing was stored"
    );
}

async fn two_replicas_drain_one_queue_without_doing_a_job_twice(backend: Backend) {
    const JOBS: usize = 12;
    let receiver = WebhookReceiver::start(0);
    let app = app_notifying_loopback(backend, |_| {}).await;
    let replica = app.replica().await;
    let mut batches = Vec::new();
    for i in 0..JOBS {
        // Requests alternate between the replicas, as a load balancer's would.
        let base_url = if i % 2 == 0 {
            &app.base_url
        } else {
            &replica.base_url
        };
        let public_id = format!("drained/{i}");
        let fields = app.signed(&[
            ("public_id", &public_id),
            ("async", "1"),
            ("notification_url", &receiver.url),
        ]);
        let pending = json_ok(
            post_form_to(
                &app.client,
                base_url,
                "upload",
                fields,
                Some(FilePart::corpus("png_exiftool_tiny.png")),
            )
            .await,
        )
        .await;
        assert_eq!(pending["status"], "pending");
        batches.push(pending["batch_id"].as_str().unwrap().to_owned());
    }
    receiver.wait_for_accepted(JOBS, WAIT).await;
    // Time for a job done twice to show up as a second notification.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut per_batch: BTreeMap<String, usize> = BTreeMap::new();
    for delivery in receiver.deliveries() {
        let batch = delivery.json()["batch_id"].as_str().unwrap().to_owned();
        *per_batch.entry(batch).or_default() += 1;
    }
    batches.sort();
    assert_eq!(per_batch.keys().cloned().collect::<Vec<_>>(), batches);
    assert!(
        per_batch.values().all(|&n| n == 1),
        "every job once: {per_batch:?}"
    );
    for i in 0..JOBS {
        assert_eq!(
            app.stored_asset(&format!("drained/{i}")).await.format,
            "png"
        );
    }
}
