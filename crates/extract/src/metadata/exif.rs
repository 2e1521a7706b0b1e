//! Exif IFDs (IFD0, ExifIFD, GPS, InteropIFD, IFD1) from a TIFF structure.
//!
//! Why kamadak-exif and not rexif (the issue asked for rexif "unless it cannot
//! read what real files carry"): over the 55 corpus files (scratch program,
//! 2026-11-25), rexif 0.7.6 returned Exif entries for 26 files and failed on
//! the other Exif-bearing ones: `iptc_pillow.jpg` (APP13 before APP1: "File
//! type unknown"), the HEIC, the PNG eXIf and the WebP EXIF files (30+45+4+42
//! tags exiftool reports). kamadak-exif 0.6.2 read every Exif block (1043
//! fields vs rexif's 822) once given the raw TIFF bytes, and bounds its work:
//! each IFD is visited once (loops end), at most 8 IFDs in the chain, and a
//! value must fit in the buffer before it is read, so counts cannot make it
//! allocate beyond the input. Its lenient mode keeps what precedes a broken
//! entry. Names and printed values are ours ([`super::exif_tags`]), since both
//! crates name and print tags differently from exiftool.

use exif::{Context, Field, In, Value};

use super::exif_tags::{gps_tag, main_tag, print, value_conv};
use super::limits::MAX_LIST_ITEMS;
use super::print::{bytes_as_text, cfa_pattern, Num, Raw};
use super::tables::LOW_PRIORITY;
use super::{gps, icc, iptc, photoshop, xmp, Priority, Tags};

/// IFD0 tags that embed other metadata blocks (TIFF files).
const XMP_TAG: u16 = 700;
const IPTC_TAG: u16 = 33723;
const PHOTOSHOP_TAG: u16 = 34377;
const ICC_TAG: u16 = 34675;

/// Parses a TIFF structure, keeping what precedes any error. The reader
/// copies every value it is asked for, and IFD entries may all point at the
/// same bytes; [`within_budget`] first turns the entries past the file's own
/// size in values into ones it does not copy.
fn parse(tiff: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .continue_on_error(true)
        .read_raw(within_budget(tiff.to_vec()))
        .or_else(|e| e.distill_partial_result(|_| {}))
        .ok()
}

/// The TIFF structure with every IFD entry whose value would take the copies
/// past the structure's own size retyped to a type the reader leaves unread
/// (0): what kamadak-exif copies is O(n) whatever the entries alias. The walk
/// is the reader's own (tiff.rs): IFD0's chain (at most 8 IFDs), the Exif and
/// GPS IFDs from IFD0's pointers and the Interop IFD from the Exif IFD's,
/// each IFD once. ASCII values also cost a vector per NUL-separated part.
fn within_budget(mut tiff: Vec<u8>) -> Vec<u8> {
    let little = match tiff.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return tiff,
    };
    let mut walk = BudgetWalk {
        little,
        left: tiff.len() + 4096,
        seen: Vec::new(),
    };
    let Some(mut ifd) = walk.u32(&tiff, 4) else {
        return tiff;
    };
    for _ in 0..8 {
        match walk.ifd(&mut tiff, ifd as usize, Ifd::Tiff) {
            Some(next) if next != 0 => ifd = next,
            _ => break,
        }
    }
    tiff
}

#[derive(Clone, Copy, PartialEq)]
enum Ifd {
    Tiff,
    Exif,
    Other,
}

struct BudgetWalk {
    little: bool,
    /// Value bytes the reader may still copy.
    left: usize,
    seen: Vec<usize>,
}

