//! Keys that are not one block's tag: PNG's physical pixel size (exiftool's
//! PNG::PhysicalPixel, named from its table) and Cloudinary's computed
//! `Colorspace` and `DPI`.
//!
//! Cloudinary documents `Colorspace` ("RGB" in its sample response for a
//! plain JPEG) and `DPI` but not how it derives them; ours:
//! - `Colorspace`: the colour model the pixels are stored in: "Gray", "RGB"
//!   or "CMYK" (JPEG frame components, PNG colour type, TIFF photometric
//!   interpretation; GIF and WebP are RGB). Absent when the header does not say.
//! - `DPI`: the horizontal resolution in dots per inch, rounded, from the
//!   resolution that won precedence (Exif, JFIF, Photoshop) or PNG's pHYs;
//!   absent when the unit is unknown ("None"), since no inch is defined then.

use super::generated::PNG_PHYSICAL;
use super::{MediaMetadata, Tags};
use crate::Format;

/// A pHYs chunk: X and Y pixels per unit (u32 each), unit (u8).
pub(crate) fn png_physical(chunk: &[u8], tags: &mut Tags) {
    if chunk.len() < 9 {
        return;
    }
    for field in PNG_PHYSICAL.iter().filter(|t| t.shown()) {
        let at = field.id as usize;
        let raw = match field.format {
            "int32u" => {
                u32::from_be_bytes(chunk[at..at + 4].try_into().expect("4 bytes")).to_string()
            }
            _ => chunk[at].to_string(),
        };
        tags.push(field.name, field.lookup(&raw).unwrap_or(raw));
    }
}

/// Adds `Colorspace` and `DPI` where they can be told.
/// `jpeg_frame`: the JPEG start-of-frame segment the container walk found.
pub(crate) fn add(
    bytes: &[u8],
    format: Format,
    jpeg_frame: Option<&[u8]>,
    map: &mut MediaMetadata,
) {
    if let Some(colorspace) = colorspace(bytes, format, jpeg_frame, map) {
        map.insert("Colorspace".into(), colorspace.into());
    }
    if let Some(dpi) = dpi(map) {
        map.insert("DPI".into(), dpi);
    }
}

fn colorspace(
    bytes: &[u8],
    format: Format,
    jpeg_frame: Option<&[u8]>,
    map: &MediaMetadata,
) -> Option<&'static str> {
    let by_components = |n: u8| match n {
        1 => Some("Gray"),
        3 => Some("RGB"),
        4 => Some("CMYK"),
        _ => None,
    };
    match format {
        // precision u8, height u16, width u16, components u8
        Format::Jpg => jpeg_frame?.get(5).copied().and_then(by_components),
        // IHDR is the first chunk; its colour type is byte 25 of the file.
        Format::Png if bytes.get(12..16) == Some(b"IHDR") => match bytes.get(25)? {
            0 | 4 => Some("Gray"),
            2 | 3 | 6 => Some("RGB"),
            _ => None,
        },
        Format::Gif if bytes.starts_with(b"GIF8") => Some("RGB"),
        Format::Webp if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") => {
            Some("RGB")
        }
        Format::Tiff => match map.get("PhotometricInterpretation")?.as_str() {
            "WhiteIsZero" | "BlackIsZero" => Some("Gray"),
            "RGB" | "YCbCr" | "RGB Palette" => Some("RGB"),
            "CMYK" => Some("CMYK"),
            _ => None,
        },
        _ => None,
    }
}

fn dpi(map: &MediaMetadata) -> Option<String> {
    let number = |key: &str| map.get(key)?.trim().parse::<f64>().ok();
    let dots_per_inch = if map.get("PixelUnits").map(String::as_str) == Some("meters") {
        number("PixelsPerUnitX")? * 0.0254
    } else {
        match map.get("ResolutionUnit")?.as_str() {
            "inches" => number("XResolution")?,
            "cm" => number("XResolution")? * 2.54,
            _ => return None,
        }
    };
    (dots_per_inch.is_finite() && dots_per_inch >= 0.0)
        .then(|| (dots_per_inch.round() as u64).to_string())
}

#[cfg(test)]
mod tests {
    use super::super::container;
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> MediaMetadata {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn dpi_needs_a_physical_unit() {
        assert_eq!(
            dpi(&map(&[("ResolutionUnit", "inches"), ("XResolution", "72")])).unwrap(),
            "72"
        );
        assert_eq!(
            dpi(&map(&[("ResolutionUnit", "cm"), ("XResolution", "118")])).unwrap(),
            "300"
        );
        assert_eq!(
            dpi(&map(&[
                ("PixelUnits", "meters"),
                ("PixelsPerUnitX", "2835")
            ]))
            .unwrap(),
            "72"
        );
        assert_eq!(
            dpi(&map(&[("ResolutionUnit", "None"), ("XResolution", "1")])),
            None
        );
    }

    #[test]
    fn png_physical_size_uses_exiftool_names() {
        let mut tags = Tags::default();
        png_physical(&[0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1], &mut tags);
        let m = tags.into_map();
        assert_eq!(m["PixelsPerUnitX"], "2835");
        assert_eq!(m["PixelUnits"], "meters");
    }

    #[test]
    fn colorspace_comes_from_the_stored_colour_model() {
        let png = |colour_type: u8| {
            let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08".to_vec();
            b.push(colour_type);
            b
        };
        assert_eq!(
            colorspace(&png(0), Format::Png, None, &map(&[])),
            Some("Gray")
        );
        assert_eq!(
            colorspace(&png(6), Format::Png, None, &map(&[])),
            Some("RGB")
        );
        let jpeg = b"\xff\xd8\xff\xc0\0\x0b\x08\0\x01\0\x01\x04\x01\x11\0\xff\xda";
        let frame = container::blocks(jpeg, Format::Jpg)
            .into_iter()
            .find_map(|b| match b {
                container::Block::JpegFrame(f) => Some(f),
                _ => None,
            });
        assert_eq!(
            colorspace(jpeg, Format::Jpg, frame, &map(&[])),
            Some("CMYK")
        );
    }
}
