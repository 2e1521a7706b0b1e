//! The durable job queue in the asset database: work accepted with an answer
//! now (`async=true`) and notifications still to deliver survive a crash and
//! are shared by every replica.
//!
//! A worker *claims* one ready job in a single `UPDATE`: on PostgreSQL the
//! row is picked with `FOR UPDATE SKIP LOCKED`, so replicas claiming at once
//! get different jobs without waiting on each other; on SQLite the statement
//! runs under the database write lock, which serialises claims. A claim is a
//! lease: the worker extends it while it works ([`JobQueue::heartbeat`]); a
//! job whose lease ran out (its worker died) is ready again. Finishing,
//! retrying or failing a job only takes effect for the lease's owner, so a
//! worker that lost its lease cannot settle a job another one now runs.
//!
//! Finished jobs (done or failed) stay, with the time they finished, until
//! [`JobQueue::prune`] removes them after the retention period. An async
//! upload's original is staged in the blob store (the row names its key and
//! size, `file_key` / `file_bytes`), never in the row: queued upload and
//! explicit jobs are counted against per-deployment caps when they are added
//! ([`JobQueue::enqueue_within`]).

use std::fmt;

use serde_json::Value;

use crate::db::{with_pool, Database};
use crate::StoreError;

/// What a job does. Upload and explicit jobs are *work* (analyses, drained by
/// the work workers); notifications are drained apart, so a slow receiver
/// never holds up an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    Upload,
    Explicit,
    Notify,
}

impl JobKind {
    pub const WORK: &'static [JobKind] = &[JobKind::Upload, JobKind::Explicit];
    pub const NOTIFY: &'static [JobKind] = &[JobKind::Notify];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Upload => "upload",
            JobKind::Explicit => "explicit",
            JobKind::Notify => "notify",
        }
    }

    fn parse(kind: &str) -> Option<JobKind> {
        [JobKind::Upload, JobKind::Explicit, JobKind::Notify]
            .into_iter()
            .find(|k| k.as_str() == kind)
    }

    /// `'upload', 'explicit'`: an SQL list of constant names (never user input).
    fn sql_list(kinds: &[JobKind]) -> String {
        kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An original staged in the blob store for a queued upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    pub key: String,
    pub bytes: u64,
}

/// A job to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    /// Shown to the client (`batch_id`); shared by a job and its notification.
    pub batch_id: String,
    pub payload: Value,
    /// A staged original (async uploads).
    pub file: Option<StagedFile>,
    /// A notification's destination (`host:port`), for its per-host budget.
    pub host: Option<String>,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub batch_id: String,
    pub payload: Value,
    /// Claims so far, this one included.
    pub attempts: i64,
    /// Blob key of the staged original, if any.
    pub file_key: Option<String>,
    pub host: Option<String>,
}

/// The caps on queued work (`ASSAY_ASYNC_QUEUE_JOBS`, `ASSAY_ASYNC_QUEUE_BYTES`):
/// upload and explicit jobs queued or running, and their staged bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCaps {
    pub max_jobs: u64,
    pub max_bytes: u64,
}

/// Upload and explicit jobs queued or running, and their staged bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingWork {
    pub jobs: u64,
    pub bytes: u64,
}

impl PendingWork {
    /// True when one more job staging `bytes` would pass `caps`.
    pub fn would_exceed(&self, caps: QueueCaps, bytes: u64) -> bool {
        self.jobs >= caps.max_jobs || self.bytes.saturating_add(bytes) > caps.max_bytes
    }
}

/// How many jobs are in each state (tests, metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
    pub done: i64,
}

/// One row as it stands (tests, diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSummary {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub host: Option<String>,
    pub last_error: Option<String>,
}

/// The queue. Cheap to clone.
#[derive(Debug, Clone)]
pub struct JobQueue {
    db: Database,
}

