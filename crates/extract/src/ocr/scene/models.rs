//! The three PP-OCR networks (PaddleOCR, Apache-2.0; vendored from PyPI
//! `rapidocr_onnxruntime` 1.4.4, see `models/README.md`) run by tract
//! ([`crate::onnx`]). Input sizes are bucketed (detection: multiples of 32
//! with a fixed long side; recognition: widths in steps of 64), which bounds
//! the plan cache.

use std::sync::OnceLock;

use tract_onnx::prelude::{InferenceModel, TractError, TractResult};

use crate::onnx::{self, Output, PlanCache};

const DETECTOR: &[u8] = include_bytes!("../../../models/ppocr-v4-det.onnx");
const RECOGNIZER: &[u8] = include_bytes!("../../../models/ppocr-v4-rec.onnx");
const CLASSIFIER: &[u8] = include_bytes!("../../../models/ppocr-v2-cls.onnx");
/// The recogniser's classes 1..n (its ONNX metadata, written out by
/// `models/extract-ppocr.py`), one character per line.
const RECOGNIZER_CHARSET: &str = include_str!("../../../models/ppocr-v4-rec.keys.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Network {
    Detector,
    Recognizer,
    Classifier,
}

impl Network {
    fn bytes(self) -> &'static [u8] {
        match self {
            Network::Detector => DETECTOR,
            Network::Recognizer => RECOGNIZER,
            Network::Classifier => CLASSIFIER,
        }
    }
}

/// The recogniser's characters, in class order (class `i` is `charset()[i - 1]`).
pub(super) fn charset() -> &'static [char] {
    static CHARSET: OnceLock<Vec<char>> = OnceLock::new();
    CHARSET.get_or_init(|| {
        RECOGNIZER_CHARSET
            .split('\n')
            .filter_map(|line| line.chars().next())
            .collect()
    })
}

/// Runs `network` on one NCHW input of `shape`; returns its first output's
/// values and shape.
pub(super) fn run(network: Network, shape: [usize; 4], input: Vec<f32>) -> Result<Output, String> {
    static PLANS: PlanCache<(Network, [usize; 4])> = PlanCache::new();
    let plan = PLANS
        .get((network, shape), || onnx::optimise(graph(network)?, shape))
        .map_err(|e| format!("{network:?}: {e}"))?;
    onnx::run(&plan, shape, &input)?
        .into_iter()
        .next()
        .ok_or_else(|| "the network gave no output".to_owned())
}

/// The parsed graph, shape-free: parsed once per process, on first use.
fn graph(network: Network) -> TractResult<&'static InferenceModel> {
    static GRAPHS: [OnceLock<Result<InferenceModel, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match network {
        Network::Detector => &GRAPHS[0],
        Network::Recognizer => &GRAPHS[1],
        Network::Classifier => &GRAPHS[2],
    };
    slot.get_or_init(|| onnx::parse(network.bytes()).map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| TractError::msg(e.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_models_have_the_recorded_checksums() {
        use crate::vendored_models::assert_recorded_checksum;
        assert_recorded_checksum("ppocr-v4-det.onnx", DETECTOR);
        assert_recorded_checksum("ppocr-v4-rec.onnx", RECOGNIZER);
        assert_recorded_checksum("ppocr-v2-cls.onnx", CLASSIFIER);
        assert_recorded_checksum("ppocr-v4-rec.keys.txt", RECOGNIZER_CHARSET.as_bytes());
    }

    #[test]
    fn the_charset_matches_the_recognizers_classes() {
        // Blank first and space last around the model's own list.
        let (values, shape) = run(
            Network::Recognizer,
            [1, 3, 48, 320],
            vec![0.0; 3 * 48 * 320],
        )
        .unwrap();
        assert_eq!(shape[2], charset().len() + 2, "{shape:?}");
        assert_eq!(values.len(), shape.iter().product::<usize>());
    }
}
