//! [`Reason`]: why a request is refused. Each variant's `Display` is the
//! sentence the client reads (Cloudinary's where Cloudinary has one), its
//! fields are what the sentence names, and its HTTP status follows from the
//! variant alone ([`ReasonKind::status`]), as meilisearch's `Code` and lemmy's
//! `LemmyErrorType` do.
//!
//! A test walks every [`ReasonKind`] (its status, a sentence), and another
//! fails when a variant is built nowhere (`tests/reasons_are_used.rs`).

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use common::signing::SigningError;
use extract::ExtractError;
use store::search::SearchError;
use store::StoreError;

use crate::structured_metadata::MetadataError;

/// Why a request is refused: the sentence and, through its kind, the status.
///
/// Sentences another module already owns as a typed error (signing, the
/// store, extraction, metadata) are carried as that error, so their wording
/// stays in one place: there.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(ReasonKind),
    vis(pub),
    derive(strum::EnumIter, strum::EnumCount, strum::IntoStaticStr, Hash)
)]
pub enum Reason {
    // ---- 400: the request is malformed.
    /// A parameter the call needs is absent.
    #[error("Missing required parameter - {name}")]
    MissingParameter { name: String },
    /// A parameter that is present but unusable; `detail` says why.
    #[error("Invalid {name}: {detail}")]
    InvalidParameter { name: String, detail: String },
    /// A parameter given twice where one value is expected.
    #[error("Invalid {name}: given more than once")]
    GivenTwice { name: String },
    /// A text parameter with control characters in it.
    #[error("Invalid {name}: must not contain control characters")]
    ControlCharacters { name: String },
    /// A Cloudinary parameter this server does not implement.
    #[error("Invalid {name}: is not supported by this server")]
    UnsupportedHere { name: String },
    /// A `resource_type` outside Cloudinary's three.
    #[error("Invalid resource_type: {value:?} is not image, video or raw")]
    UnknownResourceType { value: String },
    /// A delivery type (`type`, `to_type`...) outside Cloudinary's three.
    #[error("Invalid {name}: {value:?} is not upload, private or authenticated")]
    UnknownDeliveryType { name: String, value: String },
    /// A public_id the naming rules refuse.
    #[error("Invalid {name}: {value:?} is not a valid public_id")]
    InvalidPublicId { name: String, value: String },
    /// A `file` given to a call that takes none.
    #[error("Invalid file: this call takes none")]
    FileNotTaken,
    /// `keep_original=false` on a delete: no derived assets are kept.
    #[error(
        "Invalid keep_original: derived assets are not kept, so there is nothing else to delete"
    )]
    NoDerivedToKeep,
    /// A parameter name outside `[a-z_]+` (with `[]` for an array);
    /// `shown` is its first characters, `truncated` whether there were more.
    #[error(
        "Invalid parameter name {shown:?}{}: names are lowercase letters and _, \
         with [] for an array",
        if *.truncated { "..." } else { "" }
    )]
    InvalidParameterName { shown: String, truncated: bool },
    /// A file over the size limit; `got` when its size is known.
    #[error(
        "File size too large. {}Maximum is {max}.",
        .got.map(|got| format!("Got {got}. ")).unwrap_or_default()
    )]
    FileTooLarge { got: Option<u64>, max: u64 },
    /// A call with an empty body.
    #[error("Missing request body")]
    MissingBody,
    /// A body of a media type the call does not decode.
    #[error("Unsupported Content-Type {media_type}: use {accepted}")]
    UnsupportedContentType {
        media_type: String,
        accepted: String,
    },
    /// A JSON body serde could not read.
    #[error("Invalid JSON body: {detail}")]
    InvalidJsonBody { detail: String },
    /// The connection failed while the body was read.
    #[error("Reading the body: {detail}")]
    BrokenBody { detail: String },
    /// A multipart body that does not parse.
    #[error("Malformed multipart body: {detail}")]
    MalformedMultipart { detail: String },
    /// The request ran past the server's time limit.
    #[error("Request timeout - not completed within {seconds} seconds")]
    RequestTimeout { seconds: f64 },
    /// A `file` URL that does not parse.
    #[error("Invalid remote URL {url}: {detail}")]
    InvalidRemoteUrl { url: String, detail: String },
    /// A remote file that could not be fetched: `what` is the HTTP status or
    /// the failure.
    #[error("Error in loading {url} - {what}")]
    RemoteLoadFailed { url: String, what: String },
    /// A resource type other than image.
    #[error("Unsupported resource type {resource_type}: only image uploads are accepted")]
    UnsupportedResourceType { resource_type: String },
    /// An unsigned upload without `upload_preset`.
    #[error("Upload preset must be specified when using unsigned upload")]
    UnsignedWithoutPreset,
    /// A parameter an unsigned upload may not carry; `allowed` those it may.
    #[error(
        "{} parameter is not allowed when using unsigned upload. Only {} upload parameters are allowed.",
        capitalized(.name),
        .allowed.join(",")
    )]
    NotAllowedUnsigned {
        name: String,
        allowed: &'static [&'static str],
    },
    /// An unsigned upload with a preset not marked unsigned.
    #[error("Upload preset must be whitelisted for unsigned uploads")]
    PresetNotWhitelisted,
    /// An upload naming a preset that does not exist (400: the upload is
    /// what is wrong; the admin API's 404 is [`Reason::PresetNotFound`]).
    #[error("Upload preset {name} not found")]
    UnknownUploadPreset { name: String },
    /// A similarity search given both a public_id and a pHash.
    #[error("Give either public_id or phash, not both")]
    PublicIdAndPhash,
    /// A search body that does not parse.
    #[error("Invalid search parameters: {detail}")]
    InvalidSearchParameters { detail: String },
    /// A delete token past its lifetime.
    #[error("Token expired")]
    TokenExpired,
    /// A delete token this server did not issue (or already redeemed).
    #[error("Invalid token")]
    InvalidToken,
    /// A delete token whose upload was deleted or replaced since.
    #[error("Invalid token: the upload it was issued for is no longer there")]
    TokenUploadGone,
    /// A missing, malformed, stale or future timestamp (the spec's choice: a
    /// request error, not an authentication one).
    #[error(transparent)]
    Timestamp(SigningError),
    /// A file the extraction library refuses (unsupported, corrupt, too big).
    #[error(transparent)]
    Extract(ExtractError),
    /// A bad search expression, sort, page size, aggregation or cursor.
    #[error(transparent)]
    Search(SearchError),
    /// A write the store refuses as asked: the asset exists, a mandatory
    /// metadata field is missing, too many tags. 400, not 409: the Node SDK's
    /// upload client reads no 409 body.
    #[error(transparent)]
    StoreRefused(StoreError),
    /// A metadata value or field definition that does not hold.
    #[error(transparent)]
    Metadata(MetadataError),
    /// Another module's typed refusal, whose `Display` is the sentence: a
    /// chunked upload's state, the remote-URL policy, actix's extractors.
    #[error(transparent)]
    Rejected(Box<dyn std::error::Error + Send + Sync>),

    // ---- 401: missing, unknown or wrong credentials or signature.
    /// `api_key`, `signature`... absent.
    #[error("Must supply {what}")]
    MustSupply { what: String },
    /// An api_key this server does not know.
    #[error("Unknown API key {api_key}")]
    UnknownApiKey { api_key: String },
    /// A cloud name other than this server's.
    #[error("Invalid cloud_name {cloud}")]
    InvalidCloudName { cloud: String },
    /// Basic credentials that do not match.
    #[error("Invalid credentials")]
    InvalidCredentials,
    /// A signature that does not match (the sentence shows the string to sign).
    #[error(transparent)]
    Signature(SigningError),

    // ---- 404: no such thing.
    /// No asset with this public_id.
    #[error("Resource not found - {public_id}")]
    ResourceNotFound { public_id: String },
    /// A path or method no route serves.
    #[error("No route for {method} {path}")]
    NoRoute { method: String, path: String },
    /// The admin API asked for an upload preset that does not exist.
    #[error("Upload preset {name} not found")]
    PresetNotFound { name: String },
    /// A structured metadata field that does not exist.
    #[error(transparent)]
    MetadataFieldNotFound(MetadataError),

    // ---- 409: the request conflicts with what is stored.
    /// An upload preset of this name exists.
    #[error("Upload preset {name} already exists")]
    PresetExists { name: String },
    /// An overwrite landed while this asset was analysed.
    #[error(
        "Resource {public_id} was replaced by another version while it was being analysed; \
         nothing was stored, retry the request"
    )]
    VersionChanged { public_id: String },
    /// A metadata field changed while the request was processed.
    #[error(transparent)]
    StoreConflict(StoreError),

    // ---- 413: a body over the decoder's caps (see [`crate::body`]).
    /// `what` says which cap.
    #[error("Request body too large: {what}")]
    BodyTooLarge { what: String },

    // ---- 420: a budget is spent; both SDKs read 420 as "rate limited".
    /// The admin API's hourly budget.
    #[error(
        "Rate Limit Exceeded. Limit of {limit} api operations reached. Try again on {}",
        .reset_at.format("%Y-%m-%d %H:%M:%S UTC")
    )]
    RateLimitExceeded { limit: u32, reset_at: DateTime<Utc> },
    /// Too many versions of one asset, or a full job queue.
    #[error(transparent)]
    StoreBudget(StoreError),
}

