//! The grammar, over the lexer's tokens:
//!
//! ```text
//! expression := and_group ( (OR | "||") and_group )*
//! and_group  := unary ( (AND | "&&")? unary )*      adjacent terms: AND
//! unary      := (NOT | "-" | "!") unary | primary
//! primary    := "(" expression ")" | clause
//! clause     := WORD operator WORD                   field condition
//!             | WORD ":" ("["|"{") WORD TO WORD ("]"|"}")
//!             | WORD                                 bare term
//! ```
//!
//! NOT binds tightest, then AND, then OR. Nesting and the number of
//! conditions are capped so that one request cannot build unbounded SQL.

use chrono::{DateTime, Utc};

use super::ast::Expression;
use super::conditions::{bare_term, ConditionBuilder, RangeEnd};
use super::error::SearchError;
use super::fields::Field;
use super::lexer::{tokenize, Operator, Token, TokenKind, Word};

/// Deepest nesting of parentheses and NOTs.
pub const MAX_DEPTH: usize = 32;
/// Most conditions (field tests and bare terms) in one expression.
pub const MAX_CONDITIONS: usize = 100;
/// Longest expression, in characters: checked before anything is read.
pub const MAX_EXPRESSION_CHARS: usize = 16_384;

impl Expression {
    /// Parses `text`, reading relative dates against the current time. An
    /// empty (or blank) expression matches every asset.
    pub fn parse(text: &str) -> Result<Expression, SearchError> {
        Expression::parse_at(text, Utc::now())
    }

    /// [`Expression::parse`] with relative dates counted back from `now`.
    pub fn parse_at(text: &str, now: DateTime<Utc>) -> Result<Expression, SearchError> {
        // Counting stops at the first character past the cap.
        if text.chars().nth(MAX_EXPRESSION_CHARS).is_some() {
            return Err(SearchError::TooMany {
                what: "characters in the expression",
                max: MAX_EXPRESSION_CHARS,
            });
        }
        let tokens = tokenize(text)?;
        if tokens.is_empty() {
            return Ok(Expression::All);
        }
        let mut parser = Parser {
            tokens,
            next: 0,
            end: text.chars().count(),
            depth: 0,
            conditions: 0,
            builder: ConditionBuilder { now },
        };
        let expression = parser.or_group()?;
        match parser.peek() {
            None => Ok(expression),
            Some(token) => Err(unexpected(token)),
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Length of the expression in characters: where "end" is.
    end: usize,
    depth: usize,
    conditions: usize,
    builder: ConditionBuilder,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    fn or_group(&mut self) -> Result<Expression, SearchError> {
        let mut parts = vec![self.and_group()?];
        while matches!(
            self.peek(),
            Some(Token {
                kind: TokenKind::Or,
                ..
            })
        ) {
            self.advance();
            parts.push(self.and_group()?);
        }
        Ok(flatten(parts, Expression::Or))
    }

    fn and_group(&mut self) -> Result<Expression, SearchError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek().map(|t| &t.kind) {
                None | Some(TokenKind::Or | TokenKind::CloseParen) => break,
                Some(TokenKind::And) => {
                    self.advance();
                }
                // Anything else starts the next term: an implicit AND.
                Some(_) => {}
            }
            parts.push(self.unary()?);
        }
        Ok(flatten(parts, Expression::And))
    }

