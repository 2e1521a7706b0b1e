//! Production runs several `upload-api` and `admin-api` processes over one
//! PostgreSQL and one blob store, behind a load balancer that may send each
//! request to any of them. So nothing correctness depends on (assets,
//! versions, overwrites, the admin rate-limit budget) may live in one
//! process's memory: what one replica does, every other one sees.
//!
//! These tests run the real production binaries as separate processes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use assay_e2e::{
    json_ok, md5_hex, post_form_to, signed_params, Backend, FilePart, Sandbox, API_KEY, API_SECRET,
    CLOUD,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::admin_client::{rate_limit_headers, AdminClient};

/// The `upload-api` and `admin-api` executables, built once per test run
/// (cargo only builds a package's binaries for its own integration tests).
pub(crate) struct Binaries {
    pub(crate) upload_api: PathBuf,
    pub(crate) admin_api: PathBuf,
}

pub(crate) fn binaries() -> &'static Binaries {
    static BINARIES: OnceLock<Binaries> = OnceLock::new();
    BINARIES.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .current_dir(&workspace)
            .args([
                "build",
                "-p",
                "upload-api",
                "-p",
                "admin-api",
                "--message-format=json-render-diagnostics",
            ])
            .stderr(Stdio::inherit())
            .output()
            .expect("running cargo build");
        assert!(
            output.status.success(),
            "cargo build -p upload-api -p admin-api failed"
        );
        // Cargo names each executable it produced; no guessing at target dirs.
        let executable = |name: &str| -> PathBuf {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .filter(|message| message["target"]["name"] == name)
                .find_map(|message| message["executable"].as_str().map(PathBuf::from))
                .unwrap_or_else(|| panic!("cargo build reported no executable {name}"))
        };
        Binaries {
            upload_api: executable("upload-api"),
            admin_api: executable("admin-api"),
        }
    })
}

/// One service process on a random loopback port, stopped when dropped.
pub(crate) struct Replica {
    binary: PathBuf,
    pub(crate) process: Child,
    pub(crate) base_url: String,
    /// Its stderr, shown if it dies.
    log: PathBuf,
}

impl Replica {
    /// Starts `binary` on the sandbox's database and blob directory.
    pub(crate) fn spawn(binary: &Path, sandbox: &Sandbox) -> Replica {
        Self::spawn_with_env(binary, sandbox, &[])
    }

