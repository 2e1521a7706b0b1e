//! RetinaFace-MobileNet-0.25 (biubug6/Pytorch_Retinaface, MIT) run by ONNX
//! Runtime ([`crate::onnx`]). The 1.7 MB ONNX is compiled in (see
//! `models/README.md` for provenance).

use crate::onnx::Network;

/// The model, compiled in; `models/extract-retinaface.py` writes it.
pub(crate) const MODEL_BYTES: &[u8] = include_bytes!("../../models/retinaface-mnet025.onnx");

static NETWORK: Network = Network::new("face detector", MODEL_BYTES);

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
    /// Five (dx, dy) landmark offsets per anchor.
    pub landmarks: Vec<f32>,
}

/// Runs the network on an RGB `image` no larger than `padded_width` x
/// `padded_height` (both multiples of [`PAD_TO`]), which is placed top-left on
/// a canvas of the training mean (zero once the means are subtracted).
pub(super) fn run(
    image: &image::RgbImage,
    padded_width: u32,
    padded_height: u32,
) -> Result<Outputs, String> {
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
    let outputs = NETWORK.run([1, 3, h, w], input)?;
    // Outputs come as loc [1, n, 4], conf [1, n, 2], landmarks [1, n, 10];
    // told apart by their last axis rather than by position.
    let (mut regressions, mut scores, mut landmarks) = (None, None, None);
    for (values, shape) in outputs {
        match shape.last() {
            Some(4) => regressions = Some(values),
            Some(2) => scores = Some(values),
            Some(10) => landmarks = Some(values),
            _ => {}
        }
    }
    match (regressions, scores, landmarks) {
        (Some(regressions), Some(scores), Some(landmarks)) => Ok(Outputs {
            regressions,
            scores,
            landmarks,
        }),
        _ => Err("the face detector gave no box regressions, scores or landmarks".to_owned()),
    }
}

/// Makes the network's session now, so that its cost can overlap the decode.
pub(super) fn prepare() -> Result<(), String> {
    NETWORK.prepare()
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

    #[test]
    fn outputs_cover_every_anchor_of_the_padded_input() {
        let image = image::RgbImage::from_pixel(60, 40, image::Rgb([104, 117, 123]));
        let outputs = run(&image, 64, 64).unwrap();
        let anchors = anchor_count(64, 64);
        assert_eq!(outputs.regressions.len(), anchors * 4);
        assert_eq!(outputs.scores.len(), anchors * 2);
        assert_eq!(outputs.landmarks.len(), anchors * 10);
        // Probabilities: each anchor's pair sums to one.
        for pair in outputs.scores.chunks_exact(2) {
            assert!((pair[0] + pair[1] - 1.0).abs() < 1e-4, "{pair:?}");
        }
    }
}
