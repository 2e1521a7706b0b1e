//! Harness for black-box tests: the real app (both APIs, exactly as
//! `assay serve` mounts them) on a random port, a fresh database on the chosen
//! backend, a temporary blob directory, and typed helpers for each endpoint.

pub mod corpus;
pub mod fixture_server;
pub mod sdk;
pub mod sign;
pub mod webhook_receiver;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use common::{Config, Credentials};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use service::clock::{Clock, SystemClock};
use service::server::http_server;
use service::AppState;
pub use store::testing::{Backend, Hold, Sandbox};

pub const CLOUD: &str = "demo";
pub const API_KEY: &str = "123456789012345";
pub const API_SECRET: &str = "e2e-test-secret";

/// The running app and a client for it. Dropping it stops the server and
/// removes its database and blobs.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub base_url: String,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub sandbox: Sandbox,
    server: ServerHandle,
    config: Config,
    clock: Arc<dyn Clock>,
}

/// Another server on a [`TestApp`]'s database (see [`TestApp::replica`]).
/// Dropping it stops the server.
pub struct Replica {
    /// `http://127.0.0.1:<port>`
    pub base_url: String,
    server: ServerHandle,
}

/// Serves both APIs, as `assay serve` does, on a random port of 127.0.0.1.
/// With `write_hold`, analysis writes stop there (see [`TestApp::spawn_holding_writes`]).
async fn start_server(
    mut config: Config,
    clock: Arc<dyn Clock>,
    write_hold: Option<Arc<Hold>>,
) -> (String, ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a random port");
    config.listen = listener.local_addr().expect("bound address");
    let base_url = format!("http://{}", config.listen);
    let mut state = AppState::from_config(config)
        .await
        .expect("starting the app state")
        .with_clock(clock);
    if let Some(hold) = write_hold {
        state.store = state.store.with_write_hold(hold);
    }
    let server =
        http_server(listener, state, cli::serve::mount_both_apis).expect("starting the server");
    let handle = server.handle();
    tokio::spawn(server);
    (base_url, handle)
}

fn stop(server: &ServerHandle) {
    let server = server.clone();
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move { server.stop(false).await });
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        stop(&self.server);
    }
}

