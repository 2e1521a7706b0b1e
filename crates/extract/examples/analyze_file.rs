//! `assay analyze` reduced to the extract crate: reads one file, runs the
//! requested analyses, prints the JSON. It takes the CLI's argument shape
//! (`analyze [--colors] [--phash] [--media-metadata] [--faces] FILE`, plus
//! `--quality`, `--accessibility`, `--cinemagraph`, `--blurhash`,
//! `--thumbhash` and `--average-color` for timing those) so that
//! `bench/whole_process.py --assay` can time whole processes without building
//! the service crates the real binary links.

use std::process::ExitCode;

use extract::AnalysisKind;

fn main() -> ExitCode {
    let mut options = extract::Options::default();
    let mut file = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "analyze" => {}
            // An analysis by its parameter name (`--media-metadata`), or
            // without the `_analysis` ending (`--quality`).
            flag if flag.starts_with("--") => {
                let name = flag.trim_start_matches("--").replace('-', "_");
                let kind = AnalysisKind::from_parameter(&name)
                    .or_else(|| AnalysisKind::from_parameter(&format!("{name}_analysis")));
                let Some(kind) = kind else {
                    eprintln!("unknown flag {flag}");
                    return ExitCode::FAILURE;
                };
                options.analyses.insert(kind);
            }
            path => file = Some(path.to_owned()),
        }
    }
    let Some(file) = file else {
        eprintln!(
            "usage: analyze_file analyze [--colors] [--phash] [--media-metadata] [--faces] FILE"
        );
        return ExitCode::FAILURE;
    };
    let result = std::fs::read(&file)
        .map_err(|e| format!("cannot read {file}: {e}"))
        .and_then(|bytes| extract::analyze(&bytes, &options).map_err(|e| e.to_string()))
        .inspect(|analysis| {
            // Where the time went, for profiling the bench (stderr, on request).
            if std::env::var_os("ASSAY_TIMINGS").is_some() {
                for (stage, spent) in analysis.timings.iter() {
                    eprintln!("{}: {:.1} ms", stage.name(), spent.as_secs_f64() * 1e3);
                }
            }
        })
        .and_then(|analysis| serde_json::to_string(&analysis).map_err(|e| e.to_string()));
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{file}: {e}");
            ExitCode::FAILURE
        }
    }
}
