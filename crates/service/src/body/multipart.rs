//! `multipart/form-data` (Python sends Content-Length, Node a chunked body):
//! text parts become parameters, the `file` part with a filename is streamed
//! to a temporary file under the byte cap instead of into memory.

use std::future::Future;

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

use super::fields::{field_too_long, FieldSink};
use super::{FileField, MAX_FIELD_BYTES};
use crate::params::Params;
use crate::{ApiError, Reason};

/// After a part's cap is hit the rest of that part is read and dropped (so
/// the client sees our 400 rather than a reset connection), up to this many
/// times the cap.
const DRAIN_FACTOR: u64 = 4;

/// Reads every part of `payload` into `sink`, calling `before_file` when
/// the `file` part begins.
pub(super) async fn read<S, G, Checked>(
    headers: &HeaderMap,
    payload: S,
    sink: &mut FieldSink,
    before_file: G,
) -> Result<(), ApiError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
    G: Fn(Params) -> Checked,
    Checked: Future<Output = Result<(), ApiError>>,
{
    let mut parts = Multipart::new(headers, payload);
    while let Some(field) = parts.try_next().await.map_err(malformed)? {
        sink.count_field()?;
        let name = field
            .name()
            .ok_or_else(|| {
                ApiError::from(Reason::MalformedMultipart {
                    detail: "a part without a name".into(),
                })
            })?
            .to_owned();
        if sink.is_file(&name) {
            before_file(sink.params().clone()).await?;
            let filename = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(str::to_owned);
            let file = match filename {
                Some(filename) => FileField::Spooled {
                    spooled: spool(field, sink.max_file_bytes()).await?,
                    filename: Some(filename),
                },
                None => {
                    let max = sink.max_file_bytes();
                    let text = read_text(field, sink.max_file_text_bytes(), |seen| {
                        ApiError::from(Reason::FileTooLarge {
                            got: Some(seen as u64 / 4 * 3),
                            max,
                        })
                    })
                    .await?;
                    FileField::Text(text)
                }
            };
            sink.set_file(file)?;
        } else {
            let room = sink.text_room(&name)?;
            let text = read_text(field, room, |_| {
                if room < MAX_FIELD_BYTES {
                    ApiError::from(Reason::BodyTooLarge {
                        what: format!("more than {} bytes of parameters", super::MAX_TEXT_BYTES),
                    })
                } else {
                    field_too_long(&name)
                }
            })
            .await?;
            sink.add_counted_text(name, text)?;
        }
    }
    Ok(())
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
            return Err(Reason::FileTooLarge {
                got: Some(total),
                max: max_bytes,
            }
            .into());
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

/// A text part, refused with `too_long(bytes seen)` once it passes `max_bytes`.
async fn read_text(
    mut field: Field,
    max_bytes: usize,
    too_long: impl FnOnce(usize) -> ApiError,
) -> Result<String, ApiError> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut buffer = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(malformed)? {
        if buffer.len() + chunk.len() > max_bytes {
            // The rest of this part is read and dropped (bounded), so the
            // client reads our answer instead of a broken pipe.
            let seen = (buffer.len() + chunk.len()) as u64;
            let ceiling = (max_bytes as u64).saturating_mul(DRAIN_FACTOR);
            return Err(too_long(drain(field, seen, ceiling).await as usize));
        }
        buffer.extend_from_slice(&chunk);
    }
    String::from_utf8(buffer).map_err(|_| {
        ApiError::from(Reason::InvalidParameter {
            name: name.to_string(),
            detail: "not UTF-8 text".into(),
        })
    })
}

fn malformed(err: MultipartError) -> ApiError {
    Reason::MalformedMultipart {
        detail: err.to_string(),
    }
    .into()
}
