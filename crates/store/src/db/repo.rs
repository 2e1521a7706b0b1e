//! Asset rows: every query, written once for both databases.
//!
//! The SQL sticks to what PostgreSQL and SQLite share (`$n` parameters,
//! `RETURNING`, `ON CONFLICT DO NOTHING`, `substr`), and [`with_pool!`] compiles
//! each body for both pools. Write transactions start by *claiming* the row
//! with a no-op `UPDATE`: on PostgreSQL that takes the row lock, on SQLite the
//! database write lock, so the read-modify-write that follows cannot
//! interleave with another writer, in this process or another replica.

use super::row::{AssetRow, JsonColumns, COLUMNS};
use super::{with_pool, Database};
use crate::cursor;
use crate::metadata_fields::{write_metadata, MetadataWrite};
use crate::model::{Asset, AssetKey, AssetUpdate, ListQuery, NewAsset, Page, MAX_PAGE_SIZE};
use crate::sql::{bind_params, Param, SqlBuilder};
use crate::StoreError;

/// How far ahead of the clock (in seconds) an overwrite may number its version.
///
/// The rule: a new version is numbered `max(now, previous + 1)` (see
/// [`next_version`]). Versions are unix seconds (the wire's `version` is the
/// epoch of `created_at`, which the store derives from it) and each version of
/// a public_id needs its own number, because delivery URLs carry
/// `/v<version>/` as a cache key that must never name two contents. So two
/// overwrites within one second take consecutive seconds, and a burst runs
/// ahead of the clock by one second per extra version. Past this lead an
/// overwrite is refused (`StoreError::TooManyVersions`, nothing written) until
/// the clock catches up: bursts of up to `MAX_VERSION_LEAD + 1` versions, then
/// one new version per second and public_id, and no `created_at` more than
/// this far in the future.
pub(crate) const MAX_VERSION_LEAD: i64 = 10;

/// The version number of an overwrite at unix second `now` of a public_id
/// whose current version is `previous`: the clock, unless that would not be
/// newer than `previous`.
pub(crate) fn next_version(now: i64, previous: i64) -> i64 {
    now.max(previous + 1)
}

/// A version to write: the caller has already stored its blob under `blob_key`.
pub(crate) struct VersionRecord<'a> {
    pub new_asset_id: &'a str,
    pub version_id: &'a str,
    pub blob_key: &'a str,
    pub now: i64,
    pub bytes: i64,
    pub asset: &'a NewAsset,
    /// Structured metadata written with the version, in its transaction.
    pub metadata: &'a [MetadataWrite],
}

/// What `write_version` did.
pub(crate) enum Written {
    /// No row existed: inserted.
    Inserted(Asset),
    /// Replaced the previous version, whose blob is now unreferenced.
    Replaced {
        asset: Asset,
        previous_blob_key: String,
    },
    /// `keep_existing` and a row existed: nothing written.
    Kept(Asset),
}

#[derive(Debug, Clone)]
pub(crate) struct AssetRepo {
    db: Database,
}

const WHERE_KEY: &str = "resource_type = $1 AND delivery_type = $2 AND public_id = $3";

impl AssetRepo {
    pub fn new(db: Database) -> AssetRepo {
        AssetRepo { db }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub async fn get(&self, key: &AssetKey) -> Result<Option<Asset>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM assets WHERE {WHERE_KEY}");
        let row: Option<AssetRow> = with_pool!(&self.db, pool => {
            sqlx::query_as(&sql)
                .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                .fetch_optional(pool).await?
        });
        row.map(Asset::try_from).transpose()
    }

