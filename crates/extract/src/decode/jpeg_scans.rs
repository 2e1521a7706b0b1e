//! Counting a JPEG's scans before any decoder sees it.
//!
//! A progressive JPEG may repeat a tiny scan thousands of times: each one
//! makes libjpeg-turbo (and any other decoder) walk every coefficient of the
//! image again, so 1 MB of repeated scans costs tens of seconds of CPU (the
//! "scan bomb" of libjpeg-turbo's own advisory). Real encoders write about
//! ten scans (libjpeg's default progression has 10, mozjpeg's up to ~20), so
//! a file with more than [`crate::Limits::max_jpeg_scans`] is refused on
//! this walk's word: one pass over the markers, skipping each segment by its
//! length and the entropy-coded data by looking for the next marker, at
//! most the file's length in steps and no allocation.

use crate::error::{ExtractError, LimitKind};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const TEM: u8 = 0x01;

/// Counts the start-of-scan markers of the first image of `bytes` (a JPEG),
/// stopping at its end-of-image marker or as soon as the count passes `max`.
/// Structure this walk cannot follow is left to the decoders to judge.
pub(crate) fn check_scan_count(bytes: &[u8], max: u32) -> Result<(), ExtractError> {
    let mut scans: u32 = 0;
    let mut at = 2; // after SOI
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            // Stray bytes where a marker belongs: libjpeg skips to the next
            // marker (with a warning), and so does this count.
            match bytes[at..].iter().position(|&b| b == 0xFF) {
                Some(offset) => {
                    at += offset;
                    continue;
                }
                None => return Ok(()),
            }
        }
        let marker = bytes[at + 1];
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            EOI => return Ok(()),
            SOI | TEM | 0xD0..=0xD7 => at += 2,
            _ => {
                let Some(length) = bytes.get(at + 2..at + 4) else {
                    return Ok(());
                };
                let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
                at += 2 + length;
                if marker == SOS {
                    scans += 1;
                    if scans > max {
                        return Err(ExtractError::TooLarge {
                            limit: LimitKind::JpegScans,
                            actual: u64::from(scans),
                            max: u64::from(max),
                        });
                    }
                    at = entropy_coded_end(bytes, at);
                }
            }
        }
    }
    Ok(())
}

/// Where the entropy-coded data starting at `from` ends: the next marker
/// that is neither a stuffed zero (`FF 00`) nor a restart marker.
fn entropy_coded_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(offset) = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
    {
        at += offset;
        match bytes.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7 | 0xFF) => at += 1,
            Some(_) => return at,
            None => return bytes.len(),
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG skeleton: SOI, one 4-byte APP0 segment, `scans` scans of a few
    /// entropy bytes (with a stuffed FF and a restart marker), EOI, then a
    /// second image whose scans must not count.
    fn skeleton(scans: usize) -> Vec<u8> {
        let mut bytes = vec![0xFF, SOI, 0xFF, 0xE0, 0x00, 0x04, b'x', b'y'];
        for _ in 0..scans {
            bytes.extend([0xFF, SOS, 0x00, 0x03, 0x01]);
            bytes.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        }
        bytes.extend([0xFF, EOI]);
        bytes.extend([0xFF, SOI, 0xFF, SOS, 0x00, 0x02, 0xFF, EOI]);
        bytes
    }

    #[test]
    fn counts_scans_up_to_the_limit() {
        assert!(check_scan_count(&skeleton(3), 3).is_ok());
        match check_scan_count(&skeleton(4), 3) {
            Err(ExtractError::TooLarge {
                limit: LimitKind::JpegScans,
                actual: 4,
                max: 3,
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stuffed_bytes_restart_markers_and_a_second_image_are_not_scans() {
        assert!(check_scan_count(&skeleton(1), 1).is_ok());
    }

    #[test]
    fn damaged_structure_is_left_to_the_decoder() {
        assert!(check_scan_count(&[0xFF, SOI, 0x00, 0x01], 0).is_ok());
        let mut stray = vec![0xFF, SOI, 0x00, 0x01];
        stray.extend(&skeleton(2)[2..]);
        assert!(
            check_scan_count(&stray, 1).is_err(),
            "scans after stray bytes count"
        );
        assert!(check_scan_count(&[0xFF, SOI, 0xFF, SOS], 0).is_ok());
        assert!(check_scan_count(&[0xFF, SOI, 0xFF, 0xE0, 0xFF, 0xFF], 0).is_ok());
    }
}
