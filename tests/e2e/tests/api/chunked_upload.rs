//! Chunked uploads (issue 29): `upload_large` through both official SDKs
//! (tests/sdk/*/upload_large.*), and raw parts for every rule a part can
//! break. A part is kept as a blob until the last one arrives, so "leaves
//! nothing behind" is counted in the blob directory.

use std::process::Command;
use std::sync::Arc;

use assay_e2e::{error_of, files_under, json_ok, md5_hex, sdk, Backend, FilePart, TestApp};
use chrono::{TimeDelta, Utc};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::admin_client::ManualClock;

on_both_backends!(
    python_upload_large_analyses_the_whole_file,
    node_upload_large_analyses_the_whole_file,
    bad_parts_are_refused_and_leave_nothing,
    a_failed_last_part_leaves_nothing,
    racing_copies_of_a_part_keep_one,
    an_upload_whose_next_part_is_late_expires,
);

/// Cloudinary's smallest part but the last (upload-api `MIN_PART_BYTES`).
const MIN_PART: usize = 5_000_000;

/// A ~30 MB picture: a 3200x3200 plasma (seeded, so the same every run) as
/// an uncompressed BMP of exactly 30,720,054 bytes, rendered by ImageMagick.
fn big_picture(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("big.bmp");
    let status = Command::new("convert")
        .args(["-seed", "29", "-size", "3200x3200", "plasma:fractal"])
        .arg(format!("BMP3:{}", path.display()))
        .status()
        .expect("ImageMagick's `convert` runs (scripts/setup.sh installs it)");
    assert!(status.success(), "convert failed");
    path
}

/// Files in the blob store (temporaries excepted).
fn blobs(app: &TestApp) -> usize {
    files_under(&app.sandbox.blob_root) - files_under(&app.sandbox.blob_root.join(".tmp"))
}

async fn upload_large_analyses_the_whole_file(backend: Backend, script: &str) {
    let app = TestApp::spawn(backend).await;
    let path = big_picture(app.sandbox.scratch_dir());
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 30_000_000);
    let plain = app
        .upload_ok(
            FilePart::new("big.bmp", bytes.clone()),
            &[("public_id", "plain"), ("phash", "1"), ("colors", "1")],
        )
        .await;

    // 10 MB parts: four requests, the last one 720,054 bytes.
    let args = [path.to_str().unwrap(), "10000000", "big/named", "big"];
    let report = match script {
        "python" => sdk::run_python(&app, "upload_large.py", &args).await,
        _ => sdk::run_node(&app, "upload_large.js", &args).await,
    };

    let named = &report["named"]["body"];
    assert_eq!(named["public_id"], "big/named", "{}", report["named"]);
    assert_eq!(named["bytes"], bytes.len(), "the whole file");
    assert_eq!(named["etag"], md5_hex(&bytes));
    assert_eq!(
        (named["width"].clone(), named["height"].clone()),
        (json!(3200), json!(3200))
    );
    assert_eq!(named["format"], "bmp");
    assert_eq!(named["tags"], json!(["big", "chunked"]));
    assert_eq!(named["phash"], plain["phash"], "analysed as the whole file");
    assert_eq!(named["colors"], plain["colors"]);
    assert!(
        named.get("done").is_none(),
        "the last answer is the upload's"
    );

    let in_folder = &report["in_folder"]["body"];
    let folder_id = in_folder["public_id"].as_str().unwrap_or_default();
    assert!(
        folder_id.starts_with("big/") && folder_id.matches('/').count() == 1,
        "one folder, once: {}",
        report["in_folder"]
    );
    assert_eq!(in_folder["phash"], plain["phash"]);
    assert_eq!(in_folder["etag"], md5_hex(&bytes));

    let delivered = app
        .get(&format!("/demo/image/upload/{folder_id}.bmp"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(md5_hex(&delivered), md5_hex(&bytes), "stored byte for byte");
    assert_eq!(
        app.stored_asset("big/named").await.bytes,
        bytes.len() as u64
    );
    assert_eq!(blobs(&app), 3, "the three originals; no part is left");
}

async fn python_upload_large_analyses_the_whole_file(backend: Backend) {
    upload_large_analyses_the_whole_file(backend, "python").await
}

async fn node_upload_large_analyses_the_whole_file(backend: Backend) {
    upload_large_analyses_the_whole_file(backend, "node").await
}

/// One part as the SDKs send it: the signed `params`, the headers, `data` as
/// the file.
async fn send_part(
    app: &TestApp,
    upload_id: &str,
    range: &str,
    params: &[(&str, &str)],
    data: Vec<u8>,
) -> reqwest::Response {
    send_fields(app, upload_id, range, app.signed(params), data).await
}

async fn send_fields(
    app: &TestApp,
    upload_id: &str,
    range: &str,
    fields: Vec<(String, String)>,
    data: Vec<u8>,
) -> reqwest::Response {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name, value);
    }
    form = form.part("file", Part::bytes(data).file_name("big.bin"));
    app.client
        .post(app.url("/v1_1/demo/image/upload"))
        .header("X-Unique-Upload-Id", upload_id)
        .header("Content-Range", range)
        .multipart(form)
        .send()
        .await
        .expect("request sent")
}