impl BudgetWalk {
    fn u16(&self, data: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// Walks one IFD and the child IFDs its pointers name; returns the
    /// next-IFD offset.
    fn ifd(&mut self, tiff: &mut [u8], at: usize, kind_of: Ifd) -> Option<u32> {
        let count = self.u16(tiff, at)? as usize;
        if self.seen.contains(&at) {
            return None;
        }
        self.seen.push(at);
        for index in 0..count {
            let entry = at + 2 + 12 * index;
            let tag = self.u16(tiff, entry)?;
            let kind = self.u16(tiff, entry + 2)?;
            let count = self.u32(tiff, entry + 4)? as usize;
            let unit: usize = match kind {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 => 4,
                5 | 10 | 12 => 8,
                _ => continue,
            };
            let child = match (kind_of, tag) {
                (Ifd::Tiff, 0x8769) => Some(Ifd::Exif),
                (Ifd::Tiff, 0x8825) | (Ifd::Exif, 0xa005) => Some(Ifd::Other),
                _ => None,
            };
            let len = unit.saturating_mul(count);
            let value_at = if len > 4 {
                let offset = self.u32(tiff, entry + 8)? as usize;
                let cost = if len > self.left {
                    None
                } else if kind == 2 {
                    let nuls = offset
                        .checked_add(len)
                        .and_then(|end| tiff.get(offset..end))
                        .map_or(0, |value| value.iter().filter(|&&b| b == 0).count());
                    Some(len + 24 * nuls)
                } else {
                    Some(len)
                };
                match cost.filter(|&cost| cost <= self.left) {
                    Some(cost) => self.left -= cost,
                    None => {
                        self.left -= len.min(self.left);
                        tiff[entry + 2..entry + 4].fill(0);
                        continue;
                    }
                }
                offset
            } else {
                entry + 8
            };
            // The reader follows a pointer by its first value, of any unsigned type.
            let pointer = match kind {
                1 => tiff.get(value_at).map(|&b| u32::from(b)),
                3 => self.u16(tiff, value_at).map(u32::from),
                4 => self.u32(tiff, value_at),
                _ => None,
            };
            if let (Some(child), Some(pointer)) = (child, pointer) {
                self.ifd(tiff, pointer as usize, child);
            }
        }
        self.u32(tiff, at + 2 + 12 * count)
    }
}

/// Where a TIFF structure sits, which changes a few of exiftool's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The file is a TIFF.
    TiffFile,
    /// Exif inside another container (JPEG APP1, PNG eXIf, ...).
    Embedded,
    /// Exif inside a Photoshop resource block: a Photoshop block in its IFD0
    /// is not followed, so blocks cannot nest without end.
    InPhotoshop,
}

/// Tags that say where bytes lie in the file, not anything about the image:
/// left out of the map (exiftool shows them; Cloudinary's map is about the image).
const FILE_LAYOUT: &[&str] = &[
    "StripOffsets",
    "StripByteCounts",
    "TileOffsets",
    "TileByteCounts",
    "ThumbnailOffset",
    "ThumbnailLength",
];

const STRIP_OFFSETS: u16 = 0x111;
const STRIP_BYTE_COUNTS: u16 = 0x117;
const MAKER_NOTE: u16 = 0x927c;

/// Reads every known tag into `tags` in IFD order; GPS values also go to `fix`
/// for the Composite tags. XMP and IPTC embedded in IFD0 are read where they sit.
pub(crate) fn read(tiff: &[u8], source: Source, tags: &mut Tags, fix: &mut gps::Fix) {
    let Some(exif) = parse(tiff) else { return };
    let previews = preview_ifds(&exif, source);
    let priority_ifd = priority_ifd(&exif);
    for field in exif.fields() {
        if tags.spent() {
            return;
        }
        let (context, id) = (field.tag.context(), field.tag.number());
        let primary = field.ifd_num == In::PRIMARY;
        if context == Context::Tiff
            && primary
            && matches!(id, XMP_TAG | IPTC_TAG | PHOTOSHOP_TAG | ICC_TAG)
        {
            if let Some(bytes) = raw_bytes(&field.value, exif.little_endian()) {
                match id {
                    XMP_TAG => xmp::read(&bytes, tags, fix),
                    IPTC_TAG => iptc::read(&bytes, tags),
                    ICC_TAG => icc::read(&bytes, tags),
                    _ if source != Source::InPhotoshop => photoshop::read(&bytes, tags, fix),
                    _ => {}
                }
            }
            continue;
        }
        // exiftool's directory rule (ExifTool.pm, FoundTag): IFD1 of an
        // embedded Exif block is a low-priority directory (ProcessJPEG); in a
        // TIFF file every IFD is normal, so a later page's tag wins.
        let priority = if primary || source == Source::TiffFile {
            Priority::Normal
        } else {
            Priority::Low
        };
        if context == Context::Tiff && previews.contains(&field.ifd_num) {
            if let (Some(name), Some(raw)) = (preview_name(id), to_raw(field)) {
                tags.push_with(name, raw.plain(), priority);
                continue;
            }
        }
        if context == Context::Exif && id == MAKER_NOTE {
            if let Some(text) = unknown_text_maker_note(&field.value) {
                tags.push_with("MakerNoteUnknownText", text, priority);
            }
            continue;
        }
        let def = match context {
            Context::Gps => gps_tag(id),
            _ => main_tag(id),
        };
        let Some(def) = def.filter(|d| !FILE_LAYOUT.contains(&d.name)) else {
            continue;
        };
        let Some(raw) = to_raw(field).and_then(|raw| value_conv(def, raw)) else {
            continue;
        };
        // The image-structure tags (ImageWidth, Compression, ...) have
        // exiftool's Priority 0, except in the full-resolution image's IFD.
        let priority = if def.has(LOW_PRIORITY) && Some(field.ifd_num) != priority_ifd {
            Priority::Low
        } else {
            priority
        };
        // CFAPattern's RawConv needs the TIFF's byte order.
        if def.print == "Image::ExifTool::Exif::PrintCFAPattern($val)" {
            if let Value::Undefined(bytes, _) = &field.value {
                let printed = cfa_pattern(bytes, exif.little_endian());
                tags.push_with(def.name, printed, priority);
                continue;
            }
        }
        if context == Context::Gps && primary {
            fix.record(def.name, &raw);
        }
        tags.push_with(def.name, print(def, &raw), priority);
    }
}

