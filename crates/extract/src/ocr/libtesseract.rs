//! Debian's libtesseract, opened on first use (`dlopen`) instead of linked.
//!
//! Why: linked, libtesseract and its dependency tree (leptonica, libarchive,
//! libcurl, image codecs: about 40 shared libraries) were loaded and relocated
//! at the start of every `assay` process and service worker, OCR or not;
//! that was most of the 16 ms a process took to start (issue 18). Opened on
//! demand, only a process that reads a page pays for it, once.
//!
//! The functions are those of Tesseract's stable C API (`tesseract/capi.h`,
//! Tesseract 4 and 5), declared here with their C signatures.

use std::ffi::{c_char, c_int, c_uchar, c_void};
use std::sync::OnceLock;

use libloading::Library;

/// The sonames tried, newest first (Debian bookworm and trixie ship
/// `libtesseract.so.5` in `libtesseract5`).
const LIBRARY_NAMES: [&str; 3] = ["libtesseract.so.5", "libtesseract.so.4", "libtesseract.so"];

/// `TessBaseAPI*` and `ETEXT_DESC*`: opaque to us.
pub(crate) type BaseApi = c_void;
pub(crate) type Monitor = c_void;

/// `TessPageSegMode`'s `PSM_AUTO_OSD`: automatic page segmentation with
/// orientation and script detection.
pub(crate) const PSM_AUTO_OSD: c_int = 1;

/// The C API's functions we call, resolved once.
pub(crate) struct Api {
    pub create: unsafe extern "C" fn() -> *mut BaseApi,
    pub delete: unsafe extern "C" fn(*mut BaseApi),
    pub init3: unsafe extern "C" fn(*mut BaseApi, *const c_char, *const c_char) -> c_int,
    pub set_variable: unsafe extern "C" fn(*mut BaseApi, *const c_char, *const c_char) -> c_int,
    pub set_page_seg_mode: unsafe extern "C" fn(*mut BaseApi, c_int),
    pub set_image: unsafe extern "C" fn(*mut BaseApi, *const c_uchar, c_int, c_int, c_int, c_int),
    pub recognize: unsafe extern "C" fn(*mut BaseApi, *mut Monitor) -> c_int,
    pub get_tsv_text: unsafe extern "C" fn(*mut BaseApi, c_int) -> *mut c_char,
    pub clear: unsafe extern "C" fn(*mut BaseApi),
    pub delete_text: unsafe extern "C" fn(*const c_char),
    pub monitor_create: unsafe extern "C" fn() -> *mut Monitor,
    pub monitor_delete: unsafe extern "C" fn(*mut Monitor),
    pub monitor_set_deadline_msecs: unsafe extern "C" fn(*mut Monitor, c_int),
    /// Keeps the functions above mapped for the life of the process.
    _library: Library,
}

/// The loaded library, or why it could not be loaded (this analysis's
/// error, as for any OCR failure).
pub(crate) fn api() -> Result<&'static Api, String> {
    static API: OnceLock<Result<Api, String>> = OnceLock::new();
    API.get_or_init(load).as_ref().map_err(Clone::clone)
}

fn load() -> Result<Api, String> {
    let mut errors = Vec::new();
    for name in LIBRARY_NAMES {
        // SAFETY: loading libtesseract runs its static initialisers, which
        // have no preconditions.
        match unsafe { Library::new(name) } {
            Ok(library) => return resolve(library),
            Err(e) => errors.push(e.to_string()),
        }
    }
    Err(format!(
        "tesseract is not installed (Debian package libtesseract5): {}",
        errors.join("; ")
    ))
}

fn resolve(library: Library) -> Result<Api, String> {
    macro_rules! function {
        ($name:literal) => {
            // SAFETY: each symbol is declared with its C signature from
            // tesseract/capi.h; the pointer stays valid while `library` is
            // kept in the returned `Api`.
            *unsafe { library.get(concat!($name, "\0").as_bytes()) }
                .map_err(|e| format!("libtesseract lacks {}: {e}", $name))?
        };
    }
    Ok(Api {
        create: function!("TessBaseAPICreate"),
        delete: function!("TessBaseAPIDelete"),
        init3: function!("TessBaseAPIInit3"),
        set_variable: function!("TessBaseAPISetVariable"),
        set_page_seg_mode: function!("TessBaseAPISetPageSegMode"),
        set_image: function!("TessBaseAPISetImage"),
        recognize: function!("TessBaseAPIRecognize"),
        get_tsv_text: function!("TessBaseAPIGetTsvText"),
        clear: function!("TessBaseAPIClear"),
        delete_text: function!("TessDeleteText"),
        monitor_create: function!("TessMonitorCreate"),
        monitor_delete: function!("TessMonitorDelete"),
        monitor_set_deadline_msecs: function!("TessMonitorSetDeadlineMSecs"),
        _library: library,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_library_has_every_function_we_call() {
        api().unwrap();
    }
}
