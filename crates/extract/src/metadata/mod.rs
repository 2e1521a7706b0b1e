//! Media metadata (Exif, GPS, IPTC, XMP, JFIF, ICC profile, Photoshop
//! resources) as one flat map of exiftool tag names to exiftool's printed
//! values — what a photographer sees in `exiftool FILE` — plus Cloudinary's
//! computed `Colorspace` and `DPI`.
//!
//! Tag names, formats and value lookups are generated from exiftool's own tag
//! database ([`generated`], by `scripts/gen-metadata-tables.py`); the parsers
//! hold only exiftool's functional print conversions.
//! [`container`] finds the blocks a file carries, in file order; [`exif`],
//! [`iptc`], [`xmp`], [`jfif`], [`icc`] and [`photoshop`] read them into
//! [`Tags`] in the order exiftool meets them; [`gps`] adds the Composite GPS
//! tags. The map is bounded by [`limits`]. Where two blocks carry the same
//! tag name, exiftool's precedence decides: the later one wins, except that a
//! low-priority tag (secondary IFDs such as the IFD1 thumbnail, XMP copies of
//! Exif values, and the XMP properties exiftool marks "Avoid") never replaces
//! one already found.
//! Reading never fails: what cannot be read is skipped.

mod computed;
mod container;
mod exif;
mod exif_tags;
#[doc(hidden)]
pub mod fuzzing;
// Written by scripts/gen-metadata-tables.py, one tag per line; whole
// exiftool tables, so some entries are not read by any parser yet.
#[rustfmt::skip]
#[allow(dead_code)]
mod generated;
mod gps;
mod icc;
mod iptc;
mod jfif;
pub mod limits;
mod photoshop;
mod print;
mod tables;
mod xmp;
mod xmp_struct;
mod xmp_tags;

use std::collections::BTreeMap;

use crate::Format;

/// The flat `media_metadata` map: exiftool tag name -> printed value.
pub type MediaMetadata = BTreeMap<String, String>;

/// Reads every metadata block the container carries. Never fails: what can be
/// read is returned, the rest is skipped.
pub fn extract(bytes: &[u8], format: Format) -> MediaMetadata {
    let mut tags = Tags::default();
    let mut fix = gps::Fix::default();
    let mut jpeg_frame = None;
    for block in container::blocks(bytes, format) {
        if tags.spent() {
            break;
        }
        match block {
            container::Block::Exif(tiff) => {
                exif::read(&tiff, exif::Source::Embedded, &mut tags, &mut fix)
            }
            container::Block::TiffFile(tiff) => {
                exif::read(tiff, exif::Source::TiffFile, &mut tags, &mut fix)
            }
            container::Block::Iptc(iim) => iptc::read(&iim, &mut tags),
            container::Block::Xmp(packet) => xmp::read(&packet, &mut tags, &mut fix),
            container::Block::Jfif(body) => jfif::read(body, &mut tags),
            container::Block::Icc(profile) => icc::read(&profile, &mut tags),
            container::Block::Photoshop(irb) => photoshop::read(&irb, &mut tags, &mut fix),
            container::Block::PngPhysical(chunk) => computed::png_physical(chunk, &mut tags),
            // read by the computed Colorspace
            container::Block::JpegFrame(frame) => {
                jpeg_frame.get_or_insert(frame);
            }
        }
    }
    gps::add_composites(&fix, &mut tags);
    let mut map = tags.into_map();
    computed::add(bytes, format, jpeg_frame, &mut map);
    map
}

/// The Exif orientation (1-8) if the file carries one, read without decoding pixels.
pub fn orientation(bytes: &[u8]) -> Option<u16> {
    exif::orientation(&container::first_exif(bytes)?)
}

/// Whether a tag may replace an earlier tag of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// Replaced by any later tag of the same name (exiftool priority -1:
    /// JFIF's resolution).
    Lowest,
    /// Only fills a name nobody else set (exiftool priority 0).
    Low,
    Normal,
}

