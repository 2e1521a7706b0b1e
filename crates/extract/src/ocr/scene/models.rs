//! The three PP-OCR networks (PaddleOCR, Apache-2.0; vendored from PyPI
//! `rapidocr_onnxruntime` 1.4.4, see `models/README.md`) run by tract, the
//! pure-Rust ONNX runtime the face detector uses too.
//!
//! tract optimises a graph for one concrete input shape, so a plan is built
//! per input size, once per process, by whichever thread asks first (the
//! others wait for it), and shared. Sizes are bucketed (detection: multiples
//! of 32 with a fixed long side; recognition: widths in steps of 64), which
//! bounds the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tract_onnx::prelude::*;

const DETECTOR: &[u8] = include_bytes!("../../../models/ppocr-v4-det.onnx");
const RECOGNIZER: &[u8] = include_bytes!("../../../models/ppocr-v4-rec.onnx");
const CLASSIFIER: &[u8] = include_bytes!("../../../models/ppocr-v2-cls.onnx");
/// The recogniser's classes 1..n (its ONNX metadata, written out by
/// `models/extract-ppocr.py`), one character per line.
const RECOGNIZER_CHARSET: &str = include_str!("../../../models/ppocr-v4-rec.keys.txt");

type Plan = TypedSimplePlan<TypedModel>;

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
pub(super) fn run(network: Network, shape: [usize; 4], input: Vec<f32>) -> Result<(Vec<f32>, Vec<usize>), String> {
    let plan = plan(network, shape)?;
    let input = Tensor::from_shape(&shape, &input).map_err(|e| e.to_string())?;
    let outputs = plan.run(tvec!(input.into())).map_err(|e| e.to_string())?;
    let output = outputs.first().ok_or("the network gave no output")?;
    let values = output.as_slice::<f32>().map_err(|e| e.to_string())?.to_vec();
    Ok((values, output.shape().to_vec()))
}

fn plan(network: Network, shape: [usize; 4]) -> Result<Arc<Plan>, String> {
    type Cell = Arc<OnceLock<Result<Arc<Plan>, String>>>;
    static PLANS: OnceLock<Mutex<HashMap<(Network, [usize; 4]), Cell>>> = OnceLock::new();
    let cell = PLANS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry((network, shape))
        .or_default()
        .clone();
    cell.get_or_init(|| build_plan(network, shape).map_err(|e| format!("{network:?}: {e}")))
        .clone()
}

/// The parsed graph, shape-free: parsed once per process.
fn graph(network: Network) -> TractResult<&'static InferenceModel> {
    static GRAPHS: OnceLock<Mutex<HashMap<Network, &'static InferenceModel>>> = OnceLock::new();
    let mut graphs = GRAPHS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(graph) = graphs.get(&network) {
        return Ok(graph);
    }
    let parsed = tract_onnx::onnx().model_for_read(&mut std::io::Cursor::new(network.bytes()))?;
    // Three graphs per process, kept for its life.
    let graph: &'static InferenceModel = Box::leak(Box::new(parsed));
    graphs.insert(network, graph);
    Ok(graph)
}

fn build_plan(network: Network, shape: [usize; 4]) -> TractResult<Arc<Plan>> {
    let plan = graph(network)?
        .clone()
        .with_input_fact(0, f32::fact(shape).into())?
        .into_optimized()?
        .into_runnable()?;
    Ok(Arc::new(plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charset_matches_the_recognizers_classes() {
        // Blank first and space last around the model's own list.
        let (values, shape) = run(Network::Recognizer, [1, 3, 48, 320], vec![0.0; 3 * 48 * 320]).unwrap();
        assert_eq!(shape[2], charset().len() + 2, "{shape:?}");
        assert_eq!(values.len(), shape.iter().product::<usize>());
    }
}
