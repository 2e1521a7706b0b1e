//! A campaign of malformed requests against the running app: corrupt and
//! truncated corpus files, random bytes, decompression bombs, bad signatures,
//! bad parameters, polluted and malformed parameter names, field floods,
//! oversized bodies, hostile remote URLs, garbage bodies, bad admin
//! credentials and delivery paths that try to escape. Every request
//! must get a 4xx the SDKs understand with a `{"error":{"message":...}}`
//! body; afterwards the service still answers and the assets stored before
//! the campaign are delivered byte for byte.

use std::collections::BTreeMap;

use assay_e2e::{corpus, md5_hex, post_form_to, Backend, FilePart, TestApp, API_KEY, API_SECRET};
use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::Value;

on_both_backends!(malformed_requests_get_json_4xx_and_stored_assets_survive);

/// The statuses both SDKs read an error body from (cloudinary-api.md 5.2),
/// and 413 for a body over the decoder's caps (which no SDK sends).
const CLIENT_ERRORS: [u16; 8] = [400, 401, 403, 404, 409, 413, 420, 429];
const MAX_UPLOAD_BYTES: u64 = 256 * 1024;
const MIN_REQUESTS: usize = 1000;
/// Requests in flight at once: enough to overlap, few enough for 2 cores.
const CONCURRENCY: usize = 8;

/// One malformed request and what kind of abuse it is (for the tally).
struct Attack {
    kind: &'static str,
    method: Method,
    path: String,
    body: Body,
    basic_auth: Option<(String, String)>,
}

enum Body {
    None,
    /// A multipart upload-API form (fields, optional file part).
    Form(Vec<(String, String)>, Option<FilePart>),
    Raw(&'static str, Vec<u8>),
}

impl Attack {
    fn upload(kind: &'static str, fields: Vec<(String, String)>, file: Option<FilePart>) -> Self {
        Attack {
            kind,
            method: Method::POST,
            path: "upload".into(),
            body: Body::Form(fields, file),
            basic_auth: None,
        }
    }

    fn get(kind: &'static str, path: String) -> Self {
        Attack {
            kind,
            method: Method::GET,
            path,
            body: Body::None,
            basic_auth: None,
        }
    }
}

async fn malformed_requests_get_json_4xx_and_stored_assets_survive(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.max_upload_bytes = MAX_UPLOAD_BYTES;
        // Admin calls are part of the campaign; the budget is not under test.
        config.admin_rate_limit = 100_000;
    })
    .await;
    let stored = store_assets(&app).await;

    let attacks = campaign(&app, &mut StdRng::seed_from_u64(9));
    assert!(
        attacks.len() >= MIN_REQUESTS,
        "only {} requests",
        attacks.len()
    );
    let outcomes: Vec<(&'static str, u16, Result<(), String>)> =
        futures_util::stream::iter(attacks.into_iter().map(|attack| send(&app, attack)))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;

    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (kind, status, verdict) in &outcomes {
        *by_status.entry(*status).or_default() += 1;
        *by_kind.entry(kind).or_default() += 1;
        if let Err(why) = verdict {
            failures.push(format!("{kind}: {why}"));
        }
    }
    println!(
        "bad-input campaign ({backend:?}): {} requests; by status {by_status:?}; by kind {by_kind:?}",
        outcomes.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} requests were not a JSON 4xx:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );

    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "the service is down"
    );
    for (url, md5) in stored {
        let response = app.client.get(&url).send().await.expect("request sent");
        assert_eq!(response.status(), 200, "{url}");
        let body = response.bytes().await.expect("body");
        assert_eq!(md5_hex(&body), md5, "{url} changed");
    }
}

/// Uploads a few real files; their delivery URLs and the MD5 of what was sent.
async fn store_assets(app: &TestApp) -> Vec<(String, String)> {
    let mut stored = Vec::new();
    for name in [
        "exif_canon_40d.jpg",
        "png_exif_chunk.png",
        "gif_xmp_201.gif",
    ] {
        let file = FilePart::corpus(name);
        let md5 = md5_hex(&file.bytes);
        let public_id = format!("kept/{}", name.replace('.', "_"));
        let uploaded = app.upload_ok(file, &[("public_id", &public_id)]).await;
        let url = uploaded["url"].as_str().expect("url").to_owned();
        stored.push((url, md5));
    }
    stored
}

