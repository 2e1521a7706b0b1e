//! Finds the metadata blocks a file carries, in file order, without decoding
//! pixels: Exif (a TIFF structure), IPTC IIM, XMP packets, JFIF, ICC profiles,
//! Photoshop resource blocks and PNG's physical pixel size, for JPEG, TIFF,
//! PNG, WebP, GIF and HEIF/AVIF. Every walk is bounded by the input and stops
//! at the first structure that does not fit; what was found so far is kept.

use std::borrow::Cow;

use super::limits::MAX_INFLATED_BYTES;
use crate::Format;

/// One metadata block, borrowed from the file where possible.
#[derive(Debug)]
pub(crate) enum Block<'a> {
    /// A TIFF structure (byte order mark first) holding the Exif IFDs.
    Exif(Cow<'a, [u8]>),
    /// A whole TIFF file: Exif IFDs, where exiftool also names the strips of
    /// JPEG-compressed subfiles as preview images.
    TiffFile(&'a [u8]),
    /// IPTC IIM datasets.
    Iptc(Cow<'a, [u8]>),
    /// An XMP packet (UTF-8 or UTF-16 XML).
    Xmp(Cow<'a, [u8]>),
    /// The body of a JPEG APP0 "JFIF" segment.
    Jfif(&'a [u8]),
    /// A whole ICC profile (JPEG APP2 chunks joined).
    Icc(Cow<'a, [u8]>),
    /// A Photoshop image resource block (JPEG APP13 segments joined).
    Photoshop(Cow<'a, [u8]>),
    /// A PNG pHYs chunk: pixels per unit X and Y, unit.
    PngPhysical(&'a [u8]),
    /// A JPEG start-of-frame segment (precision, size, components...).
    JpegFrame(&'a [u8]),
}

/// The metadata blocks of `bytes`, read as `format`, in the order the file holds them.
pub(crate) fn blocks(bytes: &[u8], format: Format) -> Vec<Block<'_>> {
    match format {
        Format::Jpg => jpeg(bytes),
        // A TIFF file is itself the Exif structure; its IFD0 points at IPTC and XMP.
        Format::Tiff => vec![Block::TiffFile(bytes)],
        Format::Png => png(bytes),
        Format::Webp => webp(bytes),
        Format::Gif => gif(bytes),
        Format::Heic | Format::Avif => isobmff(bytes),
        Format::Bmp | Format::Ico | Format::Pdf => scan_xmp_packet(bytes).into_iter().collect(),
    }
}

/// The first Exif block, for callers that only need Exif (orientation).
pub(crate) fn first_exif(bytes: &[u8]) -> Option<Cow<'_, [u8]>> {
    blocks(bytes, Format::sniff(bytes)?)
        .into_iter()
        .find_map(|b| match b {
            Block::Exif(tiff) => Some(tiff),
            Block::TiffFile(tiff) => Some(Cow::Borrowed(tiff)),
            _ => None,
        })
}

const EXIF_HEADER: &[u8] = b"Exif\0\0";
const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const EXTENDED_XMP_HEADER: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const PHOTOSHOP_HEADER: &[u8] = b"Photoshop 3.0\0";
const JFIF_HEADER: &[u8] = b"JFIF\0";
const ICC_HEADER: &[u8] = b"ICC_PROFILE\0";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// JPEG: APP0 JFIF, APP1 Exif, APP1 XMP (+ extended XMP), APP2 ICC profile
/// chunks, APP13 Photoshop resource blocks.
fn jpeg(bytes: &[u8]) -> Vec<Block<'_>> {
    let mut found = Vec::new();
    let mut extended = ExtendedXmp::default();
    let mut icc: Vec<(u8, &[u8])> = Vec::new();
    let mut icc_at = None;
    let mut photoshop: Vec<u8> = Vec::new();
    let mut photoshop_at = None;
    let mut pos = 2;
    while pos + 4 <= bytes.len() {
        if bytes[pos] != 0xff {
            break;
        }
        let marker = bytes[pos + 1];
        if marker == 0xff {
            pos += 1; // fill byte
            continue;
        }
        if marker == 0xd8 || marker == 0x01 || (0xd0..=0xd7).contains(&marker) {
            pos += 2;
            continue;
        }
        if marker == 0xd9 || marker == 0xda {
            break; // metadata lives before the scan data
        }
        let len = u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]) as usize;
        if len < 2 {
            break;
        }
        let end = (pos + 2 + len).min(bytes.len()); // a truncated last segment is read as far as it goes
        let data = &bytes[pos + 4..end];
        match marker {
            0xe0 if data.starts_with(JFIF_HEADER) => {
                found.push(Block::Jfif(&data[JFIF_HEADER.len()..]))
            }
            // ICC.1 B.4: a profile too large for one APP2 is split into
            // numbered chunks (sequence number, chunk count, data).
            0xe2 if data.starts_with(ICC_HEADER) && data.len() >= ICC_HEADER.len() + 2 => {
                icc_at.get_or_insert(found.len());
                icc.push((data[ICC_HEADER.len()], &data[ICC_HEADER.len() + 2..]));
            }
            0xe1 if data.starts_with(EXIF_HEADER) => {
                found.push(Block::Exif(Cow::Borrowed(&data[EXIF_HEADER.len()..])))
            }
            // SOF0-SOF15 except DHT (c4), JPG (c8) and DAC (cc)
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                found.push(Block::JpegFrame(data))
            }
            0xe1 if data.starts_with(XMP_HEADER) => {
                found.push(Block::Xmp(Cow::Borrowed(&data[XMP_HEADER.len()..])))
            }
            0xe1 if data.starts_with(EXTENDED_XMP_HEADER) => {
                extended.add(&data[EXTENDED_XMP_HEADER.len()..])
            }
            // Photoshop splits a large resource block over consecutive APP13 segments.
            0xed if data.starts_with(PHOTOSHOP_HEADER) => {
                photoshop_at.get_or_insert(found.len());
                photoshop.extend_from_slice(&data[PHOTOSHOP_HEADER.len()..]);
            }
            _ => {}
        }
        pos = end;
    }
    // Insert the later-found block first so the earlier index stays valid.
    let mut joined = Vec::new();
    if let Some(at) = photoshop_at {
        joined.push((at, Block::Photoshop(Cow::Owned(photoshop))));
    }
    if let Some(at) = icc_at {
        icc.sort_by_key(|(sequence, _)| *sequence);
        let profile: Vec<u8> = icc
            .into_iter()
            .flat_map(|(_, d)| d.iter().copied())
            .collect();
        joined.push((at, Block::Icc(Cow::Owned(profile))));
    }
    joined.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    for (at, block) in joined {
        found.insert(at, block);
    }
    if let Some(xmp) = extended.assemble() {
        found.push(Block::Xmp(Cow::Owned(xmp)));
    }
    // Trailers follow the image data; exiftool reads them last.
    found.extend(fotostation_iptc(bytes).map(|iim| Block::Iptc(Cow::Borrowed(iim))));
    found
}

/// FotoWare FotoStation trailer at the end of a file: records read backwards,
/// each `data, tag u16, size u32 (data + 10), 0xA1B2C3D4`; tag 1 is IPTC IIM.
fn fotostation_iptc(bytes: &[u8]) -> Option<&[u8]> {
    const SIGNATURE: [u8; 4] = [0xa1, 0xb2, 0xc3, 0xd4];
    let mut end = bytes.len();
    while end >= 10 && bytes[end - 4..end] == SIGNATURE {
        let footer = &bytes[end - 10..end];
        let tag = u16::from_be_bytes([footer[0], footer[1]]);
        let size = u32::from_be_bytes(footer[2..6].try_into().expect("4 bytes")) as usize;
        if size < 10 || size > end {
            return None;
        }
        let start = end - size;
        if tag == 1 {
            return Some(&bytes[start..end - 10]);
        }
        end = start;
    }
    None
}

/// Extended XMP (XMP spec part 3, 1.1.3.1): a packet too large for one APP1,
/// split into chunks keyed by a GUID, each with the full length and its offset.
#[derive(Default)]
struct ExtendedXmp {
    guid: Option<[u8; 32]>,
    chunks: Vec<(u32, Vec<u8>)>,
}

impl ExtendedXmp {
    fn add(&mut self, data: &[u8]) {
        if data.len() < 40 {
            return;
        }
        let guid: [u8; 32] = data[..32].try_into().expect("32 bytes");
        // One extended packet per file; chunks of another GUID are stray.
        if *self.guid.get_or_insert(guid) != guid {
            return;
        }
        let offset = u32::from_be_bytes(data[36..40].try_into().expect("4 bytes"));
        self.chunks.push((offset, data[40..].to_vec()));
    }

    /// The chunks in offset order. Nothing is allocated from the declared full
    /// length, so a lying header cannot make us reserve memory.
    fn assemble(mut self) -> Option<Vec<u8>> {
        if self.chunks.is_empty() {
            return None;
        }
        self.chunks.sort_by_key(|(offset, _)| *offset);
        self.chunks.dedup_by_key(|(offset, _)| *offset);
        Some(self.chunks.into_iter().flat_map(|(_, data)| data).collect())
    }
}

/// PNG: eXIf chunk, iCCP, pHYs, iTXt "XML:com.adobe.xmp", and ImageMagick's
/// hex-encoded "Raw profile type" text chunks. What the compressed chunks
/// inflate to is bounded for the whole file ([`Inflater`]).
fn png(bytes: &[u8]) -> Vec<Block<'_>> {
    let mut found = Vec::new();
    let mut inflater = Inflater::default();
    if !bytes.starts_with(PNG_SIGNATURE) {
        return found;
    }
    let mut pos = PNG_SIGNATURE.len();
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let start = pos + 8;
        let end = start.saturating_add(len).min(bytes.len());
        let data = &bytes[start..end];
        match kind {
            b"eXIf" => {
                let tiff = data.strip_prefix(EXIF_HEADER).unwrap_or(data);
                found.push(Block::Exif(Cow::Borrowed(tiff)));
            }
            b"iTXt" => found.extend(png_itxt_xmp(data, &mut inflater)),
            b"pHYs" => found.push(Block::PngPhysical(data)),
            // profile name, NUL, compression method, zlib data
            b"iCCP" => {
                let profile = data
                    .iter()
                    .position(|&b| b == 0)
                    .and_then(|end| data.get(end + 2..))
                    .and_then(|z| inflater.inflate(z));
                found.extend(profile.map(|p| Block::Icc(Cow::Owned(p))));
            }
            b"tEXt" | b"zTXt" => found.extend(png_raw_profile(kind, data, &mut inflater)),
            b"IEND" => break,
            _ => {}
        }
        pos = start.saturating_add(len).saturating_add(4); // + CRC
    }
    found
}

