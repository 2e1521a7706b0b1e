//! Near-duplicate search: the stored assets whose pHash is within a Hamming
//! distance of a given one, nearest first. Exact: it answers what a full scan
//! would, found through the band indexes of `migrations/*/0003_phash_index.sql`
//! (see [`bands`] for why nothing is missed).
//!
//! The bands are generated columns computed from `analysis.phash`, so every
//! insert, overwrite, update and delete keeps the index in step without any
//! code on the write paths. Candidates are verified here, in Rust, on both
//! databases (SQLite has no popcount); PostgreSQL also drops the far ones
//! itself with `bit_count`, orders the rest and sends only a page of them.
//! SQLite's candidates are read in batches into a bounded heap of the
//! nearest, so memory is one page whatever the number of candidates.
//!
//! Results come a page at a time: `next_cursor` names the last result's
//! (distance, row id), and the next page is the matches after it.

mod bands;
mod cursor;

use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;

pub use cursor::SimilarCursor;

use crate::db::{with_pool, AssetRow, Database, COLUMNS};
use crate::model::{Asset, AssetKey};
use crate::{Store, StoreError};

use bands::{band, band_radii, values_within, BANDS};

/// A search: assets of `resource_type` within `max_distance` of `phash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimilarQuery {
    pub resource_type: String,
    /// The 64-bit pHash (its first hex digit the most significant).
    pub phash: u64,
    /// Largest Hamming distance (0..=64) a result may have.
    pub max_distance: u32,
    /// At most this many results, the nearest.
    pub max_results: u32,
    /// Left out of the results: the asset the search started from.
    pub exclude: Option<AssetKey>,
    /// The `next_cursor` of the previous page of the same search.
    pub next_cursor: Option<String>,
}

/// One page of near-duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarPage {
    /// Nearest first (ties: oldest first).
    pub results: Vec<SimilarAsset>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One result: an asset and how far its pHash is from the query's.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarAsset {
    pub asset: Asset,
    pub distance: u32,
}

/// An asset [`Store::without_phash`] lists: which version lacks a pHash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unhashed {
    pub key: AssetKey,
    /// The version listed (an overwrite may replace it before it is hashed).
    pub version_id: String,
    /// Where the listing continues: pass it as `after` for the next batch.
    pub position: i64,
}

/// A verified match before its row is read; ordered nearest first, then by
/// row id (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Match {
    distance: u32,
    id: i64,
}

/// SQLite candidates read per query.
const SQLITE_BATCH: i64 = 1_000;

impl Store {
    /// A page of the assets within `query.max_distance` of `query.phash`,
    /// nearest first (ties: oldest first), after `query.next_cursor`. Assets
    /// without a stored pHash are not found. `StoreError::InvalidCursor` for
    /// a cursor of another search.
    pub async fn similar(&self, query: &SimilarQuery) -> Result<SimilarPage, StoreError> {
        let after = query
            .next_cursor
            .as_deref()
            .filter(|cursor| !cursor.is_empty())
            .map(|cursor| SimilarCursor::decode(cursor, query))
            .transpose()?;
        let page_size = query.max_results as usize;
        // One more than a page tells whether another follows; one more again
        // in case the excluded asset is among them.
        let wanted = page_size
            .saturating_add(1)
            .saturating_add(usize::from(query.exclude.is_some()));
        let matches = self.nearest(query, after, wanted).await?;
        let mut assets = self.assets_by_id(&matches).await?;
        let mut results = Vec::new();
        let mut last = None;
        let mut more = false;
        for found in matches {
            // A row deleted since the candidate query is simply gone.
            let Some(asset) = assets.remove(&found.id) else {
                continue;
            };
            if query.exclude.as_ref() == Some(&asset.key()) {
                continue;
            }
            if results.len() == page_size {
                more = true;
                break;
            }
            last = Some(found);
            results.push(SimilarAsset {
                asset,
                distance: found.distance,
            });
        }
        let next_cursor = match (more, last) {
            (true, Some(last)) => Some(SimilarCursor::new(query, last.distance, last.id).encode()),
            _ => None,
        };
        Ok(SimilarPage {
            results,
            next_cursor,
        })
    }