/// Bytes `first..last+1` of a 12 MB file that is not an image.
fn slice(first: usize, last: usize) -> Vec<u8> {
    (first..=last).map(|i| (i % 251) as u8).collect()
}

const TOTAL: usize = 12_000_000;

async fn refused(response: reqwest::Response, status: u16, says: &str) {
    let (got, message) = error_of(response).await;
    assert_eq!(got, status, "{message}");
    assert!(message.contains(says), "{message:?} does not say {says:?}");
}

async fn bad_parts_are_refused_and_leave_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let params = [("public_id", "twelve"), ("phash", "1")];
    let range = |first: usize, last: usize| format!("bytes {first}-{last}/{TOTAL}");
    let first = json_ok(
        send_part(
            &app,
            "up1",
            &range(0, MIN_PART - 1),
            &params,
            slice(0, MIN_PART - 1),
        )
        .await,
    )
    .await;
    assert_eq!(
        first,
        json!({"done": false, "bytes": MIN_PART, "public_id": "twelve",
               "resource_type": "image", "type": "upload"})
    );
    assert_eq!(blobs(&app), 1);

    let next = (MIN_PART, 2 * MIN_PART - 1);
    let cases: Vec<(&str, reqwest::Response, u16, &str)> = vec![
        (
            "a gap",
            send_part(
                &app,
                "up1",
                &range(10_000_000, TOTAL - 1),
                &params,
                slice(10_000_000, TOTAL - 1),
            )
            .await,
            400,
            "must arrive in order",
        ),
        (
            "the first part again",
            send_part(
                &app,
                "up1",
                &range(0, MIN_PART - 1),
                &params,
                slice(0, MIN_PART - 1),
            )
            .await,
            400,
            "first part was already received",
        ),
        (
            "an overlap",
            send_part(
                &app,
                "up1",
                &range(4_000_000, 8_999_999),
                &params,
                slice(4_000_000, 8_999_999),
            )
            .await,
            400,
            "overlaps bytes already received",
        ),
        (
            "more bytes than the range",
            send_part(
                &app,
                "up1",
                &range(next.0, next.1),
                &params,
                slice(next.0, next.1 + 1),
            )
            .await,
            400,
            "the part has 5000001 bytes where Content-Range says 5000000",
        ),
        (
            "a small part before the last",
            send_part(
                &app,
                "up1",
                &range(next.0, next.0 + 999),
                &params,
                slice(next.0, next.0 + 999),
            )
            .await,
            400,
            "at least 5000000 bytes",
        ),
        (
            "another total",
            send_part(
                &app,
                "up1",
                &format!("bytes {}-{}/13000000", next.0, next.1),
                &params,
                slice(next.0, next.1),
            )
            .await,
            400,
            "gives the total 13000000, an earlier part gave 12000000",
        ),
        (
            "other parameters",
            send_part(
                &app,
                "up1",
                &range(next.0, next.1),
                &[("public_id", "twelve"), ("phash", "1"), ("colors", "1")],
                slice(next.0, next.1),
            )
            .await,
            400,
            "was started with other parameters",
        ),
        (
            "another public_id",
            send_part(
                &app,
                "up1",
                &range(next.0, next.1),
                &[("public_id", "other"), ("phash", "1")],
                slice(next.0, next.1),
            )
            .await,
            400,
            "was started with other parameters",
        ),
        (
            "a bad signature",
            send_fields(
                &app,
                "up1",
                &range(next.0, next.1),
                app.signed_with(&params, "wrong-secret", Utc::now().timestamp()),
                slice(next.0, next.1),
            )
            .await,
            401,
            "Invalid Signature",
        ),
        (
            "a malformed range",
            send_part(
                &app,
                "up1",
                "bytes 5000000-4999999/12000000",
                &params,
                slice(0, 0),
            )
            .await,
            400,
            "Invalid Content-Range",
        ),
        (
            "a total over ASSAY_MAX_UPLOAD_BYTES",
            send_part(
                &app,
                "up2",
                "bytes 0-4999999/200000000",
                &params,
                slice(0, MIN_PART - 1),
            )
            .await,
            400,
            "File size too large. Got 200000000. Maximum is 104857600.",
        ),
        (
            "a later part of an upload never begun",
            send_part(
                &app,
                "never",
                &range(next.0, next.1),
                &params,
                slice(next.0, next.1),
            )
            .await,
            400,
            "its first part must start at byte 0",
        ),
    ];
    for (case, response, status, says) in cases {
        let (got, message) = error_of(response).await;
        assert!(
            got == status && message.contains(says),
            "{case}: {got} {message:?}, expected {status} saying {says:?}"
        );
    }
    assert_eq!(blobs(&app), 1, "every refused part left nothing");

    // The right part is still welcome, and the public_id the answer gave is
    // accepted in place of the one first sent (Python's SDK sends it back).
    let second = json_ok(
        send_part(
            &app,
            "up1",
            &range(next.0, next.1),
            &params,
            slice(next.0, next.1),
        )
        .await,
    )
    .await;
    assert_eq!(second["bytes"], 2 * MIN_PART);
    assert_eq!(second["public_id"], "twelve");
    assert_eq!(blobs(&app), 2);
}

