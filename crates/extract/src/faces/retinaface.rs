//! RetinaFace-MobileNet-0.25 (biubug6/Pytorch_Retinaface, MIT) run by tract
//! ([`crate::onnx`]). The 1.7 MB ONNX is compiled in (see `models/README.md`
//! for provenance). A plan costs 55-95 ms to build; the scan sizes are few
//! (long side fixed, short side a multiple of 32), which bounds the cache.

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::InferenceModel;

use crate::onnx::{self, Plan, PlanCache};

/// The model, compiled in; `models/extract-retinaface.py` writes it.
pub(super) const MODEL_BYTES: &[u8] = include_bytes!("../../models/retinaface-mnet025.onnx");

/// Inputs are padded to a multiple of the network's largest stride, so every
/// feature map covers the input exactly.
pub(super) const PAD_TO: u32 = 32;

/// The per-channel means the network was trained with, in its BGR order
/// (`data/config.py` and `detect.py` of the reference code).
const BGR_MEANS: [f32; 3] = [104.0, 117.0, 123.0];

/// What the network says about each anchor, in [`super::detections::anchors`]' order.
pub(super) struct Outputs {
    /// dx, dy, log dw, log dh per anchor.
    pub regressions: Vec<f32>,
    /// Background and face probability per anchor (softmax is in the graph).
    pub scores: Vec<f32>,
}

/// Runs the network on an RGB `image` no larger than `padded_width` x
/// `padded_height` (both multiples of [`PAD_TO`]), which is placed top-left on
/// a canvas of the training mean (zero once the means are subtracted).
pub(super) fn run(image: &image::RgbImage, padded_width: u32, padded_height: u32) -> Outputs {
    let plan = plan(padded_width, padded_height);
    let (w, h) = (padded_width as usize, padded_height as usize);
    let mut input = vec![0f32; 3 * w * h];
    let (bgr_plane, rest) = input.split_at_mut(w * h);
    let (green_plane, red_plane) = rest.split_at_mut(w * h);
    for (x, y, pixel) in image.enumerate_pixels() {
        let at = y as usize * w + x as usize;
        let [r, g, b] = pixel.0;
        bgr_plane[at] = f32::from(b) - BGR_MEANS[0];
        green_plane[at] = f32::from(g) - BGR_MEANS[1];
        red_plane[at] = f32::from(r) - BGR_MEANS[2];
    }
    let outputs = onnx::run(&plan, [1, 3, h, w], &input)
        .expect("the vendored model runs on a shape it was optimised for (pinned by a unit test)");
    // Outputs come as loc [1, n, 4], conf [1, n, 2], landmarks [1, n, 10];
    // told apart by their last axis rather than by position.
    let mut regressions = None;
    let mut scores = None;
    for (values, shape) in outputs {
        match shape.last() {
            Some(4) => regressions = Some(values),
            Some(2) => scores = Some(values),
            _ => {}
        }
    }
    Outputs {
        regressions: regressions.expect("the model outputs box regressions"),
        scores: scores.expect("the model outputs scores"),
    }
}

/// Builds (or waits for another thread building) the plan for this input
/// size, so that its cost can overlap the decode.
pub(super) fn prepare(padded_width: u32, padded_height: u32) {
    plan(padded_width, padded_height);
}

/// The optimised plan for one input size (see [`crate::onnx::PlanCache`]).
fn plan(width: u32, height: u32) -> Arc<Plan> {
    static PLANS: PlanCache<(u32, u32)> = PlanCache::new();
    let shape = [1, 3, height as usize, width as usize];
    PLANS
        .get((width, height), || onnx::optimise(graph(), shape))
        .expect("the vendored model optimises for any padded size (pinned by a unit test)")
}

/// The parsed graph, shape-free: parsed once per process, when faces are first asked for.
fn graph() -> &'static InferenceModel {
    static GRAPH: OnceLock<InferenceModel> = OnceLock::new();
    GRAPH.get_or_init(|| {
        onnx::parse(MODEL_BYTES).expect("the vendored model parses (pinned by a unit test)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::detections::anchor_count;

    /// The compiled-in model is the file whose checksum `models/README.md`
    /// records (the output of `models/extract-retinaface.py`).
    #[test]
    fn the_vendored_model_has_the_recorded_checksum() {
        crate::vendored_models::assert_recorded_checksum("retinaface-mnet025.onnx", MODEL_BYTES);
    }

    /// The model's set-up is paid once per size per process: threads asking
    /// at the same time, and later callers, all get the one plan.
    #[test]
    fn a_plan_is_built_once_per_size_and_shared() {
        let threads: Vec<_> = (0..2)
            .map(|_| std::thread::spawn(|| plan(96, 64)))
            .collect();
        let plans: Vec<_> = threads
            .into_iter()
            .map(|thread| thread.join().expect("builds"))
            .collect();
        assert!(Arc::ptr_eq(&plans[0], &plans[1]));
        assert!(Arc::ptr_eq(&plans[0], &plan(96, 64)));
        assert!(!Arc::ptr_eq(&plans[0], &plan(64, 96)));
    }

    #[test]
    fn outputs_cover_every_anchor_of_the_padded_input() {
        let image = image::RgbImage::from_pixel(60, 40, image::Rgb([104, 117, 123]));
        let outputs = run(&image, 64, 64);
        let anchors = anchor_count(64, 64);
        assert_eq!(outputs.regressions.len(), anchors * 4);
        assert_eq!(outputs.scores.len(), anchors * 2);
        // Probabilities: each anchor's pair sums to one.
        for pair in outputs.scores.chunks_exact(2) {
            assert!((pair[0] + pair[1] - 1.0).abs() < 1e-4, "{pair:?}");
        }
    }
}
