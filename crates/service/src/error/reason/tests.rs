use std::collections::HashSet;

use strum::{EnumCount, IntoEnumIterator};

use super::*;
use crate::ApiError;

/// The status of every kind, written out once more: the SDKs map statuses
/// to their error classes, so a status that changes must change here too.
const DOCUMENTED: &[(ReasonKind, u16)] = &[
    (ReasonKind::MissingParameter, 400),
    (ReasonKind::InvalidParameter, 400),
    (ReasonKind::GivenTwice, 400),
    (ReasonKind::ControlCharacters, 400),
    (ReasonKind::UnsupportedHere, 400),
    (ReasonKind::UnknownResourceType, 400),
    (ReasonKind::UnknownDeliveryType, 400),
    (ReasonKind::InvalidPublicId, 400),
    (ReasonKind::FileNotTaken, 400),
    (ReasonKind::NoDerivedToKeep, 400),
    (ReasonKind::InvalidParameterName, 400),
    (ReasonKind::FileTooLarge, 400),
    (ReasonKind::MissingBody, 400),
    (ReasonKind::UnsupportedContentType, 400),
    (ReasonKind::InvalidJsonBody, 400),
    (ReasonKind::BrokenBody, 400),
    (ReasonKind::MalformedMultipart, 400),
    (ReasonKind::RequestTimeout, 400),
    (ReasonKind::InvalidRemoteUrl, 400),
    (ReasonKind::RemoteLoadFailed, 400),
    (ReasonKind::UnsupportedResourceType, 400),
    (ReasonKind::UnsignedWithoutPreset, 400),
    (ReasonKind::NotAllowedUnsigned, 400),
    (ReasonKind::PresetNotWhitelisted, 400),
    (ReasonKind::UnknownUploadPreset, 400),
    (ReasonKind::PublicIdAndPhash, 400),
    (ReasonKind::InvalidSearchParameters, 400),
    (ReasonKind::TokenExpired, 400),
    (ReasonKind::InvalidToken, 400),
    (ReasonKind::TokenUploadGone, 400),
    (ReasonKind::Timestamp, 400),
    (ReasonKind::Extract, 400),
    (ReasonKind::Search, 400),
    (ReasonKind::StoreRefused, 400),
    (ReasonKind::Metadata, 400),
    (ReasonKind::Rejected, 400),
    (ReasonKind::MustSupply, 401),
    (ReasonKind::UnknownApiKey, 401),
    (ReasonKind::InvalidCloudName, 401),
    (ReasonKind::InvalidCredentials, 401),
    (ReasonKind::Signature, 401),
    (ReasonKind::ResourceNotFound, 404),
    (ReasonKind::NoRoute, 404),
    (ReasonKind::PresetNotFound, 404),
    (ReasonKind::MetadataFieldNotFound, 404),
    (ReasonKind::PresetExists, 409),
    (ReasonKind::VersionChanged, 409),
    (ReasonKind::StoreConflict, 409),
    (ReasonKind::BodyTooLarge, 413),
    (ReasonKind::RateLimitExceeded, 420),
    (ReasonKind::StoreBudget, 420),
];

fn key(public_id: &str) -> store::AssetKey {
    store::AssetKey {
        resource_type: "image".into(),
        delivery_type: "upload".into(),
        public_id: public_id.into(),
    }
}

