//! The parsed expression as a SQL `WHERE` condition with bound parameters:
//! one compiler for both databases, asking [`Dialect`] only for the SQL a
//! field reads as. No text from the request is ever written into the SQL:
//! values, context keys and metadata keys are all parameters of the crate's
//! one [`SqlBuilder`].

use super::ast::{Condition, Expression, Target, Test};
use super::dialect::{JsonMap, TextSet, WordSource, FILENAME};
use super::fields::{Field, Scalar};
use super::values::Value;
use super::words;
pub(crate) use crate::sql::{bind_params, Param, SqlBuilder};

impl From<&Value> for Param {
    fn from(value: &Value) -> Param {
        match value {
            Value::Text(text) => Param::Text(text.clone()),
            Value::Integer(n) => Param::Integer(*n),
            Value::Decimal(n) => Param::Decimal(*n),
        }
    }
}

impl SqlBuilder {
    /// The condition `expression` stands for. NULL (a field the asset does
    /// not have) counts as false: a negation turns it into true, so that
    /// `-image_metadata.Make:Canon` finds the assets without a Make.
    pub fn expression(&mut self, expression: &Expression) -> String {
        match expression {
            Expression::All => "1 = 1".into(),
            Expression::Nothing => "1 = 0".into(),
            Expression::And(parts) => self.join(parts, " AND "),
            Expression::Or(parts) => self.join(parts, " OR "),
            Expression::Not(inner) => format!("NOT COALESCE({}, FALSE)", self.expression(inner)),
            Expression::Condition(condition) => self.condition(condition),
        }
    }

    fn join(&mut self, parts: &[Expression], operator: &str) -> String {
        let parts: Vec<String> = parts.iter().map(|part| self.expression(part)).collect();
        format!("({})", parts.join(operator))
    }

    fn condition(&mut self, condition: &Condition) -> String {
        let test = &condition.test;
        match &condition.target {
            Target::AnyText => {
                let dialect = self.dialect;
                let parts = [
                    self.narrowed(WordSource::PublicId, test, |b| {
                        b.scalar_test(&dialect.scalar(Scalar::PublicId), test)
                    }),
                    self.narrowed(WordSource::PublicId, test, |b| {
                        b.scalar_test(&dialect.text(FILENAME), test)
                    }),
                    self.narrowed(WordSource::Tags, test, |b| b.set_test(TextSet::Tags, test)),
                    self.narrowed(WordSource::Context, test, |b| {
                        b.set_test(TextSet::ContextValues, test)
                    }),
                ];
                format!("({})", parts.join(" OR "))
            }
            Target::Field(Field::Scalar(scalar @ (Scalar::PublicId | Scalar::Filename))) => {
                let sql = self.dialect.scalar(*scalar);
                self.narrowed(WordSource::PublicId, test, |b| b.scalar_test(&sql, test))
            }
            Target::Field(Field::Scalar(scalar)) => {
                let sql = self.dialect.scalar(*scalar);
                self.scalar_test(&sql, test)
            }
            Target::Field(Field::Tags) => {
                self.narrowed(WordSource::Tags, test, |b| b.set_test(TextSet::Tags, test))
            }
            Target::Field(Field::Metadata(key)) => self.metadata_test(key, test),
            Target::Field(Field::Colors) => self.set_test(TextSet::Colors, test),
            Target::Field(Field::Context(key)) => self.narrowed(WordSource::Context, test, |b| {
                b.keyed_test(JsonMap::Context, key, test)
            }),
            Target::Field(Field::ImageMetadata(key)) => {
                self.narrowed(WordSource::MediaMetadata, test, |b| {
                    b.keyed_test(JsonMap::MediaMetadata, key, test)
                })
            }
            Target::Field(Field::Score(family, key)) => {
                // The key twice: once to check the member is a number, once to read it.
                let path = self.dialect.score_path(*family, key);
                let first = self.bind(Param::Text(path.clone()));
                let second = self.bind(Param::Text(path));
                let sql = self.dialect.score(*family, &first, &second);
                self.scalar_test(&sql, test)
            }
            Target::Field(Field::OcrText) => self.ocr_text_test(test),
            Target::Field(Field::Unknown(_)) => "1 = 0".into(),
        }
    }

    /// `test` (compiled by `inner`), first narrowed by the words index of
    /// `source` where the test is by words and the database has one.
    fn narrowed(
        &mut self,
        source: WordSource,
        test: &Test,
        inner: impl FnOnce(&mut SqlBuilder) -> String,
    ) -> String {
        let Test::Words(words) = test else {
            return inner(self);
        };
        if !self.dialect.has_words_index() {
            return inner(self);
        }
        let placeholders: Vec<String> = words
            .iter()
            .map(|word| self.bind(Param::Text(word.clone())))
            .collect();
        match self.dialect.words_index(source, &placeholders) {
            Some(index) => format!("({index} AND {})", inner(self)),
            None => inner(self),
        }
    }

    /// `test` on one text value, the SQL expression `sql`.
    pub(super) fn text_test(&mut self, sql: &str, test: &Test) -> String {
        self.scalar_test(sql, test)
    }

    /// `test` on one value, the SQL expression `sql`.
    fn scalar_test(&mut self, sql: &str, test: &Test) -> String {
        match test {
            Test::Equals(value) => format!("{sql} = {}", self.bind(value.into())),
            Test::Compare(comparison, value) => {
                format!("{sql} {} {}", comparison.sql(), self.bind(value.into()))
            }
            Test::Prefix(prefix) => self.prefix(sql, prefix),
            Test::Words(words) => {
                let pattern = self.bind(Param::Text(words::pattern(words)));
                self.dialect.matches_words(sql, &pattern)
            }
            Test::WordsPrefix(words) => {
                let pattern = self.bind(Param::Text(words::prefix_pattern(words)));
                self.dialect.matches_words(sql, &pattern)
            }
        }
    }

