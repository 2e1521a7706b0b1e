//! The upload and explicit calls themselves: a request parsed once (by the
//! route that received it) in, the signed response body out. The Upload
//! API's routes run a request here when it is answered now, or queue it as
//! it is; the queue's workers run what they claim here too, so neither calls
//! the other.
//!
//! Each request type is serialisable: a queued job keeps the request as it
//! was parsed, and nothing is read from the parameters again.

mod explicit;
mod reply;
mod upload;

pub use explicit::{explicit, explicit_key, ExplicitRequest};
pub use reply::Reply;
pub use upload::{upload, UploadRequest};

use serde_json::{Map, Value};
use store::Asset;

use crate::ops::similar::{duplicates_of, Duplicate};
use crate::params::ExtractionRequest;
use crate::resource::{render_resource, PublicBase};
use crate::{structured_metadata, ApiError, AppState};

/// The resource JSON of `asset` as `reply` answers it: `shown` analyses,
/// delivery URLs under the call's base, structured metadata.
async fn resource_body(
    state: &AppState,
    asset: &Asset,
    shown: &ExtractionRequest,
    reply: &Reply,
) -> Result<Map<String, Value>, ApiError> {
    let urls = PublicBase::new(&reply.base).delivery_urls(&state.config.cloud_name, asset);
    let mut body = render_resource(asset, shown, urls);
    structured_metadata::add_to_resource(state, asset, &mut body).await?;
    Ok(body)
}

/// `duplicates=true`: the near duplicates of `asset`, and the asset they are
/// near (hashed now when it had no pHash).
async fn duplicates(
    state: &AppState,
    asset: Asset,
    wanted: bool,
) -> Result<(Asset, Option<Vec<Duplicate>>), ApiError> {
    if !wanted {
        return Ok((asset, None));
    }
    let (near, found) = duplicates_of(state, &asset).await?;
    Ok((near, Some(found)))
}