type JobRow = (
    i64,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

const INSERT: &str = "INSERT INTO jobs (kind, batch_id, payload, file_key, file_bytes, host, run_after, created_at) ";
/// Upload and explicit jobs still to run (what the caps count).
const PENDING_WORK: &str =
    "FROM jobs WHERE kind IN ('upload', 'explicit') AND state IN ('queued', 'running')";
/// Serialises capped inserts on PostgreSQL (SQLite's one writer does it there).
const CAP_LOCK: i64 = 0x0400_0001;

impl JobQueue {
    pub(crate) fn new(db: Database) -> Self {
        JobQueue { db }
    }

    /// Adds `job`, ready at `run_after_ms` (unix milliseconds); its id.
    pub async fn enqueue(
        &self,
        job: &NewJob,
        now_ms: i64,
        run_after_ms: i64,
    ) -> Result<i64, StoreError> {
        let sql = format!("{INSERT}VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id");
        let columns = JobColumns::of(job);
        let id: i64 = with_pool!(&self.db, pool => {
            columns
                .bind(sqlx::query_scalar(&sql), run_after_ms, now_ms)
                .fetch_one(pool)
                .await?
        });
        Ok(id)
    }

    /// Adds `job`, ready now, unless the work already queued (this job
    /// included) would pass `caps`: then nothing is added and the answer is
    /// `StoreError::QueueFull`. The check and the insert are one step for
    /// every replica: one statement under SQLite's write lock, a transaction
    /// holding an advisory lock on PostgreSQL.
    pub async fn enqueue_within(
        &self,
        job: &NewJob,
        now_ms: i64,
        caps: QueueCaps,
    ) -> Result<i64, StoreError> {
        let sql = format!(
            "{INSERT}SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
             WHERE (SELECT COUNT(*) {PENDING_WORK}) < $9 \
             AND (SELECT COALESCE(SUM(file_bytes), 0) {PENDING_WORK}) + $5 <= $10 RETURNING id"
        );
        let columns = JobColumns::of(job);
        let max_jobs = i64::try_from(caps.max_jobs).unwrap_or(i64::MAX);
        let max_bytes = i64::try_from(caps.max_bytes).unwrap_or(i64::MAX);
        macro_rules! insert {
            ($executor:expr) => {
                columns
                    .bind(sqlx::query_scalar(&sql), now_ms, now_ms)
                    .bind(max_jobs)
                    .bind(max_bytes)
                    .fetch_optional($executor)
                    .await?
            };
        }
        let id: Option<i64> = match &self.db {
            Database::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(CAP_LOCK)
                    .execute(&mut *tx)
                    .await?;
                let id = insert!(&mut *tx);
                tx.commit().await?;
                id
            }
            Database::Sqlite(pool) => insert!(pool),
        };
        id.ok_or(StoreError::QueueFull {
            max_jobs: caps.max_jobs,
            max_bytes: caps.max_bytes,
        })
    }

    /// Claims the oldest ready job of one of `kinds` for `owner` until
    /// `now_ms + lease_ms`: a queued job whose time has come, or a running
    /// one whose lease ran out. Jobs bound for one of `skip_hosts` (those at
    /// their concurrency budget in this process) are left for later.
    pub async fn claim(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        kinds: &[JobKind],
        skip_hosts: &[String],
    ) -> Result<Option<Job>, StoreError> {
        let skip = if skip_hosts.is_empty() {
            String::new()
        } else {
            let placeholders: Vec<String> = (0..skip_hosts.len())
                .map(|i| format!("${}", i + 4))
                .collect();
            format!(
                " AND (host IS NULL OR host NOT IN ({}))",
                placeholders.join(", ")
            )
        };
        let pick = format!(
            "SELECT id FROM jobs WHERE kind IN ({}){skip} AND ((state = 'queued' AND run_after <= $3) \
             OR (state = 'running' AND lease_until < $3)) ORDER BY run_after, id LIMIT 1",
            JobKind::sql_list(kinds)
        );
        let claim = |lock: &str| {
            format!(
                "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
                 attempts = attempts + 1 WHERE id = ({pick}{lock}) \
                 RETURNING id, kind, batch_id, payload, attempts, file_key, host"
            )
        };
        let lock = match &self.db {
            Database::Postgres(_) => " FOR UPDATE SKIP LOCKED",
            Database::Sqlite(_) => "",
        };
        let sql = claim(lock);
        let row: Option<JobRow> = with_pool!(&self.db, pool => {
            let mut query = sqlx::query_as(&sql)
                .bind(owner)
                .bind(now_ms + lease_ms)
                .bind(now_ms);
            for host in skip_hosts {
                query = query.bind(host);
            }
            query.fetch_optional(pool).await?
        });
        row.map(|(id, kind, batch_id, payload, attempts, file_key, host)| {
            let corrupt = |reason: String| StoreError::CorruptRow {
                asset_id: format!("job {id}"),
                reason,
            };
            let payload = serde_json::from_str(&payload).map_err(|e| corrupt(e.to_string()))?;
            let kind = JobKind::parse(&kind).ok_or_else(|| corrupt(format!("kind {kind}")))?;
            Ok(Job {
                id,
                kind,
                batch_id,
                payload,
                attempts,
                file_key,
                host,
            })
        })
        .transpose()
    }

    /// The file of job `id` as rows queued before files were staged in the
    /// blob store held it (migration 0400), if it has one.
    pub async fn legacy_file(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let file: Option<Option<Vec<u8>>> = with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT file FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(file.flatten())
    }

    /// Extends `owner`'s lease on job `id`; `false` when it is no longer theirs.
    pub async fn heartbeat(
        &self,
        id: i64,
        owner: &str,
        lease_until_ms: i64,
    ) -> Result<bool, StoreError> {
        self.settle(
            "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
            id,
            owner,
            Some(lease_until_ms),
            None,
        )
        .await
    }

    /// The job is done: it stays, `done`, until pruned; its staged file is
    /// no longer its (the caller deletes the blob).
    pub async fn complete(&self, id: i64, owner: &str, now_ms: i64) -> Result<bool, StoreError> {
        self.settle(
            "UPDATE jobs SET state = 'done', file = NULL, file_key = NULL, lease_owner = NULL, \
             lease_until = NULL, finished_at = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
            id,
            owner,
            Some(now_ms),
            None,
        )
        .await
    }

    /// The attempt failed; the job is ready again at `run_after_ms`.
    pub async fn retry(
        &self,
        id: i64,
        owner: &str,
        run_after_ms: i64,
        error: &str,
    ) -> Result<bool, StoreError> {
        self.settle(
            "UPDATE jobs SET state = 'queued', run_after = $3, lease_owner = NULL, lease_until = NULL, \
             last_error = $4 WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
            id,
            owner,
            Some(run_after_ms),
            Some(error),
        )
        .await
    }

    /// Puts the job back, ready at `run_after_ms`, without counting the
    /// claim as an attempt (its destination is backed off).
    pub async fn defer(&self, id: i64, owner: &str, run_after_ms: i64) -> Result<bool, StoreError> {
        self.settle(
            "UPDATE jobs SET state = 'queued', run_after = $3, lease_owner = NULL, lease_until = NULL, \
             attempts = attempts - 1 WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
            id,
            owner,
            Some(run_after_ms),
            None,
        )
        .await
    }

    /// Gives up on the job; it stays, `failed`, with its last error, until
    /// pruned; its staged file is no longer its (the caller deletes the blob).
    pub async fn fail(
        &self,
        id: i64,
        owner: &str,
        error: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let affected = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'failed', file = NULL, file_key = NULL, lease_owner = NULL, \
                 lease_until = NULL, last_error = $3, finished_at = $4 \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
            )
            .bind(id)
            .bind(owner)
            .bind(error)
            .bind(now_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(affected == 1)
    }

    /// Moves every queued notification bound for `host` to `until_ms` at
    /// the earliest (the destination keeps failing); how many.
    pub async fn back_off_host(&self, host: &str, until_ms: i64) -> Result<u64, StoreError> {
        let affected = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE jobs SET run_after = $2 WHERE kind = 'notify' AND host = $1 \
                 AND state = 'queued' AND run_after < $2",
            )
            .bind(host)
            .bind(until_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(affected)
    }

    /// Removes the jobs that finished (done or failed) before
    /// `finished_before_ms`; how many.
    pub async fn prune(&self, finished_before_ms: i64) -> Result<u64, StoreError> {
        let affected = with_pool!(&self.db, pool => {
            sqlx::query(
                "DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1",
            )
            .bind(finished_before_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(affected)
    }

    /// The work the caps count now.
    pub async fn pending_work(&self) -> Result<PendingWork, StoreError> {
        let sql =
            format!("SELECT COUNT(*), CAST(COALESCE(SUM(file_bytes), 0) AS BIGINT) {PENDING_WORK}");
        let (jobs, bytes): (i64, i64) = with_pool!(&self.db, pool => {
            sqlx::query_as(&sql).fetch_one(pool).await?
        });
        Ok(PendingWork {
            jobs: u64::try_from(jobs).unwrap_or(0),
            bytes: u64::try_from(bytes).unwrap_or(0),
        })
    }

    /// Jobs per state.
    pub async fn depth(&self) -> Result<QueueDepth, StoreError> {
        let rows: Vec<(String, i64)> = with_pool!(&self.db, pool => {
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
                .fetch_all(pool)
                .await?
        });
        let mut depth = QueueDepth::default();
        for (state, count) in rows {
            match state.as_str() {
                "queued" => depth.queued = count,
                "running" => depth.running = count,
                "failed" => depth.failed = count,
                "done" => depth.done = count,
                _ => {}
            }
        }
        Ok(depth)
    }

    /// Every row, oldest first.
    pub async fn summaries(&self) -> Result<Vec<JobSummary>, StoreError> {
        type Row = (i64, String, String, i64, Option<String>, Option<String>);
        let rows: Vec<Row> = with_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT id, kind, state, attempts, host, last_error FROM jobs ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, kind, state, attempts, host, last_error)| JobSummary {
                id,
                kind,
                state,
                attempts,
                host,
                last_error,
            })
            .collect())
    }

    /// Runs a statement on job `id` held by `owner`; true when it applied.
    async fn settle(
        &self,
        sql: &str,
        id: i64,
        owner: &str,
        third: Option<i64>,
        fourth: Option<&str>,
    ) -> Result<bool, StoreError> {
        let affected = with_pool!(&self.db, pool => {
            let mut query = sqlx::query(sql).bind(id).bind(owner);
            if let Some(value) = third {
                query = query.bind(value);
            }
            if let Some(value) = fourth {
                query = query.bind(value);
            }
            query.execute(pool).await?.rows_affected()
        });
        Ok(affected == 1)
    }
}

