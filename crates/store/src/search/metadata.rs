//! `metadata.<external_id>`: an asset's structured metadata value of one
//! field (`crate::metadata_fields`). A value is tested as its stored text:
//! a string, an integer's decimal, a date's `YYYY-MM-DD`, the external_id
//! of an enum's entry or of any member of a set. The field and the value are
//! bound parameters, like every other key and value.

use super::ast::Test;
use super::compile::{Param, SqlBuilder};

impl SqlBuilder {
    /// Some value item of the field `external_id` passes `test` (equality
    /// or prefix: the field's kind is text).
    pub fn metadata_test(&mut self, external_id: &str, test: &Test) -> String {
        let field = self.bind(Param::Text(external_id.to_owned()));
        let item = self.text_test("m.item", test);
        format!(
            "EXISTS (SELECT 1 FROM asset_metadata m JOIN metadata_fields f ON f.id = m.field_id \
             WHERE m.asset_id = assets.asset_id AND f.external_id = {field} AND f.deleted = 0 \
             AND {item})"
        )
    }
}
