//! Request parameters as the SDKs send them: every value a string, booleans
//! as `"1"`/`"0"` (or `true`/`false` from raw clients), arrays as repeated
//! `key[]` parts, empty values meaning "not given".

mod context;
mod extraction;
mod naming;

pub use context::parse_context;
pub use extraction::{ExtractionRequest, MetadataKeys};
pub use naming::{parse_tags, validate_public_id, Naming};

use crate::ApiError;

/// The text parameters of one request, in arrival order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Collects `(name, value)` pairs. A repeated `key[]` array is folded into
    /// one `key` whose values are joined with `,` in arrival order, as the SDKs
    /// join arrays when they sign them.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut params = Params::default();
        for (name, value) in pairs {
            params.push(name.into(), value.into());
        }
        params
    }

    /// Adds one parameter (see [`Params::from_pairs`] for `key[]`).
    pub fn push(&mut self, name: String, value: String) {
        match name.strip_suffix("[]") {
            Some(base) => match self.pairs.iter_mut().find(|(k, _)| k == base) {
                Some((_, joined)) if !value.is_empty() => {
                    if !joined.is_empty() {
                        joined.push(',');
                    }
                    joined.push_str(&value);
                }
                Some(_) => {}
                None => self.pairs.push((base.to_owned(), value)),
            },
            None => self.pairs.push((name, value)),
        }
    }

    /// The value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// True when `name` was sent at all, even empty (an empty
    /// `face_coordinates` clears the stored regions).
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// A boolean parameter: `1`/`0`/`true`/`false` (any case); `None` when absent.
    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name).map(|v| parse_bool(name, v)).transpose()
    }

    /// A boolean parameter that defaults to false.
    pub fn is_set(&self, name: &str) -> Result<bool, ApiError> {
        Ok(self.flag(name)?.unwrap_or(false))
    }

    /// All pairs, for signature verification.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(ApiError::invalid_parameter(
            name,
            format!("{value:?} is not a boolean (1, 0, true or false)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_accept_sdk_and_raw_forms() {
        let params = Params::from_pairs([
            ("a", "1"),
            ("b", "0"),
            ("c", "true"),
            ("d", "FALSE"),
            ("e", ""),
        ]);
        assert_eq!(params.flag("a").unwrap(), Some(true));
        assert_eq!(params.flag("b").unwrap(), Some(false));
        assert_eq!(params.flag("c").unwrap(), Some(true));
        assert_eq!(params.flag("d").unwrap(), Some(false));
        assert_eq!(params.flag("e").unwrap(), None, "empty means not given");
        assert_eq!(params.flag("missing").unwrap(), None);
    }

    #[test]
    fn a_malformed_boolean_names_the_parameter() {
        let err = Params::from_pairs([("colors", "yes please")])
            .flag("colors")
            .unwrap_err();
        assert!(err.to_string().contains("colors"), "{err}");
    }

    #[test]
    fn array_parts_are_joined_with_commas() {
        let params = Params::from_pairs([("tags[]", "a"), ("public_id", "x"), ("tags[]", "b")]);
        assert_eq!(params.get("tags"), Some("a,b"));
        assert_eq!(
            params.iter().collect::<Vec<_>>(),
            [("tags", "a,b"), ("public_id", "x")]
        );
    }
}
