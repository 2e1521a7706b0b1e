//! Structured metadata: the typed fields of the Admin API's `metadata_fields`
//! and the values assets have for them (`migrations/*/0800_structured_metadata.sql`).
//!
//! The store keeps what the API validated; which values a field accepts is
//! the API's rule (`service::structured_metadata`). What the store enforces
//! is that a value is written only against the definition it was checked
//! with: every change of a field bumps its `revision`, and a value write
//! claims the field row at the revision the caller read (an `UPDATE` that
//! matches only that revision, which locks the row on PostgreSQL and holds
//! SQLite's write lock), in the same transaction as the asset's own write.
//! So a value never lands on a field deleted or redefined meanwhile, and a
//! field's deletion, which deletes its values, never misses one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::db::{with_pool, Database};
use crate::StoreError;

/// Fields a library may define at once (Cloudinary's documented maximum).
pub const MAX_FIELDS: i64 = 100;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Integer,
    /// `YYYY-MM-DD`.
    Date,
    /// One entry of the field's datasource, by its external_id.
    Enum,
    /// Entries of the field's datasource, by external_id.
    Set,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Date => "date",
            FieldType::Enum => "enum",
            FieldType::Set => "set",
        }
    }

    pub fn parse(text: &str) -> Option<FieldType> {
        [
            FieldType::String,
            FieldType::Integer,
            FieldType::Date,
            FieldType::Enum,
            FieldType::Set,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }

    /// Enum and set values are entries of a datasource.
    pub fn has_datasource(self) -> bool {
        matches!(self, FieldType::Enum | FieldType::Set)
    }
}

/// A rule values must pass, as Cloudinary writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Validation {
    /// Integer or date fields: above `value` (or equal, with `equals`).
    GreaterThan {
        value: Value,
        #[serde(default)]
        equals: bool,
    },
    /// Integer or date fields: below `value` (or equal, with `equals`).
    LessThan {
        value: Value,
        #[serde(default)]
        equals: bool,
    },
    /// String fields: a length in characters.
    Strlen {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
    },
    /// Every rule.
    And { rules: Vec<Validation> },
}

/// Whether a datasource entry may be given as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryState {
    Active,
    /// Deleted from the datasource ("blocked"): restorable, not selectable.
    Inactive,
}

/// One allowed value of an enum or set field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasourceEntry {
    pub external_id: String,
    pub value: String,
    pub state: EntryState,
}

/// Cloudinary's `restrictions` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restrictions {
    /// The field is read-only in Cloudinary's Media Library UI (kept and
    /// returned; this server has no UI).
    #[serde(default)]
    pub readonly_ui: bool,
}

/// Everything about a field but its identity and type, stored as one JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDefinition {
    pub label: String,
    pub mandatory: bool,
    /// A value of the field's type (an array of entry ids for a set).
    pub default_value: Option<Value>,
    /// The default is not applied to new assets.
    pub default_disabled: bool,
    pub validation: Option<Validation>,
    pub restrictions: Restrictions,
    pub allow_dynamic_list_values: bool,
    /// Enum and set fields only; in order.
    pub datasource: Vec<DatasourceEntry>,
}

/// A defined field.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataField {
    /// Row id: what values refer to.
    pub id: i64,
    pub external_id: String,
    pub field_type: FieldType,
    pub definition: FieldDefinition,
    /// Grows with every change of the definition (see the module doc).
    pub revision: i64,
}

impl MetadataField {
    /// The active datasource entry `external_id`, if any.
    pub fn active_entry(&self, external_id: &str) -> Option<&DatasourceEntry> {
        self.definition
            .datasource
            .iter()
            .find(|e| e.external_id == external_id && e.state == EntryState::Active)
    }
}

/// One asset's value of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataValue {
    Text(String),
    Integer(i64),
    /// `YYYY-MM-DD`.
    Date(String),
    /// An enum value: a datasource entry's external_id.
    Entry(String),
    /// A set value: datasource entries' external_ids, in the order given.
    Entries(Vec<String>),
}

