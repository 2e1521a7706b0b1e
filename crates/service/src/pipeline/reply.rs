//! How an upload or explicit call is answered, now or from a queued job.

use common::signing::{response_signature, Algorithm};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use store::Asset;

use crate::AppState;

/// Decided from the request when it arrives (the route checks the
/// notification URL against the address rules) and kept with a queued job:
/// the base of delivery URLs, the digest of the response signature, and
/// where to send a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub base: String,
    pub algorithm: Algorithm,
    pub notification_url: Option<String>,
}

impl Reply {
    /// Adds what the upload and explicit responses carry beyond the
    /// resource: the response signature of `asset` (in the digest the
    /// caller's request used) and the api_key.
    pub fn sign(
        &self,
        state: &AppState,
        asset: &Asset,
        mut body: Map<String, Value>,
    ) -> Map<String, Value> {
        let credentials = &state.config.credentials;
        let signature = response_signature(
            &asset.public_id,
            asset.version,
            credentials.api_secret.expose_secret(),
            self.algorithm,
        );
        body.insert("signature".into(), json!(signature));
        body.insert("api_key".into(), json!(credentials.api_key));
        body
    }
}
