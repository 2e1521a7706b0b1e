//! The admin API's hourly call budget per API key (`ASSAY_ADMIN_RATE_LIMIT`).
//!
//! How the budget holds across replicas: the authoritative count lives in the
//! shared database (`store::RateLimitCounters`), one row per key and hourly
//! window, spent with one atomic statement, so N replicas behind a load
//! balancer together admit at most the budget per window. Windows are aligned
//! to the top of the hour, as Cloudinary's are.
//!
//! In front of it, on each replica, a governor keyed limiter absorbs floods
//! without a database write per request. It is keyed by (API key, window) with
//! a burst of the whole budget, so it can only refuse once this replica alone
//! has passed a full budget's worth of calls in the window; every one of those
//! reached the database, so by then the shared budget is spent too. It never
//! refuses a call the database would admit. actix builds the app once per
//! worker thread, so each worker holds its own governor; the argument holds
//! for each of them.
//!
//! Every authenticated response carries `X-FeatureRateLimit-Limit`,
//! `-Remaining` and `-Reset` (an HTTP date); past the budget the answer is 420
//! with Cloudinary's message.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, HttpDate};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use chrono::{DateTime, TimeDelta, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use service::clock::Clock;
use service::{ApiError, AppState, Reason};
use store::rate_limit::{Admission, RateLimitCounters};

use crate::auth::AuthenticatedKey;

const LIMIT_HEADER: HeaderName = HeaderName::from_static("x-featureratelimit-limit");
const REMAINING_HEADER: HeaderName = HeaderName::from_static("x-featureratelimit-remaining");
const RESET_HEADER: HeaderName = HeaderName::from_static("x-featureratelimit-reset");

const WINDOW_SECONDS: i64 = 3600;

/// What the limiter decided about one call, and what the headers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub admitted: bool,
    pub limit: u32,
    pub remaining: u32,
    /// When the budget is next replenished: the top of the next hour.
    pub reset_at: DateTime<Utc>,
}

impl Verdict {
    /// Sets the three `X-FeatureRateLimit-*` headers.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let reset = HttpDate::from(SystemTime::from(self.reset_at)).to_string();
        headers.insert(LIMIT_HEADER, HeaderValue::from(self.limit));
        headers.insert(REMAINING_HEADER, HeaderValue::from(self.remaining));
        if let Ok(reset) = HeaderValue::from_str(&reset) {
            headers.insert(RESET_HEADER, reset);
        }
    }

    /// The 420 refusal, worded as Cloudinary words it.
    pub fn refusal(&self) -> ApiError {
        Reason::RateLimitExceeded {
            limit: self.limit,
            reset_at: self.reset_at,
        }
        .into()
    }
}

/// The per-key hourly budget: governor in front, the database behind.
pub struct AdminRateLimiter {
    limit: NonZeroU32,
    counters: RateLimitCounters,
    bursts: DefaultKeyedRateLimiter<(String, i64)>,
    clock: Arc<dyn Clock>,
    /// The newest window seen, so idle governor keys are pruned once per window.
    current_window: AtomicI64,
}

impl fmt::Debug for AdminRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminRateLimiter")
            .field("limit", &self.limit)
            .field("clock", &self.clock)
            .finish()
    }
}

impl AdminRateLimiter {
    pub fn new(limit: NonZeroU32, counters: RateLimitCounters, clock: Arc<dyn Clock>) -> Self {
        AdminRateLimiter {
            limit,
            counters,
            bursts: RateLimiter::keyed(Quota::per_hour(limit)),
            clock,
            current_window: AtomicI64::new(i64::MIN),
        }
    }

    /// The limiter of the configured budget (`ASSAY_ADMIN_RATE_LIMIT`) on the
    /// state's database and clock.
    pub fn for_state(state: &AppState) -> Self {
        // `Config` refuses a budget of 0, so the fallback is never taken.
        let limit = NonZeroU32::new(state.config.admin_rate_limit).unwrap_or(NonZeroU32::MIN);
        let counters = state.store.rate_limits();
        Self::new(limit, counters, state.clock.clone())
    }

