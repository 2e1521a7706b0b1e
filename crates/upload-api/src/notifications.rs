//! The notifications another API sends through this one's queue (the Admin
//! API's update): a call's `notification_url` (else `ASSAY_NOTIFICATION_URL`)
//! checked by the same address rules as an upload's, and the call's result
//! queued and delivered by the same workers (`crate::jobs`), signed the same
//! way.

use actix_web::HttpRequest;
use common::Config;
use serde_json::{Map, Value};
use service::params::Params;
use service::pipeline::Reply;
use service::{ApiError, AppState, Reason};

use crate::auth::Caller;
use crate::jobs;
use crate::routes::reply_for_request;
use crate::source::RemoteFetcher;

/// Checks notification URLs and queues notifications; one per process.
#[derive(Clone)]
pub struct Notifier {
    /// Absent only if the HTTP client could not be built (logged here);
    /// a call that asks for a notification then fails with a 500.
    fetcher: Option<RemoteFetcher>,
}

/// Where one call's notification goes, already checked.
pub struct Notification(Reply);

impl Notifier {
    pub fn new(config: &Config) -> Self {
        let fetcher =
            RemoteFetcher::new(config.remote_fetch_allow.clone(), config.max_upload_bytes)
                .inspect_err(|err| tracing::error!(error = %err, "notifications are unavailable"))
                .ok();
        Notifier { fetcher }
    }

    /// The notification `params` ask for (`notification_url`, else the
    /// configured default), refused with a 400 naming `notification_url`
    /// when the address rules forbid it.
    pub fn for_call(
        &self,
        state: &AppState,
        request: &HttpRequest,
        params: &Params,
    ) -> Result<Notification, ApiError> {
        // Admin calls hold the key and secret, as Basic auth does upload.
        reply_for_request(state, request, Caller::Basic, params, self.fetcher.as_ref())
            .map(Notification)
    }

    /// Refuses a `notification_url` no notification could be sent to (for
    /// settings kept for later calls: upload presets).
    pub fn check_url(&self, url: &str) -> Result<(), ApiError> {
        let fetcher = self
            .fetcher
            .as_ref()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("notifications are unavailable")))?;
        fetcher.check_target(url).map(|_| ()).map_err(|e| {
            ApiError::from(Reason::InvalidParameter {
                name: "notification_url".into(),
                detail: e.to_string(),
            })
        })
    }
}

impl Notification {
    /// Queues `body` (the call's full response, plus `notification_type`)
    /// when the call asked for a notification.
    pub async fn send(
        &self,
        state: &AppState,
        notification_type: &str,
        body: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        jobs::notify_if_asked(state, &self.0, notification_type, body).await
    }
}
