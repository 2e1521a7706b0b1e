//! IPTC IIM (IPTC-NAA Information Interchange Model 4.2) datasets, named and
//! printed as exiftool's Image::ExifTool::IPTC does.
//!
//! Hand-rolled: the `iptc` crate misses datasets and fails on real files (see
//! crates-notes.md section 2), and the format is a flat run of
//! `0x1C record dataset length data` entries.

use super::generated;
use super::limits::{clip, MAX_LIST_ITEMS};
use super::print::{decode_utf8_or_latin1, photo_mechanic_prefs};
use super::tables::{by_id, Tag, LIST};
use super::Tags;

/// One dataset as stored.
struct Dataset<'a> {
    record: u8,
    number: u8,
    data: &'a [u8],
}

/// Walks the datasets; stops at the first byte that is not a tag marker or a
/// length that runs past the block (the truncated tail is kept).
fn datasets(block: &[u8]) -> impl Iterator<Item = Dataset<'_>> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos + 5 > block.len() || block[pos] != 0x1c {
            return None;
        }
        let (record, number) = (block[pos + 1], block[pos + 2]);
        let mut len = u16::from_be_bytes([block[pos + 3], block[pos + 4]]) as usize;
        let mut start = pos + 5;
        if len & 0x8000 != 0 {
            // Extended dataset: the low bits give how many bytes hold the length.
            let width = len & 0x7fff;
            if width > 4 || start + width > block.len() {
                return None;
            }
            len = block[start..start + width]
                .iter()
                .fold(0usize, |acc, &b| acc << 8 | b as usize);
            start += width;
        }
        let end = start.saturating_add(len).min(block.len());
        pos = end;
        Some(Dataset {
            record,
            number,
            data: &block[start..end],
        })
    })
}

/// How a dataset's bytes print.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    /// Repeatable; exiftool joins the repeats with ", ".
    List,
    /// Big-endian unsigned integer.
    Int,
    /// CCYYMMDD -> "CCYY:MM:DD".
    Date,
    /// HHMMSS±HHMM -> "HH:MM:SS±HH:MM".
    Time,
    CharacterSet,
}

use Kind::*;

/// exiftool's table for an IIM record.
fn record_table(record: u8) -> Option<&'static [Tag<u32>]> {
    Some(match record {
        1 => generated::IPTC_ENVELOPE,
        2 => generated::IPTC_APPLICATION,
        3 => generated::IPTC_NEWS_PHOTO,
        7 => generated::IPTC_PRE_OBJECT_DATA,
        8 => generated::IPTC_OBJECT_DATA,
        9 => generated::IPTC_POST_OBJECT_DATA,
        _ => return None,
    })
}

/// The shown dataset definition and how its bytes print. Names, formats and
/// lookups are exiftool's; dates and times are its functional conversions
/// (every IIM date is CCYYMMDD, every time HHMMSS±HHMM: IIM 4.2, 1.5.2).
fn dataset_def(record: u8, number: u8) -> Option<(&'static Tag<u32>, Kind)> {
    let tag = by_id(record_table(record)?, number.into()).filter(|t| t.shown())?;
    let kind = if tag.name == "CodedCharacterSet" {
        CharacterSet
    } else if tag.has(LIST) {
        List
    } else if tag.format.starts_with("int") {
        Int
    } else if tag.conv_function() == Some("ExifDate") {
        Date
    } else if tag.conv_function() == Some("ExifTime") {
        Time
    } else {
        Text
    };
    Some((tag, kind))
}

/// ISO 2022 escape for UTF-8 in dataset 1:90.
const UTF8_ESCAPE: &[u8] = b"\x1b%G";

/// Reads one IIM block into `tags`, in dataset order; repeated list datasets
/// become one ", "-joined value at the place of their first occurrence.
pub(crate) fn read(block: &[u8], tags: &mut Tags) {
    let utf8 = datasets(block).any(|d| d.record == 1 && d.number == 90 && d.data == UTF8_ESCAPE);
    let text = |data: &[u8]| -> String {
        let data = clip(data);
        let data = &data[..data.iter().position(|&b| b == 0).unwrap_or(data.len())];
        if utf8 {
            String::from_utf8_lossy(data).into_owned()
        } else {
            // exiftool's default IPTC charset is Latin-1; text that is valid
            // UTF-8 anyway is kept as such (what exiftool prints in practice).
            decode_utf8_or_latin1(data)
        }
    };
    let mut lists: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut order: Vec<(&'static str, Option<String>)> = Vec::new();
    for dataset in datasets(block) {
        let Some((tag, kind)) = dataset_def(dataset.record, dataset.number) else {
            continue;
        };
        let (name, data) = (tag.name, dataset.data);
        let printed = |raw: String| tag.lookup(&raw).unwrap_or(raw);
        let value = match kind {
            List => {
                let item = match tag.conv_function() {
                    Some("ExifDate") => date(&text(data)),
                    _ => printed(text(data)),
                };
                match lists.iter_mut().find(|(n, _)| *n == name) {
                    // items past the bound cannot reach the joined value
                    Some((_, items)) if items.len() >= MAX_LIST_ITEMS => {}
                    Some((_, items)) => items.push(item),
                    None => {
                        lists.push((name, vec![item]));
                        order.push((name, None));
                    }
                }
                continue;
            }
            Text if name == "Prefs" => photo_mechanic_prefs(&text(data)),
            Text => printed(text(data)),
            Int => printed(if data.len() > 8 {
                text(data)
            } else {
                data.iter()
                    .fold(0u64, |acc, &b| acc << 8 | b as u64)
                    .to_string()
            }),
            Date => date(&text(data)),
            Time => time(&text(data)),
            CharacterSet if data == UTF8_ESCAPE => "UTF8".to_string(),
            CharacterSet => text(data),
        };
        order.push((name, Some(value)));
    }
    for (name, value) in order {
        let value = value.unwrap_or_else(|| {
            lists
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, items)| items.join(", "))
                .unwrap_or_default()
        });
        tags.push(name, value);
    }
}

