//! Signed uploads that succeed: the response shape, each extraction, each way
//! of sending the file, naming and overwrite.

use assay_e2e::fixture_server::FixtureServer;
use assay_e2e::{corpus, json_ok, md5_hex, sign, Backend, FilePart, TestApp, API_KEY, API_SECRET};
use serde_json::Value;

on_both_backends!(
    response_has_every_upload_field_with_its_type,
    extraction_keys_appear_only_when_requested,
    metadata_is_returned_under_the_requested_name,
    width_and_height_are_the_displayed_size,
    heic_photos_get_every_pixel_analysis,
    animated_files_report_their_pages,
    data_uri_uploads_are_stored,
    remote_url_uploads_are_fetched_from_allowed_hosts,
    chunked_multipart_bodies_are_accepted,
    sha256_signatures_are_accepted,
    folder_tags_and_context_are_echoed,
    use_filename_names_the_asset,
    overwrite_makes_a_new_version_and_overwrite_0_keeps_the_old,
    raw_http_clients_may_send_form_or_json_bodies,
    ocr_text_is_returned_under_info,
    qualified_ocr_is_returned_under_its_own_key_too,
    ocr_text_is_searchable_by_word_and_prefix_until_replaced,
);

fn is_hex(value: &Value, len: usize) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

async fn response_has_every_upload_field_with_its_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let name = "face_pillow_hopper.jpg";
    let expected = corpus::expected(name);
    let body = app
        .upload_ok(FilePart::corpus(name), &[("public_id", "hopper")])
        .await;

    assert!(
        is_hex(&body["asset_id"], 32),
        "asset_id {}",
        body["asset_id"]
    );
    assert!(
        is_hex(&body["version_id"], 32),
        "version_id {}",
        body["version_id"]
    );
    assert_eq!(body["public_id"], "hopper");
    let version = body["version"].as_i64().expect("integer version");
    let created_at = chrono::DateTime::parse_from_rfc3339(
        body["created_at"].as_str().expect("created_at string"),
    )
    .expect("RFC 3339 created_at");
    assert_eq!(
        created_at.timestamp(),
        version,
        "version is created_at in epoch seconds"
    );
    assert!(
        body["created_at"].as_str().unwrap().ends_with('Z')
            && !body["created_at"].as_str().unwrap().contains('.')
    );
    assert_eq!(
        body["signature"],
        sign::response_signature("hopper", version, API_SECRET)
    );
    assert_eq!(body["api_key"], API_KEY);
    assert_eq!(body["width"], expected["display_width"]);
    assert_eq!(body["height"], expected["display_height"]);
    assert_eq!(body["format"], "jpg");
    assert_eq!(body["resource_type"], "image");
    assert_eq!(body["type"], "upload");
    assert_eq!(body["tags"], serde_json::json!([]));
    assert_eq!(body["pages"], 1);
    assert_eq!(body["bytes"], expected["bytes"]);
    assert_eq!(body["etag"], expected["md5"]);
    assert_eq!(body["placeholder"], false);
    assert_eq!(body["folder"], "");
    assert_eq!(body["access_mode"], "public");
    assert_eq!(body["original_filename"], "face_pillow_hopper");
    let path = format!("/demo/image/upload/v{version}/hopper.jpg");
    assert_eq!(body["url"], format!("{}{path}", app.base_url));
    assert_eq!(
        body["secure_url"],
        format!("{}{path}", app.base_url.replace("http://", "https://"))
    );
}

async fn extraction_keys_appear_only_when_requested(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let plain = app
        .upload_ok(FilePart::corpus("face_pillow_hopper.jpg"), &[])
        .await;
    for key in [
        "colors",
        "predominant",
        "phash",
        "faces",
        "media_metadata",
        "image_metadata",
        "coordinates",
        "info",
    ] {
        assert!(
            plain.get(key).is_none(),
            "{key} present without being requested: {plain}"
        );
    }

    let full = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[
                ("colors", "1"),
                ("phash", "1"),
                ("faces", "1"),
                ("media_metadata", "1"),
                ("custom_coordinates", "10,20,30,40|50,60,70,80"),
            ],
        )
        .await;
    let colors = full["colors"].as_array().expect("colors array");
    assert!(!colors.is_empty());
    for pair in colors {
        let hex = pair[0].as_str().expect("colour hex");
        assert!(hex.len() == 7 && hex.starts_with('#'), "{hex}");
        assert!(pair[1].is_number());
    }
    assert!(
        full["predominant"]["google"].is_array(),
        "{}",
        full["predominant"]
    );
    assert!(is_hex(&full["phash"], 16), "phash {}", full["phash"]);
    assert!(full["media_metadata"].is_object());
    let faces = full["faces"].as_array().expect("faces array");
    assert!(!faces.is_empty(), "the corpus face was not found");
    assert_eq!(full["coordinates"]["faces"], full["faces"]);
    assert_eq!(
        full["coordinates"]["custom"],
        serde_json::json!([[10, 20, 30, 40], [50, 60, 70, 80]])
    );
}

