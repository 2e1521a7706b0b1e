//! `metadata.<external_id>`: an asset's structured metadata value of one
//! field (`crate::metadata_fields`). A value is tested as its stored text:
//! a string, an integer's decimal, a date's `YYYY-MM-DD`, the external_id
//! of an enum's entry or of any member of a set. `<`, `>`, `<=`, `>=` and
//! ranges compare an integer field's number or a date field's day. The field
//! and the value are bound parameters, like every other key and value.

use super::ast::Test;
use super::compile::{Param, SqlBuilder};
use super::values::Value;

impl SqlBuilder {
    /// Some value item of the field `external_id` passes `test`: equality or
    /// prefix on the stored text; a comparison with an integer on an integer
    /// field's number, with a date's text on a date field's day.
    pub fn metadata_test(&mut self, external_id: &str, test: &Test) -> String {
        let field = self.bind(Param::Text(external_id.to_owned()));
        let item = match test {
            Test::Compare(comparison, Value::Integer(n)) => format!(
                "f.field_type = 'integer' AND m.number {} {}",
                comparison.sql(),
                self.bind(Param::Integer(*n))
            ),
            Test::Compare(comparison, Value::Text(day)) => format!(
                "f.field_type = 'date' AND m.item {} {}",
                comparison.sql(),
                self.bind(Param::Text(day.clone()))
            ),
            _ => self.text_test("m.item", test),
        };
        format!(
            "EXISTS (SELECT 1 FROM asset_metadata m JOIN metadata_fields f ON f.id = m.field_id \
             WHERE m.asset_id = assets.asset_id AND f.external_id = {field} AND f.deleted = 0 \
             AND {item})"
        )
    }
}
