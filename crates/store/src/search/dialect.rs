//! The SQL each field reads as, in PostgreSQL and in SQLite: the only place
//! the two differ. Everything here is a fixed string of the catalogue (user
//! text is always bound by the compiler), and the PostgreSQL expressions are
//! written exactly as the indexes of `migrations/postgres/0050_search.sql`
//! declare them, so that the planner can match them.

use super::fields::Scalar;

/// Which database the SQL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

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

    /// The member `key_param` of `map` as text. PostgreSQL binds the key;
    /// SQLite binds a JSON path built from it (see [`Dialect::key_path`]).
    pub fn keyed_value(self, map: JsonMap, key_param: &str) -> String {
        match self {
            Dialect::Postgres => {
                format!("(({} ->> {key_param}) COLLATE \"C\")", pg_map(map))
            }
            Dialect::Sqlite => match map {
                JsonMap::Context => format!("json_extract(context, {key_param})"),
                JsonMap::MediaMetadata => format!("json_extract(analysis, {key_param})"),
            },
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
