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

/// How many of the `expected` words (with repetition) are among the `found`
/// ones, compared as [`word_counts`] counts them: (matched, expected).
pub fn word_recall<'a>(
    expected: impl IntoIterator<Item = &'a str>,
    found: impl IntoIterator<Item = &'a str>,
) -> (usize, usize) {
    let expected = word_counts(expected);
    let found = word_counts(found);
    let matched = expected
        .iter()
        .map(|(word, &n)| n.min(found.get(word).copied().unwrap_or(0)))
        .sum();
    (matched, expected.values().sum())
}

#[cfg(test)]
mod tests {
    use super::{word_counts, word_recall};

    #[test]
    fn recall_counts_each_expected_word_as_often_as_it_is_found() {
        // "the" twice expected, found once; "end" found; "cat" missing.
        assert_eq!(
            word_recall(["the", "The", "end", "cat"], ["the", "END.", "dog"]),
            (2, 4)
        );
    }

    #[test]
    fn words_are_counted_without_case_or_edge_punctuation() {
        let counts = word_counts(["The", "the,", "(end)", "--", "don't"]);
        assert_eq!(counts.get("the"), Some(&2));
        assert_eq!(counts.get("end"), Some(&1));
        assert_eq!(counts.get("don't"), Some(&1));
        assert_eq!(counts.len(), 3);
    }
}
