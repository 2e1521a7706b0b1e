//! One call, one answer per analysis: assembles every requested analysis into
//! [`Analysis`], each computed from its own canonical input.

use image::DynamicImage;
use md5::{Digest, Md5};
use serde::Serialize;

use crate::accessibility::{self, AccessibilityAnalysis};
use crate::cancel::Cancel;
use crate::cinemagraph::{self, CinemagraphAnalysis};
use crate::colors::{self, ColorReport};
use crate::decode::{self, Needs, Pixels};
use crate::limits::Limits;
use crate::metadata::{self, MediaMetadata};
use crate::ocr::{self, OcrOptions};
use crate::phash::Phash;
use crate::placeholders::{self, AverageColor};
use crate::probe::{self, Header};
use crate::quality::{self, QualityReport};
use crate::timings::{Stage, StageTimings};
use crate::{faces, ExtractError, Format, Rect};
use analyses::{AnalysisKind, AnalysisKinds};

/// What to compute beyond the basic facts (always present), and the input limits.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The analyses to run.
    pub analyses: AnalysisKinds,
    /// How OCR reads (mode, languages, deadline), when `analyses` holds
    /// [`AnalysisKind::Ocr`].
    pub ocr: OcrOptions,
    /// Regions in the displayed frame, echoed (limited to the image by
    /// [`crate::limit_rects`]) as `coordinates.custom`.
    pub custom_coordinates: Option<Vec<Rect>>,
    pub limits: Limits,
}

impl Options {
    /// These analyses with default settings and limits.
    pub fn of(analyses: impl Into<AnalysisKinds>) -> Options {
        Options {
            analyses: analyses.into(),
            ..Options::default()
        }
    }

    /// Whether `kind` is asked for.
    pub fn wants(&self, kind: AnalysisKind) -> bool {
        self.analyses.contains(kind)
    }

    /// True when an analysis reading the small working copy is requested.
    pub(crate) fn needs_working(&self) -> bool {
        self.analyses.iter().any(AnalysisKind::reads_working_copy)
    }

    /// The first requested analysis that needs decoded pixels, by wire name.
    fn first_pixel_analysis(&self) -> Option<&'static str> {
        self.analyses
            .iter()
            .find(|kind| kind.reads_pixels())
            .map(AnalysisKind::parameter)
    }
}

/// `coordinates`: face and custom regions in the displayed frame.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coordinates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<Rect>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Vec<Rect>>,
}

/// `info`: add-on results.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub ocr: OcrInfo,
}

pub use crate::ocr::OcrInfo;

/// The facts about one file, serialised with the upload response's field names.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Displayed size: Exif orientation 5-8 (HEIF: `irot` by a quarter turn) swaps the stored axes.
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub bytes: u64,
    /// MD5 of the bytes, 32 lowercase hex digits.
    pub etag: String,
    /// Frames (GIF, WebP, APNG) or pages (TIFF); 1 for a still image.
    pub pages: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_metadata: Option<MediaMetadata>,
    /// `colors`, `predominant`, `color_histogram`, `illustration_score`,
    /// `semi_transparent`, `grayscale` at the top level.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub colors: Option<ColorReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phash: Option<Phash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<Rect>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    /// `quality_analysis` and, next to it, `quality_score`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub quality: Option<QualityReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessibility_analysis: Option<AccessibilityAnalysis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cinemagraph_analysis: Option<CinemagraphAnalysis>,
    /// Extension: BlurHash placeholder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    /// Extension: ThumbHash placeholder, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbhash: Option<String>,
    /// Extension: mean colour and whether it is light.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_color: Option<AverageColor>,
    /// Extension: the format's media type (`image/jpeg`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<&'static str>,
    /// How long each stage took (for the caller's metrics; not part of the JSON).
    #[serde(skip)]
    pub timings: StageTimings,
}

