//! Image formats by Cloudinary's names.

use serde::Serialize;

/// A file format, named as Cloudinary names it in `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpg,
    Png,
    Gif,
    Webp,
    Tiff,
    Bmp,
    Ico,
    Avif,
    Heic,
    Pdf,
}
