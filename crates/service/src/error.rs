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
//! Each sentence Cloudinary answers with has one constructor here, so its
//! wording lives in one place.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use common::signing::SigningError;
use extract::ExtractError;
use serde_json::json;

/// A failed API call, classified by the status it answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: a missing or invalid parameter, a bad file.
    #[error("{0}")]
    BadRequest(String),
    /// Missing, unknown or wrong credentials or signature.
    #[error("{0}")]
    Unauthorized(String),
    /// No asset with this public_id (or no such route).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// The request body is over the decoder's caps (see [`crate::body`]).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Over the admin API budget; 420 is what both SDKs map to their rate-limit error.
    #[error("{0}")]
    RateLimited(String),
    /// Our fault. The cause is logged; the client sees an opaque message.
    #[error("Internal server error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// `Missing required parameter - <name>`, Cloudinary's wording.
    pub fn missing_parameter(name: &str) -> Self {
        ApiError::BadRequest(format!("Missing required parameter - {name}"))
    }

    /// `File size too large. Got <n>. Maximum is <max>.`, Cloudinary's
    /// wording; without `Got` when the size is not known.
    pub fn file_too_large(got: Option<u64>, max: u64) -> Self {
        ApiError::BadRequest(match got {
            Some(got) => format!("File size too large. Got {got}. Maximum is {max}."),
            None => format!("File size too large. Maximum is {max}."),
        })
    }

    /// `Must supply <what>` (api_key, signature...): 401, Cloudinary's wording.
    pub fn must_supply(what: &str) -> Self {
        ApiError::Unauthorized(format!("Must supply {what}"))
    }

    /// `Unknown API key <key>`: 401, Cloudinary's wording.
    pub fn unknown_api_key(api_key: &str) -> Self {
        ApiError::Unauthorized(format!("Unknown API key {api_key}"))
    }

    /// `Invalid cloud_name <cloud>`: 401, Cloudinary's wording.
    pub fn invalid_cloud_name(cloud: &str) -> Self {
        ApiError::Unauthorized(format!("Invalid cloud_name {cloud}"))
    }

    /// A request body over one of the decoder's caps; `what` says which.
    pub fn body_too_large(what: impl std::fmt::Display) -> Self {
        ApiError::PayloadTooLarge(format!("Request body too large: {what}"))
    }

    /// A parameter that is present but unusable; the message names it.
    pub fn invalid_parameter(name: &str, reason: impl std::fmt::Display) -> Self {
        ApiError::BadRequest(format!("Invalid {name}: {reason}"))
    }

    /// `Resource not found - <public_id>`, Cloudinary's wording.
    pub fn resource_not_found(public_id: &str) -> Self {
        ApiError::NotFound(format!("Resource not found - {public_id}"))
    }

    /// Wraps an unexpected failure; its cause chain goes to the log only.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(cause.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited(_) => {
                StatusCode::from_u16(420).unwrap_or(StatusCode::TOO_MANY_REQUESTS)
            }
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

impl From<SigningError> for ApiError {
    fn from(err: SigningError) -> Self {
        match err {
            SigningError::InvalidSignature { .. } => ApiError::Unauthorized(err.to_string()),
            // Timestamp problems are request errors (the spec's choice for stale ones).
            SigningError::MissingTimestamp
            | SigningError::MalformedTimestamp(_)
            | SigningError::Stale { .. }
            | SigningError::FromTheFuture { .. } => ApiError::BadRequest(err.to_string()),
        }
    }
}

impl From<ExtractError> for ApiError {
    fn from(err: ExtractError) -> Self {
        if err.is_client_error() {
            ApiError::BadRequest(err.to_string())
        } else {
            ApiError::internal(err)
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        match err {
            store::StoreError::NotFound(key) => ApiError::resource_not_found(&key.public_id),
            // A bad expression, sort, page size, aggregation or cursor,
            // with the position in the expression where there is one.
            store::StoreError::Search(err) => ApiError::BadRequest(err.to_string()),
            store::StoreError::InvalidCursor => {
                ApiError::invalid_parameter("next_cursor", "not a cursor this server issued")
            }
            store::StoreError::VersionChanged { key, .. } => ApiError::Conflict(format!(
                "Resource {} was replaced by another version while it was being analysed; \
                 nothing was stored, retry the request",
                key.public_id
            )),
            // 400, not 409: the Node SDK's upload client reads no 409 body.
            exists @ store::StoreError::AlreadyExists(_) => {
                ApiError::BadRequest(exists.to_string())
            }
            changed @ store::StoreError::MetadataFieldChanged(_) => {
                ApiError::Conflict(changed.to_string())
            }
            missing @ store::StoreError::MetadataMissing(_) => {
                ApiError::BadRequest(missing.to_string())
            }
            too_many @ store::StoreError::TooManyTags { .. } => {
                ApiError::BadRequest(too_many.to_string())
            }
            // A budget, like the admin API's: both SDKs read 420 as "rate limited".
            too_many @ (store::StoreError::TooManyVersions { .. }
            | store::StoreError::QueueFull { .. }) => ApiError::RateLimited(too_many.to_string()),
            other => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(err: ApiError) -> (u16, serde_json::Value) {
        let response = err.error_response();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body()).await.expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[actix_web::test]
    async fn errors_use_the_cloudinary_body() {
        let (status, body) = body_of(ApiError::missing_parameter("file")).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"error": {"message": "Missing required parameter - file"}})
        );
    }

    #[actix_web::test]
    async fn oversized_bodies_answer_a_json_413() {
        let (status, body) = body_of(ApiError::body_too_large("more than 1000 fields")).await;
        assert_eq!(status, 413);
        assert_eq!(
            body,
            json!({"error": {"message": "Request body too large: more than 1000 fields"}})
        );
    }

    #[test]
    fn the_file_size_sentence_with_and_without_the_size() {
        assert_eq!(
            ApiError::file_too_large(Some(11), 10).to_string(),
            "File size too large. Got 11. Maximum is 10."
        );
        assert_eq!(
            ApiError::file_too_large(None, 10).to_string(),
            "File size too large. Maximum is 10."
        );
    }

    #[actix_web::test]
    async fn rate_limits_answer_420() {
        let (status, _) = body_of(ApiError::RateLimited("slow down".into())).await;
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
