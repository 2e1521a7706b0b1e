//! The admin API's hourly call budget, counted in the shared database so that
//! every replica behind a load balancer spends from the same budget.
//!
//! One row per (API key, window): a single `INSERT ... ON CONFLICT DO UPDATE
//! ... RETURNING` both creates the window's row and counts the call, so two
//! replicas asking at the same instant cannot both take the last unit
//! (PostgreSQL locks the conflicting row; SQLite serialises writers). The
//! statement runs unchanged on PostgreSQL and on SQLite 3.35+.

use crate::db::{with_pool, Database};
use crate::StoreError;

/// Admits the call unless the window has used `limit` calls already. Calls
/// past the budget are not counted, so `used` never exceeds the limit.
const CONSUME_ONE: &str = "\
    INSERT INTO admin_rate_limit (api_key, window_start, used) VALUES ($1, $2, 1) \
    ON CONFLICT (api_key, window_start) DO UPDATE SET used = admin_rate_limit.used + 1 \
    WHERE admin_rate_limit.used < $3 \
    RETURNING used";

const FORGET_BEFORE: &str = "DELETE FROM admin_rate_limit WHERE window_start < $1";

/// The answer to one call's request for a unit of budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted; `remaining` calls are left in this window.
    Admitted { remaining: u32 },
    /// The window's budget is spent; nothing was counted.
    Refused,
}

/// Per-key call counters in fixed windows, held by the database.
#[derive(Debug, Clone)]
pub struct RateLimitCounters {
    db: Database,
}

impl RateLimitCounters {
    pub(crate) fn new(db: Database) -> Self {
        RateLimitCounters { db }
    }

    /// Spends one unit of `api_key`'s budget of `limit` calls in the window
    /// that starts at `window_start` (unix seconds; any value that names the
    /// window works, the caller aligns it). `limit` of 0 refuses everything.
    pub async fn consume(
        &self,
        api_key: &str,
        window_start: i64,
        limit: u32,
    ) -> Result<Admission, StoreError> {
        if limit == 0 {
            return Ok(Admission::Refused);
        }
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        let used: Option<i32> = with_pool!(&self.db, pool => {
            sqlx::query_scalar(CONSUME_ONE)
                .bind(api_key)
                .bind(window_start)
                .bind(limit)
                .fetch_optional(pool)
                .await?
        });
        let Some(used) = used else {
            return Ok(Admission::Refused);
        };
        if used == 1 {
            // The first call of a new window: earlier windows are over for good.
            self.forget_windows_before(window_start).await?;
        }
        let remaining = u32::try_from(limit.saturating_sub(used)).unwrap_or(0);
        Ok(Admission::Admitted { remaining })
    }

    async fn forget_windows_before(&self, window_start: i64) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(FORGET_BEFORE).bind(window_start).execute(pool).await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Backend, Sandbox};

    const HOUR: i64 = 3600;

    async fn counters(sandbox: &Sandbox) -> RateLimitCounters {
        RateLimitCounters::new(sandbox.store().await.expect("store").database().clone())
    }

    #[tokio::test]
    async fn the_budget_counts_down_then_refuses() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let counters = counters(&sandbox).await;
            let mut answers = Vec::new();
            for _ in 0..4 {
                answers.push(counters.consume("key", 10 * HOUR, 3).await.unwrap());
            }
            assert_eq!(
                answers,
                [
                    Admission::Admitted { remaining: 2 },
                    Admission::Admitted { remaining: 1 },
                    Admission::Admitted { remaining: 0 },
                    Admission::Refused,
                ],
                "{backend}"
            );
        }
    }

    #[tokio::test]
    async fn keys_and_windows_have_their_own_budgets() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let counters = counters(&sandbox).await;
            assert_eq!(
                counters.consume("a", 10 * HOUR, 1).await.unwrap(),
                Admission::Admitted { remaining: 0 }
            );
            assert_eq!(
                counters.consume("a", 10 * HOUR, 1).await.unwrap(),
                Admission::Refused,
                "{backend}"
            );
            assert_eq!(
                counters.consume("b", 10 * HOUR, 1).await.unwrap(),
                Admission::Admitted { remaining: 0 }
            );
            assert_eq!(
                counters.consume("a", 11 * HOUR, 1).await.unwrap(),
                Admission::Admitted { remaining: 0 },
                "{backend}: the next window starts afresh"
            );
        }
    }

    #[tokio::test]
    async fn concurrent_callers_never_exceed_the_budget() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let counters = counters(&sandbox).await;
            let calls = (0..20).map(|_| {
                let counters = counters.clone();
                tokio::spawn(async move { counters.consume("key", 10 * HOUR, 7).await.unwrap() })
            });
            let mut admitted = 0;
            for call in calls {
                if matches!(call.await.unwrap(), Admission::Admitted { .. }) {
                    admitted += 1;
                }
            }
            assert_eq!(admitted, 7, "{backend}");
        }
    }
}