/// The XMP packet of an iTXt chunk with keyword "XML:com.adobe.xmp".
fn png_itxt_xmp<'a>(data: &'a [u8], inflater: &mut Inflater) -> Option<Block<'a>> {
    let rest = data.strip_prefix(b"XML:com.adobe.xmp\0")?;
    let [compressed, _method, rest @ ..] = rest else {
        return None;
    };
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = &rest[lang_end + 1..];
    let keyword_end = rest.iter().position(|&b| b == 0)?;
    let text = &rest[keyword_end + 1..];
    Some(Block::Xmp(if *compressed != 0 {
        Cow::Owned(inflater.inflate(text)?)
    } else {
        Cow::Borrowed(text)
    }))
}

/// ImageMagick's "Raw profile type exif|APP1|iptc|xmp" text chunk (tEXt, or
/// zlib-compressed zTXt): a newline, the profile name, the length, then the
/// bytes in hex.
fn png_raw_profile(kind: &[u8], data: &[u8], inflater: &mut Inflater) -> Option<Block<'static>> {
    let rest = data.strip_prefix(b"Raw profile type ")?;
    let name_end = rest.iter().position(|&b| b == 0)?;
    let profile = &rest[..name_end];
    let body = &rest[name_end + 1..];
    let inflated;
    let body = if kind == b"zTXt" {
        inflated = inflater.inflate(body.get(1..)?)?; // compression method byte first
        &inflated[..]
    } else {
        body
    };
    let text = std::str::from_utf8(body).ok()?;
    let mut lines = text.trim_start().splitn(3, '\n');
    let _name = lines.next()?;
    let _len = lines.next()?;
    let hex: String = lines.next()?.split_whitespace().collect();
    let raw = hex::decode(hex).ok()?;
    match profile {
        b"exif" | b"APP1" => {
            let start = find(&raw, EXIF_HEADER).map_or(0, |p| p + EXIF_HEADER.len());
            Some(Block::Exif(Cow::Owned(raw[start..].to_vec())))
        }
        b"iptc" => Some(match raw.strip_prefix(PHOTOSHOP_HEADER) {
            Some(irb) => Block::Photoshop(Cow::Owned(irb.to_vec())),
            None => Block::Iptc(Cow::Owned(raw)),
        }),
        b"icc" | b"icm" => Some(Block::Icc(Cow::Owned(raw))),
        b"xmp" => Some(Block::Xmp(Cow::Owned(raw))),
        _ => None,
    }
}

