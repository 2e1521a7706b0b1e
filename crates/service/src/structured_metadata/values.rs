//! Whether a value fits a field: its type, its datasource and its
//! validation rules, for values from the `metadata` parameter (wire text)
//! and for a field's `default_value` (JSON).

use chrono::NaiveDate;
use serde_json::Value;
use store::metadata_fields::{FieldType, MetadataField, MetadataValue, Validation};

use super::wire::unescape_scalar;

/// Most entries one set value may hold (Cloudinary's documented limit).
pub const MAX_SET_ENTRIES: usize = 3000;

/// A value from the wire for `field`: `None` clears the field (an empty
/// value, or `[]` for a set). The error says why, without the field's name.
pub fn from_wire(field: &MetadataField, raw: &str) -> Result<Option<MetadataValue>, String> {
    let value = match field.field_type {
        FieldType::Set => {
            let trimmed = raw.trim();
            let ids: Vec<String> = if trimmed.starts_with('[') {
                serde_json::from_str(trimmed).map_err(|_| {
                    format!("{raw:?} is not a JSON array of datasource external_ids")
                })?
            } else if trimmed.is_empty() {
                Vec::new()
            } else {
                vec![unescape_scalar(trimmed)]
            };
            if ids.is_empty() {
                return Ok(None);
            }
            MetadataValue::Entries(ids)
        }
        _ => {
            let text = unescape_scalar(raw);
            if text.is_empty() {
                return Ok(None);
            }
            scalar(field, text)?
        }
    };
    check(field, &value)?;
    Ok(Some(value))
}

/// A field's `default_value` as JSON (a number for integers, an array for
/// sets, else a string).
pub fn from_json(field: &MetadataField, json: &Value) -> Result<MetadataValue, String> {
    let value = match (field.field_type, json) {
        (FieldType::Integer, Value::Number(n)) => MetadataValue::Integer(
            n.as_i64()
                .ok_or_else(|| format!("{n} is not a whole number"))?,
        ),
        (FieldType::Set, Value::Array(items)) => MetadataValue::Entries(
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{item} is not a datasource external_id"))
                })
                .collect::<Result<_, _>>()?,
        ),
        (FieldType::Set, Value::String(id)) => MetadataValue::Entries(vec![id.clone()]),
        (_, Value::String(text)) if field.field_type != FieldType::Set => {
            scalar(field, text.clone())?
        }
        (field_type, other) => {
            return Err(format!(
                "{other} is not a value of a {} field",
                field_type.as_str()
            ))
        }
    };
    check(field, &value)?;
    Ok(value)
}

/// A string, integer, date or enum value from its text.
fn scalar(field: &MetadataField, text: String) -> Result<MetadataValue, String> {
    Ok(match field.field_type {
        FieldType::String => MetadataValue::Text(text),
        FieldType::Integer => MetadataValue::Integer(integer(&text)?),
        FieldType::Date => {
            date(&text)?;
            MetadataValue::Date(text)
        }
        FieldType::Enum => MetadataValue::Entry(text),
        FieldType::Set => MetadataValue::Entries(vec![text]),
    })
}

/// An optional sign and decimal digits that fit 64 bits.
pub fn integer(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} is not an integer"));
    }
    text.parse()
        .map_err(|_| format!("{text} is out of the 64-bit integer range"))
}

/// `YYYY-MM-DD`, a real calendar day.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == text)
        .ok_or_else(|| format!("{text:?} is not a date (YYYY-MM-DD)"))
}

/// Datasource membership and validation rules.
fn check(field: &MetadataField, value: &MetadataValue) -> Result<(), String> {
    match value {
        MetadataValue::Entry(id) => entry(field, id)?,
        MetadataValue::Entries(ids) => {
            if ids.len() > MAX_SET_ENTRIES {
                return Err(format!("more than {MAX_SET_ENTRIES} entries"));
            }
            for (i, id) in ids.iter().enumerate() {
                if ids[..i].contains(id) {
                    return Err(format!("entry {id:?} is given more than once"));
                }
                entry(field, id)?;
            }
        }
        _ => {}
    }
    match &field.definition.validation {
        Some(rule) => passes(rule, value),
        None => Ok(()),
    }
}

fn entry(field: &MetadataField, id: &str) -> Result<(), String> {
    match field.active_entry(id) {
        Some(_) => Ok(()),
        None => Err(format!("{id:?} is not an active entry of its datasource")),
    }
}

