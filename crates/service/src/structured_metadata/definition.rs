//! A field's definition as the Admin API reads and writes it: the JSON bodies
//! of `add_metadata_field` / `update_metadata_field` and the datasource
//! calls, checked into the store's typed definition, and the field as
//! Cloudinary renders it.

use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use store::metadata_fields::{
    DatasourceEntry, EntryState, FieldDefinition, FieldType, MetadataField, Restrictions,
    Validation,
};

use super::values::{self, MAX_SET_ENTRIES};
use super::MetadataError;
use crate::params::random_id;

/// Longest external_id (of a field or a datasource entry), as Cloudinary's.
const MAX_ID_CHARS: usize = 255;
/// Longest label or datasource entry value.
const MAX_TEXT_CHARS: usize = 1024;
/// Length of the external_ids generated when a call gives none.
const GENERATED_ID_LEN: usize = 12;

/// The body of `add_metadata_field` and `update_metadata_field` (Cloudinary's
/// "generic structure of a metadata field"). An unknown member is a 400.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(rename = "type")]
    pub field_type: Option<String>,
    pub external_id: Option<String>,
    pub label: Option<String>,
    pub mandatory: Option<bool>,
    /// `Some(None)`: given as `null`.
    #[serde(default, deserialize_with = "given")]
    pub default_value: Option<Option<Value>>,
    pub default_disabled: Option<bool>,
    #[serde(default, deserialize_with = "given")]
    pub validation: Option<Option<Value>>,
    pub datasource: Option<DatasourceSpec>,
    pub restrictions: Option<Restrictions>,
    pub allow_dynamic_list_values: Option<bool>,
}

/// `{"values": [{"external_id"?, "value", "state"?}, ...]}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasourceSpec {
    pub values: Vec<EntrySpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntrySpec {
    pub external_id: Option<String>,
    pub value: String,
    pub state: Option<EntryState>,
}

/// A member given as `null` is `Some(None)`, one left out `None`.
fn given<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<Value>>, D::Error> {
    Ok(Some(Option::<Value>::deserialize(deserializer)?))
}

/// A new field from `spec`: (external_id, type, definition), checked.
pub fn new_field(spec: FieldSpec) -> Result<(String, FieldType, FieldDefinition), MetadataError> {
    let type_name = spec
        .field_type
        .clone()
        .ok_or(MetadataError::MissingMember("type"))?;
    let field_type = FieldType::parse(&type_name).ok_or_else(|| {
        MetadataError::InvalidMember(
            "type",
            format!("{type_name:?} is not string, integer, date, enum or set"),
        )
    })?;
    let external_id = match &spec.external_id {
        Some(id) => checked_id("external_id", id)?,
        None => random_id(GENERATED_ID_LEN),
    };
    let label = spec
        .label
        .clone()
        .ok_or(MetadataError::MissingMember("label"))?;
    if field_type.has_datasource() && spec.datasource.is_none() {
        return Err(MetadataError::MissingMember("datasource"));
    }
    let blank = MetadataField {
        id: 0,
        external_id: external_id.clone(),
        field_type,
        definition: FieldDefinition {
            label,
            mandatory: false,
            default_value: None,
            default_disabled: false,
            validation: None,
            restrictions: Restrictions::default(),
            allow_dynamic_list_values: false,
            datasource: Vec::new(),
        },
        revision: 0,
    };
    let definition = updated(&blank, spec)?;
    Ok((external_id, field_type, definition))
}