/// Subfile type (the NewSubfileType tag): 0 is the full-resolution image.
const SUBFILE_TYPE: exif::Tag = exif::Tag(Context::Tiff, 0xfe);
const OLD_SUBFILE_TYPE: exif::Tag = exif::Tag(Context::Tiff, 0xff);

/// The IFDs of the chain, in file order.
fn ifds(exif: &exif::Exif) -> Vec<In> {
    let mut ifds: Vec<In> = exif.fields().map(|f| f.ifd_num).collect();
    ifds.dedup();
    ifds
}

/// The first number of `tag` in `ifd`, if it has one.
fn uint(exif: &exif::Exif, tag: exif::Tag, ifd: In) -> Option<u32> {
    exif.get_field(tag, ifd).and_then(|f| f.value.get_uint(0))
}

/// exiftool's priority directory (`SetPriorityDir`): the first IFD that says
/// it holds the full-resolution image (SubfileType 0, or OldSubfileType 1).
fn priority_ifd(exif: &exif::Exif) -> Option<In> {
    ifds(exif).into_iter().find(|&ifd| {
        uint(exif, SUBFILE_TYPE, ifd) == Some(0) || uint(exif, OLD_SUBFILE_TYPE, ifd) == Some(1)
    })
}

/// IFDs of a TIFF file whose strips exiftool calls a preview image: JPEG
/// (new-style) compressed subfiles other than the full-resolution image.
fn preview_ifds(exif: &exif::Exif, source: Source) -> Vec<In> {
    if source != Source::TiffFile {
        return Vec::new();
    }
    ifds(exif)
        .into_iter()
        .filter(|&ifd| {
            uint(exif, exif::Tag::Compression, ifd) == Some(7)
                && uint(exif, SUBFILE_TYPE, ifd) != Some(0)
        })
        .collect()
}

fn preview_name(id: u16) -> Option<&'static str> {
    match id {
        STRIP_OFFSETS => Some("PreviewImageStart"),
        STRIP_BYTE_COUNTS => Some("PreviewImageLength"),
        _ => None,
    }
}

/// A maker note of a maker exiftool does not know, shown when it is short
/// printable text (exiftool's MakerNoteUnknownText).
fn unknown_text_maker_note(value: &Value) -> Option<String> {
    let Value::Undefined(bytes, _) = value else {
        return None;
    };
    let text_end = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    let text = &bytes[..text_end];
    let printable = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e);
    (!text.is_empty() && text.len() <= 64 && text.iter().all(printable))
        .then(|| String::from_utf8_lossy(text).into_owned())
}

/// The primary image's Orientation tag.
pub(crate) fn orientation(tiff: &[u8]) -> Option<u16> {
    let exif = parse(tiff)?;
    let field = exif.get_field(exif::Tag::Orientation, In::PRIMARY)?;
    field.value.get_uint(0).and_then(|v| u16::try_from(v).ok())
}

