//! The SQL each field reads as, in PostgreSQL and in SQLite: the only place
//! the two differ. Everything here is a fixed string of the catalogue (user
//! text is always bound by the compiler), and the PostgreSQL expressions are
//! written exactly as the indexes of `migrations/postgres/0050_search.sql`
//! declare them, so that the planner can match them.

use super::fields::{Scalar, ScoreFamily};
pub use crate::sql::Dialect;

/// The filename (the public_id after its last `/`) in SQL both databases
/// share: `rtrim` strips every character that is not a `/` from the right,
/// leaving the folder part, whose length is where the filename starts.
pub const FILENAME: &str =
    "substr(public_id, length(rtrim(public_id, replace(public_id, '/', ''))) + 1)";

/// A collection of strings per asset that a condition tests member by member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSet {
    Tags,
    /// The values (not keys) of the context map.
    ContextValues,
    /// Colour names of every palette of `predominant`.
    Colors,
}

/// A JSON object column whose members a keyed field reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonMap {
    Context,
    MediaMetadata,
}

/// A text whose words PostgreSQL indexes (`migrations/postgres/0600_search_words.sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordSource {
    /// The public_id, whose words include the filename's.
    PublicId,
    Tags,
    /// Every context value.
    Context,
    /// Every media metadata value.
    MediaMetadata,
}

/// How a set's members are listed in a subquery: a FROM item and the
/// expression of one member's text.
pub struct SetElements {
    pub from: &'static str,
    pub value: &'static str,
}

impl Dialect {
    /// A text expression as compared and sorted: PostgreSQL uses the "C"
    /// collation (code point order, as SQLite's BINARY and Rust's `str`), so
    /// prefixes become ranges and both databases order alike.
    pub fn text(self, expression: &str) -> String {
        match self {
            Dialect::Postgres => format!("({expression}) COLLATE \"C\""),
            Dialect::Sqlite => expression.to_string(),
        }
    }

    /// The SQL of a single-valued field.
    pub fn scalar(self, field: Scalar) -> String {
        match field {
            Scalar::PublicId => self.text("public_id"),
            Scalar::Filename => self.text(FILENAME),
            Scalar::Folder => self.text("folder"),
            Scalar::AssetId => self.text("asset_id"),
            Scalar::ResourceType => self.text("resource_type"),
            Scalar::DeliveryType => self.text("delivery_type"),
            Scalar::Format => self.text("format"),
            // The generated column of migrations/*/0003_phash_index.sql.
            Scalar::Phash => self.text("phash"),
            Scalar::Width => "width".into(),
            Scalar::Height => "height".into(),
            Scalar::Bytes => "bytes".into(),
            Scalar::Pages => "pages".into(),
            Scalar::CreatedAt => "version".into(),
            Scalar::Pixels => "(width * height)".into(),
            Scalar::AspectRatio => "(CAST(width AS DOUBLE PRECISION) / NULLIF(height, 0))".into(),
            Scalar::Faces => match self {
                Dialect::Postgres => "jsonb_array_length(face_coordinates::jsonb)".into(),
                Dialect::Sqlite => "json_array_length(face_coordinates)".into(),
            },
            Scalar::Grayscale => self.json_boolean("grayscale"),
            Scalar::Transparent => self.json_boolean("semi_transparent"),
            // No asset is pending or deleted here.
            Scalar::Status => self.text("'active'"),
            Scalar::AccessMode => self.text("access_mode"),
            Scalar::IllustrationScore => self.json_number("illustration_score"),
            Scalar::QualityScore => self.json_number("quality_score"),
        }
    }

    /// A Boolean of the analysis as the word `true` or `false`.
    fn json_boolean(self, key: &'static str) -> String {
        match self {
            Dialect::Postgres => format!("((analysis::jsonb) ->> '{key}')"),
            // json_extract gives 1/0; json_type gives the JSON word.
            Dialect::Sqlite => format!("json_type(analysis, '$.{key}')"),
        }
    }

    fn json_number(self, key: &'static str) -> String {
        match self {
            Dialect::Postgres => format!("(((analysis::jsonb) ->> '{key}')::double precision)"),
            Dialect::Sqlite => format!("json_extract(analysis, '$.{key}')"),
        }
    }

    /// The members of `set`, for an `EXISTS (SELECT 1 FROM ... WHERE ...)`.
    pub fn set_elements(self, set: TextSet) -> SetElements {
        match (self, set) {
            (Dialect::Postgres, TextSet::Tags) => SetElements {
                from: "jsonb_array_elements_text(assets.tags::jsonb) AS element(value)",
                value: "element.value COLLATE \"C\"",
            },
            (Dialect::Postgres, TextSet::ContextValues) => SetElements {
                from: "jsonb_each_text(assets.context::jsonb) AS element(key, value)",
                value: "element.value COLLATE \"C\"",
            },
            (Dialect::Postgres, TextSet::Colors) => SetElements {
                from: "jsonb_array_elements_text(jsonb_path_query_array(assets.analysis::jsonb, \
                       '$.predominant.*[*][0]')) AS element(value)",
                value: "element.value COLLATE \"C\"",
            },
            (Dialect::Sqlite, TextSet::Tags) => SetElements {
                from: "json_each(assets.tags) AS element",
                value: "element.value",
            },
            (Dialect::Sqlite, TextSet::ContextValues) => SetElements {
                from: "json_each(assets.context) AS element",
                value: "element.value",
            },
            (Dialect::Sqlite, TextSet::Colors) => SetElements {
                from: "json_each(assets.analysis, '$.predominant') AS palette, \
                       json_each(palette.value) AS element",
                value: "json_extract(element.value, '$[0]')",
            },
        }
    }

