//! Cloudinary request signing, as the official SDKs compute it (signature v2).
//!
//! The string to sign is every parameter except the unsigned ones, empty values
//! dropped, sorted by key, each `key=value` with `&` escaped as `%26`, joined
//! with `&`. The secret is appended with no separator and the result hashed with
//! SHA-1 or SHA-256; no parameter says which, so a verifier picks by the length
//! of the hex signature it was given.
//!
//! ```
//! use common::signing::{sign_params, Algorithm};
//! let params = [("public_id", "sample_image"), ("timestamp", "1315060510"),
//!               ("eager", "w_400,h_300,c_pad|w_260,h_200,c_crop")];
//! assert_eq!(sign_params(params, "abcd", Algorithm::Sha1),
//!            "bfd09f95f331f558cbd1320e67aa8d488770583e");
//! ```

use sha1::{Digest, Sha1};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Parameters that travel with a signed request but are not part of what is signed.
pub const UNSIGNED_PARAMS: [&str; 5] = [
    "file",
    "cloud_name",
    "resource_type",
    "api_key",
    "signature",
];

/// How long a signed request stays valid, and how far ahead of our clock a
/// client's clock may run (the spec leaves future timestamps open; we allow
/// the same skew in both directions).
pub const TIMESTAMP_WINDOW_SECS: i64 = 3600;

/// The digest behind a signature. Kept by name (`sha1`, `sha256`) where a
/// queued job remembers how to sign its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Sha1,
    Sha256,
}

impl Algorithm {
    /// The algorithm a lowercase-hex signature of this length was made with.
    pub fn from_hex_len(len: usize) -> Option<Self> {
        match len {
            40 => Some(Self::Sha1),
            64 => Some(Self::Sha256),
            _ => None,
        }
    }
}

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error("Missing required parameter - timestamp")]
    MissingTimestamp,
    #[error("Invalid timestamp - {0}")]
    MalformedTimestamp(String),
    #[error("Stale request - reported time is {} which is more than 1 hour ago", format_utc(*.reported))]
    Stale { reported: i64 },
    #[error("Invalid timestamp - reported time is {} which is more than 1 hour ahead", format_utc(*.reported))]
    FromTheFuture { reported: i64 },
    #[error("Invalid Signature {signature}. String to sign - '{string_to_sign}'.")]
    InvalidSignature {
        signature: String,
        string_to_sign: String,
    },
}

/// The string to sign (without the secret) for `params`, in signature v2.
///
/// Unsigned parameters and empty values are skipped; repeated keys (a
/// `key[]` array sent as several parts) should already be joined with `,`.
pub fn string_to_sign<'a, I, K, V>(params: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str> + 'a,
    V: AsRef<str> + 'a,
{
    let mut pairs: Vec<String> = params
        .into_iter()
        .filter(|(k, v)| !v.as_ref().is_empty() && !UNSIGNED_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| format!("{}={}", k.as_ref(), v.as_ref()).replace('&', "%26"))
        .collect();
    // Sorting whole `key=value` strings bytewise equals sorting by key for
    // Cloudinary's parameter names (letters and `_` only), as Python does.
    pairs.sort_unstable();
    pairs.join("&")
}

/// Lowercase-hex digest of `to_sign` followed by `secret`.
pub fn sign(to_sign: &str, secret: &str, algorithm: Algorithm) -> String {
    match algorithm {
        Algorithm::Sha1 => hex::encode(
            Sha1::new()
                .chain_update(to_sign)
                .chain_update(secret)
                .finalize(),
        ),
        Algorithm::Sha256 => hex::encode(
            Sha256::new()
                .chain_update(to_sign)
                .chain_update(secret)
                .finalize(),
        ),
    }
}

/// The signature the SDKs would send for `params`.
pub fn sign_params<'a, I, K, V>(params: I, secret: &str, algorithm: Algorithm) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str> + 'a,
    V: AsRef<str> + 'a,
{
    sign(&string_to_sign(params), secret, algorithm)
}

/// Checks `signature` against `params` signed with `secret`, in constant time.
/// SHA-1 or SHA-256 is chosen by the signature's length; the one that matched
/// is returned (the response is signed with it).
pub fn verify<'a, I, K, V>(
    params: I,
    secret: &str,
    signature: &str,
) -> Result<Algorithm, SigningError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str> + 'a,
    V: AsRef<str> + 'a,
{
    let to_sign = string_to_sign(params);
    let matched = Algorithm::from_hex_len(signature.len()).filter(|&algorithm| {
        let expected = sign(&to_sign, secret, algorithm);
        bool::from(
            expected
                .as_bytes()
                .ct_eq(signature.to_ascii_lowercase().as_bytes()),
        )
    });
    if let Some(algorithm) = matched {
        Ok(algorithm)
    } else {
        Err(SigningError::InvalidSignature {
            signature: signature.to_owned(),
            string_to_sign: to_sign,
        })
    }
}

