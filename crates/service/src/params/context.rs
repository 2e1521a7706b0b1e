//! `context=k=v|k2=v2`: contextual metadata, with `=` and `|` inside values
//! escaped as `\=` and `\|` (the SDKs' `encode_context`).

use std::collections::BTreeMap;

use crate::{ApiError, Reason};

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
            return Err(Reason::InvalidParameter {
                name: "context".into(),
                detail: format!("entry {entry:?} has no key"),
            }
            .into());
        }
        context.insert(key, value);
    }
    Ok(context)
}

/// Two `k=v|k2=v2` values (context, structured metadata) merged entry by
/// entry, still in wire form: `over`'s entries, then those of `under` whose
/// key `over` does not have. Keys compare unescaped, so `a\=b` and `a=b`
/// never collide by accident of escaping.
pub fn merge_pairs(over: &str, under: &str) -> String {
    let entries = |value: &str| -> Vec<(String, String)> {
        split_unescaped(value, '|')
            .into_iter()
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let key = split_unescaped(&entry, '=')
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                (unescape(&key), entry)
            })
            .collect()
    };
    let over = entries(over);
    let kept_under = entries(under)
        .into_iter()
        .filter(|(key, _)| !over.iter().any(|(k, _)| k == key));
    over.iter()
        .cloned()
        .chain(kept_under)
        .map(|(_, entry)| entry)
        .collect::<Vec<_>>()
        .join("|")
}

/// Splits on `separator` where it is not preceded by a backslash; escapes are
/// kept so a later split or [`unescape`] can still see them. Context and
/// structured metadata (`key=value|key2=[...]`) share this wire syntax.
pub(crate) fn split_unescaped(value: &str, separator: char) -> Vec<String> {
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
    fn merged_pairs_keep_both_sides_and_the_first_wins_a_shared_key() {
        let merged = merge_pairs(r"stage=review|note=a\|b", r"stage=draft|owner=eve\=x");
        assert_eq!(
            pairs(&merged),
            [
                ("note".into(), "a|b".into()),
                ("owner".into(), "eve=x".into()),
                ("stage".into(), "review".into()),
            ]
        );
        assert_eq!(merge_pairs("", "k=v"), "k=v");
        assert_eq!(merge_pairs("k=v", ""), "k=v");
    }

    #[test]
    fn an_empty_key_is_refused() {
        assert!(parse_context("=v").is_err());
    }
}