/// A field's value in reader-neutral form; a list of numbers is read as far
/// as its printed value can reach ([`MAX_LIST_ITEMS`]).
fn to_raw(field: &Field) -> Option<Raw> {
    const ITEMS: usize = MAX_LIST_ITEMS;
    let ints = |v: Vec<i64>| Some(Raw::Nums(v.into_iter().map(Num::Int).collect()));
    match &field.value {
        Value::Byte(v) => ints(v.iter().take(ITEMS).map(|&x| x as i64).collect()),
        Value::Short(v) => ints(v.iter().take(ITEMS).map(|&x| x as i64).collect()),
        Value::Long(v) => ints(v.iter().take(ITEMS).map(|&x| x as i64).collect()),
        Value::SByte(v) => ints(v.iter().take(ITEMS).map(|&x| x as i64).collect()),
        Value::SShort(v) => ints(v.iter().take(ITEMS).map(|&x| x as i64).collect()),
        Value::SLong(v) => ints(v.iter().take(ITEMS).map(|&x| x as i64).collect()),
        Value::Rational(v) => Some(Raw::Nums(
            v.iter()
                .take(ITEMS)
                .map(|r| Num::rational(r.num as i64, r.denom as i64))
                .collect(),
        )),
        Value::SRational(v) => Some(Raw::Nums(
            v.iter()
                .take(ITEMS)
                .map(|r| Num::rational(r.num as i64, r.denom as i64))
                .collect(),
        )),
        Value::Float(v) => Some(Raw::Nums(
            v.iter().take(ITEMS).map(|&x| Num::Real(x as f64)).collect(),
        )),
        Value::Double(v) => Some(Raw::Nums(
            v.iter().take(ITEMS).map(|&x| Num::Real(x)).collect(),
        )),
        // exiftool reads an ASCII value up to its first NUL.
        Value::Ascii(parts) => Some(Raw::Text(
            parts.first().map_or_else(String::new, |p| bytes_as_text(p)),
        )),
        // exiftool reads a single undefined byte as int8u.
        Value::Undefined(bytes, _) if bytes.len() == 1 => ints(vec![bytes[0] as i64]),
        Value::Undefined(bytes, _) => Some(Raw::Bytes(bytes.clone())),
        Value::Unknown(..) => None,
    }
}

/// The bytes of an embedded block, whatever type the writer gave the tag.
fn raw_bytes(value: &Value, little_endian: bool) -> Option<Vec<u8>> {
    match value {
        Value::Byte(b) | Value::Undefined(b, _) => Some(b.clone()),
        // Writers (exiftool among them) type the IPTC tag as LONG; the reader
        // decoded it in the file's byte order, so encode it back the same way.
        Value::Long(v) if little_endian => Some(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        Value::Long(v) => Some(v.iter().flat_map(|x| x.to_be_bytes()).collect()),
        Value::Ascii(parts) => Some(parts.concat()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big-endian TIFF with IFD0 entries (tag, type, count, value) and a
    /// next-IFD offset.
    fn tiff(entries: &[(u16, u16, u32, u32)], next: u32) -> Vec<u8> {
        let mut t = b"MM\0*\0\0\0\x08".to_vec();
        t.extend((entries.len() as u16).to_be_bytes());
        for &(tag, typ, count, value) in entries {
            t.extend(tag.to_be_bytes());
            t.extend(typ.to_be_bytes());
            t.extend(count.to_be_bytes());
            t.extend(
                if typ == 3 && count == 1 {
                    ((value as u16) as u32) << 16
                } else {
                    value
                }
                .to_be_bytes(),
            );
        }
        t.extend(next.to_be_bytes());
        t
    }

    fn read_tiff(t: &[u8]) -> std::collections::BTreeMap<String, String> {
        let mut tags = Tags::default();
        read(t, Source::Embedded, &mut tags, &mut gps::Fix::default());
        tags.into_map()
    }

    #[test]
    fn known_tags_print_with_exiftool_names() {
        let t = tiff(&[(0x112, 3, 1, 6), (0x128, 3, 1, 2)], 0);
        let tags = read_tiff(&t);
        assert_eq!(tags["Orientation"], "Rotate 90 CW");
        assert_eq!(tags["ResolutionUnit"], "inches");
        assert_eq!(orientation(&t), Some(6));
    }

    #[test]
    fn an_ifd_chain_that_loops_back_ends() {
        // IFD0's next-IFD offset points at IFD0 itself.
        let t = tiff(&[(0x112, 3, 1, 3)], 8);
        assert_eq!(read_tiff(&t)["Orientation"], "Rotate 180");
    }

    #[test]
    fn offsets_and_counts_past_the_end_are_skipped() {
        // Make: ASCII, 0xffffffff bytes at offset 0x7fffffff; Orientation still reads.
        let t = tiff(
            &[(0x10f, 2, u32::MAX, 0x7fff_ffff), (0x112, 3, 1, 8)],
            0xffff_fff0,
        );
        let tags = read_tiff(&t);
        assert!(!tags.contains_key("Make"));
        assert_eq!(tags["Orientation"], "Rotate 270 CW");
        let mut cut = t.clone();
        cut.truncate(15);
        assert!(read_tiff(&cut).is_empty());
    }
}
