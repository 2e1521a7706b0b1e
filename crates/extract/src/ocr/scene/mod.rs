//! Text in photographs (signs, labels, packaging): PaddleOCR's pipeline as
//! rapidocr runs it, with the PP-OCRv4 detector, the v2 direction classifier
//! and the PP-OCRv5 recogniser. The detector marks where text is
//! ([`boxes`]); each line is cut out, turned upright if the classifier says
//! it is upside down, and read by the recogniser ([`ctc`]). Tesseract is
//! built for pages; on a photo it finds little, where this reads what a
//! person reads.
//!
//! The recogniser was trained for Chinese, English and Japanese, so it
//! answers for `en`, `zh-Hans`, `zh-Hant` and `ja`; other languages are read
//! by Tesseract.

mod boxes;
mod ctc;
mod models;
mod spacing;

use std::borrow::Cow;
use std::time::{Duration, Instant};

use image::imageops::{self, FilterType};
use image::{DynamicImage, RgbImage};

use super::shape::{PixelBox, RecognizedPage, RecognizedWord};
use boxes::TextBox;
use models::Network;

/// Long side of the detector's input. Chosen by word recall on the corpus
/// photos with text (`tests/scene_text.rs`): 0.72 at 960, 0.79 at 1280, 0.71
/// at 1600 (smaller photos are enlarged to this, and past 1280 enlarging
/// split letters apart and lost words). A 1280x960 map costs about twice a
/// 960x736 one.
const DETECT_LONG_SIDE: u32 = 1280;

/// The detector's input sides are multiples of its largest stride.
const DETECT_STRIDE: u32 = 32;

/// The detector's input is zero-padded to multiples of this. The padding was
/// chosen when the engine (tract) built a plan per input shape, to bound
/// them; ONNX Runtime takes any shape, but the padding stays because it is
/// part of the input the recall figures were measured on (`tests/scene_text.rs`).
const DETECT_PAD_TO: u32 = 128;

/// The recogniser's input height, and its narrowest input (rapidocr's
/// `rec_img_shape`).
const LINE_HEIGHT: u32 = 48;
const MIN_LINE_WIDTH: u32 = 320;
/// A longer line is squeezed into this width; widths are padded to steps
/// of [`LINE_WIDTH_STEP`] (chosen, like [`DETECT_PAD_TO`], to bound tract's
/// plans, and kept as part of the measured input; recall on the corpus photos
/// was the same at steps of 64).
const MAX_LINE_WIDTH: u32 = 1600;
const LINE_WIDTH_STEP: u32 = 128;
/// The recogniser emits one time step per this many input columns.
const COLUMNS_PER_STEP: u32 = 8;

/// The classifier's input, and how sure it must be to turn a line over.
const CLASSIFY_SIZE: (u32, u32) = (192, 48);
const UPSIDE_DOWN_CONFIDENCE: f32 = 0.9;

/// Lines read at most per image: a texture the detector mistakes for text
/// stops here.
const MAX_LINES: usize = 200;

/// Lines the recogniser is less sure of are dropped (rapidocr's `text_score`).
const MIN_LINE_SCORE: f32 = 0.5;

/// A reading of at most this many characters is short: texture read as text
/// comes out short (a flag's stars read as "★ X" at 0.64), so a short line
/// must be surer. Real one- and two-character lines on the corpus photos read
/// at 0.80-0.99.
const SHORT_LINE: usize = 2;
const MIN_SHORT_LINE_SCORE: f32 = 0.75;

/// A box this much taller than wide holds vertical text: read turned.
const VERTICAL_ASPECT: f32 = 1.5;

/// Reads the text of `image`, giving up after `deadline`. Boxes are in
/// `image` pixels.
pub(crate) fn read(image: &DynamicImage, deadline: Duration) -> Result<RecognizedPage, String> {
    let started = Instant::now();
    // Most decodes are RGB already; others are converted once.
    let rgb = match image {
        DynamicImage::ImageRgb8(rgb) => Cow::Borrowed(rgb),
        other => Cow::Owned(other.to_rgb8()),
    };
    let lines = detect(&rgb)?;
    let charset = models::charset();
    let mut words = Vec::new();
    for (index, line) in lines.iter().take(MAX_LINES).enumerate() {
        if started.elapsed() >= deadline {
            return Err(format!("scene text gave up after {deadline:?}"));
        }
        let Some(read) = read_line(&rgb, line, charset)? else {
            continue;
        };
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        words.extend(
            read.into_iter()
                .map(|(text, bounds, score)| RecognizedWord {
                    block: number,
                    paragraph: number,
                    line: number,
                    text,
                    bounds,
                    confidence: score * 100.0,
                }),
        );
    }
    Ok(RecognizedPage {
        width: rgb.width(),
        height: rgb.height(),
        words,
    })
}

