//! Running a claimed job while renewing its lease.

use std::future::Future;
use std::time::Duration;

use store::jobs::{Job, JobQueue};

use super::now_ms;

/// Runs `work` for `job` while renewing `owner`'s lease every third of
/// `lease_ms`. If the lease is lost (it ran out and another worker took
/// the job), renewing stops; settling will not apply either.
pub(super) async fn while_leased<T>(
    queue: &JobQueue,
    job: &Job,
    owner: &str,
    lease_ms: i64,
    work: impl Future<Output = T>,
) -> T {
    let renew_every = Duration::from_millis(u64::try_from(lease_ms / 3).unwrap_or(1000).max(100));
    let heartbeat = async {
        loop {
            tokio::time::sleep(renew_every).await;
            match queue.heartbeat(job.id, owner, now_ms() + lease_ms).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => tracing::warn!(job = job.id, error = %e, "renewing a job lease failed"),
            }
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        outcome = work => outcome,
        () = heartbeat => unreachable!("the heartbeat never ends"),
    }
}

/// The lease length configured (`ASSAY_JOB_LEASE_SECS`), in milliseconds.
pub(super) fn lease_ms(state: &service::AppState) -> i64 {
    i64::try_from(state.config.job_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// A unique owner name for one worker's claims.
pub(super) fn owner_name() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// Logs how settling a job went (`Ok(false)`: the lease was lost first).
pub(super) fn log_settled(job: &Job, settled: Result<bool, store::StoreError>) -> bool {
    match settled {
        Ok(true) => true,
        Ok(false) => {
            tracing::warn!(job = job.id, "job lease lost before it was settled");
            false
        }
        Err(e) => {
            tracing::warn!(job = job.id, error = %e, "settling a job failed; it will run again");
            false
        }
    }
}