impl MetadataValue {
    /// The value as the resource JSON shows it.
    pub fn to_json(&self) -> Value {
        match self {
            MetadataValue::Text(text) | MetadataValue::Date(text) | MetadataValue::Entry(text) => {
                json!(text)
            }
            MetadataValue::Integer(n) => json!(n),
            MetadataValue::Entries(ids) => json!(ids),
        }
    }

    /// Rows of `asset_metadata`: (item, number).
    fn items(&self) -> Vec<(&str, Option<i64>)> {
        match self {
            MetadataValue::Text(text) | MetadataValue::Date(text) | MetadataValue::Entry(text) => {
                vec![(text.as_str(), None)]
            }
            MetadataValue::Integer(_) => Vec::new(),
            MetadataValue::Entries(ids) => ids.iter().map(|id| (id.as_str(), None)).collect(),
        }
    }
}

/// What one request does to one field of one asset, written only while the
/// field is still at `revision`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataWrite {
    pub field_id: i64,
    pub external_id: String,
    pub revision: i64,
    pub action: WriteAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteAction {
    /// Replaces the asset's value.
    Set(MetadataValue),
    /// Removes the asset's value.
    Clear,
    /// Sets the value only where the asset has none (a default on upload).
    Default(MetadataValue),
    /// Fails the whole write (`StoreError::MetadataMissing`) where the asset
    /// has no value (a mandatory field without default, on upload).
    Require,
}

/// Fields and values in the database.
#[derive(Debug, Clone)]
pub struct MetadataFields {
    db: Database,
}

/// What [`MetadataFields::create`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    Created(Box<MetadataField>),
    /// The external_id is taken, by a field that exists or existed.
    Exists,
    /// [`MAX_FIELDS`] fields are defined.
    TooMany,
}

type FieldRow = (i64, String, String, String, i64);

const FIELD_COLUMNS: &str = "id, external_id, field_type, definition, revision";

impl MetadataFields {
    pub(crate) fn new(db: Database) -> Self {
        MetadataFields { db }
    }

