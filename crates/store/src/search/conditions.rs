//! Typed conditions from `field <operator> value` and `field:[low TO high]`:
//! the value is read as the field's kind, and the operator must suit it.
//!
//! A date names a span of time (a whole day, one second, or the second a
//! relative time falls on), so every date comparison is a bound on that span:
//! `created_at:2025-01-31` is that whole day, `>2025-01-31` after it, and
//! `uploaded_at>1d` within the last day.

use chrono::{DateTime, Utc};

use super::ast::{Comparison, Condition, Expression, Target, Test};
use super::error::SearchError;
use super::fields::{Field, ValueKind};
use super::lexer::{Operator, Word};
use super::values::{self, TimeSpan, Value};
use super::words;

/// One end of a range: its word (`*` for open) and whether it is included.
pub struct RangeEnd<'a> {
    pub word: &'a Word,
    pub inclusive: bool,
    pub position: usize,
}

/// Reads values relative to `now`.
pub struct ConditionBuilder {
    pub now: DateTime<Utc>,
}

impl ConditionBuilder {
    /// `field <operator> value`; `position` is where the value starts.
    pub fn field(
        &self,
        field: Field,
        operator: Operator,
        value: &Word,
        position: usize,
    ) -> Result<Expression, SearchError> {
        // A field no asset has: its value is not even read.
        let Some(kind) = field.kind() else {
            return Ok(Expression::Nothing);
        };
        if let (Field::Metadata(_), Some(comparison)) = (&field, comparison(operator)) {
            return metadata_comparison(field, comparison, value, position);
        }
        let matching = matches!(operator, Operator::Colon | Operator::Equals);
        if !matching && !kind.is_ordered() {
            return Err(SearchError::UnsupportedOperator {
                position,
                field: field.name(),
                operator: operator.as_str().into(),
            });
        }
        match kind {
            ValueKind::FullText => {
                let words = words::split(&value.text);
                if operator != Operator::Colon {
                    return Err(SearchError::UnsupportedOperator {
                        position,
                        field: field.name(),
                        operator: operator.as_str().into(),
                    });
                }
                if words.is_empty() {
                    return Err(invalid(&field, value, position, kind));
                }
                let test = if value.wildcard {
                    Test::WordsPrefix(words)
                } else {
                    Test::Words(words)
                };
                Ok(condition(field, test))
            }
            ValueKind::Text | ValueKind::TextSet => Ok(condition(field, text_test(value, false))),
            ValueKind::Words | ValueKind::WordsSet => Ok(condition(
                field,
                text_test(value, operator == Operator::Colon),
            )),
            ValueKind::Boolean => {
                let flag = (!value.wildcard)
                    .then(|| values::boolean(&value.text))
                    .flatten()
                    .ok_or_else(|| invalid(&field, value, position, kind))?;
                // Compared as JSON's words: see `dialect::Dialect::json_boolean`.
                let word = if flag { "true" } else { "false" };
                Ok(condition(field, Test::Equals(Value::Text(word.into()))))
            }
            ValueKind::Date => self.date(field, operator, value, position),
            ValueKind::Integer | ValueKind::Bytes | ValueKind::Decimal | ValueKind::AspectRatio => {
                let number =
                    number(kind, value).ok_or_else(|| invalid(&field, value, position, kind))?;
                let test = match comparison(operator) {
                    None => Test::Equals(number),
                    Some(comparison) => Test::Compare(comparison, number),
                };
                Ok(condition(field, test))
            }
        }
    }

    /// `field:[low TO high]` (`[`/`]` include the end, `{`/`}` exclude it,
    /// `*` leaves it open).
    pub fn range(
        &self,
        field: Field,
        low: RangeEnd<'_>,
        high: RangeEnd<'_>,
    ) -> Result<Expression, SearchError> {
        let Some(kind) = field.kind() else {
            return Ok(Expression::Nothing);
        };
        // A structured metadata field's kind is the stored field's: its
        // bounds are read as an integer or a date (`metadata_comparison`).
        if !kind.is_ordered() && !matches!(field, Field::Metadata(_)) {
            return Err(SearchError::UnsupportedOperator {
                position: low.position,
                field: field.name(),
                operator: "[ TO ]".into(),
            });
        }
        let mut bounds = Vec::new();
        for (end, included, excluded) in [
            (&low, Operator::GreaterOrEqual, Operator::Greater),
            (&high, Operator::LessOrEqual, Operator::Less),
        ] {
            let open = end.word.wildcard && end.word.text.is_empty() && !end.word.quoted;
            if !open {
                let operator = if end.inclusive { included } else { excluded };
                bounds.push(self.field(field.clone(), operator, end.word, end.position)?);
            }
        }
        Ok(match bounds.len() {
            0 => Expression::All,
            1 => bounds.remove(0),
            _ => Expression::And(bounds),
        })
    }

