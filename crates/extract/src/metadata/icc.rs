//! ICC profiles (exiftool's ICC_Profile module): the 128-byte header and the
//! tag table's text, XYZ, signature, measurement and viewing-condition tags.
//! Names and lookups are exiftool's ([`super::generated`]); the functional
//! conversions (version, flags, attributes, fixed-point numbers, dates) are
//! here. Curves and LUTs are binary in exiftool's output and left out.
//!
//! Hostile profiles: the tag count is capped as exiftool caps it (< 256 and
//! inside the data), every offset and size is checked against the profile
//! before it is read, and a bad entry ends the walk with what was read kept.
//! Entries may all point at one element, and an `mluc` element's records at
//! one text (issue 28): an entry repeating an earlier one's signature,
//! offset and size is read once, an element reads at most
//! [`MAX_MLUC_RECORDS`] records (a repeated record once), text is clipped
//! before it is decoded, and the walk ends once the collector is spent.

use super::generated::{ICC_HEADER, ICC_MEASUREMENT, ICC_TAGS, ICC_VIEWING_CONDITIONS};
use super::limits::{clip, clip_utf16, MAX_LIST_ITEMS};
use super::print::format_g;
use super::tables::{by_key, Tag};
use super::Tags;

const HEADER_LEN: usize = 128;
/// Most records read from one `mluc` element: profiles in the wild carry a
/// few dozen languages (Apple's Display P3: 40).
const MAX_MLUC_RECORDS: usize = 128;

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// exiftool's fixed32s: 16.16 fixed point rounded to 5 decimals.
fn fixed32s(data: &[u8], at: usize) -> Option<String> {
    let raw = u32_at(data, at)? as i32 as f64 / 65536.0;
    Some(format_g(round5(raw), 15))
}

/// exiftool's fixed32u.
fn fixed32u(data: &[u8], at: usize) -> Option<f64> {
    Some(round5(u32_at(data, at)? as f64 / 65536.0))
}

fn round5(v: f64) -> f64 {
    (v * 1e5 + if v > 0.0 { 0.5 } else { -0.5 }).trunc() / 1e5
}

/// `count` fixed32s values joined with spaces (as many as can reach the
/// value's bound).
fn fixed_list(data: &[u8], at: usize, count: usize) -> Option<String> {
    let parts: Option<Vec<String>> = (0..count.min(MAX_LIST_ITEMS))
        .map(|i| fixed32s(data, at + 4 * i))
        .collect();
    Some(parts?.join(" "))
}

/// A string[4] field: up to the first NUL.
fn signature(data: &[u8], at: usize) -> Option<String> {
    let raw = data.get(at..at + 4)?;
    let end = raw.iter().position(|&b| b == 0).unwrap_or(4);
    Some(String::from_utf8_lossy(&raw[..end]).into_owned())
}

fn printed<K>(tag: &Tag<K>, raw: String) -> String {
    tag.lookup(&raw).unwrap_or(raw)
}

/// Reads one whole ICC profile into `tags`.
pub(crate) fn read(profile: &[u8], tags: &mut Tags) {
    let Some(declared) = u32_at(profile, 0) else {
        return;
    };
    // exiftool reads on when the declared length is wrong but fits the data.
    if (declared as usize) < HEADER_LEN || profile.len() < declared as usize {
        return;
    }
    header(profile, tags);
    let Some(count) = u32_at(profile, HEADER_LEN) else {
        return;
    };
    let count = count as usize;
    if count == 0 || count >= 0x100 || count * 12 + 132 > profile.len() {
        return;
    }
    let mut read: Vec<(&[u8], usize, usize)> = Vec::with_capacity(count);
    for index in 0..count {
        if tags.spent() {
            return;
        }
        let entry = HEADER_LEN + 4 + index * 12;
        let (Some(sig), Some(offset), Some(size)) = (
            profile.get(entry..entry + 4),
            u32_at(profile, entry + 4),
            u32_at(profile, entry + 8),
        ) else {
            return;
        };
        let (offset, size) = (offset as usize, size as usize);
        let Some(data) = offset
            .checked_add(size)
            .and_then(|end| profile.get(offset..end))
        else {
            return; // exiftool: "Bad ICC_Profile table (truncated)", stop
        };
        // The same tag again over the same bytes adds nothing.
        if read.contains(&(sig, offset, size)) {
            continue;
        }
        read.push((sig, offset, size));
        // The measurement and viewing-condition tags are exiftool
        // subdirectories, which -listx lists by their fields, not by signature.
        match (sig, data.get(..4)) {
            (b"meas", Some(b"meas")) => binary_table(ICC_MEASUREMENT, data, tags),
            (b"view", Some(b"view")) => binary_table(ICC_VIEWING_CONDITIONS, data, tags),
            _ => {
                if let Some(tag) = std::str::from_utf8(sig)
                    .ok()
                    .and_then(|s| by_key(ICC_TAGS, s))
                {
                    tag_value(tag, data, tags);
                }
            }
        }
    }
}

