//! `assay analyze FILE|DIR|GLOB...`: one JSON object per line per file, with
//! exactly the fields the upload response carries for the same options, plus
//! `"file"`. Files are analysed on `--jobs` threads (one process, so the
//! networks' session pools are shared) and printed in input order.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use clap::Args;
use extract::ocr::OcrOptions;
use extract::{AnalysisKind, AnalysisKinds, Options, Rect};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::{json, Map, Value};

use crate::inputs::{self, Input};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Image files, folders (their files; add `--recursive` for subfolders)
    /// or quoted globs (`'photos/**/*.jpg'`).
    #[arg(required = true, value_name = "FILE|DIR|GLOB")]
    files: Vec<PathBuf>,
    /// Folders: analyse the files of every subfolder too.
    #[arg(long, short = 'r')]
    recursive: bool,
    /// Files analysed at once (default: the number of cores). Output stays in input order.
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<NonZeroUsize>,
    /// Predominant colours (`colors`, `predominant`, ...).
    #[arg(long)]
    colors: bool,
    /// 64-bit perceptual hash (`phash`).
    #[arg(long)]
    phash: bool,
    /// Exif, IPTC, XMP and GPS (`media_metadata`).
    #[arg(long)]
    media_metadata: bool,
    /// Face boxes (`faces`, `coordinates.faces`).
    #[arg(long)]
    faces: bool,
    /// Text with word boxes (`info.ocr.adv_ocr`); optionally the upload
    /// parameter's value, e.g. `--ocr=adv_ocr:document:de` (with `=`, so a
    /// bare `--ocr` never takes the next file name as its value).
    #[arg(long, value_name = "adv_ocr[:document][:lang,...]", num_args = 0..=1,
          require_equals = true, default_missing_value = "adv_ocr", value_parser = parse_ocr)]
    ocr: Option<OcrOptions>,
    /// Focus and the extended quality scores (`quality_analysis`, `quality_score`).
    #[arg(long)]
    quality_analysis: bool,
    /// Colour-blind accessibility (`accessibility_analysis`).
    #[arg(long)]
    accessibility_analysis: bool,
    /// How far an animation is a cinemagraph (`cinemagraph_analysis`).
    #[arg(long)]
    cinemagraph_analysis: bool,
    /// Extension: BlurHash placeholder (`blurhash`).
    #[arg(long)]
    blurhash: bool,
    /// Extension: ThumbHash placeholder (`thumbhash`).
    #[arg(long)]
    thumbhash: bool,
    /// Extension: mean colour and whether it is light (`average_color`).
    #[arg(long)]
    average_color: bool,
    /// Extension: the file's media type (`mime_type`).
    #[arg(long)]
    mime_type: bool,
    /// Regions echoed under `coordinates.custom`, limited to the image as on upload.
    #[arg(long, value_name = "x,y,w,h|x,y,w,h", value_parser = parse_custom_coordinates)]
    custom_coordinates: Option<CustomCoordinates>,
    /// Every analysis above.
    #[arg(long)]
    all: bool,
    /// Also print, on standard error, each file's time per stage in ms
    /// (`{"file": ..., "timings_ms": {"decode": ..., "faces": ...}}`); standard
    /// output is unchanged. For profiling (`make bench` reads it).
    #[arg(long)]
    timings: bool,
}

/// The parsed `--custom-coordinates` value (a newtype: clap reads a bare `Vec` as repeated values).
#[derive(Debug, Clone)]
struct CustomCoordinates(Vec<Rect>);

fn parse_custom_coordinates(value: &str) -> Result<CustomCoordinates, String> {
    extract::parse_rects("custom_coordinates", value)
        .map(CustomCoordinates)
        .map_err(|e| e.to_string())
}

fn parse_ocr(value: &str) -> Result<OcrOptions, String> {
    OcrOptions::parse(value).map_err(|e| e.to_string())
}

impl AnalyzeArgs {
    fn options(&self) -> Options {
        let analyses = if self.all {
            AnalysisKinds::all()
        } else {
            AnalysisKinds::all()
                .iter()
                .filter(|kind| self.asks_for(*kind))
                .collect()
        };
        Options {
            analyses,
            ocr: self.ocr.clone().unwrap_or_default(),
            custom_coordinates: self.custom_coordinates.as_ref().map(|c| c.0.clone()),
            ..Options::default()
        }
    }

    /// The flag of each analysis.
    fn asks_for(&self, kind: AnalysisKind) -> bool {
        match kind {
            AnalysisKind::Colors => self.colors,
            AnalysisKind::Phash => self.phash,
            AnalysisKind::MediaMetadata => self.media_metadata,
            AnalysisKind::Faces => self.faces,
            AnalysisKind::Ocr => self.ocr.is_some(),
            AnalysisKind::Quality => self.quality_analysis,
            AnalysisKind::Accessibility => self.accessibility_analysis,
            AnalysisKind::Cinemagraph => self.cinemagraph_analysis,
            AnalysisKind::Blurhash => self.blurhash,
            AnalysisKind::Thumbhash => self.thumbhash,
            AnalysisKind::AverageColor => self.average_color,
            AnalysisKind::MimeType => self.mime_type,
        }
    }
}

