//! Request parameters, one rule for both APIs and every body encoding:
//!
//! - a name is lowercase ASCII letters and `_`, optionally ending in `[]`
//!   (Cloudinary's documented alphabet); anything else is a 400 naming it.
//!   This also keeps a signed `context=caption=x` from being re-sent with the
//!   `=` moved into the name;
//! - a name appears once; only `name[]` array members repeat, and `name`
//!   and `name[]` together are a repeat. A repeat is a 400 naming it;
//! - an empty value means the parameter is absent, exactly as the string to
//!   sign leaves it out (`common::signing`), so an unsigned empty part can
//!   neither cancel nor change a signed one;
//! - the map that is verified is the map the handlers read: [`Params`] keeps
//!   nothing else.
//!
//! Values are strings as the SDKs send them: booleans as `"1"`/`"0"` (or
//! `true`/`false` from raw clients), arrays as repeated `name[]` parts whose
//! members are signed and read joined with `,`.

mod context;
mod extraction;
mod naming;
mod serialized;
pub mod supported;

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

pub(crate) use context::split_unescaped;
pub use context::{merge_pairs, parse_context};
pub use extraction::{ExtractionRequest, MetadataKeys};
pub use naming::{parse_tags, random_id, validate_public_id, Naming};

use crate::{ApiError, Reason};

/// Longest parameter name accepted (Cloudinary's longest is 30 characters).
const MAX_NAME_CHARS: usize = 64;

/// The text parameters of one request, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, ParamValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ParamValue {
    One(String),
    /// `name[]` members in arrival order, and the same joined with `,`.
    Array {
        members: Vec<String>,
        joined: String,
    },
}

impl ParamValue {
    fn text(&self) -> &str {
        match self {
            ParamValue::One(value) => value,
            ParamValue::Array { joined, .. } => joined,
        }
    }
}

