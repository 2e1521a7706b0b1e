//! Chunked uploads (`upload_large` in both SDKs): upload requests carrying
//! `X-Unique-Upload-Id` and `Content-Range` ([`PartHeaders`]) are parts of
//! one file. Each part is authenticated and checked like any upload, then
//! kept as a blob of its own (`store::chunks`), in order; the answer to every
//! part but the last is `{"done": false, "bytes": <received>, "public_id":
//! <final id>, ...}` (Python's SDK sends that public_id back on the next
//! part). The last part assembles the parts, streamed from the blob store
//! into a temporary file that is mapped, not read onto the heap, drops the
//! session and its parts, and hands the whole file to the ordinary upload:
//! the analyses run once, on the whole file.
//!
//! Rules, each refused with a 400 that names it ([`ChunkRefusal`]), leaving
//! nothing stored: parts arrive in order, each starting where the previous
//! one ended (a duplicate, an overlap or a gap is refused; of two racing
//! parts one is kept); every part but the last is at least
//! [`MIN_PART_BYTES`]; a part's file holds exactly the bytes its range says;
//! the declared total (or the bytes reached, while the total is unknown) is
//! within `ASSAY_MAX_UPLOAD_BYTES`; every part carries the parameters of the
//! first (`public_id` aside, which may be the answered one). A session whose
//! next part does not come within `ASSAY_CHUNK_EXPIRY_SECS` is dropped with
//! its parts (on access, when a new upload begins, and by a sweep every few
//! minutes).

mod headers;
mod refusal;

use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Map, Value};
use service::body::FileField;
use service::ops::Upload;
use service::params::{Naming, Params};
use service::{ApiError, AppState};
use sha2::{Digest, Sha256};
use store::chunks::{ChunkSession, ChunkedUploads, NextPart};
use tokio::io::AsyncWriteExt;

pub use headers::PartHeaders;
pub use refusal::{ChunkRefusal, MIN_PART_BYTES};

use crate::source::{self, SourceFile};

/// How often each process drops expired sessions besides on the way.
const SWEEP_INTERVAL: Duration = Duration::from_secs(300);

/// Parameters that differ between the parts of one upload by design.
const PER_PART: &[&str] = &["signature", "timestamp", "api_key", "public_id"];

/// What a part completed.
#[derive(Debug)]
pub enum Received {
    /// A part before the last: the answer to send now.
    Part(Map<String, Value>),
    /// The last part: the whole file, and the parameters that upload it under
    /// the public_id every part was answered with.
    Whole { file: SourceFile, params: Params },
}

/// Takes one part. `sent` is the request's own parameters (what every part
/// must repeat), `params` the ones the upload runs with (an unsigned
/// preset's merged in), both already authenticated and checked.
pub async fn receive(
    state: &AppState,
    part: PartHeaders,
    resource_type: &str,
    sent: &Params,
    params: Params,
    file: FileField,
) -> Result<Received, ApiError> {
    let data = part_bytes(file, &part).await?;
    let upload = Upload::from_params(resource_type, &params)?;
    let now = state.clock.now().timestamp();
    let expires_at =
        now.saturating_add(i64::try_from(state.config.chunk_expiry_secs).unwrap_or(i64::MAX));
    let uploads = state.store.chunked_uploads();
    if part.first_byte == 0 {
        if part.total == Some(part.end()) {
            // The whole file in one part: nothing to assemble.
            return Ok(Received::Whole { file: data, params });
        }
        if part.len() < MIN_PART_BYTES {
            return Err(ChunkRefusal::PartTooSmall(part.len()).into());
        }
        let session = ChunkSession {
            upload_id: part.upload_id.clone(),
            resource_type: upload.resource_type.clone(),
            params_sha256: digest(sent),
            requested_public_id: sent.get("public_id").map(str::to_owned),
            public_id: upload.naming.resolve(data.original_filename.as_deref())?,
            original_filename: data.original_filename.clone(),
            total_bytes: part.total,
            received_bytes: part.len(),
            expires_at,
        };
        return begin(&uploads, session, data.bytes, now).await;
    }

    let session = match uploads.session(&part.upload_id).await? {
        None => {
            return Err(ChunkRefusal::NotStarted {
                upload_id: part.upload_id,
                first: part.first_byte,
            }
            .into())
        }
        Some(session) if session.expires_at <= now => {
            uploads.discard(&session.upload_id).await?;
            return Err(ChunkRefusal::Expired(part.upload_id).into());
        }
        Some(session) => session,
    };
    check_continues(&session, &part, &upload, sent)?;
    let total = session.total_bytes.or(part.total);
    let is_last = total == Some(part.end());
    if !is_last && part.len() < MIN_PART_BYTES {
        return Err(ChunkRefusal::PartTooSmall(part.len()).into());
    }
    let next = NextPart {
        first_byte: part.first_byte,
        data: data.bytes,
        total_bytes: part.total,
        expires_at,
    };
    if !uploads.append(&part.upload_id, next).await? {
        // Another copy of this part got there first.
        return Err(ChunkRefusal::AlreadyReceived {
            expected: part.end(),
            first: part.first_byte,
            upload_id: part.upload_id,
        }
        .into());
    }
    if !is_last {
        return Ok(Received::Part(part_answer(&session, part.end())));
    }
    let file = assemble(&uploads, &session, part.end()).await?;
    let params = with_public_id(&params, &session)?;
    Ok(Received::Whole { file, params })
}