/// Text line boxes in `image` pixels, in reading order.
fn detect(image: &RgbImage) -> Result<Vec<TextBox>, String> {
    let (width, height) = detector_size(image.width(), image.height());
    let small = imageops::resize(image, width, height, FilterType::Triangle);
    // Padded past the picture to a multiple of DETECT_PAD_TO.
    let padded = |side: u32| side.div_ceil(DETECT_PAD_TO) * DETECT_PAD_TO;
    let (map, map_shape) = models::run(Network::Detector, &small, padded(width), padded(height))?;
    let (map_h, map_w) = (map_shape[2], map_shape[3]);
    let to_x = image.width() as f32 / width as f32;
    let to_y = image.height() as f32 / height as f32;
    Ok(boxes::text_boxes(&map, map_w, map_h, &boxes::PP_OCR_V4)
        .into_iter()
        .map(|b| b.scaled(to_x, to_y))
        .filter(|b| {
            let (along, across) = b.size();
            along >= 1.0 && across >= 1.0
        })
        .collect())
}

/// The pixels inside `line`, turned upright: its top edge becomes the crop's
/// top row (PaddleOCR's `get_rotate_crop_image`), sampled bilinearly.
fn cut_out(image: &RgbImage, line: &TextBox) -> RgbImage {
    let [p0, p1, _, p3] = line.corners;
    let (along, across) = line.size();
    let (width, height) = (
        along.round().max(1.0) as u32,
        across.round().max(1.0) as u32,
    );
    let (max_x, max_y) = (image.width() as f32 - 1.0, image.height() as f32 - 1.0);
    RgbImage::from_fn(width, height, |u, v| {
        let (fu, fv) = (
            (u as f32 + 0.5) / width as f32,
            (v as f32 + 0.5) / height as f32,
        );
        let x = p0.0 + fu * (p1.0 - p0.0) + fv * (p3.0 - p0.0) - 0.5;
        let y = p0.1 + fu * (p1.1 - p0.1) + fv * (p3.1 - p0.1) - 0.5;
        let (x, y) = (x.clamp(0.0, max_x), y.clamp(0.0, max_y));
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = (
            (x0 + 1).min(image.width() - 1),
            (y0 + 1).min(image.height() - 1),
        );
        let (dx, dy) = (x - x0 as f32, y - y0 as f32);
        let mix = |c: usize| {
            let at = |px: u32, py: u32| f32::from(image.get_pixel(px, py).0[c]);
            let top = at(x0, y0) * (1.0 - dx) + at(x1, y0) * dx;
            let bottom = at(x0, y1) * (1.0 - dx) + at(x1, y1) * dx;
            (top * (1.0 - dy) + bottom * dy).round() as u8
        };
        image::Rgb([mix(0), mix(1), mix(2)])
    })
}

/// The upright box, in image pixels, of the part of `line` between the
/// shares `from` and `to` of its reading direction.
fn word_bounds(image: &RgbImage, line: &TextBox, vertical: bool, from: f32, to: f32) -> PixelBox {
    let [p0, p1, _, p3] = line.corners;
    let minus = |a: boxes::Point, b: boxes::Point| (a.0 - b.0, a.1 - b.1);
    let (axis, other) = if vertical {
        (minus(p3, p0), minus(p1, p0))
    } else {
        (minus(p1, p0), minus(p3, p0))
    };
    let point = |share: f32, side: f32| {
        (
            p0.0 + share * axis.0 + side * other.0,
            p0.1 + share * axis.1 + side * other.1,
        )
    };
    let part = TextBox {
        corners: [
            point(from, 0.0),
            point(to, 0.0),
            point(to, 1.0),
            point(from, 1.0),
        ],
        score: line.score,
    };
    let (left, top, right, bottom) = part.bounds();
    let clamp = |v: f32, max: u32| (v.max(0.0) as u32).min(max);
    let (left, top) = (
        clamp(left.floor(), image.width()),
        clamp(top.floor(), image.height()),
    );
    let (right, bottom) = (
        clamp(right.ceil(), image.width()),
        clamp(bottom.ceil(), image.height()),
    );
    PixelBox {
        left,
        top,
        width: right.saturating_sub(left).max(1),
        height: bottom.saturating_sub(top).max(1),
    }
}

/// The detector's input size: the long side at [`DETECT_LONG_SIDE`], both
/// sides rounded to multiples of [`DETECT_STRIDE`] (the aspect ratio bends
/// by under a stride, as PaddleOCR does it).
fn detector_size(width: u32, height: u32) -> (u32, u32) {
    let scale = DETECT_LONG_SIDE as f32 / width.max(height).max(1) as f32;
    let side = |v: u32| {
        let scaled = (v as f32 * scale / DETECT_STRIDE as f32).round() as u32;
        scaled.max(1) * DETECT_STRIDE
    };
    (side(width), side(height))
}

/// A word read on a line: its text, its box in image pixels, and the line's
/// score (0..1).
type LineWord = (String, PixelBox, f32);

