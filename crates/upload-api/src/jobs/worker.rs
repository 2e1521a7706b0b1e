//! The workers that drain async work (uploads and explicit calls): claim a
//! job, run it while renewing its lease, queue its notification, then settle
//! it (done, retry later, or given up) and drop its staged original.

use std::time::Duration;

use serde_json::{json, Map, Value};
use service::params::Params;
use service::{ApiError, AppState};
use store::jobs::{Job, JobKind, JobQueue};

use super::lease::{lease_ms, log_settled, owner_name, while_leased};
use super::{enqueue_notification, now_ms, params_from_json, queue, reply_from_json};
use crate::routes::{explicit::process_explicit, upload::process_upload, Reply};

/// How often an idle worker looks at the queue (a request queuing work in
/// this process wakes it at once; work queued by another replica waits for this).
pub(super) const IDLE_POLL: Duration = Duration::from_millis(250);
/// Attempts of an upload or explicit job that failed on our side.
const WORK_ATTEMPTS: i64 = 3;

/// How a job's run ended.
enum Outcome {
    Done,
    /// Try again after the backoff.
    Retry(String),
}

/// Starts this process's work workers.
pub(super) fn start(state: &AppState) {
    // With one database writer (SQLite) a second worker would only wait for it.
    let workers = if state.store.has_concurrent_writers() {
        2
    } else {
        1
    };
    for _ in 0..workers {
        let state = state.clone();
        tokio::spawn(async move { run(state).await });
    }
}

async fn run(state: AppState) {
    let owner = owner_name();
    let queue = queue(&state);
    let lease_ms = lease_ms(&state);
    loop {
        match queue
            .claim(&owner, now_ms(), lease_ms, JobKind::WORK, &[])
            .await
        {
            Ok(Some(job)) => {
                let outcome = while_leased(&queue, &job, &owner, lease_ms, async {
                    run_work(&state, &queue, &job).await
                })
                .await;
                settle(&state, &queue, &owner, &job, outcome).await;
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

async fn settle(state: &AppState, queue: &JobQueue, owner: &str, job: &Job, outcome: Outcome) {
    let (settled, finished) = match outcome {
        Outcome::Done => (queue.complete(job.id, owner, now_ms()).await, true),
        Outcome::Retry(error) if job.attempts < WORK_ATTEMPTS => {
            let backoff = backoff_ms(state, job.attempts);
            tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %error, backoff_ms = backoff, "job will be retried");
            (
                queue.retry(job.id, owner, now_ms() + backoff, &error).await,
                false,
            )
        }
        Outcome::Retry(error) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %error, "job given up");
            (queue.fail(job.id, owner, &error, now_ms()).await, true)
        }
    };
    // The row no longer names the staged original once it is settled for good.
    if log_settled(job, settled) && finished {
        if let Some(key) = &job.file_key {
            state.store.discard_staged(key).await;
        }
    }
}

/// The wait before the retry that follows attempt `attempts`: the configured
/// base, doubled for every attempt after the first.
pub(super) fn backoff_ms(state: &AppState, attempts: i64) -> i64 {
    let base = i64::try_from(state.config.notification_backoff_ms).unwrap_or(i64::MAX);
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(1 << doublings)
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
    let mut body = match result {
        Ok(body) => body,
        Err(ApiError::Internal(cause)) if job.attempts < WORK_ATTEMPTS => {
            return Outcome::Retry(format!("{cause:#}"));
        }
        Err(error) => {
            let mut body = Map::new();
            body.insert("status".into(), json!("failed"));
            body.insert("public_id".into(), json!(stored_public_id(payload)));
            body.insert("error".into(), json!({ "message": error.to_string() }));
            body
        }
    };
    body.insert("batch_id".into(), json!(job.batch_id));
    if let Some(url) = &reply.notification_url {
        // The job's batch_id names its notification: a re-run after a crash
        // queues one a receiver recognises as the same.
        let kind = job.kind.as_str();
        if let Err(e) = enqueue_notification(state, url, kind, body, &job.batch_id).await {
            // The work is done and stored; retrying it would redo it.
            tracing::warn!(job = job.id, error = %e, "queuing the notification failed");
        }
    }
    Outcome::Done
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

/// The upload or explicit a job carries, as a synchronous call would run it
/// (its analysis admitted by memory like any other).
async fn run_job_work(
    state: &AppState,
    queue: &JobQueue,
    job: &Job,
    resource_type: &str,
    params: &Params,
    reply: &Reply,
) -> Result<Map<String, Value>, ApiError> {
    match job.kind {
        JobKind::Upload => {
            let file = match &job.file_key {
                Some(key) => state.store.read_staged(key).await?,
                // Queued before staging moved to the blob store.
                None => queue
                    .legacy_file(job.id)
                    .await?
                    .map(Into::into)
                    .ok_or_else(|| {
                        ApiError::internal(anyhow::anyhow!(
                            "the staged file of job {} is gone",
                            job.id
                        ))
                    })?,
            };
            let original_filename = job.payload["original_filename"].as_str().map(str::to_owned);
            process_upload(state, resource_type, params, file, original_filename, reply).await
        }
        JobKind::Explicit => process_explicit(state, resource_type, params, reply).await,
        JobKind::Notify => Err(ApiError::internal(anyhow::anyhow!(
            "notification {} claimed as work",
            job.id
        ))),
    }
}