async fn metadata_is_returned_under_the_requested_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let file = || FilePart::corpus("exif_canon_40d.jpg");
    let legacy = app.upload_ok(file(), &[("image_metadata", "1")]).await;
    assert_eq!(
        legacy["image_metadata"]["Make"], "Canon",
        "{}",
        legacy["image_metadata"]
    );
    assert!(legacy.get("media_metadata").is_none());

    let both = app
        .upload_ok(
            file(),
            &[("image_metadata", "true"), ("media_metadata", "true")],
        )
        .await;
    assert_eq!(both["image_metadata"], both["media_metadata"]);
    assert_eq!(both["media_metadata"]["Model"], "Canon EOS 40D");
}

async fn width_and_height_are_the_displayed_size(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let name = "orient_portrait_6.jpg";
    let expected = corpus::expected(name);
    let body = app.upload_ok(FilePart::corpus(name), &[]).await;
    assert_eq!(
        (&body["width"], &body["height"]),
        (&expected["display_width"], &expected["display_height"])
    );
}

async fn heic_photos_get_every_pixel_analysis(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let name = "heic_iphone_img2927.heic";
    let expected = corpus::expected(name);
    let body = app
        .upload_ok(
            FilePart::corpus(name),
            &[("colors", "1"), ("phash", "1"), ("faces", "1")],
        )
        .await;
    assert_eq!(body["format"], "heic");
    assert_eq!(
        (&body["width"], &body["height"]),
        (&expected["display_width"], &expected["display_height"])
    );
    assert!(
        !body["colors"].as_array().expect("colors array").is_empty(),
        "{body}"
    );
    assert!(is_hex(&body["phash"], 16), "phash {}", body["phash"]);
    assert!(body["faces"].is_array(), "{body}");
}

async fn animated_files_report_their_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let name = "gif_anim_iss634.gif";
    let body = app.upload_ok(FilePart::corpus(name), &[]).await;
    assert_eq!(body["format"], "gif");
    assert_eq!(body["pages"], corpus::expected(name)["frames"]);
}

async fn data_uri_uploads_are_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let b64 = base64_encode;
    let bytes = corpus::bytes("png_exiftool_tiny.png");
    let body = json_ok(
        app.upload_text(
            &format!("data:image/png;base64,{}", b64(&bytes)),
            &[("public_id", "inline")],
        )
        .await,
    )
    .await;
    assert_eq!(body["format"], "png");
    assert_eq!(body["etag"], md5_hex(&bytes));
    assert!(
        body.get("original_filename").is_none(),
        "a data URI has no file name"
    );
    let delivered = app
        .get("/demo/image/upload/inline.png")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(md5_hex(&delivered), md5_hex(&bytes));
}