    /// PostgreSQL's GIN-indexed membership test of `set` for the bound
    /// `param`; `None` where only the subquery applies.
    pub fn set_contains(self, set: TextSet, param: &str) -> Option<String> {
        match (self, set) {
            (Dialect::Postgres, TextSet::Tags) => Some(format!("(tags::jsonb) ? {param}")),
            (Dialect::Postgres, TextSet::Colors) => Some(format!(
                "jsonb_path_query_array(analysis::jsonb, '$.predominant.*[*][0]') ? {param}"
            )),
            _ => None,
        }
    }

    /// The member of `map` that both key parameters name (each bound to
    /// [`Dialect::key_path`]), as text; NULL when it is missing or not a
    /// string (so that both databases read a number member alike: as none).
    pub fn keyed_value(self, map: JsonMap, first: &str, second: &str) -> String {
        match self {
            Dialect::Postgres => {
                let map = pg_map(map);
                format!(
                    "((CASE WHEN jsonb_typeof({map} -> {first}) = 'string' \
                     THEN {map} ->> {second} END) COLLATE \"C\")"
                )
            }
            Dialect::Sqlite => {
                let column = match map {
                    JsonMap::Context => "context",
                    JsonMap::MediaMetadata => "analysis",
                };
                format!(
                    "(CASE WHEN json_type({column}, {first}) = 'text' \
                     THEN json_extract({column}, {second}) END)"
                )
            }
        }
    }

    /// What [`Dialect::score`] binds for `key` of `family`: the key itself, or
    /// (on SQLite) the quoted JSON path to it (keys are letters, digits, `_`
    /// and `-` only).
    pub fn score_path(self, family: ScoreFamily, key: &str) -> String {
        match self {
            Dialect::Postgres => key.to_string(),
            Dialect::Sqlite => format!("$.{}.\"{key}\"", family.name()),
        }
    }

    /// The number `family.<key>` of the analysis (both parameters bound to
    /// [`Dialect::score_path`]); NULL when it is missing or not a number.
    pub fn score(self, family: ScoreFamily, first: &str, second: &str) -> String {
        let family = family.name();
        match self {
            Dialect::Postgres => format!(
                "(CASE WHEN jsonb_typeof((analysis::jsonb) -> '{family}' -> {first}) = 'number' \
                 THEN ((analysis::jsonb) -> '{family}' ->> {second})::double precision END)"
            ),
            Dialect::Sqlite => format!(
                "(CASE WHEN json_type(analysis, {first}) IN ('integer', 'real') \
                 THEN json_extract(analysis, {second}) END)"
            ),
        }
    }

    /// Whether [`Dialect::words_index`] has an index to offer.
    pub fn has_words_index(self) -> bool {
        self == Dialect::Postgres
    }

    /// PostgreSQL's GIN-indexed test that `source` has every one of the
    /// bound words (`placeholders`, one per word): a superset of the rows
    /// whose text holds them in order, which the regular expression then
    /// narrows. `None` on SQLite.
    pub fn words_index(self, source: WordSource, placeholders: &[String]) -> Option<String> {
        let words = match (self, source) {
            (Dialect::Sqlite, _) => return None,
            (Dialect::Postgres, WordSource::PublicId) => "assay_search_words(public_id)",
            (Dialect::Postgres, WordSource::Tags) => "assay_search_words_of_list(tags::jsonb)",
            (Dialect::Postgres, WordSource::Context) => {
                "assay_search_words_of_values(context::jsonb)"
            }
            (Dialect::Postgres, WordSource::MediaMetadata) => {
                "assay_search_words_of_values((analysis::jsonb) -> 'media_metadata')"
            }
        };
        Some(format!(
            "{words} @> ARRAY[{}]::text[]",
            placeholders.join(", ")
        ))
    }

    /// `sql` (text) holds the words of the bound `pattern` (see `words`),
    /// compared without regard to ASCII case.
    pub fn matches_words(self, sql: &str, pattern: &str) -> String {
        match self {
            Dialect::Postgres => format!("lower({sql}) ~ {pattern}"),
            Dialect::Sqlite => format!("lower({sql}) REGEXP {pattern}"),
        }
    }

    /// What [`Dialect::keyed_value`] binds for `key`: the key itself, or (on
    /// SQLite) the quoted JSON path to it. Keys are already restricted to
    /// letters, digits, `_` and `-`, so the quotes cannot be broken out of.
    pub fn key_path(self, map: JsonMap, key: &str) -> String {
        match (self, map) {
            (Dialect::Postgres, _) => key.to_string(),
            (Dialect::Sqlite, JsonMap::Context) => format!("$.\"{key}\""),
            (Dialect::Sqlite, JsonMap::MediaMetadata) => format!("$.media_metadata.\"{key}\""),
        }
    }

    /// PostgreSQL's GIN-indexed test that `map` has `key` = `value` (both
    /// bound); `None` on SQLite.
    pub fn keyed_contains(
        self,
        map: JsonMap,
        key_param: &str,
        value_param: &str,
    ) -> Option<String> {
        match self {
            Dialect::Postgres => Some(format!(
                "{} @> jsonb_build_object({key_param}::text, {value_param}::text)",
                pg_map(map)
            )),
            Dialect::Sqlite => None,
        }
    }
}

/// The JSON object of `map` in PostgreSQL, as the GIN indexes declare it.
fn pg_map(map: JsonMap) -> &'static str {
    match map {
        JsonMap::Context => "(context::jsonb)",
        JsonMap::MediaMetadata => "((analysis::jsonb) -> 'media_metadata')",
    }
}