    /// Up to `limit` assets of `resource_type` that have no pHash yet, oldest
    /// first, after the listing position `after` (0 for the start; then the
    /// last entry's `position`): what a background job computes so that
    /// [`Store::similar`] can find them. Versions marked with
    /// [`Store::mark_unhashable`] are left out.
    pub async fn without_phash(
        &self,
        resource_type: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Unhashed>, StoreError> {
        let sql = "SELECT id, delivery_type, public_id, version_id FROM assets \
                   WHERE resource_type = $1 AND phash IS NULL AND id > $2 \
                   AND (unhashable_version_id IS NULL OR unhashable_version_id <> version_id) \
                   ORDER BY id LIMIT $3";
        let rows: Vec<(i64, String, String, String)> = with_pool!(self.database(), pool => {
            sqlx::query_as(sql)
                .bind(resource_type).bind(after).bind(i64::from(limit))
                .fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(position, delivery_type, public_id, version_id)| Unhashed {
                    key: AssetKey::new(resource_type, delivery_type, public_id),
                    version_id,
                    position,
                },
            )
            .collect())
    }

    /// Records that version `version_id` of `key` cannot be hashed, so that
    /// [`Store::without_phash`] skips it. Only if that version is still the
    /// current one (a newer version gets its own try); returns whether it was.
    pub async fn mark_unhashable(
        &self,
        key: &AssetKey,
        version_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE assets SET unhashable_version_id = $4 \
                   WHERE resource_type = $1 AND delivery_type = $2 AND public_id = $3 \
                   AND version_id = $4";
        let marked = with_pool!(self.database(), pool => {
            sqlx::query(sql)
                .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                .bind(version_id)
                .execute(pool).await?.rows_affected()
        });
        Ok(marked > 0)
    }

    /// The `limit` nearest matches after `after`, nearest first.
    async fn nearest(
        &self,
        query: &SimilarQuery,
        after: Option<SimilarCursor>,
        limit: usize,
    ) -> Result<Vec<Match>, StoreError> {
        let after = after.map(|cursor| Match {
            distance: cursor.distance,
            id: cursor.id,
        });
        let limit_param = i64::try_from(limit).unwrap_or(i64::MAX);
        match self.database() {
            Database::Postgres(pool) => {
                // The database verifies, orders and pages: only a page of
                // (id, phash) crosses the wire.
                let distance = postgres_distance(query.phash);
                let candidates = candidates_sql(
                    query.phash,
                    query.max_distance,
                    &format!(" AND {distance} <= {}", query.max_distance),
                );
                let sql = format!(
                    "SELECT id, phash FROM ({candidates}) AS candidate \
                     WHERE ({distance}, id) > ($2, $3) ORDER BY {distance}, id LIMIT $4"
                );
                let (distance, id) = after.map_or((-1, 0), |m| (i64::from(m.distance), m.id));
                let rows: Vec<(i64, String)> = sqlx::query_as(&sql)
                    .bind(&query.resource_type)
                    .bind(distance)
                    .bind(id)
                    .bind(limit_param)
                    .persistent(false)
                    .fetch_all(pool)
                    .await?;
                let mut matches = verified(query, rows)?;
                matches.sort_unstable();
                Ok(matches)
            }
            Database::Sqlite(pool) => {
                // No popcount in SQLite: candidates come in batches by row id,
                // and a max-heap keeps the `limit` nearest seen so far.
                let candidates = candidates_sql(query.phash, query.max_distance, "");
                let sql = format!(
                    "SELECT id, phash FROM ({candidates}) AS candidate \
                     WHERE id > $2 ORDER BY id LIMIT $3"
                );
                let mut nearest: BinaryHeap<Match> = BinaryHeap::new();
                let mut from = i64::MIN;
                loop {
                    let rows: Vec<(i64, String)> = sqlx::query_as(&sql)
                        .bind(&query.resource_type)
                        .bind(from)
                        .bind(SQLITE_BATCH)
                        .persistent(false)
                        .fetch_all(pool)
                        .await?;
                    let Some(&(last, _)) = rows.last() else { break };
                    let full = rows.len() as i64 == SQLITE_BATCH;
                    for found in verified(query, rows)? {
                        if after.is_some_and(|after| found <= after) {
                            continue;
                        }
                        nearest.push(found);
                        if nearest.len() > limit {
                            nearest.pop();
                        }
                    }
                    if !full {
                        break;
                    }
                    from = last;
                }
                Ok(nearest.into_sorted_vec())
            }
        }
    }

    async fn assets_by_id(&self, matches: &[Match]) -> Result<HashMap<i64, Asset>, StoreError> {
        if matches.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = matches.iter().map(|m| m.id.to_string()).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM assets WHERE id IN ({})",
            ids.join(", ")
        );
        let rows: Vec<AssetRow> = with_pool!(self.database(), pool => {
            sqlx::query_as(&sql).persistent(false).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|row| Ok((row.id, Asset::try_from(row)?)))
            .collect()
    }
}

/// `(id, phash)` of every row of resource type `$1` with a band within its
/// radius of the query's (and passing `filter`, SQL starting with ` AND`):
/// one indexed lookup per band, united. The band values are inlined: they are
/// hex digits formatted here, and a search at distance 16 looks up thousands
/// of them, more than is pleasant to bind.
fn candidates_sql(phash: u64, max_distance: u32, filter: &str) -> String {
    let mut arms = Vec::with_capacity(BANDS);
    for (index, radius) in band_radii(max_distance).into_iter().enumerate() {
        let Some(radius) = radius else { continue };
        let mut sql = format!(
            "SELECT id, phash FROM assets WHERE resource_type = $1 AND phash_band{index} IN ("
        );
        for (i, value) in values_within(band(phash, index), radius)
            .into_iter()
            .enumerate()
        {
            let separator = if i == 0 { "" } else { ", " };
            // Writing to a String cannot fail.
            let _ = write!(sql, "{separator}'{value:04x}'");
        }
        sql.push(')');
        sql.push_str(filter);
        arms.push(sql);
    }
    arms.join(" UNION ")
}

/// The Hamming distance of a candidate's `phash` from `phash`, in
/// PostgreSQL (computed from the band index's column, so no table rows are
/// read to drop the far ones).
fn postgres_distance(phash: u64) -> String {
    format!("bit_count(('x' || phash)::bit(64) # x'{phash:016x}')")
}

/// The candidates within the distance, each with its distance.
fn verified(query: &SimilarQuery, rows: Vec<(i64, String)>) -> Result<Vec<Match>, StoreError> {
    let mut matches = Vec::new();
    for (id, stored) in rows {
        // The generated column only holds 16 lowercase hex digits.
        let stored = u64::from_str_radix(&stored, 16).map_err(|e| StoreError::CorruptRow {
            asset_id: format!("row {id}"),
            reason: format!("phash {stored:?}: {e}"),
        })?;
        let distance = (stored ^ query.phash).count_ones();
        if distance <= query.max_distance {
            matches.push(Match { distance, id });
        }
    }
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_each_band_that_can_hold_a_match() {
        let sql = candidates_sql(0xffc9_26d5_c28b_6c67, 0, "");
        assert_eq!(
            sql,
            "SELECT id, phash FROM assets WHERE resource_type = $1 AND phash_band0 IN ('ffc9')"
        );
        let sql = candidates_sql(0xffc9_26d5_c28b_6c67, 3, "");
        assert_eq!(sql.matches(" UNION ").count(), 3);
        assert!(sql.contains("phash_band3 IN ('6c67')"));
    }
}