fn header(p: &[u8], tags: &mut Tags) {
    for tag in ICC_HEADER.iter().filter(|t| t.shown()) {
        let at = tag.id as usize;
        let value = match tag.name {
            "ProfileVersion" => u16_at(p, at).map(|v| {
                let v = v as i16 as i32;
                format!("{}.{}.{}", v >> 8, (v & 0xf0) >> 4, v & 0x0f)
            }),
            "ProfileDateTime" => (0..6)
                .map(|i| u16_at(p, at + 2 * i))
                .collect::<Option<Vec<u16>>>()
                .map(|d| {
                    format!(
                        "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                        d[0], d[1], d[2], d[3], d[4], d[5]
                    )
                }),
            "CMMFlags" => u32_at(p, at).map(|v| {
                format!(
                    "{}, {}",
                    if v & 1 != 0 {
                        "Embedded"
                    } else {
                        "Not Embedded"
                    },
                    if v & 2 != 0 {
                        "Not Independent"
                    } else {
                        "Independent"
                    }
                )
            }),
            "DeviceAttributes" => u32_at(p, at + 4).map(|v| {
                format!(
                    "{}, {}, {}, {}",
                    if v & 1 != 0 {
                        "Transparency"
                    } else {
                        "Reflective"
                    },
                    if v & 2 != 0 { "Matte" } else { "Glossy" },
                    if v & 4 != 0 { "Negative" } else { "Positive" },
                    if v & 8 != 0 { "B&W" } else { "Color" }
                )
            }),
            "ConnectionSpaceIlluminant" => fixed_list(p, at, 3),
            // exiftool's HexID: 0 when no MD5 was computed
            "ProfileID" => p.get(at..at + 16).map(|id| {
                if id.iter().all(|&b| b == 0) {
                    "0".to_string()
                } else {
                    hex::encode(id)
                }
            }),
            _ if tag.format == "int32u" => u32_at(p, at).map(|v| printed(tag, v.to_string())),
            _ if tag.format == "string" => signature(p, at).map(|s| printed(tag, s)),
            _ => None,
        };
        if let Some(value) = value {
            tags.push(tag.name, value);
        }
    }
}

/// One entry of the tag table, by the type signature its data starts with
/// (exiftool's FormatICCTag, plus its measurement and viewing-condition tables).
fn tag_value(tag: &Tag<&str>, data: &[u8], tags: &mut Tags) {
    let kind = data.get(..4).unwrap_or_default();
    let body = data.get(8..).unwrap_or_default();
    if kind == b"mluc" {
        return localized(tag, data, tags);
    }
    if !tag.shown() {
        return;
    }
    let value = match kind {
        b"text" => Some(until_nul(clip(body))),
        b"desc" => u32_at(data, 8).and_then(|len| {
            let text = data.get(12..12usize.checked_add(len as usize)?)?;
            Some(until_nul(clip(text)))
        }),
        b"sig " => signature(data, 8).map(|s| printed(tag, s)),
        b"XYZ " => {
            let triples: Option<Vec<String>> = (0..(body.len() / 12).min(MAX_LIST_ITEMS))
                .map(|i| fixed_list(data, 8 + 12 * i, 3))
                .collect();
            triples.map(|t| t.join(", "))
        }
        b"sf32" => fixed_list(data, 8, body.len() / 4),
        b"uf32" => (0..(body.len() / 4).min(MAX_LIST_ITEMS))
            .map(|i| fixed32u(data, 8 + 4 * i).map(|v| format_g(v, 15)))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(" ")),
        b"ui32" => (0..(body.len() / 4).min(MAX_LIST_ITEMS))
            .map(|i| u32_at(data, 8 + 4 * i).map(|v| v.to_string()))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(" ")),
        b"dtim" if data.len() >= 20 => (0..6)
            .map(|i| u16_at(data, 8 + 2 * i))
            .collect::<Option<Vec<u16>>>()
            .map(|d| {
                format!(
                    "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                    d[0], d[1], d[2], d[3], d[4], d[5]
                )
            }),
        // curves, LUTs and the rest: binary in exiftool's output
        _ => None,
    };
    if let Some(value) = value {
        tags.push(tag.name, value);
    }
}

