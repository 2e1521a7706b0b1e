//! Metadata parsing holds O(file size) plus a fixed cap, whatever the file's
//! pointers and counts say (issue 28): an ICC profile whose 255 entries and
//! `mluc` records all point at one element, in every container that carries
//! one; a hundred PNG iTXt chunks each inflating to 16 MB; a thousand APP13
//! segments of Photoshop resources; Exif entries that all point at one
//! value; an XMP namespace named on every element. Before the fix a 16 KB
//! file of the first kind took 4 GB. The peak of heap bytes allocated during
//! extraction is counted by this binary's allocator.

// A test: a panic is its failure report.
#![allow(clippy::unwrap_used)]

mod peak_support;

use std::io::Write;

use extract::metadata::{self, limits, MediaMetadata};
use extract::Format;
use peak_support::{peak_of, serial, MIB};

#[global_allocator]
static HEAP: peak_support::Counting = peak_support::Counting;

/// The bound every extraction must keep: a fixed cap plus a multiple of the file.
fn bound(file_len: usize) -> usize {
    64 * MIB + 16 * file_len
}

/// Extracts `bytes` as `format`, asserting the peak heap and the map's bounds.
fn extract_within_bound(bytes: &[u8], format: Format, what: &str) -> MediaMetadata {
    let (map, peak) = peak_of(|| metadata::extract(bytes, format));
    // Printed for the record (`--nocapture`): bench/hostile.py's table.
    eprintln!(
        "{what}: {} bytes, peak heap {:.1} MiB",
        bytes.len(),
        peak as f64 / MIB as f64
    );
    assert!(
        peak <= bound(bytes.len()),
        "{what}: {} bytes held {peak} bytes at peak (bound {})",
        bytes.len(),
        bound(bytes.len())
    );
    assert!(map.len() <= limits::MAX_KEYS, "{what}");
    let held: usize = map.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(held <= limits::MAX_BYTES, "{what}");
    map
}

fn be32(v: usize) -> [u8; 4] {
    (v as u32).to_be_bytes()
}

/// An ICC profile whose tag entries all point at one `mluc` element, whose
/// records all point at one UTF-16 text of `text` bytes.
#[derive(Clone, Copy, Debug)]
struct Aliasing {
    entries: usize,
    records: usize,
    text: usize,
    /// Entry sizes differ (so no two entries are the same tag over the same bytes).
    distinct_sizes: bool,
    /// Record languages differ (so each record names its own tag).
    distinct_codes: bool,
    /// Entry signatures cycle through known text tags instead of all "desc".
    distinct_sigs: bool,
}

impl Aliasing {
    const ISSUE: Aliasing = Aliasing {
        entries: 255,
        records: 400,
        text: 8000,
        distinct_sizes: false,
        distinct_codes: false,
        distinct_sigs: false,
    };

