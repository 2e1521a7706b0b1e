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
mod job;
mod lease;
mod legacy;
mod notify;
mod retention;
mod worker;

use bytes::Bytes;
use serde_json::{json, Map, Value};
use service::params::random_id;
use service::pipeline::{ExplicitRequest, Reply, UploadRequest};
use service::{ApiError, AppState};
use store::jobs::{JobQueue, NewJob, QueueCaps};

use self::job::Job;
use crate::source::RemoteFetcher;

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

/// Queues an upload, parsed and with its public_id chosen, of `file`; the
/// pending answer. The file must be an image the analyses can read (format,
/// size and pixel limits, judged from its header) before it is staged, and
/// the job must fit the queue's caps.
pub(crate) async fn enqueue_upload(
    state: &AppState,
    request: UploadRequest,
    file: Bytes,
) -> Result<Value, ApiError> {
    state.analyzer.check(file.clone()).await?;
    let public_id = request.public_id.clone();
    let upload = Job::Upload {
        request: Box::new(request),
    };
    let mut job = new_job(&upload, random_id(BATCH_ID_LEN), None)?;
    let queue = queue(state);
    let caps = caps(state);
    // A cheap early refusal before the file is written; the insert below
    // settles races.
    if queue
        .pending_work()
        .await?
        .would_exceed(caps, file.len() as u64)
    {
        return Err(store::StoreError::QueueFull {
            max_jobs: caps.max_jobs,
            max_bytes: caps.max_bytes,
        }
        .into());
    }
    let staged = state.store.stage(file).await?;
    let key = staged.key.clone();
    job.file = Some(staged);
    match enqueue_work(state, &queue, job, &public_id).await {
        Ok(pending) => Ok(pending),
        Err(e) => {
            state.store.discard_staged(&key).await;
            Err(e)
        }
    }
}

/// Queues a parsed explicit call; the pending answer.
pub(crate) async fn enqueue_explicit(
    state: &AppState,
    request: ExplicitRequest,
) -> Result<Value, ApiError> {
    let public_id = request.key.public_id.clone();
    let explicit = Job::Explicit {
        request: Box::new(request),
    };
    let job = new_job(&explicit, random_id(BATCH_ID_LEN), None)?;
    enqueue_work(state, &queue(state), job, &public_id).await
}

/// The queue row of `job` (a staged file is added once it is written).
fn new_job(job: &Job, batch_id: String, host: Option<String>) -> Result<NewJob, ApiError> {
    Ok(NewJob {
        kind: job.kind(),
        batch_id,
        payload: job.to_payload()?,
        file: None,
        host,
    })
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
    let batch_id = body
        .get("batch_id")
        .and_then(Value::as_str)
        .unwrap_or(notification_id)
        .to_owned();
    let job = Job::Notify {
        url: url.to_owned(),
        body,
    };
    let new = new_job(&job, batch_id, dispatch::host_of(url))?;
    let now = now_ms();
    queue(state).enqueue(&new, now, now).await?;
    wake_workers(state);
    Ok(())
}
