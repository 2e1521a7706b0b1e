//! Valid files in shapes the `image` crate's decoders refuse, rewritten into
//! the equivalent shape they read. Each rewrite changes only framing the
//! format's specification makes equivalent; pixels, palettes and sizes are
//! untouched, and every other file passes through as it is (borrowed, no
//! copy). The ETag, byte count and metadata always come from the file as
//! uploaded, never from a rewrite.

use std::borrow::Cow;

use crate::Format;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// `bytes` as the decoders can read them (see the module comment).
pub(crate) fn readable(bytes: &[u8], format: Format) -> Cow<'_, [u8]> {
    let rewritten = match format {
        Format::Gif => gif_with_default_palette(bytes),
        Format::Bmp => bmp_with_info_header(bytes),
        Format::Ico => ico_with_true_directory(bytes),
        _ => None,
    };
    rewritten.map_or(Cow::Borrowed(bytes), Cow::Owned)
}

/// A GIF without a global colour table whose frames may also lack a local
/// one: such frames index the decoder's default palette (GIF89a, section 18:
/// "a default color table ... may be used"); the `gif` crate refuses them.
/// Gives it a global table of 256 grey levels, the default Pillow and
/// ImageMagick use. Frames with their own table keep it: a local table
/// always wins.
fn gif_with_default_palette(bytes: &[u8]) -> Option<Vec<u8>> {
    // Header (6) + logical screen descriptor (7); byte 10 packs the
    // global-table flag (bit 7) and its size (bits 0-2: 2^(n+1) entries).
    const SCREEN_END: usize = 13;
    let packed = *bytes.get(10)?;
    if bytes.len() < SCREEN_END || packed & 0x80 != 0 {
        return None;
    }
    let mut fixed = Vec::with_capacity(bytes.len() + 768);
    fixed.extend_from_slice(&bytes[..SCREEN_END]);
    fixed[10] = packed | 0x80 | 0x07;
    fixed.extend((0..=255u8).flat_map(|level| [level; 3]));
    fixed.extend_from_slice(&bytes[SCREEN_END..]);
    Some(fixed)
}

