//! Work answered now and done later, from the durable queue in the asset
//! database (`store::jobs`):
//!
//! - `async=true` uploads and explicit calls answer `{"status": "pending",
//!   "public_id", "batch_id"}` at once. An upload's file is checked first
//!   (a supported image within the limits), then staged in the blob store,
//!   and the job is queued only within the deployment's caps on queued jobs
//!   and staged bytes (420 past them);
//! - every finished call that names a `notification_url` (or runs under
//!   `ASSAY_NOTIFICATION_URL`), synchronous or not, queues a notification:
//!   the full response as a signed JSON POST, retried with backoff.
//!
//! Work and notifications are drained apart: every process runs work
//! workers ([`worker`]: two on PostgreSQL, whose claims skip rows others
//! hold, one on SQLite, a single writer anyway) and a notification
//! dispatcher ([`dispatch`]: bounded deliveries, a budget per destination
//! host, a failing host backed off as a whole), so a slow receiver never
//! holds up an analysis. A job survives its process: a SIGKILL after the
//! answer leaves it queued, or claimed under a lease no one renews, and the
//! next worker to look takes it. Finished jobs are pruned after
//! `ASSAY_JOB_RETENTION_SECS` ([`retention`]).

mod dispatch;
mod lease;
mod notify;
mod retention;
mod worker;

use serde_json::{json, Map, Value};
use service::params::{random_id, Params};
use service::{ApiError, AppState};
use store::jobs::{JobKind, JobQueue, NewJob, QueueCaps};
use store::AssetKey;

use crate::routes::Reply;
use crate::source::{RemoteFetcher, SourceFile};

/// Cloudinary's batch ids: opaque, long, random.
const BATCH_ID_LEN: usize = 32;

/// Starts this process's work workers, notification dispatcher and pruner
/// for `state` (once per state, however many HTTP workers mount the routes).
pub fn start(state: &AppState, fetcher: Option<RemoteFetcher>) {
    worker::start(state);
    // Without a fetcher notifications stay queued (the error is logged at
    // start-up) for a process that has one.
    if let Some(fetcher) = fetcher {
        dispatch::start(state, fetcher);
    }
    retention::start(state);
}

fn queue(state: &AppState) -> JobQueue {
    state.store.jobs()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Wakes every worker of this process: one wake is remembered for a worker
/// that is not waiting yet.
fn wake_workers(state: &AppState) {
    state.job_wake.notify_waiters();
    state.job_wake.notify_one();
}

/// Queues an upload whose file is already read and whose public_id is
/// chosen; the pending answer. The file must be an image the analyses can
/// read (format, size and pixel limits, judged from its header) before it
/// is staged, and the job must fit the queue's caps.
pub(crate) async fn enqueue_upload(
    state: &AppState,
    resource_type: &str,
    params: &Params,
    public_id: &str,
    file: SourceFile,
    reply: &Reply,
) -> Result<Value, ApiError> {
    state.analyzer.check(file.bytes.clone()).await?;
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
    let queue = queue(state);
    let caps = caps(state);
    // A cheap early refusal before the file is written; the insert below
    // settles races.
    if queue
        .pending_work()
        .await?
        .would_exceed(caps, file.bytes.len() as u64)
    {
        return Err(store::StoreError::QueueFull {
            max_jobs: caps.max_jobs,
            max_bytes: caps.max_bytes,
        }
        .into());
    }
    let staged = state.store.stage(file.bytes).await?;
    let key = staged.key.clone();
    let job = new_job(JobKind::Upload, payload, Some(staged));
    match enqueue_work(state, &queue, job, public_id).await {
        Ok(pending) => Ok(pending),
        Err(e) => {
            state.store.discard_staged(&key).await;
            Err(e)
        }
    }
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
    let job = new_job(JobKind::Explicit, payload, None);
    enqueue_work(state, &queue(state), job, &key.public_id).await
}

fn new_job(kind: JobKind, payload: Value, file: Option<store::jobs::StagedFile>) -> NewJob {
    NewJob {
        kind,
        batch_id: random_id(BATCH_ID_LEN),
        payload,
        file,
        host: None,
    }
}

fn caps(state: &AppState) -> QueueCaps {
    QueueCaps {
        max_jobs: state.config.async_queue_jobs,
        max_bytes: state.config.async_queue_bytes,
    }
}

async fn enqueue_work(
    state: &AppState,
    queue: &JobQueue,
    job: NewJob,
    public_id: &str,
) -> Result<Value, ApiError> {
    queue.enqueue_within(&job, now_ms(), caps(state)).await?;
    wake_workers(state);
    Ok(json!({ "status": "pending", "public_id": public_id, "batch_id": job.batch_id }))
}

/// Queues the notification of a finished call when the call asked for one.
pub(crate) async fn notify_if_asked(
    state: &AppState,
    reply: &Reply,
    notification_type: &str,
    body: &Map<String, Value>,
) -> Result<(), ApiError> {
    if let Some(url) = &reply.notification_url {
        let id = random_id(BATCH_ID_LEN);
        enqueue_notification(state, url, notification_type, body.clone(), &id).await?;
    }
    Ok(())
}

/// Queues `body` (plus its `notification_type` and `notification_id`) for
/// delivery to `url`. `notification_id` names the call: every delivery of
/// this notification carries it, so a receiver can drop a repeat.
async fn enqueue_notification(
    state: &AppState,
    url: &str,
    notification_type: &str,
    mut body: Map<String, Value>,
    notification_id: &str,
) -> Result<(), ApiError> {
    body.insert("notification_type".into(), json!(notification_type));
    body.insert("notification_id".into(), json!(notification_id));
    let job = NewJob {
        kind: JobKind::Notify,
        batch_id: body
            .get("batch_id")
            .and_then(Value::as_str)
            .unwrap_or(notification_id)
            .to_owned(),
        payload: json!({ "url": url, "body": body }),
        file: None,
        host: dispatch::host_of(url),
    };
    let now = now_ms();
    queue(state).enqueue(&job, now, now).await?;
    wake_workers(state);
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