/// The tags found so far, one value per name, within [`limits`]: exiftool's
/// precedence is applied as each tag arrives, and a tag past the key or byte
/// budget is refused at once, so what the collector holds never passes the
/// budget whatever the parsers meet. Parsers ask [`Tags::spent`] to stop
/// early, and clip what they copy before offering it ([`limits::clip`]).
#[derive(Debug, Default)]
pub(crate) struct Tags {
    chosen: BTreeMap<String, (String, Priority)>,
    /// Key and value bytes held in `chosen`.
    held: usize,
    /// Value bytes offered so far, kept or not ([`limits::MAX_OFFERED_BYTES`]).
    offered: usize,
}

impl Tags {
    pub(crate) fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.push_with(name, value, Priority::Normal);
    }

    /// Offers one tag. A later tag replaces an earlier one of the same name if
    /// it has normal priority or the earlier one the lowest (exiftool's
    /// FoundTag rule for duplicate tags, where an existing priority-0 tag
    /// counts as 1); a tag that would pass the budget is dropped whole.
    pub(crate) fn push_with(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        priority: Priority,
    ) {
        if self.offered > limits::MAX_OFFERED_BYTES {
            return;
        }
        let value = value.into();
        self.offered = self.offered.saturating_add(value.len());
        let value = limits::clip_value(value);
        let name = name.into();
        let size = name.len() + value.len();
        match self.chosen.get_mut(&name) {
            Some((old, old_priority)) => {
                let replaces = priority == Priority::Normal || *old_priority == Priority::Lowest;
                let held = self.held - name.len() - old.len() + size;
                if replaces && held <= limits::MAX_BYTES {
                    self.held = held;
                    *old = value;
                    *old_priority = priority;
                }
            }
            None => {
                if self.chosen.len() < limits::MAX_KEYS && self.held + size <= limits::MAX_BYTES {
                    self.held += size;
                    self.chosen.insert(name, (value, priority));
                }
            }
        }
    }

    /// True once nothing more can be taken: the keys or bytes are all used,
    /// or the parsers offered [`limits::MAX_OFFERED_BYTES`]. Loops over
    /// entries, records or resources end here.
    pub(crate) fn spent(&self) -> bool {
        self.offered > limits::MAX_OFFERED_BYTES
            || self.chosen.len() >= limits::MAX_KEYS
            || self.held >= limits::MAX_BYTES
    }

    /// The map, in name order.
    pub(crate) fn into_map(self) -> MediaMetadata {
        limits::bounded(
            self.chosen
                .into_iter()
                .map(|(name, (value, _))| (name, value)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_tags_win_unless_their_priority_is_lower() {
        let mut tags = Tags::default();
        tags.push("XResolution", "72");
        tags.push_with("XResolution", "180", Priority::Low);
        tags.push_with("Compression", "JPEG (old-style)", Priority::Low);
        tags.push_with("Compression", "Uncompressed", Priority::Low);
        tags.push("CreateDate", "2001:01:01 00:00:00");
        tags.push("CreateDate", "2001:01:01 00:00:00+01:00");
        tags.push_with("YResolution", "1", Priority::Lowest);
        tags.push_with("YResolution", "180", Priority::Low);
        let map = tags.into_map();
        assert_eq!(map["YResolution"], "180");
        assert_eq!(map["XResolution"], "72");
        assert_eq!(map["Compression"], "JPEG (old-style)");
        assert_eq!(map["CreateDate"], "2001:01:01 00:00:00+01:00");
    }

    #[test]
    fn garbage_yields_an_empty_map_for_every_format() {
        let garbage: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for format in Format::ALL {
            assert!(extract(&garbage, format).is_empty(), "{format:?}");
            assert!(extract(&[], format).is_empty(), "{format:?}");
        }
        assert_eq!(orientation(&garbage), None);
    }
}
