//! Spaces between words, seen in the line's pixels. PP-OCRv4's Chinese
//! recogniser seldom emits its space class between Latin words of small print
//! (a label's "Bateria de iones de litio" comes back as one word), but the
//! gaps are plain in the line image: a word space is several times wider than
//! the gap between two letters, and a good share of the text's height.
//!
//! Ink is told from background by Otsu's threshold over the line (the smaller
//! class is ink); a column is blank when none of the line's middle rows holds
//! ink (the outer rows may hold the edges of neighbouring lines).

use image::RgbImage;

/// A word gap is at least this share of the text's height (a word space is
/// about a quarter of an em; letters are set closer).
const MIN_GAP_OF_HEIGHT: f32 = 0.25;
/// ...and at least this many times the line's median blank run, so that
/// widely tracked capitals ("O L Y M P U S") stay one word.
const MIN_GAP_OF_MEDIAN: f32 = 1.8;
/// Runs the median is taken over before it is trusted.
const MIN_RUNS_FOR_MEDIAN: usize = 3;
/// Middle rows looked at, as a share of the line image's height.
const MIDDLE_ROWS: (f32, f32) = (0.2, 0.8);

/// Column ranges `[start, end)` of `line` that separate words.
pub(super) fn word_gaps(line: &RgbImage) -> Vec<(u32, u32)> {
    let (width, height) = line.dimensions();
    if width == 0 || height == 0 {
        return Vec::new();
    }
    let grey = image::imageops::grayscale(line).into_raw();
    let threshold = otsu(&grey);
    let dark = grey.iter().filter(|&&v| v <= threshold).count();
    let ink_is_dark = dark * 2 <= grey.len();
    let is_ink = |v: u8| (v <= threshold) == ink_is_dark;

    let top = (height as f32 * MIDDLE_ROWS.0) as u32;
    let bottom = ((height as f32 * MIDDLE_ROWS.1).ceil() as u32).min(height);
    let inked: Vec<bool> = (0..width)
        .map(|x| (top..bottom).any(|y| is_ink(grey[(y * width + x) as usize])))
        .collect();
    let (Some(first), Some(last)) = (
        inked.iter().position(|&i| i),
        inked.iter().rposition(|&i| i),
    ) else {
        return Vec::new();
    };

    // Blank runs between the first and the last inked column.
    let mut runs = Vec::new();
    let mut start = None;
    for (x, &ink) in inked.iter().enumerate().take(last + 1).skip(first) {
        match (ink, start) {
            (false, None) => start = Some(x),
            (true, Some(s)) => {
                runs.push((s as u32, x as u32));
                start = None;
            }
            _ => {}
        }
    }

    let text_height = ink_rows(&grey, width, height, &is_ink) as f32;
    let mut widths: Vec<u32> = runs.iter().map(|(s, e)| e - s).collect();
    widths.sort_unstable();
    let median = widths.get(widths.len() / 2).copied().unwrap_or(0) as f32;
    let min_gap = if widths.len() >= MIN_RUNS_FOR_MEDIAN {
        (text_height * MIN_GAP_OF_HEIGHT).max(median * MIN_GAP_OF_MEDIAN)
    } else {
        text_height * MIN_GAP_OF_HEIGHT
    };
    runs.into_iter()
        .filter(|(s, e)| (e - s) as f32 >= min_gap.max(1.0))
        .collect()
}

/// The text's height: the run of rows through the middle of the line in
/// which ink covers at least 2% of it (rows of neighbouring lines that reach
/// into the crop lie beyond a blank row, outside the run).
fn ink_rows(grey: &[u8], width: u32, height: u32, is_ink: &impl Fn(u8) -> bool) -> u32 {
    let min_ink = (width / 50).max(1) as usize;
    let inked = |y: u32| {
        let row = &grey[(y * width) as usize..((y + 1) * width) as usize];
        row.iter().filter(|&&v| is_ink(v)).count() >= min_ink
    };
    let middle = height / 2;
    if !inked(middle) {
        return (0..height).filter(|&y| inked(y)).count() as u32;
    }
    let above = (0..middle).rev().take_while(|&y| inked(y)).count() as u32;
    let below = (middle + 1..height).take_while(|&y| inked(y)).count() as u32;
    above + 1 + below
}

