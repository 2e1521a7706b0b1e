//! CORS (issue 29 item 7): the upload API's browser routes (upload, unsigned
//! upload, delete_by_token) answer preflights and carry
//! `Access-Control-Allow-Origin` (`ASSAY_CORS_ORIGINS`, `*` by default); the
//! Admin API sends none. Checked with plain HTTP and from a real headless
//! browser (Debian's `chromium`) uploading from a page on another origin.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use assay_e2e::{corpus, json_ok, Backend, FilePart, TestApp, CLOUD};
use base64::Engine;
use common::cors::CorsOrigins;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

use crate::admin_client::AdminClient;

on_both_backends!(
    browser_routes_answer_preflights_and_carry_the_header,
    configured_origins_are_the_only_ones_answered,
    the_admin_api_sends_no_cors_headers,
    a_browser_page_on_another_origin_uploads_unsigned_and_reads_the_answers,
);

const PAGE_ORIGIN: &str = "http://page.example";

fn allow_origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

async fn preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "x-requested-with,content-range,x-unique-upload-id",
        )
        .send()
        .await
        .unwrap()
}

async fn unsigned_preset(app: &TestApp, name: &str) {
    let created = AdminClient::new(&app.base_url)
        .request(Method::POST, "/upload_presets")
        .form(&[
            ("name", name),
            ("unsigned", "true"),
            ("folder", "browser"),
            ("return_delete_token", "true"),
            ("phash", "true"),
        ])
        .send()
        .await
        .unwrap();
    json_ok(created).await;
}

/// An unsigned upload (fields then file) sent with an `Origin`.
async fn unsigned_from(app: &TestApp, origin: &str, preset: &str) -> reqwest::Response {
    let file = FilePart::corpus("png_exiftool_tiny.png");
    let form = reqwest::multipart::Form::new()
        .text("upload_preset", preset.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file.bytes).file_name(file.filename),
        );
    app.client
        .post(app.url(&format!("/v1_1/{CLOUD}/image/upload")))
        .header("Origin", origin)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn browser_routes_answer_preflights_and_carry_the_header(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        format!("/v1_1/{CLOUD}/image/upload"),
        format!("/v1_1/{CLOUD}/delete_by_token"),
        format!("/v1_1/{CLOUD}/image/delete_by_token"),
    ] {
        let answer = preflight(&app, &path, PAGE_ORIGIN).await;
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        let headers = answer.headers();
        assert_eq!(allow_origin(headers), Some("*"), "{path}: {headers:?}");
        let methods = headers
            .get("access-control-allow-methods")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(methods.contains("POST"), "{path}: {methods}");
        let allowed_headers = headers
            .get("access-control-allow-headers")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(
            allowed_headers.contains("x-requested-with")
                && allowed_headers.contains("x-unique-upload-id"),
            "{path}: {allowed_headers}"
        );
    }

    unsigned_preset(&app, "browser").await;
    let uploaded = unsigned_from(&app, PAGE_ORIGIN, "browser").await;
    assert_eq!(allow_origin(uploaded.headers()), Some("*"));
    let body = json_ok(uploaded).await;
    // Errors carry it too, so a page can read Cloudinary's message.
    let refused = unsigned_from(&app, PAGE_ORIGIN, "missing").await;
    assert_eq!(refused.status(), 400);
    assert_eq!(allow_origin(refused.headers()), Some("*"));

    let deleted = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/delete_by_token")))
        .header("Origin", PAGE_ORIGIN)
        .form(&[("token", body["delete_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(allow_origin(deleted.headers()), Some("*"));
    assert_eq!(json_ok(deleted).await["result"], "ok");

    // Other methods on those paths are still unknown routes.
    let get = app
        .client
        .get(app.url(&format!("/v1_1/{CLOUD}/image/upload")))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 404);
}

async fn configured_origins_are_the_only_ones_answered(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.cors_origins =
            CorsOrigins::parse("https://app.example, http://localhost:3000").expect("origins");
    })
    .await;
    let path = format!("/v1_1/{CLOUD}/image/upload");
    let allowed = preflight(&app, &path, "https://app.example").await;
    assert_eq!(allow_origin(allowed.headers()), Some("https://app.example"));
    let other = preflight(&app, &path, "https://evil.example").await;
    assert_eq!(allow_origin(other.headers()), None, "{:?}", other.headers());

    // A request from an origin not listed is served (credentials decide, not
    // the origin); its page just cannot read the answer.
    unsigned_preset(&app, "browser").await;
    let served = unsigned_from(&app, "https://evil.example", "browser").await;
    assert_eq!(allow_origin(served.headers()), None);
    assert_eq!(served.status(), 200);
    let listed = unsigned_from(&app, "http://localhost:3000", "browser").await;
    assert_eq!(
        allow_origin(listed.headers()),
        Some("http://localhost:3000")
    );
}