/// `current`'s definition with what `spec` gives. `type` and `external_id`
/// cannot change and are ignored, as Cloudinary ignores them; a datasource
/// given is merged as [`merge_datasource`] does.
pub fn updated(current: &MetadataField, spec: FieldSpec) -> Result<FieldDefinition, MetadataError> {
    let mut definition = current.definition.clone();
    if let Some(label) = spec.label {
        definition.label = checked_text("label", &label)?;
    }
    if let Some(mandatory) = spec.mandatory {
        definition.mandatory = mandatory;
    }
    if let Some(default_value) = spec.default_value {
        definition.default_value = default_value;
    }
    if let Some(disabled) = spec.default_disabled {
        definition.default_disabled = disabled;
    }
    if let Some(validation) = spec.validation {
        definition.validation = validation
            .map(|rule| validation_of(current.field_type, rule))
            .transpose()?;
    }
    if let Some(restrictions) = spec.restrictions {
        definition.restrictions = restrictions;
    }
    if let Some(dynamic) = spec.allow_dynamic_list_values {
        if dynamic {
            return Err(MetadataError::InvalidMember(
                "allow_dynamic_list_values",
                "adding datasource values through asset updates is not supported by this \
                 server"
                    .into(),
            ));
        }
        definition.allow_dynamic_list_values = dynamic;
    }
    if let Some(datasource) = spec.datasource {
        if !current.field_type.has_datasource() {
            return Err(MetadataError::InvalidMember(
                "datasource",
                format!("a {} field has no datasource", current.field_type.as_str()),
            ));
        }
        definition.datasource = merge_datasource(&definition.datasource, datasource)?;
    }
    check_definition(current, &definition)?;
    Ok(definition)
}

/// `current` with `spec`'s entries: an entry whose external_id exists is
/// updated in place, any other is appended (with an external_id generated
/// when it has none).
pub fn merge_datasource(
    current: &[DatasourceEntry],
    spec: DatasourceSpec,
) -> Result<Vec<DatasourceEntry>, MetadataError> {
    let mut entries = current.to_vec();
    for given in spec.values {
        let value = checked_text("datasource value", &given.value)?;
        let external_id = match &given.external_id {
            Some(id) => checked_id("datasource external_id", id)?,
            None => random_id(GENERATED_ID_LEN),
        };
        match entries.iter_mut().find(|e| e.external_id == external_id) {
            Some(entry) => {
                entry.value = value;
                if let Some(state) = given.state {
                    entry.state = state;
                }
            }
            None => entries.push(DatasourceEntry {
                external_id,
                value,
                state: given.state.unwrap_or(EntryState::Active),
            }),
        }
    }
    if entries.len() > MAX_SET_ENTRIES {
        return Err(MetadataError::InvalidMember(
            "datasource",
            format!("more than {MAX_SET_ENTRIES} entries"),
        ));
    }
    Ok(entries)
}

/// Sets the state of the entries `ids` of `field`; an unknown id is an error,
/// and so is deactivating an entry the field's default value uses.
pub fn set_entry_states(
    field: &MetadataField,
    ids: &[String],
    state: EntryState,
) -> Result<FieldDefinition, MetadataError> {
    if !field.field_type.has_datasource() {
        return Err(MetadataError::NoDatasource(field.external_id.clone()));
    }
    let mut definition = field.definition.clone();
    for id in ids {
        let entry = definition
            .datasource
            .iter_mut()
            .find(|e| e.external_id == *id)
            .ok_or_else(|| MetadataError::UnknownEntry {
                field: field.external_id.clone(),
                entry: id.clone(),
            })?;
        entry.state = state;
    }
    check_definition(field, &definition)?;
    Ok(definition)
}

/// The datasource sorted by value (`asc` or `desc`).
pub fn ordered_datasource(
    field: &MetadataField,
    descending: bool,
) -> Result<FieldDefinition, MetadataError> {
    if !field.field_type.has_datasource() {
        return Err(MetadataError::NoDatasource(field.external_id.clone()));
    }
    let mut definition = field.definition.clone();
    definition.datasource.sort_by(|a, b| a.value.cmp(&b.value));
    if descending {
        definition.datasource.reverse();
    }
    Ok(definition)
}

