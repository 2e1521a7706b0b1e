//! The one request-body decoder of both APIs. Whatever the encoding, a body
//! becomes the same [`Params`] (under the parameter rule of
//! [`crate::params`]) and, for the upload API, the `file`.
//!
//! Conventions, the same for every encoding and both APIs:
//!
//! - `multipart/form-data` (the upload SDKs), `application/x-www-form-urlencoded`
//!   (Node's admin calls, raw clients) and `application/json` (Python's admin
//!   calls, raw clients) are read; the media type decides, parameters such as
//!   `charset` are ignored; anything else is a 400. An admin call may have no
//!   body at all.
//! - Form encodings: each `name=value` pair is one field; `name[]` pairs are
//!   an array's members.
//! - JSON: the body is one object. A string is the value as it is; `true` and
//!   `false` become `1` and `0` (what the SDKs send and sign); a number is
//!   its decimal text; `null` is absent; an array of such scalars becomes the
//!   members of `name[]`. Nested arrays and objects are refused (400 naming
//!   the parameter): no parameter takes one.
//! - `file` (upload API only) is set apart: a multipart part with a filename
//!   is spooled to a temporary file under `max_file_bytes`; a text `file` (a
//!   URL or a data URI) may be a third longer, as base64.
//!
//! Work before authentication is bounded: at most [`MAX_FIELDS`] fields,
//! [`MAX_TEXT_BYTES`] of names and values together and [`MAX_FIELD_BYTES`]
//! per value; a body over a cap is refused as soon as the cap is passed,
//! without reading further (413, or 400 for the file itself: "File size too
//! large"). The decoder never holds more than those caps (plus, for the
//! non-multipart encodings, an inline base64 file) in memory. In a multipart
//! upload, the signature is checked when the `file` part begins, against the
//! fields before it (the SDKs send every field first), so a forged request
//! is refused before its file is read; the handler checks the whole map again
//! once the body is read.

mod fields;
mod json;
mod multipart;

use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderMap, CONTENT_TYPE};
use bytes::{Bytes, BytesMut};
use std::future::Future;

use futures_util::{Stream, StreamExt};
use tempfile::NamedTempFile;

use crate::params::Params;
use crate::{ApiError, Reason};
use fields::FieldSink;

/// Fields (text parameters and the file) one request may carry. The SDKs
/// send fewer than 40 but for the `tags` and `context` calls: up to 1,000
/// public_ids (Cloudinary's limit) and the call's own fields.
pub const MAX_FIELDS: usize = 1100;
/// Names and values of all text parameters together.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// One text value (a text `file` is capped by the file size instead).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// The `file` parameter as it arrived.
#[derive(Debug)]
pub enum FileField {
    /// A binary part with a filename, spooled to disk.
    Spooled {
        spooled: NamedTempFile,
        filename: Option<String>,
    },
    /// A text value: a data URI or a remote URL.
    Text(String),
}

/// A decoded upload-API body.
#[derive(Debug, Default)]
pub struct UploadBody {
    pub params: Params,
    pub file: Option<FileField>,
}

/// Checks the parameters read so far when the `file` part begins (see the
/// module doc); an error ends the request before the file is read.
pub type BeforeFile<'a> = &'a (dyn Fn(&Params) -> Result<(), ApiError> + Sync);

/// Reads an upload or explicit body: parameters and `file`, whichever
/// encoding. `max_file_bytes` caps the file however it is sent.
pub async fn read_upload<S>(
    headers: &HeaderMap,
    payload: S,
    max_file_bytes: u64,
    before_file: BeforeFile<'_>,
) -> Result<UploadBody, ApiError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
{
    let gate = |params: Params| std::future::ready(before_file(&params));
    read_upload_gated(headers, payload, max_file_bytes, gate).await
}

/// [`read_upload`] with a check that has to wait on something (the
/// database: an upload preset looked up before the file is read). It gets a
/// copy of the parameters read so far when the `file` part begins.
pub async fn read_upload_gated<S, G, Checked>(
    headers: &HeaderMap,
    payload: S,
    max_file_bytes: u64,
    before_file: G,
) -> Result<UploadBody, ApiError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
    G: Fn(Params) -> Checked,
    Checked: Future<Output = Result<(), ApiError>>,
{
    let mut sink = FieldSink::with_file(max_file_bytes);
    match media_type(headers).as_str() {
        "multipart/form-data" => {
            multipart::read(headers, payload, &mut sink, before_file).await?;
        }
        encoded @ ("application/x-www-form-urlencoded" | "application/json") => {
            // The file may be inline as base64: 4 characters per 3 bytes.
            let file_text = usize::try_from(max_file_bytes)
                .unwrap_or(usize::MAX)
                .saturating_mul(4)
                / 3;
            let body = read_whole(payload, file_text.saturating_add(MAX_TEXT_BYTES))
                .await
                .map_err(|err| {
                    err.into_api_error(|| {
                        ApiError::from(Reason::FileTooLarge {
                            got: None,
                            max: max_file_bytes,
                        })
                    })
                })?;
            decode_encoded(encoded, &body, &mut sink)?;
        }
        "" => return Err(Reason::MissingBody.into()),
        other => return Err(unsupported(other, true)),
    }
    Ok(sink.into_upload())
}

