//! One search's database session: every query of a search (page, count,
//! aggregations) runs on one connection, within one time budget, and stops
//! when the caller goes away (its future is dropped, as when the HTTP client
//! disconnects).
//!
//! - PostgreSQL: a read-only transaction (one snapshot for the page, the
//!   count and the aggregations); before each query `SET LOCAL
//!   statement_timeout` gets what is left of the budget. A session dropped
//!   mid-query cancels its backend (`pg_cancel_backend`) and its connection
//!   is closed, never reused.
//! - SQLite: a progress handler that interrupts the running statement once
//!   the deadline passes or the session is dropped; the connection of a
//!   dropped session is closed too, so its handler never meets another query.
//!
//! A query stopped by either database becomes [`SearchError::TimedOut`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Sqlite};

use super::error::SearchError;
use crate::db::Database;
use crate::StoreError;

/// SQLite virtual-machine steps between two looks at the deadline.
const SQLITE_STEPS_PER_CHECK: i32 = 1_000;
/// PostgreSQL's "canceling statement due to statement timeout" (and user
/// request), and SQLite's SQLITE_INTERRUPT.
const PG_QUERY_CANCELED: &str = "57014";
const SQLITE_INTERRUPT: &str = "9";

/// The connection a search runs on.
pub(crate) enum Connection {
    Postgres(PoolConnection<Postgres>),
    Sqlite(PoolConnection<Sqlite>),
}

/// Runs one body against whichever connection `$session` holds, as
/// `with_pool!` does for pools: `$conn` is `&mut PgConnection` or
/// `&mut SqliteConnection`.
macro_rules! with_connection {
    ($session:expr, $conn:ident => $body:expr) => {
        match $session.connection().await? {
            $crate::search::session::Connection::Postgres(pooled) => {
                let $conn = &mut **pooled;
                $body
            }
            $crate::search::session::Connection::Sqlite(pooled) => {
                let $conn = &mut **pooled;
                $body
            }
        }
    };
}
pub(crate) use with_connection;

pub(crate) struct Session {
    /// `None` once ended.
    connection: Option<Connection>,
    budget: Duration,
    deadline: Instant,
    /// What a dropped session has to stop.
    abandon: Abandon,
}

enum Abandon {
    /// The backend to cancel, and a pool to send the cancel through.
    Postgres { pool: PgPool, pid: i32 },
    /// Tells the progress handler to interrupt.
    Sqlite(Arc<AtomicBool>),
}

impl Session {
    /// A connection of `database` set up for a search of at most `budget`.
    pub async fn open(database: &Database, budget: Duration) -> Result<Session, StoreError> {
        let deadline = Instant::now() + budget;
        match database {
            Database::Postgres(pool) => {
                let mut connection = pool.acquire().await?;
                let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                    .fetch_one(&mut *connection)
                    .await?;
                sqlx::query("BEGIN READ ONLY")
                    .execute(&mut *connection)
                    .await?;
                Ok(Session {
                    connection: Some(Connection::Postgres(connection)),
                    budget,
                    deadline,
                    abandon: Abandon::Postgres {
                        pool: pool.clone(),
                        pid,
                    },
                })
            }
            Database::Sqlite(pool) => {
                let mut connection = pool.acquire().await?;
                let stop = Arc::new(AtomicBool::new(false));
                let stopped = Arc::clone(&stop);
                connection
                    .lock_handle()
                    .await?
                    .set_progress_handler(SQLITE_STEPS_PER_CHECK, move || {
                        !stopped.load(Ordering::Relaxed) && Instant::now() < deadline
                    });
                Ok(Session {
                    connection: Some(Connection::Sqlite(connection)),
                    budget,
                    deadline,
                    abandon: Abandon::Sqlite(stop),
                })
            }
        }
    }

    /// The connection, with the time left set as PostgreSQL's statement
    /// timeout: call before each query.
    pub async fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let budget = self.budget;
        let connection = match self.connection.as_mut() {
            Some(connection) if !left.is_zero() => connection,
            _ => return Err(timed_out(budget)),
        };
        if let Connection::Postgres(pg) = &mut *connection {
            // A whole number of milliseconds, at least 1 (0 would mean none).
            let millis = left.as_millis().clamp(1, i32::MAX as u128);
            sqlx::query(&format!("SET LOCAL statement_timeout = {millis}"))
                .execute(&mut **pg)
                .await?;
        }
        Ok(connection)
    }

    /// Gives the connection back to the pool in its ordinary state (the
    /// transaction ended, the progress handler removed). If that fails, the
    /// connection is closed instead.
    pub async fn end(mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        match connection {
            Connection::Postgres(mut pg) => {
                // Read only: nothing to keep, so a rollback also ends a
                // transaction that a failed query left aborted.
                if sqlx::query("ROLLBACK").execute(&mut *pg).await.is_err() {
                    pg.close_on_drop();
                }
            }
            Connection::Sqlite(mut lite) => {
                let removed = match lite.lock_handle().await {
                    Ok(mut handle) => {
                        handle.remove_progress_handler();
                        true
                    }
                    Err(_) => false,
                };
                if !removed {
                    lite.close_on_drop();
                }
            }
        }
    }

    /// What a query the database stopped is reported as; other errors pass.
    pub fn classify(&self, error: StoreError) -> StoreError {
        let stopped = matches!(
            &error,
            StoreError::Database(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some(PG_QUERY_CANCELED | SQLITE_INTERRUPT))
        );
        if stopped {
            timed_out(self.budget)
        } else {
            error
        }
    }
}

