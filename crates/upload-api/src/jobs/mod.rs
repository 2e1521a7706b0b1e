//! Work answered now and done later, from the durable queue in the asset
//! database (`store::jobs`):
//!
//! - `async=true` uploads (file staged in the queue) and explicit calls
//!   answer `{"status": "pending", "public_id", "batch_id"}` at once;
//! - every finished call that names a `notification_url` (or runs under
//!   `ASSAY_NOTIFICATION_URL`), synchronous or not, queues a notification:
//!   the full response as a signed JSON POST, retried with backoff.
//!
//! Every process runs workers ([`start`]) that claim jobs one at a time: two
//! on PostgreSQL (claims skip rows others hold), one on SQLite (a single
//! writer anyway). A job survives its process: a SIGKILL after the answer
//! leaves it queued, or claimed under a lease no one renews, and the next
//! worker to look takes it.

mod notify;
mod worker;

use serde_json::{json, Map, Value};
use service::params::{random_id, Params};
use service::{ApiError, AppState};
use store::jobs::{JobQueue, NewJob};
use store::AssetKey;

use crate::routes::Reply;
use crate::source::SourceFile;

pub use worker::start;

/// Job kinds.
const UPLOAD: &str = "upload";
const EXPLICIT: &str = "explicit";
const NOTIFY: &str = "notify";

/// Cloudinary's batch ids: opaque, long, random.
const BATCH_ID_LEN: usize = 32;

fn queue(state: &AppState) -> JobQueue {
    JobQueue::new(state.store.database().clone())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Queues an upload whose file is already read and whose public_id is
/// chosen; the pending answer.
pub(crate) async fn enqueue_upload(
    state: &AppState,
    resource_type: &str,
    params: &Params,
    public_id: &str,
    file: SourceFile,
    reply: &Reply,
) -> Result<Value, ApiError> {
    // The job names the id chosen now (folder included), so the file name
    // or a random draw cannot pick another one when it runs.
    let folder = params
        .get("folder")
        .unwrap_or_default()
        .trim_end_matches('/');
    let base_id = if folder.is_empty() {
        public_id
    } else {
        public_id
            .strip_prefix(folder)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(public_id)
    };
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .filter(|(name, _)| !matches!(*name, "public_id" | "use_filename"))
        .chain([("public_id", base_id)])
        .collect();
    let payload = json!({
        "resource_type": resource_type,
        "params": pairs,
        "original_filename": file.original_filename,
        "reply": reply_json(reply),
    });
    enqueue(state, UPLOAD, payload, Some(file.bytes.to_vec()), public_id).await
}

/// Queues an explicit call; the pending answer.
pub(crate) async fn enqueue_explicit(
    state: &AppState,
    resource_type: &str,
    params: &Params,
    key: &AssetKey,
    reply: &Reply,
) -> Result<Value, ApiError> {
    let pairs: Vec<(&str, &str)> = params.iter().collect();
    let payload = json!({
        "resource_type": resource_type,
        "params": pairs,
        "reply": reply_json(reply),
    });
    enqueue(state, EXPLICIT, payload, None, &key.public_id).await
}

async fn enqueue(
    state: &AppState,
    kind: &str,
    payload: Value,
    file: Option<Vec<u8>>,
    public_id: &str,
) -> Result<Value, ApiError> {
    let batch_id = random_id(BATCH_ID_LEN);
    let job = NewJob {
        kind: kind.to_owned(),
        batch_id: batch_id.clone(),
        payload,
        file,
    };
    let now = now_ms();
    queue(state).enqueue(&job, now, now).await?;
    state.job_wake.notify_one();
    Ok(json!({ "status": "pending", "public_id": public_id, "batch_id": batch_id }))
}

/// Queues the notification of a finished call when the call asked for one.
pub(crate) async fn notify_if_asked(
    state: &AppState,
    reply: &Reply,
    notification_type: &str,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    if let Some(url) = &reply.notification_url {
        let batch_id = random_id(BATCH_ID_LEN);
        enqueue_notification(state, url, notification_type, body.clone(), &batch_id).await?;
    }
    Ok(())
}

/// Queues `body` (plus its `notification_type`) for delivery to `url`.
async fn enqueue_notification(
    state: &AppState,
    url: &str,
    notification_type: &str,
    mut body: Map<String, Value>,
    batch_id: &str,
) -> Result<(), ApiError> {
    body.insert("notification_type".into(), json!(notification_type));
    let job = NewJob {
        kind: NOTIFY.to_owned(),
        batch_id: batch_id.to_owned(),
        payload: json!({ "url": url, "body": body }),
        file: None,
    };
    let now = now_ms();
    queue(state).enqueue(&job, now, now).await?;
    state.job_wake.notify_one();
    Ok(())
}

fn reply_json(reply: &Reply) -> Value {
    json!({
        "base": reply.base,
        "algorithm": match reply.algorithm {
            common::signing::Algorithm::Sha1 => "sha1",
            common::signing::Algorithm::Sha256 => "sha256",
        },
        "notification_url": reply.notification_url,
    })
}

fn reply_from_json(value: &Value) -> Reply {
    Reply {
        base: value["base"].as_str().unwrap_or_default().to_owned(),
        algorithm: match value["algorithm"].as_str() {
            Some("sha256") => common::signing::Algorithm::Sha256,
            _ => common::signing::Algorithm::Sha1,
        },
        notification_url: value["notification_url"].as_str().map(str::to_owned),
    }
}

/// The parameters stored with a job, as `[[name, value], ...]`: read under
/// the same rule as the request they came from.
fn params_from_json(value: &Value) -> Result<Params, ApiError> {
    let pairs = value.as_array().into_iter().flatten().filter_map(|pair| {
        Some((
            pair.get(0)?.as_str()?.to_owned(),
            pair.get(1)?.as_str()?.to_owned(),
        ))
    });
    Params::parse(pairs)
}
