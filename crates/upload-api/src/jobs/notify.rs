//! Notification delivery, signed as Cloudinary signs its webhooks so that
//! the SDKs' `verify_notification_signature` accepts them: `X-Cld-Timestamp`
//! is the unix time of the delivery, `X-Cld-Signature` the hex SHA-1 (or
//! SHA-256, `ASSAY_SIGNATURE_ALGORITHM`) of body, timestamp and API secret
//! concatenated.

use common::signing::{sign, Algorithm};
use secrecy::ExposeSecret;
use service::AppState;

use crate::source::RemoteFetcher;

/// The `X-Cld-Signature` of `body` sent at `timestamp`.
pub fn notification_signature(
    body: &str,
    timestamp: i64,
    secret: &str,
    algorithm: Algorithm,
) -> String {
    sign(&format!("{body}{timestamp}"), secret, algorithm)
}

/// One delivery attempt of `body` to `url`; `Err` says why it failed (a
/// network error or a status other than 2xx), for the retry log.
pub async fn deliver(
    state: &AppState,
    fetcher: &RemoteFetcher,
    url: &str,
    body: &str,
) -> Result<(), String> {
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
        .post_json(url, body.as_bytes().to_vec(), &headers)
        .await
    {
        Ok(status) if status.is_success() => Ok(()),
        Ok(status) => Err(format!("{url} answered {status}")),
        Err(e) => Err(e.to_string()),
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
