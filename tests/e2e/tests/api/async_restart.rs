//! A pending async job survives its process: the real `upload-api` binary
//! answers an `async=true` upload, is SIGKILLed before the work is done, and
//! the job completes (and is notified once) after a restart on the same
//! database.

use std::time::Duration;

use assay_e2e::webhook_receiver::WebhookReceiver;
use assay_e2e::{json_ok, post_form_to, signed_params, Backend, FilePart, Sandbox, API_SECRET};

use crate::multi_process::{binaries, Replica};

on_both_backends!(a_pending_async_upload_completes_after_a_kill_and_restart);

async fn a_pending_async_upload_completes_after_a_kill_and_restart(backend: Backend) {
    let receiver = WebhookReceiver::start(0);
    let sandbox = Sandbox::new(backend).await;
    let env = [
        ("ASSAY_REMOTE_FETCH_ALLOW", "127.0.0.1/32"),
        // A job claimed by the killed process is taken again this soon.
        ("ASSAY_JOB_LEASE_SECS", "2"),
    ];
    let binary = &binaries().upload_api;
    let mut server = Replica::spawn_with_env(binary, &sandbox, &env);
    server.wait_until_ready().await;

    // OCR of a large photo takes long enough that the kill comes first.
    let fields = signed_params(
        &[
            ("public_id", "survivor"),
            ("async", "true"),
            ("ocr", "adv_ocr"),
            ("phash", "1"),
            ("notification_url", &receiver.url),
        ],
        API_SECRET,
        chrono::Utc::now().timestamp(),
    );
    let client = reqwest::Client::new();
    let pending = json_ok(
        post_form_to(
            &client,
            &server.base_url,
            "upload",
            fields,
            Some(FilePart::corpus("jpeg_plain_jfif_2352x1568.jpg")),
        )
        .await,
    )
    .await;
    server.process.kill().expect("SIGKILL");
    server.process.wait().expect("reaped");
    assert_eq!(pending["status"], "pending", "{pending}");
    assert!(
        receiver.deliveries().is_empty(),
        "the kill must come before the job is done for this test to mean anything"
    );

    let mut restarted = Replica::spawn_with_env(binary, &sandbox, &env);
    restarted.wait_until_ready().await;
    let notification = receiver
        .wait_for_accepted(1, Duration::from_secs(120))
        .await[0]
        .json();
    assert_eq!(notification["batch_id"], pending["batch_id"]);
    assert_eq!(notification["public_id"], "survivor");
    assert!(notification["phash"].is_string(), "{notification}");
    let delivered = client
        .get(format!(
            "{}/demo/image/upload/survivor.jpg",
            restarted.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status(), 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.deliveries().len(), 1, "done once");
}
