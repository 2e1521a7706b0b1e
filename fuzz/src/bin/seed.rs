//! Writes the seed corpus of every target to `fuzz/corpus/<target>/` (where
//! `cargo fuzz run` looks), from the shared test corpus.

use std::process::ExitCode;

use assay_fuzz::corpus::{fuzz_dir, seeds_for, shared_files};
use assay_fuzz::TARGETS;

fn main() -> ExitCode {
    let files = match shared_files() {
        Ok(files) => files,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    for target in TARGETS {
        let dir = fuzz_dir().join("corpus").join(target.name);
        let seeds = seeds_for(target.name, &files);
        let written = std::fs::create_dir_all(&dir).and_then(|()| {
            seeds.iter().enumerate().try_for_each(|(i, seed)| {
                std::fs::write(dir.join(format!("seed-{i:03}")), &seed.bytes)
            })
        });
        if let Err(e) = written {
            eprintln!("writing {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        println!(
            "{:<10} {:>3} seeds in {}",
            target.name,
            seeds.len(),
            dir.display()
        );
    }
    ExitCode::SUCCESS
}