/// A BMP with an OS/2 2.x header (`BITMAPCOREHEADER2`: 16 to 64 bytes,
/// whose first 40 bytes share `BITMAPINFOHEADER`'s layout) rewritten with a
/// 40-byte `BITMAPINFOHEADER`: the extra OS/2 fields (units, halftoning,
/// colour encoding) are dropped, missing ones are zero (which means the
/// defaults), and the pixel-data offset moves with the header. Only the
/// compressions both headers share (none, RLE8, RLE4) are rewritten.
fn bmp_with_info_header(bytes: &[u8]) -> Option<Vec<u8>> {
    // File header (14) then the DIB header, which starts with its own size.
    const FILE_HEADER: usize = 14;
    const INFO_HEADER: usize = 40;
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let header_size = usize::try_from(u32_at(FILE_HEADER)?).ok()?;
    // The sizes the `image` crate reads itself: core (12), info (40) and
    // its V2-V5 extensions (52, 56, 108, 124).
    if !(16..=64).contains(&header_size)
        || header_size == INFO_HEADER
        || header_size == 52
        || header_size == 56
    {
        return None;
    }
    let header_end = FILE_HEADER + header_size;
    let header = bytes.get(FILE_HEADER..header_end)?;
    // Compression sits at offset 16 of the DIB header; absent means none.
    let compression = header
        .get(16..20)
        .map_or(0, |c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    if compression > 2 {
        return None;
    }
    let mut info = [0u8; INFO_HEADER];
    let shared = header_size.min(INFO_HEADER);
    info[..shared].copy_from_slice(&header[..shared]);
    info[..4].copy_from_slice(&(INFO_HEADER as u32).to_le_bytes());

    let shift = |value: u32| -> Option<u32> {
        let value = i64::from(value) + INFO_HEADER as i64 - header_size as i64;
        u32::try_from(value).ok()
    };
    let mut fixed = Vec::with_capacity(bytes.len() + INFO_HEADER);
    fixed.extend_from_slice(&bytes[..FILE_HEADER]);
    fixed.extend_from_slice(&info);
    fixed.extend_from_slice(&bytes[header_end..]);
    // bfSize (bytes 2..6) and bfOffBits (10..14) follow the header's new length.
    let file_size = shift(u32_at(2)?)?;
    let pixel_offset = shift(u32_at(10)?)?;
    fixed[2..6].copy_from_slice(&file_size.to_le_bytes());
    fixed[10..14].copy_from_slice(&pixel_offset.to_le_bytes());
    Some(fixed)
}

/// A BMP whose RLE8 or RLE4 rows are stored top-down (negative height),
/// restated as bottom-up (the height made positive): the same bytes then
/// decode upside down, and the caller shows them flipped (`FlipVertical`).
/// The BMP specification allows top-down rows only uncompressed, and the
/// `image` crate refuses these files, though its RLE reader handles either
/// row order; Pillow and ImageMagick read them top-down, as written.
/// `None` for every other file.
pub(crate) fn bmp_rle_bottom_up(bytes: &[u8]) -> Option<Vec<u8>> {
    // File header (14), then a DIB header of at least BITMAPINFOHEADER's 40
    // bytes: height at 8..12, compression at 16..20 (1: RLE8, 2: RLE4).
    const HEIGHT: usize = 14 + 8;
    const COMPRESSION: usize = 14 + 16;
    let header_size = u32::from_le_bytes(bytes.get(14..18)?.try_into().ok()?);
    let height = i32::from_le_bytes(bytes.get(HEIGHT..HEIGHT + 4)?.try_into().ok()?);
    let compression = u32::from_le_bytes(bytes.get(COMPRESSION..COMPRESSION + 4)?.try_into().ok()?);
    if header_size < 40 || height >= 0 || height == i32::MIN || !matches!(compression, 1 | 2) {
        return None;
    }
    let mut fixed = bytes.to_vec();
    fixed[HEIGHT..HEIGHT + 4].copy_from_slice(&(-height).to_le_bytes());
    Some(fixed)
}

/// An ICO or CUR whose directory misstates its entries (sizes or bit
/// depths that differ from the images they point at, entries past the end of
/// the file): each entry is restated from its own image's header, as
/// browsers and Windows read icons, and entries that point at nothing are
/// dropped. The `image` crate picks the entry to decode by these fields and
/// refuses a mismatch.
fn ico_with_true_directory(bytes: &[u8]) -> Option<Vec<u8>> {
    let kind = u16::from_le_bytes(bytes.get(2..4)?.try_into().ok()?);
    let count = usize::from(u16::from_le_bytes(bytes.get(4..6)?.try_into().ok()?));
    let entries = icon_entries(bytes)?;
    let mut restated = Vec::with_capacity(entries.len() * ICO_ENTRY);
    for IconEntry {
        mut fields,
        image,
        width,
        height,
        bits,
    } in entries
    {
        // 0 stands for 256 (or more, for a PNG entry).
        fields[0] = u8::try_from(width).unwrap_or(0);
        fields[1] = u8::try_from(height).unwrap_or(0);
        if kind == 1 {
            fields[4..6].copy_from_slice(&1u16.to_le_bytes());
            fields[6..8].copy_from_slice(&bits.to_le_bytes());
        } else {
            // A cursor's hotspot lies inside its image.
            for field in [4, 6] {
                if u16::from_le_bytes([fields[field], fields[field + 1]]) > 256 {
                    fields[field..field + 2].copy_from_slice(&0u16.to_le_bytes());
                }
            }
        }
        fields[8..12].copy_from_slice(&(image.len() as u32).to_le_bytes());
        restated.extend_from_slice(&fields);
    }
    if restated == bytes.get(ICO_DIRECTORY..ICO_DIRECTORY + count * ICO_ENTRY)? {
        return None;
    }
    let mut fixed = bytes.to_vec();
    let kept = (restated.len() / ICO_ENTRY) as u16;
    fixed[4..6].copy_from_slice(&kept.to_le_bytes());
    // Fewer entries: the freed slots are left as padding (offsets are absolute).
    fixed[ICO_DIRECTORY..ICO_DIRECTORY + restated.len()].copy_from_slice(&restated);
    Some(fixed)
}

/// The image of the entry the `image` crate decodes (the most bits per
/// pixel, then the largest; the last of equals), when it is a PNG: an icon
/// may hold a PNG in any colour type, but the `image` crate's ICO decoder
/// takes only 8-bit RGBA ones, so such an entry is decoded as the PNG it is.
pub(crate) fn ico_png_entry(bytes: &[u8]) -> Option<&[u8]> {
    let mut best: Option<((u16, u64), &[u8])> = None;
    for entry in icon_entries(bytes)? {
        let score = (entry.bits, u64::from(entry.width) * u64::from(entry.height));
        if best.is_none_or(|(best_score, _)| score >= best_score) {
            best = Some((score, entry.image));
        }
    }
    best.map(|(_, image)| image)
        .filter(|image| image.starts_with(PNG_SIGNATURE))
}

/// Where an icon's directory starts, and the size of one entry.
const ICO_DIRECTORY: usize = 6;
const ICO_ENTRY: usize = 16;

/// One directory entry of an icon, with the image it points at (cut at the
/// end of the file) and that image's own size and depth.
struct IconEntry<'a> {
    fields: [u8; ICO_ENTRY],
    image: &'a [u8],
    width: u32,
    height: u32,
    bits: u16,
}

