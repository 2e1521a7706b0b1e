//! The parsed expression: typed conditions joined by Boolean operators. Every
//! value is already checked against its field, so compiling it cannot fail.

use super::fields::Field;
use super::values::Value;

/// A whole search expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    /// No expression: every asset.
    All,
    /// No asset (a condition on a field no asset has).
    Nothing,
    And(Vec<Expression>),
    Or(Vec<Expression>),
    Not(Box<Expression>),
    Condition(Condition),
}

/// One test of one field (or, for a bare term, of the text fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub target: Target,
    pub test: Test,
}

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A bare term: public_id, filename, any tag or any context value.
    AnyText,
    Field(Field),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal (for a set: some member equal).
    Equals(Value),
    /// Starts with (for a set: some member does).
    Prefix(String),
    /// Has these words, in this order, next to each other (for a set: some
    /// member has): `:` on free text. The words are as `words::split` gives
    /// them, never empty.
    Words(Vec<String>),
    /// The same, but the last word need only start the value's word
    /// (`ocr_text:inv*` finds "invoice").
    WordsPrefix(Vec<String>),
    Compare(Comparison, Value),
}

/// How a number or date compares with the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparison {
    pub fn sql(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
        }
    }
}
