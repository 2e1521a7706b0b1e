//! Upload: a new file analysed and stored, and the signed response.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{duplicates, resource_body, Reply};
use crate::ops::{ingest, issue_delete_token, Upload};
use crate::{ApiError, AppState};

/// An upload as the route parsed it: everything but the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadRequest {
    pub upload: Upload,
    /// Resolved from `upload.naming` when the request arrived (folder
    /// joined), so a queued upload lands where its pending answer said.
    pub public_id: String,
    /// The file's name without extension, as stored with the asset.
    pub original_filename: Option<String>,
    /// `return_delete_token`.
    pub return_delete_token: bool,
    pub reply: Reply,
}

/// Runs `request` on `file`: the file analysed and stored, and the signed
/// response body.
pub async fn upload(
    state: &AppState,
    request: &UploadRequest,
    file: Bytes,
) -> Result<Map<String, Value>, ApiError> {
    let upload = &request.upload;
    let ingested = ingest(
        state,
        upload,
        &request.public_id,
        file,
        request.original_filename.clone(),
    )
    .await?;
    // A new version was hashed by `ingest`; an existing one kept by
    // `overwrite=0` may have to be hashed now.
    let (asset, duplicates) = duplicates(state, ingested.asset, upload.duplicates).await?;

    let mut body = resource_body(state, &asset, &upload.extraction, &request.reply).await?;
    if ingested.existing {
        body.insert("existing".into(), json!(true));
    } else if request.return_delete_token {
        // Only for what this upload wrote: an `existing` answer kept someone
        // else's asset, which the uploader must not be able to delete.
        body.insert(
            "delete_token".into(),
            json!(issue_delete_token(state, &asset).await?),
        );
    }
    if let Some(found) = duplicates {
        body.insert("duplicates".into(), json!(found));
    }
    Ok(request.reply.sign(state, &asset, body))
}
