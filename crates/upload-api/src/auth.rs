//! Signed requests (upload, explicit): `api_key`, `timestamp` and `signature`
//! checked exactly as the SDKs sign (common::signing), over exactly the
//! parameter map the handlers then read ([`Params`]).

use common::signing;
use common::Credentials;
use secrecy::ExposeSecret;
use service::params::Params;
use service::ApiError;

/// Accepts `params` only if they carry our api_key, a fresh timestamp and a
/// valid signature by our secret. `now` is unix seconds.
pub fn verify_signed_request(
    params: &Params,
    credentials: &Credentials,
    now: i64,
) -> Result<(), ApiError> {
    let api_key = params
        .get("api_key")
        .ok_or_else(|| ApiError::must_supply("api_key"))?;
    if api_key != credentials.api_key {
        return Err(ApiError::unknown_api_key(api_key));
    }
    let signature = params
        .get("signature")
        .ok_or_else(|| ApiError::must_supply("signature"))?;
    signing::check_timestamp(params.get("timestamp"), now)?;
    signing::verify(
        params.iter(),
        credentials.api_secret.expose_secret(),
        signature,
    )?;
    Ok(())
}

/// The check run when a multipart `file` part begins: a request that
/// already carries its `signature` must verify with the fields sent so far,
/// so a forged or replayed-and-altered one is refused before its file is
/// read. Without a signature yet, the full check after the body decides.
pub fn verify_before_file(
    params: &Params,
    credentials: &Credentials,
    now: i64,
) -> Result<(), ApiError> {
    if params.get("signature").is_some() {
        verify_signed_request(params, credentials, now)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn credentials() -> Credentials {
        Credentials::new("123456789012345", "abcd")
    }

    /// The Python SDK's data-URI upload captured on the wire (cloudinary-api.md §3.5).
    fn captured(signature: &str) -> Params {
        Params::parse([
            ("public_id", "b64"),
            ("timestamp", "1700000000"),
            ("signature", signature),
            ("api_key", "123456789012345"),
        ])
        .unwrap()
    }

    #[test]
    fn a_captured_sdk_request_is_accepted() {
        verify_signed_request(
            &captured("e49b36b7de5758408d4b0effadbb7ae61b0cc3a0"),
            &credentials(),
            NOW,
        )
        .unwrap();
    }

    #[test]
    fn a_wrong_signature_is_401_with_the_string_to_sign() {
        let err = verify_signed_request(
            &captured("0000000000000000000000000000000000000000"),
            &credentials(),
            NOW,
        )
        .unwrap_err();
        assert!(
            matches!(&err, ApiError::Unauthorized(m) if m.contains("String to sign - 'public_id=b64&timestamp=1700000000'")),
            "{err}"
        );
    }

    #[test]
    fn a_stale_timestamp_is_refused_before_the_signature_is_checked() {
        let err = verify_signed_request(
            &captured("e49b36b7de5758408d4b0effadbb7ae61b0cc3a0"),
            &credentials(),
            NOW + 7200,
        )
        .unwrap_err();
        assert!(
            matches!(&err, ApiError::BadRequest(m) if m.starts_with("Stale request")),
            "{err}"
        );
    }

    #[test]
    fn missing_or_unknown_keys_are_401() {
        let mut params = Params::parse([("timestamp", "1700000000"), ("signature", "x")]).unwrap();
        assert!(matches!(
            verify_signed_request(&params, &credentials(), NOW),
            Err(ApiError::Unauthorized(_))
        ));
        params.insert("api_key".into(), "999".into()).unwrap();
        let err = verify_signed_request(&params, &credentials(), NOW).unwrap_err();
        assert_eq!(err.to_string(), "Unknown API key 999");
    }
}