/// The eight columns a new job row is written with (`INSERT`'s order), as
/// both enqueue statements bind them.
struct JobColumns<'a> {
    kind: &'static str,
    batch_id: &'a str,
    payload: String,
    file_key: Option<&'a str>,
    file_bytes: i64,
    host: Option<&'a str>,
}

impl<'a> JobColumns<'a> {
    fn of(job: &'a NewJob) -> JobColumns<'a> {
        JobColumns {
            kind: job.kind.as_str(),
            batch_id: &job.batch_id,
            payload: job.payload.to_string(),
            file_key: job.file.as_ref().map(|f| f.key.as_str()),
            file_bytes: job
                .file
                .as_ref()
                .map_or(0, |f| i64::try_from(f.bytes).unwrap_or(i64::MAX)),
            host: job.host.as_deref(),
        }
    }

    /// `query` with `$1`-`$8` bound: the columns, then when the job may run
    /// and when it was queued.
    fn bind<'q, DB, O>(
        &'q self,
        query: sqlx::query::QueryScalar<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>,
        run_after_ms: i64,
        now_ms: i64,
    ) -> sqlx::query::QueryScalar<'q, DB, O, <DB as sqlx::Database>::Arguments<'q>>
    where
        DB: sqlx::Database,
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        query
            .bind(self.kind)
            .bind(self.batch_id)
            .bind(self.payload.as_str())
            .bind(self.file_key)
            .bind(self.file_bytes)
            .bind(self.host)
            .bind(run_after_ms)
            .bind(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Backend, Sandbox};
    use serde_json::json;

