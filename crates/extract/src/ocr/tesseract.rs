//! Tesseract (Debian's libtesseract, through its C API, opened on first use by
//! [`super::libtesseract`]): a pool of initialised engines, a deadline per
//! image, and the TSV output turned into [`RecognizedPage`].
//!
//! Why the C API and not the `tesseract` crate's wrapper: only the C API takes
//! a progress monitor, and the monitor is what carries the deadline. Why the
//! library and not the command: loading a language model costs 60-80 ms, which
//! a pooled engine pays once; TSV gives words with boxes, confidence and their
//! block/paragraph/line in one pass.

use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr::{self, NonNull};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use image::GrayImage;

use super::libtesseract::{self, Api, BaseApi, PSM_AUTO_OSD};
use super::shape::{PixelBox, RecognizedPage, RecognizedWord};

/// Idle engines kept per process: one per core is all that can run at once.
const MAX_IDLE_ENGINES: usize = 4;

/// Words the engine is less sure of than this (0..=100) are dropped: on
/// photographs Tesseract reads texture as strings of low-confidence "words",
/// while printed text it reads correctly scores far above this.
const MIN_WORD_CONFIDENCE: f32 = 30.0;

/// Initialised engines waiting for work, with the language each one loaded.
static IDLE: Mutex<Vec<(String, Engine)>> = Mutex::new(Vec::new());

/// How Tesseract segments the image into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Columns, blocks and paragraphs of a page, with orientation and script
    /// detection (needs `osd.traineddata`, Debian's tesseract-ocr-osd): a page
    /// scanned sideways is read in its own orientation, and boxes stay in the
    /// pixels of the image we passed in.
    Page,
}

impl Layout {
    fn page_seg_mode(self) -> c_int {
        match self {
            Layout::Page => PSM_AUTO_OSD,
        }
    }
}

/// Reads `image` in `language` (Tesseract codes, e.g. `eng` or `eng+deu`),
/// giving up after `deadline`. Boxes are in `image` pixels. Errors are this
/// analysis's only.
pub fn read(
    image: &GrayImage,
    language: &str,
    layout: Layout,
    deadline: Duration,
) -> Result<RecognizedPage, String> {
    let mut engine = take_engine(language)?;
    let tsv = engine.read_tsv(image, layout, deadline)?;
    give_back(language, engine);
    Ok(RecognizedPage {
        width: image.width(),
        height: image.height(),
        words: parse_tsv(&tsv),
    })
}

fn take_engine(language: &str) -> Result<Engine, String> {
    let idle = {
        let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let found = idle.iter().position(|(lang, _)| lang == language);
        found.map(|i| idle.swap_remove(i).1)
    };
    match idle {
        Some(engine) => Ok(engine),
        None => Engine::new(language),
    }
}

/// Engines that failed are not given back: they are dropped with their state.
fn give_back(language: &str, engine: Engine) {
    let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if idle.len() < MAX_IDLE_ENGINES {
        idle.push((language.to_owned(), engine));
    }
}

/// One `TessBaseAPI` with a language loaded.
struct Engine {
    api: &'static Api,
    handle: NonNull<BaseApi>,
}

// SAFETY: a TessBaseAPI has no thread affinity; an `Engine` is owned by one
// caller at a time (it moves in and out of the pool by value).
unsafe impl Send for Engine {}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: the handle came from TessBaseAPICreate and is deleted once.
        unsafe { (self.api.delete)(self.handle.as_ptr()) }
    }
}

impl Engine {
    fn new(language: &str) -> Result<Self, String> {
        let c_language =
            CString::new(language).map_err(|_| format!("invalid OCR language {language:?}"))?;
        let api = libtesseract::api()?;
        // SAFETY: plain constructor; a null result is handled.
        let handle =
            NonNull::new(unsafe { (api.create)() }).ok_or("tesseract could not be created")?;
        let engine = Engine { api, handle };
        // SAFETY: valid handle; null datapath means the packaged tessdata.
        if unsafe { (api.init3)(handle.as_ptr(), ptr::null(), c_language.as_ptr()) } != 0 {
            return Err(format!(
                "tesseract could not load language {language:?} (is its traineddata installed?)"
            ));
        }
        // Its diagnostics ("Estimating resolution as ...") would otherwise go
        // to the service's stderr on every call.
        // SAFETY: valid handle and NUL-terminated strings.
        unsafe {
            (api.set_variable)(
                handle.as_ptr(),
                c"debug_file".as_ptr(),
                c"/dev/null".as_ptr(),
            )
        };
        Ok(engine)
    }