/// Otsu's threshold: the grey level that best splits `values` into two
/// classes (values <= threshold, and above).
fn otsu(values: &[u8]) -> u8 {
    let mut histogram = [0u64; 256];
    for &v in values {
        histogram[usize::from(v)] += 1;
    }
    let total = values.len() as f64;
    let sum: f64 = histogram
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut below, mut below_sum) = (0f64, 0f64);
    let (mut best, mut best_between) = (0u8, -1f64);
    for (level, &n) in histogram.iter().enumerate() {
        below += n as f64;
        below_sum += level as f64 * n as f64;
        let above = total - below;
        if below == 0.0 || above == 0.0 {
            continue;
        }
        let (mean_below, mean_above) = (below_sum / below, (sum - below_sum) / above);
        let between = below * above * (mean_below - mean_above).powi(2);
        if between > best_between {
            best_between = between;
            best = level as u8;
        }
    }
    best
}

/// `chars` (each with the time step it was read at) with a space wherever a
/// gap lies between two characters' columns and the recogniser put none.
pub(super) fn insert_spaces(
    chars: &[(char, usize)],
    gaps: &[(u32, u32)],
    columns_per_step: u32,
) -> Vec<(char, usize)> {
    let column = |step: usize| step as u32 * columns_per_step;
    let mut spaced = Vec::with_capacity(chars.len());
    for (i, &(c, step)) in chars.iter().enumerate() {
        if let Some(&(previous, previous_step)) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let between = |&&(start, end): &&(u32, u32)| {
                let centre = (start + end) / 2;
                column(previous_step) < centre && centre <= column(step)
            };
            // Not beside a full stop, comma, colon or semicolon: their blank
            // in the middle rows is part of the mark's own width.
            let hugging = |c: char| c == ' ' || matches!(c, '.' | ',' | ':' | ';');
            if !hugging(previous) && !hugging(c) && gaps.iter().any(|g| between(&g)) {
                spaced.push((' ', step));
            }
        }
        spaced.push((c, step));
    }
    spaced
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A 48-high line of dark glyph blocks on light ground: `(start, end)`
    /// columns of each glyph, ink rows 12..36.
    fn line(width: u32, glyphs: &[(u32, u32)]) -> RgbImage {
        RgbImage::from_fn(width, 48, |x, y| {
            let ink = (12..36).contains(&y) && glyphs.iter().any(|&(s, e)| (s..e).contains(&x));
            if ink {
                Rgb([20, 20, 30])
            } else {
                Rgb([235, 230, 220])
            }
        })
    }

    /// Glyphs 8 wide with 2-column letter gaps, words apart by `space`.
    fn words(lengths: &[u32], space: u32) -> (u32, Vec<(u32, u32)>) {
        let mut glyphs = Vec::new();
        let mut x = 10;
        for (w, &letters) in lengths.iter().enumerate() {
            if w > 0 {
                x += space - 2;
            }
            for _ in 0..letters {
                glyphs.push((x, x + 8));
                x += 10;
            }
        }
        (x + 10, glyphs)
    }

    #[test]
    fn word_spaces_are_found_and_letter_gaps_are_not() {
        let (width, glyphs) = words(&[4, 2, 5], 12);
        let gaps = word_gaps(&line(width, &glyphs));
        // Word 1 ends at 48, word 2 starts at 60; word 2 ends at 78, word 3 at 90.
        assert_eq!(gaps, [(48, 60), (78, 90)]);
    }

    #[test]
    fn light_text_on_dark_ground_is_read_the_same() {
        let (width, glyphs) = words(&[3, 3], 12);
        let mut image = line(width, &glyphs);
        image::imageops::invert(&mut image);
        assert_eq!(word_gaps(&image).len(), 1);
    }

    #[test]
    fn widely_tracked_capitals_stay_one_word() {
        // Every gap 7 columns: none stands out from the median.
        let glyphs: Vec<(u32, u32)> = (0..7).map(|i| (10 + i * 15, 18 + i * 15)).collect();
        assert!(word_gaps(&line(130, &glyphs)).is_empty());
    }

    #[test]
    fn spaces_go_where_a_gap_lies_between_two_characters() {
        // Characters read at steps 1, 3, 8, 10; a gap around column 45.
        let chars = [('a', 1), ('b', 3), ('c', 8), ('d', 10)];
        let spaced = insert_spaces(&chars, &[(40, 50)], 8);
        let text: String = spaced.iter().map(|(c, _)| c).collect();
        assert_eq!(text, "ab cd");
        // A space the recogniser read already is not doubled.
        let read = [('a', 1), ('b', 3), (' ', 5), ('c', 8)];
        let text: String = insert_spaces(&read, &[(40, 50)], 8)
            .iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(text, "ab c");
    }
}