/// Sends one attack; `Err` says how the answer broke the rules.
async fn send(app: &TestApp, attack: Attack) -> (&'static str, u16, Result<(), String>) {
    let kind = attack.kind;
    let label = format!("{} {}", attack.method, attack.path);
    let response = match attack.body {
        Body::Form(fields, file) => {
            post_form_to(&app.client, &app.base_url, &attack.path, fields, file).await
        }
        body => {
            let mut request = app.client.request(attack.method, app.url(&attack.path));
            if let Some((user, password)) = attack.basic_auth {
                request = request.basic_auth(user, Some(password));
            }
            if let Body::Raw(content_type, bytes) = body {
                request = request.header("content-type", content_type).body(bytes);
            }
            match request.send().await {
                Ok(response) => response,
                Err(e) => return (kind, 0, Err(format!("{label}: no response: {e}"))),
            }
        }
    };
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    let message = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|json| json["error"]["message"].as_str().map(str::to_owned));
    let verdict = match message {
        _ if !CLIENT_ERRORS.contains(&status) => Err(format!(
            "{label}: status {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )),
        Some(message) if !message.is_empty() => Ok(()),
        _ => Err(format!("{label}: {status} without error.message")),
    };
    (kind, status, verdict)
}

/// Every malformed request of the campaign, built up front.
fn campaign(app: &TestApp, rng: &mut StdRng) -> Vec<Attack> {
    let mut attacks = Vec::new();
    corrupt_files(app, &mut attacks);
    random_files(app, rng, &mut attacks);
    bombs(app, &mut attacks);
    bad_signatures(app, rng, &mut attacks);
    bad_parameters(app, &mut attacks);
    polluted_parameters(app, &mut attacks);
    oversized_bodies(app, &mut attacks);
    hostile_urls(app, &mut attacks);
    garbage_bodies(rng, &mut attacks);
    bad_admin_calls(&mut attacks);
    bad_deliveries(&mut attacks);
    attacks
}

/// The shared corpus's images, cut inside their headers or with their
/// signature bytes wiped, and its known-bad files as they are.
fn corrupt_files(app: &TestApp, attacks: &mut Vec<Attack>) {
    for name in corpus_images() {
        let bytes = corpus::bytes(&name);
        // Pixel analyses force a decode of whatever the header promised.
        let params = [("colors", "true"), ("phash", "true")];
        if name.starts_with("bad_") && is_undecodable(&name) {
            let file = FilePart::new(&name, bytes.clone());
            attacks.push(Attack::upload("corrupt", app.signed(&params), Some(file)));
        }
        for cut in [1, 2, 5, 11, 24] {
            let truncated = bytes[..cut.min(bytes.len())].to_vec();
            attacks.push(Attack::upload(
                "truncated",
                app.signed(&params),
                Some(FilePart::new(&name, truncated)),
            ));
        }
        let mut wiped = bytes.clone();
        wiped[..16.min(bytes.len())].fill(0);
        attacks.push(Attack::upload(
            "corrupt",
            app.signed(&params),
            Some(FilePart::new(&name, wiped)),
        ));
    }
}

/// A corpus file that ImageMagick, the corpus's oracle, cannot read (some
/// `bad_*` files only carry broken metadata and are fine images).
fn is_undecodable(name: &str) -> bool {
    let expected = corpus::expected(name);
    expected["format"].is_null() || expected["identify"]["exit_code"] != 0
}

/// Top-level corpus files that are images (not notes, scripts or folders).
fn corpus_images() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus::dir())
        .expect("the shared corpus")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".md") && !name.ends_with(".py") && !name.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() > 20, "the shared corpus looks empty: {names:?}");
    names
}

/// Random bytes that start with no image signature.
fn random_files(app: &TestApp, rng: &mut StdRng, attacks: &mut Vec<Attack>) {
    for i in 0..250 {
        let len = rng.random_range(1..4096);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        bytes[0] = b'#'; // no format's magic starts with '#'
        attacks.push(Attack::upload(
            "random bytes",
            app.signed(&[]),
            Some(FilePart::new(&format!("r{i}.jpg"), bytes)),
        ));
    }
}

/// Tiny files declaring huge images: refused from the header, before any
/// pixel memory is allocated.
fn bombs(app: &TestApp, attacks: &mut Vec<Attack>) {
    let sizes: [(u32, u32); 5] = [
        (65_535, 65_535),
        (20_000, 20_000),
        (100_000, 1_001),
        (0x7fff_ffff, 2),
        (12_000, 9_000),
    ];
    for round in 0..8 {
        for (width, height) in sizes {
            let png = png_header(width, height);
            attacks.push(Attack::upload(
                "bomb",
                app.signed(&[]),
                Some(FilePart::new("bomb.png", png)),
            ));
            let gif = gif_header(width.min(65_535) as u16, height.min(65_535) as u16);
            if u64::from(width.min(65_535)) * u64::from(height.min(65_535)) > 100_000_000 {
                let params: &[(&str, &str)] = if round % 2 == 0 {
                    &[]
                } else {
                    &[("colors", "true")]
                };
                attacks.push(Attack::upload(
                    "bomb",
                    app.signed(params),
                    Some(FilePart::new("bomb.gif", gif)),
                ));
            }
        }
    }
}

