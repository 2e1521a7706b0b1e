//! A client for the Admin API as back-office code calls it: HTTP Basic with
//! the API key and secret, paths under `/v1_1/<cloud>/`.

use std::sync::Mutex;

use assay_e2e::{API_KEY, API_SECRET, CLOUD};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use service::clock::Clock;

pub struct AdminClient {
    base_url: String,
    client: reqwest::Client,
    key: String,
    secret: Option<String>,
}

impl AdminClient {
    /// Authenticated with the app's credentials; `base_url` of a `TestApp` or a `Replica`.
    pub fn new(base_url: &str) -> Self {
        Self::with_credentials(base_url, API_KEY, Some(API_SECRET))
    }

    pub fn with_credentials(base_url: &str, key: &str, secret: Option<&str>) -> Self {
        AdminClient {
            base_url: base_url.to_owned(),
            client: reqwest::Client::new(),
            key: key.to_owned(),
            secret: secret.map(str::to_owned),
        }
    }

    /// A request to `/v1_1/<cloud><path>`, credentials attached.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}/v1_1/{CLOUD}{path}", self.base_url);
        self.client
            .request(method, url)
            .basic_auth(&self.key, self.secret.as_deref())
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn ping(&self) -> Response {
        self.get("/ping").await
    }

    /// Resource details of an image with `query` (e.g. `colors=true&phash=true`).
    pub async fn resource(&self, public_id: &str, query: &str) -> Response {
        self.get(&format!("/resources/image/upload/{public_id}?{query}"))
            .await
    }

    /// Update with a JSON body, as the Python SDK sends it.
    pub async fn update_json(&self, public_id: &str, body: Value) -> Response {
        let path = format!("/resources/image/upload/{public_id}");
        self.request(Method::POST, &path)
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    /// Update with a form body, as the Node SDK sends it.
    pub async fn update_form(&self, public_id: &str, fields: &[(&str, &str)]) -> Response {
        let path = format!("/resources/image/upload/{public_id}");
        self.request(Method::POST, &path)
            .form(fields)
            .send()
            .await
            .expect("request sent")
    }
}

/// The `X-FeatureRateLimit-*` headers of a response, if it carries them.
#[derive(Debug, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub limit: u32,
    pub remaining: u32,
    pub reset: String,
}

pub fn rate_limit_headers(response: &Response) -> Option<RateLimitHeaders> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    };
    Some(RateLimitHeaders {
        limit: header("x-featureratelimit-limit")?
            .parse()
            .expect("numeric limit"),
        remaining: header("x-featureratelimit-remaining")?
            .parse()
            .expect("numeric remaining"),
        reset: header("x-featureratelimit-reset")?,
    })
}

/// A clock the test moves by hand, so hourly windows can end without waiting.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn at(rfc3339: &str) -> Self {
        ManualClock(Mutex::new(
            DateTime::parse_from_rfc3339(rfc3339)
                .expect("RFC 3339 time")
                .to_utc(),
        ))
    }

    pub fn advance(&self, by: TimeDelta) {
        *self.0.lock().expect("clock lock") += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}
