//! The `assets` row as both databases return it, and its conversion to and
//! from the domain types. Lists and maps are stored as JSON text in both
//! databases: nothing queries inside them, and one representation keeps one
//! set of SQL.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::analysis::StoredAnalysis;
use crate::model::{Asset, Coordinates, Rect};
use crate::StoreError;

/// Column list matching [`AssetRow`], for `SELECT` and `RETURNING`.
pub(crate) const COLUMNS: &str = "id, asset_id, resource_type, delivery_type, public_id, version, \
     version_id, blob_key, format, width, height, bytes, etag, pages, tags, context, \
     face_coordinates, custom_coordinates, original_filename, folder, access_mode, analysis";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AssetRow {
    /// Surrogate key: the tie-breaker of the listing order.
    pub id: i64,
    pub asset_id: String,
    pub resource_type: String,
    pub delivery_type: String,
    pub public_id: String,
    pub version: i64,
    pub version_id: String,
    pub blob_key: String,
    pub format: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub etag: String,
    pub pages: i64,
    pub tags: String,
    pub context: String,
    pub face_coordinates: String,
    pub custom_coordinates: String,
    pub original_filename: Option<String>,
    pub folder: String,
    pub access_mode: String,
    pub analysis: String,
}

/// The JSON columns of a row, encoded for binding.
pub(crate) struct JsonColumns {
    pub tags: String,
    pub context: String,
    pub face_coordinates: String,
    pub custom_coordinates: String,
    pub analysis: String,
}

impl JsonColumns {
    pub fn encode(
        tags: &[String],
        context: &BTreeMap<String, String>,
        coordinates: &Coordinates,
        analysis: &StoredAnalysis,
    ) -> JsonColumns {
        JsonColumns {
            tags: to_json(tags),
            context: to_json(context),
            face_coordinates: to_json(&coordinates.faces),
            custom_coordinates: to_json(&coordinates.custom),
            analysis: to_json(analysis),
        }
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Plain strings, integers and JSON values: serialisation cannot fail.
    serde_json::to_string(value).expect("store columns serialise to JSON")
}

impl TryFrom<AssetRow> for Asset {
    type Error = StoreError;

    fn try_from(row: AssetRow) -> Result<Asset, StoreError> {
        let corrupt = |reason: String| StoreError::CorruptRow {
            asset_id: row.asset_id.clone(),
            reason,
        };
        let json = |column: &str, text: &str| -> Result<Value, StoreError> {
            serde_json::from_str(text).map_err(|e| corrupt(format!("{column}: {e}")))
        };
        fn decode<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
            serde_json::from_value(value)
        }
        let number = |column: &str, n: i64| -> Result<u32, StoreError> {
            u32::try_from(n).map_err(|_| corrupt(format!("{column} = {n} out of range")))
        };

        let tags: Vec<String> =
            decode(json("tags", &row.tags)?).map_err(|e| corrupt(format!("tags: {e}")))?;
        let context: BTreeMap<String, String> =
            decode(json("context", &row.context)?).map_err(|e| corrupt(format!("context: {e}")))?;
        let faces: Vec<Rect> = decode(json("face_coordinates", &row.face_coordinates)?)
            .map_err(|e| corrupt(format!("face_coordinates: {e}")))?;
        let custom: Vec<Rect> = decode(json("custom_coordinates", &row.custom_coordinates)?)
            .map_err(|e| corrupt(format!("custom_coordinates: {e}")))?;
        let analysis: StoredAnalysis = decode(json("analysis", &row.analysis)?)
            .map_err(|e| corrupt(format!("analysis: {e}")))?;
        let created_at = DateTime::<Utc>::from_timestamp(row.version, 0)
            .ok_or_else(|| corrupt(format!("version {} is not a time", row.version)))?;

        Ok(Asset {
            width: number("width", row.width)?,
            height: number("height", row.height)?,
            pages: number("pages", row.pages)?,
            bytes: u64::try_from(row.bytes)
                .map_err(|_| corrupt(format!("bytes = {}", row.bytes)))?,
            asset_id: row.asset_id,
            resource_type: row.resource_type,
            delivery_type: row.delivery_type,
            public_id: row.public_id,
            version: row.version,
            version_id: row.version_id,
            created_at,
            format: row.format,
            etag: row.etag,
            tags,
            context,
            coordinates: Coordinates { faces, custom },
            original_filename: row.original_filename,
            folder: row.folder,
            access_mode: row.access_mode,
            analysis,
            blob_key: row.blob_key,
        })
    }
}
