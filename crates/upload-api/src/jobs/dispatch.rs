//! The notification dispatcher: delivers queued notifications apart from
//! the analysis work, so a slow or dead receiver never holds up an upload.
//!
//! - At most [`DELIVERY_SLOTS`] deliveries run at once in a process, each
//!   within `notify::DELIVERY_TIMEOUT`;
//! - at most [`PER_HOST`] of them go to one destination (`host:port`): the
//!   claim skips the jobs of a host at its budget, so other receivers'
//!   notifications go ahead;
//! - a host that failed [`FAILURES_BEFORE_BACKOFF`] times in a row is
//!   backed off as a whole: its queued notifications wait (the rows'
//!   `run_after`, seen by every replica) for a delay that doubles with every
//!   further failure, up to [`MAX_HOST_BACKOFF_MS`]; one success resets it;
//! - a delivery the address rules refuse fails at once, without retries;
//!   other failures are retried with backoff, [`NOTIFY_ATTEMPTS`] in all.
//!
//! Delivery is at least once: a process killed after the receiver answered
//! but before the row was settled delivers again, with the same body (its
//! `notification_id`, by which a receiver drops a repeat).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use service::AppState;
use store::jobs::{Job as Row, JobKind, JobQueue};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::job::{Job, Undecodable};
use super::lease::{lease_ms, log_settled, owner_name, while_leased};
use super::notify::{deliver, Undelivered};
use super::worker::{backoff_ms, IDLE_POLL};
use super::{now_ms, queue};
use crate::source::RemoteFetcher;

/// Deliveries at once in one process.
const DELIVERY_SLOTS: usize = 8;
/// Deliveries at once to one destination host, in one process.
const PER_HOST: usize = 2;
/// Attempts of a notification before it is given up (the first and 5 retries).
const NOTIFY_ATTEMPTS: i64 = 6;
/// Consecutive failures after which a host is backed off as a whole.
const FAILURES_BEFORE_BACKOFF: u32 = 3;
/// The longest a failing host is backed off at once.
const MAX_HOST_BACKOFF_MS: i64 = 10 * 60 * 1000;

/// The destination a notification's budget and backoff are kept by:
/// `host:port` of `url`.
pub(super) fn host_of(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}:{}",
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?
    ))
}

/// Starts this process's dispatcher.
pub(super) fn start(state: &AppState, fetcher: RemoteFetcher) {
    let dispatcher = Arc::new(Dispatcher {
        queue: queue(state),
        owner: owner_name(),
        lease_ms: lease_ms(state),
        backoff_base_ms: i64::try_from(state.config.notification_backoff_ms).unwrap_or(i64::MAX),
        state: state.clone(),
        fetcher,
        slots: Arc::new(Semaphore::new(DELIVERY_SLOTS)),
        hosts: Mutex::new(Hosts::default()),
        freed: Notify::new(),
    });
    tokio::spawn(async move { dispatcher.run().await });
}

struct Dispatcher {
    state: AppState,
    fetcher: RemoteFetcher,
    queue: JobQueue,
    owner: String,
    lease_ms: i64,
    backoff_base_ms: i64,
    slots: Arc<Semaphore>,
    hosts: Mutex<Hosts>,
    /// A delivery ended: a host may be under its budget again.
    freed: Notify,
}

