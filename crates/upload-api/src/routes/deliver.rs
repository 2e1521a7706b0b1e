//! `GET /{cloud}/{resource_type}/{type}[/v{version}]/{public_id}.{format}`:
//! the stored original, byte for byte, with its ETag and conditional GET.
//! No transformations: a path with any other format than the stored one is
//! not found. As at Cloudinary's CDN, the version segment only busts caches:
//! the current version is served whatever number it carries.

use actix_web::http::header::{self, CacheControl, CacheDirective, ETag, EntityTag, IfNoneMatch};
use actix_web::{web, HttpRequest, HttpResponse};
use percent_encoding::percent_decode_str;
use service::params::validate_public_id;
use service::{ApiError, AppState, Reason};
use store::{Asset, AssetKey};

/// A versioned URL never changes content; an unversioned one may, on overwrite.
const VERSIONED_MAX_AGE: u32 = 365 * 24 * 3600;
const LATEST_MAX_AGE: u32 = 60;

/// The parts of a delivery path after `/{cloud}/{resource_type}/{type}/`.
#[derive(Debug, PartialEq, Eq)]
struct DeliveryPath {
    version: Option<i64>,
    public_id: String,
    format: String,
}

impl DeliveryPath {
    /// Parses the raw (still percent-encoded) tail. Both `/` and `%2F` separate
    /// folders; decoding happens after splitting off version and format.
    fn parse(raw_tail: &str) -> Option<DeliveryPath> {
        let (version, rest) = match raw_tail.split_once('/') {
            Some((first, rest)) if is_version(first) => (first[1..].parse().ok(), rest),
            _ => (None, raw_tail),
        };
        let (id, format) = rest.rsplit_once('.')?;
        if format.contains('/') || id.is_empty() || format.is_empty() {
            return None;
        }
        let public_id = percent_decode_str(id).decode_utf8().ok()?.into_owned();
        // No asset can have an invalid id (uploads refuse them), and the
        // databases must not see one: PostgreSQL refuses a NUL in text (500).
        validate_public_id(&public_id).ok()?;
        Some(DeliveryPath {
            version,
            public_id,
            format: format.to_ascii_lowercase(),
        })
    }
}

fn is_version(segment: &str) -> bool {
    segment.len() > 1
        && segment.starts_with('v')
        && segment[1..].bytes().all(|b| b.is_ascii_digit())
}

pub async fn deliver(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // The router decodes some escapes; split the raw path ourselves so that
    // `%2F` inside a public_id and `/` between folders end up the same.
    let raw = request.uri().path().trim_start_matches('/');
    let not_found = || {
        ApiError::from(Reason::ResourceNotFound {
            public_id: raw.to_string(),
        })
    };
    let mut segments = raw.splitn(4, '/');
    let (Some(cloud), Some(resource_type), Some(delivery_type), Some(raw_tail)) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(not_found());
    };
    if cloud != state.config.cloud_name {
        return Err(not_found());
    }
    let wanted = DeliveryPath::parse(raw_tail).ok_or_else(not_found)?;
    let key = AssetKey::new(resource_type, delivery_type, &wanted.public_id);
    // One snapshot: the row, and its original only when it will be sent. The
    // store reads the row again if an overwrite replaces it meanwhile, so the
    // headers below always describe the bytes sent.
    let (asset, original) = state
        .store
        .get_with_original_if(&key, |asset| {
            deliverable(asset, &wanted.format) && !is_fresh(&request, &etag_of(asset))
        })
        .await?;
    // Only public originals are delivered without a signed URL.
    if !deliverable(&asset, &wanted.format) {
        return Err(Reason::ResourceNotFound {
            public_id: wanted.public_id.to_string(),
        }
        .into());
    }

    let max_age = if wanted.version.is_some() {
        VERSIONED_MAX_AGE
    } else {
        LATEST_MAX_AGE
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header(ETag(etag_of(&asset)))
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(max_age),
        ]));
    match original {
        Some(bytes) => Ok(response
            .insert_header((header::CONTENT_TYPE, content_type(&asset.format)))
            .body(bytes)),
        None => Ok(response
            .status(actix_web::http::StatusCode::NOT_MODIFIED)
            .finish()),
    }
}

/// True when `asset` is served at a delivery URL ending in `.<format>`.
fn deliverable(asset: &Asset, format: &str) -> bool {
    asset.delivery_type == "upload" && format_matches(format, &asset.format)
}

fn etag_of(asset: &Asset) -> EntityTag {
    EntityTag::new_strong(asset.etag.clone())
}

/// True when the client's `If-None-Match` already names this ETag.
fn is_fresh(request: &HttpRequest, etag: &EntityTag) -> bool {
    match request
        .headers()
        .get(header::IF_NONE_MATCH)
        .map(|_| header::Header::parse(request))
    {
        Some(Ok(IfNoneMatch::Any)) => true,
        Some(Ok(IfNoneMatch::Items(tags))) => tags.iter().any(|tag| tag.weak_eq(etag)),
        _ => false,
    }
}

/// `jpeg` and `tif` are accepted for `jpg` and `tiff`.
fn format_matches(requested: &str, stored: &str) -> bool {
    let canonical = match requested {
        "jpeg" | "jpe" => "jpg",
        "tif" => "tiff",
        other => other,
    };
    canonical == stored
}

fn content_type(format: &str) -> &'static str {
    match format {
        "jpg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "tiff" => "image/tiff",
        "bmp" => "image/bmp",
        "ico" => "image/vnd.microsoft.icon",
        "heic" => "image/heic",
        "avif" => "image/avif",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(tail: &str) -> Option<(Option<i64>, String, String)> {
        DeliveryPath::parse(tail).map(|p| (p.version, p.public_id, p.format))
    }

    #[test]
    fn ids_no_upload_could_create_are_not_looked_up() {
        for tail in ["%00.jpg", "a%0Ab.jpg", "..%2Fescape.jpg", "a%5Cb.jpg"] {
            assert_eq!(parsed(tail), None, "{tail}");
        }
    }

    #[test]
    fn versioned_and_unversioned_paths() {
        assert_eq!(
            parsed("v1312461204/sample.jpg"),
            Some((Some(1312461204), "sample".into(), "jpg".into()))
        );
        assert_eq!(
            parsed("sample.jpg"),
            Some((None, "sample".into(), "jpg".into()))
        );
    }

    #[test]
    fn folders_and_escapes_are_decoded_after_splitting() {
        assert_eq!(
            parsed("v1/folder/my%20pic%2B1.png"),
            Some((Some(1), "folder/my pic+1".into(), "png".into()))
        );
        assert_eq!(
            parsed("folder%2Fa.b.png"),
            Some((None, "folder/a.b".into(), "png".into()))
        );
    }

    #[test]
    fn paths_without_a_format_are_not_deliveries() {
        assert_eq!(parsed("v1/sample"), None);
        assert_eq!(parsed("a.b/sample"), None);
        assert_eq!(parsed(".png"), None);
    }

    #[test]
    fn format_aliases() {
        assert!(format_matches("jpeg", "jpg"));
        assert!(format_matches("tif", "tiff"));
        assert!(!format_matches("png", "jpg"));
    }
}