/// Drops expired sessions every [`SWEEP_INTERVAL`] while the process runs
/// (failures are logged and retried at the next tick).
pub fn start_sweeper(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            ticks.tick().await;
            let uploads = state.store.chunked_uploads();
            let now = state.clock.now().timestamp();
            // One batch at a time until none is left.
            loop {
                match uploads.sweep_expired(now).await {
                    Ok(removed) if i64::try_from(removed) == Ok(store::chunks::SWEEP_BATCH) => {
                        continue
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "sweeping expired chunked uploads failed");
                        break;
                    }
                }
            }
        }
    });
}

/// The part's bytes (its spooled file, mapped), which must be exactly the
/// range's length.
async fn part_bytes(file: FileField, part: &PartHeaders) -> Result<SourceFile, ApiError> {
    if !matches!(file, FileField::Spooled { .. }) {
        return Err(ChunkRefusal::NotAFilePart.into());
    }
    // A spooled part needs neither a fetcher nor a text cap.
    let data = source::load(file, None, u64::MAX).await?;
    let got = data.bytes.len() as u64;
    if got != part.len() {
        return Err(ChunkRefusal::PartSizeMismatch {
            declared: part.len(),
            got,
        }
        .into());
    }
    Ok(data)
}

/// Opens a session with its first part; an expired session under the same
/// id is dropped first, and so are a few other expired ones on the way.
async fn begin(
    uploads: &ChunkedUploads,
    session: ChunkSession,
    data: Bytes,
    now: i64,
) -> Result<Received, ApiError> {
    if let Some(old) = uploads.session(&session.upload_id).await? {
        if old.expires_at <= now {
            uploads.discard(&old.upload_id).await?;
        }
    }
    uploads.sweep_expired(now).await?;
    if !uploads.begin(&session, data).await? {
        return Err(ChunkRefusal::AlreadyStarted(session.upload_id).into());
    }
    Ok(Received::Part(part_answer(
        &session,
        session.received_bytes,
    )))
}

/// A later part continues `session` only with the same resource type,
/// parameters and declared total, and exactly where the last part ended.
fn check_continues(
    session: &ChunkSession,
    part: &PartHeaders,
    upload: &Upload,
    sent: &Params,
) -> Result<(), ChunkRefusal> {
    let upload_id = || part.upload_id.clone();
    let public_id = sent.get("public_id");
    let same_public_id = public_id == session.requested_public_id.as_deref()
        || public_id == Some(session.public_id.as_str());
    if session.resource_type != upload.resource_type
        || session.params_sha256 != digest(sent)
        || !same_public_id
    {
        return Err(ChunkRefusal::OtherParameters(upload_id()));
    }
    if let (Some(declared), Some(now)) = (session.total_bytes, part.total) {
        if declared != now {
            return Err(ChunkRefusal::TotalChanged {
                upload_id: upload_id(),
                declared,
                now,
            });
        }
    }
    if let Some(declared) = session.total_bytes {
        if part.end() > declared {
            return Err(ChunkRefusal::TotalChanged {
                upload_id: upload_id(),
                declared,
                now: part.end(),
            });
        }
    }
    let expected = session.received_bytes;
    if part.first_byte > expected {
        return Err(ChunkRefusal::OutOfOrder {
            upload_id: upload_id(),
            expected,
            first: part.first_byte,
        });
    }
    if part.first_byte < expected {
        return Err(ChunkRefusal::AlreadyReceived {
            upload_id: upload_id(),
            expected,
            first: part.first_byte,
        });
    }
    Ok(())
}

