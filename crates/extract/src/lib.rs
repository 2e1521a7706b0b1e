//! `extract`: the pure analysis library behind assay.
//!
//! Bytes and [`Options`] go in; an [`Analysis`] whose JSON form uses exactly the
//! field names and shapes of the Cloudinary upload response comes out. The
//! crate knows nothing of HTTP, SQL, async runtimes or the environment.
//!
//! ```no_run
//! let bytes = std::fs::read("photo.jpg").unwrap();
//! use extract::AnalysisKind::{Colors, Phash};
//! let options = extract::Options::of(Colors | Phash);
//! let analysis = extract::analyze(&bytes, &options).unwrap();
//! println!("{}", serde_json::to_string(&analysis).unwrap());
//! ```
//!
//! How a call flows: [`Format::sniff`] recognises the bytes; `probe` reads the
//! header (size, orientation, pages) and enforces [`Limits`] before any pixel
//! memory exists; `decode` decodes the first frame into the canonical input
//! of each requested analysis (defined by the file alone, shared when two
//! coincide); colors, pHash, faces and OCR read those.
//!
//! Formats: JPEG, PNG (and APNG), GIF, WebP, TIFF, BMP and ICO are decoded by
//! the `image` crate (JPEG by libjpeg-turbo first, TIFF layouts it lacks by
//! libtiff), HEIC and AVIF by libheif (feature `heif`; without it a pixel
//! analysis on them is [`ExtractError::PixelsUnavailable`]); their basic facts
//! come from the container (`isobmff`). PDF gets its page count and first-page
//! size from the page tree (`pdf`), and its pixels from poppler's `pdftoppm`
//! run as a bounded child process (`pdf::render`).

pub mod accessibility;
mod admission;
mod analysis;
mod cancel;
pub mod cinemagraph;
pub mod colors;
pub mod coordinates;
mod decode;
pub mod error;
pub mod faces;
pub mod format;
mod isobmff;
mod limits;
pub mod metadata;
pub mod ocr;
#[cfg(any(feature = "faces", feature = "ocr"))]
mod onnx;
mod pages;
mod pdf;
pub mod phash;
pub mod placeholders;
mod probe;
pub mod quality;
mod shrink;
mod timings;
#[cfg(test)]
mod vendored_models;

pub use admission::memory_estimate;
pub use analyses::{AnalysisKind, AnalysisKinds};
pub use analysis::{analyze, analyze_until, Analysis, Coordinates, Info, OcrInfo, Options};
pub use cancel::{Cancel, CancelOnDrop};
pub use coordinates::{format_rects, limit_rects, parse_rects, Rect};
pub use error::{ExtractError, LimitKind};
pub use format::Format;
pub use limits::Limits;
pub use phash::Phash;
pub use timings::{Stage, StageTimings};
