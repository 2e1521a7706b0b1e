//! Errors of other modules become [`ApiError`]s here: a client's mistake
//! becomes its [`Reason`], anything else is [`ApiError::Internal`].

use common::signing::SigningError;
use extract::ExtractError;
use store::StoreError;

use super::{ApiError, Reason};

impl From<SigningError> for ApiError {
    fn from(err: SigningError) -> Self {
        match err {
            SigningError::InvalidSignature { .. } => Reason::Signature(err).into(),
            // Timestamp problems are request errors (the spec's choice for stale ones).
            SigningError::MissingTimestamp
            | SigningError::MalformedTimestamp(_)
            | SigningError::Stale { .. }
            | SigningError::FromTheFuture { .. } => Reason::Timestamp(err).into(),
        }
    }
}

impl From<ExtractError> for ApiError {
    fn from(err: ExtractError) -> Self {
        if err.is_client_error() {
            Reason::Extract(err).into()
        } else {
            ApiError::internal(err)
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(key) => Reason::ResourceNotFound {
                public_id: key.public_id,
            }
            .into(),
            // A bad expression, sort, page size, aggregation or cursor,
            // with the position in the expression where there is one.
            StoreError::Search(err) => Reason::Search(err).into(),
            StoreError::InvalidCursor => Reason::InvalidParameter {
                name: "next_cursor".into(),
                detail: "not a cursor this server issued".into(),
            }
            .into(),
            StoreError::VersionChanged { key, .. } => Reason::VersionChanged {
                public_id: key.public_id,
            }
            .into(),
            refused @ (StoreError::AlreadyExists(_)
            | StoreError::MetadataMissing(_)
            | StoreError::TooManyTags { .. }) => Reason::StoreRefused(refused).into(),
            changed @ StoreError::MetadataFieldChanged(_) => Reason::StoreConflict(changed).into(),
            // A budget, like the admin API's: both SDKs read 420 as "rate limited".
            too_many @ (StoreError::TooManyVersions { .. } | StoreError::QueueFull { .. }) => {
                Reason::StoreBudget(too_many).into()
            }
            other => ApiError::internal(other),
        }
    }
}
