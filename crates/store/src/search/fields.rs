//! The fixed catalogue of searchable fields: the only way a name in an
//! expression reaches SQL. A name not listed here is [`Field::Unknown`],
//! which matches nothing (as at Cloudinary, where a field the account does
//! not have finds no asset), and the keyed families (`context.<key>`,
//! `image_metadata.<key>`, `quality_analysis.<score>`, ...) take only keys of
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
    /// One number of an analysis object (`quality_analysis.pixel_score`).
    Score(ScoreFamily, String),
    /// The text `adv_ocr` read, every page (our extension; `search::ocr_text`).
    OcrText,
    /// A name no asset has a value for: matches nothing.
    Unknown(String),
}

/// The analysis objects whose numbers are searchable by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreFamily {
    /// `quality_analysis.<score>`: focus, noise, ..., pixel_score, color_score.
    Quality,
    /// `accessibility_analysis.colorblind_accessibility_score`.
    Accessibility,
    /// `cinemagraph_analysis.cinemagraph_score`.
    Cinemagraph,
}

impl ScoreFamily {
    /// The key of the stored analysis object, which is also the field prefix.
    pub fn name(self) -> &'static str {
        match self {
            ScoreFamily::Quality => "quality_analysis",
            ScoreFamily::Accessibility => "accessibility_analysis",
            ScoreFamily::Cinemagraph => "cinemagraph_analysis",
        }
    }
}

/// How a keyed family makes its field from a key.
type MakeKeyed = fn(String) -> Field;

/// The keyed families, `<prefix>.<key>`.
const KEYED: [(&str, MakeKeyed); 7] = [
    ("context", Field::Context),
    ("metadata", Field::Metadata),
    ("image_metadata", Field::ImageMetadata),
    ("media_metadata", Field::ImageMetadata),
    ("quality_analysis", |key| {
        Field::Score(ScoreFamily::Quality, key)
    }),
    ("accessibility_analysis", |key| {
        Field::Score(ScoreFamily::Accessibility, key)
    }),
    ("cinemagraph_analysis", |key| {
        Field::Score(ScoreFamily::Cinemagraph, key)
    }),
];

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
    /// `active` for every stored asset (none is pending or deleted here).
    Status,
    /// `public` or `authenticated`.
    AccessMode,
    /// The colour analysis found semi-transparent pixels.
    Transparent,
}

/// What values a field takes, which decides the operators it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// One string: `=` exact, `:` exact too (a value from a fixed list or
    /// a path), prefix with `*`.
    Text,
    /// Free text (public_id, filename, context and metadata values): `=`
    /// exact; `:` finds the term's words, in order, among the value's words
    /// (see `conditions::words`); prefix with `*`.
    Words,
    /// A set of strings (colours): `:`/`=` test membership.
    TextSet,
    /// A long text searched only by words (OCR text): `:` finds the term's
    /// words, in order, next to each other; a trailing `*` makes its last
    /// word a prefix. No `=`: nobody types a page to match it whole.
    FullText,
    /// A set of free texts (tags): `=` an equal member, `:` a member with
    /// the term's words.
    WordsSet,
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
    /// The field an expression names at `position`: an error only for a
    /// keyed family's key outside the safe character set.
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
            "status" => Scalar::Status,
            "access_mode" => Scalar::AccessMode,
            "transparent" => Scalar::Transparent,
            "tags" | "tag" => return Ok(Field::Tags),
            "colors" => return Ok(Field::Colors),
            "ocr_text" => return Ok(Field::OcrText),
            _ => {
                let keyed = name.split_once('.').and_then(|(prefix, key)| {
                    KEYED
                        .iter()
                        .find(|(family, _)| *family == prefix)
                        .map(|(family, make)| (*family, key, make))
                });
                return match keyed {
                    Some((family, key, make)) => Ok(make(safe_key(family, key, position)?)),
                    None => Ok(Field::Unknown(name.to_string())),
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
            Field::Score(family, key) => format!("{}.{key}", family.name()),
            Field::OcrText => "ocr_text".into(),
            Field::Unknown(name) => name.clone(),
        }
    }

    /// What values the field takes; `None` for an unknown field, whose
    /// value is not read at all.
    pub fn kind(&self) -> Option<ValueKind> {
        Some(match self {
            Field::Scalar(scalar) => scalar.kind(),
            Field::Tags => ValueKind::WordsSet,
            Field::Colors => ValueKind::TextSet,
            Field::Context(_) | Field::ImageMetadata(_) => ValueKind::Words,
            Field::Score(..) => ValueKind::Decimal,
            // Exact (`:` and `=`) and prefix: values are field-typed strings.
            Field::Metadata(_) => ValueKind::Text,
            Field::OcrText => ValueKind::FullText,
            Field::Unknown(_) => return None,
        })
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
            Scalar::Status => "status",
            Scalar::AccessMode => "access_mode",
            Scalar::Transparent => "transparent",
        }
    }

    pub fn kind(self) -> ValueKind {
        match self {
            Scalar::PublicId | Scalar::Filename => ValueKind::Words,
            Scalar::Folder
            | Scalar::AssetId
            | Scalar::ResourceType
            | Scalar::DeliveryType
            | Scalar::Format
            | Scalar::Phash
            | Scalar::Status
            | Scalar::AccessMode => ValueKind::Text,
            Scalar::Width | Scalar::Height | Scalar::Pixels | Scalar::Pages | Scalar::Faces => {
                ValueKind::Integer
            }
            Scalar::Bytes => ValueKind::Bytes,
            Scalar::IllustrationScore | Scalar::QualityScore => ValueKind::Decimal,
            Scalar::AspectRatio => ValueKind::AspectRatio,
            Scalar::CreatedAt => ValueKind::Date,
            Scalar::Grayscale | Scalar::Transparent => ValueKind::Boolean,
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
    fn unknown_names_are_unknown_and_unsafe_keys_are_refused_with_their_position() {
        assert_eq!(
            Field::lookup("foo", 12).unwrap(),
            Field::Unknown("foo".into())
        );
        assert_eq!(
            Field::lookup("metadata.sku", 0).unwrap(),
            Field::Metadata("sku".into())
        );
        assert_eq!(
            Field::lookup("quality_analysis.pixel_score", 0).unwrap(),
            Field::Score(ScoreFamily::Quality, "pixel_score".into())
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
