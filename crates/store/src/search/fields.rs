//! The fixed catalogue of searchable fields: the only way a name in an
//! expression reaches SQL. A name not listed here is an error, and the two
//! keyed families (`context.<key>`, `image_metadata.<key>`) take only keys of
//! a safe character set, which are then bound as parameters anyway.

use super::error::SearchError;

/// Longest `context.<key>` / `image_metadata.<key>` key accepted.
const MAX_KEY_CHARS: usize = 128;

/// A searchable field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// One value per asset.
    Scalar(Scalar),
    Tags,
    /// The predominant colour names (either palette).
    Colors,
    Context(String),
    /// One tag of the stored `media_metadata` map.
    ImageMetadata(String),
    /// One structured metadata field, by external_id (`search::metadata`).
    Metadata(String),
}

/// A field with one value per asset (which is also what sorting needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    PublicId,
    /// The last segment of the public_id (after the last `/`).
    Filename,
    Folder,
    AssetId,
    ResourceType,
    /// The wire's `type`.
    DeliveryType,
    Format,
    Width,
    Height,
    /// width x height.
    Pixels,
    /// width / height.
    AspectRatio,
    Bytes,
    Pages,
    /// `created_at` or `uploaded_at`: the version's upload time.
    CreatedAt,
    /// How many face regions the asset has.
    Faces,
    Grayscale,
    IllustrationScore,
    QualityScore,
    Phash,
}

/// What values a field takes, which decides the operators it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// One string: `:`/`=` (exact, or prefix with `*`).
    Text,
    /// A set of strings (tags, colours): `:`/`=` test membership.
    TextSet,
    /// A whole number: matches, comparisons, ranges.
    Integer,
    /// A byte count, with optional `kb`/`mb`/`gb` units.
    Bytes,
    /// A decimal number.
    Decimal,
    /// `w:h` or a decimal number.
    AspectRatio,
    /// Unix seconds, written as a date, a date-time or a relative time.
    Date,
    Boolean,
}

impl ValueKind {
    /// Whether `<`, `>`, `<=`, `>=` and ranges apply.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            ValueKind::Integer
                | ValueKind::Bytes
                | ValueKind::Decimal
                | ValueKind::AspectRatio
                | ValueKind::Date
        )
    }
}

impl Field {
    /// The field an expression names at `position`.
    pub fn lookup(name: &str, position: usize) -> Result<Field, SearchError> {
        let scalar = match name {
            "public_id" => Scalar::PublicId,
            "filename" => Scalar::Filename,
            "folder" => Scalar::Folder,
            "asset_id" => Scalar::AssetId,
            "resource_type" => Scalar::ResourceType,
            "type" => Scalar::DeliveryType,
            "format" => Scalar::Format,
            "width" => Scalar::Width,
            "height" => Scalar::Height,
            "pixels" => Scalar::Pixels,
            "aspect_ratio" => Scalar::AspectRatio,
            "bytes" => Scalar::Bytes,
            "pages" => Scalar::Pages,
            "created_at" | "uploaded_at" => Scalar::CreatedAt,
            "faces" => Scalar::Faces,
            "grayscale" => Scalar::Grayscale,
            "illustration_score" => Scalar::IllustrationScore,
            "quality_score" => Scalar::QualityScore,
            "phash" => Scalar::Phash,
            "tags" | "tag" => return Ok(Field::Tags),
            "colors" => return Ok(Field::Colors),
            _ => {
                return if let Some(key) = name.strip_prefix("context.") {
                    Ok(Field::Context(safe_key("context", key, position)?))
                } else if let Some(key) = name
                    .strip_prefix("image_metadata.")
                    .or_else(|| name.strip_prefix("media_metadata."))
                {
                    Ok(Field::ImageMetadata(safe_key(
                        "image_metadata",
                        key,
                        position,
                    )?))
                } else if let Some(key) = name.strip_prefix("metadata.") {
                    Ok(Field::Metadata(safe_key("metadata", key, position)?))
                } else {
                    Err(SearchError::UnknownField {
                        position,
                        field: name.to_string(),
                    })
                };
            }
        };
        Ok(Field::Scalar(scalar))
    }