fn until_nul(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// multiLocalizedUnicodeType: en-US (or an unparsable code) under the tag's
/// name, other languages as `Name-xx-YY`, each UTF-16BE.
fn localized(tag: &Tag<&str>, data: &[u8], tags: &mut Tags) {
    if data.len() < 28 || !tag.shown() {
        return;
    }
    let (Some(count), Some(record_len)) = (u32_at(data, 8), u32_at(data, 12)) else {
        return;
    };
    let record_len = record_len as usize;
    if record_len < 12 {
        return;
    }
    let mut seen: Vec<&[u8]> = Vec::new();
    for i in 0..(count as usize).min(MAX_MLUC_RECORDS) {
        if tags.spent() {
            return;
        }
        let Some(at) = i.checked_mul(record_len).and_then(|o| o.checked_add(16)) else {
            return;
        };
        let Some(record) = at.checked_add(record_len).and_then(|end| data.get(at..end)) else {
            return;
        };
        let (Some(len), Some(offset)) = (u32_at(record, 4), u32_at(record, 8)) else {
            return;
        };
        // A record repeating an earlier one (language, length, offset) names
        // the same tag with the same text.
        if seen.contains(&&record[..12]) {
            continue;
        }
        seen.push(&record[..12]);
        let Some(text) = (offset as usize)
            .checked_add(len as usize)
            .and_then(|end| data.get(offset as usize..end))
        else {
            return;
        };
        let units: Vec<u16> = clip_utf16(text)
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        let value = String::from_utf16_lossy(&units);
        let code = &record[..4];
        let name = match code {
            [a, b, c, d]
                if a.is_ascii_alphabetic()
                    && b.is_ascii_alphabetic()
                    && c.is_ascii_alphabetic()
                    && d.is_ascii_alphabetic()
                    && code != b"enUS" =>
            {
                format!(
                    "{}-{}{}-{}{}",
                    tag.name,
                    a.to_ascii_lowercase() as char,
                    b.to_ascii_lowercase() as char,
                    c.to_ascii_uppercase() as char,
                    d.to_ascii_uppercase() as char
                )
            }
            _ => tag.name.to_string(),
        };
        tags.push(name, value);
    }
}

/// The measurement and viewing-conditions tags: fields at fixed offsets.
fn binary_table(table: &'static [Tag<u32>], data: &[u8], tags: &mut Tags) {
    for field in table.iter().filter(|t| t.shown()) {
        let at = field.id as usize;
        let value = match field.format {
            "fixed32s" => fixed_list(data, at, 3),
            // exiftool: $val*100 . "%"
            "fixed32u" => fixed32u(data, at).map(|v| format!("{}%", format_g(v * 100.0, 15))),
            "int32u" => u32_at(data, at).map(|v| printed(field, v.to_string())),
            _ => None,
        };
        if let Some(value) = value {
            tags.push(field.name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile with the given tag entries (signature, data) after a header.
    fn profile(entries: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut header = vec![0u8; HEADER_LEN];
        header[8..10].copy_from_slice(&[2, 0x10]);
        header[12..16].copy_from_slice(b"mntr");
        header[16..20].copy_from_slice(b"RGB ");
        header[40..44].copy_from_slice(b"APPL");
        header[64..68].copy_from_slice(&1u32.to_be_bytes());
        header[68..80].copy_from_slice(&[0, 0, 0xf6, 0xd6, 0, 1, 0, 0, 0, 0, 0xd3, 0x2d]);
        let mut table = (entries.len() as u32).to_be_bytes().to_vec();
        let mut data = Vec::new();
        let mut offset = HEADER_LEN + 4 + 12 * entries.len();
        for (sig, body) in entries {
            table.extend(*sig);
            table.extend((offset as u32).to_be_bytes());
            table.extend((body.len() as u32).to_be_bytes());
            data.extend(body);
            offset += body.len();
        }
        let mut p = [header, table, data].concat();
        let len = p.len() as u32;
        p[..4].copy_from_slice(&len.to_be_bytes());
        p
    }

    fn read_map(p: &[u8]) -> std::collections::BTreeMap<String, String> {
        let mut tags = Tags::default();
        read(p, &mut tags);
        tags.into_map()
    }

    fn mluc(records: &[(&[u8; 4], &str)]) -> Vec<u8> {
        let mut out = b"mluc\0\0\0\0".to_vec();
        out.extend((records.len() as u32).to_be_bytes());
        out.extend(12u32.to_be_bytes());
        let mut strings = Vec::new();
        let base = 16 + 12 * records.len();
        for (code, text) in records {
            let utf16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
            out.extend(*code);
            out.extend((utf16.len() as u32).to_be_bytes());
            out.extend(((base + strings.len()) as u32).to_be_bytes());
            strings.extend(utf16);
        }
        out.extend(strings);
        out
    }

    #[test]
    fn header_and_tags_print_like_exiftool() {
        let xyz = [
            &b"XYZ \0\0\0\0"[..],
            &[0, 0, 0xf3, 0x51, 0, 1, 0, 0, 0, 1, 0x16, 0xcc],
        ]
        .concat();
        let p = profile(&[
            (
                b"desc",
                mluc(&[(b"enUS", "Display P3"), (b"deDE", "Anzeige")]),
            ),
            (
                b"cprt",
                b"text\0\0\0\0Copyright Apple Inc., 2017\0".to_vec(),
            ),
            (b"wtpt", xyz),
            (b"tech", b"sig \0\0\0\0CRT ".to_vec()),
            (
                b"meas",
                [
                    &b"meas\0\0\0\0\0\0\0\x01"[..],
                    &[0; 12],
                    &[0, 0, 0, 0, 0, 0, 0x02, 0x8f, 0, 0, 0, 2],
                ]
                .concat(),
            ),
        ]);
        let map = read_map(&p);
        assert_eq!(map["ProfileVersion"], "2.1.0");
        assert_eq!(map["ProfileClass"], "Display Device Profile");
        assert_eq!(map["ColorSpaceData"], "RGB ");
        assert_eq!(map["PrimaryPlatform"], "Apple Computer Inc.");
        assert_eq!(map["RenderingIntent"], "Media-Relative Colorimetric");
        assert_eq!(map["ConnectionSpaceIlluminant"], "0.9642 1 0.82491");
        assert_eq!(map["CMMFlags"], "Not Embedded, Independent");
        assert_eq!(
            map["DeviceAttributes"],
            "Reflective, Glossy, Positive, Color"
        );
        assert_eq!(map["ProfileID"], "0");
        assert_eq!(map["ProfileDescription"], "Display P3");
        assert_eq!(map["ProfileDescription-de-DE"], "Anzeige");
        assert_eq!(map["ProfileCopyright"], "Copyright Apple Inc., 2017");
        assert_eq!(map["MediaWhitePoint"], "0.95045 1 1.08905");
        assert_eq!(map["Technology"], "Cathode Ray Tube Display");
        assert_eq!(map["MeasurementObserver"], "CIE 1931");
        assert_eq!(map["MeasurementBacking"], "0 0 0");
        assert_eq!(map["MeasurementFlare"], "0.999%");
        assert_eq!(map["MeasurementIlluminant"], "D65");
    }

    #[test]
    fn hostile_counts_and_offsets_are_refused_without_panic() {
        let mut p = profile(&[(b"cprt", b"text\0\0\0\0ok".to_vec())]);
        // an entry whose offset points past the profile
        p[HEADER_LEN + 8..HEADER_LEN + 12].copy_from_slice(&u32::MAX.to_be_bytes());
        let map = read_map(&p);
        assert_eq!(map["ProfileClass"], "Display Device Profile");
        assert!(!map.contains_key("ProfileCopyright"));
        // a tag count far beyond the data
        let mut p = profile(&[]);
        p[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        read_map(&p);
        // an mluc record count of 2^32-1 with records past the end
        let mut bad = mluc(&[(b"enUS", "x")]);
        bad[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        read_map(&profile(&[(b"desc", bad)]));
        assert!(read_map(&[0, 0, 0, 200]).is_empty());
    }
}
