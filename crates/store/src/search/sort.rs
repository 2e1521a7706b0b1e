//! `sort_by`: which fields results may be ordered by, and each one's value
//! for an asset (what a cursor remembers of the last row of a page).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::SearchError;
use super::fields::{Field, Scalar, ValueKind};
use crate::model::Asset;

/// A field results can be sorted by: single-valued, and either a whole
/// number or text, so that a cursor can hold its value exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    /// `created_at` (also `uploaded_at`): Cloudinary's default order.
    CreatedAt,
    PublicId,
    Filename,
    Folder,
    AssetId,
    ResourceType,
    DeliveryType,
    Format,
    Bytes,
    Width,
    Height,
    Pages,
    Pixels,
}

impl SortField {
    const ALL: [SortField; 13] = [
        SortField::CreatedAt,
        SortField::PublicId,
        SortField::Filename,
        SortField::Folder,
        SortField::AssetId,
        SortField::ResourceType,
        SortField::DeliveryType,
        SortField::Format,
        SortField::Bytes,
        SortField::Width,
        SortField::Height,
        SortField::Pages,
        SortField::Pixels,
    ];

    /// The search field of the same name (whose SQL the sort uses).
    pub(crate) fn scalar(self) -> Scalar {
        match self {
            SortField::CreatedAt => Scalar::CreatedAt,
            SortField::PublicId => Scalar::PublicId,
            SortField::Filename => Scalar::Filename,
            SortField::Folder => Scalar::Folder,
            SortField::AssetId => Scalar::AssetId,
            SortField::ResourceType => Scalar::ResourceType,
            SortField::DeliveryType => Scalar::DeliveryType,
            SortField::Format => Scalar::Format,
            SortField::Bytes => Scalar::Bytes,
            SortField::Width => Scalar::Width,
            SortField::Height => Scalar::Height,
            SortField::Pages => Scalar::Pages,
            SortField::Pixels => Scalar::Pixels,
        }
    }

    pub fn name(self) -> &'static str {
        self.scalar().name()
    }

    /// This field's value for `asset`, as the database computes it.
    pub(crate) fn value_of(self, asset: &Asset) -> SortValue {
        let text = |s: &str| SortValue::Text(s.to_string());
        let int = |n: u32| SortValue::Integer(i64::from(n));
        match self {
            SortField::CreatedAt => SortValue::Integer(asset.version),
            SortField::PublicId => text(&asset.public_id),
            SortField::Filename => text(filename(&asset.public_id)),
            SortField::Folder => text(&asset.folder),
            SortField::AssetId => text(&asset.asset_id),
            SortField::ResourceType => text(&asset.resource_type),
            SortField::DeliveryType => text(&asset.delivery_type),
            SortField::Format => text(&asset.format),
            SortField::Bytes => SortValue::Integer(i64::try_from(asset.bytes).unwrap_or(i64::MAX)),
            SortField::Width => int(asset.width),
            SortField::Height => int(asset.height),
            SortField::Pages => int(asset.pages),
            SortField::Pixels => {
                SortValue::Integer(i64::from(asset.width) * i64::from(asset.height))
            }
        }
    }

    /// Whether cursor values of this field are text (else whole numbers).
    pub(crate) fn is_text(self) -> bool {
        matches!(self.scalar().kind(), ValueKind::Text | ValueKind::Words)
    }
}

impl FromStr for SortField {
    type Err = SearchError;

    /// A field name as expressions write it (`uploaded_at` and `type` too).
    fn from_str(name: &str) -> Result<SortField, SearchError> {
        let unsortable = || SearchError::UnsortableField(name.to_string());
        let Ok(Field::Scalar(scalar)) = Field::lookup(name, 0) else {
            return Err(unsortable());
        };
        SortField::ALL
            .into_iter()
            .find(|field| field.scalar() == scalar)
            .ok_or_else(unsortable)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

impl SortDirection {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            SortDirection::Ascending => "ASC",
            SortDirection::Descending => "DESC",
        }
    }

    /// The comparison that selects rows after a given one in this order.
    pub(crate) fn after(self) -> &'static str {
        match self {
            SortDirection::Ascending => ">",
            SortDirection::Descending => "<",
        }
    }
}

impl FromStr for SortDirection {
    type Err = SearchError;

    /// `asc` or `desc`, any case.
    fn from_str(text: &str) -> Result<SortDirection, SearchError> {
        match text.to_ascii_lowercase().as_str() {
            "asc" => Ok(SortDirection::Ascending),
            "desc" => Ok(SortDirection::Descending),
            _ => Err(SearchError::InvalidSortDirection(text.to_string())),
        }
    }
}

/// One `sort_by` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub direction: SortDirection,
}

impl SortKey {
    /// Parses a wire pair such as `("public_id", "asc")`.
    pub fn parse(field: &str, direction: &str) -> Result<SortKey, SearchError> {
        Ok(SortKey {
            field: field.parse()?,
            direction: direction.parse()?,
        })
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let direction = match self.direction {
            SortDirection::Ascending => "asc",
            SortDirection::Descending => "desc",
        };
        write!(f, "{}:{direction}", self.field.name())
    }
}

/// One sort field's value in a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum SortValue {
    Integer(i64),
    Text(String),
}

/// The public_id after its last `/`, as `dialect::FILENAME` computes it.
pub(crate) fn filename(public_id: &str) -> &str {
    public_id.rsplit('/').next().unwrap_or(public_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_single_valued_fields_sort() {
        assert_eq!("uploaded_at".parse::<SortField>(), Ok(SortField::CreatedAt));
        assert_eq!("type".parse::<SortField>(), Ok(SortField::DeliveryType));
        for name in ["tags", "aspect_ratio", "context.x", "quality_score", "nope"] {
            assert_eq!(
                name.parse::<SortField>(),
                Err(SearchError::UnsortableField(name.into()))
            );
        }
        assert!(SortKey::parse("public_id", "DESC").is_ok());
        assert!(SortKey::parse("public_id", "down").is_err());
    }

    #[test]
    fn filename_is_the_last_segment() {
        assert_eq!(filename("a/b/cat"), "cat");
        assert_eq!(filename("cat"), "cat");
        assert_eq!(filename("a/"), "");
    }
}