impl Reason {
    /// The variant, without its fields.
    pub fn kind(&self) -> ReasonKind {
        self.into()
    }

    /// The HTTP status this reason answers with.
    pub fn status(&self) -> StatusCode {
        self.kind().status()
    }
}

impl ReasonKind {
    /// The HTTP status of every reason of this kind (see the statuses in
    /// [`crate::error`]'s module doc).
    pub fn status(self) -> StatusCode {
        use ReasonKind::*;
        match self {
            MissingParameter
            | InvalidParameter
            | GivenTwice
            | ControlCharacters
            | UnsupportedHere
            | UnknownResourceType
            | UnknownDeliveryType
            | InvalidPublicId
            | FileNotTaken
            | NoDerivedToKeep
            | InvalidParameterName
            | FileTooLarge
            | MissingBody
            | UnsupportedContentType
            | InvalidJsonBody
            | BrokenBody
            | MalformedMultipart
            | RequestTimeout
            | InvalidRemoteUrl
            | RemoteLoadFailed
            | UnsupportedResourceType
            | UnsignedWithoutPreset
            | NotAllowedUnsigned
            | PresetNotWhitelisted
            | UnknownUploadPreset
            | PublicIdAndPhash
            | InvalidSearchParameters
            | TokenExpired
            | InvalidToken
            | TokenUploadGone
            | Timestamp
            | Extract
            | Search
            | StoreRefused
            | Metadata
            | Rejected => StatusCode::BAD_REQUEST,
            MustSupply | UnknownApiKey | InvalidCloudName | InvalidCredentials | Signature => {
                StatusCode::UNAUTHORIZED
            }
            ResourceNotFound | NoRoute | PresetNotFound | MetadataFieldNotFound => {
                StatusCode::NOT_FOUND
            }
            PresetExists | VersionChanged | StoreConflict => StatusCode::CONFLICT,
            BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RateLimitExceeded | StoreBudget => {
                StatusCode::from_u16(420).unwrap_or(StatusCode::TOO_MANY_REQUESTS)
            }
        }
    }

    /// The variant's name, as written in the source (`"MissingParameter"`).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// `name` with its first letter upper-cased (`Tags parameter is not allowed...`).
fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