    fn unary(&mut self) -> Result<Expression, SearchError> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Not,
                position,
            }) => {
                let position = *position;
                self.advance();
                self.nested(position, |parser| {
                    Ok(Expression::Not(Box::new(parser.unary()?)))
                })
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expression, SearchError> {
        let Some(token) = self.advance() else {
            return Err(SearchError::syntax(
                self.end,
                "Unexpected end of expression",
            ));
        };
        match token.kind {
            TokenKind::OpenParen => self.nested(token.position, |parser| {
                let inner = parser.or_group()?;
                match parser.advance() {
                    Some(Token {
                        kind: TokenKind::CloseParen,
                        ..
                    }) => Ok(inner),
                    Some(other) => Err(unexpected(&other)),
                    None => Err(SearchError::syntax(token.position, "Unclosed '('")),
                }
            }),
            TokenKind::Word(word) => {
                self.count_condition(token.position)?;
                self.clause(word, token.position)
            }
            _ => Err(unexpected(&token)),
        }
    }

    /// A word, then maybe an operator and a value (or a range).
    fn clause(&mut self, word: Word, position: usize) -> Result<Expression, SearchError> {
        let Some(Token {
            kind: TokenKind::Operator(operator),
            position: operator_position,
        }) = self.peek().cloned()
        else {
            return Ok(bare_term(&word));
        };
        self.advance();
        if word.quoted || word.wildcard {
            return Err(SearchError::syntax(
                position,
                "Expected a field name before the operator",
            ));
        }
        let field = Field::lookup(&word.text, position)?;
        match self.advance() {
            Some(Token {
                kind: TokenKind::Word(value),
                position: value_position,
            }) => self.builder.field(field, operator, &value, value_position),
            Some(Token {
                kind: TokenKind::OpenRange { inclusive },
                position: range_position,
            }) if operator == Operator::Colon => self.range(field, inclusive, range_position),
            Some(other) => Err(SearchError::syntax(
                other.position,
                format!(
                    "Expected a value for '{}' but found {}",
                    word.text,
                    other.kind.describe()
                ),
            )),
            None => Err(SearchError::syntax(
                operator_position + operator.as_str().len(),
                format!("Expected a value for '{}'", word.text),
            )),
        }
    }

    /// After `[` or `{`: `low TO high` and the closing bracket.
    fn range(
        &mut self,
        field: Field,
        low_inclusive: bool,
        position: usize,
    ) -> Result<Expression, SearchError> {
        let (low, low_position) = self.range_word(position)?;
        match self.advance() {
            Some(Token {
                kind:
                    TokenKind::Word(Word {
                        text,
                        quoted: false,
                        wildcard: false,
                    }),
                ..
            }) if text == "TO" => {}
            Some(other) => {
                return Err(SearchError::syntax(
                    other.position,
                    format!("Expected 'TO' in range but found {}", other.kind.describe()),
                ))
            }
            None => return Err(SearchError::syntax(self.end, "Unclosed range")),
        }
        let (high, high_position) = self.range_word(position)?;
        let high_inclusive = match self.advance() {
            Some(Token {
                kind: TokenKind::CloseRange { inclusive },
                ..
            }) => inclusive,
            Some(other) => {
                return Err(SearchError::syntax(
                    other.position,
                    format!("Expected ']' or '}}' but found {}", other.kind.describe()),
                ))
            }
            None => return Err(SearchError::syntax(position, "Unclosed range")),
        };
        self.builder.range(
            field,
            RangeEnd {
                word: &low,
                inclusive: low_inclusive,
                position: low_position,
            },
            RangeEnd {
                word: &high,
                inclusive: high_inclusive,
                position: high_position,
            },
        )
    }

    fn range_word(&mut self, range_position: usize) -> Result<(Word, usize), SearchError> {
        match self.advance() {
            Some(Token {
                kind: TokenKind::Word(word),
                position,
            }) => Ok((word, position)),
            Some(other) => Err(SearchError::syntax(
                other.position,
                format!("Expected a range bound but found {}", other.kind.describe()),
            )),
            None => Err(SearchError::syntax(range_position, "Unclosed range")),
        }
    }

    /// Runs `inner` one level deeper, refusing past [`MAX_DEPTH`].
    fn nested(
        &mut self,
        position: usize,
        inner: impl FnOnce(&mut Parser) -> Result<Expression, SearchError>,
    ) -> Result<Expression, SearchError> {
        if self.depth >= MAX_DEPTH {
            return Err(SearchError::TooComplex {
                position,
                reason: format!("more than {MAX_DEPTH} levels of parentheses and NOT"),
            });
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn count_condition(&mut self, position: usize) -> Result<(), SearchError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(SearchError::TooComplex {
                position,
                reason: format!("more than {MAX_CONDITIONS} conditions"),
            });
        }
        Ok(())
    }
}

/// One part stays itself; several become `join(parts)`.
fn flatten(mut parts: Vec<Expression>, join: fn(Vec<Expression>) -> Expression) -> Expression {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        join(parts)
    }
}

fn unexpected(token: &Token) -> SearchError {
    SearchError::syntax(
        token.position,
        format!("Unexpected {}", token.kind.describe()),
    )
}

