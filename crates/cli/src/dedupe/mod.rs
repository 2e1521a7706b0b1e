//! `assay dedupe DIR`: hashes every image under a folder (recursively, on all
//! cores, with a progress bar on stderr) and prints the groups of
//! near-duplicates: one path per line and a blank line between groups, or
//! `{"groups": [[path, ...], ...]}` with `--json`. Files that are not images
//! are skipped quietly (counted on stderr); images that cannot be read or
//! decoded are reported on stderr and skipped.

mod grouping;

use extract::AnalysisKind;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use extract::{ExtractError, Options, Phash};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;

use crate::inputs::{self, Input};
use grouping::near_duplicate_groups;

/// Chosen on the harder edits (README, "Near-duplicate search"; crop 5% per
/// edge and rotation 5 degrees reach 16-24 bits from their original):
/// unrelated photos are never closer than 18, and 14 is the largest
/// distance that keeps 4 bits of room below that (pairwise precision 1.0,
/// recall 0.93; 12 gave 0.88).
const DEFAULT_MAX_DISTANCE: u32 = 14;

#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// Folder to search, subfolders included.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Largest pHash distance (0-64) between two images of a group's chain.
    #[arg(long, default_value_t = DEFAULT_MAX_DISTANCE, value_parser = clap::value_parser!(u32).range(0..=64))]
    max_distance: u32,
    /// Print `{"groups": [[path, ...], ...]}`.
    #[arg(long)]
    json: bool,
}

/// What hashing one file gave.
enum Hashed {
    Image(Phash),
    NotAnImage,
    Failed(String),
}

pub fn run(args: &DedupeArgs) -> ExitCode {
    let started = Instant::now();
    let files = match files_under(&args.dir) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("assay dedupe: {message}");
            return ExitCode::FAILURE;
        }
    };
    let hashed = hash_all(&files);

    let mut images = Vec::new();
    let mut hashes = Vec::new();
    let mut not_images = 0;
    for (path, outcome) in files.iter().zip(hashed) {
        match outcome {
            Hashed::Image(phash) => {
                images.push(path);
                hashes.push(phash);
            }
            Hashed::NotAnImage => not_images += 1,
            Hashed::Failed(reason) => {
                eprintln!("assay dedupe: skipped {}: {reason}", path.display())
            }
        }
    }
    let groups: Vec<Vec<String>> = near_duplicate_groups(&hashes, args.max_distance)
        .into_iter()
        .map(|group| {
            group
                .into_iter()
                .map(|i| images[i].display().to_string())
                .collect()
        })
        .collect();
    eprintln!(
        "assay dedupe: {} images hashed ({not_images} other files skipped), {} groups, {:.1} s",
        images.len(),
        groups.len(),
        started.elapsed().as_secs_f64()
    );

    let printed = if args.json {
        writeln!(std::io::stdout(), "{}", json!({ "groups": groups }))
    } else {
        print_groups(&groups)
    };
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

/// Every file under `dir` (hidden ones aside), in a stable order. Entries
/// that cannot be listed are reported and skipped; a `dir` that cannot be read
/// at all is an error.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a readable folder", dir.display()));
    }
    let mut files = Vec::new();
    for input in inputs::files_in(dir, true) {
        match input {
            Input::File(path) => files.push(path),
            Input::Unusable { argument, reason } => {
                eprintln!("assay dedupe: skipped {argument}: {reason}")
            }
        }
    }
    Ok(files)
}

/// Hashes the files on every core (rayon's pool), in input order.
fn hash_all(files: &[PathBuf]) -> Vec<Hashed> {
    let progress = ProgressBar::new(files.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} files hashed, {per_sec}, eta {eta}")
    {
        progress.set_style(style);
    }
    let hashed = files
        .par_iter()
        .map(|path| {
            let outcome = hash_file(path);
            progress.inc(1);
            outcome
        })
        .collect();
    progress.finish_and_clear();
    hashed
}

/// The file's pHash, from extract's decoder and hash (the service's own).
fn hash_file(path: &Path) -> Hashed {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return Hashed::Failed(e.to_string()),
    };
    let options = Options::of(AnalysisKind::Phash);
    match extract::analyze(&bytes, &options) {
        Ok(analysis) => match analysis.phash {
            Some(phash) => Hashed::Image(phash),
            None => Hashed::Failed("no pHash computed".into()),
        },
        Err(ExtractError::Unsupported) => Hashed::NotAnImage,
        Err(e) => Hashed::Failed(e.to_string()),
    }
}

fn print_groups(groups: &[Vec<String>]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            writeln!(stdout)?;
        }
        for path in group {
            writeln!(stdout, "{path}")?;
        }
    }
    stdout.flush()
}
