//! Greedy CTC decoding of the recogniser's output: per time step the most
//! likely class; repeats collapse, the blank (class 0) separates characters
//! and is dropped. Class `i` (1-based) is the `i`-th line of the model's
//! character list, and the class after the list is the space
//! (PaddleOCR's `use_space_char`). A class may be several characters (a
//! flag emoji is two); they are all read at the class's time step.

/// One decoded line: its characters with the time step each was read at, and
/// the mean probability of the classes read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DecodedLine {
    pub chars: Vec<(char, usize)>,
    pub score: f32,
}

#[cfg(test)]
impl DecodedLine {
    pub fn text(&self) -> String {
        self.chars.iter().map(|(c, _)| c).collect()
    }
}

/// Decodes `probs` (`steps` x `classes`, row-major) against `charset`, which
/// must hold `classes - 2` entries (blank first and space last are implied).
pub(crate) fn decode(probs: &[f32], steps: usize, classes: usize, charset: &[&str]) -> DecodedLine {
    debug_assert_eq!(probs.len(), steps * classes);
    let mut chars = Vec::new();
    let mut total = 0f32;
    let mut read = 0usize;
    let mut previous = 0usize;
    for (step, row) in probs.chunks_exact(classes).take(steps).enumerate() {
        let (class, p) = row
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f32::MIN),
                |best, (i, p)| if p > best.1 { (i, p) } else { best },
            );
        if class != 0 && class != previous {
            let class_text = charset.get(class - 1).copied().unwrap_or(" ");
            chars.extend(class_text.chars().map(|c| (c, step)));
            total += p;
            read += 1;
        }
        previous = class;
    }
    let score = if read == 0 { 0.0 } else { total / read as f32 };
    DecodedLine { chars, score }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One-hot rows for the given classes, 4 classes: blank, 'a', 'b', space.
    fn rows(classes: &[usize]) -> Vec<f32> {
        classes
            .iter()
            .flat_map(|&c| (0..4).map(move |i| if i == c { 0.9 } else { 0.1 / 3.0 }))
            .collect()
    }

    #[test]
    fn repeats_collapse_and_blanks_separate() {
        let charset = ["a", "b"];
        // a a _ a b b _ _ b: the blank between the a's keeps both; the b's repeat once.
        let probs = rows(&[1, 1, 0, 1, 2, 2, 0, 0, 2]);
        let line = decode(&probs, 9, 4, &charset);
        assert_eq!(line.text(), "aabb");
        assert_eq!(
            line.chars.iter().map(|&(_, s)| s).collect::<Vec<_>>(),
            [0, 3, 4, 8]
        );
        assert!((line.score - 0.9).abs() < 1e-6);
    }

    #[test]
    fn the_class_after_the_list_is_a_space() {
        let line = decode(&rows(&[1, 3, 2]), 3, 4, &["a", "b"]);
        assert_eq!(line.text(), "a b");
    }

    #[test]
    fn a_class_of_several_characters_reads_them_all_at_its_step() {
        let line = decode(&rows(&[1, 0, 2]), 3, 4, &["a", "🇩🇪"]);
        assert_eq!(line.text(), "a🇩🇪");
        assert_eq!(
            line.chars.iter().map(|&(_, s)| s).collect::<Vec<_>>(),
            [0, 2, 2]
        );
        assert!((line.score - 0.9).abs() < 1e-6, "one score per class");
    }

    #[test]
    fn all_blank_is_empty_with_no_score() {
        let line = decode(&rows(&[0, 0, 0]), 3, 4, &["a", "b"]);
        assert_eq!(line.text(), "");
        assert_eq!(line.score, 0.0);
    }
}