/// A PNG signature and a valid IHDR chunk (8-bit RGBA), then an empty IDAT.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"IDAT", Vec::new()),
        (b"IEND", Vec::new()),
    ] {
        png.extend((data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend(kind);
        png.extend(&data);
        let crc = crc32(&png[start..]);
        png.extend(crc.to_be_bytes());
    }
    png
}

/// A GIF whose logical screen and only frame are `width` x `height`.
fn gif_header(width: u16, height: u16) -> Vec<u8> {
    let mut gif = b"GIF89a".to_vec();
    gif.extend(width.to_le_bytes());
    gif.extend(height.to_le_bytes());
    gif.extend([0, 0, 0]);
    gif.push(0x2c); // image descriptor
    gif.extend([0, 0, 0, 0]);
    gif.extend(width.to_le_bytes());
    gif.extend(height.to_le_bytes());
    gif.extend([0, 2, 2, 0x4c, 0x01, 0, 0x3b]);
    gif
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Wrong, missing, stale, future and tampered signatures.
fn bad_signatures(app: &TestApp, rng: &mut StdRng, attacks: &mut Vec<Attack>) {
    let now = chrono::Utc::now().timestamp();
    let file = || Some(FilePart::corpus("png_exiftool_tiny.png"));
    let without = |fields: Vec<(String, String)>, name: &str| -> Vec<(String, String)> {
        fields.into_iter().filter(|(k, _)| k != name).collect()
    };
    let replace =
        |fields: Vec<(String, String)>, name: &str, value: &str| -> Vec<(String, String)> {
            fields
                .into_iter()
                .map(|(k, v)| {
                    if k == name {
                        (k, value.to_owned())
                    } else {
                        (k, v)
                    }
                })
                .collect()
        };
    for round in 0..15 {
        let random_hex: String = (0..40)
            .map(|_| format!("{:x}", rng.random_range(0..16)))
            .collect();
        let params = [("public_id", "signed/target"), ("tags", "a,b")];
        let variants = vec![
            replace(app.signed(&params), "signature", &random_hex),
            replace(app.signed(&params), "signature", ""),
            app.signed_with(&params, "not-the-secret", now),
            app.signed_with(&params, API_SECRET, now - 2 * 3600 - round),
            app.signed_with(&params, API_SECRET, now + 3 * 3600 + round),
            replace(app.signed(&params), "timestamp", "yesterday"),
            without(app.signed(&params), "timestamp"),
            without(app.signed(&params), "api_key"),
            without(app.signed(&params), "signature"),
            replace(app.signed(&params), "api_key", "999999999999999"),
            // Signed for one public_id, sent with another.
            replace(app.signed(&params), "public_id", "signed/other"),
        ];
        for fields in variants {
            attacks.push(Attack::upload("bad signature", fields, file()));
        }
    }
    assert_ne!(API_KEY, "999999999999999");
}

/// public_ids and folders that try to escape or smuggle control characters,
/// over-long names, malformed coordinates and flags.
fn bad_parameters(app: &TestApp, attacks: &mut Vec<Attack>) {
    let long = "x".repeat(256);
    let cases: Vec<(&str, String)> = vec![
        ("public_id", "../escape".into()),
        ("public_id", "a/../../escape".into()),
        ("public_id", "..".into()),
        ("public_id", "./a".into()),
        ("public_id", "/etc/passwd".into()),
        ("public_id", "a\\b".into()),
        ("public_id", "a//b".into()),
        ("public_id", "a\u{0}b".into()),
        ("public_id", "line\nbreak".into()),
        ("public_id", "bell\u{7}".into()),
        ("public_id", "del\u{7f}".into()),
        ("public_id", long),
        ("folder", "..".into()),
        ("folder", "../../tmp".into()),
        ("folder", "a\rb".into()),
        ("custom_coordinates", "1,2,3".into()),
        ("custom_coordinates", "-1,2,3,4".into()),
        ("face_coordinates", "a,b,c,d".into()),
        ("colors", "sometimes".into()),
        ("overwrite", "2".into()),
        ("context", "=v".into()),
    ];
    for _ in 0..5 {
        for (name, value) in &cases {
            let mut params = vec![(*name, value.as_str())];
            if *name == "folder" {
                params.push(("public_id", "x"));
            }
            attacks.push(Attack::upload(
                "bad parameter",
                app.signed(&params),
                Some(FilePart::corpus("png_exiftool_tiny.png")),
            ));
        }
    }
    for i in 0..20 {
        let public_id = format!("never/uploaded/{i}");
        attacks.push(Attack {
            kind: "bad parameter",
            method: Method::POST,
            path: "explicit".into(),
            body: Body::Form(
                app.signed(&[("public_id", &public_id), ("type", "upload")]),
                None,
            ),
            basic_auth: None,
        });
    }
}

/// Captured signed requests re-sent with parts added before or after (empty
/// or not), repeated names, names outside `[a-z_]` (the `=` of a signed
/// `context=caption=x` moved into the name), and floods of form fields
/// (multipart floods, refused mid-body, are in `request_rules`).
fn polluted_parameters(app: &TestApp, attacks: &mut Vec<Attack>) {
    let signed = || {
        app.signed(&[
            ("public_id", "kept/exif_canon_40d_jpg"),
            ("folder", "users/alice"),
            ("overwrite", "0"),
            ("context", "caption=x"),
        ])
    };
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let extras: [&[(&str, &str)]; 8] = [
        &[("folder", ""), ("overwrite", "")],
        &[("overwrite", "1")],
        &[("public_id", "")],
        &[("folder[]", "")],
        &[("context=caption", "x")],
        &[("Folder", "x")],
        &[("tags[0]", "x")],
        &[("a1", "")],
    ];
    for _ in 0..3 {
        for extra in extras {
            for before in [true, false] {
                let fields = if before {
                    [owned(extra), signed()].concat()
                } else {
                    [signed(), owned(extra)].concat()
                };
                attacks.push(Attack::upload(
                    "polluted parameters",
                    fields,
                    Some(FilePart::corpus("png_exiftool_tiny.png")),
                ));
            }
        }
        attacks.push(Attack {
            kind: "field flood",
            method: Method::POST,
            path: "/v1_1/demo/image/upload".into(),
            body: Body::Raw(
                "application/x-www-form-urlencoded",
                "a%5B%5D=&".repeat(5000).into_bytes(),
            ),
            basic_auth: None,
        });
    }
}

/// Files over `ASSAY_MAX_UPLOAD_BYTES`, as a part and as a data URI, and
/// text parameters far larger than any real one.
fn oversized_bodies(app: &TestApp, attacks: &mut Vec<Attack>) {
    let too_big = MAX_UPLOAD_BYTES as usize + 1;
    for i in 0..10 {
        let mut bytes = corpus::bytes("png_exiftool_tiny.png");
        bytes.resize(too_big + i * 1000, 0);
        attacks.push(Attack::upload(
            "oversized",
            app.signed(&[]),
            Some(FilePart::new("big.png", bytes)),
        ));
        let uri = format!("data:image/png;base64,{}", "A".repeat(too_big * 4 / 3 + 8));
        let mut fields = app.signed(&[]);
        fields.push(("file".into(), uri));
        attacks.push(Attack::upload("oversized", fields, None));
        let huge_tags = "t,".repeat(100_000);
        attacks.push(Attack::upload(
            "oversized",
            app.signed(&[("tags", &huge_tags)]),
            Some(FilePart::corpus("png_exiftool_tiny.png")),
        ));
    }
}

/// Remote URLs that point inside the network, use other schemes or do not
/// parse. The app runs without `ASSAY_REMOTE_FETCH_ALLOW`, so loopback is refused too.
fn hostile_urls(app: &TestApp, attacks: &mut Vec<Attack>) {
    let port = app.base_url.rsplit(':').next().expect("port");
    let urls = [
        format!("http://127.0.0.1:{port}/healthz"),
        format!("http://localhost:{port}/healthz"),
        format!("http://[::1]:{port}/healthz"),
        format!("http://[::ffff:127.0.0.1]:{port}/healthz"),
        format!("http://2130706433:{port}/healthz"),
        format!("http://0x7f.1:{port}/healthz"),
        "http://0.0.0.0/".into(),
        "http://169.254.169.254/latest/meta-data/iam/".into(),
        "http://[fd00:ec2::254]/latest/meta-data/".into(),
        "http://100.100.100.200/latest/meta-data/".into(),
        "http://10.0.0.1/".into(),
        "http://172.16.5.4/".into(),
        "http://192.168.0.1/admin".into(),
        "http://[fe80::1]/".into(),
        // IPv6 forms that reach an internal IPv4 address, and site-local.
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/".into(),
        "http://[64:ff9b::7f00:1]/".into(),
        "http://[2002:a9fe:a9fe::1]/".into(),
        "http://[2002:7f00:1::1]/".into(),
        "http://[fec0::1]/".into(),
        "http://[::ffff:0:a9fe:a9fe]/".into(),
        "http://[::ffff:0:7f00:1]/".into(),
        "https://127.0.0.1/".into(),
        "file:///etc/passwd".into(),
        "ftp://example.com/a.jpg".into(),
        "gopher://127.0.0.1:25/".into(),
        "http://".into(),
        "http://[::1".into(),
        "data:image/png;base64,!!!not base64!!!".into(),
        "data:image/png,raw".into(),
    ];
    for _ in 0..5 {
        for url in &urls {
            let mut fields = app.signed(&[]);
            fields.push(("file".into(), url.clone()));
            attacks.push(Attack::upload("hostile url", fields, None));
        }
    }
}

/// Bodies that are not what their content type says.
fn garbage_bodies(rng: &mut StdRng, attacks: &mut Vec<Attack>) {
    let types = [
        "multipart/form-data; boundary=XyZ",
        "multipart/form-data",
        "application/json",
        "application/x-www-form-urlencoded",
        "image/png",
    ];
    for i in 0..100 {
        let len = rng.random_range(0..2048);
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        attacks.push(Attack {
            kind: "garbage body",
            method: Method::POST,
            path: format!(
                "/v1_1/demo/image/{}",
                if i % 2 == 0 { "upload" } else { "explicit" }
            ),
            body: Body::Raw(types[i % types.len()], bytes),
            basic_auth: None,
        });
    }
}

/// Admin calls with wrong or missing credentials, bad query parameters and
/// bodies over the decoder's cap.
fn bad_admin_calls(attacks: &mut Vec<Attack>) {
    let path = "/v1_1/demo/resources/image";
    let credentials = || Some((API_KEY.to_owned(), API_SECRET.to_owned()));
    let huge_tags = format!("{{\"tags\": \"{}\"}}", "t,".repeat(600_000));
    for _ in 0..3 {
        attacks.push(Attack {
            kind: "oversized admin body",
            method: Method::POST,
            path: format!("{path}/upload/kept/exif_canon_40d_jpg"),
            body: Body::Raw("application/json", huge_tags.clone().into_bytes()),
            basic_auth: credentials(),
        });
        attacks.push(Attack {
            kind: "oversized admin body",
            method: Method::DELETE,
            path: format!("{path}/upload"),
            body: Body::Raw(
                "application/x-www-form-urlencoded",
                "public_ids%5B%5D=kept&".repeat(60_000).into_bytes(),
            ),
            basic_auth: credentials(),
        });
    }
    for i in 0..20 {
        let credentials = match i % 3 {
            0 => Some((API_KEY.to_owned(), "wrong".to_owned())),
            1 => Some(("unknown".to_owned(), API_SECRET.to_owned())),
            _ => None,
        };
        attacks.push(Attack {
            basic_auth: credentials,
            ..Attack::get("bad admin call", path.to_owned())
        });
    }
    for query in [
        "?max_results=many",
        "?max_results=-1",
        "?next_cursor=not-a-cursor",
        "/upload/a%00b",
        "/upload/missing%0Aid",
        "/similar?public_id=a%00b",
        "?max_results=1&max_results=2",
        "?Prefix=kept",
        "?prefix=&prefix=kept",
    ] {
        for _ in 0..5 {
            attacks.push(Attack {
                basic_auth: Some((API_KEY.to_owned(), API_SECRET.to_owned())),
                ..Attack::get("bad admin call", format!("{path}{query}"))
            });
        }
    }
}

/// Delivery paths for nothing stored, other clouds, and escapes.
fn bad_deliveries(attacks: &mut Vec<Attack>) {
    let paths = [
        "/demo/image/upload/v1/missing.jpg",
        "/demo/image/upload/%2e%2e/%2e%2e/etc/passwd.jpg",
        "/demo/image/upload/..%2f..%2fetc%2fpasswd.jpg",
        "/demo/image/upload/kept/exif_canon_40d_jpg.png",
        "/other/image/upload/kept/exif_canon_40d_jpg.jpg",
        "/demo/image/private/kept/exif_canon_40d_jpg.jpg",
        "/demo/image/upload/",
        "/demo/image/upload/%00.jpg",
        "/v1_1/demo/image/unknown_action",
        "/nothing/here",
    ];
    for _ in 0..5 {
        for path in paths {
            attacks.push(Attack::get("bad delivery", path.to_owned()));
        }
    }
}