/// Analyses every file; exit status 1 when any of them could not be analysed.
pub fn run(args: &AnalyzeArgs) -> ExitCode {
    let options = args.options();
    let inputs = inputs::expand(&args.files, args.recursive);
    let jobs = args
        .jobs
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("assay analyze: cannot start {jobs} threads: {e}");
            return ExitCode::FAILURE;
        }
    };
    let progress = progress_bar(inputs.len());

    // Workers send (index, outcome); this thread prints each line as soon as
    // every line before it is printed, so output order is input order.
    let (sender, receiver) = mpsc::channel();
    let mut printer = OrderedPrinter::new(args.timings, &progress);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pool.install(|| {
                inputs
                    .par_iter()
                    .enumerate()
                    .for_each_with(sender, |sender, (index, input)| {
                        // A closed channel means the printer stopped (reader gone): skip the work.
                        let _ = sender.send((index, analyze_input(input, &options)));
                    });
            });
        });
        for (index, outcome) in receiver {
            progress.inc(1);
            if printer.add(index, outcome).is_err() {
                // The reader went away (`assay analyze ... | head`): stop printing;
                // dropping the receiver makes the remaining sends fail fast.
                break;
            }
        }
    });
    progress.finish_and_clear();
    if printer.failed_write || !printer.all_ok {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A bar on standard error when it is a terminal; nothing otherwise (pipes and logs stay clean).
fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
    }
    let progress = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} files analysed, {per_sec}, eta {eta}")
    {
        progress.set_style(style);
    }
    progress
}

/// One file's line, and its stage times when it was analysed.
type Outcome = (Value, Option<Value>);

fn analyze_input(input: &Input, options: &Options) -> Outcome {
    match input {
        Input::File(file) => match analyze_file(file, options) {
            Ok((fields, timings)) => (with_file(file, fields), Some(timings)),
            Err(message) => (error_line(&file.display().to_string(), &message), None),
        },
        Input::Unusable { argument, reason } => (error_line(argument, reason), None),
    }
}

/// Holds lines that arrive early until those before them are printed.
struct OrderedPrinter<'a> {
    next: usize,
    waiting: BTreeMap<usize, Outcome>,
    timings: bool,
    progress: &'a ProgressBar,
    all_ok: bool,
    failed_write: bool,
}

impl<'a> OrderedPrinter<'a> {
    fn new(timings: bool, progress: &'a ProgressBar) -> Self {
        OrderedPrinter {
            next: 0,
            waiting: BTreeMap::new(),
            timings,
            progress,
            all_ok: true,
            failed_write: false,
        }
    }

    fn add(&mut self, index: usize, outcome: Outcome) -> std::io::Result<()> {
        self.waiting.insert(index, outcome);
        while let Some((line, timings)) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.all_ok &= line.get("error").is_none();
            if let (true, Some(timings)) = (self.timings, timings) {
                let file = line["file"].clone();
                self.progress
                    .suspend(|| eprintln!("{}", json!({ "file": file, "timings_ms": timings })));
            }
            let mut stdout = std::io::stdout().lock();
            let written = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
            if let Err(e) = written {
                self.failed_write = true;
                return Err(e);
            }
        }
        Ok(())
    }
}

/// The file's fields, and its time per stage in ms.
fn analyze_file(file: &Path, options: &Options) -> Result<(Value, Value), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("Cannot read {}: {e}", file.display()))?;
    let analysis = extract::analyze(&bytes, options).map_err(|e| e.to_string())?;
    let timings: Map<String, Value> = analysis
        .timings
        .iter()
        .map(|(stage, spent)| (stage.name().to_owned(), json!(spent.as_secs_f64() * 1e3)))
        .collect();
    let fields = serde_json::to_value(&analysis)
        .map_err(|e| format!("Cannot serialise the analysis: {e}"))?;
    Ok((fields, Value::Object(timings)))
}

/// `{"file": <argument>, "error": {"message": ...}}`.
fn error_line(file: &str, message: &str) -> Value {
    json!({ "file": file, "error": { "message": message } })
}

/// `{"file": <path as given>, ...fields}`.
fn with_file(file: &Path, fields: Value) -> Value {
    let mut object = Map::new();
    object.insert("file".to_owned(), Value::String(file.display().to_string()));
    if let Value::Object(fields) = fields {
        object.extend(fields);
    }
    Value::Object(object)
}
