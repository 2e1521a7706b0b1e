//! `assay analyze FILE...`: one JSON object per line per file, with exactly the
//! fields the upload response carries for the same options, plus `"file"`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use extract::ocr::OcrOptions;
use extract::{Options, Rect};
use serde_json::{json, Map, Value};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Image files to analyse.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
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
        Options {
            colors: self.colors || self.all,
            phash: self.phash || self.all,
            media_metadata: self.media_metadata || self.all,
            faces: self.faces || self.all,
            ocr: self
                .ocr
                .clone()
                .or_else(|| self.all.then(OcrOptions::default)),
            quality: self.quality_analysis || self.all,
            accessibility: self.accessibility_analysis || self.all,
            cinemagraph: self.cinemagraph_analysis || self.all,
            blurhash: self.blurhash || self.all,
            thumbhash: self.thumbhash || self.all,
            average_color: self.average_color || self.all,
            mime_type: self.mime_type || self.all,
            custom_coordinates: self.custom_coordinates.as_ref().map(|c| c.0.clone()),
            ..Options::default()
        }
    }
}

/// Analyses every file; exit status 1 when any of them could not be analysed.
pub fn run(args: &AnalyzeArgs) -> ExitCode {
    let options = args.options();
    let mut stdout = std::io::stdout().lock();
    let mut all_ok = true;
    for file in &args.files {
        let line = match analyze_file(file, &options) {
            Ok((fields, timings)) => {
                if args.timings {
                    eprintln!("{}", with_file(file, json!({ "timings_ms": timings })));
                }
                with_file(file, fields)
            }
            Err(message) => {
                all_ok = false;
                with_file(file, json!({ "error": { "message": message } }))
            }
        };
        if writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // The reader went away (`assay analyze ... | head`): nothing left to do.
            return ExitCode::FAILURE;
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
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

/// `{"file": <path as given>, ...fields}`.
fn with_file(file: &Path, fields: Value) -> Value {
    let mut object = Map::new();
    object.insert("file".to_owned(), Value::String(file.display().to_string()));
    if let Value::Object(fields) = fields {
        object.extend(fields);
    }
    Value::Object(object)
}
