//! Structured metadata, as Cloudinary documents it: typed fields (string,
//! integer, date, enum, set) defined through the Admin API, and values given
//! with `metadata=` on upload, explicit, admin update and `image/metadata`.
//!
//! - [`wire`]: the `metadata` parameter's encoding;
//! - [`values`]: whether a value fits its field (type, datasource, rules);
//! - [`definition`]: the Admin API's field bodies and rendering;
//! - here: the writes a request makes ([`upload_writes`], [`update_writes`]),
//!   the `metadata` member of resources, and the errors, each sentence once.
//!
//! The store writes values in the asset's own transaction, only against the
//! field revisions they were checked with (`store::metadata_fields`).

pub mod definition;
pub mod values;
pub mod wire;

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use store::metadata_fields::{
    MetadataField, MetadataFields, MetadataValue, MetadataWrite, WriteAction,
};
use store::Asset;

use crate::params::Params;
use crate::{ApiError, AppState, Reason};

/// What is wrong with a metadata request; each becomes a 400 (or 404) naming
/// the field or member.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("Invalid metadata: {0}")]
    MalformedParameter(String),
    #[error("Invalid metadata: field {0} is not defined")]
    UnknownField(String),
    #[error("Invalid metadata value for field {field}: {reason}")]
    InvalidValue { field: String, reason: String },
    #[error("Metadata field {0} is mandatory: its value cannot be removed")]
    MandatoryCleared(String),
    #[error("Missing required parameter - {0}")]
    MissingMember(&'static str),
    #[error("Invalid {0}: {1}")]
    InvalidMember(&'static str, String),
    #[error("default_value is invalid: {0}")]
    InvalidDefault(String),
    #[error("default_value is required for a mandatory field")]
    MandatoryWithoutDefault,
    #[error("external id {0} already exists")]
    AlreadyExists(String),
    #[error(
        "Too many metadata fields: at most {} may be defined",
        store::metadata_fields::MAX_FIELDS
    )]
    TooManyFields,
    #[error("Metadata field {0} not found")]
    FieldNotFound(String),
    #[error("Metadata field {0} has no datasource")]
    NoDatasource(String),
    #[error("Datasource entry {entry} not found in metadata field {field}")]
    UnknownEntry { field: String, entry: String },
}

impl From<MetadataError> for ApiError {
    fn from(err: MetadataError) -> Self {
        match err {
            MetadataError::FieldNotFound(_) => Reason::MetadataFieldNotFound(err).into(),
            other => Reason::Metadata(other).into(),
        }
    }
}

/// The fields and values in the database.
pub fn fields(state: &AppState) -> MetadataFields {
    state.store.metadata_fields()
}

/// `metadata` when given, parsed (not yet checked against the fields).
pub fn metadata_param(params: &Params) -> Result<Vec<(String, String)>, ApiError> {
    Ok(match params.get("metadata") {
        Some(text) => wire::parse_assignments(text)?,
        None => Vec::new(),
    })
}

/// The writes of an upload: the values given, and for every other field its
/// default (where the asset has no value) or, for a mandatory field whose
/// default is disabled, the requirement that the asset already has a value.
pub async fn upload_writes(
    state: &AppState,
    given: &[(String, String)],
) -> Result<Vec<MetadataWrite>, ApiError> {
    let defined = fields(state).list().await?;
    let mut writes = given_writes(&defined, given)?;
    for field in &defined {
        if given.iter().any(|(id, _)| *id == field.external_id) {
            continue;
        }
        let definition = &field.definition;
        let action = match (&definition.default_value, definition.default_disabled) {
            (Some(default), false) => {
                WriteAction::Default(values::from_json(field, default).map_err(|reason| {
                    MetadataError::InvalidValue {
                        field: field.external_id.clone(),
                        reason,
                    }
                })?)
            }
            _ if definition.mandatory => WriteAction::Require,
            _ => continue,
        };
        writes.push(write(field, action));
    }
    writes.sort_by_key(|w| w.field_id);
    Ok(writes)
}

/// The writes of an update (explicit, admin update, `image/metadata`): the
/// values given; a mandatory field's value cannot be cleared.
pub async fn update_writes(
    state: &AppState,
    given: &[(String, String)],
) -> Result<Vec<MetadataWrite>, ApiError> {
    if given.is_empty() {
        return Ok(Vec::new());
    }
    let defined = fields(state).list().await?;
    let mut writes = given_writes(&defined, given)?;
    writes.sort_by_key(|w| w.field_id);
    Ok(writes)
}

fn given_writes(
    defined: &[MetadataField],
    given: &[(String, String)],
) -> Result<Vec<MetadataWrite>, MetadataError> {
    given
        .iter()
        .map(|(id, raw)| {
            let field = defined
                .iter()
                .find(|f| f.external_id == *id)
                .ok_or_else(|| MetadataError::UnknownField(id.clone()))?;
            let value =
                values::from_wire(field, raw).map_err(|reason| MetadataError::InvalidValue {
                    field: id.clone(),
                    reason,
                })?;
            Ok(match value {
                Some(value) => write(field, WriteAction::Set(value)),
                None if field.definition.mandatory => {
                    return Err(MetadataError::MandatoryCleared(id.clone()))
                }
                None => write(field, WriteAction::Clear),
            })
        })
        .collect()
}

fn write(field: &MetadataField, action: WriteAction) -> MetadataWrite {
    MetadataWrite {
        field_id: field.id,
        external_id: field.external_id.clone(),
        revision: field.revision,
        action,
    }
}

/// The `metadata` object of a resource: each field's value by external_id.
pub fn render_values(values: &BTreeMap<String, MetadataValue>) -> Value {
    Value::Object(
        values
            .iter()
            .map(|(id, value)| (id.clone(), value.to_json()))
            .collect(),
    )
}

/// Adds `metadata` to `body` (a rendered resource of `asset`) when the asset
/// has values.
pub async fn add_to_resource(
    state: &AppState,
    asset: &Asset,
    body: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let mut values = fields(state).values_of(&[asset.asset_id.as_str()]).await?;
    if let Some(values) = values.remove(&asset.asset_id) {
        body.insert("metadata".into(), render_values(&values));
    }
    Ok(())
}
