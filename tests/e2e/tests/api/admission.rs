//! Issue 28: admission is fair. Large analyses waiting for memory hold no
//! core and do not stand in front of small ones: a small upload sent behind
//! three large OCR uploads, when only one of those fits in memory at a time,
//! is answered before the second large one finishes (before, it waited for
//! a core they held, first come first served, and finished after it).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use assay_e2e::{json_ok, Backend, FilePart, TestApp};

on_both_backends!(a_small_upload_is_not_queued_behind_large_ones_waiting_for_memory,);

/// One OCR analysis of the 3.7 MP photo weighs about 475 MiB (the engine's
/// working memory and the full decode); 640 MiB leaves 560 for large
/// analyses, room for one at a time.
const BUDGET: u64 = 640 << 20;

async fn a_small_upload_is_not_queued_behind_large_ones_waiting_for_memory(backend: Backend) {
    let app = Arc::new(
        TestApp::spawn_with(backend, |config| config.analysis_memory_bytes = BUDGET).await,
    );
    let finished: Arc<Mutex<Vec<String>>> = Arc::default();
    let large: Vec<_> = (0..3)
        .map(|i| {
            let (app, finished) = (app.clone(), finished.clone());
            tokio::spawn(async move {
                let body = app
                    .upload_ok(
                        FilePart::corpus("jpeg_plain_jfif_2352x1568.jpg"),
                        &[("public_id", &format!("large/{i}")), ("ocr", "adv_ocr")],
                    )
                    .await;
                assert!(body["info"]["ocr"].is_object(), "{body}");
                finished.lock().unwrap().push(format!("large/{i}"));
            })
        })
        .collect();
    // The large ones reach admission first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let small = json_ok(
        app.upload(
            FilePart::corpus("png_exiftool_tiny.png"),
            &[("public_id", "small"), ("colors", "1")],
        )
        .await,
    )
    .await;
    assert_eq!(small["public_id"], "small");
    finished.lock().unwrap().push("small".into());
    for upload in large {
        upload.await.unwrap();
    }
    let order = finished.lock().unwrap().clone();
    let small_at = order.iter().position(|name| name == "small").unwrap();
    assert!(
        small_at <= 1,
        "the small upload finished after {small_at} large ones: {order:?}"
    );
}