/// Whether `value` passes `rule`; the error names the rule broken.
fn passes(rule: &Validation, value: &MetadataValue) -> Result<(), String> {
    match rule {
        Validation::And { rules } => rules.iter().try_for_each(|rule| passes(rule, value)),
        Validation::Strlen { min, max } => {
            let MetadataValue::Text(text) = value else {
                return Ok(());
            };
            let length = text.chars().count() as u64;
            if min.is_some_and(|min| length < min) || max.is_some_and(|max| length > max) {
                return Err(format!(
                    "{text:?} is {length} characters long, outside {}..{}",
                    min.map_or(String::new(), |n| n.to_string()),
                    max.map_or(String::new(), |n| n.to_string())
                ));
            }
            Ok(())
        }
        Validation::GreaterThan {
            value: bound,
            equals,
        }
        | Validation::LessThan {
            value: bound,
            equals,
        } => {
            let greater = matches!(rule, Validation::GreaterThan { .. });
            let ordering = match (value, bound) {
                (MetadataValue::Integer(n), Value::Number(b)) => b.as_i64().map(|b| n.cmp(&b)),
                (MetadataValue::Date(d), Value::String(b)) => Some(d.as_str().cmp(b.as_str())),
                _ => None,
            };
            let Some(ordering) = ordering else {
                return Ok(());
            };
            let ok = match (greater, ordering) {
                (_, std::cmp::Ordering::Equal) => *equals,
                (true, ordering) => ordering == std::cmp::Ordering::Greater,
                (false, ordering) => ordering == std::cmp::Ordering::Less,
            };
            if ok {
                return Ok(());
            }
            let shown = value_text(value);
            let relation = match (greater, equals) {
                (true, false) => "greater than",
                (true, true) => "greater than or equal to",
                (false, false) => "less than",
                (false, true) => "less than or equal to",
            };
            Err(format!("{shown} is not {relation} {bound}"))
        }
    }
}

fn value_text(value: &MetadataValue) -> String {
    match value {
        MetadataValue::Integer(n) => n.to_string(),
        other => other.to_json().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use store::metadata_fields::{
        DatasourceEntry, EntryState, FieldDefinition, Restrictions, Validation,
    };

    use super::*;

    fn field(field_type: FieldType, validation: Option<Validation>) -> MetadataField {
        let entry = |id: &str, state| DatasourceEntry {
            external_id: id.into(),
            value: id.to_uppercase(),
            state,
        };
        MetadataField {
            id: 1,
            external_id: "f".into(),
            field_type,
            definition: FieldDefinition {
                label: "F".into(),
                mandatory: false,
                default_value: None,
                default_disabled: false,
                validation,
                restrictions: Restrictions::default(),
                allow_dynamic_list_values: false,
                datasource: vec![
                    entry("red", EntryState::Active),
                    entry("old", EntryState::Inactive),
                ],
            },
            revision: 1,
        }
    }

    #[test]
    fn each_type_reads_its_wire_text() {
        let string = field(FieldType::String, None);
        assert_eq!(
            from_wire(&string, r#"say \"hi\""#).unwrap(),
            Some(MetadataValue::Text(r#"say "hi""#.into()))
        );
        assert_eq!(from_wire(&string, "").unwrap(), None, "empty clears");
        let integer = field(FieldType::Integer, None);
        assert_eq!(
            from_wire(&integer, "-12").unwrap(),
            Some(MetadataValue::Integer(-12))
        );
        for bad in ["1.5", "+1", "1e3", " 1", "x"] {
            assert!(from_wire(&integer, bad).is_err(), "{bad}");
        }
        let date = field(FieldType::Date, None);
        assert!(from_wire(&date, "2024-02-29").is_ok());
        for bad in ["2023-02-29", "2024-2-1", "24-01-01", "2024-01-01T00:00"] {
            assert!(from_wire(&date, bad).is_err(), "{bad}");
        }
        let set = field(FieldType::Set, None);
        assert_eq!(
            from_wire(&set, r#"["red"]"#).unwrap(),
            Some(MetadataValue::Entries(vec!["red".into()]))
        );
        assert_eq!(from_wire(&set, "[]").unwrap(), None);
        assert!(from_wire(&set, r#"["old"]"#).is_err(), "inactive entry");
        assert!(from_wire(&field(FieldType::Enum, None), "blue").is_err());
    }

    #[test]
    fn validation_rules_bound_values() {
        let range = Validation::And {
            rules: vec![
                Validation::GreaterThan {
                    value: json!(0),
                    equals: true,
                },
                Validation::LessThan {
                    value: json!(10),
                    equals: false,
                },
            ],
        };
        let integer = field(FieldType::Integer, Some(range));
        assert!(from_wire(&integer, "0").is_ok());
        assert!(from_wire(&integer, "9").is_ok());
        assert!(from_wire(&integer, "10").is_err());
        assert!(from_wire(&integer, "-1").is_err());
        let after = Validation::GreaterThan {
            value: json!("2024-01-01"),
            equals: false,
        };
        let date = field(FieldType::Date, Some(after));
        assert!(from_wire(&date, "2024-01-01").is_err());
        assert!(from_wire(&date, "2024-01-02").is_ok());
        let short = Validation::Strlen {
            min: Some(2),
            max: Some(3),
        };
        let string = field(FieldType::String, Some(short));
        assert!(from_wire(&string, "é€").is_ok(), "characters, not bytes");
        assert!(from_wire(&string, "a").is_err());
        assert!(from_wire(&string, "abcd").is_err());
    }

    #[test]
    fn defaults_are_json_of_the_field_type() {
        assert_eq!(
            from_json(&field(FieldType::Integer, None), &json!(5)).unwrap(),
            MetadataValue::Integer(5)
        );
        assert!(from_json(&field(FieldType::Integer, None), &json!("five")).is_err());
        assert!(from_json(&field(FieldType::Integer, None), &json!(true)).is_err());
        assert!(from_json(&field(FieldType::Set, None), &json!(["red"])).is_ok());
        assert!(from_json(&field(FieldType::String, None), &json!(["red"])).is_err());
    }
}