    fn profile(self) -> Vec<u8> {
        const SIGS: [&[u8; 4]; 6] = [b"desc", b"cprt", b"dmnd", b"dmdd", b"vued", b"targ"];
        let padding = 256;
        let element_at = 132 + 12 * self.entries;
        let text_at = 16 + 12 * self.records;
        let element_len = text_at + self.text + padding;
        let mut p = vec![0u8; 128];
        p[12..16].copy_from_slice(b"mntr");
        p[16..20].copy_from_slice(b"RGB ");
        p.extend(be32(self.entries));
        for i in 0..self.entries {
            let sig = if self.distinct_sigs {
                SIGS[i % SIGS.len()]
            } else {
                SIGS[0]
            };
            let size = element_len - if self.distinct_sizes { i % padding } else { 0 };
            p.extend(sig);
            p.extend(be32(element_at));
            p.extend(be32(size));
        }
        p.extend(b"mluc\0\0\0\0");
        p.extend(be32(self.records));
        p.extend(be32(12));
        for i in 0..self.records {
            let code = if self.distinct_codes {
                [
                    b'a' + (i / 26 % 26) as u8,
                    b'a' + (i % 26) as u8,
                    b'A' + (i / 676 % 26) as u8,
                    b'A' + (i % 26) as u8,
                ]
            } else {
                *b"enUS"
            };
            p.extend(code);
            p.extend(be32(self.text));
            p.extend(be32(text_at));
        }
        p.extend([0, b'A'].repeat(self.text / 2));
        p.extend(vec![0u8; padding]);
        let len = p.len();
        p[..4].copy_from_slice(&be32(len));
        p
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    [
        &be32(data.len())[..],
        kind,
        data,
        &crc.sum().to_be_bytes()[..],
    ]
    .concat()
}

/// A valid 1x1 grey PNG with `chunks` before its pixel data.
fn png(chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    for chunk in chunks {
        out.extend(chunk);
    }
    out.extend(png_chunk(b"IDAT", &zlib(&[0, 0])));
    out.extend(png_chunk(b"IEND", b""));
    out
}

fn png_icc(profile: &[u8]) -> Vec<u8> {
    png(&[png_chunk(
        b"iCCP",
        &[b"icc\0\0", &zlib(profile)[..]].concat(),
    )])
}

fn jpeg_segment(marker: u8, data: &[u8]) -> Vec<u8> {
    assert!(data.len() + 2 <= 0xffff);
    [
        &[0xff, marker][..],
        &((data.len() + 2) as u16).to_be_bytes(),
        data,
    ]
    .concat()
}

/// A JPEG's metadata segments (no pixel data: extraction does not need it).
fn jpeg(segments: &[Vec<u8>]) -> Vec<u8> {
    [&[0xff, 0xd8][..], &segments.concat(), &[0xff, 0xd9]].concat()
}

fn jpeg_icc(profile: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = profile.chunks(60_000).collect();
    let segments: Vec<Vec<u8>> = chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let head = [
                b"ICC_PROFILE\0" as &[u8],
                &[i as u8 + 1, chunks.len() as u8],
            ]
            .concat();
            jpeg_segment(0xe2, &[&head[..], chunk].concat())
        })
        .collect();
    jpeg(&segments)
}

