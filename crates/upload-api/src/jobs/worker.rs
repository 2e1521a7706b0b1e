//! The workers that drain the job queue: claim a job, run it while renewing
//! its lease, then settle it (done, retry later, or given up).

use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Map, Value};
use service::params::Params;
use service::{ApiError, AppState};
use store::jobs::{Job, JobQueue};
use store::Database;

use super::{
    enqueue_notification, now_ms, params_from_json, queue, reply_from_json, EXPLICIT, NOTIFY,
    UPLOAD,
};
use crate::routes::{explicit::process_explicit, upload::process_upload, Reply};
use crate::source::RemoteFetcher;

/// How often an idle worker looks at the queue (a request queuing work in
/// this process wakes it at once; work queued by another replica waits for this).
const IDLE_POLL: Duration = Duration::from_millis(250);
/// Attempts of a notification before it is given up (the first and 5 retries).
const NOTIFY_ATTEMPTS: i64 = 6;
/// Attempts of an upload or explicit job that failed on our side.
const WORK_ATTEMPTS: i64 = 3;

/// How a job's run ended.
enum Outcome {
    Done,
    /// Try again after the backoff.
    Retry(String),
    /// No point retrying.
    GiveUp(String),
}

/// Starts this process's workers for `state` (once per state, however many
/// HTTP workers mount the routes).
pub fn start(state: &AppState, fetcher: Option<RemoteFetcher>) {
    let workers = match state.store.database() {
        Database::Postgres(_) => 2,
        // SQLite has one writer; a second worker would only wait for it.
        Database::Sqlite(_) => 1,
    };
    for _ in 0..workers {
        let (state, fetcher) = (state.clone(), fetcher.clone());
        tokio::spawn(async move { run(state, fetcher).await });
    }
}

async fn run(state: AppState, fetcher: Option<RemoteFetcher>) {
    let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let queue = queue(&state);
    let lease_ms =
        i64::try_from(state.config.job_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    loop {
        match queue.claim(&owner, now_ms(), lease_ms).await {
            Ok(Some(job)) => {
                run_claimed(&state, fetcher.as_ref(), &queue, &owner, lease_ms, job).await
            }
            Ok(None) => {
                tokio::select! {
                    _ = state.job_wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming a job failed; trying again");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
}

/// Runs `job` while renewing its lease, then settles it.
async fn run_claimed(
    state: &AppState,
    fetcher: Option<&RemoteFetcher>,
    queue: &JobQueue,
    owner: &str,
    lease_ms: i64,
    job: Job,
) {
    let renew_every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(1000).max(100));
    let heartbeat = async {
        loop {
            tokio::time::sleep(renew_every).await;
            match queue.heartbeat(job.id, owner, now_ms() + lease_ms).await {
                Ok(true) => {}
                // Lost (the lease ran out and another worker took it): stop
                // renewing; settling below will not apply either.
                Ok(false) => break,
                Err(e) => tracing::warn!(job = job.id, error = %e, "renewing a job lease failed"),
            }
        }
        std::future::pending::<()>().await
    };
    let outcome = tokio::select! {
        outcome = run_job(state, fetcher, queue, &job) => outcome,
        () = heartbeat => unreachable!("the heartbeat never ends"),
    };
    let settled = match outcome {
        Outcome::Done => queue.complete(job.id, owner).await,
        Outcome::Retry(error) if job.attempts < max_attempts(&job) => {
            let backoff = backoff_ms(state, job.attempts);
            tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %error, backoff_ms = backoff, "job will be retried");
            queue.retry(job.id, owner, now_ms() + backoff, &error).await
        }
        Outcome::Retry(error) | Outcome::GiveUp(error) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %error, "job given up");
            queue.fail(job.id, owner, &error).await
        }
    };
    match settled {
        Ok(true) => {}
        Ok(false) => tracing::warn!(job = job.id, "job lease lost before it was settled"),
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "settling a job failed; it will run again")
        }
    }
}

