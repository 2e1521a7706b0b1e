//! The workers that drain async work (uploads and explicit calls): claim a
//! job, run it while renewing its lease, queue its notification, then settle
//! it (done, retry later, or given up) and drop its staged original.

use std::time::Duration;

use serde_json::{json, Map, Value};
use service::pipeline::{self, UploadRequest};
use service::{ApiError, AppState};
use store::jobs::{Job as Row, JobKind, JobQueue};

use super::job::{Job, Refused, Undecodable};
use super::lease::{lease_ms, log_settled, owner_name, while_leased};
use super::{enqueue_notification, now_ms, queue};

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
    /// No run can succeed: failed now.
    GiveUp(String),
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

async fn settle(state: &AppState, queue: &JobQueue, owner: &str, job: &Row, outcome: Outcome) {
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
        Outcome::Retry(error) | Outcome::GiveUp(error) => {
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
async fn run_work(state: &AppState, queue: &JobQueue, row: &Row) -> Outcome {
    let (reply, public_id, result) = match Job::from_payload(row.kind, &row.payload) {
        Ok(Job::Upload { request }) => {
            let result = run_upload(state, queue, row, &request).await;
            (request.reply, Some(request.public_id), result)
        }
        Ok(Job::Explicit { request }) => {
            let result = pipeline::explicit(state, &request).await;
            (request.reply, Some(request.key.public_id), result)
        }
        Ok(Job::Notify { .. }) => {
            return Outcome::GiveUp(format!("notification {} claimed as work", row.id))
        }
        Err(Undecodable::Refused(refused)) => {
            let Refused {
                reply,
                public_id,
                error,
            } = *refused;
            (reply, public_id, Err(error))
        }
        Err(Undecodable::Unreadable(why)) => return Outcome::GiveUp(why),
    };
    let mut body = match result {
        Ok(body) => body,
        Err(ApiError::Internal(cause)) if row.attempts < WORK_ATTEMPTS => {
            return Outcome::Retry(format!("{cause:#}"));
        }
        Err(error) => {
            let mut body = Map::new();
            body.insert("status".into(), json!("failed"));
            body.insert("public_id".into(), json!(public_id));
            body.insert("error".into(), json!({ "message": error.to_string() }));
            body
        }
    };
    body.insert("batch_id".into(), json!(row.batch_id));
    if let Some(url) = &reply.notification_url {
        // The job's batch_id names its notification: a re-run after a crash
        // queues one a receiver recognises as the same.
        let kind = row.kind.as_str();
        if let Err(e) = enqueue_notification(state, url, kind, body, &row.batch_id).await {
            // The work is done and stored; retrying it would redo it.
            tracing::warn!(job = row.id, error = %e, "queuing the notification failed");
        }
    }
    Outcome::Done
}

/// The upload a job carries, on its staged file, as a synchronous call
/// would run it (its analysis admitted by memory like any other).
async fn run_upload(
    state: &AppState,
    queue: &JobQueue,
    row: &Row,
    request: &UploadRequest,
) -> Result<Map<String, Value>, ApiError> {
    let file = match &row.file_key {
        Some(key) => state.store.read_staged(key).await?,
        // Queued before staging moved to the blob store.
        None => queue
            .legacy_file(row.id)
            .await?
            .map(Into::into)
            .ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("the staged file of job {} is gone", row.id))
            })?,
    };
    pipeline::upload(state, request, file).await
}
