//! `next_cursor` of a near-duplicate search: the (distance, row id) of the
//! last result of a page, with the hash and distance searched, so that a
//! cursor is refused by any other search. Opaque to clients (URL-safe base64).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::SimilarQuery;
use crate::StoreError;

/// Where a page of a near-duplicate search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        let text = format!(
            "{:016x}.{}.{}.{}",
            self.phash, self.max_distance, self.distance, self.id
        );
        URL_SAFE_NO_PAD.encode(text)
    }

    /// A cursor this store handed out for `query`'s hash and distance.
    pub fn decode(cursor: &str, query: &SimilarQuery) -> Result<SimilarCursor, StoreError> {
        let parse = || -> Option<SimilarCursor> {
            // A cursor is short; a long one is not ours (and is not decoded).
            if cursor.len() > 128 {
                return None;
            }
            let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
            let mut parts = text.split('.');
            let phash = u64::from_str_radix(parts.next()?, 16).ok()?;
            let max_distance = parts.next()?.parse().ok()?;
            let distance = parts.next()?.parse().ok()?;
            let id = parts.next()?.parse().ok()?;
            if parts.next().is_some() {
                return None;
            }
            Some(SimilarCursor {
                phash,
                max_distance,
                distance,
                id,
            })
        };
        parse()
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
            &URL_SAFE_NO_PAD.encode("0.8.1.2.3"),
            &"A".repeat(500),
        ] {
            assert!(SimilarCursor::decode(bad, &query(0, 8)).is_err(), "{bad:?}");
        }
    }
}
