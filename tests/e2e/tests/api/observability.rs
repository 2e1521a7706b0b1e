//! What operators see: `GET /metrics` in Prometheus' text format (requests
//! per route pattern, extraction time per analysis, rate-limit refusals) and
//! an `X-Request-Id` on every answer of both APIs.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use assay_e2e::{Backend, FilePart, TestApp, API_KEY};
use reqwest::Response;

use crate::admin_client::AdminClient;
use crate::multi_process::binaries;

on_both_backends!(
    requests_are_counted_and_timed_per_route_pattern,
    each_requested_analysis_is_timed,
    admin_rate_limit_refusals_are_counted,
    every_answer_carries_a_request_id_and_a_callers_is_kept,
);

const UPLOAD_ROUTE: &str = "/v1_1/{cloud}/{resource_type}/upload";

async fn requests_are_counted_and_timed_per_route_pattern(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..2 {
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    app.upload_ok(FilePart::corpus("face_pillow_hopper.jpg"), &[])
        .await;
    assert_eq!(app.get("/no/such/route-1234").await.status(), 404);

    let metrics = Metrics::scrape(&app).await;
    let healthz = [
        ("endpoint", "/healthz"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_eq!(
        metrics.value("assay_http_requests_total", &healthz),
        Some(2.0)
    );
    assert_eq!(
        metrics.value("assay_http_requests_duration_seconds_count", &healthz),
        Some(2.0)
    );
    let upload = [
        ("endpoint", UPLOAD_ROUTE),
        ("method", "POST"),
        ("status", "200"),
    ];
    assert_eq!(
        metrics.value("assay_http_requests_total", &upload),
        Some(1.0)
    );
    let unmatched = [("endpoint", "UNMATCHED"), ("status", "404")];
    assert_eq!(
        metrics.value("assay_http_requests_total", &unmatched),
        Some(1.0)
    );
    // Series are per pattern: raw paths (cloud names, ids) never become labels.
    assert!(!metrics.text.contains("/v1_1/demo/"), "{}", metrics.text);
    assert!(!metrics.text.contains("route-1234"), "{}", metrics.text);
}

async fn each_requested_analysis_is_timed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = Metrics::scrape(&app).await;
    assert_eq!(
        before.value("assay_extraction_seconds_count", &[("analysis", "colors")]),
        None,
        "nothing is analysed yet"
    );

    app.upload_ok(
        FilePart::corpus("face_pillow_hopper.jpg"),
        &[("colors", "true"), ("phash", "true")],
    )
    .await;

    let after = Metrics::scrape(&app).await;
    for analysis in ["decode", "colors", "phash"] {
        let count = after.value("assay_extraction_seconds_count", &[("analysis", analysis)]);
        assert_eq!(count, Some(1.0), "{analysis}");
    }
    for not_requested in ["faces", "ocr"] {
        let count = after.value(
            "assay_extraction_seconds_count",
            &[("analysis", not_requested)],
        );
        assert_eq!(count, None, "{not_requested}");
    }
}

async fn admin_rate_limit_refusals_are_counted(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.admin_rate_limit = 1).await;
    let admin = AdminClient::new(&app.base_url);
    const REFUSALS: &str = "assay_admin_rate_limit_rejections_total";
    assert_eq!(Metrics::scrape(&app).await.value(REFUSALS, &[]), Some(0.0));

    assert_eq!(admin.ping().await.status(), 200);
    assert_eq!(admin.ping().await.status(), 420);
    assert_eq!(admin.ping().await.status(), 420);

    assert_eq!(Metrics::scrape(&app).await.value(REFUSALS, &[]), Some(2.0));
}

async fn every_answer_carries_a_request_id_and_a_callers_is_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let upload = app
        .upload(FilePart::corpus("face_pillow_hopper.jpg"), &[])
        .await;
    let refused_upload = app.post_form("upload", Vec::new(), None).await;
    let unknown_route = app.get("/no/such/route").await;
    let admin = AdminClient::new(&app.base_url).ping().await;
    let generated: Vec<String> = [&upload, &refused_upload, &unknown_route, &admin]
        .into_iter()
        .map(request_id)
        .collect();
    assert!(
        generated
            .iter()
            .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())),
        "{generated:?}"
    );
    let distinct: std::collections::HashSet<_> = generated.iter().collect();
    assert_eq!(distinct.len(), generated.len(), "one id per request");

    let admin_ping = AdminClient::new(&app.base_url)
        .request(reqwest::Method::GET, "/ping")
        .header("X-Request-Id", "trace-7f3a")
        .send()
        .await
        .expect("ping sent");
    assert_eq!(request_id(&admin_ping), "trace-7f3a");
    let delivery = app
        .client
        .get(app.url("/demo/image/upload/missing.jpg"))
        .header("X-Request-Id", "lb-0001")
        .send()
        .await
        .expect("request sent");
    assert_eq!(request_id(&delivery), "lb-0001");
}

/// `upload-api` and `admin-api` stop at start-up, naming the variable, rather
/// than serve an account anyone can sign for with the public development
/// secret (`assay serve` keeps it, for development).
#[tokio::test]
async fn production_binaries_refuse_the_development_secret() {
    let binaries = binaries();
    for binary in [&binaries.upload_api, &binaries.admin_api] {
        let mut process = Command::new(binary)
            .env_clear()
            .env("ASSAY_LISTEN", "127.0.0.1:0")
            .env("ASSAY_API_KEY", API_KEY)
            .env("DATABASE_URL", "sqlite::memory:")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the binary");
        // Only a guard against a server that wrongly starts (and never exits).
        let mut status = None;
        for _ in 0..300 {
            status = process.try_wait().expect("polling the process");
            if status.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if status.is_none() {
            let _ = process.kill();
            panic!("{} started without an API secret", binary.display());
        }
        let output = process.wait_with_output().expect("its output");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{}", binary.display());
        assert!(stderr.contains("ASSAY_API_SECRET"), "{stderr}");
    }
}

fn request_id(response: &Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .expect("an ASCII request id")
        .to_owned()
}

/// One scrape of `GET /metrics`.
struct Metrics {
    text: String,
}

impl Metrics {
    async fn scrape(app: &TestApp) -> Metrics {
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), 200);
        Metrics {
            text: response.text().await.expect("metrics text"),
        }
    }

    /// The value of the one sample of `name` whose labels include `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matching: Vec<f64> = self
            .text
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(parse_sample)
            .filter(|(sample_name, sample_labels, _)| {
                sample_name == name
                    && labels
                        .iter()
                        .all(|(k, v)| sample_labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, value)| value)
            .collect();
        assert!(
            matching.len() <= 1,
            "several {name} samples match {labels:?}"
        );
        matching.first().copied()
    }
}

/// `name{k="v",...} value` or `name value` (the text exposition format).
fn parse_sample(line: &str) -> Option<(String, BTreeMap<String, String>, f64)> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = value.parse().ok()?;
    let Some((name, labels)) = series.split_once('{') else {
        return Some((series.to_owned(), BTreeMap::new(), value));
    };
    let mut parsed = BTreeMap::new();
    let mut rest = labels.strip_suffix('}')?;
    while let Some((key, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => value.push(chars.next()?.1),
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        parsed.insert(key.trim_start_matches(',').to_owned(), value);
        rest = &after[end + 1..];
    }
    Some((name.to_owned(), parsed, value))
}
