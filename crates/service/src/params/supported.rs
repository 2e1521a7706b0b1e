//! The parameters each endpoint acts on. A parameter outside its endpoint's
//! list (Cloudinary's `eager`, `transformation`, `moderation`, `backup`...,
//! or a misspelling) answers 400 naming it: an accepted parameter always
//! does what Cloudinary documents, never nothing.

use super::Params;
use crate::{ApiError, Reason};

/// Authentication and transport, on every signed call.
pub const TRANSPORT: &[&str] = &[
    "api_key",
    "signature",
    "timestamp",
    "file",
    "resource_type",
    "cloud_name",
];

/// The extraction flags and regions (upload, explicit, admin details), and
/// the extension flags beyond Cloudinary's analyses (README: `blurhash`,
/// `thumbhash`, `average_color`, `mime_type`). Cloudinary's add-ons and AI
/// analyses (`categorization`, `detection`, `auto_tagging`...) are in no
/// list, so they are refused by name.
pub const EXTRACTION: &[&str] = &[
    "colors",
    "phash",
    "faces",
    "media_metadata",
    "image_metadata",
    "exif",
    "ocr",
    "custom_coordinates",
    "face_coordinates",
    "quality_analysis",
    "accessibility_analysis",
    "cinemagraph_analysis",
    "blurhash",
    "thumbhash",
    "average_color",
    "mime_type",
];

/// An upload's own parameters beyond extraction.
pub const UPLOAD: &[&str] = &[
    "public_id",
    "folder",
    "use_filename",
    "unique_filename",
    "overwrite",
    "tags",
    "context",
    "type",
    "return_delete_token",
    "upload_preset",
    "async",
    "notification_url",
    "duplicates",
    // Accepted and does nothing: there is no CDN cache to invalidate.
    "invalidate",
    "metadata",
];

/// An explicit call's own parameters beyond extraction.
pub const EXPLICIT: &[&str] = &[
    "public_id",
    "type",
    "tags",
    "context",
    "async",
    "notification_url",
    "duplicates",
    // As on upload: nothing cached to invalidate.
    "invalidate",
    "metadata",
];

/// Refuses the first parameter of `params` found in none of `lists`.
pub fn refuse_unsupported(params: &Params, lists: &[&[&str]]) -> Result<(), ApiError> {
    match params
        .iter()
        .map(|(name, _)| name)
        .find(|name| !lists.iter().any(|list| list.contains(name)))
    {
        Some(name) => Err(Reason::InvalidParameter {
            name: name.to_string(),
            detail: "this parameter is not supported by this server".into(),
        }
        .into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_outside_the_lists_is_named() {
        let params =
            Params::parse([("public_id", "x"), ("eager", "w_100"), ("colors", "1")]).unwrap();
        let err = refuse_unsupported(&params, &[TRANSPORT, EXTRACTION, UPLOAD]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid eager: this parameter is not supported by this server"
        );
        let fine = Params::parse([("public_id", "x"), ("colors", "1"), ("api_key", "k")]).unwrap();
        refuse_unsupported(&fine, &[TRANSPORT, EXTRACTION, UPLOAD]).unwrap();
        assert!(
            refuse_unsupported(
                &Params::parse([("return_delete_token", "1")]).unwrap(),
                &[TRANSPORT, EXTRACTION, EXPLICIT]
            )
            .is_err(),
            "explicit issues no delete token"
        );
    }
}
