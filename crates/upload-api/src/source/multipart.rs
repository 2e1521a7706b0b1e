//! Reads a `multipart/form-data` upload (Python sends Content-Length, Node a
//! chunked body) into text parameters and the `file` part. A file part is
//! streamed to a temporary file under the byte cap instead of into memory.

use actix_multipart::{Field, Multipart};
use futures_util::TryStreamExt;
use service::params::Params;
use service::ApiError;
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

/// Text parameters are short; anything longer is not a parameter we know.
const MAX_TEXT_PARAM_BYTES: usize = 64 * 1024;
/// After the cap is hit the rest of the body is read and dropped (so the
/// client sees our 400 rather than a reset connection), up to this many
/// times the cap.
const DRAIN_FACTOR: u64 = 4;

/// The `file` parameter as it arrived.
#[derive(Debug)]
pub enum FilePart {
    /// A binary part with a filename, spooled to disk.
    Uploaded {
        spooled: NamedTempFile,
        filename: Option<String>,
    },
    /// A text part: a data URI or a remote URL.
    Text(String),
}

/// A parsed multipart body.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub params: Params,
    pub file: Option<FilePart>,
}

/// Reads every part of `payload`. `max_file_bytes` caps the file (a data URI
/// may be a third larger, as base64).
pub async fn read_form(
    mut payload: Multipart,
    max_file_bytes: u64,
) -> Result<UploadForm, ApiError> {
    let mut form = UploadForm::default();
    while let Some(field) = payload.try_next().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        match (name.as_str(), filename) {
            ("file", Some(filename)) => {
                let spooled = spool(field, max_file_bytes).await?;
                form.file = Some(FilePart::Uploaded {
                    spooled,
                    filename: Some(filename),
                });
            }
            ("file", None) => {
                // Base64 carries 3 bytes in 4 characters; allow a header too.
                let limit = (max_file_bytes as usize).saturating_mul(4) / 3 + 1024;
                let text = read_text(field, limit, |seen| {
                    let decoded = seen as u64 / 4 * 3;
                    ApiError::BadRequest(format!(
                        "File size too large. Got {decoded}. Maximum is {max_file_bytes}."
                    ))
                })
                .await?;
                form.file = Some(FilePart::Text(text));
            }
            (_, _) => {
                let text = read_text(field, MAX_TEXT_PARAM_BYTES, |_| {
                    ApiError::invalid_parameter(
                        &name,
                        format!("longer than {MAX_TEXT_PARAM_BYTES} bytes"),
                    )
                })
                .await?;
                form.params.push(name, text);
            }
        }
    }
    Ok(form)
}

/// Writes a file part to a temporary file, refusing it past `max_bytes`.
async fn spool(mut field: Field, max_bytes: u64) -> Result<NamedTempFile, ApiError> {
    let spooled = tokio::task::spawn_blocking(NamedTempFile::new)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    // Write through an async handle on the same file; the NamedTempFile keeps
    // ownership (and deletes the file when the request is done).
    let handle = spooled.as_file().try_clone().map_err(ApiError::internal)?;
    let mut file = tokio::fs::File::from_std(handle);
    let mut written: u64 = 0;
    while let Some(chunk) = field.try_next().await.map_err(malformed)? {
        written += chunk.len() as u64;
        if written > max_bytes {
            let total = drain(field, written, max_bytes.saturating_mul(DRAIN_FACTOR)).await;
            return Err(ApiError::BadRequest(format!(
                "File size too large. Got {total}. Maximum is {max_bytes}."
            )));
        }
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.flush().await.map_err(ApiError::internal)?;
    Ok(spooled)
}

/// Reads the rest of an oversized part, counting, until `ceiling`.
async fn drain(mut field: Field, mut seen: u64, ceiling: u64) -> u64 {
    while seen <= ceiling {
        match field.try_next().await {
            Ok(Some(chunk)) => seen += chunk.len() as u64,
            _ => break,
        }
    }
    seen
}

/// A text part, refused with `too_long(bytes seen)` past `max_bytes`.
async fn read_text(
    mut field: Field,
    max_bytes: usize,
    too_long: impl FnOnce(usize) -> ApiError,
) -> Result<String, ApiError> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut buffer = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(malformed)? {
        if buffer.len() + chunk.len() > max_bytes {
            let seen = drain(
                field,
                (buffer.len() + chunk.len()) as u64,
                max_bytes as u64 * DRAIN_FACTOR,
            )
            .await;
            return Err(too_long(seen as usize));
        }
        buffer.extend_from_slice(&chunk);
    }
    String::from_utf8(buffer).map_err(|_| ApiError::invalid_parameter(&name, "not UTF-8 text"))
}

fn malformed(err: actix_multipart::MultipartError) -> ApiError {
    ApiError::BadRequest(format!("Malformed multipart body: {err}"))
}