fn webp(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (kind, data) in chunks {
        body.extend(*kind);
        body.extend((data.len() as u32).to_le_bytes());
        body.extend(*data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    [b"RIFF" as &[u8], &(body.len() as u32).to_le_bytes(), &body].concat()
}

/// A big-endian TIFF: IFD0 of (tag, type, count, value or offset) entries,
/// then `tail` (which the offsets may point into, from `tail_at()`).
fn tiff(entries: &[(u16, u16, usize, usize)], tail: &[u8]) -> Vec<u8> {
    let mut t = b"MM\0*\0\0\0\x08".to_vec();
    t.extend((entries.len() as u16).to_be_bytes());
    for &(tag, kind, count, value) in entries {
        t.extend(tag.to_be_bytes());
        t.extend(kind.to_be_bytes());
        t.extend(be32(count));
        t.extend(be32(value));
    }
    t.extend([0; 4]);
    t.extend(tail);
    t
}

/// Where `tiff`'s tail starts for `entries` entries.
fn tail_at(entries: usize) -> usize {
    8 + 2 + 12 * entries + 4
}

fn tiff_icc(profile: &[u8]) -> Vec<u8> {
    tiff(&[(34675, 7, profile.len(), tail_at(1))], profile)
}

fn iso_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    [&be32(body.len() + 8)[..], kind, body].concat()
}

/// The boxes a HEIF reader walks to the primary image's `colr` profile.
fn heic_icc(profile: &[u8]) -> Vec<u8> {
    let colr = iso_box(b"colr", &[b"prof", profile].concat());
    let iprp = iso_box(b"iprp", &iso_box(b"ipco", &colr));
    [
        iso_box(b"ftyp", b"heic\0\0\0\0mif1heic"),
        iso_box(b"meta", &[&[0u8; 4][..], &iprp].concat()),
    ]
    .concat()
}

/// A Photoshop image resource.
fn resource(id: u16, data: &[u8]) -> Vec<u8> {
    let mut r = b"8BIM".to_vec();
    r.extend(id.to_be_bytes());
    r.extend([0, 0]);
    r.extend(be32(data.len()));
    r.extend(data);
    if data.len() % 2 == 1 {
        r.push(0);
    }
    r
}

fn app13(resources: &[u8]) -> Vec<u8> {
    jpeg_segment(0xed, &[b"Photoshop 3.0\0" as &[u8], resources].concat())
}

#[test]
fn an_icc_profile_aliasing_one_element_costs_its_size_in_every_container() {
    let _serial = serial();
    let profile = Aliasing::ISSUE.profile();
    let photoshop = jpeg(&[app13(&resource(0x040f, &profile))]);
    let files = [
        ("PNG iCCP", png_icc(&profile), Format::Png),
        ("JPEG APP2", jpeg_icc(&profile), Format::Jpg),
        ("WebP ICCP", webp(&[(b"ICCP", &profile)]), Format::Webp),
        ("TIFF tag 34675", tiff_icc(&profile), Format::Tiff),
        ("HEIC colr", heic_icc(&profile), Format::Heic),
        ("JPEG APP13 resource", photoshop, Format::Jpg),
    ];
    for (what, bytes, format) in files {
        let map = extract_within_bound(&bytes, format, what);
        // The element is still read, once.
        assert!(
            map.get("ProfileDescription")
                .is_some_and(|d| d.starts_with("AAAA")),
            "{what}: {map:?}"
        );
        assert_eq!(
            map.get("ProfileClass").map(String::as_str),
            Some("Display Device Profile"),
            "{what}"
        );
    }
}

#[test]
fn a_hundred_inflating_xmp_chunks_share_one_bound_per_file() {
    let _serial = serial();
    let mut packet = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/png"/></rdf:RDF></x:xmpmeta>"#.to_vec();
    packet.resize(16_000_000, b' ');
    let chunk = png_chunk(
        b"iTXt",
        &[b"XML:com.adobe.xmp\0\x01\0\0\0" as &[u8], &zlib(&packet)].concat(),
    );
    drop(packet);
    let bytes = png(&vec![chunk; 100]);
    let map = extract_within_bound(&bytes, Format::Png, "100 iTXt chunks of 16 MB");
    assert_eq!(map.get("Format").map(String::as_str), Some("image/png"));
}

#[test]
fn a_thousand_photoshop_segments_cost_their_size() {
    let _serial = serial();
    let profile = Aliasing {
        entries: 50,
        records: 20,
        text: 600,
        ..Aliasing::ISSUE
    }
    .profile();
    let iptc = b"\x1c\x02\x05\0\x05Title\x1c\x02\x19\0\x03one\x1c\x02\x19\0\x03two";
    let segment = app13(
        &[
            resource(0x040f, &profile),
            resource(0x0404, iptc),
            resource(0x0425, &[0xab; 16]),
        ]
        .concat(),
    );
    let bytes = jpeg(&vec![segment; 1000]);
    let map = extract_within_bound(&bytes, Format::Jpg, "1,000 APP13 segments");
    assert_eq!(map.get("ObjectName").map(String::as_str), Some("Title"));
    assert_eq!(
        map.get("IPTCDigest").map(String::as_str),
        Some(&*"ab".repeat(16))
    );
}

/// A TIFF structure whose `entries` IFD0 entries are all ImageDescription,
/// each the same `text` bytes.
fn aliasing_exif(entries: usize, text: usize, kind: u16) -> Vec<u8> {
    let at = tail_at(entries);
    let ifd: Vec<(u16, u16, usize, usize)> =
        (0..entries).map(|_| (0x010e, kind, text, at)).collect();
    tiff(&ifd, &vec![b'D'; text])
}

#[test]
fn exif_entries_aliasing_one_value_cost_the_structure_size() {
    let _serial = serial();
    let big = aliasing_exif(5000, 60_000, 2);
    let small = aliasing_exif(2500, 30_000, 2);
    let files = [
        ("TIFF", big.clone(), Format::Tiff),
        (
            "JPEG APP1",
            jpeg(&[jpeg_segment(0xe1, &[b"Exif\0\0" as &[u8], &small].concat())]),
            Format::Jpg,
        ),
        ("PNG eXIf", png(&[png_chunk(b"eXIf", &big)]), Format::Png),
        ("WebP EXIF", webp(&[(b"EXIF", &big)]), Format::Webp),
        (
            "JPEG APP13 Exif resource",
            jpeg(&[app13(&resource(0x0422, &small))]),
            Format::Jpg,
        ),
    ];
    for (what, bytes, format) in files {
        let map = extract_within_bound(&bytes, format, what);
        assert!(
            map.get("ImageDescription")
                .is_some_and(|d| d.starts_with("DDDD")),
            "{what}: {map:?}"
        );
    }
}

/// An XMP packet naming one long namespace on each of `elements` properties.
fn namespace_bomb(namespace_len: usize, elements: usize) -> Vec<u8> {
    let mut packet = format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/gif" xmlns:a="urn:{}">"#,
        "n".repeat(namespace_len)
    );
    for _ in 0..elements {
        packet.push_str("<a:x/>");
    }
    packet.push_str("</rdf:Description></rdf:RDF></x:xmpmeta>");
    packet.into_bytes()
}