#[cfg(test)]
mod tests {
    use super::super::ast::{Comparison, Condition, Target, Test};
    use super::super::fields::Scalar;
    use super::super::values::Value;
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-15T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn parse(text: &str) -> Expression {
        Expression::parse_at(text, now()).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn error(text: &str) -> SearchError {
        Expression::parse_at(text, now()).expect_err(text)
    }

    fn field(field: Field, test: Test) -> Expression {
        Expression::Condition(Condition {
            target: Target::Field(field),
            test,
        })
    }

    #[test]
    fn not_binds_tighter_than_and_and_and_than_or() {
        let expected = Expression::Or(vec![
            Expression::And(vec![
                field(
                    Field::Scalar(Scalar::Format),
                    Test::Equals(Value::Text("jpg".into())),
                ),
                Expression::Not(Box::new(field(Field::Tags, Test::Words(vec!["a".into()])))),
            ]),
            field(
                Field::Scalar(Scalar::Width),
                Test::Compare(Comparison::Greater, Value::Integer(10)),
            ),
        ]);
        assert_eq!(parse("format:jpg AND NOT tags:a OR width>10"), expected);
        assert_eq!(parse("format:jpg -tags:a || width>10"), expected);
        assert_eq!(parse("(format:jpg && !tags:a) OR (width>10)"), expected);
    }

    #[test]
    fn ranges_become_two_bounds_and_open_ends_drop_out() {
        assert_eq!(
            parse("width:[100 TO 200}"),
            Expression::And(vec![
                field(
                    Field::Scalar(Scalar::Width),
                    Test::Compare(Comparison::GreaterOrEqual, Value::Integer(100))
                ),
                field(
                    Field::Scalar(Scalar::Width),
                    Test::Compare(Comparison::Less, Value::Integer(200))
                ),
            ])
        );
        assert_eq!(
            parse("bytes:{1kb TO *]"),
            field(
                Field::Scalar(Scalar::Bytes),
                Test::Compare(Comparison::Greater, Value::Integer(1024))
            )
        );
    }

    #[test]
    fn dates_bound_the_span_they_name() {
        let day = 1_735_689_600;
        let bound = |comparison, at| {
            field(
                Field::Scalar(Scalar::CreatedAt),
                Test::Compare(comparison, Value::Integer(at)),
            )
        };
        assert_eq!(
            parse("created_at>2025-01-01"),
            bound(Comparison::GreaterOrEqual, day + 86_400)
        );
        assert_eq!(
            parse("created_at:2025-01-01"),
            Expression::And(vec![
                bound(Comparison::GreaterOrEqual, day),
                bound(Comparison::Less, day + 86_400)
            ])
        );
        assert_eq!(
            parse("uploaded_at>1d"),
            bound(Comparison::GreaterOrEqual, now().timestamp() - 86_400 + 1)
        );
    }

    #[test]
    fn blank_is_everything_and_bare_words_search_text() {
        assert_eq!(parse("  "), Expression::All);
        assert_eq!(
            parse("\"blue sky\""),
            Expression::Condition(Condition {
                target: Target::AnyText,
                test: Test::Words(vec!["blue".into(), "sky".into()]),
            })
        );
    }

    #[test]
    fn errors_name_the_problem_and_its_position() {
        assert_eq!(
            parse("width>5 AND foo:x"),
            Expression::And(vec![
                field(
                    Field::Scalar(Scalar::Width),
                    Test::Compare(Comparison::Greater, Value::Integer(5))
                ),
                Expression::Nothing
            ])
        );
        assert_eq!(
            error("width>abc").to_string(),
            "Invalid value 'abc' for field 'width' at position 6: expected a whole number"
        );
        assert_eq!(
            error("tags>3").to_string(),
            "Operator '>' cannot be used with field 'tags' at position 5"
        );
        assert_eq!(error("(format:jpg").position(), Some(0));
        assert_eq!(error("format:jpg)").position(), Some(10));
        assert_eq!(error("format:").position(), Some(7));
        assert_eq!(error("format:jpg AND").position(), Some(14));
        assert_eq!(error("width:[1 TO 5").position(), Some(6));
        assert_eq!(error("width:[1 5]").position(), Some(9));
        assert_eq!(error("uploaded_at:1d").position(), Some(12));
        assert_eq!(error("grayscale>1").position(), Some(10));
        assert_eq!(error("\"quoted\":x").position(), Some(0));
    }

    #[test]
    fn cloudinarys_documented_examples_parse() {
        for example in [
            "resource_type:image AND tags=kitten AND uploaded_at>1d AND bytes>1m",
            "cat AND tags:kitten",
            "created_at>1d AND bytes>1mb",
            "folder:products/* AND width>500",
            "tag:dog uploaded_at>1m aspect_ratio>=\"4:3\" width>2048",
            "tags:shirt OR public_id:shirt",
            "\"long pants\" AND -tags:sale",
        ] {
            parse(example);
        }
    }

    #[test]
    fn nesting_and_size_are_capped() {
        let deep = format!(
            "{}a{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(matches!(error(&deep), SearchError::TooComplex { .. }));
        assert!(matches!(
            error(&"-".repeat(MAX_DEPTH + 1).replace('-', "NOT ").to_string()),
            SearchError::TooComplex { .. }
        ));
        let wide = vec!["a"; MAX_CONDITIONS + 1].join(" OR ");
        assert!(matches!(error(&wide), SearchError::TooComplex { .. }));
        parse(&vec!["a"; MAX_CONDITIONS].join(" OR "));
        let long = "a".repeat(MAX_EXPRESSION_CHARS + 1);
        assert_eq!(
            error(&long).to_string(),
            format!("Too many characters in the expression: at most {MAX_EXPRESSION_CHARS}")
        );
        parse(&"a".repeat(MAX_EXPRESSION_CHARS));
    }
}