/// zlib-inflates a file's compressed chunks, all of them together at most
/// [`MAX_INFLATED_BYTES`]: a hundred chunks that each stay under a per-chunk
/// cap would otherwise inflate a hundred times as much (issue 28).
struct Inflater {
    /// Bytes the file's chunks may still inflate to.
    left: usize,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater {
            left: MAX_INFLATED_BYTES,
        }
    }
}

impl Inflater {
    /// The chunk inflated, or None if it is broken or would pass what is
    /// left (what it inflated to so far is spent all the same).
    fn inflate(&mut self, compressed: &[u8]) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut out = Vec::new();
        let mut decoder = flate2::read::ZlibDecoder::new(compressed).take(self.left as u64 + 1);
        let read = decoder.read_to_end(&mut out);
        if out.len() > self.left {
            self.left = 0;
            return None;
        }
        self.left -= out.len();
        read.ok()?;
        Some(out)
    }
}

/// WebP: RIFF chunks "EXIF" and "XMP " (padded to even sizes).
fn webp(bytes: &[u8]) -> Vec<Block<'_>> {
    let mut found = Vec::new();
    if !(bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP")) {
        return found;
    }
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let kind = &bytes[pos..pos + 4];
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().expect("4 bytes")) as usize;
        let start = pos + 8;
        let end = start.saturating_add(len).min(bytes.len());
        let data = &bytes[start..end];
        match kind {
            // Some writers keep the JPEG "Exif\0\0" prefix in the chunk.
            b"EXIF" => found.push(Block::Exif(Cow::Borrowed(
                data.strip_prefix(EXIF_HEADER).unwrap_or(data),
            ))),
            b"XMP " => found.push(Block::Xmp(Cow::Borrowed(data))),
            b"ICCP" => found.push(Block::Icc(Cow::Borrowed(data))),
            _ => {}
        }
        pos = start.saturating_add(len).saturating_add(len & 1);
    }
    found
}

