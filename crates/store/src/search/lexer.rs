//! Splits a search expression into tokens, each with the character position
//! it starts at (what errors report).
//!
//! A word runs until whitespace or one of `( ) [ ] { } : = < > "`; a
//! backslash takes the next character literally. A `"..."` value may hold
//! anything (`\"`, `\\` and `\*` escape). An unescaped `*` ends a value and
//! makes it a prefix. `AND`, `OR`, `NOT` (upper case, unquoted), `&&`, `||`,
//! `!` and a `-` starting a term are the Boolean operators.

use super::error::SearchError;

/// A field operator: `:` and `=` match, the others compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Colon,
    Equals,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Colon => ":",
            Operator::Equals => "=",
            Operator::Less => "<",
            Operator::LessOrEqual => "<=",
            Operator::Greater => ">",
            Operator::GreaterOrEqual => ">=",
        }
    }
}

/// A value or field name as written, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub quoted: bool,
    /// Ended with an unescaped `*`: a prefix.
    pub wildcard: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    Word(Word),
    Operator(Operator),
    OpenParen,
    CloseParen,
    /// `[` (inclusive) or `{` (exclusive).
    OpenRange {
        inclusive: bool,
    },
    /// `]` (inclusive) or `}` (exclusive).
    CloseRange {
        inclusive: bool,
    },
    And,
    Or,
    Not,
}

impl TokenKind {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Word(word) => format!("'{}'", word.text),
            TokenKind::Operator(op) => format!("'{}'", op.as_str()),
            TokenKind::OpenParen => "'('".into(),
            TokenKind::CloseParen => "')'".into(),
            TokenKind::OpenRange { inclusive } => if *inclusive { "'['" } else { "'{'" }.into(),
            TokenKind::CloseRange { inclusive } => if *inclusive { "']'" } else { "'}'" }.into(),
            TokenKind::And => "'AND'".into(),
            TokenKind::Or => "'OR'".into(),
            TokenKind::Not => "'NOT'".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub position: usize,
}

/// Characters that end an unquoted word.
fn ends_word(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '(' | ')' | '[' | ']' | '{' | '}' | ':' | '=' | '<' | '>' | '"'
        )
}

pub fn tokenize(expression: &str) -> Result<Vec<Token>, SearchError> {
    let chars: Vec<char> = expression.chars().collect();
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail there.
    if let Some(position) = chars.iter().position(|&c| c == '\0') {
        return Err(SearchError::syntax(position, "NUL character"));
    }
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let next = chars.get(i + 1).copied();
        let (kind, length) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (TokenKind::OpenParen, 1),
            ')' => (TokenKind::CloseParen, 1),
            '[' => (TokenKind::OpenRange { inclusive: true }, 1),
            '{' => (TokenKind::OpenRange { inclusive: false }, 1),
            ']' => (TokenKind::CloseRange { inclusive: true }, 1),
            '}' => (TokenKind::CloseRange { inclusive: false }, 1),
            ':' => (TokenKind::Operator(Operator::Colon), 1),
            '=' => (TokenKind::Operator(Operator::Equals), 1),
            '<' if next == Some('=') => (TokenKind::Operator(Operator::LessOrEqual), 2),
            '<' => (TokenKind::Operator(Operator::Less), 1),
            '>' if next == Some('=') => (TokenKind::Operator(Operator::GreaterOrEqual), 2),
            '>' => (TokenKind::Operator(Operator::Greater), 1),
            '&' if next == Some('&') => (TokenKind::And, 2),
            '|' if next == Some('|') => (TokenKind::Or, 2),
            '!' if starts_term(&tokens) => (TokenKind::Not, 1),
            // `-` negates only where a term starts and something follows;
            // after an operator it belongs to the value (`width>-1`).
            '-' if starts_term(&tokens) && next.is_some_and(|n| !n.is_whitespace()) => {
                (TokenKind::Not, 1)
            }
            '"' => {
                let (word, end) = quoted(&chars, start)?;
                i = end;
                tokens.push(Token {
                    kind: TokenKind::Word(word),
                    position: start,
                });
                continue;
            }
            _ => {
                let (word, end) = unquoted(&chars, start)?;
                i = end;
                let kind = match (word.wildcard, word.text.as_str()) {
                    (false, "AND") if !has_escape(&chars[start..end]) => TokenKind::And,
                    (false, "OR") if !has_escape(&chars[start..end]) => TokenKind::Or,
                    (false, "NOT") if !has_escape(&chars[start..end]) => TokenKind::Not,
                    _ => TokenKind::Word(word),
                };
                tokens.push(Token {
                    kind,
                    position: start,
                });
                continue;
            }
        };
        tokens.push(Token {
            kind,
            position: start,
        });
        i += length;
    }
    Ok(tokens)
}

