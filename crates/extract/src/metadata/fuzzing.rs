//! Entry points for the fuzz harnesses in `fuzz/` (not part of the API):
//! each metadata parser fed raw bytes, as it would meet them inside a file.
//! Every one must return, never panic, whatever the bytes are.

use super::{container, exif, gps, icc, iptc, jfif, photoshop, xmp, Tags};
use crate::Format;

/// A TIFF structure as an Exif block (every placement), plus the
/// orientation probe and the Composite GPS tags that read the same fields.
pub fn exif(tiff: &[u8]) {
    for source in [
        exif::Source::Embedded,
        exif::Source::TiffFile,
        exif::Source::InPhotoshop,
    ] {
        let (mut tags, mut fix) = (Tags::default(), gps::Fix::default());
        exif::read(tiff, source, &mut tags, &mut fix);
        gps::add_composites(&fix, &mut tags);
    }
    let _ = exif::orientation(tiff);
}

/// IPTC IIM datasets, standalone and inside a Photoshop resource block.
pub fn iptc(block: &[u8]) {
    iptc::read(block, &mut Tags::default());
    for inner in photoshop::iptc_blocks(block) {
        iptc::read(inner, &mut Tags::default());
    }
}

/// An XMP packet, plus the Composite GPS tags it may feed.
pub fn xmp(packet: &[u8]) {
    let (mut tags, mut fix) = (Tags::default(), gps::Fix::default());
    xmp::read(packet, &mut tags, &mut fix);
    gps::add_composites(&fix, &mut tags);
}

/// An ICC profile.
pub fn icc(profile: &[u8]) {
    let mut tags = Tags::default();
    icc::read(profile, &mut tags);
    let _ = tags.into_map();
}

/// A Photoshop image resource block (and the blocks it carries), and the same
/// bytes as a JFIF segment body.
pub fn photoshop(block: &[u8]) {
    let (mut tags, mut fix) = (Tags::default(), gps::Fix::default());
    photoshop::read(block, &mut tags, &mut fix);
    jfif::read(block, &mut tags);
    let _ = tags.into_map();
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
        .filter_map(|block| match block {
            container::Block::Exif(tiff) => Some(("exif", tiff.into_owned())),
            container::Block::TiffFile(tiff) => Some(("exif", tiff.to_vec())),
            container::Block::Iptc(iim) => Some(("iptc", iim.into_owned())),
            container::Block::Xmp(packet) => Some(("xmp", packet.into_owned())),
            container::Block::Icc(profile) => Some(("icc", profile.into_owned())),
            container::Block::Photoshop(irb) => Some(("photoshop", irb.into_owned())),
            container::Block::Jfif(body) => Some(("photoshop", body.to_vec())),
            container::Block::PngPhysical(_) | container::Block::JpegFrame(_) => None,
        })
        .collect()
}