    fn date(
        &self,
        field: Field,
        operator: Operator,
        value: &Word,
        position: usize,
    ) -> Result<Expression, SearchError> {
        let span = (!value.wildcard)
            .then(|| values::date(&value.text, self.now))
            .flatten()
            .ok_or_else(|| invalid(&field, value, position, ValueKind::Date))?;
        let TimeSpan { start, end } = span;
        let bound = |comparison, at| {
            condition(field.clone(), Test::Compare(comparison, Value::Integer(at)))
        };
        Ok(match operator {
            Operator::Colon | Operator::Equals => {
                if values::is_relative_date(&value.text) {
                    return Err(SearchError::InvalidValue {
                        position,
                        field: field.name(),
                        value: value.text.clone(),
                        expected: "a date: a relative time needs <, >, <= or >=",
                    });
                }
                Expression::And(vec![
                    bound(Comparison::GreaterOrEqual, start),
                    bound(Comparison::Less, end),
                ])
            }
            Operator::Greater => bound(Comparison::GreaterOrEqual, end),
            Operator::GreaterOrEqual => bound(Comparison::GreaterOrEqual, start),
            Operator::Less => bound(Comparison::Less, start),
            Operator::LessOrEqual => bound(Comparison::Less, end),
        })
    }
}

/// A bare term: its words found in public_id, filename, a tag or a context
/// value.
pub fn bare_term(word: &Word) -> Expression {
    Expression::Condition(Condition {
        target: Target::AnyText,
        test: text_test(word, true),
    })
}

/// A text value's test: a prefix with `*`; with `by_words`, the value's
/// words (or, when it has none, such as `"-"`, the exact value); else the
/// exact value.
fn text_test(value: &Word, by_words: bool) -> Test {
    if value.wildcard {
        return Test::Prefix(value.text.clone());
    }
    let words = if by_words {
        words::split(&value.text)
    } else {
        Vec::new()
    };
    if words.is_empty() {
        Test::Equals(Value::Text(value.text.clone()))
    } else {
        Test::Words(words)
    }
}

fn condition(field: Field, test: Test) -> Expression {
    Expression::Condition(Condition {
        target: Target::Field(field),
        test,
    })
}

/// `metadata.<field> < value`: an integer field's number, or a date field's
/// day (`YYYY-MM-DD`), as Cloudinary compares them; the parser does not know
/// the field's type, so the value's form says which of the two it tests.
fn metadata_comparison(
    field: Field,
    comparison: Comparison,
    value: &Word,
    position: usize,
) -> Result<Expression, SearchError> {
    let text = value.text.as_str();
    let bound = if value.wildcard {
        None
    } else if let Some(n) = values::integer(text) {
        Some(Value::Integer(n))
    } else {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(|day| Value::Text(day.format("%Y-%m-%d").to_string()))
    };
    let bound = bound.ok_or_else(|| SearchError::InvalidValue {
        position,
        field: field.name(),
        value: text.to_owned(),
        expected: "an integer or a date (YYYY-MM-DD) to compare with",
    })?;
    Ok(condition(field, Test::Compare(comparison, bound)))
}

fn comparison(operator: Operator) -> Option<Comparison> {
    match operator {
        Operator::Colon | Operator::Equals => None,
        Operator::Less => Some(Comparison::Less),
        Operator::LessOrEqual => Some(Comparison::LessOrEqual),
        Operator::Greater => Some(Comparison::Greater),
        Operator::GreaterOrEqual => Some(Comparison::GreaterOrEqual),
    }
}

fn number(kind: ValueKind, value: &Word) -> Option<Value> {
    if value.wildcard {
        return None;
    }
    let text = value.text.as_str();
    match kind {
        ValueKind::Integer => values::integer(text).map(Value::Integer),
        ValueKind::Bytes => values::bytes(text).map(Value::Integer),
        ValueKind::Decimal => values::decimal(text).map(Value::Decimal),
        ValueKind::AspectRatio => values::aspect_ratio(text).map(Value::Decimal),
        ValueKind::Text
        | ValueKind::Words
        | ValueKind::FullText
        | ValueKind::TextSet
        | ValueKind::WordsSet
        | ValueKind::Date
        | ValueKind::Boolean => None,
    }
}

fn invalid(field: &Field, value: &Word, position: usize, kind: ValueKind) -> SearchError {
    SearchError::InvalidValue {
        position,
        field: field.name(),
        value: if value.wildcard {
            format!("{}*", value.text)
        } else {
            value.text.clone()
        },
        expected: expected(kind),
    }
}

fn expected(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Text | ValueKind::Words | ValueKind::TextSet | ValueKind::WordsSet => "text",
        ValueKind::FullText => "words to find, such as invoice, \"total due\" or inv*",
        ValueKind::Integer => "a whole number",
        ValueKind::Bytes => "a size such as 500, 20kb, 1.5mb or 2gb",
        ValueKind::Decimal => "a number",
        ValueKind::AspectRatio => "a ratio such as 16:9 or 1.5",
        ValueKind::Date => {
            "a date such as 2025-01-31, 2025-01-31T10:00:00Z, 1515911870 (Unix time), 12h, 1d, 2w, 3m or 1y"
        }
        ValueKind::Boolean => "true or false",
    }
}