/// Reads an admin-API body (no file). An empty body has no parameters,
/// whatever its type.
pub async fn read_params<S>(headers: &HeaderMap, payload: S) -> Result<Params, ApiError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let body = read_whole(payload, MAX_TEXT_BYTES).await.map_err(|err| {
        err.into_api_error(|| {
            ApiError::from(Reason::BodyTooLarge {
                what: format!("more than {MAX_TEXT_BYTES} bytes"),
            })
        })
    })?;
    let mut sink = FieldSink::params_only();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(sink.into_params());
    }
    match media_type(headers).as_str() {
        // Node's admin client and curl send forms; no type is read as one.
        "" => decode_encoded("application/x-www-form-urlencoded", &body, &mut sink)?,
        encoded @ ("application/x-www-form-urlencoded" | "application/json") => {
            decode_encoded(encoded, &body, &mut sink)?
        }
        other => return Err(unsupported(other, false)),
    }
    Ok(sink.into_params())
}

/// Reads a JSON object body into `T` under the same cap as [`read_params`],
/// keeping nested values: for the one method whose parameters nest
/// (`resources/search`: `sort_by` objects, aggregation ranges), which both
/// SDKs send as JSON. An empty body reads as `{}`; any other media type is
/// a 400. What `T` refuses (an unknown member, a wrong type) is a 400
/// naming it.
pub async fn read_json<T, S>(headers: &HeaderMap, payload: S) -> Result<T, ApiError>
where
    T: serde::de::DeserializeOwned,
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let body = read_whole(payload, MAX_TEXT_BYTES).await.map_err(|err| {
        err.into_api_error(|| {
            ApiError::from(Reason::BodyTooLarge {
                what: format!("more than {MAX_TEXT_BYTES} bytes"),
            })
        })
    })?;
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        match media_type(headers).as_str() {
            "application/json" => &body,
            other => {
                return Err(Reason::UnsupportedContentType {
                    media_type: other.to_string(),
                    accepted: "application/json".into(),
                }
                .into())
            }
        }
    };
    serde_json::from_slice(body).map_err(|err| {
        Reason::InvalidJsonBody {
            detail: err.to_string(),
        }
        .into()
    })
}

/// The parameters of a query string (admin GET calls), under the same rule
/// and caps as a body.
pub fn query_params(query: &str) -> Result<Params, ApiError> {
    let mut sink = FieldSink::params_only();
    form_fields(query.as_bytes(), &mut sink)?;
    Ok(sink.into_params())
}

/// A form or JSON body into `sink`.
fn decode_encoded(media_type: &str, body: &[u8], sink: &mut FieldSink) -> Result<(), ApiError> {
    if media_type == "application/json" {
        json::read(body, sink)
    } else {
        form_fields(body, sink)
    }
}

/// `a=1&b%5B%5D=2` pairs, one at a time (a flood stops at the cap).
fn form_fields(body: &[u8], sink: &mut FieldSink) -> Result<(), ApiError> {
    for (name, value) in form_urlencoded::parse(body) {
        sink.add_text(name.into_owned(), value.into_owned())?;
    }
    Ok(())
}

/// Why a whole body could not be read.
enum ReadError {
    /// Longer than the limit: refused there, the rest unread.
    TooLong,
    Broken(PayloadError),
}

impl ReadError {
    fn into_api_error(self, too_long: impl FnOnce() -> ApiError) -> ApiError {
        match self {
            ReadError::TooLong => too_long(),
            ReadError::Broken(err) => Reason::BrokenBody {
                detail: err.to_string(),
            }
            .into(),
        }
    }
}

/// The whole body, refused as soon as it passes `limit` bytes.
async fn read_whole<S>(mut payload: S, limit: usize) -> Result<BytesMut, ReadError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(ReadError::Broken)?;
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLong);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The lowercase media type of the `Content-Type` header, without parameters.
fn media_type(headers: &HeaderMap) -> String {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn unsupported(media_type: &str, multipart_too: bool) -> ApiError {
    let accepted = if multipart_too {
        "multipart/form-data, application/x-www-form-urlencoded or application/json"
    } else {
        "application/x-www-form-urlencoded or application/json"
    };
    Reason::UnsupportedContentType {
        media_type: media_type.to_string(),
        accepted: accepted.to_string(),
    }
    .into()
}

#[cfg(test)]
mod tests;