/// The entries of an icon's directory whose image has a readable header, in
/// directory order; `None` when the directory itself is cut short.
fn icon_entries(bytes: &[u8]) -> Option<Vec<IconEntry<'_>>> {
    let count = usize::from(u16::from_le_bytes(bytes.get(4..6)?.try_into().ok()?));
    let mut entries = Vec::with_capacity(count);
    for index in 0..count {
        let at = ICO_DIRECTORY + index * ICO_ENTRY;
        let fields: [u8; ICO_ENTRY] = bytes.get(at..at + ICO_ENTRY)?.try_into().ok()?;
        let length = u32::from_le_bytes(fields[8..12].try_into().ok()?) as usize;
        let offset = u32::from_le_bytes(fields[12..16].try_into().ok()?) as usize;
        let length = length.min(bytes.len().saturating_sub(offset));
        let Some(image) = bytes.get(offset..offset + length) else {
            continue;
        };
        let Some((width, height, bits)) = entry_image_size(image) else {
            continue;
        };
        entries.push(IconEntry {
            fields,
            image,
            width,
            height,
            bits,
        });
    }
    Some(entries)
}

/// Width, height and bits per pixel of one icon entry's image: a PNG (its
/// IHDR) or a DIB (its header; the height counts the image and its mask).
fn entry_image_size(image: &[u8]) -> Option<(u32, u32, u16)> {
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(image.get(at..at + 4)?.try_into().ok()?))
    };
    let le = |at: usize, len: usize| -> Option<u32> {
        let bytes = image.get(at..at + len)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0, |value, &b| (value << 8) | u32::from(b)),
        )
    };
    if image.starts_with(PNG_SIGNATURE) {
        return Some((be32(16)?, be32(20)?, 32));
    }
    let (width, height, bits) = match le(0, 4)? {
        12 => (le(4, 2)?, le(6, 2)?, le(10, 2)?),
        size if size >= 40 => (le(4, 4)?, (le(8, 4)? as i32).unsigned_abs(), le(14, 2)?),
        _ => return None,
    };
    if width == 0 || height < 2 {
        return None;
    }
    Some((width, height / 2, u16::try_from(bits).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_files_pass_through_borrowed() {
        let png = b"\x89PNG\r\n\x1a\nrest";
        assert!(matches!(readable(png, Format::Png), Cow::Borrowed(_)));
        // A GIF that has its global table already.
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00rest";
        assert!(matches!(readable(gif, Format::Gif), Cow::Borrowed(_)));
    }

    #[test]
    fn a_gif_without_a_global_table_gets_a_grey_one() {
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
        let fixed = readable(gif, Format::Gif);
        assert_eq!(fixed[10], 0x87);
        assert_eq!(fixed.len(), gif.len() + 768);
        assert_eq!(&fixed[13 + 3 * 200..13 + 3 * 201], &[200, 200, 200]);
        assert_eq!(fixed.last(), Some(&b';'));
    }
}
