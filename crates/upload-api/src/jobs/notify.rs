//! Notification delivery, signed as Cloudinary signs its webhooks so that
//! the SDKs' `verify_notification_signature` accepts them: `X-Cld-Timestamp`
//! is the unix time of the delivery, `X-Cld-Signature` the hex SHA-1 (or
//! SHA-256, `ASSAY_SIGNATURE_ALGORITHM`) of body, timestamp and API secret
//! concatenated.

use std::time::Duration;

use common::signing::{sign, Algorithm};
use secrecy::ExposeSecret;
use service::AppState;

use crate::source::remote::PostError;
use crate::source::RemoteFetcher;

/// How long one delivery may take, connection included: a receiver that
/// does not answer holds a delivery slot no longer than this.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The `X-Cld-Signature` of `body` sent at `timestamp`.
pub fn notification_signature(
    body: &str,
    timestamp: i64,
    secret: &str,
    algorithm: Algorithm,
) -> String {
    sign(&format!("{body}{timestamp}"), secret, algorithm)
}

/// Why a delivery attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// The address rules refuse the destination: no retry can succeed.
    Refused(String),
    /// A network error, a timeout or a status other than 2xx.
    Failed(String),
}

/// One delivery attempt of `body` to `url`.
pub async fn deliver(
    state: &AppState,
    fetcher: &RemoteFetcher,
    url: &str,
    body: &str,
) -> Result<(), Undelivered> {
    let timestamp = chrono::Utc::now().timestamp();
    let signature = notification_signature(
        body,
        timestamp,
        state.config.credentials.api_secret.expose_secret(),
        state.config.signature_algorithm,
    );
    let headers = [
        ("X-Cld-Timestamp", timestamp.to_string()),
        ("X-Cld-Signature", signature),
    ];
    match fetcher
        .post_json(url, body.as_bytes().to_vec(), &headers, DELIVERY_TIMEOUT)
        .await
    {
        Ok(status) if status.is_success() => Ok(()),
        Ok(status) => Err(Undelivered::Failed(format!("{url} answered {status}"))),
        Err(PostError::Refused(why)) => Err(Undelivered::Refused(why)),
        Err(PostError::Failed(why)) => Err(Undelivered::Failed(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value the SDKs compute: Python's `verify_notification_signature`
    /// hashes `'{}{}{}'.format(body, timestamp, api_secret)`.
    #[test]
    fn the_signature_is_the_digest_of_body_timestamp_and_secret() {
        use sha1::Digest;
        let body = r#"{"public_id":"x","notification_type":"upload"}"#;
        let expected = hex::encode(sha1::Sha1::digest(format!("{body}1700000000abcd")));
        assert_eq!(
            notification_signature(body, 1_700_000_000, "abcd", Algorithm::Sha1),
            expected
        );
        assert_eq!(
            notification_signature(body, 1_700_000_000, "abcd", Algorithm::Sha256).len(),
            64
        );
    }
}