/// Streams the parts into a temporary file, maps it, and drops the session
/// and its parts whatever happened: the last part is taken once.
async fn assemble(
    uploads: &ChunkedUploads,
    session: &ChunkSession,
    total: u64,
) -> Result<SourceFile, ApiError> {
    let assembled = async {
        let spooled = tokio::task::spawn_blocking(tempfile::NamedTempFile::new)
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        let handle = spooled.as_file().try_clone().map_err(ApiError::internal)?;
        let mut out = tokio::fs::File::from_std(handle);
        let written = uploads.assemble_into(&session.upload_id, &mut out).await?;
        out.flush().await.map_err(ApiError::internal)?;
        if written != total {
            return Err(ApiError::internal(anyhow::anyhow!(
                "chunked upload {} assembled {written} of {total} bytes",
                session.upload_id
            )));
        }
        let bytes = tokio::task::spawn_blocking(move || source::map_spooled(&spooled))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        Ok::<Bytes, ApiError>(bytes)
    }
    .await;
    uploads.discard(&session.upload_id).await?;
    Ok(SourceFile {
        bytes: assembled?,
        original_filename: session.original_filename.clone(),
    })
}

/// `{"done": false, ...}`: what the upload has so far, and its final public_id.
fn part_answer(session: &ChunkSession, received: u64) -> Map<String, Value> {
    let answer = json!({
        "done": false,
        "bytes": received,
        "public_id": session.public_id,
        "resource_type": session.resource_type,
        "type": "upload",
    });
    match answer {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The digest of what every part must repeat: the request's parameters but
/// the per-part ones, each array member apart.
fn digest(sent: &Params) -> String {
    let mut hasher = Sha256::new();
    for (name, _) in sent.iter().filter(|(name, _)| !PER_PART.contains(name)) {
        hasher.update(name.as_bytes());
        for member in sent.list(name) {
            hasher.update([0]);
            hasher.update(member.as_bytes());
        }
        hasher.update([1]);
    }
    hex::encode(hasher.finalize())
}

/// `params` with `public_id` set so that, joined with the `folder` it
/// carries, it names the session's public_id (Python's last part sends the
/// answered id, folder included, next to that folder).
fn with_public_id(params: &Params, session: &ChunkSession) -> Result<Params, ApiError> {
    let folder = Naming::from_params(params)?.folder;
    let base = if folder.is_empty() {
        Some(session.public_id.as_str())
    } else {
        session.public_id.strip_prefix(&format!("{folder}/"))
    }
    .ok_or_else(|| ChunkRefusal::OtherParameters(session.upload_id.clone()))?;
    let mut rebuilt = Params::default();
    for (name, _) in params.iter().filter(|(name, _)| *name != "public_id") {
        match params.list(name).as_slice() {
            [one] => rebuilt.insert(name.to_owned(), (*one).to_owned())?,
            members => {
                for member in members {
                    rebuilt.insert(format!("{name}[]"), (*member).to_owned())?;
                }
            }
        }
    }
    rebuilt.insert("public_id".to_owned(), base.to_owned())?;
    Ok(rebuilt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::parse(pairs.iter().copied()).unwrap()
    }

    fn session(public_id: &str) -> ChunkSession {
        ChunkSession {
            upload_id: "u".into(),
            resource_type: "image".into(),
            params_sha256: String::new(),
            requested_public_id: None,
            public_id: public_id.into(),
            original_filename: None,
            total_bytes: None,
            received_bytes: 0,
            expires_at: 0,
        }
    }

    #[test]
    fn the_digest_ignores_what_changes_per_part_and_sees_everything_else() {
        let first = params(&[("timestamp", "1"), ("signature", "a"), ("phash", "1")]);
        let later = params(&[
            ("timestamp", "2"),
            ("signature", "b"),
            ("public_id", "x"),
            ("phash", "1"),
        ]);
        assert_eq!(digest(&first), digest(&later));
        assert_ne!(digest(&first), digest(&params(&[("phash", "0")])));
        assert_ne!(
            digest(&params(&[("tags[]", "a,b")])),
            digest(&params(&[("tags[]", "a"), ("tags[]", "b")])),
            "array members stay apart"
        );
    }

    #[test]
    fn the_whole_file_is_uploaded_under_the_answered_public_id() {
        let sent = params(&[
            ("folder", "f"),
            ("public_id", "f/abc"),
            ("tags[]", "a,b"),
            ("tags[]", "c"),
            ("colors", "1"),
        ]);
        let fixed = with_public_id(&sent, &session("f/abc")).unwrap();
        assert_eq!(
            Naming::from_params(&fixed).unwrap().resolve(None).unwrap(),
            "f/abc"
        );
        assert_eq!(fixed.list("tags"), ["a,b", "c"]);
        assert_eq!(fixed.get("colors"), Some("1"));
        let plain = with_public_id(&params(&[]), &session("xyz")).unwrap();
        assert_eq!(
            Naming::from_params(&plain).unwrap().resolve(None).unwrap(),
            "xyz"
        );
        assert!(with_public_id(&params(&[("folder", "g")]), &session("f/abc")).is_err());
    }
}
