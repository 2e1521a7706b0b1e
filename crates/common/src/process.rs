//! Process-wide settings each binary makes first thing in `main`: variables
//! that the C and C++ libraries we open read from the environment.

use std::ffi::OsStr;

/// Each variable, and the value it gets unless the operator set it.
///
/// - `OMP_THREAD_LIMIT` (libgomp, read when libtesseract, which links it, is
///   first opened): Tesseract parallelises with OpenMP, whose idle threads
///   spin: on 2 cores a scanned page (`text_unlv_8071_093.tif`) took 12 s
///   instead of 2.4 s with the default, and 20 s on a busy machine. One thread
///   per OCR call; concurrent requests supply the parallelism.
/// - `ORT_DISABLE_TELEMETRY` (ONNX Runtime, read when its environment is made):
///   otherwise ONNX Runtime 1.32 keeps a device id in an SQLite file under
///   `~/.cache/Microsoft/DeveloperTools` (three fsyncs, ~5 ms) and prepares to
///   send usage events to Microsoft. A self-hosted service does neither.
const DEFAULTS: [(&str, &str); 2] = [("OMP_THREAD_LIMIT", "1"), ("ORT_DISABLE_TELEMETRY", "1")];

/// Sets each of [`DEFAULTS`] the operator left unset.
///
/// Call it before any thread starts: it writes the process environment.
pub fn set_library_defaults() {
    for (name, default) in DEFAULTS {
        if let Some(value) = value_to_set(std::env::var_os(name).as_deref(), default) {
            // Sound only while the process has one thread: callers run this at
            // the top of `main`, before any runtime or pool exists.
            std::env::set_var(name, value);
        }
    }
}

/// The value to set, given the one the process was started with.
fn value_to_set<'a>(current: Option<&OsStr>, default: &'a str) -> Option<&'a str> {
    match current {
        None => Some(default),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_unless_the_operator_chose() {
        assert_eq!(value_to_set(None, "1"), Some("1"));
        assert_eq!(value_to_set(Some(OsStr::new("4")), "1"), None);
        assert_eq!(value_to_set(Some(OsStr::new("")), "1"), None);
    }
}
