//! `next_cursor`: keyset pagination. A cursor holds the sort values and row
//! id of the last asset of a page; the next page is the rows after that
//! position in the sort order (never an OFFSET), so assets inserted between
//! two requests neither shift nor repeat what the pages already returned.
//!
//! The cursor also names the sort it was made for: it is refused with any
//! other sort, whose values it could not be compared with.

use serde::{Deserialize, Serialize};

use super::compile::{Param, SqlBuilder};
use super::error::SearchError;
use super::sort::{SortKey, SortValue};
use crate::cursor;

/// Where a page ends: the sort values of its last asset and that row's id
/// (the final tie-breaker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PagePosition {
    /// The sort, as `field:direction,...`.
    sort: String,
    values: Vec<SortValue>,
    id: i64,
}

impl PagePosition {
    pub fn new(sort: &[SortKey], values: Vec<SortValue>, id: i64) -> PagePosition {
        PagePosition {
            sort: signature(sort),
            values,
            id,
        }
    }

    /// The opaque `next_cursor` text.
    pub fn encode(&self) -> String {
        cursor::encode(self)
    }

    /// A cursor handed out for a search with this `sort`.
    pub fn decode(text: &str, sort: &[SortKey]) -> Result<PagePosition, SearchError> {
        let position: PagePosition = cursor::decode(text).ok_or(SearchError::InvalidCursor)?;
        // A forged text value with a control character could match nothing,
        // and PostgreSQL cannot even bind a NUL: refuse it here.
        let clean = position.values.iter().all(|value| match value {
            SortValue::Text(text) => !text.chars().any(char::is_control),
            SortValue::Integer(_) => true,
        });
        let fits = clean
            && position.sort == signature(sort)
            && position.values.len() == sort.len()
            && sort
                .iter()
                .zip(&position.values)
                .all(|(key, value)| matches!(value, SortValue::Text(_)) == key.field.is_text());
        if fits {
            Ok(position)
        } else {
            Err(SearchError::InvalidCursor)
        }
    }

    /// The condition "sorts after this position" for `sort`:
    /// `k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (k2 = v2 AND id > i)))`, with
    /// each `>` the direction's. The row id follows the last key's direction.
    pub fn after(&self, sort: &[SortKey], builder: &mut SqlBuilder) -> String {
        let mut sql = String::new();
        for (key, value) in sort.iter().zip(&self.values) {
            let column = builder.dialect.scalar(key.field.scalar());
            let beyond = builder.bind(param(value));
            let equal = builder.bind(param(value));
            sql += &format!(
                "({column} {} {beyond} OR ({column} = {equal} AND ",
                key.direction.after()
            );
        }
        let last = sort.last().map_or(">", |key| key.direction.after());
        let id = builder.bind(Param::Integer(self.id));
        sql += &format!("id {last} {id}");
        sql += &"))".repeat(sort.len());
        sql
    }
}

fn param(value: &SortValue) -> Param {
    match value {
        SortValue::Integer(n) => Param::Integer(*n),
        SortValue::Text(text) => Param::Text(text.clone()),
    }
}

fn signature(sort: &[SortKey]) -> String {
    sort.iter()
        .map(SortKey::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::super::dialect::Dialect;
    use super::super::sort::{SortDirection, SortField};
    use super::*;

    fn sort() -> Vec<SortKey> {
        vec![
            SortKey {
                field: SortField::PublicId,
                direction: SortDirection::Ascending,
            },
            SortKey {
                field: SortField::Bytes,
                direction: SortDirection::Descending,
            },
        ]
    }

    #[test]
    fn cursors_round_trip_only_for_their_own_sort() {
        let position = PagePosition::new(
            &sort(),
            vec![SortValue::Text("a/b".into()), SortValue::Integer(10)],
            7,
        );
        let cursor = position.encode();
        assert_eq!(PagePosition::decode(&cursor, &sort()), Ok(position));
        let other = vec![sort()[0]];
        assert_eq!(
            PagePosition::decode(&cursor, &other),
            Err(SearchError::InvalidCursor)
        );
        for bad in ["", "%%%", "e30", &cursor::encode(&[1])] {
            assert_eq!(
                PagePosition::decode(bad, &sort()),
                Err(SearchError::InvalidCursor)
            );
        }
        // Right sort, wrong value types.
        let forged = PagePosition::new(
            &sort(),
            vec![SortValue::Integer(1), SortValue::Integer(10)],
            7,
        );
        assert_eq!(
            PagePosition::decode(&forged.encode(), &sort()),
            Err(SearchError::InvalidCursor)
        );
    }

    #[test]
    fn after_compares_keys_in_order_then_the_id() {
        let position = PagePosition::new(
            &sort(),
            vec![SortValue::Text("x".into()), SortValue::Integer(10)],
            7,
        );
        let mut builder = SqlBuilder::new(Dialect::Sqlite);
        assert_eq!(
            position.after(&sort(), &mut builder),
            "(public_id > $1 OR (public_id = $2 AND (bytes < $3 OR (bytes = $4 AND id < $5))))"
        );
        assert_eq!(builder.params.len(), 5);
    }
}
