//! Where an upload lands: `public_id`, `folder`, `use_filename`,
//! `unique_filename`, `overwrite`, and the rules of contract.md for ids.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::Params;
use crate::{ApiError, Reason};

const MAX_PUBLIC_ID_CHARS: usize = 255;
/// Cloudinary's generated ids: 20 lowercase alphanumerics.
const GENERATED_ID_LEN: usize = 20;
/// `unique_filename` appends `_` and this many random characters.
const UNIQUE_SUFFIX_LEN: usize = 6;
const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The naming parameters of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Naming {
    pub public_id: Option<String>,
    /// Without trailing slashes; empty when not given.
    pub folder: String,
    pub use_filename: bool,
    pub unique_filename: bool,
    /// Signed uploads overwrite by default.
    pub overwrite: bool,
}

impl Naming {
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        let folder = params
            .get("folder")
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        Ok(Naming {
            public_id: params.get("public_id").map(str::to_owned),
            folder,
            use_filename: params.is_set("use_filename")?,
            unique_filename: params.flag("unique_filename")?.unwrap_or(true),
            overwrite: params.flag("overwrite")?.unwrap_or(true),
        })
    }

    /// The validated public_id (folder joined) for a file named
    /// `original_filename` (without extension). Precedence: `public_id`, then
    /// the file name with `use_filename`, then a random id.
    pub fn resolve(&self, original_filename: Option<&str>) -> Result<String, ApiError> {
        let base = match (
            &self.public_id,
            original_filename.filter(|_| self.use_filename),
        ) {
            (Some(id), _) => id.clone(),
            (None, Some(name)) if !sanitize_filename(name).is_empty() => {
                let name = sanitize_filename(name);
                if self.unique_filename {
                    format!("{name}_{}", random_id(UNIQUE_SUFFIX_LEN))
                } else {
                    name
                }
            }
            _ => random_id(GENERATED_ID_LEN),
        };
        let joined = if self.folder.is_empty() {
            base
        } else {
            format!("{}/{base}", self.folder)
        };
        validate_public_id(&joined)?;
        Ok(joined)
    }
}

/// contract.md: 1-255 characters; no empty, `.` or `..` segment, no leading
/// `/`, no backslash, no control characters. Besides matching Cloudinary's
/// rules, this keeps any id from naming a path outside the blob root.
pub fn validate_public_id(public_id: &str) -> Result<(), ApiError> {
    let reason = if public_id.is_empty() {
        Some("must not be empty")
    } else if public_id.chars().count() > MAX_PUBLIC_ID_CHARS {
        Some("must be at most 255 characters")
    } else if public_id.starts_with('/') {
        Some("must not start with '/'")
    } else if public_id.contains('\\') {
        Some("must not contain a backslash")
    } else if public_id.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else if public_id
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        Some("must not contain an empty, '.' or '..' path segment")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Reason::InvalidParameter {
            name: "public_id".into(),
            detail: reason.to_string(),
        }
        .into()),
        None => Ok(()),
    }
}

/// `tags=a,b`: trimmed, empty entries dropped, duplicates removed (first wins).
pub fn parse_tags(value: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

/// A file name made safe as one public_id segment: characters other than
/// letters, digits, `-`, `_` and `.` become `_`; leading dots are dropped.
fn sanitize_filename(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    mapped
        .trim_start_matches('.')
        .chars()
        .take(MAX_PUBLIC_ID_CHARS - UNIQUE_SUFFIX_LEN - 1)
        .collect()
}

/// `len` random lowercase alphanumerics (generated ids and names).
pub fn random_id(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(pairs: &[(&str, &str)]) -> Naming {
        Naming::from_params(&Params::parse(pairs.iter().copied()).unwrap()).unwrap()
    }

    #[test]
    fn public_id_and_folder_are_joined() {
        assert_eq!(
            naming(&[("public_id", "sample"), ("folder", "f/g/")])
                .resolve(None)
                .unwrap(),
            "f/g/sample"
        );
    }

    #[test]
    fn without_a_public_id_the_id_is_random() {
        let id = naming(&[]).resolve(Some("red")).unwrap();
        assert_eq!(id.len(), GENERATED_ID_LEN);
        assert!(id.bytes().all(|b| ID_ALPHABET.contains(&b)));
        assert_ne!(id, naming(&[]).resolve(None).unwrap());
    }

    #[test]
    fn use_filename_with_and_without_a_unique_suffix() {
        assert_eq!(
            naming(&[("use_filename", "1"), ("unique_filename", "0")])
                .resolve(Some("my photo"))
                .unwrap(),
            "my_photo"
        );
        let unique = naming(&[("use_filename", "1")])
            .resolve(Some("red"))
            .unwrap();
        assert!(
            unique.starts_with("red_") && unique.len() == "red_".len() + UNIQUE_SUFFIX_LEN,
            "{unique}"
        );
    }

    #[test]
    fn overwrite_defaults_to_true() {
        assert!(naming(&[]).overwrite);
        assert!(!naming(&[("overwrite", "0")]).overwrite);
    }

    #[test]
    fn ids_that_could_escape_or_confuse_paths_are_refused() {
        for bad in [
            "",
            "/abs",
            "a//b",
            "a/./b",
            "../etc/passwd",
            "a/..",
            "a\\b",
            "a\u{0}b",
            "x\ny",
            &"x".repeat(256),
        ] {
            let err = validate_public_id(bad).unwrap_err();
            assert!(err.to_string().contains("public_id"), "{bad:?}: {err}");
        }
        for good in [
            "sample",
            "folder/my pic+1",
            "a.b/c..d",
            "ünïcode/ok",
            &"x".repeat(255),
        ] {
            validate_public_id(good).unwrap();
        }
    }

    #[test]
    fn a_folder_that_escapes_is_refused_too() {
        assert!(naming(&[("public_id", "x"), ("folder", "..")])
            .resolve(None)
            .is_err());
    }

    #[test]
    fn tags_are_trimmed_and_deduplicated() {
        assert_eq!(parse_tags(" a, b,,a ,c"), ["a", "b", "c"]);
    }
}
