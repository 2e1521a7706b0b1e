//! One module per endpoint.

pub mod context;
pub mod delete_by_token;
pub mod deliver;
pub mod destroy;
pub mod explicit;
pub mod metadata;
pub mod rename;
pub mod tags;
pub mod upload;

use actix_web::{web, HttpRequest};
use service::body::{self, UploadBody};
use service::params::Params;
use service::pipeline::Reply;
use service::presets::check_unsigned_before_file;
use service::resource::PublicBase;
use service::{ApiError, AppState, Reason};

use service::params::supported::{refuse_unsupported, TRANSPORT};

use crate::auth::{authenticate, verify_before_file, Caller};
use crate::source::RemoteFetcher;

/// Reads an upload or explicit body under the decoder's caps. A multipart
/// request that carries its signature is verified when its file part begins,
/// so a forged upload is refused before its file is read (see
/// `service::body`); one that has shown no credentials by then but names its
/// upload preset is checked as an unsigned upload then (`service::presets`),
/// so an unknown or signed preset is refused before its file is read too.
/// The handler then authenticates the whole map.
async fn read_body(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<UploadBody, ApiError> {
    let credentials = &state.config.credentials;
    let now = unix_now();
    let basic_auth = request.headers().contains_key("authorization");
    let before_file = |params: Params| async move {
        verify_before_file(&params, credentials, now)?;
        let unsigned_so_far =
            !basic_auth && !params.contains("api_key") && !params.contains("signature");
        if unsigned_so_far {
            check_unsigned_before_file(state, &params).await?;
        }
        Ok::<(), ApiError>(())
    };
    body::read_upload_gated(
        request.headers(),
        payload,
        state.config.max_upload_bytes,
        before_file,
    )
    .await
}

/// Reads and authenticates a signed call that carries no file (`destroy`,
/// `rename`, `tags`, `context`), refusing any parameter outside `own` and
/// the transport ones.
async fn read_signed_call(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
    own: &[&str],
) -> Result<Params, ApiError> {
    let credentials = &state.config.credentials;
    let now = unix_now();
    let before_file = |params: &Params| verify_before_file(params, credentials, now);
    let form = body::read_upload(request.headers(), payload, 0, &before_file).await?;
    if form.file.is_some() {
        return Err(Reason::FileNotTaken.into());
    }
    authenticate(request, &form.params, credentials, now)?;
    refuse_unsupported(&form.params, &[TRANSPORT, own])?;
    Ok(form.params)
}

/// Requests name our cloud in their path; any other is refused as an
/// unknown account would be.
fn check_cloud(state: &AppState, cloud: &str) -> Result<(), ApiError> {
    if cloud == state.config.cloud_name {
        Ok(())
    } else {
        Err(Reason::InvalidCloudName {
            cloud: cloud.to_string(),
        }
        .into())
    }
}

/// How to answer an upload or explicit call, now or from a queued job:
/// `notification_url` (else `ASSAY_NOTIFICATION_URL`) must be an http(s) URL
/// the remote-fetch address rules let us reach.
pub(crate) fn reply_for_request(
    state: &AppState,
    request: &HttpRequest,
    caller: Caller,
    params: &Params,
    fetcher: Option<&RemoteFetcher>,
) -> Result<Reply, ApiError> {
    let notification_url = params
        .get("notification_url")
        .map(str::to_owned)
        .or_else(|| state.config.notification_url.clone());
    if let Some(url) = &notification_url {
        let fetcher = fetcher
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("notifications are unavailable")))?;
        fetcher.check_target(url).map_err(|e| {
            ApiError::from(Reason::InvalidParameter {
                name: "notification_url".into(),
                detail: e.to_string(),
            })
        })?;
    }
    Ok(Reply {
        base: PublicBase::for_request(state.config.public_url.as_deref(), request)
            .as_str()
            .to_owned(),
        algorithm: caller.response_algorithm(),
        notification_url,
    })
}

/// Unix seconds now, for timestamp checks.
fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