/// Analyses one file: reads its header (refusing it there if it breaks the
/// limits), decodes its first frame into the canonical input of each
/// requested pixel analysis (`decode::Input`: made from the file alone, so an
/// analysis answers the same whatever else is asked), and runs the analyses.
///
/// Raster files are always decoded, so a corrupt or truncated file is refused
/// even when only the basic facts are asked for. Formats and variants this
/// build cannot decode (HEIC and AVIF without the `heif` feature, a TIFF
/// sample layout the decoder lacks) still get their basic facts and
/// metadata; asking for a pixel analysis on them is an
/// [`ExtractError::PixelsUnavailable`].
pub fn analyze(bytes: &[u8], options: &Options) -> Result<Analysis, ExtractError> {
    analyze_until(bytes, options, &Cancel::new())
}

/// [`analyze`] that stops with [`ExtractError::Stopped`] at its next check
/// once `cancel` is cancelled or its deadline passes: before the decode,
/// between stages and before each analysis (see [`Cancel`]).
pub fn analyze_until(
    bytes: &[u8],
    options: &Options,
    cancel: &Cancel,
) -> Result<Analysis, ExtractError> {
    cancel.check()?;
    let limits = &options.limits;
    limits.check_bytes(bytes.len())?;
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let format = Format::sniff(bytes).ok_or(ExtractError::Unsupported)?;
    // What the decoders read; the ETag, size and metadata are the upload's.
    let readable = decode::readable(bytes, format);
    let needs = Needs::of(options);
    let mut timings = StageTimings::default();
    // The ETag is hashed on a second thread while this one decodes: MD5 over
    // a 5 MB photo is a tenth of its DCT-scaled decode.
    let (decoded, etag) = std::thread::scope(|threads| {
        let etag = threads.spawn(|| hex::encode(Md5::digest(bytes)));
        let decoded = timings.time(Stage::Decode, || {
            let header = probe::probe(&readable, format, limits)?;
            if options.wants(AnalysisKind::Faces) {
                // The face model's one-time set-up (per process) overlaps
                // the decode instead of following it.
                threads.spawn(faces::prepare);
            }
            let pixels = decode::decode(&readable, &header, limits, needs)?;
            Ok::<_, ExtractError>((header, pixels))
        });
        (decoded, etag.join().expect("MD5 does not panic"))
    });
    let (header, pixels) = decoded?;
    cancel.check()?;
    if pixels.is_none() {
        if let Some(analysis) = options.first_pixel_analysis() {
            return Err(ExtractError::PixelsUnavailable { format, analysis });
        }
    }

    let (width, height) = header.displayed_size();
    let media_metadata = options
        .wants(AnalysisKind::MediaMetadata)
        .then(|| timings.time(Stage::Metadata, || metadata::extract(bytes, format)));
    let mut analysis = Analysis {
        width,
        height,
        format,
        bytes: bytes.len() as u64,
        etag,
        pages: header.pages,
        media_metadata,
        colors: None,
        phash: None,
        faces: None,
        coordinates: None,
        info: None,
        quality: None,
        accessibility_analysis: None,
        cinemagraph_analysis: None,
        blurhash: None,
        thumbhash: None,
        average_color: None,
        mime_type: options
            .wants(AnalysisKind::MimeType)
            .then(|| format.mime_type()),
        timings,
    };
    if let Some(pixels) = &pixels {
        run_pixel_analyses(&mut analysis, &readable, pixels, &header, options, cancel)?;
        if options.wants(AnalysisKind::Quality) {
            cancel.check()?;
            // Its own canonical input; the shared decode is reused only when
            // it is the full-resolution frame (OCR asked for it).
            let full = pixels.full.as_deref();
            analysis.quality = analysis.timings.time(Stage::Quality, || {
                quality::analyze(&readable, &header, limits, full)
            })?;
        }
    }
    if options.wants(AnalysisKind::Cinemagraph) {
        cancel.check()?;
        analysis.cinemagraph_analysis = Some(analysis.timings.time(Stage::Cinemagraph, || {
            cinemagraph::analyze(&readable, &header, limits, cancel)
        })?);
    }
    if let Some(custom) = &options.custom_coordinates {
        analysis
            .coordinates
            .get_or_insert_with(Coordinates::default)
            .custom = Some(crate::limit_rects(custom, width, height));
    }
    Ok(analysis)
}

