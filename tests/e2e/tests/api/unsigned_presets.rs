//! Unsigned uploads are confined to their preset (issue 28 item 1): the
//! preset's folder is the only folder, nothing is ever overwritten, an asset
//! already there is reported without anything of it, and the preset is
//! checked before the file is read. Presets carry every upload parameter,
//! with Cloudinary's merge rules (issue 29 item 5); `invalidate` is accepted
//! and `notification_url` works on Admin update (item 6).

use std::time::Duration;

use assay_e2e::webhook_receiver::WebhookReceiver;
use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp, CLOUD};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::admin_client::AdminClient;

on_both_backends!(
    an_unsigned_upload_never_overwrites_and_learns_nothing_of_what_is_there,
    an_unsigned_upload_stays_in_its_preset_folder,
    unsigned_the_preset_wins_and_tags_and_context_merge,
    signed_uploads_keep_cloudinarys_precedence,
    presets_carry_the_extensions_and_unsigned_uploads_get_them,
    an_unsigned_preset_cannot_list_other_assets,
    the_preset_is_checked_before_the_file_is_read,
    the_file_may_come_before_the_preset_name,
    invalidate_is_accepted_and_does_nothing,
    admin_update_posts_its_result_to_its_notification_url,
);

/// Creates a preset through the Admin API (form body, as Node sends it).
async fn create_preset(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    AdminClient::new(&app.base_url)
        .request(Method::POST, "/upload_presets")
        .form(fields)
        .send()
        .await
        .expect("request sent")
}

async fn preset_ok(app: &TestApp, fields: &[(&str, &str)]) {
    let created = json_ok(create_preset(app, fields).await).await;
    assert_eq!(created["message"], "created", "{created}");
}

/// An unsigned upload: no api_key, no signature, `fields` then the file.
async fn unsigned(app: &TestApp, fields: &[(&str, &str)], file: FilePart) -> reqwest::Response {
    let fields = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    app.post_form("upload", fields, Some(file)).await
}

fn jpeg() -> FilePart {
    FilePart::corpus("face_pillow_hopper.jpg")
}

fn png() -> FilePart {
    FilePart::corpus("png_exiftool_tiny.png")
}

async fn delivered(app: &TestApp, public_id: &str, format: &str) -> Vec<u8> {
    let response = app
        .get(&format!("/{CLOUD}/image/upload/{public_id}.{format}"))
        .await;
    assert_eq!(response.status(), 200, "{public_id}");
    response.bytes().await.unwrap().to_vec()
}

async fn an_unsigned_upload_never_overwrites_and_learns_nothing_of_what_is_there(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let original = app
        .upload_ok(
            jpeg(),
            &[
                ("public_id", "inbox/logo"),
                ("tags", "secret"),
                ("context", "owner=alice"),
                ("media_metadata", "1"),
                ("phash", "1"),
            ],
        )
        .await;
    // Even a preset that says overwrite, and asks for every analysis and a
    // delete token, cannot replace it or read it.
    preset_ok(
        &app,
        &[
            ("name", "open"),
            ("unsigned", "true"),
            ("folder", "inbox"),
            ("overwrite", "true"),
            ("return_delete_token", "true"),
            ("phash", "true"),
            ("colors", "true"),
            ("media_metadata", "true"),
            ("quality_analysis", "true"),
        ],
    )
    .await;
    let stored_before = app.stored_asset("inbox/logo").await;
    let answer = json_ok(
        unsigned(
            &app,
            &[("upload_preset", "open"), ("public_id", "logo")],
            png(),
        )
        .await,
    )
    .await;
    assert_eq!(
        answer,
        json!({
            "public_id": "inbox/logo",
            "resource_type": "image",
            "type": "upload",
            "existing": true,
        }),
        "that it is there, and nothing of it"
    );
    let stored_after = app.stored_asset("inbox/logo").await;
    assert_eq!(stored_after.etag, stored_before.etag);
    assert_eq!(stored_after.version, original["version"].as_i64().unwrap());
    assert!(
        delivered(&app, "inbox/logo", "jpg").await == jpeg().bytes,
        "the original is still served"
    );

    // A new id through the same preset: the whole answer, and its token.
    let fresh = json_ok(
        unsigned(
            &app,
            &[("upload_preset", "open"), ("public_id", "fresh")],
            png(),
        )
        .await,
    )
    .await;
    assert_eq!(fresh["public_id"], "inbox/fresh");
    assert!(fresh["phash"].is_string(), "{fresh}");
    assert!(fresh["quality_analysis"].is_object(), "{fresh}");
    assert!(fresh["delete_token"].is_string(), "{fresh}");
    // And again: now it is there, so the second answer reports only that.
    let again = json_ok(
        unsigned(
            &app,
            &[("upload_preset", "open"), ("public_id", "fresh")],
            jpeg(),
        )
        .await,
    )
    .await;
    assert_eq!(again["existing"], true, "{again}");
    assert!(again.get("delete_token").is_none(), "{again}");
    assert!(again.get("version").is_none(), "{again}");
}

