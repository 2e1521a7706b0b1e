//! What the file arguments of `assay analyze` and `assay dedupe` name: files,
//! folders (their files; every level below with `recursive`) and quoted globs
//! (`'photos/**/*.jpg'`, expanded here because no shell did), in a stable order.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// One input file, or an argument that named none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    /// The argument as given, and why it names no file (shown on its own line).
    Unusable {
        argument: String,
        reason: String,
    },
}

/// Expands the arguments in order: a folder becomes its files sorted by name
/// (hidden entries skipped), a glob its matches sorted, anything else stays as
/// given, so that a missing file is reported by whoever reads it.
pub fn expand(arguments: &[PathBuf], recursive: bool) -> Vec<Input> {
    let mut inputs = Vec::new();
    for argument in arguments {
        if argument.is_dir() {
            inputs.extend(files_in(argument, recursive));
        } else if !argument.exists() && is_glob(argument) {
            inputs.extend(glob_matches(argument, recursive));
        } else {
            inputs.push(Input::File(argument.clone()));
        }
    }
    inputs
}

/// The files of a folder, sorted by name; with `recursive`, of every folder below it.
/// Entries that cannot be listed are reported as unusable, not fatal.
pub fn files_in(dir: &Path, recursive: bool) -> Vec<Input> {
    let walk = WalkDir::new(dir)
        .max_depth(if recursive { usize::MAX } else { 1 })
        .sort_by_file_name()
        .into_iter()
        // Hidden files and folders (`.DS_Store`, `.git`) are not the user's photos;
        // the folder named on the command line is walked whatever its name.
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    let mut inputs = Vec::new();
    for entry in walk {
        match entry {
            Ok(entry) if entry.file_type().is_file() => inputs.push(Input::File(entry.into_path())),
            Ok(_) => {}
            Err(e) => inputs.push(Input::Unusable {
                argument: e.path().unwrap_or(dir).display().to_string(),
                reason: format!("Cannot list: {e}"),
            }),
        }
    }
    inputs
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|name| name.starts_with('.'))
}

fn is_glob(argument: &Path) -> bool {
    argument
        .to_str()
        .is_some_and(|text| text.contains(['*', '?', '[']))
}

/// A glob's matching files (folders among them expanded like a folder argument).
fn glob_matches(pattern: &Path, recursive: bool) -> Vec<Input> {
    let argument = pattern.display().to_string();
    // As a shell expands it: `*` does not match a leading dot.
    let shell_like = glob::MatchOptions {
        require_literal_leading_dot: true,
        ..glob::MatchOptions::new()
    };
    let paths = match glob::glob_with(&argument, shell_like) {
        Ok(paths) => paths,
        Err(e) => {
            return vec![Input::Unusable {
                argument,
                reason: format!("Invalid glob: {e}"),
            }]
        }
    };
    let mut inputs = Vec::new();
    for path in paths {
        match path {
            Ok(path) if path.is_dir() => inputs.extend(files_in(&path, recursive)),
            Ok(path) => inputs.push(Input::File(path)),
            Err(e) => inputs.push(Input::Unusable {
                argument: e.path().display().to_string(),
                reason: format!("Cannot read: {}", e.error()),
            }),
        }
    }
    if inputs.is_empty() {
        inputs.push(Input::Unusable {
            argument,
            reason: "No file matches this pattern".to_owned(),
        });
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            "b.jpg",
            "a.png",
            ".hidden.jpg",
            "sub/c.jpg",
            "sub/deeper/d.gif",
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        dir
    }

    fn names(dir: &Path, inputs: &[Input]) -> Vec<String> {
        inputs
            .iter()
            .map(|input| match input {
                Input::File(path) => path.strip_prefix(dir).unwrap().display().to_string(),
                Input::Unusable { argument, .. } => format!("!{argument}"),
            })
            .collect()
    }

    #[test]
    fn a_folder_gives_its_own_files_sorted_without_hidden_ones() {
        let dir = tree();
        let inputs = expand(&[dir.path().to_owned()], false);
        assert_eq!(names(dir.path(), &inputs), ["a.png", "b.jpg"]);
    }

    #[test]
    fn recursive_walks_every_level() {
        let dir = tree();
        let inputs = expand(&[dir.path().to_owned()], true);
        assert_eq!(
            names(dir.path(), &inputs),
            ["a.png", "b.jpg", "sub/c.jpg", "sub/deeper/d.gif"]
        );
    }

    #[test]
    fn a_quoted_glob_is_expanded_and_one_that_matches_nothing_is_reported() {
        let dir = tree();
        let pattern = dir.path().join("**/*.jpg");
        let inputs = expand(&[pattern], false);
        assert_eq!(names(dir.path(), &inputs), ["b.jpg", "sub/c.jpg"]);

        let nothing = dir.path().join("*.tiff");
        let inputs = expand(std::slice::from_ref(&nothing), false);
        assert!(
            matches!(&inputs[..], [Input::Unusable { argument, .. }] if *argument == nothing.display().to_string())
        );
    }

    #[test]
    fn plain_arguments_keep_their_order_and_missing_files_stay_for_the_reader() {
        let dir = tree();
        let missing = dir.path().join("missing.jpg");
        let inputs = expand(
            &[
                dir.path().join("b.jpg"),
                missing.clone(),
                dir.path().join("a.png"),
            ],
            false,
        );
        assert_eq!(
            names(dir.path(), &inputs),
            ["b.jpg", "missing.jpg", "a.png"]
        );
    }
}