/// The placeholders and the average colour, timed as one stage.
const PLACEHOLDERS: AnalysisKinds = enumset::enum_set!(
    AnalysisKind::Blurhash | AnalysisKind::Thumbhash | AnalysisKind::AverageColor
);

fn run_pixel_analyses(
    analysis: &mut Analysis,
    bytes: &[u8],
    pixels: &Pixels,
    header: &Header,
    options: &Options,
    cancel: &Cancel,
) -> Result<(), ExtractError> {
    let (width, height) = header.displayed_size();
    if let Some(working) = &pixels.working {
        if options.wants(AnalysisKind::Colors) {
            cancel.check()?;
            let report = analysis
                .timings
                .time(Stage::Colors, || colors::analyze(&working.to_rgba8()));
            analysis.colors = Some(report);
        }
        if options.wants(AnalysisKind::Phash) {
            cancel.check()?;
            analysis.phash = Some(analysis.timings.time(Stage::Phash, || Phash::of(working)));
        }
        if options.wants(AnalysisKind::Accessibility) {
            cancel.check()?;
            analysis.accessibility_analysis =
                Some(analysis.timings.time(Stage::Accessibility, || {
                    accessibility::analyze(&working.to_rgba8())
                }));
        }
        if !options.analyses.is_disjoint(PLACEHOLDERS) {
            cancel.check()?;
            analysis.timings.time(Stage::Placeholders, || {
                if options.wants(AnalysisKind::Blurhash) {
                    analysis.blurhash = placeholders::blurhash(working);
                }
                if options.wants(AnalysisKind::Thumbhash) {
                    analysis.thumbhash = Some(placeholders::thumbhash(working));
                }
                if options.wants(AnalysisKind::AverageColor) {
                    analysis.average_color = Some(placeholders::average_color(&working.to_rgba8()));
                }
            });
        }
    }
    // Boxes come back in the input's pixels; this maps them to the displayed frame.
    let to_displayed = |input: &DynamicImage| f64::from(width) / f64::from(input.width().max(1));
    if let (true, Some(input)) = (options.wants(AnalysisKind::Faces), &pixels.faces) {
        cancel.check()?;
        let scale = to_displayed(input);
        let found: Vec<Rect> = analysis
            .timings
            .time(Stage::Faces, || faces::detect(input, scale))?
            .into_iter()
            .map(|r| r.scaled(scale).clamp_to(width, height))
            .collect();
        analysis
            .coordinates
            .get_or_insert_with(Coordinates::default)
            .faces = Some(found.clone());
        analysis.faces = Some(found);
    }
    if let (true, Some(full)) = (options.wants(AnalysisKind::Ocr), &pixels.full) {
        let ocr_options = &options.ocr;
        cancel.check()?;
        // Every page, in order, up to the OCR page limit; the first is `full`.
        let first = ocr::PageImage {
            image: std::borrow::Cow::Borrowed(full.as_ref()),
            scale: to_displayed(full),
        };
        let limits = &options.limits;
        let mut pages = ocr::document_pages(bytes, header.format, header.pages, first, limits);
        // Stops before the next page once cancelled; the check below then
        // drops the partial result.
        let pages = std::iter::from_fn(|| {
            if cancel.is_cancelled() {
                None
            } else {
                pages.next()
            }
        });
        let adv_ocr = analysis
            .timings
            .time(Stage::Ocr, || ocr::recognize_pages(pages, ocr_options));
        cancel.check()?;
        analysis.info = Some(Info {
            ocr: OcrInfo {
                adv_ocr,
                requested_as: ocr_options.requested_as.clone(),
            },
        });
    }
    Ok(())
}