fn max_attempts(job: &Job) -> i64 {
    if job.kind == NOTIFY {
        NOTIFY_ATTEMPTS
    } else {
        WORK_ATTEMPTS
    }
}

/// The wait before the retry that follows attempt `attempts`: the configured
/// base, doubled for every attempt after the first.
fn backoff_ms(state: &AppState, attempts: i64) -> i64 {
    let base = i64::try_from(state.config.notification_backoff_ms).unwrap_or(i64::MAX);
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(1 << doublings)
}

async fn run_job(
    state: &AppState,
    fetcher: Option<&RemoteFetcher>,
    queue: &JobQueue,
    job: &Job,
) -> Outcome {
    match job.kind.as_str() {
        NOTIFY => {
            let Some(fetcher) = fetcher else {
                return Outcome::Retry("notifications are unavailable".into());
            };
            let url = job.payload["url"].as_str().unwrap_or_default();
            let body = job.payload["body"].to_string();
            match super::notify::deliver(state, fetcher, url, &body).await {
                Ok(()) => Outcome::Done,
                Err(error) => Outcome::Retry(error),
            }
        }
        UPLOAD | EXPLICIT => run_work(state, queue, job).await,
        other => Outcome::GiveUp(format!("unknown job kind {other}")),
    }
}

/// An async upload or explicit: the work, then its notification (the
/// response, or the error a synchronous call would have answered).
async fn run_work(state: &AppState, queue: &JobQueue, job: &Job) -> Outcome {
    let payload = &job.payload;
    let reply = reply_from_json(&payload["reply"]);
    let resource_type = payload["resource_type"].as_str().unwrap_or("image");
    let result = match params_from_json(&payload["params"]) {
        Ok(params) => run_job_work(state, queue, job, resource_type, &params, &reply).await,
        Err(error) => Err(error),
    };
    let (mut body, outcome) = match result {
        Ok(body) => (body, Outcome::Done),
        Err(ApiError::Internal(cause)) if job.attempts < WORK_ATTEMPTS => {
            return Outcome::Retry(format!("{cause:#}"));
        }
        Err(error) => {
            let mut body = Map::new();
            body.insert("status".into(), json!("failed"));
            body.insert("public_id".into(), json!(stored_public_id(payload)));
            body.insert("error".into(), json!({ "message": error.to_string() }));
            (body, Outcome::Done)
        }
    };
    body.insert("batch_id".into(), json!(job.batch_id));
    if let Some(url) = &reply.notification_url {
        if let Err(e) = enqueue_notification(state, url, &job.kind, body, &job.batch_id).await {
            // The work is done and stored; retrying it would redo it.
            tracing::warn!(job = job.id, error = %e, "queuing the notification failed");
        }
    }
    outcome
}

/// The `public_id` among a job's stored parameters (`[[name, value], ...]`),
/// read as it was stored, even when the parameters as a whole are refused.
fn stored_public_id(payload: &Value) -> Option<&str> {
    payload["params"]
        .as_array()?
        .iter()
        .find(|pair| pair.get(0).and_then(Value::as_str) == Some("public_id"))?
        .get(1)?
        .as_str()
}

/// The upload or explicit a job carries, as a synchronous call would run it.
async fn run_job_work(
    state: &AppState,
    queue: &JobQueue,
    job: &Job,
    resource_type: &str,
    params: &Params,
    reply: &Reply,
) -> Result<Map<String, Value>, ApiError> {
    let payload = &job.payload;
    if job.kind == UPLOAD {
        match queue.file(job.id).await {
            Ok(Some(file)) => {
                let original_filename = payload["original_filename"].as_str().map(str::to_owned);
                process_upload(
                    state,
                    resource_type,
                    params,
                    Bytes::from(file),
                    original_filename,
                    reply,
                )
                .await
            }
            Ok(None) => Err(ApiError::internal(anyhow::anyhow!(
                "the staged file of job {} is gone",
                job.id
            ))),
            Err(e) => Err(ApiError::from(e)),
        }
    } else {
        process_explicit(state, resource_type, params, reply).await
    }
}