    /// Spends one call of `api_key`'s budget, if any is left.
    pub async fn admit(&self, api_key: &str) -> Result<Verdict, ApiError> {
        let now = self.clock.now();
        let window_start = now.timestamp().div_euclid(WINDOW_SECONDS) * WINDOW_SECONDS;
        self.prune_on_new_window(window_start);
        let reset_at = DateTime::from_timestamp(window_start, 0).unwrap_or(now)
            + TimeDelta::seconds(WINDOW_SECONDS);
        let refused = Verdict {
            admitted: false,
            limit: self.limit.get(),
            remaining: 0,
            reset_at,
        };

        if self
            .bursts
            .check_key(&(api_key.to_owned(), window_start))
            .is_err()
        {
            return Ok(refused);
        }
        match self
            .counters
            .consume(api_key, window_start, self.limit.get())
            .await?
        {
            Admission::Admitted { remaining } => Ok(Verdict {
                admitted: true,
                remaining,
                ..refused
            }),
            Admission::Refused => Ok(refused),
        }
    }

    fn prune_on_new_window(&self, window_start: i64) {
        if self
            .current_window
            .fetch_max(window_start, Ordering::Relaxed)
            < window_start
        {
            self.bursts.retain_recent();
        }
    }
}

/// Middleware (inside `auth::require_credentials`): spends one unit of the
/// caller's budget, answers 420 when none is left (counted in the app's
/// metrics), and puts the rate-limit headers on every response it lets
/// through, errors included.
pub async fn enforce_budget(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limiter = req
        .app_data::<web::Data<AdminRateLimiter>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("admin rate limiter not configured")))?;
    let key = req
        .extensions()
        .get::<AuthenticatedKey>()
        .cloned()
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("rate limiter ran before authentication"))
        })?;
    let verdict = match limiter.admit(&key.0).await {
        Ok(verdict) => verdict,
        Err(err) => {
            return Ok(req
                .into_response(err.error_response())
                .map_into_right_body())
        }
    };
    let mut response = if verdict.admitted {
        next.call(req).await?.map_into_left_body()
    } else {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            state.metrics.count_rate_limit_rejection();
        }
        req.into_response(verdict.refusal().error_response())
            .map_into_right_body()
    };
    verdict.write_headers(response.headers_mut());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::testing::{Backend, Sandbox};

    #[derive(Debug)]
    struct FixedClock(DateTime<Utc>);

    impl Clock for FixedClock {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    #[tokio::test]
    async fn once_the_budget_is_spent_a_flood_is_refused_without_the_database() {
        let sandbox = Sandbox::new(Backend::Sqlite).await;
        let store = sandbox.store().await.expect("store");
        let counters = store.rate_limits();
        let clock = FixedClock(Utc::now());
        let limiter = AdminRateLimiter::new(NonZeroU32::new(2).unwrap(), counters, Arc::new(clock));
        assert!(limiter.admit("key").await.unwrap().admitted);
        assert!(limiter.admit("key").await.unwrap().admitted);

        store.close().await;
        let verdict = limiter
            .admit("key")
            .await
            .expect("answered by governor alone");
        assert!(!verdict.admitted);
        assert_eq!(verdict.remaining, 0);
        assert!(
            limiter.admit("other-key").await.is_err(),
            "a key with budget left still asks the (now closed) database"
        );
    }

    #[test]
    fn headers_follow_the_wire_format() {
        let verdict = Verdict {
            admitted: true,
            limit: 500,
            remaining: 499,
            reset_at: DateTime::parse_from_rfc3339("2025-01-01T12:00:00Z")
                .unwrap()
                .to_utc(),
        };
        let mut headers = HeaderMap::new();
        verdict.write_headers(&mut headers);
        assert_eq!(headers.get("X-FeatureRateLimit-Limit").unwrap(), "500");
        assert_eq!(headers.get("X-FeatureRateLimit-Remaining").unwrap(), "499");
        assert_eq!(
            headers.get("X-FeatureRateLimit-Reset").unwrap(),
            "Wed, 01 Jan 2025 12:00:00 GMT"
        );
    }

    #[test]
    fn the_refusal_names_the_limit_and_the_next_window() {
        let verdict = Verdict {
            admitted: false,
            limit: 500,
            remaining: 0,
            reset_at: DateTime::parse_from_rfc3339("2024-10-04T14:00:00Z")
                .unwrap()
                .to_utc(),
        };
        assert_eq!(
            verdict.refusal().to_string(),
            "Rate Limit Exceeded. Limit of 500 api operations reached. Try again on 2024-10-04 14:00:00 UTC"
        );
    }
}