async fn the_admin_api_sends_no_cors_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        format!("/v1_1/{CLOUD}/resources/image"),
        format!("/v1_1/{CLOUD}/upload_presets"),
        format!("/v1_1/{CLOUD}/ping"),
    ] {
        let answer = preflight(&app, &path, PAGE_ORIGIN).await;
        let headers = answer.headers();
        assert!(
            headers
                .keys()
                .all(|name| !name.as_str().starts_with("access-control-")),
            "{path}: {headers:?}"
        );
    }
    let listed = AdminClient::new(&app.base_url)
        .request(Method::GET, "/resources/image")
        .header("Origin", PAGE_ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    assert!(
        listed
            .headers()
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{:?}",
        listed.headers()
    );
}

/// The page a browser loads from another origin: it uploads unsigned with
/// `fetch` (a custom header, so the browser sends a preflight first), reads
/// the answer, deletes the upload by its token, reads a refusal, and writes
/// what it read into `#result`.
fn page(app_url: &str, png_base64: &str) -> String {
    format!(
        r#"<!doctype html>
<html><body><pre id="result">pending</pre>
<script>
const api = "{app_url}/v1_1/{CLOUD}";
async function run() {{
  const bytes = Uint8Array.from(atob("{png_base64}"), c => c.charCodeAt(0));
  const send = (path, form) => fetch(api + path, {{
    method: "POST", body: form, headers: {{"X-Requested-With": "XMLHttpRequest"}}
  }}).then(async r => ({{status: r.status, body: await r.json()}}));
  const upload = (preset) => {{
    const form = new FormData();
    form.append("file", new Blob([bytes], {{type: "image/png"}}), "tiny.png");
    form.append("upload_preset", preset);
    form.append("public_id", "from_the_page");
    return send("/image/upload", form);
  }};
  const uploaded = await upload("browser");
  const token = new FormData();
  token.append("token", uploaded.body.delete_token);
  const deleted = await send("/delete_by_token", token);
  const refused = await upload("missing");
  return {{uploaded, deleted, refused}};
}}
run().then(
  r => {{ document.getElementById("result").textContent = JSON.stringify(r); }},
  e => {{ document.getElementById("result").textContent = JSON.stringify({{failed: String(e)}}); }});
</script></body></html>"#
    )
}

/// Serves `html` at `/` on a random loopback port: another origin than the app's.
fn serve_page(html: String) -> (String, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let html = html.clone();
        App::new().route(
            "/",
            web::get().to(move || {
                let html = html.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(html)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (url, handle)
}

/// The DOM of `url` once its scripts ran, from headless chromium.
async fn dump_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let run = tokio::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=30000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("chromium finished")
        .expect("chromium runs: install it with scripts/setup.sh (Debian package chromium)");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The JSON the page wrote into `<pre id="result">`.
fn page_result(dom: &str) -> Value {
    let start = dom
        .find(r#"<pre id="result">"#)
        .expect("the result element")
        + 17;
    let end = start + dom[start..].find("</pre>").expect("its end");
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: the page wrote {text}"))
}

async fn a_browser_page_on_another_origin_uploads_unsigned_and_reads_the_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    unsigned_preset(&app, "browser").await;
    let png =
        base64::engine::general_purpose::STANDARD.encode(corpus::bytes("png_exiftool_tiny.png"));
    let (page_url, page_server) = serve_page(page(&app.base_url, &png));
    assert_ne!(page_url, app.base_url, "the page is on another origin");

    let result = page_result(&dump_dom(&format!("{page_url}/")).await);
    page_server.stop(false).await;

    let uploaded = &result["uploaded"];
    assert_eq!(uploaded["status"], 200, "{result}");
    assert_eq!(uploaded["body"]["public_id"], "browser/from_the_page");
    assert!(uploaded["body"]["phash"].is_string(), "{result}");
    assert_eq!(result["deleted"]["body"]["result"], "ok", "{result}");
    assert_eq!(result["refused"]["status"], 400, "{result}");
    assert_eq!(
        result["refused"]["body"]["error"]["message"],
        "Upload preset missing not found"
    );
    assert_eq!(
        app.get(&format!("/{CLOUD}/image/upload/browser/from_the_page.png"))
            .await
            .status(),
        404,
        "the page's delete_by_token deleted it"
    );
}