/// GIF: the "XMP DataXMP" application extension. Its sub-block length bytes
/// are part of the packet (XMP spec part 3), so the data runs up to the block
/// terminator and ends with a 258-byte "magic trailer" the parser ignores.
fn gif(bytes: &[u8]) -> Vec<Block<'_>> {
    let mut found = Vec::new();
    if !bytes.starts_with(b"GIF8") || bytes.len() < 13 {
        return found;
    }
    let colour_table = |flags: u8| {
        if flags & 0x80 != 0 {
            3 << ((flags & 7) + 1)
        } else {
            0
        }
    };
    let mut pos = 13 + colour_table(bytes[10]);
    // Skips data sub-blocks from `at`; returns the position after the terminator.
    let skip_sub_blocks = |mut at: usize| -> Option<usize> {
        loop {
            let len = *bytes.get(at)? as usize;
            at += 1 + len;
            if len == 0 {
                return Some(at);
            }
        }
    };
    while let Some(&introducer) = bytes.get(pos) {
        match introducer {
            0x21 => {
                let Some(&label) = bytes.get(pos + 1) else {
                    break;
                };
                let body = pos + 2;
                if label == 0xff && bytes.get(body..body + 12) == Some(b"\x0bXMP DataXMP") {
                    let start = body + 12;
                    let Some(end) = skip_sub_blocks(start) else {
                        found.push(Block::Xmp(Cow::Borrowed(&bytes[start..])));
                        break;
                    };
                    found.push(Block::Xmp(Cow::Borrowed(
                        &bytes[start..end.min(bytes.len())],
                    )));
                    pos = end;
                } else {
                    let Some(next) = skip_sub_blocks(body) else {
                        break;
                    };
                    pos = next;
                }
            }
            0x2c => {
                let Some(&flags) = bytes.get(pos + 9) else {
                    break;
                };
                // descriptor, local colour table, LZW minimum code size, then data
                let Some(next) = skip_sub_blocks(pos + 10 + colour_table(flags) + 1) else {
                    break;
                };
                pos = next;
            }
            _ => break, // 0x3b trailer, or garbage
        }
    }
    found
}

