//! A validated search and the SQL of its queries: the page, the total count
//! and each aggregation, all filtered by the one compiled expression.

use super::aggregate::{AggregateRange, AggregateRequest, RangeField, ValuesField};
use super::ast::Expression;
use super::compile::{Param, SqlBuilder};
use super::cursor::PagePosition;
use super::dialect::Dialect;
use super::error::SearchError;
use super::request::SearchRequest;
use super::sort::SortKey;
use crate::db::COLUMNS;

/// A query's SQL and its parameters.
pub(crate) struct Query {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Everything about a request checked, ready to render for one database.
pub(crate) struct SearchPlan {
    pub dialect: Dialect,
    pub expression: Expression,
    pub sort: Vec<SortKey>,
    pub page_size: u32,
    pub after: Option<PagePosition>,
}

impl SearchPlan {
    /// Checks every part of `request`; the first problem is the error.
    pub fn new(request: &SearchRequest, dialect: Dialect) -> Result<SearchPlan, SearchError> {
        request.check_caps()?;
        let page_size = request.page_size()?;
        let expression = Expression::parse(request.expression.as_deref().unwrap_or(""))?;
        let sort = request.sort();
        let after = request
            .next_cursor
            .as_deref()
            .filter(|cursor| !cursor.is_empty())
            .map(|cursor| PagePosition::decode(cursor, &sort))
            .transpose()?;
        for aggregate in &request.aggregate {
            aggregate.check()?;
        }
        Ok(SearchPlan {
            dialect,
            expression,
            sort,
            page_size,
            after,
        })
    }

    /// The filter as a fresh builder's first parameters.
    fn filtered(&self) -> (SqlBuilder, String) {
        let mut builder = SqlBuilder::new(self.dialect);
        let filter = builder.expression(&self.expression);
        (builder, filter)
    }

    /// One page (plus one row, which tells whether another page follows),
    /// after the cursor's position, in the sort order then by row id.
    pub fn page(&self) -> Query {
        let (mut builder, filter) = self.filtered();
        let mut sql = format!("SELECT {COLUMNS} FROM assets WHERE ({filter})");
        if let Some(after) = &self.after {
            sql += &format!(" AND ({})", after.after(&self.sort, &mut builder));
        }
        let mut order: Vec<String> = self
            .sort
            .iter()
            .map(|key| {
                format!(
                    "{} {}",
                    self.dialect.scalar(key.field.scalar()),
                    key.direction.sql()
                )
            })
            .collect();
        let id_direction = self.sort.last().map_or("ASC", |key| key.direction.sql());
        order.push(format!("id {id_direction}"));
        let limit = builder.bind(Param::Integer(i64::from(self.page_size) + 1));
        sql += &format!(" ORDER BY {} LIMIT {limit}", order.join(", "));
        Query {
            sql,
            params: builder.params,
        }
    }

    pub fn count(&self) -> Query {
        let (builder, filter) = self.filtered();
        Query {
            sql: format!("SELECT count(*) FROM assets WHERE ({filter})"),
            params: builder.params,
        }
    }

    /// Rows of (value, count) for a values aggregation.
    pub fn values(&self, field: ValuesField) -> Query {
        let (builder, filter) = self.filtered();
        let column = field.column();
        Query {
            sql: format!(
                "SELECT {column}, count(*) FROM assets WHERE ({filter}) GROUP BY {column}"
            ),
            params: builder.params,
        }
    }

    /// One row with a count per range, in order.
    pub fn ranges(&self, field: RangeField, ranges: &[AggregateRange]) -> Query {
        let (mut builder, filter) = self.filtered();
        let number = field.sql();
        let counts: Vec<String> = ranges
            .iter()
            .map(|range| {
                let mut bounds = Vec::new();
                if let Some(from) = range.from {
                    bounds.push(format!(
                        "{number} >= {}",
                        builder.bind(Param::Integer(from))
                    ));
                }
                if let Some(to) = range.to {
                    bounds.push(format!("{number} < {}", builder.bind(Param::Integer(to))));
                }
                format!("count(CASE WHEN {} THEN 1 END)", bounds.join(" AND "))
            })
            .collect();
        let only = field
            .only()
            .map(|only| format!(" AND {only}"))
            .unwrap_or_default();
        Query {
            sql: format!(
                "SELECT {} FROM assets WHERE ({filter}){only}",
                counts.join(", ")
            ),
            params: builder.params,
        }
    }

    /// The query an aggregation runs.
    pub fn aggregation(&self, request: &AggregateRequest) -> Query {
        match request {
            AggregateRequest::Values(field) => self.values(*field),
            AggregateRequest::Ranges { field, ranges } => self.ranges(*field, ranges),
        }
    }
}
