//! The `metadata` parameter as the SDKs encode it (`encode_context` in both):
//! `sku=A-1|colours=["red","blue"]`, pairs split on `|`, key and value on
//! the first `=`, with `=`, `|` and `"` inside a value escaped by a
//! backslash. A set's value is a JSON array of entry external_ids.

use super::MetadataError;
use crate::params::split_unescaped;

/// `(field external_id, raw value)` pairs, in the order given. The raw value
/// keeps `\"` (a JSON array needs it); see [`unescape_scalar`].
pub fn parse_assignments(text: &str) -> Result<Vec<(String, String)>, MetadataError> {
    let mut assignments: Vec<(String, String)> = Vec::new();
    for pair in split_unescaped(text, '|') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = match split_once_unescaped(&pair, '=') {
            Some((key, value)) => (key, value),
            None => (pair.as_str(), ""),
        };
        let key = unescape(key, &['=', '|']);
        if key.trim().is_empty() {
            return Err(MetadataError::MalformedParameter(format!(
                "entry {pair:?} has no field external_id"
            )));
        }
        if assignments.iter().any(|(k, _)| *k == key) {
            return Err(MetadataError::MalformedParameter(format!(
                "field {key} is given more than once"
            )));
        }
        assignments.push((key, unescape(value, &['=', '|'])));
    }
    Ok(assignments)
}

/// A scalar value with its escaped quotes resolved too.
pub fn unescape_scalar(raw: &str) -> String {
    unescape(raw, &['"'])
}

/// `(before, after)` the first unescaped `separator`.
fn split_once_unescaped(text: &str, separator: char) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == separator {
            return Some((&text[..i], &text[i + c.len_utf8()..]));
        }
    }
    None
}

/// Resolves `\<c>` for each `c` of `escaped`; other backslashes stay.
fn unescape(text: &str, escaped: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(next)) if escaped.contains(next) => {
                out.push(*next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse_assignments(text).unwrap()
    }

    #[test]
    fn the_python_sdk_encoding_of_strings_numbers_and_lists() {
        assert_eq!(
            pairs(r#"sku=A-1|count=5|colours=["red","blue"]"#),
            [
                ("sku".into(), "A-1".into()),
                ("count".into(), "5".into()),
                ("colours".into(), r#"["red","blue"]"#.into()),
            ]
        );
    }

    #[test]
    fn escaped_separators_and_quotes_belong_to_the_value() {
        let parsed = pairs(r#"note=a\=b\|c \"q\"|k=v"#);
        assert_eq!(parsed[0].1, r#"a=b|c \"q\""#);
        assert_eq!(unescape_scalar(&parsed[0].1), r#"a=b|c "q""#);
        assert_eq!(parsed[1], ("k".into(), "v".into()));
    }

    #[test]
    fn an_empty_value_is_kept_as_empty_and_a_repeated_field_is_refused() {
        assert_eq!(pairs("sku=|k=v")[0], ("sku".into(), String::new()));
        assert_eq!(pairs("sku")[0], ("sku".into(), String::new()));
        assert!(parse_assignments("sku=a|sku=b")
            .unwrap_err()
            .to_string()
            .contains("sku"));
        assert!(parse_assignments("=v").is_err());
    }
}
