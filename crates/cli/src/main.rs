//! `assay`: analyse image files offline, or serve the APIs.

mod analyze;
mod dedupe;
mod inputs;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "assay",
    version,
    about = "Self-hosted, Cloudinary-compatible image analysis"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print, for each file, one JSON line with the upload response's analysis fields.
    Analyze(analyze::AnalyzeArgs),
    /// Group the near-duplicate images under a folder by pHash.
    Dedupe(dedupe::DedupeArgs),
    /// Serve the Upload and Admin APIs on one port (ASSAY_* environment variables).
    Serve,
    /// Apply pending database migrations (DATABASE_URL), then exit.
    Migrate,
}

fn main() -> ExitCode {
    common::process::set_library_defaults();
    match Cli::parse().command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Dedupe(args) => dedupe::run(&args),
        Command::Serve => match cli::serve::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("assay serve: {err:#}");
                ExitCode::FAILURE
            }
        },
        Command::Migrate => match cli::migrate::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("assay migrate: {err:#}");
                ExitCode::FAILURE
            }
        },
    }
}