async fn an_unsigned_upload_stays_in_its_preset_folder(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let private = app
        .upload_ok(
            jpeg(),
            &[("public_id", "private/holiday"), ("tags", "family")],
        )
        .await;
    preset_ok(
        &app,
        &[("name", "inbox"), ("unsigned", "true"), ("folder", "inbox")],
    )
    .await;
    preset_ok(&app, &[("name", "root"), ("unsigned", "true")]).await;

    for (preset, folder, expected) in [
        ("inbox", "private", "\"inbox\""),
        ("inbox", "inbox/sub", "\"inbox\""),
        ("root", "private", "the root"),
    ] {
        let response = unsigned(
            &app,
            &[
                ("upload_preset", preset),
                ("folder", folder),
                ("public_id", "holiday"),
            ],
            png(),
        )
        .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "{preset}/{folder}: {message}");
        assert!(
            message.contains("folder") && message.contains(expected),
            "{preset}/{folder}: {message}"
        );
    }
    let response = unsigned(
        &app,
        &[
            ("upload_preset", "inbox"),
            ("public_id", "../private/holiday"),
        ],
        png(),
    )
    .await;
    let (status, message) = error_of(response).await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("public_id"), "{message}");

    // The preset's own folder may be named; a public_id's subfolders stay inside it.
    let inside = json_ok(
        unsigned(
            &app,
            &[
                ("upload_preset", "inbox"),
                ("folder", "inbox"),
                ("public_id", "private/holiday"),
            ],
            png(),
        )
        .await,
    )
    .await;
    assert_eq!(inside["public_id"], "inbox/private/holiday");
    assert_eq!(inside["folder"], "inbox");

    // Through a root preset, the private asset's id is taken: that is all it learns.
    let probe = json_ok(
        unsigned(
            &app,
            &[("upload_preset", "root"), ("public_id", "private/holiday")],
            png(),
        )
        .await,
    )
    .await;
    assert_eq!(
        probe,
        json!({"public_id": "private/holiday", "resource_type": "image", "type": "upload", "existing": true})
    );
    let kept = app.stored_asset("private/holiday").await;
    assert_eq!(kept.etag, private["etag"].as_str().unwrap());
    assert_eq!(kept.tags, ["family"]);
}