/// Standard base64, written out here so the test does not share the server's decoder.
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn remote_url_uploads_are_fetched_from_allowed_hosts(backend: Backend) {
    let bytes = corpus::bytes("face_pillow_hopper.jpg");
    let origin = FixtureServer::start(bytes.clone());
    let app = TestApp::spawn_with(backend, |config| {
        config.remote_fetch_allow = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let body = json_ok(
        app.upload_text(&origin.url("/file"), &[("public_id", "fetched")])
            .await,
    )
    .await;
    assert_eq!(body["etag"], md5_hex(&bytes));
    assert_eq!(body["original_filename"], "file");

    // Redirects are followed, each hop checked.
    let redirect = origin.url(&format!("/redirect?to={}", origin.url("/file")));
    let body = json_ok(
        app.upload_text(&redirect, &[("public_id", "redirected")])
            .await,
    )
    .await;
    assert_eq!(body["etag"], md5_hex(&bytes));
}

async fn chunked_multipart_bodies_are_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bytes = corpus::bytes("face_pillow_hopper.jpg");
    // A streamed part has no length, so reqwest sends the body chunked, as the Node SDK does.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        bytes.chunks(1000).map(|c| Ok(c.to_vec())).collect();
    let part = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(
        futures_util::stream::iter(chunks),
    ))
    .file_name("hopper.jpg")
    .mime_str("application/octet-stream")
    .unwrap();
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in app.signed(&[("public_id", "chunked")]) {
        form = form.text(k, v);
    }
    let response = app
        .client
        .post(app.url("/v1_1/demo/image/upload"))
        .multipart(form.part("file", part))
        .send()
        .await
        .unwrap();
    let body = json_ok(response).await;
    assert_eq!(body["etag"], md5_hex(&bytes));
}

async fn sha256_signatures_are_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fields = app.signed_sha256(&[("public_id", "sha"), ("colors", "1")]);
    let body = json_ok(
        app.post_form(
            "upload",
            fields,
            Some(FilePart::corpus("face_pillow_hopper.jpg")),
        )
        .await,
    )
    .await;
    assert_eq!(body["public_id"], "sha");
}

async fn folder_tags_and_context_are_echoed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[
                ("public_id", "my pic+1"),
                ("folder", "albums/2024"),
                ("tags", "a,b"),
                ("context", r"alt=x|caption=a\=b\|c"),
            ],
        )
        .await;
    assert_eq!(body["public_id"], "albums/2024/my pic+1");
    assert_eq!(body["folder"], "albums/2024");
    assert_eq!(body["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(
        body["context"],
        serde_json::json!({"custom": {"alt": "x", "caption": "a=b|c"}})
    );
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .ends_with("/albums/2024/my%20pic%2B1.jpg"),
        "{}",
        body["url"]
    );
}

async fn use_filename_names_the_asset(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let exact = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[("use_filename", "1"), ("unique_filename", "0")],
        )
        .await;
    assert_eq!(exact["public_id"], "face_pillow_hopper");
    let unique = app
        .upload_ok(
            FilePart::corpus("face_pillow_hopper.jpg"),
            &[("use_filename", "1")],
        )
        .await;
    let id = unique["public_id"].as_str().unwrap();
    assert!(
        id.starts_with("face_pillow_hopper_") && id.len() == "face_pillow_hopper_".len() + 6,
        "{id}"
    );
    let random = app
        .upload_ok(FilePart::corpus("face_pillow_hopper.jpg"), &[])
        .await;
    let id = random["public_id"].as_str().unwrap();
    assert!(
        id.len() == 20
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{id}"
    );
}

async fn overwrite_makes_a_new_version_and_overwrite_0_keeps_the_old(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first_bytes = corpus::bytes("face_pillow_hopper.jpg");
    let second_bytes = corpus::bytes("exif_canon_40d.jpg");
    let first = app
        .upload_ok(
            FilePart::new("a.jpg", first_bytes.clone()),
            &[("public_id", "same")],
        )
        .await;
    let second = app
        .upload_ok(
            FilePart::new("b.jpg", second_bytes.clone()),
            &[("public_id", "same")],
        )
        .await;
    assert!(second["version"].as_i64() > first["version"].as_i64());
    assert_eq!(
        second["asset_id"], first["asset_id"],
        "asset_id is stable across versions"
    );
    assert_ne!(second["version_id"], first["version_id"]);
    let delivered = app
        .get("/demo/image/upload/same.jpg")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(md5_hex(&delivered), md5_hex(&second_bytes));

    let kept = app
        .upload_ok(
            FilePart::new("a.jpg", first_bytes),
            &[("public_id", "same"), ("overwrite", "0")],
        )
        .await;
    assert_eq!(kept["existing"], true);
    assert_eq!(kept["version"], second["version"]);
    assert_eq!(kept["etag"], md5_hex(&second_bytes));
}

