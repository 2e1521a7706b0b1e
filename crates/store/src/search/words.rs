//! How `:` reads free text (public_id, filename, tags, context and metadata
//! values, bare terms): as words, as Cloudinary's tokenized match does, so
//! that `tags:shirt` finds the tag `blue shirt` and `public_id:sale` finds
//! `summer_sale-2025`.
//!
//! A word is a run of characters between separators; the separators are the
//! ASCII characters other than letters and digits (spaces, punctuation,
//! `_`, `/`, `-`, ...). Non-ASCII characters belong to words (`été` is one).
//! Words compare without regard to ASCII case. A term of several words
//! matches a value holding the same words next to each other, in order.
//!
//! Both databases test this with one regular expression built here from the
//! term's words, over the value lowercased in ASCII only (PostgreSQL's
//! `lower` in the "C" collation, SQLite's `lower`): the words hold no ASCII
//! character but letters and digits, so nothing in them is a regex operator.

/// The separator class, in the syntax PostgreSQL's and Rust's regular
/// expressions share: ASCII 0x01-0x7F but `0-9`, `A-Z` and `a-z`.
const SEPARATOR: &str = r"[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]";

/// The words of `text`, ASCII-lowercased, in order.
pub fn split(text: &str) -> Vec<String> {
    text.split(is_separator)
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn is_separator(c: char) -> bool {
    c.is_ascii() && !c.is_ascii_alphanumeric()
}

/// The regular expression that finds `words` (from [`split`]) next to each
/// other in an ASCII-lowercased value.
pub fn pattern(words: &[String]) -> String {
    format!("{}({SEPARATOR}|$)", prefix_pattern(words))
}

/// [`pattern`], but the last word need only start a word of the value.
pub fn prefix_pattern(words: &[String]) -> String {
    let joined = words.join(&format!("{SEPARATOR}+"));
    format!("(^|{SEPARATOR}){joined}")
}

/// Whether `value` holds `words` (from [`split`]) next to each other: what
/// [`pattern`] finds, for filtering in Rust.
pub fn contains(value: &str, words: &[String]) -> bool {
    !words.is_empty()
        && split(value)
            .windows(words.len())
            .any(|window| window == words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        split(text)
    }

    #[test]
    fn words_split_at_ascii_punctuation_and_space() {
        assert_eq!(words("Blue shirt"), ["blue", "shirt"]);
        assert_eq!(
            words("summer_sale-2025/x.jpg"),
            ["summer", "sale", "2025", "x", "jpg"]
        );
        assert_eq!(words("café/été 3"), ["café", "été", "3"]);
        // ASCII case only: `É` stays as it is.
        assert_eq!(words("ÉTÉ"), ["ÉtÉ"]);
        assert!(words(" -_/ ").is_empty());
    }

    #[test]
    fn the_pattern_finds_what_contains_finds() {
        let values = [
            "blue shirt",
            "shirt",
            "shirts",
            "t-shirt blue",
            "BLUE  SHIRT",
            "blue/ shirt",
            "blueshirt",
            "été shirt",
            "x_blue_shirt_y",
            "",
        ];
        for term in ["shirt", "blue shirt", "Blue-Shirt", "été", "t"] {
            let term = words(term);
            let regex = regex::Regex::new(&pattern(&term)).unwrap();
            for value in values {
                assert_eq!(
                    regex.is_match(&value.to_ascii_lowercase()),
                    contains(value, &term),
                    "{term:?} in {value:?}"
                );
            }
        }
        assert!(contains("a blue shirt", &words("blue shirt")));
        assert!(!contains("shirt blue", &words("blue shirt")));
    }
}