    const LEASE: i64 = 1_000;
    const ALL: &[JobKind] = &[JobKind::Upload, JobKind::Explicit, JobKind::Notify];

    async fn queue(sandbox: &Sandbox) -> JobQueue {
        JobQueue::new(sandbox.store().await.expect("store").database().clone())
    }

    fn job(n: u32) -> NewJob {
        NewJob {
            kind: JobKind::Upload,
            batch_id: format!("batch{n}"),
            payload: json!({ "n": n }),
            file: Some(StagedFile {
                key: format!("staged/{n}"),
                bytes: 3,
            }),
            host: None,
        }
    }

    fn notification(n: u32, host: &str) -> NewJob {
        NewJob {
            kind: JobKind::Notify,
            file: None,
            host: Some(host.to_owned()),
            ..job(n)
        }
    }

    #[tokio::test]
    async fn jobs_are_claimed_in_order_once_and_completed() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            let first = queue.enqueue(&job(1), 0, 0).await.unwrap();
            queue.enqueue(&job(2), 0, 0).await.unwrap();
            queue.enqueue(&job(3), 0, 5_000).await.unwrap();

            let a = queue
                .claim("a", 10, LEASE, ALL, &[])
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (a.id, a.attempts, &a.payload, a.kind),
                (first, 1, &json!({"n": 1}), JobKind::Upload),
                "{backend}"
            );
            assert_eq!(a.file_key.as_deref(), Some("staged/1"));
            let b = queue
                .claim("b", 10, LEASE, ALL, &[])
                .await
                .unwrap()
                .unwrap();
            assert_eq!(b.batch_id, "batch2");
            assert_eq!(
                queue.claim("c", 10, LEASE, ALL, &[]).await.unwrap(),
                None,
                "{backend}: job 3 is not due yet, 1 and 2 are taken"
            );
            assert!(
                !queue.complete(a.id, "b", 20).await.unwrap(),
                "only the owner settles"
            );
            assert!(queue.complete(a.id, "a", 20).await.unwrap());
            assert_eq!(
                queue.depth().await.unwrap(),
                QueueDepth {
                    queued: 1,
                    running: 1,
                    failed: 0,
                    done: 1,
                }
            );
        }
    }

    #[tokio::test]
    async fn an_expired_lease_is_claimed_again_and_the_old_owner_loses_it() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            queue.enqueue(&job(1), 0, 0).await.unwrap();
            let dead = queue
                .claim("dead", 0, LEASE, ALL, &[])
                .await
                .unwrap()
                .unwrap();
            assert!(queue.heartbeat(dead.id, "dead", 2 * LEASE).await.unwrap());
            assert_eq!(
                queue
                    .claim("new", LEASE + 1, LEASE, ALL, &[])
                    .await
                    .unwrap(),
                None,
                "heartbeat held it"
            );
            let again = queue
                .claim("new", 2 * LEASE + 1, LEASE, ALL, &[])
                .await
                .unwrap()
                .unwrap();
            assert_eq!((again.id, again.attempts), (dead.id, 2), "{backend}");
            assert!(!queue.complete(dead.id, "dead", 0).await.unwrap());
            assert!(!queue.heartbeat(dead.id, "dead", 9 * LEASE).await.unwrap());
            assert!(queue.complete(again.id, "new", 0).await.unwrap());
        }
    }

    #[tokio::test]
    async fn retries_wait_and_failures_stay_with_their_error_until_pruned() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            queue.enqueue(&job(1), 0, 0).await.unwrap();
            let first = queue.claim("w", 0, LEASE, ALL, &[]).await.unwrap().unwrap();
            assert!(queue
                .retry(first.id, "w", 500, "receiver said 500")
                .await
                .unwrap());
            assert_eq!(
                queue.claim("w", 499, LEASE, ALL, &[]).await.unwrap(),
                None,
                "{backend}"
            );
            let second = queue
                .claim("w", 500, LEASE, ALL, &[])
                .await
                .unwrap()
                .unwrap();
            assert_eq!(second.attempts, 2);
            assert!(queue.fail(second.id, "w", "gave up", 600).await.unwrap());
            assert_eq!(
                queue.claim("w", 10_000, LEASE, ALL, &[]).await.unwrap(),
                None
            );
            let rows = queue.summaries().await.unwrap();
            assert_eq!(
                (rows[0].state.as_str(), rows[0].last_error.as_deref()),
                ("failed", Some("gave up"))
            );
            assert_eq!(queue.depth().await.unwrap().failed, 1);

            queue.enqueue(&job(2), 0, 0).await.unwrap();
            let done = queue.claim("w", 0, LEASE, ALL, &[]).await.unwrap().unwrap();
            assert!(queue.complete(done.id, "w", 900).await.unwrap());
            assert_eq!(
                queue.prune(600).await.unwrap(),
                0,
                "none finished before 600"
            );
            assert_eq!(queue.prune(601).await.unwrap(), 1, "the failed one");
            assert_eq!(queue.prune(901).await.unwrap(), 1, "the done one");
            assert!(queue.summaries().await.unwrap().is_empty(), "{backend}");
        }
    }

    #[tokio::test]
    async fn work_and_notifications_are_claimed_apart_and_busy_hosts_skipped() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            let dead = queue
                .enqueue(&notification(1, "dead:80"), 0, 0)
                .await
                .unwrap();
            let live = queue
                .enqueue(&notification(2, "live:80"), 0, 0)
                .await
                .unwrap();
            let work = queue.enqueue(&job(3), 0, 0).await.unwrap();

            let claimed = queue
                .claim("w", 0, LEASE, JobKind::WORK, &[])
                .await
                .unwrap();
            assert_eq!(claimed.map(|j| j.id), Some(work), "{backend}");
            let skipping = ["dead:80".to_owned()];
            let claimed = queue
                .claim("n", 0, LEASE, JobKind::NOTIFY, &skipping)
                .await
                .unwrap();
            assert_eq!(
                claimed.map(|j| (j.id, j.host)),
                Some((live, Some("live:80".into())))
            );
            assert_eq!(
                queue
                    .claim("n", 0, LEASE, JobKind::NOTIFY, &skipping)
                    .await
                    .unwrap(),
                None,
                "only the skipped host's job is left"
            );
            assert!(queue.complete(live, "n", 0).await.unwrap());
            assert!(queue.complete(work, "w", 0).await.unwrap());
            // A failing host is backed off as a whole; a deferred claim is no attempt.
            let held = queue
                .claim("n", 0, LEASE, JobKind::NOTIFY, &[])
                .await
                .unwrap()
                .unwrap();
            assert_eq!(held.id, dead);
            assert!(queue.defer(dead, "n", 0).await.unwrap());
            assert_eq!(queue.back_off_host("dead:80", 5_000).await.unwrap(), 1);
            assert_eq!(
                queue
                    .claim("n", 4_999, LEASE, JobKind::NOTIFY, &[])
                    .await
                    .unwrap(),
                None
            );
            let again = queue
                .claim("n", 5_000, LEASE, JobKind::NOTIFY, &[])
                .await
                .unwrap()
                .unwrap();
            assert_eq!((again.id, again.attempts), (dead, 1), "{backend}");
        }
    }

    #[tokio::test]
    async fn queued_work_is_capped_by_jobs_and_staged_bytes() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            let caps = QueueCaps {
                max_jobs: 3,
                max_bytes: 10,
            };
            let sized = |n: u32, bytes: u64| NewJob {
                file: Some(StagedFile {
                    key: format!("staged/{n}"),
                    bytes,
                }),
                ..job(n)
            };
            queue.enqueue_within(&sized(1, 6), 0, caps).await.unwrap();
            let over_bytes = queue.enqueue_within(&sized(2, 5), 0, caps).await;
            assert!(
                matches!(over_bytes, Err(StoreError::QueueFull { .. })),
                "{backend}: 6 + 5 bytes > 10"
            );
            queue.enqueue_within(&sized(3, 4), 0, caps).await.unwrap();
            queue.enqueue_within(&sized(4, 0), 0, caps).await.unwrap();
            assert!(matches!(
                queue.enqueue_within(&sized(5, 0), 0, caps).await,
                Err(StoreError::QueueFull { .. })
            ));
            // Notifications do not count; finished work no longer does.
            queue.enqueue(&notification(6, "h:1"), 0, 0).await.unwrap();
            let first = queue
                .claim("w", 0, LEASE, JobKind::WORK, &[])
                .await
                .unwrap()
                .unwrap();
            assert!(queue.complete(first.id, "w", 1).await.unwrap());
            queue.enqueue_within(&sized(7, 6), 0, caps).await.unwrap();
            assert_eq!(queue.depth().await.unwrap().queued, 4, "{backend}");
        }
    }

    #[tokio::test]
    async fn concurrent_capped_enqueues_never_pass_the_cap() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            let caps = QueueCaps {
                max_jobs: 5,
                max_bytes: u64::MAX,
            };
            let tries: Vec<_> = (0..20)
                .map(|n| {
                    let queue = queue.clone();
                    tokio::spawn(async move { queue.enqueue_within(&job(n), 0, caps).await })
                })
                .collect();
            let mut accepted = 0;
            for attempt in tries {
                match attempt.await.unwrap() {
                    Ok(_) => accepted += 1,
                    Err(StoreError::QueueFull { .. }) => {}
                    Err(other) => panic!("{backend}: {other}"),
                }
            }
            assert_eq!(accepted, 5, "{backend}");
        }
    }

    #[tokio::test]
    async fn concurrent_claims_never_share_a_job() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            for n in 0..30 {
                queue.enqueue(&job(n), 0, 0).await.unwrap();
            }
            let workers: Vec<_> = (0..6)
                .map(|w| {
                    let queue = queue.clone();
                    tokio::spawn(async move {
                        let owner = format!("w{w}");
                        let mut got = Vec::new();
                        while let Some(job) =
                            queue.claim(&owner, 0, 60_000, ALL, &[]).await.unwrap()
                        {
                            assert!(queue.complete(job.id, &owner, 0).await.unwrap());
                            got.push(job.id);
                        }
                        got
                    })
                })
                .collect();
            let mut all = Vec::new();
            for worker in workers {
                all.extend(worker.await.unwrap());
            }
            all.sort_unstable();
            let before = all.len();
            all.dedup();
            assert_eq!((before, all.len()), (30, 30), "{backend}");
        }
    }
}