    /// Every field, in the library's order.
    pub async fn list(&self) -> Result<Vec<MetadataField>, StoreError> {
        let sql = format!(
            "SELECT {FIELD_COLUMNS} FROM metadata_fields WHERE deleted = 0 ORDER BY position, id"
        );
        let rows: Vec<FieldRow> =
            with_pool!(&self.db, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(decode_field).collect()
    }

    pub async fn get(&self, external_id: &str) -> Result<Option<MetadataField>, StoreError> {
        let sql = format!(
            "SELECT {FIELD_COLUMNS} FROM metadata_fields WHERE external_id = $1 AND deleted = 0"
        );
        let row: Option<FieldRow> = with_pool!(&self.db, pool => {
            sqlx::query_as(&sql).bind(external_id).fetch_optional(pool).await?
        });
        row.map(decode_field).transpose()
    }

    /// Defines a new field, last in the order.
    pub async fn create(
        &self,
        external_id: &str,
        field_type: FieldType,
        definition: &FieldDefinition,
        now: i64,
    ) -> Result<Created, StoreError> {
        let sql = format!(
            "INSERT INTO metadata_fields (external_id, field_type, definition, position, created_at) \
             SELECT $1, $2, $3, COALESCE((SELECT MAX(position) FROM metadata_fields), 0) + 1, $4 \
             WHERE (SELECT COUNT(*) FROM metadata_fields WHERE deleted = 0) < $5 \
             ON CONFLICT (external_id) DO NOTHING RETURNING {FIELD_COLUMNS}"
        );
        let encoded = encode_definition(definition);
        let row: Option<FieldRow> = with_pool!(&self.db, pool => {
            sqlx::query_as(&sql)
                .bind(external_id)
                .bind(field_type.as_str())
                .bind(&encoded)
                .bind(now)
                .bind(MAX_FIELDS)
                .fetch_optional(pool)
                .await?
        });
        if let Some(row) = row {
            return Ok(Created::Created(Box::new(decode_field(row)?)));
        }
        let taken: Option<i64> = with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT id FROM metadata_fields WHERE external_id = $1")
                .bind(external_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(if taken.is_some() {
            Created::Exists
        } else {
            Created::TooMany
        })
    }

    /// Replaces the definition of `current` (as the caller read it) with
    /// `definition`, only if the field is still at that revision: `None`
    /// when it changed or went meanwhile (the caller reads it again).
    pub async fn replace(
        &self,
        current: &MetadataField,
        definition: &FieldDefinition,
    ) -> Result<Option<MetadataField>, StoreError> {
        let sql = format!(
            "UPDATE metadata_fields SET definition = $1, revision = revision + 1 \
             WHERE id = $2 AND revision = $3 AND deleted = 0 RETURNING {FIELD_COLUMNS}"
        );
        let encoded = encode_definition(definition);
        let row: Option<FieldRow> = with_pool!(&self.db, pool => {
            sqlx::query_as(&sql)
                .bind(&encoded)
                .bind(current.id)
                .bind(current.revision)
                .fetch_optional(pool)
                .await?
        });
        row.map(decode_field).transpose()
    }

    /// Deletes the field and every asset's value of it, in one transaction;
    /// `false` when there is no such field. The external_id stays taken.
    pub async fn delete(&self, external_id: &str) -> Result<bool, StoreError> {
        with_pool!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE metadata_fields SET deleted = 1, revision = revision + 1 \
                 WHERE external_id = $1 AND deleted = 0 RETURNING id",
            )
            .bind(external_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                tx.rollback().await?;
                return Ok(false);
            };
            sqlx::query("DELETE FROM asset_metadata WHERE field_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Puts the fields in the order of `ids` (every field's row id).
    pub async fn reorder(&self, ids: &[i64]) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            for (position, id) in ids.iter().enumerate() {
                sqlx::query("UPDATE metadata_fields SET position = $1 WHERE id = $2")
                    .bind(i64::try_from(position).unwrap_or(i64::MAX))
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The values of each of these assets, by asset_id, then by field
    /// external_id. Assets without values are left out.
    pub async fn values_of(
        &self,
        asset_ids: &[&str],
    ) -> Result<BTreeMap<String, BTreeMap<String, MetadataValue>>, StoreError> {
        if asset_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let placeholders: Vec<String> = (1..=asset_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT m.asset_id, f.external_id, f.field_type, m.item, m.number \
             FROM asset_metadata m JOIN metadata_fields f ON f.id = m.field_id \
             WHERE m.asset_id IN ({}) ORDER BY m.asset_id, f.id, m.position",
            placeholders.join(", ")
        );
        type ValueRow = (String, String, String, String, Option<i64>);
        let rows: Vec<ValueRow> = with_pool!(&self.db, pool => {
            let mut query = sqlx::query_as(&sql);
            for id in asset_ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        let mut values: BTreeMap<String, BTreeMap<String, MetadataValue>> = BTreeMap::new();
        for (asset_id, external_id, field_type, item, number) in rows {
            let field_type = FieldType::parse(&field_type).ok_or_else(|| corrupt(&external_id))?;
            let fields = values.entry(asset_id).or_default();
            match (field_type, fields.get_mut(&external_id)) {
                (FieldType::Set, Some(MetadataValue::Entries(ids))) => ids.push(item),
                (_, Some(_)) => return Err(corrupt(&external_id)),
                (field_type, None) => {
                    let value = match field_type {
                        FieldType::String => MetadataValue::Text(item),
                        FieldType::Integer => {
                            MetadataValue::Integer(number.ok_or_else(|| corrupt(&external_id))?)
                        }
                        FieldType::Date => MetadataValue::Date(item),
                        FieldType::Enum => MetadataValue::Entry(item),
                        FieldType::Set => MetadataValue::Entries(vec![item]),
                    };
                    fields.insert(external_id, value);
                }
            }
        }
        Ok(values)
    }
}

/// Claims a field at the revision a write was checked against.
pub(crate) const CLAIM_FIELD_SQL: &str = "UPDATE metadata_fields SET revision = revision \
     WHERE id = $1 AND revision = $2 AND deleted = 0";
pub(crate) const CLEAR_VALUE_SQL: &str =
    "DELETE FROM asset_metadata WHERE asset_id = $1 AND field_id = $2";
pub(crate) const HAS_VALUE_SQL: &str =
    "SELECT COUNT(*) FROM asset_metadata WHERE asset_id = $1 AND field_id = $2";
pub(crate) const INSERT_ITEM_SQL: &str = "INSERT INTO asset_metadata \
     (asset_id, field_id, position, item, number) VALUES ($1, $2, $3, $4, $5)";

/// The rows of `value`: (position, item, number).
pub(crate) fn rows_of(value: &MetadataValue) -> Vec<(i64, String, Option<i64>)> {
    if let MetadataValue::Integer(n) = value {
        return vec![(0, n.to_string(), Some(*n))];
    }
    value
        .items()
        .into_iter()
        .enumerate()
        .map(|(i, (item, number))| {
            (
                i64::try_from(i).unwrap_or(i64::MAX),
                item.to_owned(),
                number,
            )
        })
        .collect()
}

/// Applies `$writes` (a `&[MetadataWrite]`) to the asset `$asset_id` inside
/// the open transaction `$tx` (either database: expanded inside `with_pool!`).
/// Evaluates to `Result<(), StoreError>`; on an error the caller drops the
/// transaction, which rolls everything back.
macro_rules! write_metadata {
    ($tx:expr, $asset_id:expr, $writes:expr) => {{
        use $crate::metadata_fields as m;
        let result: Result<(), $crate::StoreError> = async {
            for write in $writes.iter() {
                let claimed = sqlx::query(m::CLAIM_FIELD_SQL)
                    .bind(write.field_id)
                    .bind(write.revision)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected();
                if claimed != 1 {
                    return Err($crate::StoreError::MetadataFieldChanged(
                        write.external_id.clone(),
                    ));
                }
                let value = match &write.action {
                    m::WriteAction::Set(value) => Some(value),
                    m::WriteAction::Clear => None,
                    m::WriteAction::Default(_) | m::WriteAction::Require => {
                        let present: i64 = sqlx::query_scalar(m::HAS_VALUE_SQL)
                            .bind($asset_id)
                            .bind(write.field_id)
                            .fetch_one(&mut *$tx)
                            .await?;
                        match (&write.action, present > 0) {
                            (_, true) => continue,
                            (m::WriteAction::Default(value), false) => Some(value),
                            _ => {
                                return Err($crate::StoreError::MetadataMissing(
                                    write.external_id.clone(),
                                ))
                            }
                        }
                    }
                };
                sqlx::query(m::CLEAR_VALUE_SQL)
                    .bind($asset_id)
                    .bind(write.field_id)
                    .execute(&mut *$tx)
                    .await?;
                for (position, item, number) in value.map(m::rows_of).unwrap_or_default() {
                    sqlx::query(m::INSERT_ITEM_SQL)
                        .bind($asset_id)
                        .bind(write.field_id)
                        .bind(position)
                        .bind(item)
                        .bind(number)
                        .execute(&mut *$tx)
                        .await?;
                }
            }
            Ok(())
        }
        .await;
        result
    }};
}
pub(crate) use write_metadata;

fn encode_definition(definition: &FieldDefinition) -> String {
    // Strings, booleans and JSON values: serialisation cannot fail.
    serde_json::to_string(definition).unwrap_or_else(|_| "{}".to_owned())
}

fn decode_field(
    (id, external_id, field_type, definition, revision): FieldRow,
) -> Result<MetadataField, StoreError> {
    let field_type = FieldType::parse(&field_type).ok_or_else(|| corrupt(&external_id))?;
    let definition = serde_json::from_str(&definition).map_err(|e| StoreError::CorruptRow {
        asset_id: format!("metadata field {external_id}"),
        reason: e.to_string(),
    })?;
    Ok(MetadataField {
        id,
        external_id,
        field_type,
        definition,
        revision,
    })
}

fn corrupt(external_id: &str) -> StoreError {
    StoreError::CorruptRow {
        asset_id: format!("metadata field {external_id}"),
        reason: "stored value does not fit the field's type".into(),
    }
}
