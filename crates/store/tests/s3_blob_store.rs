//! The S3 blob store against an S3 server speaking the real REST protocol over
//! HTTP, started here on a random loopback port: moto's S3 server (a stand-in;
//! MinIO's server is on none of the registries this project may install from),
//! installed into `.venv` by `scripts/setup.sh`. No server, no pass: these
//! tests fail rather than skip when it cannot be started.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use bytes::Bytes;
use common::StorageLocation;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::ObjectStore;
use store::blob::{self, BlobError, BlobKey, BlobStore, S3BlobStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BUCKET: &str = "assay-test";
const ACCESS_KEY: &str = "test-access-key";
const SECRET_KEY: &str = "test-secret-key";

/// One S3 server process, stopped when dropped.
struct S3Server {
    process: Child,
    endpoint: String,
}

impl S3Server {
    /// Starts the server and waits until it announces its address.
    fn start() -> S3Server {
        let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let program = workspace.join(".venv/bin/moto_server");
        assert!(
            program.exists(),
            "{} is missing: run `make setup` (scripts/setup.sh installs the S3 test server)",
            program.display()
        );
        let mut process = Command::new(&program)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));

        // The server logs ` * Running on http://127.0.0.1:PORT` once it listens.
        let mut log = BufReader::new(process.stderr.take().expect("stderr is piped")).lines();
        let mut seen = Vec::new();
        let endpoint = loop {
            match log.next() {
                Some(Ok(line)) => match line.split_once("Running on ") {
                    Some((_, url)) => break url.trim().to_string(),
                    None => seen.push(line),
                },
                _ => {
                    let _ = process.kill();
                    panic!(
                        "the S3 server exited before listening:\n{}",
                        seen.join("\n")
                    );
                }
            }
        };
        // Keep draining its request log so the pipe never fills up and blocks it.
        std::thread::spawn(move || log.for_each(drop));
        S3Server { process, endpoint }
    }

    /// S3 has no implicit buckets; object_store cannot create one, so this
    /// sends the one anonymous `PUT /<bucket>` needed (the server does not
    /// check signatures).
    async fn create_bucket(&self, bucket: &str) {
        let address = self.endpoint.trim_start_matches("http://");
        let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
        let request =
            format!("PUT /{bucket} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        connection.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        connection.read_to_string(&mut response).await.unwrap();
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "creating bucket {bucket}: {response}"
        );
    }

    /// The bucket as a plain object store, to look behind the blob store.
    fn bucket(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        let s3 = AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .with_bucket_name(bucket)
            .build()
            .unwrap();
        Arc::new(s3)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A server with the test bucket, and the blob store over it under `prefix`.
async fn blob_store_on_fresh_server(prefix: &str) -> (S3Server, S3BlobStore) {
    let server = S3Server::start();
    server.create_bucket(BUCKET).await;
    let store =
        S3BlobStore::with_object_store(server.bucket(BUCKET), &format!("s3://{BUCKET}"), prefix);
    (server, store)
}

fn key(text: &str) -> BlobKey {
    BlobKey::parse(text).unwrap()
}

#[tokio::test]
async fn a_stored_blob_reads_back_whole_and_lives_under_the_prefix() {
    let (server, store) = blob_store_on_fresh_server("assets/prod").await;
    // Larger than one network buffer, and not all one byte value.
    let original: Bytes = (0..6 * 1024 * 1024)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();

    store
        .put(&key("ab/cd/abcdef"), original.clone())
        .await
        .unwrap();

    assert_eq!(store.get(&key("ab/cd/abcdef")).await.unwrap(), original);
    let raw = server
        .bucket(BUCKET)
        .get(&Path::from("assets/prod/ab/cd/abcdef"))
        .await
        .unwrap();
    assert_eq!(raw.bytes().await.unwrap(), original);
}

#[tokio::test]
async fn overwriting_a_blob_replaces_its_bytes() {
    let (_server, store) = blob_store_on_fresh_server("").await;
    store
        .put(&key("ab/cd/same"), Bytes::from_static(b"first"))
        .await
        .unwrap();
    store
        .put(&key("ab/cd/same"), Bytes::from_static(b"second"))
        .await
        .unwrap();
    assert_eq!(store.get(&key("ab/cd/same")).await.unwrap(), "second");
}

#[tokio::test]
async fn listing_shows_our_keys_without_the_prefix_and_skips_foreign_objects() {
    let (server, store) = blob_store_on_fresh_server("blobs").await;
    store
        .put(&key("aa/bb/one"), Bytes::from_static(b"1"))
        .await
        .unwrap();
    store
        .put(&key("cc/dd/two"), Bytes::from_static(b"2"))
        .await
        .unwrap();
    // Written by something else: outside the prefix, or not a key we generate.
    let bucket = server.bucket(BUCKET);
    bucket
        .put(
            &Path::from("elsewhere/aa/bb/three"),
            Bytes::from_static(b"3").into(),
        )
        .await
        .unwrap();
    bucket
        .put(
            &Path::from("blobs/notes.txt"),
            Bytes::from_static(b"4").into(),
        )
        .await
        .unwrap();

    let mut listed: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.key.to_string())
        .collect();
    listed.sort();

    assert_eq!(listed, ["aa/bb/one", "cc/dd/two"]);
}