    /// [`Replica::spawn`] with more environment variables.
    pub(crate) fn spawn_with_env(
        binary: &Path,
        sandbox: &Sandbox,
        env: &[(&str, &str)],
    ) -> Replica {
        // The services bind ASSAY_LISTEN themselves: reserve a free port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let name = binary.file_name().unwrap().to_string_lossy();
        let log = sandbox.scratch_dir().join(format!("{name}-{port}.log"));
        let process = Command::new(binary)
            .env("ASSAY_LISTEN", format!("127.0.0.1:{port}"))
            .env("ASSAY_CLOUD_NAME", CLOUD)
            .env("ASSAY_API_KEY", API_KEY)
            .env("ASSAY_API_SECRET", API_SECRET)
            .env("DATABASE_URL", &sandbox.database_url)
            .env("ASSAY_STORAGE", &sandbox.blob_root)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        Replica {
            binary: binary.to_owned(),
            process,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Waits until `/readyz` answers 200, as Kubernetes does before it sends
    /// the pod traffic. The listener is bound before migrations run, so the
    /// first probes may wait for them.
    pub(crate) async fn wait_until_ready(&mut self) {
        let client = reqwest::Client::new();
        let probe = format!("{}/readyz", self.base_url);
        for _ in 0..600 {
            if let Some(status) = self.process.try_wait().unwrap() {
                panic!(
                    "{} exited with {status}:\n{}",
                    self.binary.display(),
                    self.log_text()
                );
            }
            match client.get(&probe).send().await {
                Ok(response) if response.status() == 200 => return,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("{} never became ready at {probe}", self.binary.display());
    }

    /// What the process has written to stderr so far (its JSON log).
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `127.0.0.1:<port>`
    fn address(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    /// Sends SIGTERM, as Kubernetes does when it stops a pod (through the
    /// shell's built-in `kill`: no procps needed).
    fn terminate(&self) {
        let status = Command::new("sh")
            .args(["-c", "kill -TERM \"$0\"", &self.process.id().to_string()])
            .status()
            .expect("running sh");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits until the listener is closed: the process has begun shutting down.
    async fn wait_until_refusing_connections(&self) {
        for _ in 0..600 {
            if tokio::net::TcpStream::connect(self.address())
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} still accepts connections", self.base_url);
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Several replicas of each service over one fresh PostgreSQL database and
/// one blob directory.
struct Cluster {
    uploads: Vec<Replica>,
    admins: Vec<Replica>,
    client: reqwest::Client,
    // Last: the processes stop before their database is dropped.
    _sandbox: Sandbox,
}

impl Cluster {
    async fn start(upload_replicas: usize, admin_replicas: usize) -> Cluster {
        let sandbox = Sandbox::new(Backend::Postgres).await;
        let binaries = binaries();
        // All started before any is waited for, so they also race to apply
        // the migrations to the empty database, as replicas of a rollout do.
        let mut uploads: Vec<Replica> = (0..upload_replicas)
            .map(|_| Replica::spawn(&binaries.upload_api, &sandbox))
            .collect();
        let mut admins: Vec<Replica> = (0..admin_replicas)
            .map(|_| Replica::spawn(&binaries.admin_api, &sandbox))
            .collect();
        for replica in uploads.iter_mut().chain(admins.iter_mut()) {
            replica.wait_until_ready().await;
        }
        Cluster {
            uploads,
            admins,
            client: reqwest::Client::new(),
            _sandbox: sandbox,
        }
    }

    /// A signed upload of `file` as `public_id` through `replica`.
    async fn upload(&self, replica: &Replica, file: FilePart, public_id: &str) -> Value {
        let fields = signed_upload_fields(public_id);
        json_ok(
            post_form_to(
                &self.client,
                &replica.base_url,
                "upload",
                fields,
                Some(file),
            )
            .await,
        )
        .await
    }

    /// The original's bytes, fetched through `replica` at the path of the
    /// upload response's `url`.
    async fn deliver(&self, replica: &Replica, uploaded: &Value) -> Vec<u8> {
        let url = uploaded["url"].as_str().expect("url in upload response");
        let path = url.splitn(4, '/').nth(3).expect("url has a path");
        let response = self
            .client
            .get(format!("{}/{path}", replica.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            200,
            "delivering {url} through {}",
            replica.base_url
        );
        response.bytes().await.unwrap().to_vec()
    }
}

/// The form fields of a signed upload as `public_id`.
fn signed_upload_fields(public_id: &str) -> Vec<(String, String)> {
    signed_params(
        &[("public_id", public_id)],
        API_SECRET,
        chrono::Utc::now().timestamp(),
    )
}

/// Reads one response head (up to and including its blank line) byte by
/// byte, so nothing after it is consumed.
async fn read_response_head(connection: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = connection.read_u8().await.expect("a response head");
        head.push(byte);
    }
    String::from_utf8(head).expect("UTF-8 response head")
}

/// An upload written by hand over one connection, so that it can stop half
/// way through the file and go on later.
struct UploadInProgress {
    connection: TcpStream,
    rest: Vec<u8>,
}

impl UploadInProgress {
    /// Sends the request head, waits for the server's `100 Continue` (so the
    /// connection is accepted and the request is in a handler's hands, not
    /// waiting in the listen backlog, which a stopping server drops), then
    /// sends the signed fields and the first half of `file`.
    async fn begin(replica: &Replica, file: FilePart, public_id: &str) -> UploadInProgress {
        const BOUNDARY: &str = "assay-upload-in-progress";
        let mut body = Vec::new();
        for (name, value) in signed_upload_fields(public_id) {
            let field = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
            body.extend_from_slice(field.as_bytes());
        }
        let file_head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            file.filename
        );
        body.extend_from_slice(file_head.as_bytes());
        body.extend_from_slice(&file.bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        let head = format!(
            "POST /v1_1/{CLOUD}/image/upload HTTP/1.1\r\nHost: {}\r\n\
             Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            replica.address(),
            body.len()
        );

        let mut connection = TcpStream::connect(replica.address()).await.unwrap();
        connection.write_all(head.as_bytes()).await.unwrap();
        let interim = read_response_head(&mut connection).await;
        assert!(
            interim.starts_with("HTTP/1.1 100 "),
            "expected 100 Continue, got {interim:?}"
        );
        let half = body.len() - file.bytes.len() / 2;
        connection.write_all(&body[..half]).await.unwrap();
        UploadInProgress {
            connection,
            rest: body[half..].to_vec(),
        }
    }

    /// Sends the rest of the body; the response's status and JSON body.
    async fn finish(mut self) -> (u16, Value) {
        self.connection.write_all(&self.rest).await.unwrap();
        let mut response = Vec::new();
        self.connection.read_to_end(&mut response).await.unwrap();
        let response = String::from_utf8(response).expect("UTF-8 response");
        let (head, body) = response.split_once("\r\n\r\n").expect("HTTP response");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("status code");
        (
            status,
            serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON body: {body}")),
        )
    }
}

#[tokio::test]
async fn an_upload_through_either_upload_replica_is_served_by_the_other_and_by_the_admin_api() {
    let cluster = Cluster::start(2, 1).await;
    let [first, second] = [&cluster.uploads[0], &cluster.uploads[1]];
    let admin = AdminClient::new(&cluster.admins[0].base_url);
    let jpeg = FilePart::corpus("gps_exiftool_tiny.jpg");
    let png = FilePart::corpus("png_exiftool_tiny.png");
    let (jpeg_bytes, png_bytes) = (jpeg.bytes.clone(), png.bytes.clone());

    let via_first = cluster.upload(first, jpeg, "replicas/via-first").await;
    let via_second = cluster.upload(second, png, "replicas/via-second").await;

    assert_eq!(cluster.deliver(second, &via_first).await, jpeg_bytes);
    assert_eq!(cluster.deliver(first, &via_second).await, png_bytes);
    for (uploaded, bytes) in [(&via_first, &jpeg_bytes), (&via_second, &png_bytes)] {
        let public_id = uploaded["public_id"].as_str().unwrap();
        let details = json_ok(admin.resource(public_id, "").await).await;
        assert_eq!(details["version"], uploaded["version"], "{public_id}");
        assert_eq!(details["etag"], md5_hex(bytes), "{public_id}");
        assert_eq!(details["bytes"], bytes.len(), "{public_id}");
    }
}

#[tokio::test]
async fn an_overwrite_through_one_replica_is_the_version_every_replica_serves() {
    let cluster = Cluster::start(2, 1).await;
    let [first, second] = [&cluster.uploads[0], &cluster.uploads[1]];
    let replacement = FilePart::corpus("png_exiftool_tiny.png");
    let replacement_bytes = replacement.bytes.clone();

    let original = cluster
        .upload(
            first,
            FilePart::corpus("gps_exiftool_tiny.jpg"),
            "replicas/overwritten",
        )
        .await;
    let overwrite = cluster
        .upload(second, replacement, "replicas/overwritten")
        .await;

    assert_ne!(overwrite["version"], original["version"]);
    assert_eq!(cluster.deliver(first, &overwrite).await, replacement_bytes);
    let admin = AdminClient::new(&cluster.admins[0].base_url);
    let details = json_ok(admin.resource("replicas/overwritten", "").await).await;
    assert_eq!(details["version"], overwrite["version"]);
    assert_eq!(details["etag"], md5_hex(&replacement_bytes));
}

#[tokio::test]
async fn admin_replicas_spend_one_shared_rate_limit_budget() {
    let cluster = Cluster::start(1, 2).await;
    cluster
        .upload(
            &cluster.uploads[0],
            FilePart::corpus("gps_exiftool_tiny.jpg"),
            "replicas/counted",
        )
        .await;

    let admins: Vec<AdminClient> = cluster
        .admins
        .iter()
        .map(|replica| AdminClient::new(&replica.base_url))
        .collect();
    let mut remaining = Vec::new();
    for admin in admins.iter().cycle().take(4) {
        let response = admin.resource("replicas/counted", "").await;
        assert_eq!(response.status(), 200);
        remaining.push(
            rate_limit_headers(&response)
                .expect("rate-limit headers")
                .remaining,
        );
    }

    // Alternating between the replicas, each call still takes the next unit.
    let first = remaining[0];
    assert_eq!(remaining, [first, first - 1, first - 2, first - 3]);
}

/// Kubernetes sends SIGTERM and waits `terminationGracePeriodSeconds`: an
/// upload already in flight must still complete, and be stored for good.
#[tokio::test]
async fn an_upload_in_flight_when_the_process_is_told_to_stop_still_completes() {
    let mut cluster = Cluster::start(2, 0).await;
    let file = FilePart::corpus("gps_exiftool_tiny.jpg");
    let original = file.bytes.clone();
    let upload = UploadInProgress::begin(&cluster.uploads[0], file, "replicas/in-flight").await;

    cluster.uploads[0].terminate();
    cluster.uploads[0].wait_until_refusing_connections().await;
    let (status, uploaded) = upload.finish().await;

    assert_eq!(
        status,
        200,
        "{uploaded}\nthe stopping replica's log:\n{}",
        cluster.uploads[0].log_text()
    );
    let stopping = &mut cluster.uploads[0];
    let exit = stopping.process.wait().unwrap();
    assert!(
        exit.success(),
        "{} exited with {exit}",
        stopping.binary.display()
    );
    assert_eq!(
        cluster.deliver(&cluster.uploads[1], &uploaded).await,
        original
    );
}
