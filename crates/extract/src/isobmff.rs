//! HEIF/AVIF (ISO base media file format) headers: brand, primary image size and
//! rotation, read from the box structure without decoding any pixels.
//!
//! Why hand-written: the basic facts must not wait for (or depend on) a pixel
//! decoder: libheif (`decode/heif.rs`) decodes pixels only when an analysis
//! asks, and the crates that only parse the container either target AVIF alone
//! (`mp4parse`) or drag in a decoder. The part we need is small: `ftyp`, then `meta` -> `pitm` (primary item), `iprp` ->
//! `ipco` (properties) + `ipma` (which item has which property), and the `ispe`
//! (size) and `irot` (rotation) properties of the primary item.

use crate::{ExtractError, Format};

/// The displayed-geometry facts of a HEIF/AVIF file's primary image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeifHeader {
    /// Stored size (`ispe`) of the primary image.
    pub width: u32,
    pub height: u32,
    /// Anticlockwise quarter turns (`irot`) a viewer applies; odd values swap width and height.
    pub quarter_turns: u8,
}

/// `Some(Avif|Heic)` when the bytes open with an `ftyp` box naming a HEIF brand.
pub(crate) fn sniff(bytes: &[u8]) -> Option<Format> {
    let ftyp = Boxes::new(bytes).next()?.ok()?;
    if &ftyp.kind != b"ftyp" || ftyp.body.len() < 8 {
        return None;
    }
    let major = &ftyp.body[0..4];
    let compatible = ftyp.body[8..].chunks_exact(4);
    let brands: Vec<&[u8]> = std::iter::once(major).chain(compatible).collect();
    let has = |names: &[&[u8]]| brands.iter().any(|b| names.contains(b));
    if has(&[b"avif", b"avis"]) {
        Some(Format::Avif)
    } else if has(&[
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
    ]) {
        Some(Format::Heic)
    } else {
        None
    }
}

/// Reads the primary image's size and rotation.
pub(crate) fn read_header(bytes: &[u8]) -> Result<HeifHeader, ExtractError> {
    let meta = find(bytes, b"meta")?.ok_or_else(|| corrupt("no 'meta' box"))?;
    let meta = full_box_body(meta)?;
    let pitm = find(meta, b"pitm")?.ok_or_else(|| corrupt("no primary item ('pitm')"))?;
    let primary = read_pitm(pitm)?;
    let iprp = find(meta, b"iprp")?.ok_or_else(|| corrupt("no item properties ('iprp')"))?;
    let ipco = find(iprp, b"ipco")?.ok_or_else(|| corrupt("no property container ('ipco')"))?;
    let properties: Vec<IsoBox> = Boxes::new(ipco).collect::<Result<_, _>>()?;
    let mut header = HeifHeader {
        width: 0,
        height: 0,
        quarter_turns: 0,
    };
    let mut has_size = false;
    for index in primary_item_properties(iprp, primary)? {
        // Property indices are 1-based; 0 means "no property".
        let Some(property) = index.checked_sub(1).and_then(|i| properties.get(i)) else {
            continue;
        };
        match &property.kind {
            b"ispe" => {
                let body = full_box_body(property.body)?;
                header.width = be_u32(body, 0)?;
                header.height = be_u32(body, 4)?;
                has_size = true;
            }
            b"irot" => {
                header.quarter_turns = property.body.first().copied().unwrap_or(0) & 0b11;
            }
            _ => {}
        }
    }
    if !has_size {
        return Err(corrupt("primary item has no size ('ispe')"));
    }
    Ok(header)
}

/// The ICC profile of a `colr` property ("prof" or "rICC"), for media
/// metadata. Any malformed box on the way means no profile.
pub(crate) fn icc_profile(bytes: &[u8]) -> Option<&[u8]> {
    let meta = full_box_body(find(bytes, b"meta").ok()??).ok()?;
    let iprp = find(meta, b"iprp").ok()??;
    let ipco = find(iprp, b"ipco").ok()??;
    Boxes::new(ipco)
        .map_while(Result::ok)
        .filter(|b| &b.kind == b"colr")
        .find_map(|b| match b.body.get(..4) {
            Some(b"prof") | Some(b"rICC") => Some(&b.body[4..]),
            _ => None,
        })
}

/// The property indices `ipma` associates with `item`.
fn primary_item_properties(iprp: &[u8], item: u32) -> Result<Vec<usize>, ExtractError> {
    let mut indices = Vec::new();
    for ipma in Boxes::new(iprp) {
        let ipma = ipma?;
        if &ipma.kind != b"ipma" {
            continue;
        }
        let (version, flags) = full_box_header(ipma.body)?;
        let body = &ipma.body[4..];
        let mut reader = Reader { bytes: body, at: 0 };
        let entries = reader.u32()?;
        for _ in 0..entries {
            let item_id = if version < 1 {
                u32::from(reader.u16()?)
            } else {
                reader.u32()?
            };
            let count = reader.u8()?;
            for _ in 0..count {
                // The top bit flags "essential"; the rest is the property index.
                let index = if flags & 1 == 1 {
                    usize::from(reader.u16()? & 0x7FFF)
                } else {
                    usize::from(reader.u8()? & 0x7F)
                };
                if item_id == item {
                    indices.push(index);
                }
            }
        }
    }
    Ok(indices)
}