/// HEIF/AVIF: kamadak-exif already walks the item boxes (iinf/iloc) to the
/// Exif item; XMP is a "mime" item, found by packet scanning (XMP spec part
/// 3, 1.1.2: packets are self-delimiting so scanning finds them in any file);
/// the ICC profile is the primary image's `colr` property.
fn isobmff(bytes: &[u8]) -> Vec<Block<'_>> {
    let mut found = Vec::new();
    found.extend(crate::isobmff::icc_profile(bytes).map(|p| Block::Icc(Cow::Borrowed(p))));
    let exif = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .or_else(|e| e.distill_partial_result(|_| {}));
    if let Ok(exif) = exif {
        found.push(Block::Exif(Cow::Owned(exif.buf().to_vec())));
    }
    found.extend(scan_xmp_packet(bytes));
    found
}

/// The first complete `<x:xmpmeta>...</x:xmpmeta>` in the bytes.
fn scan_xmp_packet(bytes: &[u8]) -> Option<Block<'_>> {
    const OPEN: &[u8] = b"<x:xmpmeta";
    const CLOSE: &[u8] = b"</x:xmpmeta>";
    let start = find(bytes, OPEN)?;
    let end = start + find(&bytes[start..], CLOSE)? + CLOSE.len();
    Some(Block::Xmp(Cow::Borrowed(&bytes[start..end])))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_segments_are_found_in_file_order_even_when_truncated() {
        let mut jpeg = vec![0xff, 0xd8];
        let app13 = [
            PHOTOSHOP_HEADER,
            b"8BIM\x04\x04\0\0\0\0\0\x05\x1c\x02\x05\0\0\0",
        ]
        .concat();
        jpeg.extend([0xff, 0xed]);
        jpeg.extend(((app13.len() + 2) as u16).to_be_bytes());
        jpeg.extend(&app13);
        let exif = [EXIF_HEADER, b"MM\0*\0\0\0\x08"].concat();
        jpeg.extend([0xff, 0xe1]);
        jpeg.extend(((exif.len() + 2 + 100) as u16).to_be_bytes()); // claims more than is there
        jpeg.extend(&exif);
        let found = blocks(&jpeg, Format::Jpg);
        assert!(
            matches!(&found[..], [Block::Photoshop(_), Block::Exif(tiff)] if tiff.starts_with(b"MM"))
        );
    }

    #[test]
    fn fotostation_trailer_records_are_walked_backwards() {
        let record = |tag: u16, data: &[u8]| {
            [
                data,
                &tag.to_be_bytes(),
                &((data.len() + 10) as u32).to_be_bytes(),
                &[0xa1, 0xb2, 0xc3, 0xd4],
            ]
            .concat()
        };
        let file = [
            &b"\xff\xd8image\xff\xd9"[..],
            &record(1, b"\x1c\x02\x05\0\x01A"),
            &record(3, b"thumb"),
        ]
        .concat();
        assert_eq!(fotostation_iptc(&file), Some(&b"\x1c\x02\x05\0\x01A"[..]));
        let lying = [
            &b"x"[..],
            &5u16.to_be_bytes(),
            &u32::MAX.to_be_bytes(),
            &[0xa1, 0xb2, 0xc3, 0xd4],
        ]
        .concat();
        assert_eq!(fotostation_iptc(&lying), None);
    }

    #[test]
    fn extended_xmp_chunks_are_joined_by_offset() {
        let mut ext = ExtendedXmp::default();
        let guid = [b'A'; 32];
        ext.add(
            &[
                &guid[..],
                &10u32.to_be_bytes(),
                &5u32.to_be_bytes(),
                b"world",
            ]
            .concat(),
        );
        ext.add(
            &[
                &guid[..],
                &10u32.to_be_bytes(),
                &0u32.to_be_bytes(),
                b"hello",
            ]
            .concat(),
        );
        assert_eq!(ext.assemble().unwrap(), b"helloworld");
    }

    #[test]
    fn compressed_png_text_is_inflated_but_bounded() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"<x:xmpmeta/>").unwrap();
        let chunk = [&b"XML:com.adobe.xmp\0\x01\0\0\0"[..], &z.finish().unwrap()].concat();
        let mut inflater = Inflater::default();
        assert!(
            matches!(png_itxt_xmp(&chunk, &mut inflater), Some(Block::Xmp(x)) if &x[..] == b"<x:xmpmeta/>")
        );
        let mut bomb = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        bomb.write_all(&vec![0u8; MAX_INFLATED_BYTES + 10]).unwrap();
        assert!(Inflater::default()
            .inflate(&bomb.finish().unwrap())
            .is_none());
        // The bound is the file's: two chunks of 60% each, the second refused.
        let mut part = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        part.write_all(&vec![0u8; MAX_INFLATED_BYTES * 6 / 10])
            .unwrap();
        let part = part.finish().unwrap();
        let mut inflater = Inflater::default();
        assert!(inflater.inflate(&part).is_some());
        assert!(inflater.inflate(&part).is_none());
    }

    #[test]
    fn icc_chunks_are_joined_in_sequence_order_at_the_first_chunk() {
        let segment = |marker: u8, data: &[u8]| {
            [
                &[0xff, marker][..],
                &((data.len() + 2) as u16).to_be_bytes(),
                data,
            ]
            .concat()
        };
        let jpeg = [
            &[0xff, 0xd8][..],
            &segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
            &segment(0xe2, &[ICC_HEADER, b"\x02\x02world"].concat()),
            &segment(0xe1, &[EXIF_HEADER, b"MM\0*\0\0\0\x08"].concat()),
            &segment(0xe2, &[ICC_HEADER, b"\x01\x02hello"].concat()),
        ]
        .concat();
        let found = blocks(&jpeg, Format::Jpg);
        assert!(matches!(
            &found[..],
            [Block::Jfif(j), Block::Icc(icc), Block::Exif(_)] if j[0] == 1 && &icc[..] == b"helloworld"
        ));
    }
}