    /// Starts with `prefix`, as a range of code points, which an ordinary
    /// index serves (LIKE would need escaping and is case-insensitive in
    /// SQLite).
    fn prefix(&mut self, sql: &str, prefix: &str) -> String {
        let low = self.bind(Param::Text(prefix.to_string()));
        match prefix_upper_bound(prefix) {
            Some(upper) => {
                let high = self.bind(Param::Text(upper));
                format!("({sql} >= {low} AND {sql} < {high})")
            }
            None => format!("{sql} >= {low}"),
        }
    }

    /// Some member of `set` passes `test`.
    fn set_test(&mut self, set: TextSet, test: &Test) -> String {
        if let Test::Equals(value) = test {
            let placeholder = format!("${}", self.params.len() + 1);
            if let Some(sql) = self.dialect.set_contains(set, &placeholder) {
                self.bind(value.into());
                return sql;
            }
        }
        let elements = self.dialect.set_elements(set);
        let predicate = self.scalar_test(elements.value, test);
        format!("EXISTS (SELECT 1 FROM {} WHERE {predicate})", elements.from)
    }

    /// The member `key` of `map` passes `test`.
    fn keyed_test(&mut self, map: JsonMap, key: &str, test: &Test) -> String {
        let path = self.dialect.key_path(map, key);
        if let Test::Equals(value) = test {
            let key_param = format!("${}", self.params.len() + 1);
            let value_param = format!("${}", self.params.len() + 2);
            if let Some(sql) = self.dialect.keyed_contains(map, &key_param, &value_param) {
                self.bind(Param::Text(path));
                self.bind(value.into());
                return sql;
            }
        }
        // The key twice: once to check the member is a string, once to read it.
        let first = self.bind(Param::Text(path.clone()));
        let second = self.bind(Param::Text(path));
        let sql = self.dialect.keyed_value(map, &first, &second);
        self.scalar_test(&sql, test)
    }
}

/// The least string greater than every string starting with `prefix` (in
/// code point order), or `None` when no such string exists.
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(next) = char::from_u32(next) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::sql::Dialect;

    fn compile(dialect: Dialect, expression: &str) -> (String, Vec<Param>) {
        let parsed = Expression::parse_at(expression, Utc::now()).unwrap();
        let mut builder = SqlBuilder::new(dialect);
        let sql = builder.expression(&parsed);
        (sql, builder.params)
    }

    #[test]
    fn user_text_only_ever_reaches_sql_as_parameters() {
        let hostile = r#"tags="x' OR 1=1 --" context.alt:"'; DROP TABLE assets; --" image_metadata.Make:"\") OR 1=1""#;
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            let (sql, params) = compile(dialect, hostile);
            assert!(!sql.contains("DROP") && !sql.contains("1=1"), "{sql}");
            assert!(params.contains(&Param::Text("x' OR 1=1 --".into())));
        }
    }

    #[test]
    fn postgres_uses_the_indexed_forms_for_equality() {
        let (sql, params) = compile(Dialect::Postgres, "tags=a image_metadata.Make=Canon");
        assert_eq!(
            sql,
            "((tags::jsonb) ? $1 AND ((analysis::jsonb) -> 'media_metadata') @> \
             jsonb_build_object($2::text, $3::text))"
        );
        assert_eq!(
            params,
            vec![
                Param::Text("a".into()),
                Param::Text("Make".into()),
                Param::Text("Canon".into())
            ]
        );
        let (sql, params) = compile(Dialect::Sqlite, "context.alt=x");
        assert_eq!(
            sql,
            "(CASE WHEN json_type(context, $1) = 'text' THEN json_extract(context, $2) END) = $3"
        );
        assert_eq!(params[0], Param::Text("$.\"alt\"".into()));
    }

    #[test]
    fn prefixes_are_code_point_ranges() {
        assert_eq!(prefix_upper_bound("ab"), Some("ac".into()));
        assert_eq!(prefix_upper_bound("a\u{D7FF}"), Some("a\u{E000}".into()));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}"), Some("b".into()));
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        let (sql, _) = compile(Dialect::Sqlite, "public_id:ab*");
        assert_eq!(sql, "(public_id >= $1 AND public_id < $2)");
    }

    #[test]
    fn a_colon_on_free_text_matches_words_and_unknown_fields_match_nothing() {
        let (sql, params) = compile(Dialect::Sqlite, "public_id:\"Blue Shirt\"");
        assert_eq!(sql, "lower(public_id) REGEXP $1");
        assert_eq!(
            params,
            vec![Param::Text(words::pattern(&[
                "blue".into(),
                "shirt".into()
            ]))]
        );
        let (sql, params) = compile(Dialect::Postgres, "public_id:shirt");
        assert_eq!(
            sql,
            "(assay_search_words(public_id) @> ARRAY[$1]::text[] \
             AND lower((public_id) COLLATE \"C\") ~ $2)"
        );
        assert_eq!(params[0], Param::Text("shirt".into()));
        let (sql, params) = compile(Dialect::Sqlite, "nope:1 OR nope:[1 TO 2]");
        assert_eq!(sql, "(1 = 0 OR 1 = 0)");
        assert!(params.is_empty());
    }

    #[test]
    fn negation_treats_missing_values_as_false() {
        let (sql, _) = compile(Dialect::Sqlite, "-quality_score>0.5");
        assert_eq!(
            sql,
            "NOT COALESCE(json_extract(analysis, '$.quality_score') > $1, FALSE)"
        );
    }
}
