//! Process-wide settings each binary makes first thing in `main`.

use std::ffi::OsStr;

/// The environment variable that caps OpenMP's threads (libgomp reads it
/// when libtesseract, which links it, is first opened).
const OPENMP_THREAD_LIMIT: &str = "OMP_THREAD_LIMIT";

/// Tesseract parallelises with OpenMP, whose idle threads spin: on 2 cores a
/// scanned page (`text_unlv_8071_093.tif`) took 12 s instead of 2.4 s with
/// the default, and 20 s on a busy machine. One thread per OCR call is the
/// default here (concurrent requests supply the parallelism); an operator's
/// own `OMP_THREAD_LIMIT` is kept.
///
/// Call it before any thread starts: it writes the process environment.
pub fn limit_openmp_threads() {
    if let Some(value) =
        openmp_thread_limit_to_set(std::env::var_os(OPENMP_THREAD_LIMIT).as_deref())
    {
        // Sound only while the process has one thread: callers run this at
        // the top of `main`, before any runtime or pool exists.
        std::env::set_var(OPENMP_THREAD_LIMIT, value);
    }
}

/// The value to set, given the one the process was started with.
fn openmp_thread_limit_to_set(current: Option<&OsStr>) -> Option<&'static str> {
    match current {
        None => Some("1"),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_openmp_thread_unless_the_operator_chose() {
        assert_eq!(openmp_thread_limit_to_set(None), Some("1"));
        assert_eq!(openmp_thread_limit_to_set(Some(OsStr::new("4"))), None);
        assert_eq!(openmp_thread_limit_to_set(Some(OsStr::new(""))), None);
    }
}