/// exiftool's ExifDate: "CCYYMMDD" (or any separators) at the end of the
/// value becomes "CCYY:MM:DD"; anything else is kept.
fn date(value: &str) -> String {
    let value = value.strip_suffix('\0').unwrap_or(value);
    let b = value.as_bytes();
    // Perl's s/(\d{4})[^\d]*(\d{2})[^\d]*(\d{2})$/$1:$2:$3/ at its leftmost match.
    let digits_at = |at: usize, n: usize| {
        b.get(at..at + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let skip = |mut at: usize| {
        while at < b.len() && !b[at].is_ascii_digit() {
            at += 1;
        }
        at
    };
    for start in (0..b.len()).filter(|&i| value.is_char_boundary(i)) {
        if !digits_at(start, 4) {
            continue;
        }
        let month = skip(start + 4);
        if !digits_at(month, 2) {
            continue;
        }
        let day = skip(month + 2);
        if digits_at(day, 2) && day + 2 == b.len() {
            return format!(
                "{}{}:{}:{}",
                &value[..start],
                &value[start..start + 4],
                &value[month..month + 2],
                &value[day..]
            );
        }
    }
    value.to_string()
}

/// exiftool's ExifTime: spaces become colons, "HHMMSS" at the start gets
/// colons, and a trailing "+HHMM" zone becomes "+HH:MM".
fn time(value: &str) -> String {
    let value = value.replace(' ', ":");
    let mut t = value.strip_suffix('\0').unwrap_or(&value).to_string();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if t.as_bytes().get(..6).is_some_and(digits) {
        t = format!("{}:{}:{}{}", &t[..2], &t[2..4], &t[4..6], &t[6..]);
    }
    let body = t.trim_end_matches([' ', '\t', '\n', '\r', '\x0c']);
    let zone = body.len().checked_sub(5).and_then(|at| body.get(at..));
    if let Some(zone) =
        zone.filter(|z| matches!(z.as_bytes()[0], b'+' | b'-') && digits(&z.as_bytes()[1..]))
    {
        return format!("{}{}:{}", &body[..body.len() - 5], &zone[..3], &zone[3..]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(record: u8, number: u8, data: &[u8]) -> Vec<u8> {
        [
            &[0x1c, record, number][..],
            &(data.len() as u16).to_be_bytes(),
            data,
        ]
        .concat()
    }

    fn read_block(block: &[u8]) -> std::collections::BTreeMap<String, String> {
        let mut tags = Tags::default();
        read(block, &mut tags);
        tags.into_map()
    }

    #[test]
    fn repeated_keywords_join_and_dates_print_like_exiftool() {
        let block = [
            dataset(2, 0, &[0, 4]),
            dataset(2, 25, b"one"),
            dataset(2, 25, b"two"),
            dataset(2, 55, b"20040220"),
            dataset(2, 60, b"101500+0100"),
            dataset(2, 10, b"5"),
        ]
        .concat();
        let tags = read_block(&block);
        assert_eq!(tags["ApplicationRecordVersion"], "4");
        assert_eq!(tags["Keywords"], "one, two");
        assert_eq!(tags["DateCreated"], "2004:02:20");
        assert_eq!(tags["TimeCreated"], "10:15:00+01:00");
        assert_eq!(tags["Urgency"], "5 (normal urgency)");
    }

    #[test]
    fn coded_character_set_chooses_utf8_else_latin1() {
        let utf8 = [
            dataset(1, 90, UTF8_ESCAPE),
            dataset(2, 90, "Zürich".as_bytes()),
        ]
        .concat();
        assert_eq!(read_block(&utf8)["City"], "Zürich");
        assert_eq!(read_block(&utf8)["CodedCharacterSet"], "UTF8");
        let latin1 = dataset(2, 90, b"Z\xfcrich");
        assert_eq!(read_block(&latin1)["City"], "Zürich");
    }

    #[test]
    fn truncated_and_oversized_datasets_do_not_panic() {
        let mut block = dataset(2, 5, b"title");
        block.extend([0x1c, 2, 120, 0xff, 0xff]); // length larger than the block
        block.extend(b"cut");
        let tags = read_block(&block);
        assert_eq!(tags["ObjectName"], "title");
        assert!(read_block(&[0x1c, 2, 5, 0x80, 0x09]).is_empty());
    }

    #[test]
    fn dates_and_times_convert_as_exiftools_functions_do() {
        assert_eq!(date("20240102"), "2024:01:02");
        assert_eq!(date("2024-01-02\0"), "2024:01:02");
        assert_eq!(date("x120240102"), "x12024:01:02");
        assert_eq!(date("Zürich"), "Zürich");
        assert_eq!(time("101530+0200"), "10:15:30+02:00");
        assert_eq!(time("10 15 30"), "10:15:30");
        assert_eq!(time("1015"), "1015");
        assert_eq!(time("Zürich ✓"), "Zürich:✓");
    }

    #[test]
    fn a_time_with_a_multibyte_character_at_byte_six_is_kept_as_text() {
        // Found by the `iptc` fuzz target: slicing the first six bytes panicked.
        let tags = read_block(&dataset(2, 60, "00000é00".as_bytes()));
        assert_eq!(tags["TimeCreated"], "00000é00");
    }
}