/// One reason of each kind, with its sentence as the client reads it. The
/// match has no catch-all: a new kind needs its example and sentence here.
fn example(kind: ReasonKind) -> (Reason, &'static str) {
    let s = String::from;
    match kind {
        ReasonKind::MissingParameter => (
            Reason::MissingParameter { name: s("file") },
            "Missing required parameter - file",
        ),
        ReasonKind::InvalidParameter => (
            Reason::InvalidParameter {
                name: s("tag"),
                detail: s("must not contain control characters"),
            },
            "Invalid tag: must not contain control characters",
        ),
        ReasonKind::GivenTwice => (
            Reason::GivenTwice { name: s("file") },
            "Invalid file: given more than once",
        ),
        ReasonKind::ControlCharacters => (
            Reason::ControlCharacters { name: s("tag") },
            "Invalid tag: must not contain control characters",
        ),
        ReasonKind::UnsupportedHere => (
            Reason::UnsupportedHere { name: s("eager") },
            "Invalid eager: is not supported by this server",
        ),
        ReasonKind::UnknownResourceType => (
            Reason::UnknownResourceType { value: s("pdf") },
            "Invalid resource_type: \"pdf\" is not image, video or raw",
        ),
        ReasonKind::UnknownDeliveryType => (
            Reason::UnknownDeliveryType {
                name: s("to_type"),
                value: s("fetch"),
            },
            "Invalid to_type: \"fetch\" is not upload, private or authenticated",
        ),
        ReasonKind::InvalidPublicId => (
            Reason::InvalidPublicId {
                name: s("public_ids"),
                value: s("a/../b"),
            },
            "Invalid public_ids: \"a/../b\" is not a valid public_id",
        ),
        ReasonKind::FileNotTaken => (Reason::FileNotTaken, "Invalid file: this call takes none"),
        ReasonKind::NoDerivedToKeep => (
            Reason::NoDerivedToKeep,
            "Invalid keep_original: derived assets are not kept, so there is nothing else to delete",
        ),
        ReasonKind::InvalidParameterName => (
            Reason::InvalidParameterName {
                shown: s("Tags"),
                truncated: true,
            },
            "Invalid parameter name \"Tags\"...: names are lowercase letters and _, with [] for an array",
        ),
        ReasonKind::FileTooLarge => (
            Reason::FileTooLarge {
                got: Some(11),
                max: 10,
            },
            "File size too large. Got 11. Maximum is 10.",
        ),
        ReasonKind::MissingBody => (Reason::MissingBody, "Missing request body"),
        ReasonKind::UnsupportedContentType => (
            Reason::UnsupportedContentType {
                media_type: s("text/csv"),
                accepted: s("application/json"),
            },
            "Unsupported Content-Type text/csv: use application/json",
        ),
        ReasonKind::InvalidJsonBody => (
            Reason::InvalidJsonBody { detail: s("EOF") },
            "Invalid JSON body: EOF",
        ),
        ReasonKind::BrokenBody => (
            Reason::BrokenBody { detail: s("reset") },
            "Reading the body: reset",
        ),
        ReasonKind::MalformedMultipart => (
            Reason::MalformedMultipart {
                detail: s("a part without a name"),
            },
            "Malformed multipart body: a part without a name",
        ),
        ReasonKind::RequestTimeout => (
            Reason::RequestTimeout { seconds: 2.5 },
            "Request timeout - not completed within 2.5 seconds",
        ),
        ReasonKind::InvalidRemoteUrl => (
            Reason::InvalidRemoteUrl {
                url: s("http://"),
                detail: s("empty host"),
            },
            "Invalid remote URL http://: empty host",
        ),
        ReasonKind::RemoteLoadFailed => (
            Reason::RemoteLoadFailed {
                url: s("http://a/b.jpg"),
                what: s("timed out"),
            },
            "Error in loading http://a/b.jpg - timed out",
        ),
        ReasonKind::UnsupportedResourceType => (
            Reason::UnsupportedResourceType {
                resource_type: s("video"),
            },
            "Unsupported resource type video: only image uploads are accepted",
        ),
        ReasonKind::UnsignedWithoutPreset => (
            Reason::UnsignedWithoutPreset,
            "Upload preset must be specified when using unsigned upload",
        ),
        ReasonKind::NotAllowedUnsigned => (
            Reason::NotAllowedUnsigned {
                name: s("eager"),
                allowed: &["folder", "tags"],
            },
            "Eager parameter is not allowed when using unsigned upload. Only folder,tags upload parameters are allowed.",
        ),
        ReasonKind::PresetNotWhitelisted => (
            Reason::PresetNotWhitelisted,
            "Upload preset must be whitelisted for unsigned uploads",
        ),
        ReasonKind::UnknownUploadPreset => (
            Reason::UnknownUploadPreset { name: s("p") },
            "Upload preset p not found",
        ),
        ReasonKind::PublicIdAndPhash => (
            Reason::PublicIdAndPhash,
            "Give either public_id or phash, not both",
        ),
        ReasonKind::InvalidSearchParameters => (
            Reason::InvalidSearchParameters { detail: s("EOF") },
            "Invalid search parameters: EOF",
        ),
        ReasonKind::TokenExpired => (Reason::TokenExpired, "Token expired"),
        ReasonKind::InvalidToken => (Reason::InvalidToken, "Invalid token"),
        ReasonKind::TokenUploadGone => (
            Reason::TokenUploadGone,
            "Invalid token: the upload it was issued for is no longer there",
        ),
        ReasonKind::Timestamp => (
            Reason::Timestamp(SigningError::MissingTimestamp),
            "Missing required parameter - timestamp",
        ),
        ReasonKind::Extract => (
            Reason::Extract(ExtractError::TooLarge {
                limit: extract::error::LimitKind::Bytes,
                actual: 11,
                max: 10,
            }),
            "File size too large. Got 11. Maximum is 10.",
        ),
        ReasonKind::Search => (
            Reason::Search(SearchError::Syntax {
                position: 3,
                message: s("Unexpected ')'"),
            }),
            "Unexpected ')' at position 3",
        ),
        ReasonKind::StoreRefused => (
            Reason::StoreRefused(StoreError::AlreadyExists(key("a"))),
            "Resource already exists - a",
        ),
        ReasonKind::Metadata => (
            Reason::Metadata(MetadataError::MalformedParameter(s("not a pair"))),
            "Invalid metadata: not a pair",
        ),
        ReasonKind::Rejected => (
            Reason::Rejected(s("Remote URL ftp://a must use http or https").into()),
            "Remote URL ftp://a must use http or https",
        ),
        ReasonKind::MustSupply => (
            Reason::MustSupply { what: s("api_key") },
            "Must supply api_key",
        ),
        ReasonKind::UnknownApiKey => (
            Reason::UnknownApiKey { api_key: s("999") },
            "Unknown API key 999",
        ),
        ReasonKind::InvalidCloudName => (
            Reason::InvalidCloudName { cloud: s("other") },
            "Invalid cloud_name other",
        ),
        ReasonKind::InvalidCredentials => (Reason::InvalidCredentials, "Invalid credentials"),
        ReasonKind::Signature => (
            Reason::Signature(SigningError::InvalidSignature {
                signature: s("x"),
                string_to_sign: s("a=1"),
            }),
            "Invalid Signature x. String to sign - 'a=1'.",
        ),
        ReasonKind::ResourceNotFound => (
            Reason::ResourceNotFound { public_id: s("a") },
            "Resource not found - a",
        ),
        ReasonKind::NoRoute => (
            Reason::NoRoute {
                method: s("GET"),
                path: s("/nope"),
            },
            "No route for GET /nope",
        ),
        ReasonKind::PresetNotFound => (
            Reason::PresetNotFound { name: s("p") },
            "Upload preset p not found",
        ),
        ReasonKind::MetadataFieldNotFound => (
            Reason::MetadataFieldNotFound(MetadataError::FieldNotFound(s("f"))),
            "Metadata field f not found",
        ),
        ReasonKind::PresetExists => (
            Reason::PresetExists { name: s("p") },
            "Upload preset p already exists",
        ),
        ReasonKind::VersionChanged => (
            Reason::VersionChanged { public_id: s("a") },
            "Resource a was replaced by another version while it was being analysed; \
             nothing was stored, retry the request",
        ),
        ReasonKind::StoreConflict => (
            Reason::StoreConflict(StoreError::MetadataFieldChanged(s("f"))),
            "Metadata field f changed while this request was being processed; \
             nothing was stored, retry the request",
        ),
        ReasonKind::BodyTooLarge => (
            Reason::BodyTooLarge {
                what: s("more than 1000 fields"),
            },
            "Request body too large: more than 1000 fields",
        ),
        ReasonKind::RateLimitExceeded => (
            Reason::RateLimitExceeded {
                limit: 500,
                reset_at: DateTime::from_timestamp(1_700_000_000, 0).expect("a time"),
            },
            "Rate Limit Exceeded. Limit of 500 api operations reached. Try again on 2023-11-14 22:13:20 UTC",
        ),
        ReasonKind::StoreBudget => (
            Reason::StoreBudget(StoreError::TooManyVersions {
                key: key("a"),
                retry_after_secs: 5,
            }),
            "Too many new versions of a in a short time: retry in 5 s",
        ),
    }
}

