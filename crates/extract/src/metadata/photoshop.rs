//! Photoshop image resource blocks (exiftool's Photoshop module), in JPEG
//! APP13, TIFF tag 34377 and PSD files: "8BIM" (or the rare "PHUT", "DCSR",
//! "AgHg", "MeSa"), id u16, even-padded Pascal name, size u32, even-padded
//! data. Resources that carry other blocks (IPTC, XMP, Exif, ICC) are read by
//! those parsers where they sit; the resources exiftool prints are named and
//! looked up from its tables, with its functional conversions here.
//!
//! The walk only moves forward and every size is checked against the block,
//! so a resource cannot loop or make us read past the data; embedded blocks
//! are read one level deep (a resource block inside a resource is not followed).

use super::generated::{
    PHOTOSHOP, PHOTOSHOP_JPEG_QUALITY, PHOTOSHOP_PIXEL_INFO, PHOTOSHOP_PRINT_SCALE,
    PHOTOSHOP_RESOLUTION, PHOTOSHOP_SLICE_INFO, PHOTOSHOP_VERSION_INFO,
};
use super::limits::{clip, clip_utf16, MAX_LIST_ITEMS, MAX_VALUE_BYTES};
use super::print::format_g;
use super::tables::{by_id, Tag};
use super::{exif, gps, icc, iptc, xmp, Priority, Tags};

/// One resource: id and data.
pub(crate) struct Resource<'a> {
    pub id: u16,
    pub data: &'a [u8],
}

const SIGNATURES: [&[u8; 4]; 5] = [b"8BIM", b"PHUT", b"DCSR", b"AgHg", b"MeSa"];

/// The resources of a block, in order; stops at the first that does not fit.
pub(crate) fn resources(block: &[u8]) -> impl Iterator<Item = Resource<'_>> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let head = block.get(pos..pos + 7)?;
        if !SIGNATURES.iter().any(|s| head[..4] == s[..]) {
            return None;
        }
        let id = u16::from_be_bytes([head[4], head[5]]);
        let name_len = head[6] as usize;
        let size_at = pos + 6 + ((name_len + 2) & !1);
        let size = u32::from_be_bytes(block.get(size_at..size_at + 4)?.try_into().ok()?) as usize;
        let start = size_at + 4;
        // exiftool warns and stops on a size past the end.
        let end = start.checked_add(size).filter(|&e| e <= block.len())?;
        pos = start.checked_add(size)?.checked_add(size & 1)?;
        Some(Resource {
            id,
            data: &block[start..end],
        })
    })
}

const IPTC: u16 = 0x0404;
const ICC_PROFILE: u16 = 0x040f;
const EXIF_INFO: u16 = 0x0422;
const XMP: u16 = 0x0424;

/// The IPTC IIM blocks of a resource block (PNG raw profiles carry them this way).
pub(crate) fn iptc_blocks(block: &[u8]) -> impl Iterator<Item = &[u8]> {
    resources(block).filter(|r| r.id == IPTC).map(|r| r.data)
}

/// Reads one resource block into `tags`, until the collector is spent (a
/// file may carry thousands of resources).
pub(crate) fn read(block: &[u8], tags: &mut Tags, fix: &mut gps::Fix) {
    for resource in resources(block) {
        if tags.spent() {
            return;
        }
        let data = resource.data;
        match resource.id {
            IPTC => iptc::read(data, tags),
            XMP => xmp::read(data, tags, fix),
            ICC_PROFILE => icc::read(data, tags),
            EXIF_INFO => exif::read(data, exif::Source::InPhotoshop, tags, fix),
            0x03ed => fields(PHOTOSHOP_RESOLUTION, 2, data, tags),
            0x0406 => jpeg_quality(data, tags),
            0x0421 => version_info(data, tags),
            0x0426 => fields(PHOTOSHOP_PRINT_SCALE, 1, data, tags),
            0x0428 => fields(PHOTOSHOP_PIXEL_INFO, 1, data, tags),
            0x041a => slice_info(data, tags),
            id => simple(id, data, tags),
        }
    }
}

/// A resource whose whole data is one value.
fn simple(id: u16, data: &[u8], tags: &mut Tags) {
    let Some(tag) = by_id(PHOTOSHOP, id.into()).filter(|t| t.shown()) else {
        return;
    };
    let value = match tag.name {
        // exiftool: unpack("H*", $val)
        "IPTCDigest" => hex::encode(&data[..data.len().min(MAX_VALUE_BYTES / 2 + 1)]),
        "URL_List" => ucs2_list(data).join(", "),
        "WorkflowURL" => ucs2_string(data).unwrap_or_default(),
        "CopyrightFlag" => {
            let raw = data
                .iter()
                .take(MAX_LIST_ITEMS)
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            tag.lookup(&raw).unwrap_or(raw)
        }
        _ => match tag.format {
            "int8u" | "int16u" | "int32u" if !data.is_empty() && data.len() <= 4 => {
                let raw = data
                    .iter()
                    .fold(0u32, |acc, &b| acc << 8 | b as u32)
                    .to_string();
                tag.lookup(&raw).unwrap_or(raw)
            }
            "string" => String::from_utf8_lossy(clip(data))
                .trim_end_matches('\0')
                .to_string(),
            _ => return,
        },
    };
    tags.push(tag.name, value);
}

