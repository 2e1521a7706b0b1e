//! Who may write through the Upload API, checked as Cloudinary checks it:
//! a request signed with our secret (`api_key`, `timestamp`, `signature`, as
//! the SDKs sign, see common::signing), or HTTP Basic auth with the API key
//! and secret (what `curl -u key:secret` sends; Cloudinary accepts it on the
//! Upload API too).
//!
//! A signature is checked over exactly the parameter map the handlers then
//! read ([`Params`]).

use actix_web::http::header::Header;
use actix_web::HttpRequest;
// The actix team's parser for `Authorization: Basic` (as the admin API uses).
use actix_web_httpauth::headers::authorization::{Authorization, Basic};
use common::signing::{self, Algorithm};
use common::Credentials;
use secrecy::ExposeSecret;
use service::params::Params;
use service::{ApiError, Reason};

/// How a request proved it holds the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Signed parameters; the digest the client chose (by signature length).
    Signed(Algorithm),
    /// `Authorization: Basic` with the key and secret.
    Basic,
    /// No credentials at all: an unsigned upload, which only an unsigned
    /// upload preset admits (service::presets).
    Unsigned,
}

impl Caller {
    /// The digest of the response's `signature`: the one the request was
    /// signed with, so an SDK configured for SHA-256 verifies it; SHA-1, the
    /// SDKs' default, otherwise.
    pub fn response_algorithm(self) -> Algorithm {
        match self {
            Caller::Signed(algorithm) => algorithm,
            Caller::Basic | Caller::Unsigned => Algorithm::Sha1,
        }
    }
}

/// Accepts the request when it carries valid Basic credentials, or else our
/// api_key, a fresh timestamp and a valid signature by our secret in
/// `params`. `now` is unix seconds.
pub fn authenticate(
    request: &HttpRequest,
    params: &Params,
    credentials: &Credentials,
    now: i64,
) -> Result<Caller, ApiError> {
    match Authorization::<Basic>::parse(request) {
        Ok(basic) => verify_basic(basic.as_ref(), credentials),
        Err(_) => verify_signed_request(params, credentials, now),
    }
}

/// As [`authenticate`], except that a request presenting no credentials at
/// all (no Basic header, no api_key, no signature) is an unsigned upload.
pub fn authenticate_upload(
    request: &HttpRequest,
    params: &Params,
    credentials: &Credentials,
    now: i64,
) -> Result<Caller, ApiError> {
    let presents_credentials = request.headers().contains_key("authorization")
        || params.contains("api_key")
        || params.contains("signature");
    if presents_credentials {
        authenticate(request, params, credentials, now)
    } else {
        Ok(Caller::Unsigned)
    }
}

/// Basic credentials present: they must be ours (a wrong pair is not
/// retried as a signed request).
fn verify_basic(presented: &Basic, credentials: &Credentials) -> Result<Caller, ApiError> {
    let secret = presented.password().unwrap_or_default();
    if credentials.matches(presented.user_id(), secret) {
        Ok(Caller::Basic)
    } else {
        Err(Reason::InvalidCredentials.into())
    }
}

/// Accepts `params` only if they carry our api_key, a fresh timestamp and a
/// valid signature by our secret.
pub fn verify_signed_request(
    params: &Params,
    credentials: &Credentials,
    now: i64,
) -> Result<Caller, ApiError> {
    let api_key = params.get("api_key").ok_or_else(|| {
        ApiError::from(Reason::MustSupply {
            what: "api_key".into(),
        })
    })?;
    if api_key != credentials.api_key {
        return Err(Reason::UnknownApiKey {
            api_key: api_key.to_string(),
        }
        .into());
    }
    let signature = params.get("signature").ok_or_else(|| {
        ApiError::from(Reason::MustSupply {
            what: "signature".into(),
        })
    })?;
    signing::check_timestamp(params.get("timestamp"), now)?;
    let algorithm = signing::verify(
        params.iter(),
        credentials.api_secret.expose_secret(),
        signature,
    )?;
    Ok(Caller::Signed(algorithm))
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
        verify_signed_request(params, credentials, now).map(|_| ())
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
        let caller = verify_signed_request(
            &captured("e49b36b7de5758408d4b0effadbb7ae61b0cc3a0"),
            &credentials(),
            NOW,
        )
        .unwrap();
        assert_eq!(caller.response_algorithm(), Algorithm::Sha1);
    }

    #[test]
    fn a_sha256_request_gets_a_sha256_response_signature() {
        let mut params =
            Params::parse([("public_id", "b64"), ("timestamp", "1700000000")]).unwrap();
        let signature = signing::sign_params(params.iter(), "abcd", Algorithm::Sha256);
        params.insert("signature".into(), signature).unwrap();
        params
            .insert("api_key".into(), "123456789012345".into())
            .unwrap();
        let caller = verify_signed_request(&params, &credentials(), NOW).unwrap();
        assert_eq!(caller, Caller::Signed(Algorithm::Sha256));
    }

    fn with_basic(user: &str, password: &str) -> HttpRequest {
        use base64::Engine;
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        actix_web::test::TestRequest::default()
            .insert_header(("Authorization", format!("Basic {encoded}")))
            .to_http_request()
    }

    #[test]
    fn no_credentials_at_all_is_an_unsigned_upload_and_nothing_else() {
        let request = actix_web::test::TestRequest::default().to_http_request();
        let bare = Params::parse([("upload_preset", "p")]).unwrap();
        assert_eq!(
            authenticate_upload(&request, &bare, &credentials(), NOW).unwrap(),
            Caller::Unsigned
        );
        assert!(
            authenticate(&request, &bare, &credentials(), NOW).is_err(),
            "explicit and the rest need credentials"
        );
        let half_signed = Params::parse([("upload_preset", "p"), ("signature", "x")]).unwrap();
        assert!(authenticate_upload(&request, &half_signed, &credentials(), NOW).is_err());
    }

    #[test]
    fn basic_credentials_stand_in_for_a_signature() {
        let unsigned = Params::parse([("public_id", "x")]).unwrap();
        let caller = authenticate(
            &with_basic("123456789012345", "abcd"),
            &unsigned,
            &credentials(),
            NOW,
        )
        .unwrap();
        assert_eq!(caller, Caller::Basic);
        let err = authenticate(
            &with_basic("123456789012345", "abce"),
            &unsigned,
            &credentials(),
            NOW,
        )
        .unwrap_err();
        assert!(
            matches!(err, ApiError::Reason(Reason::InvalidCredentials)),
            "{err}"
        );
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
            matches!(&err, ApiError::Reason(Reason::Signature(_)) if err.to_string().contains("String to sign - 'public_id=b64&timestamp=1700000000'")),
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
            matches!(&err, ApiError::Reason(Reason::Timestamp(_)) if err.to_string().starts_with("Stale request")),
            "{err}"
        );
    }

    #[test]
    fn missing_or_unknown_keys_are_401() {
        let mut params = Params::parse([("timestamp", "1700000000"), ("signature", "x")]).unwrap();
        assert!(matches!(
            verify_signed_request(&params, &credentials(), NOW),
            Err(ApiError::Reason(Reason::MustSupply { .. }))
        ));
        params.insert("api_key".into(), "999".into()).unwrap();
        let err = verify_signed_request(&params, &credentials(), NOW).unwrap_err();
        assert_eq!(err.to_string(), "Unknown API key 999");
    }
}