/// What holds across members: a mandatory field has a default, and the
/// default is a valid value of the field as now defined.
fn check_definition(
    current: &MetadataField,
    definition: &FieldDefinition,
) -> Result<(), MetadataError> {
    let field = MetadataField {
        definition: definition.clone(),
        ..current.clone()
    };
    if field.field_type.has_datasource() && definition.datasource.is_empty() {
        return Err(MetadataError::InvalidMember(
            "datasource",
            "an enum or set field needs at least one value".into(),
        ));
    }
    match &definition.default_value {
        Some(default) => {
            values::from_json(&field, default).map_err(MetadataError::InvalidDefault)?;
        }
        None if definition.mandatory => return Err(MetadataError::MandatoryWithoutDefault),
        None => {}
    }
    Ok(())
}

/// A validation rule for a field of `field_type`; `and` holds simple rules only.
fn validation_of(field_type: FieldType, rule: Value) -> Result<Validation, MetadataError> {
    let invalid = |reason: String| MetadataError::InvalidMember("validation", reason);
    let rule: Validation = serde_json::from_value(rule).map_err(|e| invalid(e.to_string()))?;
    check_rule(field_type, &rule, true).map_err(invalid)?;
    Ok(rule)
}

fn check_rule(field_type: FieldType, rule: &Validation, top: bool) -> Result<(), String> {
    match rule {
        Validation::And { rules } => {
            if !top || rules.is_empty() {
                return Err("\"and\" takes a non-empty list of simple rules".into());
            }
            rules
                .iter()
                .try_for_each(|rule| check_rule(field_type, rule, false))
        }
        Validation::Strlen { min, max } => {
            if field_type != FieldType::String {
                return Err("strlen applies to string fields".into());
            }
            match (min, max) {
                (None, None) => Err("strlen needs min or max".into()),
                (Some(min), Some(max)) if min > max => Err("strlen min is above max".into()),
                _ => Ok(()),
            }
        }
        Validation::GreaterThan { value, .. } | Validation::LessThan { value, .. } => {
            match (field_type, value) {
                (FieldType::Integer, Value::Number(n)) if n.as_i64().is_some() => Ok(()),
                (FieldType::Date, Value::String(text)) => values::date(text).map(drop),
                (FieldType::Integer | FieldType::Date, other) => Err(format!(
                    "{other} is not a bound of a {} field",
                    field_type.as_str()
                )),
                _ => Err("greater_than and less_than apply to integer and date fields".into()),
            }
        }
    }
}

/// 1-255 letters, digits, `_` or `-`: an external_id is a path segment, a
/// key of the `metadata` parameter and a search field name.
fn checked_id(member: &'static str, id: &str) -> Result<String, MetadataError> {
    let valid = !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(id.to_owned())
    } else {
        Err(MetadataError::InvalidMember(
            member,
            format!("{id:?} must be 1-255 letters, digits, _ or -"),
        ))
    }
}

fn checked_text(member: &'static str, text: &str) -> Result<String, MetadataError> {
    if text.trim().is_empty()
        || text.chars().count() > MAX_TEXT_CHARS
        || text.chars().any(char::is_control)
    {
        return Err(MetadataError::InvalidMember(
            member,
            format!("must be 1-{MAX_TEXT_CHARS} characters without control characters"),
        ));
    }
    Ok(text.to_owned())
}

/// The field as Cloudinary renders it.
pub fn render(field: &MetadataField) -> Value {
    let definition = &field.definition;
    let mut body = json!({
        "type": field.field_type.as_str(),
        "external_id": field.external_id,
        "label": definition.label,
        "mandatory": definition.mandatory,
        "default_value": definition.default_value,
        "validation": definition.validation,
        "default_disabled": definition.default_disabled,
        "restrictions": definition.restrictions,
        "allow_dynamic_list_values": definition.allow_dynamic_list_values,
    });
    if field.field_type.has_datasource() {
        body["datasource"] = json!({ "values": definition.datasource });
    }
    body
}

/// The datasource calls' answer: the active entries, in order.
pub fn render_active_datasource(field: &MetadataField) -> Value {
    let active: Vec<&DatasourceEntry> = field
        .definition
        .datasource
        .iter()
        .filter(|e| e.state == EntryState::Active)
        .collect();
    json!({ "values": active })
}
