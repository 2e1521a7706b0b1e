//! The Admin API's `resources/search`, store side: Cloudinary's Lucene-like
//! expression language over the assets table, with sorting, keyset
//! pagination, a total count and aggregations, on both databases.
//!
//! The path of a request: [`lexer`] splits the expression into tokens,
//! [`parser`] builds a typed [`Expression`] (values checked against the
//! field catalogue of [`fields`], errors with their position), [`compile`]
//! turns it into one SQL condition with bound parameters (asking [`dialect`]
//! for what differs between PostgreSQL and SQLite), and [`plan`] wraps that in
//! the page, count and aggregation queries run here. The indexes serving it
//! are `migrations/*/0050_search.sql`.

mod aggregate;
mod ast;
mod compile;
mod conditions;
mod cursor;
mod dialect;
mod error;
mod fields;
pub mod fuzzing;
mod lexer;
mod metadata;
mod ocr_text;
mod parser;
mod plan;
mod request;
mod session;
mod sort;
mod values;
pub mod words;

use sqlx::Row;

pub use aggregate::{
    AggregateBucket, AggregateRange, AggregateRequest, Aggregation, RangeField, ValuesField,
};
pub use aggregate::{MAX_AGGREGATE_RANGES, MAX_RANGE_KEY_CHARS};
pub use ast::{Comparison, Condition, Expression, Target, Test};
pub use error::SearchError;
pub use fields::{Field, Scalar, ScoreFamily, ValueKind};
pub use parser::{MAX_CONDITIONS, MAX_DEPTH, MAX_EXPRESSION_CHARS};
pub use request::{
    SearchPage, SearchRequest, DEFAULT_MAX_RESULTS, DEFAULT_SEARCH_TIMEOUT, MAX_AGGREGATIONS,
    MAX_CURSOR_CHARS, MAX_SEARCH_RESULTS, MAX_SORT_KEYS,
};
pub use sort::{SortDirection, SortField, SortKey};
pub use values::Value;

use compile::bind_params;
use cursor::PagePosition;
use plan::{Query, SearchPlan};
use session::{with_connection, Session};

use crate::db::{AssetRow, Database};
use crate::model::Asset;
use crate::{Store, StoreError};

impl Store {
    /// One page of the assets matching `request.expression`, in its sort
    /// order, with the total count and the requested aggregations, all read
    /// in one snapshot within `request`'s time budget (see [`session`]).
    /// `StoreError::Search` for a bad expression, sort, page size,
    /// aggregation or cursor (nothing is queried then), or a search past its
    /// time budget.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchPage, StoreError> {
        let plan = SearchPlan::new(request, self.database().dialect())?;
        let mut session = Session::open(self.database(), request.timeout()).await?;
        let page = search_in(&mut session, &plan, request).await;
        let page = page.map_err(|error| session.classify(error));
        session.end().await;
        page
    }

    /// The database's plan for the page query of `request` (PostgreSQL's
    /// `EXPLAIN`, SQLite's `EXPLAIN QUERY PLAN` details), one line each: to
    /// check which indexes a search uses.
    pub async fn explain_search(&self, request: &SearchRequest) -> Result<Vec<String>, StoreError> {
        let plan = SearchPlan::new(request, self.database().dialect())?;
        let Query { sql, params } = plan.page();
        let lines = match self.database() {
            Database::Postgres(pool) => {
                let explain = format!("EXPLAIN {sql}");
                let rows = bind_params!(sqlx::query(&explain), &params)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|row| row.try_get::<String, _>(0))
                    .collect::<Result<_, _>>()?
            }
            Database::Sqlite(pool) => {
                let explain = format!("EXPLAIN QUERY PLAN {sql}");
                let rows = bind_params!(sqlx::query(&explain), &params)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|row| row.try_get::<String, _>("detail"))
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(lines)
    }
}

/// Every query of a search, on its session.
async fn search_in(
    session: &mut Session,
    plan: &SearchPlan,
    request: &SearchRequest,
) -> Result<SearchPage, StoreError> {
    let (assets, next_cursor) = search_page(session, plan).await?;
    let total_count = search_count(session, &plan.count()).await?;
    let mut aggregations = Vec::with_capacity(request.aggregate.len());
    for aggregate in &request.aggregate {
        aggregations.push(search_aggregation(session, plan, aggregate).await?);
    }
    Ok(SearchPage {
        assets,
        total_count,
        next_cursor,
        aggregations,
    })
}

async fn search_page(
    session: &mut Session,
    plan: &SearchPlan,
) -> Result<(Vec<Asset>, Option<String>), StoreError> {
    let Query { sql, params } = plan.page();
    let mut rows: Vec<AssetRow> = with_connection!(session, conn => {
        bind_params!(sqlx::query_as(&sql), &params).fetch_all(conn).await?
    });
    let more = rows.len() > plan.page_size as usize;
    rows.truncate(plan.page_size as usize);
    let last_id = rows.last().map(|row| row.id);
    let assets: Vec<Asset> = rows
        .into_iter()
        .map(Asset::try_from)
        .collect::<Result<_, _>>()?;
    let next_cursor = match (more, assets.last(), last_id) {
        (true, Some(last), Some(id)) => {
            let values = plan
                .sort
                .iter()
                .map(|key| key.field.value_of(last))
                .collect();
            Some(PagePosition::new(&plan.sort, values, id).encode())
        }
        _ => None,
    };
    Ok((assets, next_cursor))
}

async fn search_count(session: &mut Session, query: &Query) -> Result<u64, StoreError> {
    let count: i64 = with_connection!(session, conn => {
        bind_params!(sqlx::query_scalar(&query.sql), &query.params).fetch_one(conn).await?
    });
    Ok(count_of(count))
}

async fn search_aggregation(
    session: &mut Session,
    plan: &SearchPlan,
    request: &AggregateRequest,
) -> Result<Aggregation, StoreError> {
    let Query { sql, params } = plan.aggregation(request);
    let buckets = match request {
        AggregateRequest::Values(_) => {
            let mut counts: Vec<(String, i64)> = with_connection!(session, conn => {
                bind_params!(sqlx::query_as(&sql), &params).fetch_all(conn).await?
            });
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts
                .into_iter()
                .map(|(key, count)| AggregateBucket {
                    key,
                    count: count_of(count),
                })
                .collect()
        }
        AggregateRequest::Ranges { ranges, .. } => {
            let counts: Vec<i64> = with_connection!(session, conn => {
                let row = bind_params!(sqlx::query(&sql), &params).fetch_one(conn).await?;
                (0..ranges.len())
                    .map(|i| row.try_get::<i64, _>(i))
                    .collect::<Result<_, _>>()?
            });
            ranges
                .iter()
                .zip(counts)
                .map(|(range, count)| AggregateBucket {
                    key: range.key.clone(),
                    count: count_of(count),
                })
                .collect()
        }
    };
    Ok(Aggregation {
        field: request.name(),
        buckets,
    })
}

/// A SQL count as unsigned (a count is never negative).
fn count_of(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}