impl Dispatcher {
    fn hosts(&self) -> std::sync::MutexGuard<'_, Hosts> {
        self.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn run(self: Arc<Self>) {
        loop {
            let Ok(slot) = Arc::clone(&self.slots).acquire_owned().await else {
                return;
            };
            let busy = self.hosts().at_budget();
            let claimed = self
                .queue
                .claim(&self.owner, now_ms(), self.lease_ms, JobKind::NOTIFY, &busy)
                .await;
            match claimed {
                Ok(Some(job)) => {
                    self.hosts().start(job.host.as_deref());
                    let dispatcher = Arc::clone(&self);
                    tokio::spawn(async move { dispatcher.deliver(job, slot).await });
                }
                Ok(None) => {
                    drop(slot);
                    tokio::select! {
                        _ = self.state.job_wake.notified() => {}
                        _ = self.freed.notified() => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                    }
                }
                Err(e) => {
                    drop(slot);
                    tracing::warn!(error = %e, "claiming a notification failed; trying again");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    }

    /// One attempt of `job`, then the row settled and the host's record kept.
    async fn deliver(&self, job: Row, _slot: OwnedSemaphorePermit) {
        let host = job.host.as_deref();
        let backed_off = host.and_then(|h| self.hosts().backed_off_until(h, now_ms()));
        if let Some(until) = backed_off {
            // Queued before the host was backed off: it waits with the others.
            log_settled(&job, self.queue.defer(job.id, &self.owner, until).await);
            self.hosts()
                .finish(host, None, now_ms(), self.backoff_base_ms);
            self.freed.notify_one();
            return;
        }
        let (url, body) = match notification_of(&job) {
            Ok(notification) => notification,
            Err(error) => {
                tracing::warn!(job = job.id, error = %error, "notification unreadable; given up");
                log_settled(
                    &job,
                    self.queue.fail(job.id, &self.owner, &error, now_ms()).await,
                );
                self.hosts()
                    .finish(host, None, now_ms(), self.backoff_base_ms);
                self.freed.notify_one();
                return;
            }
        };
        let result = while_leased(
            &self.queue,
            &job,
            &self.owner,
            self.lease_ms,
            deliver(&self.state, &self.fetcher, &url, &body),
        )
        .await;
        let now = now_ms();
        let answered = match &result {
            Ok(()) => Some(true),
            Err(Undelivered::Failed(_)) => Some(false),
            // The address rules, not the host, decided.
            Err(Undelivered::Refused(_)) => None,
        };
        let host_backoff = self
            .hosts()
            .finish(host, answered, now, self.backoff_base_ms);
        if let (Some(host), Some(until)) = (host, host_backoff) {
            tracing::warn!(
                host,
                until_ms = until,
                "notification host keeps failing; backed off"
            );
            if let Err(e) = self.queue.back_off_host(host, until).await {
                tracing::warn!(host, error = %e, "backing off a host's notifications failed");
            }
        }
        self.freed.notify_one();

        let settled = match result {
            Ok(()) => self.queue.complete(job.id, &self.owner, now).await,
            Err(Undelivered::Refused(error)) => {
                tracing::warn!(job = job.id, error = %error, "notification refused by the address rules; given up");
                self.queue.fail(job.id, &self.owner, &error, now).await
            }
            Err(Undelivered::Failed(error)) if job.attempts < NOTIFY_ATTEMPTS => {
                let retry_at =
                    (now + backoff_ms(&self.state, job.attempts)).max(host_backoff.unwrap_or(0));
                tracing::info!(job = job.id, attempt = job.attempts, error = %error, retry_at, "notification will be retried");
                self.queue
                    .retry(job.id, &self.owner, retry_at, &error)
                    .await
            }
            Err(Undelivered::Failed(error)) => {
                tracing::warn!(job = job.id, attempts = job.attempts, error = %error, "notification given up");
                self.queue.fail(job.id, &self.owner, &error, now).await
            }
        };
        log_settled(&job, settled);
    }
}

/// The destination and the body (as sent) of a claimed notification.
fn notification_of(job: &Row) -> Result<(String, String), String> {
    match Job::from_payload(job.kind, &job.payload) {
        Ok(Job::Notify { url, body }) => Ok((url, serde_json::Value::Object(body).to_string())),
        Ok(other) => Err(format!("a {} job claimed as a notification", other.kind())),
        Err(Undecodable::Unreadable(why)) => Err(why),
        Err(Undecodable::Refused(refused)) => Err(refused.error.to_string()),
    }
}

/// This process's view of destination hosts: deliveries in flight, and
/// the hosts that keep failing.
#[derive(Debug, Default)]
struct Hosts {
    in_flight: HashMap<String, usize>,
    failing: HashMap<String, Failing>,
}

#[derive(Debug, Clone, Copy)]
struct Failing {
    /// Failures in a row.
    failures: u32,
    /// Backed off until then (unix ms); 0 while under the threshold.
    until_ms: i64,
    /// When it last failed.
    last_ms: i64,
}

impl Hosts {
    /// Hosts at their delivery budget, whose jobs the next claim skips.
    fn at_budget(&self) -> Vec<String> {
        self.in_flight
            .iter()
            .filter(|(_, &n)| n >= PER_HOST)
            .map(|(host, _)| host.clone())
            .collect()
    }

    fn start(&mut self, host: Option<&str>) {
        if let Some(host) = host {
            *self.in_flight.entry(host.to_owned()).or_default() += 1;
        }
    }

    fn backed_off_until(&self, host: &str, now_ms: i64) -> Option<i64> {
        self.failing
            .get(host)
            .map(|f| f.until_ms)
            .filter(|&until| until > now_ms)
    }

    /// A delivery to `host` ended: `Some(true)` answered, `Some(false)`
    /// failed, `None` neither (refused, or deferred). The time the host is
    /// now backed off until, when this failure backs it off.
    fn finish(
        &mut self,
        host: Option<&str>,
        answered: Option<bool>,
        now_ms: i64,
        base_ms: i64,
    ) -> Option<i64> {
        let host = host?;
        if let Some(n) = self.in_flight.get_mut(host) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(host);
            }
        }
        // Forget hosts that have not failed for a long while (their backoff
        // ended), so the map holds only recent failures.
        self.failing
            .retain(|_, f| f.last_ms + MAX_HOST_BACKOFF_MS > now_ms);
        match answered? {
            true => {
                self.failing.remove(host);
                None
            }
            false => {
                let failing = self.failing.entry(host.to_owned()).or_insert(Failing {
                    failures: 0,
                    until_ms: 0,
                    last_ms: now_ms,
                });
                failing.failures += 1;
                failing.last_ms = now_ms;
                let over = failing.failures.checked_sub(FAILURES_BEFORE_BACKOFF)?;
                let delay = base_ms
                    .saturating_mul(1 << over.min(20))
                    .min(MAX_HOST_BACKOFF_MS);
                failing.until_ms = now_ms + delay;
                Some(failing.until_ms)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_keyed_by_name_and_port() {
        assert_eq!(
            host_of("https://Example.com/hook").as_deref(),
            Some("example.com:443")
        );
        assert_eq!(
            host_of("http://10.0.0.1:8080/x").as_deref(),
            Some("10.0.0.1:8080")
        );
        assert_eq!(host_of("not a url"), None);
    }

    #[test]
    fn a_host_at_its_budget_is_skipped_until_a_delivery_ends() {
        let mut hosts = Hosts::default();
        for _ in 0..PER_HOST {
            hosts.start(Some("dead:80"));
        }
        hosts.start(Some("live:80"));
        assert_eq!(hosts.at_budget(), ["dead:80"]);
        hosts.finish(Some("dead:80"), Some(false), 0, 100);
        assert!(hosts.at_budget().is_empty());
    }

    #[test]
    fn a_host_that_keeps_failing_is_backed_off_longer_each_time_until_it_answers() {
        let mut hosts = Hosts::default();
        let fail = |hosts: &mut Hosts, now| {
            hosts.start(Some("h:80"));
            hosts.finish(Some("h:80"), Some(false), now, 100)
        };
        assert_eq!(fail(&mut hosts, 0), None);
        assert_eq!(fail(&mut hosts, 0), None);
        assert_eq!(fail(&mut hosts, 0), Some(100), "the third failure in a row");
        assert_eq!(hosts.backed_off_until("h:80", 50), Some(100));
        assert_eq!(hosts.backed_off_until("h:80", 100), None);
        assert_eq!(fail(&mut hosts, 1_000), Some(1_200), "doubled");
        // A refusal says nothing about the host.
        hosts.start(Some("h:80"));
        assert_eq!(hosts.finish(Some("h:80"), None, 1_000, 100), None);
        hosts.start(Some("h:80"));
        hosts.finish(Some("h:80"), Some(true), 2_000, 100);
        assert_eq!(
            fail(&mut hosts, 3_000),
            None,
            "one success resets the count"
        );
    }

    #[test]
    fn a_host_is_never_backed_off_longer_than_the_cap() {
        let mut hosts = Hosts::default();
        let mut last = None;
        for _ in 0..40 {
            hosts.start(Some("h:80"));
            last = hosts.finish(Some("h:80"), Some(false), 0, 1_000);
        }
        assert_eq!(last, Some(MAX_HOST_BACKOFF_MS));
    }
}