async fn a_failed_last_part_leaves_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let params = [("phash", "1")];
    let first = json_ok(
        send_part(
            &app,
            "junk",
            &format!("bytes 0-{}/{TOTAL}", MIN_PART - 1),
            &params,
            slice(0, MIN_PART - 1),
        )
        .await,
    )
    .await;
    let public_id = first["public_id"].as_str().unwrap().to_owned();
    assert_eq!(public_id.len(), 20, "a generated id, answered at once");
    // Python's SDK sends the answered public_id with every later part.
    let with_id = [("phash", "1"), ("public_id", public_id.as_str())];
    json_ok(
        send_part(
            &app,
            "junk",
            &format!("bytes {MIN_PART}-{}/{TOTAL}", 2 * MIN_PART - 1),
            &with_id,
            slice(MIN_PART, 2 * MIN_PART - 1),
        )
        .await,
    )
    .await;
    assert_eq!(blobs(&app), 2);
    // The whole file is not an image: the last part answers what a plain
    // upload of it would, and nothing of the upload stays.
    let last = send_part(
        &app,
        "junk",
        &format!("bytes {}-{}/{TOTAL}", 2 * MIN_PART, TOTAL - 1),
        &with_id,
        slice(2 * MIN_PART, TOTAL - 1),
    )
    .await;
    let plain = app
        .upload(FilePart::new("big.bin", slice(0, TOTAL - 1)), &params)
        .await;
    let ((status, message), (plain_status, plain_message)) =
        (error_of(last).await, error_of(plain).await);
    assert_eq!((status, &message), (plain_status, &plain_message));
    assert_eq!(status, 400);
    assert_eq!(blobs(&app), 0, "parts and session gone");
    refused(
        send_part(
            &app,
            "junk",
            &format!("bytes {}-{}/{TOTAL}", 2 * MIN_PART, TOTAL - 1),
            &with_id,
            slice(2 * MIN_PART, TOTAL - 1),
        )
        .await,
        400,
        "is not in progress",
    )
    .await;
}

async fn racing_copies_of_a_part_keep_one(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend).await);
    let params = [("public_id", "raced")];
    json_ok(
        send_part(
            &app,
            "race",
            &format!("bytes 0-{}/{TOTAL}", MIN_PART - 1),
            &params,
            slice(0, MIN_PART - 1),
        )
        .await,
    )
    .await;
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let range = format!("bytes {MIN_PART}-{}/{TOTAL}", 2 * MIN_PART - 1);
                let response = send_part(
                    &app,
                    "race",
                    &range,
                    &params,
                    slice(MIN_PART, 2 * MIN_PART - 1),
                )
                .await;
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let mut accepted = 0;
    for racer in racers {
        let (status, body) = racer.await.unwrap();
        match status {
            200 => accepted += 1,
            400 => assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("already received"),
                "{body}"
            ),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(blobs(&app), 2, "one copy kept");
}

/// Part `index` (5 MB each) of a 20 MB upload `id`.
async fn part_of_twenty(app: &TestApp, id: &str, index: usize) -> reqwest::Response {
    let (first, last) = (index * MIN_PART, (index + 1) * MIN_PART - 1);
    let range = format!("bytes {first}-{last}/20000000");
    send_part(
        app,
        id,
        &range,
        &[("public_id", "late")],
        slice(first, last),
    )
    .await
}

async fn an_upload_whose_next_part_is_late_expires(backend: Backend) {
    let clock = Arc::new(ManualClock::at(&Utc::now().to_rfc3339()));
    let app =
        TestApp::spawn_with_clock(backend, |c| c.chunk_expiry_secs = 600, clock.clone()).await;
    json_ok(part_of_twenty(&app, "slow", 0).await).await;
    clock.advance(TimeDelta::seconds(599));
    json_ok(part_of_twenty(&app, "slow", 1).await).await;
    // Each part renews the wait: 599 s more is still in time for the next.
    clock.advance(TimeDelta::seconds(599));
    let third = json_ok(part_of_twenty(&app, "slow", 2).await).await;
    assert_eq!(third["done"], false);
    assert_eq!(blobs(&app), 3);
    // Ten minutes and a second after it, the upload is gone with its parts.
    clock.advance(TimeDelta::seconds(601));
    refused(
        part_of_twenty(&app, "slow", 3).await,
        400,
        "Chunked upload slow expired",
    )
    .await;
    assert_eq!(blobs(&app), 0);

    // An upload nobody continues is swept when another one begins.
    json_ok(part_of_twenty(&app, "abandoned", 0).await).await;
    clock.advance(TimeDelta::seconds(601));
    json_ok(part_of_twenty(&app, "fresh", 0).await).await;
    assert_eq!(blobs(&app), 1, "only the fresh upload's part remains");
    refused(
        part_of_twenty(&app, "abandoned", 1).await,
        400,
        "is not in progress",
    )
    .await;
}
