//! The JFIF APP0 segment (exiftool's JFIF::Main): version, resolution unit
//! and density. Names and the unit lookup are exiftool's; its resolution tags
//! have priority -1, so any Exif resolution of the same name replaces them.

use super::generated::JFIF;
use super::tables::by_name;
use super::{Priority, Tags};

/// Reads the segment body after "JFIF\0".
pub(crate) fn read(body: &[u8], tags: &mut Tags) {
    let [major, minor, unit, x0, x1, y0, y1, ..] = *body else {
        return;
    };
    // exiftool: sprintf("%d.%.2d", split(" ",$val))
    tags.push("JFIFVersion", format!("{major}.{minor:02}"));
    let unit_tag = by_name(JFIF, "ResolutionUnit").expect("exiftool's JFIF table");
    let unit = unit.to_string();
    tags.push_with(
        unit_tag.name,
        unit_tag.lookup(&unit).unwrap_or(unit),
        Priority::Lowest,
    );
    let x = u16::from_be_bytes([x0, x1]);
    let y = u16::from_be_bytes([y0, y1]);
    tags.push_with("XResolution", x.to_string(), Priority::Lowest);
    tags.push_with("YResolution", y.to_string(), Priority::Lowest);
    // Thumbnail dimensions are shown only when non-zero (their RawConv drops 0).
    for (name, value) in [
        ("ThumbnailWidth", body.get(7)),
        ("ThumbnailHeight", body.get(8)),
    ] {
        if let Some(&v) = value.filter(|&&v| v != 0) {
            tags.push(name, v.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_web_jpeg_header_prints_like_exiftool() {
        let mut tags = Tags::default();
        read(&[1, 1, 0, 0, 1, 0, 1, 0, 0], &mut tags);
        let map = tags.into_map();
        assert_eq!(map["JFIFVersion"], "1.01");
        assert_eq!(map["ResolutionUnit"], "None");
        assert_eq!(map["XResolution"], "1");
        assert!(!map.contains_key("ThumbnailWidth"));
    }

    #[test]
    fn exif_resolution_replaces_jfif_and_short_segments_are_skipped() {
        let mut tags = Tags::default();
        read(&[1, 2, 1, 0, 72, 0, 72], &mut tags);
        tags.push_with("XResolution", "300", Priority::Low); // even IFD1's
        let map = tags.into_map();
        assert_eq!(map["XResolution"], "300");
        assert_eq!(map["ResolutionUnit"], "inches");
        let mut tags = Tags::default();
        read(&[1, 2, 1], &mut tags);
        assert!(tags.into_map().is_empty());
    }
}
