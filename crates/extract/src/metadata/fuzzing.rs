//! Entry points for the fuzz harnesses in `fuzz/` (not part of the API):
//! each metadata parser fed raw bytes, as it would meet them inside a file.
//! Every one must return, never panic, whatever the bytes are.

use super::{container, exif, gps, iptc, xmp, Tags};
use crate::Format;

/// A TIFF structure as an Exif block (both placements), plus the
/// orientation probe and the Composite GPS tags that read the same fields.
pub fn exif(tiff: &[u8]) {
    for source in [exif::Source::Embedded, exif::Source::TiffFile] {
        let (mut tags, mut fix) = (Tags::default(), gps::Fix::default());
        exif::read(tiff, source, &mut tags, &mut fix);
        gps::add_composites(&fix, &mut tags);
    }
    let _ = exif::orientation(tiff);
}

/// IPTC IIM datasets, standalone and inside a Photoshop resource block.
pub fn iptc(block: &[u8]) {
    iptc::read(block, &mut Tags::default());
    for inner in container::photoshop_iptc(block) {
        iptc::read(inner, &mut Tags::default());
    }
}

/// An XMP packet, plus the Composite GPS tags it may feed.
pub fn xmp(packet: &[u8]) {
    let (mut tags, mut fix) = (Tags::default(), gps::Fix::default());
    xmp::read(packet, &mut tags, &mut fix);
    gps::add_composites(&fix, &mut tags);
}

/// The whole pipeline (container walk, then every parser) with the bytes read
/// as each format, whatever they really are.
pub fn container(bytes: &[u8]) {
    for format in Format::ALL {
        let _ = super::extract(bytes, format);
    }
    let _ = super::orientation(bytes);
}

/// The metadata blocks a file carries, each named by the target above that
/// parses it: seeds for those targets, taken from real files.
pub fn blocks(bytes: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let Some(format) = Format::sniff(bytes) else {
        return Vec::new();
    };
    container::blocks(bytes, format)
        .into_iter()
        .map(|block| match block {
            container::Block::Exif(tiff) => ("exif", tiff.into_owned()),
            container::Block::TiffFile(tiff) => ("exif", tiff.to_vec()),
            container::Block::Iptc(iim) => ("iptc", iim.into_owned()),
            container::Block::Xmp(packet) => ("xmp", packet.into_owned()),
        })
        .collect()
}
