//! Issue 28: notifications cannot stall work, and async staging is bounded.
//! Deliveries run apart from the analyses, with a budget per destination
//! host; a destination the address rules refuse fails at once; finished rows
//! are pruned; async originals are checked before they are queued, staged in
//! the blob store (not the database) and counted against the queue's caps.

use std::time::{Duration, Instant};

use assay_e2e::webhook_receiver::{SilentReceiver, WebhookReceiver};
use assay_e2e::{error_of, files_under, json_ok, Backend, FilePart, TestApp};
use store::jobs::JobSummary;

on_both_backends!(
    a_dead_receiver_does_not_delay_another_clients_async_notification,
    a_refused_destination_fails_at_once_after_one_attempt,
    finished_notifications_are_pruned_after_the_retention,
    garbage_is_refused_before_it_is_queued,
    async_uploads_past_the_staged_bytes_cap_answer_420,
    staged_originals_leave_the_blob_store_with_their_job,
);

const WAIT: Duration = Duration::from_secs(90);

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

async fn jobs(app: &TestApp) -> Vec<JobSummary> {
    let store = app.sandbox.store().await.expect("store");
    store.jobs().summaries().await.expect("jobs")
}

/// Polls `condition` on the job rows until it holds; panics after [`WAIT`].
async fn wait_for_jobs(app: &TestApp, what: &str, condition: impl Fn(&[JobSummary]) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = jobs(app).await;
        if condition(&rows) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {rows:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The campaign: four synchronous uploads name a receiver that never
/// answers; another client's async upload is notified while those
/// deliveries still hang (before, one worker waited on them for 30 s each).
async fn a_dead_receiver_does_not_delay_another_clients_async_notification(backend: Backend) {
    let dead = SilentReceiver::start().await;
    let live = WebhookReceiver::start(0);
    let app = app_notifying_loopback(backend, |_| {}).await;
    for i in 0..4 {
        app.upload_ok(
            FilePart::corpus("png_exiftool_tiny.png"),
            &[
                ("public_id", &format!("dead/{i}")),
                ("notification_url", &dead.url),
            ],
        )
        .await;
    }
    let pending = app
        .upload_ok(
            FilePart::corpus("png_exiftool_tiny.png"),
            &[
                ("public_id", "other"),
                ("async", "true"),
                ("notification_url", &live.url),
            ],
        )
        .await;
    assert_eq!(pending["status"], "pending");

    let delivered = live.wait_for_accepted(1, WAIT).await;
    assert_eq!(delivered[0].json()["public_id"], "other");
    assert!(dead.connections() >= 1, "the dead receiver was tried");
    assert_eq!(
        dead.abandoned(),
        0,
        "notified while every delivery to the dead receiver still hung"
    );
}

/// A name that resolves to loopback passes the request's literal check but
/// is refused when the delivery resolves it: failed at once, one attempt.
async fn a_refused_destination_fails_at_once_after_one_attempt(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        // A retry would come quickly if one were made.
        config.notification_backoff_ms = 50;
    })
    .await;
    app.upload_ok(
        FilePart::corpus("png_exiftool_tiny.png"),
        &[
            ("public_id", "refused"),
            ("notification_url", "http://localhost:9/hook"),
        ],
    )
    .await;
    wait_for_jobs(&app, "the notification fails", |rows| {
        rows.iter()
            .any(|j| j.kind == "notify" && j.state == "failed")
    })
    .await;
    // Time for a retry to show, were one scheduled.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let notification = jobs(&app)
        .await
        .into_iter()
        .find(|j| j.kind == "notify")
        .unwrap();
    assert_eq!(
        (notification.state.as_str(), notification.attempts),
        ("failed", 1),
        "{notification:?}"
    );
    assert!(
        notification
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("disallowed address")),
        "{notification:?}"
    );
}

async fn finished_notifications_are_pruned_after_the_retention(backend: Backend) {
    let receiver = WebhookReceiver::start(0);
    let app = app_notifying_loopback(backend, |config| config.job_retention_secs = 1).await;
    app.upload_ok(
        FilePart::corpus("png_exiftool_tiny.png"),
        &[("public_id", "pruned"), ("notification_url", &receiver.url)],
    )
    .await;
    let delivered = receiver.wait_for_accepted(1, WAIT).await;
    let id = delivered[0].json()["notification_id"]
        .as_str()
        .map(str::to_owned);
    assert!(
        id.is_some_and(|id| id.len() == 32),
        "every notification names itself: {}",
        delivered[0].body
    );
    wait_for_jobs(
        &app,
        "the delivered row is pruned",
        <[JobSummary]>::is_empty,
    )
    .await;
}

async fn garbage_is_refused_before_it_is_queued(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .upload(
            FilePart::new("junk.png", b"not an image at all".repeat(100)),
            &[("public_id", "junk"), ("async", "true")],
        )
        .await;
    let (status, message) = error_of(response).await;
    assert_eq!(status, 400, "{message}");
    assert!(jobs(&app).await.is_empty(), "nothing was queued");
    assert_eq!(files_under(&app.sandbox.blob_root), 0, "nothing was staged");
}

async fn async_uploads_past_the_staged_bytes_cap_answer_420(backend: Backend) {
    let file = FilePart::corpus("face_pillow_hopper.jpg");
    let size = file.bytes.len() as u64;
    let app = TestApp::spawn_with(backend, |config| config.async_queue_bytes = size - 1).await;
    let response = app
        .upload(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[("public_id", "big"), ("async", "true")],
        )
        .await;
    let (status, message) = error_of(response).await;
    assert_eq!(status, 420, "{message}");
    assert!(message.contains("async jobs queued"), "{message}");
    assert!(jobs(&app).await.is_empty());

    let roomy = TestApp::spawn_with(backend, |config| config.async_queue_bytes = size).await;
    let pending = json_ok(
        roomy
            .upload(file, &[("public_id", "big"), ("async", "true")])
            .await,
    )
    .await;
    assert_eq!(pending["status"], "pending");
}

async fn staged_originals_leave_the_blob_store_with_their_job(backend: Backend) {
    let receiver = WebhookReceiver::start(0);
    let app = app_notifying_loopback(backend, |_| {}).await;
    for i in 0..3 {
        let pending = app
            .upload_ok(
                FilePart::corpus("face_pillow_hopper.jpg"),
                &[
                    ("public_id", &format!("staged/{i}")),
                    ("async", "true"),
                    ("notification_url", &receiver.url),
                ],
            )
            .await;
        assert_eq!(pending["status"], "pending");
    }
    receiver.wait_for_accepted(3, WAIT).await;
    // One blob per stored version once the jobs are settled: the staged
    // copies are gone.
    wait_for_jobs(&app, "the jobs are done", |rows| {
        rows.iter()
            .filter(|j| j.kind == "upload" && j.state == "done")
            .count()
            == 3
    })
    .await;
    let deadline = Instant::now() + WAIT;
    while files_under(&app.sandbox.blob_root) != 3 {
        assert!(Instant::now() < deadline, "staged blobs left behind");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let store = app.sandbox.store().await.unwrap();
    let queue = store.jobs();
    for job in jobs(&app).await {
        assert_eq!(queue.legacy_file(job.id).await.unwrap(), None, "{job:?}");
    }
}