#[test]
fn an_xmp_namespace_named_on_every_element_is_held_once() {
    let _serial = serial();
    let packet = namespace_bomb(4096, 100_000);
    let itxt = [b"XML:com.adobe.xmp\0\0\0\0\0" as &[u8], &packet].concat();
    let bytes = png(&[png_chunk(b"iTXt", &itxt)]);
    let map = extract_within_bound(&bytes, Format::Png, "XMP namespace bomb");
    assert_eq!(map.get("Format").map(String::as_str), Some("image/gif"));
}

/// xorshift64*: the variants are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }

    fn coin(&mut self) -> bool {
        self.below(2) == 1
    }
}

#[test]
fn generated_aliasing_variants_stay_within_the_bound_in_every_format() {
    let _serial = serial();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for variant in 0..36 {
        let shape = Aliasing {
            entries: 1 + rng.below(255),
            records: 1 + rng.below(600),
            text: 2 * (1 + rng.below(6000)),
            distinct_sizes: rng.coin(),
            distinct_codes: rng.coin(),
            distinct_sigs: rng.coin(),
        };
        let profile = shape.profile();
        let exif = aliasing_exif(
            1 + rng.below(4000),
            5 + rng.below(40_000),
            [1, 2, 7][rng.below(3)],
        );
        let (what, bytes, format) = match variant % 6 {
            0 => ("PNG", png_icc(&profile), Format::Png),
            1 => ("JPEG", jpeg_icc(&profile), Format::Jpg),
            2 => (
                "WebP",
                webp(&[(b"ICCP", &profile), (b"EXIF", &exif)]),
                Format::Webp,
            ),
            3 => ("TIFF", tiff_icc(&profile), Format::Tiff),
            4 => ("HEIC", heic_icc(&profile), Format::Heic),
            _ => (
                "JPEG APP13",
                jpeg(&vec![
                    app13(
                        &[
                            resource(0x040f, &profile),
                            resource(0x0422, &exif[..exif.len().min(30_000)])
                        ]
                        .concat()
                    );
                    1 + rng.below(200)
                ]),
                Format::Jpg,
            ),
        };
        extract_within_bound(&bytes, format, &format!("{what} {shape:?}"));
    }
}
