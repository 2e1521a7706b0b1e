//! The expression parser and compiler as one fuzz target (`fuzz/`, target
//! `search_expression`): any text, parsed and, when it parses, compiled for
//! both databases, must return without panicking, and the SQL must hold no
//! text of the expression: only the catalogue's fixed SQL and placeholders.

use chrono::{DateTime, Utc};

use super::ast::Expression;
use super::compile::SqlBuilder;
use super::dialect::Dialect;

/// Parses `data` (as UTF-8, lossily) and compiles what parses; panics only
/// when the compiled SQL breaks its invariants.
pub fn expression(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // A fixed "now": a run is reproducible from its input alone.
    let now = DateTime::<Utc>::from_timestamp(1_750_000_000, 0).unwrap_or_default();
    let Ok(parsed) = Expression::parse_at(&text, now) else {
        return;
    };
    for dialect in [Dialect::Postgres, Dialect::Sqlite] {
        let mut builder = SqlBuilder::new(dialect);
        let sql = builder.expression(&parsed);
        // Each parameter is referred to; none beyond them.
        let count = builder.params.len();
        assert!(
            count == 0 || sql.contains(&format!("${count}")),
            "parameter ${count} unused in {sql}"
        );
        assert!(
            !sql.contains(&format!("${}", count + 1)),
            "placeholder past the parameters in {sql}"
        );
        // User text never reaches SQL: quotes only come from the catalogue.
        assert!(!sql.contains('\0'), "NUL in {sql}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_expressions_return() {
        for text in [
            "",
            "tags:\"x' OR 1=1 --\" AND context.a:b* OR -(width>5 NOT colour:red)",
            "((((((((((a))))))))))",
            "created_at:[1515911870 TO 1d} quality_analysis.pixel_score>0.5",
            "\u{0}",
            "\"unterminated",
        ] {
            expression(text.as_bytes());
        }
        expression(&[0xff, 0xfe, b':', b'"']);
    }
}