    /// Inserts the first version or replaces the current one, in one
    /// transaction. Version numbers strictly increase per public_id even when
    /// two writes fall in the same second, and run at most
    /// [`MAX_VERSION_LEAD`] seconds ahead of `record.now`.
    pub async fn write_version(
        &self,
        record: &VersionRecord<'_>,
        keep_existing: bool,
    ) -> Result<Written, StoreError> {
        let key = &record.asset.key;
        let json = JsonColumns::encode(
            &record.asset.tags,
            &record.asset.context,
            &record.asset.coordinates,
            &record.asset.analysis,
        );
        let claim_sql = claim_sql();
        let replace_sql = format!(
            "UPDATE assets SET version = $1, version_id = $2, blob_key = $3, format = $4, width = $5, \
             height = $6, bytes = $7, etag = $8, pages = $9, tags = $10, context = $11, \
             face_coordinates = $12, custom_coordinates = $13, original_filename = $14, folder = $15, \
             access_mode = $16, analysis = $17 WHERE id = $18 RETURNING {COLUMNS}"
        );
        let insert_sql = format!(
            "INSERT INTO assets (version, version_id, blob_key, format, width, height, bytes, etag, pages, \
             tags, context, face_coordinates, custom_coordinates, original_filename, folder, access_mode, \
             analysis, asset_id, resource_type, delivery_type, public_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
             ON CONFLICT (resource_type, delivery_type, public_id) DO NOTHING RETURNING {COLUMNS}"
        );
        let a = record.asset;

        // Binds $1..$17, the columns a new version sets, in the order of both statements above.
        macro_rules! bind_version {
            ($query:expr, $version:expr) => {
                $query
                    .bind($version)
                    .bind(record.version_id)
                    .bind(record.blob_key)
                    .bind(&a.format)
                    .bind(i64::from(a.width))
                    .bind(i64::from(a.height))
                    .bind(record.bytes)
                    .bind(&a.etag)
                    .bind(i64::from(a.pages))
                    .bind(&json.tags)
                    .bind(&json.context)
                    .bind(&json.face_coordinates)
                    .bind(&json.custom_coordinates)
                    .bind(&a.original_filename)
                    .bind(&a.folder)
                    .bind(&a.access_mode)
                    .bind(&json.analysis)
            };
        }

        with_pool!(&self.db, pool => {
            // On PostgreSQL a concurrent first insert of the same public_id makes
            // our INSERT find a conflict after the claim found nothing: go round
            // again, and the claim now sees (and locks) that row.
            loop {
                let mut tx = pool.begin().await?;
                let current: Option<AssetRow> = sqlx::query_as(&claim_sql)
                    .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                    .fetch_optional(&mut *tx).await?;
                if let Some(current) = current {
                    if keep_existing {
                        tx.rollback().await?;
                        break Ok(Written::Kept(Asset::try_from(current)?));
                    }
                    let version = next_version(record.now, current.version);
                    if version - record.now > MAX_VERSION_LEAD {
                        tx.rollback().await?;
                        break Err(StoreError::TooManyVersions {
                            key: key.clone(),
                            retry_after_secs: version - record.now - MAX_VERSION_LEAD,
                        });
                    }
                    let row: AssetRow = bind_version!(sqlx::query_as(&replace_sql), version)
                        .bind(current.id)
                        .fetch_one(&mut *tx).await?;
                    write_metadata!(tx, &row.asset_id, record.metadata)?;
                    tx.commit().await?;
                    break Ok(Written::Replaced {
                        asset: Asset::try_from(row)?,
                        previous_blob_key: current.blob_key,
                    });
                }
                let inserted: Option<AssetRow> = bind_version!(sqlx::query_as(&insert_sql), record.now)
                    .bind(record.new_asset_id)
                    .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                    .fetch_optional(&mut *tx).await?;
                match inserted {
                    Some(row) => {
                        write_metadata!(tx, &row.asset_id, record.metadata)?;
                        tx.commit().await?;
                        break Ok(Written::Inserted(Asset::try_from(row)?));
                    }
                    None => tx.rollback().await?,
                }
            }
        })
    }