async fn raw_http_clients_may_send_form_or_json_bodies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bytes = corpus::bytes("png_exiftool_tiny.png");
    let data_uri = format!("data:image/png;base64,{}", base64_encode(&bytes));

    let mut fields = app.signed(&[("public_id", "from-form"), ("phash", "1")]);
    fields.push(("file".into(), data_uri));
    let response = app
        .client
        .post(app.url("/v1_1/demo/image/upload"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let body = json_ok(response).await;
    assert_eq!(body["etag"], md5_hex(&bytes));
    assert!(body["phash"].is_string());

    let signed: serde_json::Map<String, Value> = app
        .signed(&[("public_id", "from-form"), ("colors", "1")])
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let response = app
        .client
        .post(app.url("/v1_1/demo/image/explicit"))
        .json(&signed)
        .send()
        .await
        .unwrap();
    assert!(json_ok(response).await["colors"].is_array());

    let response = app
        .client
        .post(app.url("/v1_1/demo/image/upload"))
        .header("Content-Type", "text/plain")
        .body("file=x")
        .send()
        .await
        .unwrap();
    let (status, message) = assay_e2e::error_of(response).await;
    assert_eq!(status, 400);
    assert!(
        message.starts_with("Unsupported Content-Type text/plain"),
        "{message}"
    );
}

async fn ocr_text_is_returned_under_info(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app
        .upload_ok(
            FilePart::corpus("text_phototest.tif"),
            &[("ocr", "adv_ocr")],
        )
        .await;
    let adv_ocr = &body["info"]["ocr"]["adv_ocr"];
    assert_eq!(adv_ocr["status"], "complete", "{adv_ocr}");
    let annotations = adv_ocr["data"][0]["textAnnotations"]
        .as_array()
        .expect("textAnnotations");
    let full_text = annotations[0]["description"].as_str().expect("full text");
    // The page's first line (tesseract's own test page).
    assert!(
        full_text.contains("This is a lot of 12 point text"),
        "{full_text}"
    );
    assert_eq!(
        annotations[1]["boundingPoly"]["vertices"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
}

async fn qualified_ocr_is_returned_under_its_own_key_too(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = app
        .upload_ok(
            FilePart::corpus("text_phototest.tif"),
            &[("ocr", "adv_ocr:document")],
        )
        .await;
    let ocr = &body["info"]["ocr"];
    assert_eq!(ocr["adv_ocr:document"]["status"], "complete", "{ocr}");
    assert_eq!(ocr["adv_ocr:document"], ocr["adv_ocr"]);
}

/// `ocr_text:` (our Search extension) finds an uploaded scan by any word the
/// upload answered with, and by a word's prefix; once the same public_id is
/// overwritten by a picture without that text, it finds nothing.
async fn ocr_text_is_searchable_by_word_and_prefix_until_replaced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = super::admin_client::AdminClient::new(&app.base_url);
    let search = |expression: String| {
        let request = admin
            .request(reqwest::Method::POST, "/resources/search")
            .json(&serde_json::json!({ "expression": expression }));
        async move {
            let found = json_ok(request.send().await.expect("request sent")).await;
            found["resources"]
                .as_array()
                .expect("resources")
                .iter()
                .map(|r| r["public_id"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let body = app
        .upload_ok(
            FilePart::corpus("text_phototest.tif"),
            &[("ocr", "adv_ocr"), ("public_id", "scan")],
        )
        .await;
    let text = body["info"]["ocr"]["adv_ocr"]["data"][0]["fullTextAnnotation"]["text"]
        .as_str()
        .expect("OCR text");
    let words = store::search::words::split(text);
    let long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 5).collect();
    assert!(long.len() >= 3, "too little text read: {text:?}");
    for word in long.iter().take(3) {
        assert_eq!(search(format!("ocr_text:{word}")).await, ["scan"], "{word}");
        let prefix: String = word.chars().take(3).collect();
        assert_eq!(
            search(format!("ocr_text:{prefix}*")).await,
            ["scan"],
            "{prefix}*"
        );
    }
    let phrase = format!("ocr_text:\"{} {}\"", words[0], words[1]);
    assert_eq!(search(phrase.clone()).await, ["scan"], "{phrase}");

    app.upload_ok(
        FilePart::corpus("png_exiftool_tiny.png"),
        &[
            ("ocr", "adv_ocr"),
            ("public_id", "scan"),
            ("overwrite", "true"),
        ],
    )
    .await;
    assert!(search(format!("ocr_text:{}", long[0])).await.is_empty());
}
