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

use serde_json::Value;

use crate::db::{with_pool, Database};
use crate::StoreError;

/// A job to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// What to run: `upload`, `explicit`, `notify`.
    pub kind: String,
    /// Shown to the client (`batch_id`); shared by a job and its notification.
    pub batch_id: String,
    pub payload: Value,
    /// A staged original (async uploads).
    pub file: Option<Vec<u8>>,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub batch_id: String,
    pub payload: Value,
    /// Claims so far, this one included.
    pub attempts: i64,
}

/// How many jobs are in each state (tests, metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
}

/// The queue. Cheap to clone.
#[derive(Debug, Clone)]
pub struct JobQueue {
    db: Database,
}

type JobRow = (i64, String, String, String, i64);

impl JobQueue {
    pub fn new(db: Database) -> Self {
        JobQueue { db }
    }

    /// Adds `job`, ready at `run_after_ms` (unix milliseconds); its id.
    pub async fn enqueue(
        &self,
        job: &NewJob,
        now_ms: i64,
        run_after_ms: i64,
    ) -> Result<i64, StoreError> {
        let payload = job.payload.to_string();
        let id: i64 = with_pool!(&self.db, pool => {
            sqlx::query_scalar(
                "INSERT INTO jobs (kind, batch_id, payload, file, run_after, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&job.kind)
            .bind(&job.batch_id)
            .bind(&payload)
            .bind(job.file.as_deref())
            .bind(run_after_ms)
            .bind(now_ms)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Claims the oldest ready job for `owner` until `now_ms + lease_ms`:
    /// a queued job whose time has come, or a running one whose lease ran out.
    pub async fn claim(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<Job>, StoreError> {
        let pick = "SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $3) \
                    OR (state = 'running' AND lease_until < $3) ORDER BY run_after, id LIMIT 1";
        let claim = |lock: &str| {
            format!(
                "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, \
                 attempts = attempts + 1 WHERE id = ({pick}{lock}) \
                 RETURNING id, kind, batch_id, payload, attempts"
            )
        };
        let row: Option<JobRow> = match &self.db {
            Database::Postgres(pool) => {
                sqlx::query_as(&claim(" FOR UPDATE SKIP LOCKED"))
                    .bind(owner)
                    .bind(now_ms + lease_ms)
                    .bind(now_ms)
                    .fetch_optional(pool)
                    .await?
            }
            Database::Sqlite(pool) => {
                sqlx::query_as(&claim(""))
                    .bind(owner)
                    .bind(now_ms + lease_ms)
                    .bind(now_ms)
                    .fetch_optional(pool)
                    .await?
            }
        };
        row.map(|(id, kind, batch_id, payload, attempts)| {
            let payload = serde_json::from_str(&payload).map_err(|e| StoreError::CorruptRow {
                asset_id: format!("job {id}"),
                reason: e.to_string(),
            })?;
            Ok(Job {
                id,
                kind,
                batch_id,
                payload,
                attempts,
            })
        })
        .transpose()
    }

    /// The staged file of job `id`, if it has one.
    pub async fn file(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
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
            Some(Bound::Int(lease_until_ms)),
            None,
        )
        .await
    }

    /// The job is done: it leaves the queue, staged file and all.
    pub async fn complete(&self, id: i64, owner: &str) -> Result<bool, StoreError> {
        self.settle(
            "DELETE FROM jobs WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
            id,
            owner,
            None,
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
            Some(Bound::Int(run_after_ms)),
            Some(error),
        )
        .await
    }

    /// Gives up on the job; it stays, `failed`, with its last error, and its
    /// staged file is dropped.
    pub async fn fail(&self, id: i64, owner: &str, error: &str) -> Result<bool, StoreError> {
        self.settle(
            "UPDATE jobs SET state = 'failed', file = NULL, lease_owner = NULL, lease_until = NULL, \
             last_error = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
            id,
            owner,
            Some(Bound::Text(error)),
            None,
        )
        .await
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
                _ => {}
            }
        }
        Ok(depth)
    }

    /// Runs a statement on job `id` held by `owner`; true when it applied.
    async fn settle(
        &self,
        sql: &str,
        id: i64,
        owner: &str,
        third: Option<Bound<'_>>,
        fourth: Option<&str>,
    ) -> Result<bool, StoreError> {
        let affected = with_pool!(&self.db, pool => {
            let mut query = sqlx::query(sql).bind(id).bind(owner);
            query = match third {
                Some(Bound::Int(value)) => query.bind(value),
                Some(Bound::Text(value)) => query.bind(value),
                None => query,
            };
            if let Some(value) = fourth {
                query = query.bind(value);
            }
            query.execute(pool).await?.rows_affected()
        });
        Ok(affected == 1)
    }
}

/// A third statement parameter of [`JobQueue::settle`].
enum Bound<'a> {
    Int(i64),
    Text(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Backend, Sandbox};
    use serde_json::json;

    const LEASE: i64 = 1_000;

    async fn queue(sandbox: &Sandbox) -> JobQueue {
        JobQueue::new(sandbox.store().await.expect("store").database().clone())
    }

    fn job(n: u32) -> NewJob {
        NewJob {
            kind: "upload".into(),
            batch_id: format!("batch{n}"),
            payload: json!({ "n": n }),
            file: Some(vec![n as u8; 3]),
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

            let a = queue.claim("a", 10, LEASE).await.unwrap().unwrap();
            assert_eq!(
                (a.id, a.attempts, &a.payload),
                (first, 1, &json!({"n": 1})),
                "{backend}"
            );
            assert_eq!(queue.file(a.id).await.unwrap(), Some(vec![1, 1, 1]));
            let b = queue.claim("b", 10, LEASE).await.unwrap().unwrap();
            assert_eq!(b.batch_id, "batch2");
            assert_eq!(
                queue.claim("c", 10, LEASE).await.unwrap(),
                None,
                "{backend}: job 3 is not due yet, 1 and 2 are taken"
            );
            assert!(
                !queue.complete(a.id, "b").await.unwrap(),
                "only the owner settles"
            );
            assert!(queue.complete(a.id, "a").await.unwrap());
            assert_eq!(
                queue.depth().await.unwrap(),
                QueueDepth {
                    queued: 1,
                    running: 1,
                    failed: 0
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
            let dead = queue.claim("dead", 0, LEASE).await.unwrap().unwrap();
            assert!(queue.heartbeat(dead.id, "dead", 2 * LEASE).await.unwrap());
            assert_eq!(
                queue.claim("new", LEASE + 1, LEASE).await.unwrap(),
                None,
                "heartbeat held it"
            );
            let again = queue
                .claim("new", 2 * LEASE + 1, LEASE)
                .await
                .unwrap()
                .unwrap();
            assert_eq!((again.id, again.attempts), (dead.id, 2), "{backend}");
            assert!(!queue.complete(dead.id, "dead").await.unwrap());
            assert!(!queue.heartbeat(dead.id, "dead", 9 * LEASE).await.unwrap());
            assert!(queue.complete(again.id, "new").await.unwrap());
        }
    }

    #[tokio::test]
    async fn retries_wait_and_failures_stay_with_their_error() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let queue = queue(&sandbox).await;
            queue.enqueue(&job(1), 0, 0).await.unwrap();
            let first = queue.claim("w", 0, LEASE).await.unwrap().unwrap();
            assert!(queue
                .retry(first.id, "w", 500, "receiver said 500")
                .await
                .unwrap());
            assert_eq!(
                queue.claim("w", 499, LEASE).await.unwrap(),
                None,
                "{backend}"
            );
            let second = queue.claim("w", 500, LEASE).await.unwrap().unwrap();
            assert_eq!(second.attempts, 2);
            assert!(queue.fail(second.id, "w", "gave up").await.unwrap());
            assert_eq!(queue.claim("w", 10_000, LEASE).await.unwrap(), None);
            assert_eq!(
                queue.file(second.id).await.unwrap(),
                None,
                "its file is dropped"
            );
            assert_eq!(queue.depth().await.unwrap().failed, 1);
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
                        while let Some(job) = queue.claim(&owner, 0, 60_000).await.unwrap() {
                            assert!(queue.complete(job.id, &owner).await.unwrap());
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