    /// Applies every change of `update` and `metadata` in one transaction,
    /// or none; none either when `update.only_if_version` is set and another
    /// version is current (`StoreError::VersionChanged`).
    pub async fn update(
        &self,
        key: &AssetKey,
        update: &AssetUpdate,
        metadata: &[MetadataWrite],
    ) -> Result<Asset, StoreError> {
        let claim_sql = claim_sql();
        let update_sql = format!(
            "UPDATE assets SET tags = $1, context = $2, face_coordinates = $3, custom_coordinates = $4, \
             analysis = $5 WHERE id = $6 RETURNING {COLUMNS}"
        );
        with_pool!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let current: Option<AssetRow> = sqlx::query_as(&claim_sql)
                .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                .fetch_optional(&mut *tx).await?;
            let Some(current) = current else {
                tx.rollback().await?;
                return Err(StoreError::NotFound(key.clone()));
            };
            if let Some(expected) = &update.only_if_version {
                if *expected != current.version_id {
                    tx.rollback().await?;
                    return Err(StoreError::VersionChanged {
                        key: key.clone(),
                        expected: expected.clone(),
                    });
                }
            }
            let id = current.id;
            let mut asset = Asset::try_from(current)?;
            apply(&mut asset, update);
            let json = JsonColumns::encode(&asset.tags, &asset.context, &asset.coordinates, &asset.analysis);
            let row: AssetRow = sqlx::query_as(&update_sql)
                .bind(&json.tags).bind(&json.context)
                .bind(&json.face_coordinates).bind(&json.custom_coordinates)
                .bind(&json.analysis).bind(id)
                .fetch_one(&mut *tx).await?;
            write_metadata!(tx, &row.asset_id, metadata)?;
            tx.commit().await?;
            Asset::try_from(row)
        })
    }

    /// Deletes the row; returns the key of the blob it referenced.
    pub async fn delete(&self, key: &AssetKey) -> Result<Option<String>, StoreError> {
        let sql = format!("DELETE FROM assets WHERE {WHERE_KEY} RETURNING blob_key");
        let blob_key: Option<String> = with_pool!(&self.db, pool => {
            sqlx::query_scalar(&sql)
                .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                .fetch_optional(pool).await?
        });
        Ok(blob_key)
    }

    /// Newest first: by version, then by row id, both descending. The cursor
    /// is the (version, id) of the last row returned, so pages stay stable
    /// while other assets are added.
    pub async fn list(&self, query: &ListQuery) -> Result<Page, StoreError> {
        let limit = query.max_results.clamp(1, MAX_PAGE_SIZE);
        let after: Option<NewestFirst> =
            query.cursor.as_deref().map(cursor::position).transpose()?;

        let mut builder = SqlBuilder::new(self.db.dialect());
        let resource_type = builder.bind(Param::Text(query.resource_type.clone()));
        let mut sql = format!("SELECT {COLUMNS} FROM assets WHERE resource_type = {resource_type}");
        if let Some(delivery_type) = &query.delivery_type {
            let p = builder.bind(Param::Text(delivery_type.clone()));
            sql += &format!(" AND delivery_type = {p}");
        }
        if let Some(prefix) = query.prefix.as_deref().filter(|p| !p.is_empty()) {
            // substr/length count characters in both databases; LIKE would be
            // case-insensitive on SQLite and needs escaping. PostgreSQL's
            // substr takes an integer length, hence the cast of the bigint.
            let chars = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
            let len = builder.bind(Param::Integer(chars.into()));
            let p = builder.bind(Param::Text(prefix.to_string()));
            sql += &format!(" AND substr(public_id, 1, CAST({len} AS INTEGER)) = {p}");
        }
        if let Some(ids) = &query.public_ids {
            if ids.is_empty() {
                return Ok(Page {
                    assets: Vec::new(),
                    next_cursor: None,
                });
            }
            let placeholders: Vec<String> = ids
                .iter()
                .map(|id| builder.bind(Param::Text(id.clone())))
                .collect();
            sql += &format!(" AND public_id IN ({})", placeholders.join(", "));
        }
        if let Some((version, id)) = after {
            let v1 = builder.bind(Param::Integer(version));
            let v2 = builder.bind(Param::Integer(version));
            let i = builder.bind(Param::Integer(id));
            sql += &format!(" AND (version < {v1} OR (version = {v2} AND id < {i}))");
        }
        // One extra row tells whether another page follows.
        let l = builder.bind(Param::Integer(i64::from(limit) + 1));
        sql += &format!(" ORDER BY version DESC, id DESC LIMIT {l}");

        let rows: Vec<AssetRow> = with_pool!(&self.db, pool => {
            bind_params!(sqlx::query_as(&sql), &builder.params).fetch_all(pool).await?
        });

        newest_first_page(rows, limit)
    }

    /// True when some row refers to this blob.
    pub async fn references_blob(&self, blob_key: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = with_pool!(&self.db, pool => {
            // Staged async originals (`jobs.file_key`) and chunked uploads'
            // parts are referenced too (every column BIGINT).
            sqlx::query_scalar(
                "SELECT id FROM assets WHERE blob_key = $1 \
                 UNION ALL SELECT id FROM jobs WHERE file_key = $1 \
                 UNION ALL SELECT first_byte FROM chunked_upload_parts WHERE blob_key = $1 LIMIT 1",
            )
                .bind(blob_key)
                .fetch_optional(pool).await?
        });
        Ok(found.is_some())
    }
}

/// Locks the row of `$1/$2/$3` for this transaction and returns it.
fn claim_sql() -> String {
    format!("UPDATE assets SET version = version WHERE {WHERE_KEY} RETURNING {COLUMNS}")
}

fn apply(asset: &mut Asset, update: &AssetUpdate) {
    if let Some(tags) = &update.tags {
        asset.tags = tags.clone();
    }
    if let Some(context) = &update.context {
        asset.context = context.clone();
    }
    if let Some(faces) = &update.face_coordinates {
        asset.coordinates.faces = faces.clone();
    }
    if let Some(custom) = &update.custom_coordinates {
        asset.coordinates.custom = custom.clone();
    }
    asset.analysis.merge(update.analysis.clone());
}

/// Where a newest-first listing's page ends: the (version, row id) of its
/// last row.
pub(crate) type NewestFirst = (i64, i64);

/// One page of a newest-first listing fetched with `limit + 1` rows: the
/// extra row only tells that more follow, and the cursor is the last kept row.
pub(crate) fn newest_first_page(mut rows: Vec<AssetRow>, limit: u32) -> Result<Page, StoreError> {
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|last| cursor::encode(&(last.version, last.id)))
    } else {
        None
    };
    let assets = rows
        .into_iter()
        .map(Asset::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Page {
        assets,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let text = cursor::encode(&(1_700_000_000_i64, 42_i64));
        assert_eq!(
            cursor::position::<NewestFirst>(&text).unwrap(),
            (1_700_000_000, 42)
        );
        for bad in [
            "",
            "%%%",
            &cursor::encode(&"12"),
            &cursor::encode(&("a", "b")),
        ] {
            assert!(
                matches!(
                    cursor::position::<NewestFirst>(bad),
                    Err(StoreError::InvalidCursor)
                ),
                "{bad:?}"
            );
        }
    }
}