/// Reads one line: its words with their boxes (split at spaces, placed by the
/// time steps the characters were read at) and the line's score; `None` when
/// the recogniser is unsure of it.
fn read_line(
    image: &RgbImage,
    line: &TextBox,
    charset: &[&str],
) -> Result<Option<Vec<LineWord>>, String> {
    let crop = cut_out(image, line);
    let vertical = crop.height() as f32 >= crop.width() as f32 * VERTICAL_ASPECT;
    // rapidocr turns vertical lines a quarter counter-clockwise.
    let crop = if vertical {
        imageops::rotate270(&crop)
    } else {
        crop
    };
    // The classifier proposes turning a line over; the recogniser confirms
    // it by reading the turned line with more confidence (the classifier
    // alone turned an upright, slightly tilted "1 =CONTO!!!" over).
    let upright = recognize_line(&crop, charset)?;
    let (reading, upside_down) = if is_upside_down(&crop)? {
        let turned = recognize_line(&imageops::rotate180(&crop), charset)?;
        if turned.decoded.score > upright.decoded.score {
            (turned, true)
        } else {
            (upright, false)
        }
    } else {
        (upright, false)
    };
    let LineReading {
        decoded,
        resized,
        content,
        steps,
    } = reading;
    let characters = decoded.chars.iter().filter(|(c, _)| *c != ' ').count();
    let min_score = if characters <= SHORT_LINE {
        MIN_SHORT_LINE_SCORE
    } else {
        MIN_LINE_SCORE
    };
    if decoded.score < min_score || characters == 0 {
        return Ok(None);
    }

    // Where a time step lies along the line, as a share of the line's length.
    let along = |step: usize| {
        let column = (step as u32 * COLUMNS_PER_STEP) as f32 / content as f32;
        let share = column.clamp(0.0, 1.0);
        if upside_down {
            1.0 - share
        } else {
            share
        }
    };
    let chars = spacing::insert_spaces(
        &decoded.chars,
        &spacing::word_gaps(&resized),
        COLUMNS_PER_STEP,
    );
    let mut words = Vec::new();
    let mut word: Vec<(char, usize)> = Vec::new();
    for &(c, step) in chars.iter().chain(std::iter::once(&(' ', steps))) {
        if c != ' ' {
            word.push((c, step));
            continue;
        }
        if let (Some(&(_, first)), Some(&(_, last))) = (word.first(), word.last()) {
            let (a, b) = (along(first), along(last + 1));
            let (from, to) = (a.min(b), a.max(b));
            let bounds = word_bounds(image, line, vertical, from, to);
            words.push((word.iter().map(|(c, _)| c).collect(), bounds, decoded.score));
        }
        word.clear();
    }
    Ok(Some(words))
}

/// What the recogniser read on one upright line crop.
struct LineReading {
    decoded: ctc::DecodedLine,
    /// The crop as the recogniser saw it, before padding.
    resized: RgbImage,
    /// Its width in columns.
    content: u32,
    /// The recogniser's time steps over the padded width.
    steps: usize,
}

fn recognize_line(crop: &RgbImage, charset: &[&str]) -> Result<LineReading, String> {
    let natural =
        (LINE_HEIGHT as f32 * crop.width() as f32 / crop.height().max(1) as f32).ceil() as u32;
    let content = natural.clamp(1, MAX_LINE_WIDTH);
    let input_width = content.max(MIN_LINE_WIDTH).div_ceil(LINE_WIDTH_STEP) * LINE_WIDTH_STEP;
    let resized = imageops::resize(crop, content, LINE_HEIGHT, FilterType::Triangle);
    let (probs, out_shape) = models::run(Network::Recognizer, &resized, input_width, LINE_HEIGHT)?;
    let (steps, classes) = (out_shape[1], out_shape[2]);
    Ok(LineReading {
        decoded: ctc::decode(&probs, steps, classes, charset),
        resized,
        content,
        steps,
    })
}

/// The classifier's verdict on a line crop: upside down, with confidence.
fn is_upside_down(crop: &RgbImage) -> Result<bool, String> {
    let (max_w, h) = CLASSIFY_SIZE;
    let natural = (h as f32 * crop.width() as f32 / crop.height().max(1) as f32).ceil() as u32;
    let w = natural.clamp(1, max_w);
    let resized = imageops::resize(crop, w, h, FilterType::Triangle);
    let (probs, _) = models::run(Network::Classifier, &resized, max_w, h)?;
    Ok(probs.get(1).is_some_and(|&p| p >= UPSIDE_DOWN_CONFIDENCE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detector_sees_the_long_side_at_its_size_in_strides() {
        assert_eq!(detector_size(4000, 3000), (1280, 960));
        assert_eq!(detector_size(3000, 4000), (960, 1280));
        assert_eq!(detector_size(100, 10), (1280, 128));
        assert_eq!(detector_size(5000, 10), (1280, 32));
    }

    #[test]
    fn a_blank_photo_has_no_text() {
        let image =
            DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 480, image::Rgb([90, 140, 200])));
        let page = read(&image, Duration::from_secs(30)).unwrap();
        assert!(page.words.is_empty(), "{:?}", page.words);
    }
}