/// A file part for an upload.
pub struct FilePart {
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl FilePart {
    pub fn new(filename: &str, bytes: Vec<u8>) -> Self {
        FilePart {
            filename: filename.to_owned(),
            bytes,
        }
    }

    /// A corpus file under its own name.
    pub fn corpus(name: &str) -> Self {
        Self::new(name, corpus::bytes(name))
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// The stored `image/upload` asset, read straight from the database
    /// (what was persisted, not what a response claimed).
    pub async fn stored_asset(&self, public_id: &str) -> store::Asset {
        let store = self.sandbox.store().await.expect("opening the store");
        store
            .get(&store::AssetKey::new("image", "upload", public_id))
            .await
            .expect("stored asset")
    }

    /// Spawns with the configuration adjusted first (limits, allow lists...).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_with_clock(backend, adjust, Arc::new(SystemClock)).await
    }

    /// Spawns on `clock`: time-dependent behaviour (the admin API's hourly
    /// rate-limit windows) follows it, so a test can move to the next hour.
    pub async fn spawn_with_clock(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
        clock: Arc<dyn Clock>,
    ) -> TestApp {
        Self::start(backend, adjust, clock, None).await
    }

    /// Spawns a server whose analysis writes (every store update conditional
    /// on the version analysed) stop at the returned [`Hold`] while it is
    /// armed: a test can then commit an overwrite or a delete between an
    /// analysis and its write.
    pub async fn spawn_holding_writes(backend: Backend) -> (TestApp, Arc<Hold>) {
        let hold = Arc::new(Hold::new());
        let app = Self::start(backend, |_| {}, Arc::new(SystemClock), Some(hold.clone())).await;
        (app, hold)
    }

    async fn start(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
        clock: Arc<dyn Clock>,
        write_hold: Option<Arc<Hold>>,
    ) -> TestApp {
        let sandbox = Sandbox::new(backend).await;
        let mut config = Config::defaults();
        config.database_url = sandbox.database_url.clone();
        config.storage = sandbox.storage.clone();
        config.cloud_name = CLOUD.to_owned();
        config.credentials = Credentials::new(API_KEY, API_SECRET);
        adjust(&mut config);

        let (base_url, server) = start_server(config.clone(), clock.clone(), write_hold).await;
        TestApp {
            base_url,
            backend,
            client: reqwest::Client::new(),
            sandbox,
            server,
            config,
            clock,
        }
    }

    /// A second server on this app's database and blobs, as another replica
    /// behind the same load balancer would be.
    pub async fn replica(&self) -> Replica {
        let (base_url, server) = start_server(self.config.clone(), self.clock.clone(), None).await;
        Replica { base_url, server }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `params` plus a current timestamp, our api_key and a valid signature.
    pub fn signed(&self, params: &[(&str, &str)]) -> Vec<(String, String)> {
        self.signed_with(params, API_SECRET, chrono::Utc::now().timestamp())
    }

    /// As [`TestApp::signed`], with a SHA-256 signature (SDKs configured with
    /// `signature_algorithm = sha256`).
    pub fn signed_sha256(&self, params: &[(&str, &str)]) -> Vec<(String, String)> {
        signed_params_by(params, API_SECRET, chrono::Utc::now().timestamp(), true)
    }

    /// Signed with any secret and timestamp (for refusal tests).
    pub fn signed_with(
        &self,
        params: &[(&str, &str)],
        secret: &str,
        timestamp: i64,
    ) -> Vec<(String, String)> {
        signed_params(params, secret, timestamp)
    }

    /// POSTs a multipart form of `fields` (and `file`) to `/v1_1/demo/image/<action>`.
    pub async fn post_form(
        &self,
        action: &str,
        fields: Vec<(String, String)>,
        file: Option<FilePart>,
    ) -> reqwest::Response {
        post_form_to(&self.client, &self.base_url, action, fields, file).await
    }

    /// A signed upload of `file` with `params`; the raw response.
    pub async fn upload(&self, file: FilePart, params: &[(&str, &str)]) -> reqwest::Response {
        self.post_form("upload", self.signed(params), Some(file))
            .await
    }

    /// A signed upload that must succeed; its JSON body.
    pub async fn upload_ok(&self, file: FilePart, params: &[(&str, &str)]) -> Value {
        json_ok(self.upload(file, params).await).await
    }

    /// A signed upload whose `file` is text: a data URI or a URL.
    pub async fn upload_text(&self, file: &str, params: &[(&str, &str)]) -> reqwest::Response {
        let mut fields = self.signed(params);
        fields.push(("file".into(), file.to_owned()));
        self.post_form("upload", fields, None).await
    }

    /// A signed explicit call.
    pub async fn explicit(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.post_form("explicit", self.signed(params), None).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        stop(&self.server);
    }
}

/// `params` plus `timestamp`, our api_key and their signature with `secret`.
/// Free of any [`TestApp`], for services started some other way.
pub fn signed_params(
    params: &[(&str, &str)],
    secret: &str,
    timestamp: i64,
) -> Vec<(String, String)> {
    signed_params_by(params, secret, timestamp, false)
}

/// As [`signed_params`], signed with SHA-1 or (`sha256`) SHA-256.
fn signed_params_by(
    params: &[(&str, &str)],
    secret: &str,
    timestamp: i64,
    sha256: bool,
) -> Vec<(String, String)> {
    let timestamp = timestamp.to_string();
    let mut all: Vec<(&str, &str)> = params.to_vec();
    all.push(("timestamp", &timestamp));
    let signature = sign::signature(&all, secret, sha256);
    let mut out: Vec<(String, String)> = all
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.push(("api_key".into(), API_KEY.into()));
    out.push(("signature".into(), signature));
    out
}

/// POSTs a multipart form of `fields` (and `file`) to
/// `<base_url>/v1_1/demo/image/<action>`.
pub async fn post_form_to(
    client: &reqwest::Client,
    base_url: &str,
    action: &str,
    fields: Vec<(String, String)>,
    file: Option<FilePart>,
) -> reqwest::Response {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name, value);
    }
    if let Some(file) = file {
        form = form.part("file", Part::bytes(file.bytes).file_name(file.filename));
    }
    client
        .post(format!("{base_url}/v1_1/{CLOUD}/image/{action}"))
        .multipart(form)
        .send()
        .await
        .expect("request sent")
}

/// The JSON body of a response that must be 200 (the body is shown otherwise).
pub async fn json_ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(status, 200, "expected 200, got {status}: {body}");
    serde_json::from_str(&body).expect("JSON body")
}

/// Status and `error.message` of a Cloudinary error response.
pub async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON error body");
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error.message in {body}"));
    (status, message.to_owned())
}

/// Lowercase hex MD5.
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(bytes))
}

/// How many files lie under `dir`, recursively (0 when it does not exist).
pub fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        files_under(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
