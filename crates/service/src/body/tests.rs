//! The decoder's conventions and caps, on bodies built here and fed in
//! small chunks through a stream that counts what was pulled.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use futures_util::stream;

use super::*;

const BOUNDARY: &str = "XbOuNdArY";
const CHUNK: usize = 4096;
/// What the multipart parser may pull beyond the part it is reading (it
/// scans ahead for the next boundary): 64 KB.
const READ_AHEAD_CHUNKS: usize = 16;

fn headers(content_type: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if !content_type.is_empty() {
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
    }
    headers
}

fn multipart_headers() -> HeaderMap {
    headers(&format!("multipart/form-data; boundary={BOUNDARY}"))
}

/// A multipart body: text fields in order, then a file part if given.
fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

/// `body` as a stream of [`CHUNK`]-byte pieces, and how many were pulled.
fn chunked(
    body: Vec<u8>,
) -> (
    impl Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
    Arc<AtomicUsize>,
) {
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let chunks: Vec<Result<Bytes, PayloadError>> = body
        .chunks(CHUNK)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let stream = stream::iter(chunks).inspect(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    (stream, pulled)
}

fn accept_all(_: &Params) -> Result<(), ApiError> {
    Ok(())
}

async fn upload(headers: &HeaderMap, body: Vec<u8>) -> Result<UploadBody, ApiError> {
    read_upload(headers, chunked(body).0, 1 << 20, &accept_all).await
}

async fn admin(content_type: &str, body: &str) -> Result<Params, ApiError> {
    read_params(&headers(content_type), chunked(body.as_bytes().to_vec()).0).await
}

fn status(err: &ApiError) -> u16 {
    actix_web::ResponseError::status_code(err).as_u16()
}

#[actix_web::test]
async fn multipart_fields_become_params_and_the_file_is_spooled() {
    let body = multipart(
        &[("public_id", "a/b"), ("tags[]", "x"), ("tags[]", "y")],
        Some(b"\x89PNG bytes"),
    );
    let form = upload(&multipart_headers(), body).await.unwrap();
    assert_eq!(form.params.get("public_id"), Some("a/b"));
    assert_eq!(form.params.get("tags"), Some("x,y"));
    assert_eq!(form.params.get("file"), None, "the file is not a parameter");
    let Some(FileField::Spooled { spooled, filename }) = form.file else {
        panic!("no spooled file");
    };
    assert_eq!(filename.as_deref(), Some("a.png"));
    assert_eq!(std::fs::read(spooled.path()).unwrap(), b"\x89PNG bytes");
}

#[actix_web::test]
async fn a_prepended_empty_part_cannot_shadow_a_signed_one() {
    // A captured signed request with `folder=` and `overwrite=` parts put first.
    let body = multipart(
        &[
            ("folder", ""),
            ("overwrite", ""),
            ("public_id", "avatar"),
            ("folder", "users/alice"),
            ("overwrite", "0"),
        ],
        Some(b"x"),
    );
    let err = upload(&multipart_headers(), body).await.unwrap_err();
    assert_eq!(status(&err), 400);
    assert_eq!(err.to_string(), "Invalid folder: given more than once");
}

#[actix_web::test]
async fn a_name_outside_the_alphabet_is_refused_by_name() {
    let body = multipart(&[("context=caption", "x")], None);
    let err = upload(&multipart_headers(), body).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Invalid parameter name \"context=caption\""),
        "{err}"
    );
}

#[actix_web::test]
async fn a_field_flood_stops_at_the_cap_without_reading_the_rest() {
    let fields = vec![("a[]", "v"); 120_000];
    let body = multipart(&fields, None);
    let total_chunks = body.len().div_ceil(CHUNK);
    let one_field = multipart(&[("a[]", "v")], None).len();
    let (payload, pulled) = chunked(body);
    let err = read_upload(&multipart_headers(), payload, 1 << 20, &accept_all)
        .await
        .unwrap_err();
    assert_eq!(status(&err), 413);
    assert_eq!(
        err.to_string(),
        format!("Request body too large: more than {MAX_FIELDS} fields")
    );
    let read = pulled.load(Ordering::Relaxed);
    let needed = (MAX_FIELDS + 1) * one_field / CHUNK + 1 + READ_AHEAD_CHUNKS;
    assert!(
        read <= needed,
        "pulled {read} of {total_chunks} chunks; {needed} hold the first {} fields",
        MAX_FIELDS + 1
    );
}

#[actix_web::test]
async fn text_over_the_total_budget_is_refused_before_it_is_kept() {
    let value = "v".repeat(MAX_FIELD_BYTES);
    let names: Vec<String> = (0..40).map(|i| format!("f_{}", "x".repeat(i))).collect();
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), value.as_str())).collect();
    let err = upload(&multipart_headers(), multipart(&fields, None))
        .await
        .unwrap_err();
    assert_eq!(status(&err), 413);
    assert!(err.to_string().contains("bytes of parameters"), "{err}");

    let long = "v".repeat(MAX_FIELD_BYTES + 1);
    let err = upload(&multipart_headers(), multipart(&[("tags", &long)], None))
        .await
        .unwrap_err();
    assert_eq!(status(&err), 400);
    assert_eq!(
        err.to_string(),
        format!("Invalid tags: longer than {MAX_FIELD_BYTES} bytes")
    );
}