impl Params {
    /// Collects `(name, value)` pairs under the module's rule.
    pub fn parse<I, K, V>(pairs: I) -> Result<Self, ApiError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut params = Params::default();
        for (name, value) in pairs {
            params.insert(name.into(), value.into())?;
        }
        Ok(params)
    }

    /// Adds one parameter as it arrived: checks the name, refuses a repeat,
    /// drops an empty value, appends an array member.
    pub fn insert(&mut self, name: String, value: String) -> Result<(), ApiError> {
        let (base, is_array) = match name.strip_suffix("[]") {
            Some(base) => (base, true),
            None => (name.as_str(), false),
        };
        check_name(base, &name)?;
        let repeated = || {
            ApiError::from(Reason::GivenTwice {
                name: base.to_string(),
            })
        };
        match (self.values.entry(base.to_owned()), is_array) {
            (Entry::Vacant(slot), false) => {
                slot.insert(ParamValue::One(value));
            }
            (Entry::Vacant(slot), true) => {
                slot.insert(ParamValue::Array {
                    joined: value.clone(),
                    members: vec![value],
                });
            }
            (Entry::Occupied(mut slot), true) => match slot.get_mut() {
                ParamValue::Array { members, joined } => {
                    if !value.is_empty() {
                        if !joined.is_empty() {
                            joined.push(',');
                        }
                        joined.push_str(&value);
                    }
                    members.push(value);
                }
                ParamValue::One(_) => return Err(repeated()),
            },
            (Entry::Occupied(_), false) => return Err(repeated()),
        }
        Ok(())
    }

    /// Sets `name` to one `value`, replacing whatever it had: for the server's
    /// own merges (presets), never for what a request sends.
    pub fn set(&mut self, name: &str, value: String) -> Result<(), ApiError> {
        check_name(name, name)?;
        self.values.insert(name.to_owned(), ParamValue::One(value));
        Ok(())
    }

    /// The value of `name` (array members joined with `,`), if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(ParamValue::text)
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` was given (with a non-empty value).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The non-empty members of an array parameter, in order: the `name[]`
    /// members apart (so values containing commas survive), or a plain
    /// `name` as one member.
    pub fn list(&self, name: &str) -> Vec<&str> {
        match self.values.get(name) {
            None => Vec::new(),
            Some(ParamValue::One(value)) => Some(value.as_str())
                .filter(|v| !v.is_empty())
                .into_iter()
                .collect(),
            Some(ParamValue::Array { members, .. }) => members
                .iter()
                .map(String::as_str)
                .filter(|v| !v.is_empty())
                .collect(),
        }
    }

    /// A boolean parameter: `1`/`0`/`true`/`false` (any case); `None` when absent.
    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name).map(|v| parse_bool(name, v)).transpose()
    }

    /// A boolean parameter that defaults to false.
    pub fn is_set(&self, name: &str) -> Result<bool, ApiError> {
        Ok(self.flag(name)?.unwrap_or(false))
    }

    /// Every given parameter, arrays joined with `,`, in name order: the
    /// pairs a signature covers.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .map(|(name, value)| (name.as_str(), value.text()))
            .filter(|(_, value)| !value.is_empty())
    }
}

/// `[a-z_]+`, with `[]` already split off; `full` is the name as sent.
fn check_name(base: &str, full: &str) -> Result<(), ApiError> {
    let valid = !base.is_empty()
        && base.len() <= MAX_NAME_CHARS
        && base.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if valid {
        return Ok(());
    }
    let shown: String = full.chars().take(MAX_NAME_CHARS).collect();
    Err(Reason::InvalidParameterName {
        shown,
        truncated: full.chars().count() > MAX_NAME_CHARS,
    }
    .into())
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(Reason::InvalidParameter {
            name: name.to_string(),
            detail: format!("{value:?} is not a boolean (1, 0, true or false)"),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(pairs: &[(&str, &str)]) -> Params {
        Params::parse(pairs.iter().copied()).expect("valid parameters")
    }

    fn refused(pairs: &[(&str, &str)]) -> String {
        Params::parse(pairs.iter().copied())
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn booleans_accept_sdk_and_raw_forms() {
        let params = parsed(&[
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
        let err = parsed(&[("colors", "yes please")])
            .flag("colors")
            .unwrap_err();
        assert!(err.to_string().contains("colors"), "{err}");
    }

    #[test]
    fn array_parts_are_joined_with_commas_and_kept_apart() {
        let params = parsed(&[("tags[]", "a"), ("public_id", "x"), ("tags[]", "b,c")]);
        assert_eq!(params.get("tags"), Some("a,b,c"));
        assert_eq!(params.list("tags"), ["a", "b,c"]);
        assert_eq!(params.list("public_id"), ["x"]);
        assert_eq!(
            params.iter().collect::<Vec<_>>(),
            [("public_id", "x"), ("tags", "a,b,c")]
        );
    }

    #[test]
    fn empty_values_are_absent_everywhere() {
        let params = parsed(&[
            ("folder", ""),
            ("tags[]", ""),
            ("ids[]", "a"),
            ("ids[]", ""),
        ]);
        assert_eq!(params.get("folder"), None);
        assert_eq!(params.get("tags"), None);
        assert!(params.list("tags").is_empty());
        assert_eq!(params.list("ids"), ["a"]);
        assert_eq!(params.get("ids"), Some("a"));
        assert_eq!(
            params.iter().collect::<Vec<_>>(),
            [("ids", "a")],
            "the signed pairs leave empty values out"
        );
    }

    #[test]
    fn a_name_given_twice_is_refused_even_when_one_value_is_empty() {
        for pairs in [
            &[("folder", ""), ("folder", "users/alice")][..],
            &[("overwrite", "0"), ("overwrite", "1")],
            &[("tags", "a"), ("tags[]", "b")],
            &[("tags[]", "a"), ("tags", "b")],
        ] {
            let message = refused(pairs);
            assert!(
                message.contains(pairs[0].0.trim_end_matches("[]"))
                    && message.contains("more than once"),
                "{pairs:?}: {message}"
            );
        }
    }

    #[test]
    fn names_outside_the_documented_alphabet_are_refused_by_name() {
        for name in [
            "context=caption",
            "Public_id",
            "public-id",
            "tags[][]",
            "a[b]",
            "x1",
            "",
            "[]",
            "caf\u{e9}",
            "public_id ",
        ] {
            let message = refused(&[(name, "v")]);
            assert!(
                message.starts_with("Invalid parameter name")
                    && message.contains(&format!("{name:?}")),
                "{name:?}: {message}"
            );
        }
        let long = "a".repeat(1000);
        let message = refused(&[(long.as_str(), "v")]);
        assert!(
            message.len() < 200,
            "the message quotes a bounded prefix: {message}"
        );
    }
}