/// True where a new term may begin (not right after a field operator).
fn starts_term(tokens: &[Token]) -> bool {
    !matches!(
        tokens.last(),
        Some(Token {
            kind: TokenKind::Operator(_),
            ..
        })
    )
}

fn has_escape(chars: &[char]) -> bool {
    chars.contains(&'\\')
}

/// A word from `start` to the next delimiter; returns it and where it ends.
fn unquoted(chars: &[char], start: usize) -> Result<(Word, usize), SearchError> {
    let mut text = String::new();
    let mut i = start;
    while i < chars.len() && !ends_word(chars[i]) {
        match chars[i] {
            '\\' => {
                let escaped = chars
                    .get(i + 1)
                    .ok_or_else(|| SearchError::syntax(i, "Nothing to escape after '\\'"))?;
                text.push(*escaped);
                i += 2;
            }
            '*' => {
                if i + 1 < chars.len() && !ends_word(chars[i + 1]) {
                    return Err(SearchError::syntax(
                        i,
                        "Wildcard '*' is only allowed at the end of a value",
                    ));
                }
                return Ok((
                    Word {
                        text,
                        quoted: false,
                        wildcard: true,
                    },
                    i + 1,
                ));
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Ok((
        Word {
            text,
            quoted: false,
            wildcard: false,
        },
        i,
    ))
}

/// A `"..."` value starting at `start` (the quote); a `*` right after the
/// closing quote makes it a prefix.
fn quoted(chars: &[char], start: usize) -> Result<(Word, usize), SearchError> {
    let mut text = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err(SearchError::syntax(start, "Unterminated quoted value")),
            Some('"') => break,
            Some('\\') => {
                let escaped = chars
                    .get(i + 1)
                    .ok_or_else(|| SearchError::syntax(start, "Unterminated quoted value"))?;
                text.push(*escaped);
                i += 2;
            }
            Some(c) => {
                text.push(*c);
                i += 1;
            }
        }
    }
    let after = i + 1;
    let wildcard = chars.get(after) == Some(&'*');
    Ok((
        Word {
            text,
            quoted: true,
            wildcard,
        },
        if wildcard { after + 1 } else { after },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(expression: &str) -> Vec<TokenKind> {
        tokenize(expression)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn word(text: &str) -> TokenKind {
        TokenKind::Word(Word {
            text: text.into(),
            quoted: false,
            wildcard: false,
        })
    }

    #[test]
    fn fields_operators_and_values_split_with_positions() {
        let tokens = tokenize("width>=4000 AND -tags:a*").unwrap();
        let positions: Vec<usize> = tokens.iter().map(|t| t.position).collect();
        assert_eq!(positions, vec![0, 5, 7, 12, 16, 17, 21, 22]);
        assert_eq!(
            tokens[1].kind,
            TokenKind::Operator(Operator::GreaterOrEqual)
        );
        assert_eq!(tokens[4].kind, TokenKind::Not);
        assert_eq!(
            tokens[7].kind,
            TokenKind::Word(Word {
                text: "a".into(),
                quoted: false,
                wildcard: true
            })
        );
    }

    #[test]
    fn a_minus_inside_a_value_or_after_an_operator_is_not_negation() {
        assert_eq!(
            kinds("created_at>2025-01-01"),
            vec![
                word("created_at"),
                TokenKind::Operator(Operator::Greater),
                word("2025-01-01")
            ]
        );
        assert_eq!(
            kinds("width>-5"),
            vec![
                word("width"),
                TokenKind::Operator(Operator::Greater),
                word("-5")
            ]
        );
    }

    #[test]
    fn quotes_and_escapes_keep_special_characters() {
        let tokens = kinds(r#"context.alt:"a \"b\": c*" x\:y "AND""#);
        assert_eq!(
            tokens[2],
            TokenKind::Word(Word {
                text: "a \"b\": c*".into(),
                quoted: true,
                wildcard: false
            })
        );
        assert_eq!(tokens[3], word("x:y"));
        assert!(matches!(&tokens[4], TokenKind::Word(w) if w.text == "AND" && w.quoted));
    }

    #[test]
    fn malformed_input_reports_where() {
        assert_eq!(
            tokenize("tags:\"open").unwrap_err(),
            SearchError::syntax(5, "Unterminated quoted value")
        );
        assert_eq!(tokenize("a*b").unwrap_err().position(), Some(1));
        assert_eq!(tokenize("ab\\").unwrap_err().position(), Some(2));
    }
}
