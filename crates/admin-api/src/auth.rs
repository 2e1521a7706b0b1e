//! HTTP Basic authentication with the account's API key and secret, as both
//! SDKs send it (`Authorization: Basic base64(key:secret)`), and the check
//! that the path names our cloud.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::Header;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
// The actix team's parser for the `Authorization: Basic` header (scheme,
// base64, the `key:secret` split) instead of hand-rolled parsing.
use actix_web_httpauth::headers::authorization::{Authorization, Basic};
use common::Credentials;
use service::{ApiError, Reason};

/// The API key a request proved it holds. Put in the request extensions for
/// the rate limiter, which spends from this key's budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedKey(pub String);

/// Who may call the admin API: the one account of this deployment.
#[derive(Debug, Clone)]
pub struct Authenticator {
    cloud_name: String,
    credentials: Credentials,
}

impl Authenticator {
    pub fn new(cloud_name: impl Into<String>, credentials: Credentials) -> Self {
        Authenticator {
            cloud_name: cloud_name.into(),
            credentials,
        }
    }

    /// Checks the credentials a request presents for `cloud`.
    pub fn verify(
        &self,
        cloud: &str,
        presented: Option<&Basic>,
    ) -> Result<AuthenticatedKey, ApiError> {
        let Some(presented) = presented else {
            return Err(Reason::MustSupply {
                what: "api_key".into(),
            }
            .into());
        };
        let secret = presented.password().unwrap_or_default();
        if !self.credentials.matches(presented.user_id(), secret) {
            return Err(Reason::InvalidCredentials.into());
        }
        if cloud != self.cloud_name {
            return Err(Reason::InvalidCloudName {
                cloud: cloud.to_string(),
            }
            .into());
        }
        Ok(AuthenticatedKey(self.credentials.api_key.clone()))
    }
}

/// Middleware: refuses a request without valid credentials with 401 and the
/// Cloudinary error body, before any other work (and before the rate limiter,
/// so a refused call spends nothing and carries no rate-limit headers).
pub async fn require_credentials(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let authenticator = req
        .app_data::<web::Data<Authenticator>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("admin authenticator not configured")))?;
    let presented = Authorization::<Basic>::parse(&req).ok();
    let cloud = req.match_info().get("cloud").unwrap_or_default();
    match authenticator.verify(cloud, presented.as_ref().map(Authorization::as_ref)) {
        Ok(key) => {
            req.extensions_mut().insert(key);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(refusal) => {
            let response = refusal.error_response();
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authenticator() -> Authenticator {
        Authenticator::new("demo", Credentials::new("123456789012345", "abcd"))
    }

    fn basic(key: &str, secret: &str) -> Basic {
        Basic::new(key.to_owned(), Some(secret.to_owned()))
    }

    #[test]
    fn the_right_key_and_secret_pass() {
        let key = authenticator()
            .verify("demo", Some(&basic("123456789012345", "abcd")))
            .unwrap();
        assert_eq!(key, AuthenticatedKey("123456789012345".into()));
    }

    #[test]
    fn a_wrong_secret_or_key_is_refused() {
        for (key, secret) in [
            ("123456789012345", "abce"),
            ("123456789012345", ""),
            ("999", "abcd"),
            ("", ""),
        ] {
            let err = authenticator()
                .verify("demo", Some(&basic(key, secret)))
                .unwrap_err();
            assert!(
                matches!(err, ApiError::Reason(Reason::InvalidCredentials)),
                "{key}:{secret} gave {err:?}"
            );
        }
    }

    #[test]
    fn missing_credentials_ask_for_an_api_key() {
        let err = authenticator().verify("demo", None).unwrap_err();
        assert_eq!(err.to_string(), "Must supply api_key");
    }

    #[test]
    fn another_cloud_is_refused() {
        let err = authenticator()
            .verify("other", Some(&basic("123456789012345", "abcd")))
            .unwrap_err();
        assert!(matches!(
            err,
            ApiError::Reason(Reason::InvalidCloudName { .. })
        ));
        assert!(err.to_string().contains("other"));
    }
}
