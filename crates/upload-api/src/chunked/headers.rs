//! The two headers that make an upload request one part of a chunked upload
//! (`upload_large`): `X-Unique-Upload-Id`, the same on every part, and
//! `Content-Range: bytes <first>-<last>/<total>`. Python's SDK declares the
//! total on every part; Node's sends `-1` until the last part, and RFC 9110
//! writes an unknown total as `*`: both are read as "not known yet".

use actix_web::http::header::{HeaderMap, CONTENT_RANGE};

use super::refusal::ChunkRefusal;

pub const UPLOAD_ID: &str = "x-unique-upload-id";
/// Longer than any SDK's ids (16 to 20 characters); it is a database key.
const MAX_UPLOAD_ID_CHARS: usize = 128;

/// Where one part lies in the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartHeaders {
    pub upload_id: String,
    pub first_byte: u64,
    pub last_byte: u64,
    /// The whole file's size, when this part declares it.
    pub total: Option<u64>,
}

impl PartHeaders {
    /// `None` for a request with neither header (a whole file). The
    /// declared total (or, while it is unknown, the bytes this part reaches)
    /// must be within `max_bytes`.
    pub fn from_headers(
        headers: &HeaderMap,
        max_bytes: u64,
    ) -> Result<Option<PartHeaders>, ChunkRefusal> {
        let text = |name| {
            headers
                .get(name)
                .map(|v| v.to_str().map(str::trim).map_err(|_| ()))
        };
        let (upload_id, range) = match (text(UPLOAD_ID), text(CONTENT_RANGE.as_str())) {
            (None, None) => return Ok(None),
            (Some(_), None) => return Err(ChunkRefusal::MissingHeader("Content-Range")),
            (None, Some(_)) => return Err(ChunkRefusal::MissingHeader("X-Unique-Upload-Id")),
            (Some(id), Some(range)) => (id, range),
        };
        let upload_id = upload_id
            .ok()
            .filter(|id| {
                (1..=MAX_UPLOAD_ID_CHARS).contains(&id.len())
                    && id.bytes().all(|b| b.is_ascii_graphic())
            })
            .ok_or(ChunkRefusal::InvalidUploadId)?;
        let range = range.map_err(|()| ChunkRefusal::InvalidContentRange(String::new()))?;
        let (first_byte, last_byte, total) = parse_range(range)
            .ok_or_else(|| ChunkRefusal::InvalidContentRange(range.chars().take(100).collect()))?;
        let part = PartHeaders {
            upload_id: upload_id.to_owned(),
            first_byte,
            last_byte,
            total,
        };
        // The declared total (else what this part reaches) must fit.
        let size = total.unwrap_or(part.end());
        if size > max_bytes {
            return Err(ChunkRefusal::FileTooLarge {
                got: size,
                max: max_bytes,
            });
        }
        Ok(Some(part))
    }

    /// The part's length in bytes.
    pub fn len(&self) -> u64 {
        self.last_byte - self.first_byte + 1
    }

    /// The first byte after this part.
    pub fn end(&self) -> u64 {
        self.last_byte + 1
    }
}

/// `bytes 0-99/1000` -> `(0, 99, Some(1000))`; `/-1` and `/*` give `None`.
/// A range must hold at least one byte and end inside a declared total.
fn parse_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let (unit, rest) = value.split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (range, total) = rest.trim().split_once('/')?;
    let (first, last) = range.split_once('-')?;
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (first, last) = (number(first)?, number(last)?);
    let total = match total {
        "*" | "-1" => None,
        other => Some(number(other)?),
    };
    let fits = first <= last && total.is_none_or(|total| last < total);
    fits.then_some((first, last, total))
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn part(range: &str) -> Result<Option<PartHeaders>, ChunkRefusal> {
        PartHeaders::from_headers(
            &headers(&[("X-Unique-Upload-Id", "abc123"), ("Content-Range", range)]),
            1000,
        )
    }

    #[test]
    fn both_sdks_ranges_are_read() {
        let python = part("bytes 0-599/1000").unwrap().unwrap();
        assert_eq!(
            (python.first_byte, python.last_byte, python.total),
            (0, 599, Some(1000))
        );
        assert_eq!((python.len(), python.end()), (600, 600));
        let node = part("bytes 600-799/-1").unwrap().unwrap();
        assert_eq!((node.first_byte, node.total), (600, None));
        assert_eq!(part("BYTES 0-0/*").unwrap().unwrap().total, None);
    }

    #[test]
    fn a_whole_file_has_neither_header_and_a_part_needs_both() {
        assert_eq!(PartHeaders::from_headers(&headers(&[]), 10).unwrap(), None);
        let only_id = headers(&[("X-Unique-Upload-Id", "abc")]);
        assert!(matches!(
            PartHeaders::from_headers(&only_id, 10),
            Err(ChunkRefusal::MissingHeader("Content-Range"))
        ));
        let only_range = headers(&[("Content-Range", "bytes 0-1/2")]);
        assert!(matches!(
            PartHeaders::from_headers(&only_range, 10),
            Err(ChunkRefusal::MissingHeader("X-Unique-Upload-Id"))
        ));
    }

    #[test]
    fn malformed_and_impossible_ranges_are_refused() {
        for bad in [
            "0-1/2",
            "bits 0-1/2",
            "bytes 1-0/2",
            "bytes 0-2/2",
            "bytes -1-2/5",
            "bytes 0-1/",
            "bytes 0-1",
            "bytes +0-1/2",
            "bytes 0-99999999999999999999999/-1",
        ] {
            assert!(
                matches!(part(bad), Err(ChunkRefusal::InvalidContentRange(_))),
                "{bad:?}: {:?}",
                part(bad)
            );
        }
    }

    #[test]
    fn a_total_or_a_reach_past_the_limit_is_too_large() {
        assert!(matches!(
            part("bytes 0-99/1001"),
            Err(ChunkRefusal::FileTooLarge {
                got: 1001,
                max: 1000
            })
        ));
        assert!(matches!(
            part("bytes 900-1000/-1"),
            Err(ChunkRefusal::FileTooLarge { got: 1001, .. })
        ));
        assert!(part("bytes 0-999/1000").is_ok());
    }

    #[test]
    fn upload_ids_are_short_printable_ascii() {
        for bad in ["", "a b", &"x".repeat(129)] {
            let map = headers(&[
                ("X-Unique-Upload-Id", bad),
                ("Content-Range", "bytes 0-1/2"),
            ]);
            assert!(
                matches!(
                    PartHeaders::from_headers(&map, 10),
                    Err(ChunkRefusal::InvalidUploadId)
                ),
                "{bad:?}"
            );
        }
    }
}
