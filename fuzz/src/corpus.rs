//! Seed inputs: the shared test corpus (whole files for the file-level
//! targets, the metadata blocks those files carry for the parser targets),
//! plus the package's own seeds in `fuzz/seeds/<target>`, whatever libFuzzer
//! has grown in `fuzz/corpus/<target>` and the inputs that once crashed,
//! kept in `fuzz/regressions/<target>`.

use std::path::{Path, PathBuf};

/// An input and where it came from (for messages).
#[derive(Debug, Clone)]
pub struct Seed {
    pub origin: String,
    pub bytes: Vec<u8>,
}

/// `$ASSAY_SHARED/corpus`, by default `<repo>/../shared/corpus`
/// (`test_support::corpus`); missing, it is reported by [`shared_files`].
pub fn shared_corpus_dir() -> PathBuf {
    test_support::corpus::shared_dir().join("corpus")
}

/// This package's own folder (`fuzz/`).
pub fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The test images of the shared corpus: every top-level file but its notes
/// and scripts. Fails if the corpus is missing, so a bounded run never
/// passes on no seeds at all.
pub fn shared_files() -> Result<Vec<Seed>, String> {
    let dir = shared_corpus_dir();
    let files = read_dir_files(&dir)
        .map_err(|e| format!("cannot read the shared corpus at {}: {e}", dir.display()))?;
    let images: Vec<Seed> = files
        .into_iter()
        .filter(|seed| !matches!(extension(&seed.origin), "md" | "py" | "json"))
        .collect();
    if images.is_empty() {
        return Err(format!("no test images in {}", dir.display()));
    }
    Ok(images)
}

/// The seeds of `target`: whole files for `analyze` and `container`, the
/// named kind of metadata block for the parser targets; then the grown
/// corpus and the regression inputs, if present.
pub fn seeds_for(target: &str, files: &[Seed]) -> Vec<Seed> {
    let mut seeds: Vec<Seed> = match target {
        "analyze" | "container" => files.to_vec(),
        parser => files
            .iter()
            .flat_map(|file| {
                extract::metadata::fuzzing::blocks(&file.bytes)
                    .into_iter()
                    .filter(|(kind, _)| *kind == parser)
                    .enumerate()
                    .map(|(i, (_, bytes))| Seed {
                        origin: format!("{} ({parser} block {i})", file.origin),
                        bytes,
                    })
            })
            .collect(),
    };
    // `seeds/<target>`: inputs the shared corpus lacks (a PDF, whose pages
    // the `analyze` target renders through poppler).
    for folder in ["seeds", "corpus", "regressions"] {
        // Absent folders are normal: no own seeds, nothing grown or nothing
        // ever crashed.
        seeds.extend(read_dir_files(&fuzz_dir().join(folder).join(target)).unwrap_or_default());
    }
    seeds
}

fn read_dir_files(dir: &Path) -> std::io::Result<Vec<Seed>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            Ok(Seed {
                bytes: std::fs::read(&path)?,
                origin: path.display().to_string(),
            })
        })
        .collect()
}

fn extension(path: &str) -> &str {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
}