#[tokio::test]
async fn a_deleted_blob_is_not_found_and_deleting_again_is_harmless() {
    let (_server, store) = blob_store_on_fresh_server("blobs").await;
    store
        .put(&key("ab/cd/gone"), Bytes::from_static(b"x"))
        .await
        .unwrap();

    store.delete(&key("ab/cd/gone")).await.unwrap();

    assert!(matches!(
        store.get(&key("ab/cd/gone")).await,
        Err(BlobError::NotFound(_))
    ));
    store.delete(&key("ab/cd/gone")).await.unwrap();
    assert!(store.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn health_needs_the_bucket_to_exist() {
    let (server, store) = blob_store_on_fresh_server("").await;
    store.health().await.unwrap();

    let missing =
        S3BlobStore::with_object_store(server.bucket("no-such-bucket"), "s3://no-such-bucket", "");
    let err = missing.health().await.unwrap_err();
    assert!(err.to_string().contains("no-such-bucket"), "{err}");
}

#[tokio::test]
async fn health_fails_when_the_server_is_gone() {
    let (server, store) = blob_store_on_fresh_server("").await;
    drop(server);
    assert!(store.health().await.is_err());
}

/// `ASSAY_STORAGE=s3://...` plus the AWS variables that deploy/ sets are all a
/// deployment needs. The only test here that touches the environment.
#[tokio::test]
async fn opening_an_s3_location_reads_the_aws_variables_the_deployment_sets() {
    let server = S3Server::start();
    server.create_bucket(BUCKET).await;
    for (name, value) in [
        ("AWS_ENDPOINT_URL", server.endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
    ] {
        std::env::set_var(name, value);
    }
    let location = StorageLocation::parse(&format!("s3://{BUCKET}/from-env")).unwrap();

    let store = blob::open(&location).await.unwrap();

    store.health().await.unwrap();
    store
        .put(&key("ab/cd/env"), Bytes::from_static(b"configured"))
        .await
        .unwrap();
    let raw = server
        .bucket(BUCKET)
        .get(&Path::from("from-env/ab/cd/env"))
        .await
        .unwrap();
    assert_eq!(raw.bytes().await.unwrap(), "configured");
}

/// A chunked upload's parts live in S3 as blobs of their own and come back
/// streamed, in order, into the assembled file; discarding the upload
/// removes them. The session rows are in the database (both kinds).
#[tokio::test]
async fn a_chunked_uploads_parts_are_stored_and_streamed_back_from_s3() {
    use store::chunks::{ChunkSession, ChunkedUploads, NextPart};
    use store::testing::{Backend, Sandbox};

    let (_server, blobs) = blob_store_on_fresh_server("chunks").await;
    let blobs: Arc<dyn BlobStore> = Arc::new(blobs);
    // Parts larger than one network buffer, each its own byte pattern.
    let part = |n: u8| Bytes::from(vec![n; 3 * 1024 * 1024 + usize::from(n)]);
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let database = sandbox.store().await.unwrap().database().clone();
        let uploads = ChunkedUploads::new(database, blobs.clone());
        let (first, second) = (part(1), part(2));
        let session = ChunkSession {
            upload_id: format!("s3-{backend}"),
            resource_type: "image".into(),
            params_sha256: "0".repeat(64),
            requested_public_id: None,
            public_id: "big".into(),
            original_filename: None,
            total_bytes: None,
            received_bytes: first.len() as u64,
            expires_at: i64::MAX,
        };
        assert!(uploads.begin(&session, first.clone()).await.unwrap());
        let next = NextPart {
            first_byte: first.len() as u64,
            data: second.clone(),
            total_bytes: Some((first.len() + second.len()) as u64),
            expires_at: i64::MAX,
        };
        assert!(uploads.append(&session.upload_id, next).await.unwrap());
        assert_eq!(blobs.list().await.unwrap().len(), 2, "{backend}");

        let mut assembled = Vec::new();
        let written = uploads
            .assemble_into(&session.upload_id, &mut assembled)
            .await
            .unwrap();
        assert_eq!(written as usize, first.len() + second.len());
        assert_eq!(assembled, [first, second].concat(), "{backend}");

        uploads.discard(&session.upload_id).await.unwrap();
        assert!(blobs.list().await.unwrap().is_empty(), "{backend}");
    }
}
