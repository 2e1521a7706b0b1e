//! `ocr_text:<words>` (our extension): the text `adv_ocr` read, searched by
//! words through each database's full-text index (migrations `0900_ocr_text`):
//! SQLite's FTS5 table, kept in step by triggers, and PostgreSQL's GIN index
//! of a `tsvector` made from the same words. Words are search/words.rs's on
//! both, so `ocr_text:RE16` finds the plate "RE16 TGK", `ocr_text:"total
//! due"` the two words next to each other, and `ocr_text:inv*` "invoice".

use super::ast::Test;
use super::compile::{Param, SqlBuilder};
use super::dialect::Dialect;
use super::words;

/// The OCR text of the row, as PostgreSQL's index declares it.
const PG_TEXT: &str = "assay_ocr_text(analysis::jsonb)";

impl SqlBuilder {
    /// The asset's OCR text holds `test`'s words in order, next to each
    /// other (the last one as a prefix for [`Test::WordsPrefix`]).
    pub fn ocr_text_test(&mut self, test: &Test) -> String {
        let (words, prefix) = match test {
            Test::Words(words) => (words, false),
            Test::WordsPrefix(words) => (words, true),
            // The field's kind allows nothing else (`conditions`).
            _ => return "1 = 0".into(),
        };
        match self.dialect {
            Dialect::Sqlite => {
                let query = self.bind(Param::Text(fts5_phrase(words, prefix)));
                format!(
                    "assets.id IN (SELECT rowid FROM assets_ocr_text \
                     WHERE assets_ocr_text MATCH {query})"
                )
            }
            Dialect::Postgres => {
                let query = self.bind(Param::Text(tsquery(words, prefix)));
                let pattern = self.bind(Param::Text(if prefix {
                    words::prefix_pattern(words)
                } else {
                    words::pattern(words)
                }));
                format!(
                    "(array_to_tsvector(assay_search_words({PG_TEXT})) @@ {query}::tsquery \
                     AND lower({PG_TEXT} COLLATE \"C\") ~ {pattern})"
                )
            }
        }
    }
}

/// FTS5's phrase of `words`: next to each other, in order; `*` after it
/// makes its last word a prefix. A word holds no ASCII character but
/// letters and digits, so nothing in it can end the quotes.
fn fts5_phrase(words: &[String], prefix: bool) -> String {
    let phrase = format!("\"{}\"", words.join(" "));
    if prefix {
        format!("{phrase} *")
    } else {
        phrase
    }
}

/// A `tsquery` that every one of `words` is among the row's lexemes (the
/// last as a prefix, `:*`): a superset of the matches, which the regular
/// expression then narrows. Quoted lexemes; as above, nothing to escape.
fn tsquery(words: &[String], prefix: bool) -> String {
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            if prefix && i == last {
                format!("'{word}':*")
            } else {
                format!("'{word}'")
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        words::split(text)
    }

    #[test]
    fn phrases_and_queries_quote_every_word() {
        assert_eq!(fts5_phrase(&words("RE16 TGK"), false), "\"re16 tgk\"");
        assert_eq!(fts5_phrase(&words("total du"), true), "\"total du\" *");
        assert_eq!(tsquery(&words("RE16 TGK"), false), "'re16' & 'tgk'");
        assert_eq!(tsquery(&words("inv"), true), "'inv':*");
        assert_eq!(tsquery(&words("été x"), true), "'été' & 'x':*");
    }
}