#[test]
fn every_kind_answers_its_documented_status() {
    let documented: HashSet<ReasonKind> = DOCUMENTED.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(documented.len(), DOCUMENTED.len(), "a kind listed twice");
    assert_eq!(
        DOCUMENTED.len(),
        ReasonKind::COUNT,
        "a kind without its status"
    );
    for &(kind, status) in DOCUMENTED {
        assert_eq!(kind.status().as_u16(), status, "{}", kind.name());
    }
    // Only statuses both SDKs read the body of (and 413, see error.rs).
    for kind in ReasonKind::iter() {
        assert!(
            [400, 401, 404, 409, 413, 420].contains(&kind.status().as_u16()),
            "{}",
            kind.name()
        );
    }
}

#[test]
fn every_kind_has_its_sentence() {
    for kind in ReasonKind::iter() {
        let (reason, sentence) = example(kind);
        assert_eq!(reason.kind(), kind);
        assert!(!sentence.is_empty(), "{}", kind.name());
        assert_eq!(reason.to_string(), sentence, "{}", kind.name());
        assert_eq!(reason.status(), kind.status());
        let err = ApiError::from(reason);
        assert_eq!(err.to_string(), sentence, "{}", kind.name());
    }
}

#[test]
fn the_file_size_sentence_without_the_size() {
    let reason = Reason::FileTooLarge { got: None, max: 10 };
    assert_eq!(reason.to_string(), "File size too large. Maximum is 10.");
}

#[test]
fn a_short_parameter_name_has_no_ellipsis() {
    let reason = Reason::InvalidParameterName {
        shown: "Tags".into(),
        truncated: false,
    };
    assert!(reason
        .to_string()
        .starts_with("Invalid parameter name \"Tags\": names"));
}