/// exiftool's ProcessBinaryData for a fixed layout: each field at its index
/// times the table's unit (the size of the table's default FORMAT), read in
/// the field's format.
fn fields(table: &'static [Tag<u32>], unit: usize, data: &[u8], tags: &mut Tags) {
    for field in table.iter().filter(|t| t.shown()) {
        let at = field.id as usize * unit;
        let raw = match field.name {
            // 16.16 fixed point, printed int($val * 100 + 0.5) / 100
            "XResolution" | "YResolution" => be_u32(data, at).map(|v| {
                let dpi = v as f64 / 65536.0;
                format_g((dpi * 100.0 + 0.5).trunc() / 100.0, 15)
            }),
            _ => match field.format {
                "int16u" => be_u16(data, at).map(|v| v.to_string()),
                "int32u" => be_u32(data, at).map(|v| v.to_string()),
                // "float[2]": the table's count, values joined with spaces
                "float" => (0..read_count(field))
                    .map(|i| {
                        be_u32(data, at + 4 * i).map(|v| format_g(f32::from_bits(v) as f64, 15))
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(|v| v.join(" ")),
                "double" => data
                    .get(at..at + 8)
                    .map(|b| format_g(f64::from_be_bytes(b.try_into().expect("8 bytes")), 15)),
                _ => None,
            },
        };
        let Some(raw) = raw else { continue };
        let value = field.lookup(&raw).unwrap_or(raw);
        // Photoshop's resolution has priority 0: Exif and JFIF values win.
        let priority = match field.name {
            "XResolution" | "YResolution" => Priority::Low,
            _ => Priority::Normal,
        };
        tags.push_with(field.name, value, priority);
    }
}

/// The count of a table Format such as "float[2]" (1 without one).
fn read_count<K>(field: &Tag<K>) -> usize {
    field
        .read
        .split_once('[')
        .and_then(|(_, n)| n.strip_suffix(']')?.parse().ok())
        .unwrap_or(1)
}

/// SliceInfo: the group name is a var_ustr32 (u32 character count, UCS-2),
/// so the fields after it move by the string's size.
fn slice_info(data: &[u8], tags: &mut Tags) {
    let mut shift = 0;
    for field in PHOTOSHOP_SLICE_INFO.iter().filter(|t| t.shown()) {
        let at = field.id as usize + shift;
        let value = match field.read {
            "var_ustr32" => ucs2_at(data, at).map(|(text, used)| {
                shift += used - 4;
                text
            }),
            "int32u" => be_u32(data, at).map(|v| v.to_string()),
            _ => None,
        };
        let Some(value) = value else { return };
        tags.push(field.name, value);
    }
}

/// JPEG_Quality: three int16s; the scan count only for progressive files.
fn jpeg_quality(data: &[u8], tags: &mut Tags) {
    let word = |i: usize| be_u16(data, 2 * i).map(|v| v as i16);
    let field = |id: u32| by_id(PHOTOSHOP_JPEG_QUALITY, id).expect("exiftool's table");
    if let Some(quality) = word(0) {
        tags.push(field(0).name, (quality as i32 + 4).to_string());
    }
    let Some(format) = word(1) else { return };
    let format_tag = field(1);
    let raw = format.to_string();
    tags.push(format_tag.name, format_tag.lookup(&raw).unwrap_or(raw));
    if format == 0x0101 {
        if let Some(scans) = word(2) {
            let scans_tag = field(2);
            let raw = scans.to_string();
            tags.push(scans_tag.name, scans_tag.lookup(&raw).unwrap_or(raw));
        }
    }
}

/// VersionInfo: version u32, HasRealMergedData u8, then two UCS-2 strings.
fn version_info(data: &[u8], tags: &mut Tags) {
    let field = |id: u32| by_id(PHOTOSHOP_VERSION_INFO, id).expect("exiftool's table");
    let Some(&merged) = data.get(4) else { return };
    let merged_tag = field(4);
    let raw = merged.to_string();
    tags.push(merged_tag.name, merged_tag.lookup(&raw).unwrap_or(raw));
    let mut pos = 5;
    for id in [5, 9] {
        let Some((text, used)) = ucs2_at(data, pos) else {
            return;
        };
        tags.push(field(id).name, text);
        pos += used;
    }
}

fn be_u16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// A UCS-2 string with a u32 character count at `at`: the text (as much as
/// a value keeps) and the bytes used.
fn ucs2_at(data: &[u8], at: usize) -> Option<(String, usize)> {
    let chars = be_u32(data, at)? as usize;
    let bytes = data.get(at + 4..(at + 4).checked_add(chars.checked_mul(2)?)?)?;
    let units: Vec<u16> = clip_utf16(bytes)
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16_lossy(&units)
        .trim_end_matches('\0')
        .to_string();
    Some((text, 4 + bytes.len()))
}

fn ucs2_string(data: &[u8]) -> Option<String> {
    ucs2_at(data, 0).map(|(text, _)| text)
}

/// URL_List: a count, then (word, id, UCS-2 string) per URL.
fn ucs2_list(data: &[u8]) -> Vec<String> {
    let Some(count) = be_u32(data, 0) else {
        return Vec::new();
    };
    let mut pos = 4;
    let mut urls = Vec::new();
    for _ in 0..count.min(MAX_LIST_ITEMS as u32) {
        pos += 8;
        let Some((text, used)) = ucs2_at(data, pos) else {
            break;
        };
        urls.push(text);
        pos += used;
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(id: u16, data: &[u8]) -> Vec<u8> {
        let mut r = b"8BIM".to_vec();
        r.extend(id.to_be_bytes());
        r.extend([0, 0]); // empty Pascal name, padded
        r.extend((data.len() as u32).to_be_bytes());
        r.extend(data);
        if data.len() % 2 == 1 {
            r.push(0);
        }
        r
    }

    fn read_block(block: &[u8]) -> std::collections::BTreeMap<String, String> {
        let mut tags = Tags::default();
        read(block, &mut tags, &mut gps::Fix::default());
        tags.into_map()
    }

    #[test]
    fn resources_print_like_exiftool() {
        let resolution = [
            &(72u32 << 16).to_be_bytes()[..],
            &1u16.to_be_bytes(),
            &1u16.to_be_bytes(),
            &(300u32 << 16).to_be_bytes(),
            &2u16.to_be_bytes(),
            &1u16.to_be_bytes(),
        ]
        .concat();
        let block = [
            resource(0x03ed, &resolution),
            resource(0x0406, &[0, 8, 1, 1, 0, 1]),
            resource(0x040a, &[1]),
            resource(0x040d, &30u32.to_be_bytes()),
            resource(0x0425, &[0xab; 16]),
            resource(0x0404, b"\x1c\x02\x05\0\x05Title"),
            resource(
                0x0421,
                &[0, 0, 0, 1, 1, 0, 0, 0, 2, 0, b'P', 0, b'S', 0, 0, 0, 0],
            ),
        ]
        .concat();
        let map = read_block(&block);
        assert_eq!(map["XResolution"], "72");
        assert_eq!(map["DisplayedUnitsX"], "inches");
        assert_eq!(map["YResolution"], "300");
        assert_eq!(map["DisplayedUnitsY"], "cm");
        assert_eq!(map["PhotoshopQuality"], "12");
        assert_eq!(map["PhotoshopFormat"], "Progressive");
        assert_eq!(map["ProgressiveScans"], "3 Scans");
        assert_eq!(map["CopyrightFlag"], "True");
        assert_eq!(map["GlobalAngle"], "30");
        assert_eq!(map["IPTCDigest"], "ab".repeat(16));
        assert_eq!(map["ObjectName"], "Title");
        assert_eq!(map["HasRealMergedData"], "Yes");
        assert_eq!(map["WriterName"], "PS");
        let mut slices = vec![0u8; 20];
        slices.extend(2u32.to_be_bytes());
        slices.extend([0, b'a', 0, b'b']);
        slices.extend(3u32.to_be_bytes());
        let mut print_scale = 2u16.to_be_bytes().to_vec();
        print_scale.extend(1.5f32.to_be_bytes());
        print_scale.extend(0f32.to_be_bytes());
        print_scale.extend(2f32.to_be_bytes());
        let map = read_block(&[resource(0x041a, &slices), resource(0x0426, &print_scale)].concat());
        assert_eq!(map["SlicesGroupName"], "ab");
        assert_eq!(map["NumSlices"], "3");
        assert_eq!(map["PrintPosition"], "1.5 0");
        assert_eq!(map["PrintScale"], "2");
    }

    #[test]
    fn lying_sizes_and_garbage_end_the_walk() {
        let mut block = resource(0x040d, &7u32.to_be_bytes());
        block.extend(b"8BIM\x04\x0d\0\0\xff\xff\xff\xff\0\0");
        assert_eq!(read_block(&block)["GlobalAngle"], "7");
        assert!(read_block(b"8BIM").is_empty());
        assert_eq!(resources(b"junk8BIM").count(), 0);
        // a million tiny resources: linear, no recursion
        let many = resource(0x0400, &[]).repeat(100_000);
        assert_eq!(resources(&many).count(), 100_000);
    }
}
