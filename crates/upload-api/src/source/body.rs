//! The parameters and file of an upload or explicit request, whichever body
//! encoding the client chose: `multipart/form-data` (what the SDKs send), or
//! `application/x-www-form-urlencoded` / `application/json` (raw HTTP
//! clients; Cloudinary accepts them too, with `file` as a URL or data URI).

use actix_multipart::Multipart;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde_json::Value;
use service::ApiError;

use super::multipart::{self, FilePart, UploadForm};

/// Room for the text parameters next to an inline (base64) file.
const TEXT_PARAMS_ALLOWANCE: usize = 64 * 1024;

/// Reads the request body into parameters and the `file` part.
/// `max_file_bytes` caps the file, however it is sent.
pub async fn read_request(
    request: &HttpRequest,
    payload: web::Payload,
    max_file_bytes: u64,
) -> Result<UploadForm, ApiError> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    match media_type {
        "multipart/form-data" => {
            let parts = Multipart::new(request.headers(), payload);
            multipart::read_form(parts, max_file_bytes).await
        }
        "application/x-www-form-urlencoded" => {
            let body = read_body(payload, max_file_bytes).await?;
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|e| ApiError::BadRequest(format!("Malformed form body: {e}")))?;
            Ok(split_file(pairs))
        }
        "application/json" => {
            let body = read_body(payload, max_file_bytes).await?;
            let object: serde_json::Map<String, Value> = serde_json::from_slice(&body)
                .map_err(|e| ApiError::BadRequest(format!("Malformed JSON body: {e}")))?;
            Ok(split_file(
                object.into_iter().map(|(k, v)| (k, json_param(v))),
            ))
        }
        // No body at all (an explicit call with only a query string is not a thing).
        "" => Err(ApiError::BadRequest("Missing request body".into())),
        other => Err(ApiError::BadRequest(format!(
            "Unsupported Content-Type {other}: use multipart/form-data, \
             application/x-www-form-urlencoded or application/json"
        ))),
    }
}

/// A whole non-multipart body, which may hold the file inline as base64.
async fn read_body(mut payload: web::Payload, max_file_bytes: u64) -> Result<BytesMut, ApiError> {
    let limit = (max_file_bytes as usize).saturating_mul(4) / 3 + TEXT_PARAMS_ALLOWANCE;
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("Reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::BadRequest(format!(
                "File size too large. Maximum is {max_file_bytes}."
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parameters with `file` set aside (as text: a URL or a data URI).
fn split_file(pairs: impl IntoIterator<Item = (String, String)>) -> UploadForm {
    let mut form = UploadForm::default();
    for (name, value) in pairs {
        if name == "file" {
            form.file = Some(FilePart::Text(value));
        } else {
            form.params.push(name, value);
        }
    }
    form
}

/// A JSON value as the string the SDKs would have sent (and signed):
/// booleans as `1`/`0`, arrays joined with `,`.
fn json_param(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Bool(b) => if b { "1" } else { "0" }.to_owned(),
        Value::Null => String::new(),
        Value::Array(items) => items
            .into_iter()
            .map(json_param)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use service::params::Params;

    #[test]
    fn json_values_become_wire_strings() {
        assert_eq!(json_param(json!("x")), "x");
        assert_eq!(json_param(json!(true)), "1");
        assert_eq!(json_param(json!(1700000000)), "1700000000");
        assert_eq!(json_param(json!(["a", "b"])), "a,b");
        assert_eq!(json_param(json!(null)), "");
    }

    #[test]
    fn the_file_is_set_apart_from_the_parameters() {
        let form = split_file([
            ("public_id".to_owned(), "x".to_owned()),
            ("file".to_owned(), "https://e.x/a.jpg".to_owned()),
        ]);
        assert!(matches!(form.file, Some(FilePart::Text(ref url)) if url == "https://e.x/a.jpg"));
        assert_eq!(form.params, Params::from_pairs([("public_id", "x")]));
    }
}
