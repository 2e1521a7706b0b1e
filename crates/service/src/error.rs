//! `ApiError`: the one place where a failure becomes an HTTP status and the
//! Cloudinary error body `{"error": {"message": ...}}`.
//!
//! Statuses are limited to those both official SDKs read the body of
//! (200, 400, 401, 403, 404, 409, 420, 429, 500). The Node upload client
//! reports anything else (413, 415, 422, 503...) as an opaque "unexpected
//! status", so oversized or unsupported files are 400s here, as at Cloudinary.
//! The one exception is 413 for a request body over the decoder's caps (too
//! many fields, too much text, too many bytes): no SDK sends such a body, and
//! a raw client gets the HTTP status that says what happened.
//!
//! Why a request is refused is a [`Reason`]: its `Display` is the sentence
//! (Cloudinary's wording where Cloudinary has one) and its status follows
//! from the variant ([`ReasonKind::status`]), so no route writes a sentence
//! or picks a status. Errors of other modules that carry a client's mistake
//! become reasons in `convert`.

mod convert;
mod reason;

pub use reason::{Reason, ReasonKind};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// A failed API call: a refusal with its reason, or our own failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The client's request is refused; the reason gives sentence and status.
    #[error(transparent)]
    Reason(#[from] Reason),
    /// Our fault. The cause is logged; the client sees an opaque message.
    #[error("Internal server error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// Wraps an unexpected failure; its cause chain goes to the log only.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(cause.into())
    }

    /// The reason, when the client is refused (not our failure).
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            ApiError::Reason(reason) => Some(reason),
            ApiError::Internal(_) => None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Reason(reason) => reason.status(),
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        HttpResponse::build(self.status_code())
            .json(json!({ "error": { "message": self.to_string() } }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;
    use common::signing::SigningError;
    use extract::ExtractError;

    async fn body_of(err: ApiError) -> (u16, serde_json::Value) {
        let response = err.error_response();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body()).await.expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[actix_web::test]
    async fn errors_use_the_cloudinary_body() {
        let (status, body) = body_of(ApiError::from(Reason::MissingParameter {
            name: "file".into(),
        }))
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"error": {"message": "Missing required parameter - file"}})
        );
    }

    #[actix_web::test]
    async fn oversized_bodies_answer_a_json_413() {
        let (status, body) = body_of(ApiError::from(Reason::BodyTooLarge {
            what: "more than 1000 fields".into(),
        }))
        .await;
        assert_eq!(status, 413);
        assert_eq!(
            body,
            json!({"error": {"message": "Request body too large: more than 1000 fields"}})
        );
    }

    #[test]
    fn the_file_size_sentence_with_and_without_the_size() {
        assert_eq!(
            ApiError::from(Reason::FileTooLarge {
                got: Some(11),
                max: 10
            })
            .to_string(),
            "File size too large. Got 11. Maximum is 10."
        );
        assert_eq!(
            ApiError::from(Reason::FileTooLarge { got: None, max: 10 }).to_string(),
            "File size too large. Maximum is 10."
        );
    }

    #[actix_web::test]
    async fn rate_limits_answer_420() {
        let (status, _) = body_of(ApiError::from(Reason::RateLimitExceeded {
            limit: 500,
            reset_at: chrono::Utc::now(),
        }))
        .await;
        assert_eq!(status, 420);
    }

    #[actix_web::test]
    async fn internal_errors_hide_their_cause() {
        let (status, body) = body_of(ApiError::internal(anyhow::anyhow!(
            "disk /secret/path full"
        )))
        .await;
        assert_eq!(status, 500);
        assert!(!body.to_string().contains("/secret/path"));
    }

    #[test]
    fn signing_errors_map_to_401_or_400() {
        let bad = ApiError::from(SigningError::InvalidSignature {
            signature: "x".into(),
            string_to_sign: "a=1".into(),
        });
        assert_eq!(bad.status_code(), StatusCode::UNAUTHORIZED);
        let stale = ApiError::from(SigningError::Stale { reported: 0 });
        assert_eq!(stale.status_code(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn oversized_files_are_400_not_413() {
        let err = ApiError::from(ExtractError::TooLarge {
            limit: extract::error::LimitKind::Bytes,
            actual: 11,
            max: 10,
        });
        assert_eq!(err.status_code(), StatusCode::BAD_REQUEST);
        assert_eq!(
            err.to_string(),
            "File size too large. Got 11. Maximum is 10."
        );
    }
}
