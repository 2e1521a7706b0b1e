//! `context=k=v|k2=v2`: contextual metadata, with `=` and `|` inside values
//! escaped as `\=` and `\|` (the SDKs' `encode_context`).

use std::collections::BTreeMap;

use crate::ApiError;

/// Parses the wire form of `context` into key/value pairs. An entry without
/// `=` is a key with an empty value; an entry with an empty key is refused.
pub fn parse_context(value: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let mut context = BTreeMap::new();
    for entry in split_unescaped(value, '|') {
        if entry.is_empty() {
            continue;
        }
        let mut parts = split_unescaped(&entry, '=').into_iter();
        let key = unescape(&parts.next().unwrap_or_default());
        // Only the first unescaped `=` separates; the rest belong to the value.
        let rest: Vec<String> = parts.collect();
        let value = unescape(&rest.join("="));
        if key.trim().is_empty() {
            return Err(ApiError::invalid_parameter(
                "context",
                format!("entry {entry:?} has no key"),
            ));
        }
        context.insert(key, value);
    }
    Ok(context)
}

/// Splits on `separator` where it is not preceded by a backslash; escapes are
/// kept so a later split or [`unescape`] can still see them.
fn split_unescaped(value: &str, separator: char) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        let current = pieces.last_mut().expect("never empty");
        if c == '\\' {
            current.push(c);
            if let Some(escaped) = chars.next() {
                current.push(escaped);
            }
        } else if c == separator {
            pieces.push(String::new());
        } else {
            current.push(c);
        }
    }
    pieces
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('=' | '|' | '\\'))) => {
                out.push(next);
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

    fn pairs(value: &str) -> Vec<(String, String)> {
        parse_context(value).unwrap().into_iter().collect()
    }

    #[test]
    fn plain_pairs() {
        assert_eq!(
            pairs("alt=x|caption=y"),
            [("alt".into(), "x".into()), ("caption".into(), "y".into())]
        );
    }

    #[test]
    fn escaped_separators_stay_in_values() {
        assert_eq!(
            pairs(r"caption=a\=b\|c|k=v"),
            [("caption".into(), "a=b|c".into()), ("k".into(), "v".into())]
        );
    }

    #[test]
    fn an_unescaped_equals_after_the_first_belongs_to_the_value() {
        assert_eq!(pairs("formula=e=mc2"), [("formula".into(), "e=mc2".into())]);
    }

    #[test]
    fn a_bare_key_has_an_empty_value() {
        assert_eq!(pairs("flag"), [("flag".into(), String::new())]);
    }

    #[test]
    fn an_empty_key_is_refused() {
        assert!(parse_context("=v").is_err());
    }
}