    /// The name errors use.
    pub fn name(&self) -> String {
        match self {
            Field::Scalar(scalar) => scalar.name().to_string(),
            Field::Tags => "tags".into(),
            Field::Colors => "colors".into(),
            Field::Context(key) => format!("context.{key}"),
            Field::ImageMetadata(key) => format!("image_metadata.{key}"),
            Field::Metadata(key) => format!("metadata.{key}"),
        }
    }

    pub fn kind(&self) -> ValueKind {
        match self {
            Field::Scalar(scalar) => scalar.kind(),
            Field::Tags | Field::Colors => ValueKind::TextSet,
            Field::Context(_) | Field::ImageMetadata(_) | Field::Metadata(_) => ValueKind::Text,
        }
    }
}

impl Scalar {
    pub fn name(self) -> &'static str {
        match self {
            Scalar::PublicId => "public_id",
            Scalar::Filename => "filename",
            Scalar::Folder => "folder",
            Scalar::AssetId => "asset_id",
            Scalar::ResourceType => "resource_type",
            Scalar::DeliveryType => "type",
            Scalar::Format => "format",
            Scalar::Width => "width",
            Scalar::Height => "height",
            Scalar::Pixels => "pixels",
            Scalar::AspectRatio => "aspect_ratio",
            Scalar::Bytes => "bytes",
            Scalar::Pages => "pages",
            Scalar::CreatedAt => "created_at",
            Scalar::Faces => "faces",
            Scalar::Grayscale => "grayscale",
            Scalar::IllustrationScore => "illustration_score",
            Scalar::QualityScore => "quality_score",
            Scalar::Phash => "phash",
        }
    }

    pub fn kind(self) -> ValueKind {
        match self {
            Scalar::PublicId
            | Scalar::Filename
            | Scalar::Folder
            | Scalar::AssetId
            | Scalar::ResourceType
            | Scalar::DeliveryType
            | Scalar::Format
            | Scalar::Phash => ValueKind::Text,
            Scalar::Width | Scalar::Height | Scalar::Pixels | Scalar::Pages | Scalar::Faces => {
                ValueKind::Integer
            }
            Scalar::Bytes => ValueKind::Bytes,
            Scalar::IllustrationScore | Scalar::QualityScore => ValueKind::Decimal,
            Scalar::AspectRatio => ValueKind::AspectRatio,
            Scalar::CreatedAt => ValueKind::Date,
            Scalar::Grayscale => ValueKind::Boolean,
        }
    }
}

/// `key` if it is 1..=128 letters, digits, `_` or `-`: nothing that could
/// mean something in a JSON path or in SQL.
fn safe_key(family: &str, key: &str, position: usize) -> Result<String, SearchError> {
    let safe = !key.is_empty()
        && key.chars().count() <= MAX_KEY_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if safe {
        Ok(key.to_string())
    } else {
        Err(SearchError::InvalidKey {
            position,
            field: family.to_string(),
            key: key.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_fields_and_aliases_agree() {
        assert_eq!(
            Field::lookup("uploaded_at", 0),
            Field::lookup("created_at", 0)
        );
        assert_eq!(
            Field::lookup("type", 0).unwrap(),
            Field::Scalar(Scalar::DeliveryType)
        );
        assert_eq!(
            Field::lookup("image_metadata.Make", 0).unwrap(),
            Field::ImageMetadata("Make".into())
        );
        assert_eq!(
            Field::lookup("context.alt-text_2", 0).unwrap().name(),
            "context.alt-text_2"
        );
    }

    #[test]
    fn unknown_names_and_unsafe_keys_are_refused_with_their_position() {
        assert_eq!(
            Field::lookup("foo", 12).unwrap_err().to_string(),
            "Unknown field 'foo' at position 12"
        );
        for key in ["", "a.b", "a'b", "a\"b", "a b", "$.x", "a[0]", "é"] {
            let error = Field::lookup(&format!("context.{key}"), 3).unwrap_err();
            assert!(
                matches!(error, SearchError::InvalidKey { position: 3, .. }),
                "{key:?}: {error}"
            );
        }
    }
}
