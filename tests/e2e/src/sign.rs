//! A request signer written from the Cloudinary documentation, independent
//! of `common::signing`, so one bug cannot hide in both.

use sha1::{Digest, Sha1};
use sha2::Sha256;

/// Signature v2 of `params` (SHA-1, or SHA-256 when `sha256`): parameters
/// except file/api_key/signature/cloud_name/resource_type, empty ones skipped,
/// sorted by name, `&` escaped as `%26`, joined with `&`, secret appended.
pub fn signature(params: &[(&str, &str)], secret: &str, sha256: bool) -> String {
    const UNSIGNED: [&str; 5] = [
        "file",
        "api_key",
        "signature",
        "cloud_name",
        "resource_type",
    ];
    let mut signed: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(k, v)| !v.is_empty() && !UNSIGNED.contains(k))
        .collect();
    signed.sort_by(|a, b| a.0.cmp(b.0));
    let joined = signed
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('&', "%26")))
        .collect::<Vec<_>>()
        .join("&");
    let input = format!("{joined}{secret}");
    if sha256 {
        hex::encode(Sha256::digest(input.as_bytes()))
    } else {
        hex::encode(Sha1::digest(input.as_bytes()))
    }
}

/// The upload response's `signature`: `public_id=..&version=..` + secret, SHA-1.
pub fn response_signature(public_id: &str, version: i64, secret: &str) -> String {
    hex::encode(Sha1::digest(
        format!("public_id={public_id}&version={version}{secret}").as_bytes(),
    ))
}

/// The same response signature with SHA-256 (for SHA-256 signed requests).
pub fn response_signature_sha256(public_id: &str, version: i64, secret: &str) -> String {
    hex::encode(Sha256::digest(
        format!("public_id={public_id}&version={version}{secret}").as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_vector() {
        let params = [
            ("eager", "w_400,h_300,c_pad|w_260,h_200,c_crop"),
            ("public_id", "sample_image"),
            ("timestamp", "1315060510"),
        ];
        assert_eq!(
            signature(&params, "abcd", false),
            "bfd09f95f331f558cbd1320e67aa8d488770583e"
        );
    }

    #[test]
    fn sha256_and_escaping_vectors() {
        let params = [
            ("timestamp", "1700000000"),
            ("public_id", "a&b"),
            ("context", "caption=Tom & Jerry"),
        ];
        assert_eq!(
            signature(&params, "my_test_secret", false),
            "f44d81934b036546234be4e2d8bd0036e67894cf"
        );
        let params = [
            ("colors", "1"),
            ("public_id", "sha"),
            ("timestamp", "1700000000"),
            ("api_key", "k"),
        ];
        assert_eq!(
            signature(&params, "abcd", true),
            "2e9495d42457d275a5d61e48cbd2aa81aa57135791fb9877066a94a97d875367"
        );
    }

    #[test]
    fn response_vector() {
        assert_eq!(
            response_signature("sample", 1312461204, "abcd"),
            "7332b60d1da7033c332c59cb66dac31f72acc44c"
        );
    }
}