#[actix_web::test]
async fn a_refused_signature_stops_before_the_file_is_read() {
    let file = vec![0u8; 1 << 20];
    let body = multipart(&[("public_id", "x"), ("signature", "forged")], Some(&file));
    let (payload, pulled) = chunked(body);
    let seen = std::sync::Mutex::new(None);
    let refuse = |params: &Params| {
        *seen.lock().unwrap() = params.get("public_id").map(str::to_owned);
        Err(Reason::InvalidCredentials.into())
    };
    let err = read_upload(&multipart_headers(), payload, 2 << 20, &refuse)
        .await
        .unwrap_err();
    assert_eq!(status(&err), 401);
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some("x"),
        "checked the fields before the file"
    );
    let read = pulled.load(Ordering::Relaxed);
    assert!(
        read <= 1 + READ_AHEAD_CHUNKS,
        "pulled {read} chunks: the 1 MB file ({} chunks) was read",
        (1 << 20) / CHUNK
    );
}

#[actix_web::test]
async fn a_file_part_over_the_cap_is_the_file_size_sentence() {
    let file = vec![0u8; 2000];
    let err = read_upload(
        &multipart_headers(),
        chunked(multipart(&[], Some(&file))).0,
        1000,
        &accept_all,
    )
    .await
    .unwrap_err();
    assert_eq!(status(&err), 400);
    assert!(
        err.to_string().starts_with("File size too large. Got "),
        "{err}"
    );
}

#[actix_web::test]
async fn form_and_json_bodies_follow_the_same_conventions() {
    let form = upload(
        &headers("application/x-www-form-urlencoded"),
        b"public_id=a%2Fb&tags%5B%5D=x&tags%5B%5D=y&colors=1&file=https%3A%2F%2Fe.x%2Fa.jpg"
            .to_vec(),
    )
    .await
    .unwrap();
    let json = upload(
        &headers("application/json; charset=utf-8"),
        br#"{"public_id": "a/b", "tags": ["x", "y"], "colors": true, "folder": null,
            "file": "https://e.x/a.jpg"}"#
            .to_vec(),
    )
    .await
    .unwrap();
    for body in [&form, &json] {
        assert_eq!(body.params.get("public_id"), Some("a/b"));
        assert_eq!(body.params.list("tags"), ["x", "y"]);
        assert_eq!(body.params.get("colors"), Some("1"));
        assert_eq!(body.params.get("folder"), None);
        assert!(matches!(&body.file, Some(FileField::Text(url)) if url == "https://e.x/a.jpg"));
    }
    assert_eq!(form.params, json.params);
}

#[actix_web::test]
async fn json_numbers_are_decimal_text() {
    let params = admin(
        "application/json",
        r#"{"max_results": 30, "timestamp": 1700000000}"#,
    )
    .await
    .unwrap();
    assert_eq!(params.get("max_results"), Some("30"));
    assert_eq!(params.get("timestamp"), Some("1700000000"));
}

#[actix_web::test]
async fn json_values_no_parameter_takes_are_refused_by_name() {
    for (body, name) in [
        (
            r#"{"face_coordinates": [[1, 2, 3, 4]]}"#,
            "face_coordinates",
        ),
        (r#"{"context": {"caption": "x"}}"#, "context"),
        (r#"{"tags": ["a", {"b": 1}]}"#, "tags"),
    ] {
        let err = admin("application/json", body).await.unwrap_err();
        assert_eq!(status(&err), 400, "{body}");
        assert!(
            err.to_string().starts_with(&format!("Invalid {name}:")),
            "{body}: {err}"
        );
    }
    for body in ["[1, 2]", "\"text\"", "{not json", r#"{"a": 1} trailing"#] {
        let err = admin("application/json", body).await.unwrap_err();
        assert!(
            err.to_string().starts_with("Invalid JSON body"),
            "{body}: {err}"
        );
    }
}

#[actix_web::test]
async fn the_parameter_rule_holds_in_every_encoding() {
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", "tags=a&tags=b"),
        ("application/json", r#"{"tags": "a", "tags": "b"}"#),
        ("application/json", r#"{"tags": "a", "tags[]": ["b"]}"#),
    ] {
        let err = admin(content_type, body).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid tags: given more than once",
            "{body}"
        );
    }
    let err = admin("application/x-www-form-urlencoded", "Tags=a")
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("Invalid parameter name"),
        "{err}"
    );
    let err = query_params("public_ids[]=a&public_ids=b").unwrap_err();
    assert_eq!(err.to_string(), "Invalid public_ids: given more than once");
}

#[actix_web::test]
async fn admin_bodies_over_the_text_cap_are_a_413_and_floods_stop_at_the_field_cap() {
    let big = format!("tags={}", "x".repeat(MAX_TEXT_BYTES));
    let err = admin("application/x-www-form-urlencoded", &big)
        .await
        .unwrap_err();
    assert_eq!(status(&err), 413);
    assert_eq!(
        err.to_string(),
        format!("Request body too large: more than {MAX_TEXT_BYTES} bytes")
    );
    let flood = "a[]=&".repeat(MAX_FIELDS + 1);
    let err = admin("application/x-www-form-urlencoded", &flood)
        .await
        .unwrap_err();
    assert_eq!(status(&err), 413, "{err}");
    let flood = format!("{{{}\"z\":1}}", "\"a\":null,".repeat(MAX_FIELDS));
    let err = admin("application/json", &flood).await.unwrap_err();
    assert_eq!(status(&err), 413, "{err}");
}

#[actix_web::test]
async fn empty_admin_bodies_have_no_parameters() {
    assert_eq!(
        admin("application/json", "").await.unwrap(),
        Params::default()
    );
    assert_eq!(admin("", "  ").await.unwrap(), Params::default());
    assert_eq!(
        admin("", "tags=a").await.unwrap().get("tags"),
        Some("a"),
        "no Content-Type reads as a form"
    );
    let err = admin("text/plain", "tags=a").await.unwrap_err();
    assert_eq!(status(&err), 400);
}
