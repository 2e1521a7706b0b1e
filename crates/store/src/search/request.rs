//! What a search asks for and what it answers: the Admin API's
//! `resources/search` parameters, typed.

use std::time::Duration;

use super::aggregate::{AggregateRequest, Aggregation};
use super::error::SearchError;
use super::sort::{SortDirection, SortField, SortKey};
use crate::model::Asset;

/// `max_results` when the request gives none.
pub const DEFAULT_MAX_RESULTS: u32 = 50;
/// The largest `max_results` accepted.
pub const MAX_SEARCH_RESULTS: u32 = 500;
/// Most `sort_by` entries: more than there are sortable fields says nothing new.
pub const MAX_SORT_KEYS: usize = 10;
/// Most aggregations in one search (each is one more query).
pub const MAX_AGGREGATIONS: usize = 10;
/// Longest `next_cursor` accepted (what this store hands out is far shorter).
pub const MAX_CURSOR_CHARS: usize = 8_192;
/// How long all the queries of one search may take together, unless the
/// request says otherwise.
pub const DEFAULT_SEARCH_TIMEOUT: Duration = Duration::from_secs(10);

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
    /// The time budget of all its queries together; `None` means
    /// [`DEFAULT_SEARCH_TIMEOUT`]. Past it the search stops with
    /// [`SearchError::TimedOut`].
    pub timeout: Option<Duration>,
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

    /// The time budget in effect.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_SEARCH_TIMEOUT)
    }

    /// Refuses a request past one of the caps that bound its work.
    pub(crate) fn check_caps(&self) -> Result<(), SearchError> {
        // The expression's own caps are the parser's.
        for (what, count, max) in [
            ("sort_by entries", self.sort_by.len(), MAX_SORT_KEYS),
            ("aggregations", self.aggregate.len(), MAX_AGGREGATIONS),
            (
                "next_cursor characters",
                self.next_cursor.as_deref().map_or(0, str::len),
                MAX_CURSOR_CHARS,
            ),
        ] {
            if count > max {
                return Err(SearchError::TooMany { what, max });
            }
        }
        for (i, aggregate) in self.aggregate.iter().enumerate() {
            if self.aggregate[..i]
                .iter()
                .any(|other| other.name() == aggregate.name())
            {
                return Err(SearchError::DuplicateAggregate(aggregate.name()));
            }
        }
        Ok(())
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