async fn unsigned_the_preset_wins_and_tags_and_context_merge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    for id in ["team", "source", "note"] {
        let defined = admin
            .request(Method::POST, "/metadata_fields")
            .json(&json!({"external_id": id, "label": id, "type": "string"}))
            .send()
            .await
            .unwrap();
        json_ok(defined).await;
    }
    preset_ok(
        &app,
        &[
            ("name", "widget"),
            ("unsigned", "true"),
            ("tags", "from_preset,shared"),
            ("context", "stage=preset|source=widget"),
            ("metadata", "team=preset|source=widget"),
            ("custom_coordinates", "1,2,3,4"),
        ],
    )
    .await;
    let answer = json_ok(
        unsigned(
            &app,
            &[
                ("upload_preset", "widget"),
                ("public_id", "merged"),
                ("tags", "shared,mine"),
                ("context", "stage=request|caption=hi"),
                ("metadata", "team=request|note=hi"),
                ("custom_coordinates", "5,6,7,8"),
            ],
            jpeg(),
        )
        .await,
    )
    .await;
    assert_eq!(answer["tags"], json!(["from_preset", "shared", "mine"]));
    assert_eq!(
        answer["metadata"],
        json!({"team": "preset", "source": "widget", "note": "hi"}),
        "structured metadata merges like context: {answer}"
    );
    assert_eq!(
        answer["context"]["custom"],
        json!({"stage": "preset", "source": "widget", "caption": "hi"}),
        "{answer}"
    );
    assert_eq!(
        answer["coordinates"]["custom"],
        json!([[1, 2, 3, 4]]),
        "single-valued settings are the preset's: {answer}"
    );
    let stored = app.stored_asset("merged").await;
    assert_eq!(stored.tags, ["from_preset", "shared", "mine"]);
    assert_eq!(stored.context["caption"], "hi");
}

async fn signed_uploads_keep_cloudinarys_precedence(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    preset_ok(
        &app,
        &[
            ("name", "defaults"),
            ("folder", "preset_folder"),
            ("tags", "from_preset"),
            ("overwrite", "false"),
            ("phash", "true"),
        ],
    )
    .await;
    let first = app
        .upload_ok(
            jpeg(),
            &[
                ("upload_preset", "defaults"),
                ("public_id", "a"),
                ("folder", "mine"),
                ("tags", "my_tag"),
            ],
        )
        .await;
    assert_eq!(first["public_id"], "mine/a", "the request's folder wins");
    assert_eq!(first["tags"], json!(["my_tag"]), "the request's tags win");
    assert!(first["phash"].is_string(), "the preset fills the rest");
    // The request's overwrite wins over the preset's too: a signed upload may replace.
    let replaced = app
        .upload_ok(
            png(),
            &[
                ("upload_preset", "defaults"),
                ("public_id", "a"),
                ("folder", "mine"),
                ("overwrite", "true"),
            ],
        )
        .await;
    assert!(replaced.get("existing").is_none(), "{replaced}");
    assert_eq!(replaced["format"], "png");
    // Left to the preset, overwrite=false keeps it, and a signed caller sees it whole.
    let kept = app
        .upload_ok(
            jpeg(),
            &[
                ("upload_preset", "defaults"),
                ("public_id", "a"),
                ("folder", "mine"),
            ],
        )
        .await;
    assert_eq!(kept["existing"], true);
    assert_eq!(kept["version"], replaced["version"]);
    assert_eq!(kept["format"], "png");
}