    /// Recognises `image` and returns Tesseract's TSV, giving up after `deadline`.
    fn read_tsv(
        &mut self,
        image: &GrayImage,
        layout: Layout,
        deadline: Duration,
    ) -> Result<String, String> {
        let width = c_int::try_from(image.width()).map_err(|_| "image too wide for OCR")?;
        let height = c_int::try_from(image.height()).map_err(|_| "image too tall for OCR")?;
        let (lib, api) = (self.api, self.handle.as_ptr());
        // Set per call: pooled engines serve both layouts.
        // SAFETY: valid handle.
        unsafe { (lib.set_page_seg_mode)(api, layout.page_seg_mode()) };
        let monitor = Monitor::with_deadline(lib, deadline)?;
        let started = Instant::now();
        // SAFETY: `image` holds width*height grey bytes, one byte per pixel
        // and `width` bytes per line; Tesseract copies them.
        unsafe { (lib.set_image)(api, image.as_raw().as_ptr(), width, height, 1, width) };
        // SAFETY: valid handle and monitor.
        let status = unsafe { (lib.recognize)(api, monitor.handle.as_ptr()) };
        let result = if started.elapsed() >= deadline {
            Err(format!("tesseract gave up after {deadline:?}"))
        } else if status != 0 {
            Err("tesseract could not recognise the image".to_owned())
        } else {
            // SAFETY: valid handle; the text is ours to free with TessDeleteText.
            let text = unsafe { (lib.get_tsv_text)(api, 0) };
            owned_text(lib, text).ok_or_else(|| "tesseract returned no result".to_owned())
        };
        // SAFETY: valid handle; frees the copied image and results before pooling.
        unsafe { (lib.clear)(api) };
        result
    }
}

/// Copies and frees a string Tesseract allocated; `None` for null.
fn owned_text(lib: &Api, text: *mut c_char) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated, allocated by Tesseract, freed once here.
    unsafe {
        let owned = CStr::from_ptr(text).to_string_lossy().into_owned();
        (lib.delete_text)(text);
        Some(owned)
    }
}

/// Tesseract's progress monitor, here only to carry the deadline.
struct Monitor {
    api: &'static Api,
    handle: NonNull<libtesseract::Monitor>,
}

impl Monitor {
    fn with_deadline(api: &'static Api, deadline: Duration) -> Result<Self, String> {
        // SAFETY: plain constructor; a null result is handled.
        let handle = NonNull::new(unsafe { (api.monitor_create)() })
            .ok_or("tesseract monitor could not be created")?;
        let millis = c_int::try_from(deadline.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: valid monitor; the deadline counts from now.
        unsafe { (api.monitor_set_deadline_msecs)(handle.as_ptr(), millis) };
        Ok(Monitor { api, handle })
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        // SAFETY: created by TessMonitorCreate, deleted once.
        unsafe { (self.api.monitor_delete)(self.handle.as_ptr()) }
    }
}

/// TSV columns: level page block par line word left top width height conf text.
/// Only level-5 rows (words) with visible text and enough confidence are kept.
fn parse_tsv(tsv: &str) -> Vec<RecognizedWord> {
    tsv.lines()
        .filter_map(parse_word_row)
        .filter(|w| w.confidence >= MIN_WORD_CONFIDENCE)
        .collect()
}

fn parse_word_row(row: &str) -> Option<RecognizedWord> {
    let mut fields = row.splitn(12, '\t');
    let mut next_number = || fields.next()?.trim().parse::<u32>().ok();
    let level = next_number()?;
    if level != 5 {
        return None;
    }
    let _page = next_number()?;
    let (block, paragraph, line, _word) = (
        next_number()?,
        next_number()?,
        next_number()?,
        next_number()?,
    );
    let bounds = PixelBox {
        left: next_number()?,
        top: next_number()?,
        width: next_number()?,
        height: next_number()?,
    };
    let confidence = fields.next()?.trim().parse::<f32>().ok()?;
    let text = fields.next()?.trim();
    (!text.is_empty()).then(|| RecognizedWord {
        block,
        paragraph,
        line,
        text: text.to_owned(),
        bounds,
        confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_rows_become_words_with_their_layout() {
        let tsv = "1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t\n\
                   4\t1\t2\t1\t3\t0\t36\t92\t582\t28\t-1\t\n\
                   5\t1\t2\t1\t3\t1\t36\t92\t60\t24\t96.5\tThis\n\
                   5\t1\t2\t1\t3\t2\t100\t92\t20\t24\t12.0\tjunk\n\
                   5\t1\t2\t1\t3\t3\t130\t92\t20\t24\t95.0\t \n";
        let words = parse_tsv(tsv);
        assert_eq!(
            words,
            [RecognizedWord {
                block: 2,
                paragraph: 1,
                line: 3,
                text: "This".to_owned(),
                bounds: PixelBox {
                    left: 36,
                    top: 92,
                    width: 60,
                    height: 24
                },
                confidence: 96.5,
            }]
        );
    }

    #[test]
    fn an_unknown_language_is_an_error_not_a_panic() {
        let image = GrayImage::new(50, 20);
        let error = read(
            &image,
            "xx_not_installed",
            Layout::Page,
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(error.contains("xx_not_installed"), "{error}");
    }
}
