//! Finished jobs (delivered or failed notifications, done or failed async
//! work) are removed once `ASSAY_JOB_RETENTION_SECS` have passed since they
//! finished, so the queue's table holds what is pending plus a bounded tail.

use std::time::Duration;

use service::AppState;

use super::{now_ms, queue};

/// Pruning runs twice per retention period, within these bounds.
const MIN_PERIOD: Duration = Duration::from_secs(1);
const MAX_PERIOD: Duration = Duration::from_secs(600);

pub(super) fn start(state: &AppState) {
    let queue = queue(state);
    let retention_ms =
        i64::try_from(state.config.job_retention_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let period =
        Duration::from_secs(state.config.job_retention_secs / 2).clamp(MIN_PERIOD, MAX_PERIOD);
    tokio::spawn(async move {
        loop {
            match queue.prune(now_ms().saturating_sub(retention_ms)).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "finished jobs pruned"),
                Err(e) => {
                    tracing::warn!(error = %e, "pruning finished jobs failed; trying again later")
                }
            }
            tokio::time::sleep(period).await;
        }
    });
}