async fn presets_carry_the_extensions_and_unsigned_uploads_get_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let every = [
        ("quality_analysis", "true"),
        ("accessibility_analysis", "true"),
        ("cinemagraph_analysis", "true"),
        ("blurhash", "true"),
        ("thumbhash", "true"),
        ("average_color", "true"),
        ("mime_type", "true"),
        ("invalidate", "true"),
    ];
    let mut fields = vec![("name", "extensions"), ("unsigned", "true")];
    fields.extend(every);
    preset_ok(&app, &fields).await;
    let preset = json_ok(
        AdminClient::new(&app.base_url)
            .get("/upload_presets/extensions")
            .await,
    )
    .await;
    for (name, _) in every {
        assert_eq!(preset["settings"][name], true, "{name}: {preset}");
    }
    let answer = json_ok(
        unsigned(
            &app,
            &[("upload_preset", "extensions"), ("public_id", "x")],
            jpeg(),
        )
        .await,
    )
    .await;
    assert!(answer["quality_analysis"]["focus"].is_number(), "{answer}");
    assert!(answer["quality_score"].is_number(), "{answer}");
    assert!(answer["accessibility_analysis"].is_object(), "{answer}");
    assert_eq!(answer["cinemagraph_analysis"]["cinemagraph_score"], 0.0);
    assert!(answer["blurhash"].is_string(), "{answer}");
    assert!(answer["thumbhash"].is_string(), "{answer}");
    assert!(answer["average_color"]["hex"].is_string(), "{answer}");
    assert_eq!(answer["mime_type"], "image/jpeg");

    // Values are checked as an upload checks them.
    let (status, message) =
        error_of(create_preset(&app, &[("name", "bad"), ("blurhash", "sometimes")]).await).await;
    assert_eq!(status, 400);
    assert!(message.contains("blurhash"), "{message}");
    for (name, value) in [("public_id", "fixed"), ("upload_preset", "other")] {
        let (status, message) =
            error_of(create_preset(&app, &[("name", "bad"), (name, value)]).await).await;
        assert_eq!(status, 400, "{name}: {message}");
        assert!(message.contains(name), "{name}: {message}");
    }
    // A notification_url the address rules refuse is refused when it is stored.
    let (status, message) = error_of(
        create_preset(
            &app,
            &[
                ("name", "bad"),
                ("notification_url", "http://127.0.0.1:9/hook"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("notification_url"), "{message}");
}

async fn an_unsigned_preset_cannot_list_other_assets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, message) = error_of(
        create_preset(
            &app,
            &[
                ("name", "dupes"),
                ("unsigned", "true"),
                ("duplicates", "true"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("duplicates"), "{message}");
    // Signed, it may; made unsigned later, it may not.
    preset_ok(&app, &[("name", "dupes"), ("duplicates", "true")]).await;
    let response = AdminClient::new(&app.base_url)
        .request(Method::PUT, "/upload_presets/dupes")
        .form(&[("unsigned", "true")])
        .send()
        .await
        .unwrap();
    let (status, message) = error_of(response).await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("duplicates"), "{message}");
    let preset = json_ok(
        AdminClient::new(&app.base_url)
            .get("/upload_presets/dupes")
            .await,
    )
    .await;
    assert_eq!(
        preset["unsigned"], false,
        "the refused update changed nothing"
    );
}

/// Sends a multipart upload whose file part announces `file_bytes` bytes
/// but sends only its first 64 KiB, then waits: the answer must come
/// anyway, so the server decided without reading (or spooling) the file.
async fn answer_to_a_stalled_upload(app: &TestApp, fields: &[(&str, &str)]) -> (u16, String) {
    const BOUNDARY: &str = "assay-stalled-boundary";
    let file_bytes: usize = 95 * 1024 * 1024;
    let mut head = String::new();
    for (name, value) in fields {
        head.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    head.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    ));
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let address = app.base_url.trim_start_matches("http://");
    let request = format!(
        "POST /v1_1/{CLOUD}/image/upload HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {}\r\n\r\n{head}",
        head.len() + file_bytes + tail.len()
    );
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&vec![0u8; 64 * 1024]).await.unwrap();
    // Nothing more is sent; the response is read until the server closes.
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buffer = [0u8; 8192];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    response.extend_from_slice(&buffer[..n]);
                    if let Some(body) = complete_body(&response) {
                        return body;
                    }
                }
            }
        }
        String::from_utf8_lossy(&response).into_owned()
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "no answer while the file was withheld: the server waits for the file \
             before checking {fields:?}"
        )
    });
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, read)
}

/// The body of a complete HTTP/1.1 response with a Content-Length.
fn complete_body(response: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let length: usize = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })?;
    (body.len() >= length).then(|| body[..length].to_owned())
}

