//! What a search asks for and what it answers: the Admin API's
//! `resources/search` parameters, typed.

use super::aggregate::{AggregateRequest, Aggregation};
use super::error::SearchError;
use super::sort::{SortDirection, SortField, SortKey};
use crate::model::Asset;

/// `max_results` when the request gives none.
pub const DEFAULT_MAX_RESULTS: u32 = 50;
/// The largest `max_results` accepted.
pub const MAX_SEARCH_RESULTS: u32 = 500;

/// A search. `Default` is Cloudinary's: every asset, newest first, 50 a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// The expression (see the README's "Search API"); `None` or blank
    /// matches every asset.
    pub expression: Option<String>,
    /// Sort keys in order; empty means `created_at` descending.
    pub sort_by: Vec<SortKey>,
    /// 1..=500; `None` means 50. Anything else is an error.
    pub max_results: Option<u32>,
    /// The `next_cursor` of the previous page of the same search.
    pub next_cursor: Option<String>,
    pub aggregate: Vec<AggregateRequest>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    /// Whole assets; choosing fields (`with_field`, `fields`) is the API's.
    pub assets: Vec<Asset>,
    /// How many assets match in all (every page).
    pub total_count: u64,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
    /// One per requested aggregation, in request order.
    pub aggregations: Vec<Aggregation>,
}

impl SearchRequest {
    /// The sort in effect.
    pub(crate) fn sort(&self) -> Vec<SortKey> {
        if self.sort_by.is_empty() {
            vec![SortKey {
                field: SortField::CreatedAt,
                direction: SortDirection::Descending,
            }]
        } else {
            self.sort_by.clone()
        }
    }

    /// The page size in effect, or the error for one out of range.
    pub(crate) fn page_size(&self) -> Result<u32, SearchError> {
        match self.max_results {
            None => Ok(DEFAULT_MAX_RESULTS),
            Some(n) if (1..=MAX_SEARCH_RESULTS).contains(&n) => Ok(n),
            Some(value) => Err(SearchError::InvalidMaxResults {
                value,
                max: MAX_SEARCH_RESULTS,
            }),
        }
    }
}
