//! Rows found by their `asset_id` (the Admin API's `resources/<asset_id>`,
//! `by_asset_ids`, and delete tokens, which name one version of one asset).

use super::repo::AssetRepo;
use super::row::{AssetRow, COLUMNS};
use super::with_pool;
use crate::model::Asset;
use crate::StoreError;

impl AssetRepo {
    /// The rows with these asset_ids, in no particular order; unknown ids are
    /// skipped.
    pub async fn get_by_asset_ids(&self, asset_ids: &[String]) -> Result<Vec<Asset>, StoreError> {
        if asset_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=asset_ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM assets WHERE asset_id IN ({})",
            placeholders.join(", ")
        );
        let rows: Vec<AssetRow> = with_pool!(self.database(), pool => {
            let mut query = sqlx::query_as(&sql);
            for asset_id in asset_ids {
                query = query.bind(asset_id.as_str());
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter().map(Asset::try_from).collect()
    }

    /// Deletes the row of `asset_id`, only while its current version is
    /// `version_id` when one is given; returns the key of the blob it referenced.
    pub async fn delete_by_asset_id(
        &self,
        asset_id: &str,
        version_id: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let sql = match version_id {
            Some(_) => {
                "DELETE FROM assets WHERE asset_id = $1 AND version_id = $2 RETURNING blob_key"
            }
            None => "DELETE FROM assets WHERE asset_id = $1 RETURNING blob_key",
        };
        let blob_key: Option<String> = with_pool!(self.database(), pool => {
            let mut query = sqlx::query_scalar(sql).bind(asset_id);
            if let Some(version_id) = version_id {
                query = query.bind(version_id);
            }
            query.fetch_optional(pool).await?
        });
        Ok(blob_key)
    }
}