fn timed_out(budget: Duration) -> StoreError {
    StoreError::Search(SearchError::TimedOut { limit: budget })
}

impl Drop for Session {
    /// Dropped before [`Session::end`]: the search was abandoned, maybe in
    /// the middle of a query. Stop that query and close the connection.
    fn drop(&mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        match (&self.abandon, connection) {
            (Abandon::Postgres { pool, pid }, Connection::Postgres(mut pg)) => {
                pg.close_on_drop();
                drop(pg);
                let (pool, pid) = (pool.clone(), *pid);
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move {
                        // The closed connection's backend is ours alone until
                        // it ends, so the cancel cannot reach another query.
                        let cancelled = sqlx::query("SELECT pg_cancel_backend($1)")
                            .bind(pid)
                            .execute(&pool)
                            .await;
                        if let Err(e) = cancelled {
                            tracing::warn!(error = %e, pid, "search: cancelling an abandoned query failed");
                        }
                    });
                }
            }
            (Abandon::Sqlite(stop), Connection::Sqlite(mut lite)) => {
                stop.store(true, Ordering::Relaxed);
                lite.close_on_drop();
            }
            (_, Connection::Postgres(mut pg)) => pg.close_on_drop(),
            (_, Connection::Sqlite(mut lite)) => lite.close_on_drop(),
        }
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::testing::{Backend, Sandbox};

    /// Minutes of work for either database.
    fn endless(database: &Database) -> &'static str {
        match database {
            Database::Postgres(_) => "SELECT 1 FROM pg_sleep(600) /* endless-probe */",
            Database::Sqlite(_) => {
                "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c \
                 WHERE n < 4000000000) SELECT count(*) FROM c"
            }
        }
    }

    async fn run_endless(session: &mut Session, sql: &str) -> Result<i64, StoreError> {
        Ok(with_connection!(session, conn => {
            sqlx::query_scalar::<_, i64>(sql).fetch_one(conn).await?
        }))
    }

    #[tokio::test]
    async fn a_query_past_the_budget_is_stopped_by_the_database() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let database = sandbox.store().await.expect("store").database().clone();
            let budget = Duration::from_millis(300);
            let mut session = Session::open(&database, budget).await.expect("session");
            let started = Instant::now();
            let error = run_endless(&mut session, endless(&database))
                .await
                .expect_err("stopped");
            let error = session.classify(error);
            assert!(
                matches!(error, StoreError::Search(SearchError::TimedOut { limit }) if limit == budget),
                "{backend}: {error}"
            );
            assert!(started.elapsed() < Duration::from_secs(10), "{backend}");
            session.end().await;
            // The connection went back clean: a query without a deadline runs.
            let one: i64 = with_pool_scalar(&database, "SELECT CAST(1 AS BIGINT)").await;
            assert_eq!(one, 1, "{backend}");
        }
    }

    async fn with_pool_scalar(database: &Database, sql: &str) -> i64 {
        crate::db::with_pool!(database, pool => {
            sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.expect("query")
        })
    }

    /// A session dropped mid-query (its caller went away) stops the query
    /// in the database, long before its budget would.
    #[tokio::test]
    async fn an_abandoned_search_stops_its_query() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let database = sandbox.store().await.expect("store").database().clone();
            let sql = endless(&database);
            let search = async {
                let mut session = Session::open(&database, Duration::from_secs(600)).await?;
                let found = run_endless(&mut session, sql).await;
                session.end().await;
                found
            };
            let abandoned = tokio::time::timeout(Duration::from_millis(500), search).await;
            assert!(abandoned.is_err(), "{backend}: the query was still running");
            let started = Instant::now();
            loop {
                let running = match &database {
                    Database::Postgres(_) => {
                        with_pool_scalar(
                            &database,
                            "SELECT count(*) FROM pg_stat_activity \
                             WHERE datname = current_database() AND state = 'active' \
                             AND query LIKE '%endless-probe%' AND pid <> pg_backend_pid()",
                        )
                        .await
                    }
                    // The abandoned connection closes once its statement ends.
                    Database::Sqlite(pool) => i64::from((pool.num_idle() as u32) < pool.size()),
                };
                if running == 0 {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "{backend}: the abandoned query still runs"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
