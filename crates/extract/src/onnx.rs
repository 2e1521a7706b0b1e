//! The vendored ONNX networks (faces, scene text) run by tract, a pure-Rust
//! ONNX runtime: nothing to install, nothing fetched at run time.
//!
//! tract optimises a graph for one concrete input shape (tens of ms a shape),
//! so each network keeps a [`PlanCache`]: a plan per input shape, built once
//! per process by whichever thread asks first (the others wait for it rather
//! than building their own) and shared, since a plan runs through `&self`.
//! Callers bucket their input sizes, which bounds each cache.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

use tract_onnx::prelude::*;

pub(crate) type Plan = TypedSimplePlan;

type Cell = Arc<OnceLock<Result<Arc<Plan>, String>>>;

/// One output of a network: its values (row-major) and its shape.
pub(crate) type Output = (Vec<f32>, Vec<usize>);

/// Plans keyed by `K` (an input size, or a network and size).
pub(crate) struct PlanCache<K> {
    cells: OnceLock<Mutex<HashMap<K, Cell>>>,
}

impl<K: Eq + Hash + Copy> PlanCache<K> {
    pub(crate) const fn new() -> Self {
        PlanCache {
            cells: OnceLock::new(),
        }
    }

    /// The plan for `key`, built by `build` if no thread has built it yet.
    /// A failed build is remembered too: the same shape fails the same way.
    pub(crate) fn get(
        &self,
        key: K,
        build: impl FnOnce() -> TractResult<Arc<Plan>>,
    ) -> Result<Arc<Plan>, String> {
        let cell = self
            .cells
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_init(|| build().map_err(|e| format!("{e:#}")))
            .clone()
    }
}

/// Parses an ONNX file, shape-free.
pub(crate) fn parse(bytes: &[u8]) -> TractResult<InferenceModel> {
    tract_onnx::onnx().model_for_read(&mut std::io::Cursor::new(bytes))
}

/// `graph` optimised for one NCHW f32 input of `shape`.
pub(crate) fn optimise(graph: &InferenceModel, shape: [usize; 4]) -> TractResult<Arc<Plan>> {
    graph
        .clone()
        .with_input_fact(0, f32::fact(shape).into())?
        .into_optimized()?
        .into_runnable()
}

/// Runs `plan` on one input of `shape`; every output's values and shape.
pub(crate) fn run(
    plan: &Arc<Plan>,
    shape: [usize; 4],
    input: &[f32],
) -> Result<Vec<Output>, String> {
    let input = Tensor::from_shape(&shape, input).map_err(|e| e.to_string())?;
    let outputs = plan.run(tvec!(input.into())).map_err(|e| e.to_string())?;
    outputs
        .iter()
        .map(|output| {
            let values = output
                .to_plain_array_view::<f32>()
                .map_err(|e| e.to_string())?
                .iter()
                .copied()
                .collect();
            Ok((values, output.shape().to_vec()))
        })
        .collect()
}
