//! `extract`: the pure analysis library behind assay.
//!
//! Bytes and [`Options`] go in; an [`Analysis`] whose JSON form uses exactly the
//! field names and shapes of the Cloudinary upload response comes out. The
//! crate knows nothing of HTTP, SQL, async runtimes or the environment.
//!
//! ```no_run
//! let bytes = std::fs::read("photo.jpg").unwrap();
//! let options = extract::Options { colors: true, phash: true, ..Default::default() };
//! let analysis = extract::analyze(&bytes, &options).unwrap();
//! println!("{}", serde_json::to_string(&analysis).unwrap());
//! ```

mod analysis;
pub mod coordinates;
pub mod error;
pub mod faces;
pub mod format;
pub mod metadata;
pub mod ocr;

pub use analysis::{analyze, Analysis, Coordinates, Info, OcrInfo, Options};
pub use coordinates::Rect;
pub use error::ExtractError;
pub use format::Format;
