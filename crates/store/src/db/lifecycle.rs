//! The lifecycle writes and reads beyond `repo.rs`: rename, tag and context
//! edits, the tag listing, and the listing and deletion of assets by tag or
//! context. Every write claims its rows first (as `repo.rs` does), so it
//! cannot interleave with an upload, an explicit call or another edit of the
//! same asset; rows are claimed in key order, so two calls over the same
//! assets wait for each other instead of deadlocking.

use std::collections::{BTreeMap, BTreeSet};

use super::repo::{newest_first_page, next_version, AssetRepo, MAX_VERSION_LEAD};
use super::row::{AssetRow, COLUMNS};
use super::{with_pool, Database};
use crate::cursor;
use crate::labels::{
    renamed_folder, LabelEdit, LabelFilter, LabelledQuery, OnTargetExists, TagEdit, TagPage,
    TagQuery,
};
use crate::model::{Asset, AssetKey, Page, MAX_PAGE_SIZE};
use crate::StoreError;

/// A rename done: the asset under its new key, and the blob of the asset it
/// replaced (unreferenced now), if any.
pub(crate) struct Renamed {
    pub asset: Asset,
    pub replaced_blob_key: Option<String>,
}

/// Tries of a rename whose target was inserted by a concurrent upload after
/// the claim found it free (PostgreSQL reports the unique key then).
const RENAME_ATTEMPTS: u32 = 3;

const CLAIM: &str = "UPDATE assets SET version = version \
     WHERE resource_type = $1 AND delivery_type = $2 AND public_id = $3";

/// A bound value of a query built at run time.
enum Bind {
    Text(String),
    Int32(i32),
    Int64(i64),
}

/// Numbered parameters, in the order they are bound.
#[derive(Default)]
struct Binds(Vec<Bind>);

impl Binds {
    fn push(&mut self, bind: Bind) -> String {
        self.0.push(bind);
        format!("${}", self.0.len())
    }
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in &$binds.0 {
            query = match bind {
                Bind::Text(v) => query.bind(v.as_str()),
                Bind::Int32(v) => query.bind(*v),
                Bind::Int64(v) => query.bind(*v),
            };
        }
        query
    }};
}

impl AssetRepo {
    fn is_postgres(&self) -> bool {
        matches!(self.database(), Database::Postgres(_))
    }

    /// SQL true when the row's tags hold the text bound at `param`.
    fn has_tag(&self, param: &str) -> String {
        if self.is_postgres() {
            // The GIN index on `tags::jsonb` (0050_search.sql) serves `?`.
            format!("(tags::jsonb) ? {param}")
        } else {
            format!("EXISTS (SELECT 1 FROM json_each(assets.tags) WHERE json_each.value = {param})")
        }
    }

