//! Word counting for OCR recall tests.

use std::collections::HashMap;

/// Lower-case words with leading and trailing punctuation removed, counted.
pub fn word_counts<'a>(words: impl IntoIterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in words {
        let word = word
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if !word.is_empty() {
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::word_counts;

    #[test]
    fn words_are_counted_without_case_or_edge_punctuation() {
        let counts = word_counts(["The", "the,", "(end)", "--", "don't"]);
        assert_eq!(counts.get("the"), Some(&2));
        assert_eq!(counts.get("end"), Some(&1));
        assert_eq!(counts.get("don't"), Some(&1));
        assert_eq!(counts.len(), 3);
    }
}