async fn the_preset_is_checked_before_the_file_is_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    preset_ok(&app, &[("name", "signed_only")]).await;
    preset_ok(
        &app,
        &[("name", "inbox"), ("unsigned", "true"), ("folder", "inbox")],
    )
    .await;
    for (fields, expected) in [
        (
            &[("upload_preset", "missing")][..],
            "Upload preset missing not found",
        ),
        (
            &[("upload_preset", "signed_only")],
            "Upload preset must be whitelisted for unsigned uploads",
        ),
        (
            &[("upload_preset", "inbox"), ("faces", "1")],
            "Faces parameter is not allowed when using unsigned upload",
        ),
        (
            &[("upload_preset", "inbox"), ("folder", "private")],
            "Invalid folder",
        ),
    ] {
        let (status, body) = answer_to_a_stalled_upload(&app, fields).await;
        assert_eq!(status, 400, "{fields:?}: {body}");
        let message: Value = serde_json::from_str(&body).unwrap();
        assert!(
            message["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(expected)),
            "{fields:?}: {body}"
        );
    }
}

async fn the_file_may_come_before_the_preset_name(backend: Backend) {
    // Browsers' FormData keeps the page's order, often the file first.
    let app = TestApp::spawn(backend).await;
    preset_ok(
        &app,
        &[("name", "inbox"), ("unsigned", "true"), ("folder", "inbox")],
    )
    .await;
    let file = png();
    let form = Form::new()
        .part("file", Part::bytes(file.bytes).file_name(file.filename))
        .text("upload_preset", "inbox")
        .text("public_id", "late");
    let response = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/image/upload")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let answer = json_ok(response).await;
    assert_eq!(answer["public_id"], "inbox/late");
    // The rules hold whichever comes first.
    let file = png();
    let form = Form::new()
        .part("file", Part::bytes(file.bytes).file_name(file.filename))
        .text("upload_preset", "missing");
    let response = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/image/upload")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await,
        (400, "Upload preset missing not found".to_owned())
    );
}

async fn invalidate_is_accepted_and_does_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let uploaded = app
        .upload_ok(png(), &[("public_id", "cached"), ("invalidate", "true")])
        .await;
    assert_eq!(uploaded["public_id"], "cached");
    let explicit = json_ok(
        app.explicit(&[
            ("public_id", "cached"),
            ("type", "upload"),
            ("invalidate", "1"),
            ("phash", "1"),
        ])
        .await,
    )
    .await;
    assert!(explicit["phash"].is_string(), "{explicit}");
    for action in ["upload", "explicit"] {
        let fields = app.signed(&[
            ("public_id", "cached"),
            ("type", "upload"),
            ("invalidate", "maybe"),
        ]);
        let file = (action == "upload").then(png);
        let (status, message) = error_of(app.post_form(action, fields, file).await).await;
        assert_eq!(status, 400, "{action}: {message}");
        assert!(message.contains("invalidate"), "{action}: {message}");
    }
}

async fn admin_update_posts_its_result_to_its_notification_url(backend: Backend) {
    let receiver = WebhookReceiver::start(0);
    let app = TestApp::spawn_with(backend, |config| {
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.upload_ok(jpeg(), &[("public_id", "noted")]).await;
    let admin = AdminClient::new(&app.base_url);
    let updated = json_ok(
        admin
            .update_json(
                "noted",
                json!({"tags": ["reviewed"], "phash": true, "notification_url": receiver.url}),
            )
            .await,
    )
    .await;
    assert_eq!(updated["tags"], json!(["reviewed"]));
    let delivered = receiver.wait_for_accepted(1, Duration::from_secs(60)).await[0].json();
    assert_eq!(delivered["notification_type"], "update", "{delivered}");
    assert_eq!(delivered["public_id"], "noted");
    assert_eq!(delivered["tags"], json!(["reviewed"]));
    assert_eq!(delivered["phash"], updated["phash"]);

    // A URL the address rules refuse is refused before anything changes.
    let (status, message) = error_of(
        admin
            .update_form(
                "noted",
                &[
                    ("tags", "changed"),
                    ("notification_url", "http://169.254.169.254/x"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("notification_url"), "{message}");
    assert_eq!(app.stored_asset("noted").await.tags, ["reviewed"]);
}
