//! Image formats by Cloudinary's names, recognised from their magic bytes.

use std::fmt;

use serde::Serialize;

use crate::isobmff;

/// A file format, named as Cloudinary names it in `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 10] = [
        Format::Jpg,
        Format::Png,
        Format::Gif,
        Format::Webp,
        Format::Tiff,
        Format::Bmp,
        Format::Ico,
        Format::Avif,
        Format::Heic,
        Format::Pdf,
    ];

    /// Recognises the format from the leading bytes. The file name's extension
    /// is never consulted: uploads are routinely misnamed.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        let starts = |magic: &[u8]| bytes.starts_with(magic);
        if starts(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpg)
        } else if starts(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Some(Format::Gif)
        } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            Some(Format::Webp)
        } else if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
            // Classic TIFF, then BigTIFF (64-bit offsets; version 43).
            Some(Format::Tiff)
        } else if starts(b"BM") && bytes.len() >= 26 {
            Some(Format::Bmp)
        } else if starts(&[0, 0, 1, 0]) && bytes.len() >= 6 {
            Some(Format::Ico)
        } else if starts(b"%PDF-") {
            Some(Format::Pdf)
        } else {
            isobmff::sniff(bytes)
        }
    }

    /// The name used in `format` (and as the delivery URL's extension).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jpg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Tiff => "tiff",
            Format::Bmp => "bmp",
            Format::Ico => "ico",
            Format::Avif => "avif",
            Format::Heic => "heic",
            Format::Pdf => "pdf",
        }
    }

    /// The IANA media type of files in this format.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Jpg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Tiff => "image/tiff",
            Format::Bmp => "image/bmp",
            Format::Ico => "image/vnd.microsoft.icon",
            Format::Avif => "image/avif",
            Format::Heic => "image/heic",
            Format::Pdf => "application/pdf",
        }
    }

    /// The `image` crate decoder for this format, if this build can decode its pixels.
    pub(crate) fn raster_codec(self) -> Option<image::ImageFormat> {
        match self {
            Format::Jpg => Some(image::ImageFormat::Jpeg),
            Format::Png => Some(image::ImageFormat::Png),
            Format::Gif => Some(image::ImageFormat::Gif),
            Format::Webp => Some(image::ImageFormat::WebP),
            Format::Tiff => Some(image::ImageFormat::Tiff),
            Format::Bmp => Some(image::ImageFormat::Bmp),
            Format::Ico => Some(image::ImageFormat::Ico),
            // HEIC and AVIF are decoded by libheif (`decode::heif`), not by
            // `image`; PDF would need a rasteriser.
            Format::Avif | Format::Heic | Format::Pdf => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(Format::sniff(b"\xFF\xD8\xFF\xE0rest"), Some(Format::Jpg));
        assert_eq!(Format::sniff(b"GIF89a\x01\x00"), Some(Format::Gif));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(Format::sniff(b"MM\0*\0\0\0\x08"), Some(Format::Tiff));
        assert_eq!(Format::sniff(b"II+\0\x08\0\0\0"), Some(Format::Tiff));
        assert_eq!(Format::sniff(b"%PDF-1.7\n"), Some(Format::Pdf));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(Format::sniff(b"hello world"), None);
        assert_eq!(Format::sniff(b""), None);
    }

    #[test]
    fn serialises_with_cloudinary_names() {
        assert_eq!(serde_json::to_string(&Format::Jpg).unwrap(), "\"jpg\"");
        assert_eq!(Format::Tiff.to_string(), "tiff");
    }
}
