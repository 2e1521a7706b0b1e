//! A pod can die at any instant. The real `upload-api` binary is SIGKILLed
//! while uploads are in flight and restarted on the same database and blob
//! directory: every upload is then either complete (delivered bytes are the
//! bytes sent) or absent, every upload acknowledged before the kill is
//! complete, and the start-up sweep leaves exactly one blob per asset and no
//! temporary files.

use std::path::Path;
use std::time::{Duration, SystemTime};

use assay_e2e::{corpus, md5_hex, signed_params, Backend, Sandbox, API_SECRET, CLOUD};
use reqwest::multipart::{Form, Part};
use tokio::task::JoinSet;

use crate::multi_process::{binaries, Replica};

on_both_backends!(uploads_killed_mid_flight_are_complete_or_absent_after_restart);

const UPLOADS: usize = 24;
/// The kill comes once this many uploads have been acknowledged, so some
/// are done and the rest are queued, analysing or writing.
const ACKNOWLEDGED_BEFORE_KILL: usize = 4;
const FILES: [&str; 6] = [
    "jpeg_plain_jfif_2352x1568.jpg",
    "exif_canon_40d.jpg",
    "png_exif_chunk.png",
    "face_pillow_hopper.jpg",
    "gif_xmp_201.gif",
    "webp_flower_exif.webp",
];

async fn uploads_killed_mid_flight_are_complete_or_absent_after_restart(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let binary = &binaries().upload_api;
    let mut server = Replica::spawn(binary, &sandbox);
    server.wait_until_ready().await;

    let mut uploads = JoinSet::new();
    for i in 0..UPLOADS {
        let base_url = server.base_url.clone();
        uploads.spawn(async move { (i, upload(&base_url, i).await) });
    }
    let mut acknowledged = Vec::new();
    while acknowledged.len() < ACKNOWLEDGED_BEFORE_KILL {
        match uploads
            .join_next()
            .await
            .expect("uploads left")
            .expect("task")
        {
            (i, Ok(())) => acknowledged.push(i),
            (i, Err(e)) => panic!("upload {i} failed before the kill: {e}"),
        }
    }
    server.process.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
    server.process.wait().expect("reaped");
    while let Some(joined) = uploads.join_next().await {
        if let (i, Ok(())) = joined.expect("task") {
            acknowledged.push(i);
        }
    }

    // The sweep spares blobs younger than an hour (another replica may be
    // about to commit them); age everything the dead process left behind.
    age_files(&sandbox.blob_root, Duration::from_secs(2 * 3600));
    let mut restarted = Replica::spawn(binary, &sandbox);
    restarted.wait_until_ready().await;

    let client = reqwest::Client::new();
    let mut present = 0;
    for i in 0..UPLOADS {
        let (name, public_id) = (file_for(i), public_id(i));
        let extension = name.rsplit('.').next().unwrap();
        let url = format!(
            "{}/{CLOUD}/image/upload/{public_id}.{extension}",
            restarted.base_url
        );
        let response = client.get(&url).send().await.expect("request sent");
        match response.status().as_u16() {
            200 => {
                let body = response.bytes().await.expect("body");
                assert_eq!(
                    md5_hex(&body),
                    md5_hex(&corpus::bytes(name)),
                    "{public_id} is torn"
                );
                present += 1;
            }
            404 => assert!(
                !acknowledged.contains(&i),
                "{public_id} was acknowledged, then lost"
            ),
            other => panic!("{url}: {other}"),
        }
    }
    println!(
        "kill test ({backend:?}): {} acknowledged before/at the kill, {present} of {UPLOADS} present after restart",
        acknowledged.len()
    );

    // The sweep runs in the background after start-up: wait for it.
    for _ in 0..300 {
        if blob_files(&sandbox.blob_root) == (present, 0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "after the sweep, (blobs, temporaries) = {:?}, expected ({present}, 0)",
        blob_files(&sandbox.blob_root)
    );
}

fn file_for(i: usize) -> &'static str {
    FILES[i % FILES.len()]
}

fn public_id(i: usize) -> String {
    format!("killed/upload_{i}")
}

/// One signed upload with pixel analyses (so it spends time analysing);
/// `Ok` only for a 200.
async fn upload(base_url: &str, i: usize) -> Result<(), String> {
    let public_id = public_id(i);
    let fields = signed_params(
        &[
            ("public_id", &public_id),
            ("colors", "true"),
            ("phash", "true"),
        ],
        API_SECRET,
        chrono::Utc::now().timestamp(),
    );
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name, value);
    }
    let name = file_for(i);
    form = form.part("file", Part::bytes(corpus::bytes(name)).file_name(name));
    let response = reqwest::Client::new()
        .post(format!("{base_url}/v1_1/{CLOUD}/image/upload"))
        .multipart(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match response.status().as_u16() {
        200 => Ok(()),
        status => Err(format!("status {status}")),
    }
}

/// Sets every file's modification time `age` into the past.
fn age_files(dir: &Path, age: Duration) {
    let then = SystemTime::now() - age;
    for entry in std::fs::read_dir(dir).expect("blob dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            age_files(&path, age);
        } else {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(then))
                .unwrap_or_else(|e| panic!("ageing {}: {e}", path.display()));
        }
    }
}

/// (blobs, temporaries) under the blob root; temporaries live in `.tmp`.
fn blob_files(root: &Path) -> (usize, usize) {
    let temporaries = assay_e2e::files_under(&root.join(".tmp"));
    (assay_e2e::files_under(root) - temporaries, temporaries)
}