fn read_pitm(pitm: &[u8]) -> Result<u32, ExtractError> {
    let (version, _) = full_box_header(pitm)?;
    let mut reader = Reader {
        bytes: &pitm[4..],
        at: 0,
    };
    if version == 0 {
        Ok(u32::from(reader.u16()?))
    } else {
        reader.u32()
    }
}

/// One box: its four-character type and its body (after the header).
struct IsoBox<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

/// Iterates over the boxes laid end to end in `bytes`.
struct Boxes<'a> {
    rest: &'a [u8],
}

impl<'a> Boxes<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }
}

impl<'a> Iterator for Boxes<'a> {
    type Item = Result<IsoBox<'a>, ExtractError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let parsed = split_box(self.rest);
        match parsed {
            Ok((iso_box, rest)) => {
                self.rest = rest;
                Some(Ok(iso_box))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

fn split_box(bytes: &[u8]) -> Result<(IsoBox<'_>, &[u8]), ExtractError> {
    let size = be_u32(bytes, 0)? as u64;
    let kind: [u8; 4] = bytes
        .get(4..8)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| corrupt("truncated box header"))?;
    let (header_len, total) = match size {
        0 => (8, bytes.len() as u64),
        1 => (16, be_u64(bytes, 8)?),
        n => (8, n),
    };
    if total < header_len || total > bytes.len() as u64 {
        return Err(corrupt("box size out of bounds"));
    }
    let total = total as usize;
    Ok((
        IsoBox {
            kind,
            body: &bytes[header_len as usize..total],
        },
        &bytes[total..],
    ))
}

/// The body of the first box of type `kind` among the boxes in `bytes`.
fn find<'a>(bytes: &'a [u8], kind: &[u8; 4]) -> Result<Option<&'a [u8]>, ExtractError> {
    for iso_box in Boxes::new(bytes) {
        let iso_box = iso_box?;
        if &iso_box.kind == kind {
            return Ok(Some(iso_box.body));
        }
    }
    Ok(None)
}

fn full_box_header(body: &[u8]) -> Result<(u8, u32), ExtractError> {
    let word = be_u32(body, 0)?;
    Ok(((word >> 24) as u8, word & 0x00FF_FFFF))
}

fn full_box_body(body: &[u8]) -> Result<&[u8], ExtractError> {
    body.get(4..).ok_or_else(|| corrupt("truncated full box"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], ExtractError> {
        let end = self
            .at
            .checked_add(N)
            .ok_or_else(|| corrupt("truncated box"))?;
        let chunk = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| corrupt("truncated box"))?;
        self.at = end;
        chunk.try_into().map_err(|_| corrupt("truncated box"))
    }
    fn u8(&mut self) -> Result<u8, ExtractError> {
        Ok(self.take::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, ExtractError> {
        Ok(u16::from_be_bytes(self.take()?))
    }
    fn u32(&mut self) -> Result<u32, ExtractError> {
        Ok(u32::from_be_bytes(self.take()?))
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Result<u32, ExtractError> {
    Reader { bytes, at }.u32()
}

fn be_u64(bytes: &[u8], at: usize) -> Result<u64, ExtractError> {
    let mut reader = Reader { bytes, at };
    Ok(u64::from_be_bytes(reader.take()?))
}

fn corrupt(what: &str) -> ExtractError {
    ExtractError::Corrupt(format!("HEIF container: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn heif_with(ispe: (u32, u32), irot: Option<u8>) -> Vec<u8> {
        let mut ispe_body = vec![0, 0, 0, 0];
        ispe_body.extend_from_slice(&ispe.0.to_be_bytes());
        ispe_body.extend_from_slice(&ispe.1.to_be_bytes());
        let mut ipco = iso_box(b"ispe", &ispe_body);
        let mut associations = vec![1u8];
        if let Some(turns) = irot {
            ipco.extend(iso_box(b"irot", &[turns]));
            associations.push(0x80 | 2);
        }
        let mut ipma_body = vec![0, 0, 0, 0, 0, 0, 0, 1, 0, 7, associations.len() as u8];
        ipma_body.extend(associations);
        let mut iprp = iso_box(b"ipco", &ipco);
        iprp.extend(iso_box(b"ipma", &ipma_body));
        let mut meta = vec![0, 0, 0, 0];
        meta.extend(iso_box(b"pitm", &[0, 0, 0, 0, 0, 7]));
        meta.extend(iso_box(b"iprp", &iprp));
        let mut file = iso_box(b"ftyp", b"heic\0\0\0\0mif1heic");
        file.extend(iso_box(b"meta", &meta));
        file
    }

    #[test]
    fn reads_primary_size_and_rotation() {
        let file = heif_with((4032, 3024), Some(3));
        assert_eq!(sniff(&file), Some(Format::Heic));
        let header = read_header(&file).unwrap();
        assert_eq!(
            header,
            HeifHeader {
                width: 4032,
                height: 3024,
                quarter_turns: 3
            }
        );
    }

    #[test]
    fn truncated_container_is_corrupt_not_a_panic() {
        let file = heif_with((10, 10), None);
        for cut in 0..file.len() {
            let _ = read_header(&file[..cut]);
        }
        assert!(read_header(&file[..file.len() - 3]).is_err());
    }
}
