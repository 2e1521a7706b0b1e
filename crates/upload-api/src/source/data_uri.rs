//! `file=data:<mime>;base64,<data>`: an original sent inline.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use bytes::Bytes;
use service::{ApiError, Reason};

/// Standard base64, padded or not (clients differ).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// True when `value` is a data URI rather than a URL.
pub fn is_data_uri(value: &str) -> bool {
    value
        .get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
}

/// The bytes of a base64 data URI. The declared media type is ignored: the
/// bytes are sniffed like any other upload.
pub fn decode(value: &str, max_bytes: u64) -> Result<Bytes, ApiError> {
    let invalid = |reason: &str| {
        ApiError::from(Reason::InvalidParameter {
            name: "file".into(),
            detail: format!("malformed data URI: {reason}"),
        })
    };
    let rest = &value[5..];
    let (header, data) = rest
        .split_once(',')
        .ok_or_else(|| invalid("no ',' before the data"))?;
    if !header
        .split(';')
        .any(|part| part.trim().eq_ignore_ascii_case("base64"))
    {
        return Err(invalid("only base64 data URIs are supported"));
    }
    // Each 4 base64 characters carry 3 bytes: refuse before decoding a huge one.
    let decoded_len = (data.len() as u64) / 4 * 3;
    if decoded_len > max_bytes {
        return Err(Reason::FileTooLarge {
            got: Some(decoded_len),
            max: max_bytes,
        }
        .into());
    }
    let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT_BASE64
        .decode(compact)
        .map(Bytes::from)
        .map_err(|e| invalid(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_sdk_example() {
        let bytes = decode("data:image/png;base64,iVBORw0KGgo=", 1024).unwrap();
        assert_eq!(&bytes[..], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn padding_is_optional() {
        assert_eq!(
            &decode("data:image/png;base64,iVBORw0KGgo", 1024).unwrap()[..],
            b"\x89PNG\r\n\x1a\n"
        );
    }

    #[test]
    fn malformed_uris_are_400s_naming_file() {
        for bad in [
            "data:image/png;base64",
            "data:image/png,plain",
            "data:image/png;base64,***",
        ] {
            let err = decode(bad, 1024).unwrap_err();
            assert!(err.to_string().contains("file"), "{bad}: {err}");
        }
    }

    #[test]
    fn oversized_uris_are_refused_before_decoding() {
        let err = decode(&format!("data:image/png;base64,{}", "A".repeat(4000)), 1000).unwrap_err();
        assert!(err.to_string().starts_with("File size too large"), "{err}");
    }

    #[test]
    fn recognises_the_scheme_in_any_case() {
        assert!(is_data_uri("DATA:image/png;base64,x"));
        assert!(!is_data_uri("https://example.com"));
        assert!(!is_data_uri("dat"));
    }
}