/// Checks that the request's `timestamp` (unix seconds) is within
/// [`TIMESTAMP_WINDOW_SECS`] of `now`.
pub fn check_timestamp(timestamp: Option<&str>, now: i64) -> Result<(), SigningError> {
    let raw = timestamp
        .filter(|t| !t.is_empty())
        .ok_or(SigningError::MissingTimestamp)?;
    let reported: i64 = raw
        .trim()
        .parse()
        .map_err(|_| SigningError::MalformedTimestamp(raw.to_owned()))?;
    if now - reported > TIMESTAMP_WINDOW_SECS {
        Err(SigningError::Stale { reported })
    } else if reported - now > TIMESTAMP_WINDOW_SECS {
        Err(SigningError::FromTheFuture { reported })
    } else {
        Ok(())
    }
}

/// The `signature` field of an upload response: `public_id=..&version=..`
/// plus the secret, without `&` escaping (signature v1), as the SDKs'
/// `verify_api_response_signature` recomputes it.
pub fn response_signature(
    public_id: &str,
    version: i64,
    secret: &str,
    algorithm: Algorithm,
) -> String {
    sign(
        &format!("public_id={public_id}&version={version}"),
        secret,
        algorithm,
    )
}

/// `YYYY-MM-DD HH:MM:SS +0000`, the form Cloudinary's stale-request message uses.
fn format_utc(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S +0000").to_string())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "my_test_secret";

    #[test]
    fn example_a_documentation_vector() {
        let params = [
            ("eager", "w_400,h_300,c_pad|w_260,h_200,c_crop"),
            ("public_id", "sample_image"),
            ("timestamp", "1315060510"),
        ];
        assert_eq!(
            string_to_sign(params),
            "eager=w_400,h_300,c_pad|w_260,h_200,c_crop&public_id=sample_image&timestamp=1315060510"
        );
        assert_eq!(
            sign_params(params, "abcd", Algorithm::Sha1),
            "bfd09f95f331f558cbd1320e67aa8d488770583e"
        );
    }

    #[test]
    fn example_b_extraction_upload_in_both_algorithms() {
        let params = [
            ("timestamp", "1700000000"),
            ("public_id", "sample"),
            ("colors", "1"),
            ("phash", "1"),
            ("media_metadata", "1"),
            ("faces", "1"),
            ("custom_coordinates", "10,20,30,40|50,60,70,80"),
            ("tags", "a,b"),
        ];
        assert_eq!(
            string_to_sign(params),
            "colors=1&custom_coordinates=10,20,30,40|50,60,70,80&faces=1&media_metadata=1&phash=1&public_id=sample&tags=a,b&timestamp=1700000000"
        );
        assert_eq!(
            sign_params(params, SECRET, Algorithm::Sha1),
            "4c48f0886af879b09df2040087e211cbde2061d3"
        );
        assert_eq!(
            sign_params(params, SECRET, Algorithm::Sha256),
            "33e291935bfba9351ed48062a9ab28b56e92202776d5144be10194821d9c7328"
        );
    }

    #[test]
    fn example_c_ampersands_are_escaped() {
        let params = [
            ("timestamp", "1700000000"),
            ("public_id", "a&b"),
            ("context", "caption=Tom & Jerry"),
        ];
        assert_eq!(
            string_to_sign(params),
            "context=caption=Tom %26 Jerry&public_id=a%26b&timestamp=1700000000"
        );
        assert_eq!(
            sign_params(params, SECRET, Algorithm::Sha1),
            "f44d81934b036546234be4e2d8bd0036e67894cf"
        );
    }

    #[test]
    fn example_d_empty_values_are_dropped() {
        let params = [
            ("timestamp", "1700000000"),
            ("public_id", "couple1"),
            ("type", "upload"),
            ("colors", "true"),
            ("empty", ""),
        ];
        assert_eq!(
            string_to_sign(params),
            "colors=true&public_id=couple1&timestamp=1700000000&type=upload"
        );
        assert_eq!(
            sign_params(params, SECRET, Algorithm::Sha1),
            "c21462b671dfe4b7831953799a62d38567134137"
        );
    }

    #[test]
    fn unsigned_params_are_left_out() {
        let params = [
            ("public_id", "b64"),
            ("timestamp", "1700000000"),
            ("api_key", "123456789012345"),
            ("signature", "whatever"),
            ("file", "data:image/png;base64,iVBORw0KGgo="),
            ("cloud_name", "demo"),
            ("resource_type", "image"),
        ];
        assert_eq!(string_to_sign(params), "public_id=b64&timestamp=1700000000");
    }

    /// Signatures captured from the real SDKs on the wire (secret `abcd`).
    #[test]
    fn captured_sdk_signatures_verify() {
        let captured: [(&str, &str); 7] = [
            ("accessibility_analysis=1&colors=1&context=alt=x|caption=y&custom_coordinates=10,20,30,40|50,60,70,80&face_coordinates=1,2,3,4&faces=1&folder=f&image_metadata=1&media_metadata=1&ocr=adv_ocr&overwrite=1&phash=1&public_id=sample&quality_analysis=1&return_delete_token=1&tags=a,b&timestamp=1700000000&unique_filename=0&use_filename=1",
             "b6d4b97debd7dec32388501d51c262c1ec94aa46"),
            ("public_id=b64&timestamp=1700000000", "e49b36b7de5758408d4b0effadbb7ae61b0cc3a0"),
            ("public_id=remote&timestamp=1700000000", "4f51f193b6f5a637701465094b3d26ac2eaa5e2b"),
            ("colors=1&custom_coordinates=1,2,3,4&faces=1&media_metadata=1&phash=1&public_id=sample&timestamp=1700000000&type=upload",
             "104e9a492aa1ed2f34727d25795ab8ffcd126e67"),
            ("colors=1&public_id=sha&timestamp=1700000000",
             "2e9495d42457d275a5d61e48cbd2aa81aa57135791fb9877066a94a97d875367"),
            ("colors=1&context=alt=x&custom_coordinates=10,20,30,40|50,60,70,80&faces=1&image_metadata=1&media_metadata=1&overwrite=1&phash=1&public_id=sample&tags=a,b&timestamp=1700000000&unique_filename=0",
             "483c971c78b313dde5d3f7d9c1448be63bcf5645"),
            ("colors=1&media_metadata=1&phash=1&public_id=sample&timestamp=1700000000&type=upload",
             "89eecc3e36e24c6cef6ab8426ed19d4622b5a3c2"),
        ];
        for (to_sign, signature) in captured {
            // Rebuild the params from the captured string: split on the first `=` of each pair.
            let params: Vec<(&str, &str)> = to_sign
                .split('&')
                .map(|pair| pair.split_once('=').expect("key=value"))
                .collect();
            assert_eq!(string_to_sign(params.iter().copied()), to_sign);
            assert_eq!(
                verify(params.iter().copied(), "abcd", signature),
                Ok(Algorithm::from_hex_len(signature.len()).unwrap()),
                "{to_sign}"
            );
        }
    }

    #[test]
    fn a_wrong_secret_or_signature_is_refused_with_the_string_to_sign() {
        let params = [("public_id", "b64"), ("timestamp", "1700000000")];
        let err = verify(params, "wrong", "e49b36b7de5758408d4b0effadbb7ae61b0cc3a0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid Signature e49b36b7de5758408d4b0effadbb7ae61b0cc3a0. String to sign - 'public_id=b64&timestamp=1700000000'."
        );
        assert!(
            verify(params, "abcd", "e49b36b7").is_err(),
            "a truncated signature is refused"
        );
        assert!(verify(params, "abcd", "").is_err());
    }

    #[test]
    fn uppercase_hex_signatures_are_accepted() {
        let params = [("public_id", "b64"), ("timestamp", "1700000000")];
        assert_eq!(
            verify(params, "abcd", "E49B36B7DE5758408D4B0EFFADBB7AE61B0CC3A0"),
            Ok(Algorithm::Sha1)
        );
    }

    #[test]
    fn response_signature_vector() {
        assert_eq!(
            response_signature("sample", 1312461204, "abcd", Algorithm::Sha1),
            "7332b60d1da7033c332c59cb66dac31f72acc44c"
        );
        assert_eq!(
            response_signature("sample", 1312461204, "abcd", Algorithm::Sha256),
            "d5c22bdf14b88713b860b62622e0ae4a1ee50efb3405d8b454e329b262c437fe"
        );
    }

    #[test]
    fn timestamps_older_than_an_hour_are_stale() {
        let reported = 1_434_805_181; // 2015-06-20 12:59:41 UTC, the time in Cloudinary's observed message
        assert_eq!(
            check_timestamp(Some("1434805181"), reported + 3600),
            Ok(()),
            "exactly one hour is still fine"
        );
        let err = check_timestamp(Some("1434805181"), reported + 3601).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Stale request - reported time is 2015-06-20 12:59:41 +0000 which is more than 1 hour ago"
        );
    }

    #[test]
    fn missing_malformed_and_far_future_timestamps_are_refused() {
        let now = 1_700_000_000;
        assert_eq!(
            check_timestamp(None, now),
            Err(SigningError::MissingTimestamp)
        );
        assert_eq!(
            check_timestamp(Some(""), now),
            Err(SigningError::MissingTimestamp)
        );
        assert!(matches!(
            check_timestamp(Some("soon"), now),
            Err(SigningError::MalformedTimestamp(_))
        ));
        assert!(matches!(
            check_timestamp(Some("1700007201"), now),
            Err(SigningError::FromTheFuture { .. })
        ));
        assert_eq!(
            check_timestamp(Some("1700000600"), now),
            Ok(()),
            "small clock skew is tolerated"
        );
    }
}
