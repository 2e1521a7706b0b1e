//! `next_cursor` of a near-duplicate search: the (distance, row id) of the
//! last result of a page, with the hash and distance searched, so that a
//! cursor is refused by any other search. Opaque to clients (the crate's
//! one cursor codec).

use serde::{Deserialize, Serialize};

use super::SimilarQuery;
use crate::{cursor, StoreError};

/// Where a page of a near-duplicate search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimilarCursor {
    phash: u64,
    max_distance: u32,
    /// The last result's distance and row id: the next page starts after.
    pub distance: u32,
    pub id: i64,
}

impl SimilarCursor {
    pub(crate) fn new(query: &SimilarQuery, distance: u32, id: i64) -> SimilarCursor {
        SimilarCursor {
            phash: query.phash,
            max_distance: query.max_distance,
            distance,
            id,
        }
    }

    pub fn encode(&self) -> String {
        cursor::encode(self)
    }

    /// A cursor this store handed out for `query`'s hash and distance.
    pub fn decode(text: &str, query: &SimilarQuery) -> Result<SimilarCursor, StoreError> {
        cursor::decode::<SimilarCursor>(text)
            .filter(|c| c.phash == query.phash && c.max_distance == query.max_distance)
            .ok_or(StoreError::InvalidCursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(phash: u64, max_distance: u32) -> SimilarQuery {
        SimilarQuery {
            resource_type: "image".into(),
            phash,
            max_distance,
            max_results: 10,
            exclude: None,
            next_cursor: None,
        }
    }

    #[test]
    fn a_cursor_serves_only_the_search_it_came_from() {
        let cursor = SimilarCursor::new(&query(0xabc, 8), 3, 42);
        let text = cursor.encode();
        assert_eq!(
            SimilarCursor::decode(&text, &query(0xabc, 8)).unwrap(),
            cursor
        );
        for other in [query(0xabd, 8), query(0xabc, 7)] {
            assert!(matches!(
                SimilarCursor::decode(&text, &other),
                Err(StoreError::InvalidCursor)
            ));
        }
        for bad in [
            "",
            "%%",
            "AAAA",
            &cursor::encode(&"0.8.1.2.3"),
            &"A".repeat(500),
        ] {
            assert!(SimilarCursor::decode(bad, &query(0, 8)).is_err(), "{bad:?}");
        }
    }
}