    /// Moves the asset at `from` to `to` (same resource type) in one
    /// transaction: its asset_id, version_id, original and analyses go with
    /// it, so an analysis in flight on `from` finds no asset there and one in
    /// flight on `to` finds another version (and is redone or refused, see
    /// `service::ops::reextract`). An asset at `to` is refused or replaced,
    /// per `on_exists`; replacing numbers the version past the replaced one,
    /// so a delivery URL never names two contents.
    pub async fn rename(
        &self,
        from: &AssetKey,
        to: &AssetKey,
        on_exists: OnTargetExists,
        now: i64,
    ) -> Result<Renamed, StoreError> {
        let claim = format!("{CLAIM} RETURNING {COLUMNS}");
        let move_sql = format!(
            "UPDATE assets SET delivery_type = $1, public_id = $2, folder = $3, version = $4 \
             WHERE id = $5 RETURNING {COLUMNS}"
        );
        let from_first = from <= to;
        let (first, second) = if from_first { (from, to) } else { (to, from) };
        with_pool!(self.database(), pool => {
            let mut attempt = 1;
            loop {
                let mut tx = pool.begin().await?;
                let mut claimed = Vec::with_capacity(2);
                for key in [first, second] {
                    let row: Option<AssetRow> = sqlx::query_as(&claim)
                        .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                        .fetch_optional(&mut *tx).await?;
                    claimed.push(row);
                }
                let second_row = claimed.pop().flatten();
                let first_row = claimed.pop().flatten();
                let (source, target) = if from_first {
                    (first_row, second_row)
                } else {
                    (second_row, first_row)
                };
                let Some(source) = source else {
                    tx.rollback().await?;
                    return Err(StoreError::NotFound(from.clone()));
                };
                let mut version = source.version;
                let mut replaced_blob_key = None;
                if let Some(target) = target {
                    if on_exists == OnTargetExists::Refuse {
                        tx.rollback().await?;
                        return Err(StoreError::AlreadyExists(to.clone()));
                    }
                    if version <= target.version {
                        version = next_version(now, target.version);
                        if version - now > MAX_VERSION_LEAD {
                            tx.rollback().await?;
                            return Err(StoreError::TooManyVersions {
                                key: to.clone(),
                                retry_after_secs: version - now - MAX_VERSION_LEAD,
                            });
                        }
                    }
                    sqlx::query("DELETE FROM assets WHERE id = $1")
                        .bind(target.id)
                        .execute(&mut *tx).await?;
                    replaced_blob_key = Some(target.blob_key);
                }
                let folder = renamed_folder(&source.folder, &from.public_id, &to.public_id);
                let moved: Result<AssetRow, sqlx::Error> = sqlx::query_as(&move_sql)
                    .bind(&to.delivery_type).bind(&to.public_id).bind(&folder)
                    .bind(version).bind(source.id)
                    .fetch_one(&mut *tx).await;
                match moved {
                    Ok(row) => {
                        tx.commit().await?;
                        return Ok(Renamed { asset: Asset::try_from(row)?, replaced_blob_key });
                    }
                    Err(sqlx::Error::Database(e))
                        if (e.is_unique_violation() || is_deadlock(e.as_ref()))
                            && attempt < RENAME_ATTEMPTS =>
                    {
                        // An upload inserted `to` after our claim found it
                        // free: go round, and the claim now sees it. Or
                        // PostgreSQL chose this move as a deadlock's victim
                        // (waiting on an uncommitted insert of `to` that
                        // waits on a row we hold): its work is undone, go round.
                        tx.rollback().await?;
                        attempt += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        })
    }

    /// Applies `edit` to every asset of `keys` that exists, in one
    /// transaction; returns the keys it changed. Nothing is written when one
    /// asset would end up over a limit (`StoreError::TooManyTags`).
    pub async fn edit_labels(
        &self,
        keys: &[AssetKey],
        edit: &LabelEdit,
    ) -> Result<BTreeSet<AssetKey>, StoreError> {
        let claim = format!("{CLAIM} RETURNING id, tags, context");
        let write = "UPDATE assets SET tags = $1, context = $2 WHERE id = $3";
        let ordered: BTreeSet<&AssetKey> = keys.iter().collect();
        // set_exclusive: the tag leaves every other asset of the same kind.
        let exclusive = match edit {
            LabelEdit::Tags(TagEdit::SetExclusive(tags)) => ordered.first().map(|key| {
                (
                    key.resource_type.clone(),
                    key.delivery_type.clone(),
                    tags.clone(),
                )
            }),
            _ => None,
        };
        let holders = exclusive.as_ref().map(|_| {
            format!(
                "UPDATE assets SET version = version WHERE resource_type = $1 AND delivery_type = $2 \
                 AND {} RETURNING id, resource_type, delivery_type, public_id, tags, context",
                self.has_tag("$3")
            )
        });
        with_pool!(self.database(), pool => {
            let mut tx = pool.begin().await?;
            let mut changed = BTreeSet::new();
            for key in &ordered {
                let row: Option<(i64, String, String)> = sqlx::query_as(&claim)
                    .bind(&key.resource_type).bind(&key.delivery_type).bind(&key.public_id)
                    .fetch_optional(&mut *tx).await?;
                let Some((id, tags, context)) = row else { continue };
                let edited = match edited_labels(key, &tags, &context, edit) {
                    Ok(edited) => edited,
                    Err(e) => {
                        tx.rollback().await?;
                        return Err(e);
                    }
                };
                sqlx::query(write)
                    .bind(&edited.0).bind(&edited.1).bind(id)
                    .execute(&mut *tx).await?;
                changed.insert((*key).clone());
            }
            if let (Some((resource_type, delivery_type, tags)), Some(holders)) = (&exclusive, &holders) {
                let removal = LabelEdit::Tags(TagEdit::Remove(tags.clone()));
                for tag in tags {
                    let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(holders)
                        .bind(resource_type).bind(delivery_type).bind(tag)
                        .fetch_all(&mut *tx).await?;
                    for (id, resource_type, delivery_type, public_id, tags, context) in rows {
                        let key = AssetKey::new(resource_type, delivery_type, public_id);
                        if ordered.contains(&key) {
                            continue;
                        }
                        let edited = edited_labels(&key, &tags, &context, &removal)?;
                        sqlx::query(write)
                            .bind(&edited.0).bind(&edited.1).bind(id)
                            .execute(&mut *tx).await?;
                    }
                }
            }
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// One page of the distinct tags of `query.resource_type`'s assets, in
    /// code point order; the cursor is the last tag returned.
    pub async fn list_tags(&self, query: &TagQuery) -> Result<TagPage, StoreError> {
        let limit = query.max_results.clamp(1, MAX_PAGE_SIZE);
        let after = query.cursor.as_deref().map(cursor::position).transpose()?;
        let postgres = self.is_postgres();
        // The tag as compared and sorted: code point order in both databases.
        let (from, tag) = if postgres {
            (
                "assets CROSS JOIN LATERAL jsonb_array_elements_text(assets.tags::jsonb) AS t(value)",
                "(t.value COLLATE \"C\")",
            )
        } else {
            ("assets, json_each(assets.tags) AS t", "t.value")
        };
        let mut binds = Binds::default();
        let mut sql = format!(
            "SELECT DISTINCT {tag} AS tag FROM {from} WHERE assets.resource_type = {}",
            binds.push(Bind::Text(query.resource_type.clone()))
        );
        if let Some(prefix) = query.prefix.as_deref().filter(|p| !p.is_empty()) {
            let chars = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
            let len = binds.push(Bind::Int32(chars));
            let p = binds.push(Bind::Text(prefix.to_owned()));
            sql += &format!(" AND substr({tag}, 1, {len}) = {p}");
        }
        if let Some(after) = after {
            let a = binds.push(Bind::Text(after));
            sql += &format!(" AND {tag} > {a}");
        }
        let l = binds.push(Bind::Int64(i64::from(limit) + 1));
        sql += &format!(" ORDER BY tag LIMIT {l}");
        let mut tags: Vec<String> = with_pool!(self.database(), pool => {
            bind_all!(sqlx::query_scalar(&sql), binds).fetch_all(pool).await?
        });
        let next_cursor = if tags.len() > limit as usize {
            tags.truncate(limit as usize);
            tags.last().map(cursor::encode)
        } else {
            None
        };
        Ok(TagPage { tags, next_cursor })
    }

    /// One page of the assets a tag or context filter selects, newest first
    /// (the order and cursor of `list`).
    pub async fn list_labelled(&self, query: &LabelledQuery) -> Result<Page, StoreError> {
        let limit = query.max_results.clamp(1, MAX_PAGE_SIZE);
        let after: Option<super::repo::NewestFirst> =
            query.cursor.as_deref().map(cursor::position).transpose()?;
        let mut binds = Binds::default();
        let mut sql = format!(
            "SELECT {COLUMNS} FROM assets WHERE resource_type = {}",
            binds.push(Bind::Text(query.resource_type.clone()))
        );
        sql += " AND ";
        sql += &self.filter_sql(&query.filter, &mut binds);
        if let Some((version, id)) = after {
            let v1 = binds.push(Bind::Int64(version));
            let v2 = binds.push(Bind::Int64(version));
            let i = binds.push(Bind::Int64(id));
            sql += &format!(" AND (version < {v1} OR (version = {v2} AND id < {i}))");
        }
        let l = binds.push(Bind::Int64(i64::from(limit) + 1));
        sql += &format!(" ORDER BY version DESC, id DESC LIMIT {l}");
        let rows: Vec<AssetRow> = with_pool!(self.database(), pool => {
            bind_all!(sqlx::query_as(&sql), binds).fetch_all(pool).await?
        });
        newest_first_page(rows, limit)
    }

    fn filter_sql(&self, filter: &LabelFilter, binds: &mut Binds) -> String {
        match filter {
            LabelFilter::Tag(tag) => {
                let p = binds.push(Bind::Text(tag.clone()));
                self.has_tag(&p)
            }
            LabelFilter::Context { key, value } => {
                let k = binds.push(Bind::Text(key.clone()));
                let v = value.as_ref().map(|v| binds.push(Bind::Text(v.clone())));
                match (self.is_postgres(), v) {
                    // `@>` is what the GIN index on `context::jsonb` serves.
                    (true, Some(v)) => {
                        format!("(context::jsonb) @> jsonb_build_object({k}::text, {v}::text)")
                    }
                    (true, None) => format!("(context::jsonb) ? {k}"),
                    (false, Some(v)) => format!(
                        "EXISTS (SELECT 1 FROM json_each(assets.context) \
                         WHERE json_each.key = {k} AND json_each.value = {v})"
                    ),
                    (false, None) => format!(
                        "EXISTS (SELECT 1 FROM json_each(assets.context) WHERE json_each.key = {k})"
                    ),
                }
            }
        }
    }

    /// Deletes up to `limit` rows of `resource_type` that carry `tag` when
    /// deleted (one statement: a row whose tag was removed meanwhile stays).
    /// Returns the keys and blobs deleted, and whether tagged rows remain.
    pub async fn delete_tagged(
        &self,
        resource_type: &str,
        tag: &str,
        limit: u32,
    ) -> Result<(Vec<(AssetKey, String)>, bool), StoreError> {
        let sql = format!(
            "DELETE FROM assets WHERE id IN (SELECT id FROM assets WHERE resource_type = $1 AND {} \
             ORDER BY id LIMIT $3) AND {} RETURNING delivery_type, public_id, blob_key",
            self.has_tag("$2"),
            self.has_tag("$4"),
        );
        let remaining = format!(
            "SELECT id FROM assets WHERE resource_type = $1 AND {} LIMIT 1",
            self.has_tag("$2")
        );
        let (rows, more): (Vec<(String, String, String)>, Option<i64>) = with_pool!(self.database(), pool => {
            let rows = sqlx::query_as(&sql)
                .bind(resource_type).bind(tag).bind(i64::from(limit)).bind(tag)
                .fetch_all(pool).await?;
            let more = sqlx::query_scalar(&remaining)
                .bind(resource_type).bind(tag)
                .fetch_optional(pool).await?;
            (rows, more)
        });
        let deleted = rows
            .into_iter()
            .map(|(delivery_type, public_id, blob_key)| {
                (
                    AssetKey::new(resource_type, delivery_type, public_id),
                    blob_key,
                )
            })
            .collect();
        Ok((deleted, more.is_some()))
    }
}

/// The tags and context columns of `key` after `edit`, as JSON text.
fn edited_labels(
    key: &AssetKey,
    tags: &str,
    context: &str,
    edit: &LabelEdit,
) -> Result<(String, String), StoreError> {
    let corrupt = |column: &str, e: serde_json::Error| StoreError::CorruptRow {
        asset_id: format!(
            "{}/{}/{}",
            key.resource_type, key.delivery_type, key.public_id
        ),
        reason: format!("{column}: {e}"),
    };
    let mut tags: Vec<String> = serde_json::from_str(tags).map_err(|e| corrupt("tags", e))?;
    let mut context: BTreeMap<String, String> =
        serde_json::from_str(context).map_err(|e| corrupt("context", e))?;
    match edit {
        LabelEdit::Tags(edit) => {
            tags = edit.apply(tags).ok_or_else(|| StoreError::TooManyTags {
                key: key.clone(),
                max: crate::labels::MAX_TAGS_PER_ASSET,
            })?;
        }
        LabelEdit::Context(edit) => context = edit.apply(context),
    }
    let json = |value: serde_json::Result<String>| {
        value.map_err(|e| StoreError::CorruptRow {
            asset_id: key.public_id.clone(),
            reason: e.to_string(),
        })
    };
    Ok((
        json(serde_json::to_string(&tags))?,
        json(serde_json::to_string(&context))?,
    ))
}

/// PostgreSQL's "deadlock detected" (SQLSTATE 40P01): the statement's
/// transaction was rolled back to break a cycle and may simply be retried.
fn is_deadlock(error: &dyn sqlx::error::DatabaseError) -> bool {
    error.code().as_deref() == Some("40P01")
}
