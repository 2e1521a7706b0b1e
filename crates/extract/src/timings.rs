//! How long each stage of one [`crate::analyze`] call took, so a caller can
//! report it (the service exports it as metrics). Plain durations: this crate
//! stays free of any metrics library.

use std::time::{Duration, Instant};

/// One step of an analysis, named as reports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Header probe and pixel decode.
    Decode,
    Metadata,
    Colors,
    Phash,
    Faces,
    Ocr,
    Quality,
    Accessibility,
    Cinemagraph,
    /// BlurHash, ThumbHash and the average colour.
    Placeholders,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Decode => "decode",
            Stage::Metadata => "metadata",
            Stage::Colors => "colors",
            Stage::Phash => "phash",
            Stage::Faces => "faces",
            Stage::Ocr => "ocr",
            Stage::Quality => "quality",
            Stage::Accessibility => "accessibility",
            Stage::Cinemagraph => "cinemagraph",
            Stage::Placeholders => "placeholders",
        }
    }
}

/// The stages that ran, in order, with their wall-clock durations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageTimings(Vec<(Stage, Duration)>);

impl StageTimings {
    /// Runs `work`, recording how long it took as `stage`.
    pub(crate) fn time<T>(&mut self, stage: Stage, work: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = work();
        self.0.push((stage, started.elapsed()));
        result
    }

    pub fn iter(&self) -> impl Iterator<Item = (Stage, Duration)> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{analyze, AnalysisKind, Options};

    fn small_png() -> Vec<u8> {
        let image =
            image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([x as u8 * 8, y as u8 * 10, 90]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, image::ImageFormat::Png)
            .expect("encoding a PNG");
        bytes.into_inner()
    }

    #[test]
    fn each_requested_analysis_is_timed_once_after_the_decode() {
        let options =
            Options::of(AnalysisKind::Colors | AnalysisKind::Phash | AnalysisKind::MediaMetadata);
        let analysis = analyze(&small_png(), &options).expect("analysis");
        let stages: Vec<&str> = analysis.timings.iter().map(|(s, _)| s.name()).collect();
        assert_eq!(stages, ["decode", "metadata", "colors", "phash"]);
    }

    #[test]
    fn analyses_not_asked_for_are_not_timed() {
        let analysis = analyze(&small_png(), &Options::default()).expect("analysis");
        let stages: Vec<Stage> = analysis.timings.iter().map(|(s, _)| s).collect();
        assert_eq!(stages, [Stage::Decode]);
    }
}
